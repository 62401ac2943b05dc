"""Shared helpers: throwaway archive folders, and the CLI run in-process as a user would run it."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from incident_archive.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = REPO / "tests" / "corpus" / "police-brutality-2020"

SITE_YAML = """\
title: Test archive
base_url: https://example.org/
contact: corrections@example.org
taxonomies:
  categories: {title: Categories, singular: Category}
  tags: {title: Tags, singular: Tag}
"""

# A valid incident's front matter, line by line: tests that break one line know its number
# (the opening --- is line 1, so `title` is line 2 and `sources` line 6).
VALID_FRONT = """\
title: A valid incident
date: 2022-03-04
location: Bucha
status: reported
sources: [https://example.org/a]
"""


def run_cli(*args: str) -> tuple[int, str]:
    """Run a command as `python build.py ARGS` would, returning its exit code and output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
    return code, out.getvalue()


class ArchiveFolder:
    def __init__(self, root: Path):
        self.root = root
        self.write("site.yaml", SITE_YAML)

    def write(self, relpath: str, content: str | bytes) -> str:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return relpath

    def incident(self, name: str, front: str = VALID_FRONT, body: str = "A body.\n", year: str = "2022") -> str:
        return self.write(f"content/incidents/{year}/{name}.md", f"---\n{front}---\n{body}")

    def check(self, *args: str) -> tuple[int, str]:
        return run_cli("check", "--root", str(self.root), *args)

    def build(self, *args: str) -> tuple[int, str]:
        return run_cli("build", "--root", str(self.root), *args)

    @property
    def output(self) -> Path:
        return self.root / "output"


@pytest.fixture
def archive(tmp_path) -> ArchiveFolder:
    return ArchiveFolder(tmp_path / "archive")


@pytest.fixture
def minimal(tmp_path) -> ArchiveFolder:
    """A copy of tests/fixtures/minimal, which uses every page kind."""
    root = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns("output"))
    folder = ArchiveFolder.__new__(ArchiveFolder)
    folder.root = root
    return folder


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """The real police-violence corpus as an archive folder, with the reference archive's site.yaml."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS / "content", root / "content")
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root


@pytest.fixture(scope="session")
def built_corpus(corpus) -> Path:
    code, output = run_cli("build", "--root", str(corpus))
    assert code == 0, output
    return corpus / "output"


@pytest.fixture(scope="session")
def built_reference(tmp_path_factory) -> Path:
    """The repository's own reference archive, built into a temporary folder."""
    out = tmp_path_factory.mktemp("reference") / "output"
    code, output = run_cli("build", "--root", str(REPO), "--out", str(out))
    assert code == 0, output
    return out
