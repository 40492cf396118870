"""Reading the audit trail, which needs the audit.read permission."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.core.audit import AuditEvent
from pactline.core.pagination import PageParams, RowPage, paginate
from pactline.users.enums import Permission
from pactline.users.principal import Principal


def list_audit_events(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
) -> RowPage:
    """Audit events, newest first, optionally for one action or subject."""
    principal.require(Permission.AUDIT_READ)
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        statement = statement.where(AuditEvent.action == action)
    if subject_type:
        statement = statement.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        statement = statement.where(AuditEvent.subject_id == subject_id)
    return paginate(session, statement, params)


def list_actions(session: Session, principal: Principal) -> list[str]:
    """The distinct actions recorded so far, for filters."""
    principal.require(Permission.AUDIT_READ)
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def recent_audit_events(session: Session, principal: Principal, limit: int = 8) -> list[AuditEvent]:
    """The latest changes, newest first."""
    return list(list_audit_events(session, principal, PageParams(limit=limit)).rows)


def count_audit_events_since(session: Session, since: datetime) -> int:
    """How many changes were recorded since a moment."""
    return (
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.at >= since))
        or 0
    )
