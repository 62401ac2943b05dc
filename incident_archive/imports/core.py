"""Import stage (shared): a CSV file's rows read, and each row's record written as text and checked.

A format (acled.py, table.py) turns each row into a Draft: the record's fields, its body, its
translations and, for each field, the column it came from. This module writes the Draft as a record
file, in the declared order of the fields (schema.INCIDENT_FIELDS), and checks that text with the
very rules `check` applies, so that what the import writes passes `check`, and a row whose record
would not is reported at its row and column instead of being written.

Problems are model.Problem values: FILE:ROW: column: message, ROW the row as a spreadsheet numbers
it (the header is 1), whatever line breaks its quoted cells hold.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import inputs
from ..config import Config
from ..content import INCIDENTS_DIR, split_front_matter
from ..dates import MONTHS, PartialDate, parse_partial_date
from ..fields import ListOf, Record
from ..model import Incident, Problem
from ..scaffold import file_slug
from ..schema import (
    PUBLISHED_DECIMALS,
    RESERVED_IDS,
    Declared,
    incident_fields,
    incident_schema,
    validate_incident,
    validate_translation,
)
from ..translations import text_version

# The parts of a record a translation holds (schema.TRANSLATION_SCHEMA), as a row may give them.
TRANSLATED = ("title", "summary", "location", "content_warning", "body")
MAX_FILE_BYTES = 200_000_000  # an export larger than this is refused, not read into memory


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]  # column → its text, without surrounding blanks ("" when empty)


@dataclass
class Table:
    shown: str  # the file as the user named it: every problem starts with it
    columns: list[str]
    rows: list[Row]  # those that can be read: a row with a control character is reported instead
    total: int = 0  # rows that are not blank


@dataclass
class Draft:
    """The record one row makes, before it is written and checked."""

    row: int
    record_id: str
    meta: dict[str, Any]  # front matter; dates as PartialDate
    origins: dict[str, str]  # a field ("location.lat", "sources") → the column it came from
    body: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # language → TRANSLATED parts


@dataclass(frozen=True)
class Made:
    """A row's files, as text, ready for the ledger to decide on."""

    row: int
    record_id: str
    id_column: str  # where a problem with the record as a whole (a conflict) is reported
    path: str
    text: str
    translations: tuple[tuple[str, str], ...]  # (language, text) of each translation


def problem(shown: str, row: int, column: str, message: str) -> Problem:
    return Problem(shown, row, column, message)


# Reading

def read_table(path: Path, shown: str) -> tuple[Table | None, list[Problem]]:
    """The file's header and rows; None with the problem when it cannot be read as CSV at all."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [problem(shown, 1, "file", f"is larger than {inputs.size_text(MAX_FILE_BYTES)}: split it")]
        data = path.read_bytes()
    except OSError as error:
        return None, [problem(shown, 1, "file", inputs.unreadable(error))]
    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [problem(shown, line, "file", f"is not UTF-8 (byte 0x{data[error.start]:02x} on line {line}): "
                                                   "save it as CSV UTF-8")]
    # newline="": the csv module itself splits rows, so that a quoted cell keeps its line breaks.
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as error:  # a cell longer than the csv module reads (128 KB), a NUL byte
        return None, [problem(shown, 1, "file", f"cannot be read as CSV: {error}")]
    if not records or not any(cell.strip() for cell in records[0]):
        return None, [problem(shown, 1, "file", "has no header row: its first row must name the columns")]
    columns = [cell.strip() for cell in records[0]]
    problems = _header_problems(shown, columns)
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank row, as spreadsheets leave at the end
        if len(cells) > len(columns):
            problems.append(problem(shown, number, "row", f"has {len(cells)} cells but the header names "
                                                          f"{len(columns)} columns: quote a cell that holds the separator"))
            continue
        row = Row(number, {column: cell.strip() for column, cell in zip(columns, cells, strict=False) if column})
        controls = _control_problems(shown, row)
        problems += controls
        if not controls:
            rows.append(row)
    total = sum(1 for cells in records[1:] if any(cell.strip() for cell in cells))
    return Table(shown, columns, rows, total), problems


def _delimiter(text: str) -> str:
    """A comma, unless the header holds more semicolons or tabs (Excel's CSV in many locales; Uwazi takes both)."""
    header = text.split("\n", 1)[0]  # a header's names hold no line break
    return max((",", ";", "\t"), key=header.count)


def _header_problems(shown: str, columns: list[str]) -> list[Problem]:
    found, seen = [], set()
    for index, column in enumerate(columns, start=1):
        if not column:
            found.append(problem(shown, 1, f"column {index}", "has no name in the header: name it or delete it"))
        elif column.lower() in seen:
            found.append(problem(shown, 1, column, "is named twice in the header"))
        seen.add(column.lower())
    return found


def _control_problems(shown: str, row: Row) -> list[Problem]:
    found = []
    for column, cell in row.cells.items():
        control = inputs.find_control(cell)
        if control:
            found.append(problem(shown, row.number, column, f"holds a control character (U+{ord(control.group()):04X}), "
                                                            "which no page or feed may carry: delete it"))
    return found


# Values

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})")  # 04 March 2022, 4-Mar-2022
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+) (\d{1,2}), (\d{4})")  # January 15, 2023 (Uwazi)


def parse_date(text: str) -> PartialDate:
    """YYYY-MM-DD (or with slashes), YYYY-MM, YYYY, "4 March 2022", "4-Mar-2022" or "March 4, 2022";
    ValueError with the reason otherwise. Never a guess between day and month: 04/03/2022 is refused."""
    text = text.strip()
    if re.fullmatch(r"\d{4}/\d{2}(/\d{2})?", text):
        text = text.replace("/", "-")
    named = _DAY_MONTH_YEAR.fullmatch(text)
    if named:
        return _named(named[3], named[2], named[1], text)
    named = _MONTH_DAY_YEAR.fullmatch(text)
    if named:
        return _named(named[3], named[1], named[2], text)
    return parse_partial_date(text)


def _named(year: str, month_name: str, day: str, text: str) -> PartialDate:
    months = {name.lower(): number for number, name in enumerate(MONTHS) if name}
    months |= {name[:3]: number for name, number in list(months.items())}
    month = months.get(month_name.lower())
    if month is None:
        raise ValueError(f"'{text}': '{month_name}' is not a month's name in English")
    return parse_partial_date(f"{year}-{month:02d}-{int(day):02d}")


def split(cell: str, separator: str) -> list[str]:
    """A cell's several values, blanks left out."""
    return [part.strip() for part in cell.split(separator) if part.strip()]


def number(text: str, low: float, high: float) -> float:
    """A coordinate; ValueError unless it is a decimal number between low and high."""
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not low <= value <= high:
        raise ValueError(f"{text} is not between {low:g} and {high:g}")
    return value


def rounded(value: float, precision: str) -> float:
    """A coordinate with no more decimals than its precision publishes (schema.PUBLISHED_DECIMALS):
    the file is as public as the site, so it holds no more than the site shows."""
    return round(value, PUBLISHED_DECIMALS[precision]) + 0.0  # + 0.0: never -0.0


def record_id(text: str) -> str:
    """An id from a row's identifier or title, as `new` makes one from a title: ASCII, lower case,
    cut at a hyphen to the longest an id may be."""
    return file_slug(text)


def id_problem(record: str) -> str | None:
    if not record:
        return "has no letters or digits to make an id of"
    if record in RESERVED_IDS:
        return f"makes the id '{record}', which the site keeps for its own pages: give the row another"
    return None


_MARKDOWN = re.compile(r"([\\`*_\[\]{}#|~])")


def plain_markdown(text: str) -> str:
    """Plain text as Markdown that shows it as written: no emphasis, link, heading, list or raw HTML
    made by chance from an export's notes (an asterisk, "[size=no report]", a line starting "1.").
    Its paragraphs are kept; the line breaks within one are spaces, as a page shows them anyway."""
    paragraphs = (" ".join(part.split()) for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")))
    return "\n\n".join(_plain_paragraph(paragraph) for paragraph in paragraphs if paragraph)


def _plain_paragraph(text: str) -> str:
    text = _MARKDOWN.sub(r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)  # an entity, by chance
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)  # a tag, by chance
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # a numbered list's first item
    return re.sub(r"^([-+>])", r"\\\1", text)  # a list's item, a quotation


# Writing and checking

def make(draft: Draft, table: Table, config: Config) -> tuple[Made | None, list[Problem]]:
    """The row's record and translations as text, or None with the problems that keep it out; the
    problems are the ones `check` would report, each at the row and at the column it came from."""
    year = draft.meta["date"].year if isinstance(draft.meta.get("date"), PartialDate) else None
    path = f"{INCIDENTS_DIR}/{year or 'undated'}/{draft.record_id}.md"
    text = record_text(draft, config)
    raw, problems = split_front_matter(path, text)
    if raw is None or raw.meta is None:  # cannot happen for text this module wrote; reported, never raised
        return None, [problem(table.shown, draft.row, "row", f"made a record YAML cannot read: {found.message}")
                      for found in problems]
    incident, _, problems = validate_incident(raw, _rules(config)[1], config)
    located = [_at_row(found, draft, table) for found in problems]
    if incident is None:
        return None, located
    translations, more = _translations(draft, incident, path, table, config)
    id_column = draft.origins.get("id", "id")
    return Made(draft.row, draft.record_id, id_column, path, text, translations), located + more


_RULES: dict[int, tuple[Config, tuple[Declared, ...], Record]] = {}


def _rules(config: Config) -> tuple[tuple[Declared, ...], Record]:
    """The archive's fields and schema, made once per import rather than once per row (a third of its time)."""
    if id(config) not in _RULES or _RULES[id(config)][0] is not config:
        _RULES.clear()
        _RULES[id(config)] = (config, incident_fields(config), incident_schema(config))
    return _RULES[id(config)][1:]


def _at_row(found: Problem, draft: Draft, table: Table) -> Problem:
    """A problem of the record's text, told at the row and the column the field came from."""
    return Problem(table.shown, draft.row, column_of(found.field, draft.origins), found.message, found.severity)


def column_of(field_name: str, origins: dict[str, str]) -> str:
    """'sources[2].url' → the column of sources.url, else of sources; the field itself when no column gave it."""
    name = field_name
    while True:
        for key in (name, re.sub(r"\[\d+\]", "", name)):
            if key in origins:
                return origins[key]
        shorter = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", name)
        if shorter == name:
            return field_name
        name = shorter


def record_text(draft: Draft, config: Config) -> str:
    """The record file: its front matter in the declared order, then its body."""
    lines = []
    for declared in _rules(config)[0]:
        value = draft.meta.get(declared.name)
        if value not in (None, "", [], {}):
            lines += _yaml(declared.name, _in_order(value, declared), 0)
    body = draft.body.strip()
    return "---\n" + "\n".join(lines) + "\n---\n" + (f"\n{body}\n" if body else "")


def _in_order(value, declared: Declared):
    """A mapping (or a list of them) with its keys in the order the field declares them."""
    rule = declared.rule.item if isinstance(declared.rule, ListOf) else declared.rule
    if not isinstance(rule, Record):
        return value
    order = list(rule.fields)

    def ordered(mapping: dict) -> dict:
        known = sorted(mapping, key=lambda key: order.index(key) if key in order else len(order))
        return {key: mapping[key] for key in known if mapping[key] not in (None, "")}
    return [ordered(item) for item in value] if isinstance(value, list) else ordered(value)


def _yaml(key: str, value, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        return [f"{pad}{key}:", *(line for name, item in value.items() for line in _yaml(name, item, indent + 2))]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        lines = [f"{pad}{key}:"]
        for item in value:
            inner = [line for name, part in item.items() for line in _yaml(name, part, indent + 4)]
            lines += [f"{pad}  - {inner[0][indent + 4:]}", *inner[1:]]
        return lines
    return [f"{pad}{key}: {scalar(value)}"]


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(scalar(item) for item in value) + "]"
    if _BARE.fullmatch(str(value)) and str(value).lower() not in _YAML_WORDS:
        return str(value)  # a code or a term (UA, settlement, reported), as the sample records write them
    return quoted(str(value))


_BARE = re.compile(r"[a-z][a-z0-9-]*|[A-Z]{2}")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}  # YAML 1.1 reads them as flags


def quoted(text: str) -> str:
    """A YAML double-quoted string (a JSON string is one), with every unprintable character escaped."""
    if text.isprintable():  # nearly always: only the quotes and backslashes need escapes, which JSON gives
        return json.dumps(text, ensure_ascii=False)
    return "".join(char if char.isprintable() or char == " " else
                   f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
                   for char in json.dumps(text, ensure_ascii=False))


def _translations(draft: Draft, incident: Incident, path: str, table: Table,
                  config: Config) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """Each language's translation file, as `new --translate` lays it out, with the version of the
    original's text it translates (translated_from), so that check tells when the original changes."""
    made, problems = [], []
    for language, parts in sorted(draft.translations.items()):
        target = f"{path.removesuffix('.md')}.{language}.md"
        lines = [f"{name}: {quoted(parts[name])}" for name in TRANSLATED if name != "body" and parts.get(name)]
        lines.append(f"translated_from: {text_version(incident)}")
        body = parts.get("body", "").strip()
        text = "---\n" + "\n".join(lines) + "\n---\n" + (f"\n{body}\n" if body else "")
        raw, found = split_front_matter(target, text)
        if raw is not None:
            _, found = validate_translation(raw, path, language, config)
        origins = {name: draft.origins.get(f"{name}__{language}", name) for name in TRANSLATED}
        problems += [Problem(table.shown, draft.row, column_of(item.field, origins), item.message, item.severity)
                     for item in found]
        if not any(item.is_error for item in found):
            made.append((language, text))
    return tuple(made), problems
