"""The demo portfolio: what it contains, that it always has deadlines coming up whatever the
load day, and that loading it is one deterministic, all-or-nothing transaction."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from pactline.contracts import queries, rules
from pactline.contracts.models import Contract
from pactline.contracts.schemas import ContractFilters
from pactline.core.audit import AuditEvent
from pactline.core.errors import Conflict
from pactline.demo import loader, portfolio
from pactline.demo.loader import DEMO_PEOPLE, demo_steps, is_empty, load_demo
from pactline.demo.portfolio import DemoContract, demo_contracts
from pactline.engine.dates import ContractEvents, KeyDates
from pactline.terms import TermsDocument, validate_terms_data
from pactline.terms.keydates import document_key_dates
from pactline.users.models import User
from pactline.users.principal import Principal

# The holidays package knows India's holidays only up to 2035, and key dates load calendars
# twelve years ahead; the warning is about years no demo date reaches.

AS_OF = date(2026, 3, 15)
ACTOR = Principal.system("demo-test")


def load(session: Session, as_of: date = AS_OF, **kwargs: Any) -> loader.DemoSummary:
    return load_demo(session, actor=ACTOR, as_of=as_of, **kwargs)


def key_dates(contract: Contract, as_of: date = AS_OF) -> tuple[TermsDocument, KeyDates]:
    version, dates = rules.contract_key_dates(contract, as_of)
    return rules.document_of(version), dates


def within_90_days(day: date | None, as_of: date = AS_OF) -> bool:
    return day is not None and as_of <= day <= as_of + timedelta(days=90)


def test_the_demo_loads_a_realistic_portfolio_into_an_empty_database(session: Session) -> None:
    assert is_empty(session)
    summary = load(session)
    contracts = queries.all_contracts(session)
    assert 35 <= len(contracts) <= 45
    assert (summary.people, summary.contracts) == (len(DEMO_PEOPLE), len(contracts))
    assert summary.versions == sum(len(c.versions) for c in contracts)
    assert summary.as_of == AS_OF
    assert queries.list_regions(session) == ["APAC", "EMEA", "LATAM", "North America"]
    parties = queries.list_parties(session)
    assert len(parties) == summary.counterparties == 10
    assert all(p.contract_count >= 2 for p in parties)
    assert len({p.country for p in parties}) >= 8
    roles = Counter(c.our_role for c in contracts)
    assert roles["customer"] > roles["supplier"] >= 5
    assert {c.kind for c in contracts} == {"master", "statement_of_work", "order"}
    masters = [c for c in contracts if c.kind == "master"]
    assert sum(1 for m in masters if m.children) >= 8
    assert all(c.parent is not None for c in contracts if c.kind != "master")
    assert all(c.annual_value is not None and c.tags for c in contracts)


def test_the_demo_covers_every_renewal_kind_notice_unit_and_several_calendars(
    session: Session,
) -> None:
    load(session)
    documents = [key_dates(c)[0] for c in queries.all_contracts(session)]
    assert {d.renewal.kind.value for d in documents} == {
        "none",
        "automatic",
        "evergreen",
        "optional",
    }
    assert {d.renewal.notice.unit.value for d in documents if d.renewal.notice} == {
        "calendar_days",
        "business_days",
        "months",
    }
    calendars = {(d.calendar.country, d.calendar.subdivision) for d in documents if d.calendar}
    assert {("GB", "ENG"), ("DE", "HE"), ("ES", "MD"), ("AU", "NSW"), ("IN", "KA")} <= calendars
    assert {"US", "BR", "SG", "MX"} <= {country for country, _ in calendars}


def test_the_demo_has_amendments_and_recorded_events(session: Session) -> None:
    load(session)
    contracts = queries.all_contracts(session)
    amended = [c for c in contracts if len(c.versions) >= 2]
    assert len(amended) >= 5
    for contract in amended:
        first, second = contract.versions[:2]
        assert second.effective_on > first.effective_on
        assert second.label != "Original agreement" and second.note
        assert queries.version_diff(session, contract.id, 2)  # the amendment changes something
    # One amendment is signed but takes effect only later.
    assert any(c.versions[-1].effective_on > AS_OF for c in amended)
    terminated = [c for c in contracts if c.terminated_on]
    noticed = [c for c in contracts if c.notice_given_on]
    exercised = [c for c in contracts if c.renewals_exercised]
    assert len(terminated) >= 2 and all(c.termination_reason for c in terminated)
    assert any(c.terminated_on and c.terminated_on > AS_OF for c in terminated)  # ahead
    assert len(noticed) >= 2 and len(exercised) >= 1
    audited = Counter(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("contracts.%"))
        ).all()
    )
    assert audited["contracts.created"] == len(contracts)
    assert audited["contracts.amended"] == sum(len(c.versions) - 1 for c in contracts)
    assert audited["contracts.terminated"] == len(terminated)
    assert audited["contracts.notice_given"] == len(noticed)
    assert audited["contracts.renewed"] == len(exercised)


def test_several_deadlines_and_expiries_fall_in_the_next_90_days(session: Session) -> None:
    load(session)
    rows = queries.portfolio(session, ContractFilters(), AS_OF)
    deadlines = [r for r in rows if within_90_days(r.notice_deadline_on)]
    assert len(deadlines) >= 3
    statuses = Counter(r.status.value for r in rows)
    assert statuses["expiring"] >= 3
    assert {"active", "renewed", "terminated", "expired", "not_started"} <= set(statuses)
    soon = queries.portfolio(session, ContractFilters(deadline_within_days=90), AS_OF)
    assert len(soon) >= 6


def test_every_owner_is_a_demo_person_and_every_contract_has_its_owners(
    session: Session,
) -> None:
    load(session)
    demo_names = {p.username for p in DEMO_PEOPLE}
    for contract in queries.all_contracts(session):
        owners = [contract.account_manager, contract.commercial_lead, contract.governance_lead]
        assert all(o is not None for o in owners), contract.reference
        assert {o.username for o in owners if o} <= demo_names, contract.reference
    people = session.scalars(select(User).where(User.username.in_(demo_names))).all()
    assert len(people) == len(DEMO_PEOPLE)
    assert all(p.password_hash is None for p in people)  # nobody can sign in as a demo person


def test_loading_twice_is_refused(session: Session) -> None:
    load(session)
    assert not is_empty(session)
    with pytest.raises(Conflict, match="already holds data"):
        load(session)
    assert session.scalar(select(func.count()).select_from(Contract)) == len(portfolio.SPECS)


def test_loading_is_deterministic_and_counted_from_the_load_day(session: Session) -> None:
    assert demo_contracts(AS_OF) == demo_contracts(AS_OF)
    later = demo_contracts(AS_OF + timedelta(days=365))
    assert [c.documents for c in later] != [c.documents for c in demo_contracts(AS_OF)]
    load(session)
    expected = {
        c.reference: (c.documents[0]["term"]["start_on"], len(c.documents))
        for c in demo_contracts(AS_OF)
    }
    loaded = {
        c.reference: (key_dates(c)[0].term.start_on, len(c.versions))
        for c in queries.all_contracts(session)
    }
    assert loaded == expected


def test_progress_is_reported_per_person_and_per_contract(session: Session) -> None:
    steps: list[str] = []
    load(session, progress=steps.append)
    assert steps == demo_steps(AS_OF)
    assert sum(s.startswith("contract ") for s in steps) == len(portfolio.SPECS)
    assert steps[-1] == loader.SAVE_STEP


def test_the_load_commits_exactly_once(session: Session) -> None:
    commits: list[int] = []
    event.listen(session, "after_commit", lambda _s: commits.append(1))
    load(session)
    assert commits == [1]


def test_a_failure_leaves_the_database_empty(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "record_events", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load(session)
    session.rollback()
    assert is_empty(session)
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_demo_refuses_a_database_that_already_holds_contracts(session: Session) -> None:
    from tests.contracts.factories import import_contract, terms_yaml

    import_contract(session, terms_yaml())
    assert not is_empty(session)
    with pytest.raises(Conflict):
        load(session)


# --- the schedule holds whatever the load day -------------------------------------------


def _in_force(contract: DemoContract, as_of: date) -> TermsDocument:
    documents = [validate_terms_data(d) for d in contract.documents]
    chosen = documents[0]
    for document in documents:
        if document.effective_on <= as_of:
            chosen = document
    return chosen


LOAD_DAYS = [
    date(2026, 1, 1),
    date(2026, 1, 31),
    date(2026, 2, 28),
    date(2026, 3, 31),
    date(2026, 4, 1),
    date(2026, 6, 30),
    date(2026, 7, 1),
    date(2026, 8, 31),
    date(2026, 9, 15),
    date(2026, 12, 1),
    date(2026, 12, 24),
    date(2026, 12, 31),
    date(2028, 2, 29),
    date(2031, 5, 17),
]


@pytest.mark.parametrize("as_of", LOAD_DAYS, ids=str)
def test_any_load_day_has_deadlines_coming_up_and_consistent_events(as_of: date) -> None:
    upcoming = 0
    ending = 0
    for contract in demo_contracts(as_of):
        document = _in_force(contract, as_of)
        recorded = contract.events
        events = ContractEvents(
            terminated_on=recorded.terminated_on,
            notice_given_on=recorded.notice_given_on,
            renewals_exercised=recorded.renewals_exercised,
        )
        dates = document_key_dates(document, as_of, events)
        deadline = dates.notice_deadline.on if dates.notice_deadline else None
        upcoming += within_90_days(deadline, as_of)
        ending += within_90_days(dates.final_end.on if dates.final_end else None, as_of)
        for day in (recorded.terminated_on, recorded.notice_given_on):
            assert day is None or day >= document.term.start_on, contract.reference
    assert upcoming >= 6
    assert ending >= 3
