"""The repository's own archive: clean under --strict, every page kind present, every link resolving.

What each test expects is read from the archive's files, never written here: a contributor's new
record must not fail these tests (tests/test_contributor_pull_request.py runs them on such a copy).
"""

from __future__ import annotations

import yaml

from conftest import front_matters, is_translation, run_cli
from incident_archive.names import slugify
from site_walk import broken_relative_links


def test_reference_archive_has_no_problem_even_strictly(reference_archive):
    code, output = run_cli("check", "--root", str(reference_archive), "--strict")
    assert code == 0, output
    assert "0 errors, 0 warnings" in output


def test_reference_archive_writes_every_page_kind(reference_archive, built_reference):
    records = front_matters(reference_archive)
    merged = [record_id for record_id, (meta, _) in records.items() if meta.get("duplicate_of")]
    published = [record_id for record_id in records if record_id not in merged]
    previous = [old for meta, _ in records.values() for old in meta.get("previous_ids") or []]
    non_ascii = [path for path in (reference_archive / "content" / "incidents").rglob("*.md") if not path.name.isascii()]
    # The archive shows every kind: a merged duplicate, a previous id, a file named in Cyrillic.
    assert merged and previous and non_ascii
    settings = yaml.safe_load((reference_archive / "site.yaml").read_text(encoding="utf-8"))
    places = {("places", meta["location"]["country"].lower(), slugify(meta["location"].get("admin1") or ""))
              for meta, _ in records.values() if isinstance(meta.get("location"), dict) and meta["location"].get("country")}
    assert places
    pages = [path.stem for path in (reference_archive / "content" / "pages").glob("*.md") if not is_translation(path)]
    for path in [
        "index.html", "incidents/index.html", "places/index.html", "status/index.html", "404.html", "static/style.css",
        *(f"incidents/{record_id}/index.html" for record_id in published + merged + previous),  # the last two redirect
        *(f"{taxonomy}/index.html" for taxonomy in settings["taxonomies"]),
        *(f"status/{meta['status']}/index.html" for meta, _ in records.values()),
        *(f"places/{country}/index.html" for _, country, _ in places),
        *(f"places/{country}/{region}/index.html" for _, country, region in places if region),
        *(f"{page}/index.html" for page in pages),
    ]:
        assert (built_reference / path).is_file(), path


def test_reference_archive_says_it_is_a_sample(built_reference):
    assert "sample archive" in (built_reference / "index.html").read_text(encoding="utf-8")


def test_reference_archive_uses_every_status(reference_archive, built_reference):
    statuses = yaml.safe_load((reference_archive / "site.yaml").read_text(encoding="utf-8"))["statuses"]
    assert len(statuses) > 1
    for status in statuses:
        listing = (built_reference / "status" / status / "index.html").read_text(encoding="utf-8")
        assert 'class="incident-title"' in listing, status


def test_reference_archive_links_all_resolve(built_reference):
    assert broken_relative_links(built_reference) == []
