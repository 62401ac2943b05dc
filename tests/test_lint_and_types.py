"""The code passes ruff and mypy as pyproject.toml configures them: the README's test command (which CI runs) enforces both."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


def _run_module(*arguments: str) -> subprocess.CompletedProcess[str]:
    """python -m ..., from the repository's root, where pyproject.toml says what to check and how."""
    return subprocess.run([sys.executable, "-m", *arguments], cwd=REPO, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)


def test_ruff_finds_nothing():
    done = _run_module("ruff", "check", "--output-format", "concise")
    assert done.returncode == 0, f"ruff check failed:\n{done.stdout}{done.stderr}"


@pytest.mark.slow  # several seconds from a cold cache (a fresh clone, as in CI)
def test_mypy_finds_nothing():
    done = _run_module("mypy")
    assert done.returncode == 0, f"mypy failed:\n{done.stdout}{done.stderr}"
