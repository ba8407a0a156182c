"""Loading and validating a dataset folder (the data contract of ``data/README.md``).

A dataset is a folder with ``units.csv``, ``pillars.csv``, ``indicators.csv``,
``observations.csv`` and ``notes.csv``. :func:`load_dataset` reads it into pandas frames and
refuses it with a :class:`~dxnb.errors.DataError` listing every problem, each located as
``file:row: column: what is wrong — how to fix``. Row numbers are the file's line numbers
(the header is line 1), which are also the row numbers Excel shows.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import functools
import hashlib
import io
import logging
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from . import catalogue as cat
from .errors import DataError, Problem, UnitNotFoundError
from .paths import PROJECT_ROOT, resolve_data_dir
from .text import name_key, nfc
from .values import ValueProblem, parse_number

log = logging.getLogger(__name__)

FILES = ("units.csv", "pillars.csv", "indicators.csv", "observations.csv", "notes.csv")
COLUMNS = {
    "units.csv": ("code", "name", "kind", "district", "province", "population", "adult_population",
                  "households", "hamlets", "source"),
    "pillars.csv": ("id", "group", "name_vi", "name_en", "order"),
    "indicators.csv": ("id", "pillar", "name_vi", "name_en", "unit_vi", "unit_en", "kind", "scoring",
                       "max_points", "steps", "numerator", "denominator", "scale", "decimals", "target",
                       "target_year", "target_source"),
    "observations.csv": ("unit_code", "period", "indicator", "value", "source", "note"),
    "notes.csv": ("unit_code", "period", "kind", "text"),
}  # fmt: skip
UNIT_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
NOTE_KINDS = ("strength", "challenge", "next_step")
QUALIFIERS = ("", "estimate", "lower_bound")
UNIT_COUNTS = ("population", "adult_population", "households", "hamlets")
CODE_LENGTH = 5
_PERIOD = re.compile(r"^(19|20|21)\d\d$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Dataset:
    """A validated dataset: frames ready for evaluation."""

    path: Path
    units: pd.DataFrame
    catalogue: cat.Catalogue
    observations: pd.DataFrame
    notes: pd.DataFrame
    hashes: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    #: None for a whole dataset; for one loaded with ``load_dataset(..., units=...)``, the units
    #: whose observations it holds (the peer groups of the units asked for).
    scope: frozenset[str] | None = None

    @property
    def periods(self) -> list[str]:
        """Periods with observations, oldest first."""
        return sorted(self.observations["period"].unique().tolist())

    @property
    def fingerprint(self) -> str:
        """SHA-256 over every file of the dataset: changes whenever any input changes."""
        digest = hashlib.sha256()
        for name in sorted(self.hashes):
            digest.update(f"{name}:{self.hashes[name]}\n".encode())
        return digest.hexdigest()

    def unit(self, code: str) -> pd.Series:
        """Return the row of ``units.csv`` for ``code``."""
        return self.units.loc[code]

    def find_unit(self, query: str) -> str:
        """Return the code of the unit named or coded ``query`` (any Unicode form or tone placement).

        Raises:
            UnitNotFoundError: when nothing or several units match.
        """
        return find_unit(self.units, query)

    def summary(self) -> str:
        """One line: units, indicators, observations and periods."""
        periods = self.periods
        span = ", ".join(periods) if len(periods) <= 4 else f"{periods[0]}–{periods[-1]}"
        return (
            f"{len(self.units)} units, {len(self.catalogue)} indicators, "
            f"{len(self.observations)} observations, periods {span or '(none)'}"
        )


def find_unit(units: pd.DataFrame, query: object) -> str:
    """Return the code of the unit matching ``query`` by code or by name.

    Raises:
        UnitNotFoundError: when nothing or several units match, with suggestions.
    """
    text = nfc(str(query)).strip()
    if text in units.index:
        return text
    if text.isdigit():
        hint = ""
        if len(text) < CODE_LENGTH and text.zfill(CODE_LENGTH) in units.index:
            hint = f" — did it lose its leading zero? The unit is '{text.zfill(CODE_LENGTH)}'"
        raise UnitNotFoundError(f"No unit has the code '{text}'{hint}. Run `dxnb check` to list the units.")
    key = name_key(text)
    keys = units["name"].map(name_key)
    matches = units.index[keys == key].tolist()
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        listed = ", ".join(
            f"{units.at[c, 'name']} ({c}, {units.at[c, 'district'] or units.at[c, 'province']})" for c in matches
        )
        raise UnitNotFoundError(f"'{text}' names several units: {listed}. Use the code instead.")
    close = difflib.get_close_matches(key, keys.tolist(), n=3, cutoff=0.6)
    suggestion = ""
    if close:
        names = [f"{units.loc[keys == k, 'name'].iloc[0]} ({units.index[keys == k][0]})" for k in close]
        suggestion = " Did you mean " + " or ".join(names) + "?"
    raise UnitNotFoundError(f"No unit is named '{text}'.{suggestion}")


# --------------------------------------------------------------------------- reading


def _read_bytes(folder: Path) -> dict[str, bytes | None]:
    """The raw bytes of each dataset file (None when missing), read once."""
    raws: dict[str, bytes | None] = {}
    for name in FILES:
        try:
            raws[name] = (folder / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raws[name] = None
    return raws


def _read_csv(
    folder: Path, name: str, problems: list[Problem], hashes: dict[str, str], raw: bytes | None
) -> pd.DataFrame | None:
    if raw is None:
        problems.append(
            Problem(
                name,
                None,
                None,
                f"the file is missing from {folder}",
                f"create it with the columns {', '.join(COLUMNS[name])} (see data/README.md)",
            )
        )
        return None
    hashes[name] = hashlib.sha256(raw).hexdigest()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                name,
                line,
                None,
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save it as UTF-8: in Excel, Save As → 'CSV UTF-8 (Comma delimited)'",
            )
        )
        return None
    if not text.strip():
        problems.append(
            Problem(name, None, None, "the file is empty", f"it needs a header row: {','.join(COLUMNS[name])}")
        )
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, ValueError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        problems.append(
            Problem(
                name,
                int(match.group(1)) if match else None,
                None,
                f"the file is not valid CSV ({exc})",
                "check the quotes and the number of commas on that line",
            )
        )
        return None
    frame.columns = [nfc(str(c)).strip() for c in frame.columns]
    missing = [c for c in COLUMNS[name] if c not in frame.columns]
    for column in missing:
        close = difflib.get_close_matches(column, list(frame.columns), n=1)
        hint = f"rename '{close[0]}' to '{column}'" if close else "add it to the header row"
        problems.append(Problem(name, 1, column, "the column is missing", hint))
    if missing:
        return None
    return frame.astype(object)


def _rows(frame: pd.DataFrame, mask) -> Iterable[tuple[int, pd.Series]]:
    for index in frame.index[mask]:
        yield int(index) + 2, frame.loc[index]


# --------------------------------------------------------------------------- checks


def _code_problem(code: str) -> tuple[str, str] | None:
    """Return (message, hint) when ``code`` is not a valid commune code."""
    if re.fullmatch(r"\d+\.0+", code):
        fixed = code.split(".")[0].zfill(CODE_LENGTH)
        return (
            f"code '{code}' became a decimal number",
            f"write '{fixed}' and keep the column as text (in Excel: format the column as Text)",
        )
    if not code:
        return "the code is empty", f"write the {CODE_LENGTH}-digit statistics-office code"
    if not code.isdigit():
        return f"code '{code}' is not a string of digits", f"write the {CODE_LENGTH}-digit statistics-office code"
    if len(code) < CODE_LENGTH:
        return (
            f"code '{code}' has {len(code)} digits; commune codes have {CODE_LENGTH}",
            f"it probably lost its leading zero: write '{code.zfill(CODE_LENGTH)}' and keep the column as text",
        )
    if len(code) > CODE_LENGTH:
        return f"code '{code}' has {len(code)} digits; commune codes have {CODE_LENGTH}", "check the code"
    return None


def _check_units(units: pd.DataFrame, problems: list[Problem]) -> None:
    name = "units.csv"
    if units.empty:
        problems.append(Problem(name, None, None, "the file has no rows", "add one row per unit"))
        return
    seen: dict[str, int] = {}
    for row, record in _rows(units, slice(None)):
        code = str(record["code"]).strip()
        issue = _code_problem(code)
        if issue:
            problems.append(Problem(name, row, "code", *issue))
        elif code in seen:
            problems.append(
                Problem(
                    name,
                    row,
                    "code",
                    f"code '{code}' is also on row {seen[code]}",
                    "each unit appears once; remove or fix one of the rows",
                )
            )
        else:
            seen[code] = row
        if not str(record["name"]).strip():
            problems.append(Problem(name, row, "name", "the name is empty", "write the unit's official name"))
        if nfc(str(record["kind"])).strip().casefold() not in UNIT_KINDS:
            problems.append(
                Problem(
                    name, row, "kind", f"'{record['kind']}' is not a unit kind", f"use one of: {', '.join(UNIT_KINDS)}"
                )
            )
        if not str(record["province"]).strip():
            problems.append(Problem(name, row, "province", "the province is empty", "write the province's name"))
        counts = {}
        for column in UNIT_COUNTS:
            raw = str(record[column]).strip()
            if not raw:
                continue
            try:
                counts[column] = parse_number(raw, whole=True)
            except ValueProblem as exc:
                problems.append(Problem(name, row, column, exc.message, exc.hint))
                continue
            if counts[column] < 0:
                problems.append(Problem(name, row, column, f"{raw} is negative", "counts are 0 or more"))
        if counts.get("adult_population", 0) > counts.get("population", float("inf")):
            problems.append(
                Problem(
                    name,
                    row,
                    "adult_population",
                    f"adult population {counts['adult_population']:.0f} is above the population "
                    f"{counts['population']:.0f}",
                    "check both figures",
                    "warning",
                )
            )
        for estimated in str(record.get("estimated_fields", "")).split(";"):
            if estimated.strip() and estimated.strip() not in UNIT_COUNTS:
                problems.append(
                    Problem(
                        name,
                        row,
                        "estimated_fields",
                        f"'{estimated.strip()}' is not a count column",
                        f"list columns among {', '.join(UNIT_COUNTS)}, separated by ';'",
                    )
                )
    keys = units["name"].map(name_key) + "|" + units["province"].map(name_key) + "|" + units["district"].map(name_key)
    for row, _record in _rows(units, keys.duplicated(keep="first")):
        problems.append(
            Problem(
                name,
                row,
                "name",
                f"'{_record['name']}' has the same name as another unit of the same district",
                "users will have to select it by code",
                "warning",
            )
        )


def _check_catalogue(pillars: pd.DataFrame, indicators: pd.DataFrame, problems: list[Problem]) -> None:
    pname, iname = "pillars.csv", "indicators.csv"
    pillar_ids = set()
    for row, record in _rows(pillars, slice(None)):
        pid = str(record["id"]).strip()
        if not _ID.match(pid):
            problems.append(
                Problem(pname, row, "id", f"'{pid}' is not an identifier", "use lower-case letters, digits and _")
            )
        elif pid in pillar_ids:
            problems.append(Problem(pname, row, "id", f"'{pid}' appears twice", "remove one of the rows"))
        pillar_ids.add(pid)
        if not str(record["order"]).strip().isdigit():
            problems.append(
                Problem(
                    pname, row, "order", f"'{record['order']}' is not a whole number", "number the pillars 1, 2, 3 …"
                )
            )
    ids: dict[str, int] = {}
    kinds = dict(zip(indicators["id"].str.strip(), indicators["kind"].str.strip(), strict=False))
    derived = set(indicators.loc[indicators["numerator"].str.strip() != "", "id"].str.strip())
    for row, record in _rows(indicators, slice(None)):
        iid = str(record["id"]).strip()
        if not _ID.match(iid):
            problems.append(
                Problem(iname, row, "id", f"'{iid}' is not an identifier", "use lower-case letters, digits and _")
            )
        elif iid in ids:
            problems.append(Problem(iname, row, "id", f"'{iid}' is also on row {ids[iid]}", "ids are unique"))
        ids.setdefault(iid, row)
        if str(record["pillar"]).strip() not in pillar_ids:
            problems.append(
                Problem(
                    iname,
                    row,
                    "pillar",
                    f"'{record['pillar']}' is not in pillars.csv",
                    f"use one of: {', '.join(sorted(pillar_ids))}",
                )
            )
        for column in ("name_vi", "name_en"):
            if not str(record[column]).strip():
                problems.append(Problem(iname, row, column, "the name is empty", "every indicator needs a name"))
        kind, scoring = str(record["kind"]).strip(), str(record["scoring"]).strip()
        if kind not in cat.KINDS:
            problems.append(
                Problem(iname, row, "kind", f"'{kind}' is not a kind", f"use one of: {', '.join(cat.KINDS)}")
            )
        if scoring not in cat.SCORINGS:
            problems.append(
                Problem(
                    iname,
                    row,
                    "scoring",
                    f"'{scoring}' is not a scoring rule",
                    f"use one of: {', '.join(cat.SCORINGS)}",
                )
            )
        if scoring == "linear" and kind != "rate":
            problems.append(
                Problem(
                    iname, row, "scoring", "linear scoring applies to rates only", "use 'steps' for counts and ratios"
                )
            )
        if scoring == "yes_partial_no" and kind != "yes_partial_no":
            problems.append(
                Problem(
                    iname,
                    row,
                    "scoring",
                    "yes_partial_no scoring needs kind yes_partial_no",
                    "set kind to yes_partial_no",
                )
            )
        if scoring in ("linear", "steps", "yes_partial_no"):
            try:
                if parse_number(record["max_points"]) <= 0:
                    raise ValueProblem("max_points must be above 0")
            except ValueProblem as exc:
                problems.append(Problem(iname, row, "max_points", exc.message, "give the indicator's maximum points"))
        if scoring == "steps":
            try:
                cat.parse_steps(record["steps"])
            except ValueError as exc:
                problems.append(
                    Problem(
                        iname,
                        row,
                        "steps",
                        f"'{record['steps']}' cannot be read ({exc})",
                        "write threshold:points pairs separated by ';', e.g. 1:5;2:10;4:20",
                    )
                )
        numerator, denominator = str(record["numerator"]).strip(), str(record["denominator"]).strip()
        if numerator or denominator:
            if numerator not in kinds or numerator in derived:
                problems.append(
                    Problem(
                        iname,
                        row,
                        "numerator",
                        f"'{numerator}' is not an observed indicator",
                        "name an indicator of this catalogue that is reported directly",
                    )
                )
            if denominator not in cat.UNIT_DENOMINATORS and (denominator not in kinds or denominator in derived):
                problems.append(
                    Problem(
                        iname,
                        row,
                        "denominator",
                        f"'{denominator}' is not a known denominator",
                        f"use a unit column ({', '.join(cat.UNIT_DENOMINATORS)}) or an observed indicator",
                    )
                )
            try:
                parse_number(record["scale"])
            except ValueProblem as exc:
                problems.append(
                    Problem(iname, row, "scale", exc.message, "use 100 for a percentage, 1000 per thousand")
                )
        for column in ("target", "target_year"):
            raw = str(record[column]).strip()
            if raw:
                try:
                    parse_number(raw, whole=column == "target_year")
                except ValueProblem as exc:
                    problems.append(Problem(iname, row, column, exc.message, exc.hint))
        if str(record["target"]).strip() and not str(record["target_source"]).strip():
            problems.append(
                Problem(
                    iname,
                    row,
                    "target_source",
                    "a target needs its source document",
                    "name the decision that sets it, e.g. Quyết định 411/QĐ-TTg (31/3/2022)",
                )
            )
    for required in cat.REQUIRED_IDS:
        if required not in ids:
            problems.append(
                Problem(
                    iname,
                    None,
                    "id",
                    f"the catalogue lacks '{required}', which forms and other tools expect",
                    "add the indicator back (see data/README.md)",
                )
            )


def _check_periods(frame: pd.DataFrame, name: str, problems: list[Problem]) -> pd.Series:
    period = frame["period"].str.strip()
    bad = ~period.str.match(_PERIOD)
    for row, record in _rows(frame, bad):
        raw = str(record["period"]).strip()
        hint = "write the year with four digits, e.g. 2024"
        if re.fullmatch(r"\d{4}\.0+", raw):
            hint = f"write {raw[:4]} (the year became a decimal number)"
        problems.append(Problem(name, row, "period", f"'{raw}' is not a year", hint))
    return bad


def _check_unit_codes(frame: pd.DataFrame, name: str, units: pd.DataFrame | None, problems) -> pd.Series:
    codes = frame["unit_code"].str.strip()
    known = set(units["code"].str.strip()) if units is not None else None
    bad = ~codes.isin(known) if known is not None else ~codes.str.fullmatch(rf"\d{{{CODE_LENGTH}}}")
    for row, record in _rows(frame, bad):
        code = str(record["unit_code"]).strip()
        issue = _code_problem(code)
        if issue is None and known is not None:
            issue = (f"unit '{code}' is not in units.csv", "add the unit to units.csv or correct the code")
        if issue is not None and known is not None and issue[1].startswith("it probably lost"):
            padded = code.zfill(CODE_LENGTH)
            if padded not in known:
                issue = (issue[0], f"no unit has '{padded}' either; check the code against units.csv")
        if issue:
            problems.append(Problem(name, row, "unit_code", *issue))
    return bad


def _check_observations(
    obs: pd.DataFrame, units: pd.DataFrame | None, catalogue: cat.Catalogue | None, problems: list[Problem]
) -> pd.Series:
    """Validate observations; return the parsed values (NaN where invalid)."""
    name = "observations.csv"
    if obs.empty:
        problems.append(
            Problem(
                name, None, None, "the file has no rows", "add observations, one row per unit, period and indicator"
            )
        )
        return pd.Series(dtype=float)
    _check_unit_codes(obs, name, units, problems)
    _check_periods(obs, name, problems)
    indicator = obs["indicator"].str.strip()
    values = pd.Series(float("nan"), index=obs.index)
    if catalogue is not None:
        known = indicator.isin(list(catalogue.indicators))
        for row, record in _rows(obs, ~known):
            close = difflib.get_close_matches(str(record["indicator"]).strip(), list(catalogue.indicators), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "use an id from indicators.csv"
            problems.append(Problem(name, row, "indicator", f"'{record['indicator']}' is not in the catalogue", hint))
        is_derived = indicator.map(lambda i: i in catalogue and catalogue[i].derived)
        for row, record in _rows(obs, is_derived):
            ind = catalogue[str(record["indicator"]).strip()]
            problems.append(
                Problem(
                    name,
                    row,
                    "indicator",
                    f"'{ind.id}' is computed as {ind.numerator} / {ind.denominator}",
                    f"report '{ind.numerator}' instead",
                )
            )
        kind = indicator.map(lambda i: catalogue[i].kind if i in catalogue else "")
    else:
        kind = pd.Series("", index=obs.index)
    raw = obs["value"].str.strip()
    plain = raw.str.fullmatch(r"[+-]?\d+(\.\d+)?")
    numeric = pd.to_numeric(raw.where(plain), errors="coerce")
    whole = kind == "count"
    fractional = numeric.notna() & whole & (numeric % 1 != 0)
    needs_detail = ~plain | fractional
    for index in obs.index[needs_detail]:
        try:
            parse_number(raw[index], whole=bool(whole[index]))
        except ValueProblem as exc:
            problems.append(Problem(name, int(index) + 2, "value", exc.message, exc.hint))
    values = numeric.where(~fractional)
    checks = [
        (
            (kind == "rate") & ((values < 0) | (values > 100)),
            "rate {v} is outside 0–100",
            "rates are percentages between 0 and 100",
        ),
        (kind.isin(["count", "ratio"]) & (values < 0), "{v} is negative", "counts are 0 or more"),
        (
            (kind == "yes_partial_no") & values.notna() & ~values.isin(cat.YES_PARTIAL_NO),
            "{v} is not 1, 0.5 or 0",
            "write 1 for yes, 0.5 for partly, 0 for no",
        ),
    ]
    for mask, message, hint in checks:
        for index in obs.index[mask.fillna(False)]:
            problems.append(Problem(name, int(index) + 2, "value", message.format(v=raw[index]), hint))
    if "qualifier" in obs.columns:
        qualifier = obs["qualifier"].str.strip()
        for row, record in _rows(obs, ~qualifier.isin(QUALIFIERS)):
            problems.append(
                Problem(
                    name,
                    row,
                    "qualifier",
                    f"'{record['qualifier']}' is not a qualifier",
                    "leave it empty, or write estimate or lower_bound",
                )
            )
    key = obs["unit_code"].str.strip() + "|" + obs["period"].str.strip() + "|" + indicator
    dup = key.duplicated(keep=False)
    if dup.any():
        first_row: dict[str, tuple[int, str]] = {}
        for index in obs.index[dup]:
            k = key[index]
            row = int(index) + 2
            if k not in first_row:
                first_row[k] = (row, raw[index])
                continue
            other_row, other_value = first_row[k]
            same = raw[index] == other_value or (values[index] == values[obs.index[other_row - 2]])
            unit_code, period, ind = k.split("|")
            if same:
                problems.append(
                    Problem(
                        name,
                        row,
                        "indicator",
                        f"repeats row {other_row} ({unit_code}, {period}, {ind}) with the same value",
                        "delete one of the two rows",
                        "warning",
                    )
                )
            else:
                problems.append(
                    Problem(
                        name,
                        row,
                        "value",
                        f"conflicts with row {other_row} for ({unit_code}, "
                        f"{period}, {ind}): {raw[index]} vs {other_value}",
                        "keep the right value and delete the other row",
                    )
                )
    return values


def _check_denominators(
    obs: pd.DataFrame, values: pd.Series, units: pd.DataFrame, catalogue: cat.Catalogue, problems: list[Problem]
) -> None:
    """Warn where a count is above its denominator (signatures above the adult population)."""
    unit_numbers = {
        c: pd.to_numeric(units.set_index(units["code"].str.strip())[c].str.strip(), errors="coerce")
        for c in cat.UNIT_DENOMINATORS
    }
    codes = obs["unit_code"].str.strip()
    indicator = obs["indicator"].str.strip()
    for ind in catalogue.derived:
        if ind.scale != 100 or ind.denominator not in cat.UNIT_DENOMINATORS:
            continue
        mask = indicator == ind.numerator
        if not mask.any():
            continue
        denominator = codes[mask].map(unit_numbers[ind.denominator])
        over = values[mask] > denominator
        for index in over[over.fillna(False)].index:
            problems.append(
                Problem(
                    "observations.csv",
                    int(index) + 2,
                    "value",
                    f"{ind.numerator} {values[index]:g} is above the unit's {ind.denominator} "
                    f"{denominator[index]:g} ({ind.id} would be {values[index] / denominator[index] * 100:.0f}%)",
                    f"check the figure, or the unit's {ind.denominator} in units.csv",
                    "warning",
                )
            )


def _check_notes(notes: pd.DataFrame, units: pd.DataFrame | None, problems: list[Problem]) -> None:
    name = "notes.csv"
    if notes.empty:
        return
    _check_unit_codes(notes, name, units, problems)
    _check_periods(notes, name, problems)
    for row, record in _rows(notes, ~notes["kind"].str.strip().isin(NOTE_KINDS)):
        problems.append(
            Problem(name, row, "kind", f"'{record['kind']}' is not a note kind", f"use one of: {', '.join(NOTE_KINDS)}")
        )
    for row, _record in _rows(notes, notes["text"].str.strip() == ""):
        problems.append(Problem(name, row, "text", "the text is empty", "write the note or delete the row"))


# --------------------------------------------------------------------------- assembling


def _units_frame(units: pd.DataFrame) -> pd.DataFrame:
    frame = units.copy()
    for column in frame.columns:
        frame[column] = frame[column].map(lambda v: nfc(str(v)).strip())
    for column in UNIT_COUNTS:
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype(float)
    if "estimated_fields" not in frame.columns:
        frame["estimated_fields"] = ""
    frame["kind"] = frame["kind"].str.casefold()
    return frame.set_index("code", drop=False).rename_axis(None)


def _observations_frame(obs: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "unit_code": obs["unit_code"].str.strip(),
            "period": obs["period"].str.strip(),
            "indicator": obs["indicator"].str.strip(),
            "value": values.astype(float),
            "source": obs["source"].map(lambda v: nfc(str(v)).strip()),
            "note": obs["note"].map(lambda v: nfc(str(v)).strip()),
            "qualifier": obs["qualifier"].str.strip() if "qualifier" in obs.columns else "",
        }
    )
    frame = frame.drop_duplicates(["unit_code", "period", "indicator"])
    return frame.reset_index(drop=True)


def _notes_frame(notes: pd.DataFrame) -> pd.DataFrame:
    frame = notes.copy()
    for column in frame.columns:
        frame[column] = frame[column].map(lambda v: nfc(str(v)).strip())
    if "source" not in frame.columns:
        frame["source"] = ""
    return frame.reset_index(drop=True)


def check_dataset(data_dir: str | Path | None = None) -> tuple[Dataset | None, list[Problem]]:
    """Read and validate a dataset folder; return the dataset (None on errors) and all problems."""
    folder = resolve_data_dir(data_dir)
    return _check(folder, _read_bytes(folder) if folder.is_dir() else None)


def _check(folder: Path, raws: dict[str, bytes | None] | None) -> tuple[Dataset | None, list[Problem]]:
    """Validate the files' bytes ``raws`` (None when the folder does not exist)."""
    problems: list[Problem] = []
    if raws is None:
        problems.append(
            Problem(
                str(folder),
                None,
                None,
                "the dataset folder does not exist",
                "give the folder that holds units.csv, indicators.csv and observations.csv",
            )
        )
        return None, problems
    hashes: dict[str, str] = {}
    frames = {name: _read_csv(folder, name, problems, hashes, raws[name]) for name in FILES}
    units, pillars, indicators = frames["units.csv"], frames["pillars.csv"], frames["indicators.csv"]
    observations, notes = frames["observations.csv"], frames["notes.csv"]
    if units is not None:
        _check_units(units, problems)
    catalogue = None
    if pillars is not None and indicators is not None:
        before = len(problems)
        _check_catalogue(pillars, indicators, problems)
        if not any(p.is_error for p in problems[before:]):
            catalogue = cat.build_catalogue(pillars.map(str.strip), indicators.map(lambda v: nfc(str(v)).strip()))
    values = None
    if observations is not None:
        values = _check_observations(observations, units, catalogue, problems)
        if units is not None and catalogue is not None:
            _check_denominators(observations, values, units, catalogue, problems)
    if notes is not None:
        _check_notes(notes, units, problems)
    if any(p.is_error for p in problems) or any(f is None for f in frames.values()):
        return None, problems
    dataset = Dataset(
        path=folder,
        units=_units_frame(units),
        catalogue=catalogue,
        observations=_observations_frame(observations, values),
        notes=_notes_frame(notes),
        hashes=hashes,
        warnings=[p for p in problems if not p.is_error],
    )
    return dataset, problems


def load_dataset(data_dir: str | Path | None = None, *, units: Iterable[str] | None = None) -> Dataset:
    """Load and validate a dataset folder (``data/`` by default, relative paths from the project root).

    A validated dataset is cached (see :mod:`dxnb.dataset` ``cache``): the files are read and
    hashed on every call, and validated only when their SHA-256 digests have not been seen
    before, so any change of any file is validated again and a stale dataset is never returned.

    Args:
        data_dir: The dataset folder.
        units: Load only what reports on these unit codes need: the whole ``units.csv``, the
            catalogue and the notes, but the observations of these units' peer groups only (their
            district, or their province). The result's ``scope`` lists the units whose
            observations are complete; evaluating any other unit with it is refused.

    Raises:
        DataError: listing every problem when the dataset has errors.
    """
    folder = resolve_data_dir(data_dir)
    raws = _read_bytes(folder) if folder.is_dir() else None
    units = None if units is None else [str(c).strip() for c in units]
    dataset = None
    if raws is not None and all(raw is not None for raw in raws.values()):
        dataset = _cache_load(folder, raws, units)
    if dataset is None:
        dataset, problems = _check(folder, raws)
        if dataset is None:
            raise DataError(problems)
        _cache_store(dataset)
        if units is not None:
            dataset = _scoped(dataset, units)
    for warning in dataset.warnings:
        log.warning("%s", warning)
    return dataset


# --------------------------------------------------------------------------- cache
#
# ``<cache>/datasets/<key>/`` holds one validated dataset: ``head.pkl`` (units, catalogue, notes,
# hashes, warnings and the peer group of every unit) and ``obs-<n>.pkl``, the observations of peer
# group n. The key is the SHA-256 of the files' digests, the dxnb version and the source of the
# modules that shape a Dataset, so a change of any of them misses the cache. Entries are written
# to a temporary folder and renamed into place (a reader never sees a partial entry); the most
# recently used ``CACHE_KEEP`` entries are kept. ``DXNB_CACHE_DIR`` moves the cache ("off" disables it).

CACHE_FORMAT = 1
CACHE_KEEP = 6
_SHAPING_MODULES = ("dataset.py", "catalogue.py", "values.py", "text.py", "errors.py")


def cache_root() -> Path | None:
    """The cache folder (``<project>/.cache/dxnb`` by default), or None when disabled."""
    setting = os.environ.get("DXNB_CACHE_DIR", "").strip()
    if setting.lower() in ("off", "0", "none"):
        return None
    return Path(setting).expanduser() if setting else PROJECT_ROOT / ".cache" / "dxnb"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    from . import __version__

    digest = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}|{pd.__version__}".encode())
    here = Path(__file__).resolve().parent
    for name in _SHAPING_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _cache_key(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256(_code_fingerprint().encode())
    for name in sorted(hashes):
        digest.update(f"{name}:{hashes[name]}\n".encode())
    return digest.hexdigest()[:40]


def group_keys(units: pd.DataFrame) -> pd.Series:
    """The peer-group key of each unit: its province and district, matched across spellings."""
    keys = {}
    for column in ("province", "district"):
        text = units[column].fillna("").astype(str)
        keys[column] = text.map({v: name_key(v, drop_kind=False) for v in text.unique()})
    return keys["province"] + "|" + keys["district"]


def _scope(group_of: pd.Series, codes: Iterable[str]) -> frozenset[str]:
    """Every unit in the peer groups of ``codes``."""
    wanted = {group_of[c] for c in codes if c in group_of.index}
    return frozenset(group_of.index[group_of.isin(wanted)])


def _scoped(dataset: Dataset, codes: Iterable[str]) -> Dataset:
    """``dataset`` with the observations of the peer groups of ``codes`` only."""
    scope = _scope(group_keys(dataset.units), codes)
    obs = dataset.observations
    keep = obs[obs["unit_code"].isin(scope)].reset_index(drop=True)
    return replace(dataset, observations=keep, scope=scope)


def _cache_load(folder: Path, raws: dict[str, bytes], units: Iterable[str] | None) -> Dataset | None:
    root = cache_root()
    if root is None:
        return None
    hashes = {name: hashlib.sha256(raw).hexdigest() for name, raw in raws.items()}
    entry = root / "datasets" / _cache_key(hashes)
    try:
        with open(entry / "head.pkl", "rb") as handle:
            head = pickle.load(handle)
        if head["hashes"] != hashes:
            return None
        if units is None:
            parts = range(len(head["groups"]))
        else:
            units = list(units)
            group_of = head["group_of"]
            parts = sorted({head["groups"][group_of[c]] for c in units if c in group_of.index})
        frames = []
        for n in parts:
            with open(entry / f"obs-{n}.pkl", "rb") as handle:
                frames.append(pickle.load(handle))
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged entry: validate from the files instead
        log.debug("dataset cache entry %s unreadable: %s", entry, exc)
        return None
    with contextlib.suppress(OSError):  # most recently used (a read-only cache still serves)
        os.utime(entry)
    observations = pd.concat(frames) if len(frames) > 1 else frames[0] if frames else head["empty_observations"]
    observations = observations.sort_index().reset_index(drop=True)  # the files' row order
    scope = None if units is None else _scope(head["group_of"], units)
    return Dataset(
        path=folder,
        units=head["units"],
        catalogue=head["catalogue"],
        observations=observations,
        notes=head["notes"],
        hashes=hashes,
        warnings=head["warnings"],
        scope=scope,
    )


def _cache_store(dataset: Dataset) -> None:
    root = cache_root()
    if root is None or dataset.scope is not None:
        return
    folder = root / "datasets"
    entry = folder / _cache_key(dataset.hashes)
    if entry.is_dir():
        return
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes it private; the cache may be shared like the project
        group_of = group_keys(dataset.units)
        obs = dataset.observations
        by_group = obs.groupby(obs["unit_code"].map(group_of), sort=True).indices if len(obs) else {}
        groups = {key: n for n, key in enumerate(sorted(set(group_of) | set(by_group)))}
        for key, n in groups.items():
            rows = by_group.get(key)
            part = obs.iloc[rows] if rows is not None else obs.iloc[:0]
            (tmp / f"obs-{n}.pkl").write_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        head = {
            "hashes": dataset.hashes,
            "units": dataset.units,
            "catalogue": dataset.catalogue,
            "notes": dataset.notes,
            "warnings": dataset.warnings,
            "group_of": group_of,
            "groups": groups,
            "empty_observations": obs.iloc[:0],
        }
        (tmp / "head.pkl").write_bytes(pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL))
        try:
            os.rename(tmp, entry)
            tmp = None
        except OSError:  # another process stored the same entry first
            pass
        _cache_prune(folder)
    except OSError as exc:  # a read-only or full disk: work without the cache
        log.debug("dataset cache not written to %s: %s", folder, exc)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _cache_prune(folder: Path) -> None:
    """Keep the ``CACHE_KEEP`` most recently used entries; drop temporary folders left by a crash."""
    entries = []
    now = time.time()
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if not path.is_dir():
                continue
            if not path.name.startswith("."):
                entries.append((path.stat().st_mtime, path))
            elif now - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)
    for _, path in sorted(entries, reverse=True)[CACHE_KEEP:]:
        shutil.rmtree(path, ignore_errors=True)
