"""What the site never publishes: coordinates finer than a record claims, hidden coordinates, private
sources; and the warnings that keep a record safe and checkable (tracking parameters, archived copies)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from conftest import SITE_YAML, VALID_FRONT, ArchiveFolder
from test_check_problems import assert_reported

PATH = "content/incidents/2022/{}.md"


def placed(precision: str, extra: str = "") -> str:
    """A valid front matter whose location has six-decimal coordinates (lines 4-10)."""
    return VALID_FRONT.replace("location: Bucha\n", (
        "location:\n"
        "  name: Yablunska Street\n"
        "  admin1: Kyiv Oblast\n"
        "  country: UA\n"
        "  lat: 50.123456\n"
        "  lon: 30.654321\n"
        f"  precision: {precision}\n{extra}"))


def every_output_file(output: Path) -> dict[str, bytes]:
    return {path.relative_to(output).as_posix(): path.read_bytes() for path in output.rglob("*") if path.is_file()}


def files_containing(output: Path, pattern: bytes) -> list[str]:
    """The output files that hold the pattern, but for the maps' country outlines: drawn from the
    vendored atlas alone (maps.outlines_svg), their figures are borders', and may match any digits."""
    return [name for name, data in every_output_file(output).items()
            if re.search(pattern, data) and not name.startswith("map/outlines/")]


# --- coordinates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("precision, shown", [("settlement", (b"50.12", b"30.65")), ("region", (b"50.1", b"30.7")),
                                              ("exact", (b"50.1235", b"30.6543"))])
def test_coordinates_are_published_no_finer_than_their_precision(archive, precision, shown):
    archive.incident("yard", placed(precision))
    code, output = archive.build()
    assert code == 0, output
    kept = len(shown[0].split(b".")[1])
    assert_reported(output, f"{PATH.format('yard')}:8: location.lat: warning: 50.123456 has 6 decimals, more than "
                            f"precision {precision} publishes ({kept}:")
    assert_reported(output, f"{PATH.format('yard')}:9: location.lon: warning: 30.654321 has 6 decimals")
    # No file of the site holds a digit past the precision's last, in any form (JSON, CSV, pages,
    # search, feeds): neither the file's own digits nor the rounded figure's followed by another.
    for written, rounded in zip((b"50.123456", b"30.654321"), shown, strict=True):
        finer = written[:written.index(b".") + kept + 2]
        assert files_containing(archive.output, re.escape(finer)) == [], finer
        assert files_containing(archive.output, re.escape(rounded) + rb"\d") == [], rounded
    # ...and the rounded figures are where a reader and the open data expect them.
    assert shown[0] in (archive.output / "incidents" / "yard" / "index.html").read_bytes()
    assert shown[1] in (archive.output / "data" / "incidents.geojson").read_bytes()


def test_coordinates_as_fine_as_their_precision_raise_no_warning(archive):
    archive.incident("yard", placed("settlement").replace("50.123456", "50.12").replace("30.654321", "30.65"))
    code, output = archive.check("--strict")
    assert code == 0, output


def test_hidden_coordinates_are_published_nowhere_and_the_record_keeps_its_place(archive):
    archive.incident("yard", placed("exact", "  hide_coordinates: true\n"))
    code, output = archive.build()
    assert code == 0, output
    assert files_containing(archive.output, rb"50\.1") == []
    assert files_containing(archive.output, rb"30\.6") == []
    record = (archive.output / "incidents" / "yard" / "index.json").read_text(encoding="utf-8")
    assert '"hide_coordinates": true' in record
    places = "".join(path.read_text(encoding="utf-8") for path in (archive.output / "places").rglob("*.html"))
    assert "Kyiv Oblast" in places and "/incidents/yard/" in places


# --- private sources ---------------------------------------------------------------------------------

PRIVATE = (VALID_FRONT.replace(
    "sources: [https://example.org/a]\n",
    "sources:\n"
    "  - https://example.org/a\n"
    "  - url: https://witness-drive.example.net/statement-7\n"
    "    title: Statement of the neighbour\n"
    "    publisher: Privately held notes\n"
    "    archived_url: https://web.archive.org/web/2022/https://witness-drive.example.net/statement-7\n"
    "    private: true\n"))


def test_a_private_source_appears_in_no_output_file_and_the_page_says_one_is_withheld(archive):
    archive.write("site.yaml", SITE_YAML + "withheld_sources: Kept by the archive to protect a witness.\n")
    archive.incident("statement", PRIVATE)
    code, output = archive.build()
    assert code == 0, output
    for secret in (b"witness-drive", b"Statement of the neighbour", b"Privately held notes"):
        assert files_containing(archive.output, re.escape(secret)) == []
    page = (archive.output / "incidents" / "statement" / "index.html").read_text(encoding="utf-8")
    assert "https://example.org/a" in page
    assert "1 more source is withheld. Kept by the archive to protect a witness." in page
    rows = list(csv.DictReader(io.StringIO((archive.output / "data" / "incidents.csv").read_text(encoding="utf-8"))))
    assert (rows[0]["source_count"], rows[0]["sources_withheld"]) == ("1", "1")


def test_a_private_source_is_checked_like_any_other(archive):
    archive.incident("statement", PRIVATE.replace("https://witness-drive.example.net/statement-7\n", "not an address\n", 1))
    code, output = archive.check()
    assert code == 1
    assert_reported(output, f"{PATH.format('statement')}:8: sources[2].url: 'not an address' is not a web address")


# --- tracking parameters ----------------------------------------------------------------------------

@pytest.mark.parametrize("address, names, cleaned", [
    ("https://news.example.org/a?id=5&utm_source=tw&fbclid=IwAR0x", "utm_source, fbclid", "https://news.example.org/a?id=5"),
    ("https://www.youtube.com/watch?v=abc&si=Xy12", "si", "https://www.youtube.com/watch?v=abc"),
    ("https://youtu.be/abc?si=Xy12", "si", "https://youtu.be/abc"),
    ("https://x.com/someone/status/1?s=20&t=AbC", "s, t", "https://x.com/someone/status/1"),
    ("https://www.instagram.com/p/Cx/?igsh=MWQ1", "igsh", "https://www.instagram.com/p/Cx/"),
])
def test_a_source_address_that_identifies_its_sharer_is_a_warning_with_the_clean_address(archive, address, names, cleaned):
    archive.incident("shared", VALID_FRONT.replace("sources: [https://example.org/a]", f"sources: [{address}]"))
    code, output = archive.check("--strict")
    assert code == 1
    assert_reported(output, f"{PATH.format('shared')}:6: sources[1].url: warning: carries {names}, which can identify "
                            f"who shared or clicked the link: use {cleaned}")


@pytest.mark.parametrize("address", ["https://example.org/search?s=bucha&t=2", "https://example.org/v?si=unit"])
def test_parameters_that_track_only_on_their_own_sites_are_left_alone_elsewhere(archive, address):
    archive.incident("plain", VALID_FRONT.replace("sources: [https://example.org/a]", f"sources: [{address}]"))
    code, output = archive.check("--strict")
    assert code == 0, output


# --- archived copies ----------------------------------------------------------------------------------

def with_status(status: str, archived: bool = False) -> str:
    copy = "    archived_url: https://web.archive.org/web/2022/https://example.org/a\n" if archived else ""
    return VALID_FRONT.replace("status: reported", f"status: {status}").replace(
        "sources: [https://example.org/a]\n", f"sources:\n  - url: https://example.org/a\n{copy}")


def test_a_verified_record_without_an_archived_copy_is_an_error_at_its_sources(archive):
    archive.incident("checked", with_status("verified"))
    code, output = archive.check()
    assert code == 1
    assert_reported(output, f"{PATH.format('checked')}:6: sources: a verified record needs an archived copy of at "
                            "least one source")


def test_a_corroborated_record_without_one_is_a_warning_and_an_archived_copy_satisfies_both(archive):
    archive.incident("agreed", with_status("corroborated"))
    code, output = archive.check()
    assert code == 0, output
    assert_reported(output, f"{PATH.format('agreed')}:6: sources: warning: a corroborated record needs an archived copy")
    archive.incident("agreed", with_status("corroborated", archived=True))
    archive.incident("checked", with_status("verified", archived=True))
    assert archive.check("--strict")[0] == 0


def test_site_yaml_sets_each_statuses_rule(tmp_path):
    archive = ArchiveFolder(tmp_path / "archive")
    archive.write("site.yaml", SITE_YAML + (
        "statuses:\n"
        "  reported: {label: Reported, definition: One source., archived_copy: required}\n"
        "  verified: {label: Verified, definition: Checked., archived_copy: optional}\n"))
    archive.incident("checked", with_status("verified"))
    assert archive.check("--strict")[0] == 0
    archive.incident("single", with_status("reported"))
    code, output = archive.check()
    assert code == 1
    assert_reported(output, f"{PATH.format('single')}:6: sources: a reported record needs an archived copy")
    archive.write("site.yaml", SITE_YAML + "statuses:\n  reported: {label: R, definition: D, archived_copy: always}\n")
    code, output = archive.check()
    assert code == 1
    assert "statuses.reported.archived_copy:" in output


# --- relatives: other forms, other commands -------------------------------------------------------

def test_a_private_source_with_only_a_description_appears_nowhere(archive):
    archive.incident("told", VALID_FRONT.replace(
        "sources: [https://example.org/a]\n",
        "sources:\n  - https://example.org/a\n  - description: Account given by a neighbour in Irpin on 5 March\n"
        "    private: true\n"))
    code, output = archive.build()
    assert code == 0, output
    assert files_containing(archive.output, rb"neighbour in Irpin") == []
    assert "1 more source is withheld." in (archive.output / "incidents" / "told" / "index.html").read_text()


def test_check_warns_of_fine_coordinates_and_tracking_as_build_does(archive):
    archive.incident("yard", placed("region").replace("https://example.org/a", "https://example.org/a?fbclid=x"))
    checked = sorted(line for line in archive.check()[1].splitlines() if ": warning: " in line)
    built = sorted(line for line in archive.build()[1].splitlines() if ": warning: " in line)
    assert checked == built and len(checked) == 3, checked  # lat, lon and the address


def test_hidden_coordinates_are_published_nowhere_at_any_precision_even_when_written_coarsely(archive):
    archive.incident("yard", placed("region", "  hide_coordinates: true\n")
                     .replace("50.123456", "50.1").replace("30.654321", "30.7"))
    code, output = archive.build()
    assert code == 0 and ": warning: " not in output, output
    assert files_containing(archive.output, rb"50\.1") == [] and files_containing(archive.output, rb"30\.7") == []
