"""Business-day calendars and month arithmetic, with holidays supplied by the caller."""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, timedelta
from types import MappingProxyType

__all__ = ["MONTH_NAMES", "WEEKDAY_NAMES", "WEEKENDS_ONLY", "HolidayCalendar", "add_months"]

WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
MONTH_NAMES: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
"""English weekday names indexed by `date.weekday()`; never locale-dependent like strftime."""

_ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), clamped to the month end."""
    # Trap: month arithmetic is not reversible. 31 January + 1 month has no 31 February, so it
    # clamps to the last day of February (28th, or 29th in a leap year); subtracting the month
    # again gives 28/29 January, not 31 January. Callers that roll terms forward must count
    # months from a fixed anchor date, never from the previous clamped result.
    index = day.year * 12 + (day.month - 1) + months
    year, month_index = divmod(index, 12)
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError(f"{day.isoformat()} plus {months} months is outside the calendar")
    month = month_index + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


@dataclass(frozen=True)
class HolidayCalendar:
    """A named business-day calendar: weekend days plus the public holidays the caller supplies."""

    name: str
    holidays: Mapping[date, str] = field(default_factory=dict)
    weekend: frozenset[int] = frozenset({5, 6})

    def __post_init__(self) -> None:
        # Copy and freeze the caller's mapping so a later edit to their dict cannot change
        # deadlines that were already derived from this calendar.
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "weekend", frozenset(self.weekend))
        if any(not 0 <= weekday <= 6 for weekday in self.weekend):
            raise ValueError("weekend days must be date.weekday() values from 0 (Mon) to 6 (Sun)")
        if len(self.weekend) == 7:
            raise ValueError("a calendar whose every day is a weekend day has no business days")

    def __hash__(self) -> int:
        """Hash by value, so terms holding a calendar stay usable as cache keys."""
        return hash((self.name, frozenset(self.holidays.items()), self.weekend))

    def is_business_day(self, day: date) -> bool:
        """Whether work is done on `day`: neither a weekend day nor a public holiday."""
        return day.weekday() not in self.weekend and day not in self.holidays

    def classify(self, day: date) -> str:
        """What kind of day `day` is here, e.g. "a public holiday in GB (Christmas Day)"."""
        # A holiday that falls on a weekend is reported as the holiday: the name says more.
        where = self.where()
        holiday_name = self.holidays.get(day)
        if holiday_name is not None:
            return f"a public holiday {where} ({holiday_name})"
        if day.weekday() in self.weekend:
            return f"a weekend day {where}"
        return f"a business day {where}"

    def describe(self, day: date) -> str:
        """The weekday and kind of day, e.g. "Friday, a business day in GB"."""
        return f"{WEEKDAY_NAMES[day.weekday()]}, {self.classify(day)}"

    def previous_business_day(self, day: date) -> date:
        """The latest business day on or before `day` (`day` itself when it is one)."""
        current = day
        while not self.is_business_day(current):
            current -= _ONE_DAY
        return current

    def next_business_day(self, day: date) -> date:
        """The earliest business day on or after `day` (`day` itself when it is one)."""
        current = day
        while not self.is_business_day(current):
            current += _ONE_DAY
        return current

    def add_business_days(self, day: date, n: int) -> date:
        """The date `n` business days after `day` (before it when `n` is negative)."""
        # Trap: `day` itself is never counted, whether or not it is a business day, so
        # "3 business days before Monday" is the previous Wednesday. With n == 0 nothing is
        # counted and `day` comes back unchanged, even when it is a weekend day or a holiday.
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        current = day
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining -= 1
        return current

    def holidays_between(self, first: date, last: date) -> tuple[tuple[date, str], ...]:
        """The public holidays from `first` to `last` inclusive that fall on working weekdays."""
        return tuple(
            sorted(
                (day, name)
                for day, name in self.holidays.items()
                if first <= day <= last and day.weekday() not in self.weekend
            )
        )

    def where(self) -> str:
        """Where this calendar applies, for sentences: "in GB"."""
        # "a business day in weekends only" reads badly; the built-in calendar gets its own words.
        if self.name == _WEEKENDS_ONLY_NAME:
            return "on the weekends-only calendar"
        return f"in {self.name}"


_WEEKENDS_ONLY_NAME = "weekends only"

WEEKENDS_ONLY = HolidayCalendar(name=_WEEKENDS_ONLY_NAME, holidays={})
"""Saturday and Sunday off, no public holidays: the calendar when a contract names none."""
