"""The `new` command: a blank incident file, with a comment on every field, at the right place.

The fields, their order and their comments are the declared ones (schema.INCIDENT_FIELDS): a field
declared there is in the blank file too. data/new-incident.md lays out the few that need more than
a comment and a blank (the place, the status, the sources, the taxonomies).

The file is written only when nothing in the archive already answers to its id (as an id or a
previous id): an id is permanent, and reusing one would send old links to another incident.
"""

from __future__ import annotations

import datetime
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .content import INCIDENTS_DIR
from .dates import parse_partial_date
from .fields import ListOf, Record
from .model import Incident, Page
from .names import MAX_SLUG_LENGTH, did_you_mean, one_of, slugify
from .schema import Declared, incident_fields

TEMPLATE = Path(__file__).resolve().parent / "data" / "new-incident.md"
COMMENT_WIDTH = 100  # a comment's lines, with their "# "


@dataclass(frozen=True)
class NewIncident:
    """What `new` was asked for; each value may still be missing (it stays a blank to fill in)."""

    title: str = ""
    date: str | None = None
    location: str | None = None
    status: str | None = None


def check_request(request: NewIncident, config: Config) -> list[str]:
    """Problems with the values given on the command line, as `new: --option: message` lines."""
    problems = []
    if request.title and not slugify(request.title):
        problems.append(_problem("title", "has no letters or digits to make a file name from"))
    if request.date is not None:
        try:
            parse_partial_date(request.date)
        except ValueError as reason:
            problems.append(_problem("--date", str(reason)))
    statuses = [status.key for status in config.statuses]
    if request.status is not None and request.status not in statuses:
        problems.append(_problem("--status", f"unknown term '{request.status}'{did_you_mean(request.status, statuses)}; "
                                             f"use one of: {one_of(statuses)}"))
    return problems


def target_path(request: NewIncident, today: datetime.date) -> str:
    """content/incidents/<year>/<slug>.md: the incident's year, or this year's while the date is blank."""
    year = parse_partial_date(request.date).year if request.date else today.year
    return f"{INCIDENTS_DIR}/{year}/{file_slug(request.title)}.md"


def file_slug(title: str) -> str:
    """The title's slug, cut at a hyphen to the longest an id may be (a long title is common; a long id is refused)."""
    slug = slugify(title)
    if len(slug) <= MAX_SLUG_LENGTH:
        return slug
    return slug[: MAX_SLUG_LENGTH + 1].rsplit("-", 1)[0] or slug[:MAX_SLUG_LENGTH]


def check_target(path: str, root: Path, claimed: dict[str, str]) -> list[str]:
    """The file must not exist, and its id must not be anyone's id or previous id."""
    record_id = Path(path).stem
    if (root / path).exists():
        return [_problem("title", f"{path} already exists; it was left as it is")]
    if record_id in claimed:
        return [_problem("title", f"the id '{record_id}' is already used by {claimed[record_id]}; "
                                  "make the title more specific (add the place or the date)")]
    return []


def blank_record(request: NewIncident, config: Config) -> str:
    import jinja2  # a dependency already; imported here so that builds do not pay for it

    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    values = {
        "title": _quoted(request.title),
        "date": " " + parse_partial_date(request.date).iso() if request.date else "",
        "location": _quoted(request.location or ""),
        "status": " " + request.status if request.status else "",
    }
    env.filters["comment"] = comment
    env.filters["blank"] = lambda field: blank(field, values.get(field.name, ""))
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(fields=incident_fields(config), values=values, statuses=config.statuses)


def comment(text: str) -> str:
    return "\n".join(f"# {line}" for line in textwrap.wrap(text, COMMENT_WIDTH - 2))


def blank(field: Declared, value: str = "") -> str:
    """A field's comment, then its key with the value given on the command line, or left to fill in:
    a list as [], a mapping as its keys."""
    lines = [comment(field.help)]
    if isinstance(field.rule, ListOf):
        lines.append(f"{field.name}:{value or ' []'}")
    elif isinstance(field.rule, Record):
        lines += [f"{field.name}:", *(f"  {key}:" for key in field.rule.fields)]
    else:
        lines.append(f"{field.name}:{value}")
    return "\n".join(lines)


def blank_translation(root: Path, config: Config, language: str, original: str) -> tuple[str, str, list[str]]:
    """(the translation's path, its text, problems) for `new --translate LANG FILE`: the original's
    text to translate in place, with the translated_from of that text, so that check tells when the
    original changes."""
    from . import content  # the read and validate stages, for the original: only `new --translate` needs them
    from .schema import incident_schema, validate_incident, validate_page
    from .translations import text_version

    original = original.replace("\\", "/").removeprefix("./")
    others = config.languages[1:]
    if language not in others:
        listed = ", ".join(others) if others else "none: add languages: [" + ", ".join((config.language, language)) + "] first"
        return "", "", [_problem("--translate", f"'{language}' is not one of site.yaml's other languages ({listed})")]
    is_incident = original.startswith(INCIDENTS_DIR + "/")
    if not original.endswith(".md") or not (is_incident or original.startswith(content.PAGES_DIR + "/")
                                            or original == content.HOME_FILE):
        return "", "", [_problem("FILE", f"'{original}' is not a record, a page or content/_index.md: give its path "
                                         "from the archive folder, such as content/incidents/2022/bucha.md")]
    target = f"{original.removesuffix('.md')}.{language}.md"
    if (root / target).exists():
        return "", "", [_problem("FILE", f"{target} already exists; it was left as it is")]
    raw, problems = content.read_file(root, original) if (root / original).is_file() else (None, [])
    record: Incident | Page | None = None
    if raw is not None and raw.meta is not None:
        if is_incident:
            record, _, problems = validate_incident(raw, incident_schema(config), config)
        else:
            record, problems = validate_page(raw)
    if raw is None or record is None:
        found = [str(problem) for problem in problems if problem.is_error]
        return "", "", found or [_problem("FILE", f"{original} does not exist")]
    return target, _translation_text(record, raw.body, text_version(record), language), []


def _translation_text(record: Incident | Page, body: str, version: str, language: str) -> str:
    """A translation's file, holding the original's text where its translation goes."""
    lines = ["---", *(f"# {line}" for line in textwrap.wrap(
        f"Translate the text below into {language}, in place. A translation holds text only: the facts (dates, "
        f"the place, the sources...) are the original's, {record.path}. translated_from names the version of "
        "the original's text this translation is of: check says when the original's text changes. Add "
        "machine_translated: true if software made the translation.", COMMENT_WIDTH - 2)),
             f"title:{_quoted(record.title)}"]
    if record.summary:
        lines.append(f"summary:{_quoted(record.summary)}")
    if isinstance(record, Incident):
        lines.append(f"location:{_quoted(record.location.name)}")
        if record.content_warning:
            lines.append(f"content_warning:{_quoted(record.content_warning)}")
        if record.corrections:
            lines += ["corrections:", *(f"  - note:{_quoted(correction.note)}" for correction in record.corrections)]
        media = record.get("media") or ()
        if media:
            lines += ["media:", *("  - {" + ", ".join(f"{key}:{_quoted(item[key])}" for key in ("caption", "alt")
                                                      if item.get(key)) + "}" for item in media)]
    lines += [f"translated_from: {version}", "---"]
    return "\n".join(lines) + ("" if body.startswith("\n") else "\n") + body


def _quoted(text: str) -> str:
    """' "text"' for any text (a JSON string is a valid YAML double-quoted one); blank stays blank."""
    return " " + json.dumps(text, ensure_ascii=False) if text else ""


def _problem(option: str, message: str) -> str:
    return f"new: {option}: {message}"
