"""Render stage (time): the published records grouped by year and month, and the geometry of the timeline's charts.

Pure and linear in the records: frozen values in, frozen values out, for render.py to hand to the
templates (templates/timeline.html draws them; no markup is made here). A record counts once, in
the column of its start: its month, or its year's "month unknown" column when only the year is
known. A date range (date_end) is also drawn as a span under the bars, identical spans drawn as one
line with their number, so that a chart's size is bounded whatever the number of records.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

from .config import Config, Status
from .dates import PartialDate
from .i18n import Words
from .model import Archive, Incident

MONTH_UNKNOWN = 13  # a year's column of the records known only to the year, after December

# The year chart, in the units of its viewBox (about a CSS pixel each: style.css keeps it at least
# that wide). Twelve month columns, a gap, the wider "month unknown" column.
WIDTH = 640
_PAD = 6
_COLUMN = 43
_BAR = 29
_GAP = 16
_UNKNOWN_COLUMN = 96
_HEADER = 40  # the month's name, then its count
_LANE_LABEL = 16
_LANE_BAND = 36
_LANE_GAP = 8
_STRIP_LABEL = 18
_SPAN_ROW = 16
_SPAN_ROWS = 8  # at most: a year of ranges of every length would otherwise draw a hundred rows
_MIN_BAR = 1.5  # a column with one record among thousands is still seen
# The compact chart of the home page: one bar a month, every year in a row.
_COMPACT_BAND = 60
_COMPACT_SLOT = 24
_COMPACT_YEAR_GAP = 12


# What the templates are given


@dataclass(frozen=True, slots=True)
class Lane:
    """One status's row of bars, labelled with its name, so that colour never carries the status alone."""

    status: str
    label: str
    label_y: float
    top: float
    bottom: float


@dataclass(frozen=True, slots=True)
class Bar:
    """One status's bar in one column: solid for the records known to the day, hatched on top for the others."""

    status: str
    x: float
    width: float
    solid_y: float
    solid_height: float  # 0 when every record of the bar is known only to the month
    hatched_y: float
    hatched_height: float


@dataclass(frozen=True, slots=True)
class Column:
    """A month, or the year's "month unknown", with its figures and the link to its page."""

    year: int
    month: int | None  # None: known only to the year (its link is the year's page)
    label: str  # under the chart's column: "Mar"
    heading: str  # in the table's row: "March"
    name: str  # the link's accessible name: "March 2022: 12 incidents, 3 known only to the month"
    records: int  # every record listed on its page
    counted: int  # those counted as fact: the number the chart shows
    imprecise: int  # known only to the month (in the "month unknown" column, all of them)
    ranges: int  # records with an end date, counted here, in their start's column
    by_status: tuple[int, ...]  # records of each lane's status, in the lanes' order
    x: float
    width: float
    centre: float
    bars: tuple[Bar, ...] = ()


@dataclass(frozen=True, slots=True)
class Span:
    """Date ranges from one column to another, drawn as one line: x1 or x2 at the chart's edge for a
    range that began in an earlier year or goes on into a later one."""

    x1: float
    x2: float
    y: float
    count: int
    from_earlier: bool
    into_later: bool
    name: str
    label_x: float  # where its number is written, when it stands for more than one range
    label_y: float


@dataclass(frozen=True, slots=True)
class SpanRow:
    """A line of the ranges' table: from one period to another, and how many records."""

    start: str
    end: str
    count: int


@dataclass(frozen=True, slots=True)
class YearChart:
    year: int
    width: float
    height: float
    title: str
    lanes: tuple[Lane, ...]
    columns: tuple[Column, ...]
    spans: tuple[Span, ...]
    span_rows: tuple[SpanRow, ...]
    strip_top: float  # where the ranges' strip starts (== height without ranges)
    strip_label_y: float
    strip_label: str
    right: float  # the right end of the lanes' base lines
    month_label_y: float
    count_label_y: float
    records: int
    counted: int
    by_status: tuple[int, ...]  # the year's records of each lane's status
    imprecise: int  # known only to the month
    year_only: int
    ranges: int


@dataclass(frozen=True, slots=True)
class CompactColumn:
    year: int
    month: int | None
    label: str  # for the table: "March 2022", "2022, month unknown"
    name: str
    records: int
    counted: int
    imprecise: int
    uncounted: int
    x: float
    width: float
    bar_x: float
    bar_width: float
    solid_y: float
    solid_height: float
    hatched_y: float
    hatched_height: float


@dataclass(frozen=True, slots=True)
class YearMark:
    year: int
    x: float


@dataclass(frozen=True, slots=True)
class CompactChart:
    """The home page's timeline: every month's records counted as fact, every year in one row."""

    width: float
    height: float
    title: str
    baseline: float
    right: float  # where the base line ends
    year_label_y: float
    years: tuple[YearMark, ...]
    columns: tuple[CompactColumn, ...]


@dataclass(frozen=True, slots=True)
class YearPage:
    year: int
    chart: YearChart
    year_only: list[Incident]  # oldest first (by id: they share a date)

    def context(self) -> dict:
        """What the year's page is given, and its fingerprint digests: its year's records alone."""
        return {"title": str(self.year), "year": self.year, "month": None, "chart": self.chart,
                "year_only": self.year_only}


@dataclass(frozen=True, slots=True)
class MonthPage:
    year: int
    month: int
    day_known: list[Incident]  # oldest first
    month_only: list[Incident]
    continuing: list[Incident]  # ranges begun in an earlier month that run into this one, latest begun first
    continuing_total: int  # how many there are, of which `continuing` shows at most per_page
    previous: tuple[int, int, str] | None  # the nearest month before and after that has a page: year, month, name
    following: tuple[int, int, str] | None

    title: str  # its name: March 2022

    def context(self) -> dict:
        """What the month's page is given, and its fingerprint digests: its month's records alone (and
        the ranges that run into it), so that an edit elsewhere leaves it as it is."""
        return {
            "title": self.title, "year": self.year, "month": self.month,
            "day_known": self.day_known, "month_only": self.month_only,
            "continuing": self.continuing, "continuing_total": self.continuing_total,
            "previous": self.previous, "following": self.following,
        }


@dataclass(frozen=True, slots=True)
class Dates:
    """Every date page's content: the timeline's charts (one scale for all years), then each year's and month's."""

    charts: tuple[YearChart, ...]
    years: tuple[YearPage, ...]
    months: tuple[MonthPage, ...]


# Grouping


@dataclass(frozen=True, slots=True)
class _Groups:
    periods: dict[tuple[int, int], list[Incident]]  # (year, month or MONTH_UNKNOWN) → records, oldest first
    ranges: list[Incident]  # records whose range leaves their start's column, latest begun first
    statuses: tuple[Status, ...]  # the statuses that have records, in site.yaml's order
    labels: dict[str, str]  # status key → its label, in the pages' language


def _group(archive: Archive, config: Config) -> _Groups:
    periods = _periods(archive)
    ranges = [incident for incident in archive.incidents.values()
              if incident.date_end is not None and _end_period(incident) > _period(incident.date)]
    present = {incident.status for records in periods.values() for incident in records}
    return _Groups(periods, ranges, tuple(status for status in config.statuses if status.key in present), _labels(config))


def _labels(config: Config) -> dict[str, str]:
    return {status.key: status.label for status in config.statuses}


def _periods(archive: Archive) -> dict[tuple[int, int], list[Incident]]:
    """(year, month or MONTH_UNKNOWN) → the records that begin then, oldest first."""
    periods: dict[tuple[int, int], list[Incident]] = {}
    for incident in reversed(archive.incidents.values()):  # newest first, reversed: oldest first, then by id
        periods.setdefault(_period(incident.date), []).append(incident)
    return periods


def _period(date: PartialDate) -> tuple[int, int]:
    return (date.year, date.month or MONTH_UNKNOWN)


def _end_period(incident: Incident) -> tuple[int, int]:
    assert incident.date_end is not None
    return _period(incident.date_end)


def period_name(year: int, month: int | None, words: Words) -> str:
    """'March 2022', or '2022, month unknown' (in the pages' language)."""
    if month and month != MONTH_UNKNOWN:
        return words.date(PartialDate(year, month))
    return words.gettext("%(year)s, month unknown") % {"year": year}


def _number(value: float) -> float:
    """A coordinate, short and the same on every machine: 12 rather than 12.000000001."""
    rounded = round(value, 1)
    return int(rounded) if rounded == int(rounded) else rounded


# The pages


def dates(archive: Archive, config: Config, words: Words) -> Dates:
    """The timeline and every year's and month's page. The timeline's charts share one scale, so
    that years compare; a year's page has its own, so that it changes only with its year. Their
    words are in the language of `words`."""
    groups = _group(archive, config)
    years = sorted({year for year, _ in groups.periods})
    spans = _spans_by_year(groups.ranges, years, words)
    largest = _largest_by_year(groups)
    shared_scale = max(largest.values(), default=1)
    charts = tuple(_year_chart(year, groups, groups.statuses, spans[year], shared_scale, words) for year in years)
    year_pages = tuple(
        YearPage(year, _year_chart(year, groups, _statuses_of(groups, year), spans[year], largest[year], words),
                 groups.periods.get((year, MONTH_UNKNOWN), []))
        for year in years
    )
    return Dates(charts, year_pages, _month_pages(groups, config.per_page, words))


def _statuses_of(groups: _Groups, year: int) -> tuple[Status, ...]:
    present = {incident.status for month in range(1, MONTH_UNKNOWN + 1)
               for incident in groups.periods.get((year, month), ())}
    return tuple(status for status in groups.statuses if status.key in present)


def _largest_by_year(groups: _Groups) -> dict[int, int]:
    """Each year's largest number of one status's records in one column: the full height of a lane."""
    largest: dict[int, int] = {}
    for (year, _), records in groups.periods.items():
        counts = Counter(incident.status for incident in records)
        largest[year] = max(largest.get(year, 1), *counts.values())
    return largest


def _month_pages(groups: _Groups, per_page: int, words: Words) -> tuple[MonthPage, ...]:
    months = sorted(key for key in groups.periods if key[1] != MONTH_UNKNOWN)
    continuing, totals = _continuing(groups.ranges, months, per_page)
    pages = []
    for index, (year, month) in enumerate(months):
        records = groups.periods[(year, month)]
        pages.append(MonthPage(
            year, month,
            day_known=[incident for incident in records if incident.date.day],
            month_only=[incident for incident in records if not incident.date.day],
            continuing=continuing[index], continuing_total=totals[index], title=period_name(year, month, words),
            previous=_named(months[index - 1], words) if index else None,
            following=_named(months[index + 1], words) if index + 1 < len(months) else None,
        ))
    return tuple(pages)


def _named(month: tuple[int, int], words: Words) -> tuple[int, int, str]:
    return (*month, period_name(month[0], month[1], words))


def _continuing(ranges: list[Incident], months: list[tuple[int, int]], most: int) -> tuple[list[list[Incident]], list[int]]:
    """For each month page, the ranges begun in an earlier month that run into it: at most `most`,
    the latest begun first, and how many in all.

    A range that runs for years would otherwise be listed on every month it covers: each month takes
    the latest-begun ranges until it is full, and a full month is skipped from then on (each month
    points to the next month that still has room), so the work is the records plus the lists shown.
    """
    lists: list[list[Incident]] = [[] for _ in months]
    difference = [0] * (len(months) + 1)
    next_open = list(range(len(months) + 1))

    def open_from(index: int) -> int:
        root = index
        while next_open[root] != root:
            root = next_open[root]
        while next_open[index] != root:  # shorten the path for the next ranges
            next_open[index], index = root, next_open[index]
        return root

    for incident in ranges:  # latest begun first
        first = bisect.bisect_right(months, _period(incident.date))
        last = bisect.bisect_right(months, _end_period(incident)) - 1
        if first > last:
            continue
        difference[first] += 1
        difference[last + 1] -= 1
        index = open_from(first)
        while index <= last:
            lists[index].append(incident)
            if len(lists[index]) >= most:
                next_open[index] = index + 1
            index = open_from(index + 1)
    totals, running = [], 0
    for change in difference[:-1]:
        running += change
        totals.append(running)
    return lists, totals


# Date ranges, year by year


@dataclass(frozen=True, slots=True)
class _YearSpans:
    lines: tuple[tuple[int, int, int], ...] = ()  # (from column or 0, to column or MONTH_UNKNOWN + 1, count)
    rows: tuple[SpanRow, ...] = ()


_BEFORE, _AFTER = 0, MONTH_UNKNOWN + 1  # a span's end at the chart's edge


def _spans_by_year(ranges: list[Incident], years: list[int], words: Words) -> dict[int, _YearSpans]:
    """Each year's spans: the ranges that begin in it (to their end, or its edge), those begun earlier
    that end in it, and the number that run through it whole (counted, not listed one by one: a range
    of centuries would otherwise be listed in every year)."""
    lines: dict[int, Counter] = {year: Counter() for year in years}
    rows: dict[int, Counter] = {year: Counter() for year in years}
    through = [0] * (len(years) + 1)
    for incident in ranges:
        (start_year, start_month), (end_year, end_month) = _period(incident.date), _end_period(incident)
        pair = ((start_year, start_month), (end_year, end_month))
        if start_year == end_year:
            lines[start_year][(start_month, end_month)] += 1
            rows[start_year][pair] += 1
            continue
        lines[start_year][(start_month, _AFTER)] += 1
        rows[start_year][pair] += 1
        if end_year in lines:
            lines[end_year][(_BEFORE, end_month)] += 1
            rows[end_year][pair] += 1
        first, last = bisect.bisect_right(years, start_year), bisect.bisect_left(years, end_year)
        if first < last:
            through[first] += 1
            through[last] -= 1
    spans, running = {}, 0
    for index, year in enumerate(years):
        running += through[index]
        if running:
            lines[year][(_BEFORE, _AFTER)] += running
        table = [SpanRow(period_name(start[0], start[1], words), period_name(end[0], end[1], words), count)
                 for (start, end), count in sorted(rows[year].items())]
        if running:
            table.append(SpanRow(_before(year, words), _after(year, words), running))
        spans[year] = _YearSpans(tuple((a, b, count) for (a, b), count in sorted(lines[year].items())), tuple(table))
    return spans


# The year chart


def _column_x(month: int) -> tuple[float, float]:
    """A column's left edge and width."""
    if month == MONTH_UNKNOWN:
        return _PAD + 12 * _COLUMN + _GAP, _UNKNOWN_COLUMN
    return _PAD + (month - 1) * _COLUMN, _COLUMN


def _edge_x(column: int) -> float:
    if column == _BEFORE:
        return _PAD
    if column == _AFTER:
        return WIDTH - _PAD
    x, width = _column_x(column)
    return x + width / 2


def _before(year: int, words: Words) -> str:
    return words.gettext("before %(year)s") % {"year": year}


def _after(year: int, words: Words) -> str:
    return words.gettext("after %(year)s") % {"year": year}


def _year_chart(year: int, groups: _Groups, statuses: tuple[Status, ...], spans: _YearSpans, scale: int,
                words: Words) -> YearChart:
    lanes = []
    top = _HEADER
    for status in statuses:
        label = status.label if status.counted else words.gettext("%(status)s (not counted)") % {"status": status.label}
        lanes.append(Lane(status.key, label, top + _LANE_LABEL - 4, top + _LANE_LABEL, top + _LANE_LABEL + _LANE_BAND))
        top += _LANE_LABEL + _LANE_BAND + _LANE_GAP
    columns = tuple(_column(year, month, groups.periods.get((year, month), []), lanes, scale, groups.labels, words)
                    for month in range(1, MONTH_UNKNOWN + 1))
    strip_top = top
    drawn, rows, left_out = _pack(spans.lines, year, strip_top + _STRIP_LABEL, words)
    strip_label = words.gettext("Date ranges, from their first month to their last")
    if left_out:
        strip_label = words.gettext("Date ranges, from their first month to their last (the %(shown)s commonest "
                                    "spans of %(total)s; the table has them all)") % {"shown": len(drawn),
                                                                                      "total": len(drawn) + left_out}
    height = strip_top + _STRIP_LABEL + rows * _SPAN_ROW if rows else strip_top
    return YearChart(
        year=year, width=WIDTH, height=_number(height),
        title=words.gettext("Incidents per month in %(year)s, one row per verification status") % {"year": year},
        lanes=tuple(lanes), columns=columns, spans=drawn, span_rows=spans.rows, strip_top=strip_top,
        strip_label_y=strip_top + _STRIP_LABEL - 5, strip_label=strip_label,
        right=WIDTH - _PAD, month_label_y=16, count_label_y=33,
        records=sum(column.records for column in columns), counted=sum(column.counted for column in columns),
        by_status=tuple(sum(column.by_status[index] for column in columns) for index in range(len(lanes))),
        imprecise=sum(column.imprecise for column in columns if column.month),
        year_only=columns[-1].records, ranges=sum(column.ranges for column in columns),
    )


def _column(year: int, month: int, records: list[Incident], lanes: list[Lane], scale: int, labels: dict[str, str],
            words: Words) -> Column:
    x, width = _column_x(month)
    by_status = Counter(incident.status for incident in records)
    imprecise_by_status = Counter(incident.status for incident in records
                                  if month == MONTH_UNKNOWN or not incident.date.day)
    bars = []
    for lane in lanes:
        count = by_status[lane.status]
        if not count:
            continue
        height = _number(max(_MIN_BAR, count / scale * _LANE_BAND))
        hatched = height * imprecise_by_status[lane.status] / count
        if imprecise_by_status[lane.status]:  # tall enough for its stripes to show
            hatched = max(hatched, min(height, _MIN_BAR * 2))
        hatched = _number(hatched)
        solid = _number(height - hatched)
        bars.append(Bar(lane.status, _number(x + (width - _BAR) / 2), _BAR,
                        solid_y=_number(lane.bottom - solid), solid_height=solid,
                        hatched_y=_number(lane.bottom - height), hatched_height=hatched))
    counted = sum(1 for incident in records if incident.counted)
    imprecise = sum(imprecise_by_status.values())
    known = month if month != MONTH_UNKNOWN else None
    return Column(
        year=year, month=known, label=words.month_abbreviated(month) if known else words.gettext("Month unknown"),
        heading=words.month(month) if known else words.gettext("Month unknown"),
        name=_column_name(year, known, records, counted, imprecise, labels, words),
        records=len(records), counted=counted, imprecise=imprecise,
        ranges=sum(1 for incident in records if incident.date_end is not None),
        by_status=tuple(by_status[lane.status] for lane in lanes),
        x=_number(x), width=width, centre=_number(x + width / 2), bars=tuple(bars),
    )


def _column_name(year: int, month: int | None, records: list[Incident], counted: int, imprecise: int,
                 labels: dict[str, str], words: Words) -> str:
    """'March 2022: 12 incidents, 1 retracted (not counted), 3 known only to the month'."""
    parts = [words.ngettext("%(num)d incident", "%(num)d incidents", counted) % {"num": counted}]
    uncounted = Counter(labels.get(incident.status, incident.uncounted_as) for incident in records if not incident.counted)
    parts += [words.gettext("%(count)s %(status)s (not counted)") % {"count": count, "status": label.lower()}
              for label, count in sorted(uncounted.items())]
    if month and imprecise:
        parts.append(words.gettext("%(count)s known only to the month") % {"count": imprecise})
    return f"{period_name(year, month, words)}: {', '.join(parts)}"


def _pack(lines: tuple[tuple[int, int, int], ...], year: int, top: float,
          words: Words) -> tuple[tuple[Span, ...], int, int]:
    """The spans drawn, each on the first row where it overlaps no other, the commonest first; the
    number of rows; and the number of spans left out, when more overlap than _SPAN_ROWS rows hold
    (every one of them is in the table)."""
    rows: list[list[tuple[float, float]]] = []
    placed = []
    left_out = 0
    for start, end, count in sorted(lines, key=lambda line: (-line[2], line[0], line[1])):
        x1, x2 = _edge_x(start), _edge_x(end)
        row = next((index for index, taken in enumerate(rows)
                    if all(x2 + 8 <= other_x1 or other_x2 + 8 <= x1 for other_x1, other_x2 in taken)), len(rows))
        if row == _SPAN_ROWS:
            left_out += 1
            continue
        if row == len(rows):
            rows.append([])
        rows[row].append((x1, x2))
        placed.append((row, x1, x2, start, end, count))
    spans = []
    for row, x1, x2, start, end, count in sorted(placed):
        y = top + row * _SPAN_ROW + 10
        spans.append(Span(_number(x1), _number(x2), _number(y), count, start == _BEFORE, end == _AFTER,
                          _span_name(year, start, end, count, words), label_x=_number((x1 + x2) / 2), label_y=_number(y - 3)))
    return tuple(spans), len(rows), left_out


def _span_name(year: int, start: int, end: int, count: int, words: Words) -> str:
    first = _before(year, words) if start == _BEFORE else period_name(year, start, words)
    last = _after(year, words) if end == _AFTER else period_name(year, end, words)
    return words.ngettext("%(num)d date range from %(start)s to %(end)s", "%(num)d date ranges from %(start)s to %(end)s",
                          count) % {"num": count, "start": first, "end": last}


# The home page's compact chart


def compact(archive: Archive, config: Config, words: Words) -> CompactChart:
    """Every year's months in one row of bars, of the records counted as fact; hatched where known only
    to the month, and each year's "month unknown" last."""
    periods = _periods(archive)
    labels = _labels(config)
    years = sorted({year for year, _ in periods})
    room = WIDTH - 2 * _PAD
    year_gap = min(_COMPACT_YEAR_GAP, room / max(1, len(years)) / (MONTH_UNKNOWN + 1))  # many years: narrower gaps
    slot = min(_COMPACT_SLOT, (room - year_gap * max(0, len(years) - 1)) / max(1, len(years) * MONTH_UNKNOWN))
    scale = max([sum(1 for incident in records if incident.counted) for records in periods.values()] + [1])
    baseline = 8 + _COMPACT_BAND
    columns, marks = [], []
    x = float(_PAD)
    for year in years:
        marks.append(YearMark(year, _number(x)))
        for month in range(1, MONTH_UNKNOWN + 1):
            columns.append(_compact_column(year, month, periods.get((year, month), []), x, slot, scale, baseline,
                                           labels, words))
            x += slot
        x += year_gap
    return CompactChart(
        width=WIDTH, height=baseline + 22, title=words.gettext("Incidents per month, every year of the archive"),
        baseline=baseline, right=_number(max(_PAD, x - year_gap)), year_label_y=baseline + 16,
        years=tuple(marks), columns=tuple(columns),
    )


def _compact_column(year: int, month: int, records: list[Incident], x: float, slot: float, scale: int,
                    baseline: float, labels: dict[str, str], words: Words) -> CompactColumn:
    counted = [incident for incident in records if incident.counted]
    imprecise = sum(1 for incident in records if month == MONTH_UNKNOWN or not incident.date.day)
    imprecise_counted = sum(1 for incident in counted if month == MONTH_UNKNOWN or not incident.date.day)
    height = _number(max(_MIN_BAR, len(counted) / scale * _COMPACT_BAND)) if counted else 0
    hatched = _number(height * imprecise_counted / len(counted)) if counted else 0
    solid = _number(height - hatched)
    gap = min(2.0, slot / 4)  # between neighbouring bars, so that each month reads as its own
    known = month if month != MONTH_UNKNOWN else None
    return CompactColumn(
        year=year, month=known, label=period_name(year, known, words),
        name=_column_name(year, known, records, len(counted), imprecise, labels, words),
        records=len(records), counted=len(counted), imprecise=imprecise, uncounted=len(records) - len(counted),
        x=_number(x), width=_number(slot), bar_x=_number(x + gap / 2), bar_width=_number(slot - gap),
        solid_y=_number(baseline - solid), solid_height=solid,
        hatched_y=_number(baseline - height), hatched_height=hatched,
    )
