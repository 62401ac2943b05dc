"""Search in a real browser (chromium, from disk): words of every script are found however they are
typed (case, accents, harakat), the build's folding agrees with the page's, a phone shows the first
result without scrolling, and nothing on the page moves as it loads or as results arrive."""

from __future__ import annotations

import html
import re

import pytest

from conftest import VALID_FRONT, ArchiveFolder
from incident_archive.outputs.search import fold, words
from test_browser import Visit, chromium_in_its_own_thread

pytestmark = pytest.mark.slow

SITE_YAML = """\
title: Multilingual archive
taxonomies:
  categories: {title: Categories, singular: Category}
"""

# Each record's words are in one record only, so each query has one right answer.
RECORDS = {
    "kyiv-kharkiv": ("Київ і Харків: обстріл районів", "Ракети влучили у житлові будинки.", "Свідки з Чупахівки."),
    "kharkiv-latin": ("Shelling in Kharkív", "Testimony of Señora Núñez at the café.", "Médecins and Juan Ríos arrived at dawn."),
    "aleppo": ("قصف حلب", "غارة على سوق المدينة", "شهود من حَلَب الشرقية قرب مَدرَسَة."),
    "other": ("Flooding of a dam", "Water reached the lower town.", "Nothing else alike."),
}

# query → the one record it must find: other cases, accents and harakat typed or left out, prefixes,
# a typo, and words found only in a description (in the text shards, which the build folds).
QUERIES = {
    "Київ": "kyiv-kharkiv", "київ": "kyiv-kharkiv", "КИЇВ": "kyiv-kharkiv", "Харків": "kyiv-kharkiv",
    "харк": "kyiv-kharkiv", "район": "kyiv-kharkiv", "РАЙОН": "kyiv-kharkiv", "харкив": "kyiv-kharkiv",
    "чупахівки": "kyiv-kharkiv",
    "Kharkív": "kharkiv-latin", "kharkiv": "kharkiv-latin", "KHARKIV": "kharkiv-latin", "khark": "kharkiv-latin",
    "kharkuv": "kharkiv-latin", "Señora": "kharkiv-latin", "senora": "kharkiv-latin", "nunez": "kharkiv-latin",
    "NÚÑEZ": "kharkiv-latin", "cafe": "kharkiv-latin", "medecins": "kharkiv-latin", "Médecins": "kharkiv-latin",
    "rios": "kharkiv-latin",
    "حلب": "aleppo", "حَلَب": "aleppo", "الشرقية": "aleppo", "الشَّرقِيَّة": "aleppo", "مدرسة": "aleppo",
}


@pytest.fixture(scope="module")
def in_browser():
    """in_browser(site, action, **context_options): action(Visit) in a fresh context, and what it returns."""
    with chromium_in_its_own_thread() as run:
        yield run


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory) -> str:
    """A small archive in Ukrainian, accented Latin and Arabic, built; the address of its search page."""
    archive = ArchiveFolder(tmp_path_factory.mktemp("multilingual"))
    archive.write("site.yaml", SITE_YAML)
    for number, (name, (title, summary, body)) in enumerate(RECORDS.items()):
        archive.incident(name, (f"title: \"{title}\"\ndate: 2022-03-{number + 1:02d}\nlocation: Somewhere\n"
                                f"status: reported\nsources: [https://example.org/{name}]\nsummary: \"{summary}\"\n"),
                         body=f"{body}\n")
    code, output = archive.build()
    assert code == 0, output
    return archive.output.as_uri() + "/search/index.html"


def found_ids(page) -> list[str]:
    hrefs = page.locator("#search-results .incident-title a").evaluate_all("links => links.map(a => a.href)")
    return [re.search(r"/incidents/([^/]+)/", href).group(1) for href in hrefs]


def open_search(visit: Visit, address: str) -> None:
    visit.page.goto(address)
    visit.page.locator("#search-progress", has_text="descriptions.").wait_for()  # every text shard is in


def test_words_of_every_script_are_found_however_they_are_typed(in_browser, multilingual):
    def search_each_word(visit):
        open_search(visit, multilingual)
        wrong = {}  # query → what it found, where that is not its one record
        for query, record in QUERIES.items():
            visit.page.get_by_label("Words to find").fill(query)  # the page searches as the reader types
            if found_ids(visit.page) != [record]:
                wrong[query] = found_ids(visit.page)
        return wrong, visit.problems

    assert in_browser(multilingual, search_each_word) == ({}, [])


def test_the_page_splits_and_folds_words_as_the_build_does(in_browser, multilingual):
    """The text shards hold words folded in Python; queries are folded in JavaScript: the two must agree."""
    text = ("Київ, КИЇВ і Харків — районів; Kharkív KHARKIV Señora Núñez café İstanbul ΟΔΟΣ Ærø Łódź "
            "حَلَب حلب أحمد الشَّرقِيَّة ـمـرحـبـا \u200fسلام\u200f می\u200cخواهم नमस्ते काम कम が ガ 한국어 "
            "don’t 50$ a+b x_y #tag ½ ①")

    def fold_in_the_page(visit):
        visit.page.goto(multilingual)
        return visit.page.evaluate("text => window.IncidentArchiveSearch.terms(text)", text)

    in_the_build = [folded for folded in map(fold, words(text)) if folded]
    assert in_browser(multilingual, fold_in_the_page) == in_the_build
    # What folding does and does not do.
    assert {"киів", "харків", "kharkiv", "senora", "nunez", "cafe", "حلب", "احمد", "مرحبا", "سلام"} <= set(in_the_build)
    assert {"नमस्ते", "काम", "कम", "が", "ガ", "한국어"} <= set(in_the_build)  # vowel signs and voicing marks stay


PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
WIDE = {"viewport": {"width": 1000, "height": 800}}


def test_the_first_result_is_on_a_phones_screen(in_browser, built_reference):
    def search_on_a_phone(visit):
        open_search(visit, visit.site + "search/index.html")
        visit.page.get_by_label("Words to find").fill("kharkiv")
        first = visit.page.locator("#search-results > li").first
        title = first.locator(".incident-title").bounding_box()
        on_screen = first.bounding_box()["y"] >= 0 and title["y"] + title["height"] <= PHONE["viewport"]["height"]
        # The filters are folded away behind a summary that counts those in use, and open on request.
        summary = visit.page.locator("#search-filters > summary")
        folded, said = visit.page.get_by_label("Status").is_hidden(), summary.inner_text()
        summary.click()
        visit.page.get_by_label("Status").select_option("corroborated")
        visit.page.get_by_label("Year").select_option("2023")
        return on_screen, folded, said, summary.inner_text(), visit.problems

    assert in_browser(built_reference.as_uri() + "/", search_on_a_phone, **PHONE) == (
        True, True, "Filters: none active", "Filters: 2 active", [])


def test_the_filters_show_on_a_wide_screen(in_browser, built_reference):
    def look(visit):
        open_search(visit, visit.site + "search/index.html?q=missile&status=corroborated")
        page = visit.page
        return (page.get_by_label("Status").is_visible(), page.locator("#search-filters > summary").is_hidden(),
                page.locator("#search-filters").evaluate("details => details.open"),
                page.locator("#search-filters-active").inner_text())

    assert in_browser(built_reference.as_uri() + "/", look, **WIDE) == (True, True, True, "1 active")


# Every layout shift the page makes, as the browser reports it (the entries Cumulative Layout Shift
# adds up), from the first paint on. Those just after the reader's input are counted too.
RECORD_LAYOUT_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const moved = entry.sources.map(
      (source) => source.node ? (source.node.id || source.node.className || source.node.nodeName) : "?");
    window.layoutShifts.push([entry.value, moved.join(" ")]);
  }
}).observe({ type: "layout-shift", buffered: true });
"""


@pytest.mark.parametrize("screen", [PHONE, WIDE], ids=["phone", "wide"])
@pytest.mark.parametrize("address", ["search/index.html", "search/index.html?q=kyiv"], ids=["empty", "bookmarked"])
def test_nothing_moves_as_the_page_loads_and_results_arrive(in_browser, built_reference, screen, address):
    def load_then_search(visit):
        visit.context.add_init_script(RECORD_LAYOUT_SHIFTS)
        open_search(visit, visit.site + address)
        visit.page.get_by_label("Words to find").fill("kharkiv")
        visit.page.locator("#search-results > li").first.wait_for()
        visit.page.wait_for_timeout(300)  # for the observer's last entries
        return visit.page.evaluate("window.layoutShifts"), visit.problems

    shifts, problems = in_browser(built_reference.as_uri() + "/", load_then_search, **screen)
    assert sum(value for value, _ in shifts) < 0.01, shifts
    assert problems == []


def test_a_result_reads_as_the_list_pages_line_does(in_browser, tmp_path):
    """Date range read "4 to 6 March", then ". Place: " and ". Status: ", for screen readers as on the lists."""
    archive = ArchiveFolder(tmp_path / "archive")
    archive.write("site.yaml", SITE_YAML)
    archive.incident("siege", VALID_FRONT.replace("date: 2022-03-04\n", "date: 2022-03-04\ndate_end: 2022-03-06\n"))
    code, output = archive.build()
    assert code == 0, output
    listed = re.search(r'<p class="incident-meta">(.*?)</p>', (archive.output / "incidents" / "index.html").read_text())
    assert listed and " to " in listed.group(1) and ". Place: " in listed.group(1)
    as_listed = html.unescape(re.sub(r"<[^>]+>", "", listed.group(1)))

    def search(visit):
        open_search(visit, visit.site + "search/index.html?q=valid")
        line = visit.page.locator("#search-results > li .incident-meta").first
        return line.evaluate("p => p.textContent"), line.evaluate("p => p.querySelector('time').textContent"), \
            visit.problems

    assert in_browser(archive.output.as_uri() + "/", search) == (as_listed, "4\u2013 to 6 March 2022", [])
