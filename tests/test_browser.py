"""The review site in a real headless Chromium (Debian's package), offline, from file:// URLs."""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if os.environ.get("CI"):
        raise RuntimeError("chromium is required in CI: .ci/run installs Debian's chromium package")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(offline=True)
    leaving = []

    def guard(route):
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            leaving.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.leaving, page.errors = leaving, errors
    yield page
    context.close()


def _images_decode(page):
    return page.evaluate("Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])")


def test_index_and_two_reports_open_offline(site, page):
    out, _ = site
    page.goto((out / "2024" / "index.html").as_uri())
    assert "Năm 2024" in page.title()
    links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert len([link for link in links if link.endswith(".html")]) >= 12
    for link in links:
        assert link.startswith("file://"), link
        assert os.path.isfile(link.removeprefix("file://")), link
    index_images = _images_decode(page)
    assert index_images and all(ok for _, ok in index_images), index_images  # the index's score chart
    for name in ("25882-vinh-hoa.html", "25858-phuoc-vinh.html"):
        page.goto((out / "2024" / name).as_uri())
        images = _images_decode(page)
        assert len(images) >= 7 and all(ok for _, ok in images), images
        assert page.locator("h1").inner_text().endswith("năm 2024")
    assert page.title() == "Thị trấn Phước Vĩnh — năm 2024"
    page.goto((out / "2024" / "25882-vinh-hoa.html").as_uri())
    assert page.title() == "Xã Vĩnh Hòa — năm 2024"
    assert "92,4%" in page.locator("body").inner_text()
    assert page.leaving == [], f"requests left the machine: {page.leaving}"
    assert page.errors == [], page.errors


def test_index_table_sorts_without_network(site, page):
    out, _ = site
    page.goto((out / "2024" / "index.html").as_uri())
    header = page.locator("table.dx-sortable th", has_text="Đơn vị").first
    header.click()
    names = page.locator("table.dx-sortable tbody tr td:nth-child(3)").all_inner_texts()
    assert names[0] == "An Bình" and len(names) == 11
    header.click()
    names_desc = page.locator("table.dx-sortable tbody tr td:nth-child(3)").all_inner_texts()
    assert names_desc == list(reversed(names))
    page.goto((out / "index.html").as_uri())
    page.locator("a", has_text="2024").click()
    assert page.url.endswith("2024/index.html")
    assert page.leaving == [] and page.errors == []


def test_report_prints_to_a4_pdf(site, page, tmp_path):
    out, _ = site
    page.goto((out / "2024" / "25882-vinh-hoa.html").as_uri())
    pdf = page.pdf(format="A4", path=str(tmp_path / "report.pdf"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


# ---------------------------------------------------------------------------- layout at every width, and on paper

WIDTHS = (390, 800, 1280)
#: A4 portrait without the margins of dxnb.pdf (30 mm left, 15 mm right), in CSS pixels.
A4_CONTENT_PX = round((210 - 30 - 15) / 25.4 * 96)
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const e of document.querySelectorAll('main *')) {
    if (e.closest('.dx-scroll') && !e.classList.contains('dx-scroll')) continue;  // scrolls in its own box
    const right = e.getBoundingClientRect().right;
    if (right > width + 1) wide.push(`${e.tagName}.${e.className} ${Math.round(right)}`);
  }
  return [document.documentElement.scrollWidth, width, wide.slice(0, 5)];
}"""


def _site_pages(out):
    folder = out / "2024"
    pages = ("index.html", "overview.html", "changes.html")
    reports = sorted(p for p in folder.glob("*.html") if p.name not in pages)
    assert len(reports) == 11
    return [*reports, *(folder / name for name in pages if (folder / name).is_file()), out / "index.html"]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_its_width(site, browser, width):
    """No horizontal page scroll: wide tables scroll inside their own box, everything else reflows."""
    out, _ = site
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for path in _site_pages(out):
            page.goto(path.as_uri())
            scroll, client, wide = page.evaluate(_OVERFLOW)
            assert scroll <= client, (path.name, width, scroll, client, wide)
    finally:
        context.close()


def test_every_page_prints_on_a4_portrait_with_nothing_cut(site, browser):
    """Tables, figures and images stay inside an A4 portrait page with the print sheet alone.

    That is the browser's own print, without the help of dxnb.pdf (which narrows what still does not fit).
    """
    out, _ = site
    context = browser.new_context(offline=True, viewport={"width": A4_CONTENT_PX, "height": 1100})
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        for path in _site_pages(out):
            page.goto(path.as_uri())
            cut = page.evaluate(
                """() => { const width = document.documentElement.clientWidth;
                  return Array.from(document.querySelectorAll('table, figure, img, .dx-key, pre'))
                    .filter(e => e.getBoundingClientRect().right > width + 1)
                    .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`); }"""
            )
            assert cut == [], (path.name, cut)
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()


def test_trend_table_is_one_row_per_measure(site, page):
    out, _ = site
    page.goto((out / "2024" / "25882-vinh-hoa.html").as_uri())
    headers = page.locator("#trends table thead th").all_inner_texts()
    assert headers == ["Chỉ số", "2022", "2023", "2024"]
    assert page.locator("#trends table tbody tr").count() == 10  # overall, 8 pillars, coverage


def test_chart_alt_texts_name_the_unit_and_the_period(site, page):
    out, _ = site
    page.goto((out / "2024" / "25882-vinh-hoa.html").as_uri())
    alts = [alt for alt, _ in _images_decode(page)]
    assert alts and all(alt.endswith("xã Vĩnh Hòa, năm 2024") for alt in alts), alts
    page.goto((out / "2024" / "index.html").as_uri())
    index_alts = [alt for alt, _ in _images_decode(page)]
    assert index_alts and all("năm 2024" in alt for alt in index_alts), index_alts


def test_pages_with_the_document_frame_fit_every_width_and_a4(data_copy, browser, tmp_path):
    from dxnb import site
    from dxnb.dataset import load_dataset
    from dxnb.report import CommuneReport

    (data_copy / "document.csv").write_text(
        "field,value\nparent_body,UBND huyện Phú Giáo\n"
        "issuing_body,Tổ tư vấn Ban chỉ đạo chuyển đổi số huyện Phú Giáo\nplace,Phú Giáo\nsigner_title,Tổ trưởng\n"
        "signer_name,Nguyễn Thị Hồng Nhung\nrecipients,UBND xã Vĩnh Hòa; Lưu: VT\n",
        encoding="utf-8",
    )
    ds = load_dataset(data_copy)
    report = tmp_path / "report.html"
    report.write_text(CommuneReport.build("25882", "2024", dataset=ds).page("Xã Vĩnh Hòa — năm 2024"), "utf-8")
    index = site.write_period_index(tmp_path, ds, "2024", {}, "vi")
    for width, media in ((390, "screen"), (800, "screen"), (1280, "screen"), (A4_CONTENT_PX, "print")):
        context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.emulate_media(media=media)
            for path in (report, index):
                page.goto(path.as_uri())
                assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.locator(".dx-docframe-nation").inner_text()
                assert page.locator(".dx-docframe-signer-name").inner_text() == "Nguyễn Thị Hồng Nhung"
                scroll, client, wide = page.evaluate(_OVERFLOW)
                assert scroll <= client, (path.name, width, media, wide)
        finally:
            context.close()
