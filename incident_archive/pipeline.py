"""The build, top to bottom: read → validate → link → convert → render → write, stopping before write on any error."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import content, graph, render
from .config import Config, load_config
from .markup import Body, Converter, Document
from .model import Archive, IdClaim, Page, Problem, Reading
from .names import id_from_path
from .schema import incident_schema, validate_incident, validate_page
from .writer import UnsafeOutput, check_output_folder, write_site


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    incidents: int = 0
    pages: int = 0
    files_written: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]


def check(root: Path) -> Result:
    """Everything a build checks, drafts included, without rendering or writing."""
    config, archive, bodies, result = _prepare(root, drafts=True)
    return result


def build(root: Path, out_dir: Path | None = None, drafts: bool = False, strict: bool = False) -> Result:
    """Build the site into out_dir (default: root/output). On any error, out_dir is left untouched.

    Under `strict`, warnings stop the build as errors do.
    """
    out_dir = out_dir or root / "output"
    config, archive, bodies, result = _prepare(root, drafts)
    if config is None or result.errors or (strict and result.warnings):
        return result
    try:
        check_output_folder(out_dir, root)
        env = render.make_environment(config)
        pages = render.render_pages(render.page_specs(archive, config, bodies), env, archive, config)
        result.files_written = write_site(out_dir, pages, _copies(config, archive.links.media))
    except UnsafeOutput as error:
        result.problems.append(Problem(str(out_dir), 1, "output", str(error)))
    except jinja2.TemplateError as error:
        result.problems.append(_template_problem(error, config))
    return result


def _prepare(root: Path, drafts: bool) -> tuple[Config | None, Archive | None, dict[str, Body], Result]:
    config, problems = load_config(root)
    result = Result(problems=problems)
    if config is None:
        return None, None, {}, result
    reading = read_archive(root, config)
    archive, link_problems = graph.link(reading, config, drafts)
    bodies, body_problems = convert_bodies(archive, reading, drafts)
    archive.mentioned_in = graph.backlinks(archive, {key: body.links_to for key, body in bodies.items()})
    result.problems = sorted(problems + reading.problems + link_problems + body_problems)
    result.incidents, result.pages = len(archive.incidents), len(archive.pages)
    return config, archive, bodies, result


def read_archive(root: Path, config: Config) -> Reading:
    """Read and validate every file; a file with errors is left out, its problems kept."""
    incident_paths, page_paths, media, problems = content.discover(root)
    reading = Reading(problems=problems, media=frozenset(media))
    schema = incident_schema(config)
    for path in incident_paths:
        raw, read_problems = content.read_file(root, path)
        reading.problems += read_problems
        if raw is None:
            guessed_id = id_from_path(path)
            if guessed_id:
                reading.claims.append(IdClaim(guessed_id, path, 1, guessed=True))
            continue
        incident, record_id, problems = validate_incident(raw, schema, config)
        reading.problems += problems
        if record_id:
            reading.claims.append(IdClaim(record_id, path, raw.lines.of(("id",))))
        if incident:
            reading.incidents.append(incident)
    for path in page_paths:
        page = _read_page(root, path, reading)
        if page:
            reading.pages.append(page)
    if (root / content.HOME_FILE).is_file():
        reading.home = _read_page(root, content.HOME_FILE, reading)
    return reading


def _read_page(root: Path, path: str, reading: Reading) -> Page | None:
    raw, problems = content.read_file(root, path)
    reading.problems += problems
    if raw is None:
        return None
    page, problems = validate_page(raw)
    reading.problems += problems
    return page


def convert_bodies(archive: Archive, reading: Reading, drafts: bool) -> tuple[dict[str, Body], list[Problem]]:
    """Markdown → HTML for every published body (every body, drafts included, when checking)."""
    converter = Converter(archive.links)
    documents = {
        # An incident's body sits under its "Description" h2, so its own headings start at h3.
        incident.id: Document(incident.path, incident.body, incident.body_line, f"incidents/{incident.id}", 3)
        for incident in reading.incidents
        if incident.id in archive.incidents or drafts
    }
    for page in archive.pages:
        documents[render.page_key(page.id)] = Document(page.path, page.body, page.body_line, page.id)
    if reading.home:
        home = reading.home
        documents[render.HOME_KEY] = Document(home.path, home.body, home.body_line, ".")
    bodies = {key: converter.convert(document) for key, document in documents.items()}
    return bodies, [problem for body in bodies.values() for problem in body.problems]


def _copies(config: Config, media: frozenset[str]):
    """Theme files (the archive's own over the default's) and media, copied as they are."""
    chosen: dict[str, Path] = {}
    for template_dir in reversed(config.template_dirs):
        static = template_dir / "static"
        for path in sorted(static.rglob("*")) if static.is_dir() else ():
            if path.is_file():
                chosen[f"static/{path.relative_to(static).as_posix()}"] = path
    for name in media:
        chosen[f"media/{name}"] = config.root / content.MEDIA_DIR / name
    return sorted(chosen.items())


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
