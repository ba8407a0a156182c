"""The ``dxnb`` command line: ``check``, ``reports``, ``template`` and ``import``.

User mistakes end with a clear message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import __version__
from .dataset import check_dataset
from .errors import DxnbError

log = logging.getLogger(__name__)
MAX_PROBLEMS = 60
EXIT_USAGE = 2


def _data_arg(value: str) -> Path:
    """A ``--data`` folder as the user typed it: relative to the current directory."""
    return Path(value).expanduser().resolve()


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` (the bundled ``data/`` by default)."""
    parser.add_argument(
        "--data", type=_data_arg, default=None, metavar="DIR", help="dataset folder (default: the bundled data/)"
    )


def print_problems(problems, stream=None) -> None:
    """Print problems, errors first, at most ``MAX_PROBLEMS`` of them."""
    stream = stream or sys.stderr
    ordered = sorted(problems, key=lambda p: not p.is_error)
    for problem in ordered[:MAX_PROBLEMS]:
        print(problem, file=stream)
    if len(ordered) > MAX_PROBLEMS:
        print(f"… and {len(ordered) - MAX_PROBLEMS} more", file=stream)


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a dataset and print its summary or its problems."""
    dataset, problems = check_dataset(args.data)
    if dataset is None:
        errors = sum(p.is_error for p in problems)
        print(f"{errors} error(s) in the dataset; fix them and run `dxnb check` again:", file=sys.stderr)
        print_problems(problems)
        return EXIT_USAGE
    print_problems(dataset.warnings)
    print(f"OK: {dataset.summary()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="dxnb", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dxnb {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="validate a dataset and print its summary")
    add_data_option(check)
    check.set_defaults(func=cmd_check)
    for register in _subcommands():
        register(sub)
    return parser


def _subcommands():
    """Registration functions of the subcommands that live in their own modules (``register(subparsers)``)."""
    from . import batch, intake

    return [batch.register, intake.register]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    try:
        return int(args.func(args) or 0)
    except DxnbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a folder that cannot be created, a file that cannot be read or written
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where} — check the path and its permissions", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
