"""GET /api/v1/health: is the database reachable and is its schema current?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from pactline import __version__
from pactline.core import migrate
from pactline.core.db import check_connection
from pactline.core.errors import ConfigurationError

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Service health",
    responses={503: {"description": "Database unreachable or schema not current"}},
)
def health(request: Request) -> JSONResponse:
    """Database connectivity and migration state; 200 when both are good, else 503."""
    engine = request.app.state.db.engine
    body: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "database": {"dialect": engine.dialect.name, "connected": True, "error": None},
        "migrations": {"current": None, "head": migrate.head_revision(engine), "up_to_date": False},
    }
    try:
        check_connection(engine)
        current = migrate.current_revision(engine)
        body["migrations"]["current"] = current
        body["migrations"]["up_to_date"] = current == body["migrations"]["head"]
    except (ConfigurationError, SQLAlchemyError) as exc:
        body["database"]["connected"] = False
        body["database"]["error"] = getattr(exc, "message", None) or "database error"
    healthy = body["database"]["connected"] and body["migrations"]["up_to_date"]
    body["status"] = "ok" if healthy else "unavailable"
    return JSONResponse(body, status_code=200 if healthy else 503)
