"""The report's "compare frameworks" section: the unit's data of the period under the other frameworks it fits.

A dataset naming several frameworks in ``frameworks.csv`` (the reference set 2022 until 2024, its 2025 extension
since) raises the question of what a change of rules does to a unit's score. The section answers it for the
frameworks that are comparable with the one in force:

- the framework in force for the period;
- the one in force for the previous period of the same length (last year's rules for this year's data), and every
  other framework the dataset names whose ``years`` cover the period;
- of those, only the ones under which the unit's data of the period covers some points (the 766 index has nothing
  to score in a yearly evaluation, nor the yearly set in a month of the 766 index).

The section is shown when at least two remain; otherwise it is empty (a dataset without ``frameworks.csv``, or one
framework throughout: nothing to compare). Scores come from :func:`dxnb.framework.compare`.
"""

from __future__ import annotations

from . import html as h
from .dataset import Dataset
from .dataset_frameworks import within_years
from .framework import OWN, compare, compare_section
from .html import Html
from .pages import Page
from .periods import earlier


def comparable_frameworks(ds: Dataset, period: str) -> list[str]:
    """The ids of the frameworks comparable with the one in force for ``period``, the one in force first.

    The one in force; the one in force for the previous period of the same length; every other framework the
    dataset names (``frameworks.csv``) whose years cover the period. Empty without ``frameworks.csv``.
    """
    whole = ds.whole
    if not whole.frameworks:
        return []
    current = whole.catalogue_for(period)
    chosen = [current]
    before = earlier(whole.periods, period)
    if before:
        chosen.append(whole.catalogue_for(before[-1]))
    for built in whole.frameworks.values():
        years = built.framework.years if built.framework else ""
        if within_years(years, period):
            chosen.append(built)
    ids: list[str] = []
    for built in chosen:
        fid = built.id or OWN
        if fid not in ids:
            ids.append(fid)
    return ids


class FrameworksSection(Page):
    """Mixin of :class:`~dxnb.report.CommuneReport`: the ``frameworks`` section (see the module docstring)."""

    def frameworks(self) -> Html:
        """The unit's score and class under each comparable framework; empty when there is only one."""
        ev, ds = self.evaluation, self.dataset
        ids = comparable_frameworks(ds, ev.period)
        if len(ids) < 2:
            return h.join()
        table = compare(ds, ev.code, ev.period, ids)  # the view of the period: its unit of the code
        table = table[table["in_force"] | (table["coverage"] > 0)]
        if len(table) < 2:
            return h.join()
        lead = self.text("fw_compare_lead", period=ev.period, unit=self.unit_label)
        return h.Html(compare_section(table, self.lang, lead))
