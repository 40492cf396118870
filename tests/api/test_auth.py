from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.core import clock
from pactline.users import service
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.schemas import TokenCreate
from tests.conftest import ApiClient, MakeUser
from tests.routes import all_routes, protected_routes


def test_there_are_api_routes_to_check(app: FastAPI) -> None:
    api = [r for r in protected_routes(app) if r.path.startswith("/api/")]
    assert len(api) >= 8


def test_every_api_route_except_health_and_docs_refuses_a_request_without_a_token(
    app: FastAPI, client: TestClient
) -> None:
    for route in protected_routes(app):
        if not route.path.startswith("/api/"):
            continue
        response = client.request(route.method, route.example_url(), json={})
        assert response.status_code == 401, route
        assert response.json()["code"] == "authentication_required", route
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_public_routes_are_exactly_the_expected_ones(app: FastAPI) -> None:
    served = {(r.method, r.path) for r in all_routes(app)}
    from tests.routes import PUBLIC

    assert served >= PUBLIC


def test_a_valid_token_lists_users_with_the_pagination_convention(
    api_as: ApiClient, admin: User, make_user: MakeUser
) -> None:
    for _ in range(3):
        make_user(Role.VIEWER)
    body = api_as(admin).get("/api/v1/users", params={"limit": 2, "offset": 1}).json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert body["total"] == 4 and body["limit"] == 2 and body["offset"] == 1
    assert len(body["items"]) == 2


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer pl_not-a-real-token", "not valid"),
        ("Basic dXNlcjpwYXNz", "authentication required"),
    ],
)
def test_a_bad_token_gets_401_json(client: TestClient, header: str, message: str) -> None:
    response = client.get("/api/v1/users", headers={"Authorization": header})
    assert response.status_code == 401
    assert message in response.json()["message"]


def test_a_revoked_token_stops_working_at_once(
    client: TestClient, session: Session, admin: User
) -> None:
    api_token, secret = service.create_token(
        session, actor=Principal.of(admin), user_id=admin.id, data=TokenCreate(name="t")
    )
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{api_token.id}", headers=headers).status_code == 204
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["message"] == "the API token has been revoked"


def test_an_expired_token_is_refused(client: TestClient, session: Session, admin: User) -> None:
    _, secret = service.create_token(
        session,
        actor=Principal.of(admin),
        user_id=admin.id,
        data=TokenCreate(name="t", expires_in_days=1),
    )
    with clock.frozen_at(clock.now() + timedelta(days=2)):
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.json()["message"] == "the API token has expired"


def test_malformed_json_is_a_400_and_nothing_is_written(
    api_as: ApiClient, admin: User, session: Session
) -> None:
    count = session.scalar(select(func.count()).select_from(User))
    response = api_as(admin).post(
        "/api/v1/users", content=b'{"username": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert session.scalar(select(func.count()).select_from(User)) == count


def test_a_body_that_breaks_the_schema_is_a_422_naming_the_field(
    api_as: ApiClient, admin: User
) -> None:
    response = api_as(admin).post("/api/v1/users", json={"username": "ok", "role": "emperor"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["details"][0]["field"] == "role"


def test_unknown_routes_and_methods_answer_json(api_as: ApiClient, admin: User) -> None:
    c = api_as(admin)
    missing = c.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = c.put("/api/v1/health")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_a_viewer_gets_403_when_creating_a_user(api_as: ApiClient, make_user: MakeUser) -> None:
    viewer = make_user(Role.VIEWER)
    response = api_as(viewer).post("/api/v1/users", json={"username": "newbie"})
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "the viewer role may not do this (needs users.manage)",
        "details": {"permission": "users.manage", "role": "viewer"},
    }


def test_an_admin_creates_a_user_and_gets_the_generated_password_once(
    api_as: ApiClient, admin: User
) -> None:
    c = api_as(admin)
    response = c.post("/api/v1/users", json={"username": "new.person", "role": "commercial"})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "commercial" and body["generated_password"]
    again = c.get(f"/api/v1/users/{body['user']['id']}").json()
    assert "generated_password" not in again and "password_hash" not in again


def test_a_user_creates_and_lists_their_own_tokens_without_secrets(
    api_as: ApiClient, make_user: MakeUser
) -> None:
    user = make_user(Role.DELIVERY)
    c = api_as(user)
    created = c.post(f"/api/v1/users/{user.id}/tokens", json={"name": "report script"})
    assert created.status_code == 201 and created.json()["token"].startswith("pl_")
    listed = c.get(f"/api/v1/users/{user.id}/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "report script"}
    assert all("token" not in t and "token_hash" not in t for t in listed)


def test_the_audit_trail_is_for_auditors_not_viewers(
    api_as: ApiClient, make_user: MakeUser
) -> None:
    assert api_as(make_user(Role.AUDITOR)).get("/api/v1/audit-events").status_code == 200
    assert api_as(make_user(Role.VIEWER)).get("/api/v1/audit-events").status_code == 403
