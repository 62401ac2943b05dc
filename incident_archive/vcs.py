"""Which incident files a change adds, asked of git: the records `check` compares with the rest for duplicates."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .content import INCIDENTS_DIR


class GitError(RuntimeError):
    """git could not answer: not installed, not a repository, or an unknown revision."""


def added_incident_files(root: Path, since: str | None) -> frozenset[str]:
    """Incident files added since the revision `since` (default: HEAD), plus files git does not track yet.

    Paths are relative to the archive folder, as in problems. In a pull request's workflow,
    `since` is the branch it merges into (HEAD^1 of GitHub's merge commit).
    """
    added = _git(root, "diff", "--name-only", "--relative", "--no-renames", "--diff-filter=A", "-z",
                 since or "HEAD", "--", INCIDENTS_DIR, allow_no_head=since is None)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", INCIDENTS_DIR)
    return frozenset(path for path in added + untracked if path.endswith(".md"))


def _git(root: Path, *args: str, allow_no_head: bool = False) -> list[str]:
    try:
        finished = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GitError(f"cannot run git: {error}") from None
    if finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        if allow_no_head and "HEAD" in message:
            return []  # a repository with no commit yet: every file is untracked, hence new
        raise GitError(message.splitlines()[-1] if message else f"git {args[0]} failed")
    return [path for path in finished.stdout.decode("utf-8", "surrogateescape").split("\0") if path]
