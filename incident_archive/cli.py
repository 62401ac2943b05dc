"""Commands, arguments, exit codes and the one-line summary."""

from __future__ import annotations

import argparse
import datetime
import gc
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__, github_annotations, importer, pipeline, release, scaffold, starter, vcs
from .config import SITE_FILE, load_config
from .names import did_you_mean, plural
from .progress import stderr_progress

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "check", "new", "serve", "bundle", "init", "import", "release")
# Commands that live whole in a module of their own: its SUMMARY, DESCRIPTION, EXAMPLES,
# add_arguments(parser) and run(args, root) -> exit status. Their modules import little at first.
MODULE_COMMANDS = {"init": starter, "import": importer, "release": release}
DEFAULT_COMMAND = "build"  # `python build.py` and `python build.py --root x` build

EXIT_STATUS = """\
exit status: 0 success (warnings alone do not fail, except under --strict),
1 problems (each printed as path:line: field: message), 2 bad usage"""

# What each command does, for `COMMAND --help`; %(prog)s is the program and the command as typed.
# Lines are kept under 80 characters: argparse prints them as they are.
DESCRIPTIONS = {
    "build": """\
Check the archive, then write the site into output/ (or --out DIR). With an
error (or a warning, under --strict) nothing is written: the site as it was
stays in place. Builds are incremental: .cache/ remembers what earlier builds
did, and --clean ignores it.

""" + EXIT_STATUS,
    "check": """\
Report every problem in the archive, drafts included, and write nothing. It
also lays out every output path and renders one page of each kind, so a pull
request that passes check does not break publishing. Incidents added since
--since REV (or not yet tracked by git) are compared with the rest for likely
duplicates.

""" + EXIT_STATUS,
    "new": """\
Write a blank incident file, with a comment on every field, and print its
path: content/incidents/<year>/<slug>.md, the slug (and id) made from the
title, the year from --date. Without --date it goes in this year's folder:
move it if the incident is older. It never overwrites a file, and refuses an
id the archive already uses. check then names each blank left to fill in.

The title is required, unless --stdout prints the blank file instead of
writing it.

With --translate LANG FILE, it writes FILE's translation into LANG beside it
(bucha.md → bucha.uk.md): the original's text, to translate in place, with
the translated_from that tells check when the original changes.

exit status: 0 written, 1 refused (the reason is printed), 2 bad usage""",
    "serve": """\
Build, serve the site on this machine, and rebuild once per burst of edits to
content/, templates/ or site.yaml; open pages reload by themselves. While an
edit breaks the build, the last good site stays up with the problems shown on
every page. It writes into output/ like build (or into --out DIR); to ignore
.cache/, run build --clean first. Ctrl-C stops it.""",
    "bundle": """\
Build, then zip the site into one folder for reading offline: unzipped, its
index.html opens from disk, with no server and no network. The zip goes to
dist/<archive>-offline.zip (or --zip FILE), the same bytes for the same
inputs; output/ is written as by build.

""" + EXIT_STATUS,
}

EXAMPLES = {
    "build": """\
  %(prog)s                     # the archive in this folder, into output/
  %(prog)s --strict            # fail on warnings too, as publishing does
  %(prog)s --drafts --out /tmp/preview""",
    "check": """\
  %(prog)s                     # before you open a pull request
  %(prog)s --strict --since HEAD^1   # what the pull-request check runs
  %(prog)s --root ../other-archive""",
    "new": """\
  %(prog)s "Shelling of a market" --date 2023-09-06 --location Kostiantynivka
  %(prog)s "Arrest at a protest" --date 2022-05 --status reported
  %(prog)s --stdout > docs/incident-template.md
  %(prog)s --translate uk content/incidents/2022/bucha.md""",
    "serve": """\
  %(prog)s                     # then open http://127.0.0.1:8000/
  %(prog)s --port 8080 --drafts
  %(prog)s --host 0.0.0.0      # other machines on your network can read it""",
    "bundle": """\
  %(prog)s                     # dist/<archive>-offline.zip
  %(prog)s --zip /tmp/archive-offline.zip""",
}

SUMMARIES = {
    "build": "check, then write the site (the default command)",
    "check": "report every problem in the archive; write nothing",
    "new": "write a blank incident file, with a comment on every field, and print its path",
    "serve": "build, serve the site on this machine, and rebuild and reload as you edit",
    "bundle": "build, then zip the site for reading offline (opens from disk)",
} | {name: module.SUMMARY for name, module in MODULE_COMMANDS.items()}
DESCRIPTIONS |= {name: module.DESCRIPTION for name, module in MODULE_COMMANDS.items()}
EXAMPLES |= {name: module.EXAMPLES for name, module in MODULE_COMMANDS.items()}

TOP_DESCRIPTION = """\
Build and check an archive of documented incidents: one Markdown file per
incident under content/incidents/<year>/, made into a static site in output/.

With no command, %(prog)s builds. The options below may come before the
command or after it; --root applies to every command. Each command explains
itself: %(prog)s COMMAND --help"""

TOP_EXAMPLES = """\
examples:
  %(prog)s                     # build the archive in this folder
  %(prog)s check               # report every problem, write nothing
  %(prog)s new "Shelling of a market" --date 2023-09-06
  %(prog)s serve               # preview at http://127.0.0.1:8000/ as you edit
  %(prog)s --root ../other-archive check

""" + EXIT_STATUS


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


# Options more than one command takes: accepted before the command as well as after it.
COMMON_OPTIONS: dict[str, dict[str, Any]] = {  # option → add_argument's keywords
    "--root": dict(metavar="DIR", help="the archive folder (default: the current folder)"),
    "--strict": dict(action="store_true", help="treat warnings as errors"),
    "--clean": dict(action="store_true", help="ignore what earlier builds kept in .cache/ and redo everything"),
    "--jobs": dict(type=_positive, metavar="N",
                   help="worker processes (default: one per core; 1 builds in this process)"),
}
COMMON_DEFAULTS = {"root": ".", "strict": False, "clean": False, "jobs": None}
TAKES = {
    "build": ("--root", "--strict", "--clean", "--jobs"),
    "check": ("--root", "--strict", "--clean", "--jobs"),
    "new": ("--root",),
    # --clean would make every rebuild a full one, where serving is worth it for its quick rebuilds.
    "serve": ("--root", "--strict", "--jobs"),
    "bundle": ("--root", "--strict", "--clean", "--jobs"),
    "init": (),  # it makes the archive folder it is given
    "import": ("--root",),
    "release": ("--root", "--strict", "--jobs"),
}


def main(argv: list[str] | None = None) -> int:
    # A build allocates millions of long-lived records and few cycles; the default thresholds make
    # the cyclic collector rescan them so often that it cost a third of a one-edit rebuild.
    gc.set_threshold(100_000, 50, 100)
    _print_anything()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(_parser(_program_name()), argv)
    root = Path(args.root)
    if args.command == "init":
        return starter.run(args, root)
    if not (root / SITE_FILE).is_file():
        print(f"{root}: not an archive folder (no {SITE_FILE}); use --root DIR, "
              "or make a new archive with `incident-archive init DIR`", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "new":
        return _new(args, root)
    if args.command in MODULE_COMMANDS:
        return MODULE_COMMANDS[args.command].run(args, root)
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


def _program_name() -> str:
    """What the user typed: `build.py` for `python build.py`, `incident-archive` for the console script."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name.removesuffix(".exe") if name and not name.startswith("-") else "incident-archive"


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The arguments, with the common options' defaults; usage errors exit with EXIT_USAGE, as argparse does."""
    args, unknown = parser.parse_known_args(_with_command(parser, argv))
    if unknown:  # argparse would blame the program, and show its usage rather than the command's
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    for dest, default in COMMON_DEFAULTS.items():
        option = f"--{dest}"
        if not hasattr(args, dest):
            setattr(args, dest, default)
        elif option not in TAKES[args.command]:  # given before the command, which has no such option
            takers = [command for command in COMMANDS if option in TAKES[command]]
            parser.error(f"{option} is not an option of {args.command}; "
                         f"only of {', '.join(takers[:-1])} and {takers[-1]}")
    return args


def _with_command(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """argv with a command: the default one when none is named; a word that is no command is refused.

    The command is the first word that is neither an option of the program's nor the value of one;
    anything else first (`--out DIR`, say) is an option of the default command's, as it always was.
    """
    takes_value = {option for option, settings in COMMON_OPTIONS.items() if "action" not in settings}
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in COMMANDS:
            return argv
        if word in ("-h", "--help", "--version"):
            return argv  # the program's own help, not the default command's
        if word in takes_value:
            index += 2
        elif word in COMMON_OPTIONS or word.split("=", 1)[0] in takes_value:
            index += 1
        elif word.startswith("-"):
            break
        else:
            parser.error(f"unknown command '{word}'{did_you_mean(word, COMMANDS)}; "
                         f"the commands are {', '.join(COMMANDS)}")
    return [DEFAULT_COMMAND] + argv


def _parser(prog: str = "incident-archive") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=TOP_DESCRIPTION, epilog=TOP_EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"incident-archive {__version__}")
    _add_common_options(parser.add_argument_group("options of the commands (also before the command)"), COMMON_OPTIONS)
    commands = parser.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")
    sub = {name: commands.add_parser(name, help=SUMMARIES[name], description=DESCRIPTIONS[name],
                                     epilog="examples:\n" + EXAMPLES[name],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
           for name in COMMANDS}
    _add_new_arguments(sub["new"])
    for name, module in MODULE_COMMANDS.items():
        module.add_arguments(sub[name])
    sub["check"].add_argument("--since", metavar="REV",
                              help="compare the incident files added since this git revision (and untracked ones) "
                                   "with the rest, for likely duplicates (default: HEAD)")
    sub["serve"].add_argument("--port", type=_port, default=8000, help="the port (default: 8000)")
    sub["serve"].add_argument("--host", default="127.0.0.1",
                              help="the address to listen on (default: 127.0.0.1, this machine only)")
    sub["bundle"].add_argument("--zip", metavar="FILE", help="the zip to write (default: dist/<archive>-offline.zip)")
    for name in ("build", "serve", "bundle"):
        sub[name].add_argument("--out", metavar="DIR", help="output folder (default: output/ in the archive folder)")
        sub[name].add_argument("--drafts", action="store_true", help="publish records marked draft: true")
    for name, command in sub.items():
        _add_common_options(command, {option: COMMON_OPTIONS[option] for option in TAKES[name]})
        command.set_defaults(command_parser=command)  # for errors that are the command's
    return parser


def _add_new_arguments(new: argparse.ArgumentParser) -> None:
    # The usage is written out: argparse would show the title as [TITLE], which only --stdout allows.
    new.usage = "%(prog)s [options] TITLE\n       %(prog)s [options] --stdout [TITLE]"
    new.add_argument("title", nargs="?", default="", metavar="TITLE",
                     help="the incident's title, in quotes; the file name and id are made from it")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="the date (or YYYY-MM, or YYYY); it also picks the year folder")
    new.add_argument("--location", metavar="NAME", help="the place name")
    new.add_argument("--status", metavar="TERM", help="a status from site.yaml")
    new.add_argument("--stdout", action="store_true",
                     help="print the file instead of writing it (the title may then be left out)")
    new.add_argument("--translate", metavar="LANG",
                     help="write a translation into LANG of the record or page whose file is given in TITLE's place")


def _add_common_options(parser, options: dict) -> None:
    """No defaults here (_parse fills them in): a command's default would overwrite the value
    given before the command, and an option given before a command that has no such option must be seen."""
    for option, settings in options.items():
        parser.add_argument(option, default=argparse.SUPPRESS, **settings)


def _new(args, root: Path) -> int:
    config, problems = load_config(root)
    if config is None:
        return _report_problems(problems)
    if args.translate:
        return _new_translation(args, root, config)
    request = scaffold.NewIncident(args.title.strip(), args.date, args.location, args.status)
    errors = scaffold.check_request(request, config)
    if not request.title and not args.stdout:
        errors.insert(0, "new: title: is required: give the incident's title in quotes")
    if not errors and args.stdout:
        print(scaffold.blank_record(request, config), end="")
        return EXIT_OK
    path = "" if errors else scaffold.target_path(request, datetime.date.today())
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
    if not request.date:  # check warns of a folder that disagrees with the date; better to know now
        print(f"new: no --date, so it went in this year's folder, {Path(path).parent.name}/; "
              "if the incident is older, move it to its year's folder", file=sys.stderr)
    return EXIT_OK


def _new_translation(args, root: Path, config) -> int:
    path, text, errors = scaffold.blank_translation(root, config, args.translate, args.title.strip())
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return EXIT_PROBLEMS
    if args.stdout:
        print(text, end="")
        return EXIT_OK
    with open(root / path, "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write(text)
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
    config, problems = load_config(root)
    if config is None:  # site.yaml was changed since the build read it
        return _report_problems(problems)
    target = Path(args.zip) if args.zip else bundle.default_path(root, config)
    if not args.zip and (root / "dist").is_symlink():  # a pull request could make it point anywhere
        print(f"bundle: {root / 'dist'} is a symbolic link; delete it, or choose the file with --zip", file=sys.stderr)
        return EXIT_PROBLEMS
    files = bundle.write_bundle(out_dir, target, config)
    print(f"bundle ok: {target} ({plural(files, 'file')}, {target.stat().st_size / 1e6:.1f} MB)")
    return EXIT_OK


def _print_anything() -> None:
    """A file name or value that the terminal's encoding cannot show is printed escaped, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _report(args, result: pipeline.Result, seconds: float) -> int:
    annotate = github_annotations.running_in_github_actions()
    for notice in result.notices:
        print(f"warning: {notice}", file=sys.stderr)
    for problem in result.errors + result.warnings:
        print(problem)
        if annotate:
            print(github_annotations.workflow_command(problem, Path(args.root), args.strict))
    failed = result.failed(args.strict)
    summary = f"{plural(result.incidents, 'incident')}, {plural(result.pages, 'page')}"
    command = "build" if args.command in ("bundle", "release") else args.command  # both are made from a build
    if command == "build" and not failed:
        summary += f", {plural(result.files_written, 'file')} written"
        if result.files_removed:
            summary += f", {result.files_removed} removed"
    summary += f", {plural(len(result.errors), 'error')}, {plural(len(result.warnings), 'warning')} ({seconds:.2f} s)"
    verdict = "failed" if failed else "ok"
    print(f"{command} {verdict}: {summary}")
    return EXIT_PROBLEMS if failed else EXIT_OK
