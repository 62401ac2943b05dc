"""Contributor files: the issue forms follow GitHub's rules; CONTRIBUTING.md and the PR template link to files that exist."""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / ".github" / "ISSUE_TEMPLATE"
FORMS = sorted(path for path in TEMPLATES.glob("*.yml") if path.name != "config.yml")
LINKING_FILES = [ROOT / "CONTRIBUTING.md", ROOT / ".github" / "pull_request_template.md"]

TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}
ID = re.compile(r"[A-Za-z0-9_-]+")


def form_problems(form) -> list[str]:
    """What GitHub would refuse in an issue form (from its 'Common validation errors' page)."""
    if not isinstance(form, dict):
        return ["the form is not a mapping"]
    problems = [f"{key} is missing or empty" for key in ("name", "description")
                if not isinstance(form.get(key), str) or not form[key].strip()]
    body = form.get("body")
    if not isinstance(body, list) or not body:
        return problems + ["body is missing or empty"]
    ids, labels = [], []
    for i, item in enumerate(body):
        where = f"body[{i}]"
        kind = item.get("type") if isinstance(item, dict) else None
        attributes = item.get("attributes") if isinstance(item, dict) else None
        if kind not in TYPES:
            problems.append(f"{where}: type {kind!r} is not one of {sorted(TYPES)}")
            continue
        if not isinstance(attributes, dict):
            problems.append(f"{where}: attributes are missing")
            continue
        if kind == "markdown":
            if not isinstance(attributes.get("value"), str) or not attributes["value"].strip():
                problems.append(f"{where}: a markdown item needs attributes.value")
            continue
        if not isinstance(item.get("id"), str) or not ID.fullmatch(item["id"]):
            problems.append(f"{where}: id {item.get('id')!r} must be letters, digits, - and _")
        ids.append(item.get("id"))
        if not isinstance(attributes.get("label"), str) or not attributes["label"].strip():
            problems.append(f"{where}: attributes.label is missing")
        labels.append(attributes.get("label"))
        options = attributes.get("options")
        if kind == "dropdown":
            if not isinstance(options, list) or not options:
                problems.append(f"{where}: a dropdown needs options")
            elif not all(isinstance(o, str) for o in options):
                problems.append(f"{where}: dropdown options must be text (quote yes, no, true...)")
            elif len(set(options)) != len(options):
                problems.append(f"{where}: dropdown options are not unique")
            elif any(o.strip().lower() == "none" for o in options):
                problems.append(f"{where}: 'None' is reserved by GitHub")
        if kind == "checkboxes":
            if not isinstance(options, list) or not options or not all(
                    isinstance(o, dict) and isinstance(o.get("label"), str) and o["label"].strip() for o in options):
                problems.append(f"{where}: every checkbox option needs a label")
            else:
                labels += [o["label"] for o in options]
    problems += [f"id {x!r} is used twice" for x in sorted({x for x in ids if ids.count(x) > 1}, key=str)]
    problems += [f"label {x!r} is used twice" for x in sorted({x for x in labels if labels.count(x) > 1}, key=str)]
    if not ids:
        problems.append("body has no field that accepts input")
    return problems


@pytest.mark.parametrize("path", FORMS, ids=lambda path: path.name)
def test_issue_form_follows_githubs_rules(path):
    assert form_problems(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_both_issue_forms_exist():
    assert {path.name for path in FORMS} >= {"report-incident.yml", "correction.yml"}


def test_form_rules_catch_mistakes():
    broken = {"name": "x", "body": [
        {"type": "markdown", "attributes": {}},
        {"type": "input", "id": "a b", "attributes": {"label": "A"}},
        {"type": "dropdown", "id": "c", "attributes": {"label": "A", "options": ["x", "x"]}},
        {"type": "checkboxes", "id": "c", "attributes": {"label": "D", "options": [{"required": True}]}},
        {"type": "select", "id": "e", "attributes": {"label": "E"}},
    ]}
    problems = "\n".join(form_problems(broken))
    for expected in ("description", "body[0]", "body[1]", "body[2]", "body[3]", "body[4]", "id 'c'", "label 'A'"):
        assert expected in problems


def test_correction_form_has_the_record_field_the_site_prefills():
    form = yaml.safe_load((TEMPLATES / "correction.yml").read_text(encoding="utf-8"))
    records = [item for item in form["body"] if item.get("id") == "record"]
    assert [item["type"] for item in records] == ["input"]


def test_issue_chooser_config_parses():
    config = yaml.safe_load((TEMPLATES / "config.yml").read_text(encoding="utf-8"))
    assert config["blank_issues_enabled"] is True


def relative_links(markdown: str) -> list[str]:
    """Link and image targets outside code that name a file of the repository."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.S | re.M)  # fenced code blocks
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    targets = re.findall(r"\]\(\s*<?([^)\s>]+)", text) + re.findall(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$", text, re.M)
    return [t for t in targets if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|#", t)]


def test_relative_links_are_found():
    text = "[a](docs/x.md#y) ![b](img.png 'title') [c](https://x.org) [d](#top) `[e](f.md)`\n[g]: ../h.md\n"
    assert relative_links(text) == ["docs/x.md#y", "img.png", "../h.md"]


@pytest.mark.parametrize("path", LINKING_FILES, ids=lambda path: path.name)
def test_relative_links_name_existing_files(path):
    # docs/incident-template.md (the blank record) arrives with `build.py new`; it is checked like the rest.
    links = relative_links(path.read_text(encoding="utf-8"))
    missing = [link for link in links if not (path.parent / unquote(link.split("#")[0])).exists()]
    assert missing == []
