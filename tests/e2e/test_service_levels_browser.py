"""Reading a demo contract's service levels in a real browser: from the portfolio comparison
to a month's credit and the arithmetic behind it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_contracts_browser import sign_in

pytestmark = pytest.mark.browser


def test_a_credit_of_a_demo_contract_shows_its_arithmetic(  # type: ignore[no-untyped-def]
    page, artifacts: Path
) -> None:
    sign_in(page)
    page.locator(".sidebar").get_by_role("link", name="Service levels").click()
    page.wait_for_url("**/service-levels")
    expect(page.locator("table.sl-portfolio tbody tr").first).to_be_visible()
    page.screenshot(path=str(artifacts / "service-levels-portfolio.png"), full_page=True)

    page.locator("table.sl-portfolio tbody tr .sl-contract-cell a").first.click()
    page.wait_for_url("**/service-levels")
    grid = page.locator("table").filter(has=page.locator("a.sl-cell")).first
    expect(grid).to_be_visible()
    # The demo measures the last 18 months; the scorecard shows them all by default.
    assert grid.locator("thead th").count() >= 18
    page.screenshot(path=str(artifacts / "service-levels-scorecard.png"), full_page=True)

    # A failed month, opened from its cell, explains its credit step by step.
    failed = page.locator("a.sl-cell.sl-minimum_miss, a.sl-cell.sl-expected_miss").first
    failed.click()
    page.wait_for_url("**/service-levels/*-*")
    expect(page.get_by_text("Credit", exact=False).first).to_be_visible()
    expect(page.locator("li", has_text="Total service credits for").first).to_be_visible()
    page.screenshot(path=str(artifacts / "service-levels-month.png"), full_page=True)
