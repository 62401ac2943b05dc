"""Reader privacy: every page's Content-Security-Policy lets in the site's own files alone, and every link
to another host carries rel="noreferrer". Checked in the built files, then in a real browser (Debian's
chromium, driven by Playwright) on every page, from disk and under a sub-path over HTTP, and in `serve`."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import shutil
import threading
import time
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import FIXTURES, run_cli
from test_browser import SUB_PATH, Visit, chromium_in_its_own_thread
from test_serve import WAIT, Server

POLICY = "Content-Security-Policy"
# What the fixture archive gains here: a table with aligned columns (and a raw HTML one whose styles
# are hostile or oddly written), and links to other hosts in each way a description can write one.
TABLES_AND_LINKS = """
| Place | Killed | Injured |
|:------|:------:|--------:|
| Crossing | 3 | 12 |

<table><tr><td style="text-align: RIGHT">shouted</td><td style="color: red">coloured</td>
<td style="text-align:right; background: url(https://tracker.example/x)">tracked</td></tr></table>

Reported by https://example.org/bare, [a newspaper](https://example.com/story),
<a href="https://example.net/raw" rel="opener">raw HTML</a> and <a href="//example.com/no-scheme">no scheme</a>.
"""
# A violation of the policy, as the page itself is told of it: kept in the page, and logged as an
# error (which Visit collects, as it does chromium's own report of the violation).
CATCH_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(event.effectiveDirective);
  console.error(`CSP violation: ${event.effectiveDirective} refused ${event.blockedURI || "inline"}`);
});
"""


def with_tables_and_links(root: Path) -> Path:
    """tests/fixtures/minimal copied to root, with the table and links above and a repository to edit in."""
    shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns("output", ".cache"))
    record = root / "content" / "incidents" / "2022" / "river-crossing.md"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("\n[^1]:", TABLES_AND_LINKS + "\n[^1]:", 1), encoding="utf-8")
    with (root / "site.yaml").open("a", encoding="utf-8") as site:
        site.write("repository:\n  url: https://github.com/example/archive\n")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = with_tables_and_links(tmp_path_factory.mktemp("csp") / "archive")
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    return root / "output"


class _Page(HTMLParser):
    """What a page holds that the policy governs, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.in_head = False
        self.policies_in_head: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self.in_head = tag == "head" or (self.in_head and tag != "body")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == POLICY.lower() and self.in_head:
            self.policies_in_head.append(attributes.get("content") or "")
        if attributes.get("style") is not None:
            self.styles.append(attributes["style"] or "")

    def handle_endtag(self, tag):
        self.in_head = self.in_head and tag != "head"


def parsed(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def directives(policy: str) -> dict[str, list[str]]:
    return {name.lower(): sources for name, *sources in (part.split() for part in policy.split(";") if part.split())}


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert len(found) > 20
    return found


def test_every_page_carries_one_policy_before_anything_it_loads(site):
    [policy] = parsed(site / "index.html").policies_in_head
    for page in pages(site):  # the same one everywhere: 404.html and the redirects' small pages too
        html = parsed(page)
        assert html.policies_in_head == [policy], page
        loads = [index for index, (tag, attributes) in enumerate(html.tags)
                 if tag in ("script", "img", "link") and (attributes.get("src") or tag == "link")]
        meta = next(index for index, (tag, attributes) in enumerate(html.tags) if attributes.get("http-equiv") == POLICY)
        assert loads and meta < min(loads), page
    others = [path for path in site.rglob("*") if path.is_file() and path.suffix != ".html"]
    assert any(path.suffix == ".xml" for path in others)
    assert not [path for path in others if POLICY.encode() in path.read_bytes()]  # feeds, sitemaps, data: no HTML


def test_the_policy_lets_in_the_sites_own_files_alone(site):
    policy = directives(parsed(site / "index.html").policies_in_head[0])
    assert policy.pop("default-src") == ["'none'"]  # objects, frames, fonts, connections...: nothing
    assert policy.pop("base-uri") == ["'none'"]
    hashes = policy.pop("style-src-attr")
    assert hashes[0] == "'unsafe-hashes'" and all(source.startswith("'sha256-") for source in hashes[1:])
    # The site's own files: 'self' over HTTP, file: from disk (where Firefox's 'self' matches nothing).
    assert policy == {name: ["'self'", "file:"] for name in ("script-src", "style-src", "img-src", "form-action")}


def test_every_style_attribute_on_a_page_is_one_the_policy_allows_by_its_hash(site):
    allowed = set(directives(parsed(site / "index.html").policies_in_head[0])["style-src-attr"])
    styles = [style for page in pages(site) for style in parsed(page).styles]
    hashed = {style: "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"
              for style in styles}
    assert sorted(set(styles)) == ["text-align:center", "text-align:left", "text-align:right"]
    assert set(hashed.values()) <= allowed
    table = (site / "incidents" / "river-crossing" / "index.html").read_text(encoding="utf-8")
    assert '<td style="text-align:right">shouted</td><td>coloured</td>' in table  # written one way, and dropped
    assert '<td style="text-align:right">tracked</td>' in table and "tracker.example" not in table


def test_every_link_to_another_host_says_noreferrer(site):
    outbound = [(attributes["href"], attributes.get("rel") or "") for page in pages(site)
                for tag, attributes in parsed(page).tags if tag == "a" and urlsplit(attributes.get("href") or "").netloc]
    assert [(href, rel) for href, rel in outbound if "noreferrer" not in rel.split()] == []
    hrefs = {href for href, _ in outbound}
    # From the description, the sources, the archived copy, the repository and the footer.
    assert {"https://example.org/bare", "https://example.com/story", "https://example.net/raw",
            "https://example.com/no-scheme", "https://example.org/report-1",
            "https://web.archive.org/web/2022/https://example.org/report-1",
            "https://example.org/archive/report-an-error"} <= hrefs
    assert any(href.startswith("https://github.com/example/archive/edit/") for href in hrefs)
    assert 'rel="opener"' not in (site / "incidents" / "river-crossing" / "index.html").read_text(encoding="utf-8")


def test_no_page_holds_an_inline_script_style_or_handler(site):
    found = []
    for page in pages(site):
        for tag, attributes in parsed(page).tags:
            if tag == "style" or (tag == "script" and not attributes.get("src")):
                found.append(f"{page}: <{tag}> inline")
            found.extend(f"{page}: <{tag} {name}>" for name in attributes if name.startswith("on"))
            found.extend(f"{page}: <{tag} {name}> javascript:" for name, value in attributes.items()
                         if value and value.strip().lower().startswith("javascript:"))
    assert found == []


# In a browser


@pytest.fixture(scope="module")
def in_browser():
    """in_browser(site, action): action(Visit), in a fresh context that reports every violation of the policy."""
    with chromium_in_its_own_thread(lambda visit: visit.context.add_init_script(CATCH_VIOLATIONS)) as run:
        yield run


@pytest.fixture(scope="module")
def served(site):
    """The site over HTTP under /archive/, with 404.html (and its status) at every missing address, as
    GitHub Pages serves a project."""

    class LikeGitHubPages(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            if not path.startswith(SUB_PATH):
                return str(site / "no such file")
            return super().translate_path(path[len(SUB_PATH) - 1:])

        def send_error(self, code, message=None, explain=None):
            if code != HTTPStatus.NOT_FOUND:
                return super().send_error(code, message, explain)
            body = (site / "404.html").read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(LikeGitHubPages, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["file", "http"])
def address(request, site) -> str:
    """The site's root: the output folder from disk, then over HTTP under a sub-path."""
    return site.as_uri() + "/" if request.param == "file" else request.getfixturevalue("served")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return "file:" if parts.scheme == "file" else f"{parts.scheme}://{parts.netloc}"


def show(visit: Visit, path: str, html: str) -> None:
    """Open a page as a reader does, and wait for what it does by itself: a search loads every part of its
    index, an old address leads on to the record's page."""
    if path == "search/index.html":
        visit.open(path + "?q=crossing")
        visit.page.locator("#search-progress", has_text="descriptions.").wait_for()
        visit.page.locator("#search-results li").first.wait_for()
    elif 'http-equiv="refresh"' in html:
        visit.open(path)
        target = urljoin(visit.site + path, html.split('http-equiv="refresh" content="0; url=', 1)[1].split('"', 1)[0])
        visit.page.wait_for_url(target)
    else:
        visit.open(path)


@pytest.mark.slow
def test_every_page_keeps_to_its_policy_from_disk_and_over_http(in_browser, site, address):
    paths = [page.relative_to(site).as_posix() for page in pages(site)]

    def walk(visit: Visit) -> tuple[dict[str, list[str]], list[str]]:
        problems = {}
        for path in paths:
            seen = len(visit.problems)
            show(visit, path, (site / path).read_text(encoding="utf-8"))
            problems[path] = visit.problems[seen:]
            if path == "incidents/river-crossing/index.html":  # what the policy lets in works
                page = visit.page
                aligned = page.locator(".prose th").evaluate_all("cells => cells.map(c => getComputedStyle(c).textAlign)")
                problems[path] += [] if aligned == ["left", "center", "right"] else [f"table aligned {aligned}"]
                if not page.locator(".prose img").evaluate("image => image.complete && image.naturalWidth > 0"):
                    problems[path].append("the map was not shown")
                if page.locator(".skip-link").evaluate("link => getComputedStyle(link).position") != "absolute":
                    problems[path].append("the style sheet was not applied")
        if address.startswith("http"):  # a missing address, as the host answers it
            seen = len(visit.problems)
            visit.open("no/such/record/")
            problems["(missing)"] = [problem for problem in visit.problems[seen:] if "no/such/record/" not in problem]
        return problems, visit.requests

    problems, requests = in_browser(address, walk)
    if address.startswith("file"):
        # Opened from disk, 404.html asks for its style sheet and icon at file:///archive/static/, where
        # the host serves them (its links start at base_url's path): missing, not refused by the policy.
        problems = {path: [problem for problem in found if "file:///archive/static/" not in problem]
                    for path, found in problems.items()}
    assert {path: found for path, found in problems.items() if found} == {}
    assert {origin(url) for url in requests} == {origin(address)}


@pytest.mark.slow
def test_the_policy_refuses_what_the_site_does_not_ship(in_browser, address):
    """The policy is in force, and its violations are caught: a style, a script and an image of
    another host, put into a page after it was built, are refused."""

    def inject(visit: Visit):
        visit.open("incidents/river-crossing/index.html")
        visit.page.evaluate("""() => {
          document.body.setAttribute("style", "outline: 1px solid red");
          const script = document.createElement("script");
          script.textContent = "window.ran = true";
          document.body.append(script);
          new Image().src = "https://tracker.example/pixel.png";
        }""")
        visit.page.wait_for_function("window.violations.length >= 3")
        return sorted(visit.page.evaluate("window.violations")), visit.page.evaluate("window.ran"), visit.problems

    refused, ran, problems = in_browser(address, inject)
    assert refused == ["img-src", "script-src-elem", "style-src-attr"]
    assert ran is None
    assert "failed: https://tracker.example/pixel.png csp" in problems  # blocked before it left


@pytest.mark.slow
def test_the_preview_keeps_to_the_policy_with_its_live_reload_and_banner(in_browser, tmp_path):
    """serve lets livereload's script connect back to it, and styles its banner with a style sheet of
    its own, so that the page keeps the policy readers get."""
    root = with_tables_and_links(tmp_path / "archive")
    server = Server(root)
    page = "incidents/river-crossing/index.html"

    def preview(visit: Visit):
        greetings: list[str] = []
        visit.page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: greetings.append(frame)))
        visit.open(page)
        deadline = time.monotonic() + WAIT
        while not greetings:  # livereload's answer to its script's hello: the connection was allowed
            assert time.monotonic() < deadline, "livereload's script never connected"
            visit.page.wait_for_timeout(50)
        record = root / "content" / "incidents" / "2022" / "river-crossing.md"
        record.write_text(record.read_text(encoding="utf-8").replace("date: 2022-03-04", "date: 2022-02-30"),
                          encoding="utf-8")
        banner = visit.page.locator("#incident-archive-problems")
        banner.wait_for(timeout=WAIT * 1000)  # the page reloaded itself once the build had failed
        deadline = time.monotonic() + WAIT  # and its style sheet applied
        while banner.evaluate("banner => getComputedStyle(banner).borderTopColor") != "rgb(176, 0, 32)":
            assert time.monotonic() < deadline, "the banner was never styled"
            visit.page.wait_for_timeout(50)
        return visit.problems, visit.outside_the_site(), visit.page.evaluate("window.violations")

    try:
        problems, outside, violations = in_browser(f"http://127.0.0.1:{server.port}/", preview)
    finally:
        server.stop()
    assert (problems, outside, violations) == ([], [], [])
