"""Lists past their first page are paged by year, from each year's oldest record, so that an edit
rewrites only its own year's pages from its place on."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conftest import SITE_YAML

PER_PAGE = 3
# (file name, date, category): ten incidents of 2021 (four pages), two of them known only to the
# year, and two each of 2020 and 2022 (one page each).
RECORDS = (
    [(f"march-{day:02d}", f"2021-03-{day:02d}", "Shelling") for day in range(1, 6)]
    + [(f"june-{day:02d}", f"2021-06-{day:02d}", "Shelling") for day in (3, 9)]
    + [("october", "2021-10-10", "Shelling"), ("only-2021-a", "2021", "Shelling"), ("only-2021-b", "2021", "Shelling")]
    + [(f"old-{month:02d}", f"2020-{month:02d}-15", "Shelling") for month in (2, 8)]
    + [(f"new-{month:02d}", f"2022-{month:02d}-15", "Shelling") for month in (1, 5)]
    + [("detention-1", "2021-06-05", "Detention"), ("detention-2", "2020-02-01", "Detention")]
)


def _record(date: str, category: str) -> str:
    return (f"---\ntitle: Incident of {date}\ndate: {date}\nlocation: Bucha\nstatus: reported\n"
            f"sources: [https://example.org/a]\ncategories: [{category}]\n---\nA body.\n")


@pytest.fixture
def dated(archive):
    archive.write("site.yaml", SITE_YAML + f"per_page: {PER_PAGE}\nlanguages: [en, uk]\n")
    for name, date, category in RECORDS:
        archive.write(f"content/incidents/{date[:4]}/{name}.md", _record(date, category))
    code, output = archive.build()
    assert code == 0, output
    return archive


def _listed(page: Path) -> list[str]:
    """The incidents a list page lists, in order (its main part's links to incident pages)."""
    main = page.read_text(encoding="utf-8").split("<main", 1)[1].split("</main>", 1)[0]
    return re.findall(r'href="(?:\.\./)+incidents/([a-z0-9-]+)/index\.html"', main)


def _digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file()}


def test_the_first_page_shows_the_newest_and_each_year_its_own_oldest_first(dated):
    shelling = dated.output / "categories/shelling"
    ids = [name for name, _, category in sorted(RECORDS, key=lambda r: (r[1], r[0]), reverse=True) if category == "Shelling"]
    assert _listed(shelling / "index.html") == ids[:PER_PAGE]
    period_pages = sorted((shelling / "dates").rglob("index.html"))
    listed = [record for page in period_pages for record in _listed(page)]
    assert sorted(listed) == sorted(ids), "every record on exactly one year's page"
    # 2021 holds more than a page: paged from its oldest, those known only to the year first.
    assert [_listed(shelling / f"dates/2021/{page}index.html") for page in ("", "page/2/", "page/3/", "page/4/")] == [
        ["only-2021-a", "only-2021-b", "march-01"], ["march-02", "march-03", "march-04"],
        ["march-05", "june-03", "june-09"], ["october"]]
    assert _listed(shelling / "dates/2020/index.html") == ["old-02", "old-08"]
    first = (shelling / "index.html").read_text(encoding="utf-8")
    assert all(f'href="dates/{year}/index.html"' in first for year in (2020, 2021, 2022))


def test_the_list_of_every_incident_continues_on_the_timeline(dated):
    first = (dated.output / "incidents/index.html").read_text(encoding="utf-8")
    assert 'href="../dates/2021/index.html"' in first
    assert not (dated.output / "incidents/dates").exists()


def test_old_page_numbers_lead_to_the_first_page_in_every_language(dated):
    for prefix in ("", "uk/"):
        moved = (dated.output / f"{prefix}categories/shelling/page/2/index.html").read_text(encoding="utf-8")
        assert 'content="0; url=../../index.html"' in moved and 'name="robots" content="noindex"' in moved
    sitemap = (dated.output / "sitemap.xml").read_text(encoding="utf-8")
    assert "shelling/page/" not in sitemap and "shelling/dates/2021/page/2/" in sitemap


@pytest.mark.parametrize("edit, may_change", [
    # A record of June 2021 moved to another category: 2021's pages from its place on, and the two
    # lists' first pages (their counts by year). Not 2021's first two pages, nor 2020's or 2022's.
    (lambda root: _retag(root, "2021/june-03.md", "Shelling", "Detention"),
     {"categories/shelling/index.html", "categories/shelling/dates/2021/page/3/index.html",
      "categories/shelling/dates/2021/page/4/index.html", "categories/detention/index.html",
      "categories/detention/dates/2021/index.html"}),
    # A record of 2022 added after the others of its year: that year's last page, and the first page.
    (lambda root: (root / "content/incidents/2022/new-09.md").write_text(_record("2022-09-15", "Shelling"), encoding="utf-8"),
     {"categories/shelling/index.html", "categories/shelling/dates/2022/index.html",
      "categories/shelling/page/5/index.html"}),  # a list one longer has one more old page number
], ids=["a category changed", "a newer record of its year added"])
def test_an_edit_rewrites_only_its_own_years_pages_from_its_place_on(dated, edit, may_change):
    before = _digests(dated.output / "categories")
    edit(dated.root)
    code, output = dated.build()
    assert code == 0, output
    after = _digests(dated.output / "categories")
    changed = {f"categories/{path}" for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    # The terms' counts and the feeds (each term's newest entries, not pages of a list) aside.
    changed = {path for path in changed if path != "categories/index.html" and not path.endswith("feed.xml")}
    assert changed and changed <= may_change, sorted(changed - may_change)


def _retag(root: Path, relpath: str, old: str, new: str) -> None:
    path = root / "content/incidents" / relpath
    path.write_text(path.read_text(encoding="utf-8").replace(f"categories: [{old}]", f"categories: [{new}]"), encoding="utf-8")
