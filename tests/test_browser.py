"""The reference archive in a real browser (Debian's chromium, driven by Playwright), opened from disk and
served under a sub-path: readers follow links and search, and nothing fails or leaves the site."""

from __future__ import annotations

import functools
import http.server
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import VALID_FRONT

# Debian's chromium by default; another Chromium-based browser where it is elsewhere (GitHub's
# Ubuntu runners have Google Chrome), named by INCIDENT_ARCHIVE_CHROMIUM as .ci/run reads it too.
CHROMIUM = Path(os.environ.get("INCIDENT_ARCHIVE_CHROMIUM") or "/usr/bin/chromium")
# .ci/run sets this, so that CI fails rather than skips when the browser is missing.
REQUIRED = os.environ.get("INCIDENT_ARCHIVE_REQUIRE_BROWSER") == "1"
SUB_PATH = "/archive/"
# A word found only in the description of one incident (the tests check that it is in no title,
# summary, place or term), so that finding it needs the text shards.
DESCRIPTION_WORD, ITS_INCIDENT = "exhumation", "izium-mass-burial-site"


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One chromium for the whole session; Playwright's own browser downloads are not used."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("the browser tests need Playwright for Python (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        _skip_or_fail(f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


class Visit:
    """A page in a fresh browser context, with everything that went wrong on the way."""

    def __init__(self, browser, site: str, **options):
        self.site = site  # the address of the site's root folder, ending in "/"
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("requestfailed", self._failed)
        self.context.on("response", self._response)

    def _console(self, message) -> None:
        # Also where the browser reports what Playwright's network events leave out, such as /favicon.ico.
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def _failed(self, request) -> None:
        # A request cut short by the next navigation (a favicon, a shard still loading) did not fail.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str) -> None:
        self.page.goto(self.site + path)

    def follow(self, selector: str) -> None:
        """Click a link and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()

    @property
    def path(self) -> str:
        """Where the page is, from the site's root: 'incidents/x/index.html'."""
        url = self.page.url.split("?")[0]
        assert url.startswith(self.site), url
        return url[len(self.site):]

    def outside_the_site(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.site)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def served(built_reference):
    """The reference archive over HTTP at http://127.0.0.1:PORT/archive/, as GitHub Pages serves a project."""

    class UnderSubPath(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            if not path.startswith(SUB_PATH):
                return str(built_reference / "no such file")  # 404, which the tests report
            return super().translate_path(path[len(SUB_PATH) - 1:])

        def log_message(self, *args):
            pass

    handler = functools.partial(UnderSubPath, directory=str(built_reference))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["file", "http"])
def site(request, built_reference) -> str:
    """The site's root: the output folder from disk, then over HTTP under a sub-path."""
    if request.param == "file":
        return built_reference.as_uri() + "/"
    return request.getfixturevalue("served")


@pytest.fixture
def visit(browser, site):
    visit = Visit(browser, site)
    yield visit
    visit.close()


def test_the_search_word_is_only_in_one_description(built_reference):
    """The premise of the walk below: only the text shards can find the word, and only in one incident."""
    records = (built_reference / "search" / "records.js").read_text(encoding="utf-8").lower()
    assert DESCRIPTION_WORD not in records
    pages = [path for path in (built_reference / "incidents").glob("*/index.html")
             if DESCRIPTION_WORD in path.read_text(encoding="utf-8").lower()]
    assert [path.parent.name for path in pages] == [ITS_INCIDENT]


def test_a_reader_browses_then_searches_the_descriptions(visit):
    visit.open("index.html")
    visit.follow(".incident-list .incident-title a")
    assert visit.path.startswith("incidents/") and visit.page.locator("h1").count() == 1
    visit.follow("dd .terms a[href*='categories/']")
    assert visit.path.startswith("categories/")
    visit.follow(".site-nav a[href$='places/index.html']")
    visit.follow("main a[href*='/index.html']")
    assert visit.path.startswith("places/") and visit.path.count("/") == 2  # a country
    visit.follow(".term-cloud a")
    assert visit.path.startswith("places/") and visit.path.count("/") == 3  # one of its regions

    visit.open("search/index.html")
    visit.page.get_by_label("Words to find").fill(DESCRIPTION_WORD)
    result = visit.page.locator("#search-results a")
    result.first.wait_for()  # once the text shards are in
    assert result.count() == 1
    assert visit.page.locator("#search-count").inner_text() == "1 incident found."
    assert visit.page.url.endswith(f"search/index.html?q={DESCRIPTION_WORD}")  # a search can be bookmarked
    visit.follow("#search-results a")
    assert visit.path == f"incidents/{ITS_INCIDENT}/index.html"

    assert visit.problems == []
    assert visit.outside_the_site() == []
    assert len(visit.requests) > 10


def test_a_bookmarked_search_with_filters_opens_as_it_was_left(visit):
    visit.open("search/index.html?q=missile&status=corroborated&place=ua%2Fdonetsk-oblast")
    page = visit.page
    page.locator("#search-results li").first.wait_for()
    assert page.get_by_label("Words to find").input_value() == "missile"
    assert page.get_by_label("Status").input_value() == "corroborated"
    assert page.get_by_label("Place").input_value() == "ua/donetsk-oblast"
    badges = page.locator("#search-results .status").all_inner_texts()
    places = page.locator("#search-results .incident-meta").all_inner_texts()
    assert badges and set(badges) == {"Corroborated"}
    assert all("Donetsk Oblast" in place for place in places)

    page.get_by_label("Status").select_option("")
    page.get_by_label("Year").select_option("2023")
    page.locator("#search-results li").first.wait_for()
    assert all("2023" in place for place in page.locator("#search-results time").all_inner_texts())
    assert page.url.endswith("search/index.html?q=missile&year=2023&place=ua%2Fdonetsk-oblast")
    assert visit.problems == [] and visit.outside_the_site() == []


def test_search_works_from_the_keyboard_alone(visit):
    visit.open("search/index.html")
    page = visit.page
    page.locator("#search-progress", has_text="descriptions.").wait_for()
    page.get_by_label("Words to find").focus()
    page.keyboard.type("olenivka")
    page.keyboard.press("Enter")  # submitting searches; it does not leave the page
    assert page.locator("#search-count").get_attribute("role") == "status"  # announced as it changes
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert visit.path == "incidents/olenivka-prison-explosion/index.html"
    assert visit.problems == []


def test_a_long_result_list_grows_on_request(browser, built_corpus):
    """The police corpus (1,292 incidents, eight text shards), from disk: results come fifty at a time."""
    visit = Visit(browser, built_corpus.as_uri() + "/")
    try:
        visit.open("search/index.html?status=reported")
        page = visit.page
        page.locator("#search-progress", has_text="descriptions.").wait_for()  # all eight shards
        assert page.locator("#search-count").inner_text() == "549 incidents found."
        results = page.locator("#search-results > li")
        assert results.count() == 50
        page.get_by_role("button", name="Show more results").press("Enter")
        assert results.count() == 100
        assert page.evaluate("document.activeElement.href") == results.nth(50).locator("a").evaluate("a => a.href")
        assert visit.problems == [] and visit.outside_the_site() == []
    finally:
        visit.close()


def test_hostile_text_in_a_record_is_shown_as_text_in_the_results(browser, archive):
    title = "<img src=x onerror=alert(1)> Hostile"
    archive.incident("hostile", VALID_FRONT.replace("A valid incident", title) + (
        "summary: \"<script>alert(2)</script>\"\n"
        "tags: [\"<b onmouseover=alert(3)>tag</b>\"]\n"))
    assert archive.build()[0] == 0
    visit = Visit(browser, archive.output.as_uri() + "/")
    dialogs = []
    visit.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        visit.open("search/index.html?q=hostile")
        result = visit.page.locator("#search-results li")
        result.wait_for()
        assert result.locator("a").inner_text() == title
        assert result.locator(".incident-summary").inner_text() == "<script>alert(2)</script>"
        assert result.locator("img, script, b").count() == 0
        assert dialogs == [] and visit.problems == []
    finally:
        visit.close()


def test_without_javascript_the_search_page_says_so(browser, site):
    visit = Visit(browser, site, java_script_enabled=False)
    try:
        visit.open("search/index.html")
        notice = visit.page.locator("noscript p, .search-needs-script").first
        assert "Search needs JavaScript" in notice.inner_text()
        assert visit.page.locator("#search-form").is_hidden()
        visit.follow(".search-needs-script a[href$='incidents/index.html']")
        assert visit.path == "incidents/index.html"
        assert visit.problems == []
    finally:
        visit.close()


def test_the_site_is_served_only_under_its_sub_path(served):
    """The server refuses what lies outside /archive/, so a link that climbs out of it would be reported."""
    with urllib.request.urlopen(served + "index.html") as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(served.removesuffix(SUB_PATH) + "/index.html")
    assert refused.value.code == 404
