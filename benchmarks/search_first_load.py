"""The search page's first load: the bytes, raw and gzipped, that a reader's browser fetches before the first search can run.

    python benchmarks/search_first_load.py /tmp/incident-archive-bench/10000/output

That is search/index.html and the scripts it loads with <script src> elements, read from the built
page rather than assumed, each gzipped on its own (level 6, zlib's default) as a server sends it.
A script may load others once it runs (the index's parts, the text shards): what the loaded
scripts name among search/*.js is listed apart, as are the other scripts search/ holds. Which of
them the page waits for before the first search is the page's choice, which this cannot read.
"""

from __future__ import annotations

import argparse
import gzip
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PAGE = "search/index.html"
_SCRIPT_NAME = re.compile(r"""["']([^"'\s]+\.js)["']""")  # a script's name in a string of a script's text


@dataclass(frozen=True)
class File:
    path: str  # relative to the output folder
    raw: int
    gzipped: int


@dataclass
class FirstLoad:
    loaded: list[File]  # the page, then its scripts in the page's order
    # A loaded script → what it names of search/*.js: {a pattern such as "records-{part}.js", or "" for
    # the files it names outright: their files}
    named: dict[str, dict[str, list[File]]] = field(default_factory=dict)
    others: list[File] = field(default_factory=list)  # the rest of search/*.js

    @property
    def raw(self) -> int:
        return sum(file.raw for file in self.loaded)

    @property
    def gzipped(self) -> int:
        return sum(file.gzipped for file in self.loaded)


def measure(output: Path) -> FirstLoad:
    first = FirstLoad([_file(output, PAGE)])
    for src in _script_sources((output / PAGE).read_text(encoding="utf-8")):
        first.loaded.append(_file(output, _resolved(PAGE, src)))
    counted = {file.path for file in first.loaded}
    for script in first.loaded[1:]:
        text = (output / script.path).read_text(encoding="utf-8", errors="replace")
        named: dict[str, list[File]] = {}
        for name in dict.fromkeys(_SCRIPT_NAME.findall(text)):
            files = [_file(output, path) for path in _named_files(output, name) if path not in counted]
            if files:  # the names of files are told together; each pattern on its own
                named.setdefault(name if "{" in name else "", []).extend(files)
        if named:
            first.named[script.path] = named
    counted |= {file.path for names in first.named.values() for files in names.values() for file in files}
    first.others = [_file(output, path) for path in _scripts_in(output, "search/*.js") if path not in counted]
    return first


def _named_files(output: Path, name: str) -> list[str]:
    """The files of search/ a name in a script's text stands for: a name is relative to the page
    that runs the script (as a <script> element's src is), and {anything} in it stands for any text."""
    path = _resolved(PAGE, name)
    if not path.startswith("search/"):
        return []
    return _scripts_in(output, re.sub(r"\{[^{}/]*\}", "*", path))


def _scripts_in(output: Path, pattern: str) -> list[str]:
    return sorted(path.relative_to(output).as_posix() for path in output.glob(pattern) if path.is_file())


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src")
        if tag == "script" and src:
            self.sources.append(src)


def _script_sources(html: str) -> list[str]:
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return parser.sources


def _resolved(page: str, src: str) -> str:
    """A script's address, relative to the page → its path in the output folder."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("/"):
        raise SystemExit(f"{page} loads {src}: not a file of the site, which this cannot measure")
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))


def _file(output: Path, path: str) -> File:
    data = (output / path).read_bytes()
    return File(path, len(data), len(gzip.compress(data, compresslevel=6, mtime=0)))


def kb(size: int) -> str:
    return f"{size / 1000:,.0f} KB" if size < 10**6 else f"{size / 10**6:,.2f} MB"


def describe(first: FirstLoad) -> list[str]:
    """Lines that say what the figure counts, and what it leaves out."""
    lines = [f"  {file.path}: {kb(file.raw)}, {kb(file.gzipped)} gzip" for file in first.loaded]
    for script, named in first.named.items():
        for name, files in named.items():
            lines.append(f"  {script} names {name or 'scripts'} the page may load once it runs, not counted: {_files(files)}")
    if first.others:
        lines.append(f"  other scripts in search/, not counted: {_files(first.others)}")
    return lines


def _files(files: list[File]) -> str:
    if len(files) == 1:
        return f"{files[0].path}, {kb(files[0].raw)}, {kb(files[0].gzipped)} gzip"
    largest = max(files, key=lambda file: file.gzipped)
    return (f"{len(files)} files ({files[0].path}, {files[1].path}{', ...' * (len(files) > 2)}), "
            f"{kb(sum(file.raw for file in files))}, {kb(sum(file.gzipped for file in files))} gzip in all; "
            f"the largest {largest.path}, {kb(largest.gzipped)} gzip")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="a built site's output folder")
    first = measure(parser.parse_args().output)
    print(f"first load: {kb(first.raw)}, {kb(first.gzipped)} gzip")
    print("\n".join(describe(first)))


if __name__ == "__main__":
    main()
