"""The build, top to bottom: read → validate → link → convert → render → write, stopping before write on any error.

Each stage that costs (reading, converting, rendering) asks the cache first and spreads what is
left over the machine's cores; the result is the same bytes whatever the cache holds or the
number of workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import content, graph, parallel, render
from .cache import Cache, pack_html
from .config import SITE_FILE, Config, load_config
from .duplicates import likely_duplicates
from .model import Archive, Body, BodySource, Document, IdClaim, Incident, Page, Problem, Reading, digest
from .names import id_from_path
from .incremental import Copy, outputs_intact, write_outputs
from .outputs import every_output, publishing
from .progress import Progress
from .schema import RESERVED_IDS, incident_schema, validate_incident, validate_page
from .writer import UnsafeOutput, check_output_folder

if TYPE_CHECKING:  # imported where it is used, so that builds with nothing to render skip it
    import jinja2


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    incidents: int = 0
    pages: int = 0
    files_written: int = 0  # written or replaced; unchanged files are left alone
    files_removed: int = 0
    files_rendered: int = 0  # rendered (or copied) because their inputs changed

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]


@dataclass
class Options:
    drafts: bool = False
    strict: bool = False  # warnings stop the build as errors do
    clean: bool = False  # ignore (and rebuild) the cache
    jobs: int = field(default_factory=parallel.default_jobs)
    progress: Progress = field(default_factory=Progress.quiet)
    # Incident files new in this change: check compares them with the rest for likely duplicates.
    new_records: frozenset[str] = frozenset()


def check(root: Path, options: Options | None = None) -> Result:
    """Everything a build checks, drafts included, without rendering or writing."""
    options = dataclasses.replace(options or Options(), drafts=True)
    config, problems = load_config(root)
    if config is None:
        return Result(problems)
    with _open_cache(root, config, options) as cache:
        found = content.discover(root)
        run = f"check new={digest(*sorted(options.new_records))}"
        signature = _signature(run, found)
        result = cache.last_result(run, signature)
        if result is None or options.clean:
            archive, _, result = _prepare(root, config, found, cache, options, problems)
            result.problems = sorted(result.problems + likely_duplicates(archive.incidents.values(), options.new_records))
            cache.save_result(run, signature, result)
    return result


def build(root: Path, out_dir: Path | None = None, options: Options | None = None) -> Result:
    """Build the site into out_dir (default: root/output). On any error, out_dir is left untouched."""
    options, out_dir = options or Options(), out_dir or root / "output"
    config, problems = load_config(root)
    if config is None:
        return Result(problems)
    with _open_cache(root, config, options) as cache:
        found = content.discover(root)
        run = f"build {out_dir.resolve()} drafts={options.drafts} strict={options.strict}"
        signature = _signature(run, found)
        last = cache.last_result(run, signature)
        if last is not None and not options.clean and outputs_intact(out_dir, cache):
            return last  # nothing read, converted, rendered or written has changed since
        archive, bodies, result = _prepare(root, config, found, cache, options, problems)
        if result.errors or (options.strict and result.warnings):
            return result
        import jinja2  # here, not at the top: a build with nothing to render never pays for it

        try:
            check_output_folder(out_dir, root)
            env = render.make_environment(config, cache.folder("templates"))
            outputs = [*render.page_specs(archive, config, bodies), *every_output(archive, config, bodies, root),
                       *_copies(config, archive.links.media)]
            outputs += publishing.sitemap(config, outputs)  # last: it lists every page the others made
            written = write_outputs(out_dir, outputs, env, cache, options.jobs, options.progress)
        except UnsafeOutput as error:
            result.problems.append(Problem(str(out_dir), 1, "output", str(error)))
        except content.FileChanged as error:
            result.problems.append(error.problem)
        except jinja2.TemplateError as error:
            result.problems.append(_template_problem(error, config))
        else:
            cache.save_result(run, signature, result)
            result.files_written, result.files_removed = written.files, written.removed
            result.files_rendered = written.files + written.unchanged
    return result


def claimed_ids(root: Path, config: Config, options: Options | None = None) -> dict[str, str]:
    """Every id and previous id in the archive → the file that holds it; what `new` must not reuse."""
    options = options or Options()
    with _open_cache(root, config, options) as cache:
        reading = read_archive(root, config, content.discover(root), cache, options)
    claimed = {record_id: "the site itself (a reserved name)" for record_id in RESERVED_IDS}
    claimed |= {claim.id: claim.path for claim in reading.claims}
    for incident in reading.incidents:
        claimed |= {old: incident.path for old in incident.previous_ids}
    return claimed


def _signature(run: str, found: content.Found) -> str:
    """A digest of every input file's stamp (site.yaml and templates are the cache's own keys)."""
    return digest(run, repr(sorted(found.stamps.items())), repr(found.problems))


def _open_cache(root: Path, config: Config, options: Options):
    content_key = digest((root / SITE_FILE).read_text(encoding="utf-8", errors="replace"))
    theme_key = digest(*(f"{path}\0{path.read_bytes().hex()}" for path in _theme_files(config)))
    return contextlib.closing(Cache.open(root, content_key, theme_key, options.clean))


def _theme_files(config: Config) -> list[Path]:
    return [path for folder in config.template_dirs for path in sorted(folder.rglob("*")) if path.is_file()]


def _prepare(root: Path, config: Config, found: content.Found, cache: Cache, options: Options, problems: list[Problem]):
    reading = read_archive(root, config, found, cache, options)
    archive, link_problems = graph.link(reading, config, options.drafts)
    bodies, body_problems = convert_bodies(root, archive, reading, cache, options)
    archive.mentioned_in = graph.backlinks(archive, {key: body.links_to for key, (_, body) in bodies.items()})
    result = Result(problems=sorted(problems + reading.problems + link_problems + body_problems))
    result.incidents, result.pages = len(archive.incidents), len(archive.pages)
    references = {key: render.BodyRef(document_key, body.html_digest) for key, (document_key, body) in bodies.items()}
    return archive, references, result


@dataclass
class FileRecord:
    """What reading and validating one file gave: kept in the cache while the file is unchanged."""

    record: Incident | Page | None
    claim: IdClaim | None
    problems: list[Problem]


def read_archive(root: Path, config: Config, found: content.Found, cache: Cache, options: Options) -> Reading:
    """Read and validate every file (only those changed since the last build); a file with errors is left out."""
    paths = found.incidents + found.pages + ([content.HOME_FILE] if content.HOME_FILE in found.stamps else [])
    known = cache.file_records()
    stamps = {path: "%d:%d" % found.stamps[path] for path in paths}
    changed = [path for path in paths if known.get(path, ("",))[0] != stamps[path]]
    reader = _Reader(root, config)
    fresh = dict(zip(changed, options.progress.track("read", parallel.run(reader, changed, options.jobs), len(changed))))
    records = {path: (stamps[path], fresh[path]) if path in fresh else known[path] for path in paths}
    cache.save_files(records, set(changed) | {path for path in known if path not in stamps})
    reading = Reading(problems=list(found.problems), media=frozenset(found.media))
    for path in paths:
        file = records[path][1]
        reading.problems += file.problems
        if file.claim:
            reading.claims.append(file.claim)
        if path == content.HOME_FILE:
            reading.home = file.record
        elif isinstance(file.record, Incident):
            reading.incidents.append(file.record)
        elif file.record:
            reading.pages.append(file.record)
    return reading


class _Reader:
    """Reads one file in a worker: decode, split, parse the YAML, validate."""

    def __init__(self, root: Path, config: Config):
        self.root, self.config, self.schema = root, config, incident_schema(config)

    def __call__(self, path: str) -> FileRecord:
        raw, problems = content.read_file(self.root, path)
        if raw is None:
            guessed_id = id_from_path(path) if path.startswith(content.INCIDENTS_DIR) else None
            return FileRecord(None, IdClaim(guessed_id, path, 1, guessed=True) if guessed_id else None, problems)
        if not path.startswith(content.INCIDENTS_DIR):
            page, page_problems = validate_page(raw)
            return FileRecord(page, None, problems + page_problems)
        incident, record_id, incident_problems = validate_incident(raw, self.schema, self.config)
        claim = IdClaim(record_id, path, raw.lines.of(("id",))) if record_id else None
        return FileRecord(incident, claim, problems + incident_problems)


def convert_bodies(root: Path, archive: Archive, reading: Reading, cache: Cache, options: Options):
    """Markdown → HTML for every published body (every body, drafts included, when checking).

    → ({record key: (document key, Body)}, problems). The HTML goes to the cache, not into memory;
    a body converted before is reused while its text, place and link-table answers are unchanged.
    """
    documents = {
        # An incident's body sits under its "Description" h2, so its own headings start at h3.
        incident.id: (_document(incident, f"incidents/{incident.id}", 3), incident.body)
        for incident in reading.incidents
        if incident.id in archive.incidents or options.drafts
    }
    for page in archive.pages:
        documents[render.page_key(page.id)] = (_document(page, page.id), page.body)
    if reading.home:
        documents[render.HOME_KEY] = (_document(reading.home, "."), reading.home.body)
    keys = {key: document.key for key, (document, _) in documents.items()}
    stored = cache.bodies(list(set(keys.values())))
    reusable = {key: body for key, body in stored.items() if body.still_valid(archive.links)}
    todo = {keys[key]: item for key, item in documents.items() if keys[key] not in reusable}
    results = parallel.run(_BodyConverter(root, archive, needed=bool(todo)), list(todo.values()), options.jobs)
    converted: dict[str, Body] = {}

    def rows():  # streamed into the cache as the workers finish: no body's HTML waits in memory
        for key, (body, packed_html) in zip(todo, options.progress.track("convert", results, len(todo))):
            converted[key] = body
            if packed_html is not None:
                yield key, body, packed_html

    cache.save_bodies(rows(), keep=set(keys.values()))
    bodies_by_key = reusable | converted
    bodies = {key: (keys[key], bodies_by_key[keys[key]]) for key in documents}
    return bodies, [problem for _, body in bodies.values() for problem in body.problems]


def _document(record: Incident | Page, page_dir: str, heading_level: int = 2) -> Document:
    return Document(record.path, record.body.line, page_dir, heading_level, record.body.digest)


class _BodyConverter:
    """Converts one body in a worker, reading its text again from its file: → (Body, packed HTML or None)."""

    def __init__(self, root: Path, archive: Archive, needed: bool):
        self.root, self.converter = root, None
        if needed:  # made once, here, for every worker to inherit; never when nothing needs converting
            from .markup import Converter  # so Markdown is imported only by builds that convert

            self.converter = Converter(archive.links)

    def __call__(self, item: tuple[Document, BodySource]) -> tuple[Body, bytes | None]:
        document, source = item
        text, problem = content.read_body(self.root, document.path, source)
        if problem:
            return Body(problems=[problem]), None
        body, html = self.converter.convert(document, text)
        return body, pack_html(html)


def _copies(config: Config, media: frozenset[str]) -> list[Copy]:
    """Theme files (the archive's own over the default's) and media, copied as they are."""
    chosen: dict[str, Path] = {}
    for template_dir in reversed(config.template_dirs):
        static = template_dir / "static"
        for path in sorted(static.rglob("*")) if static.is_dir() else ():
            if path.is_file():
                chosen[f"static/{path.relative_to(static).as_posix()}"] = path
    for name in media:
        chosen[f"media/{name}"] = config.root / content.MEDIA_DIR / name
    return [Copy(path, source) for path, source in sorted(chosen.items())]


def _template_problem(error: jinja2.TemplateError, config: Config) -> Problem:
    """Locate a template error: syntax errors carry their line; runtime errors, their traceback."""
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if not filename:
        template_frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                           if frame.filename.endswith((".html", ".xml", ".txt"))]
        if template_frames:
            filename, line = template_frames[-1].filename, template_frames[-1].lineno
    return Problem(_shown_path(filename or "templates", config.root), line or 1, "template", str(error.message or error))


def _shown_path(filename: str, root: Path) -> str:
    """Relative to the archive folder when inside it (its own templates), else as it is (the default theme)."""
    try:
        return Path(filename).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(filename)
