"""The ``dxnb`` command line: ``check``, ``init``, ``reports``, ``template``, ``import``, ``diff`` and ``review``.

This module owns every command, its arguments and everything the command line prints; the library
modules return results (:class:`~dxnb.batch.BatchResult`, :class:`~dxnb.intake.ImportPlan`, paths)
and log. User mistakes end with a clear message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .dataset import check_dataset
from .errors import DxnbError, FormError
from .i18n import LANGS, N_, get_language, reset_language, set_language, t, template, tn

log = logging.getLogger(__name__)
MAX_PROBLEMS = 60
EXIT_USAGE = 2


#: argparse's own error messages (its gettext msgids) → dxnb's message keys, so that a usage mistake is told in
#: the user's language too. The help texts stay English.
ARGPARSE_KEYS = {
    "%(prog)s: error: %(message)s\n": N_("ap_error"),
    "the following arguments are required: %s": N_("ap_required"),
    "unrecognized arguments: %s": N_("ap_unrecognized"),
    "ambiguous option: %(option)s could match %(matches)s": N_("ap_ambiguous"),
    "argument %(argument_name)s: %(message)s": N_("ap_argument"),
    "invalid choice: %(value)r (choose from %(choices)s)": N_("ap_invalid_choice"),
    "invalid %(type)s value: %(value)r": N_("ap_invalid_value"),
    "expected one argument": N_("ap_expected_one"),
    "expected at least one argument": N_("ap_expected_some"),
    "expected at most one argument": N_("ap_expected_at_most_one"),
    "one of the arguments %s is required": N_("ap_one_of"),
    "not allowed with argument %s": N_("ap_not_allowed"),
    "ignored explicit argument %r": N_("ap_ignored"),
}


def _argparse_text(message: str) -> str:
    key = ARGPARSE_KEYS.get(message)
    return template(key) if key else message


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """``parser.parse_args(argv)``, its errors in the language asked for (``--lang``, else the default one)."""
    words = list(sys.argv[1:] if argv is None else argv)
    asked = next((w.split("=", 1)[1] for w in words if w.startswith("--lang=")), None)
    if asked is None and "--lang" in words[:-1]:
        asked = words[words.index("--lang") + 1]
    try:
        lang = asked if asked in LANGS else get_language()
    except DxnbError:  # DXNB_LANG names no language: main() says so after parsing
        lang = "vi"
    token = set_language(lang)
    translate = getattr(argparse, "_", None)
    argparse._ = _argparse_text  # argparse looks its messages up through this module global
    try:
        return parser.parse_args(argv)
    finally:
        if translate is not None:
            argparse._ = translate
        reset_language(token)


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
        print(tn("cli_more_problems", len(ordered) - MAX_PROBLEMS), file=stream)


# ---------------------------------------------------------------------------- dxnb check


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a dataset and print its summary or its problems."""
    dataset, problems = check_dataset(args.data)
    if dataset is None:
        errors = sum(p.is_error for p in problems)
        print(tn("cli_check_errors", errors), file=sys.stderr)
        print_problems(problems)
        return EXIT_USAGE
    print_problems(dataset.warnings)
    print(t("cli_check_ok", summary=dataset.summary()))
    return 0


# ---------------------------------------------------------------------------- dxnb reports


#: Outcome statuses of a report (:class:`dxnb.jobs.Outcome`) and their words.
STATUS_KEYS = {"ok": N_("cli_status_ok"), "cached": N_("cli_status_cached"), "failed": N_("cli_status_failed")}


def report_language(args: argparse.Namespace) -> str:
    """The language of the reports: ``--lang``, else ``DXNB_LANG``, else Vietnamese (never the locale's)."""
    return args.lang or os.environ.get("DXNB_LANG", "").strip() or "vi"


class ReportProgress:
    """Progress over the reports: a tqdm bar with ETA on a terminal, plain log lines otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None

    def __call__(self, done: int, total: int, job, outcome) -> None:
        """One report is done (rendered, unchanged or failed)."""
        status = t(STATUS_KEYS.get(outcome.status, "cli_status_failed"))
        line = f"[{done}/{total}] {job.period} {job.code} {job.name}: {status}"
        if outcome.status != "cached":
            line += f" ({outcome.duration:.1f} s)"
        if outcome.error:
            line += f" — {outcome.error}"
        if self.bar is None and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done - 1, unit="report", desc="dxnb reports", leave=True)
        if self.bar is not None:
            self.bar.set_postfix_str(f"{job.code} {status}")
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
            lang=report_language(args),
            jobs=args.jobs,
            out_dir=args.out,
            force=args.force,
            notebook=args.notebook,
            progress=progress,
            pdf=args.pdf,
            kernel=args.kernel,
            scheduler=args.scheduler,
            shared_data=args.shared_data,
        )
    finally:
        progress.close()
    print(result.summary())
    for outcome in result.failed:
        print(t("cli_failed", what=f"{outcome.period} {outcome.code}", error=outcome.error), file=sys.stderr)
    for page in result.pages:
        where = f"{page.period} " if page.period else ""
        print(t("cli_failed", what=f"{where}{page.page}", error=page.error), file=sys.stderr)
    print(t("cli_index", path=result.out_dir / "index.html"))
    return 0 if result.ok else 1


def _add_reports(sub) -> None:
    parser = sub.add_parser("reports", help="render every commune's report to HTML, with an index")
    add_data_option(parser)
    parser.add_argument(
        "--period",
        nargs="+",
        action="extend",
        metavar="P",
        help='periods to render, or "all" (default: the latest period that most units report)',
    )
    parser.add_argument(
        "--units", nargs="+", action="extend", metavar="CODE|NAME", help="units by code or name (default: all)"
    )
    add_lang_option(parser, "language of the reports and messages (default: DXNB_LANG, else vi)")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: the number of CPUs)"
    )
    parser.add_argument("--out", type=_path_arg, default=None, metavar="DIR", help="output folder (default: reports/)")
    parser.add_argument("--force", action="store_true", help="render again even when nothing changed")
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also an A4 PDF of each report and one combined PDF per period (needs Chromium and Playwright)",
    )
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
    from .formlayout import check_period, form_indicators, unit_label
    from .forms import default_form_name, write_template, write_templates
    from .params import find_unit_in

    dataset = load_dataset(args.data)
    period = check_period(args.period)
    count = len(form_indicators(dataset.catalogue_for(period)))
    if args.all:
        if args.unit or args.output:
            raise FormError(t("cli_all_with_unit"))
        if args.out_dir is None:
            raise FormError(t("cli_all_needs_out_dir"))
        dataset = dataset.at(period)  # the units alive in the period
        paths = write_templates(dataset, list(dataset.units.index), period, args.out_dir, force=args.force)
        print(tn("cli_wrote_forms", len(paths), period=period, count=count, folder=args.out_dir))
        return 0
    if not args.unit:
        raise FormError(t("cli_name_the_unit"))
    if args.out_dir is not None:
        raise FormError(t("cli_out_dir_needs_all"))
    code = find_unit_in(dataset, args.unit, period)
    dataset = dataset.at(period)
    target = args.output or Path(default_form_name(dataset, code, period))
    write_template(dataset, code, period, target, force=args.force)
    print(tn("cli_wrote_form", count, path=target, unit=unit_label(dataset, code), code=code, period=period))
    obs = dataset.observations
    already = int(((obs["unit_code"] == code) & (obs["period"] == period)).sum())
    if already:
        print(tn("cli_form_values_exist", already, code=code, period=period))
    return 0


def cmd_import_forms(args: argparse.Namespace) -> int:
    """``dxnb import``: check filled forms and merge them into the dataset."""
    from .intake import CHANGE_KEYS, NOTES, OBSERVATIONS, import_forms

    plan = import_forms(args.files, args.data, replace=args.replace, dry_run=args.dry_run, period=args.period)
    print_problems(plan.warnings)
    for form in plan.forms:
        values, notes = tn("cli_values", len(form.values)), tn("cli_notes", len(form.notes))
        print(f"{form.path}: {form.unit_label} ({form.unit_code}), {form.period}: {values}, {notes}")
    for name in (OBSERVATIONS, NOTES):
        counts = plan.counts(name).items()
        print(f"{name}: " + ", ".join(f"{n} {t(CHANGE_KEYS[status])}" for status, n in counts))
    if args.dry_run:
        for change in plan.changes:
            print(f"  {change.file:<17} {change}")
        print(t("cli_dry_run"))
    elif plan.written:
        print(t("cli_updated", files=", ".join(plan.updated), folder=plan.dataset.path,
                backups=", ".join(str(b) for b in plan.backups)))  # fmt: skip
    else:
        print(t("cli_nothing_to_change"))
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
    add_lang_option(template)
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
    add_lang_option(intake)
    intake.set_defaults(func=cmd_import_forms)


def cmd_init(args: argparse.Namespace) -> int:
    """``dxnb init``: write a new dataset for a province's communes (or a former district's)."""
    from .lifetime import REFORM_DATE
    from .provinces import init_dataset

    folder = init_dataset(province=args.province, out_dir=args.out, district=args.district)
    dataset, problems = check_dataset(folder)
    current = 0 if dataset is None else len(dataset.at(REFORM_DATE[:4]).units)
    print(tn("cli_init_wrote", current, folder=folder))
    print_problems([p for p in problems if p.is_error])
    return 0 if dataset is not None else EXIT_USAGE


def _add_init(sub) -> None:
    init = sub.add_parser("init", help="start a dataset for a province's communes",
                          description="Write a new dataset folder for a province's current communes (with the "
                          "former units they were formed from), ready for `dxnb template --all`.")  # fmt: skip
    init.add_argument("--province", required=True, metavar="NAME|CODE", help='the province, e.g. "Hồ Chí Minh"')
    init.add_argument("--out", required=True, type=_path_arg, metavar="DIR", help="the new dataset folder")
    init.add_argument("--district", metavar="NAME", help="a district as it was before 1/7/2025 instead")
    init.set_defaults(func=cmd_init)


# ---------------------------------------------------------------------------- dxnb frameworks


def cmd_frameworks(args: argparse.Namespace) -> int:
    """``dxnb frameworks``: the bundled frameworks and the dataset's own, with the periods each is in force."""
    from .dataset import load_dataset
    from .framework import listing

    dataset = load_dataset(args.data)
    table = listing(dataset)
    for row in table.itertuples():
        total = "" if row.total_points != row.total_points else t("cli_fw_points", points=f"{row.total_points:g}")
        state = "" if row.complete else t("cli_fw_incomplete")
        print(f"{row.id}" + (f" v{row.version}" if row.version else "") + f" [{row.source}]{total}{state}")
        print(f"    {row.name_vi}")
        if row.document:
            print(f"    {row.document}" + (t("cli_fw_years", years=row.years) if row.years else ""))
        periods = ", ".join(row.periods) if row.periods else t("cli_fw_no_period")
        print("    " + t("cli_fw_in_force", periods=periods))
    return 0


def _add_frameworks(sub) -> None:
    frameworks = sub.add_parser("frameworks", help="list the evaluation frameworks and the periods each is in force",
                                description="List the bundled evaluation frameworks and the dataset's own "
                                "(frameworks.csv), with the periods each is in force.")  # fmt: skip
    add_data_option(frameworks)
    frameworks.set_defaults(func=cmd_frameworks)


# ---------------------------------------------------------------------------- dxnb diff, dxnb review


def cmd_diff(args: argparse.Namespace) -> int:
    """``dxnb diff``: what changed per unit between two datasets, without rendering."""
    from .changes import diff_datasets, indicator_line, summary
    from .dataset import load_dataset
    from .i18n import t, tn
    from .params import period_label

    lang = args.lang or get_language()
    periods = diff_datasets(args.old, args.new, args.period)
    new = load_dataset(args.new)
    for period in periods:
        if not period.changes:
            print(t("cli_diff_none", lang, period=period_label(period.period, lang, start=True)))
            continue
        shown = period_label(period.period, lang, start=True)
        print(tn("cli_diff_period", len(period.changes), lang, period=shown, n=len(period.changes)))
        for change in period.changes:
            print(t("cli_diff_unit", lang, code=change.code, name=change.name, summary=summary(change, lang)))
            for item in change.indicators:
                print(t("cli_diff_line", lang, line=indicator_line(new, item, lang, period.period)))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """``dxnb review``: record a review state of units for a period in reviews.csv."""
    from .i18n import t, tn
    from .paths import resolve_data_dir
    from .reviews import FILE, LABELS, set_state

    if args.all and args.units:
        raise FormError(t("cli_review_all_with_units"))
    if args.reason and not args.force:
        raise FormError(t("cli_review_reason_needs_force"))
    records = set_state(args.data, args.units, args.period, args.state, args.by, args.note or "",
                        force=args.force, reason=args.reason or "", all_units=args.all)  # fmt: skip
    path = resolve_data_dir(args.data) / FILE
    lang = args.lang or get_language()
    state = t(LABELS[args.state], lang)
    period = records[0].period
    print(tn("cli_review_done", len(records), lang, n=len(records), state=state, period=period, path=path))
    return 0


def _add_review(sub) -> None:
    diff = sub.add_parser("diff", help="what changed per unit between two datasets, without rendering",
                          description="Compare the results of two datasets unit by unit (e.g. a backup in "
                          "data/backups/ against data/). OLD may be a dataset folder or a backup of one of its "
                          "files (observations.<time>.csv); the other files are then taken from NEW.")  # fmt: skip
    diff.add_argument("old", type=_path_arg, metavar="OLD_DATA", help="the old dataset folder, or a backup file")
    diff.add_argument("new", type=_path_arg, metavar="NEW_DATA", help="the new dataset folder")
    diff.add_argument("--period", nargs="+", action="extend", metavar="P", help="periods (default: all)")
    add_lang_option(diff)
    diff.set_defaults(func=cmd_diff)

    review = sub.add_parser("review", help="record the review state of units (self_assessed, reviewed, approved)",
                            description="Record a review state in the dataset's reviews.csv: self_assessed → "
                            "reviewed → approved, with who and a note.")  # fmt: skip
    review.add_argument("units", nargs="*", metavar="UNIT", help="units by code or name")
    review.add_argument("--all", action="store_true", help="every unit with data in the period")
    review.add_argument("--period", required=True, metavar="YYYY", help="the period")
    review.add_argument("--state", required=True, metavar="STATE", help="self_assessed, reviewed or approved")
    review.add_argument("--by", required=True, metavar="NAME", help="who reviews or approves")
    review.add_argument("--note", metavar="TEXT", help="a note kept with the transition")
    review.add_argument("--force", action="store_true", help="allow a state that skips a step (with --reason)")
    review.add_argument("--reason", metavar="TEXT", help="why a step is skipped (with --force)")
    add_data_option(review)
    add_lang_option(review)
    review.set_defaults(func=cmd_review)


# ---------------------------------------------------------------------------- the parser and main


LANG_HELP = "language of the messages: vi or en (default: DXNB_LANG, else the locale, else vi)"


def add_lang_option(parser: argparse.ArgumentParser, help_text: str = LANG_HELP) -> None:
    """Add ``--lang vi|en`` to a subcommand; it sets the same ``lang`` as the global ``dxnb --lang``."""
    # SUPPRESS: a subcommand without --lang keeps the global option's value instead of overwriting it
    parser.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="dxnb", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dxnb {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--lang", choices=("vi", "en"), default=None, help=LANG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="validate a dataset and print its summary")
    add_data_option(check)
    add_lang_option(check)
    check.set_defaults(func=cmd_check)
    _add_init(sub)
    _add_reports(sub)
    _add_intake(sub)
    _add_review(sub)
    _add_frameworks(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = _parse(parser, argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    try:
        token = set_language(args.lang or get_language())  # --lang, then DXNB_LANG, then the locale, else vi
    except DxnbError as exc:  # DXNB_LANG names no language: say so in the default language
        print(t("cli_error", "vi", error=exc), file=sys.stderr)
        return EXIT_USAGE
    previous = _terminate_like_ctrl_c()
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        reset_language(token)


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt


def _terminate_like_ctrl_c():
    """Make SIGTERM (``kill``, a job's timeout) end a command as Ctrl-C does; return the previous handler.

    Without it Python ends at once: a batch's pool workers, their zygotes and kernels would go on
    rendering for nobody, the manifest would miss what was rendered, an import would not roll back.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _run(args: argparse.Namespace) -> int:
    """Run the subcommand of ``args``; a user mistake is a message on stderr and exit code 2."""
    try:
        return int(args.func(args) or 0)
    except DxnbError as exc:
        print(t("cli_error", error=exc), file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a folder that cannot be created, a file that cannot be read or written
        where = f" ({exc.filename})" if exc.filename else ""
        print(t("cli_os_error", error=f"{exc.strerror or exc}{where}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(t("cli_interrupted"), file=sys.stderr)
        return 130


def run() -> None:
    """The ``dxnb`` program: :func:`main`, then exit without the interpreter's last garbage collections.

    With pandas, matplotlib and a dataset loaded, those collections take ~0.25 s at every exit (measured on a
    one-report batch), for objects the operating system frees anyway. ``gc.freeze`` moves what is alive
    out of their sight; ``atexit`` handlers (the pool's and the fork server's) still run, and in-process
    callers of :func:`main` (tests, scripts) are not affected.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
