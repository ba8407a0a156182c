"""A national-size dataset: a report loads only its peer group, and its size does not grow with the group."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from dxnb import charts
from dxnb.report import PEER_BARS_MAX, CommuneReport
from dxnb.synthetic import generate_dataset


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return generate_dataset(300, tmp_path_factory.mktemp("big") / "data", seed=5)


@pytest.fixture(autouse=True)
def png_charts(monkeypatch):
    """Bitmaps, whose pixel sizes these tests check (SVG is the default)."""
    monkeypatch.setenv("DXNB_CHART_FORMAT", "png")


def _images(html: str) -> list[Image.Image]:
    return [
        Image.open(io.BytesIO(base64.b64decode(d))) for d in re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    ]


def test_report_on_a_large_province_loads_its_group_and_stays_small(big):
    report = CommuneReport.build(_code(big), "2025", data_dir=big)
    ds = report.dataset
    assert ds.scope is not None and len(ds.scope) == report.ev.group_size > PEER_BARS_MAX
    assert set(ds.observations["unit_code"]) <= ds.scope
    peers = report.peers()
    (chart,) = _images(peers)
    assert chart.height == round(2.7 * charts.DPI)  # a histogram, whatever the group's size
    assert peers.count("<tr") == report.ev.group_size + 1  # the table still lists every peer
    page = "".join(report.sections())
    assert len(page.encode()) < 250_000


def test_small_group_keeps_one_bar_per_unit(data_copy):
    report = CommuneReport.build("25882", "2024", data_dir=data_copy)
    (chart,) = _images(report.peers())
    assert chart.height == round((0.8 + 0.3 * 11) * charts.DPI)


def test_peer_distribution_marks_the_unit():
    uri = charts.peer_distribution(
        [0.2, 0.5, 0.55, float("nan"), 0.9], 0.55, title="t", unit_label="xã A", median=0.5, median_label="m"
    )
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.mode == "P" and image.width == round(charts.WIDTH * charts.DPI)
    assert charts.peer_distribution([0.3], float("nan"), title="t", unit_label="u", median=None, median_label="m")


def _code(folder) -> str:
    import csv

    with open(folder / "units.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["province"]] = counts.get(row["province"], 0) + 1
    biggest = max(counts, key=counts.get)
    return next(r["code"] for r in rows if r["province"] == biggest)


def test_vectorised_points_equal_the_catalogue_rule(sample):
    import numpy as np

    from dxnb.evaluate import _points

    rng = np.random.default_rng(0)
    values = np.concatenate(
        [rng.uniform(-5, 120, 2000), rng.integers(-2, 30, 500).astype(float), [np.nan, 0, 0.5, 1, 100, np.inf]]
    )
    for ind in sample.catalogue:
        expected = np.array([ind.points(v) for v in values.tolist()])
        assert np.array_equal(_points(ind, values), expected), ind.id
