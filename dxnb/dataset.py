"""Loading and validating a dataset folder (the data contract of ``data/README.md``).

A dataset is a folder with ``units.csv``, ``pillars.csv``, ``indicators.csv``,
``observations.csv`` and ``notes.csv``. :func:`load_dataset` reads it into pandas frames and
refuses it with a :class:`~dxnb.errors.DataError` listing every problem, each located as
``file:row: column: what is wrong — how to fix``. Row numbers are the file's line numbers
(the header is line 1), which are also the row numbers Excel shows. The checks are in
:mod:`dxnb.validate`, the cache of validated datasets in :mod:`dxnb.datacache`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import catalogue as cat
from . import datacache, dataset_frameworks
from .datacache import CACHE_KEEP
from .datacache import cache_root as cache_root  # re-exported: the cache's folder
from .datafiles import COLUMNS as COLUMNS  # re-exported: the data contract, used as dataset.COLUMNS
from .datafiles import FILES as FILES  # re-exported
from .datafiles import OPTIONAL_FILES, read_csv
from .errors import DataError, Problem
from .i18n import t, tn
from .lifetime import SUCCESSION_COLUMNS, UNIT_EXTRA_COLUMNS, has_lifetimes, keys_of, unit_keys
from .params import find_unit as find_unit  # re-exported: dxnb.find_unit
from .params import period_key
from .paths import resolve_data_dir
from .text import nfc, stripped
from .validate import (
    CODE_LENGTH,  # noqa: F401 - re-exported: report.py imports it from here
    UNIT_COUNTS,
    canonical_places,
    check_catalogue,
    check_denominators,
    check_notes,
    check_observations,
    check_units,
    group_problems,
)
from .validate_lifetime import check_lifetimes

log = logging.getLogger(__name__)


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
    #: The framework in force for each period ``frameworks.csv`` names (see :mod:`dxnb.framework`); the other
    #: periods are scored with :attr:`catalogue`.
    frameworks: dict[str, cat.Catalogue] = field(default_factory=dict)
    #: ``successions.csv`` (old_code, new_code, date, type, share, source); empty when absent.
    successions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SUCCESSION_COLUMNS)))
    #: For the view of one period (:meth:`at`): the period and the whole dataset.
    period: str | None = None
    parent: Dataset | None = field(default=None, repr=False, compare=False)
    _views: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def has_lifetimes(self) -> bool:
        """Whether units carry lifetimes (``valid_from``/``valid_to``), so that a code's unit depends on the period."""
        cached = self._views.get("has_lifetimes")  # asked on every per-period call: computed once per units frame
        if cached is None or cached[0] is not self.units:
            cached = self._views["has_lifetimes"] = (self.units, has_lifetimes(self.units))
        return cached[1]

    @property
    def whole(self) -> Dataset:
        """The whole dataset (this one unless it is the view of one period)."""
        return self.parent if self.parent is not None else self

    def at(self, period: object) -> Dataset:
        """The dataset as seen in ``period``: the units alive on its last day, indexed by code, and their observations.

        Observations (and notes) of the same code from another unit's lifetime are left out. A dataset
        without lifetimes is its own view.
        """
        period = str(period).strip()
        if self.parent is not None:
            if period == self.period or self.parent._views.get(self.period) is not self:
                return self  # the same period, or a copy with frames of its own (dataclasses.replace)
            return self.parent.at(period)
        if not self.has_lifetimes:
            return self
        view = self._views.get(period)
        if view is None:
            from .lifetime import view_of  # the view's assembly, next to the lifetime rules

            view = self._views[period] = view_of(self, period)
        return view

    @property
    def periods(self) -> list[str]:
        """Periods with observations, oldest first (months and quarters before the year they end with)."""
        return sorted(self.observations["period"].unique().tolist(), key=period_key)

    def catalogue_for(self, period: object) -> cat.Catalogue:
        """The catalogue in force for ``period``: its framework in ``frameworks.csv``, else :attr:`catalogue`."""
        return self.frameworks.get(str(period).strip(), self.catalogue)

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
        from .periods import default_candidates  # years, quarters and months apart

        span = "; ".join(
            ", ".join(group) if len(group) <= 4 else f"{group[0]}–{group[-1]}"
            for group in default_candidates(self.periods)
        )
        indicators = tn("ds_indicators", len(self.catalogue))
        in_force = {p: c for p, c in self.frameworks.items() if p in set(self.periods)}
        if in_force:  # the indicators of every framework of the dataset's periods, not only its own
            count = len({id(c) for c in in_force.values()})
            known = dataset_frameworks.union_catalogue(self.catalogue, in_force)
            indicators = tn("ds_indicators_in", len(known), frameworks=tn("ds_frameworks", count))
        return t(
            "ds_summary",
            units=tn("ds_units", len(self.units)),
            indicators=indicators,
            observations=tn("ds_observations", len(self.observations)),
            periods=span or t("ds_no_periods"),
        )


# --------------------------------------------------------------------------- reading


def _read_bytes(folder: Path) -> dict[str, bytes | None]:
    """The raw bytes of each dataset file (None when missing), read once."""
    raws: dict[str, bytes | None] = {}
    for name in FILES:
        try:
            raws[name] = (folder / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raws[name] = None
    for name in OPTIONAL_FILES:
        if (folder / name).is_file():
            raws[name] = (folder / name).read_bytes()
    raws.update(dataset_frameworks.dataset_raws(folder))  # frameworks.csv and the dataset's own frameworks
    return raws


# --------------------------------------------------------------------------- assembling


def _units_frame(units: pd.DataFrame) -> pd.DataFrame:
    frame = units.copy()
    for column in frame.columns:
        frame[column] = _clean_text(frame[column])
    for column in UNIT_COUNTS:
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype(float)
    for column in ("estimated_fields", *UNIT_EXTRA_COLUMNS):
        if column not in frame.columns:
            frame[column] = ""
    frame["kind"] = frame["kind"].str.casefold()
    for column in ("district", "province"):
        frame[column] = canonical_places(frame[column])
    keys = unit_keys(frame)
    frame["unit_key"] = keys
    return frame.set_index(keys, drop=False).rename_axis(None)


def _with_keys(frame: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (observations or notes) with ``unit_key``: the key of the unit each row belongs to."""
    frame["unit_key"] = keys_of(units, frame["unit_code"], frame["period"]) if len(frame) else frame["unit_code"]
    return frame


def _successions_frame(links: pd.DataFrame | None) -> pd.DataFrame:
    if links is None:
        return pd.DataFrame(columns=list(SUCCESSION_COLUMNS))
    frame = links.copy()
    for column in SUCCESSION_COLUMNS:
        frame[column] = _clean_text(frame[column]) if column in frame.columns else ""
    return frame[list(SUCCESSION_COLUMNS)].reset_index(drop=True)


def _clean_text(column: pd.Series) -> pd.Series:
    """Each cell in NFC, stripped; each distinct text cleaned once (sources repeat over many rows)."""
    return column.map({v: nfc(str(v)).strip() for v in column.unique()})


#: The columns of observations.csv and notes.csv read without their surrounding spaces by every check and by the
#: dataset: stripped once as the file is read (a country's 100,000 rows were stripped some twenty times over).
KEY_COLUMNS = ("unit_code", "period", "indicator", "value", "qualifier")


def _keys_stripped(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with its :data:`KEY_COLUMNS` stripped (a new frame; the checks then read them as they are)."""
    if frame is None:
        return None
    return frame.assign(**{c: stripped(frame[c]) for c in KEY_COLUMNS if c in frame.columns})


def _observations_frame(obs: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "unit_code": obs["unit_code"],  # stripped as read (KEY_COLUMNS)
            "period": obs["period"],
            "indicator": obs["indicator"],
            "value": values.astype(float),
            "source": _clean_text(obs["source"]),
            "note": _clean_text(obs["note"]),
            "qualifier": obs["qualifier"] if "qualifier" in obs.columns else "",
        }
    )
    frame = frame.drop_duplicates(["unit_code", "period", "indicator"])
    return frame.reset_index(drop=True)


def _notes_frame(notes: pd.DataFrame) -> pd.DataFrame:
    frame = notes.copy()
    for column in frame.columns:
        frame[column] = _clean_text(frame[column])
    if "source" not in frame.columns:
        frame["source"] = ""
    return frame.reset_index(drop=True)


def check_dataset(data_dir: str | Path | None = None) -> tuple[Dataset | None, list[Problem]]:
    """Read and validate a dataset folder; return the dataset (None on errors) and all problems.

    Problems that differ only by row are merged and at most ``validate.MAX_PROBLEMS`` are returned
    (see :func:`dxnb.validate.group_problems`). The files are only read.
    """
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
                t("ds_folder_missing"),
                t("ds_folder_missing_hint"),
            )
        )
        return None, problems
    hashes: dict[str, str] = {}
    frames = {name: read_csv(folder, name, problems, hashes, raws[name]) for name in FILES}
    units, pillars, indicators = frames["units.csv"], frames["pillars.csv"], frames["indicators.csv"]
    observations, notes = _keys_stripped(frames["observations.csv"]), _keys_stripped(frames["notes.csv"])
    if units is not None:
        check_units(units, problems)
    catalogue = None
    if pillars is not None and indicators is not None:
        before = len(problems)
        check_catalogue(pillars, indicators, problems)
        if not any(p.is_error for p in problems[before:]):
            catalogue = cat.build_catalogue(pillars.map(str.strip), indicators.map(lambda v: nfc(str(v)).strip()))
    frameworks = dataset_frameworks.dataset_frameworks(folder, raws, hashes, problems) if catalogue is not None else {}
    known = None if catalogue is None else dataset_frameworks.union_catalogue(catalogue, frameworks)
    values = None
    if observations is not None:
        values = check_observations(observations, units, known, problems)
        if units is not None and catalogue is not None:
            check_denominators(observations, values, units, known, problems)
            dataset_frameworks.check_period_observations(observations, values, catalogue, frameworks, problems)
    if notes is not None:
        check_notes(notes, units, problems)
    links = None
    if "successions.csv" in raws:
        links = read_csv(folder, "successions.csv", problems, hashes, raws["successions.csv"])
    check_lifetimes(units, observations, notes, links, indicators, problems)
    problems = group_problems(problems)
    if any(p.is_error for p in problems) or any(f is None for f in frames.values()):
        return None, problems
    unit_frame = _units_frame(units)
    dataset = Dataset(
        path=folder,
        units=unit_frame,
        catalogue=catalogue,
        observations=_with_keys(_observations_frame(observations, values), unit_frame),
        notes=_with_keys(_notes_frame(notes), unit_frame),
        hashes=hashes,
        warnings=[p for p in problems if not p.is_error],
        successions=_successions_frame(links),
        frameworks=frameworks,
    )
    return dataset, problems


def load_dataset(data_dir: str | Path | None = None, *, units: Iterable[str] | None = None) -> Dataset:
    """Load and validate a dataset folder (``data/`` by default, relative paths from the project root).

    A validated dataset is cached (see :mod:`dxnb.datacache`): the files are read and
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
    units = None if units is None else [str(c).strip() for c in units]
    dataset = None
    trusted = datacache.trusted_hashes(folder)  # a batch's kernel: the driver hashed the files
    if trusted is not None:
        cached = datacache.load_entry(None, units, hashes=trusted)
        dataset = None if cached is None else Dataset(path=folder, **cached)
    raws = _read_bytes(folder) if dataset is None and folder.is_dir() else None
    if dataset is None and raws is not None and all(raw is not None for raw in raws.values()):
        cached = datacache.load_entry(raws, units)
        dataset = None if cached is None else Dataset(path=folder, **cached)
    if dataset is None:
        dataset, problems = _check(folder, raws)
        if dataset is None:
            raise DataError(problems)
        datacache.store_entry(dataset, keep=CACHE_KEEP)
        if units is not None:
            dataset = datacache.scoped(dataset, units)
    for warning in dataset.warnings:
        log.warning("%s", warning)
    return dataset
