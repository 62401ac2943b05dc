"""Render stage: every page of the site as a PageSpec with a fingerprint of its inputs, then → bytes."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from . import citation, i18n, inputs, maps, timeline, urls
from .cache import CacheDamaged
from .config import Config
from .dates import PartialDate, parse_partial_date
from .model import Archive, Failure, Incident, Location, Page, Problem, digest

if TYPE_CHECKING:  # imported where it is used, so that builds with nothing to render skip it
    import jinja2

    from .vcs import History


HOME_KEY = ":home"  # bodies are keyed by incident id, page_key(page id), or HOME_KEY


def page_key(page_id: str) -> str:
    return f":page:{page_id}"


@dataclass(frozen=True)
class BodyRef:
    """A converted body in the cache, fetched only when its page is rendered."""

    key: str
    html_digest: str


@dataclass(frozen=True)
class Later:
    """A value of a page's context worked out only when the page is rendered (in a worker), for a
    value that costs more than its inputs' digest: `token`, a digest of everything it is made of,
    stands for it in the page's fingerprint, so an unchanged page never works it out."""

    token: str
    make: Callable[[], object]


@dataclass(slots=True)
class PageSpec:
    """One page to render: where it goes, with which template, and what the template needs."""

    path: str
    template: str
    context: dict = field(default_factory=dict)
    root: str | None = None  # set for pages served at any depth (404.html): links from the site root
    whole_archive = False  # a page is rendered in a worker (incremental.Output)

    def make(self, env: jinja2.Environment, body_html: Callable[[str], str]) -> bytes:
        """The page's bytes; any error its template raises is a Failure located at the template's line.

        Located here, in the worker, because a traceback that crosses back to the parent process
        loses the template's file and line."""
        try:
            return render_page(self, env, body_html)
        except (Failure, CacheDamaged):  # located already; the cache's, not the template's
            raise
        except Exception as error:  # noqa: BLE001 - a template's error, whatever Python raised
            site = cast(Config, env.globals["site"])  # make_environment puts the Config there; Jinja types globals as object
            raise Failure(template_problem(error, site.root)) from None

    def fingerprint(self, memo: dict) -> str:
        """A digest of everything the template is given: equal fingerprints render equal bytes.

        Templates see only their context and `site` (site.yaml and the templates themselves are
        the cache's keys), so this is the whole of a page's input.
        """
        hasher = hashlib.blake2b(digest_size=16)
        hasher.update(f"{self.path}\0{self.template}\0{self.root}\0".encode())
        hasher.update(_token(self.context, memo).encode("utf-8", "surrogatepass"))
        return hasher.hexdigest()


def _token(value, memo: dict) -> str:
    """A text standing for a value: records by their digest, shared objects digested once."""
    kind = type(value)
    if kind is Incident or kind is Page:
        return value.digest
    if kind is Later:
        return value.token
    if kind in _PLAIN:
        return repr(value)
    if kind is list:
        return _records_token(value) or "(" + ",".join([_token(item, memo) for item in value]) + ")"
    if kind is dict:
        # A page's context: its records, texts, bodies and lists of records inline (the common
        # cases, for 150,000 pages), the rest through a call each.
        parts = []
        for key, item in value.items():
            kind = type(item)
            if kind is Incident:
                parts.append(key + ":" + item.digest)
            elif kind is str:
                parts.append(key + ":" + repr(item))
            elif kind is BodyRef:
                parts.append(key + ":" + item.html_digest)
            else:
                parts.append(key + ":" + ((kind is list and _records_token(item)) or _token(item, memo)))
        return "{" + ",".join(parts) + "}"
    if kind is BodyRef:
        return value.html_digest
    if kind is tuple or dataclasses.is_dataclass(value):
        # Tuples and frozen records are shared between pages (a country's ids, the menu): digest
        # each once. The memo holds the object too, so that its id cannot be reused meanwhile.
        remembered = memo.get(id(value))
        if remembered is None:
            parts = value if kind is tuple else [getattr(value, f.name) for f in dataclasses.fields(value)]
            text = "|".join([_token(part, memo) for part in parts])
            remembered = memo[id(value)] = (value, hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                                                   digest_size=16).hexdigest())
        return remembered[1]
    if isinstance(value, (str, int, float)):  # a subclass, such as Markup
        return repr(value)
    raise TypeError(f"cannot fingerprint a {kind.__name__} given to a template")


def _records_token(items: list) -> str | None:
    """A list page's 50 records, the commonest value of all, digested without a call per record."""
    if all(type(item) is Incident for item in items):
        return "(" + ",".join([incident.digest for incident in items]) + ")"
    return None


_PLAIN = {str, int, float, bool, type(None)}


def make_environment(config: Config, loader: jinja2.BaseLoader, bytecode_cache=None,
                     catalogues: dict[str, tuple[tuple[str, bytes], ...]] | None = None) -> jinja2.Environment:
    """Jinja2 set up for the archive's templates (theme.loader) and its languages' catalogues
    (theme.catalogues); compiled templates are kept in bytecode_cache if given."""
    import jinja2  # only builds that render need it

    env = _translating_environment()(
        loader=loader,
        extensions=["jinja2.ext.i18n"],
        # Compiling the templates took a fifth of a one-edit rebuild; Jinja checks each source's
        # checksum before it trusts a compiled copy, and the cache each file's own.
        bytecode_cache=bytecode_cache,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["absolute_url"] = lambda path: _absolute_url(config, path)
    env.globals["site"] = config
    env.globals["once"], env.globals["once_for"] = _rendered_once()
    _install_words(env, config, catalogues or {})
    return env


def _rendered_once() -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """Parts of pages rendered once and reused, rather than once a page; the header and footer
    were a tenth of a page, a feed's entries most of a feed (a record is in several feeds):

    - `{% call once("header", section) %}…{% endcall %}`: the same on every page of its language
      at its vantage, with its menu and the values given after its name. Only for parts that read
      nothing else: `site` (one per language in an environment), `link`'s links to the sections,
      the menu's pages, data/ and static/ (urls.Links.vantage), `menu` and `nav`.
    - `{% call once_for("entry", value, …) %}…{% endcall %}`: the same wherever the page's
      language and the values given are the same: for parts that read only `site` and those values
      (hashable: texts, numbers, tuples of them; a record by its digest).
    """
    import jinja2

    rendered: dict[tuple, Markup] = {}

    def remembered(key: tuple, caller: Callable[[], Markup]) -> Markup:
        text = rendered.get(key)
        if text is None:
            text = rendered[key] = caller()
        return text

    def language_of(context) -> str | None:
        language = context.get("language")
        return language.code if language is not None else None

    @jinja2.pass_context
    def once(context, name: str, *values, caller: Callable[[], Markup]) -> Markup:
        link = cast(urls.Links, context["link"])
        menu = tuple((page.id, page.title) for page in context.get("menu", ()))
        return remembered(("once", name, language_of(context), link.prefix, link.vantage(), menu, values), caller)

    @jinja2.pass_context
    def once_for(context, name: str, *values, caller: Callable[[], Markup]) -> Markup:
        return remembered(("once_for", name, language_of(context), values), caller)

    return once, once_for


@functools.cache  # one class: a class made per build would be a new type each time
def _translating_environment() -> type[jinja2.Environment]:
    """A Jinja Environment that translates the interface's constant messages (`_("Status")`,
    `{% trans %}Map{% endtrans %}`) once, when it compiles a template, rather than on every page:
    at run time they cost a tenth of a build. Messages with variables are translated per page.

    Each language has its own environment (make_environment: the default's, then an overlay per
    other language), so a template is compiled once per language; the default's compiled copies
    may be cached, since the cache is keyed by the theme (catalogues included) and site.yaml."""
    import jinja2
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    class ConstantsTranslated(NodeTransformer):
        def __init__(self, gettext):
            self.gettext = gettext

        def visit_Call(self, call: nodes.Call) -> nodes.Node:
            node = self.generic_visit(call)
            if not isinstance(node, nodes.Call) or not isinstance(node.node, nodes.Name):
                return node
            message = node.args[0] if len(node.args) == 1 else None
            constant = (node.node.name in ("_", "gettext") and isinstance(message, nodes.Const)
                        and isinstance(message.value, str) and not node.kwargs
                        and node.dyn_args is None and node.dyn_kwargs is None)
            if constant and isinstance(message, nodes.Const):
                return nodes.MarkSafe(nodes.Const(str(self.gettext(message.value))), lineno=node.lineno)
            return node

    class TranslatingEnvironment(jinja2.Environment):
        constants_gettext: Callable[[str], Markup] | None = None  # the language's, once set
        constants_key: tuple = ()  # what the constants are translated with: the language, its catalogues

        def _parse(self, source, name, filename):
            tree = super()._parse(source, name, filename)
            return ConstantsTranslated(self.constants_gettext).visit(tree) if self.constants_gettext else tree

    return TranslatingEnvironment


def _install_words(env: jinja2.Environment, config: Config, catalogues: dict) -> None:
    """gettext and ngettext for the templates (`_()`, `ngettext()`), in the language of the page
    being rendered (its context's `language`, else the site's), always escaped (i18n.escaped);
    and the filters whose words, dates or names depend on that language.

    Each language's pages see `site` as that language shows it (render_page gives it): site.yaml's
    translations, and the engine's default statuses and taxonomies in its words."""
    import jinja2

    by_code = {code: i18n.words(code, catalogues.get(code, ())) for code in config.languages}
    default = by_code[config.language]
    env.globals["sites"] = {code: config.translated(code).in_language(words) for code, words in by_code.items()}

    def words_of(context) -> i18n.Words:
        language = context.get("language")
        return by_code.get(language.code, default) if language is not None else default

    # Each page is given its language's gettext and ngettext as plain functions (render_page): Jinja's
    # own newstyle ones go through three context calls a message, and a function that takes the
    # context makes Jinja copy it for each call inside a loop or a block: a tenth of a build's time.
    # These take the page's context only where a template has none to give (a macro imported
    # without it).
    env.globals["page_words"] = {code: _template_words(words) for code, words in by_code.items()}

    @jinja2.pass_context
    def gettext(context, message: str, **variables) -> Markup:
        return env.globals["page_words"][words_of(context).code][0](message, **variables)  # type: ignore[index]

    @jinja2.pass_context
    def ngettext(context, singular: str, plural: str, count: int, **variables) -> Markup:
        return env.globals["page_words"][words_of(context).code][1](singular, plural, count, **variables)  # type: ignore[index]

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)  # in place of Jinja's wrappers
    # The default language's constant messages compiled in; each other language's in an overlay of
    # its own, compiled in each process that renders it (its copies are not cached beside the default's).
    env.constants_gettext = env.globals["page_words"][config.language][0]  # type: ignore[attr-defined, index]
    env.constants_key = (config.language, catalogues.get(config.language, ()))  # type: ignore[attr-defined]
    # Filters bound to their language too (a filter that takes the context costs a lookup a call).
    sites = cast(dict, env.globals["sites"])
    env.filters.update(_language_filters(by_code[config.language], sites[config.language]))
    overlays = {}
    for code in config.languages:
        if code != config.language:
            overlay = env.overlay(bytecode_cache=None, cache_size=400)  # not the default's compiled templates
            overlay.constants_gettext = env.globals["page_words"][code][0]  # type: ignore[attr-defined, index]
            overlay.constants_key = (code, catalogues.get(code, ()))  # type: ignore[attr-defined]
            overlay.filters = {**env.filters, **_language_filters(by_code[code], sites[code])}
            overlays[code] = overlay
    env.globals["language_environments"] = overlays
    env.globals["words_of"] = words_of
    # The page's language (for lang="..." on the interface's words inside a record in another one),
    # and the plural categories a script chooses among (search.html).
    env.globals["interface_language"] = jinja2.pass_context(lambda context: words_of(context).code)
    env.globals["plural_samples"] = jinja2.pass_context(lambda context: words_of(context).plural_samples())



def _language_filters(words: i18n.Words, site: Config) -> dict[str, Callable]:
    """The filters whose words, dates or names are a language's, for that language's environment."""
    return {
        "date_range": lambda incident: words.date_range(incident.date, incident.date_end),
        "human_date": lambda date: words.date(_partial_date(date)),
        "country_name": site.country_name,
        "place_line": lambda location: place_line(location, site),
        "shown_title": site.shown_title,
        "citation": lambda incident: citation.plain(incident, site, words),
        "bibtex": lambda incident: citation.bibtex(incident, site, words),
        "spoken_ranges": lambda text: spoken_ranges(text, words),
        "language_name": lambda tag: language_name(tag, words),
    }


def _template_words(words: i18n.Words) -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """gettext and ngettext as jinja2.ext.i18n's newstyle calls them, escaped (i18n.escaped), and
    formatted even without variables, as Jinja's are (%% is a percent sign)."""
    translated: dict[str, Markup] = {}  # message → its translation, escaped: a page asks for a dozen
    plain: dict[str, Markup] = {}  # … and formatted, for a message without variables

    def gettext(message: str, **variables) -> Markup:
        if not variables and message in plain:
            return plain[message]
        text = translated.get(message)
        if text is None:
            text = translated[message] = i18n.escaped(words.gettext(message))
        if variables:
            return _formatted(text, variables)
        text = plain[message] = text % {}
        return text

    def ngettext(singular: str, plural: str, count: int, **variables) -> Markup:
        variables.setdefault("num", count)
        return _formatted(i18n.escaped(words.ngettext(singular, plural, count)), variables)

    return gettext, ngettext


def _formatted(text: Markup, variables: dict) -> Markup:
    """Markup % variables, each escaped unless markup or a number: as Markup's own %, without its
    helper object per value (a dozen a page)."""
    return Markup(str.__mod__(text, {key: value if isinstance(value, (int, float)) else escape(value)
                                     for key, value in variables.items()}))


def _partial_date(value: PartialDate | str) -> PartialDate:
    """A record's date, or a date-time git gives (2024-03-04T10:00:00Z) taken to its day."""
    return value if isinstance(value, PartialDate) else parse_partial_date(value[:10])


def _absolute_url(config: Config, path: str) -> str:
    if config.base_url is None:
        raise ValueError("absolute_url needs the site's base_url: test {% if site.base_url %} first")
    return urls.absolute(config.base_url, path)


_EN_DASH = "\u2013"


def spoken_ranges(text: object, words: i18n.Words) -> Markup:
    """A date range or a casualty range as HTML in which each en dash is read out as "to".

    Screen readers tend to read "12–600" as "12 600": the dash is shown, "to" is said."""
    text = str(text)
    if _EN_DASH not in text:
        return escape(text)
    # Translators: said between the two ends of a range (4–6 March 2022, 12–600), where the dash is shown.
    said = words.gettext("to")
    dash = Markup('<span aria-hidden="true">\u2013</span><span class="visually-hidden"> %s </span>') % said
    return dash.join([escape(part) for part in text.split(_EN_DASH)])


# The languages sources are most often in; any other tag is shown as written (no locale
# database is shipped for the sake of a label).
LANGUAGE_NAMES = {
    "ar": "Arabic", "be": "Belarusian", "cs": "Czech", "de": "German", "en": "English", "es": "Spanish",
    "fa": "Persian", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "it": "Italian",
    "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "zh": "Chinese",
}


def language_name(tag: str, words: i18n.Words) -> str:
    """The name of a language tag's language in the interface's language: the table above in
    English ("uk" → "Ukrainian"), CLDR's in the others (українська); else the tag itself."""
    if words.code.split("-")[0].lower() == "en":
        return LANGUAGE_NAMES.get(tag.split("-")[0].lower(), tag)
    return words.language_name(tag) or tag


def place_line(location: Location, config: Config) -> str:
    """How lists, feeds and search results write a place: its name, its region unless named in it, its country."""
    parts = [location.name]
    if location.admin1 and location.admin1 not in location.name:
        parts.append(config.place_name(location.admin1))
    if location.country:
        parts.append(config.country_name(location.country))
    return ", ".join(parts)


def page_specs(archive: Archive, config: Config, bodies: dict[str, BodyRef], frame: maps.Frame,
               place_frames: dict[tuple[str, str], maps.Frame], words: i18n.Words | None = None) -> Iterator[PageSpec]:
    """Every page of the site in one language (`words`, the site's default if None), in a fixed
    order, at its path in the default language (outputs.plan moves it under the language's
    prefix); `frame` is the part of the world the map and the incidents' locators show,
    place_frames (maps.place_frames) each place's."""
    words = words or i18n.words(config.language, ())
    config = config.in_language(words)
    navigation = site_navigation(archive, config, words)
    for spec in _every_page(archive, config, bodies, frame, place_frames, words):
        spec.context |= navigation
        yield spec


def site_navigation(archive: Archive, config: Config, words: i18n.Words) -> dict:
    """What every HTML page's header and footer show: the main sections, then the menu pages."""
    menu = tuple(page for page in archive.pages if page.menu is not None)
    return {"menu": menu, "nav": _navigation(config, menu, words)}


def _navigation(config: Config, menu: tuple[Page, ...], words: i18n.Words) -> tuple[tuple[str, str, str], ...]:
    """The site's main sections, then the menu pages: (section key, page path, label)."""
    return (
        ("incidents", urls.listing("incidents"), words.gettext("Incidents")),
        *((taxonomy.key, urls.index(taxonomy.key), taxonomy.title) for taxonomy in config.taxonomies),
        (urls.PLACES, urls.index(urls.PLACES), words.gettext("Places")),
        (urls.MAP, urls.index(urls.MAP), words.gettext("Map")),
        (urls.DATES, urls.index(urls.DATES), words.gettext("Timeline")),
        (urls.STATUSES, urls.index(urls.STATUSES), words.gettext("Status")),
        (urls.SEARCH, urls.index(urls.SEARCH), words.gettext("Search")),
        *((page.id, urls.page(page.id), page.title) for page in menu),
    )


def _every_page(archive: Archive, config: Config, bodies: dict[str, BodyRef], frame: maps.Frame,
                place_frames: dict[tuple[str, str], maps.Frame], words: i18n.Words) -> Iterator[PageSpec]:
    yield _home(archive, config, bodies, words)
    yield from _listings(archive, "incidents", words.gettext("All incidents"), archive.newest_first, config,
                         dated_pages=True)
    yield from _incidents(archive, bodies, frame, config, words)
    yield from _redirects(archive, config)
    yield from _taxonomies(archive, config)
    yield from _places(archive, config, place_frames, words)
    yield from _map_pages(archive, frame, config, words)
    yield from _date_pages(archive, config, words)
    yield from _statuses(archive, config, words)
    yield from _pages(archive, bodies)
    yield PageSpec(urls.NOT_FOUND, "404.html", {"title": words.gettext("Page not found")},
                   root=urlsplit(config.base_url or "/").path or "/")


def template_problem(error: Exception, root: Path) -> Problem:
    """Locate an error raised while compiling or rendering a template: syntax errors carry their
    file and line; runtime errors (a Jinja error, or any Python error a template caused), their
    traceback's last frame in a template."""
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if not filename:
        template_frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                           if frame.filename.endswith(_TEMPLATE_SUFFIXES)]
        if template_frames:
            filename, line = template_frames[-1].filename, template_frames[-1].lineno
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    if not isinstance(error, _jinja_errors()):
        message = f"{type(error).__name__}: {message}"
    return Problem(inputs.shown_path(filename, root) if filename else "templates", line or 1, "template", message)


_TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")


def _jinja_errors() -> tuple[type, ...]:
    import jinja2

    return (jinja2.TemplateError,)


def render_page(spec: PageSpec, env: jinja2.Environment, body_html: Callable[[str], str]) -> bytes:
    context = {
        name: Markup(body_html(value.key)) if isinstance(value, BodyRef) else value.make() if isinstance(value, Later) else value
        for name, value in spec.context.items()
    }
    language = spec.context.get("language")
    prefix = language.prefix if isinstance(language, i18n.Language) else ""
    context |= {"link": urls.Links(spec.path, root=spec.root, prefix=prefix), "page_path": spec.path,
                "neutral_path": spec.path[len(prefix):]}
    sites = cast(dict, env.globals.get("sites", {}))
    if isinstance(language, i18n.Language) and language.code in sites:
        context["site"] = sites[language.code]  # site.yaml and the engine's defaults in the page's language
    page_words = cast(dict, env.globals.get("page_words", {}))
    code = language.code if isinstance(language, i18n.Language) else cast(Config, env.globals["site"]).language
    if code in page_words:
        context["_"] = context["gettext"] = page_words[code][0]
        context["ngettext"] = page_words[code][1]
    env = cast(dict, env.globals.get("language_environments", {})).get(code, env)  # its constants translated
    return env.get_template(spec.template).render(context).encode("utf-8")


def _home(archive: Archive, config: Config, bodies, words: i18n.Words) -> PageSpec:
    latest = [archive.incidents[i] for i in archive.newest_first[: config.latest]]
    return PageSpec(urls.HOME, "home.html", {
        "title": archive.home.title if archive.home else config.title,
        "intro": bodies.get(HOME_KEY),
        "total": len(archive.incidents), "by_status": _status_counts(archive, config), "by_year": archive.years, "latest": latest,
        "timeline": timeline.compact(archive, config, words),  # and by_year's rows link to the year pages
        **_figures(archive, config),
    })


def _figures(archive: Archive, config: Config) -> dict:
    """The records counted as fact, and each status that is not counted with its own number
    ("11 documented, 1 retracted"): a retracted record is never part of a figure."""
    uncounted = [(status, len(archive.statuses[status.key])) for status in config.statuses if not status.counted]
    return {
        "counted": sum(len(archive.statuses[status.key]) for status in config.statuses if status.counted),
        "uncounted": [(status, count) for status, count in uncounted if count],
        "uncounted_label": " / ".join(status.label for status, count in uncounted if count),
    }


def _status_counts(archive: Archive, config: Config) -> list:
    return [(status, len(archive.statuses[status.key])) for status in config.statuses]


@dataclass(frozen=True, slots=True)
class Period:
    """A year of a list past its first page, as the list's navigation shows it."""
    label: str
    path: str  # its first page's (neutral) path
    count: int | None = None  # shown only where the page holding it changes with it anyway


def _listings(archive: Archive, base: str, title: str, ids: tuple[str, ...], config: Config,
              first_page: dict | None = None, *, dated_pages: bool = False, **extra) -> Iterator[PageSpec]:
    """A list of incidents on pages that an edit elsewhere in the list leaves alone.

    Its first page shows the newest per_page records. Past them, a longer list has a page per
    year (base/dates/2022/), the year's records oldest first, as a chronicle reads, and paged
    within the year from its oldest (…/2022/page/2/): so a record added, removed or moved to another
    term rewrites the pages of its own year from its place on, and the first page; a new record
    of the year, its last page alone. Page N of a list numbered from the newest shifted with every
    record before it. Those old addresses, base/page/N/, lead to the first page. The list of every
    incident (`dated_pages`) goes on with the timeline's pages, dates/2022/.
    """
    records = _records(archive, ids)
    years: dict[int, list[Incident]] = {}
    for record in reversed(records):  # oldest first
        years.setdefault(record.date.year, []).append(record)
    long = len(records) > config.per_page
    periods = [Period(str(year), urls.date_page(year) if dated_pages else urls.listing(urls.period(base, year)),
                      len(years[year])) for year in sorted(years, reverse=True)] if long else []
    yield PageSpec(urls.listing(base), "list.html", {
        "title": title, "incidents": records[: config.per_page], "total": len(records), "base": base,
        "periods": periods, "pagination": _pager(base, 1, 1), **extra, **(first_page or {}),
    })
    for number in range(2, -(-len(records) // config.per_page) + 1):
        yield PageSpec(urls.listing(base, number), "moved.html", {"title": title, "target": urls.listing(base)})
    if long and not dated_pages:
        every_year = [Period(period.label, period.path) for period in periods]
        for year, in_year in years.items():
            yield from _year_pages(base, title, year, in_year, every_year, config, extra)


def _year_pages(base: str, title: str, year: int, records: list[Incident], every_year: list[Period], config: Config,
                extra: dict) -> Iterator[PageSpec]:
    folder = urls.period(base, year)
    count = -(-len(records) // config.per_page)
    for number in range(1, count + 1):
        yield PageSpec(urls.listing(folder, number), "list.html", {
            "title": title, "period": str(year), "base": base, "years": every_year, "oldest_first": True,
            "incidents": records[(number - 1) * config.per_page: number * config.per_page], "periods": [],
            "pagination": _pager(folder, number, count, oldest_first=True), **extra,
        })


def _pager(base: str, number: int, count: int, oldest_first: bool = False) -> dict:
    """A page's place among its list's pages. Paged from the oldest, a page shows no count of pages
    and no number past the next, so that only the last page changes as the year grows."""
    shown = _page_numbers(number, min(count, number + 1) if oldest_first else count)
    return {"number": number, "count": count, "base": base, "shown": shown, "oldest_first": oldest_first}


def _page_numbers(number: int, count: int) -> tuple[int | None, ...]:
    """The page numbers a pager shows: the first, the last, and two either side of this one; None
    for a gap (where the number three away from this one would be).

    Computed here because a template looping over every page number, on every page of a list,
    costs the square of the list's length: nine million steps for 150,000 incidents.
    """
    candidates = sorted({1, count, *range(max(1, number - 3), min(count, number + 3) + 1)})
    return tuple(
        page if page in (1, count) or abs(page - number) <= 2 else None
        for page in candidates if page in (1, count) or abs(page - number) <= 3
    )


def _incidents(archive: Archive, bodies: dict[str, BodyRef], frame: maps.Frame, config: Config,
               words: i18n.Words) -> Iterator[PageSpec]:
    for incident_id, incident in archive.incidents.items():
        older, newer = archive.neighbours[incident_id]
        related = archive.related.get(incident_id, ())
        yield PageSpec(urls.incident(incident_id), "incident.html", {
            "incident": incident, "title": config.shown_title(incident), "body": bodies[incident_id],
            "related": _records(archive, related),
            "mentioned_in": _records(archive, [i for i in archive.mentioned_in.get(incident_id, ()) if i not in related]),
            "older": archive.incidents.get(older) if older else None, "newer": archive.incidents.get(newer) if newer else None,
            "history": None,  # given by give_histories, from git
            "locator": maps.locator(incident, frame, config, words), "frame": frame,
        })


def give_histories(outputs: list, histories: dict[str, History]) -> None:
    """Give each incident page its record's history (vcs.History, by file path), which its fingerprint
    then sees: a commit that changes a record's history renders its page again."""
    for output in outputs:
        if type(output) is PageSpec and output.template == "incident.html":
            output.context["history"] = histories.get(output.context["incident"].path)


def _records(archive: Archive, ids) -> list[Incident]:
    return [archive.incidents[i] for i in ids]


def _redirects(archive: Archive, config: Config) -> Iterator[PageSpec]:
    for old, new in sorted(archive.redirects.items()):
        if old not in archive.incidents:
            yield PageSpec(urls.incident(old), "redirect.html", {"title": config.shown_title(archive.incidents[new]),
                                                                 "target": new})


def _taxonomies(archive: Archive, config: Config) -> Iterator[PageSpec]:
    for taxonomy in config.taxonomies:
        groups = archive.taxonomies[taxonomy.key]
        yield PageSpec(urls.index(taxonomy.key), "terms.html", {
            "title": taxonomy.title, "taxonomy": taxonomy, "groups": groups,
        })
        for group in groups:
            yield from _listings(archive, urls.term(taxonomy.key, group.slug), f"{taxonomy.singular}: {group.name}",
                                 group.ids, config, definition=group.definition, parent=taxonomy)


def _places(archive: Archive, config: Config, frames: dict[tuple[str, str], maps.Frame],
            words: i18n.Words) -> Iterator[PageSpec]:
    """The places page, then each country's and region's list, its first page with its records' map."""
    yield PageSpec(urls.index(urls.PLACES), "places.html", {"title": words.gettext("Places"), "countries": archive.countries})
    names = maps.names_of_places(archive)

    def on_the_map(ids: tuple[str, ...], here: tuple[str, str]) -> dict:
        if here not in frames:
            return {}
        records = [archive.incidents[i] for i in ids]
        return {"frame": frames[here], "marks": _marks_later(records, frames[here], names, config, words, here),
                "drawn": maps.drawn_count(records)}

    for country in archive.countries:
        yield from _listings(archive, urls.place(country.slug), country.name, country.ids, config,
                             on_the_map(country.ids, (country.slug, "")), places=country.children, country=country)
        for region in country.children:
            yield from _listings(archive, urls.place(country.slug, region.slug), f"{region.name}, {country.name}",
                                 region.ids, config, on_the_map(region.ids, (country.slug, region.slug)), country=country)


def _map_pages(archive: Archive, frame: maps.Frame, config: Config, words: i18n.Words) -> Iterator[PageSpec]:
    """map/index.html: every record drawn at its precision, and the table of places that counts them all."""
    records = list(archive.incidents.values())
    marks = _marks_later(records, frame, maps.names_of_places(archive), config, words)
    drawn = maps.drawn_count(records)
    yield PageSpec(urls.index(urls.MAP), "map.html", {
        "title": words.gettext("Map"), "frame": frame, "marks": marks, "places": maps.place_counts(archive, words),
        "drawn": drawn, "not_drawn": len(archive.incidents) - drawn,
    })


def _marks_later(records: list[Incident], frame: maps.Frame, names: dict[tuple[str, str], str], config: Config,
                 words: i18n.Words, here: tuple[str, str] | None = None) -> Later:
    """A map's marks (maps.marks), worked out when its page is rendered: a tenth of a one-edit
    build went to the marks of maps that had not changed. They are made of the records, the frame,
    the names of the places of the records' country (what a group links to) and the language."""
    countries = {record.location.country.lower() for record in records if record.location.country}
    named = sorted(item for item in names.items() if item[0][0] in countries)
    token = digest("marks", repr(frame), repr(here), words.code, repr(named), *(record.digest for record in records))
    return Later(token, lambda: maps.marks(records, frame, names, config, words, here))


def _date_pages(archive: Archive, config: Config, words: i18n.Words) -> Iterator[PageSpec]:
    """The timeline, dates/index.html, and the pages of each year and month (timeline.py): addresses
    that keep their meaning as records are added, unlike page N of a list."""
    dates = timeline.dates(archive, config, words)
    yield PageSpec(urls.index(urls.DATES), "dates.html", {"title": words.gettext("Timeline"), "charts": dates.charts})
    for year in dates.years:
        yield PageSpec(urls.date_page(year.year), "date.html", year.context())
    for month in dates.months:
        yield PageSpec(urls.date_page(month.year, month.month), "date.html", month.context())


def _statuses(archive: Archive, config: Config, words: i18n.Words) -> Iterator[PageSpec]:
    yield PageSpec(urls.index(urls.STATUSES), "statuses.html", {
        "title": words.gettext("Verification status"), "counts": _status_counts(archive, config),
    })
    for status in config.statuses:
        yield from _listings(archive, urls.status(status.key), words.gettext("Status: %(status)s") % {"status": status.label},
                             archive.statuses[status.key], config, definition=status.definition)


def _pages(archive: Archive, bodies: dict[str, BodyRef]) -> Iterator[PageSpec]:
    for page in archive.pages:
        yield PageSpec(urls.page(page.id), "page.html", {
            "page": page, "title": page.title, "body": bodies[page_key(page.id)],
        })
