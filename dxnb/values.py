"""Reading numbers typed by people: one strict convention for files, Vietnamese habits in forms.

Data files use one unambiguous convention: a point for decimals and no thousands separator
(``92.4``, ``1083``). Forms typed in Excel may carry Vietnamese habits (``92,4``, ``1.083``);
``lenient=True`` reads those the way the user meant them and refuses what stays ambiguous.
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
            t("val_ambiguous_hint"),
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
