"""The /api/v1 router: every route needs a bearer token except health."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pactline.api import (
    audit,
    commercials,
    contracts,
    disputes,
    health,
    invoices,
    service_levels,
    users,
)
from pactline.api.deps import current_principal

API_PREFIX = "/api/v1"


def build_router() -> APIRouter:
    """All API routes; authentication is enforced here, once, for the whole tree."""
    router = APIRouter(prefix=API_PREFIX)
    router.include_router(health.router)
    protected = APIRouter(dependencies=[Depends(current_principal)])
    protected.include_router(users.router)
    protected.include_router(audit.router)
    protected.include_router(contracts.router)
    protected.include_router(service_levels.router)
    protected.include_router(commercials.router)
    protected.include_router(invoices.router)
    protected.include_router(disputes.router)
    router.include_router(protected)
    return router
