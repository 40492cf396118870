"""Importing a contract and reading its key dates in a real browser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pactline.core import clock
from tests.contracts.factories import terms_yaml
from tests.e2e.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

REFERENCE = "E2E-MSA-001"


def sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_an_admin_imports_a_terms_file_and_reads_its_key_dates(  # type: ignore[no-untyped-def]
    page, artifacts: Path, tmp_path: Path
) -> None:
    # The server runs on the real clock: a four-year term that started last January is in
    # force today, and its notice deadline lies ahead.
    start = date(clock.today().year - 1, 1, 1)
    terms = tmp_path / "e2e-msa.yaml"
    terms.write_text(
        terms_yaml(REFERENCE, title="Browser-tested network services", start_on=start, months=48)
    )
    sign_in(page)

    nav = page.locator(".sidebar")
    nav.get_by_role("link", name="Portfolio").click()
    page.wait_for_url("**/contracts")
    page.get_by_role("link", name="New contract").click()
    page.get_by_label("Terms files").set_input_files(str(terms))
    with page.expect_navigation():
        page.get_by_role("button", name="Import", exact=True).click()
    assert page.get_by_role("heading", name="Browser-tested network services").is_visible()

    # The portfolio's search refreshes only the results (HTMX) and keeps the URL in step.
    nav.get_by_role("link", name="Portfolio").click()
    page.get_by_role("searchbox", name="Search").fill(REFERENCE)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"/contracts\?q={REFERENCE}$"))
    row = page.locator("#results tbody tr")
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("Notice deadline (non-renewal)")
    page.get_by_role("searchbox", name="Search").fill("")
    expect(page.locator("#results tbody tr").first).to_be_visible()
    page.screenshot(path=str(artifacts / "portfolio.png"), full_page=False)

    page.get_by_role("searchbox", name="Search").fill(REFERENCE)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.get_by_role("link", name=REFERENCE).click()
    page.wait_for_url("**/contracts/*")
    key_dates = page.locator("#key-dates")
    expect(key_dates).to_contain_text("Notice deadline (non-renewal)")
    expect(key_dates).to_contain_text("terms version 1 (Original agreement")
    expect(page.locator("svg.timeline-svg")).to_be_visible()
    # Each date opens to show how it was worked out.
    notice_row = key_dates.locator("tr", has_text="Notice deadline (non-renewal)")
    notice_row.locator("summary").click()
    expect(notice_row.locator("ol")).to_contain_text("minus 90 calendar days")
    page.screenshot(path=str(artifacts / "contract.png"), full_page=True)

    # Another "as of" date refreshes the key dates in place.
    later = date(start.year + 4, 3, 1)
    page.get_by_label("As of").fill(later.isoformat())
    expect(key_dates).to_contain_text(f"On {later.isoformat()} the contract is")
    expect(key_dates).to_contain_text("renewed")
    expect(page).to_have_url(re.compile(rf"as_of={later.isoformat()}$"))
