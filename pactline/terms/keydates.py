"""From a terms document to the engine's key-date rules, with the holiday calendar it names."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pactline.engine.calendars import WEEKENDS_ONLY, HolidayCalendar
from pactline.engine.dates import (
    ContractEvents,
    EndConvention,
    KeyDates,
    KeyDateTerms,
    NonBusinessDayRule,
    NoticeParty,
    NoticePeriod,
    NoticeUnit,
    RenewalKind,
    key_dates,
)
from pactline.terms.calendars import holiday_names
from pactline.terms.schema import Calendar, TermsDocument

# Holidays are loaded for this many years past the later of the term end and the as-of date,
# which covers every deadline an unlimited renewal chain lists.
_YEARS_AHEAD = 12


@lru_cache(maxsize=256)
def holiday_calendar(
    country: str, subdivision: str | None, first_year: int, last_year: int
) -> HolidayCalendar:
    """The engine's calendar for a country (and subdivision) over a span of years."""
    name = f"{country}-{subdivision}" if subdivision else country
    names = holiday_names(country, subdivision, range(first_year, last_year + 1))
    return HolidayCalendar(name=name, holidays=names)


def calendar_for(calendar: Calendar | None, first_year: int, last_year: int) -> HolidayCalendar:
    """The holiday calendar a terms document names, or weekends only when it names none."""
    if calendar is None:
        return WEEKENDS_ONLY
    return holiday_calendar(calendar.country, calendar.subdivision, first_year, last_year)


def key_date_terms(doc: TermsDocument, *, as_of: date | None = None) -> KeyDateTerms:
    """The engine's view of a document's term, renewal and calendar sections."""
    term, renewal = doc.term, doc.renewal
    last_year = max(term.end_date.year, (as_of or term.end_date).year) + _YEARS_AHEAD
    notice = None
    if renewal.notice is not None:
        notice = NoticePeriod(
            amount=renewal.notice.period,
            unit=NoticeUnit(renewal.notice.unit.value),
            given_by=NoticeParty(renewal.notice.given_by.value),
        )
    return KeyDateTerms(
        start_on=term.start_on,
        end_on=term.end_on,
        term_months=term.months,
        end_convention=EndConvention(term.end_convention.value),
        renewal_kind=RenewalKind(renewal.kind.value),
        renewal_term_months=renewal.term_months,
        max_renewals=renewal.max_renewals,
        notice=notice,
        calendar=calendar_for(doc.calendar, term.start_on.year - 1, min(last_year, 9998)),
        non_business_day_rule=NonBusinessDayRule(
            doc.calendar.non_business_day.value if doc.calendar else "preceding"
        ),
    )


def document_key_dates(
    doc: TermsDocument,
    as_of: date,
    events: ContractEvents | None = None,
    *,
    expiring_within_days: int = 90,
) -> KeyDates:
    """The key dates a terms document gives as of a date, each with its derivation."""
    return key_dates(
        key_date_terms(doc, as_of=as_of),
        as_of,
        events or ContractEvents(),
        expiring_within_days=expiring_within_days,
    )
