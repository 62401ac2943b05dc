"""The command line explains itself: its name, each command's help and examples, common options before
or after the command, misspelt commands, and messages that say which fix to make."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys

import pytest

from conftest import REPO, VALID_FRONT, run_cli
from incident_archive.cli import COMMANDS


@pytest.fixture
def typed_as(monkeypatch):
    """Run the CLI in-process as if the user had typed this program name."""
    def run(program: str, *args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", [program, *args])
        return run_cli(*args)
    return run


def help_sections(text: str) -> tuple[str, str, str]:
    """A --help text as (usage, description, examples): the paragraphs before the first list of
    arguments, and what follows 'examples:'."""
    usage, *paragraphs = text.split("\n\n")
    description = []
    for paragraph in paragraphs:
        if paragraph.startswith(("options:", "positional arguments:")):
            break
        description.append(paragraph)
    examples = text.partition("\nexamples:\n")[2]
    return usage, "\n\n".join(description), examples


def test_the_program_is_called_what_the_user_typed(typed_as, tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: build.py ")
    assert "incident-archive COMMAND" not in result.stdout

    result = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--no-such-option"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: build.py check ")

    code, output = typed_as("/home/someone/.venv/bin/incident-archive", "--help")
    assert code == 0 and output.startswith("usage: incident-archive ")
    code, output = typed_as("build.py", "serve", "--help")
    assert code == 0 and output.startswith("usage: build.py serve ")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_describes_itself_with_examples(typed_as, command):
    code, output = typed_as("build.py", command, "--help")
    assert code == 0
    usage, description, examples = help_sections(output)
    assert len(description.split()) >= 20, f"{command} --help has no description:\n{output}"
    example_lines = [line for line in examples.splitlines() if line.strip().startswith(f"build.py {command}")]
    assert len(example_lines) >= 2, f"{command} --help has fewer than two examples:\n{output}"


def test_the_top_level_help_lists_every_command_and_gives_examples(typed_as):
    code, output = typed_as("build.py", "--help")
    assert code == 0
    listed = re.findall(r"(?m)^ {4}(\w+) +\S", output)
    assert listed == list(COMMANDS)
    _, _, examples = help_sections(output)
    assert {line.split()[1] for line in examples.splitlines() if line.strip().startswith("build.py ")
            and len(line.split()) > 1} >= {"check", "new", "serve"}


def test_new_shows_its_title_as_required_and_says_when_it_may_be_left_out(typed_as):
    code, output = typed_as("build.py", "new", "--help")
    assert code == 0
    first_usage_line = output.splitlines()[0]
    assert first_usage_line.endswith(" TITLE") and "[TITLE]" not in first_usage_line
    assert re.search(r"title is required,?\s+unless\s+--stdout", output), output


def test_common_options_work_before_or_after_the_command(archive):
    archive.incident("x", VALID_FRONT + "colour: red\n")  # an unknown field: a warning
    root = str(archive.root)
    for args in (("--root", root, "check"), ("check", "--root", root), (f"--root={root}", "check")):
        code, output = run_cli(*args)
        assert code == 0 and "check ok: 1 incident" in output, (args, output)
    for args in (("--root", root, "--strict", "check"), ("--strict", "check", "--root", root),
                 ("check", "--root", root, "--strict")):
        code, output = run_cli(*args)
        assert code == 1 and "check failed" in output, (args, output)
    code, output = run_cli("--root", root, "--jobs", "1", "build")
    assert code == 0 and "build ok: 1 incident" in output, output
    assert (archive.output / "index.html").is_file()
    code, output = run_cli("--root", root, "--clean")  # no command: build, as before
    assert code == 0 and "build ok" in output, output


def test_an_option_the_command_does_not_take_is_refused_before_it_too(archive):
    code, output = run_cli("--root", str(archive.root), "--strict", "new", "A title")
    assert code == 2
    assert "--strict" in output and "new" in output
    assert not (archive.root / "content").exists()


@pytest.mark.parametrize("typed, meant", [("bulid", "build"), ("chek", "check"), ("serv", "serve")])
def test_a_misspelt_command_gets_a_suggestion(archive, typed, meant):
    code, output = run_cli(typed, "--root", str(archive.root))
    assert code == 2
    assert f"unknown command '{typed}'" in output
    assert f'did you mean "{meant}"?' in output
    assert "Traceback" not in output
    assert not archive.output.exists()


def test_the_folder_and_date_warning_names_the_move_that_fixes_it(archive):
    archive.incident("x", year="2026")  # dated 2022-03-04
    archive.incident("a report", year="2021")
    code, output = archive.check()
    assert code == 0  # a warning
    assert ("content/incidents/2026/x.md:3: date: warning: the file is in the folder 2026/ but the incident is dated 2022"
            in output)
    assert "git mv content/incidents/2026/x.md content/incidents/2022/x.md" in output
    assert "../2022/x.md" in output  # what to type in GitHub's web editor
    # A name the shell would split is quoted, so that the line can be pasted as it is.
    assert "git mv 'content/incidents/2021/a report.md' 'content/incidents/2022/a report.md'" in output


def test_new_without_a_date_says_the_file_must_move_if_the_incident_is_older(archive):
    code, output = run_cli("new", "--root", str(archive.root), "Undated report")
    assert code == 0
    year = datetime.date.today().year
    assert output.splitlines()[0] == f"content/incidents/{year}/undated-report.md"
    assert f"{year}/" in output.splitlines()[1] and "move" in output.splitlines()[1]
    code, output = run_cli("new", "--root", str(archive.root), "Dated report", "--date", "2022-03-04")
    assert output.strip() == "content/incidents/2022/dated-report.md"


def test_the_readme_lists_each_commands_options_as_its_help_does(typed_as):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Commands\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    documented = {line.split()[2]: set(re.findall(r"--[a-z]+", line.split("#")[0]))
                  for line in block.splitlines() if len(line.split()) > 2 and line.split()[2] in COMMANDS}
    assert set(documented) == set(COMMANDS)
    for command in COMMANDS:
        code, output = typed_as("build.py", command, "--help")
        usage = output.split("\n\n", 1)[0]
        offered = set(re.findall(r"--[a-z]+", usage)) - {"--root"}  # --root: said once for every command
        if command == "new":  # its usage is written out; its options are listed below it
            offered = set(re.findall(r"(?m)^  (--[a-z]+)", output)) - {"--root"}
        assert documented[command] == offered, command
