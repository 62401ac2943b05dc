"""Render stage: the registry of every output of the site, pages, files made by Python and copied files.

Each module gives the outputs of one kind (incremental.Output: a render.PageSpec rendered by a
template, a Generated file made by Python, or a Copy), which the incremental writer treats
alike: made again only when their inputs' fingerprint changes. `plan` is the one list of them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .. import i18n, maps, render, translations, urls
from ..config import Config
from ..i18n import Language
from ..images import Store
from ..incremental import Generated, Output, RecordParts
from ..model import Archive
from ..render import BodyRef, PageSpec
from ..theme import Theme
from . import data, feeds, files, publishing, search


def plan(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path, theme: Theme,
         store: Store, parts: RecordParts | None = None) -> list[Output]:
    """Every output of the site, in a fixed order: each language's pages, feeds and search index
    (the default's at the root, the others' under their prefix), the map's outlines, files for
    hosts, open data, copied files, then the sitemap, last since it lists the pages the others made.

    `parts` keeps each record's part of the files made from every record between builds."""
    frame, place_frames = maps.frame_of(archive), maps.place_frames(archive)
    outputs: list[Output] = []
    for language in i18n.languages(config):
        view, view_bodies, view_config, translated = _view(archive, bodies, config, language)
        urls.TRANSLATED[language.prefix] = translated
        words = i18n.words(language.code, theme.catalogues.get(language.code, ()))
        outputs += _in_language(language, translated, [
            *render.page_specs(view, view_config, view_bodies, frame, place_frames, words),
            *feeds.outputs(view, view_config, view_bodies, root, language.prefix,
                           None if language.default else translated, words),
            *search.outputs(view, view_config, view_bodies, root, language.prefix,
                            None if language.default else translated, words),
        ])
    _give_alternates(outputs, i18n.languages(config))
    outputs += [
        *(maps.outlines_output(each, urls.map_outlines(each.name))
          for each in sorted({frame, *place_frames.values()}, key=lambda each: each.name)),
        *publishing.outputs(archive, config, bodies, root),
        *data.outputs(archive, config, bodies, root, store, parts),
        *files.copies(root, theme, archive.links.media, store),
    ]
    return [*outputs, *publishing.sitemap(config, outputs)]


def plan_bodies(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path, theme: Theme,
                store: Store, parts: RecordParts, edited: Iterable[str]) -> list[Output]:
    """What an edit of these records' descriptions alone changes, besides the pages given their
    bodies: in each language, the search text shards that hold these records, which hold the
    descriptions' words; the records' own JSON, which holds their Markdown; and the files of data/,
    whose tokens are the records' digests and so do not change, but whose makers read this build's
    open cache. Every other output that is not a page reads front matter only, so a preview keeps
    it (live.py)."""
    edited = tuple(edited)
    texts_of = frozenset(edited)
    outputs: list[Output] = []
    for language in i18n.languages(config):
        view, view_bodies, view_config, translated = _view(archive, bodies, config, language)
        words = i18n.words(language.code, theme.catalogues.get(language.code, ()))
        outputs += _in_language(language, translated, search.outputs(
            view, view_config, view_bodies, root, language.prefix, None if language.default else translated, words,
            texts_of=texts_of))
    outputs += data.whole_archive_files(archive, config, root, store, parts)
    return outputs + list(data.own_records((archive.incidents[each] for each in edited), config, root))


def _view(archive: Archive, bodies: dict[str, BodyRef], config: Config, language: Language):
    """The archive as a language shows it (translations.view), its settings in it, and the records
    translated into it (all of them, in the default language)."""
    if language.default:
        return archive, bodies, config, frozenset(archive.incidents)
    view, view_bodies = translations.view(archive, bodies, language.code, config)
    return view, view_bodies, config.translated(language.code), translations.translated_ids(archive, language.code)


def _in_language(language: Language, translated: frozenset[str], outputs: Iterable[Output]) -> list[Output]:
    """A language's outputs at their place: under its prefix, each page told its language. A
    language other than the default has no page for a record not translated into it (its lists
    link to the original), no redirects and no 404 page (the host serves one, the default's)."""
    placed: list[Output] = []
    for output in outputs:
        if isinstance(output, PageSpec):
            if not language.default and (output.template in ("redirect.html", "404.html") or (
                    output.template == "incident.html" and output.context["incident"].id not in translated)):
                continue
            output.context["language"] = language
            output.path = language.prefix + output.path
        elif isinstance(output, Generated) and language.prefix:
            output = dataclasses.replace(output, path=language.prefix + output.path)
        placed.append(output)
    return placed


def _give_alternates(outputs: list[Output], languages: tuple[Language, ...]) -> None:
    """Each HTML page's versions in every language it exists in, (code, its own name, path), the
    default's first: for hreflang and the language switcher. A page alone in its language has none."""
    by_path: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    pages = [output for output in outputs if isinstance(output, PageSpec) and output.path.endswith(".html")
             and "language" in output.context]
    for page in pages:
        language = page.context["language"]
        by_path[page.path[len(language.prefix):]].append((language.code, language.name, page.path))
    for page in pages:
        language = page.context["language"]
        versions = by_path[page.path[len(language.prefix):]]
        page.context["alternates"] = tuple(versions) if len(versions) > 1 else ()
