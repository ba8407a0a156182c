"""A map as a page figure: which registry period a dataset's units belong to, and the map or why there is none.

:func:`dxnb.maps.unit_map` draws units from the registry's coordinates, given whether their codes are current
(since 1/7/2025) or former units. A dataset does not say which: :func:`units_when` finds the period whose
registry units carry the dataset's codes *and* names, so that synthetic codes that happen to be real codes of
other communes are not drawn in the wrong place. :func:`map_figure` is the map for the overview and the
explorer: the html kit's figure with its alternative text, or a note saying why no map is drawn.
"""

from __future__ import annotations

import logging

import pandas as pd

from . import html as h
from . import registry
from .errors import ParameterError
from .html import Html
from .i18n import t
from .maps import unit_map
from .text import ascii_key

log = logging.getLogger(__name__)

#: The registry period is the one where at least this share of the units have their code and name.
MATCH_SHARE = 0.5


def units_when(units: pd.DataFrame) -> str | None:
    """``"current"`` or ``"former"``: the registry period whose units have these codes and names; None if neither.

    Args:
        units: Rows of ``units.csv`` (index: code; a ``name`` column).
    """
    if units.empty:
        return None
    codes = [str(c).strip().zfill(5) for c in units.index]
    names = [ascii_key(n) for n in units["name"]]
    best, best_count = None, 0
    for when, frame in (("current", registry.current_units()), ("former", registry.former_units())):
        known = dict(zip(frame["code"], frame["name"], strict=True))
        count = sum(ascii_key(known[c]) == n for c, n in zip(codes, names, strict=True) if c in known)
        if count > best_count:
            best, best_count = when, count
    return best if best_count >= MATCH_SHARE * len(codes) else None


def map_figure(
    units: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    value_col: str,
    label_col: str,
    alt: str,
    lang: str,
    kind: str = "index",
    highlight: object | None = None,
) -> Html:
    """The map of ``frame``'s units coloured by ``value_col``, as a figure with ``alt`` as its text and caption.

    When the units are not in the registry (a synthetic dataset, made-up codes), a note says so instead.

    Args:
        units: The dataset's ``units.csv`` rows of the units drawn (index: code).
        frame: One row per unit (index: code) with ``value_col`` and ``label_col``.
        value_col: The column to colour by (NaN: no data).
        label_col: The units' names.
        alt: What the map shows, for readers who cannot see it (also the caption).
        lang: ``"vi"`` or ``"en"``.
        kind: ``"index"`` (0–1) or ``"rate"`` (percent).
        highlight: The code of a unit to ring, or None.
    """
    when = units_when(units)
    if when is None:
        log.debug("no map: the %d units are not in the registry", len(units))
        return h.note(t("map_not_in_registry", lang, n=len(units)))
    try:
        drawn = unit_map(frame, value_col=value_col, label_col=label_col, when=when, lang=lang, kind=kind,
                         highlight=highlight)  # fmt: skip
    except ParameterError as exc:  # no unit has coordinates after all
        log.debug("no map: %s", exc)
        return h.note(t("map_not_in_registry", lang, n=len(units)))
    return h.figure(drawn.data_uri(), f"{alt} {drawn.note}".strip())  # units without a point: named in the text too
