"""Service levels over the JSON API: measurements in, explained credits out, exclusions and the
credit lifecycle; errors as {"code", "message", "details"}."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.service_levels.models import Measurement
from pactline.users.enums import Role
from tests.conftest import ApiClient, MakeUser
from tests.routes import protected_routes
from tests.service_levels.factories import MEASUREMENTS, import_northwind


@pytest.fixture
def contract(session: Session, make_user: MakeUser) -> Contract:
    return import_northwind(session, make_user)


def base(contract: Contract) -> str:
    return f"/api/v1/contracts/{contract.id}/service-levels"


def upload(client: TestClient, contract: Contract, name: str, content: bytes) -> Response:
    return client.post(
        f"{base(contract)}/measurements/import", files={"file": (name, content, "text/csv")}
    )


def test_a_measurements_file_imports_and_the_month_evaluates_with_its_workings(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    client = api_as(make_user(Role.ADMIN))
    response = upload(
        client, contract, "northwind-msa.csv", (MEASUREMENTS / "northwind-msa.csv").read_bytes()
    )
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 18

    evaluated = client.post(f"{base(contract)}/evaluate", params={"period": "2026-06"})
    assert evaluated.status_code == 200, evaluated.text
    body = evaluated.json()
    assert body["service_credits"]["total"] == "4500.00"
    availability = body["service_levels"][0]
    assert availability["status"] == "not_reported"
    assert any("pool 60%" in line for line in availability["explanation"])

    credit = client.get(f"{base(contract)}/credits/2026-06").json()
    assert credit["status"] == "computed"
    assert Decimal(credit["amount"]) == Decimal("4500.00")

    card = client.get(f"{base(contract)}/scorecard").json()
    assert [m["period"] for m in card["months"]][-1] == "2026-06"
    assert card["rows"][0]["cells"][-1]["status"] == "not_reported"


def test_a_bad_file_is_a_422_listing_each_row_and_column_and_stores_nothing(
    api_as: ApiClient, make_user: MakeUser, contract: Contract, session: Session
) -> None:
    client = api_as(make_user(Role.DELIVERY))
    content = b"measure_id,period,value\navailability,2026-01,high\nuptime,2026-02,99\n"
    response = upload(client, contract, "bad.csv", content)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [(d["row"], d["field"]) for d in body["details"]] == [(2, "value"), (3, "measure_id")]
    assert session.scalar(select(func.count()).select_from(Measurement)) == 0


def test_a_viewer_reads_the_scorecard_but_cannot_enter_measurements(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    client = api_as(make_user(Role.VIEWER))
    assert client.get(f"{base(contract)}/scorecard").status_code == 200
    response = client.post(
        f"{base(contract)}/measurements",
        json={"measure_id": "availability", "period": "2026-01", "value": "99.9"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_exclusion_is_requested_by_delivery_and_approved_by_governance(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    admin = api_as(make_user(Role.ADMIN))
    upload(admin, contract, "m.csv", (MEASUREMENTS / "northwind-msa.csv").read_bytes())
    admin.post(f"{base(contract)}/evaluate", params={"period": "2026-06"})

    delivery = api_as(make_user(Role.DELIVERY))
    requested = delivery.post(
        f"{base(contract)}/exclusions",
        json={
            "measure_id": "availability",
            "period": "2026-06",
            "kind": "whole_period",
            "reason": "Customer monitoring outage (dependency CD-4)",
        },
    )
    assert requested.status_code == 201, requested.text
    exclusion = requested.json()
    assert exclusion["status"] == "requested"

    own = delivery.post(
        f"{base(contract)}/exclusions/{exclusion['id']}/decision",
        json={"approve": True, "note": "looks fine"},
    )
    assert own.status_code == 403

    governance = api_as(make_user(Role.GOVERNANCE))
    decided = governance.post(
        f"{base(contract)}/exclusions/{exclusion['id']}/decision",
        json={"approve": True, "note": "Agreed at the operational review"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert admin.get(f"{base(contract)}/credits/2026-06").json()["amount"] == "0.00"


def test_a_credit_move_the_lifecycle_does_not_allow_is_a_409_naming_the_allowed_ones(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    admin = api_as(make_user(Role.ADMIN))
    upload(admin, contract, "m.csv", (MEASUREMENTS / "northwind-msa.csv").read_bytes())
    admin.post(f"{base(contract)}/evaluate", params={"period": "2026-06"})
    response = admin.post(
        f"{base(contract)}/credits/2026-06/status",
        json={"status": "applied", "invoice_reference": "INV-9"},
    )
    assert response.status_code == 409
    assert response.json()["details"]["allowed"] == ["agreed", "disputed", "under_review"]
    commercial = api_as(make_user(Role.COMMERCIAL))
    agreed = commercial.post(f"{base(contract)}/credits/2026-06/status", json={"status": "agreed"})
    assert agreed.status_code == 200
    assert agreed.json()["status"] == "agreed"


def test_the_portfolio_lists_evaluated_contracts(
    api_as: ApiClient, make_user: MakeUser, contract: Contract
) -> None:
    admin = api_as(make_user(Role.ADMIN))
    assert admin.get("/api/v1/service-levels/portfolio").json() == []
    upload(admin, contract, "m.csv", (MEASUREMENTS / "northwind-msa.csv").read_bytes())
    admin.post(f"{base(contract)}/evaluate", params={"period": "2026-06"})
    (row,) = admin.get("/api/v1/service-levels/portfolio").json()
    assert row["reference"] == "MSA-2026-001"
    assert row["credits_of_at_risk_pct"][-1] == "15.0"


def test_every_service_levels_route_needs_a_token(app: FastAPI, client: TestClient) -> None:
    protected = {(r.method, r.path) for r in protected_routes(app)}
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if "service-levels" in path
    }
    assert len(served) == 13
    assert served <= protected
    response = client.get("/api/v1/service-levels/portfolio")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_required"
