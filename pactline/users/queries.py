"""Reads for the users area."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pactline.core.errors import NotFound
from pactline.core.pagination import PageParams, RowPage, paginate
from pactline.users.enums import Role
from pactline.users.models import ApiToken, User


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def find_user_by_username(session: Session, username: str) -> User | None:
    """The user with this username (case-insensitive), if any."""
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def get_user_by_username(session: Session, username: str) -> User:
    """The user with this username, or NotFound."""
    user = find_user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def list_users(
    session: Session,
    params: PageParams,
    *,
    role: Role | None = None,
    search: str | None = None,
    active: bool | None = None,
) -> RowPage:
    """Users ordered by username, optionally filtered."""
    statement = select(User).order_by(User.username)
    if role is not None:
        statement = statement.where(User.role == role.value)
    if active is not None:
        statement = statement.where(User.is_active == active)
    if search:
        like = f"%{search.strip().lower()}%"
        statement = statement.where(
            or_(
                User.username.like(like),
                func.lower(User.full_name).like(like),
                func.lower(User.email).like(like),
            )
        )
    return paginate(session, statement, params)


def count_users_by_role(session: Session) -> dict[Role, int]:
    """Active users per role (every role present, zero when none)."""
    rows = session.execute(
        select(User.role, func.count()).where(User.is_active.is_(True)).group_by(User.role)
    ).all()
    counts = dict.fromkeys(Role, 0)
    for role, count in rows:
        counts[Role(role)] = count
    return counts


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def count_active_admins(session: Session) -> int:
    """Active administrators who can sign in."""
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        )
        or 0
    )
