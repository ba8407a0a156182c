"""The exception hierarchy of dxnb: every user mistake is a :class:`DxnbError` with advice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
            text += "warning: "
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
        errors = [p for p in self.problems if p.is_error]
        head = summary or f"{len(errors)} problem(s) in the dataset; fix them and run `dxnb check` again:"
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))


class UnitNotFoundError(DxnbError):
    """A unit code or name matches no unit, or several."""


class ParameterError(DxnbError):
    """A report parameter (unit code, period, language, folder) is invalid."""


class RenderError(DxnbError):
    """A report could not be rendered."""


class FormError(DxnbError):
    """An Excel form cannot be generated or imported."""
