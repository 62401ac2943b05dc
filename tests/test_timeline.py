"""The timeline (dates/index.html) and the pages of each year and month: what each counts, where each
record is listed, what each bar links to, and which pages an edit renders again."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ArchiveFolder
from incident_archive import pipeline


def _front(title: str, date: str, status: str = "reported", extra: str = "") -> str:
    return f"title: {title}\ndate: {date}\n{extra}location: Bucha\nstatus: {status}\nsources: [https://example.org/{title}]\n"


RECORDS = {
    "year-only": _front("year-only", "2022"),
    "siege": _front("siege", "2022-03-30", extra="date_end: 2022-05-02\n"),
    "march-day": _front("march-day", "2022-03-04", status="contested"),
    "march-month": _front("march-month", "2022-03"),
    "april-day": _front("april-day", "2022-04-10", extra="summary: First summary.\n"),
    "june-day": _front("june-day", "2022-06-01"),
}


@pytest.fixture
def site(archive: ArchiveFolder) -> ArchiveFolder:
    for name, front in RECORDS.items():
        archive.incident(name, front)
    code, output = archive.build()
    assert code == 0, output
    return archive


class _Page(HTMLParser):
    """What a page links to and shows: its incident links, the links of its charts (with each one's
    name and the marks it draws), the titles inside its charts, and its tables by caption."""

    def __init__(self, path: Path):
        super().__init__()
        self.incidents: list[str] = []
        self.chart_links: list[dict] = []  # {"name", "href", "marks": [class of each rect]}
        self.svg_titles: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.table_links: dict[str, list[str]] = {}  # the links in each table's body, by caption
        self._svg = self._link = self._title = self._caption = self._cell = None
        self._rows: list[list[str]] | None = None
        self._row_links: list[str] = []
        self._table_name = ""
        self._in_tbody = False
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        href = attributes.get("href")
        if href:
            if self._rows is not None and self._in_tbody:
                self._row_links.append(href)
            found = re.fullmatch(r"(?:\.\./)*incidents/([^/]+)/index\.html", href)
            if found:
                self.incidents.append(found[1])
        if tag == "svg":
            self._svg = True
        elif tag == "a" and self._svg and href:
            self._link = {"name": attributes.get("aria-label"), "href": href, "marks": []}
            self.chart_links.append(self._link)
        elif tag == "rect" and self._link is not None:
            self._link["marks"].append(attributes.get("class"))
        elif tag == "title" and self._svg:
            self._title = ""
        elif tag == "table":
            self._rows, self._row_links = [], []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._rows is not None and self._in_tbody:
            self._rows.append([])
        elif tag in ("th", "td") and self._rows is not None and self._in_tbody:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        elif tag == "a":
            self._link = None
        elif tag == "title" and self._title is not None:
            self.svg_titles.append(self._title)
            self._title = None
        elif tag == "caption":
            self._table_name = self._caption
            self._caption = None
        elif tag == "tbody":
            self._in_tbody = False
        elif tag in ("th", "td") and self._cell is not None:
            assert self._rows is not None
            self._rows[-1].append(self._cell.strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._table_name] = self._rows
            self.table_links[self._table_name] = self._row_links
            self._rows = None

    def handle_data(self, data):
        for name in ("_title", "_caption", "_cell"):
            if getattr(self, name) is not None:
                setattr(self, name, getattr(self, name) + data)


def _month_pages(output: Path, year: str) -> list[Path]:
    return sorted((output / "dates" / year).glob("[0-9][0-9]/index.html"))


def test_a_record_dated_only_to_its_year_is_listed_on_its_year_page_and_on_no_month_page(site):
    output = site.output
    assert "year-only" in _Page(output / "dates/2022/index.html").incidents
    months = _month_pages(output, "2022")
    assert [page.parent.name for page in months] == ["03", "04", "06"]
    for page in months:
        assert "year-only" not in _Page(page).incidents, page
    # Its bar is the year's "month unknown" one, and leads to the year's page.
    unknown = [link for link in _Page(output / "dates/index.html").chart_links
               if link["name"].startswith("2022, month unknown")]
    assert [(link["name"], link["href"]) for link in unknown] == [("2022, month unknown: 1 incident", "2022/index.html")]
    table = _Page(output / "dates/2022/index.html").tables["Incidents per month in 2022, by status"]
    assert table[-1][0] == "Month unknown" and table[-1][1:3] == ["1", "0"]  # Reported, Contested


def test_a_range_is_counted_once_in_its_first_month_and_its_span_is_drawn(site):
    year = _Page(site.output / "dates/2022/index.html")
    table = year.tables["Incidents per month in 2022, by status"]
    statuses = 2  # Reported and Contested: the lanes of the statuses the year has
    by_month = {row[0]: sum(int(cell) for cell in row[1:1 + statuses]) for row in table}
    assert sum(by_month.values()) == len(RECORDS)
    assert (by_month["March"], by_month["April"], by_month["May"], by_month["June"]) == (3, 1, 0, 1)
    assert "1 date range from March 2022 to May 2022" in year.svg_titles
    assert year.tables["Date ranges over more than one month, 2022 (each counted once, in its first month)"] == [
        ["March 2022", "May 2022", "1"]]
    # Listed in March, where it counts, and in April as continuing; there is no page for May,
    # which has no record of its own.
    assert _Page(site.output / "dates/2022/03/index.html").incidents.count("siege") == 1
    assert "siege" in _Page(site.output / "dates/2022/04/index.html").incidents
    assert not (site.output / "dates/2022/05").exists()


def test_a_month_only_date_is_hatched_and_each_bar_leads_to_a_page_listing_its_records(site):
    timeline = _Page(site.output / "dates/index.html")
    links = {link["name"]: link for link in timeline.chart_links}
    march = links["March 2022: 3 incidents, 1 known only to the month"]
    april = links["April 2022: 1 incident"]
    assert "bar-hatched" in march["marks"] and "bar" in march["marks"]  # march-day's Contested bar is solid
    assert "bar-hatched" not in april["marks"] and "bar" in april["marks"]
    assert march["href"] == "2022/03/index.html"
    listed = _Page(site.output / "dates" / march["href"]).incidents
    assert sorted(listed) == ["march-day", "march-month", "siege"]
    for link in timeline.chart_links:
        assert (site.output / "dates" / link["href"]).is_file(), link


def test_a_range_begun_earlier_is_listed_on_at_most_per_page_later_months(archive):
    archive.write("site.yaml", (archive.root / "site.yaml").read_text(encoding="utf-8") + "per_page: 1\n")
    archive.incident("older", _front("older", "2021-01-01", extra="date_end: 2022-12-31\n"))
    archive.incident("newer", _front("newer", "2022-01-15", extra="date_end: 2022-06-30\n"))
    archive.incident("april", _front("april", "2022-04-02"))
    code, output = archive.build()
    assert code == 0, output
    april = _Page(archive.output / "dates/2022/04/index.html")
    assert april.incidents == ["april", "newer"]  # the range begun most recently, of two
    assert "2 date ranges begun earlier run into April 2022: the 1 begun most recently." in \
        re.sub(r"\s+", " ", (archive.output / "dates/2022/04/index.html").read_text(encoding="utf-8"))


def _mtimes(folder: Path) -> dict[str, int]:
    return {path.relative_to(folder).as_posix(): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def test_a_summary_edit_renders_its_month_page_and_no_other_date_page(site):
    before = _mtimes(site.output)
    path = site.root / "content/incidents/2022/april-day.md"
    path.write_text(path.read_text(encoding="utf-8").replace("First summary.", "Second summary."), encoding="utf-8")
    result = pipeline.build(site.root)
    assert not result.errors
    after = _mtimes(site.output)
    changed = {name for name in after if after[name] != before.get(name)}
    assert "dates/2022/04/index.html" in changed
    assert not {"dates/index.html", "dates/2022/index.html", "dates/2022/03/index.html", "dates/2022/06/index.html"} & changed
    assert "Second summary." in (site.output / "dates/2022/04/index.html").read_text(encoding="utf-8")


def _pages_rendered_after_a_summary_edit(archive: ArchiveFolder, records: dict[str, str]) -> int:
    for name, front in records.items():
        archive.incident(name, front)
    assert archive.build()[0] == 0
    path = archive.root / "content/incidents/2022/april-day.md"
    path.write_text(path.read_text(encoding="utf-8").replace("First summary.", "Second summary."), encoding="utf-8")
    result = pipeline.build(archive.root)
    assert not result.errors
    return result.files_rendered


def test_the_pages_an_edit_renders_are_as_many_however_many_months_the_archive_has(tmp_path):
    """Rendered, not only written: a month's page given another month's records renders to the same
    bytes when one of them changes, yet costs its rendering each time."""
    more_months = RECORDS | {f"day-{month}": _front(f"day-{month}", f"2022-{month:02d}-01") for month in (8, 9, 10, 11)}
    assert (_pages_rendered_after_a_summary_edit(ArchiveFolder(tmp_path / "few"), RECORDS)
            == _pages_rendered_after_a_summary_edit(ArchiveFolder(tmp_path / "more"), more_months))


def test_the_home_page_shows_the_timeline_and_its_year_rows_lead_to_the_year_pages(site):
    home = _Page(site.output / "index.html")
    assert home.tables["Incidents by year"] == [["2022", "6"]]
    assert home.table_links["Incidents by year"] == ["dates/2022/index.html"]
    assert {link["href"] for link in home.chart_links} == {
        "dates/2022/03/index.html", "dates/2022/04/index.html", "dates/2022/06/index.html", "dates/2022/index.html"}
