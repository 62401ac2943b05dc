"""Every page passes the Nu HTML Checker (npm's vnu-jar, run with Java), with no error."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import REPO

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# .ci/run sets this, so that CI fails rather than skips when the checker is missing.
REQUIRED = os.environ.get("INCIDENT_ARCHIVE_REQUIRE_VNU") == "1"


def nu_errors(folder) -> list[str]:
    if not (shutil.which("java") and VNU_JAR.is_file()):
        reason = "the Nu HTML Checker needs java and `npm install` (node_modules/vnu-jar)"
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", str(folder)],
        capture_output=True, text=True, timeout=600,
    )
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_fixture_archive_is_valid_html(minimal):
    assert minimal.build("--drafts")[0] == 0
    assert nu_errors(minimal.output) == []


def test_reference_archive_is_valid_html(built_reference):
    assert nu_errors(built_reference) == []


def test_real_corpus_is_valid_html(built_corpus):
    assert nu_errors(built_corpus) == []


def test_the_checker_reports_invalid_html(tmp_path):
    (tmp_path / "bad.html").write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></p>")
    assert any("error" in line for line in nu_errors(tmp_path))
