"""The audit trail, for auditors and the governance office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pactline.api.deps import PageDep, PrincipalDep
from pactline.core.http import SessionDep
from pactline.core.pagination import Page
from pactline.users import audit_queries
from pactline.users.schemas import AuditEventRead

router = APIRouter(tags=["audit"])


@router.get("/audit-events", response_model=Page[AuditEventRead], summary="The audit trail")
def list_audit_events(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    action: Annotated[str | None, Query(description="Exact action, e.g. users.created")] = None,
    subject_type: Annotated[str | None, Query()] = None,
    subject_id: Annotated[str | None, Query()] = None,
) -> Page[AuditEventRead]:
    """Every recorded change, newest first (needs audit.read)."""
    rows = audit_queries.list_audit_events(
        session,
        principal,
        page,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    return Page[AuditEventRead](
        items=[AuditEventRead.model_validate(e) for e in rows.rows],
        total=rows.total,
        limit=rows.limit,
        offset=rows.offset,
    )
