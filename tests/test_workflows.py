"""The GitHub workflows: they parse, use the official actions pinned to commits, keep no token and no
permission they do not need, pass zizmor, name commands this repository has, and those commands succeed here."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_cli
from incident_archive.cli import _parser

WORKFLOWS = REPO / ".github" / "workflows"
NAMES = ["check.yml", "publish.yml"]
# What each workflow may use: GitHub's own actions, each pinned to a full commit SHA (a tag can be
# moved to other code; a commit cannot) with the release it is in a comment: `# v4.4.0`.
OFFICIAL_ACTIONS = {"actions/checkout", "actions/setup-python", "actions/setup-node", "actions/cache",
                    "actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"}
ENGINE = ".venv/bin/python build.py "
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+\.\d+\.\d+)")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<rest>.*?)\s*$")
# Each job's permissions: the least it needs. Widening one is a decision to make here, on purpose.
PERMISSIONS = {
    ("check.yml", "records"): {"contents": "read"},  # checkout
    ("check.yml", "tests"): {"contents": "read"},  # checkout
    ("publish.yml", "build"): {"contents": "read", "pages": "read"},  # checkout; configure-pages reads the site
    ("publish.yml", "deploy"): {"pages": "write", "id-token": "write"},  # deploy-pages
}


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def engine_commands(workflow: dict) -> list[list[str]]:
    """The arguments of each `build.py` command the workflow runs."""
    return [shlex.split(step["run"].split(ENGINE, 1)[1]) for step in steps(workflow) if ENGINE in step.get("run", "")]


def uses_lines(name: str) -> list[str]:
    """What follows `uses:` on each line of the workflow's text, comment included (YAML drops comments)."""
    lines = (WORKFLOWS / name).read_text(encoding="utf-8").splitlines()
    return [match["rest"] for line in lines if (match := USES_LINE.match(line))]


@pytest.mark.parametrize("name", NAMES)
def test_a_workflow_is_well_formed_and_uses_only_official_actions_pinned_to_a_commit(name):
    workflow = load(name)
    assert workflow["name"] and workflow["on"] and workflow["jobs"]
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] <= 60
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert step["uses"].split("@")[0] in OFFICIAL_ACTIONS, step["uses"]
    written = uses_lines(name)
    # Every `uses` is on a line of its own, so each one's comment can be read.
    assert [line.split(" ", 1)[0] for line in written] == [step["uses"] for step in steps(workflow) if "uses" in step]
    for line in written:
        assert PINNED.fullmatch(line), f"{name}: `uses: {line}` is not owner/name@<40-hex commit> # vX.Y.Z"


def test_an_action_is_pinned_to_the_same_commit_and_release_everywhere():
    pins: dict[str, set[str]] = {}
    for name in NAMES:
        for line in uses_lines(name):
            match = PINNED.fullmatch(line)
            assert match, line
            pins.setdefault(match["action"], set()).add(f"{match['sha']} # {match['version']}")
    assert {action: pin for action, pin in pins.items() if len(pin) > 1} == {}


@pytest.mark.parametrize("name", NAMES)
def test_no_checkout_leaves_the_token_in_the_git_config(name):
    checkouts = [step for step in steps(load(name)) if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, f"{name}: {step}"


@pytest.mark.parametrize("name", NAMES)
def test_a_workflow_grants_nothing_by_default_and_each_job_only_what_it_needs(name):
    workflow = load(name)
    assert "permissions" in workflow and workflow["permissions"] == {}, "top level: `permissions: {}`"
    for job_name, job in workflow["jobs"].items():
        assert isinstance(job.get("permissions"), dict), f"{name}: job {job_name} declares no permissions"
        assert job["permissions"] == PERMISSIONS[(name, job_name)], f"{name}: job {job_name}"


def test_zizmor_finds_nothing_in_the_workflows():
    """zizmor, the GitHub Actions static analyser, offline, at its default persona: no finding."""
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.is_file():
        pytest.skip("zizmor is not installed (pip install -e '.[test]')")
    # --strict-collection: a workflow zizmor cannot read fails, rather than being skipped unaudited.
    # --no-config: a zizmor.yml elsewhere cannot switch an audit off; an ignore comment on a line
    # (`# zizmor: ignore[audit]`) still counts, as it sits, with its reason, beside what it excuses.
    finished = subprocess.run([str(zizmor), "--offline", "--strict-collection", "--no-config", "--format", "json",
                               str(WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert finished.stdout.strip(), f"zizmor printed nothing (exit code {finished.returncode}):\n{finished.stderr}"
    findings = [finding for finding in json.loads(finished.stdout) if not finding.get("ignored")]
    report = "\n".join(_finding(finding) for finding in findings)
    assert findings == [] and finished.returncode == 0, f"exit code {finished.returncode}:\n{report}\n{finished.stderr}"


def _finding(finding: dict) -> str:
    """One line for a zizmor finding: its audit, what it says, and where (file:line: the text)."""
    where = ""
    for location in finding.get("locations", [])[:1]:
        path = location.get("symbolic", {}).get("key", {}).get("Local", {}).get("verbatim_path", "?")
        concrete = location.get("concrete", {})
        row = concrete.get("location", {}).get("start_point", {}).get("row", -1) + 1
        where = f" at {path}:{row}: {concrete.get('feature', '')!r}"
    return f"{finding.get('ident')}: {finding.get('desc')}{where}"


@pytest.mark.parametrize("name", NAMES)
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
