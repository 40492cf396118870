"""Disputes on a real database: opening one over a finding or a credit marks it disputed, the
positions and escalation are recorded, and the outcome settles what it was about."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.core.errors import Conflict, PermissionDenied, ValidationFailed
from pactline.disputes import queries, service
from pactline.disputes.enums import DisputeOutcome, DisputeStatus
from pactline.disputes.schemas import DisputeCreate, DisputeResolve, DisputeUpdate, DisputeWithdraw
from pactline.invoices import queries as invoices
from pactline.invoices import service as invoice_service
from pactline.invoices.models import Finding
from pactline.service_levels.models import PeriodCredit
from pactline.users.enums import Role
from pactline.users.principal import Principal
from tests.conftest import MakeUser
from tests.invoices.factories import INVOICE, northwind_with_inputs


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def commercial(make_user: MakeUser) -> Principal:
    return Principal.of(make_user(Role.COMMERCIAL, username="cora"))


@pytest.fixture
def northwind(session: Session, make_user: MakeUser, commercial: Principal) -> Contract:
    contract = northwind_with_inputs(session, make_user)
    invoice_service.import_invoices(
        session,
        actor=commercial,
        contract_id=contract.id,
        source_name=INVOICE.name,
        content=INVOICE.read_bytes(),
    )
    return contract


def finding(session: Session, kind: str) -> Finding:
    return session.scalars(select(Finding).where(Finding.type == kind)).one()


def test_a_dispute_over_a_finding_marks_it_disputed_and_an_upheld_outcome_accepts_it(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    rate = finding(session, "rate_mismatch")
    opened = service.open_dispute(
        session,
        actor=commercial,
        contract_id=northwind.id,
        data=DisputeCreate(finding_id=rate.id, our_position="Year-1 rate is 950.00"),
    )
    assert (opened.amount, opened.status, opened.age_days) == (
        Decimal("90.00"),
        DisputeStatus.OPEN,
        0,
    )
    assert opened.title == "Rate differs from the rate card: invoice NW-INV-2026-0412 line 5"
    assert finding(session, "rate_mismatch").status == "disputed"
    with pytest.raises(Conflict, match="already in dispute"):
        service.open_dispute(
            session,
            actor=commercial,
            contract_id=northwind.id,
            data=DisputeCreate(finding_id=rate.id, our_position="again"),
        )
    service.update_dispute(
        session,
        actor=commercial,
        dispute_id=opened.id,
        data=DisputeUpdate(their_position="Year-2 rates apply", escalate=True),
    )
    with clock.frozen_at(datetime(2026, 7, 15, 9, 0, tzinfo=UTC)):
        closed = service.resolve_dispute(
            session,
            actor=commercial,
            dispute_id=opened.id,
            data=DisputeResolve(outcome=DisputeOutcome.UPHELD, resolution="Credit note CN-7"),
        )
    assert (closed.status, closed.recovered_amount, closed.age_days) == (
        DisputeStatus.RESOLVED,
        Decimal("90.00"),
        14,
    )
    assert closed.their_position == "Year-2 rates apply"
    assert finding(session, "rate_mismatch").status == "accepted"
    actions = [
        e.action
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "dispute").order_by(AuditEvent.id)
        )
    ]
    assert actions == ["disputes.opened", "disputes.escalated", "disputes.resolved"]


def test_a_rejected_dispute_dismisses_the_finding_with_the_resolution_as_its_reason(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    arc = finding(session, "arc_rrc")
    opened = service.open_dispute(
        session,
        actor=commercial,
        contract_id=northwind.id,
        data=DisputeCreate(finding_id=arc.id, our_position="Inside the deadband"),
    )
    service.resolve_dispute(
        session,
        actor=commercial,
        dispute_id=opened.id,
        data=DisputeResolve(outcome=DisputeOutcome.REJECTED, resolution="Change order CO-12"),
    )
    arc = finding(session, "arc_rrc")
    assert (arc.status, arc.status_reason) == ("dismissed", "Change order CO-12")


def test_a_settlement_needs_an_amount_below_the_amount_at_stake(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    arc = finding(session, "arc_rrc")
    opened = service.open_dispute(
        session,
        actor=commercial,
        contract_id=northwind.id,
        data=DisputeCreate(finding_id=arc.id, our_position="x"),
    )
    with pytest.raises(ValidationFailed, match="settled_amount"):
        service.resolve_dispute(
            session,
            actor=commercial,
            dispute_id=opened.id,
            data=DisputeResolve(outcome=DisputeOutcome.SETTLED, resolution="half"),
        )
    done = service.resolve_dispute(
        session,
        actor=commercial,
        dispute_id=opened.id,
        data=DisputeResolve(
            outcome=DisputeOutcome.SETTLED, resolution="half", settled_amount=Decimal("480")
        ),
    )
    assert done.recovered_amount == Decimal("480.00")


def test_a_dispute_over_a_credit_marks_it_disputed_and_withdrawing_returns_it_to_review(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    opened = service.open_dispute(
        session,
        actor=commercial,
        contract_id=northwind.id,
        data=DisputeCreate(period="2026-03", our_position="The outage was excluded"),
    )
    credit = session.scalars(select(PeriodCredit).where(PeriodCredit.period == "2026-03")).one()
    assert credit.status == "disputed" and opened.amount == credit.amount
    service.withdraw_dispute(
        session, actor=commercial, dispute_id=opened.id, data=DisputeWithdraw(reason="Agreed")
    )
    session.refresh(credit)
    assert credit.status == "under_review"
    assert queries.list_disputes(session, open_only=True) == []


def test_a_viewer_cannot_open_a_dispute(
    session: Session, make_user: MakeUser, northwind: Contract
) -> None:
    viewer = Principal.of(make_user(Role.VIEWER))
    rate = finding(session, "rate_mismatch")
    with pytest.raises(PermissionDenied):
        service.open_dispute(
            session,
            actor=viewer,
            contract_id=northwind.id,
            data=DisputeCreate(finding_id=rate.id, our_position="x"),
        )
    assert invoices.get_finding(session, rate.id).status == "open"
