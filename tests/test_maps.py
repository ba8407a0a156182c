"""Point maps of units (dxnb.maps) and the bundled coordinates they are drawn from."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from dxnb import registry
from dxnb.charts import to_data_uri
from dxnb.errors import ParameterError
from dxnb.maps import CMAP, NAME_LABELS_UP_TO, unit_map

PHU_GIAO = ["25858", "25861", "25864", "25865", "25867", "25870", "25873", "25876", "25879", "25882", "25885"]


def _phu_giao(seed: int = 3) -> pd.DataFrame:
    former = registry.former_units().set_index("code").loc[PHU_GIAO]
    values = np.random.default_rng(seed).uniform(0.3, 0.9, len(PHU_GIAO))
    return pd.DataFrame({"name": former["name"], "score": values}, index=pd.Index(PHU_GIAO, name="unit_code"))


def _collection(fig, gid: str, ax=None):
    axes = [ax] if ax is not None else fig.axes
    found = [c for a in axes for c in a.collections if c.get_gid() == gid]
    return found[0] if found else None


def _points(fig, gid: str, ax=None) -> np.ndarray:
    coll = _collection(fig, gid, ax)
    return np.empty((0, 2)) if coll is None else np.asarray(coll.get_offsets())


def test_one_point_per_unit_at_its_coordinates():
    frame = _phu_giao()
    drawn = unit_map(frame, value_col="score", label_col="name", when="former", title="Phú Giáo")
    points = _points(drawn.figure, "units")
    assert len(points) == 11 and not drawn.missing and drawn.note == ""
    where = registry.coordinates(PHU_GIAO, when="former")
    assert sorted(map(tuple, points.round(4))) == sorted(zip(where["lon"], where["lat"], strict=True))
    assert drawn.labelled == 11  # few units: every one is named
    assert not [a for a in drawn.figure.axes if a.get_gid() in ("zoom", "inset")]
    assert drawn.data_uri().startswith("data:image/png;base64,")


def test_colours_follow_the_values():
    frame = _phu_giao()
    fig = unit_map(frame, value_col="score", label_col="name", when="former").figure
    FigureCanvasAgg(fig).draw()
    coll = _collection(fig, "units")
    colours = coll.get_facecolors()
    where = registry.coordinates(PHU_GIAO, when="former")
    offsets = np.asarray(coll.get_offsets())
    low, high = frame["score"].idxmin(), frame["score"].idxmax()
    cmap = mpl.colormaps[CMAP]
    colour_of = {
        code: colours[int(np.argmin(np.hypot(*(offsets - [where.at[code, "lon"], where.at[code, "lat"]]).T)))]
        for code in (low, high)
    }
    assert np.allclose(colour_of[low], cmap(0.0)) and np.allclose(colour_of[high], cmap(1.0))
    # Lightness rises with the value, so the order survives grey print.
    grey = colours[:, :3] @ [0.299, 0.587, 0.114]
    order = np.argsort(coll.get_array())
    assert np.all(np.diff(grey[order]) > -1e-9)


def test_units_without_data_are_hollow_and_in_the_legend():
    frame = _phu_giao()
    frame.loc[["25870", "25873"], "score"] = np.nan
    fig = unit_map(frame, value_col="score", label_col="name", when="former", lang="vi").figure
    assert len(_points(fig, "units")) == 9
    empty = _collection(fig, "no_data")
    assert len(empty.get_offsets()) == 2
    assert len(empty.get_facecolors()) == 0 or np.all(empty.get_facecolors()[:, 3] == 0)
    assert "Chưa có số liệu" in [text.get_text() for text in fig.legends[0].get_texts()]


def test_highlighted_unit_is_circled():
    frame = _phu_giao()
    fig = unit_map(frame, value_col="score", label_col="name", when="former", highlight=25882).figure
    ring = _points(fig, "highlight")
    where = registry.coordinates(["25882"], when="former").iloc[0]
    assert ring.round(4).tolist() == [[where["lon"], where["lat"]]]
    bold = [a.get_text() for a in fig.axes[0].texts if a.get_fontweight() == "bold"]
    assert bold and bold[0].startswith("Vĩnh Hoà")
    assert "Vĩnh Hoà" in [text.get_text() for text in fig.legends[0].get_texts()]


def test_units_without_coordinates_are_listed():
    frame = _phu_giao()
    extra = pd.DataFrame({"name": ["Tân An"], "score": [0.5]}, index=pd.Index(["07693"], name="unit_code"))
    drawn = unit_map(pd.concat([frame, extra]), value_col="score", label_col="name", when="former", lang="en")
    assert drawn.missing == ["07693"] and "Tân An (07693)" in drawn.note
    assert len(_points(drawn.figure, "units")) == 11
    assert any(drawn.note in text.get_text() for text in drawn.figure.texts)


def test_a_168_unit_province_renders_with_an_inset_and_fewer_labels():
    current = registry.current_units()
    hcm = current[current["province_code"] == "79"].set_index("code")
    assert len(hcm) == 168
    hcm["rate"] = np.random.default_rng(7).uniform(40, 95, len(hcm))
    drawn = unit_map(hcm, value_col="rate", label_col="name", kind="rate", highlight="26732", title="HCM")
    fig = drawn.figure
    main = fig.axes[0]
    inset = next(a for a in fig.axes if a.get_gid() == "inset")
    assert len(_points(fig, "units", main)) + len(_points(fig, "units", inset)) == 168
    assert len(_points(fig, "highlight", inset)) == 1  # Côn Đảo, 180 km off the coast, drawn apart
    # The dense core of former Hồ Chí Minh City is drawn again, enlarged, and labelled there.
    zoom = next(a for a in fig.axes if a.get_gid() == "zoom")
    inside = len(_points(fig, "units", zoom))
    assert 20 < inside < 168 and any(t.get_text().endswith("%") for t in zoom.texts)
    assert NAME_LABELS_UP_TO < 168 and 0 < drawn.labelled < 168
    values = [t.get_text() for t in main.texts if t.get_fontweight() != "bold" and "km" not in t.get_text()]
    assert values and all(text.endswith("%") for text in values)
    assert to_data_uri(fig, "png").startswith("data:image/png")


def test_labels_do_not_overlap():
    current = registry.current_units()
    hcm = current[current["province_code"] == "79"].set_index("code")
    hcm["rate"] = np.linspace(40, 95, len(hcm))
    fig = unit_map(hcm, value_col="rate", label_col="name", kind="rate").figure
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts if "km" not in t.get_text()]
    assert len(boxes) > 10
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_bad_arguments():
    frame = _phu_giao()
    with pytest.raises(ParameterError, match="no column 'value'"):
        unit_map(frame, value_col="value", label_col="name", when="former")
    with pytest.raises(ParameterError, match="kind"):
        unit_map(frame, value_col="score", label_col="name", when="former", kind="share")
    with pytest.raises(ParameterError, match="when"):
        unit_map(frame, value_col="score", label_col="name", when="2024")
    with pytest.raises(ParameterError, match="none of the 11 units"):
        unit_map(frame.set_axis(["99999"] * 11), value_col="score", label_col="name", when="former")


# --------------------------------------------------------------------------- the bundled coordinates


def test_coordinates_file_covers_the_registry():
    table = pd.read_csv(registry.REGISTRY_DIR / "coordinates.csv", dtype={"code": str})
    assert list(table.columns) == ["code", "when", "lat", "lon"]
    assert not table.duplicated(["code", "when"]).any()
    current, former = table[table["when"] == "current"], table[table["when"] == "former"]
    assert len(current) == 3321 and set(current["code"]) == set(registry.current_units()["code"])
    assert set(former["code"]) <= set(registry.former_units()["code"]) and len(former) > 9500
    assert set(PHU_GIAO) <= set(former["code"])
    assert table["lat"].between(8.3, 23.5).all() and table["lon"].between(102.1, 117.5).all()
    text = (registry.REGISTRY_DIR / "coordinates.csv").read_text(encoding="utf-8")
    assert all(len(cell.split(".")[1]) == 4 for line in text.splitlines()[1:50] for cell in line.split(",")[2:])


def test_coordinates_lookup():
    found = registry.coordinates(["25882", 25858, "99999"], when="former")
    assert found.index.tolist() == ["25882", "25858", "99999"]
    assert found.loc["99999"].isna().all() and found.loc["25882"].notna().all()
    assert not registry.coordinates("25882").equals(registry.coordinates("25882", when="former"))
    with pytest.raises(ParameterError):
        registry.coordinates(["25882"], when="2024")
