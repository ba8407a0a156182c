"""The district (or province) overview: many units side by side for one period.

``notebooks/district_overview.ipynb`` calls :class:`Overview`; the batch index page reuses
:func:`~dxnb.overview_data.ranking_rows`. The tables behind the sections are in :mod:`dxnb.overview_data`,
the charts in :mod:`dxnb.group_charts`; trends, quality and targets in :mod:`dxnb.overview_sections`.
Sections:

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
from .group_charts import heatmap_chart
from .html import Html
from .i18n import check_lang, t, tn
from .overview_data import (
    check_data_period,
    check_place_name,
    edge_units,
    scope_label,
    select_units,
)
from .overview_sections import (
    CHECK_FLAGS,
    DETAIL_MAX_UNITS,
    EDGE_UNITS,
    NAMES_PER_TARGET,
    OverviewSections,
)
from .pages import is_synthetic
from .params import check_period, default_period, in_language, period_label
from .paths import resolve_data_dir
from .text import vi_sort_key

log = logging.getLogger(__name__)
#: Rows of the ranking table; a longer ranking lists its first and last half of this.
TABLE_MAX_ROWS = 100
#: A change of data coverage (share of maximum points) from this much makes a change of score not comparable.
COVERAGE_SHIFT = 0.1

__all__ = ["CHECK_FLAGS", "DETAIL_MAX_UNITS", "EDGE_UNITS", "TABLE_MAX_ROWS", "Overview"]


# --------------------------------------------------------------------------- the overview


@dataclass
class Overview(OverviewSections):
    """The overview of several units for one period, section by section (see the module docstring)."""

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "header",
        "ranking",
        "map",
        "heatmap",
        "pillars",
        "trends",
        "quality",
        "targets",
    )

    dataset: Dataset
    period: str
    codes: list[str]
    lang: str = "vi"
    parameters: dict | None = None

    @classmethod
    @in_language  # the checks and errors speak the notebook's lang
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
            period: The period, a year such as ``"2024"``; empty (``""``) for the latest period that most of the
                selected units report (:func:`dxnb.params.default_period`), as ``dxnb reports`` does.
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
        latest = period is None or (isinstance(period, str) and not period.strip())
        period = None if latest else check_period(period)
        district = check_place_name("district", district)
        province = check_place_name("province", province)
        ds = dataset if dataset is not None else load_dataset(resolve_data_dir(data_dir))
        if latest:  # the latest period most units (of the district or province asked for) report
            scope = select_units(ds, district, province) if (district or province) else None
            period = default_period(ds, scope).period
        period = check_data_period(ds, period)
        ds = ds.at(period)  # the units alive in the period
        codes = select_units(ds, district, province)
        with_data = set(ds.observations.loc[ds.observations["unit_code"].isin(codes), "period"].unique())
        if period not in with_data and (district or province):
            label = scope_label(ds.units.loc[codes], lang)
            listed = ", ".join(sorted(with_data)) or t("ds_no_periods")
            raise ParameterError(t("ov_no_data_in_scope", label=label, period=period, periods=listed))
        params = {"period": period, "data_dir": str(data_dir), "lang": lang, "district": district, "province": province}
        return cls(ds, period, codes, lang, params)

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
            period=period_label(self.period, lang, inline=True),
            date=f.date(dt.date.today(), lang),
        )
        obs = self.dataset.observations
        mine = obs[obs["unit_code"].isin(self.codes) & (obs["period"] == self.period)]
        synthetic = is_synthetic(mine["source"], self.dataset.units.loc[self.codes, "source"])
        return self.page_header(
            t("kicker", lang),
            t("ov_title", lang, scope=self.scope, period=period_label(self.period, lang, inline=True)),
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
            shown = period_label(period, lang, inline=True)
            title = tn("scores_histogram", len(scored), lang, n=f.number(len(scored), 0, lang), period=shown)
            parts.append(self.figure(charts.score_histogram(scored["score"].tolist(), title=title, lang=lang), title))
        elif len(scored):
            title = t("scores_chart", lang, period=period_label(period, lang, inline=True))
            uri = charts.peer_scores(
                [self._unit_label(c) for c in scored.index],
                scored["score"].tolist(),
                None,
                title=title,
                median=float(scored["score"].median()),
                median_label=t("median", lang),
                lang=lang,
            )
            parts.append(self.figure(uri, title))
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
            period=period_label(self.period, lang, start=True),
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
        cat, groups = self.dataset.catalogue_for(self.period), []
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
                tn("missing_count", n, lang, name=self._name(i), n=f.number(n, 0, lang)) for i, n in missing.items()
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
        parts.append(self.figure(uri, title))
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
            parts.append(self.figure(uri, title))
        parts.append(self._no_data_note())
        return h.section("heatmap", t("heatmap", lang), *parts)

    def pillars(self) -> Html:
        """Overall and pillar indices of every unit as a heatmap, and each pillar's median, lowest and highest."""
        lang, cat = self.lang, self.dataset.catalogue_for(self.period)
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
        parts.append(self.figure(uri, title))
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
