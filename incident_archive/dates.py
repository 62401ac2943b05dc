"""Dates known to a day, a month or only a year, parsed from front matter and shown at that precision."""

from __future__ import annotations

import calendar
import operator
import re
from dataclasses import dataclass

_FORM = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
MONTHS = tuple(calendar.month_name)  # index 1..12, English whatever the machine's locale


def pickled_by_fields(cls):
    """Pickle a slotted frozen record as its class and field values.

    By default such a record unpickles through a Python-level __setstate__, twice as slow as
    calling its constructor; the build cache loads hundreds of thousands of them per build.
    """
    getter = operator.attrgetter(*cls.__match_args__)
    if len(cls.__match_args__) == 1:
        cls.__reduce__ = lambda record: (cls, (getter(record),))
    else:
        cls.__reduce__ = lambda record: (cls, getter(record))
    return cls


@pickled_by_fields
@dataclass(frozen=True, order=True, slots=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    @property
    def first_day(self) -> tuple[int, int, int]:
        """The earliest day the date may mean: 2022-03 may be 1 March."""
        return (self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> tuple[int, int, int]:
        """The latest day the date may mean: 2022-03 may be 31 March."""
        month = self.month or 12
        return (self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def iso(self) -> str:
        """The form it was written in: 2022-03-04, 2022-03 or 2022 (also valid in <time datetime>)."""
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
        if self.day:
            text += f"-{self.day:02d}"
        return text

    @property
    def month_name(self) -> str:
        """The month in English (March); '' for a date known only to its year."""
        return MONTHS[self.month] if self.month else ""

    def human(self) -> str:
        if self.day:
            return f"{self.day} {self.month_name} {self.year}"
        if self.month:
            return f"{self.month_name} {self.year}"
        return str(self.year)

    def __str__(self) -> str:
        return self.iso()


def parse_partial_date(value: object) -> PartialDate:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; raise ValueError with a reader-facing reason."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD, YYYY-MM or YYYY")
    match = _FORM.fullmatch(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a date written YYYY-MM-DD, YYYY-MM or YYYY")
    year = int(match[1])
    month, day = (int(part) if part else None for part in match.groups()[1:])
    if year == 0:
        raise ValueError(f"'{value}': there is no year 0")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"'{value}': there is no month {month}")
    if month is not None and day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:  # a day has a month
        raise ValueError(f"'{value}': {MONTHS[month]} {year} has no day {day}")
    return PartialDate(year, month, day)


def human_range(start: PartialDate, end: PartialDate | None) -> str:
    """'4 March 2022', or '28 February – 2 March 2022' when an end is given."""
    if end is None or end == start:
        return start.human()
    if start.precision == end.precision == "day" and start.year == end.year:
        if start.month == end.month:
            return f"{start.day}–{end.human()}"
        return f"{start.day} {start.month_name} – {end.human()}"
    return f"{start.human()} – {end.human()}"
