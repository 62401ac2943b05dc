"""The theme on paper, on a 320 px phone and to a screen reader: a small archive printed to PDF by
chromium (then read back with pypdf), laid out at 320 px, and read through the accessibility tree."""

from __future__ import annotations

import io
import os
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from conftest import SITE_YAML, ArchiveFolder
from test_browser import CHROMIUM, Visit, _skip_or_fail

pytestmark = pytest.mark.slow

WARNING = "Describes the bodies of children"
HIDDEN_SENTENCE = "The basement sheltered roughly a thousand people"
DESCRIPTION_LINK = "https://example.org/reports/theatre-strike-findings"
BARE_SOURCE = "https://example.org/sources/bare-address-as-title"
TITLED_SOURCE = "https://example.org/sources/ukrainian-report"
UKRAINIAN_TITLE = "Напад на драматичний театр у Маріуполі"

THEATRE = f"""\
title: "Air strike on the drama theatre shelter, with a title long enough to stretch its BibTeX entry"
date: 2022-03-16
date_end: 2022-03-18
location: {{name: Theatre Square, admin1: Donetsk Oblast, country: UA}}
status: contested
previous_ids: [old-theatre]
content_warning: "{WARNING}."
casualties: {{killed: "12-600"}}
sources:
  - url: {TITLED_SOURCE}
    title: "{UKRAINIAN_TITLE}"
    publisher: Amnesty International
    language: uk
  - url: {BARE_SOURCE}
    publisher: TRT World
"""

THEATRE_BODY = f"""\
{HIDDEN_SENTENCE}. The findings are in [the published report]({DESCRIPTION_LINK}).

| Estimate | Reconstruction | Methodology | Corroboration | Documentation | Classification |
|---|---|---|---|---|---|
| approximately | International | investigation | corroborated | photographs | extrajudicial |
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Five incidents, one a page: three reported in 2022, so that the reported list's year pages
    have page links; the first has everything printed."""
    archive = ArchiveFolder(tmp_path_factory.mktemp("print") / "archive")
    archive.write("site.yaml", SITE_YAML + "per_page: 1\n")
    archive.incident("theatre", THEATRE, THEATRE_BODY)
    archive.incident("market", "title: Shelling of the market\ndate: 2022-05-02\nlocation: Bucha\n"
                     "status: verified\nsources:\n  - url: https://example.org/m\n"
                     "    archived_url: https://web.archive.org/web/2022/https://example.org/m\n")
    archive.incident("bridge", "title: Strike on the bridge\ndate: 2022-06-07\nlocation: Irpin\n"
                     "status: reported\nsources: [https://example.org/b]\n")
    for name, day in (("checkpoint", "01"), ("convoy", "03")):
        archive.incident(name, f"title: Fire at the {name}\ndate: 2022-06-{day}\nlocation: Irpin\n"
                         "status: reported\nsources: [https://example.org/c]\n")
    code, output = archive.build()
    assert code == 0, output
    return archive.output


class Chromium:
    """A chromium driven from a thread of its own.

    Playwright's sync API allows one Playwright per thread, and test_browser.py's holds the main
    thread for the whole session: this module's lives in a worker thread, and each test hands it
    the checks to run on a page.
    """

    def __init__(self):
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._thread.submit(self._start).result()

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])

    def check(self, site: str, path: str, check, **options) -> None:
        """Open the page in a fresh browser context, run check(visit) on it, and find nothing gone wrong."""
        def run():
            visit = Visit(self._browser, site, **options)
            try:
                visit.open(path)
                check(visit)
                assert visit.problems == []
            finally:
                visit.close()

        self._thread.submit(run).result()

    def close(self) -> None:
        self._thread.submit(self._stop).result()
        self._thread.shutdown()

    def _stop(self) -> None:
        self._browser.close()
        self._playwright.stop()


@pytest.fixture(scope="module")
def chromium():
    try:
        import playwright  # noqa: F401 - imported only to learn whether it is installed
        import pypdf  # noqa: F401 - likewise
    except ImportError:
        _skip_or_fail("the print tests need Playwright for Python and pypdf (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        _skip_or_fail(f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture
def browse(chromium, site):
    """browse(path, check, **context options): check(visit) on that page of the small archive."""
    return lambda path, check, **options: chromium.check(site.as_uri() + "/", path, check, **options)


PHONE = {"viewport": {"width": 320, "height": 640}}


def printed_text(page) -> str:
    """What a PDF of the page says, as pypdf extracts it (ligatures such as "ﬁ" as their letters)."""
    from pypdf import PdfReader

    text = "\n".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(page.pdf())).pages)
    return unicodedata.normalize("NFKC", text)


def without_spaces(text: str) -> str:
    """Addresses are broken over lines on paper: compare text with every space and line break removed."""
    return re.sub(r"\s+", "", text)


def printed_size(page, words: str) -> float:
    """The size at which a PDF of the page prints a line of text (chromium scales the whole print
    down when something is wider than the paper)."""
    from pypdf import PdfReader

    sizes = []

    def collect(text, matrix, text_matrix, font, size):
        if text.strip() == words:
            sizes.append(round(size * text_matrix[3] * matrix[3], 2))

    for sheet in PdfReader(io.BytesIO(page.pdf())).pages:
        sheet.extract_text(visitor_text=collect)
    assert sizes, f"{words!r} is not in the printed page"
    return sizes[0]


THEATRE_PAGE = "incidents/theatre/index.html"


# Paper


def test_a_description_behind_a_content_warning_prints_in_full_under_it(browse):
    def check(visit):
        assert visit.page.locator(".content-warning").get_attribute("open") is None  # closed on screen
        text = printed_text(visit.page)
        assert WARNING in text
        assert HIDDEN_SENTENCE in text
        assert text.index(WARNING) < text.index(HIDDEN_SENTENCE)
        assert "open it before printing" not in text

    browse(THEATRE_PAGE, check)


def test_printed_links_carry_their_address_once(browse):
    def check(visit):
        text = without_spaces(printed_text(visit.page))
        assert text.count(DESCRIPTION_LINK) == 1  # the description's link, which paper cannot follow
        assert text.count(TITLED_SOURCE) == 1
        assert text.count(BARE_SOURCE) == 1  # a source shown by its address is not followed by it again

    browse(THEATRE_PAGE, check)


def test_opening_the_bibtex_entry_does_not_shrink_the_print(browse):
    def check(visit):
        closed = printed_size(visit.page, "Cite this record")
        visit.page.locator(".bibtex summary").click()
        assert visit.page.locator(".bibtex pre").is_visible()
        assert printed_size(visit.page, "Cite this record") == closed
        assert "@misc{theatre," in printed_text(visit.page)

    browse(THEATRE_PAGE, check)


def test_a_heading_and_the_citation_are_not_split_from_what_follows(browse):
    def check(visit):
        visit.page.emulate_media(media="print")
        style = "([selector, property]) => getComputedStyle(document.querySelector(selector))[property]"
        assert visit.page.evaluate(style, ["#cite", "breakAfter"]) == "avoid"
        assert visit.page.evaluate(style, ["#description", "breakAfter"]) == "avoid"
        assert visit.page.evaluate(style, [".citation", "breakInside"]) == "avoid"

    browse(THEATRE_PAGE, check)


def test_print_is_dark_text_on_white_whatever_the_colour_scheme(browse):
    def check(visit):
        colours = """() => [...document.querySelectorAll(
            'body, .incident-meta, .status, .source-meta, .note, .content-warning, a')]
            .map(element => { const style = getComputedStyle(element); return [style.color, style.backgroundColor]; })"""
        visit.page.emulate_media(media="print", color_scheme="light")
        light = visit.page.evaluate(colours)
        visit.page.emulate_media(media="print", color_scheme="dark")
        assert visit.page.evaluate(colours) == light
        assert visit.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"

    browse(THEATRE_PAGE, check)


def test_the_search_form_and_the_navigation_do_not_print(browse):
    def search_page(visit):
        visit.page.locator("#search-form").wait_for()  # shown once search.js runs
        text = printed_text(visit.page)
        assert "Words to find" not in text and "Only incidents with" not in text
        assert "Places" not in text  # the main navigation

    def record(visit):
        assert "Earlier:" not in printed_text(visit.page)  # the links to neighbouring records

    browse("search/index.html", search_page)
    browse(THEATRE_PAGE, record)


# Phones


def test_at_320_px_a_wide_table_scrolls_in_its_own_box_and_an_open_bibtex_entry_wraps(browse):
    def check(phone):
        page = phone.page
        page_width = "document.documentElement.scrollWidth"
        page.locator(".content-warning summary").click()
        table = page.locator(".prose table")
        assert table.evaluate("table => table.scrollWidth") > 320  # its content is wider than the phone
        assert page.evaluate(page_width) <= 320
        page.locator(".bibtex summary").click()
        entry = page.locator(".bibtex pre")
        assert max(len(line) for line in entry.inner_text().splitlines()) > 60  # wider than the phone, unwrapped
        assert page.evaluate(page_width) <= 320
        assert entry.evaluate("pre => pre.scrollWidth <= pre.clientWidth")  # wrapped: no scroller to reach by keyboard

    browse(THEATRE_PAGE, check, **PHONE)


# Screen readers


def test_ranges_are_read_with_to(browse):
    def check(visit):
        facts = visit.page.locator(".facts").aria_snapshot()
        assert "12 to 600" in facts and "16 to 18 March 2022" in facts
        assert "16 to 18 March 2022" in visit.page.locator("header .incident-meta").aria_snapshot()
        assert "12–600" in printed_text(visit.page)  # on paper, still a dash

    browse(THEATRE_PAGE, check)


def test_a_list_line_labels_the_place_and_the_status(browse):
    def check(visit):
        line = " ".join(visit.page.locator(".incident-list .incident-meta").first.aria_snapshot().split())
        assert re.search(r"Place: Irpin\s*\. Status: Reported", line), line

    browse("incidents/index.html", check)


def test_page_links_are_named_as_pages(browse):
    def check(visit):
        pages = visit.page.get_by_role("navigation", name="Pages of this list")
        assert pages.get_by_role("link", name="Page 2", exact=True).count() == 1
        assert pages.get_by_role("link", name="Page 3", exact=True).count() == 1
        assert pages.get_by_role("link", name="2", exact=True).count() == 0

    browse("status/reported/dates/2022/page/2/index.html", check)


def test_a_source_language_is_named_and_its_title_marked_as_in_it(browse):
    def check(visit):
        sources = visit.page.locator(".sources")
        assert sources.locator('[lang="uk"]').all_inner_texts() == [UKRAINIAN_TITLE]
        first = sources.locator("li").first.inner_text()
        assert "language: Ukrainian" in first and "language: uk" not in first

    browse(THEATRE_PAGE, check)


# The page an old id leads to


class _Redirect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.metas, self.stylesheets, self.h1 = {}, [], ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.metas[attrs.get("name") or attrs.get("http-equiv")] = attrs.get("content")
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        self._in_h1 = tag == "h1" or self._in_h1

    def handle_endtag(self, tag):
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def test_an_old_address_leads_on_through_a_small_page_of_the_site(site):
    path = site / "incidents" / "old-theatre" / "index.html"
    page = _Redirect()
    page.feed(path.read_text(encoding="utf-8"))
    assert page.h1.strip()
    assert page.metas["viewport"] == "width=device-width, initial-scale=1"
    assert page.metas["refresh"].endswith("url=../theatre/index.html")
    [stylesheet] = page.stylesheets
    assert (path.parent / stylesheet).resolve() == (site / "static" / "style.css").resolve()  # from disk
    under_sub_path = urljoin("https://example.org/archive/incidents/old-theatre/index.html", stylesheet)
    assert under_sub_path == "https://example.org/archive/static/style.css"  # and under a sub-path
