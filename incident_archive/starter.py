"""The `init` command: a new archive folder that checks, builds and publishes at once, from the starter files.

The files are package data (data/starter/), so an engine installed from a wheel writes them
without a checkout. They are written for a repository that holds only the archive: its workflows
install the engine as a package, at the version that ran `init` (requirements.txt pins it).

Nothing is written into a folder that holds anything but git's .git: no file is ever overwritten.
The archive is made in a hidden folder beside the target and moved into place whole, so a failure
half-way (a full disk) leaves nothing behind but what was there before.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

from . import __version__

STARTER = Path(__file__).resolve().parent / "data" / "starter"
# Each file init copies: its path in the new archive → its path under data/starter/. A name that
# starts with a dot is kept there without it: setuptools' package-data globs skip hidden files.
FILES = {
    "site.yaml": "site.yaml",
    "requirements.txt": "requirements.txt",
    ".gitignore": "gitignore",
    "CONTRIBUTING.md": "CONTRIBUTING.md",
    "content/_index.md": "content/_index.md",
    "content/pages/about.md": "content/pages/about.md",
    "content/pages/methodology.md": "content/pages/methodology.md",
    "content/incidents/2024/example-replace-this-record.md": "content/incidents/2024/example-replace-this-record.md",
    ".github/pull_request_template.md": "github/pull_request_template.md",
    ".github/ISSUE_TEMPLATE/config.yml": "github/ISSUE_TEMPLATE/config.yml",
    ".github/ISSUE_TEMPLATE/correction.yml": "github/ISSUE_TEMPLATE/correction.yml",
    ".github/ISSUE_TEMPLATE/report-incident.yml": "github/ISSUE_TEMPLATE/report-incident.yml",
    ".github/workflows/check.yml": "github/workflows/check.yml",
    ".github/workflows/publish.yml": "github/workflows/publish.yml",
}
# The blank record contributors copy in GitHub's web editor: what `new --stdout` prints for the
# site.yaml written, made by the same code rather than kept as a second copy that could drift.
BLANK_RECORD = "docs/incident-template.md"
# What makes `new`'s blank fit a repository with neither build.py nor the engine's docs/.
BLANK_RECORD_EDITS = (("`python build.py check`", "`incident-archive check`"), (" and docs/front-matter.md", ""))
# What a folder may hold for init to write into it: git's own folder, as in a clone of a new, empty
# repository (init writes nothing inside it).
UNTOUCHED = frozenset({".git"})
VERSION_MARK = "@VERSION@"  # where the starter files name the engine's version
PIN_MARK = "incident-archive==@VERSION@"  # requirements.txt's requirement, which pin() may make a git one

SUMMARY = "make a new archive folder: settings, pages, an example record, workflows"
DESCRIPTION = """\
Make a new archive in DIR (made if missing; an existing folder must be empty,
but for git's .git):
a commented site.yaml, content/ with a home page text, an about page and a
methodology page to fill in, one example record marked draft: true (not
published), a .gitignore, the contributor files (CONTRIBUTING.md, the
pull-request template, issue forms) and two GitHub workflows, one that checks
pull requests and one that publishes main on GitHub Pages. The workflows
install the engine at this version, which requirements.txt pins. `check
--strict` and `build` pass on the new archive as it is."""
EXAMPLES = """\
  %(prog)s my-archive            # then: cd my-archive && incident-archive serve
  %(prog)s .                     # in a clone of a new, empty git repository"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR",
                        help="the new archive's folder: made if missing; an existing one must be empty")


def run(args: argparse.Namespace, root: Path) -> int:
    """Write the archive into args.dir (`root`, --root, is not taken: DIR is the archive)."""
    target = Path(args.dir)
    refusal = _refusal(target)
    if refusal:
        print(f"init: {target}: {refusal}", file=sys.stderr)
        return 1  # cli.EXIT_PROBLEMS
    try:
        written = make_archive(target)
    except OSError as error:
        print(f"init: {target}: could not write the archive ({error.strerror or error}); nothing was written",
              file=sys.stderr)
        return 1
    print(_made(target, written))
    return 0


def starter_files() -> dict[str, bytes]:
    """The copied files' bytes, by their path in the new archive, the engine's version filled in,
    and requirements.txt pinning this very engine (pin)."""
    files = {path: (STARTER / source).read_bytes() for path, source in FILES.items()}
    files["requirements.txt"] = files["requirements.txt"].replace(PIN_MARK.encode(), pin(installed_from()).encode())
    return {path: data.replace(VERSION_MARK.encode(), __version__.encode()) for path, data in files.items()}


def pin(origin: dict) -> str:
    """The requirement that installs the engine that ran init: an engine installed from a git
    repository over https (pip records where, PEP 610) is pinned to that repository at that commit,
    which the new archive's workflows can install before the engine is on PyPI; any other (PyPI, a
    wheel, a checkout on this machine) to its version."""
    url, vcs = origin.get("url"), origin.get("vcs_info")
    if (isinstance(url, str) and url.startswith("https://") and isinstance(vcs, dict) and vcs.get("vcs") == "git"
            and re.fullmatch(r"[0-9a-f]{40}", str(vcs.get("commit_id", ""))) and not re.search(r"[\s@#]", url)):
        return f"incident-archive @ git+{url}@{vcs['commit_id']}"
    return f"incident-archive=={VERSION_MARK}"


def installed_from() -> dict:
    """Where pip installed this engine from (its direct_url.json), or {} when it does not say."""
    try:
        text = metadata.distribution("incident-archive").read_text("direct_url.json")
        origin = json.loads(text) if text else {}
    except (metadata.PackageNotFoundError, ValueError):
        return {}
    return origin if isinstance(origin, dict) else {}


def make_archive(target: Path) -> list[str]:
    """Write every file into a folder beside target, then move it into place; the paths written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Made as a folder is (its mode from the umask, which mkdtemp's 0700 would not be), named for
    # this process: a folder left by a run that was killed is refused, never reused.
    staging = target.parent / f".{target.resolve().name or 'archive'}.init-{os.getpid()}"
    staging.mkdir()
    try:
        files = starter_files()
        for path, data in files.items():
            _write(staging / path, data)
        _write(staging / BLANK_RECORD, blank_record(staging).encode("utf-8"))
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when the move renamed it
    return sorted([*files, BLANK_RECORD])


def blank_record(root: Path) -> str:
    """`new --stdout` for the archive at root, edited to name what the archive's repository has."""
    from .config import load_config
    from .scaffold import NewIncident, blank_record

    config, problems = load_config(root)
    if config is None:  # the starter's own site.yaml: a test keeps it valid
        raise AssertionError(f"the starter's site.yaml is invalid: {problems}")
    text = blank_record(NewIncident(), config)
    for old, new in BLANK_RECORD_EDITS:
        text = text.replace(old, new)
    return text


def _refusal(target: Path) -> str | None:
    """Why init will not write into target, if it will not: it holds something, or is not a folder."""
    if not target.exists() and not target.is_symlink():
        return None
    if not target.is_dir() or target.is_symlink():
        return "is not a folder; give a new folder's name, or an empty folder"
    held = sorted(entry.name for entry in target.iterdir() if entry.name not in UNTOUCHED)
    if not held:
        return None
    shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
    return (f"is not empty (it holds {shown}): init makes a new archive, and never writes over files; "
            "give a new folder's name, or an empty folder")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _move_into_place(staging: Path, target: Path) -> None:
    """A missing target is the staging folder renamed; an empty one (perhaps the shell's current
    folder, `init .`) is kept, and what staging holds is moved into it."""
    if not target.exists():
        staging.rename(target)
        return
    for entry in sorted(staging.iterdir()):
        entry.rename(target / entry.name)


def _made(target: Path, written: list[str]) -> str:
    folder = str(target)
    lines = [f"Made an archive in {folder}/ ({len(written)} files):", *(f"  {path}" for path in written), "",
             "Next: fill in site.yaml, content/pages/about.md and methodology.md, replace the example",
             "record (content/incidents/2024/), then:"]
    if target.resolve() != Path.cwd().resolve():
        lines.append(f"  cd {_quoted(folder)}")
    lines += ["  incident-archive serve            # preview at http://127.0.0.1:8000/, rebuilt as you edit",
              "  incident-archive check --strict   # what the pull-request workflow runs",
              "  incident-archive build            # the site, in output/"]
    return "\n".join(lines)


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)
