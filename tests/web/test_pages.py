from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.core.audit import AuditEvent
from pactline.users.enums import Role
from pactline.users.models import User
from tests.conftest import MakeUser, WebClient, csrf_of


def test_home_shows_real_counts(web_as: WebClient, admin: User, make_user: MakeUser) -> None:
    make_user(Role.COMMERCIAL)
    make_user(Role.COMMERCIAL)
    page = web_as(admin).get("/")
    assert page.status_code == 200
    assert "Active users" in page.text
    assert '<p class="stat-value">3</p>' in page.text


def test_the_navigation_lists_the_areas_and_hides_administration_from_viewers(
    web_as: WebClient, make_user: MakeUser
) -> None:
    page = web_as(make_user(Role.VIEWER)).get("/").text
    for area in (
        "Portfolio",
        "Contracts",
        "Obligations",
        "Service levels",
        "Commercials",
        "Invoices",
        "Governance",
        "Health",
    ):
        assert area in page
    assert "/admin/users" not in page


def test_a_viewer_is_refused_the_admin_pages(web_as: WebClient, make_user: MakeUser) -> None:
    response = web_as(make_user(Role.VIEWER)).get("/admin/users")
    assert response.status_code == 403
    assert "may not do this" in response.text


def test_an_admin_adds_a_user_from_the_admin_page_and_sees_the_password_once(
    web_as: WebClient, admin: User, session: Session
) -> None:
    c = web_as(admin)
    token = csrf_of(c.get("/admin/users").text)
    response = c.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "dana",
            "full_name": "Dana Smith",
            "role": "commercial",
        },
    )
    assert response.status_code == 201
    assert "Password for dana" in response.text
    dana = session.scalars(select(User).where(User.username == "dana")).one()
    assert dana.role == "commercial"
    assert "Password for dana" not in c.get("/admin/users").text


def test_a_bad_new_user_is_shown_inline_and_nothing_is_stored(
    web_as: WebClient, admin: User, session: Session
) -> None:
    c = web_as(admin)
    token = csrf_of(c.get("/admin/users").text)
    response = c.post(
        "/admin/users", data={"csrf_token": token, "username": "root", "role": "viewer"}
    )
    assert response.status_code == 409
    assert "already exists" in response.text
    response = c.post(
        "/admin/users", data={"csrf_token": token, "username": "ok.name", "password": "short"}
    )
    assert response.status_code == 422
    assert "at least 10 characters" in response.text
    assert session.scalars(select(User).where(User.username == "ok.name")).first() is None


def test_an_admin_changes_a_role_and_the_history_shows_it(
    web_as: WebClient, admin: User, make_user: MakeUser, session: Session
) -> None:
    user = make_user(Role.VIEWER)
    c = web_as(admin)
    token = csrf_of(c.get(f"/admin/users/{user.id}").text)
    response = c.post(
        f"/admin/users/{user.id}",
        data={
            "csrf_token": token,
            "full_name": "",
            "email": "",
            "role": "auditor",
            "is_active": "true",
        },
    )
    assert response.status_code == 200
    assert "users.role_changed" in response.text
    session.refresh(user)
    assert user.role == "auditor"


def test_a_user_creates_a_token_on_the_account_page_and_sees_it_once(
    web_as: WebClient, make_user: MakeUser
) -> None:
    c = web_as(make_user(Role.DELIVERY))
    token = csrf_of(c.get("/account/tokens").text)
    response = c.post(
        "/account/tokens", data={"csrf_token": token, "name": "my script", "expires_in_days": "30"}
    )
    assert response.status_code == 201
    assert "Your new token" in response.text and "pl_" in response.text
    listing = c.get("/account/tokens").text
    assert "my script" in listing and "Your new token" not in listing


def test_the_audit_page_lists_changes_for_auditors(
    web_as: WebClient, make_user: MakeUser, session: Session
) -> None:
    auditor = make_user(Role.AUDITOR)
    page = web_as(auditor).get("/admin/audit")
    assert page.status_code == 200
    assert "users.created" in page.text
    assert session.scalars(select(AuditEvent)).first() is not None


def test_pages_carry_security_headers(web_as: WebClient, admin: User) -> None:
    response = web_as(admin).get("/")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]


POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*>(.*?)</form>', re.S)


@pytest.mark.parametrize(
    "path",
    ["/", "/account", "/account/tokens", "/admin/users", "/admin/users/{id}", "/admin/audit"],
)
def test_every_form_on_every_page_carries_the_sessions_csrf_token(
    web_as: WebClient, admin: User, path: str
) -> None:
    c = web_as(admin)
    html = c.get(path.format(id=admin.id)).text
    expected = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert expected
    forms = POST_FORM.findall(html)
    assert forms
    for form in forms:
        assert f'name="csrf_token" value="{expected.group(1)}"' in form
