"""The search index: head.js lists the parts, which hold every published incident once; the text shards hold
each description's words, in the shard of its id, so one edit rewrites one file; and the vendored MiniSearch is
the one recorded. How the parts follow the records' dates: test_search_parts.py."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO, TINY_PNG, VALID_FRONT, run_cli
from incident_archive.outputs.search import (
    FOLDED_AWAY,
    SHARD_RECORDS,
    distinct_words,
    fold,
    shard_count,
    shard_of,
    split_summary,
    words,
)

VENDOR = REPO / "templates" / "static" / "vendor"


def call_arguments(path: Path, function: str) -> list:
    """The arguments of the one window.IncidentArchiveSearch.<function>(...) call a search script makes."""
    text = path.read_text(encoding="utf-8")
    call = f"window.IncidentArchiveSearch.{function}("
    assert text.count(call) == 1 and text.endswith(");\n"), path
    return json.loads("[" + text[text.index(call) + len(call): -len(");\n")] + "]")


def read_index(output: Path) -> tuple[dict, list[dict], dict[int, dict[str, set[str]]]]:
    """(head.js's tables, the parts' records as dicts in the head's order, {shard number: {incident id: its words}}).

    A record's terms are (taxonomy, slug), read through its part's table of terms.
    """
    search = output / "search"
    head, parts = call_arguments(search / "head.js", "head")
    records = []
    for name, size in parts:
        about, rows = call_arguments(search / head["part"].replace("{part}", name), "records")
        assert about["part"] == name and len(rows) == size
        for row in rows:
            record = dict(zip(head["fields"], row, strict=True))
            records.append(record | {"terms": [tuple(about["terms"][number]) for number in record["terms"]]})
    shards = {}
    for number in range(head["shards"]):
        got, entries = call_arguments(search / head["text"].replace("{number}", str(number)), "text")
        assert got == number
        shards[number] = {incident_id: set(words.split()) for incident_id, words in entries}
    return head, records, shards


def term_names(head: dict, record: dict) -> set[str]:
    names = {(taxonomy["key"], slug): name for taxonomy in head["taxonomies"] for slug, name in taxonomy["terms"]}
    return {names[term] for term in record["terms"]}


# --- The records ----------------------------------------------------------------------------------

def test_records_list_exactly_the_published_incidents_newest_first(minimal):
    code, output = minimal.build()
    assert code == 0, output
    head, records, _ = read_index(minimal.output)
    # Not the draft (unfinished) nor the merged duplicate (market-day-copy).
    assert [record["id"] for record in records] == ["river-crossing", "market-day", "rumour", "detention-camp"]


def test_drafts_are_searchable_only_in_a_drafts_build(minimal):
    code, output = minimal.build("--drafts")
    assert code == 0, output
    _, records, shards = read_index(minimal.output)
    assert "unfinished" in [record["id"] for record in records]
    assert any("unfinished" in shard for shard in shards.values())


def test_a_record_holds_what_a_result_shows(minimal):
    code, output = minimal.build()
    assert code == 0, output
    head, records, _ = read_index(minimal.output)
    river = next(record for record in records if record["id"] == "river-crossing")
    assert river["title"] == "Shelling near the river crossing"
    assert (river["date"], river["when"]) == ("2022-03-04", "4–6 March 2022")  # at its precision, as pages show it
    assert river["place"] == "River crossing, North Region, Ukraine"
    assert river["where"] == "ua/north-region"
    assert river["status"] == "verified"
    assert "Shelling" in term_names(head, river)
    assert dict(head["statuses"])["verified"] == "Verified"
    market = next(record for record in records if record["id"] == "market-day")
    assert (market["date"], market["when"], market["where"]) == ("2022-03", "March 2022", "ua/north-region")
    rumour = next(record for record in records if record["id"] == "rumour")
    assert (rumour["where"], rumour["place"], rumour["terms"]) == ("pl", "Border post, Poland", [])


def test_records_link_to_pages_that_exist(minimal):
    """Result links, and the filters' places and terms, are the site's own pages, as seen from search/."""
    assert minimal.build()[0] == 0
    head, records, _ = read_index(minimal.output)
    search = minimal.output / "search"
    for record in records:
        assert (search / head["link"].replace("{id}", record["id"])).resolve().is_file()
        assert (minimal.output / "places" / record["where"] / "index.html").is_file()
    for taxonomy in head["taxonomies"]:
        for slug, _ in taxonomy["terms"]:
            assert (minimal.output / taxonomy["key"] / slug / "index.html").is_file()
    for taxonomy, slug in {term for record in records for term in record["terms"]}:
        assert (minimal.output / taxonomy / slug / "index.html").is_file()


class _Filters(HTMLParser):
    """The search page's <select name> → its option values."""

    def __init__(self):
        super().__init__()
        self.options: dict[str, list[str]] = {}
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.select = attrs["name"]
            self.options[self.select] = []
        elif tag == "option":
            self.options[self.select].append(attrs["value"])


def test_the_pages_filters_are_the_values_records_hold(minimal):
    assert minimal.build()[0] == 0
    head, records, _ = read_index(minimal.output)
    parser = _Filters()
    parser.feed((minimal.output / "search" / "index.html").read_text(encoding="utf-8"))
    filters = parser.options
    assert filters["status"] == ["", "reported", "corroborated", "verified", "contested", "retracted"]
    assert filters["year"] == ["", "2022", "2021"]
    assert filters["place"] == ["", "pl", "ua", "ua/north-region", "ua/south-region"]
    for taxonomy in head["taxonomies"]:
        assert filters[taxonomy["key"]] == [""] + [slug for slug, _ in taxonomy["terms"]]
    assert {record["where"] for record in records} <= set(filters["place"])


def test_long_summaries_are_cut_and_their_rest_searched_in_the_text(archive):
    summary = "Opening words of a long summary. " * 6 + "Farewellword closes it."
    archive.incident("long", VALID_FRONT + f"summary: {summary}\n")
    assert archive.build()[0] == 0
    _, records, shards = read_index(archive.output)
    shown = records[0]["summary"]
    assert shown.endswith("…") and len(shown) <= 161 and summary.startswith(shown[:-1])
    assert "farewellword" in shards[0]["long"]


def test_split_summary_cuts_after_a_whole_word():
    assert split_summary(None) == ("", "")
    assert split_summary("Short.") == ("Short.", "")
    shown, rest = split_summary("word " * 40)
    assert shown == ("word " * 32).strip() + "…" and rest.split() == ["word"] * 8
    assert split_summary("x" * 200) == ("x" * 160 + "…", "x" * 40)  # a script written without spaces


# --- The text shards --------------------------------------------------------------------------------

def test_shards_hold_every_published_incident_once_in_the_shard_of_its_id(built_corpus):
    head, records, shards = read_index(built_corpus)
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)) == 1292
    assert len(shards) == shard_count(1292) == 8
    placed = [(number, incident_id) for number, shard in shards.items() for incident_id in shard]
    assert sorted(incident_id for _, incident_id in placed) == sorted(ids)
    assert all(number == shard_of(incident_id, len(shards)) for number, incident_id in placed)
    assert sorted(path.name for path in (built_corpus / "search").glob("text-*.js")) == sorted(
        head["text"].replace("{number}", str(number)) for number in range(head["shards"]))


def test_a_description_word_is_in_its_incidents_shard(archive):
    archive.write("content/media/map.png", TINY_PNG)
    archive.incident("bridge", VALID_FRONT, body=(
        "Witnesses saw the Zyxwvut bridge fall at 06:40; <b>no</b> one in Чупахівка was hurt.\n\n"
        "Smith &amp; Sons' trucks (two of them) were *not* there.\n\n"
        "![Aerial photograph of the crossing](../../media/map.png)\n"))
    archive.incident("other", VALID_FRONT, body="Nothing alike.\n")
    assert archive.build()[0] == 0
    _, _, shards = read_index(archive.output)
    words = shards[shard_of("bridge", len(shards))]["bridge"]
    assert {"zyxwvut", "чупахівка", "witnesses", "smith", "sons", "trucks", "aerial", "photograph"} <= words
    assert not {"no", "at", "06", "40", "of", "amp", "b", "img", "alt", "png"} & words  # short words, markup
    assert "zyxwvut" not in shards[shard_of("other", len(shards))]["other"]


def test_distinct_words_split_where_search_js_splits_and_are_folded():
    # Split at everything but letters, digits and marks (spaces, punctuation, symbols); folded (lower
    # case, no accents), once each; entities decoded; Indic vowel signs stay in their word.
    html = ('<p>Don’t <em>re</em>-enter! Café CAFÉ café 50$ a+b नमस्ते Київ КИЇВ Señora حَلَب</p>'
            '<p title="a > titleword">x&#8217;s ő&amp;q</p><img src="x.png" alt="Hidden &quot;caption&quot;">')
    assert distinct_words(html) == sorted({"don", "enter", "cafe", "नमस्ते", "киів", "senora", "حلب", "hidden", "caption"})


def test_words_are_folded_so_that_any_spelling_finds_them():
    assert words("Київ і Харків — Kharkív's café, a+b 50$ حَلَب") == [
        "Київ", "і", "Харків", "Kharkív", "s", "café", "a", "b", "50", "حَلَب"]
    assert fold("КИЇВ") == fold("київ") and fold("Kharkív") == fold("KHARKIV") == "kharkiv"
    assert fold("Señora") == "senora" and fold("Núñez") == "nunez" and fold("İstanbul") == "istanbul"
    assert fold("حَلَب") == fold("حلب") == "حلب" and fold("حـلـب") == "حلب"  # harakat and tatweel go
    assert fold("می\u200cخواهم") == "میخواهم" and fold("\u200fسلام") == "سلام"  # and invisible format characters
    assert fold("नमस्ते") == "नमस्ते" and fold("काम") != fold("कम") and fold("ガ") != fold("カ")  # vowel signs stay


def test_search_js_splits_and_folds_with_the_same_characters():
    """The browser test compares the two on sample text; this, that the character lists are the same."""
    code = (REPO / "templates" / "static" / "search.js").read_text(encoding="utf-8")
    assert "const WORD = /[\\p{L}\\p{N}\\p{M}\\p{Cf}]+/gu;" in code
    listed = re.search(r"const FOLDED_AWAY = /\[(.*?)\\p\{Cf\}\]/gu;", code).group(1)
    ranges = [(int(low, 16), int(high or low, 16)) for low, high in re.findall(r"\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?", listed)]
    assert "".join(f"\\u{low:04x}" + (f"-\\u{high:04x}" if high != low else "") for low, high in ranges) == listed
    assert sorted(ranges) == sorted(FOLDED_AWAY)


def test_shard_count_grows_by_doubling():
    sizes = (0, 1, SHARD_RECORDS, SHARD_RECORDS + 1, 2 * SHARD_RECORDS + 1, 10_000)
    assert [shard_count(size) for size in sizes] == [1, 1, 1, 2, 4, 64]


def test_a_record_stays_in_its_shard_or_its_half_when_the_count_doubles():
    ids = [f"incident-{n}" for n in range(500)]
    for count in (1, 2, 4, 32):
        assert all(shard_of(i, 2 * count) in (shard_of(i, count), shard_of(i, count) + count) for i in ids)
    assert len({shard_of(i, 4) for i in ids}) == 4


# --- Incremental and deterministic --------------------------------------------------------------------

@pytest.fixture
def two_shard_archive(archive):
    """An archive just large enough for two shards."""
    for number in range(SHARD_RECORDS + 20):
        archive.incident(f"incident-{number:03d}", VALID_FRONT.replace("A valid incident", f"Incident {number}"),
                         body=f"The description of incident {number}, with word{number}.\n")
    return archive


def search_files(output: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((output / "search").iterdir())}


def test_one_edit_rewrites_one_search_file(two_shard_archive):
    archive = two_shard_archive
    assert archive.build()[0] == 0
    before = search_files(archive.output)
    assert sorted(before) == ["head.js", "index.html", "records-2022.js", "text-0.js", "text-1.js"]

    path = archive.root / "content/incidents/2022/incident-007.md"
    path.write_text(path.read_text(encoding="utf-8").replace("with word7.", "with wordseven."), encoding="utf-8")
    assert archive.build()[0] == 0
    after_body = search_files(archive.output)
    assert [name for name in before if before[name] != after_body[name]] == [f"text-{shard_of('incident-007', 2)}.js"]
    assert "wordseven" in read_index(archive.output)[2][shard_of("incident-007", 2)]["incident-007"]

    path = archive.root / "content/incidents/2022/incident-008.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Incident 8", "Incident eight"), encoding="utf-8")
    assert archive.build()[0] == 0
    after_title = search_files(archive.output)
    assert [name for name in before if after_body[name] != after_title[name]] == ["records-2022.js"]


@pytest.mark.slow  # a build over four worker processes
def test_two_builds_write_the_same_index(two_shard_archive, tmp_path):
    """A clean build in one process and one over workers: byte for byte the same search files."""
    root = str(two_shard_archive.root)
    assert run_cli("build", "--root", root, "--out", str(tmp_path / "one"), "--jobs", "1")[0] == 0
    assert run_cli("build", "--root", root, "--out", str(tmp_path / "two"), "--jobs", "4", "--clean")[0] == 0
    assert search_files(tmp_path / "one") == search_files(tmp_path / "two")


# --- The vendored library -------------------------------------------------------------------------------

def test_vendored_minisearch_is_the_recorded_release():
    recorded = dict(re.findall(r"^([a-z0-9-]+): (.+)$", (VENDOR / "README.txt").read_text(encoding="utf-8"), re.M))
    assert (recorded["name"], recorded["version"]) == ("minisearch", "7.2.0")
    assert recorded["source"].startswith("https://registry.npmjs.org/minisearch/-/minisearch-7.2.0.tgz")
    assert re.fullmatch(r"[0-9a-f]{64}", recorded["tarball-sha256"])
    assert hashlib.sha256((VENDOR / recorded["file"]).read_bytes()).hexdigest() == recorded["file-sha256"]
    licence = (VENDOR / "minisearch.LICENSE.txt").read_text(encoding="utf-8")
    assert "Permission is hereby granted, free of charge" in licence


def test_the_search_page_loads_minisearch_and_the_index_with_script_elements(minimal):
    assert minimal.build()[0] == 0
    html = (minimal.output / "search" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script defer src="([^"]+)"></script>', html)
    assert scripts == ["../static/vendor/minisearch.js", "../static/search.js", "head.js"]  # no part: search.js adds them
    assert all((minimal.output / "search" / script).resolve().is_file() for script in scripts)
    # Nothing the browser would refuse from file://.
    code = (REPO / "templates" / "static" / "search.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", code, flags=re.S)  # its comments say what it never uses
    assert "IncidentArchiveSearch" in code
    assert not re.search(r"\b(fetch|XMLHttpRequest|import|Worker|WebAssembly)\b", code)
