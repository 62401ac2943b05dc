"""The reference archive in a real browser (Debian's chromium, driven by Playwright), opened from disk and
served under a sub-path: readers follow links and search, and nothing fails or leaves the site."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import math
import os
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, VALID_FRONT, front_matters, run_cli
from incident_archive.names import slugify

# Debian's chromium by default; another Chromium-based browser where it is elsewhere (GitHub's
# Ubuntu runners have Google Chrome), named by INCIDENT_ARCHIVE_CHROMIUM as .ci/run reads it too.
CHROMIUM = Path(os.environ.get("INCIDENT_ARCHIVE_CHROMIUM") or "/usr/bin/chromium")
# .ci/run sets this, so that CI fails rather than skips when the browser is missing.
REQUIRED = os.environ.get("INCIDENT_ARCHIVE_REQUIRE_BROWSER") == "1"
SUB_PATH = "/archive/"
FUZZY = 0.2  # search.js: a query word of five letters or more also finds words this share of edits away


def _search_script(path: Path):
    """What one of search/*.js hands the page: the arguments of its single call, as JSON."""
    text = path.read_text(encoding="utf-8")
    return json.loads("[" + text[text.index("(", text.index("IncidentArchiveSearch")) + 1:text.rindex(")")] + "]")


def _edits_within(first: str, second: str, most: int) -> bool:
    """Whether Levenshtein's distance between the two words is at most `most`."""
    if abs(len(first) - len(second)) > most:
        return False
    row = list(range(len(second) + 1))
    for i, letter in enumerate(first, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(second, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (letter != other))
        if min(row) > most:
            return False
    return row[-1] <= most


def description_word(site: Path) -> tuple[str, str]:
    """(a word, its incident): a word of one incident's description that the search finds nowhere else.

    Not in the records (no title, summary, place or term holds it), so that finding it needs the text
    shards; and no word of another incident starts with it or is within the search's fuzzy reach of
    it, so that the search finds that incident alone. Read from the built site, never written here:
    whatever records the archive holds, one such word is found.
    """
    records = _records_text(site)
    entries = [entry for shard in sorted((site / "search").glob("text-*.js")) for entry in _search_script(shard)[1]]
    words_of = {incident_id: set(text.split()) for incident_id, text in entries}
    found_in: dict[str, set[str]] = {}
    for incident_id, words in words_of.items():
        for word in words:
            found_in.setdefault(word, set()).add(incident_id)
    everywhere = set(found_in) | set(re.findall(r"[a-z0-9]+", records))
    for word in sorted(found_in, key=lambda word: (-len(word), word)):
        if len(found_in[word]) > 1 or not re.fullmatch(r"[a-z]{8,}", word) or word in records:
            continue
        (incident_id,) = found_in[word]
        reach = math.floor(len(word) * FUZZY + 0.5)
        others = everywhere - words_of[incident_id]
        if not any(other.startswith(word) or _edits_within(word, other, reach) for other in others):
            return word, incident_id
    raise AssertionError("no word of a description is found by the search in that incident alone")


def _records_text(site: Path) -> str:
    """Every part of the search's records (search/records-*.js), lower-cased."""
    return "".join(path.read_text(encoding="utf-8") for path in sorted((site / "search").glob("records-*.js"))).lower()


def expect(target):
    """Playwright's expect, which waits (five seconds at most) for what it asserts: a page shows the
    results of a search a moment after the event that starts it. Imported here, so that the module
    (which other tests import) loads without Playwright."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def ends_with(text: str) -> re.Pattern:
    """What Playwright's expect(...).to_have_url waits for: an address ending with the text."""
    return re.compile(re.escape(text) + "$")


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


@contextlib.contextmanager
def chromium_in_its_own_thread(prepare=None):
    """run(site, action, **context_options): action(Visit) in a fresh context, and what it returns.

    A chromium driven from a thread of its own: Playwright's sync API allows one instance a thread,
    and this module's session-wide one (`browser`) may be running in the test's. prepare(visit), if
    given, runs before each action (an init script, say).
    """
    worker = ThreadPoolExecutor(max_workers=1)
    running = {}

    def launch() -> str | None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            return "the browser tests need Playwright for Python (pip install -e '.[test]')"
        if not os.access(CHROMIUM, os.X_OK):
            return f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        running["playwright"] = sync_playwright().start()
        running["browser"] = running["playwright"].chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        return None

    def run(site: str, action, **options):
        def visit_and_act():
            visit = Visit(running["browser"], site, **options)
            if prepare:
                prepare(visit)
            try:
                return action(visit)
            finally:
                visit.close()
        return worker.submit(visit_and_act).result()

    missing = worker.submit(launch).result()
    if missing:
        worker.shutdown()
        _skip_or_fail(missing)
    try:
        yield run
    finally:
        worker.submit(lambda: (running["browser"].close(), running["playwright"].stop())).result()
        worker.shutdown()


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


@pytest.fixture(scope="module")
def records(reference_archive) -> dict[str, dict]:
    """The reference archive's published records (id → front matter), read from its files."""
    return {record_id: meta for record_id, (meta, _) in front_matters(reference_archive).items()
            if not meta.get("draft") and not meta.get("duplicate_of")}


@pytest.fixture(scope="module")
def word(built_reference) -> tuple[str, str]:
    return description_word(built_reference)


def test_the_search_word_is_only_in_one_description(built_reference, word):
    """The premise of the walks below: only the text shards can find the word, and only in one incident."""
    found, its_incident = word
    records = _records_text(built_reference)
    assert found not in records
    pages = [path for path in (built_reference / "incidents").glob("*/index.html")
             if found in path.read_text(encoding="utf-8").lower()]
    assert [path.parent.name for path in pages] == [its_incident]


def test_the_word_finder_keeps_away_from_fuzzy_matches():
    assert _edits_within("exhumation", "exhumations", 2) and _edits_within("exhumation", "exumaton", 2)
    assert not _edits_within("exhumation", "exhibition", 2) and not _edits_within("kitten", "sitting", 2)


def test_a_reader_browses_then_searches_the_descriptions(visit, records, word):
    # Incidents with a category, and a country with regions: the walk's steps, read from the records.
    categorised = [record_id for record_id, meta in records.items() if meta.get("categories")]
    regions = sorted(meta["location"]["country"].lower() for meta in records.values()
                     if isinstance(meta.get("location"), dict) and meta["location"].get("country")
                     and meta["location"].get("admin1"))
    assert categorised and regions
    visit.open("index.html")
    shown = visit.page.locator(".incident-list .incident-title a").evaluate_all("links => links.map(a => a.href)")
    first = next(record_id for href in shown for record_id in categorised if f"/incidents/{record_id}/" in href)
    visit.follow(f".incident-list .incident-title a[href*='incidents/{first}/']")
    assert visit.path == f"incidents/{first}/index.html" and visit.page.locator("h1").count() == 1
    visit.follow("dd .terms a[href*='categories/']")
    assert visit.path.startswith("categories/")
    visit.follow(".site-nav a[href$='places/index.html']")
    visit.follow(f"main a[href='{regions[0]}/index.html']")
    assert visit.path == f"places/{regions[0]}/index.html"  # a country
    visit.follow(".term-cloud a")
    assert visit.path.startswith(f"places/{regions[0]}/") and visit.path.count("/") == 3  # one of its regions

    found, its_incident = word
    visit.open("search/index.html")
    visit.page.get_by_label("Words to find").fill(found)
    visit.page.locator("#search-progress", has_text="descriptions.").wait_for()  # the text shards are in
    expect(visit.page.locator("#search-results a")).to_have_count(1)
    expect(visit.page.locator("#search-count")).to_have_text("1 incident found.")
    expect(visit.page).to_have_url(ends_with(f"search/index.html?q={found}"))  # a search can be bookmarked
    visit.follow("#search-results a")
    assert visit.path == f"incidents/{its_incident}/index.html"

    assert visit.problems == []
    assert visit.outside_the_site() == []
    assert len(visit.requests) > 10


def test_a_bookmarked_search_with_filters_opens_as_it_was_left(visit, records, reference_archive):
    # The newest record with a region: a word of its title, its status, its region and its year.
    record = max((meta for meta in records.values() if isinstance(meta.get("location"), dict)
                  and meta["location"].get("admin1") and meta["location"].get("country")), key=lambda meta: str(meta["date"]))
    query = max(re.findall(r"[a-z]+", record["title"].lower()), key=len)
    status, year = record["status"], str(record["date"])[:4]
    place = f"{record['location']['country'].lower()}/{slugify(record['location']['admin1'])}"
    label = yaml.safe_load((reference_archive / "site.yaml").read_text(encoding="utf-8"))["statuses"][status]["label"]
    in_place = urllib.parse.quote(place, safe="")

    visit.open(f"search/index.html?q={query}&status={status}&place={in_place}")
    page = visit.page
    page.locator("#search-results li").first.wait_for()
    assert page.get_by_label("Words to find").input_value() == query
    assert page.get_by_label("Status").input_value() == status
    assert page.get_by_label("Place").input_value() == place
    badges = page.locator("#search-results .status").all_inner_texts()
    places = page.locator("#search-results .incident-meta").all_inner_texts()
    assert badges and set(badges) == {label}
    assert all(record["location"]["admin1"] in shown for shown in places)

    page.get_by_label("Status").select_option("")
    page.get_by_label("Year").select_option(year)
    expect(page).to_have_url(ends_with(f"search/index.html?q={query}&year={year}&place={in_place}"))
    page.locator("#search-results li").first.wait_for()
    assert all(year in shown for shown in page.locator("#search-results time").all_inner_texts())
    assert visit.problems == [] and visit.outside_the_site() == []


def test_search_works_from_the_keyboard_alone(visit, word):
    found, its_incident = word
    visit.open("search/index.html")
    page = visit.page
    page.locator("#search-progress", has_text="descriptions.").wait_for()
    page.get_by_label("Words to find").focus()
    page.keyboard.type(found)
    page.keyboard.press("Enter")  # submitting searches; it does not leave the page
    assert page.locator("#search-count").get_attribute("role") == "status"  # announced as it changes
    page.locator("#search-results a").first.wait_for()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert visit.path == f"incidents/{its_incident}/index.html"
    assert visit.problems == []


def test_a_long_result_list_grows_on_request(browser, corpus, built_corpus):
    """The police corpus (1,292 incidents, eight text shards), from disk: results come fifty at a time."""
    reported = [meta for meta, _ in front_matters(corpus).values()
                if meta.get("status") == "reported" and not meta.get("draft") and not meta.get("duplicate_of")]
    assert len(reported) > 100
    visit = Visit(browser, built_corpus.as_uri() + "/")
    try:
        visit.open("search/index.html?status=reported")
        page = visit.page
        page.locator("#search-progress", has_text="descriptions.").wait_for()  # all eight shards
        expect(page.locator("#search-count")).to_have_text(f"{len(reported):,} incidents found.")
        results = page.locator("#search-results > li")
        expect(results).to_have_count(50)
        page.get_by_role("button", name="Show more results").press("Enter")
        expect(results).to_have_count(100)
        expect(results.nth(50).locator("a")).to_be_focused()  # the first of the new results
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


def test_a_reader_follows_a_map_marker_and_a_timeline_bar_to_incidents(visit):
    visit.open("map/index.html")
    assert visit.page.locator(".map-frame img").evaluate("image => image.complete && image.naturalWidth > 0")
    visit.follow(".map-marks a[href*='incidents/']")
    assert visit.path.startswith("incidents/") and visit.page.locator(".locator .map-marks circle").count() == 1
    assert visit.page.locator(".locator img").evaluate("image => image.complete && image.naturalWidth > 0")

    visit.open("dates/index.html")
    visit.follow(".timeline-chart a")
    assert re.fullmatch(r"dates/\d{4}(/\d\d)?/index\.html", visit.path), visit.path
    visit.follow("main .incident-list a")
    assert visit.path.startswith("incidents/") and visit.page.locator("h1").count() == 1

    visit.open("index.html")
    visit.follow("main a[href^='dates/'][href$='/index.html']")  # a year of the home page's table or timeline
    assert visit.path.startswith("dates/")

    assert visit.problems == []
    assert visit.outside_the_site() == []


def test_the_police_corpus_map_and_timeline_lead_to_its_places_and_incidents(browser, built_corpus):
    """1,292 real records from disk: a numbered group leads to a place, a bar to a month, both to incidents."""
    visit = Visit(browser, built_corpus.as_uri() + "/")
    try:
        visit.open("map/index.html")
        visit.follow(".map-marks a[href*='places/']")
        assert visit.path.startswith("places/") and visit.page.locator(".map-marks a").count() > 0
        visit.follow(".map-marks a[href*='incidents/']")
        assert visit.path.startswith("incidents/")
        visit.open("dates/index.html")
        visit.follow(".timeline-chart a")
        visit.follow("main .incident-list a")
        assert visit.path.startswith("incidents/")
        assert visit.problems == [] and visit.outside_the_site() == []
    finally:
        visit.close()


def test_a_right_to_left_archive_is_mirrored(browser, tmp_path):
    """tests/fixtures/right-to-left (Arabic first) from disk: the page runs right to left, the map does not."""
    root = tmp_path / "right-to-left"
    shutil.copytree(FIXTURES / "right-to-left", root)
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    visit = Visit(browser, (root / "output").as_uri() + "/")
    try:
        visit.open("incidents/test-record/index.html")
        page = visit.page
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        title = page.locator("h1").bounding_box()
        main = page.locator("main").bounding_box()
        assert title and main and title["x"] + title["width"] > main["x"] + main["width"] - 40  # set against the right
        assert page.locator(".map-frame").evaluate("frame => getComputedStyle(frame).direction") == "ltr"
        visit.open("index.html")
        visit.follow(".language-switch a[hreflang='en']")
        assert visit.path == "en/index.html"
        assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
        assert visit.problems == [] and visit.outside_the_site() == []
    finally:
        visit.close()


@pytest.mark.reference_archive
def test_a_reader_switches_to_ukrainian_and_finds_bucha(visit, reference_archive):
    """The reference archive's Ukrainian side, from disk and under a sub-path: the switcher, then
    search in Ukrainian words, which finds the record translated from the seed report."""
    translated = sorted(path.name.removesuffix(".uk.md") for path in (reference_archive / "content/incidents").rglob("*.uk.md"))
    assert "bucha-yablunska-street-executions" in translated
    visit.open("index.html")
    visit.follow(".language-switch a[hreflang='uk']")
    assert visit.path == "uk/index.html" and visit.page.locator("html").get_attribute("lang") == "uk"
    visit.follow(".site-nav a[href$='search/index.html']")
    assert visit.path == "uk/search/index.html"
    visit.page.locator("#search-q").fill("Буча")
    visit.page.locator("#search-results a[href*='bucha-yablunska-street-executions']").wait_for()
    visit.follow("#search-results a[href*='bucha-yablunska-street-executions']")
    assert visit.path == "uk/incidents/bucha-yablunska-street-executions/index.html"
    visit.follow(".language-switch a[hreflang='en']")
    assert visit.path == "incidents/bucha-yablunska-street-executions/index.html"
    assert visit.problems == [] and visit.outside_the_site() == []
