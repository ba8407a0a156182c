"""The bundled registry of Vietnam's provinces and commune-level units, before and after 1 July 2025.

The files in ``dxnb/registry/`` are built by :mod:`dxnb.registry_build` from the statistics office's list
(Công văn 1027/CTK-CSCL) and the dvhcvn-20250701 old→new links; ``PROVENANCE.md`` there says how and with
which limits. They are read once per process, on first use.

Two periods: ``"current"`` units (34 provinces, 3,321 xã, phường and đặc khu, no districts, since 1/7/2025)
and ``"former"`` units (10,047 xã, phường and thị trấn under 696 districts, until 30/6/2025). A code alone
does not say which unit is meant: 25882 was xã Vĩnh Hòa until 30/6/2025 and is the new xã Phước Hòa since.

Names match in any Unicode form, with old or new tone placement ("Hoà" = "Hòa"), with or without the kind
("xã", "phường", "tỉnh", "thành phố", "tp"), and without diacritics when that leaves one candidate.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import ParameterError, UnitNotFoundError
from .i18n import N_, t, tn
from .text import ascii_fold, ascii_key, name_key, nfc

REGISTRY_DIR = Path(__file__).resolve().parent / "registry"
WHEN = ("current", "former")
#: Kind words that may precede a name in a query.
_UNIT_WORDS = ("xã", "phường", "thị trấn", "đặc khu")
_PROVINCE_WORDS = ("thành phố", "tỉnh", "tp")
_DISTRICT_WORDS = ("thành phố", "thị xã", "huyện", "quận", "tp", "tx")
_PROVINCE_ALIASES = {"hcm": "79", "tphcm": "79", "sai gon": "79", "hn": "01"}
_SHOWN = 12


@dataclass(frozen=True)
class Province:
    """A province: ``name`` without its kind ("Hồ Chí Minh"), ``kind`` "tỉnh" or "thành phố"."""

    code: str
    name: str
    kind: str
    period: str = "current"
    #: For a current province, the codes of the former provinces it was formed from.
    predecessors: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        """The full name: "Thành phố Hồ Chí Minh", "Tỉnh Đồng Nai"."""
        return f"{self.kind[:1].upper()}{self.kind[1:]} {self.name}" if self.kind else self.name


@dataclass(frozen=True)
class Unit:
    """A commune-level unit of one period (or, among predecessors, a district that had no communes)."""

    code: str
    name: str
    kind: str
    province_code: str
    province: str
    period: str
    district_code: str = ""
    district: str = ""
    district_kind: str = ""

    def __str__(self) -> str:
        place = ", ".join(p for p in (f"{self.district_kind} {self.district}".strip(), self.province) if p)
        return f"{self.kind} {self.name} ({self.code}, {place})"


@dataclass(frozen=True)
class District:
    """A district as it was until 30/6/2025."""

    code: str
    name: str
    kind: str
    province_code: str
    province: str
    units: int

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.code}, {self.province})"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REGISTRY_DIR / name, dtype=str, keep_default_na=False, na_filter=False)


class _Registry:
    """The registry's frames and look-up tables, read once."""

    def __init__(self) -> None:
        self.provinces = _read("provinces.csv")
        names = dict(zip(self.provinces["code"], self.provinces["name"], strict=True))
        current = _read("units_2025.csv")
        current["province"] = current["province_code"].map(names)
        self.current = current
        self.former = _read("units_2024.csv")
        self.districts = _read("districts_2024.csv")
        links = _read("successions.csv")
        self.pred: dict[str, list[tuple[str, str]]] = {}
        self.succ: dict[str, list[tuple[str, str]]] = {}
        for old, new, kind in zip(links["old_code"], links["new_code"], links["type"], strict=True):
            self.pred.setdefault(new, []).append((old, kind))
            self.succ.setdefault(old, []).append((new, kind))
        self.former_provinces = (
            self.former[["province_code", "province"]].drop_duplicates().sort_values("province_code")
        ).reset_index(drop=True)
        self._rows: dict[str, dict[str, int]] = {}
        self._keys: dict[str, tuple[list[str], list[str]]] = {}

    def frame(self, what: str) -> pd.DataFrame:
        return {"current": self.current, "former": self.former, "districts": self.districts}[what]

    def row_of(self, what: str) -> dict[str, int]:
        """Code → row position in the frame ``what``."""
        if what not in self._rows:
            self._rows[what] = {code: i for i, code in enumerate(self.frame(what)["code"])}
        return self._rows[what]

    def keys(self, what: str, names: pd.Series) -> tuple[list[str], list[str]]:
        """The exact and the diacritics-free keys of ``names`` (computed once per frame)."""
        if what not in self._keys:
            values = names.tolist()
            self._keys[what] = (
                [name_key(v, drop_kind=False) for v in values],
                [ascii_key(v, drop_kind=False) for v in values],
            )
        return self._keys[what]


@functools.cache
def _registry() -> _Registry:
    return _Registry()


def _check_when(when: str) -> str:
    if when not in WHEN:
        raise ParameterError(t("reg_bad_when", value=repr(when)))
    return when


def _unit(what: str, index: int) -> Unit:
    reg = _registry()
    row = reg.frame(what).iloc[index]
    if what == "current":
        return Unit(row["code"], row["name"], row["kind"], row["province_code"], row["province"], "current")
    return Unit(row["code"], row["name"], row["kind"], row["province_code"], row["province"], "former",
                row["district_code"], row["district"], row["district_kind"])  # fmt: skip


# --------------------------------------------------------------------------- frames


def current_units() -> pd.DataFrame:
    """The 3,321 units since 1/7/2025: code, name, kind (xã, phường, đặc khu), province_code, province."""
    return _registry().current.copy()


def former_units() -> pd.DataFrame:
    """The 10,047 units until 30/6/2025: code, name, kind (xã, phường, thị trấn), district and province."""
    return _registry().former.copy()


def former_districts() -> pd.DataFrame:
    """The 696 districts until 30/6/2025: code, name, kind, province_code, province, units (their count)."""
    return _registry().districts.copy()


@functools.cache
def _province_kinds() -> dict[str, str]:
    frame = _read("provinces.csv")
    return {name_key(n, drop_kind=False): k for n, k in zip(frame["name"], frame["kind"], strict=True)}


def province_kind(name: object) -> str:
    """The kind of the province named ``name`` ("Hồ Chí Minh" → "thành phố", "Đồng Nai" → "tỉnh").

    Only ``provinces.csv`` is read (not the unit lists). A former province keeps its kind when its name is
    a current one's (the five cities under the central government before 2025); any other name is a "tỉnh".
    """
    return _province_kinds().get(name_key(str(name), drop_kind=False), "tỉnh")


def provinces() -> pd.DataFrame:
    """The 34 provinces since 1/7/2025: code, name, kind, predecessors (former province codes, ``;``-separated)."""
    return _registry().provinces.copy()


# --------------------------------------------------------------------------- matching


def _query_keys(query: str, kind_words: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """Exact and diacritics-free keys a query may mean: as written, and without a leading kind word."""
    exact_words = name_key(query, drop_kind=False).split()
    loose_words = ascii_key(query, drop_kind=False).split()
    exact, loose = {" ".join(exact_words)}, {" ".join(loose_words)}
    for word in (*_UNIT_WORDS, *kind_words):
        exact_kind, loose_kind = name_key(word, drop_kind=False).split(), ascii_key(word, drop_kind=False).split()
        if len(loose_words) > len(loose_kind) and loose_words[: len(loose_kind)] == loose_kind:
            loose.add(" ".join(loose_words[len(loose_kind) :]))
        if len(exact_words) > len(exact_kind) and exact_words[: len(exact_kind)] == exact_kind:
            exact.add(" ".join(exact_words[len(exact_kind) :]))
    return exact, loose


def _match(query: str, keys: tuple[list[str], list[str]], kind_words=(), allowed=None) -> list[int]:
    """Positions of the names ``query`` means (among ``allowed``).

    A query with diacritics matches exactly (any Unicode form or tone placement), else without diacritics; a
    query without any ("thanh an") may mean any name that folds to it ("Thanh An", "Thạnh An").
    """
    exact, loose = _query_keys(query, kind_words)
    positions = range(len(keys[0])) if allowed is None else sorted(allowed)
    found = [] if ascii_fold(query) == query else [i for i in positions if keys[0][i] in exact]
    return found or [i for i in positions if keys[1][i] in loose]


#: For ``when`` ("current", "former"): the message keys of a code no unit has, of a code known the other way,
#: and of a name no unit has.
WHEN_KEYS = {
    "current": (N_("reg_no_current_code"), N_("reg_as_current"), N_("reg_no_current_name")),
    "former": (N_("reg_no_former_code"), N_("reg_as_former"), N_("reg_no_former_name")),
}


def _suggest(query: str, labels: list[str], keys: list[str]) -> str:
    close = difflib.get_close_matches(ascii_key(query), keys, n=3, cutoff=0.75)
    picks = [labels[keys.index(key)] for key in close]
    return t("param_did_you_mean", names=t("param_or").join(picks)) if picks else ""


def _listed(items: list[object]) -> str:
    shown = "; ".join(str(item) for item in items[:_SHOWN])
    more = "; " + tn("cli_more_problems", len(items) - _SHOWN) if len(items) > _SHOWN else ""
    return shown + more


def _former_province(query: object) -> Province | None:
    """The former province named or coded ``query``, or None."""
    reg = _registry()
    frame = reg.former_provinces
    text = nfc(str(query)).strip()
    if text.isdigit():
        rows = frame.index[frame["province_code"] == text.zfill(2)].tolist()
    else:
        names = frame["province"].tolist()
        keys = ([name_key(n, drop_kind=False) for n in names], [ascii_key(n, drop_kind=False) for n in names])
        rows = _match(text, keys, _PROVINCE_WORDS)
    if len(rows) != 1:
        return None
    row = frame.iloc[rows[0]]
    return Province(row["province_code"], row["province"], "", "former")


def _province(index: int) -> Province:
    row = _registry().provinces.iloc[index]
    return Province(row["code"], row["name"], row["kind"], "current", tuple(row["predecessors"].split(";")))


def find_province(query: object, *, when: str = "current") -> Province:
    """Return the province coded or named ``query`` ("79", "Thành phố Hồ Chí Minh", "tp hcm", "ho chi minh").

    Args:
        query: A province code or name.
        when: ``"current"`` (the 34 provinces since 1/7/2025) or ``"former"`` (the 63 until 30/6/2025).

    Raises:
        UnitNotFoundError: when no province matches, with the current province of a former one.
    """
    _check_when(when)
    text = nfc(str(query)).strip()
    if when == "former":
        found = _former_province(text)
        if found is None:
            raise UnitNotFoundError(t("reg_no_former_province", name=text))
        return found
    reg = _registry()
    frame = reg.provinces
    codes = frame["code"].tolist()
    if text.isdigit() and text.zfill(2) in codes:
        return _province(codes.index(text.zfill(2)))
    alias = _PROVINCE_ALIASES.get(ascii_key(text))
    for word in _PROVINCE_WORDS:
        if alias is None and ascii_key(text).startswith(word + " "):
            alias = _PROVINCE_ALIASES.get(ascii_key(text)[len(word) + 1 :])
    if alias:
        return _province(codes.index(alias))
    names = frame["name"]
    rows = _match(text, reg.keys("provinces", names), _PROVINCE_WORDS)
    if len(rows) == 1:
        return _province(rows[0])
    if len(rows) > 1:
        listed = _listed([_province(i).full_name + f" ({codes[i]})" for i in rows])
        raise UnitNotFoundError(t("reg_several_provinces", name=text, provinces=listed))
    former = _former_province(text)
    if former is not None:
        now = [_province(i) for i, p in enumerate(frame["predecessors"]) if former.code in p.split(";")]
        raise UnitNotFoundError(
            t("reg_merged_province", name=text, provinces=", ".join(f"{p.full_name} ({p.code})" for p in now))
        )
    hint = _suggest(text, [f"{n} ({c})" for n, c in zip(names, codes, strict=True)], reg.keys("provinces", names)[1])
    raise UnitNotFoundError(t("reg_no_province", name=text, hint=hint))


def _province_codes(province: object, when: str) -> set[str]:
    """The province codes of ``when`` that ``province`` means.

    For former units, ``province`` is a former province, or a current one standing for its predecessors.
    """
    if when == "current":
        return {find_province(province).code}
    former = _former_province(province)
    try:
        codes = set(find_province(province).predecessors)
    except UnitNotFoundError:
        if former is None:
            raise
        codes = set()
    return codes | ({former.code} if former else set())


def find_unit(query: object, *, when: str = "current", province: object | None = None) -> Unit:
    """Return the unit coded or named ``query`` in the period ``when``.

    Args:
        query: A 5-digit code, or a name ("Phước Hòa", "xã Phước Hoà", "phuoc hoa").
        when: ``"current"`` (since 1/7/2025) or ``"former"`` (until 30/6/2025).
        province: Optionally narrow to a province: a current one; for former units a former one, or the
            current province the former units now belong to.

    Raises:
        UnitNotFoundError: when nothing matches, or several units do (the message lists them with their
            province and district).
    """
    _check_when(when)
    reg = _registry()
    frame = reg.frame(when)
    text = nfc(str(query)).strip()
    if text.isdigit():
        code = text.zfill(5)
        index = reg.row_of(when).get(code)
        if index is None or (province is not None and frame.at[index, "province_code"] not in
                             _province_codes(province, when)):  # fmt: skip
            other = "former" if when == "current" else "current"
            known = reg.row_of(other).get(code)
            hint = "" if known is None else t(WHEN_KEYS[other][1], code=code, unit=_unit(other, known))
            where = t("reg_in_that_province") if province else ""
            raise UnitNotFoundError(t(WHEN_KEYS[when][0], code=text, where=where, hint=hint))
        return _unit(when, index)
    names = frame["name"]
    allowed = None
    if province is not None:
        codes = _province_codes(province, when)
        allowed = set(frame.index[frame["province_code"].isin(codes)])
    rows = _match(text, reg.keys(when, names), allowed=allowed)
    if len(rows) == 1:
        return _unit(when, rows[0])
    where = t("param_in_province", province=province) if province is not None else ""
    if len(rows) > 1:
        listed = _listed([_unit(when, i) for i in rows])
        several = tn("reg_several_current", len(rows), name=text, where=where, units=listed)
        if when == "former":
            several = tn("reg_several_former", len(rows), name=text, where=where, units=listed)
        raise UnitNotFoundError(several)
    labels = [f"{n} ({c})" for n, c in zip(names, frame["code"], strict=True)]
    hint = _suggest(text, labels, reg.keys(when, names)[1]) if province is None else ""
    raise UnitNotFoundError(t(WHEN_KEYS[when][2], name=text, where=where, hint=hint))


def find_district(query: object, *, province: object | None = None) -> District:
    """Return the district (until 30/6/2025) coded or named ``query`` ("722", "Phú Giáo", "huyện Phú Giáo").

    Args:
        query: A 3-digit district code or a district name.
        province: Optionally narrow to a former province, or to the former provinces of a current one.

    Raises:
        UnitNotFoundError: when nothing or several districts match.
    """
    reg = _registry()
    frame = reg.districts
    text = nfc(str(query)).strip()
    if text.isdigit():
        rows = frame.index[frame["code"] == text.zfill(3)].tolist()
    else:
        names = frame["name"]
        allowed = None
        if province is not None:
            codes = _province_codes(province, "former")
            allowed = set(frame.index[frame["province_code"].isin(codes)])
        rows = _match(text, reg.keys("districts", names), _DISTRICT_WORDS, allowed)
    if province is not None and text.isdigit():
        codes = _province_codes(province, "former")
        rows = [i for i in rows if frame.at[i, "province_code"] in codes]
    found = [_district(i) for i in rows]
    where = t("param_in_province", province=province) if province is not None else ""
    if len(found) == 1:
        return found[0]
    if found:
        listed = _listed(found)
        raise UnitNotFoundError(tn("reg_several_districts", len(found), name=text, where=where, districts=listed))
    raise UnitNotFoundError(t("reg_no_district", name=text, where=where))


def _district(index: int) -> District:
    row = _registry().districts.iloc[index]
    return District(row["code"], row["name"], row["kind"], row["province_code"], row["province"], int(row["units"]))


def district_units(district: District) -> pd.DataFrame:
    """The former units of ``district``, in code order."""
    frame = _registry().former
    return frame[frame["district_code"] == district.code].reset_index(drop=True)


# --------------------------------------------------------------------------- successions


def _former(code: str) -> Unit:
    reg = _registry()
    index = reg.row_of("former").get(code)
    if index is not None:
        return _unit("former", index)
    row = reg.districts.iloc[reg.row_of("districts")[code]]
    return Unit(code, row["name"], row["kind"], row["province_code"], row["province"], "former", code, row["name"],
                row["kind"])  # fmt: skip


def predecessors(new_code: object) -> list[tuple[Unit, str]]:
    """The former units (or districts without communes) a current unit was formed from, each "full" or "partial".

    "partial" means only part of the old unit went to this one; no official share is published.

    Raises:
        UnitNotFoundError: when ``new_code`` is not a current unit's code.
    """
    code = str(new_code).strip().zfill(5)
    links = _registry().pred.get(code)
    if not links:
        raise UnitNotFoundError(t("reg_predecessors_code", code=new_code))
    return [(_former(old), kind) for old, kind in links]


def successors(old_code: object) -> list[tuple[Unit, str]]:
    """The current unit(s) a former unit went to, each "full" (all of it) or "partial" (a part of it).

    Raises:
        UnitNotFoundError: when ``old_code`` is not a former unit's (or former district's) code.
    """
    text = str(old_code).strip()
    reg = _registry()
    links = reg.succ.get(text.zfill(5)) or reg.succ.get(text.zfill(3))
    if not links:
        raise UnitNotFoundError(t("reg_successors_code", code=old_code))
    return [(_unit("current", reg.row_of("current")[new]), kind) for new, kind in links]


# --------------------------------------------------------------------------- coordinates


@functools.cache
def _coordinates() -> dict[str, pd.DataFrame]:
    path = REGISTRY_DIR / "coordinates.csv"
    frame = pd.read_csv(path, dtype={"code": str, "when": str, "lat": float, "lon": float})
    return {when: part.set_index("code")[["lat", "lon"]] for when, part in frame.groupby("when")}


def coordinates(codes: object, *, when: str = "current") -> pd.DataFrame:
    """Latitude and longitude of units of the period ``when``, from ``coordinates.csv`` (see PROVENANCE.md).

    Args:
        codes: Unit codes (``"25858"`` or ``25858``; 5 digits once padded).
        when: ``"current"`` (since 1/7/2025) or ``"former"`` (until 30/6/2025): a code alone does not say
            which unit is meant.

    Returns:
        One row per code, in the order given, index ``code``; columns ``lat`` and ``lon`` (degrees), NaN
        for a code without a point (unknown in that period, or a former unit whose geocoded point was vague).
    """
    _check_when(when)
    wanted = [str(code).strip().zfill(5) for code in ([codes] if isinstance(codes, (str, int)) else codes)]
    table = _coordinates().get(when, pd.DataFrame(columns=["lat", "lon"], dtype=float))
    found = table.reindex(pd.Index(wanted, name="code"))
    return found.astype(float)
