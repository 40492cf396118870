from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.core.config import Settings
from pactline.core.errors import (
    AuthenticationFailed,
    Conflict,
    PermissionDenied,
    Throttled,
    ValidationFailed,
)
from pactline.users import service
from pactline.users.enums import ROLE_PERMISSIONS, Permission, Role
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.schemas import TokenCreate, UserCreate, UserUpdate
from tests.conftest import TEST_PASSWORD, MakeUser


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_creating_a_user_hashes_the_password_and_records_who_did_it(
    session: Session, admin: User
) -> None:
    user, generated = service.create_user(
        session,
        actor=Principal.of(admin),
        data=UserCreate(username="Dana.Smith", role=Role.COMMERCIAL, password="a long password"),
    )
    assert user.username == "dana.smith"
    assert generated is None
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "users.created")).all()[
        -1
    ]
    assert event.actor_name == admin.display_name
    assert event.after and event.after["role"] == "commercial"


def test_a_password_is_generated_when_none_is_given(session: Session, admin: User) -> None:
    _, generated = service.create_user(
        session, actor=Principal.of(admin), data=UserCreate(username="gen", role=Role.VIEWER)
    )
    assert generated and len(generated) >= 20


def test_a_duplicate_username_is_a_conflict_and_nothing_is_written(
    session: Session, admin: User, make_user: MakeUser
) -> None:
    make_user(Role.VIEWER, username="dup")
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(Conflict, match="already exists"):
        service.create_user(
            session, actor=Principal.of(admin), data=UserCreate(username="DUP", password="x" * 12)
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10"), ("weakling01", "not be the username")],
)
def test_weak_passwords_are_refused(
    session: Session, admin: User, password: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        service.create_user(
            session,
            actor=Principal.of(admin),
            data=UserCreate(username="weakling01", password=password),
        )


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_administrators_may_create_users(
    session: Session, make_user: MakeUser, role: Role
) -> None:
    actor = make_user(role)
    with pytest.raises(PermissionDenied, match=r"users\.manage"):
        service.create_user(session, actor=Principal.of(actor), data=UserCreate(username="newbie"))


def test_an_administrator_may_change_a_role_and_it_is_audited(
    session: Session, admin: User, make_user: MakeUser
) -> None:
    user = make_user(Role.VIEWER)
    service.set_role(session, actor=Principal.of(admin), user_id=user.id, role=Role.GOVERNANCE)
    assert user.role == "governance"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "users.role_changed")
    ).one()
    assert event.before == {"role": "viewer"} and event.after == {"role": "governance"}


def test_the_last_administrator_cannot_be_demoted_or_deactivated(
    session: Session, admin: User
) -> None:
    actor = Principal.system()
    with pytest.raises(Conflict, match="last active administrator"):
        service.set_role(session, actor=actor, user_id=admin.id, role=Role.VIEWER)
    with pytest.raises(Conflict, match="last active administrator"):
        service.update_user(
            session, actor=actor, user_id=admin.id, data=UserUpdate(is_active=False)
        )


def test_deactivating_a_user_ends_their_sessions(
    session: Session, admin: User, make_user: MakeUser
) -> None:
    user = make_user(Role.DELIVERY)
    version = user.session_version
    service.update_user(
        session, actor=Principal.of(admin), user_id=user.id, data=UserUpdate(is_active=False)
    )
    assert not user.is_active
    assert user.session_version == version + 1
    assert "users.deactivated" in audit_actions(session)


def test_resetting_a_password_ends_sessions_and_the_old_password_stops_working(
    session: Session, admin: User, make_user: MakeUser, settings: Settings
) -> None:
    user = make_user(Role.VIEWER)
    generated = service.reset_password(session, actor=Principal.of(admin), user_id=user.id)
    assert generated
    assert user.session_version == 2
    with pytest.raises(AuthenticationFailed):
        service.authenticate_password(
            session, username=user.username, password=TEST_PASSWORD, ip="1.2.3.4", settings=settings
        )
    assert (
        service.authenticate_password(
            session, username=user.username, password=generated, ip="1.2.3.4", settings=settings
        )
        == user
    )


def test_a_user_may_change_their_own_password_only_with_the_current_one(
    session: Session, make_user: MakeUser
) -> None:
    user = make_user(Role.VIEWER)
    with pytest.raises(ValidationFailed, match="current password is wrong"):
        service.change_own_password(
            session, actor=Principal.of(user), current_password="nope", new_password="x" * 12
        )
    service.change_own_password(
        session, actor=Principal.of(user), current_password=TEST_PASSWORD, new_password="x" * 12
    )
    assert "users.password_changed" in audit_actions(session)


def test_signing_in_records_the_attempt_and_the_time(
    session: Session, make_user: MakeUser, settings: Settings
) -> None:
    user = make_user(Role.VIEWER)
    moment = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        signed_in = service.authenticate_password(
            session,
            username=user.username.upper(),
            password=TEST_PASSWORD,
            ip="10.0.0.1",
            settings=settings,
        )
    assert signed_in.last_login_at == moment


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(
    session: Session, make_user: MakeUser, settings: Settings
) -> None:
    user = make_user(Role.VIEWER)
    messages = []
    for username, password in ((user.username, "wrong"), ("nobody", TEST_PASSWORD)):
        with pytest.raises(AuthenticationFailed) as info:
            service.authenticate_password(
                session, username=username, password=password, ip="10.0.0.2", settings=settings
            )
        messages.append(info.value.message)
    assert messages[0] == messages[1] == "wrong username or password"


def test_repeated_failures_lock_the_account_until_the_window_passes(
    session: Session, make_user: MakeUser, settings: Settings
) -> None:
    user = make_user(Role.VIEWER)
    start = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        for _ in range(settings.login_max_failures):
            with pytest.raises(AuthenticationFailed):
                service.authenticate_password(
                    session,
                    username=user.username,
                    password="bad",
                    ip="10.0.0.3",
                    settings=settings,
                )
        # Even the right password is refused while locked out.
        with pytest.raises(Throttled) as info:
            service.authenticate_password(
                session,
                username=user.username,
                password=TEST_PASSWORD,
                ip="10.0.0.3",
                settings=settings,
            )
        assert info.value.details["retry_after_seconds"] == settings.login_lockout_seconds
    later = start + timedelta(seconds=settings.login_lockout_seconds + 1)
    with clock.frozen_at(later):
        assert (
            service.authenticate_password(
                session,
                username=user.username,
                password=TEST_PASSWORD,
                ip="10.0.0.3",
                settings=settings,
            )
            == user
        )


def test_a_token_is_stored_only_as_a_hash_and_authenticates_its_user(
    session: Session, make_user: MakeUser
) -> None:
    user = make_user(Role.DELIVERY)
    api_token, secret = service.create_token(
        session, actor=Principal.of(user), user_id=user.id, data=TokenCreate(name="script")
    )
    assert secret.startswith("pl_") and secret not in api_token.token_hash
    assert service.authenticate_token(session, token=secret) == user
    assert api_token.last_used_at is not None


def test_revoked_and_expired_tokens_are_refused_with_a_reason(
    session: Session, make_user: MakeUser
) -> None:
    user = make_user(Role.DELIVERY)
    start = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        revoked, revoked_secret = service.create_token(
            session, actor=Principal.of(user), user_id=user.id, data=TokenCreate(name="a")
        )
        _, expiring_secret = service.create_token(
            session,
            actor=Principal.of(user),
            user_id=user.id,
            data=TokenCreate(name="b", expires_in_days=1),
        )
        service.revoke_token(session, actor=Principal.of(user), token_id=revoked.id)
        with pytest.raises(AuthenticationFailed, match="revoked"):
            service.authenticate_token(session, token=revoked_secret)
    with (
        clock.frozen_at(start + timedelta(days=1, seconds=1)),
        pytest.raises(AuthenticationFailed, match="expired"),
    ):
        service.authenticate_token(session, token=expiring_secret)
    with pytest.raises(AuthenticationFailed, match="not valid"):
        service.authenticate_token(session, token="pl_made-up")


def test_a_user_cannot_issue_tokens_for_someone_else(session: Session, make_user: MakeUser) -> None:
    alice, bob = make_user(Role.COMMERCIAL), make_user(Role.COMMERCIAL)
    with pytest.raises(PermissionDenied):
        service.create_token(
            session, actor=Principal.of(alice), user_id=bob.id, data=TokenCreate(name="x")
        )


def test_ensure_admin_creates_one_administrator_only_once(session: Session) -> None:
    user, generated = service.ensure_admin(session, password="chosen password 1")
    assert user is not None and user.role == "admin" and generated is None
    assert service.ensure_admin(session) == (None, None)


def test_every_role_can_read_the_portfolio_and_only_admins_manage_users() -> None:
    for role, permissions in ROLE_PERMISSIONS.items():
        assert Permission.PORTFOLIO_READ in permissions
        assert (Permission.USERS_MANAGE in permissions) == (role is Role.ADMIN)
    assert ROLE_PERMISSIONS[Role.VIEWER] == {Permission.PORTFOLIO_READ}
    assert ROLE_PERMISSIONS[Role.AUDITOR] == {Permission.PORTFOLIO_READ, Permission.AUDIT_READ}
