"""The build, top to bottom: read → validate → link → convert → render → write, stopping before write on any error.

Each stage that costs (reading, converting, rendering) asks the cache first and spreads what is
left over the machine's cores; the result is the same bytes whatever the cache holds or the
number of workers.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import content, graph, inputs, parallel, render, translations, urls, vcs
from .cache import CACHE_DIR, Cache, CacheDamaged, pack_html
from .config import RELEASES_DIR, SITE_FILE, Config, load_config
from .duplicates import likely_duplicates
from .images import Store
from .incremental import Output, RecordParts, Site, outputs_intact, write_outputs
from .media import listing_problems, media_problems
from .model import Archive, Body, BodySource, Document, Failure, IdClaim, Incident, Page, Problem, Reading, Translation, digest
from .names import id_from_path
from .progress import Progress
from .schema import RESERVED_IDS, incident_schema, validate_incident, validate_page, validate_translation
from .theme import Theme, read_theme
from .theme import loader as theme_loader
from .writer import UnsafeOutput, check_output_folder, check_paths

if TYPE_CHECKING:  # only builds that render import it
    import jinja2


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    incidents: int = 0
    pages: int = 0
    files_written: int = 0  # written or replaced; unchanged files are left alone
    files_removed: int = 0
    files_rendered: int = 0  # rendered (or copied) because their inputs changed
    # Said once, never counted as problems: why the cache was set aside (never cached itself).
    notices: list[str] = field(default_factory=list)
    claimed: dict[str, str] = field(default_factory=dict)  # id → file, for `new`
    kept: Kept | None = None  # the build as a preview keeps it (Options.keep), set after the result is cached

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]

    def failed(self, strict: bool) -> bool:
        """The one verdict: errors fail a run; under --strict, warnings do too."""
        return bool(self.errors) or (strict and bool(self.warnings))


@dataclass
class Options:
    drafts: bool = False
    strict: bool = False  # warnings stop the build as errors do
    clean: bool = False  # ignore (and rebuild) the cache
    jobs: int = field(default_factory=parallel.default_jobs)
    progress: Progress = field(default_factory=Progress.quiet)
    # Incident files new in this change: check compares them with the rest for likely duplicates.
    new_records: frozenset[str] = frozenset()
    # A preview's build (live.py): a build that runs is kept in Result.kept, for the next edit. (One
    # with nothing to do is not, so that a preview starts at once on a built site.)
    keep: bool = False
    # Plan and fingerprint every output even when nothing changed: a preview, started at once, keeps
    # its build so in the background (Preview.prepare), for its first edit to be applied to.
    whole: bool = False


@dataclass
class Kept:
    """The last good build, kept in memory by a preview: what live.py needs to apply an edit of
    descriptions alone without reading, linking and planning the whole archive again."""

    config: Config
    theme: Theme
    head: str | None  # the commit the histories come from
    translations: dict[str, tuple[str, str]]  # content.Found.translations: read as translations
    linked: Linked
    env: jinja2.Environment  # its pages were rendered with
    planned: list[Output]
    fingerprints: dict[int, str]  # id of a planned output → its fingerprint
    problems: list[Problem]
    site: Site | None = None  # the output folder as its write left it (incremental.write_changed)
    pages_by_body: dict[str, list[int]] | None = None  # body key → where the pages given it are in planned


def check(root: Path, options: Options | None = None) -> Result:
    """Everything a build checks or would refuse, drafts included, without writing the site.

    Beyond reading, validating, linking and converting, it lays out every output path, compiles
    every template and renders one page of each, so that a pull request that passes `check` does
    not break publishing.
    """
    options = dataclasses.replace(options or Options(), drafts=True)
    return _with_cache(root, options, _check)


def build(root: Path, out_dir: Path | None = None, options: Options | None = None) -> Result:
    """Build the site into out_dir (default: root/output). On any error, out_dir is left untouched."""
    options, out_dir = options or Options(), out_dir or root / "output"
    return _with_cache(root, options, functools.partial(_build, out_dir=out_dir))


def claimed_ids(root: Path, config: Config, options: Options | None = None) -> dict[str, str]:
    """Every id and previous id in the archive → the file that holds it; what `new` must not reuse."""
    result = _with_cache(root, options or Options(), _claims)
    claimed = {record_id: "the site itself (a reserved name)" for record_id in RESERVED_IDS}
    return claimed | result.claimed


def _with_cache(root: Path, options: Options, command) -> Result:
    """Read the settings and the theme, then run the command with the cache.

    The cache is a hint: when it turns out damaged, it is discarded (with one notice) and the
    command runs again without it. It is never the reason a command fails, unless it cannot even
    be made again (a full disk), which is then reported as a problem.
    """
    config, problems = load_config(root)
    if config is None:
        return Result(problems)
    theme = read_theme(config)
    problems = problems + theme.problems
    notices: list[str] = []
    for attempt in ("with the cache", "without it"):
        cache = None
        try:
            cache = _open_cache(root, config, theme, options)
            notices += cache.notices
            result = command(root, config, theme, cache, options, problems)
            break
        except CacheDamaged as damage:
            if cache is not None:
                cache.discard()
            if attempt == "without it" or cache is None:
                result = Result(problems + [Problem(f"{CACHE_DIR}/", 1, "cache", f"cannot be used: {damage}")])
                break
            notices.append(f"{CACHE_DIR}/ was damaged ({damage}); it was discarded and this run made without it")
            options = dataclasses.replace(options, clean=True)
        finally:
            if cache is not None:
                cache.close()
    result.notices = notices
    return result


def _check(root: Path, config: Config, theme: Theme, cache: Cache, options: Options, problems: list[Problem]) -> Result:
    found = content.discover(root, config.languages)
    run = f"check new={digest(*sorted(options.new_records))}"
    signature = _signature(run, found, problems)
    result = None if options.clean else cache.last_result(run, signature)
    if result is None:
        linked = _read_link_convert(root, config, found, cache, options)
        duplicates = likely_duplicates(linked.archive.incidents.values(), options.new_records)
        publishing = _publishing_problems(root, config, theme, linked.archive, linked.bodies, cache)
        result = _result(linked, problems + duplicates + publishing)
        cache.save_result(run, signature, result)
    return result


def _build(root: Path, config: Config, theme: Theme, cache: Cache, options: Options, problems: list[Problem],
           out_dir: Path) -> Result:
    found = content.discover(root, config.languages)
    head = vcs.history_head(root) if config.history else None  # a commit changes histories, not files' stamps
    run = f"build {out_dir.resolve()} drafts={options.drafts} strict={options.strict}"
    signature = _signature(run, found, problems, head, _release_stamp(root, config))
    last = None if options.clean or options.whole else cache.last_result(run, signature)
    if last is not None and outputs_intact(out_dir, cache):
        return last  # nothing read, converted, rendered or written has changed since
    linked = _read_link_convert(root, config, found, cache, options)
    result = _result(linked, problems)
    if result.failed(options.strict):
        return result
    env = render.make_environment(config, theme_loader(theme), cache.bytecode_cache(_compiled_with(config, theme)),
                                  theme.catalogues)
    result.problems += _template_problems(env, theme, config)
    if result.errors:
        return result
    try:
        check_output_folder(out_dir, root)
        planned = _plan(root, config, theme, linked.archive, linked.bodies, _histories(root, head, cache), _store(cache),
                        RecordParts(cache))
        written = write_outputs(out_dir, planned, env, cache, options.jobs, options.progress)
    except UnsafeOutput as error:
        result.problems.append(Problem(inputs.shown_path(str(out_dir), root), 1, "output", str(error)))
    except Failure as failure:
        result.problems.append(failure.problem)
    except OSError as error:  # a full disk, a read-only folder: the site as it was stays in place
        result.problems.append(_output_problem(error, out_dir, root))
    else:
        cache.save_result(run, signature, result)
        result.files_written, result.files_removed = written.files, written.removed
        result.files_rendered = written.files + written.unchanged
        if options.keep:
            result.kept = Kept(config, theme, head, found.translations, linked, env, planned,
                               {id(output): written.fingerprints[output.path] for output in planned}, result.problems,
                               written.site)
    return result


def _claims(root: Path, config: Config, theme: Theme, cache: Cache, options: Options, problems: list[Problem]) -> Result:
    reading = read_archive(root, config, content.discover(root, config.languages), cache, options)
    result = Result()
    result.claimed = {claim.id: claim.path for claim in reading.claims}
    for incident in reading.incidents:
        result.claimed |= {old: incident.path for old in incident.previous_ids}
    return result


def _plan(root: Path, config: Config, theme: Theme, archive: Archive, bodies: dict,
          histories: dict[str, vcs.History], store: Store, parts: RecordParts | None = None) -> list[Output]:
    """Every output of the site (outputs.plan), its paths checked before anything is written."""
    from . import outputs  # here: a build with nothing to do never plans (nor imports what plans)

    planned = outputs.plan(archive, config, bodies, root, theme, store, parts)
    render.give_histories(planned, histories)
    check_paths([output.path for output in planned])
    return planned


def _publishing_problems(root: Path, config: Config, theme: Theme, archive: Archive, bodies: dict,
                         cache: Cache) -> list[Problem]:
    """What would stop a build after reading: the output folder, the output paths, and the templates.

    Every template is compiled, and one page made with each is rendered (nothing is written), so
    that a template error shows in `check`, with its file and line, before anything is published.
    """
    try:
        check_output_folder(root / "output", root)
        head = vcs.history_head(root) if config.history else None
        planned = _plan(root, config, theme, archive, bodies, _histories(root, head, cache),
                        _store(cache))
    except UnsafeOutput as error:
        return [Problem("output", 1, "output", str(error))]
    samples: dict[str, Output] = {}
    for output in planned:
        if output.template:
            samples.setdefault(output.template, output)
    env = render.make_environment(config, theme_loader(theme), cache.bytecode_cache(_compiled_with(config, theme)),
                                  theme.catalogues)
    problems = _template_problems(env, theme, config)
    for template in sorted(samples) if not problems else ():
        try:
            samples[template].make(env, cache.html)
        except Failure as failure:
            problems.append(failure.problem)
    return problems


def _template_problems(env, theme: Theme, config: Config) -> list[Problem]:
    """Every template compiles (each is read as UTF-8 through the gateway), used or not."""
    problems = []
    for name in sorted(theme.templates):
        try:
            env.get_template(name)
        except Exception as error:  # noqa: BLE001 - any error in a template is the template's problem
            problems.append(render.template_problem(error, config.root))
    return problems


def _signature(run: str, found: content.Found, problems: list[Problem], head: str | None = None,
               release: str = "") -> str:
    """A digest of every input file's stamp, of the problems found before reading, of the commit
    the histories come from and of the latest release's stamp (site.yaml and the templates are the
    cache's own keys)."""
    return digest(run, repr(sorted(found.stamps.items())), repr(found.problems), repr(problems), repr(head), release)


def _release_stamp(root: Path, config: Config) -> str:
    """The latest data release's name and stamp: it is published under a name every release
    shares (Config.published_release), so a new one changes no page, but the build must copy it."""
    if config.latest_release is None:
        return ""
    try:
        status = (root / RELEASES_DIR / config.latest_release).lstat()
    except OSError as error:  # gone since the settings were read: the copy will say so
        return f"{config.latest_release}: {error.strerror}"
    return f"{config.latest_release}:{status.st_mtime_ns}:{status.st_size}"


def _compiled_with(config: Config, theme: Theme) -> str:
    """What the templates are compiled with besides their source: the default language's
    catalogues, whose constant messages are compiled in (render.make_environment)."""
    return digest(config.language, *(data.hex() for _, data in theme.catalogues.get(config.language, ())))


def _histories(root: Path, head: str | None, cache: Cache) -> dict[str, vcs.History]:
    """Each incident file's history as of the commit head (none without one: vcs.history_head).

    Kept in the cache under that commit and the archive's folder, so that an unchanged repository
    costs no `git log`; a failed one is not kept, and the next build asks again.
    """
    if head is None:
        return {}
    key = f"{head} {digest(str(root.resolve()))}"
    histories = cache.histories(key)
    if histories is None:
        histories = vcs.record_histories(root)
        if histories is None:
            return {}
        cache.save_histories(key, histories)
    return histories


def _open_cache(root: Path, config: Config, theme: Theme, options: Options) -> Cache:
    try:
        settings = inputs.read_text_file(root, SITE_FILE)
    except OSError:
        settings = b""  # load_config has read it already; reading it again failed only in a race
    # Every page's footer links the latest data release once there is one, as the templates' words are part of
    # every page: the first release renders them again; a later one, published under the same name, does not.
    cache = Cache.open(root, digest(settings.hex()), digest(theme.key, config.published_release or ""), options.clean)
    Store.prepare(cache.path.parent, start_afresh=options.clean)
    return cache


def _store(cache: Cache) -> Store:
    """The cleaned images, kept in the cache's folder (which the cache has vetted: images.Store)."""
    return Store(cache.path.parent)


@dataclass
class Linked:
    """What the stages before rendering give: the linked archive, its bodies' HTML by reference, and the problems found."""

    archive: Archive
    bodies: dict[str, render.BodyRef]  # record key → where its converted HTML is
    problems: list[Problem]
    links_to: dict[str, tuple[str, ...]] = field(default_factory=dict)  # record key → what its body links to


def _read_link_convert(root: Path, config: Config, found: content.Found, cache: Cache, options: Options) -> Linked:
    """read → validate → link → convert, each stage a value; backlinks come from the converted bodies."""
    reading = read_archive(root, config, found, cache, options)
    archive, link_problems = graph.link(reading, config, options.drafts)
    archive, translation_problems = translations.attach(archive, reading, config)
    link_problems += translation_problems
    link_problems += listing_problems(reading)
    bodies, body_problems = convert_bodies(root, archive, reading, cache, options, config)
    archive = graph.with_backlinks(archive, {key: body.links_to for key, (_, body) in bodies.items()})
    references = {key: render.BodyRef(document_key, body.html_digest) for key, (document_key, body) in bodies.items()}
    return Linked(archive, references, reading.problems + link_problems + body_problems,
                  {key: body.links_to for key, (_, body) in bodies.items()})


def _result(linked: Linked, problems: list[Problem]) -> Result:
    result = Result(problems=sorted(problems + linked.problems))
    result.incidents, result.pages = len(linked.archive.incidents), len(linked.archive.pages)
    return result


@dataclass
class FileRecord:
    """What reading and validating one file gave: kept in the cache while the file is unchanged."""

    record: Incident | Page | Translation | None
    claim: IdClaim | None
    problems: list[Problem]
    # The body of a file whose front matter has errors: converted all the same, so that its broken
    # links are reported in the same run as the front matter's problems, not one fix later.
    unchecked_body: tuple[Document, BodySource] | None = None


def read_archive(root: Path, config: Config, found: content.Found, cache: Cache, options: Options) -> Reading:
    """Read and validate every file (only those changed since the last build); a file with errors is left out."""
    media = [f"{content.MEDIA_DIR}/{name}" for name in found.media]
    paths = found.incidents + found.pages + ([found.home] if found.home else []) + list(found.translations) + media
    known = cache.file_records()
    stamps = {path: "{}:{}".format(*found.stamps[path]) for path in paths}
    changed = [path for path in paths if known.get(path, ("",))[0] != stamps[path]]
    reader = _Reader(root, config, {path: found.stamps[path][1] for path in media}, _store(cache), found.translations)
    # strict: zip then asks the progress for one more item, which lets it finish its line.
    read = options.progress.track("read", parallel.run(reader, changed, options.jobs), len(changed))
    fresh = dict(zip(changed, read, strict=True))
    records = {path: (stamps[path], fresh[path]) if path in fresh else known[path] for path in paths}
    cache.save_files(records, set(changed) | {path for path in known if path not in stamps})
    reading = Reading(problems=list(found.problems), media=frozenset(found.media))
    for path in paths:
        file = records[path][1]
        reading.problems += file.problems
        if file.unchecked_body:
            reading.unchecked_bodies.append(file.unchecked_body)
        if file.claim:
            reading.claims.append(file.claim)
        if path == content.HOME_FILE:
            reading.home = file.record if isinstance(file.record, Page) else None  # the home file is a page
        elif isinstance(file.record, Translation):
            reading.translations.append(file.record)
        elif isinstance(file.record, Incident):
            reading.incidents.append(file.record)
        elif file.record:
            reading.pages.append(file.record)
    return reading


class _Reader:
    """Reads one file in a worker: decode, split, parse the YAML, validate."""

    def __init__(self, root: Path, config: Config, media_sizes: dict[str, int], store: Store,
                 translated: dict[str, tuple[str, str]]):
        self.root, self.config, self.schema = root, config, incident_schema(config)
        self.media_sizes, self.store, self.translated = media_sizes, store, translated

    def __call__(self, path: str) -> FileRecord:
        if path in self.media_sizes:
            return FileRecord(None, None, media_problems(self.root, path, self.media_sizes[path], self.store))
        raw, problems = content.read_file(self.root, path)
        is_incident = path.startswith(content.INCIDENTS_DIR)
        if path in self.translated:
            if raw is None or raw.meta is None:
                return FileRecord(None, None, problems, _unchecked_body(raw, is_incident))
            translation, translation_problems = validate_translation(raw, *self.translated[path], self.config)
            return FileRecord(translation, None, problems + translation_problems,
                              None if translation else _unchecked_body(raw, is_incident))
        if raw is None or raw.meta is None:
            guessed_id = id_from_path(path) if is_incident else None
            return FileRecord(None, IdClaim(guessed_id, path, 1, guessed=True) if guessed_id else None, problems,
                              _unchecked_body(raw, is_incident))
        if not is_incident:
            page, page_problems = validate_page(raw)
            return FileRecord(page, None, problems + page_problems, None if page else _unchecked_body(raw, False))
        incident, record_id, incident_problems = validate_incident(raw, self.schema, self.config)
        claim = IdClaim(record_id, path, raw.lines.of(("id",))) if record_id else None
        return FileRecord(incident, claim, problems + incident_problems,
                          None if incident else _unchecked_body(raw, True, record_id))


def _unchecked_body(raw: content.RawFile | None, is_incident: bool,
                    record_id: str | None = None) -> tuple[Document, BodySource] | None:
    """The body of a file left out for its front matter, to convert (None: no body could be read)."""
    if raw is None or not raw.body.strip():
        return None
    name = record_id or id_from_path(raw.path) or "unchecked"
    page_dir, level = (urls.incident_folder(name), 3) if is_incident else (name, 2)
    source = raw.body_source
    return Document(raw.path, source.line, page_dir, level, source.digest), source


def convert_bodies(root: Path, archive: Archive, reading: Reading, cache: Cache, options: Options, config: Config):
    """Markdown → HTML for every published body (every body, drafts included, when checking), and
    for each other language its translations' and its copies of the pages (translations.documents).

    → ({record key: (document key, Body)}, problems). The HTML goes to the cache, not into memory;
    a body converted before is reused while its text, place and link-table answers are unchanged.
    """
    documents = {
        incident.id: (incident_document(incident), incident.body)
        for incident in reading.incidents
        if incident.id in archive.incidents or options.drafts
    }
    for page in archive.pages:
        documents[render.page_key(page.id)] = (_document(page, page.id), page.body)
    if reading.home:
        documents[render.HOME_KEY] = (_document(reading.home, "."), reading.home.body)
    documents |= translations.documents(archive, config)
    for document, source in reading.unchecked_bodies:  # never published; converted for their problems alone
        documents[f"unchecked:{document.path}"] = (document, source)
    keys = {key: document.key for key, (document, _) in documents.items()}
    stored = cache.bodies(list(set(keys.values())))
    reusable = {key: body for key, body in stored.items() if body.still_valid(archive.links)}
    todo = {keys[key]: item for key, item in documents.items() if keys[key] not in reusable}
    results = parallel.run(_BodyConverter(root, archive, needed=bool(todo)), list(todo.values()), options.jobs)
    converted: dict[str, Body] = {}

    def rows():  # streamed into the cache as the workers finish: no body's HTML waits in memory
        # strict: zip then asks the progress for one more item, which lets it finish its line.
        for key, (body, packed_html) in zip(todo, options.progress.track("convert", results, len(todo)), strict=True):
            converted[key] = body
            if packed_html is not None:
                yield key, body, packed_html

    cache.save_bodies(rows(), keep=set(keys.values()))
    bodies_by_key = reusable | converted
    bodies = {key: (keys[key], bodies_by_key[keys[key]]) for key in documents}
    # A page's body is converted for each language's copy of the page: its problems are said once.
    return bodies, list(dict.fromkeys(problem for _, body in bodies.values() for problem in body.problems))


def incident_document(incident: Incident) -> Document:
    """How an incident's body is converted (also by live.py, applying an edit to a kept build)."""
    # Its body sits under its page's "Description" h2, so its own headings start at h3.
    return _document(incident, urls.incident_folder(incident.id), 3)


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
        assert self.converter is not None, "__init__ makes the converter whenever there is a body to convert"
        assert text is not None, "read_body gives either the text or a problem"
        body, html = self.converter.convert(document, text)
        return body, pack_html(html)


def _output_problem(error: OSError, out_dir: Path, root: Path) -> Problem:
    where = f" ({error.filename})" if error.filename else ""
    return Problem(inputs.shown_path(str(out_dir), root), 1, "output",
                   f"cannot be written: {error.strerror or error}{where}; the site as it was is left in place")
