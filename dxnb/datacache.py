"""The cache of validated datasets: a hit skips validation, any change of any file is a miss.

``<cache>/datasets/<key>/`` holds one validated dataset: ``head.pkl`` (units, catalogue, notes,
hashes, warnings and the peer group of every unit) and ``obs-<n>.pkl``, the observations of peer
group n. The key is the SHA-256 of the files' digests and :func:`~dxnb.version.package_fingerprint`
(every file of the package and the data contract) and the current language (the warnings are worded in it), so a
change of any of them misses the cache. Entries are written
to a temporary folder and renamed into place (a reader never sees a partial entry); the most
recently used ``CACHE_KEEP`` entries are kept. ``DXNB_CACHE_DIR`` moves the cache ("off" disables it).

A batch's kernels trust the driver's hashes instead of reading and hashing every file again (65 ms
per report at 3,321 units): the driver passes :func:`trust_token` (each file's size, ``mtime_ns`` and
SHA-256, checked unchanged around a read of its own) in ``DXNB_DATASET_TRUST``, and
:func:`trusted_hashes` accepts it only for the same folder and files whose size and ``mtime_ns`` are
unchanged; anything else is read and hashed as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .i18n import get_language
from .paths import PROJECT_ROOT
from .units import peer_group_keys, peer_scope
from .version import package_fingerprint as package_fingerprint  # the batch's "package code" uses it too

if TYPE_CHECKING:
    from .dataset import Dataset

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
CACHE_KEEP = 6
#: The environment variable that carries :func:`trust_token` to the kernels.
TRUST_VARIABLE = "DXNB_DATASET_TRUST"
#: A file modified less than this long before the token was made is not trusted: another write within
#: the file system's time resolution could leave its size and ``mtime_ns`` unchanged.
TRUST_MIN_AGE_S = 2.0


def cache_root() -> Path | None:
    """The cache folder (``<project>/.cache/dxnb`` by default), or None when disabled."""
    setting = os.environ.get("DXNB_CACHE_DIR", "").strip()
    if setting.lower() in ("off", "0", "none"):
        return None
    return Path(setting).expanduser() if setting else PROJECT_ROOT / ".cache" / "dxnb"


def _code_fingerprint() -> str:
    """The code part of the key: the cache format, pandas (it writes the pickles) and the package's fingerprint."""
    return f"{CACHE_FORMAT}|{pd.__version__}|{package_fingerprint()}"


def _cache_key(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(f"lang:{get_language()}\n".encode())  # the warnings are worded in the current language
    for name in sorted(hashes):
        digest.update(f"{name}:{hashes[name]}\n".encode())
    return digest.hexdigest()[:40]


def scoped(dataset: Dataset, codes: Iterable[str]) -> Dataset:
    """``dataset`` with the observations of the peer groups of ``codes`` only."""
    scope = peer_scope(peer_group_keys(dataset.units), _keys(dataset.units, codes, dataset.successions))
    obs = dataset.observations
    keep = obs[obs["unit_key"].isin(scope)].reset_index(drop=True)
    return replace(dataset, observations=keep, scope=scope)


def _keys(units, codes: Iterable[str], successions=None) -> list[str]:
    """The unit keys of ``codes``: every lifetime of each code and of its predecessors (see :mod:`dxnb.lifetime`)."""
    codes = set(codes)
    if successions is not None and len(successions):  # a new unit's history needs its former units' figures
        codes |= set(successions.loc[successions["new_code"].isin(codes), "old_code"])
    return units.index[units.index.isin(codes) | units["code"].isin(codes)].tolist()


def _stat(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


def trust_token(folder: Path | str, names: Iterable[str], hashes: dict[str, str]) -> str | None:
    """The token that lets kernels trust ``hashes`` for the files ``names`` of ``folder``, or None.

    The files are read and hashed once more between two stat calls: the token is only made when
    neither their size and ``mtime_ns`` nor their content changed meanwhile (and when each is at least
    :data:`TRUST_MIN_AGE_S` old), so it never vouches for content it has not seen.
    """
    folder = Path(folder).resolve()
    files = {}
    now = time.time_ns()
    try:
        for name in names:
            path = folder / name
            before = _stat(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if _stat(path) != before or digest != hashes.get(name) or now - before[1] < TRUST_MIN_AGE_S * 1e9:
                return None
            files[name] = [*before, digest]
    except OSError:
        return None
    return json.dumps({"path": str(folder), "files": files}, sort_keys=True)


def trusted_hashes(folder: Path | str, names: Iterable[str] | None = None) -> dict[str, str] | None:
    """The files' hashes from the driver's token (``DXNB_DATASET_TRUST``), or None when it does not apply.

    It applies when the token names this folder and these files, and each file's size and
    ``mtime_ns`` are those the token records; then nothing is read or hashed.
    """
    token = os.environ.get(TRUST_VARIABLE)
    if not token:
        return None
    try:
        trust = json.loads(token)
        if Path(trust["path"]) != Path(folder).resolve():
            return None
        files = trust["files"]
        hashes = {}
        for name in files if names is None else names:  # by default every file the driver hashed
            size, mtime_ns, digest = files[name]
            if _stat(Path(folder) / name) != [size, mtime_ns]:
                log.debug("%s changed since the batch started: read and hashed", name)
                return None
            hashes[name] = digest
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return hashes


def load_entry(
    raws: dict[str, bytes] | None, units: Iterable[str] | None, hashes: dict[str, str] | None = None
) -> dict[str, object] | None:
    """The fields of the cached dataset of the files' bytes ``raws`` (all but its path), or None on a miss.

    Args:
        raws: The bytes of every dataset file (None when ``hashes`` is given).
        units: When given, read the observations of these units' peer groups only and set ``scope``.
        hashes: The files' SHA-256 digests, when known (:func:`trusted_hashes`): the bytes are not needed.
    """
    root = cache_root()
    if root is None:
        return None
    if hashes is None:
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
            units = _keys(head["units"], units, head["successions"])
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
    scope = None if units is None else peer_scope(head["group_of"], units)
    return {
        "units": head["units"],
        "catalogue": head["catalogue"],
        "observations": observations,
        "notes": head["notes"],
        "hashes": hashes,
        "warnings": head["warnings"],
        "scope": scope,
        "successions": head["successions"],
        "frameworks": head.get("frameworks", {}),
    }


def store_entry(dataset: Dataset, keep: int = CACHE_KEEP) -> None:
    """Cache a whole validated ``dataset``, keeping the ``keep`` most recently used entries.

    Does nothing when the cache is disabled, the dataset is scoped or already cached; a disk
    that cannot be written is logged at debug level and otherwise ignored.
    """
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
        group_of = peer_group_keys(dataset.units)
        obs = dataset.observations
        by_group = obs.groupby(obs["unit_key"].map(group_of), sort=True).indices if len(obs) else {}
        groups = {key: n for n, key in enumerate(sorted(set(group_of) | set(by_group)))}
        for key, n in groups.items():
            rows = by_group.get(key)
            part = obs.iloc[rows] if rows is not None else obs.iloc[:0]
            (tmp / f"obs-{n}.pkl").write_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        head = {
            "hashes": dataset.hashes,
            "units": dataset.units,
            "catalogue": dataset.catalogue,
            "frameworks": dataset.frameworks,
            "notes": dataset.notes,
            "successions": dataset.successions,
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
        _prune(folder, keep)
    except OSError as exc:  # a read-only or full disk: work without the cache
        log.debug("dataset cache not written to %s: %s", folder, exc)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _prune(folder: Path, keep: int) -> None:
    """Keep the ``keep`` most recently used entries; drop temporary folders left by a crash."""
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
    for _, path in sorted(entries, reverse=True)[keep:]:
        shutil.rmtree(path, ignore_errors=True)
