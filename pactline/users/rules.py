"""Non-committing helpers shared by the users use cases and by bulk loaders."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.core import audit, clock
from pactline.core.config import generate_password
from pactline.core.errors import Conflict, ValidationFailed
from pactline.users import passwords
from pactline.users.enums import Permission
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.queries import find_user_by_username
from pactline.users.schemas import UserCreate


def snapshot(user: User) -> dict[str, object]:
    """The audited fields of a user."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
    }


def check_password(password: str, username: str) -> None:
    """Raise ValidationFailed if the password is too weak."""
    problems = []
    if len(password) < passwords.MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {passwords.MIN_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username:
        problems.append("must not be the username")
    if problems:
        raise ValidationFailed(
            f"password {' and '.join(problems)}",
            details=[{"field": "password", "message": p} for p in problems],
        )


def check_unique(
    session: Session, *, username: str | None, email: str | None, own_id: int | None
) -> None:
    """Raise Conflict if the username or email belongs to another user."""
    if username is not None:
        other = find_user_by_username(session, username)
        if other is not None and other.id != own_id:
            raise Conflict(
                f"a user named {username!r} already exists",
                details=[{"field": "username", "message": "already taken"}],
            )
    if email is not None:
        other_id = session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
        if other_id is not None and other_id != own_id:
            raise Conflict(
                f"the email address {email} is already used by another user",
                details=[{"field": "email", "message": "already used"}],
            )


def add_user(
    session: Session, *, actor: Principal, data: UserCreate, can_sign_in: bool = True
) -> tuple[User, str | None]:
    """Add a user and its audit row to the session, without committing."""
    actor.require(Permission.USERS_MANAGE)
    check_unique(session, username=data.username, email=data.email, own_id=None)
    generated = None
    password_hash = None
    if can_sign_in:
        password = data.password
        if not password:
            password = generated = generate_password()
        check_password(password, data.username)
        password_hash = passwords.hash_password(password)
    now = clock.now()
    user = User(
        username=data.username,
        full_name=data.full_name,
        email=data.email,
        role=data.role.value,
        password_hash=password_hash,
        is_active=True,
        session_version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="users.created",
        subject_type="user",
        subject_id=user.id,
        summary=f"Created user {user.username} ({data.role.value})",
        after=snapshot(user),
    )
    return user, generated
