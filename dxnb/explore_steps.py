"""The explorer's parameters, wording helpers and its later steps: history, gaps and export.

:class:`ExplorerSteps` is the base of :class:`~dxnb.explore.Explorer`, which adds loading and
selecting, the summary, the selection line, the picker and the comparison. Everything here reads
``self.dataset``, ``self.unit_code``, ``self.indicator``, ``self.period``, ``self.district``,
``self.province``, ``self.export_dir`` and ``self.export_filter``.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from . import fmt as f
from . import html as h
from .catalogue import Catalogue, Indicator
from .dataset import Dataset
from .errors import ParameterError
from .evaluate import evaluate_period, peer_codes
from .explore_data import (
    OUTLIER_MIN_VALUES,
    compare_table,
    find_outliers,
    indicator_history,
    indicator_periods,
    missing_table,
)
from .export_table import export_table, header, write_exports
from .group_charts import history_chart
from .html import Html
from .i18n import t, unit_name
from .map_figure import map_figure
from .overview_data import quality_flags, scope_label, select_units
from .overview_sections import CHECK_FLAGS
from .pages import Page, inline_name, shown_path, target_verified
from .params import period_label
from .paths import PROJECT_ROOT, REPORTS_DIR
from .text import slugify

#: Where exports go by default.
EXPORT_DIR = REPORTS_DIR / "exports"
#: Which units an export keeps, judged on the chosen indicator.
FILTERS = ("all", "below_target", "below_median", "no_data")
#: Rows of the tables of the explorer.
TABLE_MAX_ROWS = 60


# --------------------------------------------------------------------------- parameters


def _check_filter(only: object) -> str:
    if only not in FILTERS:
        raise ParameterError(t("ex_bad_filter", filters=", ".join(FILTERS), value=repr(only)))
    return str(only)


def resolve_export_dir(export_dir: object = None) -> Path:
    """Return the export folder: ``reports/exports`` by default, a relative path from the project root."""
    if export_dir is None or str(export_dir).strip() == "":
        return EXPORT_DIR
    path = Path(str(export_dir)).expanduser()
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


class ExplorerSteps(Page):
    """The chosen unit, indicator and group in words, and the explorer's steps after the comparison."""

    dataset: Dataset
    unit_code: str
    indicator: str
    period: str
    district: str
    province: str
    export_dir: Path
    export_filter: str

    # ------------------------------------------------------------------ helpers

    @property
    def catalogue(self) -> Catalogue:
        """The framework in force for the chosen period (its groups and indicators; see ``frameworks.csv``)."""
        return self.dataset.catalogue_for(self.period)

    @property
    def ind(self) -> Indicator:
        """The chosen indicator."""
        return self.catalogue[self.indicator]

    @property
    def codes(self) -> list[str]:
        """The comparison group: the district or province given, else the unit's district."""
        if self.district or self.province:
            return select_units(self.dataset, self.district, self.province)
        return peer_codes(self.dataset, self.unit_code)

    @property
    def scope(self) -> str:
        """The comparison group as named in sentences ("huyện Phú Giáo, tỉnh Bình Dương")."""
        level = "district" if self.district else "province" if self.province else None
        label = scope_label(self.dataset.units.loc[self.codes], self.lang, level)
        return label[:1].lower() + label[1:] if self.lang == "vi" else label

    @property
    def unit_label(self) -> str:
        """The chosen unit as named in sentences ("xã Vĩnh Hòa")."""
        unit = self.dataset.units.loc[self.unit_code]
        return unit_name(unit["name"], unit["kind"], self.lang)

    def _indicator_name(self, lower: bool = True) -> str:
        name = self.ind.name(self.lang)
        return inline_name(name) if lower else name

    def _value(self, value: float, qualifier: str = "") -> str:
        text = f.value(value, self.ind, self.lang, with_unit=True)
        if qualifier == "lower_bound" and not f.missing(value):
            return t("lower_bound", self.lang, value=text)
        if qualifier == "estimate" and not f.missing(value):  # as the report shows it
            return f"{text} ({t('estimate', self.lang)})"
        return text

    def _target_text(self) -> str:
        ind = self.ind
        text = t("target_text", self.lang, value=f.value(ind.target, ind, self.lang), year=ind.target_year)
        return text if target_verified(ind.target_source) else t("target_unverified", self.lang, target=text)

    def compare_table(self) -> pd.DataFrame:
        """:func:`compare_table` of the chosen indicator over the comparison group."""
        return compare_table(self.dataset, self.indicator, self.period, self.codes)

    # ------------------------------------------------------------------ steps

    def map(self) -> Html:
        """The comparison group on a map, coloured by the chosen indicator (a rate) or its points (other kinds).

        The chosen unit is ringed; hollow grey dots have no value. Units that are not in the registry (made-up
        codes) get a note instead of a map.
        """
        lang, ind = self.lang, self.ind
        frame = self.compare_table()
        title = t("map_title", lang)
        shown = period_label(self.period, lang, inline=True)
        values = dict(n=len(frame), scope=self.scope, indicator=self._indicator_name(), period=shown)
        if ind.kind == "rate":
            frame = frame.assign(shown=frame["value"])
            kind, alt = "rate", t("map_explore_alt", lang, **values)
        elif ind.scored:
            frame = frame.assign(shown=frame["points"] / frame["max_points"])
            frame.loc[frame["value"].isna(), "shown"] = np.nan
            kind, alt = "index", t("map_explore_points_alt", lang, **values)
        else:
            return h.section("map", title, h.note(t("map_explore_unscored", lang, indicator=self._indicator_name())))
        figure = map_figure(self.dataset.units.loc[frame.index], frame, value_col="shown", label_col="name", alt=alt,
                            lang=lang, kind=kind, highlight=self.unit_code)  # fmt: skip
        return h.section("map", title, figure)

    def history(self) -> Html:
        """The chosen indicator over the years: the unit against the group median, and every unit of the group."""
        lang, ind = self.lang, self.ind
        periods = indicator_periods(self.dataset, self.indicator, self.period)  # of its length, its framework
        codes = self.codes
        title = t("history", lang, indicator=ind.name(lang))
        if len(periods) < 2:
            return h.section("history", title, h.para(t("history_single", lang, period=self.period)))
        table_ = indicator_history(self.dataset, self.indicator, codes, periods)
        active = pd.DataFrame({p: evaluate_period(self.dataset, p, codes)["has_data"] for p in periods})
        table_ = table_.where(active)
        mine = table_.loc[self.unit_code]
        median = table_.median()
        known = mine.dropna()
        parts = []
        if len(known) >= 1:
            first, last = known.index[0], known.index[-1]
            parts.append(
                h.para(
                    t(
                        "history_line",
                        lang,
                        first=first,
                        last=last,
                        indicator=self._indicator_name(),
                        unit=self.unit_label,
                        start=f.value(known.iloc[0], ind, lang),
                        end=f.value(known.iloc[-1], ind, lang),
                        scope=self.scope,
                        median_start=f.value(median[first], ind, lang),
                        median_end=f.value(median[last], ind, lang),
                    )
                )
            )
        previous, period = periods[-2], periods[-1]
        change = table_[period] - table_[previous]
        both = change.dropna()
        parts.append(
            h.para(
                t(
                    "history_change",
                    lang,
                    previous=previous,
                    period=period,
                    up=f.number((both > 0).sum(), 0, lang),
                    down=f.number((both < 0).sum(), 0, lang),
                    same=f.number((both == 0).sum(), 0, lang),
                    missing=f.number(len(change) - len(both), 0, lang),
                )
            )
        )
        chart_title = t("history_chart", lang, indicator=ind.name(lang), unit=self.unit_label)
        uri = history_chart(
            periods,
            mine.tolist(),
            median.tolist(),
            ind=ind,
            unit_label=unit_name(*self.dataset.units.loc[self.unit_code, ["name", "kind"]], lang, capital=True),
            median_label=t("median", lang),
            target_label=t("target", lang, value=f.value(ind.target, ind, lang)) if ind.target is not None else "",
            lang=lang,
        )
        parts.append(self.figure(uri, chart_title))
        ranks = table_.rank(ascending=False, method="min")
        rows = []
        for p in periods:
            rank = (
                f"{int(ranks.at[self.unit_code, p])}/{int(table_[p].notna().sum())}"
                if not f.missing(mine[p])
                else f.DASH
            )
            delta = mine[p] - mine[periods[periods.index(p) - 1]] if periods.index(p) else math.nan
            rows.append(
                (
                    p,
                    f.value(mine[p], ind, lang),
                    f.value(median[p], ind, lang),
                    rank,
                    f.signed(delta, max(ind.decimals, 1) if ind.kind != "count" else 0, lang),
                )
            )
        headers = [
            t("col_period", lang),
            t("col_value", lang),
            t("col_median", lang),
            t("col_rank", lang),
            t("ex_col_change", lang),
        ]
        parts.append(h.table(headers, rows, numeric=(1, 2, 3, 4)))
        parts.append(h.heading(t("history_units", lang, scope=self.scope)))
        order = table_.assign(_change=change.fillna(-np.inf)).sort_values(["_change"], ascending=False).index
        order = [c for c in order if active.loc[c].any()][:TABLE_MAX_ROWS]
        decimals = max(ind.decimals, 1) if ind.kind != "count" else 0
        body, classes = [], []
        for code in order:
            body.append(
                [
                    self.dataset.units.at[code, "name"],
                    *(f.value(table_.at[code, p], ind, lang) for p in periods),
                    f.signed(change[code], decimals, lang),
                ]
            )
            classes.append("dx-self" if code == self.unit_code else "")
        headers = [t("col_unit", lang), *periods, t("col_change_since", lang, previous=previous, period=period)]
        parts.append(h.table(headers, body, numeric=tuple(range(1, len(headers))), row_classes=classes))
        return h.section("history", title, *parts)

    def gaps(self) -> Html:
        """Missing values, values flagged as implausible, and outliers of the chosen indicator."""
        ds, lang, ind, period = self.dataset, self.lang, self.ind, self.period
        codes = self.codes
        title = t("gaps", lang)
        active = evaluate_period(ds, period, codes)
        present = active.index[active["has_data"]].tolist()
        if not present:
            return h.section(
                "gaps",
                title,
                h.para(t("gaps_none", lang, scope=self.scope, period=period_label(period, lang, inline=True))),
            )
        missing = missing_table(ds, period, present)
        flags = quality_flags(ds, period, present)
        to_check = flags[flags["flag"].isin(CHECK_FLAGS)]
        estimates = int(flags["flag"].isin(["estimate", "lower_bound"]).sum())
        parts = [
            h.para(
                t(
                    "gaps_line",
                    lang,
                    period=period_label(period, lang, start=True),
                    n=f.number(len(present), 0, lang),
                    scope=self.scope,
                    cells=f.number(missing["missing"].sum(), 0, lang),
                    indicators=f.number(len(missing), 0, lang),
                    check=f.number(len(to_check), 0, lang),
                    estimates=f.number(estimates, 0, lang),
                )
            )
        ]
        names = ds.units["name"]
        if len(missing):
            rows = [
                (
                    self.catalogue[iid].name(lang),
                    f.number(r["missing"], 0, lang),
                    ", ".join(names[c] for c in r["codes"][:12]) + (" …" if len(r["codes"]) > 12 else ""),
                )
                for iid, r in missing.head(TABLE_MAX_ROWS).iterrows()
            ]
            headers = [t("col_indicator", lang), t("col_missing", lang), t("col_missing_units", lang)]
            parts += [h.heading(t("missing_title", lang)), h.table(headers, rows, numeric=(1,))]
        parts.append(h.heading(t("check_title", lang)))
        if len(to_check):
            rows = [
                (
                    names[r.unit_code],
                    self.catalogue[r.indicator].name(lang),
                    t(f"flag_{r.flag}", lang),
                    f.value(r.value, self.catalogue[r.indicator], lang, with_unit=True),
                )
                for r in to_check.head(TABLE_MAX_ROWS).itertuples()
            ]
            headers = [t("col_unit", lang), t("col_indicator", lang), t("col_issue", lang), t("col_value", lang)]
            parts.append(h.table(headers, rows, numeric=(3,)))
        else:
            parts.append(h.para(t("check_none", lang)))
        parts.append(h.heading(t("outliers_title", lang, indicator=ind.name(lang))))
        values = compare_table(ds, self.indicator, period, present)["value"]
        outliers, low, high = find_outliers(values)
        low, high = max(low, 0.0), min(high, 100.0) if ind.kind == "rate" else high
        if values.notna().sum() < OUTLIER_MIN_VALUES:
            parts.append(h.para(t("outliers_few", lang, n=OUTLIER_MIN_VALUES)))
        else:
            parts.append(h.para(t("outliers_line", lang, low=f.value(low, ind, lang), high=f.value(high, ind, lang))))
            if outliers.empty:
                parts.append(h.para(t("outliers_none", lang)))
            else:
                rows = [
                    (names[c], f.value(r["value"], ind, lang), t(r["direction"], lang)) for c, r in outliers.iterrows()
                ]
                parts.append(
                    h.table([t("col_unit", lang), t("col_value", lang), t("col_issue", lang)], rows, numeric=(1,))
                )
        return h.section("gaps", title, *parts)

    def filtered_codes(self, only: str = "below_target") -> tuple[list[str], str]:
        """The units of the group kept by the filter ``only`` on the chosen indicator.

        ``all`` keeps every unit of the group and ``no_data`` every unit without a value (with or
        without other observations in the period); ``below_target`` and ``below_median`` keep units
        whose value is below the national target or the group's median. ``below_target`` falls back
        to ``below_median`` for an indicator without a national target.

        Returns:
            The codes (highest value first, units without a value last) and the filter applied.

        Raises:
            ParameterError: for an unknown filter.
        """
        only = _check_filter(only)
        frame = self.compare_table()
        if only == "below_target" and self.ind.target is None:
            only = "below_median"
        values = frame["value"]
        if only == "all":
            keep = frame.index
        elif only == "below_target":
            keep = frame.index[values < self.ind.target]
        elif only == "below_median":
            keep = frame.index[values < values.median()]
        else:
            keep = frame.index[values.isna()]
        return list(keep), only

    def export(self, only: str | None = None) -> Html:
        """Write the group's units kept by ``only`` (see :meth:`filtered_codes`) to Excel and CSV.

        ``only`` defaults to the ``export_filter`` given to :meth:`load`.

        Files are ``<export_dir>/<scope>-<period>-<indicator>-<filter>.xlsx`` and ``.csv``; the
        returned HTML names them and previews the rows.
        """
        ds, lang, ind = self.dataset, self.lang, self.ind
        requested = _check_filter(self.export_filter if only is None else only)
        codes, applied = self.filtered_codes(requested)
        frame = export_table(ds, self.period, codes, self.indicator, lang)
        filter_text = t(f"filter_{applied}", lang, indicator=self._indicator_name())
        notes = [
            (t("about_dataset", lang), str(ds.path)),
            (t("about_fingerprint", lang), ds.fingerprint),
            (t("about_scope", lang), self.scope),
            (t("h_period", lang), self.period),
            (t("about_filter", lang), filter_text),
            (t("about_generated", lang), f"dxnb {__version__}, {f.timestamp(dt.datetime.now(), lang)}"),
            ("", t("about_ypn", lang)),
        ]
        definitions = pd.DataFrame(
            [
                (
                    i.id,
                    i.name(lang),
                    i.unit(lang),
                    None if i.target is None else i.target,
                    i.target_year,
                    i.target_source,
                    i.description,
                )
                for i in self.catalogue
            ],
            columns=[
                t("col_id", lang),
                t("col_indicator", lang),
                t("col_unit_label", lang),
                t("col_target", lang),
                t("h_period", lang),
                t("col_document", lang),
                t("col_description", lang),
            ],
        )
        formats = {t("h_score", lang): "0.00"}
        for i in self.catalogue:
            formats[header(i, lang)] = "#,##0" if i.kind == "count" else "0.0"
        stem_place = (
            self.district
            or self.province
            or self.dataset.units.at[self.unit_code, "district"]
            or (self.dataset.units.at[self.unit_code, "province"])
        )
        stem = f"{slugify(str(stem_place))}-{self.period}-{self.indicator}-{applied}"
        xlsx, csv = write_exports(
            frame,
            self.export_dir,
            stem,
            sheet=t("sheet_data", lang),
            notes=notes,
            notes_sheet=t("sheet_notes", lang),
            indicators=definitions,
            text_columns=[t("h_code", lang)],
            formats=formats,
        )
        parts = []
        if applied != requested:
            parts.append(h.para(t("export_fallback", lang, indicator=ind.name(lang))))
        shown = [shown_path(p) for p in (xlsx, csv)]
        parts.append(h.para(t("export_line", lang, n=len(frame), filter=filter_text)))
        parts.append(h.items(h.code(p) for p in shown))
        parts.append(h.para(t("export_note", lang)))
        preview_columns = list(frame.columns[:2]) + list(frame.columns[6:9])
        preview = frame[preview_columns].head(TABLE_MAX_ROWS)
        rows = [
            [str(r.iloc[0]), r.iloc[1], f.value(r.iloc[2], ind, lang), r.iloc[3], r.iloc[4]]
            for _, r in preview.iterrows()
        ]
        parts.append(h.table(preview_columns, rows, numeric=(2,)))
        return h.section("export", t("export", lang), *parts)
