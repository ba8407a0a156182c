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


def period_rows(ds: Dataset, period: str, manifest: dict, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit of the dataset: evaluation for the period (``table``, when computed already), and status."""
    ds = ds.at(period)  # the units alive in the period
    table = evaluate_period(ds, period, list(ds.units.index)) if table is None else table.copy()
    entries = manifest.get("units", {})
    no_data = set(manifest.get("no_data", []))
    table["status"] = [
        entries.get(code, {}).get("status") or ("no_data" if code in no_data or not has else "not_rendered")
        for code, has in zip(table.index, table["has_data"], strict=True)
    ]
    table["html"] = [entries.get(code, {}).get("html", "") for code in table.index]
    table["error"] = [entries.get(code, {}).get("error", "") for code in table.index]
    table["failed_notebook"] = [entries.get(code, {}).get("failed_notebook", "") for code in table.index]
    table["previous_report"] = [entries.get(code, {}).get("previous_report", "") for code in table.index]
    table["pdf"] = [entries.get(code, {}).get("pdf", "") for code in table.index]
    return table


def index_title(period: str, lang: str = "vi") -> str:
    """The title of a period's index page (also the combined PDF's)."""
    return t("site_index_title", lang, period=period_label(period, lang))


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
) -> Path:
    """Write ``<folder>/index.html``: the overview of every unit for the period (``table``: its evaluation).

    Each report's PDF is linked when the manifest lists one; ``combined`` names the period's combined PDF (linked
    also when not given but the file exists). ``review``: the period's review columns, when built already.
    """
    rows = period_rows(ds, period, manifest, table)
    cat = ds.catalogue_for(period)
    pillar_ids = list(cat.pillars)
    several_districts = rows["district"].nunique() > 1
    headers = [t("site_rank", lang), t("site_code", lang), t("site_unit", lang)]
    if several_districts:
        headers.append(t("site_district", lang))
    # A framework without targets (the 766 service index) gets no "targets met 0/0" column.
    has_targets = any(ind.target is not None for ind in cat.indicators.values())
    headers += [t("site_score", lang), t("site_coverage", lang)] + ([t("site_targets", lang)] if has_targets else [])
    headers += [cat.pillars[p].name(lang) for p in pillar_ids]
    headers += [t("site_status", lang), t("site_report", lang)]
    numeric_from = 3 + several_districts
    review = review or ReviewColumns(folder, ds.at(period), period, lang)
    ordered = rows.assign(_score=rows["score"].fillna(-1)).sort_values(["_score", "name"], ascending=[False, True])
    # Thousands of rows: plain dicts instead of iterrows, and each distinct number formatted once.
    index_text, share_text = _memo(f.index, lang), _memo(f.share, lang)
    rank_text = _memo(lambda value, _lang: f.number(value), lang)
    body, keys = [], []
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
        status = r["status"]
        if status == "failed":
            links = [h.link(r["failed_notebook"], t("site_failed_nb", lang))]
            if r["previous_report"]:
                links.append(h.link(r["previous_report"], t("site_previous", lang)))
            cells += [
                h.tag("span", f"{t('site_failed', lang)}: {r['error']}", cls="dx-fail"),
                h.join(*links, sep=" · "),
            ]
            sort += [t("site_failed", lang), ""]
        elif status == "ok":
            pdf = h.link(r["pdf"], t("site_pdf", lang)) if r["pdf"] else ""
            cells += [t("site_ok", lang), h.join(h.link(r["html"], t("site_open", lang)), pdf, sep=" · ")]
            sort += [None, r["name"]]
        else:
            cells += [t(STATUS_KEYS[status], lang) if status in STATUS_KEYS else status, ""]
            sort += [None, ""]
        extra_cells, extra_keys = review.cells(code)
        body.append(cells + extra_cells)
        keys.append(sort + extra_keys)
    numeric = [0, *range(numeric_from, len(headers) - 2)]
    headers = sort_buttons(headers + review.headers)
    rendered = int((rows["status"] == "ok").sum())
    failed = int((rows["status"] == "failed").sum())
    scored = rows[rows["has_data"]]
    key = [
        (t("site_units", lang), f.number(len(rows), 0, lang)),
        (t("site_rendered", lang), f.number(rendered, 0, lang)),
        (t("site_failed", lang), f.number(failed, 0, lang)),
        (t("site_median", lang), f.index(scored["score"].median() if len(scored) else float("nan"), lang)),
    ]
    chart = ""
    if len(scored):
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
        alt = t(
            "chart_alt",
            lang,
            chart=title,
            subject=_place(rows, lang),
            period=period_label(period, lang, inline=True),
        )
        chart = h.figure(uri, alt, caption=title)
    overview = h.para(h.link("overview.html", t("site_overview", lang))) if (folder / "overview.html").is_file() else ""
    combined = combined or (f"{period}-tong-hop.pdf" if (folder / f"{period}-tong-hop.pdf").is_file() else "")
    if combined:
        overview = h.join(overview, h.para(h.link(combined, t("site_combined_pdf", lang))))
    title = index_title(period, lang)
    generated = t("site_generated", lang, version=__version__, fingerprint=ds.fingerprint[:12])
    frame = load_frame(ds.path) if ds.path else None  # the administrative document frame, when configured
    body_html = h.join(
        h.tag("nav", h.link("../index.html", f"← {t('site_periods', lang)}"), cls="dx-small"),
        h.Html(heading_html(frame, lang)),
        h.block("dx-kicker", t("site_title", lang)),
        h.tag("h1", period_label(period, lang)),
        h.para(
            tn("site_lead", len(rows), lang, n=f.number(len(rows), 0, lang), place=_place(rows, lang)),
            cls="dx-meta",
        ),
        h.key_figures(key),
        overview,
        chart,
        h.small(t("site_sort", lang)),
        review.toolbar(ordered),
        h.block("dx-scroll", h.table(headers, body, numeric=numeric, sort_keys=keys, cls="dx-table dx-sortable")),
        review.script(),
        h.Html(signature_html(frame, lang)),
        h.small(generated),
    )
    path = folder / "index.html"
    atomic_write_text(path, _page(title, body_html, lang, head=review_head()))
    log.info("wrote %s", path)
    return path


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
