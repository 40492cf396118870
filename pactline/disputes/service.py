"""Use cases of the disputes area: each checks, changes, audits and commits once.

A dispute moves what it is about: opening one marks the finding or the credit disputed;
resolving it settles the finding (accepted, or dismissed when their position held) or agrees
the credit; withdrawing it sends either back to review. The steps are in staging.py, shared
with the demo loader; each use case here stages one and commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pactline.disputes import queries, staging
from pactline.disputes.schemas import (
    DisputeCreate,
    DisputeRead,
    DisputeResolve,
    DisputeUpdate,
    DisputeWithdraw,
)
from pactline.users.principal import Principal


def open_dispute(
    session: Session, *, actor: Principal, contract_id: int, data: DisputeCreate
) -> DisputeRead:
    """Open a dispute over a finding or a month's credit, and mark it disputed."""
    dispute = staging.stage_open_dispute(session, actor=actor, contract_id=contract_id, data=data)
    session.commit()
    return queries.dispute_read(session, dispute)


def update_dispute(
    session: Session, *, actor: Principal, dispute_id: int, data: DisputeUpdate
) -> DisputeRead:
    """Record a position (theirs or ours) or escalate an open dispute."""
    dispute = staging.stage_update_dispute(session, actor=actor, dispute_id=dispute_id, data=data)
    session.commit()
    return queries.dispute_read(session, dispute)


def resolve_dispute(
    session: Session, *, actor: Principal, dispute_id: int, data: DisputeResolve
) -> DisputeRead:
    """Close a dispute with its outcome; the finding is accepted (or dismissed, when their
    position held), the credit agreed."""
    dispute = staging.stage_resolve_dispute(session, actor=actor, dispute_id=dispute_id, data=data)
    session.commit()
    return queries.dispute_read(session, dispute)


def withdraw_dispute(
    session: Session, *, actor: Principal, dispute_id: int, data: DisputeWithdraw
) -> DisputeRead:
    """Withdraw a dispute; the finding is open again, the credit back under review."""
    dispute = staging.stage_withdraw_dispute(session, actor=actor, dispute_id=dispute_id, data=data)
    session.commit()
    return queries.dispute_read(session, dispute)
