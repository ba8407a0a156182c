"""The plain pages a batch writes when the site's index cannot be built: every report, or every period, listed.

When :func:`dxnb.site.write_period_index` or :func:`dxnb.site.write_root_index` fails, the reports are still
there: :func:`plain_index` lists a period's units with their report (or failed notebook) and status, and
:func:`plain_root_index` the periods, each page saying what failed. They are built with the markup kit
(:mod:`dxnb.html`), without charts or evaluation.
"""

from __future__ import annotations

from pathlib import Path

from . import __version__
from . import html as h
from .fileio import atomic_write_text
from .i18n import N_, t
from .jobs import MANIFEST

#: The columns of a plain index (message keys).
COLUMN_KEYS = (N_("batch_plain_code"), N_("batch_plain_unit"), N_("batch_plain_status"), N_("batch_plain_report"))


def plain_index(path: Path, period: str, manifest: dict, lang: str, error: str) -> None:
    """A period's index without charts or evaluation: every unit of the manifest with its report or error."""
    rows = []
    for code, entry in manifest.get("units", {}).items():
        status = entry.get("status", "")
        link = entry.get("html") if status == "ok" else entry.get("failed_notebook", "")
        label = t("batch_plain_open", lang) if status == "ok" else t("batch_plain_failed_nb", lang)
        state = (
            t("batch_plain_ok", lang) if status == "ok" else f"{t('batch_plain_failed', lang)}: {entry.get('error')}"
        )
        rows.append((code, str(entry.get("name", "")), state, h.link(link, label) if link else ""))
    title = t("batch_plain_title", lang, period=period)
    body = h.join(
        h.tag("p", h.link("../index.html", "←")),
        h.tag("h1", title),
        h.tag("p", t("batch_plain_note", lang, error=error)),
        h.table([t(key, lang) for key in COLUMN_KEYS], rows),
    )
    atomic_write_text(path, _page(title, body, lang))


def plain_root_index(out: Path, lang: str, error: str) -> None:
    """The root index without the site: a link to each period with a manifest, the latest first."""
    periods = sorted((p for p in out.iterdir() if (p / MANIFEST).is_file()), reverse=True)
    title = t("batch_plain_root", lang)
    body = h.join(
        h.tag("h1", title),
        h.tag("p", t("batch_plain_note", lang, error=error)),
        h.tag("ul", *(h.tag("li", h.link(f"{p.name}/index.html", p.name)) for p in periods)),
    )
    atomic_write_text(out / "index.html", _page(title, body, lang))


def _page(title: str, body: h.Html, lang: str) -> h.Html:
    return h.page(title, body, lang, generator=f"dxnb {__version__}")
