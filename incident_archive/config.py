"""site.yaml → a validated, frozen Config (the archive's title, vocabularies and taxonomies)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from . import inputs
from .content import decode_text, unreadable
from .countries import COUNTRY_NAMES
from .fields import INVALID, Choice, Flag, ListOf, Pattern, Record, Sink, Slug, Spot, Table, Text, Url, Whole
from .model import Problem
from .schema import FIELD_NAMES
from .yaml_loader import Lines, load_yaml

SITE_FILE = "site.yaml"
# Installed from a wheel, the theme ships as incident_archive/theme; in a checkout it is templates/.
_PACKAGED_THEME = Path(__file__).resolve().parent / "theme"
DEFAULT_THEME = _PACKAGED_THEME if _PACKAGED_THEME.is_dir() else Path(__file__).resolve().parent.parent / "templates"
LANGUAGE_TAG = r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"

DEFAULT_STATUSES: dict[str, dict[str, Any]] = {
    "reported": {"label": "Reported", "definition": "One source; not yet assessed by the archive."},
    "corroborated": {"label": "Corroborated", "definition": "Two or more independent, credible sources agree."},
    "verified": {"label": "Verified", "definition": "Confirmed by the archive's own checks or by a court."},
    "contested": {"label": "Contested", "definition": "Credible sources disagree on the facts or on responsibility."},
    "retracted": {"label": "Retracted", "definition": "Found unreliable; kept for the record.", "counted": False},
}
# A status is counted as fact unless site.yaml says `counted: false`; the retracted one is not, by default.
UNCOUNTED_BY_DEFAULT = frozenset({"retracted"})
# How much a record with the status needs an archived copy (archived_url) of at least one source,
# so that what it stands on survives the source's deletion (the Berkeley Protocol's preservation):
# required is an error without one, advised a warning, optional says nothing.
ARCHIVED_COPY_RULES = ("required", "advised", "optional")
ARCHIVED_COPY_BY_DEFAULT = {"verified": "required", "corroborated": "advised"}
# What an incident page says of the sources it withholds (private: true), when site.yaml does not.
DEFAULT_WITHHELD_NOTE = ("Withheld to protect the people who gave them or appear in them; "
                         "the archive's maintainers hold them.")
DEFAULT_TAXONOMIES = {
    "categories": {"title": "Categories", "singular": "Category"},
    "perpetrators": {"title": "Perpetrators", "singular": "Perpetrator"},
    "tags": {"title": "Tags", "singular": "Tag"},
}
# Paths the site itself uses, and front-matter fields, cannot be taxonomies or page slugs.
RESERVED_NAMES = frozenset(
    "incidents places status search data static media page feed sitemap index 404 map dates "
    # keys of the open data that say where a record is published (the fields' own and their
    # columns' are schema.FIELD_NAMES)
    "url page json description "
    # the search page's URL parameters and form fields
    "q place".split()
) | FIELD_NAMES


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    definition: str
    # False: records with this status are kept and shown, marked, but never counted as fact.
    counted: bool = True
    archived_copy: str = "optional"  # one of ARCHIVED_COPY_RULES


@dataclass(frozen=True)
class Taxonomy:
    key: str  # the front-matter field and the URL segment
    title: str
    singular: str
    definitions: tuple[tuple[str, str], ...] = ()  # a closed vocabulary, when the archive sets one

    @property
    def closed(self) -> bool:
        return bool(self.definitions)

    def definition(self, term: str) -> str | None:
        return dict(self.definitions).get(term)


@dataclass(frozen=True)
class Repository:
    """Where the archive's files live on GitHub: incident pages link to their file and to the correction form."""

    url: str  # https://github.com/owner/name
    branch: str = "main"
    folder: str = ""  # the archive folder inside the repository, "" at its root, else ending in /

    def edit_url(self, path: str) -> str:
        return f"{self.url}/edit/{quote(self.branch)}/{quote(self.folder + path)}"

    def correction_url(self, record_id: str, title: str) -> str:
        """The correction issue form, its title and `record` field filled in (see .github/ISSUE_TEMPLATE)."""
        query = urlencode({"template": "correction.yml", "title": f"Correction: {title}", "record": record_id})
        return f"{self.url}/issues/new?{query}"


@dataclass(frozen=True)
class Contact:
    """Where readers report an error: an email address, or the address of a web form."""

    address: str

    @property
    def is_email(self) -> bool:
        return not self.address.startswith("https://")

    @property
    def url(self) -> str:
        return f"mailto:{self.address}" if self.is_email else self.address

    def correction_url(self, record_id: str, title: str) -> str:
        """An email's subject names the record; a form is whatever its owner made it."""
        if self.is_email:
            return f"mailto:{self.address}?{urlencode({'subject': f'Correction: {title} [{record_id}]'}, quote_via=quote)}"
        return self.address


class ContactField(Text):
    """An email address or an https:// address."""

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        if value.startswith("https://") and urlsplit(value).hostname:
            return value
        # Letters, digits and . _ + - only: a ? or & would add headers (cc=, body=) to the mailto: link.
        if re.fullmatch(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", value):
            return value
        return spot.error(f"'{value}' is neither an email address nor an https:// address (a form, a page)")


class BaseUrl(Url):
    """Where the site is published: a web address, without a query or fragment (page paths follow it)."""

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is not INVALID and (urlsplit(value).query or urlsplit(value).fragment or value.endswith(("?", "#"))):
            return spot.error(f"'{value}' has a ? or # part; give the address of the site's folder, "
                              "such as https://example.org/archive/")
        return value


class GitHubRepository(Url):
    """https://github.com/owner/name, as the edit and correction links are GitHub's."""

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        value = value.rstrip("/").removesuffix(".git")
        if not re.fullmatch(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
            return spot.error(f"'{value}' is not a GitHub repository's address, such as https://github.com/owner/name")
        return value


@dataclass(frozen=True)
class Config:
    root: Path
    title: str
    language: str = "en"  # the default language: languages[0]
    languages: tuple[str, ...] = ("en",)
    description: str | None = None
    base_url: str | None = None
    per_page: int = 50
    latest: int = 10
    statuses: tuple[Status, ...] = ()
    taxonomies: tuple[Taxonomy, ...] = ()
    country_names: tuple[tuple[str, str], ...] = ()
    repository: Repository | None = None
    contact: Contact | None = None
    withheld_note: str = DEFAULT_WITHHELD_NOTE
    # Incident pages list the commits that touched their file. Off for an archive whose repository
    # is private while its site is not: commit messages would be published.
    history: bool = True
    template_dirs: tuple[Path, ...] = field(default=(DEFAULT_THEME,))

    @property
    def report_url(self) -> str | None:
        """Where the footer sends a reader who found an error: the contact, else the repository's issues."""
        if self.contact:
            return self.contact.url
        return f"{self.repository.url}/issues/new/choose" if self.repository else None

    def correction_url(self, record_id: str, title: str) -> str | None:
        """Where an incident page's "Report a correction" leads (the repository's form comes first:
        it files the report where the maintainers work)."""
        if self.repository:
            return self.repository.correction_url(record_id, title)
        return self.contact.correction_url(record_id, title) if self.contact else None

    def status(self, key: str) -> Status:
        return next(status for status in self.statuses if status.key == key)

    def country_name(self, code: str) -> str:
        """The name shown for a country: site.yaml's country_names first, then ISO 3166-1's."""
        return dict(self.country_names).get(code) or COUNTRY_NAMES.get(code, code)


def _site_schema() -> Record:
    # A taxonomy with `terms` has a closed vocabulary: term → the definition shown on its page.
    term_table = Table(Text(), key=Text())
    return Record({
        "title": Text(required=True),
        "description": Text(),
        "base_url": BaseUrl(help="the address the archive is published at, e.g. https://example.org/archive/"),
        "language": Pattern(LANGUAGE_TAG, "a language tag such as en or uk"),
        "languages": ListOf(Pattern(LANGUAGE_TAG, "a language tag such as en or uk"), min_items=1,
                            help="the archive's languages, the first at the site's root, each other under /<tag>/"),
        "per_page": Whole(minimum=1),
        "latest": Whole(minimum=1),
        "statuses": Table(Record({
            "label": Text(required=True),
            "definition": Text(required=True),
            "counted": Flag(help="false: its records are shown, marked with the label, and left out of every figure"),
            "archived_copy": Choice(ARCHIVED_COPY_RULES, help="whether its records need an archived_url on a source: "
                                    + ", ".join(ARCHIVED_COPY_RULES)),
        }), key=Slug()),
        "taxonomies": Table(Record({
            "title": Text(required=True),
            "singular": Text(required=True),
            "terms": term_table,
        }), key=Slug()),
        "country_names": Table(Text(), key=Pattern(r"[A-Z]{2}", "an ISO 3166-1 alpha-2 code")),
        "repository": Record({
            "url": GitHubRepository(required=True),
            "branch": Text(),
            "folder": Text(help="the archive folder's path inside the repository"),
        }, shorthand="url"),
        "contact": ContactField(help="where readers report an error: an email address or a form's https:// address"),
        "withheld_sources": Text(help="what incident pages say of the sources they withhold (private: true)"),
        "history": Flag(help="false: incident pages list no commits from git (a commit's message is published with it)"),
    })


def load_config(root: Path) -> tuple[Config | None, list[Problem]]:
    """Read and check site.yaml; every problem is reported, with its line."""
    try:
        text, problem = decode_text(SITE_FILE, inputs.read_text_file(root, SITE_FILE))
    except OSError as error:
        text, problem = "", unreadable(SITE_FILE, error)
    if problem:
        return None, [problem]
    data, node, problems = load_yaml(SITE_FILE, text, what="site.yaml")
    if data is None:
        return None, problems
    sink = Sink(SITE_FILE, Lines(node, first_line=1))
    settings = _site_schema().clean(data, Spot(sink))
    _check_names(settings, Spot(sink))
    _check_contact(settings, data, Spot(sink))
    _check_languages(settings, Spot(sink))
    problems = problems + sink.problems  # the YAML's own warnings (a list item without its space), then the values
    if sink.has_errors or settings is INVALID:
        return None, problems
    return _make_config(root, settings), problems


def _check_languages(settings: dict, spot: Spot) -> None:
    """`language` is the first of `languages` when both are given; a language is listed once."""
    listed = settings.get("languages") or []
    if "language" in settings and listed and settings["language"] != listed[0]:
        spot.at("language").error(f"'{settings['language']}' is not the first of languages ({listed[0]}): "
                                  "give one of the two, or make them agree")
    seen = set()
    for index, code in enumerate(listed):
        if code.lower() in seen:
            spot.at("languages").at(index).error(f"'{code}' is listed twice")
        seen.add(code.lower())


def _check_names(settings: dict, spot: Spot) -> None:
    for key in settings.get("taxonomies", {}):
        if key in RESERVED_NAMES:
            spot.at("taxonomies").at(key).error(f"'{key}' is a name the site already uses; choose another")


def _check_contact(settings: dict, written: dict, spot: Spot) -> None:
    """A published archive needs a way to be told of its errors (an invalid contact is reported already)."""
    if settings.get("base_url") and written.get("contact") is None and written.get("repository") is None:
        spot.at("contact").warning("a published archive (it has a base_url) gives readers no way to report an "
                                   "error: set contact: to an email address or a form's address, or set repository:")


def _make_config(root: Path, settings: dict) -> Config:
    statuses = settings.get("statuses") or DEFAULT_STATUSES
    taxonomies = settings.get("taxonomies", DEFAULT_TAXONOMIES)
    base_url = settings.get("base_url")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    own_templates = root / "templates"
    template_dirs = (own_templates, DEFAULT_THEME) if own_templates.is_dir() else (DEFAULT_THEME,)
    return Config(
        root=root,
        title=settings["title"],
        language=(settings.get("languages") or [settings.get("language", "en")])[0],
        languages=tuple(settings.get("languages") or [settings.get("language", "en")]),
        description=settings.get("description"),
        base_url=base_url,
        per_page=settings.get("per_page", 50),
        latest=settings.get("latest", 10),
        statuses=tuple(Status(key, item["label"], item["definition"], item.get("counted", key not in UNCOUNTED_BY_DEFAULT),
                              item.get("archived_copy", ARCHIVED_COPY_BY_DEFAULT.get(key, "optional")))
                       for key, item in statuses.items()),
        taxonomies=tuple(
            Taxonomy(key, item["title"], item["singular"], tuple(item.get("terms", {}).items()))
            for key, item in taxonomies.items()
        ),
        country_names=tuple(sorted(settings.get("country_names", {}).items())),
        repository=_repository(settings.get("repository")),
        contact=Contact(settings["contact"]) if settings.get("contact") else None,
        withheld_note=settings.get("withheld_sources", DEFAULT_WITHHELD_NOTE),
        history=settings.get("history", True),
        template_dirs=tuple(dict.fromkeys(path.resolve() for path in template_dirs)),
    )


def _repository(settings: dict | None) -> Repository | None:
    if not settings or "url" not in settings:
        return None
    folder = settings.get("folder", "").strip("/")
    return Repository(settings["url"], settings.get("branch", "main"), f"{folder}/" if folder else "")
