"""The ``dxnb`` command line: ``check``, ``reports``, ``template`` and ``import``.

This module owns every command, its arguments and everything the command line prints; the library
modules return results (:class:`~dxnb.batch.BatchResult`, :class:`~dxnb.intake.ImportPlan`, paths)
and log. User mistakes end with a clear message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import __version__
from .dataset import check_dataset
from .errors import DxnbError, FormError

log = logging.getLogger(__name__)
MAX_PROBLEMS = 60
EXIT_USAGE = 2


def _path_arg(value: str) -> Path:
    """A path as the user typed it: relative to the current directory."""
    return Path(value).expanduser().resolve()


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` (the bundled ``data/`` by default)."""
    parser.add_argument(
        "--data", type=_path_arg, default=None, metavar="DIR", help="dataset folder (default: the bundled data/)"
    )


def print_problems(problems, stream=None) -> None:
    """Print problems, errors first, at most ``MAX_PROBLEMS`` of them."""
    stream = stream or sys.stderr
    ordered = sorted(problems, key=lambda p: not p.is_error)
    for problem in ordered[:MAX_PROBLEMS]:
        print(problem, file=stream)
    if len(ordered) > MAX_PROBLEMS:
        print(f"… and {len(ordered) - MAX_PROBLEMS} more", file=stream)


# ---------------------------------------------------------------------------- dxnb check


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


# ---------------------------------------------------------------------------- dxnb reports


class ReportProgress:
    """Progress over the reports: a tqdm bar with ETA on a terminal, plain log lines otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None

    def __call__(self, done: int, total: int, job, outcome) -> None:
        """One report is done (rendered, unchanged or failed)."""
        line = f"[{done}/{total}] {job.period} {job.code} {job.name}: {outcome.status}"
        if outcome.status != "cached":
            line += f" ({outcome.duration:.1f} s)"
        if outcome.error:
            line += f" — {outcome.error}"
        if self.bar is None and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done - 1, unit="report", desc="dxnb reports", leave=True)
        if self.bar is not None:
            self.bar.set_postfix_str(f"{job.code} {outcome.status}")
            self.bar.update(1)
            if outcome.status == "failed":
                self.bar.write(line)
        else:
            log.info("%s", line)

    def close(self) -> None:
        """Close the bar, if any."""
        if self.bar is not None:
            self.bar.close()


def cmd_reports(args: argparse.Namespace) -> int:
    """Render reports; exit 1 when any unit or page failed."""
    from .batch import run_batch

    progress = ReportProgress()
    try:
        result = run_batch(
            args.data,
            periods=args.period,
            units=args.units,
            lang=args.lang,
            jobs=args.jobs,
            out_dir=args.out,
            force=args.force,
            notebook=args.notebook,
            progress=progress,
            kernel=args.kernel,
            scheduler=args.scheduler,
            shared_data=args.shared_data,
        )
    finally:
        progress.close()
    print(result.summary())
    for outcome in result.failed:
        print(f"FAILED {outcome.period} {outcome.code}: {outcome.error}", file=sys.stderr)
    for page in result.pages:
        where = f"{page.period} " if page.period else ""
        print(f"FAILED {where}{page.page}: {page.error}", file=sys.stderr)
    print(f"Index: {result.out_dir / 'index.html'}")
    return 0 if result.ok else 1


def _add_reports(sub) -> None:
    parser = sub.add_parser("reports", help="render every commune's report to HTML, with an index")
    add_data_option(parser)
    parser.add_argument(
        "--period", nargs="+", action="extend", metavar="P", help="periods to render (default: the latest)"
    )
    parser.add_argument(
        "--units", nargs="+", action="extend", metavar="CODE|NAME", help="units by code or name (default: all)"
    )
    parser.add_argument("--lang", default="vi", choices=("vi", "en"), help="report language (default: vi)")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: the number of CPUs)"
    )
    parser.add_argument("--out", type=_path_arg, default=None, metavar="DIR", help="output folder (default: reports/)")
    parser.add_argument("--force", action="store_true", help="render again even when nothing changed")
    parser.add_argument(
        "--notebook",
        type=_path_arg,
        default=None,
        metavar="FILE",
        help="report notebook (default: notebooks/commune_report.ipynb)",
    )
    parser.add_argument(
        "--kernel",
        choices=("fork", "plain"),
        default=None,
        help="fork each report's fresh kernel from a warm parent, or start it plainly "
        "(default: DXNB_KERNEL, else fork where supported)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:8786",
        help="render on this Dask cluster (workers started with --nthreads 1; needs dxnb[dask])",
    )
    parser.add_argument(
        "--shared-data",
        action="store_true",
        help="with --scheduler: the workers read the dataset at the same path instead of receiving a copy",
    )
    parser.set_defaults(func=cmd_reports)


# ---------------------------------------------------------------------------- dxnb template, dxnb import


def cmd_template(args: argparse.Namespace) -> int:
    """``dxnb template``: write the form of one unit, or of every unit with ``--all``."""
    from .dataset import load_dataset
    from .forms import check_period, default_form_name, form_indicators, unit_label, write_template, write_templates

    dataset = load_dataset(args.data)
    period = check_period(args.period)
    count = len(form_indicators(dataset.catalogue))
    if args.all:
        if args.unit or args.output:
            raise FormError("--all writes one form per unit into --out-dir; drop --unit and -o")
        if args.out_dir is None:
            raise FormError("--all needs --out-dir DIR, the folder for the forms")
        paths = write_templates(dataset, list(dataset.units.index), period, args.out_dir, force=args.force)
        print(f"Wrote {len(paths)} forms for {period} ({count} indicators each) to {args.out_dir}")
        return 0
    if not args.unit:
        raise FormError("name the unit with --unit CODE or NAME, or use --all for every unit")
    if args.out_dir is not None:
        raise FormError("--out-dir goes with --all; for one form use -o FILE.xlsx")
    code = dataset.find_unit(args.unit)
    target = args.output or Path(default_form_name(dataset, code, period))
    write_template(dataset, code, period, target, force=args.force)
    print(f"Wrote {target}: form of {unit_label(dataset, code)} ({code}) for {period}, {count} indicators")
    obs = dataset.observations
    already = int(((obs["unit_code"] == code) & (obs["period"] == period)).sum())
    if already:
        print(f"Note: the dataset already has {already} values for {code} in {period}; values that differ will "
              "need `dxnb import --replace`")  # fmt: skip
    return 0


def cmd_import_forms(args: argparse.Namespace) -> int:
    """``dxnb import``: check filled forms and merge them into the dataset."""
    from .intake import NOTES, OBSERVATIONS, import_forms

    plan = import_forms(args.files, args.data, replace=args.replace, dry_run=args.dry_run, period=args.period)
    print_problems(plan.warnings)
    for form in plan.forms:
        print(f"{form.path}: {form.unit_label} ({form.unit_code}), {form.period}: "
              f"{len(form.values)} value(s), {len(form.notes)} note(s)")  # fmt: skip
    for name in (OBSERVATIONS, NOTES):
        print(f"{name}: " + ", ".join(f"{n} {status}" for status, n in plan.counts(name).items()))
    if args.dry_run:
        for change in plan.changes:
            print(f"  {change.file:<17} {change}")
        print("Dry run: nothing was written.")
    elif plan.written:
        print(f"Updated {', '.join(plan.updated)} in {plan.dataset.path}; previous versions: "
              + ", ".join(str(b) for b in plan.backups))  # fmt: skip
    else:
        print("Nothing to change: the dataset already holds these values.")
    return 0


def _add_intake(sub) -> None:
    template = sub.add_parser("template", help="write the Excel form(s) communes fill in",
                              description="Write the Excel form a commune fills in for one period.")  # fmt: skip
    template.add_argument("--unit", metavar="CODE|NAME", help="the unit's code or name")
    template.add_argument("--period", required=True, metavar="YYYY", help="the year the form reports on")
    add_data_option(template)
    template.add_argument("-o", "--output", type=Path, metavar="FILE.xlsx",
                          help="where to write the form (default: CODE-name-YYYY.xlsx here)")  # fmt: skip
    template.add_argument("--all", action="store_true", help="one form per unit of the dataset")
    template.add_argument("--out-dir", type=Path, metavar="DIR", help="folder for the forms of --all")
    template.add_argument("--force", action="store_true", help="overwrite existing files")
    template.set_defaults(func=cmd_template)

    intake = sub.add_parser("import", help="merge filled Excel forms into the dataset",
                            description="Check filled forms and merge them into observations.csv "
                            "and notes.csv (nothing is written unless every form is valid).")  # fmt: skip
    intake.add_argument("files", nargs="+", type=Path, metavar="FILE.xlsx", help="filled forms")
    add_data_option(intake)
    intake.add_argument(
        "--replace",
        action="store_true",
        help="overwrite values that differ from the dataset (the previous files are backed up)",
    )
    intake.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    intake.add_argument("--period", metavar="YYYY", help="refuse forms of any other period")
    intake.set_defaults(func=cmd_import_forms)


# ---------------------------------------------------------------------------- the parser and main


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="dxnb", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dxnb {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="validate a dataset and print its summary")
    add_data_option(check)
    check.set_defaults(func=cmd_check)
    _add_reports(sub)
    _add_intake(sub)
    return parser


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
