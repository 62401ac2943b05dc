"""Write stage: the site is switched whole, in one system call: a reader sees the old site or the new one, never both.

Two copies of the site sit side by side: the live one (output/) and a spare that holds the site
before it, sharing every unchanged file with the live one through hard links (so it costs almost
no disk). A build brings the spare up to date, writing the files whose bytes changed and linking
the rest from the live site, then exchanges the two folders at once (renameat2's RENAME_EXCHANGE
on Linux, renamex_np's RENAME_SWAP on macOS). A build killed at any moment, by Ctrl-C, SIGKILL or
a full disk, leaves output/ exactly as the last finished build left it, or exactly the new site.

The spare, and the folder a first build is made in, live in the cache's folder when it is on the
same file system as the output (so that output/ stands alone beside the archive), else beside the
output as .<name>.previous. This module does the file system's part; incremental.py decides what
goes where.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


class UnsafeOutput(ValueError):
    """The output folder or a path in it would overwrite something that is not a build."""


def check_output_folder(out_dir: Path, root: Path) -> None:
    """Refuse an output folder whose replacement would destroy the archive itself, or that is a link."""
    if out_dir.is_symlink():
        raise UnsafeOutput(f"{out_dir} is a symbolic link: the build does not write through links; "
                           "delete it, or choose the folder with --out")
    if out_dir.exists() and not out_dir.is_dir():
        raise UnsafeOutput(f"{out_dir} is a file, not a folder; delete it, or choose another output folder")
    out_dir, root = out_dir.resolve(), root.resolve()
    if out_dir == root or out_dir in root.parents:
        raise UnsafeOutput(f"{out_dir} holds the archive itself; choose an output folder inside it, such as output/")
    for protected in ("content", "templates", "site.yaml", ".git", "releases"):  # releases: release.py's
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


# --- Where the two sites live -----------------------------------------------------------------

@dataclass(frozen=True)
class Places:
    live: Path  # output/: what readers, deploys and bundles see
    spare: Path  # the site before it, kept to make the next switch cheap
    work: Path  # where a new site's first copy is made (the same file system as live)
    lock: Path
    key: str  # the cache's name for this output folder

    @property
    def staging_prefix(self) -> str:
        return f".{self.live.name}.new-"


def places(out_dir: Path, cache_dir: Path) -> Places:
    out_dir = Path(os.path.abspath(out_dir))
    key = str(out_dir.resolve())
    beside = out_dir.parent
    work = cache_dir / "sites" if _same_file_system(cache_dir, beside) else beside
    spare_name = f"{_digest(key)}.previous" if work != beside else f".{out_dir.name}.previous"
    return Places(out_dir, work / spare_name, work, work / f".{out_dir.name}-{_digest(key)}.lock", key)


def _same_file_system(a: Path, b: Path) -> bool:
    try:
        return a.is_dir() and not a.is_symlink() and os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def _digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One build at a time writes an output folder (a preview and a build in another terminal)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here; builds are rarely run side by side there
            yield
            return
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UnsafeOutput("another build is writing this output folder now; wait for it to finish") from None
        yield
    finally:
        os.close(descriptor)


def clear_leftovers(places: Places) -> None:
    """Remove the folders of builds that were killed before they finished (under the lock, none is running)."""
    for folder in {places.work, places.live.parent}:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith(places.staging_prefix) or entry.name.startswith(f".{places.live.name}.old-"):
                    remove_tree(Path(entry.path))


def new_staging(places: Places) -> Path:
    places.work.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=places.staging_prefix, dir=places.work))
    os.chmod(folder, 0o755)  # mkdtemp makes it private; a published site is world-readable
    return folder


# --- The switch ---------------------------------------------------------------------------------

def exchange(a: Path, b: Path) -> None:
    """Swap two folders' names at once; where the system cannot, by three renames (a short gap without a)."""
    if _exchange_at_once(a, b):
        return
    parked = a.with_name(f".{a.name}.old-{os.getpid()}")
    os.rename(a, parked)
    os.rename(b, a)
    os.rename(parked, b)


def _exchange_at_once(a: Path, b: Path) -> bool:
    libc = _libc()
    if libc is None:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        result = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_swap = 2
        result = libc.renamex_np(os.fsencode(a), os.fsencode(b), rename_swap)
    else:
        return False
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a file system that cannot exchange (some network and FUSE ones)
    raise OSError(error, os.strerror(error), str(a))


_LIBC: list = []


def _libc():
    if not _LIBC:
        name = ctypes.util.find_library("c")
        try:
            _LIBC.append(ctypes.CDLL(name, use_errno=True) if name else None)
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]


# --- Files in a site folder -------------------------------------------------------------------------

Stat = tuple[int, int]  # size, modification time in ns: how a file is recognised as the one recorded


def stat_of(path: str | Path) -> Stat | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def stat_of_existing(path: str | Path) -> Stat:
    """stat_of a file known to be there (just written, or just read): its absence is an OSError, not None."""
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


def write_file(tree: Path, relpath: str, data: bytes) -> Stat:
    """Put data at tree/relpath as a new file (never through an existing one: it may be linked from the live site)."""
    target = tree / relpath

    def put(temporary: Path) -> None:
        with open(temporary, "xb") as file:
            file.write(data)

    _replace(tree, relpath, put)
    return stat_of_existing(target)


def link_file(source_tree: Path, tree: Path, relpath: str) -> None:
    """Make tree/relpath the very file source_tree/relpath is (a hard link; a copy where links are not possible)."""
    source = source_tree / relpath

    def put(temporary: Path) -> None:
        try:
            os.link(source, temporary, follow_symlinks=False)
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            shutil.copy2(source, temporary, follow_symlinks=False)

    _replace(tree, relpath, put)


def _replace(tree: Path, relpath: str, put: Callable[[Path], None]) -> None:
    """put(temporary) beside tree/relpath, then rename it over: a reader of the folder never sees half a file.

    The common case costs two system calls; the way is cleared (folders made, a file or folder in
    the way removed, a temporary file a killed build left) only when one fails.
    """
    target = tree / relpath
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for attempt in range(3):
        try:
            put(temporary)
            os.replace(temporary, target)
            return
        except FileExistsError:
            os.unlink(temporary)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            if attempt == 2:
                raise
            _make_room(tree, relpath)
    put(temporary)
    os.replace(temporary, target)


def link_new_file(source_tree: Path, tree: Path, relpath: str) -> None:
    """link_file into a folder no reader sees yet, whose folders exist: one system call."""
    try:
        os.link(source_tree / relpath, tree / relpath, follow_symlinks=False)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copy2(source_tree / relpath, tree / relpath, follow_symlinks=False)


def link_new_file_making_room(source_tree: Path, tree: Path, relpath: str) -> None:
    """link_new_file, making the file's folders first when they are not there yet."""
    try:
        link_new_file(source_tree, tree, relpath)
    except FileNotFoundError:
        (tree / relpath).parent.mkdir(parents=True, exist_ok=True)
        link_new_file(source_tree, tree, relpath)


def write_new_file(tree: Path, relpath: str, data: bytes) -> Stat:
    """Put data at tree/relpath in a folder no reader sees yet (a new site): no temporary file is needed."""
    target = tree / relpath
    try:
        file = open(target, "xb")
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        file = open(target, "xb")
    with file:
        file.write(data)
        file.flush()
        status = os.fstat(file.fileno())
    return status.st_size, status.st_mtime_ns


def remove_file(tree: Path, relpath: str) -> None:
    """Delete a file no longer built, and the folders it leaves empty."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tree / relpath)
    folder = (tree / relpath).parent
    while folder != tree:
        try:
            folder.rmdir()
        except OSError:
            break  # not empty
        folder = folder.parent


def _make_room(tree: Path, relpath: str) -> None:
    """Clear the way for a file: a folder where it goes, or a file (or link) where one of its folders goes."""
    target = tree / relpath
    folder = tree
    for part in relpath.split("/")[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            folder.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


def remove_tree(path: Path) -> None:
    """Delete a file, or a folder and everything in it, never following a link out of it."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def folders_of(relpaths: Iterable[str]) -> set[str]:
    """Every folder that holds one of relpaths, as 'a/b/' ('' for the top), for the folder records."""
    folders = {""}
    for relpath in relpaths:
        parts = relpath.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            folders.add("/".join(parts[:end]) + "/")
    return folders


def folder_times(tree: Path, folders: Iterable[str]) -> dict[str, int]:
    """Each folder's modification time: it changes when anything is added to or removed from the folder."""
    times = {}
    for folder in folders:
        found = stat_of(tree / folder) if folder else stat_of(tree)
        if found is not None:
            times[folder] = found[1]
    return times


def strays(tree: Path, files: dict[str, Stat], folders: dict[str, int]) -> list[str]:
    """What no build put in tree, or what was changed since: looking only in folders whose time changed.

    files: each recorded file's (size, mtime); folders: each recorded folder ('a/b/', '' for the
    top) and its time. → paths (files or folders) to delete or make again.
    """
    found, top = [], str(tree)
    for folder, recorded in folders.items():
        path = f"{top}/{folder}" if folder else top  # a string: a Path each took a third of the look
        now = stat_of(path)
        if now is None or now[1] == recorded:
            continue
        with contextlib.suppress(OSError):
            for entry in os.scandir(path):
                relpath = f"{folder}{entry.name}"
                if f"{relpath}/" in folders and entry.is_dir(follow_symlinks=False):
                    continue
                if relpath not in files or stat_of(entry.path) != files[relpath] or entry.is_symlink():
                    found.append(relpath)
    return found


def files_in(out_dir: Path) -> list[str]:
    """Every file under out_dir (none if it does not exist), for when no record says what it holds."""
    found = []
    for directory, _, names in os.walk(out_dir):
        relative = Path(directory).relative_to(out_dir).as_posix()
        found += [name if relative == "." else f"{relative}/{name}" for name in names]
    return found


def tree_of(out_dir: Path) -> tuple[list[str], list[str]]:
    """(every file, every folder, as 'a/b/') under out_dir, links and all, for a folder with no record."""
    files, folders = [], []
    for directory, subdirectories, names in os.walk(out_dir):
        relative = Path(directory).relative_to(out_dir).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        folders += [f"{prefix}{name}/" for name in subdirectories]
        files += [f"{prefix}{name}" for name in names]
    return files, folders
