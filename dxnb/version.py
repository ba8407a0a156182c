"""The package's version and a fingerprint of its code, for cache keys.

Modules import these from here rather than from the package, so that importing one never needs the
whole package. :func:`package_fingerprint` changes whenever any file of the package (its code and
templates) or the data contract changes, so that a cache keyed on it is never served by older code.
"""

from __future__ import annotations

import hashlib
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .paths import DATA_DIR

try:
    __version__ = version("dxnb")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

PACKAGE_DIR = Path(__file__).resolve().parent
#: The data contract: what a dataset folder must hold (``data/README.md``; absent from an installed copy).
CONTRACT_FILES = (DATA_DIR / "README.md",)

_lock = threading.Lock()
_memo: dict[str, object] = {"stats": None, "digest": ""}


def package_files() -> list[Path]:
    """Every file the fingerprint covers: the package's files (code, templates) and the data contract, sorted."""
    files = [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [p for p in CONTRACT_FILES if p.is_file()]
    return sorted(files)


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE_DIR).as_posix() if path.is_relative_to(PACKAGE_DIR) else f"contract/{path.name}"


def package_fingerprint() -> str:
    """SHA-256 over the version and the name and bytes of every file of :func:`package_files`.

    The files are hashed once per process and again only when one of them is added, removed, or
    changes size or modification time (a stat of each file per call).
    """
    files = package_files()
    stats = tuple((str(p), s.st_size, s.st_mtime_ns) for p, s in ((p, p.stat()) for p in files))
    with _lock:
        if _memo["stats"] == stats:
            return str(_memo["digest"])
        digest = hashlib.sha256(__version__.encode() + b"\0")
        for path in files:
            digest.update(_name(path).encode() + b"\0" + path.read_bytes() + b"\0")
        _memo.update(stats=stats, digest=digest.hexdigest())
        return str(_memo["digest"])
