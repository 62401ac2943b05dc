"""`release`: a dated, citable zip of a fresh build's open data, the same bytes for the same inputs,
with CITATION.cff, .zenodo.json, SHA256SUMS and the records added, changed and retracted since the last."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import yaml

from conftest import FIXTURES, ArchiveFolder, run_cli
from incident_archive.pipeline import build

NAME = "fixture-archive-data-{}"  # the minimal fixture's title, as a file name
AUTHORS = """\
release:
  license: CC-BY-4.0
  authors:
    - Example Documentation Group
    - given_names: Josiah
      family_names: Carberry
      orcid: https://orcid.org/0000-0002-1825-0097
      affiliation: Example University
"""


def release(archive: ArchiveFolder, *args: str) -> tuple[int, str]:
    return run_cli("release", "--root", str(archive.root), *args)


def released(archive: ArchiveFolder, version: str, date: str) -> zipfile.ZipFile:
    code, output = release(archive, "--version", version, "--date", date)
    assert code == 0, output
    return zipfile.ZipFile(archive.root / "releases" / f"{NAME.format(version)}.zip")


def member(zip_file: zipfile.ZipFile, name: str) -> bytes:
    return zip_file.read(f"{Path(zip_file.filename).stem}/{name}")  # type: ignore[arg-type]


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def copy_of_minimal(folder: Path) -> ArchiveFolder:
    shutil.copytree(FIXTURES / "minimal", folder, ignore=shutil.ignore_patterns("output"))
    archive = ArchiveFolder.__new__(ArchiveFolder)
    archive.root = folder
    return archive


def test_two_releases_of_the_same_inputs_are_byte_identical(tmp_path):
    # Two folders, two caches, two builds: nothing of the machine, the folder or the clock is in the bytes.
    one, two = copy_of_minimal(tmp_path / "one"), copy_of_minimal(tmp_path / "elsewhere" / "two")
    first, second = released(one, "1.0", "2026-12-01"), released(two, "1.0", "2026-12-01")
    assert Path(first.filename).read_bytes() == Path(second.filename).read_bytes()  # type: ignore[arg-type]
    infos = first.infolist()
    assert [info.filename for info in infos] == sorted(f"{NAME.format('1.0')}/{name}" for name in (
        "incidents.json", "incidents.schema.json", "incidents.csv", "incidents.geojson",
        "CHANGES.md", "changes.json", "CITATION.cff", ".zenodo.json", "SHA256SUMS"))
    assert {info.date_time for info in infos} == {(2026, 12, 1, 0, 0, 0)}  # the release's date, not the clock's
    assert {info.external_attr >> 16 for info in infos} == {0o644}
    assert member(first, "incidents.json") == (one.output / "data" / "incidents.json").read_bytes()


def test_the_changelog_names_each_record_added_changed_and_retracted(minimal):
    released(minimal, "1.0", "2026-12-01")
    minimal.incident("new-one", "title: A new record\ndate: 2022-05-01\nlocation: Kyiv\nstatus: reported\n"
                                "sources: [https://example.org/n]\n")
    detention = minimal.root / "content/incidents/2021/detention-camp.md"
    detention.write_text(detention.read_text().replace("date: 2021\n", "date: 2021-06\n"))
    market = minimal.root / "content/incidents/2022/market-day.md"
    market.write_text(market.read_text().replace("status: contested", "status: retracted"))
    (minimal.root / "content/incidents/2021/rumour.md").unlink()
    code, output = release(minimal, "--version", "1.1", "--date", "2026-12-02")
    assert code == 0, output
    assert "1 added, 1 changed, 2 retracted or removed since 1.0" in output and "the first" not in output
    with zipfile.ZipFile(minimal.root / "releases" / f"{NAME.format('1.1')}.zip") as second:
        changes = json.loads(member(second, "changes.json"))
        markdown = member(second, "CHANGES.md").decode("utf-8")
    assert changes["previous"] == {"version": "1.0", "date": "2026-12-01"}
    assert changes["added"] == [{"id": "new-one", "title": "A new record"}]
    assert changes["changed"] == [{"id": "detention-camp", "title": "Detention at the old school", "fields": ["date"]}]
    assert changes["retracted"] == [{"id": "market-day", "title": "Market day", "how": "status: retracted"},
                                    {"id": "rumour", "title": "A rumour later withdrawn", "how": "removed"}]
    assert "## Added (1)\n\n- `new-one`: A new record\n" in markdown
    assert "## Changed (1)\n\n- `detention-camp`: Detention at the old school (date)\n" in markdown
    assert "- `market-day`: Market day (status: retracted)\n" in markdown
    assert "- `rumour`: A rumour later withdrawn (removed from the data)\n" in markdown


def test_a_renamed_record_is_a_change_of_id_not_a_removal_and_an_addition(minimal):
    released(minimal, "1", "2026-12-01")
    old = minimal.root / "content/incidents/2021/detention-camp.md"
    text = old.read_text().replace("status: corroborated", "status: corroborated\nprevious_ids: [detention-camp]")
    old.unlink()
    minimal.write("content/incidents/2021/school-detention.md", text)
    changes = json.loads(member(released(minimal, "2", "2026-12-02"), "changes.json"))
    assert (changes["added"], changes["retracted"]) == ([], [])
    assert changes["changed"][0]["id"] == "school-detention" and "id" in changes["changed"][0]["fields"]


def test_citation_cff_has_the_required_keys_and_the_authors_site_yaml_gives(minimal):
    minimal.write("site.yaml", (minimal.root / "site.yaml").read_text() + AUTHORS)
    zip_file = released(minimal, "2.0", "2027-01-15")
    citation = yaml.safe_load(member(zip_file, "CITATION.cff"))
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version", "date-released"} <= set(citation)
    assert (citation["title"], citation["version"], citation["date-released"]) == ("Fixture archive", "2.0", "2027-01-15")
    assert citation["type"] == "dataset" and citation["license"] == "CC-BY-4.0"
    assert citation["authors"] == [
        {"name": "Example Documentation Group"},
        {"family-names": "Carberry", "given-names": "Josiah", "orcid": "https://orcid.org/0000-0002-1825-0097",
         "affiliation": "Example University"},
    ]
    # Also beside site.yaml, where GitHub's "Cite this repository" and Zenodo read it.
    assert (minimal.root / "CITATION.cff").read_bytes() == member(zip_file, "CITATION.cff")


def test_without_authors_the_archive_is_the_author_and_a_missing_licence_is_a_warning(minimal):
    code, output = release(minimal, "--version", "1", "--date", "2026-12-01")
    assert code == 0 and "warning: site.yaml gives no licence" in output
    citation = yaml.safe_load((minimal.root / "CITATION.cff").read_text())
    assert citation["authors"] == [{"name": "Fixture archive"}] and "license" not in citation
    code, output = release(minimal, "--version", "2", "--date", "2026-12-01", "--strict")
    assert code == 1 and "no licence" in output and not (minimal.root / "releases" / f"{NAME.format('2')}.zip").exists()


def test_zenodo_json_has_zenodos_keys(minimal):
    minimal.write("site.yaml", (minimal.root / "site.yaml").read_text() + AUTHORS)
    zip_file = released(minimal, "1.0", "2026-12-01")
    zenodo = json.loads(member(zip_file, ".zenodo.json"))
    assert zenodo["upload_type"] == "dataset"
    assert (zenodo["version"], zenodo["publication_date"], zenodo["license"]) == ("1.0", "2026-12-01", "cc-by-4.0")
    assert zenodo["title"].startswith("Fixture archive") and zenodo["description"]
    assert zenodo["creators"] == [{"name": "Example Documentation Group"},
                                  {"name": "Carberry, Josiah", "affiliation": "Example University",
                                   "orcid": "0000-0002-1825-0097"}]
    assert json.loads((minimal.root / ".zenodo.json").read_text()) == zenodo


def test_sha256sums_lists_every_other_file_of_the_release(minimal):
    zip_file = released(minimal, "1.0", "2026-12-01")
    folder = NAME.format("1.0")
    files = {name.removeprefix(f"{folder}/") for name in zip_file.namelist()} - {"SHA256SUMS"}
    sums = {name: checksum for checksum, name in (line.split("  ", 1)
                                                   for line in member(zip_file, "SHA256SUMS").decode().splitlines())}
    assert set(sums) == files
    for name, checksum in sums.items():
        assert hashlib.sha256(member(zip_file, name)).hexdigest() == checksum, name


def test_the_site_and_the_bundle_publish_the_latest_release_only(minimal, tmp_path):
    released(minimal, "1.0", "2026-12-01")
    released(minimal, "1.1", "2026-12-02")
    name, published_name = f"{NAME.format('1.1')}.zip", f"{NAME.format('latest')}.zip"
    code, output = minimal.build()  # a later build, from the cache, still publishes it
    assert code == 0, output
    published = minimal.output / "data" / "releases"
    assert [path.name for path in published.iterdir()] == [published_name]
    assert (published / published_name).read_bytes() == (minimal.root / "releases" / name).read_bytes()
    assert f'<a href="data/releases/{published_name}">{published_name}</a>' in (minimal.output / "index.html").read_text()
    page = (minimal.output / "incidents" / "market-day" / "index.html").read_text()
    assert f'<a href="../../data/releases/{published_name}">' in page
    # What the builds after each release left is what a clean build of the same inputs writes.
    code, output = minimal.build("--clean", "--out", str(tmp_path / "clean"))
    assert code == 0, output
    assert files_of(minimal.output) == files_of(tmp_path / "clean")
    code, output = run_cli("bundle", "--root", str(minimal.root), "--zip", str(tmp_path / "offline.zip"))
    assert code == 0, output
    with zipfile.ZipFile(tmp_path / "offline.zip") as bundle:
        assert bundle.read(f"fixture-archive/data/releases/{published_name}") == (minimal.root / "releases" / name).read_bytes()


def test_a_later_release_changes_the_published_zip_and_no_page(minimal, tmp_path):
    released(minimal, "1.0", "2026-12-01")
    first = (minimal.root / "releases" / f"{NAME.format('1.0')}.zip").read_bytes()
    released(minimal, "1.1", "2026-12-02")
    pages = {path: data for path, data in files_of(minimal.output).items() if path.endswith(".html")}
    # Which release is the newest changes once more: the 1.1 zip taken out, 1.0 is the latest again.
    (minimal.root / "releases" / f"{NAME.format('1.1')}.zip").rename(tmp_path / "1.1.zip")
    result = build(minimal.root)
    assert not result.errors, result.problems
    assert (result.files_rendered, result.files_written) == (1, 1)  # the published zip, and no page
    assert (minimal.output / "data" / "releases" / f"{NAME.format('latest')}.zip").read_bytes() == first
    assert {path: data for path, data in files_of(minimal.output).items() if path.endswith(".html")} == pages


def test_the_version_and_date_may_come_from_site_yaml(minimal):
    minimal.write("site.yaml", (minimal.root / "site.yaml").read_text() + 'release:\n  version: "3.2"\n  date: 2026-12-01\n')
    code, output = release(minimal)
    assert code == 0, output
    assert (minimal.root / "releases" / f"{NAME.format('3.2')}.zip").is_file()
    code, output = release(minimal, "--version", "3.3")  # the command's version, site.yaml's date
    assert code == 0, output


def test_a_release_never_reads_the_clock_nor_replaces_another(minimal):
    code, output = release(minimal, "--date", "2026-12-01")
    assert code == 2 and "no version: give --version X" in output
    code, output = release(minimal, "--version", "1.0")
    assert code == 2 and "no date: give --date YYYY-MM-DD" in output
    assert release(minimal, "--version", "1.0", "--date", "2026-02-30")[0] == 2
    assert release(minimal, "--version", "v1", "--date", "2026-12-01")[0] == 2
    code, output = release(minimal, "--version", "01.2", "--date", "2026-12-01")  # it would compare equal to 1.2
    assert code == 2 and "'01.2' is not a version" in output
    assert not (minimal.root / "releases").exists() and not (minimal.root / "output").exists()
    before = Path(released(minimal, "1.10", "2026-12-01").filename).read_bytes()  # type: ignore[arg-type]
    code, output = release(minimal, "--version", "1.10", "--date", "2026-12-05")
    assert code == 1 and "version 1.10 exists already" in output
    code, output = release(minimal, "--version", "1.9", "--date", "2026-12-05")  # 1.9 comes before 1.10
    assert code == 1 and "comes before the latest release, 1.10" in output
    code, output = release(minimal, "--version", "1.11", "--date", "2026-11-30")
    assert code == 1 and "before the date of release 1.10" in output
    assert [path.name for path in (minimal.root / "releases").iterdir()] == [f"{NAME.format('1.10')}.zip"]
    assert (minimal.root / "releases" / f"{NAME.format('1.10')}.zip").read_bytes() == before


def test_no_release_from_a_failed_build(minimal):
    minimal.incident("broken", "title: [unclosed\n")
    code, output = release(minimal, "--version", "1", "--date", "2026-12-01")
    assert code == 1 and "build failed" in output
    assert not (minimal.root / "releases").exists()


def test_check_refuses_a_malformed_release_setting(minimal):
    minimal.write("site.yaml", (minimal.root / "site.yaml").read_text() + "release:\n  version: 1.10\n")
    code, output = minimal.check()
    assert code == 1 and "site.yaml:" in output and "release.version: must be text, not a number (put it in quotes)" in output


def test_no_build_writes_into_the_releases_folder(minimal):
    released(minimal, "1", "2026-12-01")
    code, output = minimal.build("--out", str(minimal.root / "releases"))
    assert code == 1 and "is or holds the archive's releases" in output
    assert (minimal.root / "releases" / f"{NAME.format('1')}.zip").is_file()


def test_a_damaged_latest_release_or_a_linked_folder_is_refused(minimal, tmp_path):
    zip_path = Path(released(minimal, "1", "2026-12-01").filename)  # type: ignore[arg-type]
    zip_path.write_bytes(b"not a zip")
    code, output = release(minimal, "--version", "2", "--date", "2026-12-02")
    assert code == 1 and f"releases/{zip_path.name}: the latest release cannot be read" in output
    zip_path.unlink()
    (minimal.root / "releases").rmdir()
    (tmp_path / "elsewhere").mkdir()
    (minimal.root / "releases").symlink_to(tmp_path / "elsewhere")
    code, output = release(minimal, "--version", "2", "--date", "2026-12-02")
    assert code == 1 and "releases/ is a link or a file" in output
    assert list((tmp_path / "elsewhere").iterdir()) == []
