"""Write stage: changed files go to a staging folder, moved into the output only when every one is written.

A file whose bytes are unchanged is not written again, so it keeps its modification time (and a
deploy or rsync sends only what changed). When the output folder does not exist yet, the staging
folder simply becomes it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class UnsafeOutput(ValueError):
    """The output folder or a path in it would overwrite something that is not a build."""


def check_output_folder(out_dir: Path, root: Path) -> None:
    """Refuse an output folder whose replacement would destroy the archive itself."""
    out_dir, root = out_dir.resolve(), root.resolve()
    if out_dir == root or out_dir in root.parents:
        raise UnsafeOutput(f"{out_dir} holds the archive itself; choose an output folder inside it, such as output/")
    for protected in ("content", "templates", "site.yaml"):
        if (out_dir / protected).exists() or (root / protected) in (out_dir, *out_dir.parents):
            raise UnsafeOutput(f"{out_dir} is or holds the archive's {protected}; choose another output folder")


def check_paths(relpaths: list[str]) -> None:
    """Every path stays inside the output folder, and no two files share one."""
    seen: set[str] = set()
    for relpath in relpaths:
        parts = relpath.split("/")
        if relpath.startswith("/") or "\\" in relpath or any(part in ("", ".", "..") for part in parts):
            raise UnsafeOutput(f"refusing to write outside the output folder: {relpath!r}")
        if relpath in seen:
            raise UnsafeOutput(f"two files would be written to {relpath}")
        seen.add(relpath)


class Staging:
    """A private folder beside the output that collects this build's changed files."""

    def __init__(self, out_dir: Path):
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.folder = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))

    def put(self, relpath: str, data: bytes) -> None:
        target = self.folder / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def commit(self, changed: list[str], removed: list[str]) -> None:
        """Move the changed files into the output and delete the removed ones."""
        os.chmod(self.folder, 0o755)  # mkdtemp makes it private; a published site is world-readable
        if not self.out_dir.exists():
            self.folder.rename(self.out_dir)
            return
        for relpath in changed:
            target = self.out_dir / relpath
            _make_room(target, self.out_dir)
            os.replace(self.folder / relpath, target)
        for relpath in removed:
            _remove(self.out_dir / relpath, self.out_dir)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _make_room(target: Path, out_dir: Path) -> None:
    """Clear the way for a file: a folder where it goes, or a file where one of its folders goes."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    for parent in reversed(target.relative_to(out_dir).parents[:-1]):
        folder = out_dir / parent
        if folder.is_file() or folder.is_symlink():
            folder.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)


def _remove(target: Path, out_dir: Path) -> None:
    """Delete a file no longer built, and the folders it leaves empty."""
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    folder = target.parent
    while folder != out_dir:
        try:
            folder.rmdir()
        except OSError:
            break  # not empty
        folder = folder.parent


def files_in(out_dir: Path) -> list[str]:
    """Every file under out_dir (none if it does not exist), for when no record says what it holds."""
    found = []
    for directory, _, names in os.walk(out_dir):
        relative = Path(directory).relative_to(out_dir).as_posix()
        found += [name if relative == "." else f"{relative}/{name}" for name in names]
    return found
