"""Time stamps taken out of rendered pages, so that two renderings of the same report compare equal."""

from __future__ import annotations

import re

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
_VI = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4},? \d{1,2}:\d{2}\b")  # "lúc 1/12/2026 08:21"


def strip_times(html: str) -> str:
    """``html`` with every ISO and Vietnamese-style time stamp replaced by ``<time>``."""
    return _VI.sub("<time>", _ISO.sub("<time>", html))
