"""Render stage: open data (JSON and its JSON Schema, CSV, GeoJSON, SHA256SUMS) and each incident's own JSON.

A record in JSON is its front matter, normalised (dates as written, a location or source given
as shorthand as its mapping, casualty figures as ranges), with a key only where the record has a
value. The CSV and GeoJSON are flat tables of the same records: every column on every row, empty
(CSV) or null (GeoJSON) where a record has no value.

Every part of it follows the declared fields (schema.INCIDENT_FIELDS): their order, their
JSON Schema and their columns. Only what says where a record is published is written here.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import content, inputs, media, urls
from ..config import LANGUAGE_TAG, RELEASES_DIR, Config
from ..dates import PartialDate
from ..fields import JSON_DEFINITIONS, Slug, Text, Url
from ..images import ImageProblem, Store
from ..incremental import Copy, Generated, RecordParts
from ..model import Archive, Failure, Incident, Problem, digest
from ..render import BodyRef, PageSpec
from ..schema import Column, Declared, incident_fields

DATA_DIR = "data"
JSON_FILE = "incidents.json"
SCHEMA_FILE = "incidents.schema.json"
CSV_FILE = "incidents.csv"
GEOJSON_FILE = "incidents.geojson"
SUMS_FILE = "SHA256SUMS"

TERM_SEPARATOR = "; "  # between a CSV cell's terms

# The flat tables as first published, by field: a script may read the CSV's columns by position,
# so none of them moves. (No one order of the declarations gives both: the CSV has the sources
# after the casualties, the GeoJSON the status before the place.) The columns of fields declared
# later come last, after where the record is published, in the order of the declarations.
TAXONOMIES = "(taxonomies)"  # where the fields of site.yaml's taxonomies go
CSV_ORDER = ("id", "title", "date", "location", "status", TAXONOMIES, "casualties", "sources", "summary",
             "updated", "corrections")
GEOJSON_ORDER = ("title", "date", "status", "location", TAXONOMIES, "casualties")
PUBLISHED_AT = (
    Column("url", lambda incident, config: urls.permanent(config.base_url, incident.id), geojson="url"),
    Column("page", lambda incident, config: urls.incident(incident.id), geojson="page"),
)


@dataclass(frozen=True)
class Layout:
    """What the open data holds of a record, from the declared fields: made once per build."""

    fields: tuple[Declared, ...]  # in the JSON, in this order
    csv: tuple[Column, ...]
    geojson: tuple[Column, ...]

    @functools.cached_property
    def readers(self) -> tuple[tuple[str, Callable[[Incident], object]], ...]:
        return tuple((field.name, field.read) for field in self.fields)


def layout(config: Config) -> Layout:
    fields = tuple(field for field in incident_fields(config) if field.published)
    csv_columns = _columns(fields, CSV_ORDER, PUBLISHED_AT[:1])
    geojson = tuple(column for column in _columns(fields, GEOJSON_ORDER, PUBLISHED_AT) if column.geojson)
    return Layout(fields, csv_columns, geojson)


def _columns(fields: tuple[Declared, ...], order: tuple[str, ...], published_at: tuple[Column, ...]) -> tuple[Column, ...]:
    """The fields' columns in the published order, then where the record is published, then the rest's."""
    def key(field: Declared) -> str:
        return TAXONOMIES if field.taxonomy else field.name

    first = sorted((field for field in fields if key(field) in order), key=lambda field: order.index(key(field)))
    later = [field for field in fields if key(field) not in order]
    return (*(column for field in first for column in field.flat_columns), *published_at,
            *(column for field in later for column in field.flat_columns))


def outputs(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path,
            store: Store, parts: RecordParts | None = None) -> Iterator[PageSpec | Generated | Copy]:
    """The files of data/ and each incident's own JSON; `parts` keeps each record's line of the
    files of every record between builds (none: every line is made)."""
    yield from whole_archive_files(archive, config, root, store, parts)
    yield from own_records(archive.incidents.values(), config, root)


def whole_archive_files(archive: Archive, config: Config, root: Path, store: Store,
                        parts: RecordParts | None) -> Iterator[Generated | Copy]:
    """The files of data/ made from every record (their makers read `parts`, and so the open cache)."""
    files = DataFiles(archive, config, PublishedMedia(root, archive.links.media, store), parts or RecordParts(None))
    for name in files.makers:
        yield Generated(f"{DATA_DIR}/{name}", files.token(name), functools.partial(files.make, name), whole_archive=True)
    yield Generated(f"{DATA_DIR}/{SUMS_FILE}", files.sums_token(), files.make_sums, whole_archive=True)
    if config.published_release:  # the newest data release (release.py), which every page's footer links
        yield Copy(release_path(config.published_release), root, f"{RELEASES_DIR}/{config.latest_release}")


def release_path(name: str) -> str:
    """Where the site publishes a data release's zip: data/releases/<name>."""
    return f"{DATA_DIR}/{RELEASES_DIR}/{name}"


def own_json(incident_id: str) -> str:
    """An incident's own JSON, next to its page: incidents/<id>/index.json."""
    return urls.incident(incident_id).removesuffix(".html") + ".json"


def own_records(incidents: Iterable[Incident], config: Config, root: Path) -> Iterator[Generated]:
    """Each incident's own JSON: its record and its description's Markdown."""
    record_layout = layout(config)
    for incident in incidents:
        yield Generated(own_json(incident.id), digest("incident json", incident.digest, incident.body.digest),
                        functools.partial(_incident_json, root, config, record_layout, incident))


class DataFiles:
    """The files of data/, made from the same records.

    SHA256SUMS hashes the others' bytes, so it would make them too; in a process that made them
    already (the usual case, as they are neighbours in the list of outputs) it reuses their hashes.
    Only hashes are kept: the files of 150,000 records would hold 400 MB until the build ends.
    It also lists each published media file, as ../media/<name>, by the hash of its published bytes.
    """

    def __init__(self, archive: Archive, config: Config, published_media: PublishedMedia, parts: RecordParts):
        self.archive, self.config, self.parts = archive, config, parts
        self.media = published_media
        self.layout = layout(config)
        self.makers = {
            JSON_FILE: self._json, SCHEMA_FILE: self._schema, CSV_FILE: self._csv, GEOJSON_FILE: self._geojson,
        }
        self._hashes: dict[str, str] = {}

    def token(self, name: str) -> str:
        # site.yaml (statuses, taxonomies, base_url) is one of the cache's keys: only the records vary.
        if name == SCHEMA_FILE:
            return digest(name)
        return digest(name, self._records_token)

    @functools.cached_property
    def _records_token(self) -> str:
        return digest(*(self.archive.incidents[i].digest for i in self.archive.newest_first))

    def sums_token(self) -> str:
        return digest(SUMS_FILE, *(self.token(name) for name in self.makers), self.media.token())

    def make(self, name: str, body_html=None) -> bytes:
        made = self.makers[name]()
        self._hashes[name] = hashlib.sha256(made).hexdigest()
        return made

    def make_sums(self, body_html=None) -> bytes:
        """`sha256sum`'s format, names relative to data/: `cd data && sha256sum -c SHA256SUMS` checks them,
        the media (../media/<name>) too; in path order."""
        sums = [(self._hash(name), name) for name in self.makers] + self.media.sums()
        return "".join(f"{checksum}  {name}\n" for checksum, name in sorted(sums, key=lambda item: item[1])).encode("utf-8")

    def _hash(self, name: str) -> str:
        if name not in self._hashes:
            self.make(name)
        return self._hashes[name]

    def _incidents(self) -> Iterator[Incident]:
        return (self.archive.incidents[i] for i in self.archive.newest_first)

    def _lines(self, name: str, incidents: Iterable[Incident], line: Callable[[Incident], str]) -> list[str]:
        """Each incident's line of the file `name`, made again only for the incidents that changed."""
        return self.parts.each(name, ((incident.digest, incident) for incident in incidents), line)

    def _json(self) -> bytes:
        lines = self._lines(JSON_FILE, self._incidents(), lambda incident: _dumps(record(incident, self.config, self.layout)))
        return _one_line_each({"archive": archive_header(self.config)}, "incidents", lines)

    def _schema(self) -> bytes:
        return (json.dumps(json_schema(self.config, self.layout), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def _csv(self) -> bytes:
        rows = self._lines(CSV_FILE, self._incidents(), _CsvRows(self.config, self.layout))
        return csv_bytes(rows, self.layout)

    def _geojson(self) -> bytes:
        mapped = (incident for incident in self._incidents() if incident.location.has_coordinates)
        lines = self._lines(GEOJSON_FILE, mapped, lambda incident: _dumps(feature(incident, self.config, self.layout)))
        return _one_line_each({"type": "FeatureCollection"}, "features", lines)


@dataclass(frozen=True)
class PublishedMedia:
    """The media files as published (raster images cleaned), for SHA256SUMS."""

    root: Path
    names: frozenset[str]
    store: Store

    def token(self) -> str:
        return media.media_token(self.root, self.names)

    def sums(self) -> list[tuple[str, str]]:
        """(sha256, path relative to data/) of each media file."""
        sums = []
        for name in sorted(self.names):
            relpath = f"{content.MEDIA_DIR}/{name}"
            try:
                checksum = media.published_sha256(self.root, relpath, self.store)
            except OSError as error:
                raise Failure(Problem(relpath, 1, "file", inputs.unreadable(error))) from None
            except ImageProblem as problem:
                raise Failure(Problem(relpath, 1, "media", str(problem))) from None
            sums.append((checksum, f"../{urls.media(name)}"))
        return sums


# JSON

def record(incident: Incident, config: Config, layout: Layout) -> dict:
    """One incident as a JSON object, keys in the order of the declared fields, then where it is published."""
    values = [(name, read(incident)) for name, read in layout.readers]
    return _present({
        **{name: value if type(value) in _AS_IS else _json_value(value) for name, value in values},
        "url": urls.permanent(config.base_url, incident.id),
        "page": urls.incident(incident.id),
        "json": own_json(incident.id),
    })


_AS_IS = frozenset({str, int, float, type(None)})  # the same in JSON (tested first: most values are)


def _json_value(value):
    """A clean value as JSON: a date as written, a record (a place, a source, a figure) as a mapping,
    None for what the record lacks (an empty list or mapping, a flag left false)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is tuple or kind is list:
        return [item if type(item) in _AS_IS else _json_value(item) for item in value] or None
    if kind is PartialDate:
        return value.iso()
    if kind is bool:
        return value or None
    items = value.items() if kind is dict else _fields_of(kind)(value)
    mapping = {name: item if type(item) in _AS_IS else _json_value(item) for name, item in items if item is not None}
    if None in mapping.values():  # a value that became None (an empty list, a flag left false)
        mapping = _present(mapping)
    return mapping or None


_RECORD_READERS: dict[type, Callable[[object], Iterable[tuple[str, object]]]] = {}


def _fields_of(kind: type) -> Callable[[object], Iterable[tuple[str, object]]]:
    """(name, value) of a frozen record's fields, read at once (every source of every record, in every build)."""
    if kind not in _RECORD_READERS:
        names = tuple(field.name for field in dataclasses.fields(kind))
        values = operator.attrgetter(*names) if len(names) > 1 else lambda record: (getattr(record, names[0]),)
        _RECORD_READERS[kind] = lambda record: zip(names, values(record), strict=True)
    return _RECORD_READERS[kind]


def _list(items) -> list | None:
    return list(items) or None


def _present(fields: dict) -> dict:
    """The keys with a value (an empty list is None): a key absent from the JSON is a field absent from the record."""
    return {key: value for key, value in fields.items() if value is not None}


def archive_header(config: Config) -> dict:
    """What a reader of the data needs to know of the archive: its vocabularies, with their definitions."""
    return _present({
        "title": config.title,
        "description": config.description,
        "base_url": config.base_url,
        "language": config.language,
        "statuses": [{"key": status.key, "label": status.label, "definition": status.definition}
                     for status in config.statuses],
        "taxonomies": [_present({
            "key": taxonomy.key, "title": taxonomy.title, "singular": taxonomy.singular,
            "terms": _list({"name": term, "definition": definition} for term, definition in taxonomy.definitions),
        }) for taxonomy in config.taxonomies],
    })


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder for 10,000 records, not one each


def _dumps(value) -> str:
    return _COMPACT.encode(value)


def _one_line_each(head: dict, key: str, items: list[str]) -> bytes:
    """A JSON object whose list has one item (given as JSON text) per line, so that a diff shows
    which records changed.

    Each item is turned into text as soon as it is made: 10,000 records held as dicts at once
    took about twice as long, the difference spent in the garbage collector.
    """
    opening = "{" + "".join(f"{_dumps(name)}:{_dumps(value)}," for name, value in head.items()) + f"{_dumps(key)}:["
    lines = ",\n".join(items)
    return (f"{opening}\n{lines}\n]}}\n" if lines else f"{opening}]}}\n").encode("utf-8")


def _incident_json(root: Path, config: Config, layout: Layout, incident: Incident, body_html=None) -> bytes:
    """The record plus its description's Markdown, read again from its file (bodies are never held)."""
    text, problem = content.read_body(root, incident.path, incident.body)
    if text is None:  # edited since it was read: no bytes would be right, and the token must not vouch for any
        raise content.FileChanged(problem)
    own = record(incident, config, layout)
    description = _markdown(text)
    if description:
        own["description"] = description
    return (json.dumps(own, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


def _markdown(body: str) -> str:
    """The body without the blank lines around it (a first line's indent is Markdown, and kept)."""
    return _LEADING_BLANK_LINES.sub("", body.rstrip())


# JSON Schema

def json_schema(config: Config, layout: Layout) -> dict:
    """A JSON Schema (draft 2020-12) of incidents.json, with this archive's vocabularies."""
    text, web, slug = Text().json_schema({}), Url().json_schema({}), Slug().json_schema({})
    definitions = dict(JSON_DEFINITIONS)
    incident = _incident_schema(layout, definitions, text, web)  # adds the definitions it refers to
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{config.base_url}{DATA_DIR}/{SCHEMA_FILE}" if config.base_url else None,
        "title": f"{config.title}: incidents",
        "description": "Every published incident of the archive, newest first. An incident's own "
                       "incidents/<id>/index.json is one item of `incidents`, plus its `description`.",
        "type": "object",
        "required": ["archive", "incidents"],
        "additionalProperties": False,
        "properties": {
            "archive": _archive_schema(text, web, slug),
            "incidents": {"type": "array", "items": {"$ref": "#/$defs/incident"}},
        },
        "$defs": {**definitions, "incident": incident},
    }
    return _present(schema)


def _archive_schema(text: dict, web: dict, slug: dict) -> dict:
    return {
        "type": "object", "required": ["title", "language", "statuses", "taxonomies"], "additionalProperties": False,
        "properties": {
            "title": text, "description": text, "base_url": web,
            "language": {"type": "string", "pattern": f"^{LANGUAGE_TAG}$"},
            "statuses": {"type": "array", "items": {
                "type": "object", "required": ["key", "label", "definition"], "additionalProperties": False,
                "properties": {"key": slug, "label": text, "definition": text},
            }},
            "taxonomies": {"type": "array", "items": {
                "type": "object", "required": ["key", "title", "singular"], "additionalProperties": False,
                "properties": {
                    "key": slug, "title": text, "singular": text,
                    "terms": {"type": "array", "description": "Present when the vocabulary is closed.", "items": {
                        "type": "object", "required": ["name", "definition"], "additionalProperties": False,
                        "properties": {"name": text, "definition": text},
                    }},
                },
            }},
        },
    }


def _incident_schema(layout: Layout, definitions: dict, text: dict, web: dict) -> dict:
    required = [field.name for field in layout.fields if field.always or field.rule.required]
    return {
        "type": "object",
        "required": [*required, "page", "json"],
        "additionalProperties": False,
        "properties": {
            **{field.name: field.json_schema(definitions) for field in layout.fields},
            "url": {**web, "description": "The page's public address (only when site.yaml sets base_url)."},
            "page": {"type": "string", "pattern": "^incidents/[a-z0-9-]+/index\\.html$",
                     "description": "The page, relative to the site's root folder."},
            "json": {"type": "string", "pattern": "^incidents/[a-z0-9-]+/index\\.json$",
                     "description": "This record's own JSON, relative to the site's root folder."},
            "description": {**text, "description": "The description's Markdown: only in the record's own JSON."},
        },
    }


# CSV

def csv_columns(layout: Layout) -> list[str]:
    return [column.name for column in layout.csv]


def csv_bytes(rows: list[str], layout: Layout) -> bytes:
    """RFC 4180: a header, one row per incident (_CsvRows), CRLF line ends, UTF-8 without a byte-order mark."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(csv_columns(layout))
    return (buffer.getvalue() + "".join(rows)).encode("utf-8")


class _CsvRows:
    """An incident's row of the CSV as text, its line end included: one writer for every row."""

    def __init__(self, config: Config, layout: Layout):
        self.config, self.layout = config, layout
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def __call__(self, incident: Incident) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow([_neutralised(cell) for cell in _row(incident, self.config, self.layout)])
        return self.buffer.getvalue()


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) can send the
# sheet's data elsewhere). As OWASP advises, such a text cell gets a leading apostrophe, which
# spreadsheets show as text and do not display; numbers (a negative longitude) are left alone.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralised(cell):
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def _row(incident: Incident, config: Config, layout: Layout) -> list:
    cells = [column.value(incident, config) for column in layout.csv]
    return [cell if type(cell) in _AS_IS else _cell(cell) for cell in cells]


def _cell(value):
    """A value in a CSV cell: a date as written, a list's items in one cell, a flag as true or nothing."""
    kind = type(value)
    if kind is PartialDate:
        return value.iso()
    if kind is tuple:
        return TERM_SEPARATOR.join([item if type(item) is str else str(_cell(item)) for item in value])
    if kind is bool:
        return "true" if value else None
    return value


# GeoJSON

def feature(incident: Incident, config: Config, layout: Layout) -> dict:
    """An RFC 7946 Point, [lon, lat] as written, with the properties a map filters by (null where unknown)."""
    location = incident.location
    return {
        "type": "Feature",
        "id": incident.id,
        "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
        "properties": {name: value if type(value) in _AS_IS else _property(value)
                       for name, value in [(column.geojson, column.value(incident, config)) for column in layout.geojson]},
    }


def _property(value):
    """A value as a GeoJSON property: a date as written, a list as a list (empty when it has no item)."""
    kind = type(value)
    if kind is PartialDate:
        return value.iso()
    if kind is tuple:
        return [_property(item) for item in value]
    return value
