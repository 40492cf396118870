"""Term ends, notice deadlines, renewals and status as of a date."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pactline.engine.calendars import WEEKENDS_ONLY, HolidayCalendar
from pactline.engine.dates import (
    MAX_LISTED_RENEWALS,
    ContractEvents,
    ContractStatus,
    DerivedDate,
    EndConvention,
    KeyDates,
    KeyDateTerms,
    NonBusinessDayRule,
    NoticeParty,
    NoticePeriod,
    NoticeUnit,
    RenewalKind,
    key_dates,
    notice_deadline,
    term_end,
)

GB = HolidayCalendar(
    name="GB",
    holidays={
        date(2026, 12, 25): "Christmas Day",
        date(2026, 12, 28): "Boxing Day (substitute)",
        date(2027, 1, 1): "New Year's Day",
    },
)

PRECEDING = NonBusinessDayRule.PRECEDING
FOLLOWING = NonBusinessDayRule.FOLLOWING
UNADJUSTED = NonBusinessDayRule.UNADJUSTED

DAYS_90 = NoticePeriod(90, NoticeUnit.CALENDAR_DAYS)
DAYS_60 = NoticePeriod(60, NoticeUnit.CALENDAR_DAYS)
THREE_MONTHS = NoticePeriod(3, NoticeUnit.MONTHS)
ONE_MONTH = NoticePeriod(1, NoticeUnit.MONTHS)

Status = ContractStatus
NO_EVENTS = ContractEvents()
ONE_DAY = timedelta(days=1)


def fixed_term() -> KeyDateTerms:
    """12 months from 2026-01-01, no renewal."""
    return KeyDateTerms(start_on=date(2026, 1, 1), term_months=12, calendar=GB)


def automatic(max_renewals: int | None = 2) -> KeyDateTerms:
    """12 months from 2026-01-01, renewing for 12 months unless 90 days' notice is given."""
    return KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=12,
        renewal_kind=RenewalKind.AUTOMATIC,
        renewal_term_months=12,
        max_renewals=max_renewals,
        notice=DAYS_90,
        calendar=GB,
    )


def evergreen() -> KeyDateTerms:
    """12 months from 2026-01-01, then rolling 3-month periods until one month's notice."""
    return KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=12,
        renewal_kind=RenewalKind.EVERGREEN,
        renewal_term_months=3,
        max_renewals=1,  # ignored: evergreen contracts roll on
        notice=ONE_MONTH,
        calendar=GB,
    )


def optional() -> KeyDateTerms:
    """2026 stated as the initial term; up to two 12-month extensions on 3 months' notice."""
    return KeyDateTerms(
        start_on=date(2026, 1, 1),
        end_on=date(2026, 12, 31),
        renewal_kind=RenewalKind.OPTIONAL,
        renewal_term_months=12,
        max_renewals=2,
        notice=THREE_MONTHS,
        calendar=GB,
    )


def on(derived: DerivedDate | None) -> date | None:
    """The date of a derived date, or None."""
    return None if derived is None else derived.on


# -- term ends ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "convention", "expected"),
    [
        pytest.param(
            date(2026, 1, 1),
            12,
            EndConvention.DAY_BEFORE_ANNIVERSARY,
            date(2026, 12, 31),
            id="year-day-before",
        ),
        pytest.param(
            date(2026, 1, 1), 12, EndConvention.ANNIVERSARY, date(2027, 1, 1), id="year-anniversary"
        ),
        pytest.param(
            date(2026, 3, 15),
            1,
            EndConvention.DAY_BEFORE_ANNIVERSARY,
            date(2026, 4, 14),
            id="month-day-before",
        ),
        pytest.param(
            date(2026, 1, 31),
            1,
            EndConvention.DAY_BEFORE_ANNIVERSARY,
            date(2026, 2, 27),
            id="jan-31-clamps-then-minus-a-day",
        ),
        pytest.param(
            date(2026, 1, 31), 1, EndConvention.ANNIVERSARY, date(2026, 2, 28), id="jan-31-clamps"
        ),
        pytest.param(
            date(2024, 2, 29),
            12,
            EndConvention.DAY_BEFORE_ANNIVERSARY,
            date(2025, 2, 27),
            id="leap-day-start",
        ),
        pytest.param(
            date(2024, 2, 29), 48, EndConvention.ANNIVERSARY, date(2028, 2, 29), id="leap-to-leap"
        ),
        pytest.param(
            date(2026, 3, 1),
            36,
            EndConvention.DAY_BEFORE_ANNIVERSARY,
            date(2029, 2, 28),
            id="ends-on-feb-28",
        ),
    ],
)
def test_a_term_ends_by_its_convention_with_month_end_clamping(
    start: date, months: int, convention: EndConvention, expected: date
) -> None:
    derived = term_end(start, months, convention)
    assert derived.on == expected
    assert derived.kind == "term_end"


def test_twelve_month_term_ends_the_day_before_the_anniversary() -> None:
    derived = term_end(date(2026, 1, 1), 12, EndConvention.DAY_BEFORE_ANNIVERSARY)
    assert derived.explanation == (
        "2026-01-01 plus 12 months = 2027-01-01, the anniversary",
        "The term ends the day before the anniversary: 2027-01-01 minus 1 day = 2026-12-31",
    )


def test_a_term_ending_on_the_anniversary_says_so() -> None:
    derived = term_end(date(2026, 1, 1), 12, EndConvention.ANNIVERSARY)
    assert derived.explanation[-1] == "The term ends on the anniversary itself: 2027-01-01"


def test_a_clamped_term_end_explains_the_clamp() -> None:
    derived = term_end(date(2026, 1, 31), 1, EndConvention.DAY_BEFORE_ANNIVERSARY)
    assert derived.explanation[0] == (
        "2026-01-31 plus 1 month = 2026-02-28 (clamped to the month end: February 2026 has no "
        "day 31), the anniversary"
    )


@pytest.mark.parametrize("months", [0, -12])
def test_a_term_must_be_at_least_a_month(months: int) -> None:
    with pytest.raises(ValueError, match="at least one month"):
        term_end(date(2026, 1, 1), months, EndConvention.ANNIVERSARY)


# -- notice deadlines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "notice", "expected"),
    [
        pytest.param(date(2026, 12, 31), DAYS_90, date(2026, 10, 2), id="90-calendar-days"),
        pytest.param(
            date(2026, 12, 31),
            NoticePeriod(0, NoticeUnit.CALENDAR_DAYS),
            date(2026, 12, 31),
            id="zero-days-is-the-end-itself",
        ),
        pytest.param(date(2026, 12, 31), THREE_MONTHS, date(2026, 9, 30), id="3-months-clamped"),
        pytest.param(date(2027, 3, 31), ONE_MONTH, date(2027, 2, 26), id="1-month-clamped-sunday"),
        pytest.param(
            date(2027, 1, 5),
            NoticePeriod(5, NoticeUnit.BUSINESS_DAYS),
            date(2026, 12, 24),
            id="5-business-days-over-holidays",
        ),
        pytest.param(
            date(2026, 12, 31),
            NoticePeriod(90, NoticeUnit.BUSINESS_DAYS),
            date(2026, 8, 25),
            id="90-business-days",
        ),
        pytest.param(
            date(2027, 1, 3),
            NoticePeriod(1, NoticeUnit.BUSINESS_DAYS),
            date(2026, 12, 31),
            id="end-on-a-sunday-is-not-counted",
        ),
    ],
)
def test_notice_deadline_in_each_unit(end: date, notice: NoticePeriod, expected: date) -> None:
    assert notice_deadline(end, notice, GB, PRECEDING).on == expected


def test_business_day_notice_counts_back_business_days_and_lists_skipped_holidays() -> None:
    derived = notice_deadline(
        date(2027, 1, 5), NoticePeriod(5, NoticeUnit.BUSINESS_DAYS), GB, PRECEDING
    )
    assert derived.explanation == (
        "2027-01-05 minus 5 business days in GB = 2026-12-24; Thursday, a business day in GB",
        "Counted back business days only from 2027-01-05 (the end date itself is not counted), "
        "passing over 4 weekend days and 3 public holidays: 2026-12-25 Christmas Day, "
        "2026-12-28 Boxing Day (substitute), 2027-01-01 New Year's Day",
    )


def test_a_deadline_on_a_business_day_is_explained_with_its_arithmetic() -> None:
    derived = notice_deadline(date(2026, 12, 31), DAYS_90, GB, PRECEDING)
    assert derived.explanation == (
        "2026-12-31 minus 90 calendar days = 2026-10-02; Friday, a business day in GB",
    )


def test_months_notice_explains_the_month_end_clamp() -> None:
    derived = notice_deadline(date(2027, 3, 31), ONE_MONTH, GB, UNADJUSTED)
    assert derived.on == date(2027, 2, 28)
    assert derived.explanation[0] == (
        "2027-03-31 minus 1 month = 2027-02-28 (clamped to the month end: February 2027 has no "
        "day 31)"
    )


@pytest.mark.parametrize(
    ("end", "days", "rule", "expected", "shift_text"),
    [
        pytest.param(
            date(2027, 1, 31),
            30,
            PRECEDING,
            date(2026, 12, 31),
            "2027-01-01 is a public holiday in GB (New Year's Day); moved to the preceding "
            "business day 2026-12-31",
            id="new-year-preceding",
        ),
        pytest.param(
            date(2027, 1, 31),
            30,
            FOLLOWING,
            date(2027, 1, 4),
            "2027-01-01 is a public holiday in GB (New Year's Day); moved to the following "
            "business day 2027-01-04 (Monday), passing over 2027-01-02 (Saturday), "
            "2027-01-03 (Sunday)",
            id="new-year-following",
        ),
        pytest.param(
            date(2027, 1, 31),
            30,
            UNADJUSTED,
            date(2027, 1, 1),
            "2027-01-01 is a public holiday in GB (New Year's Day); left unadjusted",
            id="new-year-unadjusted",
        ),
        pytest.param(
            date(2027, 1, 27),
            30,
            PRECEDING,
            date(2026, 12, 24),
            "2026-12-28 is a public holiday in GB (Boxing Day (substitute)); moved to the "
            "preceding business day 2026-12-24 (Thursday), passing over 2026-12-25 "
            "(Christmas Day), 2026-12-26 (Saturday), 2026-12-27 (Sunday)",
            id="boxing-day-preceding-passes-christmas",
        ),
        pytest.param(
            date(2027, 1, 24),
            30,
            FOLLOWING,
            date(2026, 12, 29),
            "2026-12-25 is a public holiday in GB (Christmas Day); moved to the following "
            "business day 2026-12-29 (Tuesday)",
            id="christmas-following",
        ),
        pytest.param(
            date(2026, 11, 2),
            30,
            PRECEDING,
            date(2026, 10, 2),
            "2026-10-03 is a Saturday, a weekend day in GB; moved to the preceding business day "
            "2026-10-02 (Friday)",
            id="saturday-preceding",
        ),
    ],
)
def test_each_non_business_day_rule_moves_the_deadline_as_the_contract_says(
    end: date, days: int, rule: NonBusinessDayRule, expected: date, shift_text: str
) -> None:
    derived = notice_deadline(end, NoticePeriod(days, NoticeUnit.CALENDAR_DAYS), GB, rule)
    assert derived.on == expected
    assert shift_text in derived.explanation[-1]


def test_the_following_rule_never_pushes_a_deadline_past_the_term_end() -> None:
    # 2027-01-02 minus 1 day is New Year's Day; the following business day (4 Jan) is after
    # the term end, so the deadline falls back to the preceding business day.
    derived = notice_deadline(
        date(2027, 1, 2), NoticePeriod(1, NoticeUnit.CALENDAR_DAYS), GB, FOLLOWING
    )
    assert derived.on == date(2026, 12, 31)
    assert "is after the term end 2027-01-02, so the deadline moves back" in derived.explanation[-1]


def test_notice_periods_accept_the_schema_strings() -> None:
    notice = NoticePeriod(3, "months", "customer")  # type: ignore[arg-type]
    assert notice.unit is NoticeUnit.MONTHS
    assert notice.given_by is NoticeParty.CUSTOMER
    assert notice.describe() == "3 months"
    with pytest.raises(ValueError, match="not a valid NoticeUnit"):
        NoticePeriod(3, "fortnights")  # type: ignore[arg-type]


@given(
    end=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    amount=st.integers(min_value=0, max_value=400),
    unit=st.sampled_from(NoticeUnit),
    rule=st.sampled_from(NonBusinessDayRule),
)
def test_a_notice_deadline_is_never_after_the_term_end(
    end: date, amount: int, unit: NoticeUnit, rule: NonBusinessDayRule
) -> None:
    amount = amount % 36 if unit is NoticeUnit.MONTHS else amount
    derived = notice_deadline(end, NoticePeriod(amount, unit), GB, rule)
    assert derived.on <= end
    assert derived.explanation


@given(
    end=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    amount=st.integers(min_value=0, max_value=400),
    unit=st.sampled_from(NoticeUnit),
)
def test_with_the_preceding_rule_the_deadline_is_a_business_day(
    end: date, amount: int, unit: NoticeUnit
) -> None:
    amount = amount % 36 if unit is NoticeUnit.MONTHS else amount
    derived = notice_deadline(end, NoticePeriod(amount, unit), GB, PRECEDING)
    assert GB.is_business_day(derived.on)


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"end_on": date(2026, 12, 31), "term_months": 12}, "exactly one", id="both"),
        pytest.param({}, "exactly one", id="neither"),
        pytest.param({"term_months": 0}, "at least 1", id="zero-months"),
        pytest.param({"end_on": date(2025, 12, 31)}, "before the start date", id="end-first"),
        pytest.param(
            {"term_months": 12, "renewal_kind": RenewalKind.AUTOMATIC, "notice": DAYS_90},
            "needs renewal_term_months",
            id="automatic-without-renewal-term",
        ),
        pytest.param(
            {"term_months": 12, "renewal_kind": "evergreen", "renewal_term_months": 1},
            "needs a notice period",
            id="evergreen-without-notice",
        ),
        pytest.param(
            {
                "term_months": 12,
                "renewal_kind": "optional",
                "renewal_term_months": 0,
                "notice": DAYS_90,
            },
            "renewal_term_months must be at least 1",
            id="zero-renewal-term",
        ),
        pytest.param(
            {"term_months": 12, "notice": NoticePeriod(365, NoticeUnit.CALENDAR_DAYS)},
            r"notice period \(365 calendar days\) is not shorter than the initial term",
            id="notice-as-long-as-the-term-in-days",
        ),
        pytest.param(
            {"term_months": 12, "notice": NoticePeriod(12, NoticeUnit.MONTHS)},
            "not shorter than the initial term",
            id="notice-as-long-as-the-term-in-months",
        ),
        pytest.param(
            {"end_on": date(2026, 1, 9), "notice": NoticePeriod(7, NoticeUnit.BUSINESS_DAYS)},
            "not shorter than the initial term",
            id="notice-as-long-as-the-term-in-business-days",
        ),
        pytest.param(
            {
                "term_months": 3,
                "renewal_kind": "automatic",
                "renewal_term_months": 12,
                "notice": THREE_MONTHS,
            },
            r"notice period \(3 months\) is not shorter than the initial term \(2026-01-01 to "
            r"2026-03-31\)",
            id="notice-as-long-as-a-short-initial-term-before-long-renewals",
        ),
        pytest.param(
            {
                "term_months": 12,
                "renewal_kind": "automatic",
                "renewal_term_months": 12,
                "max_renewals": -1,
                "notice": DAYS_90,
            },
            "max_renewals cannot be negative",
            id="negative-max-renewals",
        ),
        pytest.param(
            {"term_months": 12, "renewal_kind": "sometimes"},
            "not a valid RenewalKind",
            id="unknown-renewal-kind",
        ),
    ],
)
def test_impossible_terms_are_rejected_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        KeyDateTerms(start_on=date(2026, 1, 1), **kwargs)  # type: ignore[arg-type]


def test_a_notice_period_one_day_shorter_than_the_term_is_accepted() -> None:
    terms = KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=12,
        notice=NoticePeriod(364, NoticeUnit.CALENDAR_DAYS),
    )
    assert terms.calendar is WEEKENDS_ONLY


@pytest.mark.parametrize(
    ("kind", "renewal_months", "notice"),
    [
        pytest.param(RenewalKind.EVERGREEN, 1, DAYS_60, id="month-to-month-on-60-days"),
        pytest.param(RenewalKind.AUTOMATIC, 1, THREE_MONTHS, id="monthly-renewal-on-3-months"),
        pytest.param(RenewalKind.AUTOMATIC, 1, ONE_MONTH, id="monthly-renewal-on-1-month"),
        pytest.param(
            RenewalKind.EVERGREEN,
            1,
            NoticePeriod(30, NoticeUnit.BUSINESS_DAYS),
            id="monthly-on-30-business-days",
        ),
        pytest.param(RenewalKind.OPTIONAL, 3, NoticePeriod(6, NoticeUnit.MONTHS), id="optional"),
    ],
)
def test_a_notice_period_longer_than_the_renewal_term_is_accepted(
    kind: RenewalKind, renewal_months: int, notice: NoticePeriod
) -> None:
    # Real clauses say this: "after the initial 24 months, month to month until either party
    # gives 60 days' notice". Only the initial term bounds the notice period.
    terms = KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=24,
        renewal_kind=kind,
        renewal_term_months=renewal_months,
        notice=notice,
    )
    assert terms.renewal_term_months == renewal_months


def test_a_negative_notice_period_is_rejected() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        NoticePeriod(-1, NoticeUnit.CALENDAR_DAYS)


def test_more_exercised_options_than_allowed_is_rejected() -> None:
    with pytest.raises(ValueError, match="at most 2"):
        key_dates(optional(), date(2026, 6, 1), ContractEvents(renewals_exercised=3))


def test_negative_events_and_windows_are_rejected() -> None:
    with pytest.raises(ValueError, match="renewals_exercised"):
        ContractEvents(renewals_exercised=-1)
    with pytest.raises(ValueError, match="expiring_within_days"):
        key_dates(fixed_term(), date(2026, 6, 1), expiring_within_days=-1)


def test_terms_are_frozen_hashable_values_and_accept_schema_strings() -> None:
    terms = KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=12,
        renewal_kind="automatic",  # type: ignore[arg-type]
        renewal_term_months=12,
        notice=DAYS_90,
        non_business_day_rule="following",  # type: ignore[arg-type]
        end_convention="anniversary",  # type: ignore[arg-type]
    )
    assert terms.renewal_kind is RenewalKind.AUTOMATIC
    assert terms.non_business_day_rule is NonBusinessDayRule.FOLLOWING
    assert terms.end_convention is EndConvention.ANNIVERSARY
    assert hash(terms) == hash(automatic_like(terms))
    with pytest.raises(FrozenInstanceError):
        terms.start_on = date(2027, 1, 1)  # type: ignore[misc]


def automatic_like(terms: KeyDateTerms) -> KeyDateTerms:
    """An equal copy of `terms`, built afresh."""
    return KeyDateTerms(
        start_on=terms.start_on,
        term_months=terms.term_months,
        renewal_kind=terms.renewal_kind,
        renewal_term_months=terms.renewal_term_months,
        notice=terms.notice,
        non_business_day_rule=terms.non_business_day_rule,
        end_convention=terms.end_convention,
    )


# -- each renewal kind through its life --------------------------------------------------------

LIFECYCLE = [
    # kind none ---------------------------------------------------------------------------
    pytest.param(
        fixed_term(), date(2025, 12, 1), NO_EVENTS,
        Status.NOT_STARTED, date(2026, 12, 31), None, date(2026, 12, 31),
        id="none-before-start",
    ),
    pytest.param(
        fixed_term(), date(2026, 6, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), None, date(2026, 12, 31),
        id="none-mid-term",
    ),
    pytest.param(
        fixed_term(), date(2026, 10, 2), NO_EVENTS,
        Status.EXPIRING, date(2026, 12, 31), None, date(2026, 12, 31),
        id="none-window-opens-90-days-before",
    ),
    pytest.param(
        fixed_term(), date(2026, 10, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), None, date(2026, 12, 31),
        id="none-91-days-before",
    ),
    pytest.param(
        fixed_term(), date(2026, 12, 31), NO_EVENTS,
        Status.EXPIRING, date(2026, 12, 31), None, date(2026, 12, 31),
        id="none-last-day",
    ),
    pytest.param(
        fixed_term(), date(2027, 1, 1), NO_EVENTS,
        Status.EXPIRED, None, None, None,
        id="none-after-end",
    ),
    pytest.param(
        fixed_term(), date(2026, 8, 1), ContractEvents(terminated_on=date(2026, 7, 1)),
        Status.TERMINATED, None, None, None,
        id="none-terminated",
    ),
    # automatic, at most two renewals -----------------------------------------------------
    pytest.param(
        automatic(), date(2025, 12, 1), NO_EVENTS,
        Status.NOT_STARTED, date(2026, 12, 31), date(2026, 10, 2), date(2026, 10, 2),
        id="automatic-before-start",
    ),
    pytest.param(
        automatic(), date(2026, 6, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 10, 2), date(2026, 10, 2),
        id="automatic-mid-term",
    ),
    pytest.param(
        automatic(), date(2026, 10, 2), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 10, 2), date(2026, 10, 2),
        id="automatic-on-the-deadline",
    ),
    pytest.param(
        automatic(), date(2026, 11, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2027, 10, 1), date(2027, 10, 1),
        id="automatic-deadline-missed-renews-so-not-expiring",
    ),
    pytest.param(
        automatic(), date(2027, 6, 1), NO_EVENTS,
        Status.RENEWED, date(2027, 12, 31), date(2027, 10, 1), date(2027, 10, 1),
        id="automatic-after-a-renewal",
    ),
    pytest.param(
        automatic(), date(2028, 6, 1), NO_EVENTS,
        Status.RENEWED, date(2028, 12, 31), None, date(2028, 12, 31),
        id="automatic-last-renewal-outside-window",
    ),
    pytest.param(
        automatic(), date(2028, 11, 1), NO_EVENTS,
        Status.EXPIRING, date(2028, 12, 31), None, date(2028, 12, 31),
        id="automatic-last-renewal-inside-window",
    ),
    pytest.param(
        automatic(), date(2029, 1, 1), NO_EVENTS,
        Status.EXPIRED, None, None, None,
        id="automatic-after-max-renewals",
    ),
    pytest.param(
        automatic(), date(2026, 11, 1), ContractEvents(notice_given_on=date(2026, 9, 1)),
        Status.EXPIRING, date(2026, 12, 31), None, date(2026, 12, 31),
        id="automatic-notice-before-deadline-inside-window",
    ),
    pytest.param(
        automatic(), date(2026, 6, 1), ContractEvents(notice_given_on=date(2026, 5, 1)),
        Status.ACTIVE, date(2026, 12, 31), None, date(2026, 12, 31),
        id="automatic-notice-given-early-outside-window",
    ),
    pytest.param(
        automatic(), date(2026, 11, 1), ContractEvents(notice_given_on=date(2026, 10, 2)),
        Status.EXPIRING, date(2026, 12, 31), None, date(2026, 12, 31),
        id="automatic-notice-on-the-deadline-counts",
    ),
    pytest.param(
        automatic(), date(2026, 11, 1), ContractEvents(notice_given_on=date(2026, 10, 5)),
        Status.ACTIVE, date(2026, 12, 31), None, date(2027, 12, 31),
        id="automatic-late-notice-applies-to-the-next-term",
    ),
    pytest.param(
        automatic(), date(2027, 11, 1), ContractEvents(notice_given_on=date(2026, 10, 5)),
        Status.EXPIRING, date(2027, 12, 31), None, date(2027, 12, 31),
        id="automatic-late-notice-next-term-expiring",
    ),
    pytest.param(
        automatic(), date(2027, 1, 1), ContractEvents(notice_given_on=date(2026, 9, 1)),
        Status.EXPIRED, None, None, None,
        id="automatic-expired-after-notice",
    ),
    pytest.param(
        automatic(), date(2027, 6, 1), ContractEvents(terminated_on=date(2027, 3, 1)),
        Status.TERMINATED, None, None, None,
        id="automatic-terminated",
    ),
    pytest.param(
        automatic(), date(2027, 3, 1), ContractEvents(terminated_on=date(2027, 3, 1)),
        Status.TERMINATED, None, None, None,
        id="automatic-terminated-on-as-of",
    ),
    pytest.param(
        automatic(), date(2027, 2, 1), ContractEvents(terminated_on=date(2027, 3, 1)),
        Status.EXPIRING, date(2027, 3, 1), None, date(2027, 3, 1),
        id="automatic-termination-scheduled-inside-window",
    ),
    pytest.param(
        automatic(), date(2029, 6, 1), ContractEvents(terminated_on=date(2029, 3, 1)),
        Status.EXPIRED, None, None, None,
        id="automatic-termination-after-expiry-changes-nothing",
    ),
    # evergreen: 12 months, then rolling 3-month periods ----------------------------------
    pytest.param(
        evergreen(), date(2025, 12, 1), NO_EVENTS,
        Status.NOT_STARTED, date(2026, 12, 31), date(2026, 11, 30), date(2026, 11, 30),
        id="evergreen-before-start",
    ),
    pytest.param(
        evergreen(), date(2026, 6, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 11, 30), date(2026, 11, 30),
        id="evergreen-initial-term",
    ),
    pytest.param(
        evergreen(), date(2026, 12, 15), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2027, 2, 26), date(2027, 2, 26),
        id="evergreen-end-of-initial-term-rolls-so-not-expiring",
    ),
    pytest.param(
        evergreen(), date(2027, 2, 10), NO_EVENTS,
        Status.ACTIVE, date(2027, 3, 31), date(2027, 2, 26), date(2027, 2, 26),
        id="evergreen-rolling-period",
    ),
    pytest.param(
        evergreen(), date(2027, 3, 5), NO_EVENTS,
        Status.ACTIVE, date(2027, 3, 31), date(2027, 5, 28), date(2027, 5, 28),
        id="evergreen-after-a-period-deadline",
    ),
    pytest.param(
        evergreen(), date(2031, 8, 1), NO_EVENTS,
        Status.ACTIVE, date(2031, 9, 30), date(2031, 8, 29), date(2031, 8, 29),
        id="evergreen-years-later",
    ),
    pytest.param(
        evergreen(), date(2027, 3, 5), ContractEvents(notice_given_on=date(2027, 2, 20)),
        Status.EXPIRING, date(2027, 3, 31), None, date(2027, 3, 31),
        id="evergreen-notice-given",
    ),
    pytest.param(
        evergreen(), date(2027, 3, 5), ContractEvents(notice_given_on=date(2027, 3, 1)),
        Status.ACTIVE, date(2027, 3, 31), None, date(2027, 6, 30),
        id="evergreen-late-notice-ends-the-next-period",
    ),
    pytest.param(
        evergreen(), date(2027, 4, 1), ContractEvents(notice_given_on=date(2027, 2, 20)),
        Status.EXPIRED, None, None, None,
        id="evergreen-ended-by-notice",
    ),
    pytest.param(
        evergreen(), date(2027, 4, 1), ContractEvents(terminated_on=date(2027, 4, 1)),
        Status.TERMINATED, None, None, None,
        id="evergreen-terminated",
    ),
    # optional: 2026, plus up to two 12-month extensions ----------------------------------
    pytest.param(
        optional(), date(2025, 12, 1), NO_EVENTS,
        Status.NOT_STARTED, date(2026, 12, 31), date(2026, 9, 30), date(2026, 9, 30),
        id="optional-before-start",
    ),
    pytest.param(
        optional(), date(2026, 6, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 9, 30), date(2026, 9, 30),
        id="optional-mid-term",
    ),
    pytest.param(
        optional(), date(2026, 10, 15), NO_EVENTS,
        Status.EXPIRING, date(2026, 12, 31), None, date(2026, 12, 31),
        id="optional-not-exercised-inside-window",
    ),
    pytest.param(
        optional(), date(2026, 10, 15), ContractEvents(renewals_exercised=1),
        Status.ACTIVE, date(2026, 12, 31), date(2027, 9, 30), date(2027, 9, 30),
        id="optional-exercised-so-not-expiring",
    ),
    pytest.param(
        optional(), date(2027, 3, 1), ContractEvents(renewals_exercised=1),
        Status.RENEWED, date(2027, 12, 31), date(2027, 9, 30), date(2027, 9, 30),
        id="optional-after-a-renewal",
    ),
    pytest.param(
        optional(), date(2027, 11, 1), ContractEvents(renewals_exercised=1),
        Status.EXPIRING, date(2027, 12, 31), None, date(2027, 12, 31),
        id="optional-second-option-lapsed",
    ),
    pytest.param(
        optional(), date(2028, 6, 1), ContractEvents(renewals_exercised=2),
        Status.RENEWED, date(2028, 12, 31), None, date(2028, 12, 31),
        id="optional-all-exercised-outside-window",
    ),
    pytest.param(
        optional(), date(2028, 11, 1), ContractEvents(renewals_exercised=2),
        Status.EXPIRING, date(2028, 12, 31), None, date(2028, 12, 31),
        id="optional-after-max-renewals-inside-window",
    ),
    pytest.param(
        optional(), date(2029, 1, 1), ContractEvents(renewals_exercised=2),
        Status.EXPIRED, None, None, None,
        id="optional-after-max-renewals-expired",
    ),
    pytest.param(
        optional(), date(2027, 1, 1), NO_EVENTS,
        Status.EXPIRED, None, None, None,
        id="optional-never-exercised-expired",
    ),
    pytest.param(
        optional(), date(2027, 6, 1),
        ContractEvents(renewals_exercised=1, terminated_on=date(2027, 5, 1)),
        Status.TERMINATED, None, None, None,
        id="optional-terminated",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("terms", "as_of", "events", "status", "term_end_on", "deadline_on", "action_on"), LIFECYCLE
)
def test_every_renewal_kind_through_its_life(
    terms: KeyDateTerms,
    as_of: date,
    events: ContractEvents,
    status: ContractStatus,
    term_end_on: date | None,
    deadline_on: date | None,
    action_on: date | None,
) -> None:
    result = key_dates(terms, as_of, events)
    assert result.status is status, result.status_explanation
    assert on(result.current_term_end) == term_end_on
    assert on(result.notice_deadline) == deadline_on
    assert on(result.next_action) == action_on
    assert result.status_explanation


def test_a_deadline_on_new_years_day_moves_to_new_years_eve_in_the_key_dates() -> None:
    terms = KeyDateTerms(
        start_on=date(2026, 2, 1),
        term_months=12,
        renewal_kind=RenewalKind.AUTOMATIC,
        renewal_term_months=12,
        notice=NoticePeriod(30, NoticeUnit.CALENDAR_DAYS),
        calendar=GB,
    )
    result = key_dates(terms, date(2026, 6, 1))
    assert result.notice_deadline is not None
    assert result.notice_deadline.on == date(2026, 12, 31)
    assert result.notice_deadline.label == "Notice deadline (non-renewal)"
    assert result.notice_deadline.explanation[1:] == (
        "2027-01-31 minus 30 calendar days = 2027-01-01",
        "2027-01-01 is a public holiday in GB (New Year's Day); moved to the preceding business "
        "day 2026-12-31 (Thursday)",
    )


def test_the_notice_deadline_explains_what_it_protects_and_who_gives_notice() -> None:
    result = key_dates(automatic(), date(2026, 6, 1))
    assert result.notice_deadline is not None
    assert result.notice_deadline.explanation == (
        "To stop the initial term renewing on 2026-12-31, either party must give notice of "
        "non-renewal (90 calendar days before the end) on or before this date; otherwise it "
        "renews for 12 months",
        "2026-12-31 minus 90 calendar days = 2026-10-02; Friday, a business day in GB",
    )


def test_the_status_explains_itself() -> None:
    assert key_dates(automatic(), date(2026, 6, 1)).status_explanation == (
        "2026-06-01 falls in the initial term (2026-01-01 to 2026-12-31)",
        "The contract renews automatically for 12 months on 2027-01-01 unless notice of "
        "non-renewal is given by 2026-10-02",
    )
    assert key_dates(automatic(), date(2028, 11, 1)).status_explanation == (
        "2028-11-01 falls in renewal term 2 (2028-01-01 to 2028-12-31)",
        "The term in force ends on 2028-12-31, 60 days after 2028-11-01 (within the 90-day "
        "window), and nothing follows it",
        "This is the last of the 2 permitted renewals: the contract expires on 2028-12-31",
    )


def test_late_notice_is_explained_as_applying_to_the_following_term() -> None:
    result = key_dates(
        automatic(), date(2026, 11, 1), ContractEvents(notice_given_on=date(2026, 10, 5))
    )
    assert result.status_explanation[-1] == (
        "Notice of non-renewal given on 2026-10-05 came after this term's deadline 2026-10-02, "
        "so the contract continues on 2027-01-01 and ends on 2027-12-31"
    )
    assert result.final_end is not None
    assert (result.final_end.on, result.final_end.label) == (
        date(2027, 12, 31),
        "Expiry (notice given)",
    )
    assert [renewal.on for renewal in result.renewals] == [date(2027, 1, 1)]


def test_the_expiring_window_is_configurable() -> None:
    assert key_dates(fixed_term(), date(2026, 11, 1), expiring_within_days=30).status is (
        Status.ACTIVE
    )
    assert key_dates(fixed_term(), date(2026, 12, 1), expiring_within_days=30).status is (
        Status.EXPIRING
    )


def test_a_draft_reports_draft_but_still_shows_the_dates() -> None:
    result = key_dates(automatic(), date(2026, 6, 1), ContractEvents(is_draft=True))
    assert result.status is Status.DRAFT
    assert result.status_explanation[0].startswith("The contract is recorded as a draft")
    assert result.status_explanation[1] == "Once signed, on 2026-06-01 it would be active"
    assert on(result.notice_deadline) == date(2026, 10, 2)


def test_a_signed_contract_before_its_start_is_not_started() -> None:
    result = key_dates(automatic(), date(2025, 12, 1))
    assert result.status_explanation[0] == (
        "The contract starts on 2026-01-01, after 2025-12-01: it is signed but not yet in force"
    )
    assert result.current_term_start == date(2026, 1, 1)


def test_a_terminated_contract_has_nothing_left_to_do() -> None:
    result = key_dates(
        automatic(), date(2027, 6, 1), ContractEvents(terminated_on=date(2027, 3, 1))
    )
    assert result.current_term_start is None
    assert result.final_end is not None
    assert (result.final_end.kind, result.final_end.on) == ("termination", date(2027, 3, 1))
    assert [renewal.on for renewal in result.renewals] == [date(2027, 1, 1)]
    assert result.status_explanation == (
        "Termination took effect on 2027-03-01, on or before 2027-06-01",
    )


def test_a_termination_after_expiry_is_noted_but_ignored() -> None:
    result = key_dates(
        fixed_term(), date(2027, 6, 1), ContractEvents(terminated_on=date(2027, 3, 1))
    )
    assert result.status is Status.EXPIRED
    assert "came after the contract had already ended" in result.status_explanation[-1]


# -- renewals and final ends -------------------------------------------------------------------


def test_automatic_renewals_are_listed_up_to_the_maximum_with_a_final_end() -> None:
    result = key_dates(automatic(), date(2026, 6, 1))
    assert [(r.kind, r.label, r.on) for r in result.renewals] == [
        ("renewal_start", "Renewal 1 start", date(2027, 1, 1)),
        ("renewal_start", "Renewal 2 start", date(2028, 1, 1)),
    ]
    assert result.renewals[0].explanation[:2] == (
        "Renews on 2027-01-01 unless notice of non-renewal is given by 2026-10-02",
        "Renewal term 1 runs from 2027-01-01 to 2027-12-31",
    )
    assert result.final_end is not None
    assert result.final_end.on == date(2028, 12, 31)
    assert result.final_end.kind == "expiry"


def test_unlimited_automatic_renewals_list_the_next_ten_and_have_no_final_end() -> None:
    result = key_dates(automatic(max_renewals=None), date(2030, 6, 1))
    assert len(result.renewals) == MAX_LISTED_RENEWALS
    assert result.renewals[0].on == date(2030, 1, 1)  # the renewal in force
    assert result.renewals[-1].on == date(2039, 1, 1)
    assert result.final_end is None
    assert result.status is Status.RENEWED


def test_an_automatic_contract_allowing_no_renewals_simply_expires() -> None:
    result = key_dates(automatic(max_renewals=0), date(2026, 11, 1))
    assert result.status is Status.EXPIRING
    assert result.renewals == ()
    assert result.notice_deadline is None
    assert "allows no renewals" in result.status_explanation[-1]


def test_evergreen_periods_roll_on_and_ignore_max_renewals() -> None:
    result = key_dates(evergreen(), date(2027, 2, 10))
    assert result.final_end is None
    assert len(result.renewals) == MAX_LISTED_RENEWALS
    assert result.renewals[0].label == "Renewal period 1 start"
    assert result.renewals[0].on == date(2027, 1, 1)
    assert result.notice_deadline is not None
    assert result.notice_deadline.label == "Notice deadline (termination)"
    assert "rolls on period by period" in result.status_explanation[0]


def test_optional_renewals_not_yet_exercised_are_marked_as_possible() -> None:
    result = key_dates(optional(), date(2026, 6, 1))
    assert [(r.kind, r.label) for r in result.renewals] == [
        ("possible_renewal_start", "Renewal 1 start (if exercised)"),
        ("possible_renewal_start", "Renewal 2 start (if exercised)"),
    ]
    assert result.final_end is not None
    assert result.final_end.label == "Latest possible end (if every option is exercised)"
    assert result.notice_deadline is not None
    assert result.notice_deadline.label == "Option exercise deadline (renewal)"
    # A merely possible end is not something to act on: the option deadline is.
    assert on(result.next_action) == date(2026, 9, 30)


def test_exercised_options_are_listed_as_renewals() -> None:
    result = key_dates(optional(), date(2027, 3, 1), ContractEvents(renewals_exercised=1))
    assert [(r.kind, r.on) for r in result.renewals] == [
        ("renewal_start", date(2027, 1, 1)),
        ("possible_renewal_start", date(2028, 1, 1)),
    ]


def test_a_lapsed_option_leaves_a_certain_expiry() -> None:
    result = key_dates(optional(), date(2026, 10, 15))
    assert result.renewals == ()
    assert result.final_end is not None
    assert result.final_end.label == "Expiry (option not exercised)"
    assert result.status_explanation[-1] == (
        "The option deadline 2026-09-30 passed with no exercise recorded: the contract expires "
        "on 2026-12-31"
    )


def test_month_end_renewals_do_not_drift() -> None:
    terms = KeyDateTerms(
        start_on=date(2026, 1, 31),
        term_months=1,
        end_convention=EndConvention.ANNIVERSARY,
        renewal_kind=RenewalKind.AUTOMATIC,
        renewal_term_months=1,
        max_renewals=3,
        notice=NoticePeriod(5, NoticeUnit.CALENDAR_DAYS),
    )
    result = key_dates(terms, date(2026, 1, 31))
    # Every end is counted from 31 January, so after a clamped February the 31st comes back.
    assert result.initial_term_end.on == date(2026, 2, 28)
    assert [r.on for r in result.renewals] == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    assert result.final_end is not None
    assert result.final_end.on == date(2026, 5, 31)


def test_a_stated_end_date_anchors_renewals_under_both_conventions() -> None:
    day_before = KeyDateTerms(
        start_on=date(2026, 3, 1),
        end_on=date(2027, 2, 28),
        renewal_kind=RenewalKind.AUTOMATIC,
        renewal_term_months=12,
        notice=THREE_MONTHS,
    )
    anniversary = KeyDateTerms(
        start_on=date(2026, 1, 1),
        end_on=date(2027, 1, 1),
        end_convention=EndConvention.ANNIVERSARY,
        renewal_kind=RenewalKind.AUTOMATIC,
        renewal_term_months=12,
        notice=THREE_MONTHS,
    )
    first = key_dates(day_before, date(2027, 6, 1))
    assert first.current_term_start == date(2027, 3, 1)
    assert on(first.current_term_end) == date(2028, 2, 29)
    second = key_dates(anniversary, date(2027, 6, 1))
    assert second.current_term_start == date(2027, 1, 2)
    assert on(second.current_term_end) == date(2028, 1, 1)
    assert second.initial_term_end.explanation == (
        "The contract states the initial term ends on 2027-01-01",
    )


def test_renewal_ends_explain_the_counting() -> None:
    result = key_dates(automatic(), date(2027, 6, 1))
    assert result.current_term_end is not None
    assert result.current_term_end.explanation == (
        "Renewal term 1 runs from 2027-01-01, the day after the previous term ends (2026-12-31)",
        "Months are counted from the original start 2026-01-01: 12 months initial term + "
        "1 × 12-month renewal = 24 months",
        "2026-01-01 plus 24 months = 2028-01-01, the anniversary",
        "The term ends the day before the anniversary: 2028-01-01 minus 1 day = 2027-12-31",
    )


def test_all_dates_lists_each_derived_date_once_in_date_order() -> None:
    result = key_dates(automatic(), date(2026, 6, 1))
    assert [(d.kind, d.on) for d in result.all_dates()] == [
        ("notice_deadline", date(2026, 10, 2)),
        ("term_end", date(2026, 12, 31)),
        ("renewal_start", date(2027, 1, 1)),
        ("renewal_start", date(2028, 1, 1)),
        ("expiry", date(2028, 12, 31)),
    ]


def test_the_next_action_names_what_to_do_and_why_it_is_next() -> None:
    result = key_dates(automatic(), date(2026, 6, 1))
    assert result.next_action is not None
    assert result.next_action.kind == "next_action"
    assert result.next_action.label == "Next action: Notice deadline (non-renewal)"
    assert result.next_action.explanation[-1] == (
        "This is the earliest date on or after 2026-06-01 that needs action"
    )


# -- notice longer than a renewal period -------------------------------------------------------


def month_to_month() -> KeyDateTerms:
    """24 months from 2025-07-01, then month to month until 60 days' notice (evergreen)."""
    return KeyDateTerms(
        start_on=date(2025, 7, 1),
        term_months=24,
        renewal_kind=RenewalKind.EVERGREEN,
        renewal_term_months=1,
        notice=DAYS_60,
        calendar=GB,
    )


def monthly_automatic(max_renewals: int | None = 6) -> KeyDateTerms:
    """2026, then automatic 1-month renewals unless 90 days' notice is given."""
    return KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=12,
        renewal_kind=RenewalKind.AUTOMATIC,
        renewal_term_months=1,
        max_renewals=max_renewals,
        notice=DAYS_90,
        calendar=GB,
    )


def monthly_on_business_days() -> KeyDateTerms:
    """2026, then month to month until 30 business days' notice (GB holidays)."""
    return KeyDateTerms(
        start_on=date(2026, 1, 1),
        term_months=12,
        renewal_kind=RenewalKind.EVERGREEN,
        renewal_term_months=1,
        notice=NoticePeriod(30, NoticeUnit.BUSINESS_DAYS),
        calendar=GB,
    )


# month_to_month(): period end -> notice deadline (60 calendar days back, preceding business day)
#   2027-06-30 (initial) -> 2027-04-30 (2027-05-01 is a Saturday)
#   2027-07-31 -> 2027-06-01    2027-08-31 -> 2027-07-02    2027-09-30 -> 2027-07-30 (1 Aug: Sunday)
#   2027-10-31 -> 2027-09-01    2027-11-30 -> 2027-10-01    2027-12-31 -> 2027-11-01
# Two deadlines (2 and 30 July) fall inside the July period, 28 days apart.
# monthly_automatic(): 2026-12-31 -> 2026-10-02, 2027-01-31 -> 2026-11-02,
#   2027-02-28 -> 2026-11-30, 2027-03-31 -> 2026-12-31, 2027-04-30 -> 2027-01-29 (30 Jan: Saturday),
#   2027-05-31 -> 2027-03-02; the sixth renewal (June 2027) is the last, with no deadline.
# monthly_on_business_days(): 2026-12-31 -> 2026-11-17, 2027-01-31 -> 2026-12-16 (over Christmas,
#   Boxing Day and New Year's Day), 2027-02-28 -> 2027-01-18, 2027-03-31 -> 2027-02-17.

LONG_NOTICE = [
    # evergreen, month to month on 60 days' notice ------------------------------------------
    pytest.param(
        month_to_month(), date(2027, 3, 1), NO_EVENTS,
        Status.ACTIVE, date(2027, 6, 30), date(2027, 4, 30), date(2027, 4, 30), None,
        id="evergreen-60d-initial-term-before-its-deadline",
    ),
    pytest.param(
        month_to_month(), date(2027, 5, 15), NO_EVENTS,
        Status.ACTIVE, date(2027, 6, 30), date(2027, 6, 1), date(2027, 6, 1), None,
        id="evergreen-60d-initial-deadline-missed-first-period-still-reachable",
    ),
    pytest.param(
        month_to_month(), date(2027, 6, 2), NO_EVENTS,
        Status.ACTIVE, date(2027, 6, 30), date(2027, 7, 2), date(2027, 7, 2), None,
        id="evergreen-60d-initial-term-reaches-only-the-second-period",
    ),
    pytest.param(
        month_to_month(), date(2027, 7, 15), NO_EVENTS,
        Status.ACTIVE, date(2027, 7, 31), date(2027, 7, 30), date(2027, 7, 30), None,
        id="evergreen-60d-mid-rolling-two-periods-ahead",
    ),
    pytest.param(
        month_to_month(), date(2027, 7, 31), NO_EVENTS,
        Status.ACTIVE, date(2027, 7, 31), date(2027, 9, 1), date(2027, 9, 1), None,
        id="evergreen-60d-last-day-of-a-period-three-periods-ahead",
    ),
    pytest.param(
        month_to_month(), date(2027, 7, 20), ContractEvents(notice_given_on=date(2027, 7, 15)),
        Status.ACTIVE, date(2027, 7, 31), None, date(2027, 9, 30), date(2027, 9, 30),
        id="evergreen-60d-notice-mid-period-ends-two-periods-on",
    ),
    pytest.param(
        month_to_month(), date(2027, 9, 10), ContractEvents(notice_given_on=date(2027, 7, 15)),
        Status.EXPIRING, date(2027, 9, 30), None, date(2027, 9, 30), date(2027, 9, 30),
        id="evergreen-60d-notice-given-last-period-expiring",
    ),
    pytest.param(
        month_to_month(), date(2027, 10, 1), ContractEvents(notice_given_on=date(2027, 7, 15)),
        Status.EXPIRED, None, None, None, date(2027, 9, 30),
        id="evergreen-60d-ended-by-notice",
    ),
    # automatic 1-month renewals on 90 days' notice, at most six ---------------------------
    pytest.param(
        monthly_automatic(), date(2026, 6, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 10, 2), date(2026, 10, 2), date(2027, 6, 30),
        id="automatic-90d-initial-term",
    ),
    pytest.param(
        monthly_automatic(), date(2026, 10, 3), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 11, 2), date(2026, 11, 2), date(2027, 6, 30),
        id="automatic-90d-initial-deadline-missed",
    ),
    pytest.param(
        monthly_automatic(), date(2027, 2, 10), NO_EVENTS,
        Status.RENEWED, date(2027, 2, 28), date(2027, 3, 2), date(2027, 3, 2), date(2027, 6, 30),
        id="automatic-90d-deadline-for-the-fifth-renewal",
    ),
    pytest.param(
        monthly_automatic(), date(2027, 3, 5), NO_EVENTS,
        Status.RENEWED, date(2027, 3, 31), None, date(2027, 6, 30), date(2027, 6, 30),
        id="automatic-90d-every-deadline-before-the-cap-passed",
    ),
    pytest.param(
        monthly_automatic(), date(2027, 6, 10), NO_EVENTS,
        Status.EXPIRING, date(2027, 6, 30), None, date(2027, 6, 30), date(2027, 6, 30),
        id="automatic-90d-last-permitted-renewal-expiring",
    ),
    pytest.param(
        monthly_automatic(), date(2027, 1, 10), ContractEvents(notice_given_on=date(2026, 12, 15)),
        Status.RENEWED, date(2027, 1, 31), None, date(2027, 3, 31), date(2027, 3, 31),
        id="automatic-90d-notice-in-december-ends-march",
    ),
    pytest.param(
        monthly_automatic(), date(2027, 3, 20), ContractEvents(notice_given_on=date(2027, 3, 10)),
        Status.RENEWED, date(2027, 3, 31), None, date(2027, 6, 30), date(2027, 6, 30),
        id="automatic-90d-notice-too-late-for-any-permitted-renewal",
    ),
    pytest.param(
        monthly_automatic(max_renewals=2), date(2026, 11, 10), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), None, date(2027, 2, 28), date(2027, 2, 28),
        id="automatic-90d-two-renewals-both-deadlines-passed",
    ),
    pytest.param(
        monthly_automatic(max_renewals=None), date(2027, 3, 5), NO_EVENTS,
        Status.RENEWED, date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 1), None,
        id="automatic-90d-unlimited-deadline-for-june",
    ),
    # evergreen, month to month on 30 business days' notice --------------------------------
    pytest.param(
        monthly_on_business_days(), date(2026, 11, 1), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 11, 17), date(2026, 11, 17), None,
        id="business-days-initial-term",
    ),
    pytest.param(
        monthly_on_business_days(), date(2026, 11, 20), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2026, 12, 16), date(2026, 12, 16), None,
        id="business-days-deadline-for-january-falls-in-december",
    ),
    pytest.param(
        monthly_on_business_days(), date(2026, 12, 20), NO_EVENTS,
        Status.ACTIVE, date(2026, 12, 31), date(2027, 1, 18), date(2027, 1, 18), None,
        id="business-days-late-december-reaches-february",
    ),
    pytest.param(
        monthly_on_business_days(), date(2027, 1, 5), NO_EVENTS,
        Status.ACTIVE, date(2027, 1, 31), date(2027, 1, 18), date(2027, 1, 18), None,
        id="business-days-mid-rolling",
    ),
    pytest.param(
        monthly_on_business_days(), date(2027, 1, 5),
        ContractEvents(notice_given_on=date(2026, 12, 17)),
        Status.ACTIVE, date(2027, 1, 31), None, date(2027, 2, 28), date(2027, 2, 28),
        id="business-days-notice-a-day-late-for-january",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("terms", "as_of", "events", "status", "term_end_on", "deadline_on", "action_on", "final_on"),
    LONG_NOTICE,
)
def test_notice_longer_than_a_renewal_period(
    terms: KeyDateTerms,
    as_of: date,
    events: ContractEvents,
    status: ContractStatus,
    term_end_on: date | None,
    deadline_on: date | None,
    action_on: date | None,
    final_on: date | None,
) -> None:
    result = key_dates(terms, as_of, events)
    assert result.status is status, result.status_explanation
    assert on(result.current_term_end) == term_end_on
    assert on(result.notice_deadline) == deadline_on
    assert on(result.next_action) == action_on
    assert on(result.final_end) == final_on
    assert_consistent(result, terms, as_of, events)


@pytest.mark.parametrize(
    ("terms", "given_on", "ends_on"),
    [
        # Deadlines 2027-06-01 | 07-02 | 07-30 | 09-01 | 10-01 for ends 07-31 | 08-31 | 09-30 |
        # 10-31 | 11-30: successive deadlines are less than a period apart and two fall in July.
        pytest.param(month_to_month(), date(2027, 4, 30), date(2027, 6, 30), id="60d-on-first"),
        pytest.param(month_to_month(), date(2027, 5, 1), date(2027, 7, 31), id="60d-a-day-late"),
        pytest.param(month_to_month(), date(2027, 6, 1), date(2027, 7, 31), id="60d-june-1"),
        pytest.param(month_to_month(), date(2027, 6, 2), date(2027, 8, 31), id="60d-june-2"),
        pytest.param(month_to_month(), date(2027, 7, 2), date(2027, 8, 31), id="60d-july-2"),
        pytest.param(month_to_month(), date(2027, 7, 3), date(2027, 9, 30), id="60d-july-3"),
        pytest.param(month_to_month(), date(2027, 7, 30), date(2027, 9, 30), id="60d-july-30"),
        pytest.param(month_to_month(), date(2027, 7, 31), date(2027, 10, 31), id="60d-july-31"),
        pytest.param(month_to_month(), date(2027, 9, 1), date(2027, 10, 31), id="60d-sept-1"),
        pytest.param(month_to_month(), date(2027, 9, 15), date(2027, 11, 30), id="60d-mid-sept"),
        pytest.param(month_to_month(), date(2025, 1, 1), date(2027, 6, 30), id="60d-before-start"),
        pytest.param(monthly_automatic(), date(2026, 10, 2), date(2026, 12, 31), id="90d-oct-2"),
        pytest.param(monthly_automatic(), date(2026, 10, 3), date(2027, 1, 31), id="90d-oct-3"),
        pytest.param(monthly_automatic(), date(2026, 11, 30), date(2027, 2, 28), id="90d-nov-30"),
        pytest.param(monthly_automatic(), date(2027, 1, 29), date(2027, 4, 30), id="90d-jan-29"),
        pytest.param(monthly_automatic(), date(2027, 1, 30), date(2027, 5, 31), id="90d-jan-30"),
        pytest.param(monthly_automatic(), date(2027, 3, 3), date(2027, 6, 30), id="90d-after-last"),
        pytest.param(
            monthly_on_business_days(), date(2026, 12, 16), date(2027, 1, 31), id="30bd-dec-16"
        ),
        pytest.param(
            monthly_on_business_days(), date(2026, 12, 17), date(2027, 2, 28), id="30bd-dec-17"
        ),
        pytest.param(
            monthly_on_business_days(), date(2027, 1, 19), date(2027, 3, 31), id="30bd-jan-19"
        ),
    ],
)
def test_notice_ends_the_contract_at_the_first_period_end_whose_deadline_it_meets(
    terms: KeyDateTerms, given_on: date, ends_on: date
) -> None:
    result = key_dates(terms, date(2025, 1, 1), ContractEvents(notice_given_on=given_on))
    assert result.final_end is not None
    assert result.final_end.on == ends_on


def test_a_deadline_before_its_period_starts_says_which_period_it_is_for() -> None:
    result = key_dates(month_to_month(), date(2027, 5, 15))
    assert result.notice_deadline is not None
    assert result.notice_deadline.explanation == (
        "To end the contract on 2027-07-31, either party must give notice of termination "
        "(60 calendar days before the end of renewal period 1) on or before this date; "
        "otherwise it rolls on for another 1 month",
        "2027-07-31 minus 60 calendar days = 2027-06-01; Tuesday, a business day in GB",
        "The notice period (60 calendar days) is longer than renewal period 1 (2027-07-01 to "
        "2027-07-31), so this deadline (notice for the period ending 2027-07-31) falls before "
        "that period starts, in the initial term (2025-07-01 to 2027-06-30)",
    )


def test_a_shifted_deadline_two_periods_ahead_is_explained() -> None:
    result = key_dates(month_to_month(), date(2027, 7, 15))
    assert result.notice_deadline is not None
    assert result.notice_deadline.explanation[1:] == (
        "2027-09-30 minus 60 calendar days = 2027-08-01",
        "2027-08-01 is a Sunday, a weekend day in GB; moved to the preceding business day "
        "2027-07-30 (Friday), passing over 2027-07-31 (Saturday)",
        "The notice period (60 calendar days) is longer than renewal period 3 (2027-09-01 to "
        "2027-09-30), so this deadline (notice for the period ending 2027-09-30) falls before "
        "that period starts, in renewal period 1 (2027-07-01 to 2027-07-31)",
    )
    assert result.status_explanation == (
        "2027-07-15 falls in renewal period 1 (2027-07-01 to 2027-07-31): past its initial "
        "term, the contract rolls on period by period",
        "The notice deadline 2027-06-01 has passed: the contract rolls on for another 1 month "
        "on 2027-08-01; the earliest end notice can still reach is 2027-09-30, with notice of "
        "termination by 2027-07-30",
    )


def test_a_business_day_deadline_in_the_previous_period_lists_the_holidays_it_passed() -> None:
    result = key_dates(monthly_on_business_days(), date(2026, 11, 20))
    assert result.notice_deadline is not None
    assert result.notice_deadline.explanation[1:] == (
        "2027-01-31 minus 30 business days in GB = 2026-12-16; Wednesday, a business day in GB",
        "Counted back business days only from 2027-01-31 (the end date itself is not counted), "
        "passing over 13 weekend days and 3 public holidays: 2026-12-25 Christmas Day, "
        "2026-12-28 Boxing Day (substitute), 2027-01-01 New Year's Day",
        "The notice period (30 business days) is longer than renewal period 1 (2027-01-01 to "
        "2027-01-31), so this deadline (notice for the period ending 2027-01-31) falls before "
        "that period starts, in the initial term (2026-01-01 to 2026-12-31)",
    )


def test_late_notice_on_a_monthly_renewal_is_explained_against_the_right_deadlines() -> None:
    result = key_dates(
        monthly_automatic(), date(2027, 1, 10), ContractEvents(notice_given_on=date(2026, 12, 15))
    )
    assert result.status_explanation[-1] == (
        "Notice of non-renewal given on 2026-12-15 came after this term's deadline 2026-11-02, "
        "so the contract continues on 2027-02-01 and ends on 2027-03-31"
    )
    assert result.final_end is not None
    assert result.final_end.label == "Expiry (notice given)"
    assert result.final_end.explanation[-1] == (
        "Notice of non-renewal was given on 2026-12-15, on or before the deadline 2026-12-31: "
        "the contract ends on 2027-03-31"
    )
    assert [(r.on, r.explanation[0]) for r in result.renewals] == [
        (
            date(2027, 1, 1),
            "Renewed on 2027-01-01: no notice of non-renewal was recorded by the deadline "
            "2026-10-02",
        ),
        (date(2027, 2, 1), "Renews on 2027-02-01: the notice deadline 2026-11-02 has passed"),
        (date(2027, 3, 1), "Renews on 2027-03-01: the notice deadline 2026-11-30 has passed"),
    ]


def test_monthly_renewals_list_each_renewal_with_the_deadline_that_decides_it() -> None:
    result = key_dates(monthly_automatic(), date(2026, 6, 1))
    assert [(r.on, r.explanation[0]) for r in result.renewals] == [
        (
            date(2027, month, 1),
            f"Renews on 2027-{month:02d}-01 unless notice of non-renewal is given by {deadline}",
        )
        for month, deadline in [
            (1, "2026-10-02"),
            (2, "2026-11-02"),
            (3, "2026-11-30"),
            (4, "2026-12-31"),
            (5, "2027-01-29"),
            (6, "2027-03-02"),
        ]
    ]


# -- properties --------------------------------------------------------------------------------


NOTICE_CAPS = {NoticeUnit.MONTHS: 36, NoticeUnit.CALENDAR_DAYS: 800, NoticeUnit.BUSINESS_DAYS: 500}
"""The longest notice generated in each unit (it must also be shorter than the initial term)."""


@st.composite
def valid_terms(draw: st.DrawFn, long_notice: bool = False) -> KeyDateTerms:
    """Random terms that pass validation (invalid combinations are discarded).

    Notice periods range up to the length of the initial term, so they are often longer than
    the renewal term ("month to month on 60 days' notice"); `long_notice` insists on that.
    """
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)))
    kinds = [kind for kind in RenewalKind if kind is not RenewalKind.NONE or not long_notice]
    kind = draw(st.sampled_from(kinds))
    renewal_months = draw(st.integers(min_value=1, max_value=3) | st.integers(1, 36))
    unit = draw(st.sampled_from(NoticeUnit))
    # Amounts that reach back past the start of a renewal term: a month has at most 31 days
    # and at most 23 business days.
    past_renewal = {
        NoticeUnit.MONTHS: renewal_months + 1,  # n months can clamp to just inside the period
        NoticeUnit.CALENDAR_DAYS: 31 * renewal_months + 1,
        NoticeUnit.BUSINESS_DAYS: 23 * renewal_months + 1,
    }[unit]
    lowest = past_renewal if long_notice else 0
    if draw(st.booleans()):
        shortest = lowest // 20 + 2 if long_notice else 1  # keep room for the notice
        end_on, term_months = None, draw(st.integers(min_value=shortest, max_value=60))
        initial_days = (term_end(start, term_months, EndConvention.ANNIVERSARY).on - start).days
    else:
        shortest = 31 * (lowest // 20 + 2) if long_notice else 0
        days = draw(st.integers(min_value=shortest, max_value=1800))
        end_on, term_months = start + timedelta(days=days), None
        initial_days = days + 1
    # What fits in the initial term, roughly; validation discards the few that do not.
    fits = {
        NoticeUnit.MONTHS: initial_days // 28,
        NoticeUnit.CALENDAR_DAYS: initial_days,
        NoticeUnit.BUSINESS_DAYS: initial_days * 5 // 7 + 2,
    }[unit]
    highest = min(fits, NOTICE_CAPS[unit])
    assume(lowest <= highest)
    notice = NoticePeriod(
        draw(st.integers(min_value=lowest, max_value=highest)),
        unit,
        draw(st.sampled_from(NoticeParty)),
    )
    try:
        return KeyDateTerms(
            start_on=start,
            end_on=end_on,
            term_months=term_months,
            end_convention=draw(st.sampled_from(EndConvention)),
            renewal_kind=kind,
            renewal_term_months=renewal_months,
            max_renewals=draw(st.none() | st.integers(min_value=0, max_value=5)),
            notice=notice if kind is not RenewalKind.NONE or draw(st.booleans()) else None,
            calendar=draw(st.sampled_from([GB, WEEKENDS_ONLY])),
            non_business_day_rule=draw(st.sampled_from(NonBusinessDayRule)),
        )
    except ValueError:
        assume(False)
        raise  # pragma: no cover - assume(False) never returns


@st.composite
def events_for(draw: st.DrawFn, terms: KeyDateTerms) -> ContractEvents:
    """Random recorded events that fit `terms`."""
    around = st.dates(
        min_value=terms.start_on - timedelta(days=400),
        max_value=terms.start_on + timedelta(days=4000),
    )
    most = terms.max_renewals if terms.max_renewals is not None else 6
    return ContractEvents(
        terminated_on=draw(st.none() | around),
        notice_given_on=draw(st.none() | around),
        renewals_exercised=(
            draw(st.integers(min_value=0, max_value=most))
            if terms.renewal_kind is RenewalKind.OPTIONAL
            else 0
        ),
        is_draft=draw(st.booleans()),
    )


@st.composite
def scenarios(
    draw: st.DrawFn, long_notice: bool = False
) -> tuple[KeyDateTerms, date, ContractEvents]:
    """Terms, an as-of date and events."""
    terms = draw(valid_terms(long_notice=long_notice))
    as_of = draw(
        st.dates(
            min_value=terms.start_on - timedelta(days=800),
            max_value=terms.start_on + timedelta(days=5000),
        )
    )
    return terms, as_of, draw(events_for(terms))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), window=st.integers(min_value=0, max_value=200))
def test_key_dates_never_raises_and_the_next_action_is_never_in_the_past(
    scenario: tuple[KeyDateTerms, date, ContractEvents], window: int
) -> None:
    terms, as_of, events = scenario
    result = key_dates(terms, as_of, events, expiring_within_days=window)
    assert_consistent(result, terms, as_of, events)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(long_notice=True), window=st.integers(min_value=0, max_value=200))
def test_notice_longer_than_the_renewal_term_never_breaks_the_key_dates(
    scenario: tuple[KeyDateTerms, date, ContractEvents], window: int
) -> None:
    terms, as_of, events = scenario
    assert terms.notice is not None
    assert terms.renewal_term_months is not None
    # The notice reaches back past the start of every renewal term.
    reach = notice_deadline(period_end(terms, 1), terms.notice, terms.calendar, UNADJUSTED).on
    assert reach <= period_end(terms, 0)
    result = key_dates(terms, as_of, events, expiring_within_days=window)
    assert_consistent(result, terms, as_of, events)


def assert_consistent(
    result: KeyDates, terms: KeyDateTerms, as_of: date, events: ContractEvents
) -> None:
    """Invariants every answer must satisfy."""
    assert result.as_of == as_of
    assert result.status_explanation
    if result.next_action is not None:
        assert result.next_action.on >= as_of
    if result.notice_deadline is not None:
        assert result.notice_deadline.on >= as_of
    status = result.status
    if events.is_draft:
        assert status is Status.DRAFT
    else:
        assert status is not Status.DRAFT
    if status is Status.TERMINATED:
        assert events.terminated_on is not None
        assert events.terminated_on <= as_of
    if status is Status.NOT_STARTED:
        assert as_of < terms.start_on
    if status is Status.EXPIRED:
        assert result.final_end is not None
        assert result.final_end.on < as_of
    if status in (Status.ACTIVE, Status.RENEWED, Status.EXPIRING):
        assert result.current_term_start is not None
        assert result.current_term_end is not None
        assert result.current_term_start <= as_of <= result.current_term_end.on
    if status is Status.RENEWED:
        assert terms.renewal_kind in (RenewalKind.AUTOMATIC, RenewalKind.OPTIONAL)
    starts = [renewal.on for renewal in result.renewals]
    assert starts == sorted(set(starts))
    if terms.renewal_kind is RenewalKind.NONE:
        assert starts == []
    elif terms.renewal_kind is not RenewalKind.EVERGREEN and terms.max_renewals is not None:
        assert len(starts) <= terms.max_renewals
    else:
        assert len(starts) <= MAX_LISTED_RENEWALS
    for item in result.all_dates():
        assert item.explanation
    assert [d.on for d in result.all_dates()] == sorted(d.on for d in result.all_dates())
    if terms.notice is not None and terms.renews:
        assert_deadlines_follow_the_rule(result, terms, as_of, events)


def period_end(terms: KeyDateTerms, index: int) -> date:
    """The last day of term `index` (0: initial), counted independently of the engine."""
    convention = terms.end_convention
    if index == 0:
        if terms.end_on is not None:
            return terms.end_on
        assert terms.term_months is not None
        return term_end(terms.start_on, terms.term_months, convention).on
    assert terms.renewal_term_months is not None
    months = index * terms.renewal_term_months
    if terms.term_months is not None:
        return term_end(terms.start_on, terms.term_months + months, convention).on
    assert terms.end_on is not None
    anniversary = convention is EndConvention.ANNIVERSARY
    anchor = terms.end_on if anniversary else terms.end_on + timedelta(days=1)
    return term_end(anchor, months, convention).on


def period_deadline(terms: KeyDateTerms, index: int) -> date:
    """The notice deadline for the end of term `index`, straight from `notice_deadline`."""
    assert terms.notice is not None
    end = period_end(terms, index)
    return notice_deadline(end, terms.notice, terms.calendar, terms.non_business_day_rule).on


def first_reachable(terms: KeyDateTerms, day: date, limit: int | None) -> int | None:
    """The earliest term below `limit` whose end's notice deadline is on or after `day`."""
    index = 0
    while limit is None or index < limit:
        # A term that ends before `day` cannot have a deadline on or after it: skip it cheaply.
        if period_end(terms, index) >= day and period_deadline(terms, index) >= day:
            return index
        index += 1
    return None


def assert_deadlines_follow_the_rule(
    result: KeyDates, terms: KeyDateTerms, as_of: date, events: ContractEvents
) -> None:
    """The reported deadline, the notice's effect and the renewals match the notice rule."""
    kind = terms.renewal_kind
    cap = terms.max_renewals if kind is RenewalKind.AUTOMATIC else None
    reported = result.notice_deadline
    if reported is not None:
        # The deadline belongs to a period end on or after it: never after its period's end.
        end_text = reported.explanation[1][:10]
        period = date.fromisoformat(end_text)
        assert reported.on <= period
        index = 0
        while period_end(terms, index) < period:
            index += 1
        assert period_end(terms, index) == period
        period_start = terms.start_on if index == 0 else period_end(terms, index - 1) + ONE_DAY
        if reported.on < period_start:  # falls in an earlier period: says whose deadline it is
            assert f"notice for the period ending {end_text}" in reported.explanation[-1]
    optional = kind is RenewalKind.OPTIONAL
    if not optional and events.terminated_on is None and events.notice_given_on is None:
        # The next deadline is that of the earliest period end whose deadline is still ahead.
        expected = first_reachable(terms, as_of, cap)
        expected_on = None if expected is None else period_deadline(terms, expected)
        assert on(reported) == expected_on
        if expected is not None:
            assert reported is not None
            assert reported.explanation[1].startswith(period_end(terms, expected).isoformat())
    given = events.notice_given_on
    if not optional and events.terminated_on is None and given is not None:
        # Notice given on G ends the contract at the earliest period end with deadline >= G.
        ends = first_reachable(terms, given, cap)
        last = cap if ends is None else ends
        assert on(result.final_end) == (None if last is None else period_end(terms, last))
    for renewal in result.renewals:
        # Each renewal starts the day after the previous term and names the deadline of that
        # term's end, which is what decides whether it happens.
        index = int(renewal.label.split(" start")[0].split()[-1])
        assert renewal.on == period_end(terms, index - 1) + ONE_DAY
        if not renewal.explanation[0].startswith("Option exercised"):
            assert period_deadline(terms, index - 1).isoformat() in renewal.explanation[0]
