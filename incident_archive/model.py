"""The data model: plain, frozen records that flow between the stages of a build."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from .dates import PartialDate, pickled_by_fields
from .inputs import printable
from .names import did_you_mean


def digest(*texts: str) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for text in texts:
        hasher.update(text.encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


class Severity(str, Enum):  # noqa: UP042 - a StrEnum's str() differs, and Severity is pickled in caches
    ERROR = "error"
    WARNING = "warning"


def line_in(lines: str, field_name: str) -> int:
    """A field's line from a record's "related[2]=14 duplicate_of=9 ..." (1 where it is not written)."""
    for entry in lines.split(" "):
        name, _, line = entry.rpartition("=")
        if name == field_name:
            return int(line)
    return 1


@pickled_by_fields
@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        """path:line: field: message, on one line whatever the input held (a newline or an ESC in a
        file name or value would break the format, or be a command to the reader's terminal)."""
        flag = "" if self.is_error else "warning: "
        # A colon in a file name or a key would make the line read wrongly: it is written %3A.
        path, field = (printable(part).replace(":", "%3A") for part in (self.path, self.field))
        return f"{path}:{self.line}: {field}: {flag}{printable(self.message)}"


class Failure(Exception):
    """A stage that cannot go on, with the Problem that says why and where.

    Its one argument is the Problem, so that it survives the trip from a worker process (where the
    traceback that located it would be lost).
    """

    @property
    def problem(self) -> Problem:
        return self.args[0]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    name: str
    admin1: str | None = None
    admin2: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str | None = None
    # The record has coordinates, and withholds them: it counts in its place, on no map.
    hide_coordinates: bool = False

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Source:
    url: str | None = None
    description: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: PartialDate | None = None
    archived_url: str | None = None
    accessed: PartialDate | None = None
    type: str | None = None
    language: str | None = None
    sha256: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Count:
    """A casualty figure: exact (low == high) or a range kept as the sources give it."""

    low: int
    high: int

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Casualties:
    killed: Count | None = None
    injured: Count | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Correction:
    date: PartialDate
    note: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class BodySource:
    """Where a record's Markdown body lies in its file: read again when it is converted, never held."""

    start: int = 0  # offset in the decoded text
    line: int = 1  # file line of its first line
    digest: str = ""
    blank: bool = False  # nothing but white space: a translation may leave out only a body the original lacks


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    path: str
    title: str
    date: PartialDate
    location: Location
    status: str
    sources: tuple[Source, ...]  # the published ones: a source marked private is checked, then left out
    body: BodySource = BodySource()
    # Changes whenever anything a page may show of the record changes (its front matter or path).
    digest: str = ""
    date_end: PartialDate | None = None
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    casualties: Casualties | None = None
    related: tuple[str, ...] = ()
    summary: str | None = None
    content_warning: str | None = None
    updated: PartialDate | None = None
    corrections: tuple[Correction, ...] = ()
    previous_ids: tuple[str, ...] = ()
    duplicate_of: str | None = None
    draft: bool = False
    lang: str | None = None
    # Lines of the fields the link stage may report on, as "related[2]=14 duplicate_of=9 ...":
    # one string rather than a tuple per field, since every record of the archive is held.
    lines: str = ""
    # The status's label when site.yaml says records with it are not counted as fact (Retracted).
    uncounted_as: str = ""
    withheld_sources: int = 0  # sources marked private: the page says how many, and nothing else of them
    # The declared fields (schema.INCIDENT_FIELDS) that have no attribute above, as (name, value):
    # every one of them, its value None where the record has none. Read them with get().
    extra: tuple[tuple[str, object], ...] = ()
    # (label, value) of the declared fields the page lists among the record's facts, where it has one.
    facts: tuple[tuple[str, object], ...] = ()
    # Set only on a record as another language shows it (translations.view): the original's
    # language, for the link to it, and whether software made the translation.
    original_lang: str | None = None
    machine_translated: bool = False

    @property
    def counted(self) -> bool:
        return not self.uncounted_as

    def get(self, name: str):
        """A declared field's value by its name, whether it has an attribute or lives in extra."""
        if self.extra:
            for key, value in self.extra:
                if key == name:
                    return value
        return getattr(self, name)

    @property
    def shown_title(self) -> str:
        """The title wherever a reader meets the record (pages, lists, feeds, search): a retracted
        record is marked in the title itself, so no list or reader can show it as fact."""
        return f"{self.uncounted_as}: {self.title}" if self.uncounted_as else self.title

    @property
    def sort_key(self) -> tuple:
        return (self.date.sort_key, self.id)

    def line_of(self, field_name: str) -> int:
        return line_in(self.lines, field_name)

    def terms_of(self, taxonomy: str) -> tuple[str, ...]:
        return dict(self.terms).get(taxonomy, ())


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Page:
    """A plain page from content/pages (about, methodology) or the home page's text."""

    id: str
    path: str
    title: str
    body: BodySource = BodySource()
    digest: str = ""
    summary: str | None = None
    menu: int | None = None
    draft: bool = False
    lang: str | None = None
    updated: PartialDate | None = None
    original_lang: str | None = None  # as Incident's: set on a translation's view
    machine_translated: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Translation:
    """A record's or a page's text in another language (`bucha.uk.md` beside `bucha.md`): text only,
    the facts being the original's. Fields a translation leaves out show the original's text."""

    path: str
    original: str  # the original's path, beside it
    lang: str  # from the file name, never written in it
    body: BodySource = BodySource()
    digest: str = ""  # of its path and front matter, as a record's
    title: str | None = None
    summary: str | None = None
    location_name: str | None = None
    content_warning: str | None = None
    notes: tuple[str, ...] = ()  # the corrections' notes, by position
    media: tuple[tuple[str | None, str | None], ...] = ()  # (caption, alt) of each item, by position
    translated_from: str | None = None  # the original's text version it was made from (translations.text_version)
    machine_translated: bool = False
    lines: str = ""  # as Incident.lines

    def line_of(self, field_name: str) -> int:
        return line_in(self.lines, field_name)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class IdClaim:
    """A file that claims an id, valid or not: duplicates are found among all of them."""

    id: str
    path: str
    line: int
    # The file could not be read, so its id is taken from its name: enough to spare other files
    # reports of broken links to it, not enough to report it as a duplicate.
    guessed: bool = False


@dataclass
class Reading:
    """What the read and validate stages produce: valid records, plus every id claimed."""

    incidents: list[Incident] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    home: Page | None = None
    # Includes files with errors, so that links to them are not reported as broken too:
    # one bad file yields its own problems, not a cascade in others.
    claims: list[IdClaim] = field(default_factory=list)
    media: frozenset[str] = frozenset()  # paths under content/media, relative to it
    problems: list[Problem] = field(default_factory=list)
    # The bodies of files left out for their front matter, converted for their problems alone.
    unchecked_bodies: list[tuple[Document, BodySource]] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TermGroup:
    """One term of a taxonomy, or one place, with its incidents newest first."""

    name: str
    slug: str
    ids: tuple[str, ...]
    definition: str | None = None
    children: tuple[TermGroup, ...] = ()  # a country's regions


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LinkTable:
    """What a Markdown body may link to, for the treeprocessor that resolves its links."""

    incident_paths: dict[str, str]  # content path → id, for [text](../2022/x.md)
    page_paths: dict[str, str]  # content path → page id
    titles: dict[str, str]  # published incident id → title
    redirects: dict[str, str]  # previous or merged id → current id
    known_ids: frozenset[str]  # every id claimed, published or not, valid or not
    media: frozenset[str]
    # The pages a language other than the default has of the records translated into it, each with
    # its title there: "uk/incidents/bucha/index.html" → "Страта ...". A body in that language links
    # there; to the default language's page of a record not translated.
    translated: dict[str, str] = field(default_factory=dict)

    # The questions a body may ask. A converted body is reused while every answer it got stays the same.

    def current_id(self, incident_id: str) -> str:
        return self.redirects.get(incident_id, incident_id)

    def title(self, incident_id: str) -> str | None:
        """The title of a published incident; None for a draft or an unknown id."""
        return self.titles.get(incident_id)

    def is_known(self, incident_id: str) -> bool:
        return incident_id in self.known_ids

    def incident_at(self, path: str) -> str | None:
        return self.incident_paths.get(path)

    def page_at(self, path: str) -> str | None:
        return self.page_paths.get(path)

    def has_media(self, name: str) -> bool:
        return name in self.media

    def title_at(self, page_path: str) -> str | None:
        """The title of a record's page in a language other than the default; None: it has none there."""
        return self.translated.get(page_path)

    def id_hint(self, incident_id: str) -> str:
        return did_you_mean(incident_id, self.known_ids)

    def path_hint(self, path: str) -> str:
        return did_you_mean(path, [*self.incident_paths, *self.page_paths])


@dataclass
class Archive:
    """The linked archive: records plus every index the pages need, computed once."""

    incidents: dict[str, Incident]  # published, by id
    newest_first: tuple[str, ...]
    redirects: dict[str, str]
    related: dict[str, tuple[str, ...]]
    neighbours: dict[str, tuple[str | None, str | None]]  # id → (older, newer)
    taxonomies: dict[str, tuple[TermGroup, ...]]
    countries: tuple[TermGroup, ...]
    statuses: dict[str, tuple[str, ...]]
    years: tuple[tuple[int, int, int], ...]  # (year, counted as fact, not counted)
    pages: tuple[Page, ...]
    home: Page | None
    links: LinkTable
    # Known once the bodies are converted (graph.with_backlinks): incident id → the incidents whose bodies link to it.
    mentioned_in: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # language → record key (incident id, render.page_key(id), render.HOME_KEY) → its translation
    # into that language, for the published records that have one (translations.attach).
    translations: dict[str, dict[str, Translation]] = field(default_factory=dict)


@dataclass
class Document:
    """One body to convert: where it comes from and where its page will be."""

    path: str  # the source file, relative to the archive folder
    body_line: int  # file line of the body's first line
    page_dir: str  # the page's folder in the output, e.g. "incidents/bucha"
    heading_level: int = 2  # the level of the body's top headings: the page's outline continues there
    body_digest: str = ""
    # The prefix of the page's language ("uk/"; "" for the default language): its links lead to
    # that language's pages where they exist.
    prefix: str = ""

    @property
    def key(self) -> str:
        """Everything but the link table that the HTML depends on: a cached conversion is found by it."""
        parts = (self.path, str(self.body_line), self.page_dir, str(self.heading_level), self.body_digest)
        return digest(*parts, self.prefix) if self.prefix else digest(*parts)


@dataclass(slots=True)
class Body:
    """A converted body, less its HTML (kept on disk until its page is rendered)."""

    html_digest: str = ""
    links_to: tuple[str, ...] = ()  # incident ids this body links to, for "mentioned in"
    problems: list[Problem] = field(default_factory=list)
    # Each question asked of the link table, with its answer: (method name, argument, answer).
    lookups: tuple[tuple[str, str, object], ...] = ()

    def still_valid(self, links: LinkTable) -> bool:
        return all(getattr(links, name)(argument) == answer for name, argument, answer in self.lookups)
