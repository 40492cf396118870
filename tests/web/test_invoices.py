"""The invoices web pages: the lists and their import forms, an invoice with its findings on its
lines, status moves and disputes, a month's statement, the leakage dashboard and its exports,
the volumes-against-baseline chart and the charges of the terms in force."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials import service as commercials
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.disputes.models import Dispute
from pactline.invoices.enums import FindingStatus
from pactline.invoices.models import Finding, Invoice
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from tests.conftest import ApiClient, MakeUser, WebClient, csrf_of
from tests.contracts.factories import import_contract, terms_yaml
from tests.invoices.factories import INVOICE, northwind_with_inputs

INVOICE_BYTES = INVOICE.read_bytes()
HEADER = (
    "invoice_number,counterparty,issued_on,period,currency,line,item_id,kind,description,"
    "quantity,unit_price,amount,tax\n"
)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    """The pages are looked at on 1 July 2026, two months after the April invoice came in."""
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def contract(session: Session, make_user: MakeUser) -> Contract:
    return northwind_with_inputs(session, make_user)


@pytest.fixture
def commercial(make_user: MakeUser) -> User:
    """Owns invoices and disputes."""
    return make_user(Role.COMMERCIAL, username="cora", full_name="Cora Commercial")


@pytest.fixture
def c(web_as: WebClient, commercial: User) -> TestClient:
    return web_as(commercial)


def post_file(client: TestClient, url: str, name: str, content: bytes, **data: str) -> Response:
    token = csrf_of(client.get("/").text)
    return client.post(
        url,
        data={"csrf_token": token, **data},
        files={"file": (name, content, "text/csv")},
        follow_redirects=False,
    )


def post(client: TestClient, url: str, **data: str) -> Response:
    token = csrf_of(client.get("/").text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def imported(client: TestClient, contract: Contract) -> str:
    """Import the April invoice from the contract's tab; the invoice page's address."""
    response = post_file(
        client, f"/contracts/{contract.id}/invoices/import", INVOICE.name, INVOICE_BYTES
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).split("?")[0]


def finding_of(session: Session, kind: str) -> Finding:
    finding = session.scalar(select(Finding).where(Finding.type == kind))
    assert finding is not None
    return finding


def row_of(page: str, line: int) -> str:
    """The table row of an invoice line."""
    match = re.search(rf'<tr id="line-{line}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row for line {line}"
    return html.unescape(match.group(1))


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- lists, empty states and the import forms ----------------------------------------------


def test_the_new_areas_are_in_the_navigation_and_say_what_to_do_when_empty(
    c: TestClient, contract: Contract
) -> None:
    home = c.get("/").text
    for href in ('href="/invoices"', 'href="/leakage"', 'href="/disputes"'):
        assert href in home
    assert "No invoices yet" in c.get("/invoices").text
    assert "No invoice findings yet" in c.get("/leakage").text
    assert "No disputes yet" in c.get("/disputes").text
    tab = c.get(f"/contracts/{contract.id}/invoices")
    assert tab.status_code == 200
    assert "No invoices stored yet" in tab.text
    assert f'action="/contracts/{contract.id}/invoices/import"' in tab.text
    assert f'href="/contracts/{contract.id}/invoices"' in c.get(f"/contracts/{contract.id}").text


def test_an_imported_invoice_opens_with_each_finding_marked_on_its_line(
    c: TestClient, contract: Contract
) -> None:
    url = imported(c, contract)
    page = c.get(url + "?imported=1").text
    assert "Imported 1 invoice; each was checked" in page
    assert "ARC/RRC" in row_of(page, 4) and "GBP 960.00" in row_of(page, 4)
    assert "Rate differs from the rate card" in row_of(page, 5) and "GBP 90.00" in row_of(page, 5)
    assert "Rate differs" not in row_of(page, 1)
    whole = html.unescape(page.split('id="whole-invoice"')[1].split("</div>")[0])
    assert "Service credit missing" in whole and "GBP 13,250.00" in whole
    text = html.unescape(page)
    assert "Unit price 980 against the rate in force 950" in text  # the explanation steps
    assert "GBP 14,300.00" in text  # money at stake
    assert "The statement it was checked against" in text and "service_credits" in text
    listed = c.get("/invoices").text
    assert "NW-INV-2026-0412" in listed and "GBP 14,300.00" in listed
    assert "NW-INV-2026-0412" in c.get(f"/contracts/{contract.id}/invoices").text


def test_a_bad_invoice_file_lists_each_row_and_column_and_stores_nothing(
    c: TestClient, contract: Contract, session: Session
) -> None:
    bad = (
        HEADER + "X-1,Northwind,2026-06-05,2026-05,EUR,1,managed_service,fixed,Fee,1,"
        "216000.00,216000.00,43200.00\nX-1,Northwind,2026-06-05,2026-05,GBP,2,ports,,Ports,"
        ",,lots,\n"
    ).encode()
    response = post_file(c, f"/contracts/{contract.id}/invoices/import", "bad.csv", bad)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Nothing was imported" in text
    assert "<code>currency</code>" in text and "<code>amount</code>" in text
    assert count(session, Invoice) == 0


def test_the_invoices_list_imports_for_the_contract_chosen_and_asks_for_one(
    c: TestClient, contract: Contract, session: Session
) -> None:
    page = c.get("/invoices").text
    assert f'<option value="{contract.id}"' in page
    refused = post_file(c, "/invoices/import", INVOICE.name, INVOICE_BYTES, contract_id="")
    assert refused.status_code == 422 and "choose the contract" in refused.text
    no_file = post_file(c, "/invoices/import", "", b"", contract_id=str(contract.id))
    assert no_file.status_code == 422 and "choose a CSV or XLSX file to import" in no_file.text
    response = post_file(
        c, "/invoices/import", INVOICE.name, INVOICE_BYTES, contract_id=str(contract.id)
    )
    assert response.status_code == 303
    assert f"/contracts/{contract.id}/invoices/" in response.headers["location"]
    assert count(session, Invoice) == 1


def test_an_invoice_that_cannot_be_checked_says_why(c: TestClient, contract: Contract) -> None:
    september = (
        HEADER + "NW-INV-2026-0912,Northwind Networks Ltd,2026-10-05,2026-09,GBP,1,"
        "managed_service,fixed,Managed network service,1,216000.00,216000.00,43200.00\n"
    ).encode()
    response = post_file(c, f"/contracts/{contract.id}/invoices/import", "sep.csv", september)
    assert response.status_code == 303
    page = html.unescape(c.get(response.headers["location"]).text)
    assert "This invoice could not be checked." in page
    assert "no value for 'ports'" in page
    assert "not checked" in c.get("/invoices").text


# --- finding statuses and disputes -----------------------------------------------------------


def test_a_finding_moves_on_and_dismissing_one_needs_a_reason(
    c: TestClient, contract: Contract, session: Session
) -> None:
    url = imported(c, contract)
    arc = finding_of(session, "arc_rrc")
    refused = post(c, f"/findings/{arc.id}/status", status="dismissed", reason="")
    assert refused.status_code == 422
    assert "Give the reason a finding is dismissed." in html.unescape(refused.text)
    assert f'id="finding-{arc.id}" open' in refused.text  # the refused finding stays open
    session.refresh(arc)
    assert arc.status == FindingStatus.OPEN.value
    accepted = post(c, f"/findings/{arc.id}/status", status="accepted", reason="Agreed on a call")
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith(url)
    page = c.get(accepted.headers["location"]).text
    assert f"Finding #{arc.id} is now accepted." in page
    assert "Mark recovered" in page
    session.refresh(arc)
    assert arc.status == FindingStatus.ACCEPTED.value and arc.status_reason == "Agreed on a call"
    wrong = post(c, f"/findings/{arc.id}/status", status="open")
    assert wrong.status_code == 422 and "it can move to" in wrong.text


def test_a_dispute_opened_on_the_rate_mismatch_is_argued_and_settled(
    c: TestClient, contract: Contract, session: Session
) -> None:
    imported(c, contract)
    rate = finding_of(session, "rate_mismatch")
    empty = post(c, f"/contracts/{contract.id}/disputes", finding_id=str(rate.id))
    assert empty.status_code == 422 and "Please correct the highlighted fields." in empty.text
    opened = post(
        c,
        f"/contracts/{contract.id}/disputes",
        finding_id=str(rate.id),
        our_position="The year 1 rate of 950 applies until 2027",
    )
    assert opened.status_code == 303
    url = opened.headers["location"].split("?")[0]
    page = html.unescape(c.get(opened.headers["location"]).text)
    assert "Dispute opened" in page and "The year 1 rate of 950 applies until 2027" in page
    assert "GBP 90.00" in page and "0 days" in page
    session.refresh(rate)
    assert rate.status == FindingStatus.DISPUTED.value
    listed = html.unescape(c.get("/disputes").text)
    assert "Rate differs from the rate card: invoice NW-INV-2026-0412 line 5" in listed
    saved = post(
        c, url, their_position="Year 2 rates apply from April", our_position="", escalate="true"
    )
    assert saved.status_code == 303 and "done=escalated" in saved.headers["location"]
    assert "Year 2 rates apply from April" in html.unescape(c.get(url).text)
    no_amount = post(c, f"{url}/resolve", outcome="settled", resolution="Split the difference")
    assert no_amount.status_code == 422 and "settled_amount" in no_amount.text
    resolved = post(
        c,
        f"{url}/resolve",
        outcome="settled",
        settled_amount="45.00",
        resolution="Credit note CN-7 for half",
    )
    assert resolved.status_code == 303
    page = html.unescape(c.get(resolved.headers["location"]).text)
    assert "The dispute is resolved" in page and "GBP 45.00" in page
    session.refresh(rate)
    assert rate.status == FindingStatus.ACCEPTED.value
    assert "No open disputes" in c.get("/disputes").text
    assert "Credit note CN-7" not in c.get("/disputes").text
    assert "GBP 45.00" in c.get("/disputes?show=all").text


def test_withdrawing_a_dispute_opens_the_finding_again(
    c: TestClient, contract: Contract, session: Session
) -> None:
    imported(c, contract)
    credit = finding_of(session, "missing_service_credit")
    opened = post(
        c,
        f"/contracts/{contract.id}/disputes",
        finding_id=str(credit.id),
        our_position="The March credit is due on April's invoice",
        amount="13,250.00",
    )
    assert opened.status_code == 303
    url = opened.headers["location"].split("?")[0]
    assert post(c, f"{url}/withdraw", reason="").status_code == 422
    withdrawn = post(c, f"{url}/withdraw", reason="They credited it on a separate note")
    assert withdrawn.status_code == 303
    assert "The dispute is withdrawn" in c.get(withdrawn.headers["location"]).text
    session.refresh(credit)
    assert credit.status == FindingStatus.OPEN.value


def test_a_viewer_reads_the_pages_without_forms_and_cannot_change_anything(
    c: TestClient, web_as: WebClient, make_user: MakeUser, contract: Contract, session: Session
) -> None:
    url = imported(c, contract)
    viewer = web_as(make_user(Role.VIEWER))
    page = viewer.get(url).text
    assert "ARC/RRC" in page
    assert "/status" not in page and "/disputes" not in page.split('id="findings"')[1]
    assert "Validate again" not in page
    assert "invoices.write" in viewer.get(f"/contracts/{contract.id}/invoices").text
    rate = finding_of(session, "rate_mismatch")
    assert post(viewer, f"/findings/{rate.id}/status", status="accepted").status_code == 403
    dispute = post(
        viewer, f"/contracts/{contract.id}/disputes", finding_id=str(rate.id), our_position="x"
    )
    assert dispute.status_code == 403
    refused = post_file(viewer, f"/contracts/{contract.id}/invoices/import", "i.csv", INVOICE_BYTES)
    assert refused.status_code == 403
    session.refresh(rate)
    assert count(session, Dispute) == 0 and rate.status == FindingStatus.OPEN.value


def test_validating_again_says_what_changed_and_a_deleted_invoice_is_gone(
    c: TestClient, contract: Contract, session: Session
) -> None:
    url = imported(c, contract)
    again = post(c, f"{url}/validate")
    assert again.status_code == 303
    assert (
        "Checked again: 0 new findings, 0 no longer raised."
        in c.get(again.headers["location"]).text
    )
    every = post(c, f"/contracts/{contract.id}/invoices/validate")
    assert every.status_code == 303
    assert "Checked again: 0 new findings" in c.get(every.headers["location"]).text
    deleted = post(c, f"{url}/delete")
    assert deleted.status_code == 303
    assert count(session, Invoice) == 0


# --- statements --------------------------------------------------------------------------------


def test_the_statement_of_april_lists_every_line_with_the_service_credit_and_its_inputs(
    c: TestClient, contract: Contract
) -> None:
    page = c.get(f"/contracts/{contract.id}/statements/2026-04")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Statement of April 2026" in text
    assert 'id="line-service_credits"' in text and "Service credits earned in 2026-03" in text
    assert "GBP -13,250.00" in text and "GBP 287,520.00" in text
    assert "80 is within the deadband of ±100: no ARC is due" in text
    assert "<code>ports</code>" in text and "2,080" in text  # the volumes used
    assert "138.4" in text  # the CPI values
    picked = c.get(
        f"/contracts/{contract.id}/statements", params={"period": "2026-05"}, follow_redirects=False
    )
    assert picked.headers["location"] == f"/contracts/{contract.id}/statements/2026-05"


def test_a_month_that_cannot_be_priced_says_so_instead_of_failing(
    c: TestClient, contract: Contract
) -> None:
    page = c.get(f"/contracts/{contract.id}/statements/2026-09")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "September 2026 cannot be priced" in text and "no value for 'ports'" in text
    assert c.get(f"/contracts/{contract.id}/statements/September").status_code == 404


# --- leakage -----------------------------------------------------------------------------------


def test_the_leakage_page_shows_the_apis_totals_by_type_month_and_contract(
    c: TestClient, api_as: ApiClient, commercial: User, contract: Contract
) -> None:
    imported(c, contract)
    (gbp,) = api_as(commercial).get("/api/v1/leakage").json()["currencies"]
    page = html.unescape(c.get("/leakage").text)
    headline = f"GBP {Decimal(gbp['amount']):,.2f}"
    assert headline == "GBP 14,300.00" and headline in page
    assert f"GBP {Decimal(gbp['unresolved_amount']):,.2f}" in page
    assert "Open at stake" in page and f"{gbp['findings']} findings" in page
    for row in gbp["by_type"]:
        assert row["label"] in page
    assert 'class="lk-column"' in page
    assert "April 2026: GBP 14,300.00 in 3 findings" in page
    assert "MSA-2026-001" in page and "Northwind Networks Ltd" in page and "EMEA" in page
    assert "overbilled" in page and "unbilled" in page
    disputed = html.unescape(c.get("/leakage?status=disputed").text)
    assert "At stake: disputed" in disputed and "No finding in disputed puts GBP" in disputed


def test_the_leakage_exports_are_the_apis_files(
    c: TestClient, api_as: ApiClient, commercial: User, contract: Contract
) -> None:
    imported(c, contract)
    api = api_as(commercial)
    csv = c.get("/leakage/export.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.content == api.get("/api/v1/leakage/export.csv").content
    assert csv.text.count("\n") == 4  # a header and three findings
    only_open = c.get("/leakage/export.csv", params={"status": "dismissed"})
    assert only_open.text.count("\n") == 1
    xlsx = c.get("/leakage/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 4


# --- volumes against baseline, and the charges of the terms ------------------------------------


def test_the_volumes_page_draws_each_resource_unit_against_its_baseline(
    c: TestClient, contract: Contract
) -> None:
    page = html.unescape(c.get(f"/contracts/{contract.id}/volumes").text)
    assert "Managed switch ports against the baseline" in page
    assert 'class="cm-deadband"' in page and 'class="cm-baseline-line"' in page
    assert "Baseline 2,000" in page and "Deadband ±100" in page
    assert "May 2026: 2,140 port against a baseline of 2,000 ±100; above the deadband" in page
    assert "Apr 2026: 2,080 port against a baseline of 2,000 ±100; inside the deadband" in page
    assert 'class="sl-point cm-pt-above"' in page


BANDED_CHARGES = """charges:
  resource_units:
    - id: servers
      description: Managed servers
      unit: server
      base_rate: 100
      baseline: 200
      deadband: {units: 10}
      arc_bands:
        bands:
          - {lower: 0, upper: 50, unit_price: 100}
          - {lower: 50, unit_price: 90}
      rrc_bands:
        bands:
          - {lower: 0, upper: 40, unit_price: 80}
"""


def test_band_limits_are_drawn_as_dashed_lines_around_the_baseline(
    c: TestClient, session: Session
) -> None:
    record = import_contract(session, terms_yaml("MSA-B-001") + BANDED_CHARGES)
    commercials.import_volumes(
        session,
        actor=Principal.system("test"),
        contract_id=record.id,
        source_name="servers.csv",
        content=b"item_id,period,quantity\nservers,2026-01,205\nservers,2026-03,150\n",
    )
    page = html.unescape(c.get(f"/contracts/{record.id}/volumes").text)
    assert page.count('class="cm-band-limit"') == 2  # the ARC band ends at 250, the RRC at 160
    assert "Band limits" in page
    assert "Mar 2026: 150 server against a baseline of 200 ±10; below the deadband" in page
    assert 'class="sl-point cm-pt-below"' in page
    terms = re.sub(r"<[^>]+>", "", html.unescape(c.get(f"/contracts/{record.id}/terms").text))
    assert "±10 units" in terms and "0 – 50: 100 each" in terms and "50 – and above" in terms


def test_the_terms_tab_shows_the_charges_in_force_readably(
    c: TestClient, contract: Contract
) -> None:
    page = html.unescape(c.get(f"/contracts/{contract.id}/terms").text)
    charges = page.split('id="charges"')[1]
    assert "Managed network service (Schedule 5, Part B)" in charges
    assert "GBP 216,000.00" in charges and "quarter" in charges
    assert "engineer-y1" in charges and "network engineer" in charges
    assert "±5% of baseline" in charges and "75% of the ARC rate" in charges
    assert "CPI, base 2025-10" in charges and "cap 5%" in charges
    assert "VAT" in charges and "20%" in charges
    assert "applied 1 month after they are earned" in charges


def test_a_contract_without_charges_explains_why_it_has_no_statement(
    c: TestClient, session: Session
) -> None:
    record = import_contract(session, terms_yaml())
    tab = c.get(f"/contracts/{record.id}/invoices").text
    assert "No charges in these terms" in tab and "/invoices/import" not in tab
    assert (
        "These terms have no <code>charges</code> section"
        in c.get(f"/contracts/{record.id}/terms").text
    )
    assert f'href="/contracts/{record.id}/invoices"' not in c.get(f"/contracts/{record.id}").text
