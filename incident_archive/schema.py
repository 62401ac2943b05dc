"""Validate stage: the front-matter fields of an incident, each declared once, and RawFile → Incident / Page.

INCIDENT_FIELDS is the one place a field of an incident is declared: its rule, its help, its
columns in the flat tables and its label on the page. The checks, `new`'s template, the open data
(JSON, its JSON Schema, CSV, GeoJSON), the page and the front-matter reference
(docs/front-matter.md) all read it there, as Zola reads its front-matter struct.
"""

from __future__ import annotations

import dataclasses
import decimal
import functools
import operator
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .content import INCIDENTS_DIR, RawFile
from .countries import COUNTRY_CODES
from .fields import (
    INVALID,
    Choice,
    CountField,
    Date,
    Field,
    Flag,
    ListOf,
    Number,
    Pattern,
    Record,
    Sink,
    Slug,
    Spot,
    Text,
    Url,
    Whole,
)
from .media import is_image
from .model import Casualties, Correction, Incident, Location, Page, Problem, Source, Translation
from .names import MAX_SLUG_LENGTH, did_you_mean, id_from_path, slugify, too_long

if TYPE_CHECKING:  # config.py reserves the declared names, so it imports this module, not the reverse
    from .config import Config, Taxonomy

SOURCE_TYPES = ("news", "official", "court", "ngo", "witness", "video", "photo", "social", "other")
PRECISIONS = ("exact", "approximate", "settlement", "region")
# The decimals a coordinate keeps at each precision, in every file the site publishes (pages, open
# data, search, feeds); coordinates given without a precision are taken as exact.
PUBLISHED_DECIMALS = {"exact": 4, "approximate": 3, "settlement": 2, "region": 1}
_DISTANCES = {4: "about 10 m", 3: "about 100 m", 2: "about 1 km", 1: "about 10 km"}
RESERVED_IDS = frozenset({"page"})  # incidents/page/N/: the old numbered pages, which lead to the list


class Country(Text):
    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        if value.upper() not in COUNTRY_CODES:
            return spot.error(f"'{value}' is not an ISO 3166-1 alpha-2 country code{did_you_mean(value.upper(), COUNTRY_CODES)}")
        return value.upper()

    def json_schema(self, defs):
        return {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"}

    def describe(self):
        return "a country's two-letter code (ISO 3166-1 alpha-2: `UA`, `US`, ...)"


class Place(Record):
    """A location, with a warning where the file holds coordinates more precise than its precision.

    The site rounds them either way (published_location): the warning is for the file itself, which
    is public wherever the repository is.
    """

    def clean(self, value, spot):
        place = super().clean(value, spot)
        if not isinstance(place, dict):
            return place
        precision = place.get("precision") or "exact"
        kept = PUBLISHED_DECIMALS[precision]
        for key in ("lat", "lon"):
            if key in place and _decimals(place[key]) > kept:
                spot.at(key).warning(
                    f"{place[key]!r} has {_decimals(place[key])} decimals, more than precision {precision} publishes "
                    f"({kept}: {_DISTANCES[kept]}): the site shows {round(place[key], kept)!r}. Round it in the file "
                    f"(never give the exact place of a home or shelter), or set precision to what it really is")
        return place


def _decimals(number: float) -> int:
    written = repr(number)
    if "e" not in written:  # 50.45, 50.0: the digits after the point, trailing zeros aside
        return len(written.partition(".")[2].rstrip("0"))
    exponent = decimal.Decimal(written).normalize().as_tuple().exponent  # 1e-05
    return max(0, -exponent) if isinstance(exponent, int) else 0


def published_location(place: dict) -> Location:
    """The location as the site publishes it: its coordinates rounded to its precision, or none if hidden."""
    if place.get("hide_coordinates"):
        return Location(**{**place, "lat": None, "lon": None})
    if "lat" not in place:
        return Location(**place)
    kept = PUBLISHED_DECIMALS[place.get("precision") or "exact"]
    return Location(**{**place, "lat": round(place["lat"], kept), "lon": round(place["lon"], kept)})


class Language(Pattern):
    """A language tag such as en or uk, by the rule site.yaml's language follows.

    The rule is config.py's, read when first used: config.py imports this module (for the names
    the fields reserve), so this module cannot import it while being imported.
    """

    def __init__(self, **kwargs):
        Text.__init__(self, **kwargs)
        self.expected = "a language tag such as en or uk"

    @property
    def pattern(self) -> re.Pattern[str]:
        return _language_tag()


@functools.cache
def _language_tag() -> re.Pattern[str]:
    from .config import LANGUAGE_TAG

    return re.compile(LANGUAGE_TAG)


class Term(Text):
    """A taxonomy term: free text, or one of the vocabulary when the taxonomy is closed."""

    def __init__(self, vocabulary: tuple[str, ...] = (), **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = vocabulary

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        if not slugify(value):
            return spot.error(f"'{value}' has no letters or digits to name its page by")
        if len(slugify(value)) > MAX_SLUG_LENGTH:
            return spot.error(too_long(value))
        if self.vocabulary and value not in self.vocabulary:
            return spot.error(f"unknown term '{value}'{did_you_mean(value, self.vocabulary)}; "
                              "add it to site.yaml's vocabulary first")
        return value

    def json_schema(self, defs):
        return {"enum": list(self.vocabulary)} if self.vocabulary else super().json_schema(defs)

    def describe(self):
        return f"one of {', '.join(f'`{term}`' for term in self.vocabulary)}" if self.vocabulary else "text"


class MediaFile(Text):
    """A file of content/media/, by its path there (bucha/yard.jpg); whether it exists is the link stage's question."""

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        if value.startswith("content/media/"):
            return spot.error(f"give the path inside content/media/ only: '{value.removeprefix('content/media/')}'")
        if "\\" in value:
            return spot.error(f"'{value}': separate folders with /, as in bucha/yard.jpg")
        if value.startswith("/") or re.match(r"[A-Za-z]:", value):
            return spot.error(f"'{value}' is an absolute path: give the file's path inside content/media/, as in bucha/yard.jpg")
        if any(part in ("", ".", "..") for part in value.split("/")):
            return spot.error(f"'{value}' is not a plain path: give the file's path inside content/media/, "
                              "as in bucha/yard.jpg, without . or .. or //")
        return value

    def json_schema(self, defs):
        return {"type": "string", "pattern": "^[^/\\\\]+(/[^/\\\\]+)*$",
                "description": "The file's path inside the site's media/ folder."}

    def describe(self):
        return "a file's path inside `content/media/` (`bucha/yard.jpg`), which must exist"


class MediaItem(Record):
    """One item of `media`; an image needs its alt text, which screen readers read in its place."""

    def clean(self, value, spot):
        cleaned = super().clean(value, spot)
        written = {self.shorthand: value} if isinstance(value, str) and self.shorthand else value
        if isinstance(cleaned, dict) and isinstance(written, dict) and written.get("alt") is None \
                and is_image(cleaned.get("file") or ""):
            spot.at("alt").error("is required for an image: describe the image for readers who cannot see it")
        return cleaned

    def describe(self):
        return super().describe() + "; `alt` is required for an image"


# The declarations

@dataclass(frozen=True)
class Column:
    """One column of the flat tables: the CSV's, and a GeoJSON feature's property when named there."""

    name: str
    value: Callable[[Incident, Config], object]  # a date, a list (terms) or a plain value
    geojson: str | None = None  # its name among the GeoJSON properties; None: in the CSV only


@dataclass(frozen=True)
class Declared:
    """One front-matter field of an incident, and everything every output needs to know of it."""

    name: str
    # The rule that checks it; a function of the config when site.yaml gives its vocabulary.
    validator: Field | Callable[[Config], Field]
    # `new`'s comment above the field, and its text in the front-matter reference.
    help: str
    # The page lists it among the record's facts under this label; None: the page shows it in a
    # place of its own (the title, the place, the sources...), or not at all.
    label: str | None = None
    # Its CSV columns; None: one column named after the field, holding its value.
    columns: tuple[Column, ...] | None = None
    geojson: bool = False  # that one column is also a GeoJSON property
    for_maintainers: bool = False  # `new`'s template leaves it, empty, with the maintainers' fields
    published: bool = True  # in the open data (duplicate_of is not: a merged record is never published)
    always: bool = False  # in every published record, written or not (the id, made from the file name)
    data_note: str | None = None  # the JSON Schema's description, where the data's form needs one
    taxonomy: Taxonomy | None = None  # set on the fields that site.yaml's taxonomies make

    def bound(self, config: Config) -> Declared:
        """The declaration with its rule for this archive."""
        if isinstance(self.validator, Field):
            return self
        return dataclasses.replace(self, validator=self.validator(config))

    @property
    def rule(self) -> Field:
        """The validator, once bound to an archive's config (as incident_fields gives them)."""
        assert isinstance(self.validator, Field), f"{self.name}'s rule depends on site.yaml: bind it first"
        return self.validator

    @property
    def flat_columns(self) -> tuple[Column, ...]:
        if self.columns is not None:
            return self.columns
        return (Column(self.name, functools.partial(_value_of, self.name), self.name if self.geojson else None),)

    @property
    def names(self) -> frozenset[str]:
        """The names it takes in the front matter and the open data."""
        return frozenset({self.name, *(column.name for column in self.flat_columns),
                          *(column.geojson for column in self.flat_columns if column.geojson)})

    @functools.cached_property
    def read(self) -> Callable[[Incident], object]:
        """Its value in a record: incident.get(name), or the taxonomy's terms."""
        return operator.methodcaller("terms_of" if self.taxonomy else "get", self.name)

    def json_schema(self, defs: dict) -> dict:
        schema = self.rule.json_schema(defs)
        return {**schema, "description": self.data_note} if self.data_note else schema


def _value_of(name: str, incident: Incident, config: Config):
    return incident.get(name)


@dataclass(frozen=True)
class Taxonomies:
    """Where the fields of site.yaml's taxonomies sit among the others: a list of terms each."""

    help: str

    def declared(self, config: Config) -> Iterator[Declared]:
        for taxonomy in config.taxonomies:
            vocabulary = tuple(term for term, _ in taxonomy.definitions)
            terms = functools.partial(_terms_of, taxonomy.key)
            yield Declared(taxonomy.key, ListOf(Term(vocabulary)), self.help, taxonomy=taxonomy,
                           columns=(Column(taxonomy.key, terms, geojson=taxonomy.key),),
                           data_note=f"{taxonomy.title}, as the record spells them.")


def _terms_of(key: str, incident: Incident, config: Config) -> tuple[str, ...]:
    return incident.terms_of(key)


def _status(config: Config) -> Field:
    keys = [status.key for status in config.statuses]
    return Choice(keys, required=True, help=f"one of {', '.join(keys)}")


def _casualty_columns() -> Iterator[Column]:
    for kind in ("killed", "injured"):
        for end in ("low", "high"):
            yield Column(f"{kind}_{end}", functools.partial(_figure, kind, end), geojson=f"{kind}_{end}")


def _figure(kind: str, end: str, incident: Incident, config: Config) -> int | None:
    count = getattr(incident.casualties, kind) if incident.casualties else None
    return getattr(count, end) if count else None


# A record's period: its date_end is a column of its date's, where it was first published.
DATE_COLUMNS = (
    Column("date_start", lambda incident, config: incident.date, geojson="date"),
    Column("date_end", lambda incident, config: incident.date_end, geojson="date_end"),
    Column("date_precision", lambda incident, config: incident.date.precision),
    Column("year", lambda incident, config: incident.date.year, geojson="year"),
)
PLACE_COLUMNS = (
    Column("country", lambda incident, config: incident.location.country, geojson="country"),
    Column("country_name", lambda incident, config: incident.location.country and config.country_name(incident.location.country)),
    Column("admin1", lambda incident, config: incident.location.admin1, geojson="admin1"),
    Column("admin2", lambda incident, config: incident.location.admin2),
    Column("location", lambda incident, config: incident.location.name, geojson="location"),
    Column("latitude", lambda incident, config: incident.location.lat),
    Column("longitude", lambda incident, config: incident.location.lon),
    Column("geo_precision", lambda incident, config: incident.location.precision, geojson="geo_precision"),
)
SOURCE_COLUMNS = (
    Column("source_count", lambda incident, config: len(incident.sources)),
    Column("source_urls", lambda incident, config: " ".join(source.url for source in incident.sources if source.url)),
    Column("sources_withheld", lambda incident, config: incident.withheld_sources),
)
MEDIA_COLUMNS = (
    Column("media_count", lambda incident, config: len(incident.get("media") or ())),
    Column("media_files", lambda incident, config: tuple(item["file"] for item in incident.get("media") or ())),
)

# Every front-matter field of an incident, in the order of the front-matter reference and of the
# JSON. A plain field added here reaches every output: the checks, `new`'s template, the JSON and
# its schema, the CSV (and GeoJSON with geojson=True), the page (with a label) and the reference.
INCIDENT_FIELDS: tuple[Declared | Taxonomies, ...] = (
    Declared("id", Slug(), "The id, when it must differ from the file name (which gives the default, "
             "transliterated to ASCII). The page is incidents/<id>/; an id never changes once published, "
             "and page is reserved.",
             for_maintainers=True, always=True),
    Declared("title", Text(required=True), "What happened, and where, in a few words.", geojson=True),
    Declared("date", Date(required=True, help="YYYY-MM-DD, YYYY-MM or YYYY"),
             "When: YYYY-MM-DD, or YYYY-MM or YYYY when the sources give no more. Never guess a day.",
             columns=DATE_COLUMNS),
    Declared("date_end", Date(), "The last day, for an incident that lasted several days (same form as date).",
             columns=()),
    Declared("location", Place({
        "name": Text(required=True),
        "admin1": Term(),  # names a place page
        "admin2": Text(),
        "country": Country(),
        "lat": Number(-90, 90),
        "lon": Number(-180, 180),
        "precision": Choice(PRECISIONS),
        "hide_coordinates": Flag(),
    }, shorthand="name", paired=("lat", "lon"), name="location", required=True, help="at least a place name"),
        "Where. name is required; admin1 is the region and country a two-letter code (UA, US, ...): they give "
        "the place pages. precision sets the decimals published everywhere: exact 4 (about 10 m), approximate 3, "
        "settlement 2, region 1 (the site rounds, and check warns of more in the file). Never the exact "
        "coordinates of a home or shelter: round them and set precision to settlement or region; "
        "hide_coordinates: true publishes none (the record still counts in its place).", columns=PLACE_COLUMNS),
    Declared("status", _status, "How far the evidence goes; the maintainers confirm it when they review.",
             geojson=True),
    Declared("sources", ListOf(Record({
        "url": Url(untracked=True),
        "description": Text(),
        "title": Text(),
        "publisher": Text(),
        "date": Date(),
        "archived_url": Url(untracked=True),
        "accessed": Date(),
        "type": Choice(SOURCE_TYPES),
        "language": Language(),
        "sha256": Pattern(r"[0-9a-fA-F]{64}", "a SHA-256 checksum (64 hexadecimal digits)"),
        "private": Flag(),
    }, shorthand="url", one_of_required=("url", "description"), name="source"),
        min_items=1, required=True, help="at least one source"),
        "At least one. A web address (url); for a source with no address, a description instead. The page "
        "shows them as a numbered list. archived_url is a saved copy (Wayback Machine, archive.today): site.yaml "
        "says which statuses need one. private: true keeps a source (a witness, a private message) off the "
        "site: it is checked, and the page only says how many are withheld. Leave out tracking parameters "
        "(utm_*, fbclid, si, igsh...).",
        columns=SOURCE_COLUMNS),
    Taxonomies("Its terms, as a list: [first, second]. Each term gets a page; a taxonomy whose terms "
               "site.yaml lists accepts only those."),
    Declared("casualties", Record({"killed": CountField(), "injured": CountField()}),
             'Figures as the sources give them: a whole number, or a range in quotes ("8-10") when they differ. '
             'A range is kept, and shown as a range.',
             columns=tuple(_casualty_columns())),
    Declared("related", ListOf(Slug()), "Ids of related incidents in this archive (their file names without .md); "
             "each page lists the other.", columns=()),
    Declared("summary", Text(), "One or two sentences, shown in lists and feeds."),
    Declared("content_warning", Text(), "Shown before the description when it describes death, injury or abuse "
             "in detail; the description then stays closed until the reader opens it.", columns=()),
    Declared("media", ListOf(MediaItem({
        "file": MediaFile(required=True),
        "alt": Text(),
        "caption": Text(),
        "credit": Text(),
        "licence": Text(),
        "graphic": Flag(),
        "metadata_checked": Flag(),
    }, shorthand="file", name="media_item")),
        "Files of content/media/ the page shows, each as a list item: file (its path there, bucha/yard.jpg), alt "
        "(what an image shows, for readers who cannot see it: required for images), caption, credit and licence. "
        "graphic: true hides it until the reader opens it. Images are published without their metadata (GPS "
        "position, camera); any other file only once a maintainer has removed its metadata (mat2, exiftool) and "
        "set metadata_checked: true.",
        columns=MEDIA_COLUMNS,
        data_note="Files of the site's media/ folder, each at media/<file> from the site's root; images as published, "
                  "without their metadata."),
    Declared("updated", Date(), "The date of the last change of substance.", for_maintainers=True),
    Declared("corrections", ListOf(Record({"date": Date(required=True), "note": Text(required=True)})),
             "A date and a note for each correction of a published fact, shown on the page.",
             columns=(Column("corrections_count", lambda incident, config: len(incident.corrections)),),
             for_maintainers=True),
    Declared("previous_ids", ListOf(Slug()), "Ids this record had before: their old pages redirect here, and "
             "none can be used again.", columns=(), for_maintainers=True),
    Declared("lang", Language(), "The record's language, when it is not the archive's (a BCP 47 tag such as en "
             "or uk).",
             columns=()),
    Declared("draft", Flag(), "true keeps the record out of the published site while it is being written (it "
             "is still checked; build --drafts shows it).",
             columns=(), data_note="Only in a build made with --drafts."),
    Declared("duplicate_of", Slug(), "The id of the record this one was merged into: its page redirects there, "
             "and it is left out of lists and counts.", columns=(), for_maintainers=True, published=False),
)

# The names a taxonomy of site.yaml or a page cannot take (config.RESERVED_NAMES): the fields', and
# their columns' in the open data.
FIELD_NAMES = frozenset().union(*(field.names for field in INCIDENT_FIELDS if isinstance(field, Declared)))


def incident_fields(config: Config) -> tuple[Declared, ...]:
    """The declared fields as this archive has them: site.yaml's vocabularies, and its taxonomies' fields in their place."""
    fields: list[Declared] = []
    for entry in INCIDENT_FIELDS:
        fields.extend(entry.declared(config) if isinstance(entry, Taxonomies) else [entry.bound(config)])
    return tuple(fields)


def incident_schema(config: Config) -> Record:
    return Record({field.name: field.rule for field in incident_fields(config)})


PAGE_SCHEMA = Record({
    "id": Slug(),
    "title": Text(required=True),
    "summary": Text(),
    "menu": Whole(help="position in the site's navigation"),
    "draft": Flag(),
    "lang": Language(),
    "updated": Date(),
})


# What a translation (bucha.uk.md) may hold: the original's text in its language, and two fields
# of its own. Every other field of a record or a page is a fact, which only the original gives.
TRANSLATION_SCHEMA = Record({
    "title": Text(),
    "summary": Text(),
    "location": Record({"name": Text()}, shorthand="name"),
    "content_warning": Text(),
    "corrections": ListOf(Record({"note": Text(required=True)})),
    "media": ListOf(Record({"caption": Text(), "alt": Text()})),
    "translated_from": Pattern(r"[0-9a-fA-F]{12}", "the 12 hexadecimal digits `check` gives for the original's text"),
    "machine_translated": Flag(),
})
PAGE_TRANSLATION_SCHEMA = Record({key: TRANSLATION_SCHEMA.fields[key]
                                  for key in ("title", "summary", "translated_from", "machine_translated")})
# The parts of a record's fields that are text, and so translated: the rest of each is a fact.
_TEXT_PARTS = {"location": ("name",), "corrections": ("note",), "media": ("caption", "alt")}


@functools.cache
def _fact_parts(name: str) -> frozenset[str]:
    """The keys of a declared field's mapping (or of its list's items) that are not text."""
    rule = next(field.validator for field in INCIDENT_FIELDS if isinstance(field, Declared) and field.name == name)
    rule = rule.item if isinstance(rule, ListOf) else rule
    return frozenset(rule.fields) - set(_TEXT_PARTS[name]) if isinstance(rule, Record) else frozenset()


def validate_translation(raw: RawFile, original: str, language: str, config: Config) -> tuple[Translation | None, list[Problem]]:
    """A translation's text (None if the file has errors) and its problems: every fact it holds is an
    error at its line, since the facts are the original's alone."""
    sink = Sink(raw.path, raw.lines)
    spot = Spot(sink)
    is_incident = original.startswith(INCIDENTS_DIR + "/")
    schema = TRANSLATION_SCHEMA if is_incident else PAGE_TRANSLATION_SCHEMA
    facts = {field.name for field in incident_fields(config)} if is_incident else set(PAGE_SCHEMA.fields)
    written = _text_only(raw.meta or {}, spot, facts, set(schema.fields), original, language)
    data = schema.clean(written, spot)
    if isinstance(data, dict) and "title" not in data:
        spot.at("title").warning("is not translated: the page shows the original's title; add a title: in "
                                 f"{language}")
    if sink.has_errors or not isinstance(data, dict):
        return None, sink.problems
    return Translation(
        path=raw.path, original=original, lang=language, body=raw.body_source, digest=raw.digest,
        title=data.get("title"), summary=data.get("summary"), location_name=data.get("location", {}).get("name"),
        content_warning=data.get("content_warning"),
        notes=tuple(item["note"] for item in data.get("corrections", ())),
        media=tuple((item.get("caption"), item.get("alt")) for item in data.get("media", ())),
        translated_from=data["translated_from"].lower() if "translated_from" in data else None,
        machine_translated=data.get("machine_translated", False), lines=raw.lines.top_level(),
    ), sink.problems


def _text_only(meta: dict, spot: Spot, facts: set[str], allowed: set[str], original: str, language: str) -> dict:
    """The front matter without its facts, each reported where it is written."""
    fact = f"a translation holds only text; the facts come from the original, {original}"
    kept = {}
    for key, value in meta.items():
        key = str(key)
        if key == "lang":
            spot.at(key).error(f"a translation's language is in its file name ({language}): remove this line")
        elif key in facts and key not in allowed:
            spot.at(key).error(fact)
        elif key in _TEXT_PARTS and key in allowed:
            kept[key] = _text_parts(key, value, spot.at(key), fact)
        else:
            kept[key] = value
    return kept


def _text_parts(key: str, value, spot: Spot, fact: str):
    """A location, a list of corrections or of media, without the parts that are facts (each reported)."""
    parts = _TEXT_PARTS[key]
    if key == "location":
        return _mapping_text(value, spot, key, fact) if isinstance(value, dict) else value
    if not isinstance(value, list):
        return value
    items = []
    for index, item in enumerate(value):
        if isinstance(item, str) and key == "media":  # a file's path, as the original's list may give it
            spot.at(index).error(f"{fact}: give the item's {' and '.join(parts)} only, as {{caption: ...}}")
            item = {}
        items.append(_mapping_text(item, spot.at(index), key, fact) if isinstance(item, dict) else item)
    return items


def _mapping_text(value: dict, spot: Spot, name: str, fact: str) -> dict:
    kept = {}
    for key, item in value.items():
        if str(key) in _fact_parts(name):
            spot.at(str(key)).error(fact)
        else:
            kept[key] = item  # text, or an unknown key, which the schema warns of with a "did you mean"
    return kept


def validate_incident(raw: RawFile, schema: Record, config: Config) -> tuple[Incident | None, str | None, list[Problem]]:
    """The Incident (None if the file has errors), its id (None if it has none) and the file's problems."""
    sink = Sink(raw.path, raw.lines)
    spot = Spot(sink)
    data = schema.clean(raw.meta, spot)
    record_id = _record_id(raw, data, spot)
    _check_consistency(raw.path, data, spot, record_id)
    _check_preservation(data, spot, config)
    if sink.has_errors or record_id is None:
        return None, record_id, sink.problems
    return _make_incident(raw, data, record_id, config), record_id, sink.problems


def validate_page(raw: RawFile) -> tuple[Page | None, list[Problem]]:
    sink = Sink(raw.path, raw.lines)
    spot = Spot(sink)
    data = PAGE_SCHEMA.clean(raw.meta, spot)
    page_id = _record_id(raw, data, spot)
    if sink.has_errors or page_id is None:
        return None, sink.problems
    page = Page(id=page_id, path=raw.path, title=data["title"], body=raw.body_source, digest=raw.digest,
                summary=data.get("summary"), menu=data.get("menu"), draft=data.get("draft", False),
                lang=data.get("lang"), updated=data.get("updated"))
    return page, sink.problems


def _record_id(raw: RawFile, data: dict, spot: Spot) -> str | None:
    """The explicit id, or the file name transliterated (буча.md → bucha)."""
    if "id" in data:
        record_id = data["id"]
    elif (raw.meta or {}).get("id") is not None:
        return None  # an id was given but is invalid: already reported
    else:
        record_id = id_from_path(raw.path)
        if not record_id:
            spot.at("id").error("cannot be made from this file name; add an id: field")
            return None
        if len(record_id) > MAX_SLUG_LENGTH:
            spot.at("id").error(f"the file name makes an id of {len(record_id)} characters; at most "
                                f"{MAX_SLUG_LENGTH} are allowed: shorten the file name, or add a shorter id: field")
            return None
    if record_id in RESERVED_IDS:
        spot.at("id").error(f"'{record_id}' is reserved by the site; choose another id")
        return None
    return record_id


def _check_consistency(path: str, data: dict, spot: Spot, record_id: str | None) -> None:
    """Rules that join two fields, or a field and the file's place."""
    date, date_end = data.get("date"), data.get("date_end")
    # Compared as periods: an end known only to its month (2022-03) may still be after a start
    # known to the day (2022-03-04); it is wrong only if all of it is before all of the start.
    if date and date_end and date_end.last_day < date.first_day:
        spot.at("date_end").error(f"{date_end} is before the date {date}")
    if record_id and data.get("duplicate_of") == record_id:
        spot.at("duplicate_of").error("a record cannot be a duplicate of itself")
    if record_id and record_id in data.get("previous_ids", ()):
        spot.at("previous_ids").error(f"'{record_id}' is this record's own id")
    for index, old in enumerate(data.get("previous_ids", ())):
        if old in RESERVED_IDS:  # its redirect would sit where the list's later pages are
            spot.at("previous_ids").at(index).error(f"'{old}' is reserved by the site and was never an id")
    folder = PurePosixPath(path).parent.name
    if date and folder.isdigit() and len(folder) == 4 and int(folder) != date.year:
        spot.at("date").warning(f"the file is in the folder {folder}/ but the incident is dated {date.year}; "
                                f"{_how_to_move(path, date.year)}")


def _check_preservation(data: dict, spot: Spot, config: Config) -> None:
    """Whether the record's status needs an archived copy of a source, and it has none."""
    status = data.get("status")
    rule = config.status(status).archived_copy if status else "optional"
    if rule == "optional" or not data.get("sources") or any(source.get("archived_url") for source in data["sources"]):
        return
    message = (f"a {status} record needs an archived copy of at least one source, so that it outlives the page it "
               "cites: save the page with the Wayback Machine (https://web.archive.org/save) or archive.today and "
               "give the copy's address as that source's archived_url")
    (spot.at("sources").error if rule == "required" else spot.at("sources").warning)(message)


def _how_to_move(path: str, year: int) -> str:
    """The move into the year's folder, as a command to paste (quoted: a file name is untrusted) and for the web editor."""
    source = PurePosixPath(path)
    target = source.parent.with_name(str(year)) / source.name
    return (f"move it: mkdir -p {shlex.quote(str(target.parent))} && git mv {shlex.quote(path)} {shlex.quote(str(target))}"
            f" (or, in GitHub's web editor, rename it to ../{year}/{source.name})")


def _make_incident(raw: RawFile, data: dict, record_id: str, config: Config) -> Incident:
    typed = _typed_fields(data, record_id)
    untyped, labelled = _kept_apart(typed)
    status = config.status(data["status"])
    return Incident(
        **typed,
        path=raw.path,
        body=raw.body_source,
        digest=raw.digest,
        terms=tuple((t.key, data[t.key]) for t in config.taxonomies if data.get(t.key)),
        # Every other declared field, None where the record has no value: Incident.get finds it.
        extra=tuple((name, data.get(name)) for name in untyped),
        facts=tuple((label, data[name]) for name, label in labelled if _shown(data.get(name))),
        lines=raw.lines.top_level(),
        uncounted_as="" if status.counted else status.label,
    )


_apart: tuple = (None, (), ())  # (the table, the names kept in extra, (name, label) of the facts)


def _kept_apart(typed: dict) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The declared fields that have no typed attribute, and those the page lists by label:
    worked out once for the table, not for each of the archive's records."""
    global _apart
    if _apart[0] is not INCIDENT_FIELDS:
        declared = [field for field in INCIDENT_FIELDS if isinstance(field, Declared)]
        _apart = (INCIDENT_FIELDS, tuple(field.name for field in declared if field.name not in typed),
                  tuple((field.name, field.label) for field in declared if field.label))
    return _apart[1], _apart[2]


def _typed_fields(data: dict, record_id: str) -> dict:
    """The fields the engine's own logic reads, as the Incident's typed attributes."""
    casualties = data.get("casualties")
    return {
        "id": record_id,
        "title": data["title"],
        "date": data["date"],
        "date_end": data.get("date_end"),
        "location": published_location(data["location"]),
        "status": data["status"],
        "sources": tuple(Source(**{key: value for key, value in source.items() if key != "private"})
                         for source in data["sources"] if not source.get("private")),
        "withheld_sources": sum(1 for source in data["sources"] if source.get("private")),
        "casualties": Casualties(**casualties) if casualties else None,
        "related": data.get("related", ()),
        "summary": data.get("summary"),
        "content_warning": data.get("content_warning"),
        "updated": data.get("updated"),
        "corrections": tuple(Correction(**item) for item in data.get("corrections", ())),
        "previous_ids": data.get("previous_ids", ()),
        "duplicate_of": data.get("duplicate_of"),
        "draft": data.get("draft", False),
        "lang": data.get("lang"),
    }


def _shown(value) -> bool:
    """Whether a fact has something to show: a flag only when true, a list only with items."""
    return value is not None and value is not False and value != ()
