"""Key contract dates: term ends, notice deadlines, renewals and status, with their arithmetic.

Decisions worth knowing (each is also spelt out in the explanations):

* Every term end is counted in whole months from one anchor (the start date, or the stated
  initial end), never from the previous clamped end, so month-end contracts do not drift.
* A notice counts against the first deadline on or after the day it was given; notice given
  after a term's deadline therefore ends the following term.
* The notice period must be shorter than the initial term, but may be longer than a renewal
  term ("month to month until 60 days' notice"). The deadline for a period end is then simply
  that end minus the notice, and may fall before the period starts, inside an earlier one.
  Notice given on day G ends the contract at the earliest period end whose deadline is on or
  after G, and the deadline reported on `as_of` is that of the earliest period end whose
  deadline is on or after `as_of` (possibly a few periods ahead). Its explanation then names
  the period it is for and the earlier period it falls in.
* With the `following` rule a deadline never moves past the end of its own term; it falls
  back to the preceding business day instead.
* `terminated_on` is the first day the contract is no longer in force. A termination dated
  after the contract had already expired changes nothing.
* Status precedence: draft, terminated, not started, expired, expiring, renewed, active.
  "Expiring" beats "renewed" because it is the one that needs attention.
* The next action is the earliest of the next notice deadline and a certain end date
  (expiry or termination) on or after `as_of`; an end that is only possible (an option
  could still extend it) is not an action.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from pactline.engine.calendars import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    WEEKENDS_ONLY,
    HolidayCalendar,
    add_months,
)

__all__ = [
    "MAX_LISTED_RENEWALS",
    "ContractEvents",
    "ContractStatus",
    "DerivedDate",
    "EndConvention",
    "KeyDateTerms",
    "KeyDates",
    "NonBusinessDayRule",
    "NoticeParty",
    "NoticePeriod",
    "NoticeUnit",
    "RenewalKind",
    "key_dates",
    "notice_deadline",
    "term_end",
]

MAX_LISTED_RENEWALS = 10
"""How many upcoming renewals `key_dates` lists when the renewal chain has no end."""

_ONE_DAY = timedelta(days=1)


class RenewalKind(StrEnum):
    """What happens when a term ends."""

    NONE = "none"
    AUTOMATIC = "automatic"
    EVERGREEN = "evergreen"
    OPTIONAL = "optional"


class NoticeUnit(StrEnum):
    """The unit a notice period is counted in."""

    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"
    MONTHS = "months"


class NonBusinessDayRule(StrEnum):
    """Where a deadline goes when it lands on a weekend day or public holiday."""

    PRECEDING = "preceding"
    FOLLOWING = "following"
    UNADJUSTED = "unadjusted"


class EndConvention(StrEnum):
    """Whether an N-month term ends the day before its anniversary or on it."""

    DAY_BEFORE_ANNIVERSARY = "day_before_anniversary"
    ANNIVERSARY = "anniversary"


class NoticeParty(StrEnum):
    """Who may give the notice."""

    EITHER = "either"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class ContractStatus(StrEnum):
    """Where a contract stands on a given date.

    NOT_STARTED is used for a signed contract whose start date is still ahead: calling it
    "active" would tell people its obligations already apply, and "draft" would suggest it is
    unsigned. Its dates (first term, first notice deadline) are reported as usual.
    """

    DRAFT = "draft"
    NOT_STARTED = "not_started"
    ACTIVE = "active"
    EXPIRING = "expiring"
    RENEWED = "renewed"
    TERMINATED = "terminated"
    EXPIRED = "expired"


@dataclass(frozen=True)
class NoticePeriod:
    """How much notice must be given before a term ends, and by whom."""

    amount: int
    unit: NoticeUnit
    given_by: NoticeParty = NoticeParty.EITHER

    def __post_init__(self) -> None:
        # Accept the plain strings the terms schema stores ("months") as well as the enums.
        object.__setattr__(self, "unit", NoticeUnit(self.unit))
        object.__setattr__(self, "given_by", NoticeParty(self.given_by))
        if self.amount < 0:
            raise ValueError(f"a notice period cannot be negative (got {self.amount})")

    def describe(self) -> str:
        """The period in words, e.g. "90 calendar days"."""
        return _amount_text(self.amount, self.unit)


@dataclass(frozen=True)
class KeyDateTerms:
    """The date-related terms of a contract: start, term, renewal and notice clauses."""

    start_on: date
    end_on: date | None = None
    term_months: int | None = None
    end_convention: EndConvention = EndConvention.DAY_BEFORE_ANNIVERSARY
    renewal_kind: RenewalKind = RenewalKind.NONE
    renewal_term_months: int | None = None
    max_renewals: int | None = None
    notice: NoticePeriod | None = None
    calendar: HolidayCalendar = WEEKENDS_ONLY
    non_business_day_rule: NonBusinessDayRule = NonBusinessDayRule.PRECEDING

    def __post_init__(self) -> None:
        object.__setattr__(self, "end_convention", EndConvention(self.end_convention))
        object.__setattr__(self, "renewal_kind", RenewalKind(self.renewal_kind))
        object.__setattr__(
            self, "non_business_day_rule", NonBusinessDayRule(self.non_business_day_rule)
        )
        _validate_terms(self)

    @property
    def renews(self) -> bool:
        """Whether the contract has any renewal clause at all."""
        return self.renewal_kind is not RenewalKind.NONE


@dataclass(frozen=True)
class ContractEvents:
    """Facts recorded against a contract that change its dates: notice, options, termination."""

    terminated_on: date | None = None
    notice_given_on: date | None = None
    renewals_exercised: int = 0
    is_draft: bool = False

    def __post_init__(self) -> None:
        if self.renewals_exercised < 0:
            raise ValueError("renewals_exercised cannot be negative")


@dataclass(frozen=True)
class DerivedDate:
    """A date worked out from the terms, with the steps that produced it."""

    kind: str
    label: str
    on: date
    explanation: tuple[str, ...]


@dataclass(frozen=True)
class KeyDates:
    """Everything date-related about a contract as of one day, each date explained."""

    as_of: date
    status: ContractStatus
    status_explanation: tuple[str, ...]
    initial_term_end: DerivedDate
    current_term_start: date | None
    current_term_end: DerivedDate | None
    notice_deadline: DerivedDate | None
    next_action: DerivedDate | None
    renewals: tuple[DerivedDate, ...]
    final_end: DerivedDate | None

    def all_dates(self) -> tuple[DerivedDate, ...]:
        """Every distinct derived date in date order, for calendar feeds."""
        # next_action is always a copy of one of the others under another label, so it is
        # left out rather than putting the same deadline in a calendar twice.
        candidates = [
            self.initial_term_end,
            self.current_term_end,
            self.notice_deadline,
            *self.renewals,
            self.final_end,
        ]
        seen: set[tuple[str, date]] = set()
        unique: list[DerivedDate] = []
        for item in candidates:
            if item is None or (item.kind, item.on) in seen:
                continue
            seen.add((item.kind, item.on))
            unique.append(item)
        return tuple(sorted(unique, key=lambda item: item.on))


# --------------------------------------------------------------------------------------------
# Term ends and notice deadlines
# --------------------------------------------------------------------------------------------


def term_end(start_on: date, months: int, convention: EndConvention) -> DerivedDate:
    """The last day of a term of `months` months starting on `start_on`."""
    if months < 1:
        raise ValueError(f"a term must be at least one month long (got {months})")
    on, steps = _end_from_anchor(start_on, months, EndConvention(convention))
    return DerivedDate(kind="term_end", label="Term end", on=on, explanation=steps)


def notice_deadline(
    term_end_on: date,
    notice: NoticePeriod,
    calendar: HolidayCalendar,
    rule: NonBusinessDayRule,
) -> DerivedDate:
    """The last day notice can be given for a term ending on `term_end_on`."""
    raw, steps = _unadjusted_notice_date(term_end_on, notice, calendar)
    rule = NonBusinessDayRule(rule)
    if calendar.is_business_day(raw):
        steps[0] = f"{steps[0]}; {calendar.describe(raw)}"
        on = raw
    elif rule is NonBusinessDayRule.UNADJUSTED:
        steps.append(
            f"{_why_not_business(raw, calendar)}; left unadjusted: the contract does not move "
            "notice deadlines off non-business days"
        )
        on = raw
    else:
        on, shift = _shift_off_non_business_day(raw, term_end_on, calendar, rule)
        steps.append(shift)
    return DerivedDate(
        kind="notice_deadline", label="Notice deadline", on=on, explanation=tuple(steps)
    )


def _end_from_anchor(
    anchor: date, months: int, convention: EndConvention
) -> tuple[date, tuple[str, ...]]:
    """The end of a run of `months` months from `anchor`, and how it was worked out."""
    anniversary = add_months(anchor, months)
    sum_line = (
        f"{anchor.isoformat()} plus {_plural(months, 'month')} = {anniversary.isoformat()}"
        f"{_clamp_note(anchor, anniversary)}"
    )
    if convention is EndConvention.ANNIVERSARY:
        return anniversary, (
            sum_line,
            f"The term ends on the anniversary itself: {anniversary.isoformat()}",
        )
    # Trap: with clamping, "the day before the anniversary" of a 31 January start for one month
    # is 27 February (anniversary clamped to 28 February, minus one day), and the next term
    # starts on 28 February. That is the contract rule taken literally; the explanation says so.
    end = anniversary - _ONE_DAY
    return end, (
        f"{sum_line}, the anniversary",
        f"The term ends the day before the anniversary: {anniversary.isoformat()} minus 1 day "
        f"= {end.isoformat()}",
    )


def _unadjusted_notice_date(
    term_end_on: date, notice: NoticePeriod, calendar: HolidayCalendar
) -> tuple[date, list[str]]:
    """The notice date before any non-business-day shift, with its arithmetic."""
    period = notice.describe()
    if notice.unit is NoticeUnit.MONTHS:
        # Trap: month subtraction clamps too: 2027-03-31 minus 1 month is 2027-02-28.
        raw = add_months(term_end_on, -notice.amount)
        line = (
            f"{term_end_on.isoformat()} minus {period} = {raw.isoformat()}"
            f"{_clamp_note(term_end_on, raw)}"
        )
        return raw, [line]
    if notice.unit is NoticeUnit.CALENDAR_DAYS:
        raw = term_end_on - timedelta(days=notice.amount)
        return raw, [f"{term_end_on.isoformat()} minus {period} = {raw.isoformat()}"]
    # Business days are counted backwards from the term end; the end date itself is not
    # counted, so the result is always a business day (unless the period is zero).
    raw = calendar.add_business_days(term_end_on, -notice.amount)
    steps = [f"{term_end_on.isoformat()} minus {period} {calendar.where()} = {raw.isoformat()}"]
    if notice.amount > 0:
        steps.append(_business_day_count_note(raw, term_end_on, calendar))
    return raw, steps


def _business_day_count_note(first: date, term_end_on: date, calendar: HolidayCalendar) -> str:
    """Which days a backwards business-day count passed over, so the count can be checked."""
    weekend_days = 0
    day = first + _ONE_DAY
    while day < term_end_on:
        if day.weekday() in calendar.weekend:
            weekend_days += 1
        day += _ONE_DAY
    skipped = calendar.holidays_between(first + _ONE_DAY, term_end_on - _ONE_DAY)
    note = (
        f"Counted back business days only from {term_end_on.isoformat()} (the end date itself "
        f"is not counted), passing over {_plural(weekend_days, 'weekend day')}"
    )
    if skipped:
        listed = ", ".join(f"{day.isoformat()} {name}" for day, name in skipped)
        return f"{note} and {_plural(len(skipped), 'public holiday')}: {listed}"
    return f"{note} and no public holidays"


def _shift_off_non_business_day(
    raw: date, term_end_on: date, calendar: HolidayCalendar, rule: NonBusinessDayRule
) -> tuple[date, str]:
    """Move a deadline off a non-business day as the contract's rule says, and say why."""
    direction = "preceding"
    adjusted = calendar.previous_business_day(raw)
    fallback_note = ""
    if rule is NonBusinessDayRule.FOLLOWING:
        following = calendar.next_business_day(raw)
        if following <= term_end_on:
            direction, adjusted = "following", following
        else:
            # Trap: rolling forward can carry a deadline past the end of the term it belongs
            # to, when notice would be meaningless. Fall back to the preceding business day.
            fallback_note = (
                f" (the following business day {following.isoformat()} is after the term end "
                f"{term_end_on.isoformat()}, so the deadline moves back instead)"
            )
    passed_over = [
        day
        for day in _days_between(raw, adjusted)
        if day not in (raw, adjusted) and not calendar.is_business_day(day)
    ]
    note = (
        f"{_why_not_business(raw, calendar)}; moved to the {direction} business day "
        f"{adjusted.isoformat()} ({WEEKDAY_NAMES[adjusted.weekday()]}){fallback_note}"
    )
    if passed_over:
        listed = ", ".join(f"{day.isoformat()} ({_day_name(day, calendar)})" for day in passed_over)
        note = f"{note}, passing over {listed}"
    return adjusted, note


def _days_between(first: date, second: date) -> list[date]:
    """All days from the earlier of two dates to the later, both included, in date order."""
    low, high = min(first, second), max(first, second)
    return [low + timedelta(days=offset) for offset in range((high - low).days + 1)]


def _why_not_business(day: date, calendar: HolidayCalendar) -> str:
    """A sentence saying why `day` is not a business day."""
    if day in calendar.holidays:
        return f"{day.isoformat()} is {calendar.classify(day)}"
    return f"{day.isoformat()} is a {WEEKDAY_NAMES[day.weekday()]}, {calendar.classify(day)}"


def _day_name(day: date, calendar: HolidayCalendar) -> str:
    """The holiday name of `day` if it has one, else its weekday."""
    return calendar.holidays.get(day, WEEKDAY_NAMES[day.weekday()])


def _clamp_note(source: date, result: date) -> str:
    """Say so when month arithmetic had to clamp to the end of a shorter month."""
    if result.day == source.day:
        return ""
    month = f"{MONTH_NAMES[result.month - 1]} {result.year}"
    return f" (clamped to the month end: {month} has no day {source.day})"


def _plural(count: int, noun: str) -> str:
    """ "1 month", "3 months"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _amount_text(amount: int, unit: NoticeUnit) -> str:
    """A notice period in words."""
    nouns = {
        NoticeUnit.CALENDAR_DAYS: "calendar day",
        NoticeUnit.BUSINESS_DAYS: "business day",
        NoticeUnit.MONTHS: "month",
    }
    return _plural(amount, nouns[unit])


def _party_text(party: NoticeParty) -> str:
    """Who gives notice, in words."""
    return {
        NoticeParty.EITHER: "either party",
        NoticeParty.CUSTOMER: "the customer",
        NoticeParty.SUPPLIER: "the supplier",
    }[party]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _validate_terms(terms: KeyDateTerms) -> None:
    """Reject terms that cannot describe a real contract, with a message saying what to fix."""
    if (terms.end_on is None) == (terms.term_months is None):
        raise ValueError("give exactly one of end_on or term_months for the initial term")
    if terms.term_months is not None and terms.term_months < 1:
        raise ValueError(f"term_months must be at least 1 (got {terms.term_months})")
    if terms.end_on is not None and terms.end_on < terms.start_on:
        raise ValueError(
            f"the end date {terms.end_on.isoformat()} is before the start date "
            f"{terms.start_on.isoformat()}"
        )
    if terms.renews:
        kind = terms.renewal_kind.value
        if terms.renewal_term_months is None:
            raise ValueError(f"renewal kind '{kind}' needs renewal_term_months")
        if terms.renewal_term_months < 1:
            raise ValueError(
                f"renewal_term_months must be at least 1 (got {terms.renewal_term_months})"
            )
        if terms.notice is None:
            raise ValueError(f"renewal kind '{kind}' needs a notice period")
    if terms.max_renewals is not None and terms.max_renewals < 0:
        raise ValueError(f"max_renewals cannot be negative (got {terms.max_renewals})")
    if terms.notice is None:
        return
    # Only the initial term bounds the notice period: a deadline before the contract starts
    # is nonsense. A notice period longer than a renewal term is a real clause ("month to
    # month until 60 days' notice"); its deadlines simply fall in an earlier period.
    initial = _Schedule(terms).term(0)
    raw, _ = _unadjusted_notice_date(initial.end.on, terms.notice, terms.calendar)
    if raw < initial.start:
        raise ValueError(
            f"the notice period ({terms.notice.describe()}) is not shorter than the initial term "
            f"({initial.start.isoformat()} to {initial.end.on.isoformat()})"
        )


# --------------------------------------------------------------------------------------------
# The chain of terms
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One term in the chain: 0 is the initial term, k is the k-th renewal."""

    index: int
    start: date
    end: DerivedDate


class _Schedule:
    """The terms of a contract, computed on demand and cached, each counted from a fixed anchor."""

    def __init__(self, terms: KeyDateTerms) -> None:
        self.terms = terms
        self._terms: dict[int, _Term] = {}
        self._deadlines: dict[int, DerivedDate] = {}

    @property
    def renewal_months(self) -> int:
        """The length of a renewal term in months."""
        if self.terms.renewal_term_months is None:  # pragma: no cover - validation forbids it
            raise ValueError("these terms have no renewal term")
        return self.terms.renewal_term_months

    @property
    def evergreen(self) -> bool:
        """Whether renewals are the rolling periods of an evergreen contract."""
        return self.terms.renewal_kind is RenewalKind.EVERGREEN

    def term_name(self, index: int) -> str:
        """How a term is named in sentences."""
        if index == 0:
            return "the initial term"
        return f"renewal period {index}" if self.evergreen else f"renewal term {index}"

    def term(self, index: int) -> _Term:
        """Term `index` of the chain, whether or not it will actually happen."""
        cached = self._terms.get(index)
        if cached is not None:
            return cached
        if index == 0:
            result = _Term(0, self.terms.start_on, self._initial_end())
        else:
            previous_end = self._end_date(index - 1)
            start = previous_end + _ONE_DAY
            end_on, steps = self._renewal_end(index)
            name = self.term_name(index)
            label = f"Renewal period {index} end" if self.evergreen else f"Renewal {index} end"
            explanation = (
                f"{name.capitalize()} runs from {start.isoformat()}, the day after the previous "
                f"term ends ({previous_end.isoformat()})",
                *steps,
            )
            result = _Term(index, start, DerivedDate("term_end", label, end_on, explanation))
        self._terms[index] = result
        return result

    def deadline(self, index: int) -> DerivedDate:
        """The notice deadline that decides what happens at the end of term `index`."""
        cached = self._deadlines.get(index)
        if cached is not None:
            return cached
        notice = self.terms.notice
        if notice is None:  # pragma: no cover - validation forbids it for renewing kinds
            raise ValueError("these terms have no notice period")
        term = self.term(index)
        base = notice_deadline(
            term.end.on, notice, self.terms.calendar, self.terms.non_business_day_rule
        )
        party = _party_text(notice.given_by)
        end_text = term.end.on.isoformat()
        kind = self.terms.renewal_kind
        if kind is RenewalKind.OPTIONAL:
            label = "Option exercise deadline (renewal)"
            context = (
                f"To extend beyond {end_text}, {party} must give notice exercising the renewal "
                f"option ({notice.describe()} before the end of {self.term_name(index)}) on or "
                "before this date"
            )
        elif kind is RenewalKind.EVERGREEN:
            label = "Notice deadline (termination)"
            context = (
                f"To end the contract on {end_text}, {party} must give notice of termination "
                f"({notice.describe()} before the end of {self.term_name(index)}) on or before "
                f"this date; otherwise it rolls on for another "
                f"{_plural(self.renewal_months, 'month')}"
            )
        else:
            label = "Notice deadline (non-renewal)"
            context = (
                f"To stop {self.term_name(index)} renewing on {end_text}, {party} must give "
                f"notice of non-renewal ({notice.describe()} before the end) on or before this "
                f"date; otherwise it renews for {_plural(self.renewal_months, 'month')}"
            )
        steps = [context, *base.explanation]
        if base.on < term.start:
            steps.append(self._early_deadline_note(term, base.on, notice))
        result = replace(base, label=label, explanation=tuple(steps))
        self._deadlines[index] = result
        return result

    def _early_deadline_note(self, term: _Term, deadline_on: date, notice: NoticePeriod) -> str:
        """Say why a deadline falls before the period it belongs to has even started."""
        name = self.term_name(term.index)
        span = f"{term.start.isoformat()} to {term.end.on.isoformat()}"
        if deadline_on < self.terms.start_on:  # only reachable by a preceding-day shift
            where = f"before the contract starts on {self.terms.start_on.isoformat()}"
        else:
            earlier = self.term(self.index_on(deadline_on))
            where = (
                f"in {self.term_name(earlier.index)} ({earlier.start.isoformat()} to "
                f"{earlier.end.on.isoformat()})"
            )
        return (
            f"The notice period ({notice.describe()}) is longer than {name} ({span}), so this "
            f"deadline (notice for the period ending {term.end.on.isoformat()}) falls before "
            f"that period starts, {where}"
        )

    def index_on(self, day: date) -> int:
        """The index of the term in force on `day` (0 for any day up to the initial term end)."""
        if day <= self._end_date(0):
            return 0
        anchor, offset = self._renewal_anchor()
        months_elapsed = (day.year - anchor.year) * 12 + (day.month - anchor.month)
        # An estimate from whole months elapsed, then corrected by at most a step or two.
        index = max(1, (months_elapsed - offset) // self.renewal_months)
        while index > 1 and day <= self._end_date(index - 1):
            index -= 1
        while day > self._end_date(index):
            index += 1
        return index

    def first_deadline_on_or_after(self, day: date, limit: int | None) -> int | None:
        """The first term below `limit` whose notice deadline is on or after `day`."""
        # A deadline is never after its own term's end, so no term that ended before `day`
        # can qualify and the search starts at the term in force on `day`. It cannot stop
        # there: with notice longer than a period, the next few periods' deadlines may
        # already have passed too (each falls before its period starts), so walk on until one
        # has not. Deadlines grow with the period ends, so the walk is short.
        index = 0 if day < self.terms.start_on else self.index_on(day)
        while limit is None or index < limit:
            if self.deadline(index).on >= day:
                return index
            index += 1
        return None

    def _initial_end(self) -> DerivedDate:
        """The end of the initial term, from the stated end date or the term length."""
        terms = self.terms
        if terms.end_on is not None:
            return DerivedDate(
                "term_end",
                "Initial term end",
                terms.end_on,
                (f"The contract states the initial term ends on {terms.end_on.isoformat()}",),
            )
        assert terms.term_months is not None  # guaranteed by validation
        derived = term_end(terms.start_on, terms.term_months, terms.end_convention)
        intro = (
            f"Initial term of {_plural(terms.term_months, 'month')} from "
            f"{terms.start_on.isoformat()}"
        )
        return replace(derived, label="Initial term end", explanation=(intro, *derived.explanation))

    def _renewal_anchor(self) -> tuple[date, int]:
        """The date renewal months are counted from, and the months already in it at renewal 0."""
        # Trap: counting each renewal from the previous (possibly clamped) end would drift:
        # 31 Jan -> 28 Feb -> 28 Mar ... Counting every term from one anchor keeps the 31st.
        terms = self.terms
        if terms.term_months is not None:
            return terms.start_on, terms.term_months
        assert terms.end_on is not None  # guaranteed by validation
        if terms.end_convention is EndConvention.ANNIVERSARY:
            return terms.end_on, 0
        return terms.end_on + _ONE_DAY, 0

    def _end_date(self, index: int) -> date:
        """The last day of term `index`, without building its explanation."""
        if index == 0:
            return self.term(0).end.on
        return self._renewal_end(index)[0]

    def _renewal_end(self, index: int) -> tuple[date, tuple[str, ...]]:
        """The end of renewal `index`, counted from the anchor, with its arithmetic."""
        anchor, offset = self._renewal_anchor()
        renewal = self.renewal_months
        months = offset + index * renewal
        on, steps = _end_from_anchor(anchor, months, self.terms.end_convention)
        if self.terms.term_months is not None:
            basis = (
                f"Months are counted from the original start {anchor.isoformat()}: "
                f"{_plural(offset, 'month')} initial term + {index} × {renewal}-month "
                f"renewal = {_plural(months, 'month')}"
            )
        else:
            basis = (
                f"Months are counted from {anchor.isoformat()} (the stated initial term end"
                f"{'' if self.terms.end_convention is EndConvention.ANNIVERSARY else ' + 1 day'}"
                f"): {index} × {renewal}-month renewal = {_plural(months, 'month')}"
            )
        return on, (basis, *steps)


# --------------------------------------------------------------------------------------------
# Key dates as of a day
# --------------------------------------------------------------------------------------------


def key_dates(
    terms: KeyDateTerms,
    as_of: date,
    events: ContractEvents = ContractEvents(),
    expiring_within_days: int = 90,
) -> KeyDates:
    """Where a contract stands on `as_of`: status, term, deadlines and renewals, all explained."""
    if expiring_within_days < 0:
        raise ValueError("expiring_within_days cannot be negative")
    if (
        terms.renewal_kind is RenewalKind.OPTIONAL
        and terms.max_renewals is not None
        and events.renewals_exercised > terms.max_renewals
    ):
        raise ValueError(
            f"{events.renewals_exercised} renewals recorded as exercised, but the contract allows "
            f"at most {terms.max_renewals}"
        )
    result = _Assessment(terms, as_of, events, expiring_within_days).key_dates()
    if not events.is_draft:
        return result
    return replace(
        result,
        status=ContractStatus.DRAFT,
        status_explanation=(
            "The contract is recorded as a draft (not signed yet), so nothing is in force",
            f"Once signed, on {as_of.isoformat()} it would be "
            f"{result.status.value.replace('_', ' ')}",
            *result.status_explanation,
        ),
    )


class _Assessment:
    """The reasoning behind `key_dates`, split into small steps that share the facts."""

    def __init__(
        self, terms: KeyDateTerms, as_of: date, events: ContractEvents, window: int
    ) -> None:
        self.terms = terms
        self.as_of = as_of
        self.events = events
        self.window = window
        self.schedule = _Schedule(terms)
        kind = terms.renewal_kind
        self.kind = kind
        # cap: how many renewals the terms allow at most (None = no limit).
        self.cap: int | None
        if kind is RenewalKind.NONE:
            self.cap = 0
        elif kind is RenewalKind.EVERGREEN:
            self.cap = None  # max_renewals is ignored: an evergreen contract rolls on
        else:
            self.cap = terms.max_renewals
        self.notice_index = self._notice_index()
        self.committed = events.renewals_exercised if kind is RenewalKind.OPTIONAL else 0
        self.option_open = self._option_open()
        self.default_last = self._default_last()
        self.possible_last = (
            (self.cap if self.option_open else self.committed)
            if kind is RenewalKind.OPTIONAL
            else self.default_last
        )
        self.termination = self._effective_termination()

    # -- the facts ----------------------------------------------------------------------------

    def _notice_index(self) -> int | None:
        """The term whose end the recorded notice stops (automatic and evergreen only)."""
        # A notice counts against the first deadline it meets: notice given after a term's
        # deadline cannot stop that term renewing, so it ends the following term instead.
        given = self.events.notice_given_on
        if given is None or self.kind not in (RenewalKind.AUTOMATIC, RenewalKind.EVERGREEN):
            return None
        return self.schedule.first_deadline_on_or_after(given, self.cap)

    def _option_open(self) -> bool:
        """Whether another optional renewal can still be exercised."""
        if self.kind is not RenewalKind.OPTIONAL:
            return False
        if self.cap is not None and self.committed >= self.cap:
            return False
        return self.schedule.deadline(self.committed).on >= self.as_of

    def _default_last(self) -> int | None:
        """The last term that happens if nobody does anything more (None: it never stops)."""
        if self.kind is RenewalKind.NONE:
            return 0
        if self.kind is RenewalKind.OPTIONAL:
            return self.committed
        bounds = [bound for bound in (self.cap, self.notice_index) if bound is not None]
        return min(bounds) if bounds else None

    def _effective_termination(self) -> date | None:
        """The recorded termination date, unless the contract had already ended by then."""
        ended_on = self._chain_end()
        terminated_on = self.events.terminated_on
        if terminated_on is None or (ended_on is not None and terminated_on > ended_on):
            return None
        return terminated_on

    def _chain_end(self) -> date | None:
        """The last day of the default chain of terms, if it ends."""
        if self.default_last is None:
            return None
        return self.schedule.term(self.default_last).end.on

    # -- the answer ---------------------------------------------------------------------------

    def key_dates(self) -> KeyDates:
        """Assemble the full answer for `as_of`."""
        initial = self.schedule.term(0).end
        if self.termination is not None and self.termination <= self.as_of:
            return self._ended(ContractStatus.TERMINATED, self._terminated_story(), initial)
        if self.as_of < self.terms.start_on:
            return self._in_force(0, initial)
        chain_end = self._chain_end()
        if chain_end is not None and self.as_of > chain_end:
            return self._ended(ContractStatus.EXPIRED, self._expired_story(), initial)
        return self._in_force(self.schedule.index_on(self.as_of), initial)

    def _ended(
        self, status: ContractStatus, story: tuple[str, ...], initial: DerivedDate
    ) -> KeyDates:
        """The answer once the contract is over: no current term, nothing left to do."""
        return KeyDates(
            as_of=self.as_of,
            status=status,
            status_explanation=story,
            initial_term_end=initial,
            current_term_start=None,
            current_term_end=None,
            notice_deadline=None,
            next_action=None,
            renewals=self._renewals(reference=None),
            final_end=self._final_end(),
        )

    def _in_force(self, index: int, initial: DerivedDate) -> KeyDates:
        """The answer while a term is in force (or the first one is still to start)."""
        term = self.schedule.term(index)
        cut_short = self.termination is not None and self.termination <= term.end.on
        current_end = self._termination_date() if cut_short else term.end
        follows = self._next_term_follows(index)
        status, story = self._status(index, current_end, follows)
        deadline = self._notice_deadline()
        final = self._final_end()
        return KeyDates(
            as_of=self.as_of,
            status=status,
            status_explanation=story,
            initial_term_end=initial,
            current_term_start=term.start,
            current_term_end=current_end,
            notice_deadline=deadline,
            next_action=self._next_action(deadline, final),
            renewals=self._renewals(reference=index),
            final_end=final,
        )

    def _next_term_follows(self, index: int) -> bool:
        """Whether another term starts after term `index` unless someone acts."""
        if self.default_last is not None and index >= self.default_last:
            return False
        if self.termination is None:
            return True
        return self.schedule.term(index + 1).start < self.termination

    def _status(
        self, index: int, current_end: DerivedDate, follows: bool
    ) -> tuple[ContractStatus, tuple[str, ...]]:
        """The status while in force, with the sentences that justify it."""
        term = self.schedule.term(index)
        span = f"{term.start.isoformat()} to {term.end.on.isoformat()}"
        outlook = self._outlook(index)
        if self.as_of < self.terms.start_on:
            return ContractStatus.NOT_STARTED, (
                f"The contract starts on {self.terms.start_on.isoformat()}, after "
                f"{self.as_of.isoformat()}: it is signed but not yet in force",
                f"Its initial term runs from {span}",
                outlook,
            )
        where = f"{self.as_of.isoformat()} falls in {self.schedule.term_name(index)} ({span})"
        days_left = (current_end.on - self.as_of).days
        if not follows and days_left <= self.window:
            ending = (
                f"Termination takes effect on {current_end.on.isoformat()}"
                if current_end.kind == "termination"
                else f"The term in force ends on {current_end.on.isoformat()}"
            )
            return ContractStatus.EXPIRING, (
                where,
                f"{ending}, {_plural(days_left, 'day')} after {self.as_of.isoformat()} "
                f"(within the {self.window}-day window), and nothing follows it",
                outlook,
            )
        if index >= 1 and self.kind is RenewalKind.EVERGREEN:
            return ContractStatus.ACTIVE, (
                f"{where}: past its initial term, the contract rolls on period by period",
                outlook,
            )
        if index >= 1:
            return ContractStatus.RENEWED, (where, outlook)
        return ContractStatus.ACTIVE, (where, outlook)

    def _outlook(self, index: int) -> str:
        """What happens at the end of term `index`, in one sentence."""
        schedule = self.schedule
        term = schedule.term(index)
        end_text = term.end.on.isoformat()
        if self.termination is not None and self.termination <= term.end.on + _ONE_DAY:
            return (
                f"Termination is recorded as effective on {self.termination.isoformat()}: "
                "nothing follows"
            )
        if self.kind is RenewalKind.NONE:
            return f"Renewal kind is none: the contract expires at the end of {end_text}"
        next_start = (term.end.on + _ONE_DAY).isoformat()
        if self.kind is RenewalKind.OPTIONAL:
            return self._option_outlook(index, end_text, next_start)
        if self.cap is not None and index >= self.cap:
            if self.cap == 0:
                return f"The contract allows no renewals: it expires on {end_text}"
            return (
                f"This is the last of the {_plural(self.cap, 'permitted renewal')}: the contract "
                f"expires on {end_text}"
            )
        deadline = schedule.deadline(index).on.isoformat()
        given = self.events.notice_given_on
        noun = "termination" if self.kind is RenewalKind.EVERGREEN else "non-renewal"
        if self.notice_index is not None and given is not None:
            if self.notice_index == index:
                return (
                    f"Notice of {noun} was given on {given.isoformat()}, on or before the "
                    f"deadline {deadline}: the contract ends on {end_text}"
                )
            if self.notice_index > index and given > schedule.deadline(index).on:
                later_end = schedule.term(self.notice_index).end.on.isoformat()
                return (
                    f"Notice of {noun} given on {given.isoformat()} came after this term's "
                    f"deadline {deadline}, so the contract continues on {next_start} and ends "
                    f"on {later_end}"
                )
        if self.kind is RenewalKind.EVERGREEN:
            action = f"rolls on for another {_plural(schedule.renewal_months, 'month')}"
        else:
            action = f"renews automatically for {_plural(schedule.renewal_months, 'month')}"
        if schedule.deadline(index).on < self.as_of:
            passed = (
                f"The notice deadline {deadline} has passed: the contract {action} on {next_start}"
            )
            # With notice longer than a period, the next end or two may be out of reach too:
            # say which end notice given now would still reach.
            reachable = schedule.first_deadline_on_or_after(self.as_of, self.cap)
            if reachable is None:
                return passed
            return (
                f"{passed}; the earliest end notice can still reach is "
                f"{schedule.term(reachable).end.on.isoformat()}, with notice of {noun} by "
                f"{schedule.deadline(reachable).on.isoformat()}"
            )
        return (
            f"The contract {action} on {next_start} unless notice of {noun} is given by {deadline}"
        )

    def _option_outlook(self, index: int, end_text: str, next_start: str) -> str:
        """What happens at the end of term `index` of a contract with renewal options."""
        if index < self.committed:
            return f"Renewal {index + 1} has been exercised: it starts on {next_start}"
        if self.cap is not None and index >= self.cap:
            return (
                f"No further option remains (at most {_plural(self.cap, 'optional renewal')}): "
                f"the contract expires on {end_text}"
            )
        deadline = self.schedule.deadline(index).on.isoformat()
        months = _plural(self.schedule.renewal_months, "month")
        if index > self.committed:
            return (
                f"Another option, if exercised by {deadline}, would extend it for {months}; "
                f"otherwise the contract expires on {end_text}"
            )
        if self.option_open:
            return (
                f"A party may extend for {months} by giving notice by {deadline}; otherwise "
                f"the contract expires on {end_text}"
            )
        return (
            f"The option deadline {deadline} passed with no exercise recorded: the contract "
            f"expires on {end_text}"
        )

    def _terminated_story(self) -> tuple[str, ...]:
        """Why the status is terminated."""
        assert self.termination is not None  # only called once terminated
        return (
            f"Termination took effect on {self.termination.isoformat()}, on or before "
            f"{self.as_of.isoformat()}",
        )

    def _expired_story(self) -> tuple[str, ...]:
        """Why the status is expired."""
        assert self.default_last is not None  # only called when the chain ends
        last = self.schedule.term(self.default_last)
        lines = [
            f"The contract ended on {last.end.on.isoformat()} and {self.as_of.isoformat()} is "
            "after that",
            self._outlook(self.default_last),
        ]
        if self.events.terminated_on is not None and self.termination is None:
            lines.append(
                f"The recorded termination on {self.events.terminated_on.isoformat()} came after "
                "the contract had already ended, so it changes nothing"
            )
        return tuple(lines)

    def _notice_deadline(self) -> DerivedDate | None:
        """The next notice deadline on or after `as_of` that still matters."""
        if self.kind is RenewalKind.NONE or self.termination is not None:
            return None
        if self.kind is RenewalKind.OPTIONAL:
            return self.schedule.deadline(self.committed) if self.option_open else None
        if self.notice_index is not None:
            return None  # notice has already been given: no deadline is left to meet
        # The same rule as for a notice given on `as_of`: the earliest period end whose
        # deadline has not passed, which may lie several periods ahead when the notice is
        # longer than a period.
        reachable = self.schedule.first_deadline_on_or_after(self.as_of, self.cap)
        return None if reachable is None else self.schedule.deadline(reachable)

    def _termination_date(self) -> DerivedDate:
        """The recorded termination as a derived date."""
        assert self.termination is not None  # only called with a termination
        return DerivedDate(
            "termination",
            "Termination effective",
            self.termination,
            (f"Termination recorded as effective on {self.termination.isoformat()}",),
        )

    def _final_end(self) -> DerivedDate | None:
        """The last day of the contract, when the chain of terms is finite."""
        if self.termination is not None:
            return self._termination_date()
        if self.possible_last is None:
            return None
        term = self.schedule.term(self.possible_last)
        if self.kind is RenewalKind.NONE:
            label = "Expiry (no renewal)"
        elif self.kind is RenewalKind.OPTIONAL and self.option_open:
            label = "Latest possible end (if every option is exercised)"
        elif self.notice_index is not None and self.notice_index == self.possible_last:
            label = "Expiry (notice given)"
        elif self.kind is RenewalKind.OPTIONAL and (self.cap is None or self.committed < self.cap):
            label = "Expiry (option not exercised)"
        else:
            label = "Expiry (after the last permitted renewal)"
        return DerivedDate(
            "expiry",
            label,
            term.end.on,
            (*term.end.explanation, self._outlook(self.possible_last)),
        )

    def _next_action(
        self, deadline: DerivedDate | None, final: DerivedDate | None
    ) -> DerivedDate | None:
        """The earliest date on or after `as_of` on which someone has to act."""
        candidates: list[DerivedDate] = []
        if deadline is not None and deadline.on >= self.as_of:
            candidates.append(deadline)
        # A certain end is an action date too (hand-over, exit); a merely possible one is not.
        certain_end = final is not None and not (
            self.kind is RenewalKind.OPTIONAL and self.option_open and final.kind == "expiry"
        )
        if final is not None and certain_end and final.on >= self.as_of:
            candidates.append(final)
        if not candidates:
            return None
        chosen = min(candidates, key=lambda item: item.on)
        return DerivedDate(
            "next_action",
            f"Next action: {chosen.label}",
            chosen.on,
            (
                *chosen.explanation,
                f"This is the earliest date on or after {self.as_of.isoformat()} that needs action",
            ),
        )

    def _renewals(self, reference: int | None) -> tuple[DerivedDate, ...]:
        """Renewal start dates: all of them when the terms cap renewals, else the next few."""
        if self.kind is RenewalKind.NONE:
            return ()
        last = self.possible_last
        if self.termination is not None:
            last_started = (
                self.schedule.index_on(self.termination - _ONE_DAY)
                if self.termination > self.terms.start_on
                else 0
            )
            last = last_started if last is None else min(last, last_started)
        if self.cap is not None:
            first, stop = 1, None
        else:
            # No cap in the terms: show a window of renewals around the present, not the
            # whole history of a contract that may have rolled over for years.
            if reference is not None:
                first = max(1, reference)
            else:
                first = max(1, (last or 0) - MAX_LISTED_RENEWALS + 1)
            stop = first + MAX_LISTED_RENEWALS
        dates: list[DerivedDate] = []
        index = first
        while (last is None or index <= last) and (stop is None or index < stop):
            try:
                dates.append(self._renewal_start(index))
            except OverflowError:
                break  # the chain runs past the end of the calendar (year 9999)
            index += 1
        return tuple(dates)

    def _renewal_start(self, index: int) -> DerivedDate:
        """The start of renewal `index`, saying why it does or may happen."""
        schedule = self.schedule
        term = schedule.term(index)
        start = term.start.isoformat()
        deadline = schedule.deadline(index - 1).on.isoformat()
        kind, evergreen = "renewal_start", self.kind is RenewalKind.EVERGREEN
        label = f"Renewal period {index} start" if evergreen else f"Renewal {index} start"
        if self.kind is RenewalKind.OPTIONAL:
            if index <= self.committed:
                reason = f"Option exercised: renewal {index} starts on {start}"
            else:
                kind, label = "possible_renewal_start", f"{label} (if exercised)"
                reason = (
                    f"Possible renewal: starts on {start} only if the option is exercised by "
                    f"{deadline}"
                )
        else:
            noun = "termination" if evergreen else "non-renewal"
            if term.start <= self.as_of:
                reason = (
                    f"Renewed on {start}: no notice of {noun} was recorded by the deadline "
                    f"{deadline}"
                )
            elif schedule.deadline(index - 1).on < self.as_of:
                reason = f"Renews on {start}: the notice deadline {deadline} has passed"
            else:
                reason = f"Renews on {start} unless notice of {noun} is given by {deadline}"
        span = (
            f"{schedule.term_name(index).capitalize()} runs from {start} to "
            f"{term.end.on.isoformat()}"
        )
        return DerivedDate(kind, label, term.start, (reason, span, *term.end.explanation[1:]))
