"""A contributor's pull request adds one valid incident file; every test of the reference archive still passes.

The pull-request workflow runs the whole test suite. A test that counted the reference archive's
records, or expected its newest title on the home page, would fail the first contributor whose
record is valid, for a reason that is not theirs. So the tests of the reference archive (marked
reference_archive) derive what they expect from its files, and this test proves it: it makes the
contributor's copy as they would (`new`, then filling in the blanks), checks it as the workflow
does, and runs those tests on the copy (conftest.REFERENCE_VARIABLE names it).
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REFERENCE_MARKER, REFERENCE_VARIABLE, REPO, copy_reference, front_matters, run_cli
from incident_archive.names import slugify

TITLE = "Shelling of a bus stop on the ring road"


def fill_in(text: str, **values: str) -> str:
    """The file with the first blank `key:` line of each key given a value, as a contributor types it."""
    for key, value in values.items():
        text, found = re.subn(rf"(?m)^(\s*(?:- )?{key}):(?=\s*(?:#.*)?$)[^\n]*", rf"\1: {value}", text, count=1)
        assert found, f"no blank {key}: in the file `new` wrote"
    return text


def unused_title(root: Path) -> str:
    """TITLE, numbered if the archive already has a record of its id (a contributor may have added it)."""
    taken = set(front_matters(root)) | {path.stem for path in (root / "content" / "incidents").rglob("*.md")}
    return next(title for title in (TITLE, *(f"{TITLE} {number}" for number in range(2, 100)))
                if slugify(title) not in taken)


def contributors_copy(folder: Path) -> tuple[Path, Path]:
    """(the reference archive with the contributor's record, the record): `new`, then the blanks filled in.

    Dated the day after the newest record, so that it comes first wherever records are listed
    newest first; only what `check --strict` asks for and a body, as a first-time contributor does.
    """
    root = copy_reference(folder)
    newest = max(datetime.date.fromisoformat(str(meta["date"])) for meta, _ in front_matters(root).values()
                 if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta.get("date"))))
    date = min(newest + datetime.timedelta(days=1), datetime.date.today())
    code, output = run_cli("new", "--root", str(root), unused_title(root), "--date", date.isoformat(),
                           "--location", "Ring road bus stop", "--status", "reported")
    assert code == 0, output
    record = root / output.strip()
    text = fill_in(record.read_text(encoding="utf-8"), url="https://news.example.org/2024/bus-stop-shelling",
                   publisher='"Example News"')
    record.write_text(text + "\nAccording to source 1, shells hit a bus stop on the ring road in the morning.\n",
                      encoding="utf-8")
    return root, record


@pytest.fixture
def contributed(tmp_path) -> tuple[Path, Path]:
    if os.environ.get(REFERENCE_VARIABLE):
        pytest.skip("already running on a contributor's copy")
    return contributors_copy(tmp_path / "archive")


def test_the_contributors_record_passes_the_pull_request_check(contributed):
    root, record = contributed
    code, output = run_cli("check", "--root", str(root), "--strict")
    assert code == 0, output
    published = [meta for meta, _ in front_matters(root).values() if not meta.get("duplicate_of")]
    assert f"check ok: {len(published)} incidents" in output
    assert record.relative_to(root).as_posix().startswith("content/incidents/")


@pytest.mark.slow  # all of them, browser and HTML checker included: the length of a slow test
def test_the_reference_archive_tests_pass_with_the_contributors_record(contributed):
    root, _ = contributed
    assert run_cli("check", "--root", str(root), "--strict")[0] == 0
    # Every test that reads the reference archive (through the fixtures that give it, which mark
    # it), in a pytest of its own (the fixtures are built for the whole session), one process.
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", REFERENCE_MARKER, "-q", "-p", "no:cacheprovider", "--no-header",
         "-o", "addopts=", "-p", "no:xdist", str(REPO / "tests")],
        env={**os.environ, REFERENCE_VARIABLE: str(root)}, cwd=REPO, capture_output=True, text=True, timeout=900)
    report = finished.stdout[-6000:] + finished.stderr[-2000:]
    assert finished.returncode == 0, report
    passed = re.search(r"(\d+) passed", finished.stdout.splitlines()[-1])
    assert passed and int(passed.group(1)) >= 10, report  # the tests ran, rather than being deselected
