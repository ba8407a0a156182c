"""Charts: embedded PNGs, Vietnamese tick labels, highlighted unit."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from dxnb import charts


@pytest.fixture()
def png_charts(monkeypatch):
    """Charts as bitmaps (SVG is the default)."""
    monkeypatch.setenv("DXNB_CHART_FORMAT", "png")


def _png(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


@pytest.mark.usefixtures("png_charts")
def test_bars_with_median_is_a_small_palette_png():
    uri = charts.bars_with_median(
        ["Thể chế số", "Nhận thức số"],
        [0.8, float("nan")],
        [0.6, 0.5],
        title="t",
        unit_label="xã Vĩnh Hòa",
        median_label="Trung vị",
    )
    image = _png(uri)
    assert image.mode == "P" and image.width == round(charts.WIDTH * charts.DPI)
    assert len(uri) < 60_000


@pytest.mark.usefixtures("png_charts")
def test_peer_scores_and_trends_and_histogram():
    assert _png(charts.peer_scores(["A", "B", "C"], [0.5, 0.7, 0.2], 1, title="t", median=0.5, median_label="m"))
    assert _png(charts.peer_scores(["A", "B"], [0.5, 0.7], None, title="t", median=None, median_label="m"))
    assert _png(charts.trend_lines(["2022", "2023"], {"a": [0.1, 0.2], "b": [0.3, 0.4]}, title="t", emphasis="a"))
    assert _png(charts.score_histogram([0.1, 0.5, 0.55, 0.9], title="t"))


def test_tick_labels_follow_the_language():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    charts._ticks(ax, "x", "vi")
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "0,5"
    charts._ticks(ax, "x", "en", percent=True)
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_charts_are_compact_svg_with_real_text_by_default(monkeypatch):
    monkeypatch.delenv("DXNB_CHART_FORMAT", raising=False)
    labels = ["Thể chế số", "Nhân lực số"]
    make = lambda: charts.bars_with_median(  # noqa: E731
        labels, [0.5, 0.8], [0.6, 0.4], title="Mức đạt", unit_label="Xã A", median_label="Trung vị"
    )
    svg = _svg(make())
    assert svg.startswith("<svg ") and "<metadata" not in svg and "\n" not in svg
    # the text is text (Vietnamese searchable and sharp at any zoom), in a stack that covers it
    assert "Thể chế số" in svg and ">Trung vị<" in svg and "<text" in svg
    assert f"text{{font-family:{charts.SVG_FONTS}}}" in svg and svg.count("font-family") == 1
    assert re.search(r'width="792px" height="\d+px" viewBox="0 0 518.4 ', svg)  # the PNG's pixel size
    assert not re.search(r"\d\.\d{3}", svg)  # coordinates to 1/100 point
    for ref in re.findall(r'(?:url\(#|href="#)([\w.-]+)', svg):  # every reference is kept
        assert f'id="{ref}"' in svg
    assert make() == make()  # no date, stable ids: the same chart gives the same page


def test_png_stays_available(monkeypatch):
    monkeypatch.setenv("DXNB_CHART_FORMAT", "svg")
    fig = charts.new_figure(1.0)
    fig.add_subplot().plot([0, 1], [0, 1])
    assert charts.to_data_uri(fig, "png").startswith("data:image/png;base64,")
    assert charts.to_png(fig).startswith(b"\x89PNG")
    monkeypatch.setenv("DXNB_CHART_FORMAT", "png")
    assert charts.chart_format() == "png" and charts.to_data_uri(fig).startswith("data:image/png;base64,")
    monkeypatch.setenv("DXNB_CHART_FORMAT", "gif")
    assert charts.chart_format() == "svg"
