"""GitHub Actions: each problem also as a workflow command, so that it shows on its line of a pull request."""

from __future__ import annotations

import os
from pathlib import Path

from .inputs import without_controls
from .model import Problem


def running_in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def workflow_command(problem: Problem, root: Path, strict: bool = False) -> str:
    """`::error file=…,line=…,title=…::message`, escaped as the Actions runner requires.

    Under --strict a warning fails the run, so it is shown as an error.
    """
    level = "error" if problem.is_error or strict else "warning"
    properties = ",".join(f"{name}={_escape_property(without_controls(value))}" for name, value in (
        ("file", _repository_path(problem.path, root)),
        ("line", str(problem.line)),
        ("title", problem.field),
    ))
    return f"::{level} {properties}::{_escape_data(without_controls(problem.message))}"


def _repository_path(path: str, root: Path) -> str:
    """Problems name files from the archive folder; GitHub wants them from the repository's root."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return path
    try:
        return (root / path).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:  # outside the repository (the default theme of an installed engine)
        return path


# The rules of @actions/core's escapeData and escapeProperty: a message may hold any text, but a
# newline would end the command and, in a property, a comma or colon would end the property.
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
