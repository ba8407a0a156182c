"""The review site's parts for reviewers: review states, changes since the previous render, search and filters.

:class:`ReviewColumns` adds to a period's index (:func:`dxnb.site.write_period_index`) each unit's review state
(:mod:`dxnb.reviews`) and what changed since the previous render (:mod:`dxnb.changes`, from the batch's
``snapshot.json`` and ``snapshot.previous.json``), a search box (name or code, without diacritics), filters
(state, result class when the framework has classes, changed since the last run) and sort buttons reachable from
the keyboard; all offline, a few lines of inline script. :func:`write_changes_page` writes ``changes.html``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pandas as pd

from . import __version__
from . import fmt as f
from . import html as h
from .dataset import Dataset
from .fileio import atomic_write_text
from .i18n import N_, t
from .params import period_label

log = logging.getLogger(__name__)

REVIEW_STYLE = """
.dx-sort-btn{font:inherit;color:inherit;background:none;border:0;padding:0;margin:0;cursor:pointer;text-align:inherit}
.dx-sort-btn:focus-visible{outline:2px solid #1565c0;outline-offset:2px}
.dx-filters{display:flex;flex-wrap:wrap;gap:.5em 1.2em;align-items:flex-end;margin:.8em 0}
.dx-filters label{display:flex;flex-direction:column;font-size:.9em;gap:.2em}
.dx-filters label.dx-check{flex-direction:row;align-items:center}
.dx-filters input[type=search]{min-width:16em;padding:.25em .4em}
.dx-state-needs_review{color:#b71c1c;font-weight:bold}
.dx-state-approved{color:#1b5e20;font-weight:bold}
"""

REVIEW_SCRIPT = r"""
(function () {
  var box = document.getElementById('dx-review-data');
  if (!box) return;
  var data = JSON.parse(box.textContent), table = document.querySelector('table.dx-sortable');
  var q = document.getElementById('dx-q'), st = document.getElementById('dx-state');
  var cl = document.getElementById('dx-class'), ch = document.getElementById('dx-changed');
  var out = document.getElementById('dx-shown'), codeCol = 1, heads = table.tHead.rows[0].cells;
  for (var c = 0; c < heads.length; c++) if (heads[c].querySelector('[data-col=code]')) codeCol = c;
  function fold(s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[\u0111\u0110]/g, 'd')
      .toLowerCase().replace(/\s+/g, ' ').trim();
  }
  function apply() {
    var words = fold(q.value), shown = 0, rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var d = data[rows[i].cells[codeCol].getAttribute('data-v')], ok = !!d;
      if (ok && words) ok = d.q.indexOf(words) !== -1;
      if (ok && st && st.value) ok = d.state === st.value;
      if (ok && cl && cl.value) ok = d.cls === cl.value;
      if (ok && ch && ch.checked) ok = d.changed;
      rows[i].hidden = !ok;
      if (ok) shown++;
    }
    out.textContent = out.getAttribute('data-template').replace('{shown}', shown).replace('{total}', rows.length);
  }
  [q, st, cl, ch].forEach(function (el) {
    if (!el) return;
    el.addEventListener('input', apply);
    el.addEventListener('change', apply);
  });
  apply();
})();
"""

#: The order of review states in the index's sorting and filter.
STATE_ORDER = ("needs_review", "self_assessed", "reviewed", "approved")


def review_head() -> h.Html:
    """The index's extra style (sort buttons, filters, states)."""
    return h.Html(f"<style>{REVIEW_STYLE}</style>\n")


def sort_buttons(headers: list, code_column: int = 1) -> list:
    """Each column heading as a button, so sorting works from the keyboard (the sort script sets aria-sort).

    The button of the units' codes is marked ``data-col="code"`` for the filter script.
    """
    return [
        h.tag("button", text, type="button", cls="dx-sort-btn", **({"data-col": "code"} if i == code_column else {}))
        for i, text in enumerate(headers)
    ]


class ReviewColumns:
    """The review state, result class and changes of each unit of a period, for the index and the changes page."""

    def __init__(self, folder: Path, ds: Dataset, period: str, lang: str, kept: tuple[dict, dict | None] | None = None):
        """The columns of ``period`` in ``folder``; ``kept``: its snapshot and previous one, when at hand already."""
        from . import reviews
        from .changes import compare
        from .snapshot import PREVIOUS, SNAPSHOT, period_snapshot, read_snapshot

        self.ds, self.period, self.lang = ds, period, lang
        if kept is None:
            kept = read_snapshot(folder / SNAPSHOT) or period_snapshot(ds, period), read_snapshot(folder / PREVIOUS)
        self.snapshot, self.previous = kept
        self.changes = {c.code: c for c in compare(self.previous, self.snapshot)}
        self.states = reviews.statuses(ds, period, self.snapshot["units"], taken_under=self.snapshot.get("framework"))
        self.labels = reviews.LABELS
        # the snapshot keeps the Vietnamese name of each unit's class; the page shows it in its language
        names = {c.name_vi: c.name(lang) for c in ds.catalogue_for(period).classes}
        self.classes = {c: names.get(e["result_class"], e["result_class"]) for c, e in self.snapshot["units"].items()
                        if e.get("result_class")}  # fmt: skip

    @property
    def headers(self) -> list[str]:
        """The extra columns' headings."""
        extra = [t("site_filter_class", self.lang)] if self.classes else []
        return [t("site_col_review", self.lang), *extra, t("site_col_changes", self.lang)]

    def state_cell(self, code: str) -> tuple[object, object]:
        """The state's cell and its sort key."""
        status = self.states.get(code)
        if status is None:
            return f.DASH, ""
        label = h.tag("span", t(self.labels[status.state], self.lang), cls=f"dx-state-{status.state}")
        if status.state == "needs_review":
            label = h.tag("a", label, href=f"changes.html#review-{code}")
        return label, STATE_ORDER.index(status.state)

    def cells(self, code: str) -> tuple[list, list]:
        """The extra cells of a unit's row and their sort keys."""
        from .changes import summary

        state, key = self.state_cell(code)
        cells, keys = [state], [key]
        if self.classes:
            cells.append(self.classes.get(code, ""))
            keys.append(None)
        change = self.changes.get(code)
        text = summary(change, self.lang)
        cells.append(h.link(f"changes.html#u-{code}", text) if text else "")
        keys.append(abs(change.score_delta) if change is not None else "")
        return cells, keys

    def data(self, rows: pd.DataFrame) -> dict:
        """What the filter script needs per unit: a search key, the state, the class, whether it changed."""
        from .text import ascii_fold

        return {
            code: {
                "q": " ".join(ascii_fold(f"{name} {code}").lower().split()),
                "state": self.states[code].state if code in self.states else "",
                "cls": self.classes.get(code, ""),
                "changed": code in self.changes,
            }
            for code, name in zip(rows.index, rows["name"], strict=True)
        }

    def toolbar(self, rows: pd.DataFrame) -> h.Html:
        """The search box and filters, the count of shown units, and the data and script behind them."""
        lang = self.lang
        states = [h.tag("option", t("site_filter_all", lang), value="")]
        states += [h.tag("option", t(self.labels[s], lang), value=s) for s in STATE_ORDER]
        parts = [
            h.tag("label", t("site_search", lang), h.Html('<input type="search" id="dx-q" autocomplete="off">')),
            h.tag("label", t("site_filter_state", lang), h.tag("select", *states, id="dx-state")),
        ]
        if self.classes:
            options = [h.tag("option", t("site_filter_all", lang), value="")]
            options += [h.tag("option", c, value=c) for c in sorted(set(self.classes.values()))]
            parts.append(h.tag("label", t("site_filter_class", lang), h.tag("select", *options, id="dx-class")))
        parts.append(
            h.tag(
                "label",
                h.Html('<input type="checkbox" id="dx-changed">'),
                t("site_filter_changed", lang),
                cls="dx-check",
            )
        )
        payload = json.dumps(self.data(rows), ensure_ascii=False).replace("</", "<\\/")
        template = t("site_shown", lang, shown="{shown}", total="{total}")
        return h.join(
            h.tag("div", *parts, cls="dx-filters", role="search"),
            h.tag("p", "", id="dx-shown", cls="dx-small", **{"data-template": template, "aria-live": "polite"}),
            h.para(
                h.link("changes.html", t("site_changes_link", lang)), " · ", t("site_sort_keys", lang), cls="dx-small"
            ),
            h.Html(f'<script type="application/json" id="dx-review-data">{payload}</script>'),
        )

    def script(self) -> h.Html:
        """The filter script (after the table)."""
        return h.Html(f"<script>{REVIEW_SCRIPT}</script>")


def _changes_table(ds: Dataset, change, lang: str, period: str | None = None) -> h.Html:
    """What changed for one unit, its indicators named as the framework in force for ``period`` names them."""
    from .changes import indicator_name, value_text

    rows = []
    for item in change.indicators:
        points = f"{f.number(item.old_points or 0, 2, lang)} → {f.number(item.new_points or 0, 2, lang)}"
        rows.append([
            f"{indicator_name(ds, item.indicator, lang, period)} ({item.indicator})",
            t(f"chg_kind_{item.kind}", lang),
            value_text(ds, item.indicator, item.old_value, lang, period),
            value_text(ds, item.indicator, item.new_value, lang, period),
            points,
            f.signed(item.points_delta, 2, lang),
        ])  # fmt: skip
    headers = [t(k, lang) for k in CHANGE_COLUMNS]  # fmt: skip
    score = t("chg_score_line", lang, old=f.index(change.old_score, lang), new=f.index(change.new_score, lang),
              delta=f.signed(change.score_delta, 2, lang))  # fmt: skip
    return h.join(h.para(score), h.table(headers, rows, numeric=(2, 3, 4, 5)) if rows else "")


#: The columns of a unit's changes.
CHANGE_COLUMNS = (N_("chg_col_indicator"), N_("chg_col_kind"), N_("chg_col_old"), N_("chg_col_new"),
                  N_("chg_col_points"), N_("chg_col_delta"))  # fmt: skip
#: The kinds of change of an indicator (``t(f"chg_kind_{kind}")``).
CHANGE_KINDS = (N_("chg_kind_changed"), N_("chg_kind_added"), N_("chg_kind_removed"))


def write_changes_page(
    folder: Path, ds: Dataset, period: str, manifest: dict, lang: str = "vi", columns: ReviewColumns | None = None
) -> Path:
    """Write ``<folder>/changes.html``: what changed per unit since the previous render, and since approval.

    ``columns``: the period's :class:`ReviewColumns`, when built already (for the index too).
    """
    ds = ds.at(period)  # a code means the unit alive in the period
    from .reviews import LABELS, NEEDS_REVIEW

    columns = columns or ReviewColumns(folder, ds, period, lang)
    entries = manifest.get("units", {})

    def report_link(code: str) -> object:
        html_name = entries.get(code, {}).get("html", "")
        return h.small(h.link(html_name, t("chg_open_report", lang))) if html_name else ""

    parts = [
        h.tag("nav", h.link("index.html", f"← {t('chg_back', lang)}"), cls="dx-small"),
        h.tag("h1", t("chg_title", lang, period=period_label(period, lang, inline=True))),
    ]
    if columns.previous is None:
        parts.append(h.para(t("chg_first", lang)))
    else:
        moments = [_moment(s.get("generated"), lang) for s in (columns.snapshot, columns.previous)]
        parts.append(h.para(t("chg_lead", lang, new=moments[0], old=moments[1]), cls="dx-meta"))
        if not columns.changes:
            parts.append(h.para(t("chg_none", lang)))
    for code, change in columns.changes.items():
        title = f"{change.name} ({code}) — {_summary(change, lang)}"
        parts.append(h.Html(f'<section id="u-{h.esc(code)}">{h.heading(title, 2)}'
                            f"{_changes_table(ds, change, lang, period)}{report_link(code)}</section>"))  # fmt: skip
    stale = [s for s in columns.states.values() if s.state == NEEDS_REVIEW]
    if stale:
        parts.append(h.tag("h2", t("chg_review_title", lang)))
    for status in stale:
        last = status.last
        name = ds.units.at[status.code, "name"]
        since = t("chg_review_since", lang, state=t(LABELS[last.state], lang), date=f.date(last.moment, lang),
                  by=last.by)  # fmt: skip
        body = (_changes_table(ds, status.changes, lang, period) if status.changes is not None
                else h.para(t("chg_review_unknown", lang)))  # fmt: skip
        parts.append(h.Html(f'<section id="review-{h.esc(status.code)}">{h.heading(f"{name} ({status.code})", 3)}'
                            f"{h.para(since)}{body}{report_link(status.code)}</section>"))  # fmt: skip
    path = folder / "changes.html"
    page = h.page(
        t("chg_title", lang, period=period_label(period, lang, inline=True)),
        h.join(*parts),
        lang,
        generator=f"dxnb {__version__}",
        wide=True,
    )
    atomic_write_text(path, page)
    log.info("wrote %s", path)
    return path


def _summary(change, lang: str) -> str:
    from .changes import summary

    return summary(change, lang)


def _moment(text: object, lang: str) -> str:
    try:
        return f.timestamp(dt.datetime.fromisoformat(str(text)), lang)
    except ValueError:
        return str(text or "?")
