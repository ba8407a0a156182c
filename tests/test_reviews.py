"""Review states in reviews.csv: transitions, refusals (exit 2, file unchanged), needs-review, the badge."""

from __future__ import annotations

import hashlib

import pytest

from dxnb import reviews
from dxnb.cli import main
from dxnb.dataset import load_dataset
from dxnb.errors import ParameterError, UnitNotFoundError
from dxnb.reviews import ReviewError, set_state, unit_status

VINH_HOA, AN_THAI = "25882", "25865"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def state(data, code=VINH_HOA, period="2024"):
    return unit_status(load_dataset(data), code, period).state


def change_plans(data, value="3"):
    obs = data / "observations.csv"
    text = obs.read_text(encoding="utf-8")
    old = f"{VINH_HOA},2024,plans_issued,14,"
    assert old in text
    obs.write_text(text.replace(old, f"{VINH_HOA},2024,plans_issued,{value},"), encoding="utf-8")


def test_cycle_and_needs_review(data_copy):
    assert state(data_copy) == reviews.SELF_ASSESSED and not (data_copy / reviews.FILE).exists()
    (record,) = set_state(data_copy, ["Vĩnh Hòa"], "2024", "reviewed", "Nguyễn Văn A", "đủ minh chứng")
    assert record.unit_code == VINH_HOA and record.by == "Nguyễn Văn A" and len(record.fingerprint) == 64
    assert state(data_copy) == reviews.REVIEWED and state(data_copy, AN_THAI) == reviews.SELF_ASSESSED
    set_state(data_copy, [VINH_HOA], "2024", "approved", "Hội đồng tỉnh")
    status = unit_status(load_dataset(data_copy), VINH_HOA, "2024")
    assert status.state == reviews.APPROVED and not status.draft and status.last.by == "Hội đồng tỉnh"
    header = (data_copy / reviews.FILE).read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(reviews.COLUMNS)
    change_plans(data_copy)
    status = unit_status(load_dataset(data_copy), VINH_HOA, "2024")
    assert status.state == reviews.NEEDS_REVIEW and status.draft
    assert [(c.indicator, c.old_value, c.new_value) for c in status.changes.indicators] == [("plans_issued", 14, 3)]
    with pytest.raises(ReviewError, match="next: reviewed"):  # approve again only after a new review
        set_state(data_copy, [VINH_HOA], "2024", "approved", "Hội đồng tỉnh")
    set_state(data_copy, [VINH_HOA], "2024", "reviewed", "Nguyễn Văn A")
    assert state(data_copy) == reviews.REVIEWED
    set_state(data_copy, [VINH_HOA], "2024", "self_assessed", "Nguyễn Văn A", "trả lại xã")  # a step back is fine
    assert state(data_copy) == reviews.SELF_ASSESSED


def test_many_units_all_and_force(data_copy, capsys):
    assert main(["review", "--all", "--period", "2024", "--state", "reviewed", "--by", "Sở KH&CN",
                 "--data", str(data_copy), "--lang", "vi"]) == 0  # fmt: skip
    assert "Đã ghi 11 đơn vị sang “đã thẩm định” năm 2024" in capsys.readouterr().out
    ds = load_dataset(data_copy)
    assert {s.state for s in reviews.statuses(ds, "2024").values()} == {reviews.REVIEWED}
    assert reviews.statuses(ds, "2023")[VINH_HOA].state == reviews.SELF_ASSESSED  # per period
    assert (
        main(
            [
                "review",
                VINH_HOA,
                AN_THAI,
                "--period",
                "2023",
                "--state",
                "approved",
                "--by",
                "Hội đồng",
                "--force",
                "--reason",
                "hội đồng họp ngày 5/3",
                "--data",
                str(data_copy),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    assert "Recorded 2 units as “approved” for 2023" in capsys.readouterr().out
    last = reviews.statuses(load_dataset(data_copy), "2023")[AN_THAI].last
    assert last.state == "approved" and last.note == "[--force: hội đồng họp ngày 5/3]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99999", "--state", "reviewed", "--by", "A"], "99999"),
        (["Vĩnh Hòa", "--period", "2031", "--state", "reviewed", "--by", "A"], "No data for period 2031"),
        (["Vĩnh Hòa", "--state", "done", "--by", "A"], "'done' is not a review state"),
        (["Vĩnh Hòa", "--state", "approved", "--by", "A"], "cannot become approved (next: reviewed)"),
        (["Vĩnh Hòa", "--state", "reviewed", "--by", "  "], "reviewer's name is empty"),
        (["Vĩnh Hòa", "--state", "approved", "--by", "A", "--force"], "--force needs --reason"),
        (["Vĩnh Hòa", "--state", "reviewed", "--by", "A", "--reason", "x"], "--reason goes with --force"),
        (["--all", "Vĩnh Hòa", "--state", "reviewed", "--by", "A"], "--all records every unit"),
    ],
)
def test_bad_input_exit_2_file_unchanged(data_copy, capsys, args, message):
    set_state(data_copy, [AN_THAI], "2024", "reviewed", "B")
    before = digest(data_copy / reviews.FILE)
    argv = ["review", *args, "--data", str(data_copy)]
    if "--period" not in args:
        argv += ["--period", "2024"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert digest(data_copy / reviews.FILE) == before


def test_one_refused_unit_refuses_all(data_copy):
    set_state(data_copy, [AN_THAI], "2024", "reviewed", "B")
    before = digest(data_copy / reviews.FILE)
    with pytest.raises(ReviewError) as caught:
        set_state(data_copy, [AN_THAI, VINH_HOA], "2024", "approved", "C")
    assert len(caught.value.problems) == 1 and VINH_HOA in str(caught.value)
    assert digest(data_copy / reviews.FILE) == before
    with pytest.raises(UnitNotFoundError):
        set_state(data_copy, ["Không Có"], "2024", "reviewed", "C")
    with pytest.raises(ParameterError, match="name the units"):
        set_state(data_copy, [], "2024", "reviewed", "C")


GOOD = f"{VINH_HOA},2024,reviewed,A,2026-03-01T09:30:00+00:00,,{'a' * 64},"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unit_code,period,state,by,at,note\n", "reviews.csv:1: fingerprint: the column is missing"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD.replace(VINH_HOA, '99999')}\n", "reviews.csv:2: unit_code: no unit"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD.replace('2024', '24')}\n", "reviews.csv:2: period: '24' is not"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD}\n{GOOD.replace('reviewed', 'ok')}\n", "reviews.csv:3: state: 'ok'"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD.replace(',A,', ',,')}\n", "reviews.csv:2: by: the reviewer's name"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD.replace('+00:00', '')}\n", "reviews.csv:2: at: "),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD.replace('a' * 64, 'abc')}\n", "reviews.csv:2: fingerprint: not a"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD}{{oops\n", "reviews.csv:2: results: not the JSON"),
        (f"{','.join(reviews.COLUMNS)}\n{GOOD},extra\n", "reviews.csv:2: the row has 9 cells"),
    ],
)
def test_hand_edited_file_refused(data_copy, capsys, text, expected):
    path = data_copy / reviews.FILE
    path.write_text(text, encoding="utf-8")
    before = digest(path)
    with pytest.raises(ReviewError, match="is invalid"):
        reviews.read_reviews(load_dataset(data_copy))
    assert main(["review", AN_THAI, "--period", "2024", "--state", "reviewed", "--by", "A",
                 "--data", str(data_copy)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert expected in err and " — " in err
    assert digest(path) == before


def test_hand_written_valid_rows_are_read(data_copy):
    path = data_copy / reviews.FILE
    path.write_text(f"{','.join(reviews.COLUMNS)}\r\n{GOOD}\r\n\r\n", encoding="utf-8-sig")
    (record,) = reviews.read_reviews(load_dataset(data_copy))
    assert record.row == 2 and record.state == "reviewed"
    assert state(data_copy) == reviews.NEEDS_REVIEW  # its fingerprint is not the unit's results
    assert unit_status(load_dataset(data_copy), VINH_HOA, "2024").changes is None  # no results kept: unknown
    set_state(data_copy, [VINH_HOA], "2024", "reviewed", "B")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfunit_code")  # existing bytes kept
    assert state(data_copy) == reviews.REVIEWED


def test_formula_like_names_are_inert(data_copy):
    set_state(data_copy, [VINH_HOA], "2024", "reviewed", "=HYPERLINK(1)", "+note")
    text = (data_copy / reviews.FILE).read_text(encoding="utf-8")
    assert ",=HYPERLINK" not in text and ",+note" not in text


def test_badge(data_copy):
    ds = load_dataset(data_copy)
    draft = reviews.report_badge(ds, VINH_HOA, "2024", "vi")
    assert "DỰ THẢO" in draft and "tự đánh giá" in draft and 'role="status"' in draft
    set_state(data_copy, [VINH_HOA], "2024", "reviewed", "Nguyễn A")
    set_state(data_copy, [VINH_HOA], "2024", "approved", "Hội đồng <i>tỉnh</i>", "thông qua")
    approved = reviews.report_badge(load_dataset(data_copy), VINH_HOA, "2024", "en")
    assert "APPROVED" in approved and "DRAFT" not in approved and "thông qua" in approved
    assert "Hội đồng &lt;i&gt;tỉnh&lt;/i&gt;" in approved and "<i>" not in approved  # escaped
    change_plans(data_copy)
    again = reviews.report_badge(load_dataset(data_copy), VINH_HOA, "2024", "vi")
    assert "DỰ THẢO" in again and "cần xem lại" in again and "14 kế hoạch → 3 kế hoạch" in again
    reviewed = reviews.review_badge(reviews.Status(VINH_HOA, "2024", "reviewed", None, ""), "vi")
    assert "đã thẩm định" in reviewed and "DỰ THẢO" in reviewed


def test_report_header_shows_the_state(data_copy):
    from dxnb.report import CommuneReport

    header = CommuneReport.build(VINH_HOA, "2024", data_copy).header()
    assert "DỰ THẢO" in header
    set_state(data_copy, [VINH_HOA], "2024", "reviewed", "A")
    set_state(data_copy, [VINH_HOA], "2024", "approved", "B")
    header = CommuneReport.build(VINH_HOA, "2024", data_copy).header()
    assert "ĐÃ PHÊ DUYỆT" in header and "DỰ THẢO" not in header


def test_reports_refuse_an_invalid_reviews_file_before_any_kernel(data_copy, tmp_path, capsys):
    (data_copy / reviews.FILE).write_text("unit_code,period,state\n25882,2024,ok\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["reports", "--data", str(data_copy), "--units", VINH_HOA, "--period", "2024", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "reviews.csv:1: by: the column is missing" in err and "Traceback" not in err
    assert not list(out.glob("2024/*.html"))
