"""The Markdown floor: the CPU time of converting every body of a benchmark corpus, and nothing else.

    python benchmarks/markdown_floor.py /tmp/incident-archive-bench/10000

The floor is incident_archive.markup.Converter.convert, called as pipeline._BodyConverter calls it in
a build's workers: the project's Markdown configuration is that Converter, not a bare
markdown.Markdown with the same extension names. Its extensions include the project's own (incident
links, bare addresses, heading levels, the plain-text shortcut that spares the inline patterns) and
the footnotes of markup_limits; without them a body converts to other HTML, at another cost (0.2 ms
less a body of generate.py's). Its sanitiser runs too: a build never keeps a body's HTML unsanitised.
Left out: reading and validating files, the cache, rendering and writing pages.

Python-Markdown with no extensions is timed beside it, body after body, for reference. Each body is
read before its timer starts; the time is the process's CPU time (time.process_time), in one process.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import markdown

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the engine of this checkout, as build.py runs it

from incident_archive import urls
from incident_archive.markup import Converter
from incident_archive.model import Document, LinkTable

# The front matter as benchmarks/generate.py writes it: each record's id and title on lines of their own.
_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)
_ID = re.compile(r"^id: (.+)$", re.MULTILINE)
_TITLE = re.compile(r'^title: "(.*)"$', re.MULTILINE)


@dataclass
class Floor:
    bodies: int
    project_seconds: float  # CPU seconds, the project's Converter
    bare_seconds: float  # CPU seconds, Python-Markdown with no extensions
    # Problems the Converter found: none in a generated corpus, or the link table here is not the build's
    # (a broken [[id]] costs a "did you mean" search the build does not make).
    problems: int = 0


def measure(corpus: Path) -> Floor:
    converter, bare = Converter(link_table(corpus)), markdown.Markdown(output_format="html")
    project_seconds = bare_seconds = 0.0
    bodies = problems = 0
    for document, body in bodies_of(corpus):
        started = time.process_time()
        problems += len(converter.convert(document, body)[0].problems)
        middle = time.process_time()
        bare.reset().convert(body)
        project_seconds, bare_seconds = project_seconds + middle - started, bare_seconds + time.process_time() - middle
        bodies += 1
    return Floor(bodies, project_seconds, bare_seconds, problems)


def link_table(corpus: Path) -> LinkTable:
    """What the build's link stage gives the generated corpus: every incident published, no page, no medium."""
    titles, incident_paths = {}, {}
    for path in _incidents(corpus):
        front_matter = _split(path)[0]
        incident_id = _field(_ID, front_matter, path)
        titles[incident_id] = _field(_TITLE, front_matter, path)
        incident_paths[path.relative_to(corpus).as_posix()] = incident_id
    return LinkTable(incident_paths=incident_paths, page_paths={}, titles=titles, redirects={},
                     known_ids=frozenset(titles), media=frozenset())


def bodies_of(corpus: Path) -> Iterator[tuple[Document, str]]:
    """Each incident's body and where the build places it, read one at a time (at 150,000 all would take 600 MB)."""
    for path in _incidents(corpus):
        yield _document(corpus, path)


def _incidents(corpus: Path) -> list[Path]:
    return sorted((corpus / "content" / "incidents").glob("*/*.md"))


def _document(corpus: Path, path: Path) -> tuple[Document, str]:
    front_matter, body = _split(path)
    incident_id = _field(_ID, front_matter, path)
    # As the build places an incident's body: under its page's "Description" h2, so its headings start at h3.
    body_line = front_matter.count("\n") + 3
    return Document(path.relative_to(corpus).as_posix(), body_line, urls.incident_folder(incident_id), 3), body


def _split(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    found = _FRONT_MATTER.match(text)
    if found is None:
        raise SystemExit(f"{path}: no front matter; the floor reads only corpora made by benchmarks/generate.py")
    return found.group(1), text[found.end():]


def _field(pattern: re.Pattern[str], front_matter: str, path: Path) -> str:
    found = pattern.search(front_matter)
    if found is None:
        raise SystemExit(f"{path}: no {pattern.pattern}; the floor reads only corpora made by benchmarks/generate.py")
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by benchmarks/generate.py")
    floor = measure(parser.parse_args().corpus)
    for name, seconds in (("the project's Converter", floor.project_seconds), ("Markdown, no extensions", floor.bare_seconds)):
        print(f"{name}: {seconds:.1f} CPU-s, {seconds / floor.bodies * 1000:.2f} ms a body ({floor.bodies:,} bodies)")
    if floor.problems:
        print(f"{floor.problems} problems in the bodies: this link table is not the build's, nor this floor")


if __name__ == "__main__":
    main()
