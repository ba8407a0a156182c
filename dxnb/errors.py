"""The exception hierarchy of dxnb: every user mistake is a :class:`DxnbError` with advice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: The catalogue readers ``t`` and ``tn`` of :mod:`dxnb.i18n`, which puts them here when it is imported: it
#: imports this module, so this module cannot import it. A problem's "warning:" and the summary line of a
#: :class:`DataError` are read through them, in the current language (English if i18n was never imported).
READERS: dict[str, Callable[..., str]] = {}


#: The English of this module's messages, used until dxnb.i18n is imported.
_ENGLISH = {
    "err_warning": "warning",
    "err_data_summary": "{n} problem(s) in the dataset; fix them and run `dxnb check` again:",
}


def t(key: str) -> str:
    """The message ``key`` in the current language (:func:`dxnb.i18n.t`)."""
    return READERS["t"](key) if READERS else _ENGLISH[key]


def tn(key: str, n: int) -> str:
    """The plural message ``key`` for the count ``n`` in the current language (:func:`dxnb.i18n.tn`)."""
    return READERS["tn"](key, n) if READERS else _ENGLISH[key].format(n=n)


@dataclass(frozen=True)
class Problem:
    """One finding about an input file, located as precisely as possible."""

    file: str
    row: int | None
    column: str | None
    message: str
    hint: str = ""
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        """Whether this problem blocks the dataset (warnings do not)."""
        return self.severity == "error"

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        parts = [where]
        if self.column:
            parts.append(self.column)
        text = ": ".join(parts) + ": "
        if not self.is_error:
            text += f"{t('err_warning')}: "
        text += self.message
        if self.hint:
            text += f" — {self.hint}"
        return text


class DxnbError(Exception):
    """Base class of every error dxnb reports to a user (exit code 2, no traceback)."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: a notebook run fails with the message alone.
        return [f"{type(self).__name__}: {self}"]


class DataError(DxnbError):
    """A dataset failed validation; ``problems`` lists every finding."""

    def __init__(self, problems: Iterable[Problem], summary: str | None = None):
        self.problems = list(problems)
        head = summary or tn("err_data_summary", sum(p.is_error for p in self.problems))
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))


class UnitNotFoundError(DxnbError):
    """A unit code or name matches no unit, or several."""


class ParameterError(DxnbError):
    """A report parameter (unit code, period, language, folder) is invalid."""


class RenderError(DxnbError):
    """A report could not be rendered."""


class FormError(DxnbError):
    """An Excel form cannot be generated or imported."""
