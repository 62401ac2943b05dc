"""Docs stage: the front-matter reference, docs/front-matter.md, made from the declared fields.

    python -m incident_archive.docs > docs/front-matter.md

Every field's text, form and place in the open data come from schema.INCIDENT_FIELDS, the table
the checks and the outputs read: the reference cannot describe a field the engine does not have.
A test fails while the committed file differs from what this prints.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from . import schema
from .config import Config, _make_config
from .fields import Field, ListOf, Record
from .schema import Declared, Taxonomies

COMMAND = "python -m incident_archive.docs > docs/front-matter.md"
WIDTH = 100

INTRODUCTION = f"""\
# Front matter of an incident

<!-- Made from the declared fields (INCIDENT_FIELDS in incident_archive/schema.py) by
`{COMMAND}`: change the declarations, then run it. -->

An incident is one file, `content/incidents/YYYY/<slug>.md`: its front matter, YAML between two
`---` lines, then its description in Markdown. `python build.py new "A title"` writes a blank one
with a comment above each field ([incident-template.md](incident-template.md)), and
[CONTRIBUTING.md](../CONTRIBUTING.md) says what each field means in plain words.

The vocabularies below are those of an archive whose `site.yaml` sets none: its `statuses` and
`taxonomies` replace them. "Open data" says where a field is in `data/incidents.json` (and each
record's own `index.json`), `data/incidents.csv` and `data/incidents.geojson`.
"""


def front_matter_reference(config: Config | None = None) -> str:
    config = config or _make_config(Path("."), {"title": "Incident archive"})  # site.yaml's defaults
    sections = [INTRODUCTION, f"Required: {', '.join(_required(config))}.\n"]
    for entry in schema.INCIDENT_FIELDS:
        if isinstance(entry, Taxonomies):
            sections.append(_taxonomies_section(entry, config))
        else:
            sections.append(_section(entry.bound(config)))
    return "\n".join(sections)


def _required(config: Config) -> list[str]:
    return [f"`{field.name}`" for field in schema.INCIDENT_FIELDS
            if isinstance(field, Declared) and field.bound(config).rule.required]


def _section(field: Declared) -> str:
    facts = [f"**Form:** {_form(field.rule)}"]
    if field.rule.required:
        facts.append("**Required.**")
    if field.for_maintainers:
        facts.append("**Set by the maintainers**, for later changes: left empty in a new record.")
    if field.label:
        facts.append(f"**On the page:** among the record's facts, as “{field.label}”.")
    facts.append(f"**Open data:** {_open_data(field)}")
    return f"## `{field.name}`\n\n{_wrapped(field.help)}\n\n" + "".join(_item(fact) for fact in facts)


def _taxonomies_section(entry: Taxonomies, config: Config) -> str:
    fields = list(entry.declared(config))
    names = ", ".join(f"`{field.name}`" for field in fields)
    facts = [f"**Form:** {_form(fields[0].rule)}",
             "**Open data:** a list under the taxonomy's name in the JSON; a CSV column of that name, its "
             "terms separated by `; `; a GeoJSON property of that name."]
    return (f"## Taxonomies: {names}\n\n{_wrapped('One field for each taxonomy of `site.yaml`. ' + entry.help)}\n\n"
            + "".join(_item(fact) for fact in facts))


def _form(rule: Field) -> str:
    """The form in words; a mapping's keys, or those of a list's mappings, as a list of their own."""
    record = rule.item if isinstance(rule, ListOf) and isinstance(rule.item, Record) else rule
    if not isinstance(record, Record):
        return rule.describe() + "."
    form = "a mapping" if record is rule else "a list of mappings (a single one may be written alone)"
    notes = [f"`{' or '.join(record.one_of_required)}` is required"] if record.one_of_required else []
    if record.paired:
        notes.append(f"give both `{record.paired[0]}` and `{record.paired[1]}`, or neither")
    if record.shorthand:
        notes.append(f"text alone stands for its `{record.shorthand}`")
    keys = [f"`{key}`{' (required)' if sub.required else ''}: {sub.describe()}" for key, sub in record.fields.items()]
    return f"{form}{' (' + '; '.join(notes) + ')' if notes else ''}:\n" + "".join(_item(key, "  ") for key in keys)


def _open_data(field: Declared) -> str:
    if not field.published:
        return "none (a record with it is never published)."
    note = f" ({field.data_note.rstrip('.')})" if field.data_note else ""
    places = [f"`{field.name}` in the JSON{note}"]
    columns = [column.name for column in field.flat_columns]
    properties = [column.geojson for column in field.flat_columns if column.geojson]
    if columns:
        places.append(f"CSV {'column' if len(columns) == 1 else 'columns'} {_names(columns)}")
    if properties:
        places.append(f"GeoJSON {'property' if len(properties) == 1 else 'properties'} {_names(properties)}")
    return "; ".join(places) + "."


def _names(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _wrapped(text: str) -> str:
    return textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)


def _item(text: str, indent: str = "") -> str:
    """A list item, wrapped; a text that holds its own sub-list keeps it as it is."""
    first, _, rest = text.partition("\n")
    item = textwrap.fill(first, WIDTH, initial_indent=f"{indent}- ", subsequent_indent=f"{indent}  ",
                         break_long_words=False, break_on_hyphens=False)
    return f"{item}\n{rest}" if rest else f"{item}\n"


if __name__ == "__main__":
    sys.stdout.write(front_matter_reference())
