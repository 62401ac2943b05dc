"""Render stage (place): the map's frame, its country outlines as one SVG file, and the incidents drawn on it at their precision.

Everything is computed at build time; a page shows the outlines file as an image and draws its
marks over it in inline SVG, so the map needs no script, no tile server and no request to anyone.

The projection is equirectangular, its longitudes scaled by the cosine of the frame's middle
latitude: simple, invertible by eye, and true enough in shape at the scale of a country. The frame
fits the archive's points and snaps outwards to whole multiples of SNAP degrees, so that a new
record inside it moves nothing: the incident pages' locator maps keep their fingerprints.

How a record is drawn says how precisely its place is known: a dot (exact, approximate), a ring
sized to the uncertainty (settlement); a record placed only to its region, or whose coordinates
are withheld, is never drawn as a point: the table of places counts it. Where points crowd, they
are gathered into numbered circles that link to the place most of them are in.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from . import atlas
from .config import Config
from .i18n import Words
from .incremental import Generated
from .model import Archive, Incident, TermGroup
from .names import slugify

WIDTH = 960  # the map's width in SVG units; pages scale it to their column
MIN_SPAN = 10.0  # degrees: an archive of one town still shows the country around it
# The frame's height to its width, kept within these: a country's archive is drawn landscape.
TALLEST, FLATTEST = 0.8, 0.45
WORLD = (-180.0, -60.0, 180.0, 85.0)  # west, south, east, north: the frame with no points
# The most marks a map draws: beyond it, points are gathered into wider cells. 600 numbered circles
# keep the map readable and its page far under 1 MB, however large the archive.
MOST_MARKS = 600
GATHER = 10.0  # SVG units: points closer than this are one mark (the same town, on a country's map)
DOT = 6.0  # the radius of a dot, in SVG units
# How far from its point a record at settlement precision may be: the place is a town, not a spot.
SETTLEMENT_KM = 5.0
RING_MIN = 9.0  # a ring is never drawn smaller than this, or it would read as a dot
KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Frame:
    """The part of the world the archive's maps show, and how a point is placed in it."""

    west: float
    south: float
    east: float
    north: float

    @property
    def name(self) -> str:
        """The name of its outlines file: its edges, as 25E-40N-45E-55N."""
        return "-".join(f"{abs(value):g}{(negative if value < 0 else positive)}" for value, positive, negative in
                        ((self.west, "E", "W"), (self.south, "N", "S"), (self.east, "E", "W"), (self.north, "N", "S")))

    @functools.cached_property  # asked for each point: 150,000 times on a large archive's map
    def units_per_degree(self) -> float:
        return WIDTH / ((self.east - self.west) * self.cosine)

    @functools.cached_property
    def cosine(self) -> float:
        """How much shorter a degree of longitude is than one of latitude, in the frame's middle."""
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.units_per_degree)

    def position(self, latitude: float, longitude: float) -> tuple[float, float]:
        scale = self.units_per_degree
        return ((longitude - self.west) * self.cosine * scale, (self.north - latitude) * scale)

    def units_per_km(self) -> float:
        return self.units_per_degree / KM_PER_DEGREE


def frame_of(archive: Archive) -> Frame:
    """The frame that fits every published record's coordinates (the world if none has any)."""
    return frame_around(archive.incidents.values()) or Frame(*WORLD)


def place_frames(archive: Archive) -> dict[tuple[str, str], Frame]:
    """(country slug, region slug or "") → the frame of that place's page, for each place with a point to draw."""
    frames = {}
    for country in archive.countries:
        for slugs, ids in [((country.slug, ""), country.ids),
                           *(((country.slug, region.slug), region.ids) for region in country.children)]:
            frame = frame_around(archive.incidents[i] for i in ids if drawn(archive.incidents[i]))
            if frame:
                frames[slugs] = frame
    return frames


def frame_around(incidents: Iterable[Incident]) -> Frame | None:
    """The frame that fits these records' coordinates; None if none has any."""
    points = [point for incident in incidents if (point := _point(incident))]
    if not points:
        return None
    latitudes, longitudes = [lat for lat, _ in points], [lon for _, lon in points]
    west, east = _span(min(longitudes), max(longitudes), -180.0, 180.0)
    south, north = _span(min(latitudes), max(latitudes), -80.0, 85.0)
    frame = Frame(west, south, east, north)
    if frame.height > TALLEST * WIDTH:  # wider, about its middle: the neighbours come into view
        west, east = _span(west, east, -180.0, 180.0, frame.height / TALLEST / frame.units_per_degree / frame.cosine)
    elif frame.height < FLATTEST * WIDTH:
        south, north = _span(south, north, -80.0, 85.0, FLATTEST * WIDTH / frame.units_per_degree)
    return Frame(west, south, east, north)


def _span(low: float, high: float, floor: float, ceiling: float, at_least: float = MIN_SPAN) -> tuple[float, float]:
    """The edges around low..high: a margin of a fifth of the span, `at_least` degrees in all,
    snapped outwards to a step that grows with the span (1°, 5°, 10°), so that the edges move only
    when a point falls outside them."""
    margin = max((high - low) / 5, (at_least - (high - low)) / 2, 1.0)
    step = 1.0 if high - low + 2 * margin <= 20 else 5.0 if high - low + 2 * margin <= 90 else 10.0
    low = math.floor((low - margin) / step) * step
    high = math.ceil((high + margin) / step) * step
    return max(low, floor), min(high, ceiling)


# --- The outlines -------------------------------------------------------------------------------

def outlines_output(frame: Frame, path: str) -> Generated:
    """The outlines file of the maps drawn in this frame; its name says the frame, so a page and the
    outlines it shows always agree."""
    token = hashlib.blake2b(f"outlines\0{frame}\0{atlas.ATLAS.stat().st_size}".encode(), digest_size=16).hexdigest()
    return Generated(path, token, lambda body_html: outlines_svg(frame).encode("utf-8"))


def outlines_svg(frame: Frame) -> str:
    """Every country near the frame as one path each, in the frame's units; the sea is the background.

    A file of its own, shown by <img>, so it may carry its own <style> (the pages' policy forbids
    one in them) with colours for light and dark, and a reader's browser loads it once."""
    width, height = WIDTH, frame.height
    paths = [f'<path d="{d}"><title>{_xml(country.name)}</title></path>'
             for country in atlas.countries() if _near(country.bounds, frame)
             for d in [_path(country, frame)] if d]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">\n'
        "<style>rect{fill:#dde6ec}path{fill:#f4f3ee;stroke:#8a8a84;stroke-width:.6;stroke-linejoin:round}"
        "@media (prefers-color-scheme:dark){rect{fill:#1d2328}path{fill:#34342f;stroke:#77776f}}</style>\n"
        f'<rect width="{width}" height="{height}"/>\n' + "\n".join(paths) + "\n</svg>\n"
    )


def _near(bounds: tuple[float, float, float, float], frame: Frame) -> bool:
    west, south, east, north = bounds
    return west <= frame.east + 5 and east >= frame.west - 5 and south <= frame.north + 5 and north >= frame.south - 5


def _path(country: atlas.Country, frame: Frame) -> str:
    """The country's rings as SVG path data, points closer than half a unit to the last one dropped."""
    parts = []
    for polygon in country.polygons:
        for ring in polygon:
            kept: list[tuple[float, float]] = []
            for lon, lat in ring:
                x, y = frame.position(lat, lon)
                if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= 0.5:
                    kept.append((x, y))
            if len(kept) >= 3 and _ring_visible(kept, frame):
                parts.append("M" + " ".join(f"{_number(x)} {_number(y)}" for x, y in kept) + "Z")
    return "".join(parts)


def _ring_visible(points: list[tuple[float, float]], frame: Frame) -> bool:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return max(xs) >= 0 and min(xs) <= WIDTH and max(ys) >= 0 and min(ys) <= frame.height


def _number(value: float) -> str:
    """A coordinate to a tenth of a unit, without a trailing .0: the outlines file stays small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- The marks ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """One thing drawn on a map: an incident (a dot or a ring) or a numbered circle for several."""

    shape: str  # "dot", "ring" or "group"
    x: float
    y: float
    r: float
    count: int
    label: str  # its accessible name, and its tooltip
    incident: str | None = None  # the id a dot or a ring links to
    place: tuple[str, str] | None = None  # (country slug, region slug or "") a group links to


def _point(incident: Incident) -> tuple[float, float] | None:
    """(latitude, longitude) of a record that publishes its coordinates."""
    latitude, longitude = incident.location.lat, incident.location.lon
    return None if latitude is None or longitude is None else (latitude, longitude)


def drawn(incident: Incident) -> bool:
    """Whether a record is a point on the map: it has coordinates, and they say more than its region."""
    location = incident.location
    return location.has_coordinates and location.precision != "region"


def drawn_count(incidents: Iterable[Incident]) -> int:
    """How many of these records marks() draws (its marks' counts add up to it), without drawing them."""
    return sum(1 for incident in incidents if drawn(incident) and _point(incident))


def marks(incidents: Iterable[Incident], frame: Frame, place_names: dict[tuple[str, str], str], config: Config,
          words: Words, here: tuple[str, str] | None = None) -> tuple[Mark, ...]:
    """The marks for these records: one each while few, numbered circles where they crowd.

    Points within about GATHER units of each other are one group (a town's incidents); while that
    leaves more than MOST_MARKS marks, the distance doubles. A group links to the place most of its
    records are in, unless that is the page it is drawn on (`here`); place_names (names_of_places)
    names the places; `config` and `words` (the pages' language) name the marks.
    """
    placed = sorted(((*frame.position(*point), incident.id, incident)
                     for incident in incidents if drawn(incident) and (point := _point(incident))), key=lambda item: item[:3])
    distance = GATHER
    while len({(math.floor(x / distance), math.floor(y / distance)) for x, y, _, _ in placed}) > 2 * MOST_MARKS:
        distance *= 2  # a first guess, cheaper than gathering: the squares the points fall in
    while len(groups := _gathered(placed, distance)) > MOST_MARKS:
        distance *= 2
    made = [_one(members[0], frame, config, words) if len(members) == 1
            else _group(members, distance, place_names, here, words) for members in groups]
    return tuple(sorted(made, key=lambda mark: (mark.y, mark.x, mark.incident or "")))


def _gathered(placed: list, distance: float) -> list[list]:
    """The points in groups: first in squares of half the distance (a point's neighbours within
    it), then each square, in a fixed order, joins the first group whose first square is within
    the distance, or starts one. Linear in the points, whatever their number."""
    half = distance / 2
    squares: dict[tuple[int, int], list] = {}
    for x, y, _, incident in placed:
        squares.setdefault((math.floor(x / half), math.floor(y / half)), []).append((incident, x, y))
    seeds: dict[tuple[int, int], list[list]] = defaultdict(list)
    groups = []
    for key in sorted(squares):
        members = squares[key]
        _, x, y = members[0]
        column, row = math.floor(x / distance), math.floor(y / distance)
        group = next((group for dc in (-1, 0, 1) for dr in (-1, 0, 1) for group in seeds.get((column + dc, row + dr), ())
                      if abs(group[0][1] - x) <= distance and abs(group[0][2] - y) <= distance), None)
        if group is None:
            group = []
            seeds[(column, row)].append(group)
            groups.append(group)
        group.extend(members)
    return groups


def _one(member, frame: Frame, config: Config, words: Words) -> Mark:
    incident, x, y = member
    when = words.date(incident.date) if incident.date_end is None else \
        words.gettext("%(start)s to %(end)s") % {"start": words.date(incident.date), "end": words.date(incident.date_end)}
    label = f"{config.shown_title(incident)} ({when})"
    if incident.location.precision == "settlement":
        radius = max(RING_MIN, SETTLEMENT_KM * frame.units_per_km())
        return Mark("ring", round(x, 1), round(y, 1), round(radius, 1), 1,
                    words.gettext("%(label)s, placed to its town") % {"label": label}, incident.id)
    return Mark("dot", round(x, 1), round(y, 1), DOT, 1, label, incident.id)


def _group(members: list, cell: float, place_names: dict[tuple[str, str], str], here, words: Words) -> Mark:
    count = len(members)
    x = sum(x for _, x, _ in members) / count
    y = sum(y for _, _, y in members) / count
    places = Counter(_place_of(incident) for incident, _, _ in members)
    place, most = min(places.items(), key=lambda item: (-item[1], item[0]))
    named = place_names.get(place) or words.gettext("no named country")
    if most == count:
        label = words.ngettext("%(num)d incident, all in %(place)s", "%(num)d incidents, all in %(place)s", count)
    else:
        label = words.ngettext("%(num)d incident, %(most)s in %(place)s", "%(num)d incidents, %(most)s in %(place)s", count)
    # Grows with the count, within its share of the map, and always wide enough for its number.
    radius = max(min(DOT + 1.5 * math.sqrt(count), max(cell / 2, DOT + 6)), 3 + 4 * len(str(count)))
    target = place if place in place_names and place != here else None
    return Mark("group", round(x, 1), round(y, 1), round(radius, 1), count,
                label % {"num": count, "most": most, "place": named}, place=target)


def names_of_places(archive: Archive) -> dict[tuple[str, str], str]:
    """(country slug, region slug or "") → "Region, Country" for every place page of the archive."""
    names = {}
    for country in archive.countries:
        names[(country.slug, "")] = country.name
        for region in country.children:
            names[(country.slug, region.slug)] = f"{region.name}, {country.name}"
    return names


def _place_of(incident: Incident) -> tuple[str, str]:
    location = incident.location
    return ((location.country or "").lower(), slugify(location.admin1) if location.admin1 else "")


def locator(incident: Incident, frame: Frame, config: Config, words: Words) -> Mark | None:
    """The one mark of an incident's own page; None when its place is not drawn as a point."""
    point = _point(incident)
    if not drawn(incident) or point is None:
        return None
    x, y = frame.position(*point)
    return _one((incident, x, y), frame, config, words)


# --- The table of places --------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceCount:
    """A row of the map's table: a place, its records drawn as points, and those that are not."""

    name: str
    country_slug: str
    region_slug: str
    drawn: int
    not_drawn: int


def place_counts(archive: Archive, words: Words) -> tuple[tuple[PlaceCount, tuple[PlaceCount, ...]], ...]:
    """Each country with its regions, as the places page orders them, counting what the map draws.

    The records with no country come last, under the name "No country given"."""
    is_drawn = {incident_id: drawn(incident) for incident_id, incident in archive.incidents.items()}

    def row(group: TermGroup, country_slug: str, region_slug: str = "") -> PlaceCount:
        shown = sum(is_drawn[i] for i in group.ids)
        return PlaceCount(group.name, country_slug, region_slug, shown, len(group.ids) - shown)

    rows = [(row(country, country.slug), tuple(row(region, country.slug, region.slug) for region in country.children))
            for country in archive.countries]
    nowhere = [i for i, incident in archive.incidents.items() if not incident.location.country]
    if nowhere:
        shown = sum(is_drawn[i] for i in nowhere)
        rows.append((PlaceCount(words.gettext("No country given"), "", "", shown, len(nowhere) - shown), ()))
    return tuple(rows)
