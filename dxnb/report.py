"""The commune report: one method per section, each returning HTML built from the evaluation.

``notebooks/commune_report.ipynb`` calls these methods; all wording, numbers and charts are
produced here and in :mod:`dxnb.report_sections` (trends, peers, data quality, recommendations,
provenance), in Vietnamese (``lang="vi"``) or English (``lang="en"``), on top of the page base
:mod:`dxnb.pages` and the markup kit :mod:`dxnb.html` (which escapes every piece of text from the data).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd

from . import charts
from . import fmt as f
from . import html as h
from .dataset import Dataset, load_dataset
from .errors import ParameterError, UnitNotFoundError
from .evaluate import UnitEvaluation, evaluate_unit
from .html import Html
from .i18n import N_, check_lang, t, unit_name
from .pages import is_synthetic
from .params import check_period, check_unit_code, in_language, period_label
from .paths import resolve_data_dir
from .report_formation import FormationSection
from .report_frameworks import FrameworksSection
from .report_sections import PEER_BARS_MAX, ReportSections
from .reviews import report_badge

log = logging.getLogger(__name__)

#: Sections of the report and the pillars each one covers.
PILLAR_SECTIONS = {
    N_("institutions"): ("institutions",),
    N_("awareness"): ("awareness",),
    N_("human_resources"): ("human_resources",),
    N_("digital_government"): ("digital_government", "cybersecurity"),
    N_("economy_society"): ("infrastructure", "digital_economy", "digital_society"),
}

__all__ = ["PEER_BARS_MAX", "PILLAR_SECTIONS", "CommuneReport"]


@dataclass
class CommuneReport(ReportSections, FormationSection, FrameworksSection):
    """The evaluation report of one unit for one period, section by section."""

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "header",
        "formation",
        "summary",
        "institutions",
        "awareness",
        "human_resources",
        "digital_government",
        "economy_society",
        "trends",
        "peers",
        "frameworks",
        "data_quality",
        "recommendations",
        "provenance",
    )

    evaluation: UnitEvaluation
    dataset: Dataset
    lang: str = "vi"
    parameters: dict | None = None

    @classmethod
    @in_language  # the checks and errors speak the notebook's lang
    def build(
        cls,
        unit_code: object,
        period: object,
        data_dir: str | Path = "data",
        lang: str = "vi",
        *,
        dataset: Dataset | None = None,
    ) -> CommuneReport:
        """Check the parameters, load the dataset and evaluate the unit.

        Raises:
            ParameterError: for a bad code, an unknown unit, a period without data or an unknown language.
            DataError: when the dataset does not validate.
        """
        lang = check_lang(lang)
        code = check_unit_code(unit_code)
        period = check_period(period)
        folder = resolve_data_dir(data_dir)
        ds = dataset if dataset is not None else load_dataset(folder, units=[code])
        ds = ds.at(period)  # the units alive in the period: a code means one unit there
        if code not in ds.units.index:
            try:
                ds.find_unit(code)
            except UnitNotFoundError as exc:
                raise ParameterError(str(exc)) from None
        have = sorted(ds.observations.loc[ds.observations["unit_code"] == code, "period"].unique())
        if period not in have:
            listed = ", ".join(have) if have else t("ds_no_periods")
            raise ParameterError(
                t("param_unit_no_data", code=code, name=ds.units.at[code, "name"], period=period, periods=listed)
            )
        evaluation = evaluate_unit(ds, code, period)
        params = {"unit_code": code, "period": period, "data_dir": str(data_dir), "lang": lang}
        return cls(evaluation, ds, lang, params)

    # ------------------------------------------------------------------ sections

    def header(self) -> Html:
        """Title block: the unit, the period, the place and the date, plus the report's stylesheet."""
        ev, lang = self.ev, self.lang
        unit = ev.unit
        place = self.place(unit)
        title = self.text(
            "title",
            kind_name=unit_name(unit["name"], unit["kind"], lang, capital=True),
            period=period_label(ev.period, lang, inline=True),
        )
        meta = self.text("meta", place=place[:1].upper() + place[1:], code=ev.code, date=f.date(dt.date.today(), lang))
        synthetic = is_synthetic(ev.indicators["source"], [ev.unit.get("source", "")])
        header = self.page_header(
            self.text("report_kind"),
            title,
            meta,
            synthetic=self.text("synthetic_banner") if synthetic else "",
            frame=self.frame_heading(),
        )
        return h.join(header, report_badge(self.dataset, ev.code, ev.period, lang))  # the review state (DỰ THẢO)

    def summary(self) -> Html:
        """Overall score, rank, coverage, targets, strongest and weakest indicators, pillar chart."""
        ev, lang = self.ev, self.lang
        rank_text = ""
        if ev.rank is not None and not ev.rank_shown:  # few peers report this period yet: no "1/1"
            rank_text = self.rich(
                "rank_withheld",
                n=ev.group_size,
                total=ev.peer_count,
                group=self.group_label,
                period=period_label(ev.period, self.lang, inline=True),
            )
        elif ev.rank is not None and ev.group_size > 1:
            rank_text = self.rich(
                "rank_text",
                rank=ev.rank,
                n=ev.group_size,
                group=self.group_label,
                median=self.index(ev.group_median_score),
            )
        lead = self.rich(
            "summary_score",
            period=period_label(ev.period, self.lang, start=True),
            unit=self.unit_label,
            earned=self.number(ev.earned, 1),
            max=self.number(ev.max_points, 0),
            score=self.index(ev.score),
            rank_text=rank_text,
        )
        trend = ev.trend
        if ev.previous_period and ev.previous_period in trend.index:
            change = ev.score - trend.at[ev.previous_period, "score"]
            direction = N_("up") if change > 0.005 else N_("down") if change < -0.005 else N_("flat")
            text = self.rich(
                "summary_change",
                previous=ev.previous_period,
                direction=self.text(direction),
                change=self.index(abs(change)) if direction != "flat" else "",
            )
            lead = h.join(lead, Html(text.replace(" .", ".")), sep=" ")
            previous_coverage = trend.at[ev.previous_period, "coverage"]
            if abs(ev.coverage - previous_coverage) >= 0.1:
                lead = h.join(
                    lead,
                    self.rich(
                        "coverage_change",
                        previous=ev.previous_period,
                        before=self.share(previous_coverage),
                        now=self.share(ev.coverage),
                    ),
                    sep=" ",
                )
        covered = ev.coverage * ev.max_points
        paragraphs = [
            lead,
            self.rich(
                "summary_coverage",
                coverage=self.share(ev.coverage),
                on_covered=self.share(ev.earned / covered if covered else float("nan")),
            ),
            self.rich(
                "summary_targets",
                met=len(ev.targets_met),
                not_met=len(ev.targets_not_met),
                no_data=len(ev.targets_no_data),
            ),
        ]
        key = [
            (self.text("col_score"), self.index(ev.score)),
            (self.text("col_points"), self.points(ev.earned, ev.max_points)),
            (self.text("col_rank"), f"{ev.rank}/{ev.group_size}" if ev.rank_shown else f.DASH),
            (self.text("col_coverage"), self.share(ev.coverage)),
            (
                self.text("col_targets_met"),
                f"{len(ev.targets_met)}/{len(ev.targets_met) + len(ev.targets_not_met)}",
            ),
        ]
        if ev.result_class:  # the framework in force publishes result classes
            key.append((self.text("fw_result_class"), ev.result_class_in(self.lang) or ev.result_class))
        if ev.bonus or ev.penalty:  # bonus and penalty, apart from the base score
            key.append(
                (
                    self.text("fw_adjustments"),
                    f"+{f.number(ev.bonus, 1, self.lang)} / −{f.number(ev.penalty, 1, self.lang)}",
                )
            )
        points_word = self.text("col_points").lower()
        lists = []
        for label, ids in ((self.text("strongest"), ev.strongest), (self.text("weakest"), ev.weakest)):
            entries = [
                f"{self._name(i)}: {self._value(i)} "
                f"({self.points(ev.indicators.at[i, 'points'], ev.indicators.at[i, 'max_points'])} {points_word})"
                for i in ids
            ]
            lists += [h.heading(label), h.items(entries)]
        pillars = ev.pillars
        cat = self.catalogue
        chart_title = self.text("pillar_chart_title")
        chart = charts.bars_with_median(
            [cat.pillars[p].name(lang) for p in pillars.index],
            pillars["index"].tolist(),
            pillars["group_median_index"].tolist(),
            title=chart_title,
            unit_label=self.unit_label,
            median_label=self._median_label(),
            lang=lang,
        )
        pillar_rows = [
            (
                cat.pillars[p].name(lang),
                self.points(r["earned"], r["max_points"]),
                self.index(r["index"]),
                self.share(r["coverage"]),
                self.index(r["group_median_index"]),
                f.signed(r["change"], 2, lang, keep_zeros=True) if ev.previous_period else f.DASH,
            )
            for p, r in pillars.iterrows()
        ]
        pillar_headers = [
            self.text("col_pillar"),
            self.text("col_points"),
            self.text("col_index"),
            self.text("col_coverage"),
            self.text("col_median"),
            self._change_header(),
        ]
        targets = ev.indicators[ev.indicators["target"].notna()]
        target_rows = [
            (self._name(i), self._value(i), self._target(i), self.target_source(i), self.status(r["meets_target"]))
            for i, r in targets.iterrows()
        ]
        target_headers = [
            self.text("col_indicator"),
            self.text("col_value"),
            self.text("col_target"),
            self.text("col_source"),
            self.text("col_status"),
        ]
        return h.section(
            "summary",
            self.text("summary"),
            *(h.para(p) for p in paragraphs),
            self.key_figures(key),
            self.figure(chart, chart_title),
            h.table(pillar_headers, pillar_rows, numeric=(1, 2, 3, 4, 5)),
            *lists,
            h.heading(self.text("targets_table")),
            h.table(target_headers, target_rows, numeric=(1,)),
        )

    def pillar_section(self, key: str) -> Html:
        """A thematic section over the pillars of ``PILLAR_SECTIONS[key]``.

        Under a framework whose groups are not those of ``PILLAR_SECTIONS``, the first thematic section shows one
        section per group of the framework and the others are empty.
        """
        lang, cat = self.lang, self.catalogue
        if not set(cat.pillars) <= {p for ids in PILLAR_SECTIONS.values() for p in ids}:
            if key != next(iter(PILLAR_SECTIONS)):
                return Html("")
            return h.join(*(self._pillars_section(f"group_{p}", (p,), cat.pillars[p].name(lang)) for p in cat.pillars))
        return self._pillars_section(key, [p for p in PILLAR_SECTIONS[key] if p in cat.pillars], self.text(key))

    def _pillars_section(self, key: str, pillar_ids, title: str) -> Html:
        ev, lang, cat = self.ev, self.lang, self.catalogue
        parts = []
        for pid in pillar_ids:
            row = ev.pillars.loc[pid]
            line = self.rich(
                "pillar_line",
                pillar=h.bold(cat.pillars[pid].name(lang)),
                earned=self.number(row["earned"], 1),
                max=self.number(row["max_points"], 0),
                index=self.index(row["index"]),
                group=self.group_label,
                median=self.index(row["group_median_index"]),
                coverage=self.share(row["coverage"]),
            )
            parts.append(h.para(line))
        rows = ev.indicators[ev.indicators["pillar"].isin(pillar_ids)]
        with_data = rows[rows["has_data"]]
        without = rows[~rows["has_data"]]
        if len(with_data):
            values = h.join(
                *(h.join(self._lower_name(i), " ", h.bold(self._value(i))) for i in with_data.index), sep="; "
            )
            parts.append(h.para(self.rich("values_line", period=ev.period, items=values)))
        if len(without):
            parts.append(h.para(self.rich("missing_line", items=", ".join(self._name(i) for i in without.index))))
        scored = rows[rows["max_points"] > 0]
        if len(scored):
            attainment = (scored["points"] / scored["max_points"]).where(scored["has_data"])
            title = self.text("attainment_title")
            chart = charts.bars_with_median(
                [self._name(i) for i in scored.index],
                attainment.tolist(),
                [self._median_attainment(i) for i in scored.index],
                title=title,
                unit_label=self.unit_label,
                median_label=self._median_label(),
                percent=True,
                lang=lang,
            )
            parts.append(self.figure(chart, title))
        parts.append(self._indicator_table(rows))
        return h.section(key, title, *parts)

    def _median_attainment(self, indicator_id: str) -> float:
        ind = self.catalogue[indicator_id]
        median = self.ev.indicators.at[indicator_id, "group_median"]
        return float("nan") if f.missing(median) else ind.points(median) / ind.max_points

    def _indicator_table(self, rows: pd.DataFrame) -> Html:
        lang = self.lang
        body = []
        rate_change = False
        for i, r in rows.iterrows():
            points = self.points(r["points"], r["max_points"]) if r["max_points"] > 0 else f.DASH
            median = (
                self._value(i, r["group_median"], "", with_unit=False) if not f.missing(r["group_median"]) else f.DASH
            )
            ind = self.catalogue[i]
            change = f.DASH
            if not f.missing(r["change"]):
                change = f.signed(r["change"], ind.decimals, lang)
                if ind.kind == "rate":  # a change of a rate is in percentage points, said in full below the table
                    change = self.text("pp_change", change=change)
                    rate_change = True
            body.append((self._name(i), self._value(i), points, self._target(i), median, change))
        headers = [
            self.text("col_indicator"),
            self.text("col_value"),
            self.text("col_points"),
            self.text("col_target"),
            self.text("col_median"),
            self._change_header(),
        ]
        table = h.table(headers, body, numeric=(1, 2, 4, 5))
        return h.join(table, h.small(self.text("pp_note"))) if rate_change else table

    def institutions(self) -> Html:
        """Plans, decisions, directives and steering (thể chế số)."""
        return self.pillar_section("institutions")

    def awareness(self) -> Html:
        """Outreach: panels and hamlet coverage, radio minutes, meetings, attendance per 1,000 adults."""
        return self.pillar_section("awareness")

    def human_resources(self) -> Html:
        """Training and Community Digital Technology Teams."""
        return self.pillar_section("human_resources")

    def digital_government(self) -> Html:
        """Digital government and cybersecurity."""
        return self.pillar_section("digital_government")

    def economy_society(self) -> Html:
        """Infrastructure, digital economy and digital society (adoption)."""
        return self.pillar_section("economy_society")
