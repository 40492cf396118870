"""The commercials pages: index series with their import form, a contract's volumes as a
table of months × items, the empty states, and a bad file listed row by row."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials.models import IndexValue, Volume
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.users.enums import Role
from pactline.users.models import User
from tests.conftest import MakeUser, WebClient, csrf_of
from tests.contracts.factories import import_contract, terms_yaml
from tests.service_levels.factories import import_northwind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CPI = (EXAMPLES / "indices" / "cpi.csv").read_bytes()
VOLUMES = (EXAMPLES / "volumes" / "northwind-msa.csv").read_bytes()


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def commercial(make_user: MakeUser) -> User:
    return make_user(Role.COMMERCIAL, full_name="Chris Commercial")


@pytest.fixture
def northwind(session: Session, make_user: MakeUser) -> Contract:
    return import_northwind(session, make_user)


def post_file(c: TestClient, url: str, name: str, content: bytes) -> Response:
    token = csrf_of(c.get("/").text)
    return c.post(
        url,
        data={"csrf_token": token},
        files={"file": (name, content, "text/csv")},
        follow_redirects=False,
    )


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_commercials_nav_item_opens_the_page_with_its_empty_states(
    web_as: WebClient, commercial: User
) -> None:
    c = web_as(commercial)
    assert 'href="/commercials"' in c.get("/").text
    page = c.get("/commercials")
    assert page.status_code == 200
    assert "No index values stored yet" in page.text
    assert "No contracts yet" in page.text
    assert 'action="/commercials/index-series/import"' in page.text


def test_an_indices_file_imported_from_the_page_shows_the_latest_values_per_series(
    web_as: WebClient, commercial: User, session: Session
) -> None:
    c = web_as(commercial)
    response = post_file(c, "/commercials/index-series/import", "cpi.csv", CPI)
    assert response.status_code == 303
    page = c.get(response.headers["location"]).text
    assert "Imported 13 index values: 13 new, 0 replaced." in page
    assert "CPI" in page and "2025-10 to 2026-10" in page and "latest 142.7" in page
    assert "<td>2026-10</td>" in page and "<td>2026-04</td>" not in page  # the latest six
    assert count(session, IndexValue) == 13


def test_a_bad_indices_file_lists_each_row_and_column_and_stores_nothing(
    web_as: WebClient, commercial: User, session: Session
) -> None:
    c = web_as(commercial)
    bad = b"series,period,value\nCPI,2026-01,high\nCPI,2026-02,0\n"
    response = post_file(c, "/commercials/index-series/import", "bad.csv", bad)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Nothing was imported" in text and "There are 2 problems" in text
    assert '<td class="num">2</td><td><code>value</code></td>' in text
    assert "must be more than 0" in text
    assert count(session, IndexValue) == 0


def test_a_contracts_volumes_page_shows_months_by_items_after_an_import(
    web_as: WebClient, commercial: User, northwind: Contract, session: Session
) -> None:
    c = web_as(commercial)
    url = f"/contracts/{northwind.id}/volumes"
    empty = c.get(url).text
    assert "No volumes recorded yet" in empty
    assert f'href="{url}"' in c.get("/commercials").text
    response = post_file(c, f"{url}/import", "northwind-msa.csv", VOLUMES)
    assert response.status_code == 303
    page = c.get(response.headers["location"]).text
    assert "Imported 8 volumes: 8 new, 0 replaced." in page
    assert "<code>architect</code>" in page and "<code>ports</code>" in page
    assert '<th scope="row">2026-05</th>' in page and ">2140<" in page
    assert count(session, Volume) == 8


def test_a_bad_volumes_file_lists_each_row_and_column_and_stores_nothing(
    web_as: WebClient, commercial: User, northwind: Contract, session: Session
) -> None:
    c = web_as(commercial)
    bad = b"item_id,period,quantity\nrouters,2026-01,3\nports,2031-01,1\n"
    response = post_file(c, f"/contracts/{northwind.id}/volumes/import", "bad.csv", bad)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "<code>item_id</code>" in text and "outside the contract's term" in text
    assert "No volumes recorded yet" in text
    assert count(session, Volume) == 0


def test_a_contract_without_charges_says_so_instead_of_a_form(
    web_as: WebClient, commercial: User, session: Session
) -> None:
    contract = import_contract(session, terms_yaml())
    page = web_as(commercial).get(f"/contracts/{contract.id}/volumes").text
    assert "No charges in these terms" in page
    assert "/volumes/import" not in page


def test_a_viewer_sees_the_pages_but_no_import_form_and_cannot_post(
    web_as: WebClient, make_user: MakeUser, northwind: Contract, session: Session
) -> None:
    c = web_as(make_user(Role.VIEWER))
    page = c.get("/commercials").text
    assert "commercials.write" in page and 'action="/commercials/index-series/import"' not in page
    assert "/volumes/import" not in c.get(f"/contracts/{northwind.id}/volumes").text
    assert post_file(c, "/commercials/index-series/import", "cpi.csv", CPI).status_code == 403
    url = f"/contracts/{northwind.id}/volumes/import"
    assert post_file(c, url, "v.csv", VOLUMES).status_code == 403
    assert count(session, IndexValue) == 0 and count(session, Volume) == 0


def test_importing_without_a_file_asks_for_one(web_as: WebClient, commercial: User) -> None:
    c = web_as(commercial)
    response = post_file(c, "/commercials/index-series/import", "", b"")
    assert response.status_code == 422
    assert "choose a CSV or XLSX file to import" in response.text


def test_a_volume_entered_by_hand_is_stored_and_a_bad_one_names_its_field(
    web_as: WebClient, make_user: MakeUser, session: Session
) -> None:
    contract = import_northwind(session, make_user)
    c = web_as(make_user(Role.COMMERCIAL))
    page = c.get(f"/contracts/{contract.id}/volumes").text
    assert "Enter or correct a volume" in page and 'value="ports"' in page
    token = csrf_of(page)
    saved = c.post(
        f"/contracts/{contract.id}/volumes",
        data={"csrf_token": token, "item_id": "ports", "period": "2026-04", "quantity": "2080"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    grid = c.get(f"/contracts/{contract.id}/volumes").text
    assert "2080" in grid
    bad = c.post(
        f"/contracts/{contract.id}/volumes",
        data={"csrf_token": token, "item_id": "ports", "period": "2031-04", "quantity": "-1"},
    )
    assert bad.status_code == 422 and "The volume was not recorded" in bad.text


def test_delivery_events_are_imported_and_listed_on_the_volumes_tab(
    web_as: WebClient, make_user: MakeUser, session: Session
) -> None:
    contract = import_northwind(session, make_user)
    c = web_as(make_user(Role.COMMERCIAL))
    page = c.get(f"/contracts/{contract.id}/volumes").text
    assert "Milestones and late deliveries" in page and "None recorded yet." in page
    content = (EXAMPLES / "deliveries" / "northwind-msa.csv").read_bytes()
    sent = c.post(
        f"/contracts/{contract.id}/deliveries/import",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("deliveries.csv", content, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    listed = html.unescape(c.get(sent.headers["location"]).text)
    assert "Imported 3 delivery events" in listed and "migration_delay" in listed
    bad = c.post(
        f"/contracts/{contract.id}/deliveries/import",
        data={"csrf_token": csrf_of(page)},
        files={
            "file": ("bad.csv", b"item_id,period,event\nnothing,2026-05,achieved\n", "text/csv")
        },
    )
    assert bad.status_code == 422 and "the terms have no milestone" in html.unescape(bad.text)
