"""The report's "formation" section: what a new unit was formed from, and its history before it existed.

For a unit formed by a merger (a ``valid_from`` and successions in the dataset), the section names its
predecessors (name, code, whole or partial, the resolution), draws its trend from the predecessors'
combined history (:mod:`dxnb.history`, dashed and marked "estimated from the former communes") to its own
figures (solid), and gives its rank in its province. For any other unit the section is empty, so that a
pre-2025 report is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import charts
from . import html as h
from .history import derived_trend, parts
from .html import Html
from .i18n import N_, unit_name
from .pages import Page
from .params import period_label
from .units import place_name


@charts.styled
def formation_chart(periods: Sequence[str], scores: Sequence[float], derived: Sequence[bool], *, title: str,
                    labels: tuple[str, str], lang: str = "vi") -> str:  # fmt: skip
    """The overall index over periods: derived periods dashed and hollow, measured ones solid; a data URI."""
    fig = charts.new_figure(2.6, left=0.5, top=0.45)
    ax = fig.add_subplot()
    ax.grid(axis="y", color=charts.GRID, linewidth=0.6)
    x = np.arange(len(periods))
    y = np.asarray(scores, dtype=float)
    flag = np.asarray(derived, dtype=bool)
    last = int(np.flatnonzero(flag).max()) if flag.any() else -1
    if last >= 0:  # the estimated part, up to and into the first measured point
        upto = min(last + 2, len(x))
        ax.plot(x[:upto], y[:upto], color=charts.MAIN, linestyle="--", linewidth=1.6, label=labels[0])
        ax.plot(x[flag], y[flag], linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                markeredgecolor=charts.MAIN)  # fmt: skip
    if (~flag).any():
        start = last + 1
        ax.plot(x[start:], y[start:], color=charts.MAIN, linewidth=2.8, marker="o", markersize=6, label=labels[1])
    ax.set_xticks(x, list(periods))
    ax.set_ylim(0, 1.05)
    charts._ticks(ax, "y", lang)
    ax.set_xlim(-0.2, len(periods) - 0.8 if len(periods) > 1 else 0.2)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    return charts.to_data_uri(fig)


class FormationSection(Page):
    """Mixin of :class:`~dxnb.report.CommuneReport`: the ``formation`` section."""

    def formation(self) -> Html:
        """What the unit was formed from, its trend from the former units' history, its rank in the province."""
        ev, ds = self.evaluation, self.dataset
        if "unit_key" not in ds.units.columns or ev.code not in ds.units.index:
            return h.join()
        found = parts(ds, str(ds.units.at[ev.code, "unit_key"]))
        if not found:
            return h.join()
        unit = ds.units.loc[ev.code]
        label = unit_name(unit["name"], unit["kind"], self.lang)
        whole = ds.whole.units
        entries = []
        for part in found:
            old = whole.loc[part.key]
            name = unit_name(old["name"], old["kind"], self.lang)
            if part.type == "full":
                how = self.text("formation_whole")
            elif part.estimated:
                how = self.text("formation_partial_estimated", n=part.successors)
            else:
                how = self.text("formation_partial_share", share=self.share(part.share * 100))
            entries.append(self.rich("formation_part", name=name, code=part.code, how=how))
        sources = sorted({p.source for p in found if p.source})
        date = str(unit["valid_from"])
        intro = self.rich("formation_intro", unit=label, date=f"{date[8:10]}/{date[5:7]}/{date[:4]}")
        parts_html = [h.para(intro), h.items(entries)]
        if sources:
            parts_html.append(h.para(self.rich("formation_sources", sources="; ".join(sources))))
        trend, derived = derived_trend(ds, ev.code)
        if len(trend):
            periods = [*trend.index, *ev.trend.index]
            scores = [*trend["score"], *ev.trend["score"]]
            flags = [True] * len(trend) + [False] * len(ev.trend)
            title = self.text("formation_chart_title")
            labels = (self.text("formation_estimated"), self.text("formation_measured"))
            chart = formation_chart(periods, scores, flags, title=title, labels=labels, lang=self.lang)
            estimated = bool(trend["estimated"].any())
            note = N_("formation_note_estimate") if estimated else N_("formation_note_derived")
            rows = [(p, self.index(r["score"]), self.share(r["coverage"]), self.text("formation_estimated"))
                    for p, r in trend.iterrows()]  # fmt: skip
            rows += [(p, self.index(r["score"]), self.share(r["coverage"]), self.text("formation_measured"))
                     for p, r in ev.trend.iterrows()]  # fmt: skip
            headers = [self.text("col_period"), self.text("overall"), self.text("col_coverage"),
                       self.text("formation_col_basis")]  # fmt: skip
            first = next(iter(derived.values()))
            skipped = len(first.reasons)
            parts_html += [
                h.figure(chart, title),
                h.note(self.rich(note, first=trend.index[0], last=trend.index[-1])),
                h.table(headers, rows, numeric=(1, 2)),
                h.para(self.rich("formation_not_derived", n=skipped)),
            ]
        else:
            parts_html.append(h.para(self.rich("formation_no_history")))
        if ev.rank is not None and not math.isnan(ev.score):
            parts_html.append(h.para(self.rich("formation_rank", unit=label, rank=ev.rank, size=ev.group_size,
                                               province=place_name("province", unit["province"], self.lang),
                                               period=period_label(ev.period, self.lang, start=True))))  # fmt: skip
        return h.section("formation", self.text("formation"), *parts_html)
