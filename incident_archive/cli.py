"""Commands, arguments, exit codes and the one-line summary."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

from . import __version__, pipeline
from .config import SITE_FILE
from .progress import stderr_progress

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "check")


def main(argv: list[str] | None = None) -> int:
    # A build allocates millions of long-lived records and few cycles; the default thresholds make
    # the cyclic collector rescan them so often that it cost a third of a one-edit rebuild.
    gc.set_threshold(100_000, 50, 100)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")  # `python build.py` and `python build.py --root x` build
    args = _parser().parse_args(argv)
    root = Path(args.root)
    if not (root / SITE_FILE).is_file():
        print(f"{root}: not an archive folder (no {SITE_FILE}); use --root DIR", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    options = pipeline.Options(strict=args.strict, clean=args.clean, progress=stderr_progress())
    if args.jobs:
        options.jobs = args.jobs
    if args.command == "check":
        result = pipeline.check(root, options)
    else:
        options.drafts = args.drafts
        result = pipeline.build(root, Path(args.out) if args.out else None, options)
    return _report(args, result, time.perf_counter() - started)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incident-archive",
        description="Build and check an archive of documented incidents.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="check, then write the site (the default command)")
    build.add_argument("--out", metavar="DIR", help="output folder (default: output/ in the archive folder)")
    build.add_argument("--drafts", action="store_true", help="publish records marked draft: true")
    check = commands.add_parser("check", help="report every problem in the archive; write nothing")
    for command in (build, check):
        command.add_argument("--root", metavar="DIR", default=".", help="the archive folder (default: the current folder)")
        command.add_argument("--strict", action="store_true", help="treat warnings as errors")
        command.add_argument("--clean", action="store_true",
                             help="ignore what earlier builds kept in .cache/ and redo everything")
        command.add_argument("--jobs", type=_positive, metavar="N",
                             help="worker processes (default: one per core; 1 builds in this process)")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _report(args, result: pipeline.Result, seconds: float) -> int:
    for problem in result.errors + result.warnings:
        print(problem)
    failed = bool(result.errors) or (args.strict and bool(result.warnings))
    summary = f"{_plural(result.incidents, 'incident')}, {_plural(result.pages, 'page')}"
    if args.command == "build" and not failed:
        summary += f", {_plural(result.files_written, 'file')} written"
        if result.files_removed:
            summary += f", {result.files_removed} removed"
    summary += f", {_plural(len(result.errors), 'error')}, {_plural(len(result.warnings), 'warning')} ({seconds:.2f} s)"
    verdict = "failed" if failed else "ok"
    print(f"{args.command} {verdict}: {summary}")
    return EXIT_PROBLEMS if failed else EXIT_OK


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
