"""Report pages to A4 PDF with headless Chromium (driven by Playwright), and one combined PDF per period.

The browser is the system's Chromium (Debian's ``chromium`` package, or ``DXNB_CHROMIUM``), else Playwright's own
download, else an installed Chrome or Edge. It runs offline: every request that is not ``file:`` or ``data:`` is
blocked. One :class:`PdfRenderer` starts the browser once and renders many pages; :func:`combine` joins the index and
the reports of a period into one PDF with a bookmark per unit (pypdf).

Playwright's sync API is not thread-safe: use one renderer per process (or per thread that created it).
"""

from __future__ import annotations

import html
import io
import logging
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from dxnb.docframe import print_css
from dxnb.errors import DxnbError, RenderError
from dxnb.fileio import atomic_write_bytes
from dxnb.i18n import N_, t, template

log = logging.getLogger(__name__)

ENV_CHROMIUM = "DXNB_CHROMIUM"
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Decree 30/2020/NĐ-CP margins: top and bottom 20 mm, left 30 mm (binding side), right 15 mm.
MARGIN = {"top": "20mm", "bottom": "20mm", "left": "30mm", "right": "15mm"}
TIMEOUT_MS = 60_000
# The printable width in CSS pixels (96 per inch): pages are laid out at this width to find tables that overflow.
_CONTENT_WIDTH_PX = round((210 - 30 - 15) / 25.4 * 96)
# Tables wider than the page: wrap their cells at spaces, then shrink their font down to 70 %, then break words.
_FIT_TABLES = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const tooWide = t => t.getBoundingClientRect().right > limit || t.scrollWidth > t.parentElement.clientWidth + 1;
  const fitted = [];
  for (const table of document.querySelectorAll('table')) {
    if (!tooWide(table)) continue;
    table.classList.add('dx-print-wrap');
    const size = parseFloat(getComputedStyle(table).fontSize);
    for (let scale = 0.95; tooWide(table) && scale >= 0.7; scale -= 0.05) {
      table.style.fontSize = (size * scale).toFixed(2) + 'px';
    }
    if (tooWide(table)) table.classList.add('dx-print-squeeze');
    fitted.push(table.className + ' ' + table.style.fontSize);
  }
  return fitted;
}"""
#: The footer's "Trang 1/5" (Chromium fills in the spans).
PAGE_OF = N_("pdf_page_of")
_PAGE_RULE = "@page {{ size: A4; margin: {top} {right} {bottom} {left} !important; }}".format(**MARGIN)


def install_hint() -> str:
    """How to install the PDF engine (Playwright and a Chromium-family browser), in the current language."""
    return t("pdf_install_hint", env=ENV_CHROMIUM)


class PdfUnavailableError(DxnbError):
    """No PDF engine: Playwright or a Chromium-family browser is missing or does not start."""

    def __init__(self, reason: str):
        super().__init__(f"{t('pdf_unavailable', reason=reason)}\n{install_hint()}")


def require_pypdf() -> None:
    """Check that pypdf (for the combined PDF) can be imported.

    Raises:
        PdfUnavailableError: it cannot.
    """
    try:
        import pypdf  # noqa: F401
    except ImportError as exc:
        raise PdfUnavailableError(t("pdf_no_package", package="pypdf", error=exc)) from None


def find_chromium() -> str | None:
    """The system Chromium: ``$DXNB_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH, else None.

    Raises:
        PdfUnavailableError: ``DXNB_CHROMIUM`` is set but names no executable file.
    """
    explicit = os.environ.get(ENV_CHROMIUM, "").strip()
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise PdfUnavailableError(t("pdf_bad_chromium", setting=f"{ENV_CHROMIUM}={explicit}"))
        return found
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _header(title: str) -> str:
    # Header and footer templates do not see the page's styles: every style is inline, sizes explicit.
    return (
        "<div style=\"width:100%;font:8pt 'DejaVu Sans',Arial,sans-serif;color:#555;"
        f'margin:0 {MARGIN["right"]} 0 {MARGIN["left"]};border-bottom:0.5pt solid #999;padding-bottom:1mm;">'
        f"{html.escape(title)}</div>"
    )


def _footer(lang: str) -> str:
    return (
        "<div style=\"width:100%;font:8pt 'DejaVu Sans',Arial,sans-serif;color:#555;text-align:center;"
        f'margin:0 {MARGIN["right"]} 0 {MARGIN["left"]};">{template(PAGE_OF, lang)}</div>'
    )


class PdfRenderer:
    """One headless browser, started on entry and closed on exit, that prints many HTML pages to A4 PDF.

    Example::

        with PdfRenderer() as renderer:
            renderer.render(html, pdf, title="Xã Vĩnh Hòa — năm 2024", lang="vi")
    """

    def __init__(self, executable: str | None = None, *, timeout_ms: int = TIMEOUT_MS):
        self.executable = executable
        self.timeout_ms = timeout_ms
        self.blocked: list[str] = []
        self._playwright = None
        self._browser = None
        self._context = None

    def __enter__(self) -> PdfRenderer:
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise PdfUnavailableError(t("pdf_no_package", package="playwright", error=exc)) from None
        executable = self.executable or find_chromium()
        try:
            self._playwright = sync_playwright().start()
        except PlaywrightError as exc:  # e.g. inside a running asyncio loop (a notebook cell)
            raise RenderError(t("pdf_playwright_start", error=str(exc).splitlines()[0])) from exc
        try:
            self._browser = self._launch(executable, PlaywrightError)
            self._context = self._browser.new_context(
                offline=True, viewport={"width": _CONTENT_WIDTH_PX, "height": 1000}, java_script_enabled=True
            )
            self._context.set_default_timeout(self.timeout_ms)
            self._context.route("**/*", self._guard)
        except BaseException:
            self.close()
            raise
        return self

    def _launch(self, executable: str | None, playwright_error: type[Exception]):
        chromium = self._playwright.chromium
        attempts: list[tuple[str, dict]] = []
        if executable:
            attempts.append((executable, {"executable_path": executable}))
        else:
            # No system Chromium: Playwright's own download, then an installed Chrome or Edge (Windows, macOS).
            attempts += [
                ("Playwright's Chromium", {}),
                ("Chrome", {"channel": "chrome"}),
                ("Edge", {"channel": "msedge"}),
            ]
        failures = []
        for name, options in attempts:
            try:
                browser = chromium.launch(headless=True, args=list(ARGS), **options)
            except playwright_error as exc:
                failures.append(f"{name}: {str(exc).splitlines()[0]}")
                continue
            log.info("PDF engine: %s %s", name, browser.version)
            return browser
        raise PdfUnavailableError(t("pdf_no_browser", failures="; ".join(failures)))

    def _guard(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            log.warning("PDF: blocked a request to %s", url)
            route.abort("blockedbyclient")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the browser and stop Playwright (safe to call twice)."""
        for closing in (self._context, self._browser):
            if closing is not None:
                try:
                    closing.close()
                except Exception:  # the browser may already be gone; closing must not hide the first error
                    log.debug("PDF: closing failed", exc_info=True)
        if self._playwright is not None:
            self._playwright.stop()
        self._playwright = self._browser = self._context = None

    def render(
        self, html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *, title: str, lang: str = "vi"
    ) -> Path:
        """Print one HTML file to an A4 PDF with ``title`` (unit and period) in the running header.

        Raises:
            RenderError: the HTML file is missing or the browser fails on it.
        """
        if self._context is None:
            raise RuntimeError("PdfRenderer.render() outside its `with` block")
        source = Path(html_path).resolve()
        if not source.is_file():
            raise RenderError(t("pdf_source_missing", source=source))
        started = time.perf_counter()
        page = self._context.new_page()
        try:
            page.goto(source.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            # The print sheet, whether or not the page includes it (tables that fit the paper), and page margins
            # that match the header and footer (a page's own @page margins would win over page.pdf's).
            page.add_style_tag(content=print_css() + "\n" + _PAGE_RULE)
            fitted = page.evaluate(_FIT_TABLES)
            if fitted:
                log.info("PDF: %s: %d table(s) narrowed to fit the page: %s", source.name, len(fitted), fitted)
            data = page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template=_header(title),
                footer_template=_footer(lang),
                margin=MARGIN,
                prefer_css_page_size=False,
            )
        except Exception as exc:
            if type(exc).__module__.startswith("playwright"):
                raise RenderError(t("pdf_render_failed", source=source, error=str(exc).splitlines()[0])) from exc
            raise
        finally:
            page.close()
        out = atomic_write_bytes(pdf_path, data)
        log.info("PDF: %s (%d kB) in %.2f s", out.name, len(data) // 1024, time.perf_counter() - started)
        return out


def render_pdf(
    html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *, title: str, lang: str = "vi"
) -> Path:
    """Print one HTML file to PDF with a browser of its own (for many files, use one :class:`PdfRenderer`)."""
    with PdfRenderer() as renderer:
        return renderer.render(html_path, pdf_path, title=title, lang=lang)


def combine(
    pdf_paths_with_titles: Iterable[tuple[str | os.PathLike[str], str]],
    out_path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Join PDFs in the given order (the index first, then the reports) with one bookmark per part.

    Args:
        pdf_paths_with_titles: ``(pdf_path, bookmark title)`` pairs, e.g. ``("25882-vinh-hoa.pdf", "Xã Vĩnh Hòa")``.
        out_path: the combined PDF, written atomically.
        title: the document title in the PDF's metadata (default: the first part's bookmark).

    Raises:
        PdfUnavailableError: pypdf is not installed.
        RenderError: a part is missing or is not a readable PDF.
    """
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise PdfUnavailableError(t("pdf_no_package", package="pypdf", error=exc)) from None
    parts = [(Path(path), str(name)) for path, name in pdf_paths_with_titles]
    if not parts:
        raise RenderError(t("pdf_nothing_to_combine", path=out_path))
    writer = PdfWriter()
    for path, name in parts:
        try:
            reader = PdfReader(path)
            first = len(writer.pages)
            for page in reader.pages:
                writer.add_page(page)
        except (OSError, PdfReadError) as exc:
            raise RenderError(t("pdf_combine_failed", path=path, error=exc)) from exc
        writer.add_outline_item(title=name, page_number=first)
    writer.add_metadata({"/Title": title or parts[0][1], "/Producer": "dxnb (pypdf)"})
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    out = atomic_write_bytes(out_path, buffer.getvalue())
    log.info("PDF: combined %d part(s), %d page(s) into %s", len(parts), len(writer.pages), out.name)
    return out
