"""HTML export: trimmed offline template, plumbing cells removed, title and language set."""

from __future__ import annotations

import nbformat

from dxnb.export import notebook_to_html


def test_export_keeps_only_rich_outputs():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('unit_code = "25882"', metadata={"tags": ["injected-parameters"]})
    hidden = nbformat.v4.new_markdown_cell("internal note", metadata={"tags": ["remove-cell"]})
    shown = nbformat.v4.new_code_cell("report.summary()", metadata={"tags": ["remove-input"]})
    shown.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p>Tóm tắt 92,4%</p>"}),
        nbformat.v4.new_output("stream", name="stderr", text="WARNING: noise"),
    ]
    nb.cells = [params, hidden, shown]
    html = notebook_to_html(nb, title="Xã Vĩnh Hòa — năm 2024", back="index.html", back_label="Danh sách")
    assert "<title>Xã Vĩnh Hòa — năm 2024</title>" in html
    assert '<html lang="vi">' in html
    assert "Tóm tắt 92,4%" in html
    for absent in ("unit_code", "internal note", "report.summary", "WARNING: noise", "require", "http"):
        assert absent not in html, absent
    assert len(html) < 20_000
