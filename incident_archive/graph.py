"""Link stage: ids, redirects, related incidents both ways, neighbours, taxonomies and places, computed once."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

from .config import RESERVED_NAMES, Config
from .model import Archive, IdClaim, Incident, LinkTable, Page, Problem, Reading, Severity, TermGroup
from .names import did_you_mean, slugify


def link(reading: Reading, config: Config, drafts: bool = False) -> tuple[Archive, list[Problem]]:
    """Join the records into an Archive; report ids that clash and references to nothing."""
    problems = _duplicate_ids(reading.claims) + _clashing_previous_ids(reading.incidents, reading.claims)
    redirects, redirect_problems = _redirects(reading.incidents, {claim.id for claim in reading.claims})
    problems += redirect_problems
    published = {
        incident.id: incident for incident in sorted(reading.incidents, key=lambda i: i.sort_key, reverse=True)
        if (drafts or not incident.draft) and not incident.duplicate_of
    }
    known_ids = frozenset(claim.id for claim in reading.claims) | frozenset(redirects)
    problems += _check_related(reading.incidents, known_ids, redirects)
    taxonomies, term_problems = _taxonomies(config, published)
    pages, page_problems = _pages(reading.pages, config, drafts)
    archive = Archive(
        incidents=published,
        newest_first=tuple(published),
        redirects={old: new for old, new in redirects.items() if new in published},
        related=_related_both_ways(published, redirects),
        neighbours=_neighbours(published),
        taxonomies=taxonomies,
        countries=_places(config, published),
        statuses={s.key: tuple(i for i in published if published[i].status == s.key) for s in config.statuses},
        years=_years(published),
        pages=pages,
        home=reading.home,
        links=LinkTable(
            incident_paths={claim.path: claim.id for claim in reading.claims},
            page_paths={page.path: page.id for page in pages},
            titles={incident_id: incident.title for incident_id, incident in published.items()},
            redirects=redirects,
            known_ids=known_ids,
            media=reading.media,
        ),
    )
    return archive, problems + term_problems + page_problems


def _years(published: dict[str, Incident]) -> tuple[tuple[int, int, int], ...]:
    """(year, records counted as fact, records not counted), oldest first."""
    counted = Counter(incident.date.year for incident in published.values() if incident.counted)
    uncounted = Counter(incident.date.year for incident in published.values() if not incident.counted)
    return tuple((year, counted[year], uncounted[year]) for year in sorted(counted.keys() | uncounted.keys()))


def with_backlinks(archive: Archive, links_to: dict[str, tuple[str, ...]]) -> Archive:
    """The archive with `mentioned_in`, the second half of linking: it needs the converted bodies' links."""
    return dataclasses.replace(archive, mentioned_in=_backlinks(archive, links_to))


def _backlinks(archive: Archive, links_to: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """incident id → the published incidents whose bodies link to it, newest first."""
    mentioned_in = defaultdict(list)
    for source_id in archive.newest_first:
        for target in links_to.get(source_id, ()):
            if target != source_id:
                mentioned_in[target].append(source_id)
    return {target: tuple(sources) for target, sources in mentioned_in.items()}


def _duplicate_ids(claims: list[IdClaim]) -> list[Problem]:
    by_id = defaultdict(list)
    for claim in claims:
        if not claim.guessed:
            by_id[claim.id].append(claim)
    problems = []
    for record_id, same in by_id.items():
        for claim in same if len(same) > 1 else ():
            others = ", ".join(other.path for other in same if other is not claim)
            problems.append(Problem(claim.path, claim.line, "id", f"'{record_id}' is also the id of {others}"))
    return problems


def _clashing_previous_ids(incidents: list[Incident], claims: list[IdClaim]) -> list[Problem]:
    """An old id must stay unique: it still resolves to the record that had it."""
    owners = {claim.id: claim.path for claim in claims if not claim.guessed}
    first_claim: dict[str, str] = {}
    problems = []
    for incident in incidents:
        for index, old in enumerate(incident.previous_ids, start=1):
            field = f"previous_ids[{index}]"
            if old in owners and owners[old] != incident.path:
                problems.append(Problem(incident.path, incident.line_of(field), field,
                                        f"'{old}' is the id of {owners[old]}"))
            elif old in first_claim and first_claim[old] != incident.path:
                problems.append(Problem(incident.path, incident.line_of(field), field,
                                        f"'{old}' is also a previous id of {first_claim[old]}"))
            first_claim.setdefault(old, incident.path)
    return problems


def _redirects(incidents: list[Incident], claimed: set[str]) -> tuple[dict[str, str], list[Problem]]:
    """Old ids and merged records → the id whose page now holds the record."""
    merged_into = {i.id: i.duplicate_of for i in incidents if i.duplicate_of}
    renamed = {old: i.id for i in incidents for old in i.previous_ids}
    problems, redirects = [], {}
    for incident in incidents:
        if incident.duplicate_of:
            final = _follow(incident, incident.duplicate_of, merged_into, renamed, claimed)
            if isinstance(final, Problem):
                problems.append(final)
                continue
            redirects[incident.id] = final
    for old, current in renamed.items():
        redirects.setdefault(old, redirects.get(current, current))
    return redirects, problems


def _follow(incident: Incident, target: str, merged_into: dict[str, str], renamed: dict[str, str],
            claimed: set[str]) -> str | Problem:
    """The id the record is merged into in the end (target is its duplicate_of), or why there is none."""
    line = incident.line_of("duplicate_of")
    seen = {incident.id}
    while True:
        target = renamed.get(target, target)
        if target not in claimed:
            hint = did_you_mean(target, claimed)
            return Problem(incident.path, line, "duplicate_of", f"no incident has the id '{target}'{hint}")
        if target in seen:
            return Problem(incident.path, line, "duplicate_of", f"merging into '{incident.duplicate_of}' goes round in a circle")
        if target not in merged_into:
            return target
        seen.add(target)
        target = merged_into[target]


def _check_related(incidents: list[Incident], known_ids: frozenset[str], redirects: dict) -> list[Problem]:
    problems = []
    for incident in incidents:
        for index, target in enumerate(incident.related, start=1):
            field = f"related[{index}]"
            if target in known_ids and target != incident.id and target not in redirects:
                continue
            line = incident.line_of(field)
            if target == incident.id:
                problems.append(Problem(incident.path, line, field, "an incident cannot be related to itself"))
            elif target not in known_ids:
                hint = did_you_mean(target, known_ids)
                problems.append(Problem(incident.path, line, field, f"no incident has the id '{target}'{hint}"))
            elif target in redirects:
                problems.append(Problem(incident.path, line, field,
                                        f"'{target}' is now '{redirects[target]}'; use the current id", Severity.WARNING))
    return problems


def _related_both_ways(published: dict[str, Incident], redirects: dict) -> dict[str, tuple[str, ...]]:
    pairs = defaultdict(set)
    for incident in published.values():
        for target in incident.related:
            target = redirects.get(target, target)
            if target in published and target != incident.id:
                pairs[incident.id].add(target)
                pairs[target].add(incident.id)
    order = {incident_id: rank for rank, incident_id in enumerate(published)}
    return {incident_id: tuple(sorted(ids, key=order.__getitem__)) for incident_id, ids in pairs.items()}


def _neighbours(published: dict[str, Incident]) -> dict[str, tuple[str | None, str | None]]:
    oldest_first = list(reversed(published))
    padded = [None] + oldest_first + [None]
    return {incident_id: (padded[i], padded[i + 2]) for i, incident_id in enumerate(oldest_first)}


def _taxonomies(config: Config, published: dict[str, Incident]):
    taxonomies, problems = {}, []
    for taxonomy in config.taxonomies:
        groups, problems_here = _group(
            ((incident, index, term) for incident in published.values()
             for index, term in enumerate(incident.terms_of(taxonomy.key), start=1)),
            taxonomy.key,
        )
        taxonomies[taxonomy.key] = tuple(
            TermGroup(name, slug, ids, taxonomy.definition(name)) for slug, (name, ids) in groups
        )
        problems += problems_here
    return taxonomies, problems


def _group(entries, field: str):
    """Group (incident, index, name) entries by slug; one display name per slug, the commonest.

    Entries come newest first. Returns the groups sorted by display name, and a warning for each
    record that spells a term differently from the rest of the archive.
    """
    uses_by_name: dict[str, list] = defaultdict(list)
    for incident, index, name in entries:
        uses_by_name[name].append((incident, index))
    names_by_slug: dict[str, list[str]] = defaultdict(list)
    for name in uses_by_name:  # slugify once per spelling, not once per use
        names_by_slug[slugify(name)].append(name)
    groups, problems = [], []
    for slug, names in names_by_slug.items():
        display = min(names, key=lambda name: (-len(uses_by_name[name]), name))
        incidents = [incident for name in names for incident, _ in uses_by_name[name]]
        if len(names) > 1:  # spellings merged: back to newest first, and a warning for each odd one
            incidents.sort(key=lambda incident: incident.sort_key, reverse=True)
            problems += [
                Problem(incident.path, incident.line_of(f"{field}[{index}]"), f"{field}[{index}]",
                        f"'{name}' is spelled '{display}' elsewhere; use one spelling", Severity.WARNING)
                for name in names if name != display for incident, index in uses_by_name[name]
            ]
        groups.append((slug, (display, tuple(dict.fromkeys(incident.id for incident in incidents)))))
    groups.sort(key=lambda item: (item[1][0].casefold(), item[0]))
    return groups, problems


def _places(config: Config, published: dict[str, Incident]) -> tuple[TermGroup, ...]:
    by_country = defaultdict(list)
    for incident in published.values():
        if incident.location.country:
            by_country[incident.location.country].append(incident)
    countries = []
    for code, incidents in by_country.items():
        regions, _ = _group(((i, 0, i.location.admin1) for i in incidents if i.location.admin1), "location.admin1")
        children = tuple(TermGroup(name, slug, ids) for slug, (name, ids) in regions)
        countries.append(TermGroup(config.country_name(code), code.lower(), tuple(i.id for i in incidents), children=children))
    return tuple(sorted(countries, key=lambda country: country.name.casefold()))


def _pages(pages: list[Page], config: Config, drafts: bool) -> tuple[tuple[Page, ...], list[Problem]]:
    taken = RESERVED_NAMES | {taxonomy.key for taxonomy in config.taxonomies} | {code.lower() for code in config.languages[1:]}
    problems: list[Problem] = []
    seen: dict[str, str] = {}  # page id → the file that took it first
    for page in pages:
        if page.id in taken:
            problems.append(Problem(page.path, 1, "id", f"'{page.id}' is a name the site already uses; set another id"))
        elif page.id in seen:
            problems.append(Problem(page.path, 1, "id", f"'{page.id}' is also the id of {seen[page.id]}"))
        seen.setdefault(page.id, page.path)
    shown = [page for page in pages if drafts or not page.draft]
    ordered = sorted(shown, key=lambda page: (page.menu is None, page.menu or 0, page.title.casefold(), page.id))
    return tuple(ordered), problems
