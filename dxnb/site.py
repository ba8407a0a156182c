"""The review site: one index page per period (the district overview) and a root index.

Pages are single offline files: inline CSS, a few lines of inline script to sort tables, charts
as data URIs. Text from the data is escaped.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from . import __version__, charts
from . import fmt as f
from . import html as h
from .dataset import Dataset
from .docframe import heading_html, load_frame, signature_html
from .evaluate import evaluate_period
from .fileio import atomic_write_text
from .i18n import N_, t, tn
from .params import period_coverage, period_key, period_label
from .site_review import ReviewColumns, review_head, sort_buttons
from .units import places_label

log = logging.getLogger(__name__)

#: What the status column says of a unit without a rendered report (its status in the period rows).
STATUS_KEYS = {"no_data": N_("site_no_data"), "not_rendered": N_("site_not_rendered")}

SORT_SCRIPT = """
document.querySelectorAll('table.dx-sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
        var nx = parseFloat(x), ny = parseFloat(y), r;
        if (x === '' && y !== '') return 1;
        if (y === '' && x !== '') return -1;
        r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y), 'vi');
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _page(title: str, body: str, lang: str, *, head: str = "") -> str:
    return h.page(title, body, lang, generator=f"dxnb {__version__}", head=head, script=SORT_SCRIPT, wide=True)


def _memo(format_number, lang: str):
    """``format_number(value, lang)``, computed once per distinct value (babel is slow per call)."""
    seen: dict[object, str] = {}

    def formatted(value) -> str:
        if f.missing(value):
            return format_number(value, lang)
        text = seen.get(value)
        if text is None:
            text = seen[value] = format_number(value, lang)
        return text

    return formatted


def _place(units: pd.DataFrame, lang: str) -> str:
    """The place the units share, in a sentence (see :func:`dxnb.units.places_label`)."""
    return places_label(units, lang, capital=False)


#: What the index shows of each unit's manifest entry (its status and report cells).
ENTRY_FIELDS = ("status", "html", "error", "failed_notebook", "previous_report", "pdf")


def _entry_fields(manifest: dict, codes, has_data) -> list[tuple[str, ...]]:
    """Per unit, :data:`ENTRY_FIELDS` from the manifest (a unit without an entry: no data, or not rendered)."""
    entries = manifest.get("units", {})
    no_data = set(manifest.get("no_data", []))
    fields = []
    for code, has in zip(codes, has_data, strict=True):
        entry = entries.get(code, {})
        status = entry.get("status") or ("no_data" if code in no_data or not has else "not_rendered")
        fields.append((status, *(entry.get(name, "") for name in ENTRY_FIELDS[1:])))
    return fields


def index_title(period: str, lang: str = "vi") -> str:
    """The title of a period's index page (also the combined PDF's)."""
    return t("site_index_title", lang, period=period_label(period, lang))


class IndexDraft:
    """A period's index page made from the data, to be finished with the reports' manifest (:meth:`write`).

    Only each unit's status and report cells depend on the manifest. A batch makes the draft beside its workers
    (with the manifest as it was before, ``manifest``); :meth:`write` then renders again the cells of the units
    whose entry changed, not the whole country's table.
    """

    def __init__(
        self,
        folder: Path,
        ds: Dataset,
        period: str,
        lang: str = "vi",
        table: pd.DataFrame | None = None,
        review: ReviewColumns | None = None,
        manifest: dict | None = None,
    ):
        self.folder, self.ds, self.period, self.lang = Path(folder), ds, period, lang
        view = ds.at(period)  # the units alive in the period
        table = evaluate_period(view, period, list(view.units.index)) if table is None else table
        cat = ds.catalogue_for(period)
        pillar_ids = list(cat.pillars)
        several_districts = table["district"].nunique() > 1
        headers = [t("site_rank", lang), t("site_code", lang), t("site_unit", lang)]
        if several_districts:
            headers.append(t("site_district", lang))
        # A framework without targets (the 766 service index) gets no "targets met 0/0" column.
        has_targets = any(ind.target is not None for ind in cat.indicators.values())
        headers += [t("site_score", lang), t("site_coverage", lang)] + (
            [t("site_targets", lang)] if has_targets else []
        )
        headers += [cat.pillars[p].name(lang) for p in pillar_ids]
        headers += [t("site_status", lang), t("site_report", lang)]
        self.status_column = len(headers) - 2
        self.numeric = {0, *range(3 + several_districts, self.status_column)}
        review = review or ReviewColumns(self.folder, view, period, lang)
        ordered = table.assign(_score=table["score"].fillna(-1)).sort_values(
            ["_score", "name"], ascending=[False, True]
        )
        # Thousands of rows: plain dicts instead of iterrows, and each distinct number formatted once.
        index_text, share_text = _memo(f.index, lang), _memo(f.share, lang)
        rank_text = _memo(lambda value, _lang: f.number(value), lang)
        self.codes, self.names, self.has_data = list(ordered.index), list(ordered["name"]), list(ordered["has_data"])
        self._before, self._after = [], []
        for code, r in zip(ordered.index, ordered.to_dict("records"), strict=True):
            cells = [rank_text(r["rank"]) if not f.missing(r["rank"]) else f.DASH, code, r["name"]]
            sort = [r["rank"], None, None]
            if several_districts:
                cells.append(r["district"] or r["province"])
                sort.append(None)
            cells += [index_text(r["score"]), share_text(r["coverage"])]
            sort += [r["score"], r["coverage"]]
            if has_targets:
                met, known = int(r["targets_met"]), int(r["targets_met"] + r["targets_not_met"])
                cells.append(f"{met}/{known}" if r["has_data"] else f.DASH)
                sort.append(r["targets_met"] if r["has_data"] else None)
            cells += [index_text(r[f"pillar_{p}"]) for p in pillar_ids]
            sort += [r[f"pillar_{p}"] for p in pillar_ids]
            extra_cells, extra_keys = review.cells(code)
            self._before.append(h.table_cells(cells, numeric=self.numeric, sort=sort))
            self._after.append(
                h.table_cells(extra_cells, numeric=self.numeric, sort=extra_keys, start=self.status_column + 2)
            )
        self.headers = sort_buttons(headers + review.headers)
        self.units = len(table)
        scored = table[table["has_data"]]
        self.median = scored["score"].median() if len(scored) else float("nan")
        place = _place(table, lang)
        self.lead = tn("site_lead", self.units, lang, n=f.number(self.units, 0, lang), place=place)
        self.chart = self._chart(scored, place)
        self.toolbar, self.script = review.toolbar(ordered), review.script()
        frame = load_frame(ds.path) if ds.path else None  # the administrative document frame, when configured
        self.heading, self.signature = h.Html(heading_html(frame, lang)), h.Html(signature_html(frame, lang))
        self._status: dict[str, tuple[tuple[str, ...], str]] = {}
        if manifest is not None:
            self._status_cells(manifest)

    def _chart(self, scored: pd.DataFrame, place: str) -> object:
        if not len(scored):
            return ""
        lang, period = self.lang, self.period
        ranked = scored.sort_values("score", ascending=False)
        title = t("site_chart", lang, period=period_label(period, lang, inline=True))
        if len(ranked) <= 60:
            uri = charts.peer_scores(
                ranked["name"].tolist(),
                ranked["score"].tolist(),
                None,
                title=title,
                median=float(ranked["score"].median()),
                median_label=t("site_median", lang),
                lang=lang,
            )
        else:
            uri = charts.score_histogram(ranked["score"].tolist(), title=title, lang=lang)
        when = period_label(period, lang, inline=True)
        return h.figure(uri, t("chart_alt", lang, chart=title, subject=place, period=when), caption=title)

    def _status_cells(self, manifest: dict) -> tuple[list[str], list[str]]:
        """Each unit's status, and its status and report cells for ``manifest`` (rendered again where it changed)."""
        statuses, rendered = [], []
        entries = _entry_fields(manifest, self.codes, self.has_data)
        for code, name, fields in zip(self.codes, self.names, entries, strict=True):
            known = self._status.get(code)
            if known is None or known[0] != fields:
                known = self._status[code] = (fields, self._status_html(fields, name))
            statuses.append(fields[0])
            rendered.append(known[1])
        return statuses, rendered

    def _status_html(self, fields: tuple[str, ...], name: str) -> str:
        lang = self.lang
        status, html_name, error, failed_notebook, previous, pdf_name = fields
        if status == "failed":
            links = [h.link(failed_notebook, t("site_failed_nb", lang))]
            if previous:
                links.append(h.link(previous, t("site_previous", lang)))
            cells = [h.tag("span", f"{t('site_failed', lang)}: {error}", cls="dx-fail"), h.join(*links, sep=" · ")]
            sort = [t("site_failed", lang), ""]
        elif status == "ok":
            pdf = h.link(pdf_name, t("site_pdf", lang)) if pdf_name else ""
            cells = [t("site_ok", lang), h.join(h.link(html_name, t("site_open", lang)), pdf, sep=" · ")]
            sort = [None, name]
        else:
            cells = [t(STATUS_KEYS[status], lang) if status in STATUS_KEYS else status, ""]
            sort = [None, ""]
        return h.table_cells(cells, numeric=self.numeric, sort=sort, start=self.status_column)

    def write(self, manifest: dict, *, combined: str = "") -> Path:
        """Write ``index.html`` for ``manifest``; ``combined`` names the period's combined PDF (see below)."""
        lang, folder, period = self.lang, self.folder, self.period
        statuses, status_cells = self._status_cells(manifest)
        body = [f"<tr>{a}{s}{b}</tr>" for a, s, b in zip(self._before, status_cells, self._after, strict=True)]
        key = [
            (t("site_units", lang), f.number(self.units, 0, lang)),
            (t("site_rendered", lang), f.number(statuses.count("ok"), 0, lang)),
            (t("site_failed", lang), f.number(statuses.count("failed"), 0, lang)),
            (t("site_median", lang), f.index(self.median, lang)),
        ]
        overview = (
            h.para(h.link("overview.html", t("site_overview", lang))) if (folder / "overview.html").is_file() else ""
        )
        combined = combined or (f"{period}-tong-hop.pdf" if (folder / f"{period}-tong-hop.pdf").is_file() else "")
        if combined:
            overview = h.join(overview, h.para(h.link(combined, t("site_combined_pdf", lang))))
        generated = t("site_generated", lang, version=__version__, fingerprint=self.ds.fingerprint[:12])
        table = h.table_of_rows(self.headers, body, numeric=self.numeric, cls="dx-table dx-sortable")
        body_html = h.join(
            h.tag("nav", h.link("../index.html", f"← {t('site_periods', lang)}"), cls="dx-small"),
            self.heading,
            h.block("dx-kicker", t("site_title", lang)),
            h.tag("h1", period_label(period, lang)),
            h.para(self.lead, cls="dx-meta"),
            h.key_figures(key),
            overview,
            self.chart,
            h.small(t("site_sort", lang)),
            self.toolbar,
            h.block("dx-scroll", table),
            self.script,
            self.signature,
            h.small(generated),
        )
        path = folder / "index.html"
        atomic_write_text(path, _page(index_title(period, lang), body_html, lang, head=review_head()))
        log.info("wrote %s", path)
        return path


def write_period_index(
    folder: Path,
    ds: Dataset,
    period: str,
    manifest: dict,
    lang: str = "vi",
    table: pd.DataFrame | None = None,
    *,
    combined: str = "",
    review: ReviewColumns | None = None,
    draft: IndexDraft | None = None,
) -> Path:
    """Write ``<folder>/index.html``: the overview of every unit for the period (``table``: its evaluation).

    Each report's PDF is linked when the manifest lists one; ``combined`` names the period's combined PDF (linked
    also when not given but the file exists). ``review``: the period's review columns, and ``draft`` the page
    itself, when made already (see :class:`IndexDraft`).
    """
    draft = draft or IndexDraft(folder, ds, period, lang, table, review)
    return draft.write(manifest, combined=combined)


def write_overview(folder: Path, ds: Dataset, period: str, lang: str = "vi", *, key: str = "") -> Path | None:
    """Write ``<folder>/overview.html``: the district overview of ``notebooks/district_overview.ipynb``.

    The page is built in-process from the same :class:`~dxnb.overview.Overview` the notebook calls, and
    skipped when it already exists for the same ``key`` (dataset, dxnb version, template, language).
    """
    from .overview import Overview

    path = folder / "overview.html"
    marker = h.meta("dxnb-key", key)
    if key and path.is_file():
        with open(path, encoding="utf-8") as handle:
            if marker in handle.read(2048):
                return path
    overview = Overview.build(period, lang=lang, dataset=ds)
    nav = h.tag("nav", h.link("index.html", f"← {t('site_index_of', lang)}"), cls="dx-small")
    title = t("site_overview_title", lang, period=period_label(period, lang))
    page = overview.page(title, before=nav, head=h.join(marker, "\n"), script=SORT_SCRIPT, wide=True)
    atomic_write_text(path, page)
    log.info("wrote %s", path)
    return path


def write_root_index(out: Path, lang: str = "vi", ds: Dataset | None = None) -> Path:
    """Write ``<out>/index.html`` listing every period folder that has a manifest.

    With the dataset, every period it holds is listed with its coverage (units with data / units),
    rendered or not, so that a new year arriving unit by unit shows how far it has come.
    """
    folders = {p.name: p for p in out.iterdir() if p.is_dir() and (p / "manifest.json").is_file()}
    coverage = period_coverage(ds) if ds is not None else {}
    rows = []
    for period in sorted(set(folders) | set(coverage), key=period_key, reverse=True):  # latest first
        cells: list = []
        folder = folders.get(period)
        ok = failed = 0
        if folder is not None:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            units = manifest.get("units", {})
            ok = sum(u.get("status") == "ok" for u in units.values())
            failed = sum(u.get("status") == "failed" for u in units.values())
            cells.append(h.link(f"{period}/index.html", period_label(period, lang)))
        else:
            shown = period_label(period, lang)
            cells.append(h.join(shown, h.tag("small", t("root_not_rendered", lang, period=period)), sep=" "))
        if ds is not None:
            cells.append(f"{f.number(coverage.get(period, 0), 0, lang)}/{f.number(len(ds.units), 0, lang)}")
        rows.append((*cells, ok, failed))
    headers = [
        t("site_period_col", lang),
        *([t("root_coverage", lang)] if ds is not None else []),
        t("site_rendered", lang),
    ]
    numbers = (1, 2, 3) if ds is not None else (1, 2)
    table = h.table([*headers, t("site_failed", lang)], rows, numeric=numbers)
    body = h.join(
        h.block("dx-kicker", "dxnb"), h.tag("h1", t("site_title", lang)), h.tag("h2", t("site_periods", lang)), table
    )
    path = out / "index.html"
    atomic_write_text(path, _page(t("site_title", lang), body, lang))
    return path
