"""Every page passes the Nu HTML Checker (npm's vnu-jar, run with Java), with no error."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import FIXTURES, REPO, run_cli

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Java for a short run: the JIT's first tier alone gives the same result for about half the processor
# time (measured on the police corpus: 10 s of CPU instead of 18); its frames need more than the
# default stack.
JAVA = ["java", "-XX:TieredStopAtLevel=1", "-Xss4m"]
# .ci/run sets this, so that CI fails rather than skips when the checker is missing.
REQUIRED = os.environ.get("INCIDENT_ARCHIVE_REQUIRE_VNU") == "1"
# Each site the tests check, and the fixture that makes it.
SITES = {"fixture": "built_minimal_with_drafts", "reference": "built_reference", "corpus": "built_corpus",
         "right to left": "built_right_to_left", "bad page": "bad_page"}

pytestmark = pytest.mark.slow


def nu_errors(folders: dict[str, Path]) -> dict[str, list[str]]:
    """The checker's errors in each folder (by name), from one run of java over all of them.

    Java's start and the checker's warm-up cost more than checking a small site: one run, not one
    a site. A line that names no file of a folder (a failure of the checker itself) counts against
    every folder.
    """
    if not (shutil.which("java") and VNU_JAR.is_file()):
        reason = "the Nu HTML Checker needs java and `npm install` (node_modules/vnu-jar)"
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run(
        [*JAVA, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", *map(str, folders.values())],
        capture_output=True, text=True, timeout=900,
    )
    errors: dict[str, list[str]] = {name: [] for name in folders}
    for line in result.stderr.splitlines():
        if not line.strip():
            continue
        named = Path(unquote(line.split('"')[1].removeprefix("file:"))) if line.startswith('"file:') else None
        owners = [name for name, folder in folders.items() if named and folder.resolve() in named.parents]
        for name in owners or folders:
            errors[name].append(line)
    return errors


@pytest.fixture(scope="session")
def built_minimal_with_drafts(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("html-minimal") / "minimal"
    shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns("output", ".cache"))
    code, output = run_cli("build", "--root", str(root), "--drafts")
    assert code == 0, output
    return root / "output"


@pytest.fixture(scope="session")
def built_right_to_left(tmp_path_factory) -> Path:
    """tests/fixtures/right-to-left: Arabic first, English second."""
    root = tmp_path_factory.mktemp("html-rtl") / "right-to-left"
    shutil.copytree(FIXTURES / "right-to-left", root, ignore=shutil.ignore_patterns("output", ".cache"))
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    return root / "output"


@pytest.fixture(scope="session")
def bad_page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("html-bad")
    (folder / "bad.html").write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></p>")
    return folder


@pytest.fixture(scope="session")
def checked(request) -> dict[str, list[str]]:
    """Every site that a selected test of this module checks, checked in one run."""
    wanted = {item.callspec.params["site"] for item in request.session.items
              if item.path == Path(__file__) and hasattr(item, "callspec") and "site" in item.callspec.params}
    return nu_errors({name: request.getfixturevalue(SITES[name]) for name in sorted(wanted)})


@pytest.mark.parametrize("site", [
    "fixture",
    pytest.param("reference", marks=pytest.mark.reference_archive),
    "corpus",
    "right to left",
])
def test_every_page_is_valid_html(site, checked):
    assert checked[site] == []


@pytest.mark.parametrize("site", ["bad page"])
def test_the_checker_reports_invalid_html(site, checked):
    assert checked[site] and all("error" in line for line in checked[site])
