"""The page base: wording and numbers in the page's language, shared blocks, sections from one list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from dxnb.explore import Explorer
from dxnb.html import Html
from dxnb.overview import Overview
from dxnb.pages import Page, is_synthetic, shown_path
from dxnb.paths import PROJECT_ROOT
from dxnb.report import CommuneReport
from dxnb.synthetic import SYNTHETIC_SOURCE


@dataclass
class Demo(Page):
    SECTIONS: ClassVar[tuple[str, ...]] = ("first", "second")
    lang: str = "vi"

    def first(self) -> Html:
        return Html("<p>1</p>")

    def second(self) -> Html:
        return Html("<p>2</p>")


def test_sections_follow_the_one_list():
    page = Demo()
    assert page.sections() == ["<p>1</p>", "<p>2</p>"]
    assert page.html() == "<p>1</p><p>2</p>"
    shell = page.page("Demo", before=Html("<nav>x</nav>"))
    assert '<main class="dx-page dx-report">\n<nav>x</nav><p>1</p><p>2</p>\n</main>' in shell
    assert '<html lang="vi">' in shell


def test_a_new_section_is_one_method_and_one_entry():
    @dataclass
    class More(Demo):
        SECTIONS: ClassVar[tuple[str, ...]] = (*Demo.SECTIONS, "third")

        def third(self) -> Html:
            return Html("<p>3</p>")

    assert More().html() == "<p>1</p><p>2</p><p>3</p>"


@pytest.mark.parametrize(
    ("lang", "share", "number", "points"), [("vi", "92,4%", "1.083", "7,5/10"), ("en", "92.4%", "1,083", "7.5/10")]
)
def test_numbers_in_the_page_language(lang, share, number, points):
    page = Demo(lang=lang)
    assert page.share(0.924) == share
    assert page.number(1083) == number
    assert page.points(7.5, 10) == points


def test_rich_wording_escapes_values_but_keeps_its_markup():
    out = Demo().rich("rank_text", rank=1, n=11, group="<x>", median="0,72")
    assert "<b>1/11</b>" in out and "&lt;x&gt;" in out


def test_status_badge_and_labels():
    page = Demo()
    assert page.status(True) == '<span class="dx-met">Đạt</span>'
    assert page.status(False) == '<span class="dx-notmet">Chưa đạt</span>'
    assert page.status(None) == '<span class="dx-nodata">Chưa có số liệu</span>'
    assert Demo(lang="en").status(True) == '<span class="dx-met">Met</span>'
    assert page.label("flag", "no_data") == "Chưa có số liệu"
    assert page.label("flag", "made_up_flag") == "made_up_flag"


def test_place_line():
    page = Demo()
    assert page.place({"district": "Phú Giáo", "province": "Bình Dương"}) == "huyện Phú Giáo, tỉnh Bình Dương"
    assert page.place({"district": "", "province": "Bình Dương"}) == "tỉnh Bình Dương"


def test_header_with_key_figures_and_banner():
    out = Demo().page_header("K", "T", "M", key=[("a", "1")], synthetic="Dữ liệu mô phỏng")
    assert '<div class="dx-key"><div>a<b>1</b></div></div><div class="dx-banner">Dữ liệu mô phỏng</div></header>' in out
    assert Demo().page_header("K", "T", "M").endswith('<div class="dx-meta">M</div></header>')


def test_synthetic_detection():
    assert is_synthetic(["survey", None, "synthetic 2024"], [])
    assert is_synthetic([], ["", SYNTHETIC_SOURCE])
    assert not is_synthetic(pd.Series(["survey", None]), pd.Series(["report"]))


def test_shown_path():
    assert shown_path(PROJECT_ROOT / "data") == "data"
    assert shown_path(Path("/elsewhere/data")) == "/elsewhere/data"


def test_the_three_pages_share_the_base(sample):
    report = CommuneReport.build("25882", "2024", dataset=sample)
    overview = Overview.build("2024", dataset=sample)
    explorer = Explorer.load("25882", "household_fibre_rate", "2024", dataset=sample)
    for page in (report, overview, explorer):
        assert isinstance(page, Page)
        sections = page.sections()
        assert len(sections) == len(type(page).SECTIONS)
        assert all(isinstance(s, Html) for s in sections)
    assert report.SECTIONS[0] == "header" and report.SECTIONS[-1] == "provenance"
    assert [f'id="{key}"' in report.html() for key in ("summary", "peers", "quality")] == [True] * 3
    assert overview.SECTIONS == ("header", "ranking", "map", "heatmap", "pillars", "trends", "quality", "targets")
