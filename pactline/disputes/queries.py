"""Reads of the disputes area."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.core import clock
from pactline.core.errors import NotFound
from pactline.core.pagination import Page, PageParams
from pactline.disputes.enums import DisputeOutcome, DisputeStatus, DisputeSubject
from pactline.disputes.models import Dispute
from pactline.disputes.schemas import DisputeRead
from pactline.engine.invoice_checks import FindingType
from pactline.invoices.enums import FINDING_LABELS
from pactline.invoices.models import Finding
from pactline.service_levels.models import PeriodCredit


def get_dispute(session: Session, dispute_id: int) -> Dispute:
    """One dispute, or NotFound."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    return dispute


def _subject_label(session: Session, dispute: Dispute) -> str:
    if dispute.finding_id is not None:
        finding = session.get(Finding, dispute.finding_id)
        if finding is not None:
            line = f", line {finding.line_number}" if finding.line_number else ""
            label = FINDING_LABELS[FindingType(finding.type)].lower()
            return f"finding {finding.id} ({label}) on invoice {finding.invoice.number}{line}"
    if dispute.credit_id is not None:
        credit = session.get(PeriodCredit, dispute.credit_id)
        if credit is not None:
            return f"service credit for {credit.period}"
    return DisputeSubject(dispute.subject).value


def dispute_read(
    session: Session, dispute: Dispute, contract: Contract | None = None
) -> DisputeRead:
    """A dispute with its age (days open, up to today or its close) and what it recovered."""
    contract = contract or get_contract(session, dispute.contract_id)
    end = dispute.closed_at.date() if dispute.closed_at else clock.today()
    outcome = DisputeOutcome(dispute.outcome) if dispute.outcome else None
    recovered = None
    if outcome is DisputeOutcome.UPHELD:
        recovered = dispute.amount
    elif outcome is DisputeOutcome.SETTLED:
        recovered = dispute.settled_amount
    elif outcome is DisputeOutcome.REJECTED:
        recovered = dispute.amount * 0
    return DisputeRead(
        id=dispute.id,
        contract_id=contract.id,
        contract_reference=contract.reference,
        subject=DisputeSubject(dispute.subject),
        finding_id=dispute.finding_id,
        credit_id=dispute.credit_id,
        subject_label=_subject_label(session, dispute),
        title=dispute.title,
        currency=dispute.currency,
        amount=dispute.amount,
        our_position=dispute.our_position,
        their_position=dispute.their_position,
        status=DisputeStatus(dispute.status),
        outcome=outcome,
        settled_amount=dispute.settled_amount,
        recovered_amount=recovered,
        resolution=dispute.resolution,
        opened_at=dispute.opened_at,
        opened_by=dispute.opened_by,
        updated_at=dispute.updated_at,
        closed_at=dispute.closed_at,
        closed_by=dispute.closed_by,
        age_days=max(0, (end - dispute.opened_at.date()).days),
    )


_OPEN = (DisputeStatus.OPEN.value, DisputeStatus.ESCALATED.value)


def _disputes_query(
    session: Session, contract_id: int | None, open_only: bool
) -> Select[Dispute, Contract]:
    """Open and escalated disputes oldest first, then closed ones, the latest closed first."""
    closed = case((Dispute.status.in_(_OPEN), 0), else_=1)
    query = (
        select(Dispute, Contract)
        .join(Contract, Contract.id == Dispute.contract_id)
        .order_by(
            closed,
            case((Dispute.status.in_(_OPEN), Dispute.opened_at)),
            Dispute.closed_at.desc(),
            Dispute.id,
        )
    )
    if contract_id is not None:
        get_contract(session, contract_id)
        query = query.where(Dispute.contract_id == contract_id)
    if open_only:
        query = query.where(Dispute.status.in_(_OPEN))
    return query


def list_disputes(
    session: Session, *, contract_id: int | None = None, open_only: bool = False
) -> list[DisputeRead]:
    """Disputes, the oldest open ones first, then the closed ones most recent first."""
    query = _disputes_query(session, contract_id, open_only)
    return [dispute_read(session, d, c) for d, c in session.execute(query)]


def disputes_page(
    session: Session,
    params: PageParams,
    *,
    contract_id: int | None = None,
    open_only: bool = False,
) -> Page[DisputeRead]:
    """One page of :func:`list_disputes`, the database counting and slicing."""
    query = _disputes_query(session, contract_id, open_only)
    rows = session.execute(query.limit(params.limit).offset(params.offset))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return Page[DisputeRead](
        items=[dispute_read(session, d, c) for d, c in rows],
        total=total or 0,
        limit=params.limit,
        offset=params.offset,
    )


def disputes_of_finding(session: Session, finding_id: int) -> list[DisputeRead]:
    """The disputes about one finding (the invoice page shows them on its line)."""
    rows = session.scalars(select(Dispute).where(Dispute.finding_id == finding_id))
    return [dispute_read(session, d) for d in rows]


def open_dispute_of_credit(session: Session, credit_id: int) -> Dispute | None:
    """The open (or escalated) dispute about a stored service credit, if any."""
    return session.scalar(
        select(Dispute).where(
            Dispute.credit_id == credit_id,
            Dispute.status.in_([DisputeStatus.OPEN.value, DisputeStatus.ESCALATED.value]),
        )
    )


@dataclass(frozen=True)
class SubjectPlace:
    """Where a dispute's subject is shown: the invoice (and line) of a finding, or the month of
    a service credit. None where the subject is gone."""

    invoice_id: int | None = None
    line_number: int | None = None
    period: str | None = None


def subject_place(session: Session, dispute: DisputeRead) -> SubjectPlace:
    """The invoice and line of a disputed finding, or the month of a disputed credit."""
    if dispute.finding_id is not None:
        finding = session.get(Finding, dispute.finding_id)
        if finding is not None:
            return SubjectPlace(invoice_id=finding.invoice_id, line_number=finding.line_number)
    if dispute.credit_id is not None:
        credit = session.get(PeriodCredit, dispute.credit_id)
        if credit is not None:
            return SubjectPlace(period=credit.period)
    return SubjectPlace()
