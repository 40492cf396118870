from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.users import service
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from tests.conftest import TEST_PASSWORD, MakeUser, WebClient, csrf_of, web_login
from tests.routes import Route, protected_routes


def web_routes(app: FastAPI) -> list[Route]:
    return [r for r in protected_routes(app) if not r.path.startswith("/api/")]


def test_every_web_page_redirects_an_anonymous_visitor_to_sign_in(
    app: FastAPI, client: TestClient
) -> None:
    pages = [r for r in web_routes(app) if r.method == "GET"]
    assert len(pages) >= 5
    for route in pages:
        response = client.get(route.example_url(), follow_redirects=False)
        assert response.status_code == 303, route
        assert response.headers["location"].startswith("/login"), route


def test_every_web_form_refuses_an_anonymous_post_even_with_a_csrf_token(
    app: FastAPI, client: TestClient
) -> None:
    token = csrf_of(client.get("/login").text)
    posts = [r for r in web_routes(app) if r.method == "POST"]
    assert len(posts) >= 5
    for route in posts:
        response = client.post(route.example_url(), data={"csrf_token": token})
        assert response.status_code == 401, route


def test_every_state_changing_web_request_needs_the_csrf_token(
    app: FastAPI, web_as: WebClient, admin: User, session: Session
) -> None:
    c = web_as(admin)
    writes = [r for r in web_routes(app) if r.method not in ("GET", "HEAD")]
    count = session.scalar(select(func.count()).select_from(User))
    for route in [*writes, Route("POST", "/login")]:
        response = c.post(route.example_url(), data={"username": "x", "full_name": "y"})
        assert response.status_code == 403, route
        assert "expired or did not come from this site" in response.text
        wrong = c.post(route.example_url(), data={"csrf_token": "forged"})
        assert wrong.status_code == 403, route
    assert session.scalar(select(func.count()).select_from(User)) == count


def test_a_visitor_is_sent_back_to_the_page_they_asked_for_after_signing_in(
    client: TestClient, admin: User
) -> None:
    first = client.get("/admin/users?q=x", follow_redirects=False)
    assert first.headers["location"] == "/login?next=/admin/users%3Fq%3Dx"
    page = client.get(first.headers["location"])
    response = client.post(
        "/login",
        data={
            "username": admin.username,
            "password": TEST_PASSWORD,
            "next": "/admin/users?q=x",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/users?q=x"


def test_sign_in_never_redirects_to_another_site(client: TestClient, admin: User) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": admin.username,
            "password": TEST_PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_a_wrong_password_shows_a_clear_message_with_status_401(
    client: TestClient, admin: User
) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": admin.username, "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "Wrong username or password." in response.text


def test_repeated_wrong_passwords_lock_the_sign_in_with_429(
    client: TestClient, admin: User
) -> None:
    token = csrf_of(client.get("/login").text)
    for _ in range(3):
        client.post(
            "/login", data={"username": admin.username, "password": "no", "csrf_token": token}
        )
    response = client.post(
        "/login", data={"username": admin.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert int(response.headers["retry-after"]) > 0


def test_the_session_cookie_is_http_only_and_same_site(client: TestClient, admin: User) -> None:
    web_login(client, admin.username)
    cookie = client.cookies.jar
    assert any(c.name == "pactline_session" for c in cookie)
    page = client.get("/login")
    header = page.headers.get("set-cookie", "") or ""
    # The cookie was set at sign-in; check its attributes on a fresh sign-in response.
    token = csrf_of(client.get("/account").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_signing_out_ends_the_session(web_as: WebClient, admin: User) -> None:
    c = web_as(admin)
    token = csrf_of(c.get("/").text)
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_a_password_reset_ends_the_users_open_sessions(
    web_as: WebClient, session: Session, admin: User, make_user: MakeUser
) -> None:
    user = make_user(Role.VIEWER)
    c = web_as(user)
    assert c.get("/", follow_redirects=False).status_code == 200
    service.reset_password(session, actor=Principal.of(admin), user_id=user.id)
    assert c.get("/", follow_redirects=False).status_code == 303


def test_unknown_pages_get_a_friendly_404(web_as: WebClient, admin: User) -> None:
    response = web_as(admin).get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
