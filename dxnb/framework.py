"""Evaluation frameworks as data: a versioned, self-describing folder of CSV files (see ``data/README.md``).

One framework's folder is read and checked by :mod:`dxnb.framework_files` (re-exported here, the checks in
:mod:`dxnb.validate_framework`), the frameworks a dataset names per period by :mod:`dxnb.dataset_frameworks`;
this module lists them (``dxnb frameworks``) and compares a unit's score under several.

- :func:`load_framework`, :func:`check_framework`, :func:`bundled`, :func:`bundled_ids` — one framework.
- :func:`listing` — the bundled frameworks and a dataset's own, with the periods each is in force.
- :func:`compare`, :func:`compare_section` — a unit's score and class under each framework, and a report section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import fmt, html
from .framework_files import BUNDLED_DIR as BUNDLED_DIR
from .framework_files import FrameworkError as FrameworkError
from .framework_files import _bundled, require_complete
from .framework_files import bundled as bundled
from .framework_files import bundled_ids as bundled_ids
from .framework_files import check_folder as check_folder
from .framework_files import check_framework as check_framework
from .framework_files import load_framework as load_framework
from .i18n import check_lang, get_language, t
from .params import check_data_period, check_unit, period_key
from .scoring import score_units, totals
from .units import unit_rows

if TYPE_CHECKING:
    from .dataset import Dataset

#: How listings and comparisons name a dataset's own catalogue (``pillars.csv``/``indicators.csv``).
OWN = "(indicators.csv)"
#: The bundled reference frameworks :func:`compare` adds.
REFERENCES = ("dxnb-ref-2022", "dxnb-ref-2025")


# --------------------------------------------------------------------------- listing and comparing


def listing(ds: Dataset | None = None) -> pd.DataFrame:
    """The bundled frameworks and a dataset's own, with the periods each is in force (oldest first).

    Returns:
        One row per framework: id, version, name_vi, document, years, total_points, complete, source, periods.
    """
    rows = []
    in_force: dict[str, list[str]] = {}
    own_periods: list[str] = []
    if ds is not None:
        for period in ds.periods:
            built = ds.frameworks.get(period)
            if built is None:
                own_periods.append(period)
            else:
                in_force.setdefault(built.framework.source + "|" + built.id, []).append(period)
        for period, built in ds.frameworks.items():  # named periods without data yet
            key = built.framework.source + "|" + built.id
            if period not in in_force.setdefault(key, []):
                in_force[key].append(period)
    catalogues = [_bundled(i) for i in bundled_ids()]
    if ds is not None:
        catalogues += [
            c for c in {id(c): c for c in ds.frameworks.values()}.values() if c.framework.source != "bundled"
        ]
    for built in catalogues:
        info = built.framework
        periods = sorted(in_force.get(info.source + "|" + info.id, []), key=period_key)
        rows.append(
            {
                "id": info.id,
                "version": info.version,
                "name_vi": info.name_vi,
                "document": info.document,
                "years": info.years,
                "total_points": info.total_points,
                "complete": not built.missing,
                "source": info.source,
                "periods": periods,
            }
        )
    if ds is not None:
        rows.append(
            {
                "id": OWN,
                "version": "",
                "name_vi": "Bộ chỉ số riêng của bộ dữ liệu",
                "document": "",
                "years": "",
                "total_points": ds.catalogue.max_points,
                "complete": True,
                "source": str(ds.path),
                "periods": own_periods,
            }
        )
    return pd.DataFrame(
        rows, columns=["id", "version", "name_vi", "document", "years", "total_points", "complete", "source", "periods"]
    )


def compare(
    ds: Dataset, code: object, period: object, frameworks: list[str] | None = None, lang: str | None = None
) -> pd.DataFrame:
    """A unit's score and class for one period under each framework the dataset names and the bundled reference.

    Args:
        ds: The dataset.
        code: The unit's code.
        period: The period.
        frameworks: Framework ids to compare (bundled ids, or ids of the dataset's own frameworks); by default
            the one in force for the period, every other the dataset names, and ``dxnb-ref-2022``/``dxnb-ref-2025``.
        lang: The language of the frameworks' names (None: the current language).

    Returns:
        One row per framework (index ``framework``): name (Vietnamese), name_en, in_force, earned, max_points,
        score, bonus, penalty, points (on the framework's scale, adjustments included), total_points (that scale),
        result_class (its id), class_vi, class_en (its names), coverage.

    Raises:
        ParameterError: when the unit or the period is unknown; FrameworkError for an unknown or incomplete one.
    """
    code = check_unit(ds, code)
    period = check_data_period(ds, period)
    lang = get_language() if lang is None else check_lang(lang)
    current = ds.catalogue_for(period)
    named = {c.id or OWN: c for c in [current, *ds.frameworks.values(), ds.catalogue]}
    if frameworks is None:
        for ref in REFERENCES:
            named.setdefault(ref, bundled(ref))
        chosen = list(named.items())
    else:
        chosen = [(f, named[f] if f in named else bundled(f)) for f in frameworks]
    obs = unit_rows(ds, [code])
    rows = []
    for fid, built in chosen:
        require_complete(built)
        s = score_units(ds, period, [code], obs, catalogue=built)
        row = totals(built, s).iloc[0]
        cls = next((c for c in built.classes if c.id == row["result_class"]), None)
        rows.append(
            {
                "framework": fid,
                "name": built.framework.name_vi if built.framework else t("fw_own_catalogue", "vi"),
                "name_en": built.framework.name_en if built.framework else t("fw_own_catalogue", "en"),
                "in_force": built is current,
                "earned": row["earned"],
                "max_points": row["max_points"],
                "score": row["score"],
                "bonus": row["bonus"],
                "penalty": row["penalty"],
                "points": row["points"],
                "total_points": built.scale_points,
                "result_class": row["result_class"],
                "class_vi": cls.name_vi if cls else "",
                "class_en": cls.name_en if cls else "",
                "coverage": row["coverage"],
            }
        )
    return pd.DataFrame(rows).set_index("framework")


def compare_section(table: pd.DataFrame, lang: str | None = None, lead: str = "") -> str:
    """A short HTML section of :func:`compare`'s table, for a report (numbers in the report's style).

    Args:
        table: :func:`compare`'s table.
        lang: The language.
        lead: A sentence above the table (e.g. :func:`dxnb.report_frameworks` says what is compared).
    """
    lang = get_language() if lang is None else check_lang(lang)
    head = [
        t("fw_compare_framework", lang),
        t("fw_compare_points", lang),
        t("fw_compare_score", lang),
        t("fw_compare_class", lang),
    ]
    english = (lang or get_language()) == "en"
    body = []
    for fid, row in table.iterrows():
        score = "" if np.isnan(row["score"]) else fmt.index(row["score"], lang or get_language())
        points = "" if np.isnan(row["points"]) else fmt.number(row["points"], 1, lang or get_language())
        if points and not np.isnan(row.get("total_points", np.nan)):
            points = f"{points}/{fmt.number(row['total_points'], 0, lang or get_language())}"
        mark = " ★" if row["in_force"] else ""
        name = row.get("name_en", "") if english else row["name"]
        label = row.get("class_en" if english else "class_vi", "") or row["result_class"]
        body.append([f"{name or row['name']} ({fid}){mark}", points, score, label or "—"])
    parts = [html.para(lead)] if lead else []
    return html.section("frameworks", t("fw_compare_title", lang), *parts, html.table(head, body, numeric=(1, 2)))
