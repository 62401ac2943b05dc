"""Render stage: the Jinja2 environment and every page kind of the site → (path, bytes)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import urls
from .config import Config
from .dates import human_range
from .markup import Body
from .model import Archive, Incident


HOME_KEY = ":home"  # bodies are keyed by incident id, page_key(page id), or HOME_KEY


def page_key(page_id: str) -> str:
    return f":page:{page_id}"


@dataclass
class PageSpec:
    """One page to render: where it goes, with which template, and what the template needs."""

    path: str
    template: str
    context: dict = field(default_factory=dict)
    root: str | None = None  # set for pages served at any depth (404.html): links from the site root


def make_environment(config: Config) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in config.template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_range"] = lambda incident: human_range(incident.date, incident.date_end)
    env.filters["country_name"] = config.country_name
    env.globals["site"] = config
    return env


def page_specs(archive: Archive, config: Config, bodies: dict[str, Body]) -> Iterator[PageSpec]:
    """Every page of the site, in a fixed order."""
    yield _home(archive, config, bodies)
    yield from _listings(archive, "incidents", "All incidents", archive.newest_first, config)
    yield from _incidents(archive, bodies)
    yield from _redirects(archive)
    yield from _taxonomies(archive, config)
    yield from _places(archive, config)
    yield from _statuses(archive, config)
    yield from _pages(archive, bodies)
    yield PageSpec("404.html", "404.html", {"title": "Page not found"}, root=urlsplit(config.base_url or "/").path or "/")


def render_pages(specs, env: jinja2.Environment, archive: Archive, config: Config) -> Iterator[tuple[str, bytes]]:
    menu = [page for page in archive.pages if page.menu is not None]
    for spec in specs:
        links = urls.Links(spec.path, archive, root=spec.root)
        context = {"link": links, "archive": archive, "menu": menu, "page_path": spec.path, **spec.context}
        html = env.get_template(spec.template).render(context)
        yield spec.path, html.encode("utf-8")


def _home(archive: Archive, config: Config, bodies) -> PageSpec:
    latest = [archive.incidents[i] for i in archive.newest_first[: config.latest]]
    intro = bodies.get(HOME_KEY)
    return PageSpec("index.html", "home.html", {
        "title": archive.home.title if archive.home else config.title,
        "intro": Markup(intro.html) if intro else None,
        "total": len(archive.incidents), "by_status": _status_counts(archive, config), "by_year": archive.years, "latest": latest,
    })


def _status_counts(archive: Archive, config: Config) -> list:
    return [(status, len(archive.statuses[status.key])) for status in config.statuses]


def _listings(archive: Archive, base: str, title: str, ids: tuple[str, ...], config: Config, **extra) -> Iterator[PageSpec]:
    """A paginated list of incidents, newest first."""
    per_page = config.per_page
    count = max(1, -(-len(ids) // per_page))
    for number in range(1, count + 1):
        shown = ids[(number - 1) * per_page: number * per_page]
        yield PageSpec(urls.listing(base, number), "list.html", {
            "title": title, "incidents": _records(archive, shown), "total": len(ids),
            "pagination": {"number": number, "count": count, "base": base}, **extra,
        })


def _incidents(archive: Archive, bodies: dict[str, Body]) -> Iterator[PageSpec]:
    for incident_id, incident in archive.incidents.items():
        older, newer = archive.neighbours[incident_id]
        related = archive.related.get(incident_id, ())
        yield PageSpec(urls.incident(incident_id), "incident.html", {
            "incident": incident, "title": incident.title, "body": Markup(bodies[incident_id].html),
            "related": _records(archive, related),
            "mentioned_in": _records(archive, [i for i in archive.mentioned_in.get(incident_id, ()) if i not in related]),
            "older": archive.incidents.get(older), "newer": archive.incidents.get(newer),
        })


def _records(archive: Archive, ids) -> list[Incident]:
    return [archive.incidents[i] for i in ids]


def _redirects(archive: Archive) -> Iterator[PageSpec]:
    for old, new in sorted(archive.redirects.items()):
        if old not in archive.incidents:
            yield PageSpec(urls.incident(old), "redirect.html", {"title": archive.incidents[new].title, "target": new})


def _taxonomies(archive: Archive, config: Config) -> Iterator[PageSpec]:
    for taxonomy in config.taxonomies:
        groups = archive.taxonomies[taxonomy.key]
        yield PageSpec(f"{taxonomy.key}/index.html", "terms.html", {
            "title": taxonomy.title, "taxonomy": taxonomy, "groups": groups,
        })
        for group in groups:
            yield from _listings(archive, urls.term(taxonomy.key, group.slug), f"{taxonomy.singular}: {group.name}",
                                 group.ids, config, definition=group.definition, parent=taxonomy)


def _places(archive: Archive, config: Config) -> Iterator[PageSpec]:
    yield PageSpec("places/index.html", "places.html", {"title": "Places", "countries": archive.countries})
    for country in archive.countries:
        yield from _listings(archive, urls.place(country.slug), country.name, country.ids, config,
                             places=country.children, country=country)
        for region in country.children:
            yield from _listings(archive, urls.place(country.slug, region.slug), f"{region.name}, {country.name}",
                                 region.ids, config, country=country)


def _statuses(archive: Archive, config: Config) -> Iterator[PageSpec]:
    yield PageSpec("status/index.html", "statuses.html", {
        "title": "Verification status", "counts": _status_counts(archive, config),
    })
    for status in config.statuses:
        yield from _listings(archive, urls.status(status.key), f"Status: {status.label}", archive.statuses[status.key],
                             config, definition=status.definition)


def _pages(archive: Archive, bodies: dict[str, Body]) -> Iterator[PageSpec]:
    for page in archive.pages:
        yield PageSpec(urls.page(page.id), "page.html", {
            "page": page, "title": page.title, "body": Markup(bodies[page_key(page.id)].html),
        })
