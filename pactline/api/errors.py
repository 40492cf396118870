"""JSON error bodies for the API: always {"code", "message", "details"}."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pactline.core.errors import AuthenticationFailed, AuthenticationRequired, PactlineError

_HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON error with the house shape."""
    return JSONResponse(
        {"code": code, "message": message, "details": details}, status_code=status, headers=headers
    )


def domain_error(exc: PactlineError) -> JSONResponse:
    """A domain error as JSON with its own status."""
    headers = None
    if isinstance(exc, AuthenticationRequired | AuthenticationFailed):
        headers = {"WWW-Authenticate": "Bearer"}
    elif exc.code == "throttled" and isinstance(exc.details, dict):
        headers = {"Retry-After": str(exc.details.get("retry_after_seconds", 60))}
    return error_response(exc.http_status, exc.code, exc.message, exc.details, headers)


def http_error(exc: HTTPException) -> JSONResponse:
    """Starlette's HTTP errors (unknown route, wrong method) in the house shape."""
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail) if exc.detail else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = "no such API route; see /api/docs"
    return error_response(exc.status_code, code, message, None, dict(exc.headers or {}) or None)


def validation_error(exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON is a 400; a well-formed body that breaks the schema is a 422."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (first.get("ctx") or {}).get("error", "invalid JSON")
        return error_response(
            400, "malformed_json", f"the request body is not valid JSON: {reason}"
        )
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            "message": e.get("msg", "invalid"),
        }
        for e in errors
    ]
    summary = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details[:3])
    return error_response(422, "validation_error", f"invalid request: {summary}", details)
