"""The commune report: one method per section, each returning HTML built from the evaluation.

``notebooks/commune_report.ipynb`` calls these methods; all wording, numbers and charts are
produced here, in Vietnamese (``lang="vi"``) or English (``lang="en"``), with every piece of
text from the data escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__, charts
from . import fmt as f
from .dataset import CODE_LENGTH, Dataset, load_dataset
from .errors import ParameterError, UnitNotFoundError
from .evaluate import IMPLAUSIBLE_FLAGS, UnitEvaluation, evaluate_unit
from .i18n import N_, check_lang, has_text, t, tn, unit_name
from .paths import PROJECT_ROOT, TEMPLATES_DIR, resolve_data_dir
from .synthetic import SYNTHETIC_SOURCE

log = logging.getLogger(__name__)

#: Sections of the report and the pillars each one covers.
PILLAR_SECTIONS = {
    N_("institutions"): ("institutions",),
    N_("awareness"): ("awareness",),
    N_("human_resources"): ("human_resources",),
    N_("digital_government"): ("digital_government", "cybersecurity"),
    N_("economy_society"): ("infrastructure", "digital_economy", "digital_society"),
}

#: Up to this many units in the peer group, the peers chart has one bar per unit; above, a histogram.
PEER_BARS_MAX = 40


class Html(str):
    """Markup that is already safe (built here, with data escaped); shown as HTML in notebooks."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: object) -> str:
    """Escape text from the data for HTML."""
    return html.escape(str(value), quote=True)


def _cell(value: object) -> str:
    return str(value) if isinstance(value, Html) else esc(value)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
) -> Html:
    """An HTML table; cells are escaped unless they are :class:`Html`; ``numeric`` columns align right."""
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>" for i, h in enumerate(headers)
    )
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        cells = "".join(
            f'<td class="num">{_cell(c)}</td>' if i in numeric else f"<td>{_cell(c)}</td>" for i, c in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return Html(f'<table class="dx-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def figure(uri: str, alt: str) -> Html:
    """An embedded chart with its alternative text."""
    return Html(f'<figure><img src="{uri}" alt="{esc(alt)}"><figcaption>{esc(alt)}</figcaption></figure>')


def section(key: str, title: str, *parts: str) -> Html:
    """A report section: a heading and its parts."""
    return Html(f'<section class="dx-report" id="{key}"><h2>{esc(title)}</h2>{"".join(parts)}</section>')


def para(text: str) -> str:
    """A paragraph of generated narrative (values in it are escaped by the caller)."""
    return f"<p>{text}</p>"


def check_unit_code(unit_code: object) -> str:
    """Return ``unit_code`` if it is a string of digits, else raise a clear :class:`ParameterError`."""
    if isinstance(unit_code, bool) or not isinstance(unit_code, str):
        hint = ""
        if isinstance(unit_code, (int, float)):
            guess = str(int(unit_code)).zfill(CODE_LENGTH)
            hint = (
                f' Codes are text and keep leading zeros: pass unit_code="{guess}" (with papermill: '
                f"-r unit_code {guess}, not -p)."
            )
        raise ParameterError(
            f"unit_code must be a string of digits, got {type(unit_code).__name__} {unit_code!r}.{hint}"
        )
    if not unit_code.strip().isdigit():
        raise ParameterError(f'unit_code must be a string of digits such as "25882", got {unit_code!r}.')
    return unit_code.strip()


def check_period(period: object) -> str:
    """Return ``period`` as "YYYY" (an int year is accepted), else raise :class:`ParameterError`."""
    text = str(period).strip() if isinstance(period, (str, int)) and not isinstance(period, bool) else ""
    if not (len(text) == 4 and text.isdigit()):
        raise ParameterError(f'period must be a year such as "2024", got {period!r}.')
    return text


@dataclass
class CommuneReport:
    """The evaluation report of one unit for one period, section by section."""

    evaluation: UnitEvaluation
    dataset: Dataset
    lang: str = "vi"
    parameters: dict | None = None

    @classmethod
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
        if code not in ds.units.index:
            try:
                ds.find_unit(code)
            except UnitNotFoundError as exc:
                raise ParameterError(str(exc)) from None
        have = sorted(ds.observations.loc[ds.observations["unit_code"] == code, "period"].unique())
        if period not in have:
            listed = ", ".join(have) if have else "none"
            raise ParameterError(
                f"Unit {code} ({ds.units.at[code, 'name']}) has no data for period {period}; "
                f"periods with data: {listed}."
            )
        evaluation = evaluate_unit(ds, code, period)
        params = {"unit_code": code, "period": period, "data_dir": str(data_dir), "lang": lang}
        return cls(evaluation, ds, lang, params)

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
        """The peer group as named in sentences: "huyện Phú Giáo" / "Phú Giáo district" (or the province)."""
        unit = self.ev.unit
        if unit["district"]:
            return t("district", self.lang, name=unit["district"])
        return t("province", self.lang, name=unit["province"])

    def _name(self, indicator_id: str) -> str:
        return self.dataset.catalogue[indicator_id].name(self.lang)

    def _lower_name(self, indicator_id: str) -> str:
        """The name inside a Vietnamese sentence: first letter in lower case (acronyms kept)."""
        name = self._name(indicator_id)
        return name[:1].lower() + name[1:] if self.lang == "vi" else name

    def _value(
        self, indicator_id: str, value: float | None = None, qualifier: str | None = None, *, with_unit: bool = True
    ) -> str:
        ind = self.dataset.catalogue[indicator_id]
        row = self.ev.indicators.loc[indicator_id]
        val = row["value"] if value is None else value
        text = f.value(val, ind, self.lang, with_unit=with_unit)
        qualifier = row["qualifier"] if qualifier is None else qualifier
        if not f.missing(val) and qualifier == "lower_bound":
            text = t("lower_bound", self.lang, value=text)
        elif not f.missing(val) and qualifier == "estimate":
            text = f"{text} ({t('estimate', self.lang)})"
        return text

    def _target(self, indicator_id: str) -> str:
        ind = self.dataset.catalogue[indicator_id]
        if ind.target is None:
            return f.DASH
        return t("target_text", self.lang, value=f.value(ind.target, ind, self.lang), year=ind.target_year)

    def _status(self, meets: object) -> Html:
        if meets is True:
            return Html(f'<span class="dx-met">{esc(t("met", self.lang))}</span>')
        if meets is False:
            return Html(f'<span class="dx-notmet">{esc(t("not_met", self.lang))}</span>')
        return Html(f'<span class="dx-nodata">{esc(t("no_data", self.lang))}</span>')

    def _points(self, earned: float, maximum: float) -> str:
        return f"{f.number(earned, 1, self.lang)}/{f.number(maximum, 0, self.lang)}"

    def _change_header(self) -> str:
        previous = self.ev.previous_period
        return t("col_change", self.lang, previous=previous) if previous else t("col_change", self.lang, previous="—")

    # ------------------------------------------------------------------ sections

    def header(self) -> Html:
        """Title block: the unit, the period, the place and the date, plus the report's stylesheet."""
        ev, lang = self.ev, self.lang
        unit = ev.unit
        place = ", ".join(
            p
            for p in (
                t("district", lang, name=unit["district"]) if unit["district"] else "",
                t("province", lang, name=unit["province"]),
            )
            if p
        )
        css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
        title = t("title", lang, kind_name=unit_name(unit["name"], unit["kind"], lang, capital=True), period=ev.period)
        meta = t("meta", lang, place=place[:1].upper() + place[1:], code=ev.code, date=f.date(dt.date.today(), lang))
        parts = [
            f"<style>{css}</style>",
            '<header class="dx-report">',
            f'<div class="dx-kicker">{esc(t("report_kind", lang))}</div>',
            f"<h1>{esc(title)}</h1>",
            f'<div class="dx-meta">{esc(meta)}</div>',
        ]
        if self._has_synthetic():
            parts.append(f'<div class="dx-banner">{esc(t("synthetic_banner", lang))}</div>')
        parts.append("</header>")
        return Html("".join(parts))

    def _has_synthetic(self) -> bool:
        sources = self.ev.indicators["source"].dropna().astype(str)
        return bool(sources.str.contains("synthetic", regex=False).any()) or SYNTHETIC_SOURCE in str(
            self.ev.unit.get("source", "")
        )

    def summary(self) -> Html:
        """Overall score, rank, coverage, targets, strongest and weakest indicators, pillar chart."""
        ev, lang = self.ev, self.lang
        rank_text = ""
        if ev.rank is not None and ev.group_size > 1:
            rank_text = t(
                "rank_text",
                lang,
                rank=ev.rank,
                n=ev.group_size,
                group=esc(self.group_label),
                median=f.index(ev.group_median_score, lang),
            )
        paragraphs = [
            t(
                "summary_score",
                lang,
                period=ev.period,
                unit=esc(self.unit_label),
                earned=f.number(ev.earned, 1, lang),
                max=f.number(ev.max_points, 0, lang),
                score=f.index(ev.score, lang),
                rank_text=rank_text,
            )
        ]
        trend = ev.trend
        if ev.previous_period and ev.previous_period in trend.index:
            change = ev.score - trend.at[ev.previous_period, "score"]
            direction = N_("up") if change > 0.005 else N_("down") if change < -0.005 else N_("flat")
            text = t(
                "summary_change",
                lang,
                previous=ev.previous_period,
                direction=t(direction, lang),
                change=f.index(abs(change), lang) if direction != "flat" else "",
            )
            paragraphs[0] += " " + text.replace(" .", ".")
            previous_coverage = trend.at[ev.previous_period, "coverage"]
            if abs(ev.coverage - previous_coverage) >= 0.1:
                paragraphs[0] += " " + t(
                    "coverage_change",
                    lang,
                    previous=ev.previous_period,
                    before=f.share(previous_coverage, lang),
                    now=f.share(ev.coverage, lang),
                )
        covered = ev.coverage * ev.max_points
        paragraphs.append(
            t(
                "summary_coverage",
                lang,
                coverage=f.share(ev.coverage, lang),
                on_covered=f.share(ev.earned / covered if covered else float("nan"), lang),
            )
        )
        paragraphs.append(
            t(
                "summary_targets",
                lang,
                met=len(ev.targets_met),
                not_met=len(ev.targets_not_met),
                no_data=len(ev.targets_no_data),
            )
        )
        key = [
            (t("col_score", lang), f.index(ev.score, lang)),
            (t("col_points", lang), self._points(ev.earned, ev.max_points)),
            (t("col_rank", lang), f"{ev.rank}/{ev.group_size}" if ev.rank is not None else f.DASH),
            (t("col_coverage", lang), f.share(ev.coverage, lang)),
            (t("col_targets_met", lang), f"{len(ev.targets_met)}/{len(ev.targets_met) + len(ev.targets_not_met)}"),
        ]
        key_html = '<div class="dx-key">' + "".join(f"<div>{esc(k)}<b>{esc(v)}</b></div>" for k, v in key) + "</div>"
        lists = []
        for label, ids in ((t("strongest", lang), ev.strongest), (t("weakest", lang), ev.weakest)):
            items = "".join(
                f"<li>{esc(self._name(i))}: {esc(self._value(i))} "
                f"({esc(self._points(ev.indicators.at[i, 'points'], ev.indicators.at[i, 'max_points']))}"
                f" {esc(t('col_points', lang).lower())})</li>"
                for i in ids
            )
            lists.append(f"<h3>{esc(label)}</h3><ul>{items}</ul>")
        pillars = ev.pillars
        cat = self.dataset.catalogue
        names = [cat.pillars[p].name(lang) for p in pillars.index]
        chart = charts.bars_with_median(
            names,
            pillars["index"].tolist(),
            pillars["group_median_index"].tolist(),
            title=t("pillar_chart_title", lang),
            unit_label=self.unit_label,
            median_label=t("median_label", lang, group=self.group_label),
            lang=lang,
        )
        pillar_rows = [
            (
                cat.pillars[p].name(lang),
                self._points(r["earned"], r["max_points"]),
                f.index(r["index"], lang),
                f.share(r["coverage"], lang),
                f.index(r["group_median_index"], lang),
                f.signed(r["change"], 2, lang, keep_zeros=True) if ev.previous_period else f.DASH,
            )
            for p, r in pillars.iterrows()
        ]
        pillar_table = table(
            [
                t("col_pillar", lang),
                t("col_points", lang),
                t("col_index", lang),
                t("col_coverage", lang),
                t("col_median", lang),
                self._change_header(),
            ],
            pillar_rows,
            numeric=(1, 2, 3, 4, 5),
        )
        targets = ev.indicators[ev.indicators["target"].notna()]
        target_rows = [
            (self._name(i), self._value(i), self._target(i), r["target_source"], self._status(r["meets_target"]))
            for i, r in targets.iterrows()
        ]
        target_table = table(
            [
                t("col_indicator", lang),
                t("col_value", lang),
                t("col_target", lang),
                t("col_source", lang),
                t("col_status", lang),
            ],
            target_rows,
            numeric=(1,),
        )
        return section(
            "summary",
            t("summary", lang),
            *(para(p) for p in paragraphs),
            key_html,
            figure(chart, t("pillar_chart_title", lang)),
            pillar_table,
            *lists,
            f"<h3>{esc(t('targets_table', lang))}</h3>",
            target_table,
        )

    def pillar_section(self, key: str) -> Html:
        """A thematic section over the pillars of ``PILLAR_SECTIONS[key]``."""
        ev, lang, cat = self.ev, self.lang, self.dataset.catalogue
        pillar_ids = PILLAR_SECTIONS[key]
        parts = []
        for pid in pillar_ids:
            row = ev.pillars.loc[pid]
            parts.append(
                para(
                    t(
                        "pillar_line",
                        lang,
                        pillar=f"<b>{esc(cat.pillars[pid].name(lang))}</b>",
                        earned=f.number(row["earned"], 1, lang),
                        max=f.number(row["max_points"], 0, lang),
                        index=f.index(row["index"], lang),
                        group=esc(self.group_label),
                        median=f.index(row["group_median_index"], lang),
                        coverage=f.share(row["coverage"], lang),
                    )
                )
            )
        rows = ev.indicators[ev.indicators["pillar"].isin(pillar_ids)]
        with_data = rows[rows["has_data"]]
        without = rows[~rows["has_data"]]
        if len(with_data):
            items = "; ".join(f"{esc(self._lower_name(i))} <b>{esc(self._value(i))}</b>" for i in with_data.index)
            parts.append(para(t("values_line", lang, period=ev.period, items=items)))
        if len(without):
            parts.append(para(t("missing_line", lang, items=esc(", ".join(self._name(i) for i in without.index)))))
        scored = rows[rows["max_points"] > 0]
        if len(scored):
            attainment = (scored["points"] / scored["max_points"]).where(scored["has_data"])
            medians = [self._median_attainment(i) for i in scored.index]
            chart = charts.bars_with_median(
                [self._name(i) for i in scored.index],
                attainment.tolist(),
                medians,
                title=t("attainment_title", lang),
                unit_label=self.unit_label,
                median_label=t("median_label", lang, group=self.group_label),
                percent=True,
                lang=lang,
            )
            parts.append(figure(chart, t("attainment_title", lang)))
        parts.append(self._indicator_table(rows))
        return section(key, t(key, lang), *parts)

    def _median_attainment(self, indicator_id: str) -> float:
        ind = self.dataset.catalogue[indicator_id]
        median = self.ev.indicators.at[indicator_id, "group_median"]
        return float("nan") if f.missing(median) else ind.points(median) / ind.max_points

    def _indicator_table(self, rows: pd.DataFrame) -> Html:
        lang = self.lang
        body = []
        for i, r in rows.iterrows():
            points = self._points(r["points"], r["max_points"]) if r["max_points"] > 0 else f.DASH
            median = (
                self._value(i, r["group_median"], "", with_unit=False) if not f.missing(r["group_median"]) else f.DASH
            )
            ind = self.dataset.catalogue[i]
            change = f.DASH
            if not f.missing(r["change"]):
                change = f.signed(
                    r["change"],
                    ind.decimals,
                    lang,
                    " đ.p." if ind.kind == "rate" and lang == "vi" else " pp" if ind.kind == "rate" else "",
                )
            body.append((self._name(i), self._value(i), points, self._target(i), median, change))
        return table(
            [
                t("col_indicator", lang),
                t("col_value", lang),
                t("col_points", lang),
                t("col_target", lang),
                t("col_median", lang),
                self._change_header(),
            ],
            body,
            numeric=(1, 2, 4, 5),
        )

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

    def trends(self) -> Html:
        """Overall and pillar indices over the periods with data."""
        ev, lang, cat = self.ev, self.lang, self.dataset.catalogue
        trend = ev.trend
        periods = list(trend.index)
        if len(periods) < 2:
            return section("trends", t("trends", lang), para(t("trend_single", lang, period=ev.period)))
        text = t(
            "trend_line",
            lang,
            first=periods[0],
            last=periods[-1],
            unit=esc(self.unit_label),
            start=f.index(trend["score"].iloc[0], lang),
            end=f.index(trend["score"].iloc[-1], lang),
        )
        overall = t("overall", lang)
        series = {overall: trend["score"].tolist(), t("col_coverage", lang): trend["coverage"].tolist()}
        chart = charts.trend_lines(periods, series, title=t("trend_chart_title", lang), emphasis=overall, lang=lang)
        headers = [
            t("col_period", lang),
            overall,
            *(cat.pillars[p].name(lang) for p in cat.pillars),
            t("col_coverage", lang),
        ]
        rows = [
            (
                p,
                f.index(r["score"], lang),
                *(f.index(r[f"pillar_{pid}"], lang) for pid in cat.pillars),
                f.share(r["coverage"], lang),
            )
            for p, r in trend.iterrows()
        ]
        return section(
            "trends",
            t("trends", lang),
            para(text),
            figure(chart, t("trend_chart_title", lang)),
            table(headers, rows, numeric=tuple(range(1, len(headers)))),
        )

    def peers(self) -> Html:
        """This unit among the units of its district (or province), highlighted."""
        ev, lang = self.ev, self.lang
        peers = ev.peers
        title = t("peers", lang, group=self.group_label)
        if len(peers) < 2:
            return section("peers", title, para(esc(self.unit_label)))
        if len(peers) <= PEER_BARS_MAX:
            chart = charts.peer_scores(
                peers["name"].tolist(),
                peers["score"].tolist(),
                int(list(peers["is_self"]).index(True)),
                title=t("peers_chart_title", lang),
                median=ev.group_median_score,
                median_label=t("median_label", lang, group=self.group_label),
                lang=lang,
            )
        else:  # a province of 100+ units: the distribution, at a fixed size
            chart = charts.peer_distribution(
                peers["score"].tolist(),
                ev.score,
                title=t("peers_chart_title", lang),
                unit_label=self.unit_label,
                median=ev.group_median_score,
                median_label=t("median_label", lang, group=self.group_label),
                lang=lang,
            )
        text = t(
            "peers_line",
            lang,
            unit=esc(self.unit_label),
            rank=ev.rank,
            n=ev.group_size,
            group=esc(self.group_label),
            period=ev.period,
            score=f.index(ev.score, lang),
            median=f.index(ev.group_median_score, lang),
        )
        rows = [
            (
                int(r["rank"]) if not f.missing(r["rank"]) else f.DASH,
                r["name"],
                f.index(r["score"], lang),
                f.share(r["coverage"], lang),
                f"{int(r['targets_met'])}/{int(r['targets_met'] + r['targets_not_met'])}",
            )
            for _, r in peers.iterrows()
        ]
        classes = ["dx-self" if s else "" for s in peers["is_self"]]
        tbl = table(
            [
                t("col_rank", lang),
                t("col_unit", lang),
                t("col_score", lang),
                t("col_coverage", lang),
                t("col_targets_met", lang),
            ],
            rows,
            numeric=(0, 2, 3, 4),
            row_classes=classes,
        )
        return section("peers", title, para(text), figure(chart, t("peers_chart_title", lang)), tbl)

    def data_quality(self) -> Html:
        """Indicators with no data, estimates, lower bounds and implausible values."""
        ev, lang = self.ev, self.lang
        quality = ev.quality
        flags = quality["flag"] if len(quality) else pd.Series(dtype=str)
        counts = {
            "missing": int((flags == "no_data").sum()),
            "estimates": int(flags.isin(["estimate", "lower_bound"]).sum()),
            "implausible": int(flags.isin([*IMPLAUSIBLE_FLAGS, "denominator_unknown"]).sum()),
        }
        parts = [para(t("quality_line", lang, **counts) if len(quality) else t("quality_ok", lang))]
        estimated = [s.strip() for s in str(ev.unit.get("estimated_fields", "")).split(";") if s.strip()]
        if estimated:
            fields = ", ".join(t(f"field_{e}", lang) for e in estimated if has_text(f"field_{e}"))
            parts.append(para(esc(t("estimated_fields", lang, fields=fields))))
        if len(quality):
            order = {
                flag: i
                for i, flag in enumerate(
                    (*IMPLAUSIBLE_FLAGS, "denominator_unknown", "estimate", "lower_bound", "no_data")
                )
            }
            ranked = quality.assign(_o=quality["flag"].map(order).fillna(len(order))).sort_values("_o", kind="stable")
            rows = [
                (
                    self._name(r["indicator"]),
                    t(f"flag_{r['flag']}", lang) if has_text(f"flag_{r['flag']}") else r["flag"],
                    self._flag_detail(r["indicator"], r["flag"]),
                )
                for _, r in ranked.iterrows()
            ]
            parts.append(table([t("col_indicator", lang), t("col_issue", lang), t("col_detail", lang)], rows))
        return section("quality", t("quality", lang), *parts)

    def _flag_detail(self, indicator_id: str, flag: str) -> str:
        """The numbers behind a data-quality flag, in the report's language."""
        lang, row = self.lang, self.ev.indicators.loc[indicator_id]
        ind = self.dataset.catalogue[indicator_id]
        if flag == "no_data":
            return ""
        if flag == "denominator_unknown":
            field = ind.denominator
            label = t(f"field_{field}", lang) if has_text(f"field_{field}") else t("field_count", lang, name=field)
            return t("detail_denominator", lang, field=label)
        details = [t("detail_value", lang, value=self._value(indicator_id))]
        if flag == "count_outlier":
            details.append(
                t("detail_median", lang, group=self.group_label, median=f.value(row["group_median"], ind, lang))
            )
        if flag == "rate_drop":
            details.append(
                t(
                    "detail_change",
                    lang,
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
        for kind, key in (
            ("strength", N_("strengths")),
            ("challenge", N_("challenges")),
            ("next_step", N_("next_steps")),
        ):
            texts = notes.loc[notes["kind"] == kind, "text"].tolist() if len(notes) else []
            items = "".join(f"<li>{esc(x)}</li>" for x in texts) or f"<li>{esc(t('no_notes', lang))}</li>"
            parts.append(f"<h3>{esc(t(key, lang))}</h3><ul>{items}</ul>")
        advice = []
        for rec in ev.recommendations:
            ind = self.dataset.catalogue[rec.indicator]
            if rec.reason == "below_target":
                advice.append(
                    t(
                        "rec_target",
                        lang,
                        name=esc(self._lower_name(rec.indicator)),
                        value=esc(self._value(rec.indicator)),
                        target=esc(f.value(rec.target, ind, lang)),
                        year=rec.target_year,
                        source=esc(rec.target_source),
                    )
                )
            else:
                row = ev.indicators.loc[rec.indicator]
                advice.append(
                    t(
                        "rec_points",
                        lang,
                        name=esc(self._lower_name(rec.indicator)),
                        points=f.number(row["points"], 1, lang),
                        max=f.number(row["max_points"], 0, lang),
                        value=esc(self._value(rec.indicator)),
                    )
                )
        missing = int((~ev.indicators["has_data"] & (ev.indicators["max_points"] > 0)).sum())
        if missing:
            advice.append(tn("rec_missing", missing, lang))
        if not advice:
            advice.append(t("rec_none", lang))
        parts.append(f"<h3>{esc(t('advice', lang))}</h3><ol>" + "".join(f"<li>{a}</li>" for a in advice) + "</ol>")
        return section("recommendations", t("recommendations", lang), *parts)

    def provenance(self) -> Html:
        """Parameters, each dataset file with its SHA-256, the dxnb version and the time of generation."""
        lang = self.lang
        params = self.parameters or {}
        rows = [(k, repr(v)) for k, v in params.items()]
        folder = self.dataset.path
        try:
            shown = folder.relative_to(PROJECT_ROOT)
        except ValueError:
            shown = folder
        files = [
            (f"{shown}/{name}", Html(f"<code>{esc(digest)}</code>"))
            for name, digest in sorted(self.dataset.hashes.items())
        ]
        stamp = t("generated_by", lang, version=__version__, time=f.timestamp(dt.datetime.now(), lang))
        return section(
            "provenance",
            t("provenance", lang),
            table([t("col_parameter", lang), t("col_value", lang)], rows),
            table([t("col_file", lang), "SHA-256"], files),
            f'<p class="dx-small">{esc(t("prov_note", lang))} {esc(stamp)}</p>',
        )

    def sections(self) -> list[Html]:
        """Every section in report order (for exploring in JupyterLab)."""
        return [
            self.header(),
            self.summary(),
            self.institutions(),
            self.awareness(),
            self.human_resources(),
            self.digital_government(),
            self.economy_society(),
            self.trends(),
            self.peers(),
            self.data_quality(),
            self.recommendations(),
            self.provenance(),
        ]
