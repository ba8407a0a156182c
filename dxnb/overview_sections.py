"""The overview's data, wording helpers and its later sections: trends, data quality and targets.

:class:`OverviewSections` is the base of :class:`~dxnb.overview.Overview`, which adds the parameters,
the header, the ranking, the heatmaps and the pillars. Everything here reads ``self.dataset``,
``self.period``, ``self.codes`` and ``self.parameters``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import fmt as f
from . import html as h
from .dataset import Dataset
from .evaluate import FLAGS, evaluate_period
from .group_charts import target_bars, trend_panels
from .html import Html
from .i18n import t
from .map_figure import map_figure
from .overview_data import (
    attainment_table,
    edge_units,
    quality_counts,
    quality_flags,
    ranking_rows,
    same_unit,
    scope_label,
    target_counts,
)
from .pages import Page, source_reference, target_verified
from .params import period_label

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


class OverviewSections(Page):
    """The selected units' tables, and the overview's sections after the pillars."""

    dataset: Dataset
    period: str
    codes: list[str]
    parameters: dict | None

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
        ds = self.dataset  # a unit of another lifetime under the same code is left out (dxnb.lifetime)
        same = {p: self.ranked if ds.at(p) is ds else [c for c in self.ranked if same_unit(ds, c, p)]
                for p in self.periods}  # fmt: skip
        return {p: evaluate_period(ds, p, same[p]) for p in self.periods}

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
        return self.dataset.catalogue_for(self.period)[indicator_id].name(self.lang)

    @functools.cached_property
    def _unit_names(self) -> dict[str, str]:
        """Code → name of every unit (read once: a country's pages name thousands of units)."""
        return {str(code): str(name) for code, name in self.dataset.units["name"].items()}

    def _unit(self, code: str) -> str:
        return self._unit_names[code]

    @functools.cached_property
    def _several_groups(self) -> bool:
        return self.rows["group_label"].nunique() > 1

    @functools.cached_property
    def _group_labels(self) -> dict[str, str]:
        return self.rows["group_label"].to_dict()

    def _unit_label(self, code: str) -> str:
        """The unit's name, with its district (or province) when the selection spans several."""
        name = self._unit(code)
        if not self._several_groups:
            return name
        return t("unit_in_group", self.lang, name=name, group=self._group_labels[code])

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
        return h.para(
            t("no_data_units", self.lang, period=period_label(self.period, self.lang, inline=True), names=names)
        )

    # ------------------------------------------------------------------ sections

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
                        period=period_label(self.period, lang, inline=True),
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
        parts.append(self.figure(uri, title))
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
        return self.label("flag", flag)

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
            cat = self.dataset.catalogue_for(self.period)
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
        lang, cat = self.lang, self.dataset.catalogue_for(self.period)
        counts = target_counts(self.dataset, self.period, self.ranked)
        if counts.empty:
            return h.section("targets", t("targets", lang), h.para(t("targets_none", lang)))
        parts = [
            h.para(
                t(
                    "targets_lead",
                    lang,
                    period=period_label(self.period, lang, inline=True),
                    n=f.number(len(self.ranked), 0, lang),
                )
            )
        ]
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
        parts.append(self.figure(uri, title))
        body = []
        for iid, r in counts.iterrows():
            ind = cat[iid]
            target = t("target_text", lang, value=f.value(ind.target, ind, lang), year=ind.target_year)
            if not target_verified(ind.target_source):
                target = t("target_unverified", lang, target=target)
            below = self.names([self._unit_label(c) for c in r["not_met_codes"]], NAMES_PER_TARGET)
            body.append(
                (
                    self._name(iid),
                    target,
                    source_reference(r["target_source"], lang),
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

    def map(self) -> Html:
        """A map of the selected units coloured by their overall index (hollow dots: no data for the period)."""
        lang, rows = self.lang, self.rows
        frame = rows.assign(label=[self._unit_label(c) for c in rows.index])
        scored = int(rows["has_data"].sum())
        scope = self.scope[:1].lower() + self.scope[1:] if lang == "vi" else self.scope  # inside a sentence
        alt = t(
            "map_overview_alt",
            lang,
            scope=scope,
            period=period_label(self.period, lang, inline=True),
            n=len(rows),
            scored=scored,
        )
        figure = map_figure(self.dataset.units.loc[rows.index], frame, value_col="score", label_col="label",
                            alt=alt, lang=lang)  # fmt: skip
        return h.section("map", t("map_title", lang), figure)
