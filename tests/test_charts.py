"""Charts: embedded PNGs, Vietnamese tick labels, highlighted unit."""

from __future__ import annotations

import base64
import io

from PIL import Image

from dxnb import charts


def _png(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


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
