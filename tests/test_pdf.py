"""PDF output: pages printed by headless Chromium (Debian's package), combined with bookmarks by pypdf."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import shutil
import sys
import unicodedata
from dataclasses import replace

import pytest

pypdf = pytest.importorskip("pypdf")

from dxnb import docframe  # noqa: E402
from dxnb.errors import DxnbError, RenderError  # noqa: E402
from dxnb.pdf import PdfRenderer, PdfUnavailableError, combine, find_chromium  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser = pytest.mark.browser
FRAME = docframe.DocumentFrame(
    issuing_body="Tổ tư vấn Ban chỉ đạo chuyển đổi số xã Vĩnh Hòa",
    place="Phú Giáo",
    signer_title="Tổ trưởng",
    signer_name="Nguyễn Thị Hồng Nhung",
    number="3",
    date=dt.date(2024, 12, 5),
)
WIDE_COLUMNS = 16
LONG_ROWS = 90


def page_html(*, frame: docframe.DocumentFrame | None = FRAME, lang: str = "vi", extra: str = "") -> str:
    """A small report page: the frame, Vietnamese figures, a wide table and a long one."""
    wide_head = "".join(f"<th>Chỉ tiêu số {i} (đơn vị tính)</th>" for i in range(WIDE_COLUMNS))
    # Like the index's table: cells kept on one line for the screen, too wide for the paper as they are.
    wide_row = "".join(f"<td>Phước Vĩnh {i},5 %</td>" for i in range(WIDE_COLUMNS - 1)) + "<td>ZZ</td>"
    long_rows = "".join(f"<tr><td>Dòng {i}</td><td>{i}</td></tr>" for i in range(LONG_ROWS))
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Xã Vĩnh Hòa — năm 2024</title>
<style>{docframe.print_css()}
.dx-wide td {{ white-space: nowrap; }}</style></head><body>
{docframe.heading_html(frame, lang)}
<h1>Xã Vĩnh Hòa — năm 2024</h1>
<p>Tỷ lệ hộ gia đình có kết nối Internet: <b>92,4%</b>; số tài khoản định danh điện tử: <b>1.083</b>.</p>
<p>Tiếng Việt đủ dấu: ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự ỳ ỷ ỹ ỵ đ Đ ơ ư.</p>
{extra}
<table class="dx-wide"><thead><tr>{wide_head}</tr></thead><tbody><tr>{wide_row}</tr></tbody></table>
<table><thead><tr><th>ĐẦUBẢNGDÀI</th><th>Giá trị</th></tr></thead><tbody>{long_rows}</tbody></table>
{docframe.signature_html(frame, lang)}
</body></html>"""


def nfc_text(page) -> str:
    return " ".join(unicodedata.normalize("NFC", page.extract_text()).split())


# --------------------------------------------------------------------------- without a browser


def test_missing_playwright_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(PdfUnavailableError) as caught, PdfRenderer():
        pass
    message = str(caught.value)
    assert isinstance(caught.value, DxnbError)
    assert "playwright is not installed" in message
    assert "apt-get install chromium" in message and "pip install 'dxnb[pdf]'" in message
    assert "conda install -c conda-forge playwright-python" in message and "playwright install chromium" in message


def test_bad_chromium_setting_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("DXNB_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(PdfUnavailableError, match=r"DXNB_CHROMIUM=.*no-such-browser is not an executable"):
        find_chromium()


def test_chromium_setting_wins(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("DXNB_CHROMIUM", str(fake))
    assert find_chromium() == str(fake)


def test_browser_that_does_not_start_is_reported(monkeypatch, tmp_path):
    pytest.importorskip("playwright")
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'missing libnss3.so' >&2\nexit 127\n")
    broken.chmod(0o755)
    monkeypatch.setenv("DXNB_CHROMIUM", str(broken))
    with pytest.raises(PdfUnavailableError, match="no browser starts") as caught, PdfRenderer():
        pass
    assert str(broken) in str(caught.value) and "apt-get install chromium" in str(caught.value)


def blank_pdf(path, pages: int):
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def test_combine_puts_one_bookmark_per_part_at_its_first_page(tmp_path):
    parts = [
        (blank_pdf(tmp_path / "index.pdf", 1), "Danh sách báo cáo — năm 2024"),
        (blank_pdf(tmp_path / "a.pdf", 3), "Xã Vĩnh Hòa"),
        (blank_pdf(tmp_path / "b.pdf", 2), "Thị trấn Phước Vĩnh"),
    ]
    out = combine(parts, tmp_path / "out" / "2024.pdf")
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 6
    assert [item.title for item in reader.outline] == [name for _, name in parts]
    assert [reader.get_destination_page_number(item) for item in reader.outline] == [0, 1, 4]
    assert reader.metadata.title == "Danh sách báo cáo — năm 2024"


def test_combine_refuses_broken_or_missing_parts(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf")
    with pytest.raises(RenderError, match=r"broken\.pdf"):
        combine([(tmp_path / "broken.pdf", "X")], tmp_path / "out.pdf")
    with pytest.raises(RenderError, match=r"missing\.pdf"):
        combine([(tmp_path / "missing.pdf", "X")], tmp_path / "out.pdf")
    with pytest.raises(RenderError, match="no PDFs"):
        combine([], tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def renderer():
    if not CHROMIUM:
        if os.environ.get("CI"):
            raise RuntimeError("chromium is required in CI: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with PdfRenderer() as rendering:
        yield rendering


@pytest.fixture(scope="module")
def report_pdf(renderer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    source = folder / "25882-vinh-hoa.html"
    source.write_text(page_html(), encoding="utf-8")
    out = renderer.render(source, folder / "25882-vinh-hoa.pdf", title="Xã Vĩnh Hòa — năm 2024", lang="vi")
    return pypdf.PdfReader(out)


@browser
def test_vietnamese_figures_header_and_page_numbers(report_pdf):
    pages = len(report_pdf.pages)
    assert pages >= 2  # the long table does not fit on one page
    first = nfc_text(report_pdf.pages[0])
    assert "Vĩnh Hòa" in first and "92,4%" in first and "1.083" in first
    assert "ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự ỳ ỷ ỹ ỵ đ Đ ơ ư" in first
    for number, page in enumerate(report_pdf.pages, start=1):
        text = nfc_text(page)
        assert f"Trang {number}/{pages}" in text
        assert "Xã Vĩnh Hòa — năm 2024" in text  # the running header
        assert "file://" not in text and ".html" not in text  # no browser URL footer


@browser
def test_document_frame_is_printed(report_pdf):
    first = nfc_text(report_pdf.pages[0])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert "TỔ TƯ VẤN BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ XÃ VĨNH HÒA" in first
    assert "Số: 03/BC-TTV" in first and "Phú Giáo, ngày 05 tháng 12 năm 2024" in first
    last = nfc_text(report_pdf.pages[-1])
    assert "TỔ TRƯỞNG" in last and "Nguyễn Thị Hồng Nhung" in last
    assert last.index("TỔ TRƯỞNG") < last.index("Nguyễn Thị Hồng Nhung")


@browser
def test_long_table_repeats_its_header_and_wide_table_fits(report_pdf):
    pages_with_rows = [p for p in report_pdf.pages if "Dòng " in nfc_text(p)]
    assert len(pages_with_rows) >= 2
    assert all("ĐẦUBẢNGDÀI" in nfc_text(p) for p in pages_with_rows)
    assert sum(nfc_text(p).count("Dòng ") for p in report_pdf.pages) == LONG_ROWS
    # The wide table's last cell is drawn inside the page, left of the right margin (15 mm): not clipped.
    spots = []

    def visit(text, cm, tm, font, size):
        if "ZZ" in text:
            spots.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

    for page in report_pdf.pages:
        page.extract_text(visitor_text=visit)
    width = float(report_pdf.pages[0].mediabox.width)
    assert spots and all(0 < x < width - 15 / 25.4 * 72 for x in spots), (spots, width)


@browser
def test_fonts_are_embedded(report_pdf):
    for page in report_pdf.pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font.get("/BaseFont")


def cells_html(spacer_mm: int, frame: docframe.DocumentFrame = FRAME) -> str:
    """A report as nbconvert writes it: the last paragraph in one cell, the signature block in the next.

    ``spacer_mm`` of content come first, so that the block falls near the foot of the first page.
    """

    def cell(body: str) -> str:  # the classic template's wrappers, an empty prompt before each output
        return (
            '<div class="cell border-box-sizing code_cell rendered"><div class="output_wrapper"><div class="output">'
            '<div class="output_area"><div class="prompt"></div>'
            f'<div class="output_html rendered_html output_subarea output_execute_result">{body}</div>'
            "</div></div></div></div>"
        )

    recommendations = (
        f'<section><div style="height: {spacer_mm}mm">Đầu báo cáo</div><h2>Kiến nghị</h2><ol>'
        + "".join(f"<li>Kiến nghị số {i}.</li>" for i in range(1, 4))
        + "<li>ĐOẠNCUỐI trước phần ký.</li></ol></section>"
    )
    frame = replace(frame, recipients=("UBND huyện Phú Giáo", "Lưu: VT"))
    annex = "<section><h2>Nguồn gốc số liệu</h2><p>Tệp dữ liệu.</p></section>"
    signature = docframe.signature_html(frame, "vi") + annex
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Ký</title>
<style>{docframe.print_css()}</style></head><body><main class="dx-page">
{cell(recommendations)}
{cell(signature)}
</main></body></html>"""


@browser
@pytest.mark.parametrize("spacer_mm", [150, 195, 205, 215, 225, 235])
def test_signature_block_stays_whole_and_with_the_text_before_it(renderer, tmp_path, spacer_mm):
    source = tmp_path / "sign.html"
    source.write_text(cells_html(spacer_mm), encoding="utf-8")
    pages = [nfc_text(p) for p in pypdf.PdfReader(renderer.render(source, tmp_path / "sign.pdf", title="Ký")).pages]
    signed = [page for page in pages if "Nguyễn Thị Hồng Nhung" in page]
    assert len(signed) == 1, pages
    page = signed[0]
    # The whole block on one page (not split), with the paragraph just before it: never alone at a page's top.
    assert "Nơi nhận:" in page and "UBND huyện Phú Giáo" in page and "TỔ TRƯỞNG" in page, pages
    assert "ĐOẠNCUỐI trước phần ký." in page, pages
    assert page.index("ĐOẠNCUỐI") < page.index("TỔ TRƯỞNG") < page.index("Nguyễn Thị Hồng Nhung")


@browser
def test_english_page_numbers_and_no_frame(renderer, tmp_path):
    source = tmp_path / "en.html"
    source.write_text(page_html(frame=None, lang="en"), encoding="utf-8")
    reader = pypdf.PdfReader(renderer.render(source, tmp_path / "en.pdf", title="Vinh Hoa — 2024", lang="en"))
    first = nfc_text(reader.pages[0])
    assert f"Page 1 of {len(reader.pages)}" in first and "Trang" not in first
    assert "CỘNG HÒA" not in first and "Vinh Hoa — 2024" in first


@browser
def test_network_is_blocked(renderer, tmp_path):
    source = tmp_path / "net.html"
    source.write_text(page_html(extra='<img src="http://example.invalid/logo.png" alt="x">'), encoding="utf-8")
    renderer.render(source, tmp_path / "net.pdf", title="x", lang="vi")
    assert "http://example.invalid/logo.png" in renderer.blocked


@browser
def test_title_is_escaped_in_the_header(renderer, tmp_path):
    source = tmp_path / "t.html"
    source.write_text(page_html(frame=None), encoding="utf-8")
    title = "<b>Xã & Phường</b>"
    reader = pypdf.PdfReader(renderer.render(source, tmp_path / "t.pdf", title=title, lang="vi"))
    assert title in nfc_text(reader.pages[0])  # shown as written, not read as markup


@browser
def test_missing_html_is_a_clear_error(renderer, tmp_path):
    with pytest.raises(RenderError, match="does not exist"):
        renderer.render(tmp_path / "nope.html", tmp_path / "nope.pdf", title="x")
    assert not (tmp_path / "nope.pdf").exists()


@browser
def test_combined_report_pdfs_keep_text_and_bookmarks(renderer, tmp_path):
    parts = []
    for name in ("Xã Vĩnh Hòa", "Xã An Linh"):
        source = tmp_path / f"{len(parts)}.html"
        source.write_text(page_html().replace("Vĩnh Hòa", name.removeprefix("Xã ")), encoding="utf-8")
        parts.append((renderer.render(source, tmp_path / f"{len(parts)}.pdf", title=name, lang="vi"), name))
    reader = pypdf.PdfReader(combine(parts, tmp_path / "2024.pdf"))
    assert [item.title for item in reader.outline] == ["Xã Vĩnh Hòa", "Xã An Linh"]
    second = reader.get_destination_page_number(reader.outline[1])
    assert "An Linh" in nfc_text(reader.pages[second]) and "Trang 1/" in nfc_text(reader.pages[second])


# --------------------------------------------------------------------------- dxnb reports --pdf

DOCUMENT_CSV = (
    "field,value\n"
    "issuing_body,Tổ tư vấn Ban chỉ đạo chuyển đổi số huyện Phú Giáo\n"
    "place,Phú Giáo\n"
    "signer_title,Tổ trưởng\n"
    "signer_name,Nguyễn Thị Hồng Nhung\n"
    "number,5\n"
    "date,05/12/2024\n"
)


@pytest.fixture(scope="module")
def pdf_batch(tmp_path_factory):
    """Two reports of the bundled dataset, with a document frame, rendered with ``--pdf``."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            raise RuntimeError("chromium is required in CI: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from dxnb.batch import run_batch
    from dxnb.dataset import FILES
    from dxnb.paths import DATA_DIR

    data = tmp_path_factory.mktemp("data")
    for name in FILES:
        shutil.copy(DATA_DIR / name, data / name)
    shutil.copy(DATA_DIR / "frameworks.csv", data / "frameworks.csv")  # the frameworks in force
    shutil.copytree(DATA_DIR / "frameworks", data / "frameworks")
    (data / "document.csv").write_text(DOCUMENT_CSV, encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    # In a thread of its own: this module's renderer holds Playwright's event loop in the main thread.
    with cf.ThreadPoolExecutor(max_workers=1) as thread:
        job = thread.submit(run_batch, data, units=["25882", "25858"], periods=["2024"], out_dir=out, jobs=2, pdf=True)
        result = job.result()
    assert result.ok, (result.failed, result.pages)
    return out / "2024", result


def _pdf_text(path) -> list[str]:
    return [nfc_text(page) for page in pypdf.PdfReader(path).pages]


@pytest.mark.slow
@browser
def test_vinh_hoa_pdf_has_the_survey_page_numbers_and_signature(pdf_batch):
    folder, _ = pdf_batch
    pages = _pdf_text(folder / "25882-vinh-hoa.pdf")
    text = " ".join(pages)
    for figure in ("92,4%", "90,6%", "1.083 chữ ký", "14 kế hoạch", "145 phút"):
        assert figure in text, figure
    assert all(f"Trang {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert all("Xã Vĩnh Hòa — năm 2024" in page for page in pages)  # the running header
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0] and "Phú Giáo, ngày 05 tháng 12 năm 2024" in pages[0]
    assert "TỔ TRƯỞNG" in text and "Nguyễn Thị Hồng Nhung" in text
    assert text.index("Nguyễn Thị Hồng Nhung") < text.index("Nguồn gốc")  # signed before the provenance annex
    # The page that is signed also holds the end of the recommendations, just before the signature block.
    (signed,) = [page for page in pages if "Nguyễn Thị Hồng Nhung" in page]
    assert "TỔ TRƯỞNG" in signed and "Kiến nghị" in text
    before = signed[: signed.index("TỔ TRƯỞNG")]
    assert "Bổ sung số liệu và minh chứng" in before, signed
    assert "file://" not in text


@pytest.mark.slow
@browser
def test_no_text_of_a_report_or_the_index_leaves_the_printable_page(pdf_batch):
    folder, _ = pdf_batch
    for name in ("25882-vinh-hoa.pdf", "25858-phuoc-vinh.pdf", "2024-tong-hop.pdf"):
        reader = pypdf.PdfReader(folder / name)
        width = float(reader.pages[0].mediabox.width)
        for number, page in enumerate(reader.pages, start=1):
            starts = []

            def visit(text, cm, tm, font, size, starts=starts):
                if text.strip():
                    starts.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], text))

            page.extract_text(visitor_text=visit)
            # Text starts inside the paper, left of its right margin (15 mm); a clipped column would start beyond.
            beyond = [(round(x), t) for x, t in starts if not 0 <= x < width - 15 / 25.4 * 72]
            assert not beyond, (name, number, beyond[:5])
    # the trend table's last year column and the coverage row are printed
    assert "Có số liệu 98% 100% 48%" in " ".join(_pdf_text(folder / "25882-vinh-hoa.pdf"))


@pytest.mark.slow
@browser
def test_combined_pdf_has_the_index_then_a_bookmark_per_unit(pdf_batch):
    folder, _ = pdf_batch
    reader = pypdf.PdfReader(folder / "2024-tong-hop.pdf")
    titles = [item.title for item in reader.outline]
    assert titles == ["Báo cáo chuyển đổi số cấp xã — Năm 2024", "Thị trấn Phước Vĩnh", "Xã Vĩnh Hòa"]
    own = len(pypdf.PdfReader(folder / "25858-phuoc-vinh.pdf").pages)
    first = reader.get_destination_page_number(reader.outline[1])
    assert reader.get_destination_page_number(reader.outline[2]) == first + own
    assert "Phước Vĩnh" in nfc_text(reader.pages[first]) and "Trang 1/" in nfc_text(reader.pages[first])
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="2024-tong-hop.pdf"' in index
    assert 'href="25882-vinh-hoa.pdf"' in index and 'href="25858-phuoc-vinh.pdf"' in index
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in index and "Nguyễn Thị Hồng Nhung" in index


def test_pdf_without_engine_refuses_before_rendering(monkeypatch, tmp_path, capsys):
    from dxnb.cli import main

    monkeypatch.setenv("DXNB_CHROMIUM", str(tmp_path / "no-browser"))
    out = tmp_path / "reports"
    assert main(["reports", "--units", "25882", "--out", str(out), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "cannot make PDFs" in err and "apt-get install chromium fonts-dejavu-core" in err
    assert "conda install -c conda-forge playwright-python" in err
    assert not list(out.glob("*/*.html"))  # nothing rendered


def test_a_report_without_its_asked_for_pdf_is_rendered_again_and_a_stale_pdf_goes(tmp_path):
    from dxnb.jobs import Job, is_fresh
    from dxnb.worker import Worker

    html = tmp_path / "25882-vinh-hoa.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    fields = dict(code="25882", name="Vĩnh Hòa", kind="xã", period="2024", lang="vi", data_dir="data", notebook="nb")
    job = Job(**fields, html_path=str(html), nb_path="n", failed_path="f", key="k", pdf=True)
    manifest = {"units": {"25882": {"status": "ok", "key": "k", "lang": "vi"}}}
    assert job.pdf_path == str(tmp_path / "25882-vinh-hoa.pdf")
    assert not is_fresh(job, manifest)  # the PDF is missing: render (and print) it
    (tmp_path / "25882-vinh-hoa.pdf").write_bytes(b"%PDF-old")
    assert is_fresh(job, manifest)
    without = Job(**fields, html_path=str(html), nb_path="n", failed_path="f", key="k")
    assert is_fresh(without, manifest)
    assert Worker()._pdf(without) == "" and not (tmp_path / "25882-vinh-hoa.pdf").exists()  # printed from old HTML
