"""The plain pages written when the site's index fails: every report listed, text escaped, the error said."""

from __future__ import annotations

from dxnb.plain_pages import plain_index, plain_root_index


def test_a_plain_index_lists_every_unit_with_its_report_or_error(tmp_path):
    manifest = {
        "units": {
            "25882": {"status": "ok", "name": "Vĩnh Hòa", "html": "25882-vinh-hoa.html"},
            "25861": {"status": "failed", "name": "<An Linh>", "error": "ValueError: x & y",
                      "failed_notebook": "notebooks/25861-an-linh.failed.ipynb"},
        }
    }  # fmt: skip
    plain_index(tmp_path / "index.html", "2024", manifest, "en", "ValueError: cannot draw")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert 'href="25882-vinh-hoa.html"' in page and 'href="notebooks/25861-an-linh.failed.ipynb"' in page
    assert "&lt;An Linh&gt;" in page and "<An Linh>" not in page and "x &amp; y" in page
    assert "ValueError: cannot draw" in page and 'href="../index.html"' in page


def test_a_plain_root_index_links_the_periods_with_a_manifest_latest_first(tmp_path):
    for period in ("2023", "2024"):
        (tmp_path / period).mkdir()
        (tmp_path / period / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "exports").mkdir()
    plain_root_index(tmp_path, "vi", "OSError: disk full")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert page.index('href="2024/index.html"') < page.index('href="2023/index.html"')
    assert "exports" not in page and "OSError: disk full" in page
