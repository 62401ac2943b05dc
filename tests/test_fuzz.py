"""Fuzzing the untrusted inputs: front matter, Markdown bodies, file names and site.yaml.

Whatever Hypothesis makes, `check` and `build` answer within a bound, with no traceback, every
problem located as `path:line: field: message` at a file of the archive, and a `check` that passes
means a `build` that passes (a pull request that check accepts never breaks publishing).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SITE_YAML, TINY_PNG, VALID_FRONT, ArchiveFolder

pytestmark = pytest.mark.slow  # hundreds of archives checked and built

SECONDS_PER_RUN = 30  # no input may take a build longer than this (the slowest real one takes well under 1 s)
LOCATED = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>[1-9][0-9]*): (?P<field>[^:]+): (?P<message>.+)$")
SUMMARY = re.compile(r"^(check|build) (ok|failed): ")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])

FRONT_PIECES = [
    "title:", "date:", "date_end:", "location:", "status:", "sources:", "related:", "tags:", "casualties:",
    "  killed:", "  - url:", "  name:", "  lat:", "  lon:", "  country:", "  admin1:", "id:", "previous_ids:",
    "duplicate_of:", "corrections:", "  - date:", "    note:", "- ", "[", "]", "{", "}", "'", '"', ":", ",",
    "!!python/tuple", "!!binary", "!!timestamp", "!!int", "&anchor", "*anchor", "<<:", "~", "null", "2022-02-30",
    "2022-03", "2022", "1e9", "-1", "010", "0x1F", "1:30", "1_000", ".inf", "true", "NO", "\t", "  ", "\n", "é",
    "\\e", "\\0", "\\uFFFE", "\\ud800", "\ufeff", "---", "...", "%YAML 1.1", "? ", "|", ">", "#", "x" * 120,
    "reported", "page", "http://[oops/", "https://exa mple.org", "https://example.org:99999/", "javascript:",
    "[[x]]", "\u202e", "\u0085",
]
BODY_PIECES = [
    "[[", "]]", "[", "]", "(", ")", "![", "](", "../../media/", "../2022/y.md", "x.md", "../../../site.yaml",
    "https://tracker.example/p.gif", "//host/x", "<img src=", "<script>", "<div>", "</div>", "<!--", "`", "```",
    "*", "_", "~~", "\\", "&", "&#0;", "&#x1b;", "@", "a@b.c", "http://", "www.", "> ", "- ", "1. ", "    ",
    "\n", "\n\n", "|", "---", "#", "[^1]", "[^1]: note", "{{ x }}", "{% if %}", "é", "\u200f", "x",
]


def run(archive: ArchiveFolder, command: str) -> tuple[int, str]:
    started = time.perf_counter()
    code, output = archive.check() if command == "check" else archive.build()
    assert time.perf_counter() - started < SECONDS_PER_RUN, f"{command} took too long"
    assert code in (0, 1), output
    assert "Traceback" not in output
    lines = output.splitlines()
    assert lines and SUMMARY.match(lines[-1]), output
    for line in lines[:-1]:
        if line.startswith("warning: "):  # a notice about the cache, never a problem of the input
            continue
        match = LOCATED.match(line)
        assert match, f"a problem that is not path:line: field: message: {line!r}"
        path = match.group("path")
        assert path == "site.yaml" or path.startswith(("content", "templates", "output")), line
    return code, output


def check_then_build(archive: ArchiveFolder) -> None:
    checked, _ = run(archive, "check")
    built, output = run(archive, "build")
    if checked == 0:
        assert built == 0, f"check passed, build failed:\n{output}"


def fresh() -> tuple[Path, ArchiveFolder]:
    root = Path(tempfile.mkdtemp())
    return root, ArchiveFolder(root / "archive")


@FUZZ
@given(front=st.lists(st.sampled_from(FRONT_PIECES), max_size=40).map("".join), start_valid=st.booleans())
def test_any_front_matter(front, start_valid):
    root, archive = fresh()
    try:
        archive.incident("x", (VALID_FRONT if start_valid else "") + front)
        archive.incident("y", VALID_FRONT + "related: [x]\n", body="See [[x]].")
        check_then_build(archive)
    finally:
        shutil.rmtree(root)


@FUZZ
@given(body=st.lists(st.sampled_from(BODY_PIECES) | st.text(max_size=8), max_size=60).map("".join))
def test_any_markdown_body(body):
    root, archive = fresh()
    try:
        archive.incident("x", body=body)
        archive.incident("y", body="See [[x]] and [x](x.md).")
        archive.write("content/media/map.png", TINY_PNG)
        check_then_build(archive)
    finally:
        shutil.rmtree(root)


NAME_CHARACTERS = st.sampled_from(list("abcXYZ019-_. ?#%\\:*<>|\"'é€\u202e\t~!$&()[]{};,=+@^`")
                                  + ["CON", "aux", "nul", "..", "COM1"])


@FUZZ
@given(names=st.lists(st.lists(NAME_CHARACTERS, min_size=1, max_size=12).map("".join), min_size=1, max_size=4),
       folder=st.sampled_from(["content/incidents/2022", "content/pages", "content/media", "content", "content/pages/sub"]))
def test_any_file_names(names, folder):
    root, archive = fresh()
    try:
        archive.incident("good")
        for name in names:
            try:
                archive.write(f"{folder}/{name}", f"---\n{VALID_FRONT}---\nA body.\n")
            except (OSError, ValueError):  # a name this file system refuses cannot be in a checkout here
                continue
        check_then_build(archive)
    finally:
        shutil.rmtree(root)


SITE_PIECES = [
    "title:", "description:", "base_url:", "language:", "per_page:", "latest:", "statuses:", "taxonomies:",
    "country_names:", "repository:", "  url:", "  branch:", "  folder:", "  reported:", "    label:",
    "    definition:", "  tags:", "    title:", "    singular:", "    terms:", "      A:", "  UA:", " T", " 0",
    " -1", " 99999999999", " https://example.org/", " 'https://exa mple.org/'", " https://[oops/",
    " https://github.com/o/n", " en", " &a", " *a", " [", " ]", " {", " }", " '", "\n", "  ", "\t", " \\e",
    " !!binary", " status", " page", " x" * 60,
]


@FUZZ
@given(settings_text=st.lists(st.sampled_from(SITE_PIECES), max_size=40).map("".join), start_valid=st.booleans())
def test_any_site_yaml(settings_text, start_valid):
    root, archive = fresh()
    try:
        archive.write("site.yaml", (SITE_YAML if start_valid else "") + settings_text)
        archive.incident("x", VALID_FRONT + "tags: [a]\n")
        check_then_build(archive)
    finally:
        shutil.rmtree(root)
