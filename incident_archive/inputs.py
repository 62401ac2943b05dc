"""Read stage's trust boundary: the archive folder as a file system that refuses links, odd names and escapes.

Everything under content/ (and a theme's files) arrives by pull request from people the
maintainers do not know. Reviewers read a Markdown diff; they will not notice a one-line symbolic
link that turns content/media into ../.git, or a file named `CON.md` that breaks every checkout on
Windows. So every file the build reads or copies is opened here, and nothing here follows a link:
the folders between the archive folder and the file are checked once per build, and the file
itself is opened with O_NOFOLLOW. A refusal is an OSError, which callers already report as
`path:1: file: cannot be read: ...`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# A Markdown file larger than this is refused before it is read. The longest file of the sample and
# of the 1,292-record police corpus is 6 KB; and converting hostile Markdown, though linear, costs
# up to 3 s per 100 KB (benchmarks/pathological.py), so the limit also bounds one file's time.
MAX_TEXT_BYTES = 512_000
LINK_REFUSED = "is a symbolic link: links are not followed; copy the file here instead"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not make the build wait for a writer
_BINARY = getattr(os, "O_BINARY", 0)


class Refused(OSError):
    """A path the build will not open: a link, or a way out of its folder."""

    def __init__(self, reason: str):
        super().__init__(errno.EPERM, reason)


def read_bytes(base: Path, relpath: str, limit: int | None = None) -> bytes:
    """The bytes of base/relpath, refusing a link anywhere on the way and any path that leaves base.

    base is the archive folder (or the engine's own theme); relpath uses forward slashes.
    """
    _check_relpath(relpath)
    folder = relpath.rpartition("/")[0]
    if folder:
        _check_folders(str(base), folder)
    try:
        descriptor = os.open(os.path.join(base, relpath), os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    except OSError as error:
        if error.errno == errno.ELOOP or (not _NOFOLLOW and os.path.islink(os.path.join(base, relpath))):
            raise Refused(LINK_REFUSED) from None
        raise
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise Refused("is not a regular file")
        if limit is not None and status.st_size > limit:
            raise Refused(f"is {size_text(status.st_size)}; a file here may be at most {size_text(limit)}")
        return file.read()


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def unreadable(error: OSError) -> str:
    """The message for a file the gateway refused or the system could not read."""
    return f"cannot be read: {error.strerror or error}"


def shown_path(path: str | Path, root: Path) -> str:
    """How a problem names a file: relative to the archive folder when inside it, else as it is.

    Links are not resolved: a link may be the very problem being reported.
    """
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return str(path)


def read_text_file(base: Path, relpath: str) -> bytes:
    """A Markdown or YAML file's bytes, within MAX_TEXT_BYTES."""
    return read_bytes(base, relpath, MAX_TEXT_BYTES)


def forget() -> None:
    """Check folders afresh: called when a build starts, since a live preview outlives many builds."""
    _checked_folders.clear()


_checked_folders: set[tuple[str, str]] = set()


def _check_relpath(relpath: str) -> None:
    parts = relpath.split("/")
    if not relpath or relpath.startswith("/") or "\\" in relpath or "\0" in relpath or any(
            part in ("", ".", "..") for part in parts):
        raise Refused(f"is not a path inside the archive folder: {relpath!r}")


def _check_folders(base: str, folder: str) -> None:
    """Every folder from base down to base/folder is a real folder, not a link (checked once per build)."""
    if (base, folder) in _checked_folders:
        return
    path = base
    for part in folder.split("/"):
        path = os.path.join(path, part)
        status = os.lstat(path)
        if stat.S_ISLNK(status.st_mode):
            raise Refused(f"is inside {os.path.relpath(path, base)}, which {LINK_REFUSED}")
        if not stat.S_ISDIR(status.st_mode):
            raise Refused(f"is inside {os.path.relpath(path, base)}, which is not a folder")
    _checked_folders.add((base, folder))


@dataclass(frozen=True)
class Entry:
    """A file found under a folder of the archive: its path (relative to the archive), stamp, or why it is refused."""

    path: str
    stamp: tuple[int, int] = (0, 0)  # modification time (ns) and size, for the cache
    refused: str | None = None  # a link or another kind of file: reported, never read


def walk(base: Path, folder: str) -> Iterator[Entry]:
    """Every file under base/folder, sorted, hidden files and folders skipped.

    Links are refused, never entered; so are files whose names would break a link or a checkout
    (a folder with such a name is refused whole). The folder itself, and each folder above it,
    must be real folders too: a pull request may replace content/media itself with a link.
    """
    try:
        if folder:
            _check_folders(str(base), folder)
    except FileNotFoundError:
        return
    except Refused as refusal:
        yield Entry(folder, refused=refusal.strerror)
        return
    found = []
    for directory, subdirectories, names in os.walk(os.path.join(base, folder)):
        relative_dir = os.path.relpath(directory, base).replace(os.sep, "/")
        prefix = "" if relative_dir == "." else f"{relative_dir}/"
        entered = []
        for name in sorted(subdirectories):
            refused = LINK_REFUSED if os.path.islink(os.path.join(directory, name)) else name_problem(name)
            if name.startswith("."):
                continue
            if refused:  # os.walk lists a link to a folder among the folders, and does not enter it
                found.append(Entry(prefix + name, refused=refused))
            else:
                entered.append(name)
        subdirectories[:] = entered
        found += [_entry(directory, prefix + name, name) for name in names if not name.startswith(".")]
    yield from sorted(found, key=lambda entry: entry.path)


def _entry(directory: str, relpath: str, name: str) -> Entry:
    status = os.lstat(os.path.join(directory, name))
    if stat.S_ISLNK(status.st_mode):
        return Entry(relpath, refused=LINK_REFUSED)
    if not stat.S_ISREG(status.st_mode):
        return Entry(relpath, refused="is not a regular file")
    refused = name_problem(name)
    if refused:
        return Entry(relpath, refused=refused)
    return Entry(relpath, (status.st_mtime_ns, status.st_size))


def lstat_entry(base: Path, relpath: str) -> Entry | None:
    """One file's entry (content/_index.md, site.yaml); None if it does not exist."""
    try:
        status = os.lstat(os.path.join(base, relpath))
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(status.st_mode):
        return Entry(relpath, refused=LINK_REFUSED)
    if not stat.S_ISREG(status.st_mode):
        return Entry(relpath, refused="is not a regular file")
    return Entry(relpath, (status.st_mtime_ns, status.st_size))


# --- Names --------------------------------------------------------------------------------------

# Windows cannot create these, whatever the extension (CON.md, aux.png), so a checkout fails there.
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"{device}{number}" for device in ("com", "lpt") for number in [*"0123456789", "¹", "²", "³"]]
)
# A file name with one of these breaks the links to it: "?" and "#" end a URL's path, "%" starts an
# escape, and a backslash is a folder separator on Windows.
_BREAKS_LINKS = '?#%\\'
_WINDOWS_FORBIDS = '<>:"|*'


def name_problem(name: str) -> str | None:
    """Why a file or folder name cannot be published as it is; None when it is fine."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode's surrogate escapes: bytes that are not UTF-8
        return "has a name that is not UTF-8: rename it"
    found = _BAD_IN_NAME.search(name)  # one search for the common case, a name with none of them
    if found is not None:
        bad = found.group()
        if is_control(bad):
            return f"has a control character (U+{ord(bad):04X}) in its name: rename it"
        if bad in _BREAKS_LINKS:
            return f"has {bad!r} in its name, which breaks links to it: rename it with letters, digits, - and _"
        return f"has {bad!r} in its name, which Windows does not allow: rename it"
    if name.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        return f"is named {name.split('.')[0]!r}, a device name that Windows reserves (CON, AUX, NUL, COM1...): rename it"
    if name.endswith((".", " ")):
        return "ends with a dot or a space, which Windows removes: rename it"
    return None


def same_on_windows_and_macos(path: str) -> str:
    """The key under which two paths are one file on a case-insensitive, normalising file system."""
    return unicodedata.normalize("NFC", path).casefold()


# Characters that must not appear in text: C0 and C1 controls (but tab and line ends), lone
# surrogates, and Unicode non-characters. None is valid in XML 1.0, so one in a title would make
# every feed ill-formed for every subscriber; ESC in a message printed to a terminal is a command.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                     + "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
                     + "]")


_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BMP_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def find_control(text: str) -> re.Match | None:
    """The first control character in text, or None: CONTROL.search, ten times faster on real text.

    A character class listing the 32 non-characters above U+FFFF makes Python's regex engine slow
    (0.3 ms for a 6 KB record, a third of reading it); ASCII text needs the short class, other text
    the one without them, and a character above U+FFFF (an emoji) is looked at alone.
    """
    if text.isascii():
        return _ASCII_CONTROL.search(text)
    found = _BMP_CONTROL.search(text)
    if found is None:
        found = next((match for match in _ASTRAL.finditer(text) if is_control(match.group())), None)
    return found


def is_control(char: str) -> bool:
    return CONTROL.match(char) is not None


def without_controls(text: str) -> str:
    """text with every control character written as an escape (\\u001b), line ends kept."""
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def printable(text: str) -> str:
    """text with every control character and line end written as an escape: safe to print on one line."""
    text = without_controls(text)
    if "\n" not in text and "\r" not in text:
        return text
    return text.replace("\r", "\\r").replace("\n", "\\n")


# What name_problem looks for, in one search: control characters, then those that break links or Windows.
_BAD_IN_NAME = re.compile(f"{CONTROL.pattern[:-1]}{re.escape(_BREAKS_LINKS + _WINDOWS_FORBIDS)}]")
