"""The service-level web pages: a contract's scorecard and its forms, one month's credit with
its explanation, exclusions and their decision, and the portfolio of evaluated contracts."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.contracts import rules as contract_rules
from pactline.contracts import service as contract_service
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.service_levels import service
from pactline.service_levels.enums import CreditStatus
from pactline.service_levels.models import Exclusion, Measurement, PeriodCredit
from pactline.service_levels.schemas import CreditStatusChange, MeasurementCreate
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from tests.conftest import MakeUser, WebClient, csrf_of
from tests.contracts.factories import import_contract, terms_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MEASUREMENTS = (EXAMPLES / "measurements" / "northwind-msa.csv").read_bytes()


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    """The pages are looked at on 1 July 2026, after the June figures came in."""
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def delivery(make_user: MakeUser) -> User:
    """The Northwind account manager: enters measurements and asks for exclusions."""
    return make_user(Role.DELIVERY, username="liam.walsh", full_name="Liam Walsh")


@pytest.fixture
def commercial(make_user: MakeUser) -> User:
    """The commercial lead: moves credits along their life."""
    return make_user(Role.COMMERCIAL, username="maria.santos", full_name="Maria Santos")


@pytest.fixture
def governance(make_user: MakeUser) -> User:
    """The governance lead: approves or rejects exclusions."""
    return make_user(Role.GOVERNANCE, username="grace.okafor", full_name="Grace Okafor")


@pytest.fixture
def northwind(session: Session, delivery: User, commercial: User, governance: User) -> Contract:
    """The Northwind MSA with its amendment: three measures, pool-allocation credits."""
    items = [
        contract_rules.parse_terms((EXAMPLES / name).read_text(), source_name=name)
        for name in ("northwind-msa.yaml", "northwind-msa-amendment-1.yaml")
    ]
    (contract,) = contract_service.import_terms(
        session, actor=Principal.system("test"), items=items
    )
    return contract


@pytest.fixture
def measured(session: Session, northwind: Contract, delivery: User) -> Contract:
    """Northwind with its measurements of January to June 2026 (none for June availability)."""
    service.import_measurements(
        session,
        actor=Principal.of(delivery),
        contract_id=northwind.id,
        source_name="northwind-msa.csv",
        content=MEASUREMENTS,
    )
    return northwind


@pytest.fixture
def evaluated(session: Session, measured: Contract, delivery: User) -> Contract:
    """Northwind with its credits of January to June stored."""
    service.evaluate_service_levels(
        session, actor=Principal.of(delivery), contract_id=measured.id, period="2026-06"
    )
    return measured


def post(c: TestClient, url: str, data: dict[str, str] | None = None, **kwargs: object) -> Response:
    """Post a form with the session's CSRF token, as a browser would."""
    token = csrf_of(c.get("/").text)
    return c.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def main_of(page: str) -> str:
    """The page's main content (after the top bar with its sign-out form)."""
    return page.split('<main id="main"', 1)[1]


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def credit_of(session: Session, contract: Contract, period: str) -> PeriodCredit:
    session.expire_all()
    credit = session.scalar(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == contract.id, PeriodCredit.period == period
        )
    )
    assert credit is not None
    return credit


def cell(page: str, period: str) -> list[tuple[str, str]]:
    """The status classes and actuals of the grid cells linking to one month, top to bottom."""
    found: list[tuple[str, str]] = re.findall(
        rf'<a class="sl-cell (sl-[a-z_]+)" href="/contracts/\d+/service-levels/{period}"'
        r'[^>]*><span class="sl-actual">([^<]*)</span>',
        page,
    )
    return found


# --- the scorecard -----------------------------------------------------------------------


def test_the_scorecard_shows_each_measure_by_month_coloured_by_status(
    web_as: WebClient, delivery: User, measured: Contract
) -> None:
    page = web_as(delivery).get(f"/contracts/{measured.id}/service-levels")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for name in (
        "Core network availability",
        "Priority 1 incidents resolved within 4 hours",
        "Changes implemented without an incident",
    ):
        assert name in text
    for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"):
        assert f'href="/contracts/{measured.id}/service-levels/{month}"' in text
    # Rows are availability, p1 resolution, change success.
    assert cell(text, "2026-01") == [("sl-met", "99.95%"), ("sl-met", "100%"), ("sl-met", "99%")]
    assert cell(text, "2026-03") == [
        ("sl-minimum_miss", "99.41%"),
        ("sl-minimum_miss", "88.5%"),
        ("sl-met", "98.2%"),
    ]
    assert cell(text, "2026-04")[0] == ("sl-expected_miss", "99.87%")
    assert cell(text, "2026-06")[0] == ("sl-not_reported", "—")
    # The credit of each month, today's figures, not yet stored.
    assert ">13,250</a>" in text and ">4,500</a>" in text
    assert text.count("not stored</span>") == 6
    # A trend chart for each critical service level, none for the key measurement.
    assert text.count('class="sl-chart-svg"') == 2
    assert "Expected 99.9%" in text and "Minimum 99.5%" in text
    assert "Higher is better" in text
    # The tab of the contract page is current, and the area's navigation link too.
    assert 'aria-current="page" class="active">Service levels</a>' in text
    assert '<a href="/service-levels" aria-current="page" class="active">Service levels</a>' in text


def test_the_scorecard_gives_each_months_credit_with_its_stored_status(
    web_as: WebClient, delivery: User, commercial: User, evaluated: Contract, session: Session
) -> None:
    service.change_credit_status(
        session,
        actor=Principal.of(commercial),
        contract_id=evaluated.id,
        period="2026-04",
        data=CreditStatusChange(status=CreditStatus.AGREED, note="Agreed at the April review"),
    )
    # A late correction of April's availability: the agreed credit keeps its amount.
    service.record_measurement(
        session,
        actor=Principal.of(delivery),
        contract_id=evaluated.id,
        data=MeasurementCreate(measure_id="availability", period="2026-04", value=Decimal("99.95")),
    )
    text = html.unescape(web_as(commercial).get(f"/contracts/{evaluated.id}/service-levels").text)
    assert text.count('<span class="badge sl-status badge-info">computed</span>') == 5
    assert '<span class="badge sl-status badge-ok">agreed</span>' in text
    assert "changed since agreed" in text
    assert "The stored credit is GBP 4,500.00; today's figures give GBP 0.00" in text


def test_the_months_shown_change_with_htmx_and_only_the_scorecard_comes_back(
    web_as: WebClient, delivery: User, measured: Contract
) -> None:
    c = web_as(delivery)
    url = f"/contracts/{measured.id}/service-levels?months=6"
    block = c.get(url, headers={"HX-Request": "true"})
    assert block.status_code == 200
    assert block.text.lstrip().startswith('<div id="scorecard"')
    assert "<html" not in block.text and "Enter a measurement" not in block.text
    assert "HX-Request" in block.headers["Vary"]
    assert f'hx-get="/contracts/{measured.id}/service-levels?months=12"' in block.text
    whole = c.get(url)
    assert "<html" in whole.text and 'id="scorecard"' in whole.text


def test_data_that_cannot_be_evaluated_shows_the_problem_instead_of_the_grid(
    web_as: WebClient,
    admin: User,
    delivery: User,
    commercial: User,
    governance: User,
    session: Session,
) -> None:
    original = (EXAMPLES / "northwind-msa.yaml").read_text()
    contract = import_contract(session, original, name="northwind-msa.yaml")
    service.import_measurements(
        session,
        actor=Principal.of(delivery),
        contract_id=contract.id,
        source_name="northwind-msa.csv",
        content=MEASUREMENTS,
    )
    # From June the terms have no service_levels section, yet June has measurements.
    text = original.split("\nservice_levels:", 1)[0].replace(
        "effective_on: 2026-01-01\n  label: Original agreement",
        "effective_on: 2026-06-01\n  label: Service levels withdrawn",
    )
    item = contract_rules.parse_terms(text + "\n", source_name="no-service-levels.yaml")
    contract_service.add_terms_version(
        session, actor=Principal.system("test"), contract_id=contract.id, item=item
    )
    measured = contract
    page = web_as(admin).get(f"/contracts/{measured.id}/service-levels")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "The measurements cannot be evaluated." in text
    assert "have no service_levels section" in text
    assert 'class="table sl-grid"' not in text


# --- entering and importing measurements ------------------------------------------------


def test_entering_a_measurement_saves_it_and_says_so(
    web_as: WebClient, delivery: User, northwind: Contract, session: Session
) -> None:
    c = web_as(delivery)
    page = c.get(f"/contracts/{northwind.id}/service-levels").text
    assert '<option value="availability"' in page and '<option value="change_success"' in page
    data = {"measure_id": "availability", "period": "2026-06", "value": "99.93", "note": "report"}
    response = post(c, f"/contracts/{northwind.id}/service-levels/measurements", data)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/contracts/{northwind.id}/service-levels?")
    after = html.unescape(c.get(response.headers["location"]).text)
    assert "availability for 2026-06 saved." in after
    assert cell(after, "2026-06") == [
        ("sl-met", "99.93%"),
        ("sl-not_reported", "—"),  # p1_resolution: a missing report is deemed failed
        ("sl-not_assessed", "—"),  # change_success: the terms ignore a missing report
    ]
    assert count(session, Measurement) == 1


def test_a_measurement_the_terms_refuse_is_shown_next_to_its_field_and_nothing_is_saved(
    web_as: WebClient, delivery: User, northwind: Contract, session: Session
) -> None:
    c = web_as(delivery)
    url = f"/contracts/{northwind.id}/service-levels/measurements"
    response = post(c, url, {"measure_id": "availability", "period": "2026-06", "value": "101"})
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Nothing was saved: see the form below." in text
    assert re.search(r'id="value-error">must be between 0 and 100 for a percent measure', text)
    assert 'value="101"' in text  # what was typed is kept
    response = post(c, url, {"measure_id": "availability", "period": "June", "value": "99"})
    assert response.status_code == 422
    assert 'id="period-error">' in response.text
    assert count(session, Measurement) == 0


def test_importing_a_measurements_file_stores_every_row_and_counts_them(
    web_as: WebClient, delivery: User, northwind: Contract, session: Session
) -> None:
    c = web_as(delivery)
    response = post(
        c,
        f"/contracts/{northwind.id}/service-levels/import",
        files={"file": ("northwind-msa.csv", MEASUREMENTS, "text/csv")},
    )
    assert response.status_code == 303
    page = html.unescape(c.get(response.headers["location"]).text)
    assert "Imported 18 measurements (2026-01 to 2026-06): 18 new, 0 replaced." in page
    assert count(session, Measurement) == 18


def test_importing_a_bad_csv_lists_each_problem_with_its_row_and_column_and_stores_nothing(
    web_as: WebClient, delivery: User, northwind: Contract, session: Session
) -> None:
    bad = (
        b"measure_id,period,value\n"
        b"availability,2026-01,99.95\n"
        b"uptime,2026-01,99\n"
        b"p1_resolution,2026-13,95\n"
        b"availability,2026-02,abc\n"
    )
    response = post(
        web_as(delivery),
        f"/contracts/{northwind.id}/service-levels/import",
        files={"file": ("bad.csv", bad, "text/csv")},
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Nothing was imported: see the problems below." in text
    assert "There are 3 problems; nothing was imported." in text
    rows = re.findall(
        r'<tr><td><span class="problem-file">([^<]+)</span></td><td class="num">(\d+)</td>'
        r"<td><code>([a-z_]+)</code></td><td>([^<]+)</td></tr>",
        text,
    )
    assert [(f, r, col) for f, r, col, _ in rows] == [
        ("bad.csv", "3", "measure_id"),
        ("bad.csv", "4", "period"),
        ("bad.csv", "5", "value"),
    ]
    assert "no measure 'uptime' in the terms" in rows[0][3]
    assert count(session, Measurement) == 0


def test_an_import_with_no_file_chosen_asks_for_one(
    web_as: WebClient, delivery: User, northwind: Contract
) -> None:
    response = post(
        web_as(delivery),
        f"/contracts/{northwind.id}/service-levels/import",
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 422
    assert "choose a CSV or XLSX file" in response.text


# --- one month ---------------------------------------------------------------------------


def test_a_month_not_yet_stored_shows_todays_figures_with_their_explanation(
    web_as: WebClient, commercial: User, measured: Contract, session: Session
) -> None:
    c = web_as(commercial)
    page = c.get(f"/contracts/{measured.id}/service-levels/2026-06")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "June 2026" in text and "Not stored yet" in text
    # Availability was not reported in June: deemed failed and priced from the pool.
    assert "No report for 2026-06: the terms deem a missing report a failure" in text
    assert (
        "Credit = category 'availability' pool 60% × allocation 25% × at-risk amount "
        "GBP 30,000.00 = GBP 4,500.00"
    ) in text
    assert '<span class="sl-pill sl-not_reported">Not reported</span>' in text
    assert "Total service credits for June 2026: GBP 4,500.00" in text
    assert "Evaluate and store" in text
    assert count(session, PeriodCredit) == 0

    response = post(
        c,
        f"/contracts/{measured.id}/service-levels/evaluate",
        {"period": "2026-06", "back": "month"},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(
        f"/contracts/{measured.id}/service-levels/2026-06?"
    )
    stored = html.unescape(c.get(response.headers["location"]).text)
    assert "2026-06 evaluated: its service credit is stored for review." in stored
    assert "Stored service credit" in stored and "GBP 4,500.00" in stored
    assert "pool 60%" in stored
    # A commercial user may move a computed credit to each of its next statuses.
    buttons = re.findall(r'<button type="submit" name="status" value="([a-z_]+)"', stored)
    assert buttons == ["under_review", "disputed", "agreed"]
    assert count(session, PeriodCredit) == 6  # June and every earlier month not yet stored


def test_evaluating_from_the_scorecard_stores_the_month_and_comes_back(
    web_as: WebClient, delivery: User, measured: Contract, session: Session
) -> None:
    c = web_as(delivery)
    response = post(c, f"/contracts/{measured.id}/service-levels/evaluate", {"period": "2026-03"})
    assert response.status_code == 303
    page = html.unescape(c.get(response.headers["location"]).text)
    assert "2026-03 evaluated" in page
    assert page.count('<span class="badge sl-status badge-info">computed</span>') == 3
    assert credit_of(session, measured, "2026-03").amount == Decimal("13250.00")
    bad = post(c, f"/contracts/{measured.id}/service-levels/evaluate", {"period": "2026/03"})
    assert bad.status_code == 422
    assert "must be a month written YYYY-MM" in html.unescape(bad.text)


def test_a_credit_moves_along_its_life_and_applying_it_needs_the_invoice(
    web_as: WebClient, commercial: User, evaluated: Contract, session: Session
) -> None:
    c = web_as(commercial)
    url = f"/contracts/{evaluated.id}/service-levels/2026-03/status"
    agreed = post(c, url, {"status": "agreed", "note": "Agreed at the March review"})
    assert agreed.status_code == 303
    page = html.unescape(c.get(agreed.headers["location"]).text)
    assert "The service credit is now agreed." in page
    assert "Agreed at the March review" in page
    buttons = re.findall(r'<button type="submit" name="status" value="([a-z_]+)"', page)
    assert buttons == ["applied", "earned_back"]

    refused = post(c, url, {"status": "applied"})
    assert refused.status_code == 422
    assert 'id="invoice_reference-error">required for applied' in refused.text
    assert credit_of(session, evaluated, "2026-03").status == "agreed"

    applied = post(c, url, {"status": "applied", "invoice_reference": "INV-2026-0412"})
    assert applied.status_code == 303
    credit = credit_of(session, evaluated, "2026-03")
    assert credit.status == "applied" and credit.invoice_reference == "INV-2026-0412"
    conflict = post(c, url, {"status": "agreed"})
    assert conflict.status_code == 409
    assert "cannot become agreed (it can become: earned back)" in html.unescape(conflict.text)


def test_a_governance_user_may_only_dispute_a_computed_credit(
    web_as: WebClient, governance: User, evaluated: Contract
) -> None:
    page = web_as(governance).get(f"/contracts/{evaluated.id}/service-levels/2026-03").text
    buttons = re.findall(r'<button type="submit" name="status" value="([a-z_]+)"', page)
    assert buttons == ["disputed"]


def test_a_month_that_is_not_a_month_is_not_found(
    web_as: WebClient, admin: User, measured: Contract
) -> None:
    c = web_as(admin)
    assert c.get(f"/contracts/{measured.id}/service-levels/June").status_code == 404
    assert c.get("/contracts/9999/service-levels").status_code == 404


# --- exclusions --------------------------------------------------------------------------


def test_approving_an_exclusion_changes_the_stored_credit_and_audits_the_approver_and_note(
    web_as: WebClient,
    delivery: User,
    governance: User,
    evaluated: Contract,
    session: Session,
) -> None:
    assert credit_of(session, evaluated, "2026-06").amount == Decimal("4500.00")
    asked = post(
        web_as(delivery),
        f"/contracts/{evaluated.id}/service-levels/exclusions",
        {
            "measure_id": "availability",
            "period": "2026-06",
            "kind": "whole_period",
            "reason": "Monitoring outage: the month could not be measured (clause 4.5)",
            "evidence": "INC-7781",
        },
    )
    assert asked.status_code == 303
    exclusion = session.scalar(select(Exclusion))
    assert exclusion is not None and exclusion.status == "requested"

    c = web_as(governance)
    scorecard = html.unescape(c.get(f"/contracts/{evaluated.id}/service-levels").text)
    assert "Exclusions awaiting a decision" in scorecard
    month = html.unescape(c.get(f"/contracts/{evaluated.id}/service-levels/2026-06").text)
    assert "Monitoring outage" in month and "INC-7781" in month
    decision_url = f"/contracts/{evaluated.id}/service-levels/exclusions/{exclusion.id}/decision"
    assert f'action="{decision_url}"' in month

    approved = post(
        c, decision_url, {"approve": "true", "note": "Confirmed with the monitoring vendor"}
    )
    assert approved.status_code == 303
    page = html.unescape(c.get(approved.headers["location"]).text)
    assert f"Exclusion #{exclusion.id} approved. Stored credits were recalculated." in page
    assert credit_of(session, evaluated, "2026-06").amount == Decimal("0.00")
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "service_levels.exclusion_approved")
    )
    assert event is not None
    assert event.actor_id == governance.id and event.actor_name == "Grace Okafor"
    assert event.reason == "Confirmed with the monitoring vendor"


def test_the_person_who_requested_an_exclusion_cannot_decide_it(
    web_as: WebClient, admin: User, measured: Contract, session: Session
) -> None:
    c = web_as(admin)
    base = f"/contracts/{measured.id}/service-levels"
    data = {
        "measure_id": "availability",
        "period": "2026-04",
        "kind": "adjusted_actual",
        "actual_after_exclusions": "99.93",
        "reason": "Scheduled maintenance on 12 April",
    }
    assert post(c, f"{base}/exclusions", data).status_code == 303
    exclusion = session.scalar(select(Exclusion))
    assert exclusion is not None
    refused = post(
        c,
        f"{base}/exclusions/{exclusion.id}/decision",
        {"approve": "true", "note": "Looks right to me"},
    )
    assert refused.status_code == 403
    assert "decided by someone other than the person who requested it" in refused.text
    session.refresh(exclusion)
    assert exclusion.status == "requested"


def test_an_exclusion_request_without_its_adjusted_actual_is_refused_at_that_field(
    web_as: WebClient, delivery: User, measured: Contract, session: Session
) -> None:
    response = post(
        web_as(delivery),
        f"/contracts/{measured.id}/service-levels/exclusions",
        {
            "measure_id": "availability",
            "period": "2026-04",
            "kind": "adjusted_actual",
            "reason": "Scheduled maintenance",
        },
    )
    assert response.status_code == 422
    assert 'id="actual_after_exclusions-error">required' in response.text
    assert count(session, Exclusion) == 0


# --- who may do what ---------------------------------------------------------------------


def test_a_viewer_sees_no_forms_and_is_refused_every_change(
    web_as: WebClient, make_user: MakeUser, evaluated: Contract, session: Session
) -> None:
    c = web_as(make_user(Role.VIEWER))
    base = f"/contracts/{evaluated.id}/service-levels"
    for url in (base, f"{base}/2026-06", "/service-levels"):
        page = c.get(url)
        assert page.status_code == 200, url
        assert 'method="post"' not in main_of(page.text), url
    writes: dict[str, dict[str, str]] = {
        f"{base}/measurements": {"measure_id": "availability", "period": "2026-06", "value": "1"},
        f"{base}/exclusions": {
            "measure_id": "availability",
            "period": "2026-06",
            "kind": "whole_period",
            "reason": "Not measured",
        },
        f"{base}/evaluate": {"period": "2026-06"},
        f"{base}/2026-06/status": {"status": "agreed"},
        f"{base}/exclusions/1/decision": {"approve": "true", "note": "fine"},
    }
    for url, data in writes.items():
        response = post(c, url, data)
        assert response.status_code == 403, url
        assert "may not" in response.text, url
    upload = post(c, f"{base}/import", files={"file": ("m.csv", MEASUREMENTS, "text/csv")})
    assert upload.status_code == 403
    assert count(session, Exclusion) == 0
    assert credit_of(session, evaluated, "2026-06").status == "computed"


# --- the portfolio -----------------------------------------------------------------------


def test_the_portfolio_lists_each_evaluated_contract_with_its_monthly_strips(
    web_as: WebClient, admin: User, evaluated: Contract, session: Session
) -> None:
    import_contract(session, terms_yaml("MSA-T-001"), name="msa-t-001.yaml")  # nothing evaluated
    page = web_as(admin).get("/service-levels")
    assert page.status_code == 200
    text = html.unescape(page.text)
    link = f'href="/contracts/{evaluated.id}/service-levels"><strong>MSA-2026-001</strong>'
    assert link in text
    assert "MSA-T-001" not in text
    assert "Northwind Networks Ltd" in text
    assert "GBP 23,500.00" in text  # January to June
    assert '<span class="badge badge-warn">4</span>' in text  # open credits with an amount
    # A sparkline of the critical levels met, and a bar a month of credits of the at-risk.
    assert "Critical service levels met: Jan 2026 100%, Feb 2026 100%, Mar 2026 0%" in text
    assert "Mar 2026: 44.2% of the at-risk amount" in text
    assert text.count('class="sl-bar ') == 6


# --- empty database and empty states -----------------------------------------------------


def test_every_page_explains_what_to_do_when_there_is_nothing_yet(
    web_as: WebClient, admin: User, session: Session, northwind: Contract
) -> None:
    c = web_as(admin)
    portfolio = c.get("/service-levels")
    assert portfolio.status_code == 200
    assert "No service credits evaluated yet" in portfolio.text
    assert 'href="/api/docs"' in portfolio.text

    empty = c.get(f"/contracts/{northwind.id}/service-levels")
    assert empty.status_code == 200
    assert "No measurements yet" in empty.text
    assert "Enter a measurement" in empty.text and "Import measurements" in empty.text
    month = c.get(f"/contracts/{northwind.id}/service-levels/2026-01")
    assert month.status_code == 200
    assert "Not stored yet" in month.text

    plain = import_contract(session, terms_yaml("MSA-T-001"), name="msa-t-001.yaml")
    for url in (
        f"/contracts/{plain.id}/service-levels",
        f"/contracts/{plain.id}/service-levels/2026-01",
    ):
        page = c.get(url)
        assert page.status_code == 200, url
        assert "No service levels in these terms" in page.text, url
        assert "Enter a measurement" not in page.text, url


def test_the_portfolio_page_works_on_an_empty_database(web_as: WebClient, admin: User) -> None:
    page = web_as(admin).get("/service-levels")
    assert page.status_code == 200
    assert "No service credits evaluated yet" in page.text


@pytest.mark.parametrize("path", ["", "/2026-06"])
def test_every_form_on_the_service_level_pages_carries_the_sessions_csrf_token(
    web_as: WebClient, admin: User, evaluated: Contract, path: str
) -> None:
    page = web_as(admin).get(f"/contracts/{evaluated.id}/service-levels{path}").text
    expected = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert expected
    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
    assert len(forms) >= 2
    for form in forms:
        assert f'name="csrf_token" value="{expected.group(1)}"' in form


# --- computed from raw events ---------------------------------------------------------------


@pytest.fixture
def service_desk(session: Session, northwind: Contract) -> Contract:
    """The service desk SOW under the Northwind MSA: three measures computed from tickets."""
    return import_contract(
        session,
        (EXAMPLES / "northwind-sow-service-desk.yaml").read_text(),
        "northwind-sow-service-desk.yaml",
    )


def test_a_tickets_export_computes_the_months_it_covers_from_the_scorecard(
    web_as: WebClient, delivery: User, service_desk: Contract, session: Session
) -> None:
    client = web_as(delivery)
    page = client.get(f"/contracts/{service_desk.id}/service-levels")
    assert "Compute from raw events" in page.text
    tickets = (EXAMPLES / "events" / "northwind-sow-tickets.csv").read_bytes()
    response = post(
        client,
        f"/contracts/{service_desk.id}/service-levels/compute",
        data={"source": "tickets"},
        files={"file": ("northwind-sow-tickets.csv", tickets, "text/csv")},
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert "Computed 18 measurements (2026-03 to 2026-08)" in html.unescape(page.text)
    rows = session.scalars(
        select(Measurement).where(Measurement.contract_id == service_desk.id)
    ).all()
    assert {r.source for r in rows} == {"computed"}
    may = next(r for r in rows if r.measure_id == "p1_resolution" and r.period == "2026-05")
    assert may.value == Decimal("66.6667")
    assert may.definition is not None and may.definition["counts"]["within_limit"] == 4


def test_a_tickets_export_missing_a_column_is_refused_on_the_page(
    web_as: WebClient, delivery: User, service_desk: Contract, session: Session
) -> None:
    response = post(
        web_as(delivery),
        f"/contracts/{service_desk.id}/service-levels/compute",
        data={"source": "tickets"},
        files={"file": ("t.csv", b"ticket_id,opened_at,resolved_at\n1,2026-03-02 09:00:00,\n")},
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Nothing was computed" in text
    assert "missing column priority" in text
    assert count(session, Measurement) == 0


def test_an_exclusion_request_names_one_of_the_grounds_the_terms_allow(
    web_as: WebClient, make_user: MakeUser, session: Session
) -> None:
    make_user(Role.COMMERCIAL, username="tom.becker")
    make_user(Role.GOVERNANCE, username="grace.okafor")
    requester = make_user(Role.DELIVERY, username="aisha.rahman")
    tailspin = import_contract(
        session,
        (EXAMPLES / "tailspin-hosting-service-points.yaml").read_text(),
        "tailspin-hosting-service-points.yaml",
    )
    client = web_as(requester)
    page = html.unescape(client.get(f"/contracts/{tailspin.id}/service-levels").text)
    assert '<select name="ground" required>' in page
    assert "Force majeure (clause 19)." in page
    form = {
        "measure_id": "backup_success",
        "period": "2026-03",
        "kind": "whole_period",
        "ground": "scheduled_maintenance",
        "reason": "Backups paused for the storage upgrade",
    }
    refused = post(client, f"/contracts/{tailspin.id}/service-levels/exclusions", form)
    assert refused.status_code == 422
    assert "covers only platform_availability" in html.unescape(refused.text)
    form["ground"] = "customer_change"
    accepted = post(client, f"/contracts/{tailspin.id}/service-levels/exclusions", form)
    assert accepted.status_code == 303
    month = html.unescape(client.get(f"/contracts/{tailspin.id}/service-levels/2026-03").text)
    assert "<code>customer_change</code>" in month


def test_disputing_a_credit_opens_a_dispute_that_then_carries_the_credit(
    web_as: WebClient, governance: User, evaluated: Contract, session: Session
) -> None:
    c = web_as(governance)
    url = f"/contracts/{evaluated.id}/service-levels/2026-03/status"
    refused = post(c, url, {"status": "disputed", "note": "  "})
    assert refused.status_code == 422 and "our position" in html.unescape(refused.text)
    opened = post(c, url, {"status": "disputed", "note": "The outage was planned maintenance"})
    assert opened.status_code == 303 and opened.headers["location"].startswith("/disputes/")
    assert credit_of(session, evaluated, "2026-03").status == "disputed"
    page = html.unescape(c.get(f"/contracts/{evaluated.id}/service-levels/2026-03").text)
    assert "In dispute" in page and opened.headers["location"].split("?")[0] in page
    assert re.findall(r'<button type="submit" name="status" value="([a-z_]+)"', page) == []
