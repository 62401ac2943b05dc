"""`new`: the blank incident file it writes, what `check` says of it before and after it is filled in, and what it refuses."""

from __future__ import annotations

import datetime
import re

import yaml

from conftest import REPO, run_cli
from incident_archive.config import load_config
from incident_archive.schema import incident_schema

NEW_PATH = "content/incidents/2023/shelling-of-a-market.md"


def new(archive, *args: str) -> tuple[int, str]:
    return run_cli("new", "--root", str(archive.root), *args)


def fill_in(text: str, **values: str) -> str:
    """The file with the first blank `key:` line of each key given a value, as a contributor would."""
    for key, value in values.items():
        text = re.sub(rf"(?m)^(\s*(?:- )?{key}):$", rf"\1: {value}", text, count=1)
    return text


def test_new_writes_the_file_where_it_belongs_and_prints_its_path(archive):
    code, output = new(archive, "Shelling of a market", "--date", "2023-09-06", "--location", "Kostiantynivka")
    assert code == 0, output
    assert output.strip() == NEW_PATH
    text = (archive.root / NEW_PATH).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "Shelling of a market"
    assert front["date"] == datetime.date(2023, 9, 6)
    assert front["location"]["name"] == "Kostiantynivka"


def test_check_names_each_blank_to_fill_then_accepts_the_filled_file(archive):
    new(archive, "Shelling of a market", "--date", "2023-09-06", "--location", "Kostiantynivka")
    code, output = archive.check()
    assert code == 1
    problems = [line for line in output.splitlines() if line.startswith(NEW_PATH)]
    assert [line.split(": ")[1] for line in problems] == ["status", "sources[1]"], output

    path = archive.root / NEW_PATH
    path.write_text(fill_in(path.read_text(encoding="utf-8"), status="reported",
                            url="https://example.org/report"), encoding="utf-8")
    code, output = archive.check("--strict")
    assert code == 0, output
    code, output = archive.build()
    assert code == 0, output
    assert (archive.output / "incidents" / "shelling-of-a-market" / "index.html").is_file()


def test_every_field_of_the_schema_is_in_the_template_with_a_comment(archive):
    code, text = run_cli("new", "--root", str(REPO), "--stdout")
    assert code == 0
    lines = text.split("---\n")[1].splitlines()  # the front matter
    keys = [line.split(":")[0] for line in lines if line and line[0].isalpha()]
    schema_fields = incident_schema(load_config(REPO)[0]).fields
    assert sorted(keys) == sorted(schema_fields)
    for index, line in enumerate(lines):
        if line.split(":")[0] in schema_fields and line.split(":")[0] != "corrections":  # shares updated's comment
            assert lines[index - 1].startswith("#") or "#" in line, f"no comment for {line!r}"


def test_the_template_for_web_editor_contributors_is_what_new_writes():
    code, text = run_cli("new", "--root", str(REPO), "--stdout")
    assert code == 0
    assert (REPO / "docs" / "incident-template.md").read_text(encoding="utf-8") == text, \
        "regenerate it: python build.py new --stdout > docs/incident-template.md"


def test_new_never_overwrites_a_file(archive):
    archive.write(NEW_PATH, "my unfinished notes\n")
    code, output = new(archive, "Shelling of a market", "--date", "2023-09-06")
    assert code == 1
    assert f"new: title: {NEW_PATH} already exists" in output
    assert (archive.root / NEW_PATH).read_text(encoding="utf-8") == "my unfinished notes\n"


def test_new_refuses_an_id_in_use_as_an_id_or_a_previous_id(archive):
    archive.write("content/incidents/2022/renamed.md",
                  "---\nid: market-attack\nprevious_ids: [shelling-of-a-market]\ntitle: T\ndate: 2022-01-01\n"
                  "location: X\nstatus: reported\nsources: [https://example.org/]\n---\n")
    code, output = new(archive, "Shelling of a market", "--date", "2023-09-06")
    assert code == 1
    assert "the id 'shelling-of-a-market' is already used by content/incidents/2022/renamed.md" in output
    code, output = new(archive, "Market attack", "--date", "2023-09-06")
    assert code == 1 and "the id 'market-attack' is already used" in output
    assert not (archive.root / NEW_PATH).exists()
    assert not (archive.root / "content/incidents/2023/market-attack.md").exists()


def test_new_reports_every_bad_option_at_once(archive):
    code, output = new(archive, "Shelling", "--date", "2023-02-30", "--status", "verifed")
    assert code == 1
    assert "new: --date: " in output and "February 2023 has no day 30" in output
    assert 'new: --status: unknown term \'verifed\' (did you mean "verified"?)' in output
    assert not (archive.root / "content" / "incidents").exists()


def test_new_without_a_date_goes_in_this_years_folder_and_leaves_the_date_blank(archive):
    code, output = new(archive, "Undated report")
    assert code == 0
    year = datetime.date.today().year
    assert output.splitlines()[0] == f"content/incidents/{year}/undated-report.md"  # then a note on stderr
    code, output = archive.check()
    assert f"content/incidents/{year}/undated-report.md:9: date: is required" in output


def test_new_needs_a_title_with_letters_or_digits(archive):
    code, output = new(archive)
    assert code == 1 and "new: title: is required" in output
    code, output = new(archive, "???")
    assert code == 1 and "new: title: has no letters or digits" in output


def test_a_non_ascii_title_gives_an_ascii_file_name(archive):
    code, output = new(archive, "Обстріл Харкова", "--date", "2022-03-01")
    assert code == 0
    assert output.strip() == "content/incidents/2022/obstril-kharkova.md"
    assert 'title: "Обстріл Харкова"' in (archive.root / output.strip()).read_text(encoding="utf-8")
