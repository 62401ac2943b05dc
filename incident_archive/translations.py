"""Link stage (languages): translations joined to their originals and checked against them; each language's view of the archive.

A translation (`bucha.uk.md` beside `bucha.md`, content.discover) holds only text: the title, the
summary, the place's name, the content warning, the corrections' notes and the media's captions and
alt text, by position, and the body (schema.validate_translation). The facts are the original's.

Whether a translation is stale is decided from the files alone, never from their times or git:
its `translated_from` names the version of the original's text it was made from, `text_version`,
twelve hexadecimal digits of a digest of that text. Any edit of the original's text gives another
version, which `check` reports; an edit of its facts (a date, a source) does not, as a translation
holds none of them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Callable

from . import i18n, urls
from .config import Config
from .model import Archive, BodySource, Document, Incident, Page, Problem, Reading, Severity, TermGroup, Translation, digest
from .render import HOME_KEY, page_key

VERSION_DIGITS = 12


def text_version(record: Incident | Page) -> str:
    """The version of a record's translatable text (its facts left out), as translated_from names it."""
    parts: tuple[str, ...] = (record.title, record.summary or "")
    if isinstance(record, Incident):
        media = record.get("media") or ()
        parts += (record.location.name, record.content_warning or "", str(len(record.corrections)),
                  *(correction.note for correction in record.corrections), str(len(media)),
                  *(f"{item.get('caption') or ''}\0{item.get('alt') or ''}" for item in media))
    return digest(*parts, record.body.digest)[:VERSION_DIGITS]


def body_key(code: str, key: str) -> str:
    """The key of a record's body as a language other than the default shows it ("uk:bucha")."""
    return f"{code}:{key}"


def attach(archive: Archive, reading: Reading, config: Config) -> tuple[Archive, list[Problem]]:
    """The archive with the translations of its published records, which its bodies' links may lead
    to; and each translation's problems (stale, more items than its original, no body)."""
    if not reading.translations:
        return archive, []
    originals = _originals(reading)
    published = {*archive.incidents, *(page_key(page.id) for page in archive.pages), *([HOME_KEY] if archive.home else [])}
    prefixes = {language.code: language.prefix for language in i18n.languages(config)}
    problems: list[Problem] = []
    by_language: dict[str, dict[str, Translation]] = defaultdict(dict)
    titles, incident_paths, page_paths = {}, {}, {}
    for translation in reading.translations:
        if translation.original not in originals:
            continue  # the original has errors, reported in it
        key, original = originals[translation.original]
        problems += _problems(translation, original)
        if key not in published:
            continue
        by_language[translation.lang][key] = translation
        if isinstance(original, Incident):
            titles[prefixes[translation.lang] + urls.incident(key)] = translation.title or original.title
            incident_paths[translation.path] = key
        elif key != HOME_KEY:
            page_paths[translation.path] = original.id
    links = dataclasses.replace(archive.links, translated=titles,
                                incident_paths={**archive.links.incident_paths, **incident_paths},
                                page_paths={**archive.links.page_paths, **page_paths})
    return dataclasses.replace(archive, links=links, translations=dict(by_language)), problems


def _originals(reading: Reading) -> dict[str, tuple[str, Incident | Page]]:
    """Each valid record, page and home page by its path, with its key among the bodies."""
    originals: dict[str, tuple[str, Incident | Page]] = {incident.path: (incident.id, incident) for incident in reading.incidents}
    originals |= {page.path: (page_key(page.id), page) for page in reading.pages}
    if reading.home:
        originals[reading.home.path] = (HOME_KEY, reading.home)
    return originals


def _problems(translation: Translation, original: Incident | Page) -> list[Problem]:
    problems = [*_staleness(translation, original)]
    if isinstance(original, Incident):
        for name, nouns, count, limit in (
                ("corrections", ("correction", "corrections"), len(translation.notes), len(original.corrections)),
                ("media", ("item of media", "items of media"), len(translation.media), len(original.get("media") or ()))):
            if count > limit:
                field = f"{name}[{limit + 1}]"
                problems.append(Problem(translation.path, translation.line_of(field), field,
                                        f"the original has {limit} {nouns[limit != 1]}: a translation's {name} "
                                        "translate the original's one for one, in their order"))
    if translation.body.blank and not original.body.blank:
        problems.append(Problem(translation.path, translation.body.line, "body",
                                f"is empty: translate the original's text too ({original.path})"))
    return problems


def _staleness(translation: Translation, original: Incident | Page) -> list[Problem]:
    version = text_version(original)
    if translation.translated_from == version:
        return []
    if translation.translated_from is None:
        return [Problem(translation.path, 1, "translated_from",
                        f"is missing: add translated_from: {version}, the original's current text, so that check "
                        "can tell you when the original changes", Severity.WARNING)]
    return [Problem(translation.path, translation.line_of("translated_from"), "translated_from",
                    f"the original's text has changed since this translation (translated_from: "
                    f"{translation.translated_from}; now {version}): update the translation, then set "
                    f"translated_from: {version}", Severity.WARNING)]


def documents(archive: Archive, config: Config) -> dict[str, tuple[Document, BodySource]]:
    """The bodies each language other than the default publishes, to convert for its pages: each
    translation's; and every page's, translated or not, since each language has every page."""
    found: dict[str, tuple[Document, BodySource]] = {}
    for language in i18n.languages(config)[1:]:
        translated, prefix = archive.translations.get(language.code, {}), language.prefix
        for key, translation in translated.items():
            if key in archive.incidents:
                found[body_key(language.code, key)] = _document(translation, prefix + urls.incident_folder(key), 3, prefix)
        for page in archive.pages:
            key = page_key(page.id)
            found[body_key(language.code, key)] = _document(translated.get(key, page), prefix + page.id, 2, prefix)
        if archive.home:
            found[body_key(language.code, HOME_KEY)] = _document(translated.get(HOME_KEY, archive.home),
                                                                 prefix.rstrip("/"), 2, prefix)
    return found


def _document(record: Translation | Page, page_dir: str, level: int, prefix: str) -> tuple[Document, BodySource]:
    return Document(record.path, record.body.line, page_dir, level, record.body.digest, prefix), record.body


def translated_ids(archive: Archive, code: str) -> frozenset[str]:
    """The published records translated into a language: those that have a page in it."""
    return frozenset(key for key in archive.translations.get(code, {}) if key in archive.incidents)


def view(archive: Archive, bodies: dict, code: str, config: Config) -> tuple[Archive, dict]:
    """The archive as a language shows it, and the bodies its pages show.

    Each record translated into it is its translation laid over the original (the facts the
    original's, the text the translation's where it gives one, `lang` the language); the others are
    as they are, in their own language. Each page (translated or not) and each term and place is in
    it too, under the same addresses: slugs stay the original's. The default language's view is
    the archive itself.
    """
    if code == config.language:
        return archive, bodies
    translated, words = archive.translations.get(code, {}), config.translated(code)
    incidents, shown = dict(archive.incidents), dict(bodies)
    for key, translation in translated.items():
        if key in incidents:
            incidents[key] = _translated_incident(incidents[key], translation, config.language)
            shown[key] = bodies.get(body_key(code, key), bodies.get(key))
    for key in [page_key(page.id) for page in archive.pages] + ([HOME_KEY] if archive.home else []):
        shown[key] = bodies.get(body_key(code, key), bodies.get(key))
    pages = tuple(_page_in(page, translated.get(page_key(page.id)), code, config.language) for page in archive.pages)
    home = _page_in(archive.home, translated.get(HOME_KEY), code, config.language) if archive.home else None
    return dataclasses.replace(
        archive, incidents=incidents, pages=pages, home=home,
        taxonomies={key: _named(groups, functools.partial(words.term_name, key)) for key, groups in archive.taxonomies.items()},
        countries=_countries(archive.countries, words),
    ), shown


def _translated_incident(incident: Incident, translation: Translation, default: str) -> Incident:
    notes = translation.notes
    return dataclasses.replace(
        incident,
        title=translation.title or incident.title,
        summary=translation.summary or incident.summary,
        location=dataclasses.replace(incident.location, name=translation.location_name or incident.location.name),
        content_warning=translation.content_warning or incident.content_warning,
        corrections=tuple(dataclasses.replace(correction, note=notes[index]) if index < len(notes) else correction
                          for index, correction in enumerate(incident.corrections)),
        extra=tuple((name, _media_text(value, translation.media) if name == "media" and isinstance(value, tuple) else value)
                    for name, value in incident.extra),
        lang=translation.lang,
        original_lang=incident.lang or default,
        machine_translated=translation.machine_translated,
        digest=digest(incident.digest, translation.digest),
    )


def _media_text(items: tuple[dict, ...], texts: tuple[tuple[str | None, str | None], ...]) -> tuple[dict, ...]:
    """The media's items with the translation's caption and alt text, where it gives them."""
    shown = []
    for index, item in enumerate(items):
        caption, alt = texts[index] if index < len(texts) else (None, None)
        shown.append({**item, **({"caption": caption} if caption else {}), **({"alt": alt} if alt else {})})
    return tuple(shown)


def _page_in(page: Page, translation: Translation | None, code: str, default: str) -> Page:
    """A page as a language shows it: its translation's text, or its own, marked as in its own language."""
    if translation is None:
        return dataclasses.replace(page, lang=page.lang or default)
    return dataclasses.replace(page, title=translation.title or page.title, summary=translation.summary or page.summary,
                               lang=code, original_lang=page.lang or default,
                               machine_translated=translation.machine_translated,
                               digest=digest(page.digest, translation.digest))


def _named(groups: tuple[TermGroup, ...], name_in: Callable[[str], str]) -> tuple[TermGroup, ...]:
    """Terms or places under their names in a language (their slugs, and so their addresses, kept), in its order."""
    return _in_order([dataclasses.replace(group, name=name_in(group.name)) for group in groups])


def _countries(countries: tuple[TermGroup, ...], words: Config) -> tuple[TermGroup, ...]:
    """The countries (a country's slug is its code) and their regions under their names in a language."""
    return _in_order([dataclasses.replace(country, name=words.country_name(country.slug.upper()),
                                          children=_named(country.children, words.place_name))
                      for country in countries])


def _in_order(groups: list[TermGroup]) -> tuple[TermGroup, ...]:
    return tuple(sorted(groups, key=lambda group: (group.name.casefold(), group.slug)))
