"""Charts: embedded PNGs, Vietnamese tick labels, highlighted unit."""

from __future__ import annotations

import base64
import io
import re
import warnings

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


def _colours(image: Image.Image) -> set[str]:
    return {"#{:02x}{:02x}{:02x}".format(*rgb) for _, rgb in image.convert("RGB").getcolors(1 << 16)}


@pytest.mark.usefixtures("png_charts")
def test_peer_scores_and_trends_and_histogram():
    width = round(charts.WIDTH * charts.DPI)
    three = _png(charts.peer_scores(["A", "B", "C"], [0.5, 0.7, 0.2], 1, title="t", median=0.5, median_label="m"))
    two = _png(charts.peer_scores(["A", "B"], [0.5, 0.7], None, title="t", median=None, median_label="m"))
    assert three.width == two.width == width and three.height > two.height  # a row per unit
    assert {charts.MAIN, charts.OTHER} <= _colours(three)  # the highlighted unit stands out from its peers
    assert charts.MAIN in _colours(two) and charts.OTHER not in _colours(two)  # none highlighted: one colour
    trend = _png(charts.trend_lines(["2022", "2023"], {"a": [0.1, 0.2], "b": [0.3, 0.4]}, title="t", emphasis="a"))
    grey = [c for c in _colours(trend) if len({c[1:3], c[3:5], c[5:7]}) == 1 and 0x70 <= int(c[1:3], 16) <= 0x8F]
    assert trend.width == width and charts.MAIN in _colours(trend) and grey  # the emphasis dark, the others grey
    histogram = _png(charts.score_histogram([0.1, 0.5, 0.55, 0.9], title="t"))
    assert histogram.width == width and charts.MAIN in _colours(histogram)


def test_tick_labels_follow_the_language():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    charts._ticks(ax, "x", "vi")
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "0,5"
    charts._ticks(ax, "x", "en", percent=True)
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"


def _figures(monkeypatch) -> list:
    """Keep the figures the charts draw (they are otherwise only returned as PNG data URIs)."""
    drawn = []
    real = charts.to_data_uri

    def keep(fig, *args, **kwargs):
        drawn.append(fig)
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(charts, "to_data_uri", keep)
    return drawn


def test_count_axes_have_whole_number_ticks(sample, monkeypatch):
    from dxnb import group_charts

    drawn = _figures(monkeypatch)
    classes = sample.catalogue["training_classes"]  # a count: 2, 5 or 12 classes, never 2,5
    group_charts.value_bars(["A", "B", "C"], [2, 5, 12], 0, ind=classes, median=5, median_label="m", target_label="",
                            lang="vi")  # fmt: skip
    group_charts.history_chart(["2022", "2023", "2024"], [1, 2, 3], [1, 2, 2], ind=classes, unit_label="u",
                               median_label="m", target_label="")  # fmt: skip
    charts.peer_distribution([0.1, 0.2, 0.25, 0.8], 0.2, title="t", unit_label="u", median=0.2, median_label="m")
    axes = [drawn[0].axes[0].xaxis, drawn[1].axes[0].yaxis, drawn[2].axes[0].yaxis]
    for axis in axes:
        ticks = [v for v in axis.get_ticklocs() if axis.get_view_interval()[0] <= v <= axis.get_view_interval()[1]]
        assert ticks and all(float(v).is_integer() for v in ticks), ticks
        labels = [axis.get_major_formatter()(v, 0) for v in ticks]
        assert all("," not in label for label in labels), labels


def test_hatching_means_no_data_only_the_unit_is_outlined(sample, monkeypatch):
    from dxnb import group_charts

    drawn = _figures(monkeypatch)
    charts.peer_scores(["A", "B", "C"], [0.5, 0.7, 0.2], 1, title="t", median=0.5, median_label="m")
    charts.peer_distribution([0.1, 0.2, 0.25, 0.8], 0.2, title="t", unit_label="u", median=0.2, median_label="m")
    group_charts.value_bars(["A", "B"], [40.0, 60.0], 1, ind=sample.catalogue["household_fibre_rate"], median=50,
                            median_label="m", target_label="")  # fmt: skip
    for fig in drawn:
        patches = fig.axes[0].patches
        assert not [p for p in patches if p.get_hatch()], "hatching is for no data"
        outlined = [p for p in patches if p.get_linewidth() == charts.UNIT_EDGE_WIDTH]
        assert len(outlined) == 1


def test_dollar_signs_are_drawn_as_written(monkeypatch):
    """A "$" in a unit's name or a label never starts matplotlib's mathtext (which fails on "A$$B")."""
    assert charts.STYLE["text.parse_math"] is False
    monkeypatch.setenv("DXNB_CHART_FORMAT", "svg")  # real text: the label is in the file as written
    for label in ("A$$B", "x$^2$", "$"):
        uris = [
            charts.bars_with_median(
                [label, "b"], [0.5, 0.2], [0.4, 0.1], title=label, unit_label=label, median_label=f"{label} m"
            ),
            charts.peer_scores([label, "b"], [0.5, 0.7], 0, title="t", median=0.6, median_label=label),
            charts.trend_lines(["2023", "2024"], {label: [0.1, 0.2]}, title=label, emphasis=label),
        ]
        for uri in uris:
            svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
            assert f">{label}<" in svg.replace("&lt;", "<"), label


def test_value_labels_clear_the_median_marker():
    from matplotlib.figure import Figure

    drawn = {}
    original = Figure.add_subplot

    def spy(self, *args, **kwargs):
        drawn["ax"] = original(self, *args, **kwargs)
        return drawn["ax"]

    Figure.add_subplot = spy
    try:
        charts.bars_with_median(["a", "b"], [0.099, 0.61], [0.12, 0.3], title="t", unit_label="u", median_label="m")
    finally:
        Figure.add_subplot = original
    labels = {t.get_text(): t.get_position()[0] for t in drawn["ax"].texts}
    assert labels["0,10"] > 0.12  # the median (0.12) is just past the bar: the label moves past the marker
    assert 0.61 < labels["0,61"] < 0.65  # a median far away leaves the label at the bar's end


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


def test_text_sizes_are_measured_once_per_process_and_change_nothing(monkeypatch):
    import matplotlib
    from matplotlib.textpath import TextToPath

    def draw():
        return charts.peer_scores(["Xã Ân Hòa", "Xã Bình"], [0.5, 0.7], 1, title="t", median=0.6, median_label="m")

    monkeypatch.setattr(charts._TextSizes, "sizes", {})  # nothing measured yet
    measured = []
    measure = TextToPath.get_text_width_height_descent
    monkeypatch.setattr(TextToPath, "get_text_width_height_descent", lambda *a: measured.append(a[1]) or measure(*a))
    first = draw()
    assert "Xã Ân Hòa" in measured and any(key[0] == "Xã Ân Hòa" for key in charts._TextSizes.sizes)
    measured.clear()
    assert draw() == first  # the same bytes with the sizes taken from the cache
    assert measured == []  # nothing measured again
    with warnings.catch_warnings():  # deprecated since matplotlib 3.11, still read where it exists
        warnings.simplefilter("ignore", DeprecationWarning)
        with matplotlib.rc_context({"text.hinting_factor": 4}):  # a setting that changes FreeType's measure
            draw()
    assert "Xã Ân Hòa" in measured
    monkeypatch.setattr(charts, "TEXT_SIZES_MAX", 3)
    charts.peer_scores(["P", "Q", "R", "S"], [0.1, 0.2, 0.3, 0.4], 0, title="t", median=None, median_label="m")
    assert len(charts._TextSizes.sizes) <= 3  # bounded: started again when full
