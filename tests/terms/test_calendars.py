"""Holiday calendars come from the holidays package, by country and subdivision."""

from __future__ import annotations

from datetime import date

import pytest

from pactline.terms.calendars import (
    business_days_before,
    calendar_country_problem,
    calendar_subdivision_problem,
    holiday_names,
    is_supported_country,
    supported_subdivisions,
)


def test_english_bank_holidays_are_named_by_date() -> None:
    names = holiday_names("GB", "ENG", [2026])
    assert names[date(2026, 12, 25)] == "Christmas Day"
    assert names[date(2026, 8, 31)] == "Late Summer Bank Holiday"
    assert all(day.year == 2026 for day in names)


def test_a_subdivision_has_its_own_holidays() -> None:
    assert date(2026, 1, 2) in holiday_names("GB", "SCT", [2026])
    assert date(2026, 1, 2) not in holiday_names("GB", "ENG", [2026])


def test_holidays_cover_every_year_asked_for() -> None:
    names = holiday_names("US", None, range(2026, 2029))
    assert {day.year for day in names} == {2026, 2027, 2028}


def test_holiday_names_are_in_english_where_the_package_has_them() -> None:
    assert holiday_names("DE", None, [2026])[date(2026, 12, 25)] == "Christmas Day"


def test_an_unknown_calendar_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a country the holiday calendar knows"):
        holiday_names("ZZ", None, [2026])
    with pytest.raises(ValueError, match="not a subdivision of GB"):
        holiday_names("GB", "XYZ", [2026])


def test_countries_are_two_letter_codes_in_capitals() -> None:
    assert is_supported_country("GB")
    assert not is_supported_country("GBR")
    assert calendar_country_problem("gb") == "must be written in capitals: GB"
    assert calendar_country_problem("US") is None


def test_subdivisions_are_those_the_package_knows_for_the_country() -> None:
    assert supported_subdivisions("GB") == ("ENG", "NIR", "SCT", "WLS")
    assert calendar_subdivision_problem("US", "NY") is None
    assert calendar_subdivision_problem("GB", "NY") == (
        "'NY' is not a subdivision of GB; use one of: ENG, NIR, SCT, WLS"
    )


def test_business_days_are_counted_back_without_the_day_itself_skipping_weekends() -> None:
    # Three business days before Monday 12 January 2026 is Wednesday 7 January.
    assert business_days_before(date(2026, 1, 12), 3) == date(2026, 1, 7)
    assert business_days_before(date(2026, 1, 12), 0) == date(2026, 1, 12)


def test_business_days_are_counted_back_over_the_calendars_holidays() -> None:
    # Before Tuesday 29 December 2026: Boxing Day (observed) on the 28th, the weekend,
    # and Christmas Day on Friday the 25th are all passed over in England.
    assert business_days_before(date(2026, 12, 29), 1) == date(2026, 12, 28)
    assert business_days_before(date(2026, 12, 29), 1, "GB", "ENG") == date(2026, 12, 24)
