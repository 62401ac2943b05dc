"""Write stage: the whole site into a staging folder, swapped in only when every file is written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath


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


def write_site(out_dir: Path, files: Iterable[tuple[str, bytes]], copies: Iterable[tuple[str, Path]]) -> int:
    """Write every file, then replace out_dir. On any failure out_dir is left as it was."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    written: set[str] = set()
    try:
        for relpath, data in files:
            _target(staging, relpath, written).write_bytes(data)
        for relpath, source in copies:
            shutil.copyfile(source, _target(staging, relpath, written))
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(written)


def _target(staging: Path, relpath: str, written: set[str]) -> Path:
    parts = PurePosixPath(relpath).parts
    if not parts or PurePosixPath(relpath).is_absolute() or ".." in parts or "." in parts:
        raise UnsafeOutput(f"refusing to write outside the output folder: {relpath!r}")
    if relpath in written:
        raise UnsafeOutput(f"two files would be written to {relpath}")
    written.add(relpath)
    target = staging.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _swap(staging: Path, out_dir: Path) -> None:
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a published site is world-readable
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    out_dir.rename(retired / out_dir.name)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)
