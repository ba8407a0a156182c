"""Report wording: every text exists in both languages, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from dxnb.errors import ParameterError
from dxnb.i18n import TEXT, check_lang, t, unit_name


def test_every_text_has_both_languages_with_the_same_fields():
    for key, texts in TEXT.items():
        assert set(texts) == {"vi", "en"}, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in ("vi", "en")]
        assert fields[0] == fields[1], key


def test_unit_names_and_lang():
    assert unit_name("Vĩnh Hòa", "xã", "vi", capital=True) == "Xã Vĩnh Hòa"
    assert unit_name("Phước Vĩnh", "thị trấn", "en") == "Phước Vĩnh township"
    assert t("met", "vi") == "Đạt"
    with pytest.raises(ParameterError, match="lang must be one of vi, en"):
        check_lang("fr")
