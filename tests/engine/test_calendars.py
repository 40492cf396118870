"""Business-day calendars and month arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pactline.engine.calendars import WEEKENDS_ONLY, HolidayCalendar, add_months

GB = HolidayCalendar(
    name="GB",
    holidays={
        date(2026, 12, 25): "Christmas Day",
        date(2026, 12, 28): "Boxing Day (substitute)",
        date(2027, 1, 1): "New Year's Day",
    },
)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


# -- add_months --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2026, 1, 15), 1, date(2026, 2, 15), id="plain"),
        pytest.param(date(2026, 1, 1), 0, date(2026, 1, 1), id="zero"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="jan-31-clamps-to-feb-28"),
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="leap-year-clamps-to-feb-29"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="leap-day-to-non-leap-year"),
        pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="leap-day-to-leap-year"),
        pytest.param(date(2026, 5, 31), 1, date(2026, 6, 30), id="31st-to-30-day-month"),
        pytest.param(date(2026, 12, 31), 2, date(2027, 2, 28), id="across-year-end"),
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="negative-clamps"),
        pytest.param(date(2026, 1, 15), -1, date(2025, 12, 15), id="negative-across-year"),
        pytest.param(date(2026, 8, 31), -6, date(2026, 2, 28), id="negative-six-months"),
        pytest.param(date(2028, 3, 31), -1, date(2028, 2, 29), id="negative-into-leap-feb"),
        pytest.param(date(2026, 11, 30), -12, date(2025, 11, 30), id="minus-a-year"),
        pytest.param(date(2026, 1, 31), 25, date(2028, 2, 29), id="many-months"),
    ],
)
def test_adding_months_keeps_the_day_or_clamps_to_the_month_end(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_month_arithmetic_is_not_reversible_after_clamping() -> None:
    assert add_months(add_months(date(2026, 1, 31), 1), -1) == date(2026, 1, 28)


@pytest.mark.parametrize(
    ("day", "months"),
    [(date(9999, 12, 1), 1), (date(1, 1, 1), -1)],
)
def test_adding_months_beyond_the_calendar_raises_overflow(day: date, months: int) -> None:
    with pytest.raises(OverflowError, match="outside the calendar"):
        add_months(day, months)


@given(day=dates, months=st.integers(min_value=-600, max_value=600))
def test_add_months_keeps_the_day_unless_the_month_is_too_short(day: date, months: int) -> None:
    result = add_months(day, months)
    assert result.day <= day.day
    month_index = result.year * 12 + result.month - (day.year * 12 + day.month)
    assert month_index == months
    if result.day < day.day:
        assert (result + timedelta(days=1)).day == 1  # clamped: it is the last day of its month


# -- business days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 12, 24), True, id="thursday"),
        pytest.param(date(2026, 12, 25), False, id="christmas-friday"),
        pytest.param(date(2026, 12, 26), False, id="saturday"),
        pytest.param(date(2026, 12, 27), False, id="sunday"),
        pytest.param(date(2026, 12, 28), False, id="boxing-day-substitute"),
        pytest.param(date(2026, 12, 29), True, id="tuesday"),
        pytest.param(date(2027, 1, 1), False, id="new-years-day"),
    ],
)
def test_business_days_are_weekdays_that_are_not_holidays(day: date, expected: bool) -> None:
    assert GB.is_business_day(day) is expected


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        (GB, date(2026, 10, 2), "Friday, a business day in GB"),
        (GB, date(2026, 10, 3), "Saturday, a weekend day in GB"),
        (GB, date(2026, 12, 25), "Friday, a public holiday in GB (Christmas Day)"),
        (GB, date(2026, 12, 28), "Monday, a public holiday in GB (Boxing Day (substitute))"),
        (WEEKENDS_ONLY, date(2026, 10, 4), "Sunday, a weekend day on the weekends-only calendar"),
        (WEEKENDS_ONLY, date(2026, 12, 25), "Friday, a business day on the weekends-only calendar"),
    ],
)
def test_a_day_is_described_by_weekday_and_kind(
    calendar: HolidayCalendar, day: date, expected: str
) -> None:
    assert calendar.describe(day) == expected


def test_a_holiday_on_a_weekend_is_described_by_its_holiday_name() -> None:
    calendar = HolidayCalendar(name="GB", holidays={date(2027, 12, 25): "Christmas Day"})
    assert (
        calendar.describe(date(2027, 12, 25)) == "Saturday, a public holiday in GB (Christmas Day)"
    )


@pytest.mark.parametrize(
    ("day", "previous", "following"),
    [
        pytest.param(date(2026, 12, 24), date(2026, 12, 24), date(2026, 12, 24), id="business-day"),
        pytest.param(date(2026, 12, 25), date(2026, 12, 24), date(2026, 12, 29), id="christmas"),
        pytest.param(date(2026, 12, 27), date(2026, 12, 24), date(2026, 12, 29), id="sunday"),
        pytest.param(date(2027, 1, 1), date(2026, 12, 31), date(2027, 1, 4), id="new-year"),
        pytest.param(date(2026, 10, 3), date(2026, 10, 2), date(2026, 10, 5), id="saturday"),
    ],
)
def test_previous_and_next_business_days_include_the_day_itself(
    day: date, previous: date, following: date
) -> None:
    assert GB.previous_business_day(day) == previous
    assert GB.next_business_day(day) == following


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        pytest.param(date(2026, 10, 5), 0, date(2026, 10, 5), id="zero-on-a-business-day"),
        pytest.param(date(2026, 10, 3), 0, date(2026, 10, 3), id="zero-on-a-saturday"),
        pytest.param(date(2026, 10, 2), 1, date(2026, 10, 5), id="friday-plus-one-skips-weekend"),
        pytest.param(date(2026, 10, 5), -1, date(2026, 10, 2), id="monday-minus-one"),
        pytest.param(date(2026, 10, 4), -1, date(2026, 10, 2), id="from-a-sunday-backwards"),
        pytest.param(date(2026, 10, 3), 1, date(2026, 10, 5), id="from-a-saturday-forwards"),
        pytest.param(date(2026, 12, 24), 1, date(2026, 12, 29), id="over-christmas-and-boxing-day"),
        pytest.param(date(2026, 12, 29), -1, date(2026, 12, 24), id="back-over-christmas"),
        pytest.param(date(2027, 1, 5), -5, date(2026, 12, 24), id="back-over-three-holidays"),
        pytest.param(date(2026, 12, 21), 10, date(2027, 1, 7), id="ten-over-the-holidays"),
    ],
)
def test_adding_business_days_counts_only_business_days(day: date, n: int, expected: date) -> None:
    assert GB.add_business_days(day, n) == expected


@given(day=dates, n=st.integers(min_value=-300, max_value=300).filter(bool))
def test_adding_business_days_always_lands_on_a_business_day(day: date, n: int) -> None:
    result = GB.add_business_days(day, n)
    assert GB.is_business_day(result)
    assert (result > day) is (n > 0)


@given(day=dates, n=st.integers(min_value=-300, max_value=300))
def test_adding_then_subtracting_business_days_returns_to_a_business_day(day: date, n: int) -> None:
    start = GB.next_business_day(day)
    assert GB.add_business_days(GB.add_business_days(start, n), -n) == start


@given(day=dates)
def test_previous_and_next_business_days_bracket_the_day(day: date) -> None:
    previous, following = GB.previous_business_day(day), GB.next_business_day(day)
    assert previous <= day <= following
    assert GB.is_business_day(previous)
    assert GB.is_business_day(following)
    assert (previous == following) is GB.is_business_day(day)


# -- the calendar value ------------------------------------------------------------------------


def test_a_calendar_keeps_its_own_copy_of_the_holidays() -> None:
    holidays = {date(2026, 12, 25): "Christmas Day"}
    calendar = HolidayCalendar(name="GB", holidays=holidays)
    holidays[date(2026, 12, 24)] = "Added later"
    assert calendar.is_business_day(date(2026, 12, 24))
    with pytest.raises(TypeError):
        calendar.holidays[date(2026, 12, 24)] = "Not allowed"  # type: ignore[index]


def test_calendars_with_the_same_holidays_are_equal_and_hash_alike() -> None:
    first = HolidayCalendar(name="GB", holidays={date(2026, 12, 25): "Christmas Day"})
    second = HolidayCalendar(name="GB", holidays={date(2026, 12, 25): "Christmas Day"})
    assert first == second
    assert hash(first) == hash(second)
    assert first != WEEKENDS_ONLY


def test_a_custom_weekend_is_respected() -> None:
    friday_saturday = HolidayCalendar(name="AE", holidays={}, weekend=frozenset({4, 5}))
    assert not friday_saturday.is_business_day(date(2026, 10, 2))  # Friday
    assert friday_saturday.is_business_day(date(2026, 10, 4))  # Sunday
    assert friday_saturday.add_business_days(date(2026, 10, 1), 1) == date(2026, 10, 4)


@pytest.mark.parametrize(
    ("weekend", "message"),
    [
        (frozenset({7}), "from 0"),
        (frozenset({-1}), "from 0"),
        (frozenset(range(7)), "no business days"),
    ],
)
def test_an_impossible_weekend_is_rejected(weekend: frozenset[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HolidayCalendar(name="X", holidays={}, weekend=weekend)


def test_holidays_between_lists_only_weekday_holidays_in_range() -> None:
    calendar = HolidayCalendar(
        name="GB",
        holidays={
            date(2026, 12, 25): "Christmas Day",
            date(2026, 12, 26): "Boxing Day",  # a Saturday: not a lost business day
            date(2027, 1, 1): "New Year's Day",
        },
    )
    assert calendar.holidays_between(date(2026, 12, 1), date(2026, 12, 31)) == (
        (date(2026, 12, 25), "Christmas Day"),
    )


def test_the_weekends_only_calendar_has_no_holidays() -> None:
    assert WEEKENDS_ONLY.name == "weekends only"
    assert dict(WEEKENDS_ONLY.holidays) == {}
    assert WEEKENDS_ONLY.weekend == frozenset({5, 6})
    assert WEEKENDS_ONLY.where() == "on the weekends-only calendar"
    assert GB.where() == "in GB"
