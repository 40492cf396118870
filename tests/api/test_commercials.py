"""Commercials over the JSON API: index series and a contract's volumes imported from files,
all or nothing; a bad file is a 422 naming each row and column, an import without
commercials.write a 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials.models import IndexValue, Volume
from pactline.contracts.models import Contract
from pactline.users.enums import Role
from tests.conftest import ApiClient, MakeUser
from tests.service_levels.factories import import_northwind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CPI = (EXAMPLES / "indices" / "cpi.csv").read_bytes()
VOLUMES = (EXAMPLES / "volumes" / "northwind-msa.csv").read_bytes()


@pytest.fixture
def contract(session: Session, make_user: MakeUser) -> Contract:
    return import_northwind(session, make_user)


def upload(client: TestClient, url: str, name: str, content: bytes) -> Response:
    return client.post(url, files={"file": (name, content, "text/csv")})


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_indices_file_imports_and_the_series_lists_its_months(
    api_as: ApiClient, make_user: MakeUser
) -> None:
    client = api_as(make_user(Role.COMMERCIAL))
    response = upload(client, "/api/v1/index-series/import", "cpi.csv", CPI)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 13 and response.json()["series"] == ["CPI"]
    (series,) = client.get("/api/v1/index-series", params={"series": "CPI"}).json()
    assert series["count"] == 13 and series["latest_value"] == "142.700000"
    assert series["values"][0]["period"] == "2025-10"
    assert client.get("/api/v1/index-series", params={"series": "RPI"}).json() == []


def test_a_volumes_file_imports_and_lists_by_month_and_item(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    client = api_as(make_user(Role.COMMERCIAL))
    base = f"/api/v1/contracts/{contract.id}/volumes"
    response = upload(client, f"{base}/import", "northwind-msa.csv", VOLUMES)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 8
    rows = client.get(base).json()
    assert [(r["period"], r["item_id"]) for r in rows][:2] == [
        ("2026-01", "ports"),
        ("2026-02", "ports"),
    ]
    assert rows[0]["source_name"] == "northwind-msa.csv"


def test_a_bad_file_is_a_422_listing_each_row_and_column_and_stores_nothing(
    api_as: ApiClient, make_user: MakeUser, contract: Contract, session: Session
) -> None:
    client = api_as(make_user(Role.COMMERCIAL))
    bad_indices = b"series,period,value\nCPI,2026-01,high\nCPI,26-02,1\n"
    response = upload(client, "/api/v1/index-series/import", "bad.csv", bad_indices)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [(d["row"], d["field"]) for d in body["details"]] == [(2, "value"), (3, "period")]
    bad_volumes = b"item_id,period,quantity\nports,2026-01,2000\nrouters,2026-02,1\n"
    response = upload(
        client, f"/api/v1/contracts/{contract.id}/volumes/import", "v.csv", bad_volumes
    )
    assert response.status_code == 422
    assert [(d["row"], d["field"]) for d in response.json()["details"]] == [(3, "item_id")]
    assert count(session, IndexValue) == 0 and count(session, Volume) == 0


def test_importing_without_commercials_write_is_a_403_but_reading_is_allowed(
    api_as: ApiClient, make_user: MakeUser, contract: Contract, session: Session
) -> None:
    client = api_as(make_user(Role.DELIVERY))
    assert upload(client, "/api/v1/index-series/import", "cpi.csv", CPI).status_code == 403
    url = f"/api/v1/contracts/{contract.id}/volumes"
    assert upload(client, f"{url}/import", "v.csv", VOLUMES).status_code == 403
    assert client.get("/api/v1/index-series").status_code == 200
    assert client.get(url).json() == []
    assert count(session, IndexValue) == 0 and count(session, Volume) == 0


def test_volumes_of_an_unknown_contract_are_a_404(api_as: ApiClient, make_user: MakeUser) -> None:
    client = api_as(make_user(Role.COMMERCIAL))
    assert client.get("/api/v1/contracts/999999/volumes").status_code == 404


def test_a_deliveries_file_imports_and_a_bad_one_is_a_422_naming_row_and_field(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    client = api_as(make_user(Role.COMMERCIAL))
    base = f"/api/v1/contracts/{contract.id}/deliveries"
    content = (EXAMPLES / "deliveries" / "northwind-msa.csv").read_bytes()
    response = upload(client, f"{base}/import", "deliveries.csv", content)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 3
    assert [d["event"] for d in client.get(base).json()] == ["achieved", "delay", "accepted"]
    bad = upload(client, f"{base}/import", "bad.csv", b"item_id,period,event\nx,2026-05,achieved\n")
    assert bad.status_code == 422
    assert bad.json()["details"][0]["row"] == 2 and bad.json()["details"][0]["field"] == "item_id"


def test_one_volume_is_entered_and_a_bad_item_is_a_422_naming_the_field(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    client = api_as(make_user(Role.COMMERCIAL))
    base = f"/api/v1/contracts/{contract.id}/volumes"
    body = {"item_id": "ports", "period": "2026-04", "quantity": "2080", "note": "Switch report"}
    response = client.post(base, json=body)
    assert response.status_code == 201, response.text
    (row,) = client.get(base).json()
    assert (row["item_id"], row["source_name"]) == ("ports", "entered by hand: Switch report")
    bad = client.post(base, json={**body, "item_id": "routers"})
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "item_id"
