"""Calendar feeds over HTTP: the account page that issues the address, the public feeds whose
URL secret is the credential, and the signed-in download of one contract's dates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from pactline.contracts import queries as contract_queries
from pactline.core import clock
from pactline.demo import loader
from pactline.users import service
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.queries import get_user_by_username
from pactline.users.schemas import UserUpdate
from tests.conftest import MakeUser, WebClient, csrf_of
from tests.contracts.factories import import_contract, terms_yaml

FEED_URL = re.compile(r"http://testserver/calendar/(cal_[A-Za-z0-9_-]+)\.ics")


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def alice(make_user: MakeUser) -> User:
    return make_user(Role.COMMERCIAL, username="alice", full_name="Alice Archer")


@pytest.fixture
def contracts(session: Session, alice: User) -> dict[str, int]:
    """Two contracts Alice owns and one she does not."""
    mine = import_contract(session, terms_yaml("MSA-A-001", account_manager="alice"))
    sow = import_contract(
        session,
        terms_yaml(
            "SOW-A-002",
            kind="statement_of_work",
            parent="MSA-A-001",
            title="Service desk",
            renewal_kind="none",
            months=12,
            account_manager="alice",
        ),
    )
    other = import_contract(session, terms_yaml("MSA-B-001", title="Data centre hosting"))
    return {"mine": mine.id, "sow": sow.id, "other": other.id}


def issue_feed(c: TestClient) -> str:
    """Reset the feed address from the account page; return the secret it shows."""
    page = c.get("/account/calendar")
    response = c.post("/account/calendar", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 200
    match = FEED_URL.search(response.text)
    assert match, response.text
    return match.group(1)


def references_in(body: bytes) -> set[str]:
    calendar = Calendar.from_ical(body)
    return {str(e["summary"]).split(": ", 1)[1].split(" ", 1)[0] for e in calendar.walk("VEVENT")}


def test_anonymous_access_to_the_calendar_page_redirects_to_sign_in(client: TestClient) -> None:
    response = client.get("/account/calendar", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account/calendar"


def test_the_account_tabs_link_to_the_calendar_feed(web_as: WebClient, alice: User) -> None:
    c = web_as(alice)
    for page in ("/account", "/account/tokens", "/account/calendar"):
        assert '<a href="/account/calendar"' in c.get(page).text


def test_issuing_a_feed_shows_its_address_once_with_instructions(
    web_as: WebClient, alice: User
) -> None:
    c = web_as(alice)
    first = c.get("/account/calendar")
    assert "You have no calendar feed yet" in first.text
    page = c.post("/account/calendar", data={"csrf_token": csrf_of(first.text)})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    token = FEED_URL.search(page.text).group(1)  # type: ignore[union-attr]
    assert token.startswith("cal_")
    url = f"http://testserver/calendar/{token}.ics"
    assert f'<code class="secret" data-copy>{url}</code>' in page.text
    assert f"{url}?scope=all" in page.text
    assert f"webcal://testserver/calendar/{token}.ics" in page.text
    assert "Add calendar → Subscribe from web" in page.text
    assert "From URL" in page.text and "Other calendars" in page.text
    # Afterwards the page knows there is a feed but cannot show its address again.
    later = c.get("/account/calendar").text
    assert token not in later
    assert "the old address stops working at once" in later


def test_the_feed_lists_the_contracts_the_user_owns_or_with_scope_all_every_one(
    web_as: WebClient, client: TestClient, alice: User, contracts: dict[str, int]
) -> None:
    token = issue_feed(web_as(alice))
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == "inline; filename=pactline.ics"
    assert response.headers["cache-control"] == "private, max-age=900"
    assert "set-cookie" not in response.headers
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Pactline: Alice Archer's contracts"
    assert references_in(response.content) == {"MSA-A-001", "SOW-A-002"}
    everything = client.get(f"/calendar/{token}.ics", params={"scope": "all"})
    assert everything.status_code == 200
    assert references_in(everything.content) == {"MSA-A-001", "SOW-A-002", "MSA-B-001"}


def test_the_feed_of_one_contract(
    web_as: WebClient, client: TestClient, alice: User, contracts: dict[str, int]
) -> None:
    token = issue_feed(web_as(alice))
    response = client.get(f"/calendar/{token}/contracts/{contracts['other']}.ics")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == "inline; filename=MSA-B-001.ics"
    assert references_in(response.content) == {"MSA-B-001"}
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert {e.decoded("dtstart") for e in events} >= {date(2028, 12, 31), date(2028, 10, 2)}


def test_resetting_the_address_kills_the_old_url(
    web_as: WebClient, client: TestClient, alice: User, contracts: dict[str, int]
) -> None:
    c = web_as(alice)
    old = issue_feed(c)
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    new = issue_feed(c)
    assert new != old
    for url in (f"/calendar/{old}.ics", f"/calendar/{old}/contracts/{contracts['mine']}.ics"):
        gone = client.get(url)
        assert gone.status_code == 404
        assert gone.text == "Not found\n"
    assert client.get(f"/calendar/{new}.ics").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/{token}.ics",
        "/calendar/{token}/contracts/{contract_id}.ics",
    ],
)
@pytest.mark.parametrize(
    "token", ["cal_not-a-real-secret", "not-even-the-prefix", "cal_", "pl_x", "cal_%00"]
)
def test_the_public_feed_routes_answer_404_without_a_valid_token(
    client: TestClient, contracts: dict[str, int], path: str, token: str
) -> None:
    url = path.format(token=token, contract_id=contracts["mine"])
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Not found\n"  # no hint of why


def test_a_feed_answers_404_for_an_unknown_or_malformed_contract(
    web_as: WebClient, client: TestClient, alice: User, contracts: dict[str, int]
) -> None:
    token = issue_feed(web_as(alice))
    for contract_id in ("999999", "abc", "1e3", "99999999999999999999999"):
        response = client.get(f"/calendar/{token}/contracts/{contract_id}.ics")
        assert response.status_code == 404, contract_id
        assert response.text == "Not found\n"


def test_a_deactivated_users_feed_stops_working(
    web_as: WebClient, client: TestClient, alice: User, admin: User, session: Session
) -> None:
    token = issue_feed(web_as(alice))
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    service.update_user(
        session,
        actor=Principal.of(admin),
        user_id=alice.id,
        data=UserUpdate(is_active=False),
    )
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_signed_in_user_downloads_one_contracts_dates(
    web_as: WebClient, alice: User, contracts: dict[str, int]
) -> None:
    response = web_as(alice).get(f"/contracts/{contracts['sow']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == "attachment; filename=SOW-A-002.ics"
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Expiry (no renewal): SOW-A-002 Service desk"
    missing = web_as(alice).get("/contracts/999999/calendar.ics")
    assert missing.status_code == 404


def test_resetting_needs_the_csrf_token(web_as: WebClient, alice: User) -> None:
    response = web_as(alice).post("/account/calendar", data={})
    assert response.status_code == 403


def test_a_demo_users_feed_lists_the_demo_portfolios_deadlines(
    client: TestClient, session: Session
) -> None:
    loader.load_demo(session, actor=Principal.system("test"), as_of=date(2026, 6, 1))
    liam = get_user_by_username(session, "liam.walsh")
    token = service.reset_calendar_token(session, actor=Principal.of(liam))
    body = client.get(f"/calendar/{token}.ics").content
    events = Calendar.from_ical(body).walk("VEVENT")
    owned = {c.reference for c in contract_queries.contracts_owned_by(session, liam.id)}
    assert owned
    assert references_in(body) <= owned
    upcoming = [
        e
        for e in events
        if "Notice deadline" in str(e["summary"])
        and date(2026, 6, 1) <= e["dtstart"].dt <= date(2026, 8, 30)
    ]
    assert upcoming, "the demo should give Liam notice deadlines within 90 days"
    everything = client.get(f"/calendar/{token}.ics", params={"scope": "all"}).content
    assert len(references_in(everything)) > len(owned)
