"""The search records in parts by date: a year is a part (a full year, a part a month), an edit rewrites
its own part, the first load is a fraction of the index, and in a browser, from disk, the page loads
the parts one after another, newest first (the year filter's year before the others), says how many
years it has searched, in the page's language, and finds the oldest year's records as the newest's."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from conftest import VALID_FRONT, ArchiveFolder
from incident_archive.outputs import search
from test_search import call_arguments, read_index

# --- Parts by year and month ------------------------------------------------------------------------


def _front(title: str, date: str, categories: str = "[Shelling]") -> str:
    return VALID_FRONT.replace("A valid incident", title).replace("2022-03-04", date) + f"categories: {categories}\n"


# (id, date): 2021 stays one part; 2022 has more than PART_RECORDS (3 here), so it is split by month,
# its record known only to the year in a part of its own.
DATED = {"old-a": "2021-06-01", "old-b": "2021", "may-a": "2022-05-02", "may-b": "2022-05", "march-a": "2022-03-04",
         "march-b": "2022-03-01", "some-time": "2022"}


@pytest.fixture
def dated(archive, monkeypatch) -> ArchiveFolder:
    monkeypatch.setattr(search, "PART_RECORDS", 3)
    for name, date in DATED.items():
        archive.incident(name, _front(f"Record {name}", date), year=date[:4])
    return archive


def test_a_year_is_a_part_and_a_full_year_a_part_a_month(dated):
    code, output = dated.build()
    assert code == 0, output
    head, parts = call_arguments(dated.output / "search" / "head.js", "head")
    assert parts == [["2022-05", 2], ["2022-03", 2], ["2022", 1], ["2021", 2]]
    assert sorted(path.name for path in (dated.output / "search").glob("records-*.js")) == [
        "records-2021.js", "records-2022-03.js", "records-2022-05.js", "records-2022.js"]
    # The parts one after another are the archive newest first.
    _, records, _ = read_index(dated.output)
    assert [record["id"] for record in records] == ["may-a", "may-b", "march-a", "march-b", "some-time", "old-a", "old-b"]


def _search_files(output: Path) -> dict[str, int]:
    """search/* → its modification time: a file the build did not write keeps it."""
    return {path.name: path.stat().st_mtime_ns for path in sorted((output / "search").iterdir())}


def _replace(archive: ArchiveFolder, name: str, old: str, new: str) -> None:
    path = next((archive.root / "content" / "incidents").glob(f"*/{name}.md"))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _rewritten(archive: ArchiveFolder, edit) -> set[str]:
    """The files of search/ that the incremental build (through the CLI) after the edit writes."""
    before = _search_files(archive.output)
    edit()
    code, output = archive.build()
    assert code == 0, output
    after = _search_files(archive.output)
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def test_an_edit_rewrites_its_records_part_alone(dated):
    assert dated.build()[0] == 0
    # A title: the record's own part, not the head (nor the page: the counts are the same).
    assert _rewritten(dated, lambda: _replace(dated, "march-b", "Record march-b", "Record of the first of March")) == {
        "records-2022-03.js"}
    assert _rewritten(dated, lambda: _replace(dated, "old-a", "Record old-a", "Record of June")) == {"records-2021.js"}
    # A term no other record has: its part, and the head's table of terms' names; no other part.
    assert _rewritten(dated, lambda: _replace(dated, "old-b", "[Shelling]", "[Shelling, Arson]")) == {
        "records-2021.js", "head.js", "index.html"}  # the page's filter lists the new term
    # Another spelling of a term becoming the commoner one renames it in the head, never in the parts,
    # not even those of the records that changed their spelling (their terms are slugs).
    respelled = ("may-a", "may-b", "march-a", "march-b")
    assert _rewritten(dated, lambda: [_replace(dated, name, "[Shelling]", "[shelling]") for name in respelled]) == {
        "head.js", "index.html"}
    # A new date moves a record from one part to another: both parts, and the head's counts (the
    # page's count of the year is the same).
    assert _rewritten(dated, lambda: _replace(dated, "may-a", "2022-05-02", "2022-03-20")) == {
        "records-2022-05.js", "records-2022-03.js", "head.js"}


def test_a_new_record_writes_its_part_and_a_year_crossing_the_threshold_is_split(dated):
    assert dated.build()[0] == 0
    new = _rewritten(dated, lambda: dated.incident("newer", _front("Newer", "2021-09-09"), year="2021"))
    assert {"records-2021.js", "head.js", "index.html"} <= new and not {name for name in new if name.startswith("records-2022")}
    shard = search.text_path(search.shard_of("newer", search.shard_count(len(DATED) + 1))).removeprefix("search/")
    assert {name for name in new if name.startswith("text-")} == {shard}
    # 2021 now holds four records: it is split by month, and its year's file keeps the one known to the year.
    split = _rewritten(dated, lambda: dated.incident("newest", _front("Newest", "2021-10-10"), year="2021"))
    assert {"records-2021-10.js", "records-2021-09.js", "records-2021-06.js", "records-2021.js"} <= split
    assert not {name for name in split if name.startswith("records-2022")}


# --- Sizes -------------------------------------------------------------------------------------------

YEARS = 6
RECORDS = 300
# Words of the generated records: varied enough for gzip to see records as the real ones are.
VOCABULARY = ("shelling convoy witness market school hospital checkpoint crowd statement footage crater street "
              "bridge district officials residents village road survivors vehicle shelter curfew protest night").split()


def _generated(archive: ArchiveFolder, languages: str = "") -> ArchiveFolder:
    """RECORDS records over YEARS years, newest and oldest each with a word of its own in its title."""
    archive.write("site.yaml", archive.root.joinpath("site.yaml").read_text(encoding="utf-8") + languages)
    first = 2019
    for number in range(RECORDS):
        year = first + number * YEARS // RECORDS
        date = f"{year}-{number % 12 + 1:02d}-{number % 27 + 1:02d}"
        words = [VOCABULARY[(number * 7 + shift * 3) % len(VOCABULARY)] for shift in range(8)]
        title = {0: "Aardvarkian report", RECORDS - 1: "Zebrastripe report"}.get(number, f"Report {number}")
        summary = " ".join(words).capitalize() + f", seen by {number % 40} residents near post {number % 90}."
        archive.incident(f"record-{number:03d}", _front(title, date, f"[{VOCABULARY[number % 5].title()}]")
                         + f"summary: {summary}\n", body=f"{summary} {' '.join(reversed(words))}.\n", year=str(year))
    return archive


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def test_the_head_and_the_first_part_are_a_fraction_of_the_index(archive):
    code, output = _generated(archive).build()
    assert code == 0, output
    folder = archive.output / "search"
    head, parts = call_arguments(folder / "head.js", "head")
    assert [name for name, _ in parts] == [str(year) for year in range(2019 + YEARS - 1, 2018, -1)]
    first_load = _gzip_size(folder / "head.js") + _gzip_size(folder / f"records-{parts[0][0]}.js")
    whole = _gzip_size(folder / "head.js") + sum(_gzip_size(path) for path in folder.glob("records-*.js"))
    assert first_load < whole / 3, (first_load, whole)


# --- In a browser, from disk ------------------------------------------------------------------------

# What the page does as it loads, recorded from the first script on: each part as it arrives (and how
# many parts' scripts the document then holds), and each text the progress line shows.
RECORD_LOADING = """
window.partsArrived = [];
window.progressSaid = [];
let registered;
Object.defineProperty(window, "IncidentArchiveSearch", {
  configurable: true,
  get() { return registered; },
  set(value) {
    const receive = value.records;
    value.records = (about, records) => {
      window.partsArrived.push([about.part, document.querySelectorAll('script[src*="records-"]').length]);
      return receive(about, records);
    };
    registered = value;
  },
});
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.id !== "search-progress") continue;
    for (const node of change.addedNodes) window.progressSaid.push(node.textContent);
  }
}).observe(document, { subtree: true, childList: true });
"""


@pytest.fixture(scope="module")
def in_browser():
    from test_browser import chromium_in_its_own_thread

    with chromium_in_its_own_thread(lambda visit: visit.context.add_init_script(RECORD_LOADING)) as run:
        yield run


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory) -> Path:
    """The generated records, built with an untranslated Ukrainian version."""
    archive = _generated(ArchiveFolder(tmp_path_factory.mktemp("parts")), "languages: [en, uk]\n")
    code, output = archive.build()
    assert code == 0, output
    return archive.output


def _found(page) -> list[str]:
    hrefs = page.locator("#search-results .incident-title a").evaluate_all("links => links.map(a => a.href)")
    return [re.search(r"/incidents/([^/]+)/index.html$", href).group(1) for href in hrefs]


def _search_when_loaded(visit, path: str) -> dict:
    """Open the search page, wait for every part and shard, and find the oldest and the newest record."""
    page = visit.page
    page.goto(visit.site + path)
    page.locator("#search-progress", has_text=re.compile(r"descriptions\.|описах\.")).wait_for()
    found = {}
    for word in ("aardvarkian", "zebrastripe"):
        page.locator("#search-q").fill(word)
        found[word] = _found(page)
    return {"found": found, "arrived": page.evaluate("window.partsArrived"),
            "said": page.evaluate("window.progressSaid"), "problems": visit.problems}


@pytest.mark.slow
def test_from_disk_the_parts_arrive_one_by_one_newest_first_and_every_year_is_found(in_browser, generated_site):
    seen = in_browser(generated_site.as_uri() + "/", lambda visit: _search_when_loaded(visit, "search/index.html"))
    assert seen["found"] == {"aardvarkian": ["record-000"], "zebrastripe": [f"record-{RECORDS - 1:03d}"]}
    newest_first = [str(year) for year in range(2019 + YEARS - 1, 2018, -1)]
    # The first part arrives alone: the page's first load is the head and one part, not the index.
    assert seen["arrived"] == [[year, number] for number, year in enumerate(newest_first, 1)]
    years_said = [said for said in seen["said"] if said.startswith("Searched")]
    assert years_said == [f"Searched {number} of {YEARS} years…" for number in range(YEARS)]
    assert seen["said"][-1] == "Searching titles, summaries, places, terms and descriptions."
    assert seen["problems"] == []


@pytest.mark.slow
def test_the_year_filters_year_is_loaded_first(in_browser, generated_site):
    def filtered(visit):
        visit.page.goto(visit.site + "search/index.html?q=aardvarkian&year=2019")
        visit.page.locator("#search-results li").first.wait_for()
        return _found(visit.page), visit.page.evaluate("window.partsArrived")[0], visit.problems

    assert in_browser(generated_site.as_uri() + "/", filtered) == (["record-000"], ["2019", 1], [])


@pytest.mark.slow
def test_the_ukrainian_page_searches_the_parts_and_says_so_in_ukrainian(in_browser, generated_site):
    seen = in_browser(generated_site.as_uri() + "/", lambda visit: _search_when_loaded(visit, "uk/search/index.html"))
    assert seen["found"] == {"aardvarkian": ["record-000"], "zebrastripe": [f"record-{RECORDS - 1:03d}"]}
    assert [said for said in seen["said"] if said.startswith("Пошук охопив")] == [
        f"Пошук охопив {number} з {YEARS} років…" for number in range(YEARS)]
    assert seen["problems"] == []
