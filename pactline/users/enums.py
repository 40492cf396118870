"""Roles and the permissions each one grants."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    GOVERNANCE = "governance"
    COMMERCIAL = "commercial"
    DELIVERY = "delivery"
    VIEWER = "viewer"
    AUDITOR = "auditor"


class Permission(StrEnum):
    """What a person may do. docs/access.md lists the same table (a test keeps them equal)."""

    PORTFOLIO_READ = "portfolio.read"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    CONTRACTS_WRITE = "contracts.write"
    OBLIGATIONS_WRITE = "obligations.write"
    SERVICE_LEVELS_WRITE = "service_levels.write"
    SERVICE_LEVELS_APPROVE = "service_levels.approve"
    COMMERCIALS_WRITE = "commercials.write"
    INVOICES_WRITE = "invoices.write"
    DISPUTES_WRITE = "disputes.write"
    GOVERNANCE_WRITE = "governance.write"
    HEALTH_WRITE = "health.write"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.GOVERNANCE: "Governance office",
    Role.COMMERCIAL: "Commercial",
    Role.DELIVERY: "Delivery",
    Role.VIEWER: "Viewer",
    Role.AUDITOR: "Auditor",
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.ADMIN: "Manages users and roles, and may do everything the other roles may.",
    Role.GOVERNANCE: "Runs the portfolio: contracts, obligations, reviews, health; approves "
    "service-level exclusions; reads the audit trail.",
    Role.COMMERCIAL: "Owns money: contracts' commercial terms, charges, invoices, credits and "
    "disputes.",
    Role.DELIVERY: "Delivers the service: obligations, service-level measurements, action items.",
    Role.VIEWER: "Reads the portfolio; changes nothing.",
    Role.AUDITOR: "Reads everything including the full audit trail; changes nothing.",
}

_P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.GOVERNANCE: frozenset(
        {
            _P.PORTFOLIO_READ,
            _P.AUDIT_READ,
            _P.CONTRACTS_WRITE,
            _P.OBLIGATIONS_WRITE,
            _P.SERVICE_LEVELS_APPROVE,
            _P.DISPUTES_WRITE,
            _P.GOVERNANCE_WRITE,
            _P.HEALTH_WRITE,
        }
    ),
    Role.COMMERCIAL: frozenset(
        {
            _P.PORTFOLIO_READ,
            _P.CONTRACTS_WRITE,
            _P.COMMERCIALS_WRITE,
            _P.INVOICES_WRITE,
            _P.DISPUTES_WRITE,
        }
    ),
    Role.DELIVERY: frozenset(
        {_P.PORTFOLIO_READ, _P.OBLIGATIONS_WRITE, _P.SERVICE_LEVELS_WRITE, _P.GOVERNANCE_WRITE}
    ),
    Role.VIEWER: frozenset({_P.PORTFOLIO_READ}),
    Role.AUDITOR: frozenset({_P.PORTFOLIO_READ, _P.AUDIT_READ}),
}
