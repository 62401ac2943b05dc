"""`init DIR`: a new archive that checks and builds at once, refused over a folder that holds anything;
its workflows follow this repository's rules; its contributor files are this repository's own, adapted.

`python tests/test_init.py` rewrites the starter's copies of the contributor files and workflows from
this repository's (ADAPTED below), after a change to them.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import test_workflows as rules  # the repository's workflow rules, applied to the starter's too
from conftest import REPO, run_cli
from incident_archive import __version__, config, starter
from incident_archive.cli import _parser
from test_contributor_files import relative_links

# Each starter file that is one of this repository's own, adapted to a repository that holds only
# an archive: the repository's file, then edits made in order, each of which must find its text (so
# that a change to the repository's file fails here rather than drifting from the starter's):
# (old, new) replaces every occurrence; ("cut", first, until) drops from `first` up to `until`
# (to the end when until is ""). An issue form is the same file.
ADAPTED: dict[str, tuple[str, list[tuple[str, str, str] | tuple[str, str]]]] = {
    ".github/ISSUE_TEMPLATE/config.yml": (".github/ISSUE_TEMPLATE/config.yml", []),
    ".github/ISSUE_TEMPLATE/correction.yml": (".github/ISSUE_TEMPLATE/correction.yml", []),
    ".github/ISSUE_TEMPLATE/report-incident.yml": (".github/ISSUE_TEMPLATE/report-incident.yml", []),
    ".github/pull_request_template.md": (".github/pull_request_template.md", [
        ("`python build.py check`", "`incident-archive check`"),
    ]),
    "CONTRIBUTING.md": ("CONTRIBUTING.md", [
        ("python build.py", "incident-archive"),
        ("- [Translating the interface](#translating-the-interface)\n", ""),
        ("cut", "## Translating the interface\n", "## What each field means\n"),
        (" The README explains\n[every kind of message](README.md#when-a-file-is-wrong) in more detail.",
         ""),
        ("(This entry is from the archive's Chupakhivka record.)",
         "(An entry from the sample archive that comes with the engine.)"),
        ("(see [site.yaml](docs/site.md))", "(its comments say how)"),
        ("the\n[front-matter reference](docs/front-matter.md) is the full one, and\n"
         "[a real record](content/incidents/2022/bucha-yablunska-street-executions.md) shows them in use.",
         "the\n[blank record](docs/incident-template.md) has a comment on every one."),
        ("Set up once, as the [README](README.md) explains\n(Python 3.11), then,",
         "Set up once (Python 3.11), with the engine at the\nversion the workflows use:\n\n"
         "```sh\npython3 -m venv .venv && .venv/bin/pip install -r requirements.txt\n```\n\nThen,"),
        (" All the commands and their options are in the [README](README.md#commands).",
         "\n`incident-archive COMMAND --help` describes each command and its options."),
    ]),
    ".github/workflows/check.yml": (".github/workflows/check.yml", [
        ("# Every pull request: check the records (each problem shown on its line under \"Files changed\"),\n"
         "# then run the test suite as CI does.",
         "# Every pull request: check the records, each problem shown on its line under \"Files changed\"."),
        ("cut", "\n  tests:\n", ""),
    ]),
    ".github/workflows/publish.yml": (".github/workflows/publish.yml", []),
}
# What both workflows change: the engine is a package at a pinned version, not this checkout.
for _workflow in (".github/workflows/check.yml", ".github/workflows/publish.yml"):
    ADAPTED[_workflow][1].extend([
        ("tests/test_workflows.py checks all three and runs zizmor.",
         "The engine is installed at the version requirements.txt pins."),
        ("cache-dependency-path: pyproject.toml", "cache-dependency-path: requirements.txt"),
        ("      - name: Install\n        run: python -m venv .venv && .venv/bin/pip install -e .\n",
         "      - name: Install the engine (the version requirements.txt pins)\n"
         "        run: python -m venv .venv && .venv/bin/pip install -r requirements.txt\n"),
        (".venv/bin/python build.py ", ".venv/bin/incident-archive "),
    ])
ENGINE = ".venv/bin/incident-archive "


def adapted(path: str) -> str:
    """The starter's file at path, as made from this repository's own."""
    source, edits = ADAPTED[path]
    text = (REPO / source).read_text(encoding="utf-8")
    for edit in edits:
        if edit[0] == "cut":
            _, first, until = edit
            start = text.index(first)
            text = text[:start] + (text[text.index(until, start):] if until else "")
        else:
            old, new = edit
            assert old in text, f"{source} no longer has {old!r}: update ADAPTED in tests/test_init.py"
            text = text.replace(old, new)
    return text


@pytest.fixture
def made(tmp_path) -> Path:
    code, output = run_cli("init", str(tmp_path / "archive"))
    assert code == 0, output
    return tmp_path / "archive"


@pytest.mark.parametrize("path", sorted(ADAPTED))
def test_a_contributor_file_or_workflow_of_the_starter_is_this_repositorys_own_adapted(path):
    assert (starter.STARTER / starter.FILES[path]).read_text(encoding="utf-8") == adapted(path), \
        "regenerate the starter's copies: python tests/test_init.py"


def test_the_starter_lists_every_file_it_ships_and_init_writes_every_one(made):
    shipped = {path.relative_to(starter.STARTER).as_posix() for path in starter.STARTER.rglob("*") if path.is_file()}
    assert shipped == set(starter.FILES.values())
    written = {path.relative_to(made).as_posix() for path in made.rglob("*") if path.is_file()}
    assert written == {*starter.FILES, starter.BLANK_RECORD}
    assert not list(made.parent.glob(".*init-*")), "the staging folder is left behind"


def test_init_says_what_it_wrote_and_what_to_do_next(tmp_path):
    code, output = run_cli("init", str(tmp_path / "new" / "archive"))  # its parent is made too
    assert code == 0
    assert "Made an archive in" in output and "  site.yaml" in output and ".github/workflows/publish.yml" in output
    assert "incident-archive serve" in output and "incident-archive check --strict" in output


def test_init_writes_into_an_empty_folder_and_keeps_it(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    inode = folder.stat().st_ino
    code, output = run_cli("init", str(folder))
    assert code == 0, output
    assert folder.stat().st_ino == inode  # the same folder (a shell may be in it), not a new one
    assert (folder / "site.yaml").is_file() and (folder / ".github" / "workflows" / "check.yml").is_file()


@pytest.mark.parametrize("held", ["notes.txt", ".github/workflows/mine.yml"])
def test_init_refuses_a_folder_that_holds_anything_and_writes_nothing(tmp_path, held):
    folder = tmp_path / "taken"
    (folder / held).parent.mkdir(parents=True)
    (folder / held).write_text("mine\n", encoding="utf-8")
    before = sorted(folder.rglob("*"))
    code, output = run_cli("init", str(folder))
    assert code == 1
    assert "is not empty" in output and held.split("/")[0] in output and "never writes over" in output
    assert sorted(folder.rglob("*")) == before
    assert (folder / held).read_text(encoding="utf-8") == "mine\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken"]  # no staging folder either


def test_init_writes_into_a_clone_of_an_empty_repository_and_leaves_git_alone(tmp_path):
    (tmp_path / "clone" / ".git").mkdir(parents=True)
    (tmp_path / "clone" / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    code, output = run_cli("init", str(tmp_path / "clone"))
    assert code == 0, output
    assert (tmp_path / "clone" / "site.yaml").is_file()
    assert [path.name for path in (tmp_path / "clone" / ".git").iterdir()] == ["HEAD"]


def test_init_that_fails_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    written = []

    def write_then_fail(path, data):
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        written.append(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    monkeypatch.setattr(starter, "_write", write_then_fail)
    code, output = run_cli("init", str(tmp_path / "archive"))
    assert code == 1 and "No space left on device" in output and "nothing was written" in output
    assert list(tmp_path.iterdir()) == []


def test_two_inits_write_the_same_bytes(tmp_path):
    trees = []
    for name in ("one", "two"):
        assert run_cli("init", str(tmp_path / name))[0] == 0
        trees.append({path.relative_to(tmp_path / name): path.read_bytes()
                      for path in sorted((tmp_path / name).rglob("*")) if path.is_file()})
    assert trees[0] == trees[1]


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, output = run_cli("init", str(tmp_path / "file"))
    assert code == 1 and "is not a folder" in output


def test_a_command_outside_an_archive_says_how_to_make_one(tmp_path):
    code, output = run_cli("check", "--root", str(tmp_path))
    assert code == 2 and "not an archive folder" in output and "init DIR" in output


def test_the_new_archive_passes_check_strict_and_builds_with_its_example_unpublished(made):
    code, output = run_cli("check", "--strict", "--root", str(made))
    assert code == 0 and "0 errors, 0 warnings" in output, output
    code, output = run_cli("build", "--strict", "--root", str(made))
    assert code == 0, output
    site = made / "output"
    assert (site / "index.html").is_file() and (site / "about" / "index.html").is_file()
    assert (site / "methodology" / "index.html").is_file()
    assert not (site / "incidents" / "example-replace-this-record").exists()  # draft: true
    footer = (site / "index.html").read_text(encoding="utf-8").split('<footer class="site-footer">', 1)[1]
    # The footer sends a reader who found an error to the about page, not "See the home page".
    assert 'href="about/index.html">About this archive</a>' in footer and "the home page" not in footer


def test_the_example_record_is_a_checked_draft_and_published_with_drafts(made, tmp_path):
    record = (made / "content/incidents/2024/example-replace-this-record.md").read_text(encoding="utf-8")
    assert "draft: true" in record and 'title: "Example: replace this record"' in record
    code, output = run_cli("build", "--drafts", "--root", str(made), "--out", str(tmp_path / "drafts"))
    assert code == 0, output
    assert (tmp_path / "drafts" / "incidents" / "example-replace-this-record" / "index.html").is_file()


def test_the_contributor_files_link_only_to_files_the_new_archive_has(made):
    for path in ("CONTRIBUTING.md", ".github/pull_request_template.md"):
        links = relative_links((made / path).read_text(encoding="utf-8"))
        assert [link for link in links if not (made / path).parent.joinpath(link.split("#")[0]).exists()] == []
        assert links or path.endswith(".github/pull_request_template.md")


def test_the_blank_record_is_what_new_prints_for_the_new_archive(made):
    code, output = run_cli("new", "--stdout", "--root", str(made))
    assert code == 0
    blank = (made / starter.BLANK_RECORD).read_text(encoding="utf-8")
    for old, new in starter.BLANK_RECORD_EDITS:
        assert old in output, f"data/new-incident.md no longer says {old!r}: update starter.BLANK_RECORD_EDITS"
        output = output.replace(old, new)
    assert blank == output
    assert "build.py" not in blank and "docs/front-matter.md" not in blank


def test_site_yaml_shows_every_setting_config_checks_set_or_commented(made):
    text = (made / "site.yaml").read_text(encoding="utf-8")
    for key, field in config._site_schema().fields.items():
        assert re.search(rf"(?m)^#? ?{key}:", text), f"site.yaml says nothing of {key}"
        inner = getattr(getattr(field, "value", None), "fields", None) or getattr(field, "fields", None) or {}
        for sub in inner:
            assert re.search(rf"(?m)^#?\s+{sub}:", text), f"site.yaml says nothing of {key}.{sub}"


def test_site_yaml_commented_settings_are_valid_once_uncommented(made):
    """Each commented top-level setting (`# key:` and its indented lines) is an example that works as written."""
    keys = "|".join(config._site_schema().fields)
    lines, inside = [], False
    for line in (made / "site.yaml").read_text(encoding="utf-8").splitlines():
        inside = bool(re.match(rf"# ({keys}):", line)) or (inside and line.startswith("#  "))
        lines.append(line[2:] if inside else line)
    uncommented = "\n".join(lines).replace("languages: [en]", "languages: [en, uk]")  # translations: names uk
    assert uncommented.count("\ncontact:") == 1 and "\nrelease:" in uncommented and "\ntranslations:" in uncommented
    (made / "site.yaml").write_text(uncommented, encoding="utf-8")
    settings, problems = config.load_config(made)
    assert settings is not None and problems == [], problems
    assert settings.release.authors and settings.country_names and settings.repository and settings.base_url


def test_the_methodology_gives_each_status_as_site_yaml_defines_it(made):
    settings = yaml.safe_load((made / "site.yaml").read_text(encoding="utf-8"))
    methodology = " ".join((made / "content/pages/methodology.md").read_text(encoding="utf-8").split())
    for status in settings["statuses"].values():
        assert f"### {status['label']} {status['definition']}" in methodology, status


def test_the_workflows_install_the_engine_at_this_version_and_run_its_commands(made):
    requirements = (made / "requirements.txt").read_text(encoding="utf-8")
    assert f"\nincident-archive=={__version__}\n" in requirements
    assert f"# incident-archive @ git+https://github.com/OWNER/NAME@v{__version__}\n" in requirements
    commands = {name: [shlex.split(step["run"].split(ENGINE, 1)[1]) for step in rules.steps(_load(made, name))
                       if ENGINE in step.get("run", "")] for name in rules.NAMES}
    assert commands == {"check.yml": [["check", "--strict", "--since", "HEAD^1"]], "publish.yml": [["build", "--strict"]]}
    for arguments in commands["check.yml"] + commands["publish.yml"]:
        _parser().parse_args(arguments)
    for name in rules.NAMES:
        installs = [step["run"] for step in rules.steps(_load(made, name)) if "pip install" in step.get("run", "")]
        assert installs == ["python -m venv .venv && .venv/bin/pip install -r requirements.txt"]
        text = (made / ".github/workflows" / name).read_text(encoding="utf-8")
        assert "build.py" not in text and "-e ." not in text and "pyproject.toml" not in text


@pytest.mark.parametrize("name", rules.NAMES)
def test_the_workflows_follow_this_repositorys_rules(made, name):
    """Official actions pinned to a commit, as this repository pins them; no kept token; least permissions."""
    workflow = _load(made, name)
    assert workflow["name"] and workflow["on"] and workflow["jobs"]
    pins = {line.split("@")[0]: line for name_ in rules.NAMES for line in rules.uses_lines(name_)}
    lines = (made / ".github/workflows" / name).read_text(encoding="utf-8").splitlines()
    written = [match["rest"] for line in lines if (match := rules.USES_LINE.match(line))]
    assert written and all(rules.PINNED.fullmatch(line) and pins[line.split("@")[0]] == line for line in written)
    assert workflow["permissions"] == {}
    for job_name, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] <= 60
        assert job["permissions"] == rules.PERMISSIONS[(name, job_name)]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            assert step.get("uses", "x@").split("@")[0] in rules.OFFICIAL_ACTIONS | {"x"}
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_zizmor_finds_nothing_in_the_starters_workflows(made):
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.is_file():
        pytest.skip("zizmor is not installed (pip install -e '.[test]')")
    finished = subprocess.run([str(zizmor), "--offline", "--strict-collection", "--no-config", "--format", "json",
                               str(made / ".github" / "workflows")], capture_output=True, text=True, timeout=120)
    findings = [finding for finding in json.loads(finished.stdout or "[]") if not finding.get("ignored")]
    assert finished.stdout.strip() and findings == [] and finished.returncode == 0, \
        "\n".join(map(rules._finding, findings)) + finished.stderr


def _load(root: Path, name: str) -> dict:
    workflow = yaml.safe_load((root / ".github/workflows" / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


if __name__ == "__main__":
    for path in ADAPTED:
        (starter.STARTER / starter.FILES[path]).write_text(adapted(path), encoding="utf-8")
        print(f"wrote incident_archive/data/starter/{starter.FILES[path]}")


@pytest.mark.parametrize("origin, expected", [
    # pip's direct_url.json (PEP 610) for `pip install "incident-archive @ git+https://…@v0.1.0"`
    ({"url": "https://github.com/example/engine", "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0",
                                                              "commit_id": "0123456789abcdef0123456789abcdef01234567"}},
     "incident-archive @ git+https://github.com/example/engine@0123456789abcdef0123456789abcdef01234567"),
    ({}, f"incident-archive=={__version__}"),  # from PyPI, or pip says nothing
    ({"url": "file:///home/someone/engine", "dir_info": {"editable": True}}, f"incident-archive=={__version__}"),
    ({"url": "ssh://git@example.org/engine", "vcs_info": {"vcs": "git", "commit_id": "0" * 40}},
     f"incident-archive=={__version__}"),  # no workflow holds the key
    ({"url": "https://example.org/engine", "vcs_info": {"vcs": "git", "commit_id": "main"}},
     f"incident-archive=={__version__}"),  # a branch moves; only a commit pins
], ids=["git over https", "nothing said", "a checkout here", "git over ssh", "no commit"])
def test_requirements_pin_the_engine_that_ran_init(tmp_path, monkeypatch, origin, expected):
    monkeypatch.setattr(starter, "installed_from", lambda: origin)
    code, output = run_cli("init", str(tmp_path / "archive"))
    assert code == 0, output
    lines = (tmp_path / "archive" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == [expected]
