"""The `import` command: rows of an ACLED export, an Uwazi CSV or any CSV (with a mapping) → incident records.

It reads the rows (imports/core.py), makes each row's record as its format says (imports/acled.py,
imports/table.py), checks it by the archive's own rules, then writes what the ledger allows
(imports/ledger.py): new records, and records the import wrote and no one edited since. Every
problem is reported at once, as FILE:ROW: column: message; the good rows are imported all the same
(unless --dry-run), and the exit status is 1 while any row has a problem, so that a script notices.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SUMMARY = "turn the rows of an ACLED export, an Uwazi CSV or any CSV into records"
DESCRIPTION = """\
Turn each row of FILE into an incident record, content/incidents/<year>/<id>.md
(and a translation beside it for a column such as title__uk). --format acled
reads ACLED's export as it is; uwazi reads Uwazi's CSV, its columns named after
the template's properties; csv reads any CSV, with --mapping FILE saying which
column is which field (docs/import.md). Each record is checked as check would
check it. Every problem is printed at once, as FILE:ROW: column: message, ROW
as a spreadsheet numbers it (the header is 1); the other rows are imported.

Importing the same file again changes nothing. A row that changed rewrites its
record only if no one edited the record since its import; otherwise it is a
conflict, reported, and the record is left as it is. import-ledger.json, beside
site.yaml, remembers what the import wrote: commit it with the records.
--dry-run writes nothing and prints what would be written.

exit status: 0 imported, 1 some rows have problems (the rest are imported),
2 bad usage"""
EXAMPLES = """\
  %(prog)s acled-2022.csv --format acled --dry-run
  %(prog)s acled-2022.csv --format acled
  %(prog)s uwazi-export.csv --format uwazi
  %(prog)s spreadsheet.csv --format csv --mapping spreadsheet-mapping.yaml"""
FORMATS = ("acled", "uwazi", "csv")
EXIT_OK, EXIT_PROBLEMS = 0, 1  # as cli.py's (imported from there lazily, it imports this module)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the CSV file to import (UTF-8; comma, semicolon or tab)")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="acled: ACLED's export; uwazi: Uwazi's CSV; csv: any CSV, with --mapping")
    parser.add_argument("--mapping", metavar="FILE",
                        help="a YAML file mapping each column to a field (required with --format csv)")
    parser.add_argument("--dry-run", action="store_true", help="write nothing; print what would be written")


def run(args: argparse.Namespace, root: Path) -> int:
    from .config import load_config
    from .imports import acled, core, ledger

    config, problems = load_config(root)
    if config is None:
        return _failed(problems)
    if args.format == "acled":
        setup = acled.setup_problems(config)
        if setup:
            print(f"import: {setup[0]}", file=sys.stderr)
            return EXIT_PROBLEMS
    records, found = core.read_table(Path(args.file), args.file)
    if records is None:
        return _failed(found)
    made, found = _made(records, config, args, found)
    past, ledger_problems = ledger.load(root)
    if past is None:
        return _failed(found + ledger_problems)
    plan = ledger.plan(made, past, root, _claimed(root, config), records.shown)
    found += plan.problems
    for item in sorted(found):
        print(item)
    if not args.dry_run and (plan.writes or plan.removals or plan.ledger.records != past.records):
        ledger.apply(root, plan)
    return _summary(args, records, plan, found)


def _made(records, config, args, found: list) -> tuple[list, list]:
    """Each good row's files, in row order; the first row with an id wins, a later one is a problem."""
    from .imports import acled, core, table

    if args.format == "acled":
        found = found + acled.header_problems(records)
        reading: table.Reading | None = None
    else:
        mapping = Path(args.mapping) if args.mapping else None
        reading, more = table.prepare(records, config, args.format, mapping, args.mapping or "")
        found = found + more
        if reading is None:
            return [], found
    made: list[core.Made] = []
    first_row: dict[str, int] = {}  # id → the row that gave it first
    for row in records.rows:
        if reading is None:
            draft, more = acled.draft(row, records)
        else:
            draft, more = table.draft(row, records, reading, config)
        found += more
        if draft is None:
            continue
        if draft.record_id in first_row:
            found.append(core.problem(records.shown, row.number, draft.origins.get("id", "id"),
                                      f"the id '{draft.record_id}' is also row {first_row[draft.record_id]}'s: "
                                      "this row was not imported"))
            continue
        first_row[draft.record_id] = row.number
        result, more = core.make(draft, records, config)
        found += more
        if result is not None:
            made.append(result)
    return made, found


def _claimed(root: Path, config) -> dict[str, str]:
    """Every id and previous id the archive's records hold → the file: an import never takes one."""
    from . import pipeline

    return pipeline.claimed_ids(root, config)


def _summary(args, records, plan, found) -> int:
    errors = [item for item in found if item.is_error]
    for path, _, kind in plan.writes:
        print(f"{'would write' if args.dry_run else 'wrote'} {path}{' (updated)' if kind == 'updated' else ''}")
    for path in plan.removals:
        print(f"{'would remove' if args.dry_run else 'removed'} {path} (moved with its date)")
    written = len(plan.writes)
    verdict = "failed" if errors else "ok"
    rows = records.total
    print(f"import {verdict}{' (dry run)' if args.dry_run else ''}: {rows} row{'s' * (rows != 1)}, "
          f"{written} file{'s' * (written != 1)} {'would be written' if args.dry_run else 'written'}, "
          f"{plan.unchanged} unchanged, {len(errors)} problem{'s' * (len(errors) != 1)}")
    return EXIT_PROBLEMS if errors else EXIT_OK


def _failed(problems) -> int:
    for item in problems:
        print(item)
    return EXIT_PROBLEMS
