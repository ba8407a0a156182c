"""Report wording: the gettext catalogues match the code, both languages, same placeholders, fresh .mo files."""

from __future__ import annotations

import contextvars
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from dxnb import i18n
from dxnb.errors import ParameterError
from dxnb.i18n import (
    LOCALE_DIR,
    MissingTextError,
    check_lang,
    get_language,
    has_text,
    reset_language,
    set_language,
    t,
    tn,
    unit_name,
)
from dxnb.i18n_tools import (
    CATALOGUE_LANGS,
    KEYWORDS,
    METHOD_MAP,
    add_message,
    compiled,
    extract_keys,
    fields,
    import_text_dict,
    main,
    po_path,
    read_catalogue,
)
from dxnb.paths import PROJECT_ROOT

PACKAGE = Path(i18n.__file__).resolve().parent


@pytest.fixture(scope="module")
def used() -> dict[str, bool]:
    return extract_keys(PACKAGE)


@pytest.fixture(scope="module")
def catalogues():
    return {lang: read_catalogue(po_path(lang)) for lang in CATALOGUE_LANGS}


def _entries(catalog) -> dict[str, object]:
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def test_every_key_the_code_uses_is_in_both_catalogues(used, catalogues):
    assert len(used) > 200
    for lang, catalog in catalogues.items():
        entries = _entries(catalog)
        missing = sorted(set(used) - set(entries))
        assert not missing, f"{po_path(lang)} lacks {missing}: add them with python -m dxnb.i18n_tools add"
        empty = sorted(k for k in used if not all(_forms(entries[k])))
        assert not empty, f"{po_path(lang)} has no text for {empty}"
        wrong = sorted(k for k, plural in used.items() if plural != entries[k].pluralizable)
        assert not wrong, f"{po_path(lang)}: read with tn() iff plural: {wrong}"


def test_no_stale_entry(used, catalogues):
    for lang, catalog in catalogues.items():
        stale = sorted(set(_entries(catalog)) - set(used))
        assert not stale, f"{po_path(lang)} has entries nothing uses: {stale} (run make i18n)"
        assert not [m.id for m in catalog if m.fuzzy and m.id], f"{po_path(lang)} has fuzzy entries"


def test_pot_extracted_afresh_matches_the_committed_template(tmp_path):
    """Extract with Babel's own API and the project's babel.cfg, as make i18n does, into tmp_path."""
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    fresh = {}
    for _, _, message, _, _ in extract_from_dir(PROJECT_ROOT, method_map, options_map, keywords=KEYWORDS):
        fresh[message if isinstance(message, str) else message[0]] = not isinstance(message, str)
    (tmp_path / "keys.txt").write_text("\n".join(sorted(fresh)), encoding="utf-8")
    assert fresh == extract_keys(PACKAGE)
    assert [p for p, _ in METHOD_MAP] == ["**.py"]
    template = _entries(read_catalogue(LOCALE_DIR / "dxnb.pot"))
    assert {k: m.pluralizable for k, m in template.items()} == fresh, "dxnb.pot is stale: run make i18n"


def test_each_message_has_the_same_placeholders_in_every_language_and_form(catalogues):
    vi, en = (_entries(catalogues[lang]) for lang in ("vi", "en"))
    for key, message in vi.items():
        expected = fields(_forms(message)[0])
        for form in [*_forms(message), *_forms(en[key])]:
            assert fields(form) == expected, key


def test_plural_forms_per_language(catalogues):
    assert catalogues["vi"].num_plurals == 1
    assert catalogues["en"].num_plurals == 2


def test_committed_mo_files_are_compiled_from_their_po():
    for lang in CATALOGUE_LANGS:
        path = po_path(lang)
        assert path.with_suffix(".mo").read_bytes() == compiled(path), f"{path.with_suffix('.mo')} is stale: make mo"


def test_t_reads_the_catalogues_and_fills_values():
    assert t("met", "vi") == "Đạt"
    assert t("met", "en") == "Met"
    assert t("title", "en", kind_name="Report", period="2024") == "Report — 2024"
    assert t("title", "vi", kind_name="Báo cáo", period="năm 2024") == "Báo cáo — năm 2024"
    assert unit_name("Vĩnh Hòa", "xã", "vi", capital=True) == "Xã Vĩnh Hòa"
    assert unit_name("Phước Vĩnh", "thị trấn", "en") == "Phước Vĩnh township"
    assert unit_name("Côn Đảo", "không rõ", "en") == "Côn Đảo"
    assert has_text("flag_no_data") and not has_text("flag_nothing")


def test_unknown_keys_and_wrong_function_are_clear_errors():
    with pytest.raises(MissingTextError, match=r"no message 'no_such_key' in .*vi.*dxnb\.po.*i18n_tools add"):
        t("no_such_key", "vi")
    with pytest.raises(MissingTextError, match="read it with tn"):
        t("rec_missing", "en")
    with pytest.raises(MissingTextError, match="read it with t"):
        tn("met", 2, "en")
    with pytest.raises(ParameterError, match="lang must be one of vi, en"):
        check_lang("fr")
    with pytest.raises(ParameterError, match="lang must be one of vi, en"):
        t("met", "fr")


def test_plurals():
    assert tn("rec_missing", 1, "en").startswith("Collect the figures and evidence for the 1 indicator without data")
    assert tn("rec_missing", 3, "en").startswith("Collect the figures and evidence for the 3 indicators without data")
    assert "3 chỉ tiêu" in tn("rec_missing", 3, "vi")
    assert tn("all_provinces", 1, "en") == "1 province"
    assert tn("all_provinces", 1200, "en", n="1,200") == "1,200 provinces"
    assert tn("all_provinces", 1200, "vi", n="1.200") == "1.200 tỉnh, thành phố"
    assert tn("all_provinces", 1200, "vi") == "1.200 tỉnh, thành phố"  # the count in the language's style
    assert tn("all_provinces", 1200, "en") == "1,200 provinces"
    assert tn("missing_count", 1, "en", name="A", n="1") == "A (1 unit)"


def _in_fresh_context(func):
    return contextvars.copy_context().run(func)


def test_current_language(monkeypatch):
    for name in ("DXNB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert _in_fresh_context(get_language) == "vi"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert _in_fresh_context(get_language) == "en"
    monkeypatch.setenv("LC_ALL", "vi_VN.UTF-8")  # LC_ALL wins over LANG
    assert _in_fresh_context(get_language) == "vi"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # a locale that is no report language
    assert _in_fresh_context(get_language) == "vi"
    monkeypatch.setenv("DXNB_LANG", "en")
    assert _in_fresh_context(get_language) == "en"
    monkeypatch.setenv("DXNB_LANG", "fr")
    with pytest.raises(ParameterError, match="DXNB_LANG phải là một trong vi, en"):  # LC_ALL is Vietnamese
        _in_fresh_context(get_language)
    monkeypatch.setenv("DXNB_LANG", "vi")

    def chosen():
        token = set_language("en")
        inside = (get_language(), t("met"), tn("all_provinces", 2), unit_name("Vĩnh Hòa", "xã"))
        reset_language(token)
        return inside, get_language()

    assert _in_fresh_context(chosen) == (("en", "Met", "2 provinces", "Vĩnh Hòa commune"), "vi")
    with pytest.raises(ParameterError):
        set_language("fr")


@pytest.fixture
def locale_copy(tmp_path):
    for lang in CATALOGUE_LANGS:
        target = po_path(lang, tmp_path)
        target.parent.mkdir(parents=True)
        target.write_bytes(po_path(lang).read_bytes())
    return tmp_path


def test_add_message(locale_copy):
    assert add_message("zz_new", "Mới {x}", "New {x}", locale_dir=locale_copy)
    assert not add_message("zz_new", "Mới {x}", "New {x}", locale_dir=locale_copy)
    with pytest.raises(ValueError, match="other wording"):
        add_message("zz_new", "Khác {x}", "Other {x}", locale_dir=locale_copy)
    with pytest.raises(ValueError, match="placeholders differ"):
        add_message("zz_bad", "Mới {x}", "New {y}", locale_dir=locale_copy)
    assert add_message("zz_rows", "Còn {n} dòng", "{n} row", en_plural="{n} rows", locale_dir=locale_copy)
    vi, en = (_entries(read_catalogue(po_path(lang, locale_copy))) for lang in ("vi", "en"))
    assert vi["zz_new"].string == "Mới {x}" and en["zz_new"].string == "New {x}"
    assert en["zz_rows"].string == ("{n} row", "{n} rows") and vi["zz_rows"].string == ("Còn {n} dòng",)
    assert set(vi) - {"zz_new", "zz_rows"} == set(_entries(read_catalogue(po_path("vi"))))


def test_import_text_dict(locale_copy, tmp_path):
    old = tmp_path / "old_i18n.py"
    old.write_text(
        "TEXT: dict[str, dict[str, str]] = {\n"
        '    "met": {"vi": "Đạt", "en": "Met"},\n'
        '    "zz_before": {"vi": "Cũ", "en": "Old"},\n'
        '    "rec_missing": {"vi": "Bổ sung số liệu và minh chứng cho {n} chỉ tiêu chưa có số liệu '
        '(xem mục Chất lượng số liệu).", "en": "Collect the figures and evidence for the {n} indicators without data '
        '(see Data quality)."},\n'
        "    # --- added by someone ---\n"
        '    "zz_added": {"vi": "Thêm {n} dòng, "\n'
        '                       "nối tiếp", "en": "Added {n} rows, continued"},\n'
        "}  # fmt: skip\n",
        encoding="utf-8",
    )
    assert import_text_dict(old, locale_dir=locale_copy) == ["zz_added"]  # only the "added by" block
    assert import_text_dict(old, added_only=False, locale_dir=locale_copy) == ["zz_before"]  # plural: same vi
    assert import_text_dict(old, locale_dir=locale_copy) == []
    vi = _entries(read_catalogue(po_path("vi", locale_copy)))
    assert vi["zz_added"].string == "Thêm {n} dòng, nối tiếp"
    old.write_text('TEXT = {"met": {"vi": "Đạt rồi", "en": "Met"}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"other wording.*met"):
        import_text_dict(old, locale_dir=locale_copy)
    assert import_text_dict(old, replace=True, locale_dir=locale_copy) == ["met"]


def test_tool_command_line_errors_exit_2(tmp_path, capsys):
    assert main(["import-text", str(tmp_path / "missing.py")]) == 2
    assert "error:" in capsys.readouterr().err


def test_makefile_extracts_with_the_same_keywords():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    flags = " ".join(
        f"-k {name}" + (":" + ",".join(map(str, spec)) if spec != (1,) else "") for name, spec in KEYWORDS.items()
    )
    assert f"--no-default-keywords {flags} " in makefile
