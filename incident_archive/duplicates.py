"""Check stage: a new incident that is likely a record the archive already has (near in time and place).

Only new records are compared: pairs that a maintainer has already merged and published are
not reported again on every pull request. A pair stops being reported once either record lists
the other under `related` (they are different incidents) or one is a `duplicate_of` the other.
"""

from __future__ import annotations

import bisect
import datetime
import math
from collections.abc import Iterable

from .model import Incident, Problem, Severity
from .names import slugify

NEAR_DAYS = 3  # days between the two incidents' dates (or date ranges)
NEAR_KM = 5.0  # kilometres between their coordinates
EARTH_RADIUS_KM = 6371.0


def likely_duplicates(incidents: Iterable[Incident], new_paths: frozenset[str]) -> list[Problem]:
    """A warning on each new incident for each other incident near it, naming both files."""
    dated = sorted(((days, incident) for incident in incidents if (days := _days(incident))),
                   key=lambda item: (item[0], item[1].path))
    starts = [days[0] for days, _ in dated]
    longest = max((end - start for (start, end), _ in dated), default=0)
    problems = []
    for (start, end), incident in dated:
        if incident.path not in new_paths:
            continue
        # Every record that starts early enough to reach within NEAR_DAYS of this one's start.
        first = bisect.bisect_left(starts, start - NEAR_DAYS - longest)
        last = bisect.bisect_right(starts, end + NEAR_DAYS)
        for (other_start, other_end), other in dated[first:last]:
            gap = max(other_start - end, start - other_end, 0)
            reported_from_other_side = other.path in new_paths and other.path < incident.path
            if other is incident or gap > NEAR_DAYS or reported_from_other_side or _acknowledged(incident, other):
                continue
            nearness = _same_place(incident, other)
            if nearness:
                problems.append(_warning(incident, other, nearness, gap))
    return problems


def _days(incident: Incident) -> tuple[int, int] | None:
    """The first and last day as day numbers, for an incident dated to the day; else None.

    A record known only to the month or the year cannot be said to be "within a few days" of
    another: comparing it would flag every incident of that month in the same town.
    """
    if incident.date.precision != "day":
        return None
    start = _ordinal(incident.date)
    end = _ordinal(incident.date_end) if incident.date_end and incident.date_end.precision == "day" else start
    return start, end


def _ordinal(date) -> int:
    return datetime.date(date.year, date.month, date.day).toordinal()


def _acknowledged(one: Incident, other: Incident) -> bool:
    return (other.id in one.related or one.id in other.related
            or one.duplicate_of == other.id or other.duplicate_of == one.id)


def _same_place(one: Incident, other: Incident) -> str:
    """How the two places are near ('2.1 km apart', 'both at Bucha'), or '' when they are not."""
    a, b = one.location, other.location
    # Location.has_coordinates, spelt out so that the type checker knows the four are numbers.
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        distance = _kilometres(a.lat, a.lon, b.lat, b.lon)
        if distance <= NEAR_KM:
            return f"{distance:.1f} km apart"
    if slugify(a.name) and slugify(a.name) == slugify(b.name):
        return f"both at {b.name}"
    return ""


def _kilometres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi, half_dlambda = math.radians(lat2 - lat1) / 2, math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _warning(incident: Incident, other: Incident, nearness: str, gap: int) -> Problem:
    when = "the same day" if gap == 0 else f"{gap} day{'s' if gap > 1 else ''} apart"
    return Problem(
        incident.path, incident.line_of("location"), "location",
        f"likely the same incident as {other.path} ({nearness}, {when}): if it is, add these sources "
        f"to that record instead; if not, add {other.id} under related",
        Severity.WARNING,
    )
