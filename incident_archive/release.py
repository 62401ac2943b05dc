"""The `release` command: a fresh build's open data as a dated, citable zip, with what changed since the last one.

A release is releases/<archive>-data-<version>.zip in the archive folder, committed with it, so
that the next release can compare with it and every build can publish the newest (outputs/data.py
copies it to data/releases/, and every page's footer links it). Inside, in one folder: the open
data as the build wrote it, CHANGES.md and changes.json (records added, changed and retracted or
removed since the previous release, read from that release's incidents.json), CITATION.cff,
.zenodo.json and SHA256SUMS. CITATION.cff and .zenodo.json are also written beside site.yaml,
where GitHub and Zenodo's GitHub integration read them.

A release never reads the clock: its version and date come from the command or site.yaml, and
every entry of the zip is dated the release's date, so the same inputs give the same bytes.
Versions are numbers between dots, compared number by number (1.9 before 1.10); a new release
must come after the latest in version and on or after it in date, so the two orders agree.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import os
import re
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import RELEASE_VERSION, RELEASES_DIR, Config

SUMMARY = "build, then zip the open data as a dated, citable release, with its changes"
DESCRIPTION = """\
Build, then zip the open data (JSON and its schema, CSV, GeoJSON) as a data
release: releases/<archive>-data-<version>.zip, with SHA256SUMS, CITATION.cff,
.zenodo.json and a changelog of the records added, changed and retracted or
removed since the previous release. Commit the zip: the next release compares
with it, and every build publishes the newest and links it from every page.

A release never reads the clock: give --version and --date, or set release:
version: and date: in site.yaml. The same inputs give the same bytes. Versions
are numbers between dots (1, 1.1, 2026.12), each after the last.

exit status: 0 released, 1 problems (the build's, or a refusal, printed),
2 bad usage (no version or date, or a malformed one)"""
EXAMPLES = """\
  %(prog)s --version 1.0 --date 2026-12-01
  %(prog)s --version 1.1 --date 2027-03-15 --strict
  %(prog)s                     # release: version: and date: from site.yaml"""

# As release writes them (bundle.folder_name is a slug): another name is not a release, and is not published.
_NAME = re.compile(rf"([a-z0-9][a-z0-9-]*)-data-({RELEASE_VERSION})\.zip")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# The open data a release holds, as the build wrote them in data/ (its own SHA256SUMS lists the media too).
DATA_FILES = ("incidents.json", "incidents.schema.json", "incidents.csv", "incidents.geojson")
# Keys of a record in incidents.json that say where it is published, not what it says.
_WHERE_PUBLISHED = frozenset({"url", "page", "json"})
_MAX_READ = 1 << 31  # a member of a previous release read into memory: no real one is near


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", dest="release_version", metavar="X",
                        help="the release's version: numbers between dots, after the latest "
                             "(default: site.yaml's release: version:)")
    parser.add_argument("--date", dest="release_date", metavar="YYYY-MM-DD",
                        help="the release's date (default: site.yaml's release: date:)")


# Which releases there are

def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(number) for number in version.split("."))


def releases(root: Path) -> list[tuple[tuple[int, ...], str]]:
    """(version key, file name) of each release zip in releases/, oldest first; links and other files are not releases."""
    folder = root / RELEASES_DIR
    if folder.is_symlink() or not folder.is_dir():
        return []
    found = []
    for name in os.listdir(folder):
        match = _NAME.fullmatch(name)
        if match and not (folder / name).is_symlink() and (folder / name).is_file():
            found.append((version_key(match[2]), name))
    return sorted(found)


def latest(root: Path) -> str | None:
    """The newest release's file name: the one whose version is highest."""
    found = releases(root)
    return found[-1][1] if found else None


def published_name(name: str) -> str:
    """The name the site publishes a release under: its archive's, then -data-latest.zip, the same
    for every release (Config.published_release). "latest" is no version, so it names no release."""
    match = _NAME.fullmatch(name)
    assert match, f"{name} is a release's name (releases() found it)"
    return f"{match[1]}-data-latest.zip"


def file_name(config: Config, version: str) -> str:
    from .bundle import folder_name

    return f"{folder_name(config)}-data-{version}.zip"


# The command

@dataclass
class Changes:
    """What differs between two releases' records: (id, title) added, (id, title, fields) changed,
    (id, title, how) retracted or removed, and the archive's own keys (its vocabularies) that changed."""

    added: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str, list[str]]] = field(default_factory=list)
    retracted: list[tuple[str, str, str]] = field(default_factory=list)
    archive: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Previous:
    version: str
    date: str
    data: dict  # its incidents.json


@dataclass(frozen=True)
class Request:
    """A release that may be made: its version and date, and the release before it (none: the first)."""

    version: str
    date: str
    previous: Previous | None


def run(args: argparse.Namespace, root: Path) -> int:
    from .cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, _report_problems  # here: cli imports this module
    from .config import load_config

    config, problems = load_config(root)
    if config is None:
        return _report_problems(problems)
    version, date, usage = _version_and_date(args, config)
    if usage:
        return _refuse(usage, EXIT_USAGE)
    request, refusal = _request(root, config, version, date)
    if request is None:
        return _refuse(refusal, EXIT_PROBLEMS)
    if not config.release.license:
        print("release: warning: site.yaml gives no licence (release: license:, such as CC-BY-4.0): "
              "without one, no one knows what they may do with the data", file=sys.stderr)
        if args.strict:
            return EXIT_PROBLEMS
    started = time.perf_counter()
    code = _build(args, root, started)
    if code != EXIT_OK:
        return code
    try:
        name, changes = make_release(root, config, request)
    except OSError as error:
        return _refuse(f"cannot write the release: {error}", EXIT_PROBLEMS)
    # Built again, so that output/ publishes this release and every page links it (a full render:
    # every page's footer changes).
    code = _build(args, root, started, quiet=True)
    if code != EXIT_OK:
        return code
    previous = request.previous
    counted = f"{_counts(changes)} since {previous.version}" if previous else f"the first: {len(changes.added)} records"
    print(f"release ok: {RELEASES_DIR}/{name} ({counted}); commit it with CITATION.cff "
          f"and .zenodo.json, then publish a GitHub release tagged v{request.version} for its DOI")
    return EXIT_OK


def _build(args: argparse.Namespace, root: Path, started: float, quiet: bool = False) -> int:
    """A build of the current inputs into output/, reported as `build` reports one (only if it fails, when quiet)."""
    from . import pipeline
    from .cli import EXIT_OK, _report
    from .progress import stderr_progress

    options = pipeline.Options(strict=args.strict)
    if not quiet:
        options.progress = stderr_progress()
    if args.jobs:
        options.jobs = args.jobs
    result = pipeline.build(root, root / "output", options)
    if quiet and not result.failed(args.strict):
        return EXIT_OK
    return _report(args, result, time.perf_counter() - started)


def _request(root: Path, config: Config, version: str, date: str) -> tuple[Request | None, str]:
    """The release asked for, or why it cannot be made beside the releases there are."""
    found = releases(root)
    previous, unreadable = _previous(root, found)
    refusal = _refusal(root, config, version, found) or unreadable
    if not refusal and previous and date < previous.date:
        refusal = (f"{date} is before the date of release {previous.version} ({previous.date}): "
                   "a later version cannot be older")
    return (None, refusal) if refusal else (Request(version, date, previous), "")


def make_release(root: Path, config: Config, request: Request) -> tuple[str, Changes]:
    """The release's zip from the open data in output/data/, and CITATION.cff and .zenodo.json beside
    site.yaml; → the zip's name and the changes it lists."""
    data = {name: (root / "output" / "data" / name).read_bytes() for name in DATA_FILES}
    previous = request.previous
    changes = compare(previous.data if previous else None, json.loads(data["incidents.json"]), config)
    name = file_name(config, request.version)
    files = release_files(config, request.version, request.date, data, changes, previous)
    write_release(root / RELEASES_DIR / name, name.removesuffix(".zip"), files, request.date)
    for metadata in ("CITATION.cff", ".zenodo.json"):  # where GitHub and Zenodo look for them
        _write_beside(root / metadata, files[metadata])
    return name, changes


def _refuse(message: str, code: int) -> int:
    print(f"release: {message}", file=sys.stderr)
    return code


def _version_and_date(args: argparse.Namespace, config: Config) -> tuple[str, str, str]:
    """The version and date from the command, else site.yaml; or why there are none."""
    version = args.release_version or config.release.version
    date = args.release_date or config.release.date
    if not version:
        return "", "", ("no version: give --version X (numbers between dots, such as 1.0), "
                        "or set release: version: in site.yaml")
    if not re.fullmatch(RELEASE_VERSION, version):
        return "", "", (f"--version: '{version}' is not a version: give numbers between dots without leading zeros, "
                        "such as 1, 1.1 or 2026.12")
    if not date:
        return "", "", ("no date: give --date YYYY-MM-DD (a release never reads the clock), "
                        "or set release: date: in site.yaml")
    try:
        day = datetime.date.fromisoformat(date) if _DAY.fullmatch(date) else None
    except ValueError:
        day = None
    if day is None or not 1980 <= day.year <= 2107:  # the years a zip's entries can be dated
        return "", "", f"--date: '{date}' is not a date YYYY-MM-DD (from 1980 to 2107)"
    return version, date, ""


def _refusal(root: Path, config: Config, version: str, found: list[tuple[tuple[int, ...], str]]) -> str:
    """Why this version cannot be released; "" when it can."""
    folder = root / RELEASES_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return f"{RELEASES_DIR}/ is a link or a file: it must be a folder of the archive's own"
    same = [name for key, name in found if key == version_key(version)]
    if same:
        return f"version {version} exists already ({RELEASES_DIR}/{same[0]}): give a later version"
    if found and version_key(version) < found[-1][0]:
        newest = _NAME.fullmatch(found[-1][1])[2]  # type: ignore[index]
        return (f"version {version} comes before the latest release, {newest}: give a later one "
                "(versions compare number by number: 1.9 comes before 1.10)")
    if (root / RELEASES_DIR / file_name(config, version)).exists():
        return f"{RELEASES_DIR}/{file_name(config, version)} exists already"
    return ""


def _previous(root: Path, found: list[tuple[tuple[int, ...], str]]) -> tuple[Previous | None, str]:
    """The latest release's version, date and records; or why it cannot be read."""
    if not found:
        return None, ""
    name = found[-1][1]
    folder = name.removesuffix(".zip")
    try:
        with zipfile.ZipFile(root / RELEASES_DIR / name) as archive:
            changes, data = (json.loads(_member(archive, f"{folder}/{member}")) for member in ("changes.json", "incidents.json"))
        return Previous(changes["version"], changes["date"], data), ""
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        return None, (f"{RELEASES_DIR}/{name}: the latest release cannot be read ({error}), so nothing can be "
                      "compared with it: restore it from git")


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MAX_READ:
        raise ValueError(f"{name} is too large")
    return archive.read(name)


# What changed

def compare(before: dict | None, after: dict, config: Config) -> Changes:
    """The records of `after` (an incidents.json) against `before`'s (none: the first release).

    Retracted: a record whose status became one not counted as fact (the retracted status, by
    default). Removed: a record no longer in the data (withdrawn, merged, made a draft). A record
    renamed keeps its old id among previous_ids, and is matched by it."""
    changes = Changes()
    old = {record["id"]: record for record in (before or {}).get("incidents", [])}
    new = {record["id"]: record for record in after["incidents"]}
    uncounted = {status.key for status in config.statuses if not status.counted}
    matched = set()
    for record_id, record in new.items():
        was = _earlier_id(record_id, record, old, new)
        if was is None or was in matched:
            changes.added.append((record_id, record["title"]))
            continue
        matched.add(was)
        if record["status"] in uncounted and old[was]["status"] not in uncounted:
            changes.retracted.append((record_id, record["title"], f"status: {record['status']}"))
        elif fields := _differing(old[was], record):
            changes.changed.append((record_id, record["title"], fields))
    changes.retracted += [(record_id, record["title"], "removed")
                          for record_id, record in old.items() if record_id not in matched]
    if before is not None:
        changes.archive = _differing(before.get("archive", {}), after.get("archive", {}))
    return changes


def _earlier_id(record_id: str, record: dict, old: dict, new: dict) -> str | None:
    """The record's id in the earlier release: its own, or an id it had before (renamed since)."""
    if record_id in old:
        return record_id
    return next((key for key in record.get("previous_ids", ()) if key in old and key not in new), None)


def _differing(before: dict, after: dict) -> list[str]:
    """The keys whose values differ (a key present on one side only included), in the newer's order."""
    keys = [*after, *(key for key in before if key not in after)]
    return [key for key in keys if key not in _WHERE_PUBLISHED and before.get(key) != after.get(key)]


def _counts(changes: Changes) -> str:
    return (f"{len(changes.added)} added, {len(changes.changed)} changed, "
            f"{len(changes.retracted)} retracted or removed")


# The files of a release

def release_files(config: Config, version: str, date: str, data: dict[str, bytes], changes: Changes,
                  previous: Previous | None) -> dict[str, bytes]:
    """Every file of the release by its name in the zip's folder, SHA256SUMS (of the others) included."""
    files = dict(data)
    files["CHANGES.md"] = changes_markdown(config, version, date, changes, previous).encode("utf-8")
    files["changes.json"] = _json(changes_json(version, date, changes, previous))
    files["CITATION.cff"] = citation_cff(config, version, date).encode("utf-8")
    files[".zenodo.json"] = _json(zenodo_json(config, version, date))
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n"
                                  for name in sorted(files)).encode("utf-8")
    return files


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def changes_json(version: str, date: str, changes: Changes, previous: Previous | None) -> dict:
    return {
        "version": version, "date": date,
        "previous": {"version": previous.version, "date": previous.date} if previous else None,
        "added": [{"id": record_id, "title": title} for record_id, title in changes.added],
        "changed": [{"id": record_id, "title": title, "fields": fields} for record_id, title, fields in changes.changed],
        "retracted": [{"id": record_id, "title": title, "how": how} for record_id, title, how in changes.retracted],
        "archive": changes.archive,
    }


def changes_markdown(config: Config, version: str, date: str, changes: Changes, previous: Previous | None) -> str:
    lines = [f"# {_md(config.title)}: data release {version} ({date})", ""]
    if previous is None:
        lines.append(f"The first release: {len(changes.added)} records.")
        return "\n".join(lines) + "\n"
    lines.append(f"Since release {previous.version} ({previous.date}): {_counts(changes)}.")
    sections = [
        ("Added", [f"- `{record_id}`: {_md(title)}" for record_id, title in changes.added]),
        ("Changed", [f"- `{record_id}`: {_md(title)} ({', '.join(fields)})" for record_id, title, fields in changes.changed]),
        ("Retracted or removed", [f"- `{record_id}`: {_md(title)} ({'removed from the data' if how == 'removed' else how})"
                                  for record_id, title, how in changes.retracted]),
        ("The archive's settings", [f"- {key}" for key in changes.archive]),
    ]
    for heading, items in sections:
        if items:
            lines += ["", f"## {heading} ({len(items)})", "", *items]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """A title as Markdown text: its own marks shown, never read as emphasis, links or HTML."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _authors(config: Config) -> list[dict]:
    """The release's authors as CFF names them; none given: the archive itself, as its citations name it."""
    authors = []
    for author in config.release.authors or ():
        entry = {"name": author.name} if author.name and not author.family_names else {
            "family-names": author.family_names, "given-names": author.given_names}
        entry |= {"orcid": author.orcid, "affiliation": author.affiliation}
        authors.append({key: value for key, value in entry.items() if value})
    return authors or [{"name": config.title}]


def citation_cff(config: Config, version: str, date: str) -> str:
    """CITATION.cff, Citation File Format 1.2.0, for GitHub's "Cite this repository" and Zenodo."""
    import yaml

    cff = {
        "cff-version": "1.2.0",
        "message": "If you use these data, please cite them as below.",
        "type": "dataset",
        "title": config.title,
        "version": version,
        "date-released": date,
        "authors": _authors(config),
        "abstract": config.description,
        "license": config.release.license,
        "url": config.base_url,
        "repository": config.repository.url if config.repository else None,
    }
    return yaml.safe_dump({key: value for key, value in cff.items() if value}, allow_unicode=True,
                          sort_keys=False, width=1000)


def zenodo_json(config: Config, version: str, date: str) -> dict:
    """.zenodo.json: the metadata Zenodo's GitHub integration gives each version it archives (and its DOI)."""
    creators = []
    for author in _authors(config):
        name = author.get("name") or ", ".join(filter(None, (author.get("family-names"), author.get("given-names"))))
        creator = {"name": name, "affiliation": author.get("affiliation"),
                   "orcid": author["orcid"].removeprefix("https://orcid.org/") if author.get("orcid") else None}
        creators.append({key: value for key, value in creator.items() if value})
    files = ("the archive's records as JSON (with its JSON Schema), CSV and GeoJSON, with a list of the "
             "changes since the previous release")
    metadata = {
        "title": f"{config.title}: data release {version}",
        "upload_type": "dataset",
        "version": version,
        "publication_date": date,
        "creators": creators,
        "description": " ".join(filter(None, (config.description, f"Data release {version} holds {files}."))),
        "access_right": "open",
        "license": config.release.license.lower() if config.release.license else None,
        "related_identifiers": [{"identifier": config.base_url, "relation": "isSupplementTo", "scheme": "url"}]
        if config.base_url else None,
    }
    return {key: value for key, value in metadata.items() if value}


def write_release(target: Path, folder: str, files: dict[str, bytes], date: str) -> None:
    """The zip, in one folder, entries sorted and dated the release's date: the same files give the
    same bytes. A release is never replaced, even by one made meanwhile."""
    from .bundle import write_zip

    stamp = (*datetime.date.fromisoformat(date).timetuple()[:3], 0, 0, 0)
    write_zip(target, {f"{folder}/{name}": functools.partial(bytes, data) for name, data in files.items()},
              date_time=stamp, replace=False)


def _write_beside(path: Path, data: bytes) -> None:
    """Replace the file (a link at its place is replaced, never written through)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
