"""Import stage (writing): what an import may write, decided from the ledger of what earlier imports wrote.

The ledger is import-ledger.json, beside site.yaml, committed with the records: for each imported
record's id, the path of its file and the SHA-256 of the text the import last wrote there, and the
same for each of its translations. It is the import's memory, so that it never needs the clock or
git, and it is what makes a file "the import's own". A row's files are then:

- new: no file there and none imported before: written;
- unchanged: the row gives the very text the import wrote last time: nothing is written, whatever
  the file holds now (a maintainer's edit stands);
- updated: the row changed and the file still holds the import's text: written again;
- a conflict: the row changed and the file was edited since its import, or a file is there that no
  import wrote: nothing of the row is written, and the row is reported.

A file the ledger names that is no longer there is written again: records leave an archive by a
status (retracted) or duplicate_of, not by deletion; to keep a row out, take it out of the file.
A record whose date moves it to another year's folder moves there, if it was not edited.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Problem
from .core import Made

LEDGER = "import-ledger.json"
_ABOUT = ("Written by `incident-archive import`: each imported record's file and the SHA-256 of the text the "
          "import wrote, so that a re-import never overwrites an edit. Commit it with the records.")


@dataclass
class Ledger:
    # id → {"path": the record's file, "sha256": of the text written, "translations": {language: sha256}}
    records: dict[str, dict] = field(default_factory=dict)


@dataclass
class Plan:
    writes: list[tuple[str, str, str]] = field(default_factory=list)  # (path, text, "new" or "updated")
    removals: list[str] = field(default_factory=list)  # the import's own files, left behind by a move
    unchanged: int = 0  # rows
    problems: list[Problem] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)  # as it is once the plan is carried out


def load(root: Path) -> tuple[Ledger | None, list[Problem]]:
    path = root / LEDGER
    if not path.exists():
        return Ledger(), []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data["records"]
        if not isinstance(records, dict) or not all(isinstance(entry, dict) and isinstance(entry.get("path"), str)
                                                    and isinstance(entry.get("sha256"), str)
                                                    for entry in records.values()):
            raise ValueError("an entry lacks its path or sha256")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        return None, [Problem(LEDGER, 1, "file", f"cannot be read ({error}): restore it from git; without it the "
                                                 "import cannot tell its own files from edited ones")]
    return Ledger({key: dict(entry) for key, entry in records.items()}), []


def plan(made: list[Made], ledger: Ledger, root: Path, claimed: dict[str, str], shown: str) -> Plan:
    """What to write for each row's files; a row with a conflict writes none of them."""
    result = Plan(ledger=Ledger({key: dict(entry) for key, entry in ledger.records.items()}))
    for row in made:
        entry = ledger.records.get(row.record_id)
        owner = claimed.get(row.record_id)
        if owner and owner not in (row.path, entry and entry["path"]):
            result.problems.append(Problem(shown, row.row, row.id_column, f"the id '{row.record_id}' is already "
                                           f"used by {owner}: this row was not imported"))
            continue
        _plan_row(row, entry, root, shown, result)
    return result


def _plan_row(row: Made, entry: dict | None, root: Path, shown: str, result: Plan) -> None:
    old_path = entry["path"] if entry else None
    files = [(row.path, row.text, old_path, entry["sha256"] if entry else None, "record")]
    old_translations = (entry or {}).get("translations", {})
    for language, text in row.translations:
        files.append((_translation(row.path, language), text, old_path and _translation(old_path, language),
                      old_translations.get(language), "translation"))
    decisions = [_decide(root, *file) for file in files]
    conflicts = [message for kind, message in decisions if kind == "conflict"]
    if conflicts:
        result.problems += [Problem(shown, row.row, row.id_column, message) for message in conflicts]
        return
    if all(kind == "unchanged" for kind, _ in decisions):
        result.unchanged += 1
    for (path, text, old, _, _), (kind, _) in zip(files, decisions, strict=True):
        if kind in ("new", "updated"):
            result.writes.append((path, text, kind))
            if old and old != path and (root / old).exists():
                result.removals.append(old)
    result.ledger.records[row.record_id] = {
        "path": row.path, "sha256": _sha(row.text.encode()),
        "translations": {language: _sha(text.encode()) for language, text in row.translations},
    }


def _decide(root: Path, path: str, text: str, old: str | None, recorded: str | None, what: str) -> tuple[str, str]:
    """("new" | "updated" | "unchanged" | "conflict", the conflict's message) for one file."""
    wanted = _sha(text.encode())
    here = _read(root / path)
    if recorded is None or old is None or _read(root / old) is None:
        if here is None:
            return "new", ""
        if _sha(here) == wanted:
            return "unchanged", ""  # already holds what the row gives: taken into the ledger
        return "conflict", (f"{path} already exists and no import wrote it: it was left as it is; give the row "
                            "another id, or delete the file to import the row")
    if wanted == recorded and old == path:
        return "unchanged", ""
    current = _read(root / old)
    if current is None or _sha(current) != recorded:
        return "conflict", (f"the {what} {old} was edited since its import, so this row's change was not "
                            "applied: make the change by hand, or delete the file to import the row again")
    if path != old and here is not None:
        return "conflict", (f"the {what} would move from {old} to {path}, which already exists: it was left "
                            "as it is")
    return "updated", ""


def apply(root: Path, result: Plan) -> None:
    """Write the files, remove those left behind by a move, then the ledger: each file whole or not at all."""
    for path, text, _ in result.writes:
        _write(root / path, text)
    for path in result.removals:
        (root / path).unlink(missing_ok=True)
    records = dict(sorted(result.ledger.records.items()))
    _write(root / LEDGER, json.dumps({"about": _ABOUT, "records": records}, indent=1, sort_keys=True,
                                     ensure_ascii=False) + "\n")


def _write(target: Path, text: str) -> None:
    """Written beside the target, then renamed over it: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _translation(path: str, language: str) -> str:
    return f"{path.removesuffix('.md')}.{language}.md"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
