"""The district (or province) overview: many units side by side for one period.

``notebooks/district_overview.ipynb`` calls :class:`Overview`; the batch index page reuses
:func:`~dxnb.overview_data.ranking_rows`. The tables behind the sections are in :mod:`dxnb.overview_data`,
the charts in :mod:`dxnb.overview_charts`. Sections:

- ranking: the overall index of every unit, its change and its data coverage;
- heatmap: units × scored indicators, coloured by attainment (points / maximum points);
- pillars: the eight pillar indices of every unit;
- trends: small multiples of each unit's overall index over the periods;
- quality: the evaluation's data-quality flags counted per unit;
- targets: how many units meet, miss or lack data for each national target.

Everything is computed for all selected units at once (vectorised over the evaluation's arrays),
so a selection of the whole country (3,321 units) takes about a second. Charts of single units
show at most :data:`DETAIL_MAX_UNITS`; a larger selection shows its best and lowest units and
the median per province or district, with a note saying so.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from . import charts
from . import fmt as f
from . import html as h
from .dataset import Dataset, load_dataset
from .errors import ParameterError
from .evaluate import (
    FLAGS,
    evaluate_period,
)
from .html import Html
from .i18n import TEXT, check_lang, t
from .overview_charts import heatmap_chart, target_bars, trend_panels
from .overview_data import (
    attainment_table,
    check_data_period,
    check_place_name,
    edge_units,
    quality_counts,
    quality_flags,
    ranking_rows,
    scope_label,
    select_units,
    target_counts,
)
from .pages import Page, is_synthetic
from .paths import resolve_data_dir
from .report import check_period
from .text import vi_sort_key

log = logging.getLogger(__name__)

#: Units drawn one by one in the heatmaps and the pillar chart; a larger selection shows its edges.
DETAIL_MAX_UNITS = 40
#: Of a larger selection, this many best and this many lowest units are drawn.
EDGE_UNITS = 15
#: Panels of the trend small multiples; a larger selection shows its best and lowest units.
TREND_MAX_PANELS = 24
#: Rows of the ranking table; a longer ranking lists its first and last half of this.
TABLE_MAX_ROWS = 100
#: Rows of the data-quality tables.
QUALITY_MAX_ROWS = 40
#: Units named per target in the targets table before "and N more".
NAMES_PER_TARGET = 8
#: A change of data coverage (share of maximum points) from this much makes a change of score not comparable.
COVERAGE_SHIFT = 0.1
#: Flags that mean a value needs checking (the evaluation's implausible flags and unknown denominators).
CHECK_FLAGS = ("share_above_100", "rate_drop", "count_outlier", "denominator_unknown")


# --------------------------------------------------------------------------- the overview


@dataclass
class Overview(Page):
    """The overview of several units for one period, section by section (see the module docstring)."""

    SECTIONS: ClassVar[tuple[str, ...]] = ("header", "ranking", "heatmap", "pillars", "trends", "quality", "targets")

    dataset: Dataset
    period: str
    codes: list[str]
    lang: str = "vi"
    parameters: dict | None = None

    @classmethod
    def build(
        cls,
        period: object,
        data_dir: str | Path = "data",
        lang: str = "vi",
        district: object = None,
        province: object = None,
        *,
        dataset: Dataset | None = None,
    ) -> Overview:
        """Check the parameters, load the dataset and select the units.

        Args:
            period: The period, a year such as ``"2024"``.
            data_dir: The dataset folder; a relative path is taken from the project root.
            lang: ``"vi"`` or ``"en"``.
            district: A district name, or empty for no filter.
            province: A province name, or empty for no filter.
            dataset: An already loaded dataset (then ``data_dir`` is not read).

        Raises:
            ParameterError: for an unknown language, a malformed or unknown period, an unknown
                district or province, or a selection without data for the period.
            DataError: when the dataset does not validate.
        """
        lang = check_lang(lang)
        period = check_period(period)
        district = check_place_name("district", district)
        province = check_place_name("province", province)
        ds = dataset if dataset is not None else load_dataset(resolve_data_dir(data_dir))
        period = check_data_period(ds, period)
        codes = select_units(ds, district, province)
        with_data = set(ds.observations.loc[ds.observations["unit_code"].isin(codes), "period"].unique())
        if period not in with_data and (district or province):
            label = scope_label(ds.units.loc[codes], "en")
            listed = ", ".join(sorted(with_data)) or "none"
            raise ParameterError(f"No unit of {label} has data for period {period}; periods with data there: {listed}.")
        params = {"period": period, "data_dir": str(data_dir), "lang": lang, "district": district, "province": province}
        return cls(ds, period, codes, lang, params)

    # ------------------------------------------------------------------ data

    @functools.cached_property
    def rows(self) -> pd.DataFrame:
        """:func:`ranking_rows` of the selected units."""
        return ranking_rows(self.dataset, self.period, self.codes)

    @property
    def ranked(self) -> list[str]:
        """Codes of the units with data, best first."""
        rows = self.rows
        return rows.index[rows["has_data"]].tolist()

    @functools.cached_property
    def attainment(self) -> pd.DataFrame:
        """:func:`attainment_table` of the units with data, best first."""
        return attainment_table(self.dataset, self.period, self.ranked)

    @functools.cached_property
    def flags(self) -> pd.DataFrame:
        """:func:`quality_flags` of the units with data, best first."""
        return quality_flags(self.dataset, self.period, self.ranked)

    @functools.cached_property
    def periods(self) -> list[str]:
        """The dataset's periods up to the overview's period."""
        return [p for p in self.dataset.periods if p <= self.period]

    @functools.cached_property
    def _by_period(self) -> dict[str, pd.DataFrame]:
        """:func:`~dxnb.evaluate.evaluate_period` of the units with data, for each of :attr:`periods`."""
        return {p: evaluate_period(self.dataset, p, self.ranked) for p in self.periods}

    @property
    def history(self) -> pd.DataFrame:
        """The overall index of the units with data (rows, best first) over :attr:`periods` (columns)."""
        return pd.DataFrame({p: frame["score"] for p, frame in self._by_period.items()}).reindex(self.ranked)

    @property
    def scope(self) -> str:
        """The selection as named in titles: "Huyện Phú Giáo, tỉnh Bình Dương"."""
        params = self.parameters or {}
        level = "district" if params.get("district") else "province" if params.get("province") else None
        return scope_label(self.dataset.units.loc[self.codes], self.lang, level)

    def _name(self, indicator_id: str) -> str:
        return self.dataset.catalogue[indicator_id].name(self.lang)

    def _unit(self, code: str) -> str:
        return str(self.dataset.units.at[code, "name"])

    @functools.cached_property
    def _several_groups(self) -> bool:
        return self.rows["group_label"].nunique() > 1

    def _unit_label(self, code: str) -> str:
        """The unit's name, with its district (or province) when the selection spans several."""
        name = self._unit(code)
        return (
            t("unit_in_group", self.lang, name=name, group=self.rows.at[code, "group_label"])
            if (self._several_groups)
            else name
        )

    def _group_level(self, codes: Sequence[str]) -> str | None:
        """``"province"`` or ``"district"`` when the units span 2–DETAIL_MAX_UNITS of them, else None."""
        units = self.dataset.units.loc[list(codes)]
        provinces = units["province"].nunique()
        if 1 < provinces <= DETAIL_MAX_UNITS:
            return "province"
        districts = units["district"].replace("", np.nan).nunique()
        if provinces == 1 and 1 < districts <= DETAIL_MAX_UNITS:
            return "district"
        return None

    def _no_data_note(self) -> str:
        rows = self.rows
        missing = rows.index[~rows["has_data"]].tolist()
        if not missing:
            return ""
        names = self.names([self._unit_label(c) for c in missing], 20)
        return h.para(t("no_data_units", self.lang, period=self.period, names=names))

    # ------------------------------------------------------------------ sections

    def header(self) -> Html:
        """Title block with the key figures, the stylesheet and, for synthetic data, a banner."""
        lang, rows = self.lang, self.rows
        scored = rows[rows["has_data"]]
        best = scored.iloc[0] if len(scored) else None
        worst = scored.iloc[-1] if len(scored) else None
        key = [
            (t("key_units", lang), f"{f.number(len(scored), 0, lang)}/{f.number(len(rows), 0, lang)}"),
            (t("key_median", lang), f.index(scored["score"].median() if len(scored) else None, lang)),
            (t("key_best", lang), f"{f.index(best['score'], lang)} · {best['name']}" if best is not None else f.DASH),
            (
                t("key_lowest", lang),
                f"{f.index(worst['score'], lang)} · {worst['name']}" if worst is not None else f.DASH,
            ),
            (t("key_coverage", lang), f.share(scored["coverage"].median() if len(scored) else None, lang)),
        ]
        meta = t(
            "ov_meta",
            lang,
            n=f.number(len(rows), 0, lang),
            with_data=f.number(len(scored), 0, lang),
            period=self.period,
            date=f.date(dt.date.today(), lang),
        )
        obs = self.dataset.observations
        mine = obs[obs["unit_code"].isin(self.codes) & (obs["period"] == self.period)]
        synthetic = is_synthetic(mine["source"], self.dataset.units.loc[self.codes, "source"])
        return self.page_header(
            t("kicker", lang),
            t("ov_title", lang, scope=self.scope, period=self.period),
            meta,
            key=key,
            synthetic=t("ov_synthetic_banner", lang) if synthetic else "",
        )

    def ranking(self) -> Html:
        """Every unit's overall index, change, coverage and targets met, best first, with a chart."""
        lang, rows, period = self.lang, self.rows, self.period
        scored = rows[rows["has_data"]]
        parts = [*self._ranking_text(scored), self._no_data_note()]
        if len(scored) > 60:
            title = t("scores_histogram", lang, n=f.number(len(scored), 0, lang), period=period)
            parts.append(h.figure(charts.score_histogram(scored["score"].tolist(), title=title, lang=lang), title))
        elif len(scored):
            title = t("scores_chart", lang, period=period)
            uri = charts.peer_scores(
                [self._unit_label(c) for c in scored.index],
                scored["score"].tolist(),
                None,
                title=title,
                median=float(scored["score"].median()),
                median_label=t("median", lang),
                lang=lang,
            )
            parts.append(h.figure(uri, title))
        level = self._group_level(scored.index)
        if level:
            parts.append(self._group_table(scored, level))
        parts.append(self._ranking_table(rows))
        return h.section("ranking", t("ranking", lang), *parts)

    def _ranking_text(self, scored: pd.DataFrame) -> list[str]:
        lang, previous = self.lang, self.rows.attrs.get("previous_period")
        if scored.empty:
            return []
        best, worst = scored.iloc[0], scored.iloc[-1]
        text = self.rich(
            "ranking_lead",
            period=self.period,
            n=f.number(len(scored), 0, lang),
            median=f.index(scored["score"].median(), lang),
            best=self._unit_label(best.name),
            best_score=f.index(best["score"], lang),
            worst=self._unit_label(worst.name),
            worst_score=f.index(worst["score"], lang),
        )
        change = scored["score_change"].dropna()
        if previous and len(change):
            text = h.join(
                text,
                " ",
                self.rich(
                    "ranking_change",
                    previous=previous,
                    up=f.number((change > 0.005).sum(), 0, lang),
                    down=f.number((change < -0.005).sum(), 0, lang),
                    before=f.index(scored["previous_score"].median(), lang),
                    after=f.index(scored["score"].median(), lang),
                ),
            )
        parts = [h.para(text), h.para(t("coverage_note", lang))]
        shift = (scored["coverage"] - scored["previous_coverage"]).abs()
        shifted = scored[shift >= COVERAGE_SHIFT].assign(_shift=shift).sort_values("_shift", ascending=False)
        if previous and len(shifted):
            items = [
                t(
                    "coverage_item",
                    lang,
                    name=self._unit_label(code),
                    before=f.share(r["previous_coverage"], lang),
                    now=f.share(r["coverage"], lang),
                )
                for code, r in shifted.iterrows()
            ]
            parts.append(
                h.para(t("coverage_shift", lang, previous=previous, items=self.names(items, NAMES_PER_TARGET)))
            )
        return parts

    def _group_table(self, scored: pd.DataFrame, level: str) -> str:
        """Median, lowest and highest overall index per province (or district)."""
        lang = self.lang
        grouped = scored.groupby(scored[level].to_numpy(), sort=False)
        stats = pd.DataFrame(
            {
                "n": grouped.size(),
                "median": grouped["score"].median(),
                "low": grouped["score"].min(),
                "high": grouped["score"].max(),
                "coverage": grouped["coverage"].median(),
            }
        ).sort_values(["median"], ascending=False, kind="stable")
        body = [
            (
                name,
                f.number(r["n"], 0, lang),
                f.index(r["median"], lang),
                f.index(r["low"], lang),
                f.index(r["high"], lang),
                f.share(r["coverage"], lang),
            )
            for name, r in stats.iterrows()
        ]
        headers = [
            t(f"col_{level}", lang),
            t("col_units_with_data", lang),
            t("col_median_score", lang),
            t("col_lowest", lang),
            t("col_highest", lang),
            t("col_median_coverage", lang),
        ]
        title = t("by_level", lang, level=t(f"level_{level}", lang))
        return h.join(h.heading(title), h.table(headers, body, numeric=(1, 2, 3, 4, 5)))

    def _ranking_table(self, rows: pd.DataFrame) -> str:
        lang, previous = self.lang, rows.attrs.get("previous_period")
        several = rows["group_label"].nunique() > 1
        headers = [t("col_rank", lang), t("col_code", lang), t("col_unit", lang)]
        if several:
            headers += [t("col_group", lang), t("col_group_rank", lang)]
        headers += [
            t("col_score", lang),
            t("col_change_short", lang, previous=previous or f.DASH),
            t("col_coverage", lang),
            t("col_targets_met", lang),
        ]
        half = TABLE_MAX_ROWS // 2
        cut = len(rows) > TABLE_MAX_ROWS
        body, classes = [], []
        for k, (code, r) in enumerate(rows.iterrows()):
            if cut and half <= k < len(rows) - half:
                if k == half:
                    body.append(["…"] * len(headers))
                    classes.append("dx-muted")
                continue
            has = bool(r["has_data"])
            cells = [f.number(r["position"], 0, lang) if has else f.DASH, code, r["name"]]
            if several:
                rank = f"{int(r['rank'])}/{int(r['group_size'])}" if has and not f.missing(r["rank"]) else f.DASH
                cells += [r["group_label"], rank]
            targets = f"{int(r['targets_met'])}/{int(r['targets_met'] + r['targets_not_met'])}" if has else f.DASH
            cells += [
                f.index(r["score"], lang),
                f.signed(r["score_change"], 2, lang, keep_zeros=True),
                f.share(r["coverage"], lang) if has else f.DASH,
                targets,
            ]
            body.append(cells)
            classes.append("" if has else "dx-muted")
        numeric = (0, 4, *range(5, len(headers))) if several else (0, *range(3, len(headers)))
        html = h.block("dx-nowrap", h.table(headers, body, numeric=numeric, row_classes=classes))
        if cut:
            html = h.join(
                html,
                h.note(
                    t(
                        "table_cut",
                        lang,
                        head=f.number(half, 0, lang),
                        tail=f.number(half, 0, lang),
                        n=f.number(len(rows), 0, lang),
                    )
                ),
            )
        return html

    def _indicator_groups(self, ids: Sequence[str]) -> list[tuple[int, int, str]]:
        cat, groups = self.dataset.catalogue, []
        for k, iid in enumerate(ids):
            pid = cat[iid].pillar
            if groups and groups[-1][2] == pid:
                groups[-1] = (groups[-1][0], k, pid)
            else:
                groups.append((k, k, pid))
        return [(a, b, cat.pillars[p].name(self.lang) if p in cat.pillars else p) for a, b, p in groups]

    def heatmap(self) -> Html:
        """Units × scored indicators coloured by attainment; the best and lowest units of a large selection."""
        lang = self.lang
        share = self.attainment
        parts = [h.para(t("heatmap_lead", lang))]
        if share.empty:
            return h.section("heatmap", t("heatmap", lang), *parts, self._no_data_note())
        ids = list(share.columns)
        medians = share.median()
        weakest = medians.sort_values(kind="stable").head(3)
        items = "; ".join(f"{self._name(i)} ({f.share(v, lang)})" for i, v in weakest.items() if not f.missing(v))
        if items:
            parts.append(h.para(t("weakest_indicators", lang, items=items)))
        missing = share.isna().sum()
        missing = missing[missing > 0].sort_values(ascending=False, kind="stable").head(3)
        if len(missing):
            items = "; ".join(
                t("missing_count", lang, name=self._name(i), n=f.number(n, 0, lang)) for i, n in missing.items()
            )
            parts.append(h.para(t("most_missing", lang, items=items)))
        codes, separator = edge_units(share.index, DETAIL_MAX_UNITS, EDGE_UNITS)
        title = t("heatmap_title", lang)
        uri = heatmap_chart(
            share.loc[codes].to_numpy(float).T,
            [self._name(i) for i in ids],
            [self._unit_label(c) for c in codes],
            lang=lang,
            missing_label=t("no_data", lang),
            scale_label=t("percent_scale", lang),
            row_groups=self._indicator_groups(ids),
            separator=separator,
        )
        if separator is not None:
            parts.append(h.note(t("edge_note", lang, n=f.number(len(share), 0, lang), edge=EDGE_UNITS)))
        parts.append(h.figure(uri, title))
        level = self._group_level(share.index) if separator is not None else None
        if level:
            groups = self.dataset.units.loc[share.index, level]
            grouped = share.groupby(groups.to_numpy(), sort=False).median()
            sizes = groups.value_counts()
            grouped = grouped.loc[sorted(grouped.index, key=vi_sort_key)]
            labels = [t("group_label", lang, name=g, n=f.number(sizes[g], 0, lang)) for g in grouped.index]
            title = t("group_heatmap_title", lang, level=t(f"level_{level}", lang))
            uri = heatmap_chart(
                grouped.to_numpy(float).T,
                [self._name(i) for i in ids],
                labels,
                lang=lang,
                missing_label=t("no_data", lang),
                scale_label=t("percent_scale", lang),
                row_groups=self._indicator_groups(ids),
            )
            parts.append(h.figure(uri, title))
        parts.append(self._no_data_note())
        return h.section("heatmap", t("heatmap", lang), *parts)

    def pillars(self) -> Html:
        """Overall and pillar indices of every unit as a heatmap, and each pillar's median, lowest and highest."""
        lang, cat = self.lang, self.dataset.catalogue
        rows = self.rows[self.rows["has_data"]]
        if rows.empty:
            return h.section("pillars", t("pillars", lang), self._no_data_note())
        columns = ["score", *(f"pillar_{p}" for p in cat.pillars)]
        names = [t("overall", lang), *(cat.pillars[p].name(lang) for p in cat.pillars)]
        medians = rows[columns[1:]].median()
        best, worst = medians.idxmax(), medians.idxmin()
        parts = [
            h.para(
                t(
                    "pillars_lead",
                    lang,
                    best=names[columns.index(best)],
                    best_value=f.index(medians[best], lang),
                    worst=names[columns.index(worst)],
                    worst_value=f.index(medians[worst], lang),
                )
            )
        ]
        codes, separator = edge_units(rows.index, DETAIL_MAX_UNITS, EDGE_UNITS)
        share = self.attainment.loc[codes]
        pillar_of = [cat[i].pillar for i in share.columns]
        with_data = share.notna().T.groupby(pillar_of).any().T.reindex(columns=list(cat.pillars), fill_value=False)
        hatched = np.vstack([np.zeros(len(codes), dtype=bool), ~with_data.to_numpy(bool).T])
        title = t("pillars_chart", lang)
        uri = heatmap_chart(
            rows.loc[codes, columns].to_numpy(float).T,
            names,
            [self._unit_label(c) for c in codes],
            lang=lang,
            missing_label=t("no_data_zero", lang),
            scale_label=t("index_scale", lang),
            bold_rows=(0,),
            separator=separator,
            percent=False,
            hatched=hatched,
        )
        if separator is not None:
            parts.append(h.note(t("edge_note", lang, n=f.number(len(rows), 0, lang), edge=EDGE_UNITS)))
        parts.append(h.figure(uri, title))
        body = []
        maxima = [cat.max_points, *(cat.pillar_max(p) for p in cat.pillars)]
        for name, column, top in zip(names, columns, maxima, strict=True):
            values = rows[column]
            low, high = values.idxmin(), values.idxmax()
            body.append(
                (
                    name,
                    f.number(top, 0, lang),
                    f.index(values.median(), lang),
                    t("value_of", lang, value=f.index(values[low], lang), name=self._unit_label(low)),
                    t("value_of", lang, value=f.index(values[high], lang), name=self._unit_label(high)),
                )
            )
        headers = [
            t("col_pillar", lang),
            t("col_max", lang),
            t("median", lang),
            t("col_lowest", lang),
            t("col_highest", lang),
        ]
        parts.append(h.table(headers, body, numeric=(1, 2), row_classes=["dx-total", *[""] * (len(body) - 1)]))
        return h.section("pillars", t("pillars", lang), *parts)

    def trends(self) -> Html:
        """Small multiples of each unit's overall index over the periods, and the median per period."""
        lang, periods = self.lang, self.periods
        history = self.history
        if len(periods) < 2 or history.empty:
            return h.section("trends", t("trends", lang), h.para(t("trend_single", lang, period=self.period)))
        first, last = periods[0], periods[-1]
        both = history[[first, last]].dropna()
        change = both[last] - both[first]
        parts = [
            h.para(
                t(
                    "trends_lead",
                    lang,
                    first=first,
                    last=last,
                    start=f.index(history[first].median(), lang),
                    end=f.index(history[last].median(), lang),
                    n=f.number(len(both), 0, lang),
                    up=f.number((change > 0.005).sum(), 0, lang),
                    down=f.number((change < -0.005).sum(), 0, lang),
                )
            )
        ]
        codes, separator = edge_units(history.index, TREND_MAX_PANELS, TREND_MAX_PANELS // 2)
        if separator is not None:
            parts.append(
                h.note(
                    t(
                        "trend_edge_note",
                        lang,
                        n=f.number(len(history), 0, lang),
                        edge=TREND_MAX_PANELS // 2,
                        period=self.period,
                    )
                )
            )
        context = history if len(history) <= DETAIL_MAX_UNITS else None
        title = t("trends_chart", lang)
        uri = trend_panels(
            periods,
            history.loc[codes],
            [self._unit_label(c) for c in codes],
            history.median().tolist(),
            context=context,
            lang=lang,
            unit_label=t("ov_this_unit", lang),
            median_label=t("median", lang),
            others_label=t("other_units", lang),
            band=None if context is not None else (history.quantile(0.25).tolist(), history.quantile(0.75).tolist()),
            band_label=t("middle_half", lang),
        )
        parts.append(h.figure(uri, title))
        coverage = pd.DataFrame({p: frame["coverage"] for p, frame in self._by_period.items()})
        body = [
            (
                p,
                f.number(history[p].notna().sum(), 0, lang),
                f.index(history[p].median(), lang),
                f.share(coverage[p].median(), lang),
            )
            for p in periods
        ]
        headers = [
            t("col_period", lang),
            t("col_units_with_data", lang),
            t("col_median_score", lang),
            t("col_median_coverage", lang),
        ]
        parts.append(h.table(headers, body, numeric=(1, 2, 3)))
        return h.section("trends", t("trends", lang), *parts)

    def _flag_label(self, flag: str) -> str:
        key = f"flag_{flag}"
        return t(key, self.lang) if key in TEXT else flag

    def quality(self) -> Html:
        """Units with data-quality problems: flags counted per unit, and the values to check."""
        lang, flags = self.lang, self.flags
        codes = self.ranked
        parts = []
        if flags.empty:
            parts.append(h.para(t("quality_ok", lang)))
            parts.append(self._no_data_note())
            return h.section("quality", t("quality", lang), *parts)
        counts = quality_counts(flags, codes)
        check = counts[list(CHECK_FLAGS)].sum(axis=1)
        estimates = int(counts[["estimate", "lower_bound"]].to_numpy().sum())
        parts.append(
            h.para(
                t(
                    "quality_lead",
                    lang,
                    check=f.number((check > 0).sum(), 0, lang),
                    n=f.number(len(codes), 0, lang),
                    missing=f.number((counts["no_data"] > 0).sum(), 0, lang),
                    cells=f.number(counts["no_data"].sum(), 0, lang),
                    estimates=f.number(estimates, 0, lang),
                )
            )
        )
        parts.append(self._no_data_note())
        used = [flag for flag in FLAGS if counts[flag].sum() > 0]
        problems = counts[counts.sum(axis=1) > 0]
        order = problems.assign(_check=check, _total=problems.sum(axis=1)).sort_values(
            ["_check", "_total"], ascending=False, kind="stable"
        )
        headers = [t("col_unit", lang), *(self._flag_label(flag) for flag in used), t("col_total", lang)]
        totals = counts[used].sum()
        body = [
            [t("all_units", lang), *(f.number(totals[flag], 0, lang) for flag in used), f.number(totals.sum(), 0, lang)]
        ]
        for code in order.index[:QUALITY_MAX_ROWS]:
            r = counts.loc[code]
            body.append(
                [
                    self._unit_label(code),
                    *(f.number(r[flag], 0, lang) if r[flag] else "" for flag in used),
                    f.number(r[used].sum(), 0, lang),
                ]
            )
        parts.append(h.heading(t("quality_counts", lang)))
        parts.append(
            h.table(
                headers, body, numeric=tuple(range(1, len(headers))), row_classes=["dx-total", *[""] * (len(body) - 1)]
            )
        )
        if len(order) > QUALITY_MAX_ROWS:
            parts.append(h.note(t("quality_cut", lang, shown=QUALITY_MAX_ROWS, n=f.number(len(order), 0, lang))))
        to_check = flags[flags["flag"].isin(CHECK_FLAGS)]
        if len(to_check):
            cat = self.dataset.catalogue
            rows = [
                (
                    self._unit_label(r.unit_code),
                    self._name(r.indicator),
                    self._flag_label(r.flag),
                    f.value(r.value, cat[r.indicator], lang, with_unit=True),
                )
                for r in to_check.head(QUALITY_MAX_ROWS).itertuples()
            ]
            headers = [t("col_unit", lang), t("col_indicator", lang), t("col_issue", lang), t("col_value", lang)]
            parts.append(h.heading(t("quality_check", lang)))
            parts.append(h.table(headers, rows, numeric=(3,)))
            if len(to_check) > QUALITY_MAX_ROWS:
                parts.append(h.note(t("quality_cut", lang, shown=QUALITY_MAX_ROWS, n=f.number(len(to_check), 0, lang))))
        return h.section("quality", t("quality", lang), *parts)

    def targets(self) -> Html:
        """Per national target: units meeting it, below it and without data, with the units below it."""
        lang, cat = self.lang, self.dataset.catalogue
        counts = target_counts(self.dataset, self.period, self.ranked)
        if counts.empty:
            return h.section("targets", t("targets", lang), h.para(t("targets_none", lang)))
        parts = [h.para(t("targets_lead", lang, period=self.period, n=f.number(len(self.ranked), 0, lang)))]
        names = [self._name(i) for i in counts.index]
        title = t("targets_chart", lang)
        uri = target_bars(
            names,
            counts["met"].tolist(),
            counts["not_met"].tolist(),
            counts["no_data"].tolist(),
            legend=(t("met", lang), t("not_met", lang), t("no_data", lang)),
            lang=lang,
        )
        parts.append(h.figure(uri, title))
        body = []
        for iid, r in counts.iterrows():
            ind = cat[iid]
            target = t("target_text", lang, value=f.value(ind.target, ind, lang), year=ind.target_year)
            below = self.names([self._unit_label(c) for c in r["not_met_codes"]], NAMES_PER_TARGET)
            body.append(
                (
                    self._name(iid),
                    target,
                    r["target_source"],
                    f.number(r["met"], 0, lang),
                    f.number(r["not_met"], 0, lang),
                    f.number(r["no_data"], 0, lang),
                    below or f.DASH,
                )
            )
        headers = [
            t("col_indicator", lang),
            t("col_target", lang),
            t("col_source", lang),
            t("met", lang),
            t("not_met", lang),
            t("no_data", lang),
            t("col_not_met_units", lang),
        ]
        parts.append(h.table(headers, body, numeric=(3, 4, 5)))
        return h.section("targets", t("targets", lang), *parts)
