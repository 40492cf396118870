"""Use cases of the users area: each checks, changes, audits and commits once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from pactline.core import audit, clock
from pactline.core.config import Settings, generate_password
from pactline.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationFailed,
)
from pactline.users import passwords, rules
from pactline.users.enums import Permission, Role
from pactline.users.models import ApiToken, LoginAttempt, User
from pactline.users.principal import Principal
from pactline.users.queries import count_active_admins, find_user_by_username, get_user
from pactline.users.schemas import TokenCreate, UserCreate, UserRead, UserUpdate

# How often a token's last-used time is written: once a minute is enough to show activity
# without a write on every API call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
# Failures from one address (any usernames) before that address is locked out too.
IP_FAILURE_MULTIPLIER = 4


def to_read(user: User) -> UserRead:
    """The public view of a user."""
    return UserRead(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        email=user.email,
        role=Role(user.role),
        is_active=user.is_active,
        can_sign_in=user.is_active and user.password_hash is not None,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def create_user(
    session: Session, *, actor: Principal, data: UserCreate, can_sign_in: bool = True
) -> tuple[User, str | None]:
    """Create a user; returns it and the generated password, if one was generated."""
    user, generated = rules.add_user(session, actor=actor, data=data, can_sign_in=can_sign_in)
    session.commit()
    return user, generated


def update_user(session: Session, *, actor: Principal, user_id: int, data: UserUpdate) -> User:
    """Change a user's name, email, role or active flag."""
    actor.require(Permission.USERS_MANAGE)
    user = get_user(session, user_id)
    before = rules.snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes:
        rules.check_unique(session, username=None, email=changes["email"], own_id=user.id)
    demoting = "role" in changes and changes["role"] != Role.ADMIN and user.role == Role.ADMIN
    deactivating = changes.get("is_active") is False and user.is_active
    if (demoting or deactivating) and user.role == Role.ADMIN and count_active_admins(session) <= 1:
        raise Conflict(
            "this is the last active administrator; make someone else an administrator first"
        )
    if deactivating and user.id == actor.user_id:
        raise Conflict("you cannot deactivate your own account")
    if changes.get("full_name") is not None:
        user.full_name = changes["full_name"]
    if "email" in changes:  # an explicit null clears the address
        user.email = changes["email"]
    if changes.get("is_active") is not None:
        user.is_active = changes["is_active"]
    if changes.get("role") is not None:
        user.role = Role(changes["role"]).value
    if deactivating:
        user.session_version += 1
    after = rules.snapshot(user)
    old, new = audit.changed_fields(before, after)
    if not new:
        return user
    user.updated_at = clock.now()
    action = "users.updated"
    if set(new) == {"role"}:
        action = "users.role_changed"
    elif set(new) == {"is_active"}:
        action = "users.deactivated" if not user.is_active else "users.reactivated"
    audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="user",
        subject_id=user.id,
        summary=f"Updated user {user.username}: {', '.join(sorted(new))}",
        before=old,
        after=new,
    )
    session.commit()
    return user


def set_role(session: Session, *, actor: Principal, user_id: int, role: Role) -> User:
    """Give a user another role."""
    return update_user(session, actor=actor, user_id=user_id, data=UserUpdate(role=role))


def reset_password(
    session: Session, *, actor: Principal, user_id: int, password: str | None = None
) -> str | None:
    """Set a new password (generated if not given) and sign the user out everywhere."""
    if actor.user_id != user_id:
        actor.require(Permission.USERS_MANAGE)
    user = get_user(session, user_id)
    generated = None
    if not password:
        password = generated = generate_password()
    rules.check_password(password, user.username)
    user.password_hash = passwords.hash_password(password)
    user.session_version += 1
    user.updated_at = clock.now()
    audit.record(
        session,
        actor=actor,
        action="users.password_reset",
        subject_type="user",
        subject_id=user.id,
        summary=f"Reset the password of {user.username}",
    )
    session.commit()
    return generated


def change_own_password(
    session: Session, *, actor: Principal, current_password: str, new_password: str
) -> None:
    """A signed-in user changes their own password, proving they know the current one."""
    if actor.user_id is None:
        raise PermissionDenied("only a signed-in user can change their own password")
    user = get_user(session, actor.user_id)
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            "the current password is wrong",
            details=[{"field": "current_password", "message": "wrong password"}],
        )
    rules.check_password(new_password, user.username)
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    user.updated_at = clock.now()
    audit.record(
        session,
        actor=actor,
        action="users.password_changed",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.username} changed their password",
    )
    session.commit()


def create_token(
    session: Session, *, actor: Principal, user_id: int, data: TokenCreate
) -> tuple[ApiToken, str]:
    """Issue a personal API token; the secret is returned once and only its hash is kept."""
    if actor.user_id != user_id:
        actor.require(Permission.USERS_MANAGE)
    user = get_user(session, user_id)
    if not user.is_active:
        raise Conflict(f"{user.username} is deactivated; reactivate the account first")
    token, prefix, token_hash = passwords.new_api_token()
    now = clock.now()
    api_token = ApiToken(
        user_id=user.id,
        name=data.name,
        prefix=prefix,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days) if data.expires_in_days else None,
    )
    session.add(api_token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="users.token_created",
        subject_type="user",
        subject_id=user.id,
        summary=f"Created API token {prefix}… ({data.name}) for {user.username}",
        after={"token_id": api_token.id, "name": data.name, "expires_at": api_token.expires_at},
    )
    session.commit()
    return api_token, token


def revoke_token(session: Session, *, actor: Principal, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking twice is harmless."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise NotFound(f"no API token with id {token_id}")
    if api_token.user_id != actor.user_id:
        actor.require(Permission.USERS_MANAGE)
    if api_token.revoked_at is not None:
        return api_token
    api_token.revoked_at = clock.now()
    audit.record(
        session,
        actor=actor,
        action="users.token_revoked",
        subject_type="user",
        subject_id=api_token.user_id,
        summary=f"Revoked API token {api_token.prefix}… ({api_token.name})",
        after={"token_id": api_token.id},
    )
    session.commit()
    return api_token


def _lockout_remaining(
    session: Session,
    *,
    column: InstrumentedAttribute[str],
    value: str,
    limit: int,
    settings: Settings,
) -> int:
    """Seconds left of a lockout on this username or address, or 0."""
    now = clock.now()
    window_start = now - timedelta(seconds=settings.login_lockout_seconds)
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            column == value,
            LoginAttempt.succeeded.is_(True),
        )
    )
    since = max(window_start, last_success) if last_success else window_start
    failures = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc())
            .limit(limit)
        )
    )
    if len(failures) < limit:
        return 0
    # Locked until the oldest of the last `limit` failures leaves the window.
    unlock_at = failures[-1] + timedelta(seconds=settings.login_lockout_seconds)
    return max(1, int((unlock_at - now).total_seconds()))


def authenticate_password(
    session: Session, *, username: str, password: str, ip: str, settings: Settings
) -> User:
    """Check a sign-in; records the attempt and locks out after repeated failures."""
    username = username.strip().lower()[:64]
    for column, value, limit in (
        (LoginAttempt.username, username, settings.login_max_failures),
        (LoginAttempt.ip, ip, settings.login_max_failures * IP_FAILURE_MULTIPLIER),
    ):
        remaining = _lockout_remaining(
            session, column=column, value=value, limit=limit, settings=settings
        )
        if remaining:
            raise Throttled(
                f"too many failed sign-ins; try again in {remaining // 60 + 1} minutes",
                details={"retry_after_seconds": remaining},
            )
    user = find_user_by_username(session, username)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    now = clock.now()
    session.add(LoginAttempt(username=username, ip=ip[:64], at=now, succeeded=ok))
    if not ok or user is None:
        session.commit()
        raise AuthenticationFailed("wrong username or password")
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    session.commit()
    return user


def authenticate_token(session: Session, *, token: str) -> User:
    """The active user holding this API token, or AuthenticationFailed."""
    api_token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == passwords.hash_token(token))
    )
    now = clock.now()
    if api_token is None:
        raise AuthenticationFailed("the API token is not valid")
    if api_token.revoked_at is not None:
        raise AuthenticationFailed("the API token has been revoked")
    if api_token.expires_at is not None and api_token.expires_at <= now:
        raise AuthenticationFailed("the API token has expired")
    user = api_token.user
    if not user.is_active:
        raise AuthenticationFailed("the account holding this API token is deactivated")
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_TOUCH_INTERVAL:
        api_token.last_used_at = now
        session.commit()
    return user


def ensure_admin(
    session: Session, *, username: str = "admin", password: str | None = None
) -> tuple[User | None, str | None]:
    """Create the first administrator if there is none; returns (new user, generated password)."""
    if count_active_admins(session) > 0:
        return None, None
    if find_user_by_username(session, username) is not None:
        raise Conflict(
            f"there is no active administrator, and the username {username!r} is taken; "
            f"use 'pactline users set-role {username} admin'"
        )
    return create_user(
        session,
        actor=Principal.system(),
        data=UserCreate(
            username=username, full_name="Administrator", role=Role.ADMIN, password=password
        ),
    )


def require_self_or_admin(actor: Principal, user_id: int) -> None:
    """Reading someone else's tokens needs users.manage."""
    if actor.user_id != user_id:
        actor.require(Permission.USERS_MANAGE)


def reset_calendar_token(session: Session, *, actor: Principal) -> str:
    """Issue a new secret for the caller's calendar feed URL; the old URL stops working."""
    if actor.user_id is None:
        raise PermissionDenied("only a signed-in user has a calendar feed")
    user = get_user(session, actor.user_id)
    token = "cal_" + secrets.token_urlsafe(24)
    user.calendar_token_hash = passwords.hash_token(token)
    audit.record(
        session,
        actor=actor,
        action="users.calendar_token_reset",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.username} issued a new calendar feed address",
    )
    session.commit()
    return token


def find_user_by_calendar_token(session: Session, token: str) -> User | None:
    """The active user whose calendar feed URL carries this secret."""
    user = session.scalar(
        select(User).where(User.calendar_token_hash == passwords.hash_token(token))
    )
    return user if user is not None and user.is_active else None
