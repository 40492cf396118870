"""The steps of the disputes use cases, without the commit.

Each step checks the actor's permission and the rules, moves the dispute (and the finding or
credit it is about) and writes its audit row; the use case in service.py then commits once.
The demo loader stages the same steps inside its single transaction, dated when the demo says
they happened (``at``; now by default).

A dispute moves what it is about: opening one marks the finding or the credit disputed;
resolving it settles the finding (accepted, or dismissed when their position held) or agrees
the credit; withdrawing it sends either back to review.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.core import audit, clock
from pactline.core.errors import Conflict, ValidationFailed
from pactline.disputes import queries
from pactline.disputes.enums import DisputeOutcome, DisputesAction, DisputeStatus, DisputeSubject
from pactline.disputes.models import Dispute
from pactline.disputes.schemas import (
    DisputeCreate,
    DisputeResolve,
    DisputeUpdate,
    DisputeWithdraw,
)
from pactline.engine.invoice_checks import FindingType
from pactline.engine.money import quantize_money
from pactline.invoices import queries as invoices
from pactline.invoices.enums import FINDING_LABELS, FindingStatus
from pactline.invoices.rules import at_stake_for_us
from pactline.invoices.staging import change_finding_status
from pactline.service_levels.enums import CreditStatus
from pactline.service_levels.models import PeriodCredit
from pactline.service_levels.schemas import CreditStatusChange
from pactline.service_levels.staging import stage_credit_status
from pactline.users.enums import Permission
from pactline.users.principal import Principal


def stage_open_dispute(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    data: DisputeCreate,
    at: datetime | None = None,
) -> Dispute:
    """Open a dispute over a finding or a month's credit, and mark it disputed."""
    actor.require(Permission.DISPUTES_WRITE)
    contract = get_contract(session, contract_id)
    now = at or clock.now()
    dispute = Dispute(
        contract_id=contract.id,
        our_position=data.our_position.strip(),
        their_position=(data.their_position or "").strip() or None,
        status=DisputeStatus.OPEN.value,
        opened_at=now,
        opened_by=actor.display_name,
        updated_at=now,
        currency=contract.currency,
    )
    if data.finding_id is not None:
        finding = invoices.get_finding(session, data.finding_id)
        if finding.contract_id != contract.id:
            raise ValidationFailed(
                f"finding {finding.id} is not one of {contract.reference}'s",
                details=[{"field": "finding_id", "message": "not this contract's"}],
            )
        _refuse_second(session, Dispute.finding_id == finding.id, f"finding {finding.id}")
        change_finding_status(
            finding, FindingStatus.DISPUTED, data.our_position, actor.display_name
        )
        if at is not None:
            finding.status_changed_at = at
        dispute.subject = DisputeSubject.FINDING.value
        dispute.finding_id = finding.id
        dispute.currency = finding.currency
        default_amount = abs(at_stake_for_us(finding.amount, contract.our_role))
        label = FINDING_LABELS[FindingType(finding.type)]
        line = f" line {finding.line_number}" if finding.line_number else ""
        default_title = f"{label}: invoice {finding.invoice.number}{line}"
    else:
        assert data.period is not None
        stored = session.scalar(
            select(PeriodCredit.id).where(
                PeriodCredit.contract_id == contract.id, PeriodCredit.period == data.period
            )
        )
        if stored is not None:
            _refuse_second(session, Dispute.credit_id == stored, f"the credit of {data.period}")
        credit = stage_credit_status(
            session,
            actor=actor,
            contract=contract,
            period=data.period,
            data=CreditStatusChange(status=CreditStatus.DISPUTED, note=data.our_position),
        )
        dispute.subject = DisputeSubject.CREDIT.value
        dispute.credit_id = credit.id
        dispute.currency = credit.currency
        default_amount = credit.amount
        default_title = f"Service credit for {credit.period}"
    amount = data.amount if data.amount is not None else default_amount
    if amount < 0:
        raise ValidationFailed(
            "amount: the money at stake is given as a positive amount",
            details=[{"field": "amount", "message": "must not be negative"}],
        )
    dispute.amount = quantize_money(amount, dispute.currency)
    dispute.title = (data.title or default_title).strip()[:300]
    session.add(dispute)
    session.flush()
    _audit(session, actor, contract, dispute, DisputesAction.OPENED, data.our_position)
    return dispute


def stage_update_dispute(
    session: Session,
    *,
    actor: Principal,
    dispute_id: int,
    data: DisputeUpdate,
    at: datetime | None = None,
) -> Dispute:
    """Record a position (theirs or ours) or escalate an open dispute."""
    actor.require(Permission.DISPUTES_WRITE)
    dispute = _open(session, dispute_id)
    contract = get_contract(session, dispute.contract_id)
    before: dict[str, object] = {"their_position": dispute.their_position, "status": dispute.status}
    if data.their_position is not None:
        dispute.their_position = data.their_position.strip() or None
    if data.our_position is not None and data.our_position.strip():
        dispute.our_position = data.our_position.strip()
    action = DisputesAction.UPDATED
    if data.escalate:
        if dispute.status == DisputeStatus.ESCALATED.value:
            raise Conflict(f"dispute {dispute.id} is escalated already")
        dispute.status = DisputeStatus.ESCALATED.value
        action = DisputesAction.ESCALATED
    dispute.updated_at = at or clock.now()
    _audit(session, actor, contract, dispute, action, data.note, before=before)
    return dispute


def stage_resolve_dispute(
    session: Session,
    *,
    actor: Principal,
    dispute_id: int,
    data: DisputeResolve,
    at: datetime | None = None,
) -> Dispute:
    """Close a dispute with its outcome; the finding is accepted (or dismissed, when their
    position held), the credit agreed."""
    actor.require(Permission.DISPUTES_WRITE)
    dispute = _open(session, dispute_id)
    contract = get_contract(session, dispute.contract_id)
    settled: Decimal | None = None
    if data.outcome is DisputeOutcome.SETTLED:
        if data.settled_amount is None or not 0 < data.settled_amount < dispute.amount:
            raise ValidationFailed(
                f"settled_amount: give the agreed part, more than 0 and less than the "
                f"{dispute.amount} at stake",
                details=[{"field": "settled_amount", "message": "required for settled"}],
            )
        settled = quantize_money(data.settled_amount, dispute.currency)
    elif data.settled_amount is not None:
        raise ValidationFailed(
            "settled_amount: only a settled dispute has one",
            details=[{"field": "settled_amount", "message": "only for settled"}],
        )
    resolution = data.resolution.strip()
    rejected = data.outcome is DisputeOutcome.REJECTED
    _move_subject(
        session,
        actor,
        contract,
        dispute,
        finding_to=FindingStatus.DISMISSED if rejected else FindingStatus.ACCEPTED,
        credit_to=CreditStatus.AGREED,
        note=resolution,
        at=at,
    )
    now = at or clock.now()
    dispute.status = DisputeStatus.RESOLVED.value
    dispute.outcome = data.outcome.value
    dispute.settled_amount = settled
    dispute.resolution = resolution
    dispute.closed_at = dispute.updated_at = now
    dispute.closed_by = actor.display_name
    _audit(session, actor, contract, dispute, DisputesAction.RESOLVED, resolution)
    return dispute


def stage_withdraw_dispute(
    session: Session,
    *,
    actor: Principal,
    dispute_id: int,
    data: DisputeWithdraw,
    at: datetime | None = None,
) -> Dispute:
    """Withdraw a dispute; the finding is open again, the credit back under review."""
    actor.require(Permission.DISPUTES_WRITE)
    dispute = _open(session, dispute_id)
    contract = get_contract(session, dispute.contract_id)
    reason = data.reason.strip()
    _move_subject(
        session,
        actor,
        contract,
        dispute,
        finding_to=FindingStatus.OPEN,
        credit_to=CreditStatus.UNDER_REVIEW,
        note=reason,
        at=at,
    )
    now = at or clock.now()
    dispute.status = DisputeStatus.WITHDRAWN.value
    dispute.resolution = reason
    dispute.closed_at = dispute.updated_at = now
    dispute.closed_by = actor.display_name
    _audit(session, actor, contract, dispute, DisputesAction.WITHDRAWN, reason)
    return dispute


def _move_subject(
    session: Session,
    actor: Principal,
    contract: Contract,
    dispute: Dispute,
    *,
    finding_to: FindingStatus,
    credit_to: CreditStatus,
    note: str,
    at: datetime | None,
) -> None:
    """Move what a closing dispute is about out of disputed: its finding to ``finding_to``,
    its credit to ``credit_to`` (either left alone if no longer disputed)."""
    if dispute.finding_id is not None:
        finding = invoices.get_finding(session, dispute.finding_id)
        if finding.status == FindingStatus.DISPUTED.value:
            change_finding_status(finding, finding_to, note, actor.display_name)
            if at is not None:
                finding.status_changed_at = at
    elif dispute.credit_id is not None:
        credit = session.get(PeriodCredit, dispute.credit_id)
        if credit is not None and credit.status == CreditStatus.DISPUTED.value:
            stage_credit_status(
                session,
                actor=actor,
                contract=contract,
                period=credit.period,
                data=CreditStatusChange(status=credit_to, note=note),
            )


def _open(session: Session, dispute_id: int) -> Dispute:
    dispute = queries.get_dispute(session, dispute_id)
    if DisputeStatus(dispute.status).is_closed:
        raise Conflict(f"dispute {dispute.id} is {dispute.status} already")
    return dispute


def _refuse_second(session: Session, clause: object, what: str) -> None:
    existing = session.scalar(
        select(Dispute).where(
            clause,  # type: ignore[arg-type]
            Dispute.status.in_([DisputeStatus.OPEN.value, DisputeStatus.ESCALATED.value]),
        )
    )
    if existing is not None:
        raise Conflict(f"{what} is already in dispute {existing.id}")


def _audit(
    session: Session,
    actor: Principal,
    contract: Contract,
    dispute: Dispute,
    action: DisputesAction,
    reason: str | None,
    *,
    before: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action.value,
        subject_type="dispute",
        subject_id=dispute.id,
        summary=f"{contract.reference}: dispute {dispute.id} ({dispute.title}) {dispute.status}",
        before=before,
        after={
            "status": dispute.status,
            "amount": dispute.amount,
            "outcome": dispute.outcome,
            "settled_amount": dispute.settled_amount,
            "their_position": dispute.their_position,
        },
        reason=reason,
    )
