"""Loading the demo portfolio: into an empty database only, as one deterministic,
all-or-nothing transaction, with deadlines coming up and the same story whatever the load day.
What the loaded demo contains is read in test_portfolio.py and test_invoices.py."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from pactline.contracts import queries
from pactline.contracts.models import Contract
from pactline.core.errors import Conflict
from pactline.demo import invoices as demo_invoices
from pactline.demo import loader, portfolio
from pactline.demo import service_levels as demo_sl
from pactline.demo.loader import DEMO_PEOPLE, demo_steps, is_empty
from pactline.demo.portfolio import DemoContract, demo_contracts
from pactline.engine.dates import ContractEvents
from pactline.engine.invoice_checks import FindingType
from pactline.invoices.models import Finding, Invoice
from pactline.service_levels.enums import CreditStatus
from pactline.service_levels.models import Measurement
from pactline.terms import TermsDocument, validate_terms_data
from pactline.terms.keydates import document_key_dates
from pactline.users.models import User
from tests.demo.support import (
    AS_OF,
    load,
    month,
    sl_contracts,
    stored_credits,
    within_90_days,
)


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


def test_loading_twice_is_refused(session: Session) -> None:
    load(session)
    assert not is_empty(session)
    with pytest.raises(Conflict, match="already holds data"):
        load(session)
    assert session.scalar(select(func.count()).select_from(Contract)) == len(portfolio.SPECS)


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


@pytest.mark.parametrize("step", ["record_events", "stage_service_levels", "stage_invoicing"])
def test_a_failure_leaves_the_database_empty(
    session: Session, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, step, broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load(session)
    session.rollback()
    assert is_empty(session)
    assert session.scalar(select(func.count()).select_from(User)) == 0
    assert session.scalar(select(func.count()).select_from(Measurement)) == 0


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


# --- service levels -------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [date(2026, 1, 31), date(2028, 2, 29)], ids=str)
def test_the_service_levels_and_invoices_load_on_any_day(
    session: Session, monkeypatch: pytest.MonkeyPatch, as_of: date
) -> None:
    planted: list[demo_invoices.InvoicingLoaded] = []
    stage = demo_invoices.stage_invoicing

    def capture(*args: Any, **kwargs: Any) -> demo_invoices.InvoicingLoaded:
        planted.append(stage(*args, **kwargs))
        return planted[-1]

    monkeypatch.setattr(loader, "stage_invoicing", capture)
    summary = load(session, as_of=as_of)
    assert summary.credits == sum(len(demo_sl.measured_months(p)) for p in demo_sl.PLANS)
    tailspin = stored_credits(session, sl_contracts(session, as_of)["ts-msa"])
    assert tailspin[month(-12, as_of)].status == CreditStatus.EARNED_BACK.value
    # Every planted error, and nothing else, is found whatever the day; the amounts are those
    # of any other day (tests/demo/test_invoices.py lists them for one).
    found = {
        (number, kind, line, amount)
        for number, kind, line, amount in session.execute(
            select(Invoice.number, Finding.type, Finding.line_number, Finding.amount).join(
                Invoice, Invoice.id == Finding.invoice_id
            )
        )
    }
    assert found == {(p.invoice, p.type.value, p.line_number, p.amount) for p in planted[0].planted}
    assert {kind for _, kind, _, _ in found} == {kind.value for kind in FindingType}
    assert sorted(amount for *_, amount in found) == PLANTED_AMOUNTS
    assert summary.invoices == session.scalar(select(func.count()).select_from(Invoice))


PLANTED_AMOUNTS = sorted(
    Decimal(amount)
    for amount in (
        *("3074.80", "420.00", "202966.94", "720.00", "5071.25"),  # Northwind network
        *("18500.00", "1500.00"),  # Northwind MPLS
        *("360.00", "1240.00", "3360.00", "480.00"),  # Fabrikam
        *("165000.00", "3780.00", "4320.00"),  # Woodgrove
        *("-1430.00", "-1824.00"),  # Wingtip (we are the supplier)
    )
)
"""The amounts of the planted findings, the same on any load day."""


@pytest.mark.parametrize("as_of", LOAD_DAYS, ids=str)
def test_measurements_are_the_same_every_run_and_counted_from_the_load_day(as_of: date) -> None:
    for plan in demo_sl.PLANS:
        text = demo_sl.measurements_csv(plan, as_of)
        assert text == demo_sl.measurements_csv(plan, as_of)
        rows = [line.split(",") for line in text.splitlines()[1:]]
        assert {period for _, period, _ in rows} == {
            month(n, as_of) for n in demo_sl.measured_months(plan)
        }
        for _, _, value in rows:
            assert Decimal(value) >= 0 and "e" not in value.lower()
        # The misses sit at the same offsets whatever the day.
        for series in plan.series:
            for offset, value in series.values:
                if offset in demo_sl.measured_months(plan):
                    assert [series.measure_id, month(offset, as_of), value] in rows
