"""Key dates as an iCalendar (RFC 5545) feed that Outlook, Google Calendar and Apple Calendar
can subscribe to.

Every key date becomes one all-day event. Its UID is built from the contract id, the kind of
date and the day, so a calendar that fetches the feed again updates the events it already has
instead of adding copies; a date that moves (an amendment, a notice recorded) gets a new UID
and the old event disappears with the next refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from pactline.contracts import rules
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.engine.calendars import add_months
from pactline.engine.dates import DerivedDate

__all__ = [
    "ALARM_BEFORE",
    "HISTORY_MONTHS",
    "PRODID",
    "build_calendar",
    "calendar_dates",
    "event_uid",
]

log = logging.getLogger(__name__)

PRODID = "-//Pactline//Key dates//EN"
HISTORY_MONTHS = 24
"""Dates further in the past than this are left out of feeds."""
ALARM_BEFORE = timedelta(days=14)
"""How long before a notice deadline the calendar reminds its owner."""
REFRESH = timedelta(hours=12)
"""How often calendar apps are asked to fetch the feed again (they may choose otherwise)."""

_ONE_DAY = timedelta(days=1)
# Kinds whose date is certain to end the contract: a term end on the same day says nothing more.
_ENDS = frozenset({"expiry"})
# Kinds that only happen if someone acts: shown as tentative.
_TENTATIVE = frozenset({"possible_renewal_start"})


def event_uid(contract_id: int, kind: str, on: date) -> str:
    """The stable UID of a key-date event."""
    return f"{contract_id}-{kind}-{on.isoformat()}@pactline"


def calendar_dates(contract: Contract, as_of: date) -> list[DerivedDate]:
    """The key dates of a contract that belong in a calendar, as of a date, in date order.

    They are `KeyDates.all_dates()`, less dates more than HISTORY_MONTHS before `as_of`, less
    dates after a recorded termination (the initial term end of a contract terminated early
    would only mislead), and less a plain term end on the same day as the contract's expiry
    (the expiry event already says so, with the same explanation). Drafts have none.
    """
    if contract.is_draft:
        return []  # nothing of a draft is in force yet
    _, dates = rules.contract_key_dates(contract, as_of)
    oldest = add_months(as_of, -HISTORY_MONTHS)
    items = list(dates.all_dates())
    terminated = [d.on for d in items if d.kind == "termination"]
    last = min(terminated) if terminated else date.max
    ends = {d.on for d in items if d.kind in _ENDS}
    return [
        d for d in items if oldest <= d.on <= last and not (d.kind == "term_end" and d.on in ends)
    ]


def _description(contract: Contract, item: DerivedDate) -> str:
    lines = [
        f"{item.label} on {item.on.isoformat()}",
        "",
        *item.explanation,
        "",
        f"Contract: {contract.reference} {contract.title}",
        f"Counterparty: {contract.counterparty.name}",
    ]
    return "\n".join(lines)


def _event(contract: Contract, item: DerivedDate, stamp: datetime) -> Event:
    summary = f"{item.label}: {contract.reference} {contract.title}"
    event = Event()
    event.add("uid", event_uid(contract.id, item.kind, item.on))
    event.add("dtstamp", stamp)
    event.add("dtstart", item.on)  # a date, not a datetime: VALUE=DATE, an all-day event
    event.add("dtend", item.on + _ONE_DAY)  # DTEND is exclusive: the next day
    event.add("summary", summary)
    event.add("description", _description(contract, item))
    event.add("categories", [item.kind])
    event.add("status", "TENTATIVE" if item.kind in _TENTATIVE else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    if item.kind == "notice_deadline":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", f"In {ALARM_BEFORE.days} days: {summary}")
        event.add_component(alarm)
    return event


def build_calendar(
    contracts: Iterable[Contract],
    as_of: date,
    *,
    name: str,
    stamp: datetime | None = None,
) -> bytes:
    """An iCalendar feed of the contracts' key dates as of a date (see `calendar_dates`).

    `stamp` is the DTSTAMP of every event (the moment the feed was made), now by default.
    A contract whose key dates cannot be worked out is left out (and logged) rather than
    breaking the whole feed: a calendar app shows nothing at all for a feed that fails.
    """
    stamp = stamp or clock.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", f"Contract key dates from Pactline, as of {as_of.isoformat()}")
    # REFRESH-INTERVAL is the RFC 7986 property; Outlook reads X-PUBLISHED-TTL instead.
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", f"PT{int(REFRESH.total_seconds()) // 3600}H")
    rows: list[tuple[date, str, str, Event]] = []
    for contract in contracts:
        try:
            items = calendar_dates(contract, as_of)
        except (ValueError, OverflowError):
            log.warning("calendar feed: key dates of %s could not be worked out", contract.id)
            continue
        rows.extend(
            (item.on, contract.reference, item.kind, _event(contract, item, stamp))
            for item in items
        )
    for *_, event in sorted(rows, key=lambda row: row[:3]):
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
