"""Users and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from pactline.api.deps import PageDep, PrincipalDep
from pactline.core.http import SessionDep
from pactline.core.pagination import Page
from pactline.users import queries, service
from pactline.users.enums import Role
from pactline.users.schemas import (
    PasswordReset,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)

router = APIRouter(tags=["users"])


@router.get("/users", response_model=Page[UserRead], summary="List users")
def list_users(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    role: Annotated[Role | None, Query(description="Only users with this role")] = None,
    q: Annotated[str | None, Query(description="Search username, name or email")] = None,
    active: Annotated[bool | None, Query(description="Only active or inactive users")] = None,
) -> Page[UserRead]:
    """Everyone with an account, ordered by username."""
    rows = queries.list_users(session, page, role=role, search=q, active=active)
    return Page[UserRead](
        items=[service.to_read(u) for u in rows.rows],
        total=rows.total,
        limit=rows.limit,
        offset=rows.offset,
    )


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user (admin)",
)
def create_user(session: SessionDep, principal: PrincipalDep, body: UserCreate) -> UserCreated:
    """Create an account; a generated password is returned once."""
    user, generated = service.create_user(session, actor=principal, data=body)
    return UserCreated(user=service.to_read(user), generated_password=generated)


@router.get("/users/me", response_model=UserRead, summary="The caller's own account")
def me(session: SessionDep, principal: PrincipalDep) -> UserRead:
    """The account the token belongs to."""
    assert principal.user_id is not None
    return service.to_read(queries.get_user(session, principal.user_id))


@router.get("/users/{user_id}", response_model=UserRead, summary="One user")
def get_user(session: SessionDep, principal: PrincipalDep, user_id: int) -> UserRead:
    """One account by id."""
    return service.to_read(queries.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserRead, summary="Update a user (admin)")
def update_user(
    session: SessionDep, principal: PrincipalDep, user_id: int, body: UserUpdate
) -> UserRead:
    """Change name, email, role or active flag."""
    return service.to_read(
        service.update_user(session, actor=principal, user_id=user_id, data=body)
    )


@router.post(
    "/users/{user_id}/password",
    response_model=UserCreated,
    summary="Reset a password (admin, or yourself)",
)
def reset_password(
    session: SessionDep, principal: PrincipalDep, user_id: int, body: PasswordReset
) -> UserCreated:
    """Set a new password; the user is signed out of the web UI everywhere."""
    generated = service.reset_password(
        session, actor=principal, user_id=user_id, password=body.password
    )
    return UserCreated(
        user=service.to_read(queries.get_user(session, user_id)), generated_password=generated
    )


@router.get(
    "/users/{user_id}/tokens", response_model=list[TokenRead], summary="A user's API tokens"
)
def list_tokens(session: SessionDep, principal: PrincipalDep, user_id: int) -> list[TokenRead]:
    """Tokens of a user (yours, or anyone's for an admin); secrets are never shown again."""
    service.require_self_or_admin(principal, user_id)
    return [TokenRead.model_validate(t) for t in queries.list_tokens(session, user_id)]


@router.post(
    "/users/{user_id}/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token",
)
def create_token(
    session: SessionDep, principal: PrincipalDep, user_id: int, body: TokenCreate
) -> TokenCreated:
    """Issue a token; the secret is in this response only."""
    api_token, secret = service.create_token(session, actor=principal, user_id=user_id, data=body)
    return TokenCreated(token=secret, details=TokenRead.model_validate(api_token))


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke an API token",
)
def revoke_token(session: SessionDep, principal: PrincipalDep, token_id: int) -> Response:
    """Revoke a token at once."""
    service.revoke_token(session, actor=principal, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
