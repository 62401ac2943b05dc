"""Feeds and publishing files: valid Atom (RFC 4287) and sitemaps (sitemaps.org), absolute and
stable addresses, dates only from the records, and the same bytes from every build."""

from __future__ import annotations

import datetime
import html.parser
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from conftest import CORPUS, FIXTURES, SITE_YAML, ArchiveFolder, run_cli
from incident_archive.outputs import feeds, publishing
from test_html_valid import JAVA, VNU_JAR

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# Jing, the RELAX NG validator, ships inside the Nu HTML Checker's jar.
JING = "nu.validator.vendor.thaiopensource.relaxng.util.Driver"
# .ci/run sets this, so that CI fails rather than skips when Java or the jar is missing.
REQUIRED = os.environ.get("INCIDENT_ARCHIVE_REQUIRE_VNU") == "1"

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAPS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# RFC 3339's date-time (section 5.6).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
MINIMAL_BASE = "https://example.org/archive/"


# --- helpers ---------------------------------------------------------------------------------

def atom_schema_errors(files: list[Path]) -> list[str]:
    """Jing's report of every feed against RFC 4287's RELAX NG schema; [] when all are valid."""
    if not (shutil.which("java") and VNU_JAR.is_file()):
        reason = "validating Atom needs java and `npm install` (Jing inside node_modules/vnu-jar)"
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    assert files, "no feed to validate"
    result = subprocess.run(
        [*JAVA, "-cp", str(VNU_JAR), JING, "-c", str(SCHEMAS / "atom.rnc"), *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert errors or result.returncode == 0, "Jing failed without saying why"
    return errors


def sitemap_schema(name: str):
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMAS / name), allow="local")  # never the network


def build_copy(tmp_path: Path, name: str = "minimal", *args: str) -> Path:
    """A copy of the minimal fixture archive, built; returns its output folder."""
    root = tmp_path / name
    shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns("output", ".cache"))
    code, output = run_cli("build", "--root", str(root), *args)
    assert code == 0, output
    return root / "output"


def page_file(out: Path, url: str, base: str) -> Path:
    """The file a public, pretty URL names: base/x/ → out/x/index.html."""
    assert url.startswith(base), url
    relative = url[len(base):]
    return out / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)


def entries(feed: Path) -> list[ElementTree.Element]:
    return ElementTree.parse(feed).getroot().findall(f"{ATOM}entry")


def entry_ids(feed: Path) -> list[str]:
    return [entry.findtext(f"{ATOM}id") for entry in entries(feed)]


def alternate(element: ElementTree.Element) -> str | None:
    links = [link for link in element.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
    return links[0].get("href") if links else None


def atom_rule_problems(out: Path, feed: Path, base: str, days: set[str]) -> list[str]:
    """What RFC 4287 requires (or this archive promises) that its schema cannot check.

    `days`: every day the archive's files name (record_days), which every timestamp must be.
    """
    problems = []
    root = ElementTree.parse(feed).getroot()
    relative = feed.relative_to(out).as_posix()

    def check_url(what: str, url: str | None) -> None:
        if not url or not url.startswith(base):
            problems.append(f"{relative}: {what} {url!r} is not an absolute URL under {base}")
        elif not page_file(out, url, base).is_file():
            problems.append(f"{relative}: {what} {url!r} names no file of the site")

    def check_time(what: str, text: str | None) -> None:
        if not text or not RFC3339.fullmatch(text):
            problems.append(f"{relative}: {what} {text!r} is not an RFC 3339 date-time")
            return
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))  # a real date, or this raises
        # The records give dates, never times: a time of day, or a day no file names, came from the clock.
        if not text.endswith("T00:00:00Z") or text[:10] not in days | {feeds.EMPTY_FEED_UPDATED[:10]}:
            problems.append(f"{relative}: {what} {text!r} is not a date any record gives")

    language = relative.split("/")[0] if (out / relative.split("/")[0] / "feed.xml").is_file() else "en"
    if root.get(XML_LANG) != language:  # a feed is in its site's language: uk/feed.xml in Ukrainian
        problems.append(f"{relative}: xml:lang is {root.get(XML_LANG)!r}")
    if not root.findtext(f"{ATOM}author/{ATOM}name"):
        problems.append(f"{relative}: the feed has no author, and its entries name none")
    check_url("feed id", root.findtext(f"{ATOM}id"))
    check_url("alternate link", alternate(root))
    self_links = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if self_links != [base + relative]:
        problems.append(f"{relative}: rel=self is {self_links}, not its own address")
    check_time("feed updated", root.findtext(f"{ATOM}updated"))
    found = root.findall(f"{ATOM}entry")
    if len(found) > feeds.FEED_SIZE:
        problems.append(f"{relative}: {len(found)} entries, more than {feeds.FEED_SIZE}")
    ids = [entry.findtext(f"{ATOM}id") for entry in found]
    if len(set(ids)) != len(ids):
        problems.append(f"{relative}: entry ids repeat")
    times = [entry.findtext(f"{ATOM}updated") for entry in found]
    if times != sorted(times, reverse=True):
        problems.append(f"{relative}: entries are not newest first")
    if root.findtext(f"{ATOM}updated") != (times[0] if times else feeds.EMPTY_FEED_UPDATED):
        problems.append(f"{relative}: the feed's updated is not its newest entry's")
    for entry, entry_id, time in zip(found, ids, times, strict=True):
        check_url("entry id", entry_id)
        check_time("entry updated", time)
        if alternate(entry) != entry_id:
            problems.append(f"{relative}: entry {entry_id}: its alternate link is {alternate(entry)!r}")
        for category in entry.findall(f"{ATOM}category"):
            check_url("category scheme", category.get("scheme"))
    return problems


def record_days(content: Path) -> set[str]:
    """Every date written in an archive's files, as the day feeds give it (a month: its first day)."""
    days = set()
    for path in content.rglob("*.md"):
        for year, month, day in re.findall(r"\b(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\b", path.read_text(encoding="utf-8")):
            days.add(f"{year}-{month or '01'}-{day or '01'}")
    return days


def feeds_expected(out: Path, taxonomies: tuple[str, ...]) -> set[str]:
    """The site's feed, and one beside each term's and place's first list page, in each language
    (a language after the first is a folder of the site's own, with its own feed.xml)."""
    expected = set()
    languages = [folder for folder in out.iterdir() if (folder / "feed.xml").is_file() and (folder / "places").is_dir()]
    for site in [out, *languages]:
        pages = [path for key in taxonomies for path in site.glob(f"{key}/*/index.html")]
        pages += [*site.glob("places/*/index.html"), *site.glob("places/*/*/index.html")]
        firsts = [path for path in pages if "page" not in path.relative_to(site).parts]
        expected |= {(folder / "feed.xml").relative_to(out).as_posix() for folder in [site, *(path.parent for path in firsts)]}
    return expected


def sitemap_urls(sitemap: Path) -> list[tuple[str, str | None]]:
    root = ElementTree.parse(sitemap).getroot()
    return [(url.findtext(f"{SITEMAPS}loc"), url.findtext(f"{SITEMAPS}lastmod")) for url in root.iter(f"{SITEMAPS}url")]


def pages_for_readers(out: Path) -> set[Path]:
    """Every HTML page but the 404 page and redirects (pages that stand for another)."""
    return {
        path for path in out.rglob("*.html")
        if path.name != "404.html" and 'http-equiv="refresh"' not in path.read_text(encoding="utf-8")
    }


class TagCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def write_archive(root: Path, site_yaml: str, incidents: dict[str, str]) -> ArchiveFolder:
    folder = ArchiveFolder(root)
    folder.write("site.yaml", site_yaml)
    for name, front in incidents.items():
        folder.incident(name, front)
    return folder


@pytest.fixture(scope="module")
def built_minimal(tmp_path_factory) -> Path:
    return build_copy(tmp_path_factory.mktemp("feeds"))


@pytest.fixture(params=["minimal", pytest.param("reference", marks=pytest.mark.reference_archive)])
def built_site(request) -> tuple[Path, str, Path]:
    """Each archive whose feeds and sitemap are checked: (output folder, base_url, content folder)."""
    if request.param == "minimal":
        return request.getfixturevalue("built_minimal"), MINIMAL_BASE, FIXTURES / "minimal" / "content"
    root = request.getfixturevalue("reference_archive")
    return request.getfixturevalue("built_reference"), base_url(root), root / "content"


def base_url(root: Path) -> str:
    return yaml.safe_load((root / "site.yaml").read_text(encoding="utf-8"))["base_url"]


# --- Atom ------------------------------------------------------------------------------------

@pytest.mark.slow  # Java
def test_feeds_are_valid_atom(built_site):
    out, _, _ = built_site
    assert atom_schema_errors(sorted(out.rglob("feed.xml"))) == []


@pytest.mark.slow  # Java
def test_the_atom_check_reports_an_invalid_feed(tmp_path):
    bad = tmp_path / "feed.xml"  # no id, and a date that is not a date-time
    bad.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><updated>2022-03-04</updated></feed>')
    errors = atom_schema_errors([bad])
    assert any("id" in line for line in errors) and any("2022-03-04" in line for line in errors)


def test_feeds_keep_the_rules_a_schema_cannot_check(built_site):
    out, base, content = built_site
    found = sorted(out.rglob("feed.xml"))
    assert {path.relative_to(out).as_posix() for path in found} == feeds_expected(out, ("categories", "perpetrators", "tags"))
    days = record_days(content)
    assert [problem for feed in found for problem in atom_rule_problems(out, feed, base, days)] == []


def test_real_corpus_feeds_are_valid(corpus, built_corpus):
    found = sorted(built_corpus.rglob("feed.xml"))
    assert len(found) > 100  # the site's, and one per term, country and state
    days = record_days(CORPUS / "content")
    base = base_url(corpus)
    assert [problem for feed in found for problem in atom_rule_problems(built_corpus, feed, base, days)] == []
    assert atom_schema_errors(found) == []


def test_the_site_feed_holds_every_incident_and_term_feeds_their_own(built_minimal):
    site = entry_ids(built_minimal / "feed.xml")
    assert sorted(site) == sorted(f"{MINIMAL_BASE}incidents/{name}/" for name in
                                  ("river-crossing", "market-day", "rumour", "detention-camp"))
    assert entry_ids(built_minimal / "categories/shelling/feed.xml") == [
        f"{MINIMAL_BASE}incidents/river-crossing/", f"{MINIMAL_BASE}incidents/market-day/"]
    assert entry_ids(built_minimal / "places/pl/feed.xml") == [f"{MINIMAL_BASE}incidents/rumour/"]
    shelling = ElementTree.parse(built_minimal / "categories/shelling/feed.xml").getroot()
    assert shelling.findtext(f"{ATOM}id") == f"{MINIMAL_BASE}categories/shelling/"
    assert shelling.findtext(f"{ATOM}title") == "Category: Shelling · Fixture archive"


NEWEST = """\
title: {title}
date: {date}
location: {{name: Irpin, admin1: Kyiv Oblast, country: UA}}
status: reported
sources: [https://example.org/a]
"""


def test_a_feed_orders_incidents_by_their_last_change(tmp_path):
    corrected = NEWEST.format(title="Old, corrected last", date="2020-01-05") + (
        "corrections:\n  - {date: 2023-06-01, note: The place was corrected.}\n")
    updated = NEWEST.format(title="Updated in a month", date="2021-03-03") + "updated: 2023-02\n"
    recent = NEWEST.format(title="Recent", date="2023-01-10") + "summary: What happened, in one sentence.\n"
    folder = write_archive(tmp_path / "a", SITE_YAML, {"corrected": corrected, "updated": updated, "recent": recent})
    assert folder.build()[0] == 0
    found = entries(folder.output / "feed.xml")
    assert [entry.findtext(f"{ATOM}title") for entry in found] == ["Old, corrected last", "Updated in a month", "Recent"]
    # A month's precision stands for the month's first day.
    assert [entry.findtext(f"{ATOM}updated") for entry in found] == [
        "2023-06-01T00:00:00Z", "2023-02-01T00:00:00Z", "2023-01-10T00:00:00Z"]
    root = ElementTree.parse(folder.output / "feed.xml").getroot()
    assert root.findtext(f"{ATOM}updated") == "2023-06-01T00:00:00Z"
    assert found[0].find(f"{ATOM}published") is None  # Atom's published is not the incident's date
    # No summary: one line from the date, the place and the status.
    assert found[0].findtext(f"{ATOM}summary") == "5 January 2020, Irpin, Kyiv Oblast, Ukraine. Status: Reported."
    assert found[2].findtext(f"{ATOM}summary") == "What happened, in one sentence."
    content = found[0].find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<li>1 June 2023: The place was corrected.</li>" in content.text
    assert '<a href="https://example.org/incidents/corrected/">' in content.text


def empty_feed(tmp_path: Path) -> tuple[Path, Path]:
    """(output folder, feed.xml) of an archive with no incident."""
    folder = write_archive(tmp_path / "a", SITE_YAML, {})
    assert folder.build()[0] == 0
    return folder.output, folder.output / "feed.xml"


def test_an_empty_archive_has_a_feed_dated_by_no_clock(tmp_path):
    out, feed = empty_feed(tmp_path)
    assert entries(feed) == []
    assert ElementTree.parse(feed).getroot().findtext(f"{ATOM}updated") == feeds.EMPTY_FEED_UPDATED
    assert atom_rule_problems(out, feed, "https://example.org/", set()) == []


@pytest.mark.slow  # Java
def test_an_empty_archive_has_a_valid_feed(tmp_path):
    assert atom_schema_errors([empty_feed(tmp_path)[1]]) == []


def test_a_feed_holds_the_newest_fifty(tmp_path, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_SIZE", 2)
    out = build_copy(tmp_path)
    assert entry_ids(out / "feed.xml") == [f"{MINIMAL_BASE}incidents/river-crossing/", f"{MINIMAL_BASE}incidents/market-day/"]
    assert len(entry_ids(out / "places/ua/feed.xml")) == 2


def test_feed_text_is_escaped_never_markup(tmp_path):
    hostile = '<script>alert(1)</script> & "quotes" ]]>'
    front = (f"title: {hostile!r}\ndate: 2022-03-04\nlocation: '<b>Bucha</b> & co'\nstatus: reported\n"
             "sources: [https://example.org/a]\ncategories: ['A&B <i>']\n"
             "corrections:\n  - {date: 2022-04-01, note: '<img src=x onerror=alert(1)>'}\n"
             "content_warning: '</p><script>x</script>'\n")
    folder = write_archive(tmp_path / "a", SITE_YAML, {"hostile": front})
    assert folder.build()[0] == 0
    [entry] = entries(folder.output / "feed.xml")  # parses: the XML is well formed
    assert entry.findtext(f"{ATOM}title") == hostile
    assert entry.find(f"{ATOM}category").get("term") == "A&B <i>"
    collector = TagCollector()
    collector.feed(entry.findtext(f"{ATOM}content"))
    assert {tag for tag, _ in collector.tags} <= {"p", "strong", "ul", "li", "a"}
    assert all(set(attrs) <= {"href"} for _, attrs in collector.tags)
    assert "&lt;img src=x onerror=alert(1)&gt;" in entry.findtext(f"{ATOM}content")


def test_entry_ids_stay_when_a_record_changes(tmp_path):
    root = tmp_path / "minimal"
    out = build_copy(tmp_path)
    before = entry_ids(out / "feed.xml")
    record = root / "content/incidents/2021/rumour.md"
    record.write_text(record.read_text(encoding="utf-8").replace("title:", "title: Renamed,", 1)
                      .replace("---\n", "---\nupdated: 2024-05-06\n", 1), encoding="utf-8")
    assert run_cli("build", "--root", str(root))[0] == 0
    after = entry_ids(out / "feed.xml")
    assert sorted(after) == sorted(before)
    assert after[0] == f"{MINIMAL_BASE}incidents/rumour/"  # its change makes it the newest


def test_two_builds_write_the_same_feeds_and_publishing_files(tmp_path):
    first = build_copy(tmp_path / "1")
    second = build_copy(tmp_path / "2", "minimal", "--jobs", "1")
    names = ("*.xml", "robots.txt", ".nojekyll")
    files = sorted({path.relative_to(first) for pattern in names for path in first.rglob(pattern)})
    assert len(files) > 10
    assert sorted({path.relative_to(second) for pattern in names for path in second.rglob(pattern)}) == files
    assert [path for path in files if (first / path).read_bytes() != (second / path).read_bytes()] == []


# --- sitemap, robots.txt, .nojekyll, CNAME ---------------------------------------------------------

def test_sitemap_is_valid_and_lists_every_page_for_readers(built_site):
    out, base, _ = built_site
    sitemap_schema("sitemap.xsd").validate(str(out / "sitemap.xml"))
    listed = [loc for loc, _ in sitemap_urls(out / "sitemap.xml")]
    assert all(loc.startswith(base) for loc in listed)
    assert len(set(listed)) == len(listed)
    files = [page_file(out, loc, base) for loc in listed]
    assert [path for path in files if not path.is_file()] == []
    assert set(files) == pages_for_readers(out)


def test_real_corpus_sitemap_is_valid(corpus, built_corpus):
    sitemap_schema("sitemap.xsd").validate(str(built_corpus / "sitemap.xml"))
    base = base_url(corpus)
    files = {page_file(built_corpus, loc, base) for loc, _ in sitemap_urls(built_corpus / "sitemap.xml")}
    assert files == pages_for_readers(built_corpus)


def test_sitemap_leaves_out_redirects_and_dates_pages_only_from_their_records(built_minimal):
    urls = dict(sitemap_urls(built_minimal / "sitemap.xml"))
    assert f"{MINIMAL_BASE}incidents/market-day-copy/" not in urls  # merged: a redirect
    assert f"{MINIMAL_BASE}incidents/crossing-shelling/" not in urls  # an old id: a redirect
    assert f"{MINIMAL_BASE}404.html" not in urls
    # The incident's `updated` (and corrections); the page's `updated`; no date for anything else.
    assert {loc: date for loc, date in urls.items() if date} == {
        f"{MINIMAL_BASE}incidents/river-crossing/": "2022-04-01",
        f"{MINIMAL_BASE}methodology/": "2024-01-15",
    }


@pytest.mark.parametrize("limit", ["MAX_URLS", "MAX_BYTES"])
def test_a_large_sitemap_is_split_under_an_index(tmp_path, monkeypatch, limit):
    whole = sitemap_urls(build_copy(tmp_path / "whole") / "sitemap.xml")
    monkeypatch.setattr(publishing, limit, 10 if limit == "MAX_URLS" else 1200)
    out = build_copy(tmp_path / "split")
    sitemap_schema("siteindex.xsd").validate(str(out / "sitemap.xml"))
    index = ElementTree.parse(out / "sitemap.xml").getroot()
    parts = [loc.text for loc in index.iter(f"{SITEMAPS}loc")]
    assert len(parts) > 1
    assert parts == [f"{MINIMAL_BASE}sitemap-{number}.xml" for number in range(1, len(parts) + 1)]
    listed = []
    for part in parts:
        path = page_file(out, part, MINIMAL_BASE)
        sitemap_schema("sitemap.xsd").validate(str(path))
        urls = sitemap_urls(path)
        assert len(urls) <= 10 if limit == "MAX_URLS" else path.stat().st_size <= 1200
        listed += urls
    assert listed == whole
    assert f"Sitemap: {MINIMAL_BASE}sitemap.xml\n" in (out / "robots.txt").read_text(encoding="utf-8")


def test_robots_txt_allows_all_and_names_the_sitemap(built_minimal):
    assert (built_minimal / "robots.txt").read_text(encoding="utf-8") == (
        f"User-agent: *\nAllow: /\n\nSitemap: {MINIMAL_BASE}sitemap.xml\n")


def test_nojekyll_is_there_and_empty(built_minimal):
    assert (built_minimal / ".nojekyll").read_bytes() == b""


def test_without_base_url_there_is_no_feed_and_no_sitemap(tmp_path):
    site_yaml = SITE_YAML.replace("base_url: https://example.org/\n", "")
    assert "base_url" not in site_yaml
    folder = write_archive(tmp_path / "a", site_yaml, {"one": NEWEST.format(title="One", date="2022-03-04")})
    assert folder.build()[0] == 0
    assert (folder.output / "index.html").is_file()
    assert sorted(path.name for path in folder.output.rglob("*.xml")) == []
    assert (folder.output / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nAllow: /\n"
    assert (folder.output / ".nojekyll").read_bytes() == b""
    assert not (folder.output / "CNAME").exists()


@pytest.mark.parametrize("base_url, domain", [
    ("https://archive.example.org/", "archive.example.org"),
    ("https://Archive.Example.org", "archive.example.org"),
    ("https://архив.example/", "xn--80aer5aza.example"),
    ("https://example.github.io/incident-archive/", None),  # GitHub's own address
    ("https://owner.github.io/", None),
    ("https://example.org/archive/", None),  # custom domains serve a Pages site at their root
    ("https://example.org:8443/", None),
    ("http://localhost/", None),
    ("http://127.0.0.1/", None),
    (None, None),
])
def test_cname_is_the_custom_domain_of_base_url(base_url, domain):
    assert publishing.cname(base_url) == domain


def test_cname_is_written_for_a_custom_domain_only(tmp_path, built_minimal):
    site_yaml = SITE_YAML.replace("https://example.org/", "https://archive.example.org/")
    folder = write_archive(tmp_path / "a", site_yaml, {"one": NEWEST.format(title="One", date="2022-03-04")})
    assert folder.build()[0] == 0
    assert (folder.output / "CNAME").read_text(encoding="ascii") == "archive.example.org\n"
    assert not (built_minimal / "CNAME").exists()  # https://example.org/archive/: under a path
