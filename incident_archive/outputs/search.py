"""Render stage: search that works offline: the search page, and its index as scripts (a head, parts of records, text shards).

A browser opening the site from disk (file://) refuses fetch and XHR, so the index is JavaScript that
the page loads with <script> elements, and MiniSearch (vendored in the theme) indexes it in the browser:

- search/head.js: what every part needs and the page reads first: the records' field names, the
  link pattern, the statuses, the term table, the text shards, and the parts, newest first, with
  how many records each holds;
- search/records-YYYY.js or records-YYYY-MM.js: the parts. One array per published incident (title,
  date, place, status, terms, the summary's first SUMMARY_CHARS characters), enough to search and
  show results at once. The page adds the parts one after another, newest first (those of the year
  its year filter names first), indexing each as it arrives, so that search works from the first;
- search/text-N.js: each description's distinct words, folded (and those of the rest of a long summary), in
  shards the page loads one after another once the parts are in, so a slow connection can search
  before the descriptions arrive.

Parts by date, not by position in the newest-first list, so that editing or adding a record rewrites
its own part (and the head's count of it), never the others. A year is one part while it holds at most
PART_RECORDS records, and is split by month beyond that (records-2022-03.js; its records known only to
the year stay in records-2022.js): a part stays small enough to be the first load, whatever the
archive's size, and only a year crossing the threshold is written again whole. Every published record
has a date, so every record has a year. A part's records name their terms by taxonomy and slug through
a table of the part's own (slugs come from the record's own spelling), and its token is made of its
records' digests alone (with the language and the page's prefix, which every part shares): a new term,
or another spelling becoming the commoner one, changes the head's names, not the parts. At 150,000
synthetic incidents (144 parts of 967 to 1,109 records, 71 to 82 KB gzip each), the head is 9 KB, 2 KB
gzip, of which the table of the 223 terms' names is 1.2 KB: a term table kept whole in the head costs
about 6 bytes gzip a term.

An incident's shard is fixed by a hash of its id, so editing one description rewrites one shard; the
number of shards is a power of two that follows the archive's size, so it changes (and every shard
with it) only when the archive doubles or halves.
"""

from __future__ import annotations

import functools
import hashlib
import html as html_entities
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .. import i18n, render, urls
from ..config import Config
from ..incremental import Generated
from ..model import Archive, Incident, digest
from ..render import BodyRef, PageSpec

PAGE = "search/index.html"
HEAD = "search/head.js"
RECORD_FIELDS = ("id", "title", "date", "when", "place", "where", "status", "terms", "summary")
# A year with more records than this is split by month. About 70 KB gzip at most for a year's part
# of the benchmark's records (70 bytes each), which the page indexes in about 50 ms: the first part
# is what a reader waits for.
PART_RECORDS = 1000
SHARD_RECORDS = 256  # at most this many descriptions per shard, at least half as many (one shard below that)
SHORTEST_WORD = 3  # shorter words ("of", "a") are left out of the description text
# A result shows a summary's start; the rest goes to the text shards. Whole summaries were half of
# the records, the part of the index every search waits for.
SUMMARY_CHARS = 160


def outputs(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path, prefix: str = "",
            translated: frozenset[str] | None = None, words: i18n.Words | None = None,
            texts_of: frozenset[str] | None = None) -> Iterator[PageSpec | Generated]:
    """The search page and its index, in one language (`words`, the default's if None): in a
    language other than the default (`prefix` "uk/"), a record not in `translated` is found in its
    original words and leads to its original's page.

    With `texts_of`, only the text shards that hold those records: all that an edit of their
    descriptions alone changes (the page, the head and the records parts read front matter only).
    """
    words = words or i18n.words(config.language, ())
    config = config.in_language(words)
    shards = _shards(archive.newest_first)
    if texts_of is not None:
        yield from _texts(archive, bodies, shards, [number for number, ids in enumerate(shards) if not texts_of.isdisjoint(ids)])
        return
    yield _page(archive, config, words)
    parts = record_parts(archive)
    yield _head(archive, config, parts, len(shards), prefix, translated, words)
    lookups = _Lookups(archive, config)
    for name, in_part in parts:
        yield _part(name, in_part, archive, config, lookups, prefix, translated, words)
    yield from _texts(archive, bodies, shards, range(len(shards)))


def _texts(archive: Archive, bodies: dict[str, BodyRef], shards: list[list[str]],
           numbers: Iterable[int]) -> Iterator[Generated]:
    for number in numbers:
        ids = shards[number]
        rests = (split_summary(archive.incidents[incident_id].summary)[1] for incident_id in ids)
        members = [(incident_id, bodies[incident_id], rest) for incident_id, rest in zip(ids, rests, strict=True)]
        yield _text(number, len(shards), members)


def _page(archive: Archive, config: Config, words: i18n.Words) -> PageSpec:
    return PageSpec(PAGE, "search.html", {
        "title": words.gettext("Search"), "total": len(archive.incidents), "head_script": HEAD,
        "statuses": [(status, len(archive.statuses[status.key])) for status in config.statuses],
        "years": tuple((year, counted + uncounted) for year, counted, uncounted in reversed(archive.years)),
        "taxonomies": [(taxonomy, archive.taxonomies[taxonomy.key]) for taxonomy in config.taxonomies],
        "countries": archive.countries,
        **render.site_navigation(archive, config, words),  # the header and footer every HTML page has
    })


# --- Shards ---------------------------------------------------------------------------------------

def shard_count(incidents: int) -> int:
    """The fewest shards, a power of two, that keeps each under SHARD_RECORDS descriptions (on average).

    A power of two so that when the archive doubles, each shard splits in two (a hash modulo 2n is
    the same hash modulo n, or that plus n): the count never changes for one added record except at
    a doubling, and nothing else moves a record from its shard.
    """
    count = 1
    while count * SHARD_RECORDS < incidents:
        count *= 2
    return count


def shard_of(incident_id: str, count: int) -> int:
    """A stable hash (not Python's hash(), which changes with each process)."""
    return int.from_bytes(hashlib.blake2b(incident_id.encode(), digest_size=8).digest(), "big") % count


def _shards(ids: tuple[str, ...]) -> list[list[str]]:
    count = shard_count(len(ids))
    shards: list[list[str]] = [[] for _ in range(count)]
    for incident_id in sorted(ids):
        shards[shard_of(incident_id, count)].append(incident_id)
    return shards


def text_path(number: int | str) -> str:
    return f"search/text-{number}.js"


# --- Parts ----------------------------------------------------------------------------------------

def record_parts(archive: Archive) -> list[tuple[str, tuple[str, ...]]]:
    """(the part's name, its incident ids newest first), newest part first: "2022" for a year of at
    most PART_RECORDS records; beyond that, "2022-12" … "2022-01", then "2022" for those known only
    to the year (which come last in the year, newest first). Their concatenation is newest_first."""
    parts: list[tuple[str, tuple[str, ...]]] = []
    incidents = archive.incidents
    for year, in_year in itertools.groupby(archive.newest_first, key=lambda i: incidents[i].date.year):
        ids = tuple(in_year)
        if len(ids) <= PART_RECORDS:
            parts.append((f"{year:04d}", ids))
            continue
        for month, in_month in itertools.groupby(ids, key=lambda i: incidents[i].date.month):
            parts.append((f"{year:04d}-{month:02d}" if month else f"{year:04d}", tuple(in_month)))
    return parts


def part_path(name: str) -> str:
    return f"search/records-{name}.js"


# --- head.js --------------------------------------------------------------------------------------

def _head(archive: Archive, config: Config, parts: list[tuple[str, tuple[str, ...]]], shards: int, prefix: str,
          translated: frozenset[str] | None, words: i18n.Words) -> Generated:
    """Made here, small (tables and a line per part): its token is its bytes' digest."""
    script = head_script(archive, config, parts, shards, prefix, translated)
    return Generated(HEAD, digest(HEAD, prefix, words.code, script.decode("utf-8")), lambda body_html: script,
                     whole_archive=True)


def head_script(archive: Archive, config: Config, parts: list[tuple[str, tuple[str, ...]]], shards: int,
                prefix: str = "", translated: frozenset[str] | None = None) -> bytes:
    """window.IncidentArchiveSearch.head({tables}, [[part, its records], ...]): the parts newest first."""
    search_page = urls.Links(prefix + PAGE, prefix=prefix)
    head = {
        "fields": RECORD_FIELDS if translated is None else (*RECORD_FIELDS, "lang"),
        # Pages and parts are linked from search/, whatever the layout urls.py gives them.
        "link": search_page.here(urls.incident("{id}")),
        "part": search_page.here(part_path("{part}")),
        "text": search_page.here(text_path("{number}")), "shards": shards,
        "statuses": [[status.key, status.label] for status in config.statuses],
        "taxonomies": [{"key": taxonomy.key, "terms": [[group.slug, group.name] for group in archive.taxonomies[taxonomy.key]]}
                       for taxonomy in config.taxonomies],
    }
    if translated is not None:
        head["original"] = search_page.to(urls.incident("{id}"))
    return _script("the tables, and each part's number of records", head, "head",
                   [_js([name, len(ids)]) for name, ids in parts])


# --- records-*.js ---------------------------------------------------------------------------------

class _Lookups:
    """Each record's place in the place filter and its terms, read from the archive's indexes once,
    by the first part made (a build that makes no part does not read them)."""

    def __init__(self, archive: Archive, config: Config):
        self._archive, self._config = archive, config

    @functools.cached_property
    def places(self) -> dict[str, str]:
        """incident id → "ua" or "ua/kyiv-oblast", the value of its place in the page's place filter."""
        keys: dict[str, str] = {}
        for country in self._archive.countries:
            keys |= dict.fromkeys(country.ids, country.slug)
            for region in country.children:
                keys |= dict.fromkeys(region.ids, f"{country.slug}/{region.slug}")
        return keys

    @functools.cached_property
    def terms(self) -> dict[str, list[tuple[str, str]]]:
        """incident id → its terms as (taxonomy, slug), in the taxonomies' order, then the slugs'
        (not the names': which spelling names a term depends on the other records)."""
        terms: dict[str, list[tuple[str, str]]] = {}
        for taxonomy in self._config.taxonomies:
            for group in self._archive.taxonomies[taxonomy.key]:
                for incident_id in group.ids:
                    terms.setdefault(incident_id, []).append((taxonomy.key, group.slug))
        order = _term_order(self._config)
        return {incident_id: sorted(found, key=order) for incident_id, found in terms.items()}


def _part(name: str, ids: tuple[str, ...], archive: Archive, config: Config, lookups: _Lookups, prefix: str,
          translated: frozenset[str] | None, words: i18n.Words) -> Generated:
    path = part_path(name)
    languages = ("" if translated is None else _original_language(archive.incidents[i], config, translated) for i in ids)
    token = digest(path, prefix, words.code, str(translated is None),
                   *(f"{archive.incidents[i].digest}\0{language}" for i, language in zip(ids, languages, strict=True)))
    # Made in this process: the lookups read every record once for all the parts, where each worker
    # would read them all again (and, forked, copy the archive).
    return Generated(path, token, lambda body_html: part_script(name, ids, archive, config, lookups, translated, words),
                     whole_archive=True)


def part_script(name: str, ids: tuple[str, ...], archive: Archive, config: Config, lookups: _Lookups,
                translated: frozenset[str] | None = None, words: i18n.Words | None = None) -> bytes:
    """window.IncidentArchiveSearch.records({"part": name, "terms": [[taxonomy, slug], ...]}, [record, ...]).

    Records are arrays (their field names, once, in the head), and terms are numbers into the part's
    own table of the terms its records have: a tenth of the size of objects that repeat every key
    and term, and nothing in the part that another record could change.
    """
    words = words or i18n.words(config.language, ())
    used = sorted({term for i in ids for term in lookups.terms.get(i, ())}, key=_term_order(config))
    numbers = {term: number for number, term in enumerate(used)}
    lines = [_js([*_record(archive.incidents[i], config, [numbers[term] for term in lookups.terms.get(i, ())],
                           lookups.places.get(i, ""), words),
                  *([] if translated is None else [_original_language(archive.incidents[i], config, translated)])])
             for i in ids]
    return _script(f"the records of {name}", {"part": name, "terms": used}, "records", lines)


def _term_order(config: Config) -> Callable[[tuple[str, str]], tuple[int, str]]:
    position = {taxonomy.key: number for number, taxonomy in enumerate(config.taxonomies)}
    return lambda term: (position[term[0]], term[1])


def _original_language(incident: Incident, config: Config, translated: frozenset[str]) -> str:
    """The language a record's words are in, where it is not the page's: "" when translated."""
    return "" if incident.id in translated else (incident.lang or config.language)


def _record(incident: Incident, config: Config, terms: list[int], place: str, words: i18n.Words) -> list:
    return [incident.id, config.shown_title(incident), incident.date.iso(), words.date_range(incident.date, incident.date_end),
            render.place_line(incident.location, config), place, incident.status, terms, split_summary(incident.summary)[0]]


def split_summary(summary: str | None) -> tuple[str, str]:
    """(what a record shows: up to SUMMARY_CHARS characters, cut after a word, with "…"; the rest)."""
    summary = summary or ""
    if len(summary) <= SUMMARY_CHARS:
        return summary, ""
    whole_words = re.match(rf"(.{{1,{SUMMARY_CHARS}}})(?=\s)", summary, re.DOTALL)
    shown = whole_words.group(1) if whole_words else summary[:SUMMARY_CHARS]  # a script without spaces
    return shown.rstrip(" ,;:") + "…", summary[len(shown):]


# --- text-N.js ------------------------------------------------------------------------------------

def _text(number: int, count: int, members: list[tuple[str, BodyRef, str]]) -> Generated:
    """members: (incident id, its body, the rest of its summary), in the order to write them."""
    path = text_path(number)
    token = digest(path, str(count),
                   *(f"{incident_id}\0{body.html_digest}\0{rest}" for incident_id, body, rest in members))
    keys = [(incident_id, body.key, rest) for incident_id, body, rest in members]
    return Generated(path, token, lambda body_html: text_script(number, count, keys, body_html))


def text_script(number: int, count: int, keys: list[tuple[str, str, str]], body_html: Callable[[str], str]) -> bytes:
    """window.IncidentArchiveSearch.text(N, [[id, "distinct words"], ...]): one shard of descriptions.

    keys: (incident id, its body's key in the cache, the rest of its summary), in the order to write them.
    """
    lines = [_js([incident_id, " ".join(distinct_words(body_html(key), rest))]) for incident_id, key, rest in keys]
    return _script(f"text, shard {number + 1} of {count}", number, "text", lines)


def distinct_words(html: str, more_text: str = "") -> list[str]:
    """The words of a converted body (and of more_text), folded, once each, sorted: what the browser's index needs.

    Words as search.js makes them (see words and fold), so the browser finds in the text exactly the
    words made here; words shorter than SHORTEST_WORD once folded are left out.
    """
    folded = {fold(word) for word in set(words(f"{_visible_text(html)} {more_text}"))}
    return sorted(word for word in folded if len(word) >= SHORTEST_WORD)


# --- Words and folding: the same rules as templates/static/search.js (words, fold) ------------------
#
# THE TWO MUST AGREE. The text shards hold words split and folded here; the browser splits and folds
# the records, and every query, in search.js; a word folded one way on one side and another way on the
# other is never found. Change both together (tests/test_search_unicode.py compares them in a browser).
# They can only differ on characters that one side's Unicode tables know and the other's do not yet.


def words(text: str) -> list[str]:
    """The words of text, as written: runs of letters, digits, combining marks and invisible format characters.

    Letters of every script are word characters (Cyrillic, Arabic, accented Latin); everything else
    (spaces, punctuation, symbols) separates words. The same as search.js's WORD: /[\\p{L}\\p{N}\\p{M}\\p{Cf}]+/u.
    """
    return text.translate(_WORD_BREAKS).split()


def fold(word: str) -> str:
    """A word as it is indexed and searched: lower case, without diacritics ("Kharkív" → "kharkiv").

    Lower-cased, decomposed (NFD), stripped of the marks in FOLDED_AWAY and of format characters,
    recomposed (NFC). Only diacritics that readers type or leave out at will are stripped (accents,
    Cyrillic breves and diaereses, Arabic harakat, Hebrew points): the vowel signs of Indic or Thai
    script are letters in all but name, and stripping them would make different words one.
    """
    if word.isascii():
        return word.lower()  # most words: the same result, about ten times faster
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", word.lower()).translate(_FOLDED_AWAY))


# Code point ranges whose characters fold() strips (with every format character, Cf): search.js's
# FOLDED_AWAY lists the same ranges.
FOLDED_AWAY = (
    (0x0300, 0x036F),  # combining diacritical marks: accents of Latin, Greek and Cyrillic letters after NFD
    (0x0483, 0x0489),  # Cyrillic combining marks (titlo, ...)
    (0x0591, 0x05C7),  # Hebrew cantillation marks and points (niqqud)
    (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED), (0x08D3, 0x08FF),  # Arabic harakat, Quranic marks
    (0x0640, 0x0640),  # Arabic tatweel, which only stretches a word
    (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),  # more combining diacritical marks
)


class _CharacterTable(dict):
    """A str.translate table computed one character at a time, as text meets them (all of Unicode, no up-front cost)."""

    def __init__(self, replace: Callable[[int], int | str | None]):
        super().__init__()
        self._replace = replace

    def __missing__(self, code: int) -> int | str | None:
        self[code] = replacement = self._replace(code)
        return replacement


def _is_word_character(code: int) -> bool:
    category = unicodedata.category(chr(code))
    return category[0] in "LNM" or category == "Cf"


_WORD_BREAKS = _CharacterTable(lambda code: code if _is_word_character(code) else " ")
_FOLDED_AWAY = _CharacterTable(lambda code: None if unicodedata.category(chr(code)) == "Cf"
                               or any(low <= code <= high for low, high in FOLDED_AWAY) else code)


# A tag of sanitised HTML, whose serialiser quotes every attribute value with " and escapes each
# "<" of the text; a ">" inside a value (title="a > b") is taken whole with its value.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ALT = re.compile(r'\salt="([^"]*)"')


def _visible_text(html: str) -> str:
    """The text of sanitised HTML, with images' alt text; entities decoded.

    Regular expressions rather than html.parser, five times slower: the HTML is the sanitiser's
    own output (every value quoted, no comments), which these read exactly. Every tag separates
    words ("<li>one</li><li>two</li>" is two words).
    """
    return html_entities.unescape(_TAG.sub(_tag_as_text, html))


def _tag_as_text(tag: re.Match) -> str:
    alt = _ALT.search(tag.group()) if tag.group().startswith("<img") else None
    return f" {alt.group(1)} " if alt else " "


# --- Writing the scripts ---------------------------------------------------------------------------

def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _script(what: str, head, call: str, lines: list[str]) -> bytes:
    """A script calling the search page's registration function, one record per line (readable diffs)."""
    return (
        f"/* The archive's search index: {what}. Made by incident_archive/outputs/search.py. */\n"
        f"window.IncidentArchiveSearch.{call}({_js(head)}, [\n" + ",\n".join(lines) + "\n]);\n"
    ).encode("utf-8")
