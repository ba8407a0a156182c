"""Reading numbers typed by people: one strict convention for files, Vietnamese habits in forms.

Data files use one unambiguous convention: a point for decimals and no thousands separator
(``92.4``, ``1083``). Forms typed in Excel may carry Vietnamese habits (``92,4``, ``1.083``);
``lenient=True`` reads those the way the user meant them and refuses what stays ambiguous.

Surveys state some figures as bounds or estimates ("hơn 640 lượt", "khoảng 60%"): :func:`split_qualifier`
separates the words from the number and names the qualifier ``observations.csv`` keeps (``lower_bound``,
``estimate``; see ``data/README.md``).
"""

from __future__ import annotations

import math
import re
import unicodedata

from .i18n import t

# re.ASCII: \d is 0-9 only, not fullwidth or other-script digits ("２５", "٢٤"), which float() would accept.
_PLAIN = re.compile(r"^[+-]?\d+(\.\d+)?$", re.ASCII)
_DOT_GROUPS = re.compile(r"^\d{1,3}(\.\d{3})+$", re.ASCII)  # 1.083 / 1.083.000
_COMMA_GROUPS = re.compile(r"^\d{1,3}(,\d{3})+$", re.ASCII)  # 1,083
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$", re.ASCII)  # 92,4
_SPACE_GROUPS = re.compile(r"^\d{1,3}( \d{3})+$", re.ASCII)  # 1 083
#: The largest magnitude accepted: beyond it a number is a typing accident (and may not fit a float).
MAX_MAGNITUDE = 1e15

#: The qualifiers of ``observations.csv`` (its ``qualifier`` column), and the words or signs that state them in
#: a form, without diacritics (people type "hon 640" too), longest first so that "it nhat" wins over "it".
LOWER_BOUND, ESTIMATE = "lower_bound", "estimate"
_QUALIFIER_WORDS = {
    LOWER_BOUND: ("hon", "tren", "it nhat", "toi thieu", "khong duoi", "khong it hon", "more than", "over",
                  "at least", "above", ">=", ">", "≥"),
    ESTIMATE: ("khoang", "uoc tinh", "uoc", "xap xi", "gan", "chung", "tam", "du kien", "about", "around",
               "approximately", "approx.", "approx", "nearly", "almost", "~", "≈", "±"),
}  # fmt: skip
#: Words of an upper bound ("dưới 5"): dxnb keeps no such qualifier, as a bound from above earns no points.
_UPPER_BOUND_WORDS = ("duoi", "chua den", "chua toi", "khong qua", "toi da", "less than", "under", "at most",
                      "<=", "<", "≤")  # fmt: skip
_PREFIXES = sorted(
    [(word, q) for q, words in _QUALIFIER_WORDS.items() for word in words] + [(w, "upper") for w in _UPPER_BOUND_WORDS],
    key=lambda item: len(item[0]),
    reverse=True,
)


class ValueProblem(ValueError):
    """A raw value that cannot be read; ``hint`` says how to write it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode digit ("２", "٢", "²") replaced by its ASCII digit."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)


def parse_number(raw: object, *, whole: bool = False, lenient: bool = False) -> float:
    """Read one number; raise :class:`ValueProblem` with the number probably meant.

    Only ASCII digits are digits, and a number must be finite and at most ``MAX_MAGNITUDE``.

    Args:
        raw: the cell as read (text, or a number from Excel).
        whole: whether the value is a count (must be a whole number).
        lenient: accept Vietnamese separators where the meaning is clear (forms).
    """
    value = _parse_number(raw, whole=whole, lenient=lenient)
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        shown = str(raw).strip()
        shown = shown if len(shown) <= 20 else t("val_long_text", start=shown[:12], n=len(shown))
        raise ValueProblem(t("val_out_of_range", text=shown), t("val_out_of_range_hint"))
    return value


def _parse_number(raw: object, *, whole: bool, lenient: bool) -> float:
    if isinstance(raw, bool):
        raise ValueProblem(t("val_not_a_number", text=raw), t("val_enter_a_number"))
    if isinstance(raw, (int, float)):
        value = float(raw)
        if math.isnan(value):
            raise ValueProblem(t("val_empty"), t("val_empty_hint"))
        return _check_whole(value, whole, str(raw))
    text = str(raw).replace("\u00a0", " ").strip()
    if not text:
        raise ValueProblem(t("val_empty"), t("val_empty_no_data_hint"))
    if lenient:
        text = text.rstrip("%").strip()
    if _PLAIN.match(text):
        if whole and _DOT_GROUPS.match(text):
            meant = text.replace(".", "")
            if lenient:
                return float(meant)
            raise ValueProblem(
                t("val_thousands_dot", text=text, meant=meant),
                t("val_no_separator_hint", meant=meant),
            )
        return _check_whole(float(text), whole, text)
    if _DECIMAL_COMMA.match(text) and not (_COMMA_GROUPS.match(text) and whole):
        meant = text.replace(",", ".")
        if whole:
            raise ValueProblem(
                t("val_decimal_comma_whole", text=text, meant=meant),
                t("val_whole_hint", example=round(float(meant))),
            )
        if lenient:
            return float(meant)
        raise ValueProblem(t("val_decimal_comma", text=text), t("val_decimal_point_hint", meant=meant))
    if _COMMA_GROUPS.match(text):
        meant = text.replace(",", "")
        if whole:
            if lenient:
                return float(meant)
            raise ValueProblem(t("val_thousands_comma", text=text), t("val_no_separator_hint", meant=meant))
        raise ValueProblem(
            t("val_ambiguous", text=text, meant=meant, other=text.replace(",", ".")),
            t("val_ambiguous_hint_form", meant=meant) if lenient else t("val_ambiguous_hint"),
        )
    if _SPACE_GROUPS.match(text):
        meant = text.replace(" ", "")
        if lenient:
            return _check_whole(float(meant), whole, text)
        raise ValueProblem(t("val_spaces", text=text), t("val_write", meant=meant))
    if any(c.isdigit() and not c.isascii() for c in text):
        raise ValueProblem(
            t("val_foreign_digits", text=text),
            t("val_foreign_digits_hint", meant=ascii_digits(text)),
        )
    if text.endswith("%") and _PLAIN.match(text[:-1].strip()):
        meant = text[:-1].strip()
        raise ValueProblem(t("val_percent_sign", text=text), t("val_percent_sign_hint", meant=meant))
    if lenient:  # a form: the Vietnamese convention first, as in the form's instructions
        raise ValueProblem(t("val_not_a_number", text=text), t("val_not_a_number_hint_form"))
    raise ValueProblem(t("val_not_a_number", text=text), t("val_not_a_number_hint"))


def _check_whole(value: float, whole: bool, text: str) -> float:
    if not math.isfinite(value):
        return value  # refused as out of range by parse_number
    if whole and not float(value).is_integer():
        raise ValueProblem(
            t("val_not_whole", text=text),
            t("val_whole_hint", example=_fmt(round(value))),
        )
    return value


def _fold(text: str) -> str:
    """Lower case without diacritics ("Hơn" -> "hon"; "đ" -> "d"), for matching the qualifier words."""
    text = unicodedata.normalize("NFC", text).casefold().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def split_qualifier(raw: str) -> tuple[str, str]:
    """Split how a figure was stated from the figure: ``("640", "lower_bound")`` for "hơn 640".

    Lower bounds: "hơn 640", "trên 640", "ít nhất 2", "tối thiểu 2", "không dưới 2", "> 640", "640+".
    Estimates: "khoảng 60%", "ước tính 60", "xấp xỉ 60", "gần 100%", "~60", "≈ 60". Diacritics are
    optional ("hon 640"); the rest of the text is returned as it was, for :func:`parse_number`.

    Raises:
        ValueProblem: for an upper bound ("dưới 5", "< 5"), which dxnb does not keep, with how to state it.
    """
    text = unicodedata.normalize("NFC", str(raw)).replace("\u00a0", " ").strip()
    folded = _fold(text)
    if len(folded) != len(text):  # a character that folds to several: match on the text as it is
        folded = text.casefold()
    for word, qualifier in _PREFIXES:
        if not folded.startswith(word):
            continue
        rest = text[len(word) :]
        if word[-1].isalpha() and rest[:1].isalpha():  # "hon" is not the start of "honda"
            continue
        rest = rest.lstrip(" :")
        if qualifier == "upper":
            raise ValueProblem(
                f"'{text}' is an upper bound, which dxnb does not keep",
                f"type your best estimate, e.g. 'khoảng {rest or '…'}', and put '{text}' in the note column",
            )
        return rest, qualifier
    if text.endswith("+") and len(text) > 1:  # "640+"
        return text[:-1].rstrip(), LOWER_BOUND
    return text, ""


def has_digit(text: str) -> bool:
    """Whether ``text`` holds any digit (of any script): a figure, however badly typed, and not words alone."""
    return any(c.isdigit() for c in str(text))
