"""Commands, arguments, exit codes and the one-line summary."""

from __future__ import annotations

import argparse
import datetime
import gc
import sys
import time
from pathlib import Path

from . import __version__, pipeline
from . import annotations, scaffold, vcs
from .config import SITE_FILE, load_config
from .names import plural
from .progress import stderr_progress

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "check", "new", "serve", "bundle")


def main(argv: list[str] | None = None) -> int:
    # A build allocates millions of long-lived records and few cycles; the default thresholds make
    # the cyclic collector rescan them so often that it cost a third of a one-edit rebuild.
    gc.set_threshold(100_000, 50, 100)
    _print_anything()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")  # `python build.py` and `python build.py --root x` build
    args = _parser().parse_args(argv)
    root = Path(args.root)
    if not (root / SITE_FILE).is_file():
        print(f"{root}: not an archive folder (no {SITE_FILE}); use --root DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "new":
        return _new(args, root)
    started = time.perf_counter()
    options = pipeline.Options(strict=args.strict, clean=args.clean, progress=stderr_progress())
    if args.jobs:
        options.jobs = args.jobs
    if args.command == "serve":
        return _serve(args, root, options)
    if args.command == "bundle":
        return _bundle(args, root, options, started)
    if args.command == "check":
        try:
            options.new_records = vcs.added_incident_files(root, args.since)
        except vcs.GitError as error:
            if args.since:
                print(f"check: --since: {error}", file=sys.stderr)
                return EXIT_USAGE
            # Not a git checkout: no way to tell new records from old, so none is compared.
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
    check = commands.add_parser("check", help="report every problem in the archive; write nothing")
    new = commands.add_parser("new", help="write a blank incident file, with a comment on every field, and print its path")
    new.add_argument("title", nargs="?", default="", help="the incident's title; the file name and id are made from it")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="the date (or YYYY-MM, or YYYY); it also picks the year folder")
    new.add_argument("--location", metavar="NAME", help="the place name")
    new.add_argument("--status", metavar="TERM", help="a status from site.yaml")
    new.add_argument("--stdout", action="store_true", help="print the file instead of writing it (the title may then be left out)")
    check.add_argument("--since", metavar="REV",
                       help="compare the incident files added since this git revision (and untracked ones) "
                            "with the rest, for likely duplicates (default: HEAD)")
    serve = commands.add_parser("serve", help="build, serve the site on this machine, and rebuild and reload as you edit")
    serve.add_argument("--port", type=_port, default=8000, help="the port (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1, this machine only)")
    bundle = commands.add_parser("bundle", help="build, then zip the site for reading offline (opens from disk)")
    bundle.add_argument("--zip", metavar="FILE", help="the zip to write (default: dist/<archive>-offline.zip)")
    for command in (build, serve, bundle):
        command.add_argument("--out", metavar="DIR", help="output folder (default: output/ in the archive folder)")
        command.add_argument("--drafts", action="store_true", help="publish records marked draft: true")
    for command in (build, check, new, serve, bundle):
        command.add_argument("--root", metavar="DIR", default=".", help="the archive folder (default: the current folder)")
    for command in (build, check, serve, bundle):
        command.add_argument("--strict", action="store_true", help="treat warnings as errors")
        command.add_argument("--clean", action="store_true",
                             help="ignore what earlier builds kept in .cache/ and redo everything")
        command.add_argument("--jobs", type=_positive, metavar="N",
                             help="worker processes (default: one per core; 1 builds in this process)")
    return parser


def _new(args, root: Path) -> int:
    config, problems = load_config(root)
    if config is None:
        return _report_problems(problems)
    request = scaffold.NewIncident(args.title.strip(), args.date, args.location, args.status)
    errors = scaffold.check_request(request, config)
    if not request.title and not args.stdout:
        errors.insert(0, "new: title: is required: give the incident's title in quotes")
    if not errors and args.stdout:
        print(scaffold.blank_record(request, config), end="")
        return EXIT_OK
    path = None if errors else scaffold.target_path(request, datetime.date.today())
    if path:
        errors = scaffold.check_target(path, root, pipeline.claimed_ids(root, config))
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return EXIT_PROBLEMS
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    with open(root / path, "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write(scaffold.blank_record(request, config))
    print(path)
    return EXIT_OK


def _report_problems(problems) -> int:
    for problem in problems:
        print(problem)
    return EXIT_PROBLEMS


def _serve(args, root: Path, options: pipeline.Options) -> int:
    from . import server  # tornado and livereload are loaded only to serve

    options.drafts = args.drafts
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"serve: warning: listening on {args.host}: other machines can read this preview", file=sys.stderr)
    preview = server.Preview(root, Path(args.out) if args.out else root / "output", options)
    try:
        server.serve(preview, args.host, args.port)
    except OSError as error:  # the port is taken, or the address is not this machine's
        print(f"serve: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _bundle(args, root: Path, options: pipeline.Options, started: float) -> int:
    """The bundle is made from a build of the current inputs, never from an older output/."""
    from . import bundle

    options.drafts = args.drafts
    out_dir = Path(args.out) if args.out else root / "output"
    result = pipeline.build(root, out_dir, options)
    code = _report(args, result, time.perf_counter() - started)
    if code != EXIT_OK:
        return code
    config = load_config(root)[0]
    target = Path(args.zip) if args.zip else bundle.default_path(root, config)
    if not args.zip and (root / "dist").is_symlink():  # a pull request could make it point anywhere
        print(f"bundle: {root / 'dist'} is a symbolic link; delete it, or choose the file with --zip", file=sys.stderr)
        return EXIT_PROBLEMS
    files = bundle.write_bundle(out_dir, target, config)
    print(f"bundle ok: {target} ({plural(files, 'file')}, {target.stat().st_size / 1e6:.1f} MB)")
    return EXIT_OK


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _print_anything() -> None:
    """A file name or value that the terminal's encoding cannot show is printed escaped, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _report(args, result: pipeline.Result, seconds: float) -> int:
    annotate = annotations.running_in_github_actions()
    for notice in result.notices:
        print(f"warning: {notice}", file=sys.stderr)
    for problem in result.errors + result.warnings:
        print(problem)
        if annotate:
            print(annotations.workflow_command(problem, Path(args.root), args.strict))
    failed = bool(result.errors) or (args.strict and bool(result.warnings))
    summary = f"{plural(result.incidents, 'incident')}, {plural(result.pages, 'page')}"
    command = "build" if args.command == "bundle" else args.command  # a bundle is made from a build
    if command == "build" and not failed:
        summary += f", {plural(result.files_written, 'file')} written"
        if result.files_removed:
            summary += f", {result.files_removed} removed"
    summary += f", {plural(len(result.errors), 'error')}, {plural(len(result.warnings), 'warning')} ({seconds:.2f} s)"
    verdict = "failed" if failed else "ok"
    print(f"{command} {verdict}: {summary}")
    return EXIT_PROBLEMS if failed else EXIT_OK
