"""Open data: data/incidents.json against its JSON Schema and against every incident file, the CSV,
the GeoJSON, SHA256SUMS, each incident's own JSON, and byte-identical rebuilds."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import math
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, VALID_FRONT, copy_reference, front_matters, run_cli

DATA_FILES = ["SHA256SUMS", "incidents.csv", "incidents.geojson", "incidents.json", "incidents.schema.json"]
DERIVED = ("url", "page", "json")


@pytest.fixture(scope="module")
def built_minimal(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data-minimal") / "minimal"
    shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns("output"))
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    return root / "output"


@pytest.fixture(params=["minimal", pytest.param("reference", marks=pytest.mark.reference_archive),
                        pytest.param("corpus", marks=pytest.mark.slow)])
def built(request) -> tuple[Path, Path]:
    """(archive folder, its output folder) for each archive the data is checked on."""
    if request.param == "reference":
        return request.getfixturevalue("reference_archive"), request.getfixturevalue("built_reference")
    if request.param == "corpus":
        return request.getfixturevalue("corpus"), request.getfixturevalue("built_corpus")
    out = request.getfixturevalue("built_minimal")
    return out.parent, out


def load(out: Path, name: str):
    return json.loads((out / "data" / name).read_text(encoding="utf-8"))


def validator(schema: dict) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def incident_validator(schema: dict) -> jsonschema.Draft202012Validator:
    """The schema's own definition of one incident, which an incident's index.json must match."""
    return validator({"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/incident"})


# The incident files, read independently of the engine (conftest.front_matters)

def published(root: Path) -> dict[str, dict]:
    return {record_id: meta for record_id, (meta, _) in front_matters(root).items()
            if not meta.get("draft") and not meta.get("duplicate_of")}


def expected_record(meta: dict, taxonomies: list[str]) -> dict:
    """What the JSON must hold for a front matter: shorthands expanded, dates as written, counts as ranges."""
    expected = {}
    for key, value in meta.items():
        # A blank field, or an empty list as `new` writes them (tags: []), is left out of the data.
        if value is None or value == [] or key in ("draft", "duplicate_of"):
            continue
        if key in ("date", "date_end", "updated"):
            value = as_written(value)
        elif key == "location":
            value = {"name": value} if isinstance(value, str) else clean(value)
            if "country" in value:
                value["country"] = value["country"].upper()
            # Published no finer than the precision claims (4 decimals with none), and not at all if hidden.
            decimals = {"exact": 4, "approximate": 3, "settlement": 2, "region": 1}[value.get("precision", "exact")]
            value |= {axis: round(float(value[axis]), decimals) for axis in ("lat", "lon") if axis in value}
            if value.get("hide_coordinates"):
                value = {key: item for key, item in value.items() if key not in ("lat", "lon")}
        elif key == "sources":
            value = [{"url": source} if isinstance(source, str) else clean(source) for source in as_list(value)
                     if isinstance(source, str) or not source.get("private")]
        elif key == "casualties":
            value = {name: count_range(figure) for name, figure in value.items() if figure is not None}
            if not value:  # every figure left blank
                continue
        elif key == "corrections":
            value = [clean(correction) for correction in value]
        elif key in ("related", "previous_ids", *taxonomies):
            value = [text.strip() for text in as_list(value)]
        elif isinstance(value, str):
            value = value.strip()
        expected[key] = value
    return expected


def as_written(value) -> str:
    """PyYAML reads 2022-03-04 as a date and 2022 as a number; the file says '2022-03-04' and '2022'."""
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def clean(mapping: dict) -> dict:
    return {key: as_written(value) if key in ("date", "accessed") else value.strip() if isinstance(value, str) else value
            for key, value in mapping.items() if value is not None}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def count_range(figure) -> dict:
    low, _, high = str(figure).replace("–", "-").partition("-")
    return {"low": int(low), "high": int(high or low)}


def markdown_body(body: str) -> str:
    return re.sub(r"\A(?:[ \t]*\n)+", "", body.rstrip())


# incidents.json and its schema

def test_json_validates_against_its_schema(built):
    _, out = built
    schema, data = load(out, "incidents.schema.json"), load(out, "incidents.json")
    errors = [error.message for error in validator(schema).iter_errors(data)]
    assert errors == []
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_accepts_what_the_engine_accepts(archive):
    """An address's scheme in capitals passes the check, so the published data holding it must validate."""
    archive.incident("shouted", VALID_FRONT.replace("https://example.org/a", "HTTPS://example.org/a"))
    code, output = archive.build()
    assert code == 0, output
    schema, data = load(archive.output, "incidents.schema.json"), load(archive.output, "incidents.json")
    assert data["incidents"][0]["sources"] == [{"url": "HTTPS://example.org/a"}]
    assert [error.message for error in validator(schema).iter_errors(data)] == []


def test_schema_rejects_what_the_engine_would_reject(built_minimal):
    schema, data = load(built_minimal, "incidents.schema.json"), load(built_minimal, "incidents.json")
    check = validator(schema)
    record = data["incidents"][0]
    for broken in [
        {**record, "status": "rumoured"},
        {**record, "date": "2022-3-4"},
        {**record, "date": "2022-13"},
        {**record, "categories": ["Not in the closed vocabulary"]},
        {**record, "location": {**record["location"], "country": "ua"}},
        {**record, "location": {**record["location"], "precision": "vague"}},
        {**record, "sources": [{"title": "neither url nor description"}]},
        {**record, "sources": [{"url": "https://example.org/", "type": "blog"}]},
        {**record, "casualties": {"killed": {"low": 3}}},
        {**record, "unknown_field": 1},
        {key: value for key, value in record.items() if key != "sources"},
    ]:
        assert not check.is_valid({**data, "incidents": [broken]}), broken


def test_schema_uses_the_archives_vocabularies(built_reference):
    schema = load(built_reference, "incidents.schema.json")
    incident = schema["$defs"]["incident"]["properties"]
    assert incident["status"]["enum"] == ["reported", "corroborated", "verified", "contested", "retracted"]
    assert {"categories", "perpetrators", "tags"} <= set(incident)
    assert schema["$defs"]["source"]["properties"]["type"]["enum"][0] == "news"
    assert schema["$id"] == "https://example.github.io/incident-archive/data/incidents.schema.json"


def test_json_round_trips_every_incident_file(built):
    root, out = built
    data = load(out, "incidents.json")
    taxonomies = [taxonomy["key"] for taxonomy in data["archive"]["taxonomies"]]
    records = {record["id"]: record for record in data["incidents"]}
    files = published(root)
    assert sorted(records) == sorted(files)
    for record_id, meta in files.items():
        front = {key: value for key, value in records[record_id].items() if key not in DERIVED}
        assert front == expected_record(meta, taxonomies) | {"id": record_id}, record_id


def test_json_gives_each_record_its_addresses_newest_first(built):
    root, out = built
    data = load(out, "incidents.json")
    base_url = data["archive"]["base_url"]
    for record in data["incidents"]:
        assert record["page"] == f"incidents/{record['id']}/index.html"
        assert record["json"] == f"incidents/{record['id']}/index.json"
        assert record["url"] == f"{base_url}incidents/{record['id']}/"
        assert (out / record["page"]).is_file()
    dates = [record["date"] for record in data["incidents"]]
    assert dates == sorted(dates, reverse=True)


def test_json_keeps_precision_ranges_and_shorthands(built_minimal):
    records = {record["id"]: record for record in load(built_minimal, "incidents.json")["incidents"]}
    assert list(records) == ["river-crossing", "market-day", "rumour", "detention-camp"]
    crossing = records["river-crossing"]
    assert crossing["casualties"] == {"killed": {"low": 3, "high": 5}, "injured": {"low": 12, "high": 12}}
    assert crossing["location"]["lat"] == 50.5 and crossing["location"]["lon"] == 30.25
    assert records["market-day"]["date"] == "2022-03"
    assert records["detention-camp"]["date"] == "2021"
    assert records["detention-camp"]["sources"][0] == {"url": "https://example.org/report-5"}
    assert "summary" not in records["market-day"]  # a field a record lacks is absent, never null


def test_json_has_one_line_per_incident_and_no_body(reference_archive, built_reference):
    text = (built_reference / "data" / "incidents.json").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert text.endswith("]}\n")
    assert len(lines) == 2 + len(json.loads(text)["incidents"])
    assert all("description" not in record for record in json.loads(text)["incidents"])
    # Each description's first line (a record whose summary or title says the same is left out).
    first_lines = [markdown_body(body).splitlines()[0] for meta, body in front_matters(reference_archive).values()
                   if markdown_body(body) and markdown_body(body).splitlines()[0] not in
                   f"{meta.get('title')} {meta.get('summary')}"]
    assert first_lines and [line for line in first_lines if line in text] == []
    assert any(not character.isascii() for character in text)  # the reference archive's own Чупахівка, ’...
    assert "\\u" not in text  # written as UTF-8, never as \u escapes


def test_drafts_appear_marked_in_a_drafts_build(minimal, tmp_path):
    code, output = minimal.build("--drafts", "--out", str(tmp_path / "out"))
    assert code == 0, output
    data = load(tmp_path / "out", "incidents.json")
    drafts = [record["id"] for record in data["incidents"] if record.get("draft")]
    assert drafts == ["unfinished"]
    assert validator(load(tmp_path / "out", "incidents.schema.json")).is_valid(data)


def test_without_base_url_records_have_no_absolute_url(minimal, tmp_path):
    site = minimal.root / "site.yaml"
    site.write_text(re.sub(r"(?m)^base_url:.*\n", "", site.read_text(encoding="utf-8")), encoding="utf-8")
    code, output = minimal.build()
    assert code == 0, output
    schema, data = load(minimal.output, "incidents.schema.json"), load(minimal.output, "incidents.json")
    assert "$id" not in schema and "base_url" not in data["archive"]
    assert validator(schema).is_valid(data)
    assert all("url" not in record for record in data["incidents"])
    rows = list(csv.DictReader(io.StringIO((minimal.output / "data" / "incidents.csv").read_text(encoding="utf-8"))))
    assert {row["url"] for row in rows} == {""}


# Each incident's own JSON

def test_each_incident_has_its_own_json_with_its_description(built):
    root, out = built
    schema, data = load(out, "incidents.schema.json"), load(out, "incidents.json")
    check = incident_validator(schema)
    files = front_matters(root)
    for record in data["incidents"]:
        own = json.loads((out / record["json"]).read_text(encoding="utf-8"))
        description = own.pop("description", "")
        assert own == record
        assert description == markdown_body(files[record["id"]][1])
        assert check.is_valid({**own, "description": description} if description else own), record["id"]


def test_incident_json_follows_an_edit_of_its_body(minimal):
    code, output = minimal.build()
    assert code == 0, output
    before = (minimal.output / "data" / "incidents.json").read_bytes()
    path = minimal.root / "content" / "incidents" / "2021" / "rumour.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Kept for the record.", "Kept, and *explained*."),
                    encoding="utf-8")
    code, output = minimal.build()
    assert code == 0, output
    own = json.loads((minimal.output / "incidents" / "rumour" / "index.json").read_text(encoding="utf-8"))
    assert own["description"] == "Kept, and *explained*."
    assert (minimal.output / "data" / "incidents.json").read_bytes() == before  # the bulk file holds no body


# CSV

def test_csv_has_one_row_per_published_incident(built):
    root, out = built
    raw = (out / "data" / "incidents.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") >= 1 + len(published(root)) and b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    data = load(out, "incidents.json")
    assert [row["id"] for row in rows] == [record["id"] for record in data["incidents"]]
    assert sorted(row["id"] for row in rows) == sorted(published(root))
    taxonomies = [taxonomy["key"] for taxonomy in data["archive"]["taxonomies"]]
    assert list(rows[0]) == [
        "id", "title", "date_start", "date_end", "date_precision", "year",
        "country", "country_name", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
        "status", *taxonomies, "killed_low", "killed_high", "injured_low", "injured_high",
        "source_count", "source_urls", "sources_withheld", "summary", "updated", "corrections_count", "url",
        "media_count", "media_files",
    ]
    for row, record in zip(rows, data["incidents"], strict=True):
        assert row["title"] == record["title"] and row["date_start"] == record["date"]
        assert int(row["source_count"]) == len(record["sources"])
        assert row["latitude"] == str(record["location"].get("lat", ""))


def test_csv_flattens_a_full_record(built_minimal):
    with open(built_minimal / "data" / "incidents.csv", encoding="utf-8", newline="") as file:
        rows = {row["id"]: row for row in csv.DictReader(file)}
    assert set(rows) == {"river-crossing", "market-day", "rumour", "detention-camp"}  # no draft, no merged copy
    assert rows["river-crossing"] == {
        "id": "river-crossing", "title": "Shelling near the river crossing", "date_start": "2022-03-04",
        "date_end": "2022-03-06", "date_precision": "day", "year": "2022", "country": "UA", "country_name": "Ukraine",
        "admin1": "North Region", "admin2": "Lake District", "location": "River crossing",
        "latitude": "50.5", "longitude": "30.25", "geo_precision": "approximate", "status": "verified",
        "categories": "Shelling", "tags": "bridge; evacuation", "killed_low": "3", "killed_high": "5",
        "injured_low": "12", "injured_high": "12", "source_count": "2",
        "source_urls": "https://example.org/report-1",  # the other source has only a description
        "sources_withheld": "0",
        "summary": "A fictional incident used by the tests.", "updated": "2022-04-01", "corrections_count": "1",
        "url": "https://example.org/archive/incidents/river-crossing/", "media_count": "0", "media_files": "",
    }
    assert rows["market-day"]["date_precision"] == "month" and rows["detention-camp"]["date_precision"] == "year"
    assert rows["market-day"]["killed_low"] == ""


# GeoJSON

def test_geojson_is_a_valid_feature_collection(built):
    _, out = built
    collection = load(out, "incidents.geojson")
    data = load(out, "incidents.json")
    assert collection["type"] == "FeatureCollection"
    assert set(collection) == {"type", "features"}
    mapped = [record for record in data["incidents"] if "lat" in record["location"]]
    assert len(collection["features"]) == len(mapped)
    ids = [feature["id"] for feature in collection["features"]]
    assert ids == [record["id"] for record in mapped]
    assert len(set(ids)) == len(ids)
    for feature, record in zip(collection["features"], mapped, strict=True):
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] == "Point" and len(geometry["coordinates"]) == 2
        lon, lat = geometry["coordinates"]
        assert all(isinstance(axis, (int, float)) and not isinstance(axis, bool) and math.isfinite(axis)
                   for axis in (lon, lat))
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert (lon, lat) == (record["location"]["lon"], record["location"]["lat"])  # as written, not swapped


def test_geojson_properties_are_the_same_on_every_feature(built_minimal):
    collection = load(built_minimal, "incidents.geojson")
    (feature,) = collection["features"]  # only the river crossing has coordinates
    assert feature["id"] == "river-crossing"
    assert feature["properties"] == {
        "title": "Shelling near the river crossing", "date": "2022-03-04", "date_end": "2022-03-06", "year": 2022,
        "status": "verified", "country": "UA", "admin1": "North Region", "location": "River crossing",
        "geo_precision": "approximate", "categories": ["Shelling"], "tags": ["bridge", "evacuation"],
        "killed_low": 3, "killed_high": 5, "injured_low": 12, "injured_high": 12,
        "url": "https://example.org/archive/incidents/river-crossing/", "page": "incidents/river-crossing/index.html",
    }


def test_geojson_properties_keys_match_across_the_corpus(built_corpus):
    features = load(built_corpus, "incidents.geojson")["features"]
    assert len(features) > 1000
    assert len({tuple(feature["properties"]) for feature in features}) == 1


# SHA256SUMS and determinism

def test_sha256sums_lists_every_data_file(built):
    _, out = built
    folder = out / "data"
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    media = sorted(f"../media/{path.relative_to(out / 'media').as_posix()}" for path in (out / "media").rglob("*")
                   if path.is_file()) if (out / "media").is_dir() else []
    assert sorted(listed) == sorted([*media, *(path.name for path in folder.iterdir() if path.name != "SHA256SUMS")])
    assert list(listed) == sorted(listed)
    for name, checksum in listed.items():
        assert checksum == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
    assert sorted(path.name for path in folder.iterdir()) == DATA_FILES


def test_sha256sums_follows_an_incremental_edit(minimal):
    code, output = minimal.build()
    assert code == 0, output
    path = minimal.root / "content" / "incidents" / "2022" / "market-day.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Market day", "title: Market day, renamed"),
                    encoding="utf-8")
    code, output = minimal.build()
    assert code == 0, output
    folder = minimal.output / "data"
    assert "Market day, renamed" in (folder / "incidents.csv").read_text(encoding="utf-8")
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        checksum, name = line.split("  ")
        assert checksum == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
    code, output = run_cli("build", "--root", str(minimal.root), "--out", str(minimal.root / "clean"), "--clean")
    assert code == 0, output
    assert data_bytes(minimal.output) == data_bytes(minimal.root / "clean")


def data_bytes(out: Path) -> dict[str, bytes]:
    files = sorted([*(out / "data").iterdir(), *(out / "incidents").glob("*/index.json")])
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in files}


@pytest.mark.parametrize("archive", ["minimal", pytest.param("reference", marks=pytest.mark.reference_archive)])
def test_two_clean_builds_give_identical_data(archive, tmp_path):
    root = tmp_path / archive  # a copy, so that --clean empties no cache but its own
    if archive == "minimal":
        shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns("output"))
    else:
        copy_reference(root)
    made = []
    for name, jobs in (("one", "1"), ("two", "2")):
        out = tmp_path / name
        code, output = run_cli("build", "--root", str(root), "--out", str(out), "--clean", "--jobs", jobs)
        assert code == 0, output
        made.append(data_bytes(out))
    assert made[0] == made[1]
    assert len(made[0]) > len(DATA_FILES)


def test_one_process_and_many_workers_give_identical_data(built_corpus, built_corpus_in_one_process):
    assert data_bytes(built_corpus_in_one_process) == data_bytes(built_corpus)


def test_an_archive_with_nothing_published_gives_empty_but_valid_data(archive):
    archive.incident("only-a-draft", VALID_FRONT + "draft: true\n")
    code, output = archive.build()
    assert code == 0, output
    data = load(archive.output, "incidents.json")
    assert data["incidents"] == [] and load(archive.output, "incidents.geojson")["features"] == []
    assert validator(load(archive.output, "incidents.schema.json")).is_valid(data)
    assert (archive.output / "data" / "incidents.csv").read_text(encoding="utf-8").count("\n") == 1
