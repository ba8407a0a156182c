"""The index for reviewers, end to end: render, import a form, render again, review, import again.

Renders the sample's Vĩnh Hòa (and one neighbour) for 2024 into a throw-away folder, imports a form that changes
Vĩnh Hòa's 2024 figures, and checks the index and ``changes.html``; then a review cycle, and the search, filters
and keyboard sorting in headless Chromium (Debian's package, offline, from file:// URLs).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from dxnb import fmt
from dxnb.batch import run_batch
from dxnb.cli import main
from dxnb.dataset import FILES, load_dataset
from dxnb.evaluate import indicator_table
from dxnb.forms import FIRST_ROW, VALUES_SHEET, write_template
from dxnb.intake import import_forms
from dxnb.paths import DATA_DIR
from dxnb.site import write_period_index
from dxnb.snapshot import PREVIOUS, SNAPSHOT, period_snapshot

VINH_HOA, PHUOC_HOA = "25882", "25885"
REPORT = "25882-vinh-hoa.html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
#: Vĩnh Hòa's 2024 figures a form changes: two values replaced, one indicator added (it had no data).
FORM = {"plans_issued": 3, "adult_smartphone_rate": "93,1", "steering_meetings": 4}


def filled_form(data: Path, path: Path, values: dict) -> Path:
    """A form of Vĩnh Hòa for 2024 filled in as a user would in Excel."""
    write_template(load_dataset(data), VINH_HOA, "2024", path)
    wb = openpyxl.load_workbook(path)
    ws = wb[VALUES_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    for indicator, value in values.items():
        ws.cell(rows[indicator], 7).value = value
    wb.save(path)
    return path


def render(data: Path, out: Path):
    result = run_batch(data, periods=["2024"], units=[VINH_HOA, PHUOC_HOA], out_dir=out, jobs=1)
    assert result.ok, (result.failed, result.pages)
    return result


def changed_values(old: Path, new: Path) -> dict[str, tuple[float, float]]:
    """The indicators of Vĩnh Hòa whose value differs between two datasets (derived ones included)."""
    before = indicator_table(load_dataset(old), "2024").loc[VINH_HOA]
    after = indicator_table(load_dataset(new), "2024").loc[VINH_HOA]
    found = {}
    for iid in after.index:
        a, b = before[iid], after[iid]
        if (math.isnan(a) != math.isnan(b)) or (not math.isnan(a) and not math.isclose(a, b, rel_tol=1e-9)):
            found[iid] = (a, b)
    return found


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, anchor
    return match.group(1)


def row_of(index: str, code: str) -> str:
    rows = re.findall(r"<tr>(.*?)</tr>", index, re.S)
    (row,) = [r for r in rows if f'<td data-v="{code}">{code}</td>' in r]
    return row


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """Render, import a form changing Vĩnh Hòa's 2024 figures, render again; the folders and the old data."""
    root = tmp_path_factory.mktemp("review")
    data, before, out = root / "data", root / "before", root / "reports"
    data.mkdir()
    for name in FILES:
        shutil.copy(DATA_DIR / name, data / name)
    shutil.copy(DATA_DIR / "frameworks.csv", data / "frameworks.csv")  # the frameworks in force
    shutil.copytree(DATA_DIR / "frameworks", data / "frameworks")
    shutil.copytree(data, before)
    render(data, out)
    first = (out / "2024" / "changes.html").read_text(encoding="utf-8")
    assert "lần lập đầu tiên" in first and not (out / "2024" / PREVIOUS).exists()
    import_forms([filled_form(data, root / "form.xlsx", FORM)], data, replace=True)
    render(data, out)
    return {"root": root, "data": data, "before": before, "out": out}


@pytest.mark.slow
def test_index_and_changes_page_list_exactly_the_changed_indicators(cycle):
    data, out = cycle["data"], cycle["out"]
    folder = out / "2024"
    expected = changed_values(cycle["before"], data)
    assert {"plans_issued", "adult_smartphone_rate", "steering_meetings"} <= set(expected)
    page = (folder / "changes.html").read_text(encoding="utf-8")
    unit = section(page, f"u-{VINH_HOA}")
    ds = load_dataset(data)
    shown = re.findall(r"\(([a-z0-9_]+)\)</td>", unit)
    assert sorted(shown) == sorted(expected)  # exactly the changed indicators
    for iid, (old, new) in expected.items():
        row = next(r for r in re.findall(r"<tr>(.*?)</tr>", unit, re.S) if f"({iid})</td>" in r)
        ind = ds.catalogue[iid]
        assert fmt.value(None if math.isnan(old) else old, ind, "vi", with_unit=True) in row
        assert fmt.value(new, ind, "vi", with_unit=True) in row
    assert "14 kế hoạch" in unit and "3 kế hoạch" in unit and "92,4%" in unit and "93,1%" in unit
    assert "thêm số liệu" in unit  # steering_meetings had no data
    assert f'id="u-{PHUOC_HOA}"' not in page  # the neighbour did not change
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Thay đổi" in index and 'href="changes.html"' in index
    assert f'href="changes.html#u-{VINH_HOA}"' in row_of(index, VINH_HOA)
    assert f"{len(expected)} chỉ số" in row_of(index, VINH_HOA)
    assert "changes.html#" not in row_of(index, PHUOC_HOA)
    snapshot = json.loads((folder / SNAPSHOT).read_text(encoding="utf-8"))
    previous = json.loads((folder / PREVIOUS).read_text(encoding="utf-8"))
    assert snapshot["units"][VINH_HOA]["indicators"]["plans_issued"]["value"] == 3
    assert previous["units"][VINH_HOA]["indicators"]["plans_issued"]["value"] == 14


@pytest.mark.slow
def test_review_cycle_then_an_import_needs_review(cycle, capsys):
    data, out, root = cycle["data"], cycle["out"], cycle["root"]
    report = out / "2024" / REPORT
    assert "DỰ THẢO" in report.read_text(encoding="utf-8")
    base = ["review", VINH_HOA, "--period", "2024", "--data", str(data)]
    assert main([*base, "--state", "approved", "--by", "Hội đồng"]) == 2  # skips "reviewed"
    assert main([*base, "--state", "reviewed", "--by", "Sở KH&CN", "--note", "đủ minh chứng"]) == 0
    assert main([*base, "--state", "approved", "--by", "Hội đồng tỉnh"]) == 0
    capsys.readouterr()
    result = render(data, out)
    rendered = {(o.code, o.status) for o in result.outcomes}
    assert rendered == {(VINH_HOA, "ok"), (PHUOC_HOA, "cached")}  # only the report whose state changed
    page = report.read_text(encoding="utf-8")
    assert "DỰ THẢO" not in page and "ĐÃ PHÊ DUYỆT" in page and "Hội đồng tỉnh" in page
    assert "DỰ THẢO" in (out / "2024" / "25885-phuoc-hoa.html").read_text(encoding="utf-8")
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert "đã phê duyệt" in row_of(index, VINH_HOA) and "tự đánh giá" in row_of(index, PHUOC_HOA)

    import_forms([filled_form(data, root / "later.xlsx", {"plans_issued": 5})], data, replace=True)
    render(data, out)
    page = report.read_text(encoding="utf-8")
    assert "DỰ THẢO" in page and "cần xem lại" in page and "3 kế hoạch → 5 kế hoạch" in page
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert "cần xem lại" in row_of(index, VINH_HOA) and f"changes.html#review-{VINH_HOA}" in index
    changes = (out / "2024" / "changes.html").read_text(encoding="utf-8")
    since = section(changes, f"review-{VINH_HOA}")
    assert "đã phê duyệt" in since and "Hội đồng tỉnh" in since
    assert re.findall(r"\(([a-z0-9_]+)\)</td>", since) == ["plans_issued"]
    assert "3 kế hoạch" in since and "5 kế hoạch" in since


# ---------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(offline=True)
    leaving = []

    def guard(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.leaving, page.errors = leaving, errors
    yield page
    context.close()


def visible_codes(page) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('table.dx-sortable tbody tr')).filter(r => !r.hidden)"
        ".map(r => r.cells[1].innerText)"
    )


@pytest.mark.slow
@pytest.mark.browser
def test_search_filters_and_keyboard_sorting(cycle, page, tmp_path):
    page.goto((cycle["out"] / "2024" / "index.html").as_uri())
    assert len(visible_codes(page)) == 11
    assert page.locator("#dx-shown").inner_text() == "Đang hiện 11/11 đơn vị"
    search = page.get_by_label("Tìm đơn vị (tên hoặc mã)")
    search.fill("vinh hoa")  # without diacritics
    assert visible_codes(page) == [VINH_HOA]
    search.fill("VĨNH HOÀ")  # old tone placement, capitals
    assert visible_codes(page) == [VINH_HOA]
    search.fill("2588")
    units = load_dataset(cycle["data"]).at("2024").units.index  # the units of the period shown
    assert sorted(visible_codes(page)) == sorted(c for c in units if "2588" in c)
    search.fill("")
    page.get_by_label("Chỉ các đơn vị thay đổi từ lần lập trước").check()
    assert visible_codes(page) == [VINH_HOA]
    page.screenshot(path=str(tmp_path / "index-changed.png"), full_page=True)
    page.get_by_label("Chỉ các đơn vị thay đổi từ lần lập trước").uncheck()
    page.get_by_label("Trạng thái thẩm định").select_option("self_assessed")
    states = page.evaluate(
        "Array.from(document.querySelectorAll('table.dx-sortable tbody tr')).filter(r => !r.hidden)"
        ".map(r => r.querySelector('[class^=dx-state-]') ? r.querySelector('[class^=dx-state-]').className : '')"
    )
    assert states and set(states) == {"dx-state-self_assessed"}
    page.get_by_label("Trạng thái thẩm định").select_option("")
    # sorting from the keyboard: focus the heading's button, press Enter, then Space
    button = page.locator("table.dx-sortable th button", has_text="Đơn vị").first
    button.focus()
    page.keyboard.press("Enter")
    th = page.locator("table.dx-sortable th", has_text="Đơn vị").first
    assert th.get_attribute("aria-sort") == "ascending"
    names = page.evaluate(
        "Array.from(document.querySelectorAll('table.dx-sortable tbody tr')).map(r => r.cells[2].innerText)"
    )
    assert names[0] == "An Bình"
    page.keyboard.press("Space")
    assert th.get_attribute("aria-sort") == "descending"
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    if os.environ.get("DXNB_SCREENSHOTS"):  # keep the screenshots to look at them
        shots = Path(os.environ["DXNB_SCREENSHOTS"])
        shots.mkdir(parents=True, exist_ok=True)
        for png in tmp_path.glob("*.png"):
            shutil.copy(png, shots / png.name)
    page.goto((cycle["out"] / "2024" / "changes.html").as_uri())
    assert "Thay đổi so với lần lập trước" in page.title()
    assert page.leaving == [] and page.errors == [], (page.leaving, page.errors)


def test_result_classes_get_a_column_and_a_filter(sample, tmp_path):
    folder = tmp_path / "2024"
    folder.mkdir()
    snap = period_snapshot(sample, "2024")
    index = write_period_index(folder, sample, "2024", {}).read_text(encoding="utf-8")
    assert 'id="dx-class"' not in index  # the framework has no classes yet
    assert "lần lập đầu tiên" not in index and "Thay đổi" in index
    for code, entry in snap["units"].items():
        entry["result_class"] = "khá" if code == VINH_HOA else "tốt"
    (folder / SNAPSHOT).write_text(json.dumps(snap, ensure_ascii=False), encoding="utf-8")
    index = write_period_index(folder, sample, "2024", {}).read_text(encoding="utf-8")
    assert 'id="dx-class"' in index and '<option value="khá">khá</option>' in index
    assert "Xếp loại" in row_of_header(index)
    data = json.loads(re.search(r'id="dx-review-data">(.*?)</script>', index).group(1))
    assert data[VINH_HOA] == {"q": "vinh hoa 25882", "state": "self_assessed", "cls": "khá", "changed": False}


def row_of_header(index: str) -> str:
    return re.search(r"<thead>(.*?)</thead>", index, re.S).group(1)
