"""Around the pipeline: what git says of the archive (the files a change adds, each record's history).

Two questions: which incident files a change adds (the records `check` compares with the rest for
duplicates), and each record's history (for its page). git runs with a timeout and with every
setting that would let a repository's own configuration run a program overridden: a downloaded
archive may bring its .git/config, and cache.py asks git too.

A record's history is the commits that changed its file, following renames, newest first: one
`git log` for the whole archive, parsed once. It comes from git, never the clock, so that two
builds of one commit are the same bytes; without git, outside a repository, or in a shallow clone
(whose oldest commit would seem to have made every file), there is none and pages leave it out.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .content import INCIDENTS_DIR
from .dates import MONTHS, pickled_by_fields
from .inputs import CONTROL

# A page lists this many commits of its record, newest first, and counts the rest: a record
# changed in ten thousand commits (a pull request can make them) must not make a page of megabytes.
SHOWN_COMMITS = 100
SUBJECT_LIMIT = 300  # characters of a commit's subject shown; a subject may be any length

_QUICK_TIMEOUT = 30  # seconds: rev-parse, diff, ls-files
_LOG_TIMEOUT = 120  # seconds: the whole archive's log, once per commit

# Settings that would let a repository's own configuration run a program, colour or reshape the
# output: given on the command line, they override .git/config (which a downloaded archive may
# bring). safe.bareRepository stops git from taking a folder of the archive, which a pull request
# writes, for a repository of its own.
_SAFE_CONFIG = (
    "core.fsmonitor=false", "core.hooksPath=/dev/null", "core.pager=cat", "log.showSignature=false",
    "log.showRoot=true", "color.ui=false", "safe.bareRepository=explicit", "diff.relative=false",
)


class GitError(RuntimeError):
    """git could not answer: not installed, not a repository, or an unknown revision."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Commit:
    id: str  # the full commit id, hexadecimal
    date: str | None  # the committer date, UTC, ISO 8601 (2024-03-04T10:00:00Z); None if git's is out of range
    subject: str  # the message's first line, without control characters, at most SUBJECT_LIMIT characters

    @property
    def day(self) -> str:
        """The date as pages write dates: 4 March 2024."""
        if self.date is None:
            return ""
        year, month, day = (int(part) for part in self.date[:10].split("-"))
        return f"{day} {MONTHS[month]} {year}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class History:
    """The commits that changed one record's file (under its present and former names), newest first."""

    commits: tuple[Commit, ...]  # the newest SHOWN_COMMITS
    earlier: int = 0  # older commits, not listed


def added_incident_files(root: Path, since: str | None) -> frozenset[str]:
    """Incident files added since the revision `since` (default: HEAD), plus files git does not track yet.

    Paths are relative to the archive folder, as in problems. In a pull request's workflow,
    `since` is the branch it merges into (HEAD^1 of GitHub's merge commit).
    """
    added = _git(root, "diff", "--name-only", "--relative", "--no-renames", "--diff-filter=A", "-z",
                 "--no-ext-diff", "--no-textconv", since or "HEAD", "--", INCIDENTS_DIR, allow_no_head=since is None)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", INCIDENTS_DIR)
    return frozenset(path for path in added + untracked if path.endswith(".md"))


def history_head(root: Path) -> str | None:
    """The commit whose history pages show (HEAD's id), or None when there is no history to show.

    None outside a repository, without git, before the first commit, and in a shallow clone: its
    oldest commit would seem to have added every file, a history that never happened. One quick
    call: a build asks it every time, and an unchanged HEAD means unchanged histories.
    """
    if not _inside_a_repository(root):
        return None  # git would look for .git where this does, and starting it costs more than a small build
    try:
        finished = run_git(root, ("rev-parse", "--is-shallow-repository", "--verify", "HEAD"), _QUICK_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = finished.stdout.decode("ascii", "replace").split()
    if finished.returncode != 0 or len(lines) != 2 or lines[0] != "false" or not _COMMIT_ID.fullmatch(lines[1]):
        return None
    return lines[1]


def _inside_a_repository(root: Path) -> bool:
    """Whether root or a folder above it holds a .git (its environment's GIT_* variables are not passed on)."""
    folder = root.resolve()
    return any((place / ".git").exists() for place in (folder, *folder.parents))


def record_histories(root: Path) -> dict[str, History] | None:
    """Each incident file's history (path relative to the archive folder → History): one `git log`.

    None when git fails or says something this cannot read; a file git has never committed has no
    entry.
    """
    try:
        finished = run_git(root, (
            "log", "-z", "--format=%H%x00%ct%x00%s", "--name-status", "-M", "--relative", "--no-ext-diff",
            "--no-textconv", "--no-show-signature", "--no-mailmap", "--encoding=UTF-8",
            "--", INCIDENTS_DIR,
        ), _LOG_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    if finished.returncode != 0:
        return None
    try:
        return _histories(_changes(finished.stdout))
    except ValueError:
        return None


def run_git(root: Path, args: tuple[str, ...], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """git in root, with no pager, no prompt, no input and the settings above; every call to git goes here."""
    command = ["git", "--no-pager", *(part for setting in _SAFE_CONFIG for part in ("-c", setting)),
               "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout, env=_environment())


def _environment() -> dict[str, str]:
    """This process's environment without git's own variables (GIT_DIR and the like point git at another
    repository, or add settings), without the system-wide git settings, and with git's messages in English."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    return environment | {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
                          "LC_ALL": "C"}


def _git(root: Path, *args: str, allow_no_head: bool = False) -> list[str]:
    try:
        finished = run_git(root, args, _QUICK_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"cannot run git: {error}") from None
    if finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        if allow_no_head and "HEAD" in message:
            return []  # a repository with no commit yet: every file is untracked, hence new
        raise GitError(message.splitlines()[-1] if message else f"git {args[0]} failed")
    return [path for path in finished.stdout.decode("utf-8", "surrogateescape").split("\0") if path]


_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256
_COMMIT_ID_BYTES = re.compile(_COMMIT_ID.pattern.encode())
_STATUS = re.compile(rb"[ACDMRTUXB][0-9]*")


def _changes(output: bytes) -> Iterator[tuple[Commit, bytes, list[str]]]:
    """(Commit, status letter, paths) for each file each commit changed, newest commit first.

    With -z, git writes each commit as its id, date and subject, each ended by NUL (a subject
    cannot hold one: git ends a message at its first NUL), then a newline and its changes: a
    status, then one path (two for a rename or copy), each ended by NUL. A commit that changed no
    file here (a merge) has no changes. Anything else raises ValueError.
    """
    tokens = output.split(b"\0")
    if tokens.pop() != b"":
        raise ValueError("git's output does not end with NUL")
    position, commit = 0, None
    while position < len(tokens):
        token = tokens[position]
        if _COMMIT_ID_BYTES.fullmatch(token):
            if position + 2 >= len(tokens):
                raise ValueError("a commit without its date or subject")
            commit = Commit(token.decode("ascii"), _utc(tokens[position + 1]), _subject(tokens[position + 2]))
            position += 3
            continue
        status = token.removeprefix(b"\n")
        if commit is None or not _STATUS.fullmatch(status):
            raise ValueError(f"unexpected {token[:40]!r} in git's output")
        count = 2 if status[:1] in b"RC" else 1
        paths = tokens[position + 1:position + 1 + count]
        if len(paths) != count:
            raise ValueError("a change without its path")
        yield commit, status[:1], [path.decode("utf-8", "surrogateescape") for path in paths]
        position += 1 + count


def _histories(changes: Iterable[tuple[Commit, bytes, list[str]]]) -> dict[str, History]:
    """Each file's commits under its present name, walking from the newest commit to the oldest.

    `names` maps a path as it was to the file's name now (None: a file no longer there), so that
    the commits before a rename land on the renamed file. A file's history starts where it was
    added: older commits of the same path changed another file, deleted before this one came.
    (One commit cannot both rename or add a path and change it otherwise, so the map can change
    as each change is read.)
    """
    names: dict[str, str | None] = {}
    shown: dict[str, list[Commit]] = {}
    earlier: dict[str, int] = {}
    for commit, status, paths in changes:
        now = names.get(paths[-1], paths[-1])
        if now is not None:
            commits = shown.setdefault(now, [])
            if len(commits) < SHOWN_COMMITS:
                commits.append(commit)
            else:
                earlier[now] = earlier.get(now, 0) + 1
        if status == b"R":
            names[paths[0]] = now
        elif status in (b"A", b"C"):
            names[paths[-1]] = None
    return {path: History(tuple(commits), earlier.get(path, 0)) for path, commits in shown.items()}


def _utc(seconds: bytes) -> str | None:
    """A commit's Unix time as UTC in ISO 8601; None for one no calendar holds (git takes any number)."""
    try:
        moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=int(seconds))
    except (ValueError, OverflowError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment.year >= 1000 else None


def _subject(raw: bytes) -> str:
    """The subject as text a page can hold: valid UTF-8, one line, no control character, bounded."""
    text = " ".join(raw.decode("utf-8", "replace").split())
    text = CONTROL.sub("\ufffd", text)
    return text if len(text) <= SUBJECT_LIMIT else text[:SUBJECT_LIMIT - 1].rstrip() + "\u2026"
