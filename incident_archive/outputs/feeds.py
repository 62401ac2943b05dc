"""Render stage: Atom feeds (RFC 4287) of the newest incidents and corrections, for the site and each term and place.

An entry stands for an incident; feeds order them by the record's last change, which the archive
knows only from dates written in the record (its `updated` date, its corrections' dates, the
incident's own date): there is no record of when a file was added, and the clock is never read,
so two builds of the same files give the same bytes.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import i18n, urls
from ..config import Config
from ..dates import PartialDate
from ..incremental import Generated
from ..model import Archive, Incident
from ..names import slugify
from ..render import BodyRef, PageSpec

FEED_SIZE = 50  # entries per feed: readers poll often, so a feed carries only the latest changes
TEMPLATE = "feed.xml"
# The `updated` of a feed with no entry. Atom requires one, and the clock is not an option: the
# build must not change with the day it runs. The epoch says plainly "nothing has been published".
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class Entry:
    """One incident as a feed entry: the record, with what the template cannot work out itself."""

    incident: Incident
    url: str  # its page's absolute, pretty URL: the entry's link and its id
    updated: str  # RFC 3339
    categories: tuple[tuple[str, str], ...]  # (term, scheme: the taxonomy page's absolute URL)


def outputs(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path, prefix: str = "",
            translated: frozenset[str] | None = None, words: i18n.Words | None = None) -> Iterator[PageSpec | Generated]:
    """Every feed, or none without base_url: a feed is read away from the site, so its links must be absolute.

    In a language other than the default (`prefix` "uk/"), its pages are that language's, and
    each entry links to the record's page in it if `translated` holds it, else to the original's.
    Its titles are in the language of `words` (the default's if None); feed.xml's words too.
    """
    base_url = config.base_url
    if base_url is None:
        return
    config = config.in_language(words or i18n.words(config.language, ()))
    feeds = _Feeds(archive, config, base_url, prefix, translated)
    yield feeds.spec("", archive.newest_first, config.title, config.description)
    for taxonomy in config.taxonomies:
        for group in archive.taxonomies[taxonomy.key]:
            yield feeds.spec(urls.term(taxonomy.key, group.slug), group.ids,
                             f"{taxonomy.singular}: {group.name} · {config.title}", group.definition)
    for country in archive.countries:
        yield feeds.spec(urls.place(country.slug), country.ids, f"{country.name} · {config.title}")
        for region in country.children:
            yield feeds.spec(urls.place(country.slug, region.slug), region.ids,
                             f"{region.name}, {country.name} · {config.title}")


def last_change(incident: Incident) -> PartialDate:
    """The latest date the record gives for itself: its update, a correction, or the incident."""
    revised = last_revision(incident)
    return max(incident.date, revised, key=_first_day_key) if revised else incident.date


def last_revision(incident: Incident) -> PartialDate | None:
    """The latest date the record was revised (its update or a correction), or None if it never was."""
    dates = [date for date in (incident.updated, *(c.date for c in incident.corrections)) if date]
    return max(dates, key=_first_day_key) if dates else None


def first_day(date: PartialDate) -> str:
    """YYYY-MM-DD, a date known only to its month or year taken as the first day of that period.

    Feeds and sitemaps need full dates; the first day never claims a change later than the one
    the record gives.
    """
    year, month, day = _first_day_key(date)
    return f"{year:04d}-{month:02d}-{day:02d}"


def rfc3339(date: PartialDate) -> str:
    """Midnight UTC of first_day(date): the record gives no time of day, and Atom requires one."""
    return f"{first_day(date)}T00:00:00Z"


def _first_day_key(date: PartialDate) -> tuple[int, int, int]:
    return (date.year, date.month or 1, date.day or 1)


class _Feeds:
    """What every feed shares: the archive's order by last change, and each incident's entry, made once."""

    def __init__(self, archive: Archive, config: Config, base_url: str, prefix: str = "",
                 translated: frozenset[str] | None = None):
        self.archive, self.config, self.site_url = archive, config, base_url
        self.base_url = base_url + prefix  # the language's pages
        self.translated = translated
        # Newest change first; sorted() is stable, so records changed the same day keep the
        # archive's own order (newest incident first, then by id).
        order = sorted(archive.newest_first, key=lambda i: _first_day_key(last_change(archive.incidents[i])), reverse=True)
        self.rank = {incident_id: position for position, incident_id in enumerate(order)}
        self.term_names = {(taxonomy, group.slug): group.name
                           for taxonomy, groups in archive.taxonomies.items() for group in groups}
        self.schemes = {taxonomy.key: urls.absolute(self.base_url, urls.index(taxonomy.key))
                        for taxonomy in config.taxonomies}
        self.entries: dict[str, Entry] = {}

    def spec(self, folder: str, ids: tuple[str, ...], title: str, subtitle: str | None = None) -> PageSpec:
        """The feed of a list page (the home page when folder is ""): its newest changes first."""
        newest = heapq.nsmallest(FEED_SIZE, ids, key=self.rank.__getitem__)
        entries = [self.entry(incident_id) for incident_id in newest]
        page = urls.listing(folder) if folder else urls.HOME
        path = urls.feed(folder)
        return PageSpec(path, TEMPLATE, {
            "feed": {
                "id": urls.absolute(self.base_url, page),
                "title": title,
                "subtitle": subtitle or "",
                "updated": entries[0].updated if entries else EMPTY_FEED_UPDATED,
                "self_url": urls.absolute(self.base_url, path),
                "page_url": urls.absolute(self.base_url, page),
            },
            "entries": entries,
        })

    def entry(self, incident_id: str) -> Entry:
        entry = self.entries.get(incident_id)
        if entry is None:
            incident = self.archive.incidents[incident_id]
            entry = self.entries[incident_id] = Entry(
                incident, urls.absolute(self.base_url if self.translated is None or incident_id in self.translated
                                        else self.site_url, urls.incident(incident_id)),
                rfc3339(last_change(incident)), self.categories(incident))
        return entry

    def categories(self, incident: Incident) -> tuple[tuple[str, str], ...]:
        """Each term once, by the name its page uses (the commoner spelling), in site.yaml's order."""
        found: dict[tuple[str, str], None] = {}  # an ordered set
        for taxonomy in self.config.taxonomies:
            for term in incident.terms_of(taxonomy.key):
                name = self.term_names.get((taxonomy.key, slugify(term)), term)
                found[(name, self.schemes[taxonomy.key])] = None
        return tuple(found)
