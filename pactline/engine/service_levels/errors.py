"""Errors that name the term or row to fix."""

from __future__ import annotations

__all__ = ["ServiceLevelInputError", "ServiceLevelTermsError"]


class ServiceLevelTermsError(ValueError):
    """Service-level terms that cannot be applied; `path` names the field to fix."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ServiceLevelInputError(ValueError):
    """Measurements or charges that cannot be evaluated; `path` names the row to fix."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")
