"""The contract repository's web pages: portfolio, creating and amending contracts, the contract
page with its key dates, events and documents, and the counterparties."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline import __version__
from pactline.contracts.models import Contract, ContractDocument
from pactline.core import clock
from pactline.users.enums import Role
from pactline.users.models import User
from tests.conftest import MakeUser, WebClient, csrf_of
from tests.contracts.factories import import_contract, terms_yaml

TODAY = date(2026, 7, 1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    """Every page works out statuses and deadlines as of 1 July 2026."""
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def writer(make_user: MakeUser) -> User:
    return make_user(Role.COMMERCIAL, username="cora")


@pytest.fixture
def network(session: Session) -> Contract:
    """A master agreement, active; its next action is the notice deadline of 2028-10-02."""
    return import_contract(session, terms_yaml("MSA-T-001"), name="msa-t-001.yaml")


@pytest.fixture
def service_desk(session: Session) -> Contract:
    """An optional-renewal contract, expiring; its option deadline 2026-07-31 is 30 days away."""
    text = terms_yaml(
        "OPT-T-002",
        title="Service desk",
        counterparty="Contoso Ltd",
        region="APAC",
        renewal_kind="optional",
        start_on=date(2025, 9, 1),
        months=12,
        notice_period=30,
        annual_value="300000.00",
    )
    return import_contract(session, text)


@pytest.fixture
def printers(session: Session) -> Contract:
    """A supplier-side contract without renewal, ending 2026-12-31."""
    text = terms_yaml(
        "NON-T-003",
        title="Printer fleet",
        counterparty="Fabrikam Inc",
        our_role="supplier",
        renewal_kind="none",
        start_on=date(2025, 1, 1),
        months=24,
        annual_value="50000.00",
    )
    return import_contract(session, text)


@pytest.fixture
def portfolio(network: Contract, service_desk: Contract, printers: Contract) -> list[Contract]:
    return [network, service_desk, printers]


def references(text: str) -> list[str]:
    """The contract references in the portfolio table, top to bottom."""
    return re.findall(r'<a href="/contracts/\d+"><strong>([^<]+)</strong></a>', text)


def post(c: TestClient, url: str, data: dict[str, str] | None = None, **kwargs: object) -> Response:
    """Post a form with the session's CSRF token, as a browser would."""
    token = csrf_of(c.get("/").text)
    return c.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- the portfolio ---------------------------------------------------------------------


def test_the_portfolio_lists_imported_contracts_with_status_and_next_action(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    page = web_as(admin).get("/contracts")
    assert page.status_code == 200
    assert references(page.text) == ["MSA-T-001", "NON-T-003", "OPT-T-002"]
    text = html.unescape(page.text)
    assert '<span class="badge badge-ok">active</span>' in text
    assert '<span class="badge badge-warn">expiring</span>' in text
    assert "2028-10-02" in text and "Notice deadline (non-renewal)" in text
    # The option deadline is 30 days away: flagged as soon.
    assert '2026-07-31 <span class="days soon">in 30 days</span>' in text
    assert "Option exercise deadline (renewal)" in text
    assert "GBP 1,200,000.00" in text
    # The summary strip counts by status, each a link applying the filter.
    assert 'href="/contracts?status=active"' in text
    assert re.search(r'summary-value">1</span><span class="summary-label">Deadlines in', text)


def test_the_portfolio_filters_by_search_status_counterparty_role_kind_owner_and_deadline(
    web_as: WebClient, admin: User, make_user: MakeUser, session: Session, portfolio: list[Contract]
) -> None:
    make_user(Role.COMMERCIAL, username="alice")
    owned = import_contract(
        session,
        terms_yaml(
            "SOW-T-004", kind="statement_of_work", parent="MSA-T-001", account_manager="alice"
        ),
    )
    c = web_as(admin)
    assert references(c.get("/contracts?q=contoso").text) == ["OPT-T-002"]
    assert references(c.get("/contracts?q=printer").text) == ["NON-T-003"]
    assert references(c.get("/contracts?status=expiring").text) == ["OPT-T-002"]
    party = portfolio[2].counterparty_id
    assert references(c.get(f"/contracts?counterparty_id={party}").text) == ["NON-T-003"]
    assert references(c.get("/contracts?our_role=supplier").text) == ["NON-T-003"]
    assert references(c.get("/contracts?kind=statement_of_work").text) == [owned.reference]
    assert references(c.get("/contracts?owner=alice").text) == [owned.reference]
    assert references(c.get("/contracts?region=apac").text) == ["OPT-T-002"]
    assert references(c.get("/contracts?deadline_within_days=30").text) == ["OPT-T-002"]
    # Empty fields from a plain form submission are no filter at all.
    everything = c.get("/contracts?q=&status=&counterparty_id=&deadline_within_days=")
    assert len(references(everything.text)) == 4


def test_filters_that_match_nothing_say_so_and_offer_to_clear_them(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    page = web_as(admin).get("/contracts?q=nothing-like-this")
    assert "No contracts match these filters" in page.text
    assert references(page.text) == []


def test_a_filter_value_that_makes_no_sense_is_ignored_and_named(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    page = web_as(admin).get("/contracts?status=sleeping&q=contoso")
    assert page.status_code == 200
    assert "not understood and are not applied: status" in page.text
    assert references(page.text) == ["OPT-T-002"]


def test_an_empty_portfolio_invites_a_writer_to_import_a_terms_file(
    web_as: WebClient, writer: User, make_user: MakeUser
) -> None:
    page = web_as(writer).get("/contracts").text
    assert "No contracts yet" in page
    assert 'href="/contracts/new"' in page
    viewer_page = web_as(make_user(Role.VIEWER)).get("/contracts").text
    assert "No contracts yet" in viewer_page
    assert 'href="/contracts/new"' not in viewer_page


def test_column_headers_sort_the_portfolio_and_toggle_the_direction(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    c = web_as(admin)
    by_action = c.get("/contracts?sort=next_action")
    assert references(by_action.text) == ["OPT-T-002", "NON-T-003", "MSA-T-001"]
    # The header of the current column now links to the other direction.
    assert 'href="/contracts?sort=next_action&amp;descending=true"' in by_action.text
    descending = c.get("/contracts?sort=next_action&descending=true")
    assert references(descending.text) == ["MSA-T-001", "NON-T-003", "OPT-T-002"]
    assert references(c.get("/contracts?sort=title&descending=true").text) == [
        "OPT-T-002",
        "NON-T-003",
        "MSA-T-001",
    ]
    assert references(c.get("/contracts?sort=annual_value").text) == [
        "NON-T-003",
        "OPT-T-002",
        "MSA-T-001",
    ]


def test_the_portfolio_pages_through_long_lists(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    c = web_as(admin)
    first = c.get("/contracts?limit=2")
    assert references(first.text) == ["MSA-T-001", "NON-T-003"]
    assert "1–2 of 3" in first.text
    assert 'href="/contracts?offset=2&limit=2"' in first.text
    assert references(c.get("/contracts?limit=2&offset=2").text) == ["OPT-T-002"]


def test_an_htmx_request_gets_only_the_results_block(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    response = web_as(admin).get("/contracts?q=contoso", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results"')
    assert "<html" not in response.text and "summary-strip" not in response.text
    assert references(response.text) == ["OPT-T-002"]
    assert "HX-Request" in response.headers["vary"]
    # A history restore wants the whole page again.
    restore = web_as(admin).get(
        "/contracts", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_the_filter_form_refreshes_the_results_with_htmx_and_works_without_it(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    page = web_as(admin).get("/contracts").text
    form = re.search(r'<form id="portfolio-filters"[^>]*>', page)
    assert form
    assert 'method="get" action="/contracts"' in form.group(0)
    assert 'hx-get="/contracts"' in form.group(0) and 'hx-target="#results"' in form.group(0)
    assert 'hx-push-url="true"' in form.group(0)


def test_the_csv_export_honours_the_filters(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    c = web_as(admin)
    page = c.get("/contracts?our_role=customer&sort=title")
    assert 'href="/contracts/export.csv?our_role=customer&amp;sort=title"' in page.text
    response = c.get("/contracts/export.csv?our_role=customer&sort=title")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="pactline-portfolio-2026-07-01.csv"' in disposition
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Reference", "Title"]
    assert [r[0] for r in rows[1:]] == ["MSA-T-001", "OPT-T-002"]


def test_the_xlsx_export_honours_the_filters(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    response = web_as(admin).get("/contracts/export.xlsx?deadline_within_days=90")
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["content-type"]
    assert (
        'filename="pactline-portfolio-2026-07-01.xlsx"' in (response.headers["content-disposition"])
    )
    sheet = load_workbook(io.BytesIO(response.content))["Portfolio"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reference"
    assert [r[0] for r in rows[1:]] == ["OPT-T-002"]
    status = rows[0].index("Status")
    assert rows[1][status] == "expiring"


# --- creating contracts ----------------------------------------------------------------


def test_uploading_a_good_terms_file_creates_the_contract_and_opens_its_page(
    web_as: WebClient, writer: User, session: Session
) -> None:
    c = web_as(writer)
    response = post(
        c,
        "/contracts",
        files=[("files", ("msa.yaml", terms_yaml("MSA-UP-1").encode(), "text/yaml"))],
    )
    assert response.status_code == 303
    contract = session.scalars(select(Contract).where(Contract.reference == "MSA-UP-1")).one()
    assert response.headers["location"] == f"/contracts/{contract.id}"
    assert contract.versions[0].source_name == "msa.yaml"
    assert "Managed network services" in c.get(response.headers["location"]).text


def test_a_bad_terms_file_is_refused_with_each_problem_and_its_line_and_nothing_is_stored(
    web_as: WebClient, writer: User, session: Session
) -> None:
    bad = terms_yaml("MSA-BAD-1", months=1, notice_period=90).replace("kind: master", "kind: big")
    response = post(
        web_as(writer), "/contracts", files=[("files", ("bad.yaml", bad.encode(), "text/yaml"))]
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "nothing was saved" in text
    assert "bad.yaml" in text
    line = bad.splitlines().index("  kind: big") + 1
    assert f"contract.kind: must be one of: master, statement_of_work, order (line {line})" in text
    assert count(session, Contract) == 0


def test_pasted_terms_are_imported_like_a_file(
    web_as: WebClient, writer: User, session: Session
) -> None:
    response = post(
        web_as(writer), "/contracts", {"text": terms_yaml("MSA-PASTE-1"), "source_name": ""}
    )
    assert response.status_code == 303
    contract = session.scalars(select(Contract).where(Contract.reference == "MSA-PASTE-1")).one()
    assert contract.versions[0].source_name == "pasted text"


def test_a_file_that_is_not_text_is_refused(web_as: WebClient, writer: User) -> None:
    response = post(
        web_as(writer), "/contracts", files=[("files", ("scan.yaml", b"\xff\xfe\x00", "text/yaml"))]
    )
    assert response.status_code == 422
    assert "scan.yaml" in response.text and "not UTF-8 text" in response.text


def test_an_import_with_nothing_chosen_asks_for_a_file(web_as: WebClient, writer: User) -> None:
    response = post(web_as(writer), "/contracts", {"text": "  "})
    assert response.status_code == 422
    assert "choose a file or paste terms" in response.text


def test_several_files_are_imported_all_or_nothing(
    web_as: WebClient, writer: User, session: Session
) -> None:
    c = web_as(writer)
    master = ("files", ("master.yaml", terms_yaml("MSA-M-1").encode(), "text/yaml"))
    sow = terms_yaml("SOW-M-1", kind="statement_of_work", parent="MSA-M-1", months=12)
    broken_sow = sow.replace("currency: GBP", "currency: GBX")
    refused = post(
        c, "/contracts", files=[master, ("files", ("sow.yaml", broken_sow.encode(), "text/yaml"))]
    )
    assert refused.status_code == 422
    assert "sow.yaml" in refused.text and "contract.currency" in refused.text
    assert count(session, Contract) == 0

    accepted = post(
        c, "/contracts", files=[master, ("files", ("sow.yaml", sow.encode(), "text/yaml"))]
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/contracts?imported=2"
    assert count(session, Contract) == 2
    assert "Imported 2 terms documents." in c.get(accepted.headers["location"]).text


def test_a_batch_the_service_refuses_lists_the_problem_and_stores_nothing(
    web_as: WebClient, writer: User, session: Session
) -> None:
    orphan = terms_yaml("SOW-O-1", kind="statement_of_work", parent="MSA-NONE", months=12)
    response = post(
        web_as(writer),
        "/contracts",
        files=[("files", ("orphan.yaml", orphan.encode(), "text/yaml"))],
    )
    assert response.status_code == 422
    assert "contract.parent: no contract with reference" in html.unescape(response.text)
    assert count(session, Contract) == 0


FORM = {
    "contract.reference": "MSA-FORM-1",
    "contract.title": "Data centre cooling",
    "contract.kind": "master",
    "contract.parent": "",
    "contract.our_role": "customer",
    "contract.counterparty.name": "Coolco Ltd",
    "contract.counterparty.country": "GB",
    "contract.currency": "GBP",
    "contract.region": "EMEA",
    "contract.business_unit": "",
    "contract.owners.account_manager": "",
    "contract.values.annual": "250000.00",
    "term.start_on": "2026-01-01",
    "term.months": "24",
    "term.end_on": "",
    "renewal.kind": "automatic",
    "renewal.term_months": "12",
    "renewal.max_renewals": "3",
    "renewal.notice.period": "3",
    "renewal.notice.unit": "months",
    "renewal.notice.given_by": "either",
    "calendar.country": "GB",
    "calendar.subdivision": "ENG",
    "calendar.non_business_day": "preceding",
}


def test_the_essential_fields_form_creates_a_contract_through_the_terms_language(
    web_as: WebClient, writer: User, session: Session
) -> None:
    c = web_as(writer)
    response = post(c, "/contracts/new-form", FORM)
    assert response.status_code == 303, response.text
    contract = session.scalars(select(Contract).where(Contract.reference == "MSA-FORM-1")).one()
    assert response.headers["location"] == f"/contracts/{contract.id}"
    version = contract.versions[0]
    assert version.source_name == "MSA-FORM-1.yaml"
    assert version.document["renewal"]["notice"] == {
        "period": 3,
        "unit": "months",
        "given_by": "either",
    }
    assert contract.annual_value is not None and str(contract.annual_value) == "250000.00"
    page = html.unescape(c.get(response.headers["location"]).text)
    # 2026-01-01 + 24 months ends 2027-12-31; three months' notice before: 2027-09-30.
    assert "2027-12-31" in page and "2027-09-30" in page


def test_form_errors_are_shown_next_to_their_fields_and_nothing_is_stored(
    web_as: WebClient, writer: User, session: Session
) -> None:
    bad = {**FORM, "contract.currency": "GBX", "term.months": "", "renewal.notice.period": "40"}
    response = post(web_as(writer), "/contracts/new-form", bad)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert re.search(r'id="contract.currency-error">[^<]*not an ISO 4217 currency code', text)
    assert re.search(r'id="term.end_on-error">required: give term.end_on or term.months', text)
    # What was typed is kept.
    assert 'value="Data centre cooling"' in text
    assert count(session, Contract) == 0


def test_a_form_naming_an_unknown_owner_says_so_at_the_owner_field(
    web_as: WebClient, writer: User, session: Session
) -> None:
    response = post(
        web_as(writer), "/contracts/new-form", {**FORM, "contract.owners.account_manager": "zed"}
    )
    assert response.status_code == 422
    assert re.search(
        r'id="contract.owners.account_manager-error">no user named', html.unescape(response.text)
    )
    assert count(session, Contract) == 0


# --- the contract page -----------------------------------------------------------------


def test_the_contract_page_shows_its_key_dates_explained_and_the_terms_version_used(
    web_as: WebClient, admin: User, network: Contract
) -> None:
    page = web_as(admin).get(f"/contracts/{network.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Managed network services" in text and "MSA-T-001" in text
    assert "Notice deadline (non-renewal)" in text
    assert "2028-12-31 minus 90 calendar days = 2028-10-02" in text
    assert "Initial term of 36 months from 2026-01-01" in text
    assert "<details" in text
    assert "terms version 1 (Original agreement, effective 2026-01-01)" in text
    assert "Renewal 1 start" in text and "2029-01-01" in text
    # A timeline drawn in SVG, with today's marker.
    assert "<svg" in text and "tl-today" in text and ">Today<" in text


def test_the_key_dates_as_of_another_date_come_back_alone_to_htmx(
    web_as: WebClient, admin: User, network: Contract
) -> None:
    response = web_as(admin).get(
        f"/contracts/{network.id}?as_of=2029-03-01", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("{#") is False
    assert '<section class="panel key-dates" id="key-dates"' in response.text
    assert "<html" not in response.text
    assert "On 2029-03-01 the contract is" in response.text
    assert "renewed" in response.text


def test_an_as_of_date_that_is_not_a_date_falls_back_to_today(
    web_as: WebClient, admin: User, network: Contract
) -> None:
    page = web_as(admin).get(f"/contracts/{network.id}?as_of=soon")
    assert page.status_code == 200
    assert "is not a date; showing today" in html.unescape(page.text)


def amendment(notice_period: int = 60, effective_on: date | None = date(2027, 4, 1)) -> str:
    return terms_yaml(
        "MSA-T-001", notice_period=notice_period, effective_on=effective_on, label="Amendment No. 1"
    )


def test_an_amendment_changes_the_notice_deadline_from_its_effective_date(
    web_as: WebClient, writer: User, network: Contract
) -> None:
    c = web_as(writer)
    response = post(
        c,
        f"/contracts/{network.id}/terms",
        files={"file": ("amendment-1.yaml", amendment().encode(), "text/yaml")},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/contracts/{network.id}/terms/2"

    after = html.unescape(c.get(f"/contracts/{network.id}?as_of=2027-06-01").text)
    assert "2028-12-31 minus 60 calendar days = 2028-11-01" in after
    assert "terms version 2 (Amendment No. 1, effective 2027-04-01)" in after
    before = html.unescape(c.get(f"/contracts/{network.id}?as_of=2027-03-01").text)
    assert "2028-12-31 minus 90 calendar days = 2028-10-02" in before
    assert "terms version 1 (Original agreement, effective 2026-01-01)" in before


def test_the_version_page_shows_the_document_and_what_changed(
    web_as: WebClient, writer: User, network: Contract
) -> None:
    c = web_as(writer)
    post(c, f"/contracts/{network.id}/terms", {"text": amendment()})
    page = c.get(f"/contracts/{network.id}/terms/2")
    assert page.status_code == 200
    row = re.search(
        r'<tr class="change-changed">\s*<td><code>renewal\.notice\.period</code>.*?</tr>',
        page.text,
        re.S,
    )
    assert row, page.text
    assert "<del>90</del>" in row.group(0) and "<ins>60</ins>" in row.group(0)
    assert re.search(r'<tr class="change-added">\s*<td><code>version\.label</code>', page.text)
    assert "period: 60" in page.text  # the document, as YAML
    assert f'<p class="sidebar-foot">Pactline {__version__}</p>' in page.text
    listing = c.get(f"/contracts/{network.id}/terms").text
    assert "Amendment No. 1" in listing and "Original agreement" in listing


def test_a_terms_version_downloads_as_the_text_it_was_given(
    web_as: WebClient, admin: User, network: Contract
) -> None:
    response = web_as(admin).get(f"/contracts/{network.id}/terms/1/download")
    assert response.status_code == 200
    assert response.text == terms_yaml("MSA-T-001")
    assert 'filename="msa-t-001.yaml"' in response.headers["content-disposition"]
    assert response.headers["content-type"].startswith("application/yaml")


def test_an_amendment_without_an_effective_date_is_refused_on_the_terms_page(
    web_as: WebClient, writer: User, network: Contract, session: Session
) -> None:
    response = post(
        web_as(writer), f"/contracts/{network.id}/terms", {"text": amendment(effective_on=None)}
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "give version.effective_on" in text and "nothing was saved" in text
    session.refresh(network)
    assert len(network.versions) == 1


def test_an_amendment_for_another_contract_or_with_bad_terms_is_refused(
    web_as: WebClient, writer: User, network: Contract
) -> None:
    c = web_as(writer)
    other = terms_yaml("MSA-OTHER", effective_on=date(2027, 1, 1))
    response = post(c, f"/contracts/{network.id}/terms", {"text": other})
    assert response.status_code == 422
    assert "contract.reference: must be MSA-T-001" in response.text
    invalid = amendment().replace("period: 60", "period: sixty")
    response = post(c, f"/contracts/{network.id}/terms", {"text": invalid})
    assert response.status_code == 422
    assert "renewal.notice.period:" in response.text and "(line " in response.text


def test_the_terms_page_can_start_an_amendment_from_the_latest_version(
    web_as: WebClient, writer: User, network: Contract
) -> None:
    page = web_as(writer).get(f"/contracts/{network.id}/terms?start=latest")
    assert "reference: MSA-T-001" in page.text
    assert "download the current version" in page.text


def test_terminating_a_contract_records_it_and_a_second_time_is_a_conflict(
    web_as: WebClient, writer: User, network: Contract, session: Session
) -> None:
    c = web_as(writer)
    data = {"terminated_on": "2026-09-01", "reason": "Service moved in-house", "confirm": "yes"}
    response = post(c, f"/contracts/{network.id}/terminate", data)
    assert response.status_code == 303
    session.refresh(network)
    assert network.terminated_on == date(2026, 9, 1)
    page = c.get(f"/contracts/{network.id}?as_of=2026-10-01").text
    assert '<span class="badge badge-muted">terminated</span>' in page
    again = post(c, f"/contracts/{network.id}/terminate", data)
    assert again.status_code == 409
    assert "was already terminated on 2026-09-01" in again.text
    assert 'role="alert"' in again.text


def test_a_termination_needs_confirmation_a_valid_date_and_a_date_after_the_start(
    web_as: WebClient, writer: User, network: Contract, session: Session
) -> None:
    c = web_as(writer)
    url = f"/contracts/{network.id}/terminate"
    unconfirmed = post(c, url, {"terminated_on": "2026-09-01", "reason": "x"})
    assert unconfirmed.status_code == 422 and "confirm the termination" in unconfirmed.text
    no_date = post(c, url, {"terminated_on": "", "reason": "x", "confirm": "yes"})
    assert no_date.status_code == 422 and "terminated_on" in no_date.text
    too_early = post(c, url, {"terminated_on": "2025-06-01", "reason": "x", "confirm": "yes"})
    assert too_early.status_code == 422 and "before the contract starts" in too_early.text
    session.refresh(network)
    assert network.terminated_on is None


def test_exercising_a_renewal_option_counts_it_and_an_automatic_renewal_refuses(
    web_as: WebClient, writer: User, service_desk: Contract, network: Contract, session: Session
) -> None:
    c = web_as(writer)
    page = c.get(f"/contracts/{service_desk.id}").text
    assert f'action="/contracts/{service_desk.id}/renew"' in page
    response = post(c, f"/contracts/{service_desk.id}/renew")
    assert response.status_code == 303
    session.refresh(service_desk)
    assert service_desk.renewals_exercised == 1
    refused = post(c, f"/contracts/{network.id}/renew")
    assert refused.status_code == 409
    assert "renews automatically" in refused.text


def test_recording_notice_ends_an_automatic_renewal_and_twice_is_a_conflict(
    web_as: WebClient, writer: User, network: Contract, service_desk: Contract, session: Session
) -> None:
    c = web_as(writer)
    assert f'action="/contracts/{network.id}/notice"' in c.get(f"/contracts/{network.id}").text
    response = post(c, f"/contracts/{network.id}/notice", {"given_on": "2026-07-01"})
    assert response.status_code == 303
    session.refresh(network)
    assert network.notice_given_on == date(2026, 7, 1)
    again = post(c, f"/contracts/{network.id}/notice", {"given_on": "2026-06-30"})
    assert again.status_code == 409 and "already recorded" in again.text
    optional = post(c, f"/contracts/{service_desk.id}/notice", {"given_on": "2026-07-01"})
    assert optional.status_code == 409 and "does not apply" in optional.text
    assert post(c, f"/contracts/{service_desk.id}/notice", {"given_on": "x"}).status_code == 422


def test_notice_cannot_be_recorded_for_a_day_still_to_come(
    web_as: WebClient, writer: User, network: Contract
) -> None:
    response = post(web_as(writer), f"/contracts/{network.id}/notice", {"given_on": "2026-08-01"})
    assert response.status_code == 422
    assert "from the contract" in html.unescape(response.text) and 'role="alert"' in response.text


def test_editing_the_record_saves_its_facts_and_an_unknown_owner_is_refused(
    web_as: WebClient, writer: User, network: Contract, session: Session
) -> None:
    c = web_as(writer)
    form = c.get(f"/contracts/{network.id}/edit")
    assert form.status_code == 200 and 'value="Managed network services"' in form.text
    data = {
        "title": "Managed network services (UK)",
        "region": "UK",
        "business_unit": "Group IT",
        "account_manager": "cora",
        "commercial_lead": "",
        "governance_lead": "",
        "total_value": "3,600,000.00",
        "annual_value": "1200000",
        "tags": "network, critical, network",
    }
    response = post(c, f"/contracts/{network.id}/edit", data)
    assert response.status_code == 303
    session.refresh(network)
    assert network.title == "Managed network services (UK)"
    assert network.region is not None and network.region.name == "UK"
    assert network.account_manager is not None and network.account_manager.username == "cora"
    assert network.tags == ["network", "critical"]
    assert str(network.total_value) == "3600000.00"

    refused = post(c, f"/contracts/{network.id}/edit", {**data, "commercial_lead": "nobody"})
    assert refused.status_code == 422
    assert re.search(r'id="commercial_lead-error">no user named', html.unescape(refused.text))
    bad_value = post(c, f"/contracts/{network.id}/edit", {**data, "annual_value": "lots"})
    assert bad_value.status_code == 422 and 'id="annual_value-error"' in bad_value.text


def test_a_document_uploads_and_downloads_byte_for_byte(
    web_as: WebClient, writer: User, network: Contract, session: Session
) -> None:
    c = web_as(writer)
    response = post(
        c,
        f"/contracts/{network.id}/documents",
        {"title": "Signed agreement"},
        files={"file": ("signed msa.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 303
    document = session.scalars(select(ContractDocument)).one()
    listing = c.get(f"/contracts/{network.id}/documents").text
    assert "Signed agreement" in listing and document.sha256[:12] in listing
    download = c.get(f"/contracts/{network.id}/documents/{document.id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "signed" in download.headers["content-disposition"]


def test_a_document_that_is_not_a_pdf_or_word_file_is_refused(
    web_as: WebClient, writer: User, network: Contract, session: Session
) -> None:
    response = post(
        web_as(writer),
        f"/contracts/{network.id}/documents",
        files={"file": ("notes.pdf", b"just some text", "application/pdf")},
    )
    assert response.status_code == 422
    assert "is not a PDF or Word (.docx) file" in response.text
    assert count(session, ContractDocument) == 0


def test_removing_a_document_needs_a_reason_and_is_kept_in_the_history(
    web_as: WebClient, admin: User, network: Contract, session: Session
) -> None:
    c = web_as(admin)
    post(c, f"/contracts/{network.id}/documents", files={"file": ("a.pdf", PDF, "application/pdf")})
    document = session.scalars(select(ContractDocument)).one()
    url = f"/contracts/{network.id}/documents/{document.id}/remove"
    refused = post(c, url, {"reason": " "})
    assert refused.status_code == 422 and "say why" in refused.text.lower()
    assert post(c, url, {"reason": "Wrong contract"}).status_code == 303
    assert count(session, ContractDocument) == 0
    history = c.get(f"/contracts/{network.id}/history").text
    assert "contracts.document_removed" in history and "Wrong contract" in history


def test_the_history_tab_shows_the_contracts_audit_trail_to_those_who_may_read_it(
    web_as: WebClient, admin: User, make_user: MakeUser, network: Contract
) -> None:
    page = web_as(admin).get(f"/contracts/{network.id}/history").text
    assert "contracts.created" in page and "Created MSA-T-001" in page
    viewer_page = web_as(make_user(Role.VIEWER)).get(f"/contracts/{network.id}/history").text
    assert "contracts.created" not in viewer_page
    assert "audit.read" in viewer_page


def test_a_viewer_sees_no_write_buttons_and_is_refused_every_change(
    web_as: WebClient, make_user: MakeUser, network: Contract, session: Session
) -> None:
    c = web_as(make_user(Role.VIEWER))
    page = c.get(f"/contracts/{network.id}").text
    assert "Amend terms" not in page and "Edit record" not in page
    assert 'method="post"' not in page.split('<main id="main"', 1)[1]
    assert "New contract" not in c.get("/contracts").text
    assert c.get("/contracts/new").status_code == 403
    assert c.get(f"/contracts/{network.id}/edit").status_code == 403
    writes = {
        "/contracts": {"text": terms_yaml("MSA-V-1")},
        "/contracts/new-form": FORM,
        f"/contracts/{network.id}/edit": {"title": "Hijacked"},
        f"/contracts/{network.id}/terms": {"text": amendment()},
        f"/contracts/{network.id}/terminate": {
            "terminated_on": "2026-09-01",
            "reason": "x",
            "confirm": "yes",
        },
        f"/contracts/{network.id}/renew": {},
        f"/contracts/{network.id}/notice": {"given_on": "2026-07-01"},
        f"/contracts/{network.id}/documents": {},
        f"/contracts/{network.id}/documents/1/remove": {"reason": "x"},
    }
    for url, data in writes.items():
        response = post(c, url, data)
        assert response.status_code == 403, url
        assert "may not do this" in response.text, url
    session.refresh(network)
    assert network.title == "Managed network services" and network.terminated_on is None
    assert count(session, Contract) == 1


# --- counterparties, home and forms ----------------------------------------------------


def test_the_counterparties_page_lists_each_party_with_its_contracts(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    c = web_as(admin)
    page = c.get("/parties").text
    assert "Northwind Networks Ltd" in page and "Contoso Ltd" in page
    party = portfolio[0].counterparty_id
    assert f'href="/contracts?counterparty_id={party}"' in page
    detail = c.get(f"/parties/{party}").text
    assert "Northwind Networks Ltd" in detail
    assert references(detail) == ["MSA-T-001"]
    assert c.get("/parties/9999").status_code == 404


def test_the_navigation_leads_to_the_portfolio_and_the_counterparties(
    web_as: WebClient, admin: User
) -> None:
    page = web_as(admin).get("/contracts").text
    assert '<a href="/contracts" aria-current="page" class="active">Portfolio</a>' in page
    assert '<a href="/parties" >Counterparties</a>' in page


def test_home_counts_contracts_and_deadlines_in_the_next_90_days(
    web_as: WebClient, admin: User, portfolio: list[Contract]
) -> None:
    page = web_as(admin).get("/").text
    assert re.search(r'Contracts</p>\s*<p class="stat-value">3</p>', page)
    assert re.search(r'Deadlines in 90 days</p>\s*<p class="stat-value">1</p>', page)


def test_a_contract_that_does_not_exist_is_a_friendly_404(web_as: WebClient, admin: User) -> None:
    response = web_as(admin).get("/contracts/9999")
    assert response.status_code == 404
    assert "no contract with id 9999" in response.text.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/contracts/new",
        "/contracts/{id}",
        "/contracts/{id}/edit",
        "/contracts/{id}/terms",
        "/contracts/{id}/documents",
    ],
)
def test_every_form_on_the_contract_pages_carries_the_sessions_csrf_token(
    web_as: WebClient, admin: User, network: Contract, path: str
) -> None:
    c = web_as(admin)
    post(c, f"/contracts/{network.id}/documents", files={"file": ("a.pdf", PDF, "application/pdf")})
    page = c.get(path.format(id=network.id)).text
    expected = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert expected
    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
    assert len(forms) >= 2  # the page's own form(s) and signing out
    for form in forms:
        assert f'name="csrf_token" value="{expected.group(1)}"' in form
