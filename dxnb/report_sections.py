"""The commune report's wording helpers and its context sections.

Trends, peers, data quality, recommendations and provenance.

:class:`ReportSections` is the base of :class:`~dxnb.report.CommuneReport`, which adds the
parameters, the header, the summary and the thematic sections; everything here reads
``self.evaluation`` and ``self.dataset``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path

import pandas as pd

from . import __version__, charts
from . import fmt as f
from . import html as h
from .dataset import Dataset
from .docframe import DocumentFrame, heading_html, load_frame, signature_html
from .evaluate import IMPLAUSIBLE_FLAGS, UnitEvaluation
from .html import Html
from .i18n import N_, unit_name
from .pages import Page, inline_name, shown_path, source_reference, target_verified
from .params import period_label
from .units import group_name

#: Labels of the report's parameters in the provenance annex (``param_<name>``) and of its languages.
PARAMETER_LABELS = (N_("param_unit_code"), N_("param_period"), N_("param_data_dir"), N_("param_lang"))
LANGUAGE_LABELS = (N_("lang_vi"), N_("lang_en"))
#: Up to this many units in the peer group, the peers chart has one bar per unit; above, a histogram.
PEER_BARS_MAX = 40
#: Order of the data-quality flags in the report's table: values to check first, gaps last.
QUALITY_ORDER = (*IMPLAUSIBLE_FLAGS, "denominator_unknown", "estimate", "lower_bound", "no_data")


class ReportSections(Page):
    """Wording of one unit's evaluation, and the report's sections after the thematic ones."""

    evaluation: UnitEvaluation
    dataset: Dataset
    parameters: dict | None

    # ------------------------------------------------------------------ helpers

    @property
    def ev(self) -> UnitEvaluation:
        """The evaluation behind the report."""
        return self.evaluation

    @property
    def unit_label(self) -> str:
        """The unit as named in sentences: "xã Vĩnh Hòa" / "Vĩnh Hòa commune"."""
        unit = self.ev.unit
        return unit_name(unit["name"], unit["kind"], self.lang)

    @property
    def group_label(self) -> str:
        """The peer group as named in sentences: "huyện Phú Giáo" / "Phú Giáo district", the province, or its group."""
        return group_name(self.ev.unit, self.lang)

    @functools.cached_property
    def document_frame(self) -> DocumentFrame | None:
        """The dataset's administrative document frame (``document.csv``), None when it has none."""
        return load_frame(self.dataset.path) if self.dataset.path else None

    def frame_heading(self) -> Html:
        """The national heading, issuing body, number, place and date (empty without ``document.csv``)."""
        return Html(heading_html(self.document_frame, self.lang))

    def frame_signature(self) -> Html:
        """The recipients and signature block (empty without ``document.csv``)."""
        return Html(signature_html(self.document_frame, self.lang))

    def chart_subject(self) -> tuple[str, str]:
        """The report's charts are about its unit and period."""
        return self.unit_label, self.ev.period

    @property
    def catalogue(self):
        """The catalogue in force for the report's period (its framework; see :mod:`dxnb.framework`)."""
        return self.ev.catalogue or self.dataset.catalogue

    def _name(self, indicator_id: str) -> str:
        return self.catalogue[indicator_id].name(self.lang)

    def _lower_name(self, indicator_id: str) -> str:
        """The name inside a sentence, in either language (:func:`~dxnb.pages.inline_name`)."""
        return inline_name(self._name(indicator_id))

    @property
    def missing_ids(self) -> list[str]:
        """The indicators without data for the period: the one count of the summary, data quality and advice."""
        table = self.ev.indicators
        return table.index[~table["has_data"]].tolist()

    def target_verified(self, indicator_id: str) -> bool:
        """Whether the indicator's national target was checked against its source (:data:`UNVERIFIED_MARK`)."""
        return target_verified(self.catalogue[indicator_id].target_source)

    def target_source(self, indicator_id: str) -> str:
        """The target's source document as shown on the page (:func:`~dxnb.pages.source_reference`)."""
        return source_reference(self.catalogue[indicator_id].target_source, self.lang)

    def _value(
        self, indicator_id: str, value: float | None = None, qualifier: str | None = None, *, with_unit: bool = True
    ) -> str:
        ind = self.catalogue[indicator_id]
        row = self.ev.indicators.loc[indicator_id]
        val = row["value"] if value is None else value
        text = f.value(val, ind, self.lang, with_unit=with_unit)
        qualifier = row["qualifier"] if qualifier is None else qualifier
        if not f.missing(val) and qualifier == "lower_bound":
            text = self.text("lower_bound", value=text)
        elif not f.missing(val) and qualifier == "estimate":
            text = f"{text} ({self.text('estimate')})"
        return text

    def _target(self, indicator_id: str) -> str:
        ind = self.catalogue[indicator_id]
        if ind.target is None:
            return f.DASH
        text = self.text("target_text", value=f.value(ind.target, ind, self.lang), year=ind.target_year)
        return text if self.target_verified(indicator_id) else self.text("target_unverified", target=text)

    def _change_header(self) -> str:
        return self.text("col_change", previous=self.ev.previous_period or "—")

    def _median_label(self) -> str:
        return self.text("median_label", group=self.group_label)

    # ------------------------------------------------------------------ sections

    def trends(self) -> Html:
        """Overall and pillar indices over the periods with data."""
        ev, cat = self.ev, self.catalogue
        trend = ev.trend
        periods = list(trend.index)
        if len(periods) < 2:
            return h.section("trends", self.text("trends"), h.para(self.rich("trend_single", period=ev.period)))
        text = self.rich(
            "trend_line",
            first=periods[0],
            last=periods[-1],
            unit=self.unit_label,
            start=self.index(trend["score"].iloc[0]),
            end=self.index(trend["score"].iloc[-1]),
        )
        overall = self.text("overall")
        series = {overall: trend["score"].tolist(), self.text("col_coverage"): trend["coverage"].tolist()}
        title = self.text("trend_chart_title")  # names what it plots: the overall index and the data coverage
        chart = charts.trend_lines(periods, series, title=title, emphasis=overall, lang=self.lang)
        # One row per measure and one column per period: as narrow as the periods are few (a row per period
        # with the eight pillars as columns was twice as wide as a phone or an A4 page).
        headers = [self.text("col_measure"), *periods]
        rows = [
            (overall, *(self.index(v) for v in trend["score"])),
            *(
                (cat.pillars[pid].name(self.lang), *(self.index(v) for v in trend[f"pillar_{pid}"]))
                for pid in cat.pillars
            ),
            (self.text("col_coverage"), *(self.share(v) for v in trend["coverage"])),
        ]
        return h.section(
            "trends",
            self.text("trends"),
            h.para(text),
            self.figure(chart, title),
            h.table(headers, rows, numeric=tuple(range(1, len(headers)))),
        )

    def peers(self) -> Html:
        """This unit among the units of its district (or province), highlighted."""
        ev, lang = self.ev, self.lang
        peers = ev.peers
        title = self.text("peers", group=self.group_label)
        if len(peers) < 2:
            return h.section("peers", title, h.para(self.unit_label))
        chart_title = self.text("peers_chart_title")
        if len(peers) <= PEER_BARS_MAX:
            chart = charts.peer_scores(
                peers["name"].tolist(),
                peers["score"].tolist(),
                int(list(peers["is_self"]).index(True)),
                title=chart_title,
                median=ev.group_median_score,
                median_label=self._median_label(),
                lang=lang,
            )
        else:  # a province of 100+ units: the distribution, at a fixed size
            chart = charts.peer_distribution(
                peers["score"].tolist(),
                ev.score,
                title=chart_title,
                unit_label=self.unit_label,
                median=ev.group_median_score,
                median_label=self._median_label(),
                lang=lang,
            )
        text = self.rich(
            "peers_line",
            unit=self.unit_label,
            rank=ev.rank,
            n=ev.group_size,
            group=self.group_label,
            period=period_label(ev.period, self.lang, inline=True),
            score=self.index(ev.score),
            median=self.index(ev.group_median_score),
        )
        rows = [
            (
                int(r["rank"]) if not f.missing(r["rank"]) else f.DASH,
                r["name"],
                self.index(r["score"]),
                self.share(r["coverage"]),
                f"{int(r['targets_met'])}/{int(r['targets_met'] + r['targets_not_met'])}",
            )
            for _, r in peers.iterrows()
        ]
        headers = [
            self.text("col_rank"),
            self.text("col_unit"),
            self.text("col_score"),
            self.text("col_coverage"),
            self.text("col_targets_met"),
        ]
        classes = ["dx-self" if s else "" for s in peers["is_self"]]
        tbl = h.table(headers, rows, numeric=(0, 2, 3, 4), row_classes=classes)
        return h.section("peers", title, h.para(text), self.figure(chart, chart_title), tbl)

    def data_quality(self) -> Html:
        """Indicators with no data, estimates, lower bounds and implausible values."""
        ev = self.ev
        quality = ev.quality
        flags = quality["flag"] if len(quality) else pd.Series(dtype=str)
        estimates = int(flags.isin(["estimate", "lower_bound"]).sum())
        implausible = int(flags.isin([*IMPLAUSIBLE_FLAGS, "denominator_unknown"]).sum())
        line = h.join(
            self.rich_n("quality_missing", len(self.missing_ids)),
            self.rich_n("quality_estimates", estimates),
            self.rich_n("quality_implausible", implausible),
            sep="; ",
        )
        parts = [h.para(h.join(line, ".") if len(quality) else self.rich("quality_ok"))]
        estimated = [s.strip() for s in str(ev.unit.get("estimated_fields", "")).split(";") if s.strip()]
        if estimated:
            fields = ", ".join(self.text(f"field_{e}") for e in estimated if self.has_text(f"field_{e}"))
            parts.append(h.para(self.text("estimated_fields", fields=fields)))
        if len(quality):
            order = {flag: i for i, flag in enumerate(QUALITY_ORDER)}
            ranked = quality.assign(_o=quality["flag"].map(order).fillna(len(order))).sort_values("_o", kind="stable")
            rows = [
                (
                    self._name(r["indicator"]),
                    self.label("flag", r["flag"]),
                    self._flag_detail(r["indicator"], r["flag"]),
                )
                for _, r in ranked.iterrows()
            ]
            headers = [self.text("col_indicator"), self.text("col_issue"), self.text("col_detail")]
            parts.append(h.table(headers, rows))
        return h.section("quality", self.text("quality"), *parts)

    def _flag_detail(self, indicator_id: str, flag: str) -> str:
        """The numbers behind a data-quality flag, in the report's language."""
        lang, row = self.lang, self.ev.indicators.loc[indicator_id]
        ind = self.catalogue[indicator_id]
        if flag == "no_data":
            return ""
        if flag == "denominator_unknown":
            field = ind.denominator
            known = self.has_text(f"field_{field}")
            label = self.text(f"field_{field}") if known else self.text("field_count", name=field)
            return self.text("detail_denominator", field=label)
        details = [self.text("detail_value", value=self._value(indicator_id))]
        if flag == "count_outlier":
            details.append(
                self.text("detail_median", group=self.group_label, median=f.value(row["group_median"], ind, lang))
            )
        if flag == "rate_drop":
            details.append(
                self.text(
                    "detail_change",
                    change=f.signed(row["change"], ind.decimals, lang),
                    previous=self.ev.previous_period,
                )
            )
        return "; ".join(details)

    def recommendations(self) -> Html:
        """Strengths, challenges and next steps from the notes; recommendations from targets and points."""
        ev, lang = self.ev, self.lang
        notes = ev.notes
        parts = []
        kinds = (("strength", N_("strengths")), ("challenge", N_("challenges")), ("next_step", N_("next_steps")))
        for kind, key in kinds:
            texts = notes.loc[notes["kind"] == kind, "text"].tolist() if len(notes) else []
            # The commune's own words, in Vietnamese whatever the page's language: marked as such.
            entries = [h.tag("span", text, lang="vi") for text in texts] if self.lang != "vi" else texts
            parts += [h.heading(self.text(key)), h.items(entries or [self.text("no_notes")])]
        if self.lang != "vi" and len(notes):
            parts.append(h.small(self.text("notes_in_vietnamese")))
        advice = []
        for rec in ev.recommendations:
            ind = self.catalogue[rec.indicator]
            row = ev.indicators.loc[rec.indicator]
            if rec.reason == "below_target" and not self.target_verified(rec.indicator):
                # An unverified target is no ground for advice: only its points may be, when they are low.
                if row["max_points"] <= 0 or row["points"] >= row["max_points"] * 0.5:
                    continue
                rec = dataclasses.replace(rec, reason="low_points")
            if rec.reason == "below_target":
                advice.append(
                    self.rich(
                        "rec_target",
                        name=self._lower_name(rec.indicator),
                        value=self._value(rec.indicator),
                        target=f.value(rec.target, ind, lang),
                        year=rec.target_year,
                        source=self.target_source(rec.indicator),
                    )
                )
            else:
                advice.append(
                    self.rich(
                        "rec_points",
                        name=self._lower_name(rec.indicator),
                        points=self.number(row["points"], 1),
                        max=self.number(row["max_points"], 0),
                        value=self._value(rec.indicator),
                    )
                )
        missing = len(self.missing_ids)
        if missing:
            advice.append(self.rich_n("rec_missing", missing))
        if not advice:
            advice.append(self.rich("rec_none"))
        parts += [h.heading(self.text("advice")), h.items(advice, ordered=True)]
        return h.section("recommendations", self.text("recommendations"), *parts)

    def provenance(self) -> Html:
        """The signature block (when the dataset has a document frame), then the provenance annex."""
        return h.join(self.frame_signature(), self.provenance_annex())

    def provenance_annex(self) -> Html:
        """Parameters, each dataset file with its SHA-256, the dxnb version and the time of generation.

        Values are shown as a reader writes them (no quotes); the data folder relative to the project, or by
        its name only when it lies elsewhere (no path of the machine that rendered the report).
        """
        params = self.parameters or {}
        rows = [(self.label("param", k), self._parameter_value(k, v)) for k, v in params.items()]
        files = [(name, h.code(digest)) for name, digest in sorted(self.dataset.hashes.items())]
        stamp = self.text("generated_by", version=__version__, time=f.timestamp(dt.datetime.now(), self.lang))
        return h.section(
            "provenance",
            self.text("provenance"),
            h.table([self.text("col_parameter"), self.text("col_value")], rows),
            h.table([self.text("col_file"), "SHA-256"], files),
            h.small(f"{self.text('prov_note')} {stamp}"),
        )

    def _parameter_value(self, key: str, value: object) -> str:
        if key == "data_dir":
            return data_folder_label(self.dataset.path)
        if key == "lang":
            return self.text(f"lang_{value}") if self.has_text(f"lang_{value}") else str(value)
        return str(value)


def data_folder_label(path: object) -> str:
    """A data folder as shown to readers: relative to the project (``data``), else its name alone."""
    shown = shown_path(Path(str(path)))
    return shown if not Path(shown).is_absolute() else Path(shown).name
