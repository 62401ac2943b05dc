"""Each front-matter field is declared once (schema.INCIDENT_FIELDS): a field declared there reaches
the checks, the page, the open data, `new`'s template and the front-matter reference, and the
reference committed in docs/ is the one the declarations make."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import jsonschema
import pytest

from conftest import REPO, run_cli
from incident_archive import schema
from incident_archive.docs import COMMAND, front_matter_reference
from incident_archive.fields import Text

UNIT = schema.Declared("responsible_unit", Text(), "The military or police unit the sources hold responsible.",
                       label="Responsible unit", geojson=True)

WITH_UNIT = """\
title: A shelling
date: 2022-03-04
location: {name: Bucha, lat: 50.5, lon: 30.2}
status: reported
sources: [https://example.org/a]
responsible_unit: 64th Motor Rifle Brigade
"""
WITHOUT_UNIT = """\
title: Another shelling
date: 2022-03-05
location: {name: Irpin, lat: 50.5, lon: 30.2}
status: reported
sources: [https://example.org/b]
"""


@pytest.fixture
def unit_declared(monkeypatch):
    """The table as it would be with one plain field more, after the summary."""
    fields = list(schema.INCIDENT_FIELDS)
    at = next(index for index, field in enumerate(fields) if getattr(field, "name", "") == "summary") + 1
    monkeypatch.setattr(schema, "INCIDENT_FIELDS", tuple(fields[:at] + [UNIT] + fields[at:]))


def load(archive, name: str):
    return json.loads((archive.output / "data" / name).read_text(encoding="utf-8"))


@pytest.fixture
def built_with_unit(archive, unit_declared):
    archive.incident("with-unit", WITH_UNIT)
    archive.incident("without-unit", WITHOUT_UNIT)
    code, output = archive.build()
    assert code == 0, output
    return archive


def test_a_declared_field_is_checked_where_it_is_written(archive, unit_declared):
    path = archive.incident("with-unit", WITH_UNIT.replace("64th Motor Rifle Brigade", "64"))
    code, output = archive.check()
    assert code == 1
    assert f"{path}:7: responsible_unit: must be text, not a number (put it in quotes)" in output


def test_a_declared_field_with_a_label_is_among_the_facts_on_its_page(built_with_unit):
    page = (built_with_unit.output / "incidents" / "with-unit" / "index.html").read_text(encoding="utf-8")
    facts = page.split('<dl class="facts">')[1].split("</dl>")[0]
    assert "<dt>Responsible unit</dt>\n  <dd>64th Motor Rifle Brigade</dd>" in facts
    other = (built_with_unit.output / "incidents" / "without-unit" / "index.html").read_text(encoding="utf-8")
    assert "Responsible unit" not in other


def test_a_declared_field_is_in_the_json_and_its_schema(built_with_unit):
    data, json_schema = load(built_with_unit, "incidents.json"), load(built_with_unit, "incidents.schema.json")
    records = {record["id"]: record for record in data["incidents"]}
    assert records["with-unit"]["responsible_unit"] == "64th Motor Rifle Brigade"
    assert "responsible_unit" not in records["without-unit"]
    keys = list(records["with-unit"])
    assert keys.index("sources") < keys.index("responsible_unit") < keys.index("url")  # in declaration order
    own = json.loads((built_with_unit.output / "incidents" / "with-unit" / "index.json").read_text(encoding="utf-8"))
    assert own["responsible_unit"] == "64th Motor Rifle Brigade"

    check = jsonschema.Draft202012Validator(json_schema)
    assert check.is_valid(data)
    for wrong in ("", 64, ["64th"]):
        broken = {**records["with-unit"], "responsible_unit": wrong}
        assert not check.is_valid({**data, "incidents": [broken]}), wrong


def test_a_declared_field_has_a_csv_column_and_a_geojson_property(built_with_unit):
    with open(built_with_unit.output / "data" / "incidents.csv", encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        rows = {row["id"]: row for row in reader}
        columns = reader.fieldnames
    # After every column published before it was declared, where a script reading by position expects them.
    assert columns.index("corrections_count") < columns.index("url") < columns.index("responsible_unit")
    assert rows["with-unit"]["responsible_unit"] == "64th Motor Rifle Brigade"
    assert rows["without-unit"]["responsible_unit"] == ""

    features = {feature["id"]: feature["properties"] for feature in load(built_with_unit, "incidents.geojson")["features"]}
    assert list(features["with-unit"]).index("page") < list(features["with-unit"]).index("responsible_unit")
    assert features["with-unit"]["responsible_unit"] == "64th Motor Rifle Brigade"
    assert features["without-unit"]["responsible_unit"] is None


def test_a_declared_field_is_in_news_template_with_its_help(archive, unit_declared):
    code, text = run_cli("new", "--root", str(archive.root), "--stdout")
    assert code == 0
    lines = text.split("---\n")[1].splitlines()
    at = lines.index("responsible_unit:")
    assert lines[at - 1] == "# The military or police unit the sources hold responsible."
    assert at < lines.index("# Maintainers' fields, for later changes: leave them empty in a new record.")


def test_a_declared_field_is_in_the_front_matter_reference(unit_declared):
    reference = front_matter_reference()
    section = " ".join(reference.split("## `responsible_unit`\n")[1].split("\n## ")[0].split())
    assert "The military or police unit the sources hold responsible." in section
    assert "**On the page:** among the record's facts, as “Responsible unit”." in section
    assert "CSV column `responsible_unit`; GeoJSON property `responsible_unit`" in section


def test_the_committed_front_matter_reference_is_the_one_the_declarations_make():
    made = subprocess.run([sys.executable, "-m", "incident_archive.docs"], cwd=REPO, capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout
    assert (REPO / "docs" / "front-matter.md").read_text(encoding="utf-8") == made, f"regenerate it: {COMMAND}"


def test_no_taxonomy_may_take_the_name_of_a_declared_field(archive):
    names = sorted(name for field in schema.INCIDENT_FIELDS if isinstance(field, schema.Declared)
                   for name in field.names if "_" not in name)  # a taxonomy's name is a slug: no underscores
    taxonomies = "".join(f"  {name}: {{title: T, singular: S}}\n" for name in names)
    archive.write("site.yaml", f"title: Test archive\ntaxonomies:\n{taxonomies}")
    code, output = archive.check()
    assert code == 1
    refused = re.findall(r"^site\.yaml:\d+: taxonomies\.([a-z0-9-]+): '\1' is a name the site already uses",
                         output, re.M)
    assert sorted(refused) == names


def test_the_json_schema_holds_the_ids_to_the_length_the_checks_do(archive):
    archive.incident("a-record")
    code, output = archive.build()
    assert code == 0, output
    data, json_schema = load(archive, "incidents.json"), load(archive, "incidents.schema.json")
    check = jsonschema.Draft202012Validator(json_schema)
    record = data["incidents"][0]
    assert check.is_valid({**data, "incidents": [{**record, "related": ["a" * 100]}]})
    assert not check.is_valid({**data, "incidents": [{**record, "related": ["a" * 101]}]})
