"""The validated-dataset cache: a hit skips validation, any change of any file is a miss, never stale."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from dxnb import dataset as dataset_module
from dxnb.dataset import cache_root, check_dataset, load_dataset
from dxnb.errors import DataError, ParameterError
from dxnb.evaluate import evaluate_unit
from dxnb.synthetic import generate_dataset


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("DXNB_CACHE_DIR", str(folder))
    return folder


def _entries(cache):
    folder = cache / "datasets"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def _no_validation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(dataset_module, "_check", refuse)


def test_second_load_comes_from_the_cache_and_is_identical(cache, data_copy, monkeypatch):
    first = load_dataset(data_copy)
    assert cache_root() == cache and len(_entries(cache)) == 1
    _no_validation(monkeypatch)
    second = load_dataset(data_copy)
    pd.testing.assert_frame_equal(first.observations, second.observations)
    pd.testing.assert_frame_equal(first.units, second.units)
    pd.testing.assert_frame_equal(first.notes, second.notes)
    assert first.catalogue.indicators == second.catalogue.indicators
    assert first.hashes == second.hashes and second.path == data_copy and second.scope is None


@pytest.mark.parametrize("name", ["units.csv", "indicators.csv", "observations.csv", "notes.csv", "pillars.csv"])
def test_any_change_of_any_file_is_seen_even_with_the_same_size_and_time(cache, data_copy, name):
    load_dataset(data_copy)
    path = data_copy / name
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    if name == "observations.csv":
        changed = text.replace("25882,2024,plans_issued,14,", "25882,2024,plans_issued,15,")
    elif name == "units.csv":
        changed = text.replace("Vĩnh Hòa,xã", "Vĩnh Hoà,xã")  # NFC tone placement: same length in bytes
    else:  # a letter of a text field, same length
        changed = text.replace("ố", "ồ", 1)
    assert changed != text and len(changed.encode()) == len(text.encode())
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    reloaded = load_dataset(data_copy)
    expected, _ = check_dataset(data_copy)
    pd.testing.assert_frame_equal(reloaded.observations, expected.observations)
    pd.testing.assert_frame_equal(reloaded.units, expected.units)
    assert reloaded.hashes == expected.hashes
    assert len(_entries(cache)) == 2


def test_a_change_that_breaks_the_data_is_refused_every_time(cache, data_copy):
    load_dataset(data_copy)
    with open(data_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write("25882,2024,plans_issued,abc,x,,\n")
    for _ in range(2):
        with pytest.raises(DataError, match=r"observations\.csv"):
            load_dataset(data_copy)
    assert len(_entries(cache)) == 1


def test_a_damaged_entry_is_validated_again(cache, data_copy):
    load_dataset(data_copy)
    (entry,) = _entries(cache)
    (cache / "datasets" / entry / "head.pkl").write_bytes(b"not a pickle")
    assert len(load_dataset(data_copy).units) == 15


def test_cache_can_be_turned_off(tmp_path, data_copy, monkeypatch):
    monkeypatch.setenv("DXNB_CACHE_DIR", "off")
    assert cache_root() is None
    assert len(load_dataset(data_copy).units) == 15


def test_old_entries_are_pruned(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(dataset_module, "CACHE_KEEP", 2)
    for seed in range(4):
        load_dataset(generate_dataset(5, tmp_path / f"d{seed}", seed=seed))
    assert len(_entries(cache)) == 2


@pytest.fixture(scope="module")
def two_provinces(tmp_path_factory):
    return generate_dataset(250, tmp_path_factory.mktemp("two") / "data", seed=4)


@pytest.mark.parametrize("cached", [False, True])
def test_loading_for_one_unit_keeps_its_peer_group_only(two_provinces, cache, cached):
    if cached:
        load_dataset(two_provinces)
    whole = load_dataset(two_provinces)
    assert whole.units["province"].nunique() >= 2
    code = whole.units.index[-1]
    part = load_dataset(two_provinces, units=[code])
    province = whole.units.at[code, "province"]
    same = set(whole.units.index[whole.units["province"] == province])
    assert part.scope == same
    assert set(part.observations["unit_code"]) <= same
    assert len(part.units) == len(whole.units)  # names and codes of every unit are still there
    period = whole.periods[-1]
    a, b = evaluate_unit(whole, code, period), evaluate_unit(part, code, period)
    pd.testing.assert_frame_equal(a.indicators, b.indicators)
    pd.testing.assert_frame_equal(a.peers, b.peers)
    pd.testing.assert_frame_equal(a.trend, b.trend)
    assert (a.rank, a.group_size) == (b.rank, b.group_size)
    other = next(c for c in whole.units.index if c not in same)
    with pytest.raises(ParameterError, match="load it whole"):
        evaluate_unit(part, other, period)


def test_unknown_unit_loads_no_observations(cache, data_copy):
    part = load_dataset(data_copy, units=["99999"])
    assert part.scope == frozenset() and part.observations.empty


# --------------------------------------------------------------------------- the package's fingerprint


@pytest.fixture()
def package_copy(tmp_path, monkeypatch):
    """A throw-away copy of a few package files, with the fingerprint pointed at it."""
    from dxnb import version

    package = tmp_path / "dxnb"
    (package / "templates").mkdir(parents=True)
    (package / "scoring.py").write_text("POINTS = 1\n", encoding="utf-8")
    (package / "templates" / "report.css").write_text("p {}\n", encoding="utf-8")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "scoring.cpython-311.pyc").write_bytes(b"\0")
    contract = tmp_path / "README.md"
    contract.write_text("# contract\n", encoding="utf-8")
    monkeypatch.setattr(version, "PACKAGE_DIR", package)
    monkeypatch.setattr(version, "CONTRACT_FILES", (contract,))
    monkeypatch.setattr(version, "_memo", {"stats": None, "digest": ""})
    return package, contract


def test_package_fingerprint_covers_every_file_of_the_package_and_the_contract(package_copy):
    from dxnb import version

    package, contract = package_copy
    assert [version._name(p) for p in version.package_files()] == [
        "contract/README.md",
        "scoring.py",
        "templates/report.css",
    ]  # compiled files are left out
    seen = {version.package_fingerprint()}
    assert version.package_fingerprint() in seen  # stable while nothing changes
    # each change also changes the size: two writes within one tick of the file system's clock share a time
    for path, text in ((package / "scoring.py", "POINTS = 22\n"), (package / "templates" / "report.css", "b, i {}\n")):
        path.write_text(text, encoding="utf-8")
        seen.add(version.package_fingerprint())
    contract.write_text("# contract, changed\n", encoding="utf-8")
    seen.add(version.package_fingerprint())
    (package / "units.py").write_text("", encoding="utf-8")  # a new module
    seen.add(version.package_fingerprint())
    assert len(seen) == 5


def test_the_dataset_cache_misses_after_any_change_of_the_package(cache, data_copy, package_copy):
    package, _ = package_copy
    load_dataset(data_copy)
    (package / "scoring.py").write_text("POINTS = 333\n", encoding="utf-8")
    load_dataset(data_copy)
    assert len(_entries(cache)) == 2


def test_the_batch_can_key_on_the_same_fingerprint():
    from dxnb import datacache, version

    assert datacache.package_fingerprint is version.package_fingerprint
    assert len(datacache.package_fingerprint()) == 64


def test_the_cached_warnings_are_worded_in_the_language_that_reads_them(cache, data_copy, monkeypatch):
    from dxnb.i18n import reset_language, set_language

    units = data_copy / "units.csv"
    units.write_text(units.read_text(encoding="utf-8").replace(",17200,12380,", ",17200,99999,", 1), encoding="utf-8")
    english = load_dataset(data_copy)
    assert any("adult population 99999 is above the population 17200" in str(w) for w in english.warnings)
    token = set_language("vi")
    try:
        vietnamese = [str(w) for w in load_dataset(data_copy).warnings]  # worded now, in Vietnamese
    finally:
        reset_language(token)
    assert len(_entries(cache)) == 2, "one entry per language"
    assert any("cảnh báo: dân số trưởng thành 99999 lớn hơn dân số 17200" in w for w in vietnamese), vietnamese
    _no_validation(monkeypatch)
    assert [str(w) for w in load_dataset(data_copy).warnings] == [str(w) for w in english.warnings]


def _aged(folder, seconds=60):
    """Make every file of ``folder`` look written ``seconds`` ago (a token trusts no file that is just written)."""
    for path in folder.iterdir():
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))


def test_kernels_trust_the_drivers_hashes_while_the_files_are_unchanged(cache, data_copy, monkeypatch):
    from dxnb import datacache
    from dxnb.dataset import FILES

    _aged(data_copy)
    whole = load_dataset(data_copy)
    token = datacache.trust_token(data_copy, list(whole.hashes), whole.hashes)
    assert token is not None
    monkeypatch.setenv(datacache.TRUST_VARIABLE, token)
    reads = []
    real_read = dataset_module._read_bytes
    monkeypatch.setattr(dataset_module, "_read_bytes", lambda folder: reads.append(folder) or real_read(folder))
    code = whole.units.index[0]
    trusted = load_dataset(data_copy, units=[code])
    assert not reads and trusted.hashes == whole.hashes and trusted.scope  # nothing read or hashed
    # a file written again (same size; here even the same bytes): its time changed, so it is read and hashed
    obs = data_copy / "observations.csv"
    obs.write_bytes(obs.read_bytes())
    again = load_dataset(data_copy, units=[code])
    assert reads and again.hashes == whole.hashes
    # another folder with the same files is not covered by the token
    assert datacache.trusted_hashes(data_copy.parent, FILES) is None


def test_no_token_for_files_just_written_or_content_it_has_not_seen(data_copy):
    from dxnb import datacache
    from dxnb.dataset import FILES

    hashes = check_dataset(data_copy)[0].hashes
    assert datacache.trust_token(data_copy, FILES, hashes) is None  # written a moment ago
    _aged(data_copy)
    assert datacache.trust_token(data_copy, FILES, {**hashes, "units.csv": "0" * 64}) is None
    assert datacache.trust_token(data_copy, [*FILES, "missing.csv"], hashes) is None
    assert datacache.trust_token(data_copy, FILES, hashes) is not None
