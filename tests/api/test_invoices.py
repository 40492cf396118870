"""Invoices, findings, statements, leakage and disputes over the JSON API: thin adapters over
the use cases, with the documented shapes and errors."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.users.enums import Role
from tests.conftest import ApiClient, MakeUser
from tests.invoices.factories import INVOICE, northwind_with_inputs


@pytest.fixture
def contract(session: Session, make_user: MakeUser) -> Contract:
    return northwind_with_inputs(session, make_user)


@pytest.fixture
def client(api_as: ApiClient, make_user: MakeUser) -> TestClient:
    return api_as(make_user(Role.COMMERCIAL, username="cora"))


def upload(client: TestClient, contract: Contract) -> dict[str, object]:
    response = client.post(
        f"/api/v1/contracts/{contract.id}/invoices/import",
        files={"file": (INVOICE.name, INVOICE.read_bytes(), "text/csv")},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_an_invoice_file_imports_and_its_findings_are_listed_with_money_at_stake(
    client: TestClient, contract: Contract
) -> None:
    body = upload(client, contract)
    (summary,) = body["invoices"]  # type: ignore[misc]
    assert summary["findings"] == 3 and summary["at_stake"] == "14300.00"
    invoice = client.get(f"/api/v1/contracts/{contract.id}/invoices/{summary['id']}").json()
    assert [line["line_number"] for line in invoice["lines"]] == [1, 2, 3, 4, 5]
    assert {f["type"] for f in invoice["all_findings"]} == {
        "arc_rrc",
        "rate_mismatch",
        "missing_service_credit",
    }
    assert invoice["statement"]["period"] == "2026-04"
    findings = client.get("/api/v1/findings", params={"status": "open"}).json()["items"]
    assert sorted(f["amount"] for f in findings) == ["13250.00", "90.00", "960.00"]
    assert all(f["basis"] == "claim" for f in findings)
    listed = client.get("/api/v1/invoices", params={"limit": 1}).json()
    assert (listed["total"], len(listed["items"]), listed["limit"]) == (1, 1, 1)
    assert client.get("/api/v1/findings", params={"limit": 2}).json()["total"] == 3


def test_a_bad_invoice_is_a_422_naming_line_and_field_and_a_viewer_gets_403(
    client: TestClient, contract: Contract, api_as: ApiClient, make_user: MakeUser
) -> None:
    body = {
        "number": "X-1",
        "counterparty": "Northwind",
        "issued_on": "2026-06-05",
        "period": "2026-05",
        "currency": "EUR",
        "lines": [{"line": 1, "item_id": "managed_service", "amount": "216000.00"}],
    }
    response = client.post(f"/api/v1/contracts/{contract.id}/invoices", json=body)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "currency"
    viewer = api_as(make_user(Role.VIEWER))
    body["currency"] = "GBP"
    assert viewer.post(f"/api/v1/contracts/{contract.id}/invoices", json=body).status_code == 403


def test_the_statement_of_a_month_lists_its_lines_and_totals(
    client: TestClient, contract: Contract
) -> None:
    response = client.get(f"/api/v1/contracts/{contract.id}/statements/2026-04")
    assert response.status_code == 200, response.text
    statement = response.json()
    ids = [line["id"] for line in statement["lines"]]
    assert "managed_service" in ids and "service_credits" in ids
    assert statement["volumes"]["ports"] == "2080.000000"
    assert client.get(f"/api/v1/contracts/{contract.id}/statements/April").status_code == 404


def test_leakage_totals_and_exports_match_the_findings(
    client: TestClient, contract: Contract
) -> None:
    upload(client, contract)
    leakage = client.get("/api/v1/leakage").json()
    (gbp,) = leakage["currencies"]
    assert gbp["amount"] == "14300.00" and gbp["findings"] == 3
    csv = client.get("/api/v1/leakage/export.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 4
    xlsx = client.get("/api/v1/leakage/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 4


def test_a_finding_is_disputed_and_the_dispute_resolved_over_the_api(
    client: TestClient, contract: Contract
) -> None:
    upload(client, contract)
    (rate,) = client.get("/api/v1/findings", params={"type": "rate_mismatch"}).json()["items"]
    opened = client.post(
        f"/api/v1/contracts/{contract.id}/disputes",
        json={"finding_id": rate["id"], "our_position": "Year 1 rate applies"},
    )
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    assert dispute["amount"] == "90.00" and dispute["status"] == "open"
    resolved = client.post(
        f"/api/v1/disputes/{dispute['id']}/resolve",
        json={"outcome": "upheld", "resolution": "Credit note CN-1"},
    )
    assert resolved.json()["status"] == "resolved"
    (again,) = client.get("/api/v1/findings", params={"type": "rate_mismatch"}).json()["items"]
    assert again["status"] == "accepted"
    moved = client.post(f"/api/v1/findings/{rate['id']}/status", json={"status": "recovered"})
    assert moved.status_code == 200 and moved.json()["status"] == "recovered"
    assert client.get("/api/v1/disputes", params={"open": True}).json()["items"] == []
