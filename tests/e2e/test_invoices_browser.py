"""Following an invoice's leakage in a real browser: from the dashboard to the invoice, its three
findings on their lines, and a dispute opened on the rate charged above the rate card."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from pactline.invoices import service as invoices
from pactline.users import service as users
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.schemas import UserCreate
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import serving
from tests.e2e.test_contracts_browser import sign_in
from tests.invoices.factories import INVOICE, northwind_with_inputs

pytestmark = pytest.mark.browser


def _northwind_april(session: Session) -> None:
    """MSA-2026-001 with its volumes, CPI and credits, and its April invoice imported."""

    def make_user(role: Role = Role.VIEWER, username: str | None = None, **_: object) -> User:
        user, _ = users.create_user(
            session,
            actor=Principal.system("e2e"),
            data=UserCreate(username=username or role.value, role=role, password=TEST_PASSWORD),
        )
        return user

    contract = northwind_with_inputs(session, make_user)
    invoices.import_invoices(
        session,
        actor=Principal.system("e2e"),
        contract_id=contract.id,
        source_name=INVOICE.name,
        content=INVOICE.read_bytes(),
    )


@pytest.fixture(scope="module")
def invoice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("e2e-invoices"), _northwind_april) as url:
        yield url


@pytest.fixture
def invoice_page(browser, invoice_server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=invoice_server, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_a_commercial_lead_follows_leakage_to_the_invoice_and_disputes_the_rate(  # type: ignore[no-untyped-def]
    invoice_page, artifacts: Path
) -> None:
    page = invoice_page
    sign_in(page)
    page.locator(".sidebar").get_by_role("link", name="Leakage").click()
    page.wait_for_url("**/leakage")
    expect(page.locator(".lk-headline")).to_contain_text("GBP 14,300.00")
    expect(page.locator(".lk-headline")).to_contain_text("3 findings")
    page.screenshot(path=str(artifacts / "invoices-leakage.png"), full_page=True)

    # The largest findings lead to the invoice they are on.
    page.locator("table.lk-largest").get_by_role("link", name="NW-INV-2026-0412").first.click()
    page.wait_for_url("**/invoices/*")
    expect(page.locator("#line-4")).to_contain_text("ARC/RRC")
    expect(page.locator("#line-4")).to_contain_text("GBP 960.00")
    expect(page.locator("#line-5")).to_contain_text("Rate differs from the rate card")
    expect(page.locator("#line-5")).to_contain_text("GBP 90.00")
    expect(page.locator("#whole-invoice")).to_contain_text("Service credit missing")
    expect(page.locator("#whole-invoice")).to_contain_text("GBP 13,250.00")
    page.screenshot(path=str(artifacts / "invoices-invoice.png"), full_page=True)

    # The badge on line 5 opens the finding: how it was found, and the dispute form.
    page.locator("#line-5 a.iv-chip").click()
    finding = page.locator("details.iv-finding", has_text="Rate differs from the rate card")
    expect(finding).to_have_attribute("open", "")
    expect(finding).to_contain_text("Unit price 980 against the rate in force 950")
    finding.get_by_label("Our position").fill(
        "The rate card gives 950 per day for a network engineer in contract year 1."
    )
    finding.get_by_role("button", name="Open dispute").click()
    page.wait_for_url("**/disputes/*")
    expect(page.get_by_text("Dispute opened")).to_be_visible()
    expect(page.locator(".summary-strip")).to_contain_text("GBP 90.00")
    expect(page.locator("h1")).to_contain_text("Rate differs from the rate card")
    page.screenshot(path=str(artifacts / "invoices-dispute.png"), full_page=True)

    # Back on the invoice, the finding is disputed and links to its dispute.
    page.locator(".page-head a[href*='/invoices/']").click()
    page.wait_for_url("**/invoices/*")
    expect(page.locator("#line-5 a.iv-chip")).to_have_class("iv-chip iv-chip-disputed")
