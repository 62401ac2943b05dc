"""The README and docs/ stand on their own in a clone: every relative link resolves, nothing points outside."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO

DOCUMENTS = sorted([REPO / "README.md", REPO / "SECURITY.md", REPO / "CONTRIBUTING.md", *(REPO / "docs").glob("*.md")])
FIRST_SCREEN_LINES = 25


def links(text: str) -> list[str]:
    """Markdown link targets outside code (fenced blocks and `inline code` show examples, not links)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)


def anchors(markdown: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_resolves_inside_the_repository(document):
    for target in links(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        destination = (document.parent / path).resolve() if path else document
        assert destination.is_relative_to(REPO), f"{document.name}: {target} leads outside the repository"
        assert destination.exists(), f"{document.name}: {target} does not exist"
        if anchor and destination.suffix == ".md":
            assert anchor in anchors(destination), f"{document.name}: {target}: no such heading"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_no_document_names_a_path_outside_the_clone(document):
    text = document.read_text(encoding="utf-8")
    assert not re.search(r"\.\./shared|/work/", text), f"{document.name} names a path outside the repository"


def test_the_readme_first_screen_gives_the_two_commands():
    first_screen = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN_LINES])
    assert ".venv/bin/python build.py" in first_screen
    assert ".venv/bin/python -m pytest" in first_screen
