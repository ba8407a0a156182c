"""Guided exploration for advisors: one unit and one indicator, against the unit's peers and over the years.

``notebooks/explore.ipynb`` drives an :class:`Explorer`; every step is one call that returns HTML
(tables and charts in the report's style, numbers in Vietnamese style, text from the data escaped).
The plain functions (:func:`compare_table`, :func:`indicator_history`, :func:`find_outliers`,
:func:`missing_table` in :mod:`dxnb.explore_data`; :func:`export_table`, :func:`write_exports` in
:mod:`dxnb.export_table`) return pandas frames for questions of one's own.

The comparison group is the unit's district (its peer group), or the district or province given.
Exports go to ``reports/exports/`` (from the project root) as Excel and CSV, written atomically,
with Vietnamese headers and unit codes kept as text.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from . import __version__
from . import fmt as f
from . import html as h
from .catalogue import Indicator
from .dataset import Dataset, load_dataset
from .errors import DxnbError, ParameterError
from .evaluate import evaluate_period, peer_codes
from .explore_data import (
    OUTLIER_MIN_VALUES,
    compare_table,
    find_outliers,
    indicator_history,
    missing_table,
    resolve_indicator,
    resolve_unit,
)
from .export_table import export_table, header, write_exports
from .group_charts import history_chart, value_bars
from .html import Html
from .i18n import check_lang, t, unit_name
from .overview import CHECK_FLAGS
from .overview_data import check_data_period, check_place_name, edge_units, quality_flags, scope_label, select_units
from .pages import Page, is_synthetic, shown_path
from .paths import PROJECT_ROOT, REPORTS_DIR, resolve_data_dir
from .report import check_period
from .text import slugify, vi_sort_key

log = logging.getLogger(__name__)

#: Where exports go by default.
EXPORT_DIR = REPORTS_DIR / "exports"
#: Which units an export keeps, judged on the chosen indicator.
FILTERS = ("all", "below_target", "below_median", "no_data")
#: Units drawn in a comparison chart; beyond, the best and lowest (and the chosen unit).
CHART_MAX_UNITS = 40
EDGE_UNITS = 15
#: Rows of the tables of this module.
TABLE_MAX_ROWS = 60


# --------------------------------------------------------------------------- parameters


def _check_filter(only: object) -> str:
    if only not in FILTERS:
        raise ParameterError(f"export_filter must be one of {', '.join(FILTERS)}; got {only!r}.")
    return str(only)


def resolve_export_dir(export_dir: object = None) -> Path:
    """Return the export folder: ``reports/exports`` by default, a relative path from the project root."""
    if export_dir is None or str(export_dir).strip() == "":
        return EXPORT_DIR
    path = Path(str(export_dir)).expanduser()
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


# --------------------------------------------------------------------------- the explorer


@dataclass
class Explorer(Page):
    """An advisor's view of one unit and one indicator in one period (see the module docstring)."""

    #: The steps that show something (the picker is a widget, the export writes files).
    SECTIONS: ClassVar[tuple[str, ...]] = ("summary", "selection", "compare", "history", "gaps")

    dataset: Dataset
    unit_code: str
    indicator: str
    period: str
    lang: str = "vi"
    district: str = ""
    province: str = ""
    export_dir: Path = field(default_factory=lambda: EXPORT_DIR)
    export_filter: str = "below_target"

    @classmethod
    def load(
        cls,
        unit: object,
        indicator: object,
        period: object,
        data_dir: str | Path = "data",
        lang: str = "vi",
        district: object = "",
        province: object = "",
        export_dir: object = "",
        export_filter: object = "below_target",
        *,
        dataset: Dataset | None = None,
    ) -> Explorer:
        """Check the parameters and load the dataset.

        Args:
            unit: A unit name ("Vĩnh Hòa", any Unicode form) or code ("25882").
            indicator: An indicator id ("household_fibre_rate") or name.
            period: A year with data ("2024").
            data_dir: The dataset folder; a relative path is taken from the project root.
            lang: ``"vi"`` or ``"en"``.
            district: Compare within this district instead of the unit's own (empty: the unit's).
            province: Compare within this province (empty: the unit's district).
            export_dir: Where exports go (empty: ``reports/exports``; relative to the project root).
            export_filter: Which units :meth:`export` writes by default (one of :data:`FILTERS`).
            dataset: An already loaded dataset (then ``data_dir`` is not read).

        Raises:
            ParameterError: for an unknown language, unit, indicator, period, district or province,
                a unit outside the district or province given, or an unknown export filter.
        """
        lang = check_lang(lang)
        period = check_period(period)
        ds = dataset if dataset is not None else load_dataset(resolve_data_dir(data_dir))
        explorer = cls(
            ds,
            "",
            "",
            "",
            lang,
            check_place_name("district", district),
            check_place_name("province", province),
            resolve_export_dir(export_dir),
            _check_filter(export_filter),
        )
        explorer.select(unit=unit, indicator=indicator, period=period)
        return explorer

    def select(self, unit: object = None, indicator: object = None, period: object = None) -> None:
        """Change the unit, the indicator or the period (None keeps the current one).

        Raises:
            ParameterError: as :meth:`load`.
        """
        ds = self.dataset
        code = resolve_unit(ds, unit) if unit is not None else self.unit_code
        iid = resolve_indicator(ds, indicator) if indicator is not None else self.indicator
        period = check_data_period(ds, period) if period is not None else self.period
        if self.district or self.province:
            scope = select_units(ds, self.district, self.province)
            if code not in scope:
                where = scope_label(ds.units.loc[scope], "en")
                raise ParameterError(
                    f"{ds.units.at[code, 'name']} ({code}) is not in {where}; choose one of its units, or leave "
                    'district and province empty ("") to compare within the unit\'s own district.'
                )
        self.unit_code, self.indicator, self.period = code, iid, period

    # ------------------------------------------------------------------ helpers

    @property
    def ind(self) -> Indicator:
        """The chosen indicator."""
        return self.dataset.catalogue[self.indicator]

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
        return name[:1].lower() + name[1:] if lower and self.lang == "vi" else name

    def _value(self, value: float, qualifier: str = "") -> str:
        text = f.value(value, self.ind, self.lang, with_unit=True)
        if qualifier == "lower_bound" and not f.missing(value):
            return t("lower_bound", self.lang, value=text)
        return text

    def _target_text(self) -> str:
        ind = self.ind
        return t("target_text", self.lang, value=f.value(ind.target, ind, self.lang), year=ind.target_year)

    # ------------------------------------------------------------------ steps

    def summary(self) -> Html:
        """The dataset in a few lines, its pillars and indicators, and the stylesheet of the next steps."""
        ds, lang, cat = self.dataset, self.lang, self.dataset.catalogue
        units = ds.units
        path = shown_path(ds.path)
        line = t(
            "summary_line",
            lang,
            units=f.number(len(units), 0, lang),
            provinces=f.number(units["province"].nunique(), 0, lang),
            districts=f.number(units["district"].replace("", np.nan).nunique(), 0, lang),
            indicators=f.number(len(cat), 0, lang),
            pillars=f.number(len(cat.pillars), 0, lang),
            observations=f.number(len(ds.observations), 0, lang),
            periods=", ".join(ds.periods),
            path=path,
        )
        parts = [h.para(line)]
        synthetic = ds.observations["source"].str.contains("synthetic", regex=False).mean()
        if synthetic > 0 or is_synthetic((), units["source"]):
            parts.append(h.banner(t("synthetic_share", lang, share=f.share(synthetic, lang))))
        if ds.warnings:
            parts.append(h.para(t("warnings", lang, n=len(ds.warnings))))
        rows = []
        for pid, pillar in cat.pillars.items():
            members = cat.in_pillar(pid)
            rows.append(
                (
                    pillar.name(lang),
                    "; ".join(ind.name(lang) for ind in members),
                    f.number(sum(ind.target is not None for ind in members), 0, lang),
                    f.number(cat.pillar_max(pid), 0, lang),
                )
            )
        headers = [t("col_pillar", lang), t("col_indicators", lang), t("col_with_target", lang), t("col_max", lang)]
        parts.append(h.table(headers, rows, numeric=(2, 3)))
        return h.join(h.style(), h.section("summary", t("ex_summary", lang), *parts))

    def selection(self) -> Html:
        """One line: the unit, the indicator, the period and the comparison group in view."""
        lang = self.lang
        unit = self.dataset.units.loc[self.unit_code]
        place = self.place(unit)
        line = self.rich(
            "selection_line",
            unit=unit_name(unit["name"], unit["kind"], lang, capital=True),
            code=self.unit_code,
            place=place,
            indicator=self.ind.name(lang),
            period=self.period,
            scope=self.scope,
            n=f.number(len(self.codes), 0, lang),
        )
        return h.block("dx-report", h.note(h.bold(f"{t('selection', lang)}:"), " ", line))

    def picker(self):
        """Dropdowns for the unit, the indicator and the period, with a live comparison chart below them.

        Changing a dropdown changes this explorer's selection (so the cells after it use it when run
        again) and redraws the comparison. Returns an ``ipywidgets.VBox``.
        """
        import ipywidgets as widgets

        ds, lang = self.dataset, self.lang
        pool = select_units(ds, self.district, self.province) if (self.district or self.province) else ds.units.index
        units = ds.units.loc[list(pool)]
        options = sorted(
            (
                (f"{n} — {k}, {d or p} ({c})", c)
                for c, n, k, d, p in units[["code", "name", "kind", "district", "province"]].itertuples(index=False)
            ),
            key=lambda item: vi_sort_key(item[0]),
        )
        style = {"description_width": "initial"}
        unit = widgets.Dropdown(
            options=options,
            value=self.unit_code,
            description=t("picker_unit", lang),
            style=style,
            layout=widgets.Layout(width="30em"),
        )
        indicator = widgets.Dropdown(
            options=[(ind.name(lang), ind.id) for ind in ds.catalogue],
            value=self.indicator,
            description=t("picker_indicator", lang),
            style=style,
            layout=widgets.Layout(width="38em"),
        )
        period = widgets.Dropdown(
            options=ds.periods,
            value=self.period,
            description=t("picker_period", lang),
            style=style,
            layout=widgets.Layout(width="10em"),
        )
        preview = widgets.HTML(str(self.selection()) + str(self.compare(with_table=False)))
        hint = widgets.HTML(h.block("dx-report", h.para(t("picker_hint", lang), cls="dx-hint")))

        def update(_change: object) -> None:
            try:
                self.select(unit=unit.value, indicator=indicator.value, period=period.value)
                preview.value = str(self.selection()) + str(self.compare(with_table=False))
            except DxnbError as exc:
                preview.value = h.block("dx-report", h.para(str(exc), cls="dx-fail"))

        for control in (unit, indicator, period):
            control.observe(update, names="value")
        box = widgets.VBox([widgets.HBox([unit, period]), indicator, hint, preview])
        box.controls = {"unit": unit, "indicator": indicator, "period": period, "preview": preview}
        return box

    def compare_table(self) -> pd.DataFrame:
        """:func:`compare_table` of the chosen indicator over the comparison group."""
        return compare_table(self.dataset, self.indicator, self.period, self.codes)

    def compare(self, *, with_table: bool = True) -> Html:
        """The chosen indicator across the comparison group: a sentence, a bar chart and (by default) a table."""
        lang, ind, period = self.lang, self.ind, self.period
        frame = self.compare_table()
        present = frame[frame["has_data"]]
        values = present["value"].dropna()
        median = float(values.median()) if len(values) else math.nan
        mine = frame.loc[self.unit_code]
        parts = []
        if not f.missing(mine["value"]):
            text = self.rich(
                "compare_line",
                period=period,
                indicator=self._indicator_name(),
                unit=self.unit_label,
                value=self._value(mine["value"], mine["qualifier"]),
                rank=int(mine["rank"]),
                n=len(values),
                scope=self.scope,
                median=f.value(median, ind, lang),
            )
        else:
            text = self.rich(
                "compare_missing",
                period=period,
                unit=self.unit_label,
                indicator=self._indicator_name(),
                scope=self.scope,
                median=f.value(median, ind, lang),
            )
        if ind.target is not None:
            meets = present["meets_target"]
            text = h.join(
                text,
                " ",
                (
                    t(
                        "target_line",
                        lang,
                        target=self._target_text(),
                        source=ind.target_source,
                        met=int((meets == True).sum()),  # noqa: E712 - object column of True/False/None
                        not_met=int((meets == False).sum()),  # noqa: E712
                        no_data=int(meets.isna().sum()),
                    ),
                ),
            )
        parts.append(h.para(text))
        ranked = values.index.tolist()
        if ranked:
            codes, separator = edge_units(ranked, CHART_MAX_UNITS, EDGE_UNITS)
            if separator is not None and self.unit_code in ranked and self.unit_code not in codes:
                codes = [*codes[: separator + 1], self.unit_code, *codes[separator + 1 :]]
            if separator is not None:
                parts.append(h.note(t("ex_edge_note", lang, n=len(ranked), edge=EDGE_UNITS)))
            title = t("compare_chart", lang, indicator=ind.name(lang), period=period)
            uri = value_bars(
                [frame.at[c, "name"] for c in codes],
                [frame.at[c, "value"] for c in codes],
                codes.index(self.unit_code) if self.unit_code in codes else None,
                ind=ind,
                median=median,
                median_label=t("median", lang),
                target_label=t("target", lang, value=f.value(ind.target, ind, lang)) if ind.target else "",
                separator=separator,
                lang=lang,
            )
            parts.append(h.figure(uri, title))
        missing = present.index[present["value"].isna()].tolist()
        if missing:
            names = ", ".join(frame.at[c, "name"] for c in missing)
            parts.append(h.para(t("no_data_list", lang, names=names)))
        if with_table:
            parts.append(self._compare_rows(frame))
        return h.section("compare", t("compare", lang, indicator=ind.name(lang)), *parts)

    def _compare_rows(self, frame: pd.DataFrame) -> str:
        lang, ind = self.lang, self.ind
        shown = frame[frame["has_data"]]
        cut = len(shown) > TABLE_MAX_ROWS
        if cut:
            keep = set(shown.index[:TABLE_MAX_ROWS]) | {self.unit_code}
            shown = shown[shown.index.isin(keep)]
        headers = [t("col_rank", lang), t("col_unit", lang), t("col_value", lang)]
        if ind.scored:
            headers.append(t("col_points", lang))
        if ind.target is not None:
            headers.append(t("ex_col_status", lang))
        headers.append(t("ex_col_source", lang))
        rows, classes = [], []
        for code, r in shown.iterrows():
            cells = [
                f.DASH if f.missing(r["rank"]) else int(r["rank"]),
                r["name"],
                self._value(r["value"], r["qualifier"]),
            ]
            if ind.scored:
                cells.append(f"{f.number(r['points'], 1, lang)}/{f.number(r['max_points'], 0, lang)}")
            if ind.target is not None:
                cells.append(self.status(r["meets_target"]))
            cells.append(r["source"] or f.DASH)
            rows.append(cells)
            classes.append("dx-self" if code == self.unit_code else "")
        numeric = (0, 2, 3) if ind.scored else (0, 2)
        html = h.block("dx-keep", h.table(headers, rows, numeric=numeric, row_classes=classes))
        if cut:
            html = h.join(html, h.note(t("ex_table_cut", lang, shown=len(shown), n=len(frame))))
        return html

    def history(self) -> Html:
        """The chosen indicator over the years: the unit against the group median, and every unit of the group."""
        lang, ind = self.lang, self.ind
        periods = [p for p in self.dataset.periods if p <= self.period]
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
        parts.append(h.figure(uri, chart_title))
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
            return h.section("gaps", title, h.para(t("gaps_none", lang, scope=self.scope, period=period)))
        missing = missing_table(ds, period, present)
        flags = quality_flags(ds, period, present)
        to_check = flags[flags["flag"].isin(CHECK_FLAGS)]
        estimates = int(flags["flag"].isin(["estimate", "lower_bound"]).sum())
        parts = [
            h.para(
                t(
                    "gaps_line",
                    lang,
                    period=period,
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
                    ds.catalogue[iid].name(lang),
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
                    ds.catalogue[r.indicator].name(lang),
                    t(f"flag_{r.flag}", lang),
                    f.value(r.value, ds.catalogue[r.indicator], lang, with_unit=True),
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
                for i in ds.catalogue
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
        for i in ds.catalogue:
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


__all__ = [
    "EXPORT_DIR",
    "FILTERS",
    "Explorer",
    "compare_table",
    "export_table",
    "find_outliers",
    "indicator_history",
    "missing_table",
    "resolve_export_dir",
    "resolve_indicator",
    "resolve_unit",
    "write_exports",
]
