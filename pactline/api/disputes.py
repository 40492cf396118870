"""Disputes over invoice findings and service credits: thin adapters over the disputes area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from pactline.api.deps import PageDep, PrincipalDep
from pactline.core.http import SessionDep
from pactline.core.pagination import Page
from pactline.disputes import queries, service
from pactline.disputes.schemas import (
    DisputeCreate,
    DisputeRead,
    DisputeResolve,
    DisputeUpdate,
    DisputeWithdraw,
)

router = APIRouter(tags=["disputes"])


@router.get("/disputes", response_model=Page[DisputeRead], summary="Disputes")
def list_disputes(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    contract_id: Annotated[int | None, Query(description="Only this contract's")] = None,
    open: Annotated[bool, Query(description="Only open and escalated ones")] = False,
) -> Page[DisputeRead]:
    """Open disputes oldest first (with their age in days), then closed ones, latest first."""
    return queries.disputes_page(session, page, contract_id=contract_id, open_only=open)


@router.post(
    "/contracts/{contract_id}/disputes",
    response_model=DisputeRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open a dispute",
)
def open_dispute(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: DisputeCreate
) -> DisputeRead:
    """Dispute an invoice finding (finding_id) or a month's service credit (period); it is
    marked disputed. Needs disputes.write."""
    return service.open_dispute(session, actor=principal, contract_id=contract_id, data=body)


@router.get("/disputes/{dispute_id}", response_model=DisputeRead, summary="One dispute")
def get_dispute(session: SessionDep, principal: PrincipalDep, dispute_id: int) -> DisputeRead:
    """The dispute, both positions, its age and outcome."""
    return queries.dispute_read(session, queries.get_dispute(session, dispute_id))


@router.post(
    "/disputes/{dispute_id}", response_model=DisputeRead, summary="Record a position or escalate"
)
def update_dispute(
    session: SessionDep, principal: PrincipalDep, dispute_id: int, body: DisputeUpdate
) -> DisputeRead:
    """Record the counterparty's position, restate ours, or escalate. Needs disputes.write."""
    return service.update_dispute(session, actor=principal, dispute_id=dispute_id, data=body)


@router.post(
    "/disputes/{dispute_id}/resolve", response_model=DisputeRead, summary="Resolve a dispute"
)
def resolve_dispute(
    session: SessionDep, principal: PrincipalDep, dispute_id: int, body: DisputeResolve
) -> DisputeRead:
    """Upheld, settled (with the agreed amount) or rejected; the finding is accepted (or
    dismissed) and the credit agreed. Needs disputes.write."""
    return service.resolve_dispute(session, actor=principal, dispute_id=dispute_id, data=body)


@router.post(
    "/disputes/{dispute_id}/withdraw", response_model=DisputeRead, summary="Withdraw a dispute"
)
def withdraw_dispute(
    session: SessionDep, principal: PrincipalDep, dispute_id: int, body: DisputeWithdraw
) -> DisputeRead:
    """Withdraw it; the finding is open again, the credit back under review."""
    return service.withdraw_dispute(session, actor=principal, dispute_id=dispute_id, data=body)
