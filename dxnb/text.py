"""Vietnamese text: name matching across Unicode forms and tone placement, sorting, slugs."""

from __future__ import annotations

import functools
import re
import unicodedata

# Tone marks as combining characters (after NFD): grave, acute, hook above, tilde, dot below.
_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_KIND_PREFIXES = ("thị trấn", "phường", "xã", "đặc khu", "thi tran", "phuong", "xa", "dac khu")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Keys and names computed per distinct text, once per process: a dataset repeats the same few
#: thousand place names over its rows (bounded, so any input keeps memory bounded).
_MEMO_SIZE = 16_384


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC form."""
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _syllable_key(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable.casefold())
    tone = ""
    letters = []
    for char in decomposed:
        if char in _TONES:
            tone = _TONES[char]
        else:
            letters.append(char)
    return unicodedata.normalize("NFC", "".join(letters)) + tone


def name_key(name: str, *, drop_kind: bool = True) -> str:
    """Return a matching key for a Vietnamese place name.

    The key is the same for NFC and NFD input, for old and new tone-mark placement
    ("Vĩnh Hoà" and "Vĩnh Hòa"), for any letter case and spacing, and (by default) with or
    without the unit kind in front ("Xã Vĩnh Hòa").
    """
    return _name_key(str(name), drop_kind)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _name_key(name: str, drop_kind: bool) -> str:
    text = nfc(name).strip().casefold()
    text = re.sub(r"\s+", " ", text)
    if drop_kind:
        for prefix in _KIND_PREFIXES:
            if text.startswith(prefix + " "):
                text = text[len(prefix) + 1 :]
                break
    # Tone is stored after the letters of each syllable, so placement does not matter.
    return " ".join(_syllable_key(word) for word in _WORD.findall(text))


def ascii_fold(text: str) -> str:
    """Return ``text`` without diacritics ("Vĩnh Hòa" -> "Vinh Hoa"; "đ" -> "d")."""
    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """Return an ASCII file-name slug ("Vĩnh Hòa" -> "vinh-hoa")."""
    folded = ascii_fold(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "unit"


_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}


def vi_sort_key(text: str) -> tuple:
    """Sort key in Vietnamese alphabetical order (a ă â b c d đ e ê …), tones as a tie-break."""
    primary = []
    tones = []
    for word in nfc(str(text)).casefold().split():
        decomposed = unicodedata.normalize("NFD", word)
        base = []
        tone = 0
        for char in decomposed:
            if char in _TONES:
                tone = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}[char]
            else:
                base.append(char)
        letters = unicodedata.normalize("NFC", "".join(base))
        primary.append(tuple(_ORDER.get(ch, 100 + ord(ch)) for ch in letters))
        tones.append(tone)
    return (tuple(primary), tuple(tones))


def ascii_key(name: str, *, drop_kind: bool = True) -> str:
    """Return a matching key for a Vietnamese place name without its diacritics.

    Like :func:`name_key` (any Unicode form, letter case and spacing; by default without the unit kind in
    front), but "Vĩnh Hòa", "Vĩnh Hóa" and "vinh hoa" all give "vinh hoa": use it only after an exact
    :func:`name_key` match failed, and treat several matches as ambiguous.
    """
    text = re.sub(r"\s+", " ", nfc(str(name)).strip().casefold())
    if drop_kind:
        for prefix in _KIND_PREFIXES:
            if text.startswith(prefix + " "):
                text = text[len(prefix) + 1 :]
                break
    return " ".join(_WORD.findall(ascii_fold(text)))


# --- place names (district, province)
#: Words that name a place's kind in front of its name, longest first ("thành phố" before "tp"), with and
#: without diacritics (people type "tinh Binh Duong").
PLACE_PREFIXES = tuple(
    sorted(
        ("tỉnh", "thành phố", "tp.", "tp", "huyện", "quận", "thị xã", "tinh", "thanh pho", "huyen", "quan", "thi xa"),
        key=len,
        reverse=True,
    )
)


def place_name(text: object) -> str:
    """Return a district or province name as written without its administrative word.

    "Huyện  Phú Giáo" (any case or Unicode form) becomes "Phú Giáo": NFC, spaces collapsed, a leading
    "huyện", "quận", "thị xã", "thành phố", "tỉnh" or "TP." dropped when a name (not a number) follows it.
    """
    return _place_name(str(text))


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _place_name(text: str) -> str:
    clean = re.sub(r"\s+", " ", nfc(text)).strip()
    for prefix in PLACE_PREFIXES:
        if clean[: len(prefix)].casefold() == prefix and len(clean) > len(prefix):
            rest = clean[len(prefix) :]
            if prefix.endswith(".") or rest[0] == " ":
                rest = rest.strip()
                # "Quận 1" keeps its word: the number alone names nothing.
                if rest and not rest.isdecimal():
                    return rest
    return clean


def place_key(text: object) -> str:
    """Matching key of a district or province: equal for equal places however written.

    The same across Unicode forms, tone-mark placement, letter case and spacing, and with or without the
    kind in front ("huyện Phú Giáo", "Tỉnh Bình Dương", "TP. Hồ Chí Minh").
    """
    return _place_key(str(text or ""))


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _place_key(text: str) -> str:
    return _name_key(_place_name(text).casefold(), False)


def has_place_kind(name: object) -> bool:
    """Whether a place name starts with its kind ("huyện Phú Giáo", "TP. Hồ Chí Minh")."""
    return place_name(name) != re.sub(r"\s+", " ", nfc(str(name))).strip()


def stripped(column):
    """``column.str.strip()`` of a pandas Series of text, four times faster (no per-cell dispatch of pandas).

    Data files are read as text and their key columns stripped many times over (checks, keys, frames).
    """
    import pandas as pd  # text.py stays free of pandas for its other, scalar helpers

    try:
        return pd.Series([v.strip() for v in column.tolist()], index=column.index, dtype=object, name=column.name)
    except AttributeError:  # not all text (NaN, numbers): as pandas does it
        return column.str.strip()
