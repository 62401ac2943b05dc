"""Import stage (Uwazi and plain CSV): a row whose columns name record fields, directly or through a mapping.

Both formats map each column to a target: a field of the record (title, date, location.lat,
sources.url, a taxonomy...), listed in TARGETS and docs/import.md. Uwazi's CSV names its columns
after its template's properties, so the properties named like the fields need no mapping, several
values in a cell are separated by |, a geolocation is "lat|lon", a date range "start:end", and
title__uk holds the title in Ukrainian. A plain CSV names its columns as it likes: a mapping file
(YAML) says which column is which field. In both, a column that maps to nothing is a problem,
never dropped unseen (Uwazi itself drops a misnamed geolocation column: its issue #4959).
Uwazi's conventions are those of its CSV import reference (docs.uwazi.io/docs/reference/csv-import:
headers cleaned to property names, `<property>__<language>`, the reserved `id` and `title`) and of
its wiki's "Import CSV" page (`|` between values, the latitude first in a geolocation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..model import Problem
from ..names import did_you_mean
from ..schema import PRECISIONS
from ..yaml_loader import Lines, load_yaml
from .core import TRANSLATED, Draft, Row, Table, id_problem, number, parse_date, problem, record_id, rounded, split

PLAIN = {"title", "summary", "content_warning", "body", "status", "location.name", "location.admin1",
         "location.admin2", "location.country", "location.precision"}
DATES = {"date", "date_end", "updated"}
SOURCE_PARTS = ("url", "description", "title", "publisher", "date", "type", "language", "archived_url")
TARGETS = ({"id", "location.lat", "location.lon", "location.coordinates", "casualties.killed", "casualties.injured"}
           | PLAIN | DATES | {f"sources.{part}" for part in SOURCE_PARTS})
ALIASES = {"location": "location.name", "sources": "sources.url", "source": "sources.url", "killed": "casualties.killed",
           "injured": "casualties.injured", "description": "body", "country": "location.country",
           "admin1": "location.admin1", "admin2": "location.admin2", "latitude": "location.lat",
           "longitude": "location.lon", "precision": "location.precision"}
# A translation's parts, as targets: title__uk, location__uk...
TRANSLATED_TARGETS = {"title": "title", "summary": "summary", "location.name": "location",
                      "content_warning": "content_warning", "body": "body"}
assert set(TRANSLATED_TARGETS.values()) == set(TRANSLATED)


@dataclass
class Reading:
    """How the file's columns are read: each column's target, values every row gets, the separator."""

    format: str  # "uwazi" or "csv"
    columns: dict[str, str]  # column → target ("" for a column left out on purpose)
    values: dict[str, str] = field(default_factory=dict)  # target → the value of every row without one
    separator: str = "|"
    lines: dict[str, int] = field(default_factory=dict)  # column → its line in the mapping file


def prepare(table: Table, config: Config, format: str, mapping: Path | None,
            mapping_shown: str) -> tuple[Reading | None, list[Problem]]:
    """Each column's target, from the mapping file and (for Uwazi) the properties' names; a column
    with none, or a target that is not a field, is a problem."""
    reading = Reading(format, {}, separator="|" if format == "uwazi" else ";")
    problems: list[Problem] = []
    if mapping is not None:
        problems += _read_mapping(mapping, mapping_shown, reading, config)
    elif format == "csv":
        return None, [problem(table.shown, 1, "--mapping", "a plain CSV needs a mapping file that says which column "
                                                           "is which field (docs/import.md)")]
    for column in table.columns:
        if not column or column in reading.columns:
            continue
        target = _uwazi_target(column, config) if format == "uwazi" else None
        if target is None:
            known = sorted(TARGETS | set(ALIASES) | _taxonomies(config))
            hint = "map it in the mapping file (or map it to nothing to leave it out)"
            problems.append(problem(table.shown, 1, column, f"is not a field of the record{did_you_mean(column, known)}"
                                                            f": rename it, or {hint}"))
        else:
            reading.columns[column] = target
    for column in [column for column in reading.columns if column not in table.columns]:
        lacking = f"no column of {table.shown} is called '{column}'{did_you_mean(column, table.columns)}"
        problems.append(problem(mapping_shown, reading.lines.get(column, 1), f"columns.{column}", lacking))
    return reading, problems


def _uwazi_target(column: str, config: Config) -> str | None:
    """The target of an Uwazi property's column: its name as Uwazi cleans it ("Date of event" → date_of_event)."""
    name, _, language = column.strip().lower().replace(" ", "_").partition("__")
    if name.endswith("geolocation"):  # Uwazi names its geolocation properties x_geolocation
        name = "location.coordinates"
    target = canonical(f"{name}__{language}" if language else name)
    return target if _target_problem(target, config) is None else None


def canonical(target: str) -> str:
    """A target as the import knows it: location__uk → location.name__uk, killed → casualties.killed."""
    name, _, language = target.partition("__")
    name = ALIASES.get(name, name)
    return f"{name}__{language}" if language else name


def _taxonomies(config: Config) -> set[str]:
    return {taxonomy.key for taxonomy in config.taxonomies}


def _target_problem(target: str, config: Config) -> str | None:
    name, _, language = target.partition("__")
    if language:
        if name not in TRANSLATED_TARGETS:
            return f"'{name}' is not text a translation holds (only {', '.join(TRANSLATED_TARGETS)})"
        if language not in config.languages[1:]:
            others = ", ".join(config.languages[1:]) or "none"
            return f"'{language}' is not one of site.yaml's other languages ({others})"
        return None
    if name in TARGETS or name in _taxonomies(config):
        return None
    return f"'{name}' is not a field{did_you_mean(name, TARGETS | _taxonomies(config))}"


def _read_mapping(path: Path, shown: str, reading: Reading, config: Config) -> list[Problem]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return [problem(shown, 1, "file", f"cannot be read: {error}")]
    data, node, problems = load_yaml(shown, text, what="mapping")
    if data is None:
        return problems
    lines = Lines(node, 1)
    for key in data:
        if key not in ("columns", "values", "separator"):
            problems.append(problem(shown, lines.of((key,)), str(key), "is not a setting of a mapping file "
                                    f"{did_you_mean(str(key), ('columns', 'values', 'separator'))}: use columns, "
                                    "values and separator"))
    columns, values = data.get("columns"), data.get("values") or {}
    if not isinstance(columns, dict) or not isinstance(values, dict):
        return problems + [problem(shown, lines.of(("columns",)), "columns", "must be a mapping of each column's name "
                                   "to its field (values: too, of a field to its value)")]
    for column, target in columns.items():
        where = lines.of(("columns", column))
        target = canonical(str(target)) if target is not None else ""
        reason = _target_problem(target, config) if target else None
        if reason:
            problems.append(problem(shown, where, f"columns.{column}", reason))
        reading.columns[str(column)] = "" if reason else target  # reported: not read as anything
        reading.lines[str(column)] = where
    for key, value in values.items():
        target = canonical(str(key))
        reason = _target_problem(target, config)
        if reason or value is None:
            problems.append(problem(shown, lines.of(("values", key)), f"values.{key}", reason or "is empty"))
        else:
            reading.values[target] = str(value).lower() if isinstance(value, bool) else str(value)
    separator = data.get("separator", reading.separator)
    if not isinstance(separator, str) or not separator.strip():
        problems.append(problem(shown, lines.of(("separator",)), "separator", "must be a character, such as ; or |"))
    else:
        reading.separator = separator.strip()
    return problems


def draft(row: Row, table: Table, reading: Reading, config: Config) -> tuple[Draft | None, list[Problem]]:
    problems: list[Problem] = []

    def report(column: str, message: str) -> None:
        problems.append(problem(table.shown, row.number, column, message))

    given: dict[str, tuple[str, str]] = {target: (value, "") for target, value in reading.values.items()}
    for column, cell in row.cells.items():
        target = reading.columns.get(column)
        if target and cell:
            given[target] = (cell, column)
    origins = {target: column for target, (_, column) in given.items() if column}
    meta, translations = _fields(given, reading, config, report)
    body = meta.pop("body", "")
    title = meta.get("title", "")
    named = given["id"][0] if "id" in given else title
    identifier = record_id(named)
    if id_problem(identifier):
        report(origins.get("id", origins.get("title", "title")), f"'{named}' {id_problem(identifier)}")
    if problems:
        return None, problems
    return Draft(row.number, identifier, meta, origins, body=body, translations=translations), []


def _fields(given: dict[str, tuple[str, str]], reading: Reading, config: Config, report) -> tuple[dict, dict]:
    meta: dict = {"status": "reported"}
    place: dict = {}
    sources: dict[str, list[str]] = {}
    translations: dict[str, dict[str, str]] = {}
    for target, (text, column) in sorted(given.items()):
        where = column or f"values.{target}"
        name, _, language = target.partition("__")
        if language:
            translations.setdefault(language, {})[TRANSLATED_TARGETS[name]] = text
        elif name in DATES:
            meta |= _date(name, text, reading, where, report)
        elif name.startswith("location."):
            _place(name.removeprefix("location."), text, place, reading, where, report)
        elif name.startswith("sources."):
            sources[name.removeprefix("sources.")] = split(text, reading.separator)
        elif name.startswith("casualties."):
            figure = _figure(text, where, report)
            if figure is not None:
                meta.setdefault("casualties", {})[name.removeprefix("casualties.")] = figure
        elif name in _taxonomies(config):
            meta[name] = split(text, reading.separator)
        elif name != "id":
            meta[name] = text
    meta["location"] = _located(place, given, report)
    meta["sources"] = _zipped(sources, given, reading, report)
    return meta, translations


def _date(name: str, text: str, reading: Reading, where: str, report) -> dict:
    """A date; in Uwazi's CSV, a date range start:end gives the date and its end."""
    parts = text.split(":") if reading.format == "uwazi" and name == "date" and ":" in text else [text]
    if not parts[0].strip():  # Uwazi writes a range without its start as :2000/12/01
        report(where, f"'{text}' gives no start: a record's date is required (never guessed)")
        return {}
    try:
        dates = [parse_date(part) for part in parts if part.strip()]
    except ValueError as reason:
        report(where, str(reason))
        return {}
    if len(parts) > 2 or not dates:
        report(where, f"'{text}' is not a date, or a range written start:end")
        return {}
    return {name: dates[0], **({"date_end": dates[1]} if len(dates) == 2 else {})}


def _place(key: str, text: str, place: dict, reading: Reading, where: str, report) -> None:
    try:
        if key == "coordinates":  # Uwazi's "lat|lon"; a plain CSV's "lat, lon" or "lat;lon" too
            parts = [part for part in re.split(r"[|;,]\s*|\s+", text.strip()) if part]
            if len(parts) != 2:
                raise ValueError(f"'{text}' is not a latitude and a longitude, as in 50.45|30.52")
            place["lat"], place["lon"] = number(parts[0], -90, 90), number(parts[1], -180, 180)
        elif key in ("lat", "lon"):
            place[key] = number(text, -90, 90) if key == "lat" else number(text, -180, 180)
        else:
            place[key] = text.upper() if key == "country" else text
    except ValueError as reason:
        report(where, str(reason))


def _located(place: dict, given: dict[str, tuple[str, str]], report) -> dict:
    """The location, its coordinates rounded to the precision the row gives, which it must give with them."""
    if "lat" in place or "lon" in place:
        precision = place.get("precision")
        column = (given.get("location.lat") or given.get("location.coordinates") or ("", ""))[1]
        if precision not in PRECISIONS:
            where = (given.get("location.precision") or ("", ""))[1] or column or "location.precision"
            report(where, "coordinates need their precision, one of " + ", ".join(PRECISIONS) + ": map a column to "
                   "location.precision, or give it under values: in the mapping file (never the exact place of a "
                   "home or shelter)" if precision is None else f"'{precision}' is not one of {', '.join(PRECISIONS)}")
            return place
        place |= {key: rounded(place[key], precision) for key in ("lat", "lon") if key in place}
    else:
        place.pop("precision", None)  # a precision of no coordinates: values: gives it to every row
    return place


def _figure(text: str, where: str, report) -> int | str | None:
    if re.fullmatch(r"[0-9]+", text):  # not isdigit(), which takes ² and other digits int() refuses
        return int(text)
    if re.fullmatch(r"\d+\s*[-–]\s*\d+", text):
        return text
    report(where, f"'{text}' is not a whole number or a range such as 8-10")
    return None


def _zipped(sources: dict[str, list[str]], given: dict[str, tuple[str, str]], reading: Reading, report) -> list[dict]:
    """The sources, the nth value of each column making the nth source."""
    counts = {part: len(values) for part, values in sources.items()}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{given['sources.' + part][1] or part} {count}" for part, count in counts.items())
        report(given[f"sources.{next(iter(counts))}"][1] or "sources",
               f"the source columns give different numbers of values ({listed}): give each source's parts in the "
               f"same order, separated by {reading.separator}")
        return []
    total = max(counts.values(), default=0)
    return [{part: values[index] for part, values in sources.items()} for index in range(total)]
