"""The repository's own archive: clean under --strict, every page kind present, every link resolving."""

from __future__ import annotations

from conftest import REPO, run_cli
from site_walk import broken_relative_links


def test_reference_archive_has_no_problem_even_strictly():
    code, output = run_cli("check", "--root", str(REPO), "--strict")
    assert code == 0, output
    assert "0 errors, 0 warnings" in output


def test_reference_archive_writes_every_page_kind(built_reference):
    for path in [
        "index.html", "incidents/index.html", "incidents/bucha-yablunska-street-executions/index.html",
        "incidents/chupakhivka/index.html",            # from the file чупахівка.md
        "incidents/bucha-eight-men/index.html",         # redirect: previous id
        "incidents/kramatorsk-station-early-report/index.html",  # redirect: merged duplicate
        "categories/index.html", "perpetrators/index.html", "tags/index.html",
        "places/index.html", "places/ua/index.html", "places/ua/kyiv-oblast/index.html",
        "status/index.html", "status/retracted/index.html",
        "about/index.html", "methodology/index.html", "404.html", "static/style.css",
    ]:
        assert (built_reference / path).is_file(), path


def test_reference_archive_says_it_is_a_sample(built_reference):
    assert "sample archive" in (built_reference / "index.html").read_text(encoding="utf-8")


def test_reference_archive_uses_every_status(built_reference):
    for status in ("reported", "corroborated", "verified", "contested", "retracted"):
        listing = (built_reference / "status" / status / "index.html").read_text(encoding="utf-8")
        assert 'class="incident-title"' in listing, status


def test_reference_archive_links_all_resolve(built_reference):
    assert broken_relative_links(built_reference) == []
