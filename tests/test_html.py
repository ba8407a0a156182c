"""The markup kit: text is escaped once, in the kit; markup passes through; one stylesheet."""

from __future__ import annotations

import math
import re

import pytest

from dxnb import html as h
from dxnb.html import Html
from dxnb.paths import TEMPLATES_DIR

NASTY = '<script>alert("x")</script> & Co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"


def test_esc_escapes_text_and_passes_markup_through():
    assert h.esc(NASTY) == ESCAPED
    assert isinstance(h.esc(NASTY), Html)
    assert h.esc(Html("<b>x</b>")) == "<b>x</b>"
    assert h.esc(h.esc(NASTY)) == ESCAPED  # escaping twice is escaping once
    assert h.esc(3.5) == "3.5"


def test_html_shows_itself_in_notebooks():
    assert Html("<p>x</p>")._repr_html_() == "<p>x</p>"


@pytest.mark.parametrize(
    "build",
    [
        lambda x: h.para(x),
        lambda x: h.note(x),
        lambda x: h.small(x),
        lambda x: h.heading(x),
        lambda x: h.items([x]),
        lambda x: h.section("k", x, x),
        lambda x: h.table([x], [[x]]),
        lambda x: h.figure("data:image/png;base64,AAAA", x),
        lambda x: h.badge(True, x),
        lambda x: h.key_figures([(x, x)]),
        lambda x: h.banner(x),
        lambda x: h.link("a.html", x),
        lambda x: h.join(x, x),
        lambda x: h.fill("<b>{v}</b>", v=x),
    ],
)
def test_every_kit_function_escapes_plain_text(build):
    out = build(NASTY)
    assert isinstance(out, Html)
    assert "<script>" not in out
    assert ESCAPED in out


def test_markup_is_nested_without_double_escaping():
    inner = h.bold("a < b")
    out = h.para("x ", inner, h.code("c&d"))
    assert out == "<p>X <b>a &lt; b</b><code>c&amp;d</code></p>"  # a paragraph is a sentence: capital first


def test_fill_keeps_the_wording_markup_and_escapes_the_values():
    assert h.fill("{a} <b>{b}</b>", a="<i>", b=Html("<i>ok</i>")) == "&lt;i&gt; <b><i>ok</i></b>"


def test_join_leaves_out_empty_parts():
    assert h.join("a", "", None, "b", sep=" & ") == "a &amp; b"


def test_table_numeric_columns_row_classes_and_sort_keys():
    out = h.table(
        ["Name", "Score"],
        [["An Long", "0,77"], ["Vĩnh Hòa", Html("<i>0,40</i>")]],
        numeric=(1,),
        row_classes=["", "dx-self"],
        sort_keys=[[None, 0.77], [None, math.nan]],
        cls="dx-table dx-sortable",
    )
    assert out.startswith(
        '<div class="dx-scroll"><table class="dx-table dx-sortable"><thead><tr><th>Name</th><th class="num">Score</th>'
    )
    assert out.endswith("</table></div>")  # a wide table scrolls in its own box, not the page
    assert '<tr><td data-v="An Long">An Long</td><td class="num" data-v="0.77">0,77</td></tr>' in out
    assert '<tr class="dx-self"><td data-v="Vĩnh Hòa">Vĩnh Hòa</td><td class="num" data-v=""><i>0,40</i></td>' in out


def test_figure_has_alt_text_and_caption():
    out = h.figure("data:image/png;base64,AAAA", "Chỉ số")
    assert re.fullmatch(r'<figure><img src="data:[^"]+" alt="Chỉ số"><figcaption>Chỉ số</figcaption></figure>', out)


def test_section_is_anchored():
    assert h.section("summary", "Tóm tắt", h.para("x")) == (
        '<section class="dx-report" id="summary"><h2>Tóm tắt</h2><p>X</p></section>'
    )


@pytest.mark.parametrize(("meets", "cls"), [(True, "dx-met"), (False, "dx-notmet"), (None, "dx-nodata")])
def test_badge_classes(meets, cls):
    assert h.badge(meets, "w") == f'<span class="{cls}">w</span>'


def test_key_figures():
    assert h.key_figures([("Điểm", "395,5")]) == '<div class="dx-key"><div>Điểm<b>395,5</b></div></div>'


def test_one_stylesheet_for_every_page():
    screen = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
    paper = (TEMPLATES_DIR / "print.css").read_text(encoding="utf-8")
    css = h.stylesheet()
    assert css == f"{screen}\n{paper}"  # the print sheet (A4, the document frame) is part of the one sheet
    assert ".dx-docframe-nation" in css and "@media print" in css
    for rule in (".dx-note", "tr.dx-total", "table.dx-sortable", ".dx-page.dx-wide", ".dx-hint", ".dx-fail"):
        assert rule in css, rule
    header = h.page_header("Kicker", "Title & more", "Meta")
    assert header.startswith(f"<style>{css}</style>")
    assert '<header class="dx-report"><div class="dx-kicker">Kicker</div><h1>Title &amp; more</h1>' in header


def test_page_shell():
    out = h.page("T <1>", h.para("body"), "vi", generator="dxnb 9", head=Html('<meta name="k">\n'), script="x()")
    assert out.startswith('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta name="k">\n<meta charset="utf-8">')
    assert "<title>T &lt;1&gt;</title>" in out
    assert f"<style>{h.stylesheet()}</style>" in out
    assert '<main class="dx-page dx-report">\n<p>Body</p>\n</main>\n<script>x()</script>' in out
    assert 'class="dx-page dx-wide dx-report"' in h.page("T", "", "en", generator="g", wide=True)


def test_meta():
    assert h.meta("dxnb-key", 'a"b') == '<meta name="dxnb-key" content="a&quot;b">'


def test_sentence_case_once_in_paragraphs_and_list_items():
    assert h.para("xã Vĩnh Hòa xếp thứ 11/11.") == "<p>Xã Vĩnh Hòa xếp thứ 11/11.</p>"
    assert h.para(Html("<b>đạt</b> 2")) == "<p><b>Đạt</b> 2</p>"
    assert h.items(["đẩy mạnh", Html('<span lang="vi">tăng</span>')]) == (
        '<ul><li>Đẩy mạnh</li><li><span lang="vi">Tăng</span></li></ul>'
    )
    assert h.para("14 chỉ tiêu") == "<p>14 chỉ tiêu</p>"
    assert h.para("<script> x") == "<p>&lt;script&gt; x</p>"  # text that begins with an escaped sign is left
    assert h.sentence_case("«xã»") == "«Xã»"
