"""Index pages: every unit, status from the manifest, failures with their error, escaped names."""

from __future__ import annotations

import json

from dxnb.site import IndexDraft, index_title, write_period_index, write_root_index


def test_period_index_from_a_manifest(sample, tmp_path):
    folder = tmp_path / "2024"
    folder.mkdir()
    manifest = {
        "units": {
            "25882": {"status": "ok", "html": "25882-vinh-hoa.html"},
            "25858": {
                "status": "failed",
                "error": "ParameterError: <b>boom</b>",
                "failed_notebook": "notebooks/25858-phuoc-vinh.failed.ipynb",
            },
        }
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    page = write_period_index(folder, sample, "2024", manifest).read_text(encoding="utf-8")
    assert 'href="25882-vinh-hoa.html"' in page
    assert "ParameterError: &lt;b&gt;boom&lt;/b&gt;" in page
    assert 'href="notebooks/25858-phuoc-vinh.failed.ipynb"' in page
    assert page.count("<tr>") == 12  # the header row and one row per unit
    assert "Chưa lập" in page  # units without a report yet
    assert "<h1>Năm 2024</h1>" in page and "<title>Báo cáo chuyển đổi số cấp xã — Năm 2024</title>" in page
    assert "http" not in page.replace('content="width=device-width', "")
    root = write_root_index(tmp_path).read_text(encoding="utf-8")
    assert 'href="2024/index.html"' in root


def test_overview_page_is_written_once_per_key(sample, tmp_path):
    from dxnb.site import write_overview

    path = write_overview(tmp_path, sample, "2024", key="k1")
    page = path.read_text(encoding="utf-8")
    assert '<meta name="dxnb-key" content="k1">' in page
    assert "Huyện Phú Giáo, tỉnh Bình Dương — năm 2024" in page and 'href="index.html"' in page
    assert "http:" not in page and "https:" not in page
    before = path.stat().st_mtime_ns
    write_overview(tmp_path, sample, "2024", key="k1")
    assert path.stat().st_mtime_ns == before, "an unchanged overview is not rebuilt"
    write_overview(tmp_path, sample, "2024", key="k2")
    assert '<meta name="dxnb-key" content="k2">' in path.read_text(encoding="utf-8")


def test_the_root_index_shows_each_periods_coverage(former_copy, tmp_path):
    from dxnb import load_dataset

    with open(former_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write("25882,2025,plans_issued,12,Phiếu 25882,,\n")
    ds = load_dataset(former_copy)
    out = tmp_path / "reports"
    (out / "2024").mkdir(parents=True)
    (out / "2024" / "manifest.json").write_text(json.dumps({"units": {"25882": {"status": "ok"}}}), encoding="utf-8")
    root = write_root_index(out, "vi", ds).read_text(encoding="utf-8")
    assert "Đơn vị có số liệu" in root and ">11/11<" in root and ">1/11<" in root
    assert 'href="2024/index.html"' in root and 'href="2025/index.html"' not in root
    assert "chưa lập: dxnb reports --period 2025" in root
    assert root.index(">Năm 2025") < root.index(">Năm 2024<")  # newest first, named as periods


def test_period_index_links_pdfs_and_says_heatmap_in_vietnamese(sample, tmp_path):
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "overview.html").write_text("<p>x</p>", encoding="utf-8")
    manifest = {"units": {"25882": {"status": "ok", "html": "25882-vinh-hoa.html", "pdf": "25882-vinh-hoa.pdf"}}}
    page = write_period_index(folder, sample, "2024", manifest, combined="2024-tong-hop.pdf").read_text("utf-8")
    assert '<a href="25882-vinh-hoa.html">Mở</a> · <a href="25882-vinh-hoa.pdf">PDF</a>' in page
    assert '<a href="2024-tong-hop.pdf">Tập báo cáo PDF' in page
    assert "bản đồ nhiệt" in page and "heatmap" not in page
    assert 'alt="Biểu đồ: Chỉ số chung của các đơn vị năm 2024 — huyện Phú Giáo' in page
    plain = write_period_index(folder, sample, "2024", {"units": {"25882": {"status": "ok", "html": "a.html"}}})
    body = plain.read_text("utf-8").split("</style>")[-1]
    assert '.pdf"' not in body  # no PDF made, none linked
    assert "dx-docframe" not in body  # no document.csv: no frame


def test_period_index_carries_the_document_frame(data_copy, tmp_path):
    from dxnb.dataset import load_dataset

    (data_copy / "document.csv").write_text(
        "field,value\nissuing_body,Tổ tư vấn\nplace,Phú Giáo\nsigner_title,Tổ trưởng\nsigner_name,Nguyễn Văn A\n",
        encoding="utf-8",
    )
    page = write_period_index(tmp_path, load_dataset(data_copy), "2024", {}).read_text("utf-8")
    body = page.split("</style>")[-1]
    assert body.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") < body.index("<h1>") < body.index("Nguyễn Văn A")


def test_index_titles_name_the_period_by_its_kind():
    assert index_title("2025", "vi") == "Báo cáo chuyển đổi số cấp xã — Năm 2025"
    assert index_title("2025-Q3", "vi") == "Báo cáo chuyển đổi số cấp xã — Quý III/2025"
    assert index_title("2025-08", "vi") == "Báo cáo chuyển đổi số cấp xã — Tháng 8/2025"
    assert index_title("2025", "en") == "Commune digital transformation reports — Year 2025"
    assert index_title("2025-Q3", "en") == "Commune digital transformation reports — Q3 2025"
    assert index_title("2025-08", "en") == "Commune digital transformation reports — August 2025"


def test_period_index_of_the_2025_communes_names_their_one_city(sample_all, tmp_path):
    folder = tmp_path / "2025-12"
    folder.mkdir()
    page = write_period_index(folder, sample_all, "2025-12", {"units": {}}).read_text(encoding="utf-8")
    # the units alive in the period (four communes of one city), not every unit the dataset ever had
    assert '<p class="dx-meta">4 đơn vị, thành phố Hồ Chí Minh.</p>' in page
    assert "2 tỉnh, thành phố" not in page and "Bình Dương" not in page


def test_an_index_drafted_before_the_reports_is_the_index_written_after(sample, tmp_path, monkeypatch):
    """A batch drafts the index beside its workers; finished, it is the page made afresh, rows changed only."""
    before = {"units": {"25882": {"status": "ok", "html": "25882-vinh-hoa.html"}}, "no_data": ["25861"]}
    after = {
        "units": {
            "25882": {"status": "failed", "error": "boom <b>", "failed_notebook": "nb/25882.failed.ipynb",
                      "previous_report": "25882-vinh-hoa.html"},
            "25858": {"status": "ok", "html": "25858-phuoc-vinh.html", "pdf": "25858-phuoc-vinh.pdf"},
        },
        "no_data": ["25861"],
    }  # fmt: skip
    drafted, fresh = tmp_path / "drafted", tmp_path / "fresh"
    drafted.mkdir()
    fresh.mkdir()
    draft = IndexDraft(drafted, sample, "2024", "vi", manifest=before)
    rendered = []
    status_html = draft._status_html
    monkeypatch.setattr(draft, "_status_html", lambda fields, name: rendered.append(name) or status_html(fields, name))
    page = draft.write(after).read_text(encoding="utf-8")
    assert sorted(rendered) == ["Phước Vĩnh", "Vĩnh Hòa"]  # the two units whose entry changed, not all 11
    assert page == write_period_index(fresh, sample, "2024", after, "vi").read_text(encoding="utf-8")
    assert "boom &lt;b&gt;" in page and 'href="25858-phuoc-vinh.pdf"' in page
    assert draft.write(after).read_text(encoding="utf-8") == page and len(rendered) == 2  # nothing changed since
