"""`import FILE --format acled|uwazi|csv`: rows become records that pass check; problems at their rows; re-imports safe.

The fixtures under tests/fixtures/imports/ are synthetic rows about real places: every row's notes
say "Fixture row", and every actor and outlet is named "Fixture ...", so that none reads as a report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ArchiveFolder, run_cli

IMPORTS = FIXTURES / "imports"
ACLED = IMPORTS / "acled.csv"
SITE = """\
title: Import test
base_url: https://example.org/
contact: corrections@example.org
languages: [en, uk]
taxonomies:
  categories: {title: Categories, singular: Category}
  actors: {title: Actors, singular: Actor}
"""
# What the ACLED fixture's bad rows are, as the user sees them.
ACLED_PROBLEMS = [
    f"{ACLED}:5: event_date: '2022-02-30': February 2022 has no day 30",
    f"{ACLED}:6: longitude: is empty: every ACLED row has coordinates; without both, the record cannot be placed",
    f"{ACLED}:7: event_id_cnty: the id 'ukrfx002' is also row 3's: this row was not imported",
]
ACLED_RECORDS = ["content/incidents/2022/ukrfx001.md", "content/incidents/2022/ukrfx002.md",
                 "content/incidents/2022/ukrfx003.md", "content/incidents/2022/ukrfx006.md"]


@pytest.fixture
def site(tmp_path) -> ArchiveFolder:
    folder = ArchiveFolder(tmp_path / "archive")
    folder.write("site.yaml", SITE)
    return folder


def import_(folder: ArchiveFolder, path: Path, *args: str) -> tuple[int, str]:
    """`import` as typed: --format acled unless the test names another."""
    return run_cli("import", str(path), "--root", str(folder.root), *(args if "--format" in args else
                                                                      ("--format", "acled", *args)))


def front(folder: ArchiveFolder, relpath: str) -> dict:
    text = (folder.root / relpath).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def files(folder: ArchiveFolder) -> dict[str, bytes]:
    """Every file the import may have written, by path: the records, translations and the ledger."""
    found = {path.relative_to(folder.root).as_posix(): path.read_bytes()
             for path in (folder.root / "content").rglob("*") if path.is_file()} if (folder.root / "content").exists() else {}
    ledger = folder.root / "import-ledger.json"
    return found | ({"import-ledger.json": ledger.read_bytes()} if ledger.exists() else {})


def edited_acled(tmp_path: Path, old: str, new: str) -> Path:
    """The ACLED fixture with one piece of text changed, as ACLED's next export would change a row."""
    text = ACLED.read_text(encoding="utf-8")
    assert old in text
    changed = tmp_path / "acled-later.csv"
    changed.write_text(text.replace(old, new), encoding="utf-8")
    return changed


def test_acled_rows_become_records_with_each_problem_at_its_row(site):
    code, output = import_(site, ACLED)
    assert code == 1  # rows have problems; the good rows are imported all the same
    lines = output.splitlines()
    assert [line for line in lines if line.startswith(str(ACLED))] == ACLED_PROBLEMS
    assert [line.removeprefix("wrote ") for line in lines if line.startswith("wrote ")] == ACLED_RECORDS
    assert lines[-1] == "import failed: 7 rows, 4 files written, 0 unchanged, 3 problems"
    assert sorted(files(site)) == sorted(ACLED_RECORDS + ["import-ledger.json"])

    day = front(site, ACLED_RECORDS[0])  # time_precision 1, geo_precision 1
    assert day["date"] == "2022-03-04" or str(day["date"]) == "2022-03-04"
    assert day["location"] == {"name": "Kharkiv", "admin1": "Kharkiv", "admin2": "Kharkivskyi", "country": "UA",
                               "lat": 49.99, "lon": 36.23, "precision": "settlement"}
    assert day["status"] == "reported"
    assert day["categories"] == ["Explosions/Remote violence", "Shelling/artillery/missile attack"]
    assert day["actors"] == ["Fixture Armed Group A", "Civilians (Ukraine)"]
    assert "perpetrators" not in day  # ACLED's actor1 is not an attacker
    assert day["sources"] == [{"description": "Cited by ACLED for event UKRFX001", "publisher": "Fixture News Service"},
                              {"description": "Cited by ACLED for event UKRFX001", "publisher": "Fixture Daily"}]
    assert day["casualties"] == {"killed": 2}
    assert str(day["updated"]) == "2022-04-15"  # timestamp 1650000000, in UTC
    assert day["summary"].startswith("Fixture row: a synthetic shelling event")

    week = front(site, ACLED_RECORDS[1])  # time_precision 2: the week around event_date; geo_precision 2
    assert (str(week["date"]), str(week["date_end"])) == ("2022-03-13", "2022-03-19")
    assert (week["location"]["lat"], week["location"]["lon"], week["location"]["precision"]) == (49.2, 37.3, "region")
    assert week["actors"] == ["Fixture Armed Group A", "Fixture Militia C", "Fixture Armed Group B"]

    month = front(site, ACLED_RECORDS[2])  # time_precision 3: the month alone; geo_precision 3
    assert str(month["date"]) == "2022-04" and "date_end" not in month
    assert (month["location"]["lat"], month["location"]["lon"], month["location"]["precision"]) == (46.6, 32.6, "region")

    protest = (site.root / ACLED_RECORDS[3]).read_text(encoding="utf-8")  # "04 June 2022", as older exports write it
    assert "date: 2022-06-04" in protest
    # Notes are plain text: "[size=no report]" and "*not*" are shown as written, not made into markup.
    assert protest.endswith("\nFixture row: a synthetic protest \\[size=no report\\]; \\*not\\* a real one. 1. No list.\n")

    code, output = site.check()
    assert code == 0 and "0 errors, 0 warnings" in output, output


def test_imported_acled_records_build(site):
    import_(site, ACLED)
    code, output = site.build()
    assert code == 0, output
    page = (site.output / "incidents" / "ukrfx002" / "index.html").read_text(encoding="utf-8")
    assert "Armed clash in Izium" in page and "Fixture Militia C" in page


def test_importing_the_same_file_again_changes_nothing(site):
    import_(site, ACLED)
    before = files(site)
    code, output = import_(site, ACLED)
    assert code == 1
    assert output.splitlines()[-1] == "import failed: 7 rows, 0 files written, 4 unchanged, 3 problems"
    assert "wrote" not in output
    assert files(site) == before


def test_a_changed_row_updates_its_record_unless_the_record_was_edited(site, tmp_path):
    import_(site, ACLED)
    edited = site.root / ACLED_RECORDS[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA maintainer's paragraph.\n", encoding="utf-8")
    ledger = (site.root / "import-ledger.json").read_bytes()

    # ACLED's next export revises two rows' notes: one record was edited here since, the other not.
    later = edited_acled(tmp_path, "synthetic shelling event", "synthetic shelling event, revised")
    later.write_text(later.read_text(encoding="utf-8").replace("the region only.", "the region only, revised."),
                     encoding="utf-8")
    code, output = import_(site, later)
    assert code == 1
    assert (f"{later}:2: event_id_cnty: the record {ACLED_RECORDS[0]} was edited since its import, so this row's "
            "change was not applied: make the change by hand, or delete the file to import the row again") in output
    assert output.splitlines()[-1] == "import failed: 7 rows, 1 file written, 2 unchanged, 4 problems"
    assert f"wrote {ACLED_RECORDS[2]} (updated)" in output
    assert edited.read_text(encoding="utf-8").endswith("A maintainer's paragraph.\n")  # the edit stands
    assert "revised" not in edited.read_text(encoding="utf-8")
    assert "the region only, revised." in (site.root / ACLED_RECORDS[2]).read_text(encoding="utf-8")
    assert (site.root / "import-ledger.json").read_bytes() != ledger  # the update is remembered...
    assert json.loads((site.root / "import-ledger.json").read_text())["records"]["ukrfx001"] == \
        json.loads(ledger)["records"]["ukrfx001"]  # ...the conflict is not


def test_an_edited_record_whose_row_did_not_change_is_left_alone(site):
    import_(site, ACLED)
    edited = site.root / ACLED_RECORDS[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("status: reported", "status: corroborated"),
                      encoding="utf-8")
    code, output = import_(site, ACLED)
    assert "edited since its import" not in output
    assert output.splitlines()[-1] == "import failed: 7 rows, 0 files written, 4 unchanged, 3 problems"
    assert "status: corroborated" in edited.read_text(encoding="utf-8")


def test_a_file_no_import_wrote_is_never_overwritten(site):
    mine = site.write(ACLED_RECORDS[0], "---\ntitle: Mine\n---\n")
    code, output = import_(site, ACLED)
    assert (f"{ACLED}:2: event_id_cnty: {mine} already exists and no import wrote it: it was left as it is; give the "
            "row another id, or delete the file to import the row") in output
    assert (site.root / mine).read_text(encoding="utf-8") == "---\ntitle: Mine\n---\n"
    assert "ukrfx001" not in json.loads((site.root / "import-ledger.json").read_text())["records"]


def test_an_id_another_record_holds_is_refused(site):
    site.incident("older", "title: An older record\ndate: 2021-05-01\nlocation: Kyiv\nstatus: reported\n"
                  "sources: [https://example.org/a]\nprevious_ids: [ukrfx003]\n", year="2021")
    code, output = import_(site, ACLED)
    assert (f"{ACLED}:4: event_id_cnty: the id 'ukrfx003' is already used by content/incidents/2021/older.md: "
            "this row was not imported") in output
    assert not (site.root / ACLED_RECORDS[2]).exists()


def test_dry_run_writes_nothing_and_says_what_it_would_write(site):
    code, output = import_(site, ACLED, "--dry-run")
    assert code == 1
    assert [line for line in output.splitlines() if line.startswith("would write ")] == \
        [f"would write {path}" for path in ACLED_RECORDS]
    assert output.splitlines()[-1] == "import failed (dry run): 7 rows, 4 files would be written, 0 unchanged, 3 problems"
    assert files(site) == {}


def test_the_same_rows_give_the_same_bytes(tmp_path):
    made = []
    for name in ("one", "two"):
        folder = ArchiveFolder(tmp_path / name)
        folder.write("site.yaml", SITE)
        import_(folder, ACLED)
        made.append(files(folder))
    assert made[0] == made[1] and len(made[0]) == 5


def test_an_archive_without_an_actors_taxonomy_is_told_the_lines_to_add(archive):
    code, output = import_(archive, ACLED)
    assert code == 1
    assert "site.yaml declares no actors taxonomy" in output
    assert "Add these lines under taxonomies: in site.yaml, then import again:\n  actors:\n    title: Actors\n" \
           "    singular: Actor\n" in output
    assert files(archive) == {}


def test_an_archive_with_the_default_taxonomies_is_told_the_whole_section(tmp_path):
    folder = ArchiveFolder(tmp_path / "archive")
    folder.write("site.yaml", "title: Defaults\n")
    code, output = import_(folder, ACLED)
    assert code == 1
    assert ("Add this section to site.yaml, then import again:\ntaxonomies:\n  categories:\n    title: Categories\n"
            "    singular: Category\n  perpetrators:\n") in output
    assert "  actors:\n    title: Actors\n    singular: Actor\n" in output


def test_a_misnamed_column_is_a_problem_never_dropped(site, tmp_path):
    renamed = edited_acled(tmp_path, ",latitude,", ",latitud,")
    code, output = import_(site, renamed)
    assert code == 1
    assert (f"{renamed}:1: latitud: is not a column of ACLED's export (did you mean \"latitude\"?): rename it, or "
            "delete the column") in output
    assert f"{renamed}:1: latitude: is missing: an ACLED export has this column" in output


def test_a_bad_precision_code_is_a_problem_at_its_row(site, tmp_path):
    changed = edited_acled(tmp_path, "UKRFX003,2022-04-15,2022,3,", "UKRFX003,2022-04-15,2022,4,")
    code, output = import_(site, changed)
    assert (f"{changed}:4: time_precision: '4' is not one of ACLED's codes: 1 (the day), 2 (the week) or 3 (the "
            "month)") in output
    assert not (site.root / ACLED_RECORDS[2]).exists()


# Uwazi

def test_uwazi_rows_become_records_with_their_ukrainian_translation(site):
    code, output = import_(site, IMPORTS / "uwazi.csv", "--format", "uwazi")
    assert code == 0, output
    record = "content/incidents/2023/fixture-shelling-of-a-market-in-kostiantynivka.md"
    translation = record.removesuffix(".md") + ".uk.md"
    assert output.splitlines()[:3] == [f"wrote {record}", f"wrote {translation}",
                                       "wrote content/incidents/2022/fixture-arrests-at-a-protest-in-kyiv.md"]
    market = front(site, record)
    assert market["location"] == {"name": "Kostiantynivka", "admin1": "Donetsk Oblast", "country": "UA",
                                  "lat": 48.53, "lon": 37.71, "precision": "settlement"}  # "lat|lon", rounded
    assert market["sources"] == [{"url": "https://example.org/fixture-1"}, {"url": "https://example.org/fixture-2"}]
    assert market["categories"] == ["Shelling", "Market"]
    ukrainian = front(site, translation)
    assert ukrainian["title"] == "Фікстура: обстріл ринку в Костянтинівці"
    assert ukrainian["location"] == "Костянтинівка"
    assert len(ukrainian["translated_from"]) == 12
    protest = front(site, "content/incidents/2022/fixture-arrests-at-a-protest-in-kyiv.md")
    assert (str(protest["date"]), str(protest["date_end"])) == ("2022-03-01", "2022-03-05")  # Uwazi's start:end
    code, output = site.check()
    assert code == 0 and "0 errors, 0 warnings" in output, output  # the translation is not stale


def test_a_misnamed_uwazi_geolocation_column_is_a_problem(site, tmp_path):
    """Uwazi itself drops such a column without a word (its issue #4959)."""
    text = (IMPORTS / "uwazi.csv").read_text(encoding="utf-8").replace("geolocation_geolocation", "geolocaton")
    misnamed = tmp_path / "uwazi.csv"
    misnamed.write_text(text, encoding="utf-8")
    code, output = import_(site, misnamed, "--format", "uwazi")
    assert code == 1
    assert f"{misnamed}:1: geolocaton: is not a field of the record" in output


def test_a_language_column_of_a_language_the_archive_lacks_is_a_problem(tmp_path):
    folder = ArchiveFolder(tmp_path / "archive")
    folder.write("site.yaml", SITE.replace("languages: [en, uk]\n", ""))
    code, output = import_(folder, IMPORTS / "uwazi.csv", "--format", "uwazi")
    assert code == 1
    assert f"{IMPORTS / 'uwazi.csv'}:1: title__uk: is not a field of the record" in output


# Plain CSV with a mapping

def test_a_plain_csv_is_read_through_its_mapping(site):
    code, output = import_(site, IMPORTS / "spreadsheet.csv", "--format", "csv",
                           "--mapping", str(IMPORTS / "spreadsheet-mapping.yaml"))
    assert code == 0, output
    lviv = front(site, "content/incidents/2022/fixture-lviv-1.md")
    assert lviv["location"] == {"name": "Lviv", "admin1": "Lviv Oblast", "country": "UA", "lat": 49.84, "lon": 24.03,
                                "precision": "settlement"}
    assert lviv["sources"] == [{"url": "https://example.org/fixture-4", "publisher": "Fixture Courier"}]
    assert lviv["casualties"] == {"killed": 7}
    assert "checked by A." not in (site.root / "content/incidents/2022/fixture-lviv-1.md").read_text(encoding="utf-8")
    poltava = front(site, "content/incidents/2023/fixture-poltava-1.md")
    assert str(poltava["date"]) == "2023-07" and poltava["casualties"] == {"killed": "3-5"}
    assert [source["publisher"] for source in poltava["sources"]] == ["Fixture Courier", "Fixture Gazette"]
    assert site.check()[0] == 0


def test_a_column_the_mapping_leaves_out_is_a_problem(site, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    text = (IMPORTS / "spreadsheet-mapping.yaml").read_text(encoding="utf-8")
    mapping.write_text(text.replace("  Internal note:      # left out on purpose: never published\n", "")
                       .replace("Killed: casualties.killed", "Killed: casualties.kiled")
                       .replace("  Type: categories\n", "  Type: categories\n  Ghost: summary\n"), encoding="utf-8")
    code, output = import_(site, IMPORTS / "spreadsheet.csv", "--format", "csv", "--mapping", str(mapping))
    assert code == 1
    assert f"{IMPORTS / 'spreadsheet.csv'}:1: Internal note: is not a field of the record" in output
    line = mapping.read_text(encoding="utf-8").splitlines().index("  Killed: casualties.kiled") + 1
    assert f"{mapping}:{line}: columns.Killed: 'casualties.kiled' is not a field (did you mean \"casualties.killed\"?)" \
        in output
    line = mapping.read_text(encoding="utf-8").splitlines().index("  Ghost: summary") + 1
    assert f"{mapping}:{line}: columns.Ghost: no column of {IMPORTS / 'spreadsheet.csv'} is called 'Ghost'" in output


def test_coordinates_without_a_precision_are_a_problem(site, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    text = (IMPORTS / "spreadsheet-mapping.yaml").read_text(encoding="utf-8")
    mapping.write_text(text.replace("  location.precision: settlement\n", ""), encoding="utf-8")
    code, output = import_(site, IMPORTS / "spreadsheet.csv", "--format", "csv", "--mapping", str(mapping))
    assert code == 1
    assert f"{IMPORTS / 'spreadsheet.csv'}:2: Lat: coordinates need their precision" in output
    assert not (site.root / "content/incidents/2022/fixture-lviv-1.md").exists()
    assert (site.root / "content/incidents/2023/fixture-poltava-1.md").exists()  # it gives no coordinates


def test_a_mapping_may_give_a_translation_and_a_column_of_two_coordinates(site, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Name,Назва,Місто,Where,Link\n"
                     "Fixture: a synthetic event in Chernihiv,Фікстура: вигадана подія в Чернігові,Чернігів,"
                     "\"51.4982, 31.2893\",https://example.org/fixture-7\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  Name: title\n  Назва: title__uk\n  Місто: location__uk\n"
                       "  Where: location.coordinates\n  Link: sources.url\n"
                       "values:\n  date: 2022-03-10\n  location: Chernihiv\n  location.precision: region\n",
                       encoding="utf-8")
    code, output = import_(site, sheet, "--format", "csv", "--mapping", str(mapping))
    assert code == 0, output
    record = "content/incidents/2022/fixture-a-synthetic-event-in-chernihiv.md"
    assert front(site, record)["location"] == {"name": "Chernihiv", "lat": 51.5, "lon": 31.3, "precision": "region"}
    assert front(site, record.replace(".md", ".uk.md"))["location"] == "Чернігів"
    assert site.check()[0] == 0


def test_a_plain_csv_needs_a_mapping(site):
    code, output = import_(site, IMPORTS / "spreadsheet.csv", "--format", "csv")
    assert code == 1
    assert "--mapping: a plain CSV needs a mapping file" in output


def test_the_record_moves_with_its_date_when_it_was_not_edited(site, tmp_path):
    import_(site, ACLED)
    later = edited_acled(tmp_path, "UKRFX001,2022-03-04,2022,", "UKRFX001,2023-03-04,2023,")
    code, output = import_(site, later)
    assert "wrote content/incidents/2023/ukrfx001.md" in output
    assert f"removed {ACLED_RECORDS[0]} (moved with its date)" in output
    assert not (site.root / ACLED_RECORDS[0]).exists()
    assert site.check()[0] == 0


HEADER = ACLED.read_text(encoding="utf-8").splitlines()[0]
GOOD_ROW = ACLED.read_text(encoding="utf-8").splitlines()[1]


@pytest.mark.parametrize("content, expected", [
    (b"", ":1: file: has no header row"),
    (b"\xff\xfe" + HEADER.encode("utf-16-le"), ":1: file: is not UTF-8"),
    (HEADER.encode() + b"\nUKRFX001,\x00\n", ":2: event_date: holds a control character (U+0000)"),
    ((HEADER + "\n" + GOOD_ROW + ",extra").encode(), ":2: row: has 32 cells but the header names 31 columns"),
    ((HEADER + "\n" + GOOD_ROW.replace("Fixture row:", "Fixture\x1brow:")).encode(),
     ":2: notes: holds a control character (U+001B)"),
    ((HEADER + "\n" + GOOD_ROW.replace("49.9935", "inf")).encode(), ":2: latitude: inf is not between -90 and 90"),
    ((HEADER + "\n" + GOOD_ROW.replace("1650000000", "99999999999999999999")).encode(),
     ":2: timestamp: '99999999999999999999' is not a Unix time"),
    ((HEADER + "\n" + GOOD_ROW.replace("UKRFX001", "PAGE")).encode(),
     ":2: event_id_cnty: 'PAGE' makes the id 'page', which the site keeps"),
    ((HEADER + "\n" + GOOD_ROW.replace(",2,,1650000000", ",²,,1650000000")).encode(),
     ":2: fatalities: '²' is not a whole number"),
    ((HEADER + "\n" + GOOD_ROW.replace(",804,", ",999,")).encode(), ":2: iso: '999' is not an ISO 3166-1 numeric"),
], ids=["empty", "utf-16", "nul", "extra-cell", "escape", "infinite", "far-future", "reserved-id", "superscript", "iso"])
def test_a_broken_file_is_a_problem_never_a_crash(site, tmp_path, content, expected):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(content)
    code, output = import_(site, broken)
    assert code == 1
    assert f"{broken}{expected}" in output
    assert "content/" not in "".join(files(site))  # nothing of a broken row is written


def test_an_uwazi_range_without_its_start_is_a_problem(site, tmp_path):
    text = (IMPORTS / "uwazi.csv").read_text(encoding="utf-8").replace("2022/03/01:2022/03/05", ":2022/03/05")
    changed = tmp_path / "uwazi.csv"
    changed.write_text(text, encoding="utf-8")
    code, output = import_(site, changed, "--format", "uwazi")
    assert f"{changed}:3: date: ':2022/03/05' gives no start" in output


def test_a_broken_mapping_file_is_a_problem(site, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns: [Headline]\nseparator: ''\nextra: 1\n", encoding="utf-8")
    code, output = import_(site, IMPORTS / "spreadsheet.csv", "--format", "csv", "--mapping", str(mapping))
    assert code == 1
    assert f"{mapping}:3: extra: is not a setting of a mapping file" in output
    assert f"{mapping}:1: columns: must be a mapping of each column's name to its field" in output
