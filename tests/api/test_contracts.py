"""The contract repository over the JSON API: terms documents in, portfolio and dates out."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pactline.cli.main import app as cli_app
from pactline.contracts.models import Contract, ContractDocument, TermsVersion
from pactline.users.enums import Role
from pactline.users.models import User
from tests.conftest import ApiClient, MakeUser
from tests.contracts.factories import import_contract, terms_yaml
from tests.routes import protected_routes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MSA = EXAMPLES / "northwind-msa.yaml"
AMENDMENT = EXAMPLES / "northwind-msa-amendment-1.yaml"
SOW = EXAMPLES / "northwind-sow-service-desk.yaml"
BPO = EXAMPLES / "contoso-bpo-evergreen.json"
PDF = b"%PDF-1.4\n%%EOF"
YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}
KEY_DATE_FIELDS = (
    "as_of",
    "status",
    "status_explanation",
    "initial_term_end",
    "current_term_start",
    "current_term_end",
    "notice_deadline",
    "next_action",
    "renewals",
    "final_end",
)


@pytest.fixture
def owners(make_user: MakeUser) -> list[User]:
    """The people the example files name as owners."""
    return [
        make_user(Role.COMMERCIAL, username=name)
        for name in ("liam.walsh", "maria.santos", "grace.okafor", "yuki.tanaka", "tom.becker")
    ]


@pytest.fixture
def api(api_as: ApiClient, admin: User) -> TestClient:
    return api_as(admin)


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def post_terms(client: TestClient, text: str, headers: dict[str, str] = YAML) -> Any:
    return client.post("/api/v1/contracts", content=text.encode(), headers=headers)


def create(client: TestClient, text: str) -> dict[str, Any]:
    response = post_terms(client, text)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def cli_dates(path: Path, as_of: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli_app, ["contracts", "dates", str(path), "--as-of", as_of, "--json"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --- importing terms documents ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [(MSA, YAML), (MSA, {"Content-Type": "text/yaml; charset=utf-8"}), (BPO, JSON)],
    ids=["yaml", "text-yaml", "json"],
)
def test_a_posted_document_creates_a_contract_with_the_key_dates_the_cli_explains_for_its_file(
    api: TestClient, owners: list[User], path: Path, headers: dict[str, str]
) -> None:
    response = post_terms(api, path.read_text(), headers)
    assert response.status_code == 201, response.text
    created = response.json()
    expected = cli_dates(path, "2026-09-15")
    assert created["reference"] == expected["reference"]
    assert created["versions"][0]["source_name"] == "request body"
    assert created["versions"][0]["source_format"] == ("json" if path.suffix == ".json" else "yaml")
    dates = api.get(
        f"/api/v1/contracts/{created['id']}/key-dates", params={"as_of": "2026-09-15"}
    ).json()
    assert {f: dates[f] for f in KEY_DATE_FIELDS} == {f: expected[f] for f in KEY_DATE_FIELDS}
    assert dates["notice_deadline"]["explanation"]
    assert dates["terms_version"] == 1


def test_a_posted_json_document_keeps_its_owners_values_and_people(
    api: TestClient, owners: list[User]
) -> None:
    body = json.loads(BPO.read_text())
    created = api.post("/api/v1/contracts", json=body)
    assert created.status_code == 201, created.text
    contract = created.json()
    assert contract["account_manager"] and contract["commercial_lead"]
    assert contract["annual_value"] == "2400000.00"
    assert contract["people"][0]["email"] == "grace.kim@contoso.example"
    assert contract["our_role"] == "supplier" and contract["kind"] == "master"


def test_malformed_yaml_is_a_422_naming_the_line_and_nothing_is_stored(
    api: TestClient, session: Session
) -> None:
    response = post_terms(api, "pactline: 1\ncontract:\n  reference: [unclosed\n  title: x\n")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["details"] == [
        {
            "file": "request body",
            "line": 4,
            "field": "",
            "message": "invalid YAML: expected ',' or ']', but got ':' while parsing a flow "
            "sequence",
        }
    ]
    assert "(line 4)" in body["message"]
    assert count(session, Contract) == 0


def test_malformed_json_terms_are_a_422_with_the_line_not_a_400(api: TestClient) -> None:
    response = post_terms(api, '{"pactline": 1,\n "contract": {\n  "reference": "X",,\n}}', JSON)
    assert response.status_code == 422
    (detail,) = response.json()["details"]
    assert detail["line"] == 3 and detail["message"].startswith("invalid JSON")


def test_an_unknown_field_is_a_422_naming_it_with_its_line(api: TestClient) -> None:
    text = terms_yaml().replace("  currency: GBP\n", "  currency: GBP\n  colour: blue\n")
    response = post_terms(api, text)
    assert response.status_code == 422
    assert response.json()["details"] == [
        {"file": "request body", "line": 9, "field": "contract.colour", "message": "unknown field"}
    ]


def test_every_problem_of_a_document_is_listed(api: TestClient) -> None:
    text = terms_yaml().replace("period: 90", "period: ninety").replace("months: 36", "months: 0")
    details = post_terms(api, text).json()["details"]
    assert [(d["field"], d["line"]) for d in details] == [
        ("term.months", 14),
        ("renewal.notice.period", 20),
    ]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_neither_json_nor_yaml_is_a_415(api: TestClient, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/api/v1/contracts", content=terms_yaml().encode(), headers=headers)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_body_that_is_not_utf8_is_a_422(api: TestClient) -> None:
    response = api.post("/api/v1/contracts", content=b"pactline: 1\n\xff\xfe", headers=YAML)
    assert response.status_code == 422
    assert response.json()["details"][0]["message"].startswith("not UTF-8")


def test_a_duplicate_reference_is_refused_naming_contract_reference_and_nothing_is_stored(
    api: TestClient, session: Session
) -> None:
    create(api, terms_yaml("MSA-DUP-1"))
    response = post_terms(api, terms_yaml("MSA-DUP-1", title="Another title"))
    assert response.status_code in (409, 422)
    body = response.json()
    assert [d["field"] for d in body["details"]] == ["contract.reference"]
    assert "MSA-DUP-1" in body["message"]
    assert count(session, Contract) == 1 and count(session, TermsVersion) == 1
    assert session.scalar(select(Contract.title)) == "Managed network services"


def test_an_unknown_owner_is_refused_naming_the_field(api: TestClient, session: Session) -> None:
    response = post_terms(api, terms_yaml(account_manager="nobody"))
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "contract.owners.account_manager"
    assert count(session, Contract) == 0


def test_posting_an_amendment_to_the_repository_adds_a_version(
    api: TestClient, owners: list[User]
) -> None:
    create(api, MSA.read_text())
    amended = create(api, AMENDMENT.read_text())
    assert [v["label"] for v in amended["versions"]] == ["Original agreement", "Amendment No. 1"]


# --- amendments -------------------------------------------------------------------------


def test_an_amendment_changes_the_key_dates_from_its_effective_date_and_the_diff_says_why(
    api: TestClient, owners: list[User]
) -> None:
    contract = create(api, MSA.read_text())
    url = f"/api/v1/contracts/{contract['id']}"
    before = api.get(f"{url}/key-dates", params={"as_of": "2027-03-01"}).json()
    response = api.post(f"{url}/terms", content=AMENDMENT.read_bytes(), headers=YAML)
    assert response.status_code == 201, response.text
    version = response.json()
    assert version["number"] == 2 and version["effective_on"] == "2027-04-01"
    assert version["label"] == "Amendment No. 1"

    still_old = api.get(f"{url}/key-dates", params={"as_of": "2027-03-01"}).json()
    new = api.get(f"{url}/key-dates", params={"as_of": "2027-04-01"}).json()
    assert still_old == before
    assert still_old["terms_version"] == 1 and new["terms_version"] == 2
    assert still_old["notice_deadline"]["on"] == "2028-08-23"
    assert new["notice_deadline"]["on"] == "2028-10-05"
    assert any("60 business days" in step for step in new["notice_deadline"]["explanation"])
    from_file = cli_dates(AMENDMENT, "2027-04-01")
    assert {f: new[f] for f in KEY_DATE_FIELDS} == {f: from_file[f] for f in KEY_DATE_FIELDS}

    diff = api.get(f"{url}/terms/2/diff").json()
    assert {"path": "renewal.notice.period", "kind": "changed", "before": 90, "after": 60} in diff
    assert {d["path"] for d in diff} >= {"version.effective_on", "version.label", "version.note"}
    assert api.get(f"{url}/terms/1/diff").json() == []

    versions = api.get(f"{url}/terms").json()
    assert [(v["number"], v["effective_on"]) for v in versions] == [
        (1, "2026-01-01"),
        (2, "2027-04-01"),
    ]
    detail = api.get(f"{url}/terms/2").json()
    assert detail["document"]["renewal"]["notice"]["period"] == 60
    assert api.get(f"{url}/terms/3").status_code == 404


def test_an_amendment_must_take_effect_after_the_latest_version(
    api: TestClient, session: Session
) -> None:
    contract = create(api, terms_yaml())
    url = f"/api/v1/contracts/{contract['id']}/terms"
    first = api.post(url, content=terms_yaml(effective_on=date(2026, 6, 1)).encode(), headers=YAML)
    assert first.status_code == 201
    again = api.post(url, content=terms_yaml(effective_on=date(2026, 5, 1)).encode(), headers=YAML)
    assert again.status_code == 422
    assert again.json()["details"][0]["field"] == "version.effective_on"
    assert count(session, TermsVersion) == 2


def test_an_amendment_for_another_reference_is_refused(api: TestClient) -> None:
    contract = create(api, terms_yaml("MSA-A"))
    response = api.post(
        f"/api/v1/contracts/{contract['id']}/terms",
        content=terms_yaml("MSA-B", effective_on=date(2026, 6, 1)).encode(),
        headers=YAML,
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "contract.reference"


# --- several files at once --------------------------------------------------------------


def test_importing_several_files_stores_them_all_in_one_go(
    api: TestClient, owners: list[User]
) -> None:
    files = [("files", (p.name, p.read_bytes())) for p in (SOW, AMENDMENT, MSA, BPO)]
    response = api.post("/api/v1/contracts/import", files=files)
    assert response.status_code == 201, response.text
    body = response.json()
    assert sorted(c["reference"] for c in body) == [
        "BPO-2025-014",
        "MSA-2026-001",
        "MSA-2026-001/SOW-01",
    ]
    msa = next(c for c in body if c["reference"] == "MSA-2026-001")
    assert [v["source_name"] for v in msa["versions"]] == [MSA.name, AMENDMENT.name]
    assert msa["children"] == ["MSA-2026-001/SOW-01"]


def test_a_multi_file_import_with_one_bad_file_stores_none_and_lists_every_problem(
    api: TestClient, owners: list[User], session: Session
) -> None:
    bad = terms_yaml("BAD-1").replace("period: 90", "period: ninety").replace("EMEA", "[x")
    files = [
        ("files", (MSA.name, MSA.read_bytes())),
        ("files", ("bad.yaml", bad.encode())),
        ("files", (BPO.name, BPO.read_bytes())),
    ]
    response = api.post("/api/v1/contracts/import", files=files)
    assert response.status_code == 422
    body = response.json()
    assert {d["file"] for d in body["details"]} == {"bad.yaml"}
    assert all(d["line"] for d in body["details"])
    assert "nothing was imported" in body["message"]
    assert count(session, Contract) == 0
    assert api.get("/api/v1/contracts").json()["total"] == 0


def test_a_multi_file_import_that_clashes_with_the_repository_stores_none(
    api: TestClient, owners: list[User], session: Session
) -> None:
    create(api, terms_yaml("MSA-T-001"))
    files = [
        ("files", (BPO.name, BPO.read_bytes())),
        ("files", ("again.yaml", terms_yaml("MSA-T-001").encode())),
    ]
    response = api.post("/api/v1/contracts/import", files=files)
    assert response.status_code == 422
    assert response.json()["details"][0]["file"] == "again.yaml"
    assert count(session, Contract) == 1


# --- events -----------------------------------------------------------------------------


def test_terminating_a_contract_ends_it_once(api: TestClient) -> None:
    contract = create(api, terms_yaml())
    url = f"/api/v1/contracts/{contract['id']}"
    body = {"terminated_on": "2026-07-01", "reason": "Supplier insolvent"}
    response = api.post(f"{url}/terminate", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["terminated_on"] == "2026-07-01"
    assert response.json()["termination_reason"] == "Supplier insolvent"
    status = api.get(url, params={"as_of": "2026-08-01"}).json()["status"]
    assert status == "terminated"
    again = api.post(f"{url}/terminate", json=body)
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_a_termination_before_the_start_is_a_422(api: TestClient) -> None:
    contract = create(api, terms_yaml())
    response = api.post(
        f"/api/v1/contracts/{contract['id']}/terminate",
        json={"terminated_on": "2025-01-01", "reason": "x"},
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "terminated_on"


def test_renewing_exercises_an_option_and_refuses_automatic_renewals(api: TestClient) -> None:
    optional = create(api, terms_yaml("SOW-OPT", renewal_kind="optional", max_renewals=1))
    response = api.post(f"/api/v1/contracts/{optional['id']}/renew")
    assert response.status_code == 200, response.text
    assert response.json()["renewals_exercised"] == 1
    spent = api.post(f"/api/v1/contracts/{optional['id']}/renew")
    assert spent.status_code == 409 and "exercised" in spent.json()["message"]
    automatic = create(api, terms_yaml("MSA-AUTO"))
    refused = api.post(f"/api/v1/contracts/{automatic['id']}/renew")
    assert refused.status_code == 409 and "renews automatically" in refused.json()["message"]


def test_notice_of_non_renewal_is_recorded_for_automatic_renewals_only(api: TestClient) -> None:
    automatic = create(api, terms_yaml("MSA-AUTO"))
    url = f"/api/v1/contracts/{automatic['id']}"
    future = api.post(f"{url}/notice", json={"given_on": "2099-06-01"})
    assert future.status_code == 422
    assert future.json()["details"][0]["field"] == "given_on"
    response = api.post(f"{url}/notice", json={"given_on": "2026-06-01"})
    assert response.status_code == 200, response.text
    assert response.json()["notice_given_on"] == "2026-06-01"
    assert api.post(f"{url}/notice", json={"given_on": "2026-06-02"}).status_code == 409
    optional = create(api, terms_yaml("SOW-OPT", renewal_kind="optional"))
    refused = api.post(
        f"/api/v1/contracts/{optional['id']}/notice", json={"given_on": "2026-06-01"}
    )
    assert refused.status_code == 409
    assert api.post(f"{url}/notice", json={"given_on": "June"}).status_code == 422


def test_editing_a_contract_changes_its_facts_and_refuses_unknown_owners(
    api: TestClient, owners: list[User]
) -> None:
    contract = create(api, terms_yaml())
    url = f"/api/v1/contracts/{contract['id']}"
    response = api.patch(
        url, json={"title": "Network services", "tags": ["network", " core "], "region": ""}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Network services"
    assert body["tags"] == ["network", "core"] and body["region"] is None
    owner = api.patch(url, json={"account_manager": "liam.walsh"}).json()
    assert owner["account_manager"] == owners[0].display_name
    refused = api.patch(url, json={"account_manager": "ghost"})
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "account_manager"
    assert api.patch(url, json={"colour": "blue"}).status_code == 422


def test_an_unknown_contract_is_a_json_404(api: TestClient) -> None:
    for path in ("/api/v1/contracts/999", "/api/v1/contracts/999/key-dates"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- documents --------------------------------------------------------------------------


def test_a_document_is_uploaded_downloaded_and_removed(
    api: TestClient, session: Session, app: FastAPI
) -> None:
    contract = create(api, terms_yaml())
    url = f"/api/v1/contracts/{contract['id']}/documents"
    response = api.post(
        url,
        files={"file": ("signed agreement.pdf", PDF, "application/pdf")},
        data={"title": "Signed MSA"},
    )
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["title"] == "Signed MSA"
    assert document["content_type"] == "application/pdf"
    assert document["size_bytes"] == len(PDF)
    assert [d["id"] for d in api.get(url).json()] == [document["id"]]

    content = api.get(f"{url}/{document['id']}/content")
    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].endswith("signed%20agreement.pdf")
    stored = app.state.settings.uploads_dir / document["sha256"][:2] / document["sha256"]
    assert stored.read_bytes() == PDF

    missing_reason = api.delete(f"{url}/{document['id']}")
    assert missing_reason.status_code == 422
    assert missing_reason.json()["details"][0]["field"] == "reason"
    removed = api.delete(f"{url}/{document['id']}", params={"reason": "Wrong file"})
    assert removed.status_code == 204
    assert api.get(url).json() == []
    assert api.get(f"{url}/{document['id']}/content").status_code == 404
    assert count(session, ContractDocument) == 0


def test_a_file_that_is_not_a_pdf_or_docx_is_refused(api: TestClient, session: Session) -> None:
    contract = create(api, terms_yaml())
    response = api.post(
        f"/api/v1/contracts/{contract['id']}/documents",
        files={"file": ("contract.pdf", b"just some text", "application/pdf")},
    )
    assert response.status_code == 422
    assert response.json()["details"] == [
        {"field": "file", "message": "must be a PDF or DOCX file"}
    ]
    assert count(session, ContractDocument) == 0


def test_a_document_of_another_contract_is_not_found(api: TestClient) -> None:
    first = create(api, terms_yaml("MSA-1"))
    second = create(api, terms_yaml("MSA-2"))
    uploaded = api.post(
        f"/api/v1/contracts/{first['id']}/documents", files={"file": ("a.pdf", PDF)}
    ).json()
    response = api.get(f"/api/v1/contracts/{second['id']}/documents/{uploaded['id']}/content")
    assert response.status_code == 404


# --- permissions ------------------------------------------------------------------------


def test_a_viewer_reads_everything_but_changes_nothing(
    api: TestClient, api_as: ApiClient, make_user: MakeUser, session: Session
) -> None:
    contract = create(api, terms_yaml())
    document = api.post(
        f"/api/v1/contracts/{contract['id']}/documents", files={"file": ("a.pdf", PDF)}
    ).json()
    party_id = contract["counterparty_id"]
    viewer = api_as(make_user(Role.VIEWER))
    url = f"/api/v1/contracts/{contract['id']}"
    for path in (
        "/api/v1/contracts",
        "/api/v1/contracts/export.csv",
        "/api/v1/contracts/export.xlsx",
        url,
        f"{url}/key-dates",
        f"{url}/terms",
        f"{url}/terms/1",
        f"{url}/terms/1/diff",
        f"{url}/documents",
        f"{url}/documents/{document['id']}/content",
        "/api/v1/parties",
        f"/api/v1/parties/{party_id}",
    ):
        assert viewer.get(path).status_code == 200, path

    amendment = terms_yaml(effective_on=date(2026, 6, 1)).encode()
    writes = [
        viewer.post("/api/v1/contracts", content=terms_yaml("NEW-1").encode(), headers=YAML),
        viewer.post("/api/v1/contracts/import", files=[("files", ("n.yaml", terms_yaml("N")))]),
        viewer.patch(url, json={"title": "Changed"}),
        viewer.post(f"{url}/terms", content=amendment, headers=YAML),
        viewer.post(f"{url}/terminate", json={"terminated_on": "2026-07-01", "reason": "x"}),
        viewer.post(f"{url}/renew"),
        viewer.post(f"{url}/notice", json={"given_on": "2026-07-01"}),
        viewer.post(f"{url}/documents", files={"file": ("b.pdf", PDF)}),
        viewer.delete(f"{url}/documents/{document['id']}", params={"reason": "x"}),
    ]
    for response in writes:
        assert response.status_code == 403, (response.request.url, response.text)
        assert response.json()["details"]["permission"] == "contracts.write"
    assert count(session, Contract) == 1 and count(session, TermsVersion) == 1
    assert count(session, ContractDocument) == 1
    after = api.get(url).json()
    assert after["title"] == contract["title"] and after["terminated_on"] is None


def test_every_contracts_route_is_among_the_routes_that_need_a_token(app: FastAPI) -> None:
    protected = {(r.method, r.path) for r in protected_routes(app)}
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith(("/api/v1/contracts", "/api/v1/parties"))
        and not any(
            area in path
            for area in (
                "/service-levels",
                "/volumes",
                "/deliveries",
                "/invoices",
                "/statements",
                "/disputes",
            )
        )
    }
    assert len(served) == 21
    assert served <= protected


def test_the_contract_routes_refuse_anonymous_requests(client: TestClient) -> None:
    for method, path in (
        ("GET", "/api/v1/contracts"),
        ("POST", "/api/v1/contracts"),
        ("GET", "/api/v1/contracts/export.csv"),
        ("POST", "/api/v1/contracts/import"),
        ("GET", "/api/v1/contracts/1/documents/1/content"),
    ):
        response = client.request(method, path, content=terms_yaml().encode(), headers=YAML)
        assert response.status_code == 401, path


# --- the portfolio ----------------------------------------------------------------------


@pytest.fixture
def portfolio(api: TestClient, owners: list[User]) -> dict[str, dict[str, Any]]:
    """Four contracts: two masters, a statement of work and a supplier-side evergreen."""
    texts = {
        "MSA-2026-001": MSA.read_text(),
        "MSA-2026-001/SOW-01": SOW.read_text(),
        "BPO-2025-014": BPO.read_text(),
        "MSA-T-009": terms_yaml(
            "MSA-T-009",
            title="Print services",
            counterparty="Fabrikam Print plc",
            region="APAC",
            start_on=date(2024, 1, 1),
            months=12,
            renewal_kind="none",
            annual_value=None,
        ),
    }
    return {ref: create(api, text) for ref, text in texts.items()}


def refs(api: TestClient, **params: Any) -> list[str]:
    response = api.get("/api/v1/contracts", params={"as_of": "2026-06-01", **params})
    assert response.status_code == 200, response.text
    return [c["reference"] for c in response.json()["items"]]


def test_the_portfolio_is_filtered_like_the_ui(
    api: TestClient, portfolio: dict[str, dict[str, Any]]
) -> None:
    assert refs(api) == ["BPO-2025-014", "MSA-2026-001", "MSA-2026-001/SOW-01", "MSA-T-009"]
    assert refs(api, q="service desk") == ["MSA-2026-001/SOW-01"]
    assert refs(api, q="healthcare") == ["BPO-2025-014"]
    assert refs(api, our_role="supplier") == ["BPO-2025-014"]
    assert refs(api, kind="statement_of_work") == ["MSA-2026-001/SOW-01"]
    assert refs(api, region="apac") == ["MSA-T-009"]
    assert refs(api, owner="yuki.tanaka") == ["BPO-2025-014"]
    assert refs(api, status="expired") == ["MSA-T-009"]
    northwind = portfolio["MSA-2026-001"]["counterparty_id"]
    assert refs(api, counterparty_id=northwind) == ["MSA-2026-001", "MSA-2026-001/SOW-01"]
    assert refs(api, deadline_within_days=200) == ["MSA-2026-001/SOW-01"]
    by_value = refs(api, sort="annual_value", descending=True)
    assert [r for r in by_value if r != "MSA-T-009"] == [
        "BPO-2025-014",
        "MSA-2026-001",
        "MSA-2026-001/SOW-01",
    ]
    assert refs(api, sort="title") == [
        "BPO-2025-014",
        "MSA-2026-001",
        "MSA-T-009",
        "MSA-2026-001/SOW-01",
    ]


def test_the_portfolio_statuses_follow_as_of(
    api: TestClient, portfolio: dict[str, dict[str, Any]]
) -> None:
    early = api.get("/api/v1/contracts", params={"as_of": "2024-06-01"}).json()["items"]
    statuses = {c["reference"]: c["status"] for c in early}
    assert statuses["MSA-2026-001"] == "not_started"
    assert statuses["MSA-T-009"] == "active"


def test_the_portfolio_is_paginated(api: TestClient, portfolio: dict[str, dict[str, Any]]) -> None:
    body = api.get("/api/v1/contracts", params={"limit": 2, "offset": 1}).json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 1)
    assert [c["reference"] for c in body["items"]] == ["MSA-2026-001", "MSA-2026-001/SOW-01"]
    assert api.get("/api/v1/contracts", params={"limit": 0}).status_code == 422


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "dormant"}, "status"),
        ({"sort": "colour"}, "sort"),
        ({"deadline_within_days": -1}, "deadline_within_days"),
        ({"as_of": "soon"}, "as_of"),
    ],
)
def test_bad_filters_are_a_422_naming_the_parameter(
    api: TestClient, params: dict[str, Any], field: str
) -> None:
    response = api.get("/api/v1/contracts", params=params)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == f"query.{field}"


def test_the_portfolio_exports_as_csv_with_the_same_filters(
    api: TestClient, portfolio: dict[str, dict[str, Any]]
) -> None:
    response = api.get(
        "/api/v1/contracts/export.csv", params={"as_of": "2026-06-01", "q": "northwind"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="pactline-portfolio-2026-06-01.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Reference"] for r in rows] == ["MSA-2026-001", "MSA-2026-001/SOW-01"]
    assert rows[0]["Notice deadline"] == "2028-08-23"
    assert rows[0]["Tags"] == "network, critical"


def test_the_portfolio_exports_as_xlsx(
    api: TestClient, portfolio: dict[str, dict[str, Any]]
) -> None:
    response = api.get("/api/v1/contracts/export.xlsx", params={"our_role": "supplier"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content))["Portfolio"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reference"
    assert [r[0] for r in rows[1:]] == ["BPO-2025-014"]


def test_parties_list_their_contract_counts(
    api: TestClient, portfolio: dict[str, dict[str, Any]]
) -> None:
    parties = api.get("/api/v1/parties").json()
    assert [(p["name"], p["contract_count"]) for p in parties] == [
        ("Contoso Health, Inc.", 1),
        ("Fabrikam Print plc", 1),
        ("Northwind Networks Ltd", 2),
    ]
    northwind = portfolio["MSA-2026-001"]["counterparty_id"]
    one = api.get(f"/api/v1/parties/{northwind}").json()
    assert one["name"] == "Northwind Networks Ltd" and one["contract_count"] == 2
    assert one["registration_id"] == "01234567"
    assert api.get("/api/v1/parties/999").status_code == 404


def test_a_contract_reads_with_its_versions_and_children(
    api: TestClient, session: Session, portfolio: dict[str, dict[str, Any]]
) -> None:
    msa = api.get(f"/api/v1/contracts/{portfolio['MSA-2026-001']['id']}").json()
    assert msa["children"] == ["MSA-2026-001/SOW-01"]
    assert msa["counterparty_registration_id"] == "01234567"
    assert [v["number"] for v in msa["versions"]] == [1]
    sow = api.get(f"/api/v1/contracts/{portfolio['MSA-2026-001/SOW-01']['id']}").json()
    assert sow["parent_reference"] == "MSA-2026-001"


def test_contracts_imported_by_the_service_layer_read_the_same(
    api: TestClient, session: Session
) -> None:
    contract = import_contract(session, terms_yaml("MSA-SVC"))
    body = api.get(f"/api/v1/contracts/{contract.id}").json()
    assert body["reference"] == "MSA-SVC"
    assert body["versions"][0]["source_name"] == "test.yaml"
