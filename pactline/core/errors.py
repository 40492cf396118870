"""Domain errors with stable codes; adapters turn them into HTTP statuses, pages or CLI lines."""

from __future__ import annotations

from typing import Any, ClassVar


class PactlineError(Exception):
    """Base of every error a user may see. `code` is stable: clients may rely on it."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body: {"code", "message", "details"}."""
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(PactlineError):
    """Input broke a rule; `details` lists each problem with its field."""

    code = "validation_error"
    http_status = 422


class NotFound(PactlineError):
    code = "not_found"
    http_status = 404


class Conflict(PactlineError):
    """The change clashes with existing data (a duplicate reference, say)."""

    code = "conflict"
    http_status = 409


class AuthenticationRequired(PactlineError):
    code = "authentication_required"
    http_status = 401


class AuthenticationFailed(PactlineError):
    code = "authentication_failed"
    http_status = 401


class PermissionDenied(PactlineError):
    code = "permission_denied"
    http_status = 403


class Throttled(PactlineError):
    """Too many attempts; `details` carries `retry_after_seconds`."""

    code = "throttled"
    http_status = 429


class ConfigurationError(PactlineError):
    """The deployment is misconfigured (unreachable database, unsafe settings)."""

    code = "configuration_error"
    http_status = 500
