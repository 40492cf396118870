"""What every page with a form shares: HTMX partials, error problems and field messages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.responses import Response

from pactline.core.errors import PactlineError


def is_partial(request: Request) -> bool:
    """An HTMX request for a block of the page (a history restore wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def vary(response: Response) -> Response:
    """Mark a response that differs for HTMX requests."""
    # The same URL answers a whole page or an HTMX block: caches must keep them apart.
    response.headers["Vary"] = "HX-Request"
    return response


def capitalised(message: str) -> str:
    """A message as the start of a sentence."""
    return message[:1].upper() + message[1:]


def problems(exc: PactlineError) -> list[dict[str, Any]]:
    """The problems an error lists, each with file, line (terms) or row (tables), field and
    message; an error without a list is one problem."""
    if isinstance(exc.details, list) and exc.details:
        return [
            {
                "file": d.get("file"),
                "line": d.get("line"),
                "row": d.get("row"),
                "field": d.get("field") or "",
                "message": d.get("message") or "",
            }
            for d in exc.details
            if isinstance(d, dict)
        ]
    return [{"file": None, "line": None, "row": None, "field": "", "message": exc.message}]


def model_errors(exc: ValidationError) -> dict[str, str]:
    """Per-field messages of a Pydantic error, for a form."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        fields.setdefault(name, error["msg"].removeprefix("Value error, "))
    return fields
