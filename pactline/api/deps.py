"""Request dependencies for API routes: the database session and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pactline.core.errors import AuthenticationRequired, ValidationFailed
from pactline.core.http import SessionDep
from pactline.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from pactline.users import service as users_service
from pactline.users.principal import Principal

bearer = HTTPBearer(auto_error=False, description="A personal API token: `Bearer pl_…`")


def current_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The user behind the request's bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationRequired(
            "authentication required: send 'Authorization: Bearer <token>' "
            "(create a token with 'pactline users create-token' or on your account page)"
        )
    user = users_service.authenticate_token(session, token=credentials.credentials)
    return Principal.of(user)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
) -> PageParams:
    """The ?limit=&offset= pagination convention."""
    try:
        return PageParams(limit=limit, offset=offset)
    except ValueError as exc:  # pragma: no cover - Query bounds catch this first
        raise ValidationFailed(str(exc)) from None


PageDep = Annotated[PageParams, Depends(page_params)]
