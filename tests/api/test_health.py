from __future__ import annotations

from fastapi.testclient import TestClient

from pactline.app import create_app
from pactline.core.config import Settings
from pactline.core.db import Database


def test_health_reports_the_database_and_migrations_without_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["connected"] is True
    assert body["migrations"]["up_to_date"] is True
    assert body["migrations"]["current"] == body["migrations"]["head"]


def test_health_is_503_when_the_schema_is_not_migrated(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with TestClient(create_app(settings, database)) as c:
        response = c.get("/api/v1/health")
    database.dispose()
    assert response.status_code == 503
    body = response.json()["migrations"]
    assert body["current"] is None and body["up_to_date"] is False and body["head"]


def test_health_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    database = Database("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with TestClient(create_app(settings, database)) as c:
        response = c.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["connected"] is False
    assert "cannot reach the database" in body["database"]["error"]


def test_the_openapi_document_and_docs_page_are_public(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Pactline API"
    assert "/api/v1/users" in spec["paths"]
    assert client.get("/api/docs").status_code == 200
