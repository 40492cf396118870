"""The iCalendar feed of key dates, parsed back with icalendar as a calendar app would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Component
from sqlalchemy.orm import Session

from pactline.contracts.calendar import PRODID, build_calendar, event_uid
from pactline.contracts.models import Contract
from tests.contracts.factories import import_contract, terms_yaml

AS_OF = date(2026, 6, 1)
STAMP = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)


def events_of(body: bytes) -> list[Component]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def by_kind(events: list[Component]) -> dict[str, list[Component]]:
    kinds: dict[str, list[Component]] = {}
    for event in events:
        (category,) = [str(c) for c in event.get("categories").cats]
        kinds.setdefault(category, []).append(event)
    return kinds


def test_the_calendar_has_the_headers_outlook_and_google_expect(session: Session) -> None:
    contract = import_contract(session, terms_yaml())
    body = build_calendar([contract], AS_OF, name="Pactline: my contracts", stamp=STAMP)
    calendar = Calendar.from_ical(body)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["prodid"]) == PRODID == "-//Pactline//Key dates//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["calscale"]) == "GREGORIAN"
    assert str(calendar["method"]) == "PUBLISH"
    assert str(calendar["x-wr-calname"]) == "Pactline: my contracts"
    assert calendar.decoded("refresh-interval") == timedelta(hours=12)
    # Lines end in CRLF and are folded at 75 octets, as RFC 5545 requires.
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))


def test_each_key_date_is_one_all_day_event_with_its_explanation(session: Session) -> None:
    contract = import_contract(session, terms_yaml(account_manager=None))
    events = events_of(build_calendar([contract], AS_OF, name="x", stamp=STAMP))
    kinds = by_kind(events)
    # 36 months from 2026-01-01, renewing twice for 12 months on 90 days' notice.
    assert {k: [e.decoded("dtstart") for e in v] for k, v in kinds.items()} == {
        "term_end": [date(2028, 12, 31)],
        "notice_deadline": [date(2028, 10, 2)],
        "renewal_start": [date(2029, 1, 1), date(2030, 1, 1)],
        "expiry": [date(2030, 12, 31)],
    }
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert type(start) is date and end == start + timedelta(days=1)  # all day
        assert event.decoded("dtstamp") == STAMP
        assert str(event["transp"]) == "TRANSPARENT"
        description = str(event["description"])
        assert "Contract: MSA-T-001 Managed network services" in description
        assert "Counterparty: Northwind Networks Ltd" in description
    (deadline,) = kinds["notice_deadline"]
    assert str(deadline["summary"]) == (
        "Notice deadline (non-renewal): MSA-T-001 Managed network services"
    )
    assert "2028-12-31 minus 90 calendar days = 2028-10-02" in str(deadline["description"])
    assert str(deadline["uid"]) == f"{contract.id}-notice_deadline-2028-10-02@pactline"
    raw = build_calendar([contract], AS_OF, name="x", stamp=STAMP)
    assert b"DTSTART;VALUE=DATE:20281002\r\n" in raw
    assert b"DTEND;VALUE=DATE:20281003\r\n" in raw


def test_uids_are_stable_across_builds_so_refreshing_updates_rather_than_duplicates(
    session: Session,
) -> None:
    first = import_contract(session, terms_yaml("MSA-T-001"))
    second = import_contract(session, terms_yaml("MSA-T-002", renewal_kind="evergreen"))
    one = events_of(build_calendar([first, second], AS_OF, name="x", stamp=STAMP))
    two = events_of(
        build_calendar([second, first], AS_OF + timedelta(days=1), name="x")  # a later fetch
    )
    uids = [str(e["uid"]) for e in one]
    assert uids == [str(e["uid"]) for e in two]
    assert len(set(uids)) == len(uids)
    assert event_uid(first.id, "expiry", date(2030, 12, 31)) in uids
    # Events come in date order, whatever order the contracts were given in.
    starts = [e.decoded("dtstart") for e in one]
    assert starts == sorted(starts)


def test_notice_deadlines_carry_a_display_reminder_two_weeks_before(session: Session) -> None:
    contract = import_contract(session, terms_yaml())
    events = events_of(build_calendar([contract], AS_OF, name="x", stamp=STAMP))
    for event in events:
        alarms = list(event.walk("VALARM"))
        if str(event.get("categories").cats[0]) != "notice_deadline":
            assert alarms == []
            continue
        (alarm,) = alarms
        assert str(alarm["action"]) == "DISPLAY"
        assert alarm.decoded("trigger") == timedelta(days=-14)
        assert str(alarm["description"]).startswith("In 14 days: Notice deadline")


def test_an_option_deadline_has_a_reminder_and_a_possible_renewal_is_tentative(
    session: Session,
) -> None:
    contract = import_contract(
        session, terms_yaml(renewal_kind="optional", max_renewals=1, notice_period=60)
    )
    kinds = by_kind(events_of(build_calendar([contract], AS_OF, name="x", stamp=STAMP)))
    (deadline,) = kinds["notice_deadline"]
    assert str(deadline["summary"]).startswith("Option exercise deadline (renewal): ")
    assert len(list(deadline.walk("VALARM"))) == 1
    (possible,) = kinds["possible_renewal_start"]
    assert str(possible["status"]) == "TENTATIVE"
    assert possible.decoded("dtstart") == date(2029, 1, 1)


def test_an_expiry_is_not_repeated_as_a_term_end_on_the_same_day(session: Session) -> None:
    contract = import_contract(session, terms_yaml(renewal_kind="none", months=12))
    events = events_of(build_calendar([contract], AS_OF, name="x", stamp=STAMP))
    assert [(str(e["summary"]), e.decoded("dtstart")) for e in events] == [
        ("Expiry (no renewal): MSA-T-001 Managed network services", date(2026, 12, 31))
    ]


def test_dates_more_than_two_years_past_are_left_out(session: Session) -> None:
    contract = import_contract(
        session, terms_yaml(start_on=date(2020, 1, 1), months=12, renewal_kind="none")
    )
    assert events_of(build_calendar([contract], date(2022, 12, 31), name="x")) != []
    assert events_of(build_calendar([contract], date(2023, 1, 1), name="x")) == []


def test_a_termination_appears_and_a_draft_does_not(session: Session) -> None:
    terminated = import_contract(session, terms_yaml("MSA-T-001"))
    draft = import_contract(session, terms_yaml("MSA-T-002"))
    terminated.terminated_on = date(2026, 9, 1)
    draft.is_draft = True
    session.flush()
    events = events_of(build_calendar([terminated, draft], AS_OF, name="x", stamp=STAMP))
    assert {str(e["uid"]).split("-", 1)[0] for e in events} == {str(terminated.id)}
    kinds = by_kind(events)
    (termination,) = kinds["termination"]
    assert termination.decoded("dtstart") == date(2026, 9, 1)
    assert str(termination["summary"]).startswith("Termination effective: MSA-T-001")
    # Nothing after the termination: not the initial term end, no deadline, no renewal.
    assert list(kinds) == ["termination"]


def test_an_empty_portfolio_is_still_a_valid_calendar() -> None:
    contracts: list[Contract] = []
    calendar = Calendar.from_ical(build_calendar(contracts, AS_OF, name="Nothing yet"))
    assert list(calendar.walk("VEVENT")) == []
    assert str(calendar["x-wr-calname"]) == "Nothing yet"
