"""Shared helpers: throwaway archive folders, and the CLI run in-process as a user would run it."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from incident_archive.cli import main
from incident_archive.names import id_from_path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = REPO / "tests" / "corpus" / "police-brutality-2020"
# The reference archive (site.yaml and content/) the tests read: the repository's own, or the copy
# this variable names. tests/test_contributor_pull_request.py runs the reference-archive tests on
# a copy with a contributor's record added, so that none of them can count on the archive's exact
# contents: whatever they expect of it, they derive from its files.
REFERENCE_VARIABLE = "INCIDENT_ARCHIVE_REFERENCE"
REFERENCE = Path(os.environ.get(REFERENCE_VARIABLE) or REPO)
# Tests that read the reference archive carry this marker (given below to every test that uses one
# of REFERENCE_FIXTURES, and by hand to the others), so that they can be run on such a copy.
REFERENCE_MARKER = "reference_archive"
REFERENCE_FIXTURES = {"reference_archive", "reference_copy", "built_reference"}
# A test that uses one of these drives a browser or reads the whole police corpus: it is marked
# slow (`pytest -m "not slow"` is the quick run), as are those that run the Nu HTML Checker.
SLOW_FIXTURES = {"browser", "corpus", "built_corpus", "built_corpus_in_one_process"}

SITE_YAML = """\
title: Test archive
base_url: https://example.org/
contact: corrections@example.org
taxonomies:
  categories: {title: Categories, singular: Category}
  tags: {title: Tags, singular: Tag}
"""

# A real image (one black pixel): a published image is decoded and re-encoded (images.py), so a
# test that only needs some image in content/media/ writes this one.
TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c6360"
                         "00000002000148afa4710000000049454e44ae426082")

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


def police_records(root: Path, count: int) -> Path:
    """An archive at root of the police corpus' first `count` records (in path order), with the
    reference archive's site.yaml: real records, for tests that build an archive many times and need
    it small; its folders and other files come along, so that the records' links keep their targets."""
    kept: list[str] = []

    def ignore(folder: str, names: list[str]) -> list[str]:
        skipped = []
        for name in sorted(names):
            if name.endswith(".md") and "/incidents" in folder.replace(os.sep, "/"):
                if len(kept) >= count:
                    skipped.append(name)
                    continue
                kept.append(name)
        return skipped

    shutil.copytree(CORPUS / "content", root / "content", ignore=ignore)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root


@pytest.fixture(scope="session")
def built_corpus(corpus) -> Path:
    """The police corpus built by two worker processes, as on any machine with two cores or more."""
    code, output = run_cli("build", "--root", str(corpus), "--jobs", "2")
    assert code == 0, output
    return corpus / "output"


@pytest.fixture(scope="session")
def built_corpus_in_one_process(corpus, built_corpus, tmp_path_factory) -> Path:
    """The police corpus built again, from nothing (no cache) and in this process alone."""
    out = tmp_path_factory.mktemp("corpus-in-one-process") / "output"
    code, output = run_cli("build", "--root", str(corpus), "--out", str(out), "--jobs", "1", "--clean")
    assert code == 0, output
    return out


def copy_reference(root: Path) -> Path:
    """The reference archive's own files (site.yaml and content/) copied to root, and nothing else."""
    shutil.copytree(REFERENCE / "content", root / "content")
    shutil.copy(REFERENCE / "site.yaml", root / "site.yaml")
    return root


@pytest.fixture(scope="session")
def reference_archive(tmp_path_factory) -> Path:
    """A copy of the reference archive, shared by the tests that only read it (and so never edit it).

    A copy, so that no test writes a .cache/ into the repository, where tests running side by side
    (pytest -n) would share it.
    """
    return copy_reference(tmp_path_factory.mktemp("reference") / "archive")


@pytest.fixture
def reference_copy(tmp_path) -> Path:
    """A copy of the reference archive of the test's own, to edit."""
    return copy_reference(tmp_path / "archive")


@pytest.fixture(scope="session")
def built_reference(reference_archive) -> Path:
    """The reference archive, built."""
    out = reference_archive.parent / "output"
    code, output = run_cli("build", "--root", str(reference_archive), "--out", str(out))
    assert code == 0, output
    return out


def front_matters(root: Path) -> dict[str, tuple[dict, str]]:
    """Every incident file's front matter (by id) and body, parsed with plain PyYAML, not the engine.

    Parsed again only when a file was added, removed or changed (the police corpus takes seconds
    to parse): callers must not change what it returns.
    """
    paths = sorted(path for path in (root / "content" / "incidents").rglob("*.md") if not is_translation(path))
    return _front_matters(tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in paths))


def is_translation(path: Path) -> bool:
    """bucha.uk.md beside bucha.md translates it (incident_archive/content.py): it is no record of its own."""
    stem, dot, code = path.stem.rpartition(".")
    return bool(dot) and re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", code) is not None \
        and path.with_name(f"{stem}.md").is_file()


@functools.lru_cache(maxsize=8)
def _front_matters(files: tuple[tuple[Path, int, int], ...]) -> dict[str, tuple[dict, str]]:
    found = {}
    for path, _, _ in files:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        _, front, body = re.split(r"^---[ \t]*$", text, maxsplit=2, flags=re.MULTILINE)
        meta = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        found[meta.get("id") or id_from_path(path.name)] = (meta, body)
    return found


@pytest.fixture(scope="session", autouse=True)
def theme_compiled_once_per_process():
    """Jinja compiles a template once per source and settings in this test process, not once per archive.

    Hundreds of tests build a fresh archive, each with an empty .cache/ and so a theme to compile
    (a third of a second a build, most of what a small build costs). Compiling is a pure function
    of the source and of the environment's settings, which the key below holds in full, so the code
    is the same either way; Jinja still reads and writes each archive's bytecode cache as it would,
    and a template that fails to compile fails every time (failures are not kept).
    """
    import jinja2
    from jinja2.utils import _PassArg

    compile_template = jinja2.Environment.compile
    compiled: dict = {}

    def settings(env: jinja2.Environment, name: str | None) -> tuple:
        def calling(functions: dict) -> frozenset:
            return frozenset((key, _PassArg.from_obj(function)) for key, function in functions.items())

        return (type(env), env.block_start_string, env.block_end_string, env.variable_start_string,
                env.variable_end_string, env.comment_start_string, env.comment_end_string,
                env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
                env.newline_sequence, env.keep_trailing_newline, tuple(sorted(env.extensions)), env.optimized,
                env.is_async, env.finalize, env.undefined,
                env.autoescape(name) if callable(env.autoescape) else env.autoescape,
                calling(env.filters), calling(env.tests),
                # the constant messages compiled in (render.make_environment): a language and its catalogues
                getattr(env, "constants_key", None))

    def compile_once(env, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str):
            return compile_template(env, source, name, filename, raw, defer_init)
        key = (source, name, filename, raw, defer_init, settings(env, name))
        if key not in compiled:
            compiled[key] = compile_template(env, source, name, filename, raw, defer_init)
        return compiled[key]

    jinja2.Environment.compile = compile_once
    yield
    jinja2.Environment.compile = compile_template


@pytest.hookimpl(tryfirst=True)  # before -m selects tests by these marks
def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if REFERENCE_FIXTURES & fixtures:
            item.add_marker(REFERENCE_MARKER)
        if SLOW_FIXTURES & fixtures:
            item.add_marker("slow")
        callspec = getattr(item, "callspec", None)
        if item.get_closest_marker("first_case_quick") and callspec and any(callspec.indices.values()):
            item.add_marker("slow")
