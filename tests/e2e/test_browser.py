"""What a person does in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_an_admin_signs_in_and_finds_the_demo_people(page, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert page.url.endswith("/login")
    page.screenshot(path=str(artifacts / "login.png"))
    sign_in(page)
    assert page.get_by_role("heading", name="Good to see you, Administrator").is_visible()
    # The first card counts the demo portfolio's contracts.
    assert page.locator(".stat-value").first.inner_text() == "40"
    assert page.get_by_role("heading", name="Coming up in the next 90 days").is_visible()
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)

    page.get_by_role("link", name="Users and roles").click()
    page.wait_for_url("**/admin/users")
    assert page.get_by_role("link", name="grace.okafor").is_visible()
    page.get_by_label("Search users").fill("santos")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("link", name="maria.santos").is_visible()
    assert page.get_by_role("link", name="grace.okafor").count() == 0
    page.screenshot(path=str(artifacts / "admin-users.png"), full_page=True)


def test_an_admin_adds_a_user_who_then_signs_in(page, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/admin/users")
    form = page.locator("form.grid-form")
    form.get_by_label("Username").fill("nina.berg")
    form.get_by_label("Full name").fill("Nina Berg")
    form.get_by_label("Role").select_option("commercial")
    form.get_by_label("Password").fill("nina's long password")
    form.get_by_role("button", name="Add user").click()
    assert page.get_by_text("Created nina.berg.").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    sign_in(page, "nina.berg", "nina's long password")
    assert page.get_by_role("heading", name="Good to see you, Nina Berg").is_visible()
    # Commercial users see no administration.
    assert page.get_by_role("link", name="Users and roles").count() == 0

    page.get_by_role("link", name="Nina Berg").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("browser test")
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_text("Your new token").is_visible()
    assert page.locator("code.secret").inner_text().startswith("pl_")
    page.screenshot(path=str(artifacts / "tokens.png"), full_page=True)


def test_a_wrong_password_is_explained_on_the_page(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "admin", "not the password")
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
