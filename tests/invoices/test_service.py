"""The invoices use cases on a real database: an invoice goes in by file or JSON, all or
nothing, and is checked at once against the statement its month's stored inputs give; its
findings carry the money at stake and move through their statuses with an audit row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials import service as commercials
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.core.errors import Conflict, PermissionDenied, ValidationFailed
from pactline.engine.service_levels import Period
from pactline.invoices import queries, service
from pactline.invoices.enums import FindingStatus
from pactline.invoices.models import Finding, Invoice
from pactline.invoices.schemas import FindingStatusChange, InvoiceCreate
from pactline.service_levels.models import PeriodCredit
from pactline.users.enums import Role
from pactline.users.principal import Principal
from tests.conftest import MakeUser
from tests.invoices.factories import EXAMPLES, INVOICE, northwind_with_inputs


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def commercial(make_user: MakeUser) -> Principal:
    return Principal.of(make_user(Role.COMMERCIAL, username="cora"))


@pytest.fixture
def northwind(session: Session, make_user: MakeUser) -> Contract:
    return northwind_with_inputs(session, make_user)


def import_april(session: Session, actor: Principal, contract: Contract) -> Invoice:
    outcome = service.import_invoices(
        session,
        actor=actor,
        contract_id=contract.id,
        source_name=INVOICE.name,
        content=INVOICE.read_bytes(),
    )
    (summary,) = outcome.invoices
    return queries.get_invoice(session, contract.id, summary.id)


def test_the_april_invoice_s_planted_errors_are_found_with_their_amounts(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    invoice = import_april(session, commercial, northwind)
    found = sorted((f.type, f.line_number, f.amount) for f in invoice.findings)
    assert found == [
        ("arc_rrc", 4, Decimal("960.00")),
        ("missing_service_credit", None, Decimal("13250.00")),
        ("rate_mismatch", 5, Decimal("90.00")),
    ]
    assert all(f.status == "open" and f.current for f in invoice.findings)
    assert invoice.terms_version == 1 and invoice.validation_error is None
    assert invoice.statement is not None and invoice.statement["period"] == "2026-04"


def test_the_statement_of_a_month_comes_from_the_stored_volumes_indices_and_credits(
    session: Session, northwind: Contract
) -> None:
    built = queries.statement_for(session, northwind.id, Period(2026, 4))
    lines = {line.id: line for line in built.statement.lines}
    assert lines["ports:base"].amount == Decimal("24000.00")
    # 2,080 ports against a baseline of 2,000 is inside the 5% deadband: no ARC is due.
    assert "ports:arc" not in lines or lines["ports:arc"].amount == 0
    assert lines["service_credits"].amount == Decimal("-13250.00")
    statement = built.statement
    assert sum(line.amount for line in statement.lines) == statement.total


def test_a_file_with_a_bad_row_stores_no_invoice(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    text = INVOICE.read_text().replace(",2940.00,", ",29x40,")
    with pytest.raises(ValidationFailed) as caught:
        service.import_invoices(
            session,
            actor=commercial,
            contract_id=northwind.id,
            source_name="bad.csv",
            content=text.encode(),
        )
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(6, "amount")]
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_an_invoice_number_already_stored_is_refused(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    import_april(session, commercial, northwind)
    with pytest.raises(ValidationFailed, match="NW-INV-2026-0412 of MSA-2026-001 is already"):
        import_april(session, commercial, northwind)
    assert session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_a_second_invoice_with_the_same_total_under_another_number_is_a_duplicate(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    import_april(session, commercial, northwind)
    text = INVOICE.read_text().replace("NW-INV-2026-0412", "NW-INV-2026-0413")
    outcome = service.import_invoices(
        session,
        actor=commercial,
        contract_id=northwind.id,
        source_name="again.csv",
        content=text.encode(),
    )
    (summary,) = outcome.invoices
    second = queries.get_invoice(session, northwind.id, summary.id)
    assert [(f.type, f.amount) for f in second.findings] == [
        ("duplicate_invoice", Decimal("304680.00"))
    ]


def test_an_invoice_sent_as_json_goes_through_the_file_checks(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    data = InvoiceCreate(
        number="NW-JSON-1",
        counterparty="Northwind Networks Ltd",
        issued_on=datetime(2026, 6, 5).date(),
        period="2026-05",
        currency="GBP",
        lines=[
            {"line": 1, "item_id": "managed_service", "amount": Decimal("216000.00")},
            {"line": 2, "item_id": "mystery", "amount": Decimal("-5")},
        ],
    )
    outcome = service.create_invoice(session, actor=commercial, contract_id=northwind.id, data=data)
    (summary,) = outcome.invoices
    invoice = queries.get_invoice(session, northwind.id, summary.id)
    assert invoice.source == "api"
    assert "unknown_item" in {f.type for f in invoice.findings}
    bad = data.model_copy(update={"number": "NW-JSON-2", "period": "May"})
    with pytest.raises(ValidationFailed) as caught:
        service.create_invoice(session, actor=commercial, contract_id=northwind.id, data=bad)
    assert {d["field"] for d in caught.value.details} == {"period"}


def test_findings_move_through_their_statuses_and_dismissing_needs_a_reason(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    invoice = import_april(session, commercial, northwind)
    finding = next(f for f in invoice.findings if f.type == "rate_mismatch")
    with pytest.raises(ValidationFailed, match="reason"):
        service.set_finding_status(
            session,
            actor=commercial,
            finding_id=finding.id,
            data=FindingStatusChange(status=FindingStatus.DISMISSED),
        )
    read = service.set_finding_status(
        session,
        actor=commercial,
        finding_id=finding.id,
        data=FindingStatusChange(status=FindingStatus.ACCEPTED, reason="Supplier agrees"),
    )
    assert read.status is FindingStatus.ACCEPTED
    with pytest.raises(ValidationFailed, match="with a dispute: open a dispute"):
        service.set_finding_status(
            session,
            actor=commercial,
            finding_id=finding.id,
            data=FindingStatusChange(status=FindingStatus.DISPUTED),
        )
    with pytest.raises(ValidationFailed, match="it can move to: disputed, recovered"):
        service.set_finding_status(
            session,
            actor=commercial,
            finding_id=finding.id,
            data=FindingStatusChange(status=FindingStatus.OPEN),
        )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoices.finding_status_changed")
    ).all()
    assert [e.reason for e in events] == ["Supplier agrees"]


def test_a_viewer_cannot_import_invoices(
    session: Session, make_user: MakeUser, northwind: Contract
) -> None:
    viewer = Principal.of(make_user(Role.VIEWER))
    with pytest.raises(PermissionDenied):
        import_april(session, viewer, northwind)


def test_revalidation_keeps_acted_on_findings_and_drops_open_ones_no_longer_raised(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    invoice = import_april(session, commercial, northwind)
    rate = next(f for f in invoice.findings if f.type == "rate_mismatch")
    service.set_finding_status(
        session,
        actor=commercial,
        finding_id=rate.id,
        data=FindingStatusChange(status=FindingStatus.ACCEPTED),
    )
    # The invoice's line 4 becomes right: its ARC finding is no longer raised.
    line = next(line for line in invoice.lines if line.line_number == 4)
    line.amount = line.quantity = Decimal("0")
    session.commit()
    outcome = service.validate_invoice(
        session, actor=commercial, contract_id=northwind.id, invoice_id=invoice.id
    )
    assert outcome.withdrawn >= 1
    types = {f.type: f for f in session.scalars(select(Finding)).all()}
    assert "arc_rrc" not in types or types["arc_rrc"].amount != Decimal("960.00")
    assert types["rate_mismatch"].status == "accepted" and types["rate_mismatch"].current


def test_an_invoice_with_acted_on_findings_cannot_be_deleted(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    invoice = import_april(session, commercial, northwind)
    finding = invoice.findings[0]
    service.set_finding_status(
        session,
        actor=commercial,
        finding_id=finding.id,
        data=FindingStatusChange(status=FindingStatus.DISMISSED, reason="Agreed change"),
    )
    with pytest.raises(Conflict):
        service.delete_invoice(
            session, actor=commercial, contract_id=northwind.id, invoice_id=invoice.id
        )


def test_leakage_totals_equal_the_open_findings_at_stake_for_our_side(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    import_april(session, commercial, northwind)
    (gbp,) = queries.leakage(session).currencies
    findings = queries.list_findings(session, statuses=[FindingStatus.OPEN])
    assert gbp.amount == sum(f.at_stake for f in findings if f.at_stake > 0)
    assert gbp.amount == Decimal("14300.00")  # customer side: overbilled 960 + 90 + 13,250
    assert sum(row.amount for row in gbp.by_type) == gbp.amount
    assert sum(row.amount for row in gbp.by_region) == gbp.amount
    assert [row.key for row in gbp.by_period] == ["2026-04"]


def test_milestones_and_delays_stored_as_deliveries_are_on_the_month_s_statement(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    commercials.import_deliveries(
        session,
        actor=commercial,
        contract_id=northwind.id,
        source_name="deliveries.csv",
        content=(EXAMPLES / "deliveries" / "northwind-msa.csv").read_bytes(),
    )
    may = {
        line.id: line
        for line in queries.statement_for(session, northwind.id, Period(2026, 5)).statement.lines
    }
    assert may["migration"].amount == Decimal("108000.00")
    assert may["migration_delay"].amount == Decimal("-2400.00")
    june = queries.statement_for(session, northwind.id, Period(2026, 6)).statement.lines
    release = next(line for line in june if line.id == "migration:holdback_release")
    assert release.amount == Decimal("12000.00")


def test_an_invoice_checked_before_its_month_s_volumes_changed_is_marked_stale(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    invoice = import_april(session, commercial, northwind)
    assert not queries.invoice_read(session, northwind.id, invoice.id).stale
    with clock.frozen_at(datetime(2026, 7, 2, 9, 0, tzinfo=UTC)):
        commercials.import_volumes(
            session,
            actor=commercial,
            contract_id=northwind.id,
            source_name="fix.csv",
            content=b"item_id,period,quantity\nports,2026-04,2150\n",
        )
    read = queries.invoice_read(session, northwind.id, invoice.id)
    assert read.stale and read.inputs_changed_at is not None
    with clock.frozen_at(datetime(2026, 7, 3, 9, 0, tzinfo=UTC)):
        outcome = service.validate_invoice(
            session, actor=commercial, contract_id=northwind.id, invoice_id=invoice.id
        )
    assert not queries.invoice_read(session, northwind.id, invoice.id).stale
    # 2,150 ports is beyond the deadband: the 80-port ARC billed is now short, not inside it.
    assert outcome.invoice.findings >= 2


def test_a_month_with_stored_volumes_has_its_credits_computed_on_the_statement_s_at_risk_base(
    session: Session, northwind: Contract
) -> None:
    april = session.scalars(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == northwind.id, PeriodCredit.period == "2026-04"
        )
    ).one()
    # Fees 216,000 + 10,000, the ports' base 2,000 × 12 and 3 engineer days × 950: the
    # at_risk_kinds of the charges, not service_levels.charge_base's 250,000.00.
    assert april.result["service_credits"]["charge_base"] == "252850.00"
