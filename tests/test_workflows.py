"""The GitHub workflows: they parse, use the official actions, name commands this repository has, and those commands succeed here."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_cli
from incident_archive.cli import _parser

WORKFLOWS = REPO / ".github" / "workflows"
# What each workflow may use: GitHub's own actions, pinned to a major version.
OFFICIAL_ACTIONS = {"actions/checkout", "actions/setup-python", "actions/setup-node", "actions/cache",
                    "actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"}
ENGINE = ".venv/bin/python build.py "


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def engine_commands(workflow: dict) -> list[list[str]]:
    """The arguments of each `build.py` command the workflow runs."""
    return [shlex.split(step["run"].split(ENGINE, 1)[1]) for step in steps(workflow) if ENGINE in step.get("run", "")]


@pytest.mark.parametrize("name", ["check.yml", "publish.yml"])
def test_a_workflow_is_well_formed_and_uses_only_official_actions(name):
    workflow = load(name)
    assert workflow["name"] and workflow["on"] and workflow["jobs"]
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] <= 60
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                action, _, version = step["uses"].partition("@")
                assert action in OFFICIAL_ACTIONS and version.startswith("v"), step["uses"]


@pytest.mark.parametrize("name", ["check.yml", "publish.yml"])
def test_every_engine_command_in_a_workflow_is_one_the_cli_accepts(name):
    commands = engine_commands(load(name))
    assert commands
    for arguments in commands:
        _parser().parse_args(arguments)  # exits (fails the test) on an unknown command or option


def test_pull_requests_are_checked_strictly_and_tested_as_ci_does():
    workflow = load("check.yml")
    assert "pull_request" in workflow["on"]
    assert engine_commands(workflow) == [["check", "--strict", "--since", "HEAD^1"]]
    records = workflow["jobs"]["records"]["steps"]
    assert records[0]["with"]["fetch-depth"] == 2  # HEAD^1 must exist in the checkout
    assert any(step.get("run") == "bash .ci/run" for step in steps(workflow))
    assert (REPO / ".ci" / "run").is_file()


def test_pushes_to_main_are_built_cached_and_deployed_with_the_pages_actions():
    workflow = load("publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert engine_commands(workflow) == [["build", "--strict"]]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    uses = {step["uses"].split("@")[0]: step for step in build["steps"] if "uses" in step}
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "output"  # what `build` writes
    assert set(uses["actions/cache"]["with"]["path"].split()) == {".cache", "output"}
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_workflow_commands_succeed_on_this_repository(tmp_path):
    for arguments in engine_commands(load("check.yml")) + engine_commands(load("publish.yml")):
        if "--since" in arguments and not _revision_exists(arguments[arguments.index("--since") + 1]):
            arguments[arguments.index("--since") + 1] = "HEAD"  # a shallow clone has no parent to compare with
        if arguments[0] == "build":
            arguments += ["--out", str(tmp_path / "output")]  # not the repository's own output/
        code, output = run_cli(*arguments, "--root", str(REPO))
        assert code == 0, f"{arguments}:\n{output}"


def _revision_exists(revision: str) -> bool:
    return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", revision],
                          capture_output=True).returncode == 0


def test_the_readme_links_the_workflows_and_the_contributor_files():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in [".github/workflows/check.yml", ".github/workflows/publish.yml", "CONTRIBUTING.md",
                 ".github/pull_request_template.md", ".github/ISSUE_TEMPLATE/report-incident.yml",
                 ".github/ISSUE_TEMPLATE/correction.yml", "docs/incident-template.md"]:
        assert f"]({path})" in readme, path
        assert Path(REPO, path).is_file(), path
