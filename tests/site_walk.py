"""Helpers that read a built site: its files, and every link and resource each page refers to."""

from __future__ import annotations

import hashlib
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
    """Every relative href/src of every page that does not name an existing file."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).as_posix() in skip:
            continue
        for reference in references(page):
            parts = urlsplit(reference)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            if parts.path.startswith("/"):
                broken.append(f"{page.relative_to(site)}: {reference} (absolute path)")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {reference}")
    return broken


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file's path and SHA-256, to compare two builds byte for byte."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }
