"""Validate stage: the front-matter schema of incidents and pages, and RawFile → Incident / Page."""

from __future__ import annotations

import shlex
from pathlib import PurePosixPath

from .config import LANGUAGE_TAG, Config
from .content import RawFile
from .countries import COUNTRY_CODES
from .fields import (INVALID, Choice, CountField, Date, Field, Flag, ListOf, Number, Pattern,
                     Record, Sink, Slug, Spot, Text, Url, Whole)
from .model import Casualties, Correction, Incident, Location, Page, Problem, Source
from .names import MAX_SLUG_LENGTH, did_you_mean, id_from_path, slugify, too_long

SOURCE_TYPES = ("news", "official", "court", "ngo", "witness", "video", "photo", "social", "other")
PRECISIONS = ("exact", "approximate", "settlement", "region")
RESERVED_IDS = frozenset({"page"})  # incidents/page/N/ holds the list's later pages


class Country(Text):
    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        if value.upper() not in COUNTRY_CODES:
            return spot.error(f"'{value}' is not an ISO 3166-1 alpha-2 country code{did_you_mean(value.upper(), COUNTRY_CODES)}")
        return value.upper()


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


def incident_schema(config: Config) -> Record:
    fields: dict[str, Field] = {
        "id": Slug(),
        "previous_ids": ListOf(Slug()),
        "duplicate_of": Slug(),
        "title": Text(required=True),
        "date": Date(required=True, help="YYYY-MM-DD, YYYY-MM or YYYY"),
        "date_end": Date(),
        "location": Record({
            "name": Text(required=True),
            "admin1": Term(),  # names a place page
            "admin2": Text(),
            "country": Country(),
            "lat": Number(-90, 90),
            "lon": Number(-180, 180),
            "precision": Choice(PRECISIONS),
        }, shorthand="name", required=True, help="at least a place name"),
        "status": Choice([status.key for status in config.statuses], required=True,
                         help=f"one of {', '.join(status.key for status in config.statuses)}"),
        "sources": ListOf(Record({
            "url": Url(),
            "description": Text(),
            "title": Text(),
            "publisher": Text(),
            "date": Date(),
            "archived_url": Url(),
            "accessed": Date(),
            "type": Choice(SOURCE_TYPES),
            "language": Pattern(LANGUAGE_TAG, "a language tag such as en or uk"),
            "sha256": Pattern(r"[0-9a-fA-F]{64}", "a SHA-256 checksum (64 hexadecimal digits)"),
        }, shorthand="url", one_of_required=("url", "description")),
            min_items=1, required=True, help="at least one source"),
        "casualties": Record({"killed": CountField(), "injured": CountField()}),
        "related": ListOf(Slug()),
        "summary": Text(),
        "content_warning": Text(),
        "updated": Date(),
        "corrections": ListOf(Record({"date": Date(required=True), "note": Text(required=True)})),
        "draft": Flag(),
        "lang": Pattern(LANGUAGE_TAG, "a language tag such as en or uk"),
    }
    for taxonomy in config.taxonomies:
        vocabulary = tuple(term for term, _ in taxonomy.definitions)
        fields[taxonomy.key] = ListOf(Term(vocabulary))
    return Record(fields)


PAGE_SCHEMA = Record({
    "id": Slug(),
    "title": Text(required=True),
    "summary": Text(),
    "menu": Whole(help="position in the site's navigation"),
    "draft": Flag(),
    "lang": Pattern(LANGUAGE_TAG, "a language tag such as en or uk"),
    "updated": Date(),
})


def validate_incident(raw: RawFile, schema: Record, config: Config) -> tuple[Incident | None, str | None, list[Problem]]:
    """The Incident (None if the file has errors), its id (None if it has none) and the file's problems."""
    sink = Sink(raw.path, raw.lines)
    spot = Spot(sink)
    data = schema.clean(raw.meta, spot)
    record_id = _record_id(raw, data, spot)
    _check_consistency(raw.path, data, spot, record_id)
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
    elif raw.meta.get("id") is not None:
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
    location = data.get("location") or {}
    if ("lat" in location) != ("lon" in location):
        spot.at("location").error("give both lat and lon, or neither")
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


def _how_to_move(path: str, year: int) -> str:
    """The move into the year's folder, as a command to paste (quoted: a file name is untrusted) and for the web editor."""
    source = PurePosixPath(path)
    target = source.parent.with_name(str(year)) / source.name
    return (f"move it: mkdir -p {shlex.quote(str(target.parent))} && git mv {shlex.quote(path)} {shlex.quote(str(target))}"
            f" (or, in GitHub's web editor, rename it to ../{year}/{source.name})")


def _make_incident(raw: RawFile, data: dict, record_id: str, config: Config) -> Incident:
    casualties = data.get("casualties")
    return Incident(
        id=record_id,
        path=raw.path,
        title=data["title"],
        date=data["date"],
        date_end=data.get("date_end"),
        location=Location(**data["location"]),
        status=data["status"],
        sources=tuple(Source(**source) for source in data["sources"]),
        body=raw.body_source,
        digest=raw.digest,
        terms=tuple((t.key, data[t.key]) for t in config.taxonomies if data.get(t.key)),
        casualties=Casualties(**casualties) if casualties else None,
        related=data.get("related", ()),
        summary=data.get("summary"),
        content_warning=data.get("content_warning"),
        updated=data.get("updated"),
        corrections=tuple(Correction(**item) for item in data.get("corrections", ())),
        previous_ids=data.get("previous_ids", ()),
        duplicate_of=data.get("duplicate_of"),
        draft=data.get("draft", False),
        lang=data.get("lang"),
        lines=raw.lines.top_level(),
        uncounted_as="" if config.status(data["status"]).counted else config.status(data["status"]).label,
    )
