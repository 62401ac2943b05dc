"""site.yaml → a validated, frozen Config (the archive's title, vocabularies and taxonomies)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from . import i18n, inputs
from .content import decode_text, unreadable
from .countries import COUNTRY_NAMES
from .fields import INVALID, Choice, Flag, ListOf, Pattern, Record, Sink, Slug, Spot, Table, Text, Url, Whole
from .model import Incident, Problem
from .names import did_you_mean
from .schema import FIELD_NAMES
from .yaml_loader import Lines, load_yaml

SITE_FILE = "site.yaml"
# Installed from a wheel, the theme ships as incident_archive/theme; in a checkout it is templates/.
_PACKAGED_THEME = Path(__file__).resolve().parent / "theme"
DEFAULT_THEME = _PACKAGED_THEME if _PACKAGED_THEME.is_dir() else Path(__file__).resolve().parent.parent / "templates"
LANGUAGE_TAG = r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"
# A data release's version (release.py): numbers between dots, compared number by number (1.9 < 1.10).
# Numbers without leading zeros: 01.2 would name a file beside 1.2 that compares equal to it.
RELEASE_VERSION = r"(?:0|[1-9]\d{0,8})(?:\.(?:0|[1-9]\d{0,8})){0,4}"
RELEASES_DIR = "releases"  # the data releases' zips, in the archive folder; the latest also in the site's data/



def N_(text: str) -> str:
    """An interface default written in English, marked for the catalogues (catalogues.py extracts
    it) and translated where a page shows it (Config.in_language); site.yaml's own words never are."""
    return text


DEFAULT_STATUSES: dict[str, dict[str, Any]] = {
    "reported": {"label": N_("Reported"), "definition": N_("One source; not yet assessed by the archive.")},
    "corroborated": {"label": N_("Corroborated"), "definition": N_("Two or more independent, credible sources agree.")},
    "verified": {"label": N_("Verified"), "definition": N_("Confirmed by the archive's own checks or by a court.")},
    "contested": {"label": N_("Contested"), "definition": N_("Credible sources disagree on the facts or on responsibility.")},
    "retracted": {"label": N_("Retracted"), "definition": N_("Found unreliable; kept for the record."), "counted": False},
}
# A status is counted as fact unless site.yaml says `counted: false`; the retracted one is not, by default.
UNCOUNTED_BY_DEFAULT = frozenset({"retracted"})
# How much a record with the status needs an archived copy (archived_url) of at least one source,
# so that what it stands on survives the source's deletion (the Berkeley Protocol's preservation):
# required is an error without one, advised a warning, optional says nothing.
ARCHIVED_COPY_RULES = ("required", "advised", "optional")
ARCHIVED_COPY_BY_DEFAULT = {"verified": "required", "corroborated": "advised"}
# What an incident page says of the sources it withholds (private: true), when site.yaml does not.
DEFAULT_WITHHELD_NOTE = N_("Withheld to protect the people who gave them or appear in them; "
                           "the archive's maintainers hold them.")
DEFAULT_TAXONOMIES = {
    "categories": {"title": N_("Categories"), "singular": N_("Category")},
    "perpetrators": {"title": N_("Perpetrators"), "singular": N_("Perpetrator")},
    "tags": {"title": N_("Tags"), "singular": N_("Tag")},
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
class Author:
    """An author of the data releases, as CITATION.cff names one: a person, or an organisation (`name`)."""

    name: str | None = None
    given_names: str | None = None
    family_names: str | None = None
    orcid: str | None = None  # https://orcid.org/0000-...
    affiliation: str | None = None


@dataclass(frozen=True)
class ReleaseSettings:
    """site.yaml's `release:`, for the `release` command (release.py); the command's options come first."""

    version: str | None = None
    date: str | None = None  # YYYY-MM-DD
    authors: tuple[Author, ...] = ()  # none: the archive itself, as its citations name it
    license: str | None = None  # an SPDX identifier, such as CC-BY-4.0


@dataclass(frozen=True)
class SiteTranslation:
    """site.yaml's own words in another language (its `translations:`); what it leaves out stays as written above."""

    title: str | None = None
    description: str | None = None
    withheld_note: str | None = None
    statuses: tuple[tuple[str, str | None, str | None], ...] = ()  # (key, label, definition)
    taxonomies: tuple[tuple[str, str | None, str | None], ...] = ()  # (key, title, singular)
    terms: tuple[tuple[tuple[str, str], str], ...] = ()  # ((taxonomy, term as records spell it), its name)
    places: tuple[tuple[str, str], ...] = ()  # (a region's name as records spell it, its name)
    country_names: tuple[tuple[str, str], ...] = ()


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
    translations: tuple[tuple[str, SiteTranslation], ...] = ()  # (language, its words), the default's not among them
    # The names of terms and places in this Config's language (set by translated()): the records
    # spell them in the default language, and their pages' addresses stay made from that spelling.
    term_names: tuple[tuple[tuple[str, str], str], ...] = ()
    place_names: tuple[tuple[str, str], ...] = ()
    # Which settings site.yaml left to the engine ("statuses", "taxonomies", "withheld_sources"):
    # their words are the engine's, in English, and in_language translates them.
    engine_defaults: frozenset[str] = frozenset()
    release: ReleaseSettings = ReleaseSettings()
    # The newest data release's zip in releases/ (release.py), which every build publishes as
    # published_release: read with the settings.
    latest_release: str | None = None

    @property
    def published_release(self) -> str | None:
        """The newest release's name in the site's data/releases/, which every page's footer links:
        <archive>-data-latest.zip, the same for every release, so that a new release changes that
        one file and no page (at 150,000 incidents, rendering every page again took 20 minutes).
        The zip names its version inside (CITATION.cff, CHANGES.md), and releases/ keeps every one."""
        from .release import published_name  # here: release.py reads these settings

        return None if self.latest_release is None else published_name(self.latest_release)

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

    def shown_title(self, incident: Incident) -> str:
        """Incident.shown_title in these settings' language: a record not counted as fact is marked
        with its status's label as they give it (a default label translated: in_language)."""
        return f"{self.status(incident.status).label}: {incident.title}" if not incident.counted else incident.title

    def country_name(self, code: str) -> str:
        """The name shown for a country: site.yaml's country_names first, then ISO 3166-1's."""
        return self._names["countries"].get(code) or COUNTRY_NAMES.get(code, code)

    def term_name(self, taxonomy: str, term: str) -> str:
        """A term as this language names it (translated() sets the names; the default's are as written)."""
        return self._names["terms"].get((taxonomy, term), term)

    def place_name(self, name: str) -> str:
        """A region's name as this language gives it (translated() sets the names)."""
        return self._names["places"].get(name, name)

    def in_language(self, words: i18n.Words) -> Config:
        """The engine's own defaults among the settings (the statuses, taxonomies and note on
        withheld sources that site.yaml leaves out) in the interface's language, from its catalogue.

        Only while they are still the engine's English words: site.yaml's own words, and its
        `translations:` of them, are the archive's (translated()), never the catalogue's."""
        if not self.engine_defaults:
            return self
        defaults = self.engine_defaults

        def untouched(kind: str, table: dict, key: str, *texts: str) -> bool:
            return kind in defaults and key in table and tuple(table[key].values())[:2] == texts

        statuses = tuple(
            replace(status, label=words.gettext(status.label), definition=words.gettext(status.definition))
            if untouched("statuses", DEFAULT_STATUSES, status.key, status.label, status.definition) else status
            for status in self.statuses)
        taxonomies = tuple(
            replace(taxonomy, title=words.gettext(taxonomy.title), singular=words.gettext(taxonomy.singular))
            if untouched("taxonomies", DEFAULT_TAXONOMIES, taxonomy.key, taxonomy.title, taxonomy.singular) else taxonomy
            for taxonomy in self.taxonomies)
        withheld_note = self.withheld_note
        if "withheld_sources" in defaults and withheld_note == DEFAULT_WITHHELD_NOTE:
            withheld_note = words.gettext(withheld_note)
        if (statuses, taxonomies, withheld_note) == (self.statuses, self.taxonomies, self.withheld_note):
            return self
        return replace(self, statuses=statuses, taxonomies=taxonomies, withheld_note=withheld_note)

    @functools.cached_property
    def _names(self) -> dict[str, dict]:
        """The tables of names, looked up for every record of every list: made into dicts once."""
        return {"countries": dict(self.country_names), "terms": dict(self.term_names), "places": dict(self.place_names)}

    def translated(self, code: str) -> Config:
        """The settings as a language shows them: site.yaml's `translations:` for it over the
        default's words, and the countries under CLDR's names in it. `language` stays the default's."""
        if code == self.language:
            return self
        words = dict(self.translations).get(code, SiteTranslation())
        statuses, taxonomies = ({key: rest for key, *rest in table} for table in (words.statuses, words.taxonomies))
        return replace(
            self,
            title=words.title or self.title,
            description=words.description or self.description,
            withheld_note=words.withheld_note or self.withheld_note,
            statuses=tuple(replace(status, label=statuses.get(status.key, (None, None))[0] or status.label,
                                   definition=statuses.get(status.key, (None, None))[1] or status.definition)
                           for status in self.statuses),
            taxonomies=tuple(replace(taxonomy, title=taxonomies.get(taxonomy.key, (None, None))[0] or taxonomy.title,
                                     singular=taxonomies.get(taxonomy.key, (None, None))[1] or taxonomy.singular)
                             for taxonomy in self.taxonomies),
            country_names=tuple(sorted({**_country_names_in(code), **dict(words.country_names)}.items())),
            term_names=words.terms,
            place_names=words.places,
        )


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
        "translations": Table(Record({
            "title": Text(),
            "description": Text(),
            "withheld_sources": Text(),
            "statuses": Table(Record({"label": Text(), "definition": Text()}), key=Slug()),
            "taxonomies": Table(Record({"title": Text(), "singular": Text()}), key=Slug()),
            "terms": Table(Table(Text(), key=Text()), key=Slug()),
            "places": Table(Text(), key=Text()),
            "country_names": Table(Text(), key=Pattern(r"[A-Z]{2}", "an ISO 3166-1 alpha-2 code")),
        }), key=Pattern(LANGUAGE_TAG, "a language tag such as en or uk"),
            help="site.yaml's words in each other language: the title, statuses, taxonomies, terms and places"),
        "release": Record({
            "version": Pattern(RELEASE_VERSION,
                               "a version: numbers between dots without leading zeros, such as 1 or 2.1 (in quotes)"),
            "date": Pattern(r"\d{4}-\d{2}-\d{2}", "a date YYYY-MM-DD"),
            "authors": ListOf(Record({
                "name": Text(help="an organisation's name"),
                "given_names": Text(),
                "family_names": Text(),
                "orcid": Pattern(r"https://orcid\.org/\d{4}-\d{4}-\d{4}-\d{3}[\dX]",
                                 "an ORCID iD's address, such as https://orcid.org/0000-0002-1825-0097"),
                "affiliation": Text(),
            }, shorthand="name", one_of_required=("name", "family_names")), min_items=1),
            "license": Pattern(r"[A-Za-z0-9][A-Za-z0-9.+-]*", "an SPDX licence identifier, such as CC-BY-4.0"),
        }),
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
    _check_translations(settings, Spot(sink).at("translations"))
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
        elif index and (code.lower() in RESERVED_NAMES or code.lower() in settings.get("taxonomies", {})):
            # Every language after the first is a folder at the site's root, beside the sections.
            spot.at("languages").at(index).error(f"'{code}' is a name the site already uses for a section; "
                                                 "its pages would be written over that section's")
        elif index and (problem := inputs.name_problem(code)):
            spot.at("languages").at(index).error(f"its folder {problem.removeprefix('is ')}")
        seen.add(code.lower())


def _check_translations(settings: dict, spot: Spot) -> None:
    """Each language of `translations:` is one of the archive's others; each status, taxonomy and
    term it names is one site.yaml has."""
    languages = settings.get("languages") or [settings.get("language", "en")]
    statuses = list(settings.get("statuses") or DEFAULT_STATUSES)
    taxonomies = settings.get("taxonomies", DEFAULT_TAXONOMIES)
    for code, words in (settings.get("translations") or {}).items():
        here = spot.at(code)
        if code == languages[0]:
            here.error(f"'{code}' is the default language: its words are the ones written above")
        elif code not in languages:
            here.error(f"'{code}' is not one of languages ({', '.join(languages)}){did_you_mean(code, languages[1:])}")
        for key in words.get("statuses", {}):
            if key not in statuses:
                here.at("statuses").at(key).error(f"no status is called '{key}'{did_you_mean(key, statuses)}; "
                                                  f"use one of: {', '.join(statuses)}")
        for field_name in ("taxonomies", "terms"):
            for key in words.get(field_name, {}):
                if key not in taxonomies:
                    here.at(field_name).at(key).error(f"no taxonomy is called '{key}'{did_you_mean(key, taxonomies)}; "
                                                      f"use one of: {', '.join(taxonomies)}")
        for key, names in words.get("terms", {}).items():
            vocabulary = (taxonomies.get(key) or {}).get("terms") or {}
            for term in names if vocabulary else ():
                if term not in vocabulary:
                    here.at("terms").at(key).at(term).error(
                        f"'{term}' is not one of the taxonomy's terms{did_you_mean(term, vocabulary)}")


def _country_names_in(code: str) -> dict[str, str]:
    """Each country's name in a language, as CLDR (Babel's copy) gives it; none for a language it does not know."""
    from babel import Locale, UnknownLocaleError

    try:
        territories = Locale.parse(code.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        return {}
    return {country: territories[country] for country in COUNTRY_NAMES if country in territories}


def _check_names(settings: dict, spot: Spot) -> None:
    for key in settings.get("taxonomies", {}):
        if key in RESERVED_NAMES:
            spot.at("taxonomies").at(key).error(f"'{key}' is a name the site already uses; choose another")


def _check_contact(settings: dict, written: dict, spot: Spot) -> None:
    """A published archive needs a way to be told of its errors (an invalid contact is reported already)."""
    if settings.get("base_url") and written.get("contact") is None and written.get("repository") is None:
        spot.at("contact").warning("a published archive (it has a base_url) gives readers no way to report an "
                                   "error: set contact: to an email address or a form's address, or set repository:")


def _default_country_names(settings: dict) -> dict[str, str]:
    """site.yaml's country_names over CLDR's names in the default language, when it is not English
    (whose names are ISO 3166-1's, COUNTRY_NAMES): a Ukrainian archive names Україна on its pages."""
    default = (settings.get("languages") or [settings.get("language", "en")])[0]
    cldr = {} if default.split("-")[0].lower() == "en" else _country_names_in(default)
    return {**cldr, **settings.get("country_names", {})}


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
        country_names=tuple(sorted(_default_country_names(settings).items())),
        repository=_repository(settings.get("repository")),
        contact=Contact(settings["contact"]) if settings.get("contact") else None,
        withheld_note=settings.get("withheld_sources", DEFAULT_WITHHELD_NOTE),
        history=settings.get("history", True),
        template_dirs=tuple(dict.fromkeys(path.resolve() for path in template_dirs)),
        engine_defaults=frozenset(name for name, given in (("statuses", settings.get("statuses")),
                                                           ("taxonomies", "taxonomies" in settings),
                                                           ("withheld_sources", "withheld_sources" in settings))
                                  if not given),
        translations=tuple((code, _site_translation(words)) for code, words in settings.get("translations", {}).items()),
        release=_release_settings(settings.get("release", {})),
        latest_release=_latest_release(root),
    )


def _release_settings(settings: dict) -> ReleaseSettings:
    authors = tuple(Author(**author) for author in settings.get("authors", ()))
    return ReleaseSettings(settings.get("version"), settings.get("date"), authors, settings.get("license"))


def _latest_release(root: Path) -> str | None:
    from .release import latest  # here: release.py reads these settings

    return latest(root)


def _site_translation(words: dict) -> SiteTranslation:
    return SiteTranslation(
        title=words.get("title"), description=words.get("description"), withheld_note=words.get("withheld_sources"),
        statuses=tuple((key, item.get("label"), item.get("definition")) for key, item in words.get("statuses", {}).items()),
        taxonomies=tuple((key, item.get("title"), item.get("singular")) for key, item in words.get("taxonomies", {}).items()),
        terms=tuple(((key, term), name) for key, names in words.get("terms", {}).items() for term, name in names.items()),
        places=tuple(words.get("places", {}).items()),
        country_names=tuple(sorted(words.get("country_names", {}).items())),
    )


def _repository(settings: dict | None) -> Repository | None:
    if not settings or "url" not in settings:
        return None
    folder = settings.get("folder", "").strip("/")
    return Repository(settings["url"], settings.get("branch", "main"), f"{folder}/" if folder else "")
