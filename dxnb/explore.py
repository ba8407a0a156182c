"""Guided exploration for advisors: one unit and one indicator, against the unit's peers and over the years.

``notebooks/explore.ipynb`` drives an :class:`Explorer`; every step is one call that returns HTML
(tables and charts in the report's style, numbers in Vietnamese style, text from the data escaped).
Loading, the summary, the selection, the picker and the comparison are here; the wording helpers,
the history, the gaps and the export in :mod:`dxnb.explore_steps`.
The plain functions (:func:`compare_table`, :func:`indicator_history`, :func:`find_outliers`,
:func:`missing_table` in :mod:`dxnb.explore_data`; :func:`export_table`, :func:`write_exports` in
:mod:`dxnb.export_table`) return pandas frames for questions of one's own.

The comparison group is the unit's district (its peer group), or the district or province given.
Exports go to ``reports/exports/`` (from the project root) as Excel and CSV, written atomically,
with Vietnamese headers and unit codes kept as text.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from . import fmt as f
from . import html as h
from .dataset import Dataset, load_dataset
from .errors import DxnbError, ParameterError
from .explore_data import (
    compare_table,
    find_outliers,
    indicator_history,
    missing_table,
    resolve_indicator,
    resolve_unit,
)
from .explore_steps import EXPORT_DIR, FILTERS, TABLE_MAX_ROWS, ExplorerSteps, _check_filter, resolve_export_dir
from .export_table import export_table, write_exports
from .group_charts import value_bars
from .html import Html
from .i18n import check_lang, t, tn, unit_name
from .overview_data import check_data_period, check_place_name, edge_units, scope_label, select_units
from .pages import is_synthetic, shown_path, source_reference
from .params import check_period, in_language, period_label
from .paths import resolve_data_dir
from .text import vi_sort_key

log = logging.getLogger(__name__)

#: Units drawn in a comparison chart; beyond, the best and lowest (and the chosen unit).
CHART_MAX_UNITS = 40
EDGE_UNITS = 15


@dataclass
class _Choice:
    """A choice made in the picker, and the parameters it was made under."""

    given: tuple[str, str, str]  # unit, indicator and period as the parameters cell gave them
    chosen: tuple[str, str, str]  # unit code, indicator id and period chosen in the dropdowns


#: The picker's choices in this kernel (one notebook session), per dataset and comparison group. Run → Run All
#: runs the parameters cell again; :meth:`Explorer.load` with ``keep_choice=True`` then keeps the dropdowns'
#: choice as long as the parameters are the ones it was made under. A fresh kernel (papermill, a restart) has
#: none, so a plain run uses the parameters.
_CHOICES: dict[tuple[str, str, str], _Choice] = {}


def _given(unit: object, indicator: object, period: object) -> tuple[str, str, str]:
    return (str(unit).strip(), str(indicator).strip(), str(period).strip())


# --------------------------------------------------------------------------- the explorer


@dataclass
class Explorer(ExplorerSteps):
    """An advisor's view of one unit and one indicator in one period (see the module docstring)."""

    #: The steps that show something (the picker is a widget, the export writes files).
    SECTIONS: ClassVar[tuple[str, ...]] = ("summary", "selection", "compare", "map", "history", "gaps")

    dataset: Dataset
    unit_code: str
    indicator: str
    period: str
    lang: str = "vi"
    district: str = ""
    province: str = ""
    export_dir: Path = field(default_factory=lambda: EXPORT_DIR)
    export_filter: str = "below_target"
    #: The picker's choice is remembered under this key (see :data:`_CHOICES`); None: not remembered.
    session: tuple | None = field(default=None, repr=False, compare=False)
    #: Whether the selection is a choice kept from the picker over the parameters (said in :meth:`selection`).
    kept_choice: bool = field(default=False, repr=False, compare=False)

    @classmethod
    @in_language  # the checks and errors speak the notebook's lang
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
        keep_choice: bool = False,
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
            keep_choice: Keep the unit, indicator and period last chosen in :meth:`picker` in this kernel, as
                long as the parameters are still the ones the choice was made under (the notebook passes True,
                so that Run All does not reset the dropdowns; a fresh kernel, as under papermill, has no choice).

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
        if keep_choice:
            explorer._keep_choice(_given(unit, indicator, period))
        return explorer

    def _keep_choice(self, given: tuple[str, str, str]) -> None:
        """Take the picker's choice made in this kernel under the same parameters, and remember the next ones."""
        key = (str(self.dataset.path), self.district, self.province)
        self.session = (key, given)
        stored = _CHOICES.get(key)
        if stored is None or stored.given != given:  # new parameters: they win, and the old choice is forgotten
            _CHOICES.pop(key, None)
            return
        if stored.chosen == (self.unit_code, self.indicator, self.period):
            return
        try:
            self.select(*stored.chosen)
        except DxnbError as exc:  # the dataset changed under the choice: the parameters again
            log.info("the picker's choice %s no longer applies (%s); using the parameters", stored.chosen, exc)
            _CHOICES.pop(key, None)
            return
        self.kept_choice = True
        log.info("kept the picker's choice %s over the parameters %s", stored.chosen, given)

    def _remember_choice(self) -> None:
        if self.session is not None:
            key, given = self.session
            _CHOICES[key] = _Choice(given, (self.unit_code, self.indicator, self.period))

    def select(self, unit: object = None, indicator: object = None, period: object = None) -> None:
        """Change the unit, the indicator or the period (None keeps the current one).

        Raises:
            ParameterError: as :meth:`load`.
        """
        ds = self.dataset.whole
        period = check_data_period(ds, period) if period is not None else self.period
        ds = self.dataset = ds.at(period)  # the units alive in the period (see dxnb.lifetime)
        code = resolve_unit(ds, unit) if unit is not None else self.unit_code
        iid = resolve_indicator(ds, indicator, period) if indicator is not None else self.indicator
        if iid not in ds.catalogue_for(period):  # another period, another framework: its first indicator
            iid = next(iter(ds.catalogue_for(period))).id
        if self.district or self.province:
            scope = select_units(ds, self.district, self.province)
            if code not in scope:
                where = scope_label(ds.units.loc[scope], "en")
                raise ParameterError(
                    f"{ds.units.at[code, 'name']} ({code}) is not in {where}; choose one of its units, or leave "
                    'district and province empty ("") to compare within the unit\'s own district.'
                )
        self.unit_code, self.indicator, self.period = code, iid, period

    # ------------------------------------------------------------------ steps

    def summary(self) -> Html:
        """The dataset in a few lines, its pillars and indicators, and the stylesheet of the next steps."""
        ds, lang, cat = self.dataset, self.lang, self.catalogue  # the framework in force for the period
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
            parts.append(h.para(tn("warnings", len(ds.warnings), lang)))
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
        kept = h.small(t("picker_kept", lang)) if self.kept_choice else ""
        return h.block("dx-report", h.note(h.bold(f"{t('selection', lang)}:"), " ", line), kept)

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
            options=self._indicator_options(),
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

        refreshing = []  # set while the indicator list is replaced (its value changes then: not a choice)

        def update(_change: object) -> None:
            if refreshing:
                return
            try:
                # an indicator the new period's framework lacks gives way to that framework's first one
                same = indicator.value in self.dataset.whole.catalogue_for(period.value)
                self.select(unit=unit.value, indicator=indicator.value if same else None, period=period.value)
                if indicator.options != self._indicator_options():  # the period's framework has other indicators
                    refreshing.append(True)
                    try:
                        indicator.options = self._indicator_options()
                        indicator.value = self.indicator
                    finally:
                        refreshing.clear()
                self._remember_choice()
                preview.value = str(self.selection()) + str(self.compare(with_table=False))
            except DxnbError as exc:
                preview.value = h.block("dx-report", h.para(str(exc), cls="dx-fail"))

        for control in (unit, indicator, period):
            control.observe(update, names="value")
        box = widgets.VBox([widgets.HBox([unit, period]), indicator, hint, preview])
        box.controls = {"unit": unit, "indicator": indicator, "period": period, "preview": preview}
        return box

    def _indicator_options(self) -> tuple[tuple[str, str], ...]:
        """The picker's indicators: those of the framework in force for the chosen period."""
        return tuple((ind.name(self.lang), ind.id) for ind in self.catalogue)

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
                period=period_label(period, lang, start=True),
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
                period=period_label(period, lang, start=True),
                unit=self.unit_label,
                indicator=self._indicator_name(),
                scope=self.scope,
                median=f.value(median, ind, lang),
            )
        if ind.target is not None:
            meets = present["meets_target"]
            target_line = t(
                "target_line",
                lang,
                target=self._target_text(),
                source=source_reference(ind.target_source, lang),
                met=int((meets == True).sum()),  # noqa: E712 - object column of True/False/None
                not_met=int((meets == False).sum()),  # noqa: E712
                no_data=int(meets.isna().sum()),
            )
            text = h.join(text, " ", target_line)
        parts.append(h.para(text))
        ranked = values.index.tolist()
        if ranked:
            codes, separator = edge_units(ranked, CHART_MAX_UNITS, EDGE_UNITS)
            if separator is not None and self.unit_code in ranked and self.unit_code not in codes:
                codes = [*codes[: separator + 1], self.unit_code, *codes[separator + 1 :]]
            if separator is not None:
                parts.append(h.note(t("ex_edge_note", lang, n=len(ranked), edge=EDGE_UNITS)))
            title = t("compare_chart", lang, indicator=ind.name(lang), period=period_label(period, lang, inline=True))
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
            parts.append(self.figure(uri, title))
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
