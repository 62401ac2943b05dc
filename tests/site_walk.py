"""Helpers that read a built site: its files, and every link and resource each page refers to."""

from __future__ import annotations

import hashlib
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.found.append(value)
            if name == "content" and value and "url=" in value:  # <meta http-equiv="refresh">
                self.found.append(value.split("url=", 1)[1])


def references(page: Path) -> list[str]:
    parser = _References()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def broken_relative_links(site: Path, skip: tuple[str, ...] = ("404.html",)) -> list[str]:
    """Every relative href/src of every page that does not name a file of the site.

    A file of the site is a regular file under it (a symbolic link is none: a site holds none);
    the paths are worked out as text, which at a corpus's 100,000 links is most of the time saved.
    """
    files = {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file() and not path.is_symlink()}
    broken = []
    for page in sorted(site.rglob("*.html")):
        here = page.relative_to(site).as_posix()
        if here in skip:
            continue
        for reference in references(page):
            parts = urlsplit(reference)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            if parts.path.startswith("/"):
                broken.append(f"{here}: {reference} (absolute path)")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(parts.path)))
            if target not in files:  # also what climbs out of the site: "../" is in no file's name here
                broken.append(f"{here}: {reference}")
    return broken


def tree_digest(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file's path and SHA-256, to compare two builds byte for byte (but what is under `skip`,
    names of the folder's own entries)."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in skip
    }
