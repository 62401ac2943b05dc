"""`check` warns when a new incident is likely one the archive already has, and stays quiet otherwise."""

from __future__ import annotations

import subprocess

import pytest

from conftest import front_matters, is_translation, run_cli
from incident_archive import pipeline

ORIGINAL = "content/incidents/2022/kramatorsk-railway-station-strike.md"
COPY = "content/incidents/2022/kramatorsk-station-attack.md"


def git(root, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
                   check=True, capture_output=True)


@pytest.fixture
def reference(reference_copy):
    """The reference archive in a git repository of its own, everything committed."""
    root = reference_copy
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "the reference archive")
    return root


def near_copy(root, **changes: str) -> None:
    """A contributor's new file for the Kramatorsk strike: own id, a day later, 1 km away by default."""
    text = (root / ORIGINAL).read_text(encoding="utf-8")
    text = text.replace("id: kramatorsk-railway-station-strike\n", "")
    text = text.replace("date: 2022-04-08", changes.get("date", "date: 2022-04-09"))
    text = text.replace("lat: 48.726", changes.get("lat", "lat: 48.735"))
    text = text.replace('name: "Kramatorsk railway station, Kramatorsk"', changes.get("name", 'name: "Station square"'))
    text = text.replace("related: [hroza-cafe-missile-strike]", changes.get("related", "related: []"))
    (root / COPY).write_text(text, encoding="utf-8")


def check(root, *args: str) -> tuple[int, list[str]]:
    code, output = run_cli("check", "--root", str(root), *args)
    return code, [line for line in output.splitlines() if "likely the same incident" in line]


def test_a_near_copy_is_reported_naming_both_files(reference):
    near_copy(reference)
    code, warnings = check(reference)
    assert code == 0  # a warning: the maintainers decide
    assert warnings == [
        f"{COPY}:4: location: warning: likely the same incident as {ORIGINAL} (1.0 km apart, 1 day apart): "
        "if it is, add these sources to that record instead; if not, add kramatorsk-railway-station-strike under related"
    ]
    code, _ = check(reference, "--strict")
    assert code == 1  # as the pull-request workflow runs it


def test_the_same_place_name_counts_without_coordinates(reference):
    near_copy(reference, lat="", name='name: "Kramatorsk Railway Station, Kramatorsk"', date="date: 2022-04-11")
    text = (reference / COPY).read_text(encoding="utf-8").replace("  lon: 37.543\n", "")
    (reference / COPY).write_text(text, encoding="utf-8")
    _, warnings = check(reference)
    assert len(warnings) == 1 and "(both at Kramatorsk railway station, Kramatorsk, 3 days apart)" in warnings[0]


@pytest.mark.parametrize("change", [
    {"date": "date: 2022-04-12"},  # four days later
    {"lat": "lat: 48.9"},  # 19 km north, under another name
    {"date": "date: 2022-04"},  # known only to the month
    {"related": "related: [kramatorsk-railway-station-strike]"},  # the contributor says it is another incident
])
def test_far_enough_apart_or_acknowledged_is_quiet(reference, change):
    near_copy(reference, **change)
    assert check(reference) == (0, [])


def test_only_new_records_are_compared(reference):
    near_copy(reference)
    git(reference, "add", ".")
    git(reference, "commit", "-q", "-m", "merged after review")
    assert check(reference) == (0, [])  # already in HEAD: reviewed and accepted
    _, warnings = check(reference, "--since", "HEAD~1")  # as in the pull request that added it
    assert len(warnings) == 1 and warnings[0].startswith(f"{COPY}:4: location:")


def test_an_unknown_revision_is_a_usage_error(reference):
    code, output = run_cli("check", "--root", str(reference), "--since", "no-such-branch")
    assert code == 2 and output.startswith("check: --since:")


def test_the_reference_archive_has_no_likely_duplicates_even_if_all_of_it_is_new(reference_copy):
    root = reference_copy
    every_file = frozenset(p.relative_to(root).as_posix() for p in (root / "content/incidents").rglob("*.md")
                           if not is_translation(p))
    result = pipeline.check(root, pipeline.Options(new_records=every_file, jobs=1))
    assert not result.errors
    # Every record was read: each but those merged into another (duplicate_of) counts as an incident.
    merged = [meta for meta, _ in front_matters(root).values() if meta.get("duplicate_of")]
    assert every_file and result.incidents == len(every_file) - len(merged)
    assert [str(p) for p in result.warnings if "likely the same" in p.message] == []


@pytest.mark.slow
def test_a_pair_of_new_records_is_reported_once(corpus):
    """On the police corpus, all of it new: a busy archive with many events per city and day."""
    every_file = frozenset(p.relative_to(corpus).as_posix() for p in (corpus / "content/incidents").rglob("*.md"))
    warnings = [p for p in pipeline.check(corpus, pipeline.Options(new_records=every_file, jobs=1)).warnings
                if "likely the same" in p.message]
    pairs = [frozenset((p.path, p.message.split(" as ")[1].split(" (")[0])) for p in warnings]
    assert warnings and len(pairs) == len(set(pairs))
