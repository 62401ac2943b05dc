"""Render stage: open data (JSON and its JSON Schema, CSV, GeoJSON, SHA256SUMS) and each incident's own JSON.

A record in JSON is its front matter, normalised (dates as written, a location or source given
as shorthand as its mapping, casualty figures as ranges), with a key only where the record has a
value. The CSV and GeoJSON are flat tables of the same records: every column on every row, empty
(CSV) or null (GeoJSON) where a record has no value.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import content, urls
from ..config import LANGUAGE_TAG, Config
from ..dates import PartialDate
from ..incremental import Generated
from ..model import Archive, Casualties, Count, Incident, Source, digest
from ..names import SLUG
from ..render import BodyRef, PageSpec
from ..schema import PRECISIONS, SOURCE_TYPES

DATA_DIR = "data"
JSON_FILE = "incidents.json"
SCHEMA_FILE = "incidents.schema.json"
CSV_FILE = "incidents.csv"
GEOJSON_FILE = "incidents.geojson"
SUMS_FILE = "SHA256SUMS"

DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
TERM_SEPARATOR = "; "  # between a CSV cell's terms


def outputs(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path) -> Iterator[PageSpec | Generated]:
    files = DataFiles(archive, config)
    for name in files.makers:
        yield Generated(f"{DATA_DIR}/{name}", files.token(name), functools.partial(files.make, name), whole_archive=True)
    yield Generated(f"{DATA_DIR}/{SUMS_FILE}", files.sums_token(), files.make_sums, whole_archive=True)
    for incident in archive.incidents.values():
        yield Generated(own_json(incident.id), digest("incident json", incident.digest, incident.body.digest),
                        functools.partial(_incident_json, root, config, incident))


def own_json(incident_id: str) -> str:
    """An incident's own JSON, next to its page: incidents/<id>/index.json."""
    return urls.incident(incident_id).removesuffix(".html") + ".json"


class DataFiles:
    """The files of data/, made from the same records.

    SHA256SUMS hashes the others' bytes, so it would make them too; in a process that made them
    already (the usual case, as they are neighbours in the list of outputs) it reuses their hashes.
    Only hashes are kept: the files of 150,000 records would hold 400 MB until the build ends.
    """

    def __init__(self, archive: Archive, config: Config):
        self.archive, self.config = archive, config
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
        return digest(SUMS_FILE, *(self.token(name) for name in self.makers))

    def make(self, name: str, body_html=None) -> bytes:
        made = self.makers[name]()
        self._hashes[name] = hashlib.sha256(made).hexdigest()
        return made

    def make_sums(self, body_html=None) -> bytes:
        """`sha256sum`'s format, names relative to data/: `cd data && sha256sum -c SHA256SUMS` checks them."""
        return "".join(f"{self._hash(name)}  {name}\n" for name in sorted(self.makers)).encode("utf-8")

    def _hash(self, name: str) -> str:
        if name not in self._hashes:
            self.make(name)
        return self._hashes[name]

    def _incidents(self) -> Iterator[Incident]:
        return (self.archive.incidents[i] for i in self.archive.newest_first)

    def _json(self) -> bytes:
        records = (record(incident, self.config) for incident in self._incidents())
        return _one_line_each({"archive": archive_header(self.config)}, "incidents", records)

    def _schema(self) -> bytes:
        return (json.dumps(json_schema(self.config), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def _csv(self) -> bytes:
        return csv_bytes(self._incidents(), self.config)

    def _geojson(self) -> bytes:
        mapped = (incident for incident in self._incidents() if incident.location.has_coordinates)
        features = (feature(incident, self.config) for incident in mapped)
        return _one_line_each({"type": "FeatureCollection"}, "features", features)


# JSON

def record(incident: Incident, config: Config) -> dict:
    """One incident as a JSON object, keys in the order of the front-matter reference, then where it is published."""
    location = incident.location
    casualties = incident.casualties
    return _present({
        "id": incident.id,
        "title": incident.title,
        "date": incident.date.iso(),
        "date_end": _iso(incident.date_end),
        "location": _present({
            "name": location.name, "admin1": location.admin1, "admin2": location.admin2,
            "country": location.country, "lat": location.lat, "lon": location.lon, "precision": location.precision,
        }),
        "status": incident.status,
        "sources": [_source(source) for source in incident.sources],
        **{taxonomy.key: _list(incident.terms_of(taxonomy.key)) for taxonomy in config.taxonomies},
        "casualties": casualties and _present({"killed": _count(casualties.killed),
                                               "injured": _count(casualties.injured)}),
        "related": _list(incident.related),
        "summary": incident.summary,
        "content_warning": incident.content_warning,
        "updated": _iso(incident.updated),
        "corrections": _list({"date": item.date.iso(), "note": item.note} for item in incident.corrections),
        "previous_ids": _list(incident.previous_ids),
        "lang": incident.lang,
        "draft": incident.draft or None,  # only in a build with --drafts
        "url": urls.permanent(config.base_url, incident.id),
        "page": urls.incident(incident.id),
        "json": own_json(incident.id),
    })


def _source(source: Source) -> dict:
    return _present({
        "url": source.url, "description": source.description, "title": source.title, "publisher": source.publisher,
        "date": _iso(source.date), "archived_url": source.archived_url, "accessed": _iso(source.accessed),
        "type": source.type, "language": source.language, "sha256": source.sha256,
    })


def _count(count: Count | None) -> dict | None:
    return {"low": count.low, "high": count.high} if count else None


def _iso(date: PartialDate | None) -> str | None:
    return date.iso() if date else None


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


def _one_line_each(head: dict, key: str, items: Iterable[dict]) -> bytes:
    """A JSON object whose list has one item per line, so that a diff shows which records changed.

    Each item is turned into text as soon as it is made: 10,000 records held as dicts at once
    took about twice as long, the difference spent in the garbage collector.
    """
    opening = "{" + "".join(f"{_dumps(name)}:{_dumps(value)}," for name, value in head.items()) + f"{_dumps(key)}:["
    lines = ",\n".join([_dumps(item) for item in items])
    return (f"{opening}\n{lines}\n]}}\n" if lines else f"{opening}]}}\n").encode("utf-8")


def _incident_json(root: Path, config: Config, incident: Incident, body_html=None) -> bytes:
    """The record plus its description's Markdown, read again from its file (bodies are never held)."""
    text, problem = content.read_body(root, incident.path, incident.body)
    if problem:  # edited since it was read: no bytes would be right, and the token must not vouch for any
        raise content.FileChanged(problem)
    own = record(incident, config)
    description = _markdown(text)
    if description:
        own["description"] = description
    return (json.dumps(own, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


def _markdown(body: str) -> str:
    """The body without the blank lines around it (a first line's indent is Markdown, and kept)."""
    return _LEADING_BLANK_LINES.sub("", body.rstrip())


# JSON Schema

def json_schema(config: Config) -> dict:
    """A JSON Schema (draft 2020-12) of incidents.json, with this archive's vocabularies."""
    text = {"type": "string", "minLength": 1}
    web = {"type": "string", "pattern": "^https?://"}
    slug = {"type": "string", "pattern": f"^{SLUG.pattern}$"}
    date = {"$ref": "#/$defs/date"}
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
        "$defs": {
            "date": {"type": "string", "pattern": DATE_PATTERN,
                     "description": "As written: YYYY-MM-DD, YYYY-MM or YYYY; the form is the precision."},
            "count": {
                "type": "object", "required": ["low", "high"], "additionalProperties": False,
                "description": "A figure: low == high when exact, else the range the sources give.",
                "properties": {"low": {"type": "integer", "minimum": 0}, "high": {"type": "integer", "minimum": 0}},
            },
            "location": _location_schema(text),
            "source": _source_schema(text, web, date),
            "incident": _incident_schema(config, text, web, slug, date),
        },
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


def _location_schema(text: dict) -> dict:
    return {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "properties": {
            "name": text, "admin1": text, "admin2": text,
            "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "precision": {"enum": list(PRECISIONS)},
        },
        "dependentRequired": {"lat": ["lon"], "lon": ["lat"]},
    }


def _source_schema(text: dict, web: dict, date: dict) -> dict:
    return {
        "type": "object", "additionalProperties": False,
        "anyOf": [{"required": ["url"]}, {"required": ["description"]}],
        "properties": {
            "url": web, "description": text, "title": text, "publisher": text, "date": date,
            "archived_url": web, "accessed": date, "type": {"enum": list(SOURCE_TYPES)},
            "language": {"type": "string", "pattern": f"^{LANGUAGE_TAG}$"},
            "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
        },
    }


def _incident_schema(config: Config, text: dict, web: dict, slug: dict, date: dict) -> dict:
    def terms(taxonomy) -> dict:
        term = {"enum": [name for name, _ in taxonomy.definitions]} if taxonomy.closed else text
        return {"type": "array", "minItems": 1, "items": term,
                "description": f"{taxonomy.title}, as the record spells them."}

    slugs = {"type": "array", "minItems": 1, "items": slug}
    return {
        "type": "object",
        "required": ["id", "title", "date", "location", "status", "sources", "page", "json"],
        "additionalProperties": False,
        "properties": {
            "id": slug, "title": text, "date": date, "date_end": date,
            "location": {"$ref": "#/$defs/location"},
            "status": {"enum": [status.key for status in config.statuses]},
            "sources": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/source"}},
            **{taxonomy.key: terms(taxonomy) for taxonomy in config.taxonomies},
            "casualties": {
                "type": "object", "minProperties": 1, "additionalProperties": False,
                "properties": {"killed": {"$ref": "#/$defs/count"}, "injured": {"$ref": "#/$defs/count"}},
            },
            "related": slugs, "summary": text, "content_warning": text, "updated": date,
            "corrections": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["date", "note"], "additionalProperties": False,
                "properties": {"date": date, "note": text},
            }},
            "previous_ids": slugs,
            "lang": {"type": "string", "pattern": f"^{LANGUAGE_TAG}$"},
            "draft": {"const": True, "description": "Only in a build made with --drafts."},
            "url": {**web, "description": "The page's public address (only when site.yaml sets base_url)."},
            "page": {"type": "string", "pattern": "^incidents/[a-z0-9-]+/index\\.html$",
                     "description": "The page, relative to the site's root folder."},
            "json": {"type": "string", "pattern": "^incidents/[a-z0-9-]+/index\\.json$",
                     "description": "This record's own JSON, relative to the site's root folder."},
            "description": {**text, "description": "The description's Markdown: only in the record's own JSON."},
        },
    }


# CSV

def csv_columns(config: Config) -> list[str]:
    return [
        "id", "title", "date_start", "date_end", "date_precision", "year",
        "country", "country_name", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
        "status", *(taxonomy.key for taxonomy in config.taxonomies),
        "killed_low", "killed_high", "injured_low", "injured_high",
        "source_count", "source_urls", "summary", "updated", "corrections_count", "url",
    ]


def csv_bytes(incidents: Iterable[Incident], config: Config) -> bytes:
    """RFC 4180: a header, one row per incident, CRLF line ends, UTF-8 without a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_columns(config))
    writer.writerows([_neutralised(cell) for cell in _row(incident, config)] for incident in incidents)
    return buffer.getvalue().encode("utf-8")


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) can send the
# sheet's data elsewhere). As OWASP advises, such a text cell gets a leading apostrophe, which
# spreadsheets show as text and do not display; numbers (a negative longitude) are left alone.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralised(cell):
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def _row(incident: Incident, config: Config) -> list:
    location, casualties = incident.location, incident.casualties or Casualties()
    return [
        incident.id, incident.title, incident.date.iso(), _iso(incident.date_end), incident.date.precision,
        incident.date.year, location.country, location.country and config.country_name(location.country),
        location.admin1, location.admin2, location.name, location.lat, location.lon, location.precision,
        incident.status, *(TERM_SEPARATOR.join(incident.terms_of(taxonomy.key)) for taxonomy in config.taxonomies),
        *_low_high(casualties.killed), *_low_high(casualties.injured),
        len(incident.sources), " ".join(source.url for source in incident.sources if source.url),
        incident.summary, _iso(incident.updated), len(incident.corrections), urls.permanent(config.base_url, incident.id),
    ]


def _low_high(count: Count | None) -> tuple:
    return (count.low, count.high) if count else (None, None)


# GeoJSON

def feature(incident: Incident, config: Config) -> dict:
    """An RFC 7946 Point, [lon, lat] as written, with the properties a map filters by (null where unknown)."""
    location, casualties = incident.location, incident.casualties or Casualties()
    killed, injured = _low_high(casualties.killed), _low_high(casualties.injured)
    return {
        "type": "Feature",
        "id": incident.id,
        "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
        "properties": {
            "title": incident.title, "date": incident.date.iso(), "date_end": _iso(incident.date_end),
            "year": incident.date.year, "status": incident.status,
            "country": location.country, "admin1": location.admin1, "location": location.name,
            "geo_precision": location.precision,
            **{taxonomy.key: list(incident.terms_of(taxonomy.key)) for taxonomy in config.taxonomies},
            "killed_low": killed[0], "killed_high": killed[1], "injured_low": injured[0], "injured_high": injured[1],
            "url": urls.permanent(config.base_url, incident.id), "page": urls.incident(incident.id),
        },
    }
