"""Under GitHub Actions, `check` prints each problem a second time as a workflow command, escaped as the runner requires."""

from __future__ import annotations

import pytest

from conftest import VALID_FRONT
from incident_archive.github_annotations import workflow_command
from incident_archive.model import Problem, Severity

BAD_STATUS = VALID_FRONT.replace("status: reported", "status: verifed")
UNKNOWN_FIELD = VALID_FRONT + "summry: a typo\n"


@pytest.fixture
def in_actions(monkeypatch, archive):
    """The environment of a workflow step whose checkout (GITHUB_WORKSPACE) holds the archive in archive/."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(archive.root.parent))
    return archive


def commands(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("::")]


def test_each_problem_is_also_a_workflow_command_on_its_file_and_line(in_actions):
    in_actions.incident("bad-status", BAD_STATUS)
    in_actions.incident("typo", UNKNOWN_FIELD)
    code, output = in_actions.check()
    assert code == 1
    assert commands(output) == [
        "::error file=archive/content/incidents/2022/bad-status.md,line=5,title=status::"
        "unknown term 'verifed' (did you mean \"verified\"?); use one of: reported, corroborated, verified, contested, retracted",
        "::warning file=archive/content/incidents/2022/typo.md,line=7,title=summry::unknown field (did you mean \"summary\"?)",
    ]


def test_the_plain_report_is_unchanged(in_actions, monkeypatch):
    in_actions.incident("bad-status", BAD_STATUS)
    in_actions.incident("typo", UNKNOWN_FIELD)
    _, annotated = in_actions.check()
    monkeypatch.delenv("GITHUB_ACTIONS")
    _, plain = in_actions.check()
    assert not commands(plain)
    assert [line for line in annotated.splitlines() if not line.startswith("::")][:-1] == plain.splitlines()[:-1]


def test_under_strict_a_warning_is_an_error_annotation(in_actions):
    in_actions.incident("typo", UNKNOWN_FIELD)
    code, output = in_actions.check("--strict")
    assert code == 1
    assert commands(output) == [
        "::error file=archive/content/incidents/2022/typo.md,line=7,title=summry::unknown field (did you mean \"summary\"?)",
    ]


def test_commas_colons_and_percent_signs_in_a_file_name_are_escaped(in_actions):
    # Such a name is itself refused (it breaks links), and that refusal is what is annotated.
    in_actions.incident("100%, sure: yes", BAD_STATUS)
    _, output = in_actions.check()
    assert commands(output)[0].startswith(
        "::error file=archive/content/incidents/2022/100%25%2C sure%3A yes.md,line=1,title=file::has '%25' in its name")


def test_without_a_workspace_the_path_is_the_archive_folders(in_actions, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE")
    in_actions.incident("bad-status", BAD_STATUS)
    _, output = in_actions.check()
    assert commands(output)[0].startswith("::error file=content/incidents/2022/bad-status.md,line=5,")


@pytest.mark.parametrize("message, escaped", [
    ("two\nlines", "two%0Alines"),
    ("a\r\nwindows line", "a%0D%0Awindows line"),
    ("100% sure: a, b", "100%25 sure: a, b"),  # in the message, only %, CR and LF are special
])
def test_messages_are_escaped_as_the_runner_requires(tmp_path, message, escaped):
    problem = Problem("x.md", 3, "title, or: name", message, Severity.WARNING)
    assert workflow_command(problem, tmp_path) == f"::warning file=x.md,line=3,title=title%2C or%3A name::{escaped}"
