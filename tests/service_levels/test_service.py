"""Service-level use cases on a real database: measurements in, credits stored, exclusions and
the credit lifecycle, each audited; bad input changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.core.errors import Conflict, PermissionDenied, ValidationFailed
from pactline.service_levels import queries, service
from pactline.service_levels.enums import CreditStatus, ExclusionKind
from pactline.service_levels.models import Measurement, PeriodCredit
from pactline.service_levels.schemas import (
    CreditStatusChange,
    ExclusionCreate,
    ExclusionDecision,
    MeasurementCreate,
)
from pactline.terms import EventSource
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from tests.contracts.factories import import_contract, terms_yaml
from tests.service_levels.factories import EXAMPLES, MEASUREMENTS, import_northwind

OPERATOR = Principal.system("test")


@pytest.fixture
def northwind(session: Session, make_user: Callable[..., User]) -> Contract:
    return import_northwind(session, make_user)


def csv_bytes(*rows: str) -> bytes:
    return ("measure_id,period,value\n" + "\n".join(rows) + "\n").encode()


def import_file(session: Session, contract: Contract, name: str = "northwind-msa.csv") -> None:
    service.import_measurements(
        session,
        actor=OPERATOR,
        contract_id=contract.id,
        source_name=name,
        content=(MEASUREMENTS / name).read_bytes(),
    )


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_importing_a_measurements_file_stores_every_row_with_its_checksum(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    rows = queries.list_measurements(session, northwind.id)
    assert len(rows) == 18
    assert {r.source for r in rows} == {"import"}
    assert len({r.source_sha256 for r in rows}) == 1
    assert rows[0].period == "2026-01"


def test_a_bad_file_names_row_and_column_of_every_problem_and_stores_nothing(
    session: Session, northwind: Contract
) -> None:
    content = csv_bytes(
        "availability,2026-01,99.9",
        "availability,2026-01,99.8",
        "uptime,2026-02,99.9",
        "availability,2026-03,abc",
        "availability,2026-04,101",
        "availability,2031-01,99",
    )
    with pytest.raises(ValidationFailed) as caught:
        service.import_measurements(
            session, actor=OPERATOR, contract_id=northwind.id, source_name="m.csv", content=content
        )
    problems = {(d["row"], d["field"]) for d in caught.value.details}
    assert problems == {
        (3, "period"),  # a second row for the same measure and month
        (4, "measure_id"),  # not in the terms
        (5, "value"),  # text in a number column
        (6, "value"),  # a percentage above 100
        (7, "period"),  # outside the contract's term
    }
    assert caught.value.message.startswith("m.csv: row 3, column period:")
    assert count(session, Measurement) == 0


def test_a_file_missing_a_column_is_refused_before_any_row(
    session: Session, northwind: Contract
) -> None:
    with pytest.raises(ValidationFailed, match="missing column value"):
        service.import_measurements(
            session,
            actor=OPERATOR,
            contract_id=northwind.id,
            source_name="m.csv",
            content=b"measure_id,period\navailability,2026-01\n",
        )


def test_evaluating_a_month_stores_its_credit_and_every_earlier_month(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    result = service.evaluate_service_levels(
        session, actor=OPERATOR, contract_id=northwind.id, period="2026-06"
    )
    # No availability report in June: deemed failed, priced by the pool model.
    assert result.measure("availability").status.value == "not_reported"
    assert result.service_credits.total == Decimal("4500.00")
    credits = queries.list_credits(session, northwind.id)
    assert [c.period for c in credits] == [f"2026-0{m}" for m in range(1, 7)]
    june = queries.get_credit(session, northwind.id, "2026-06")
    assert june.status == CreditStatus.COMPUTED.value
    assert june.amount == Decimal("4500.00")
    assert june.at_risk_amount == Decimal("30000.00")
    explanation = june.result["service_levels"][0]["explanation"]
    assert any("pool 60% × allocation 25%" in line for line in explanation)


def test_the_terms_of_an_amendment_govern_the_months_after_it(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    import_file(session, northwind, "northwind-msa-amendment-1.csv")
    with clock.frozen_at(datetime(2027, 8, 1, tzinfo=UTC)):
        service.evaluate_service_levels(
            session, actor=OPERATOR, contract_id=northwind.id, period="2027-05"
        )
    assert queries.get_credit(session, northwind.id, "2026-06").terms_version == 1
    assert queries.get_credit(session, northwind.id, "2027-05").terms_version == 2


def test_a_month_without_a_charge_base_or_outside_the_term_is_a_clear_error(
    session: Session, northwind: Contract
) -> None:
    with (
        clock.frozen_at(datetime(2036, 1, 1, tzinfo=UTC)),
        pytest.raises(ValidationFailed, match="outside the contract's term"),
    ):
        service.evaluate_service_levels(
            session, actor=OPERATOR, contract_id=northwind.id, period="2035-01"
        )
    with pytest.raises(ValidationFailed, match="2035-01 has not begun yet"):
        service.evaluate_service_levels(
            session, actor=OPERATOR, contract_id=northwind.id, period="2035-01"
        )
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        service.evaluate_service_levels(
            session, actor=OPERATOR, contract_id=northwind.id, period="June"
        )
    assert count(session, PeriodCredit) == 0


def test_approving_an_exclusion_recalculates_the_credit_and_the_audit_says_who_and_why(
    session: Session, northwind: Contract, make_user: Callable[..., User]
) -> None:
    import_file(session, northwind)
    service.evaluate_service_levels(
        session, actor=OPERATOR, contract_id=northwind.id, period="2026-06"
    )
    delivery = Principal.of(make_user(Role.DELIVERY))
    governance = Principal.of(make_user(Role.GOVERNANCE))
    exclusion = service.request_exclusion(
        session,
        actor=delivery,
        contract_id=northwind.id,
        data=ExclusionCreate(
            measure_id="availability",
            period="2026-06",
            kind=ExclusionKind.WHOLE_PERIOD,
            reason="Monitoring outage at the customer's data centre (customer dependency CD-4)",
            evidence="Incident INC-2291",
        ),
    )
    # Whoever asks for relief does not grant it.
    with pytest.raises(PermissionDenied):
        service.decide_exclusion(
            session,
            actor=delivery,
            contract_id=northwind.id,
            exclusion_id=exclusion.id,
            data=ExclusionDecision(approve=True, note="mine"),
        )
    _, changes = service.decide_exclusion(
        session,
        actor=governance,
        contract_id=northwind.id,
        exclusion_id=exclusion.id,
        data=ExclusionDecision(approve=True, note="Agreed at the June operational review"),
    )
    assert [(c.period, c.before, c.after) for c in changes] == [
        ("2026-06", Decimal("4500.00"), Decimal("0.00"))
    ]
    assert queries.get_credit(session, northwind.id, "2026-06").amount == Decimal("0.00")
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "service_levels.recalculated")
    ).one()
    assert event.actor_name == governance.display_name
    assert "Agreed at the June operational review" in (event.reason or "")
    assert event.before == {"2026-06": "4500.00"}
    approved = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "service_levels.exclusion_approved")
    ).one()
    assert approved.actor_name == governance.display_name


def test_an_adjusted_exclusion_needs_the_adjusted_actual(
    session: Session, northwind: Contract
) -> None:
    with pytest.raises(ValidationFailed, match="actual_after_exclusions"):
        service.request_exclusion(
            session,
            actor=OPERATOR,
            contract_id=northwind.id,
            data=ExclusionCreate(
                measure_id="availability", period="2026-03", reason="planned work"
            ),
        )


def test_a_second_open_exclusion_for_the_same_month_is_refused(
    session: Session, northwind: Contract
) -> None:
    data = ExclusionCreate(
        measure_id="availability",
        period="2026-03",
        actual_after_exclusions=Decimal("99.95"),
        reason="Approved maintenance window ran over",
    )
    service.request_exclusion(session, actor=OPERATOR, contract_id=northwind.id, data=data)
    with pytest.raises(Conflict, match="already has an exclusion requested"):
        service.request_exclusion(session, actor=OPERATOR, contract_id=northwind.id, data=data)


def test_a_credit_moves_only_along_its_lifecycle_and_each_move_is_audited(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    service.evaluate_service_levels(
        session, actor=OPERATOR, contract_id=northwind.id, period="2026-06"
    )

    def move(status: CreditStatus, **kwargs: str) -> PeriodCredit:
        return service.change_credit_status(
            session,
            actor=OPERATOR,
            contract_id=northwind.id,
            period="2026-06",
            data=CreditStatusChange(status=status, **kwargs),
        )

    with pytest.raises(Conflict, match="cannot become applied"):
        move(CreditStatus.APPLIED, invoice_reference="INV-1")
    with pytest.raises(ValidationFailed, match="say why"):
        move(CreditStatus.DISPUTED)
    move(CreditStatus.DISPUTED, note="Northwind says the monitoring feed was down")
    move(CreditStatus.AGREED, note="Agreed at the monthly review")
    with pytest.raises(ValidationFailed, match="invoice_reference"):
        move(CreditStatus.APPLIED)
    credit = move(CreditStatus.APPLIED, invoice_reference="NW-2026-0712")
    assert credit.status == "applied"
    assert credit.invoice_reference == "NW-2026-0712"
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("service_levels.credit_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "service_levels.credit_disputed",
        "service_levels.credit_agreed",
        "service_levels.credit_applied",
    ]


def test_a_settled_credit_keeps_its_amount_when_the_figures_change(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    service.evaluate_service_levels(
        session, actor=OPERATOR, contract_id=northwind.id, period="2026-06"
    )
    service.change_credit_status(
        session,
        actor=OPERATOR,
        contract_id=northwind.id,
        period="2026-06",
        data=CreditStatusChange(status=CreditStatus.AGREED),
    )
    service.record_measurement(
        session,
        actor=OPERATOR,
        contract_id=northwind.id,
        data=MeasurementCreate(measure_id="availability", period="2026-06", value=Decimal("99.95")),
    )
    assert queries.get_credit(session, northwind.id, "2026-06").amount == Decimal("4500.00")
    card = queries.scorecard(session, northwind.id)
    june = next(m for m in card.months if m.period == "2026-06")
    assert june.credit == Decimal("0.00")
    assert june.stale


def test_a_measurement_entered_by_hand_replaces_the_month_and_is_audited(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    service.record_measurement(
        session,
        actor=OPERATOR,
        contract_id=northwind.id,
        data=MeasurementCreate(
            measure_id="availability", period="2026-02", value=Decimal("99.4"), note="restated"
        ),
    )
    rows = {(m.measure_id, m.period): m for m in queries.list_measurements(session, northwind.id)}
    assert rows["availability", "2026-02"].value == Decimal("99.4")
    assert rows["availability", "2026-02"].source == "manual"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "service_levels.measurement_recorded")
    ).one()
    assert event.after is not None and event.after["value"] == "99.4"


def test_a_value_out_of_range_entered_by_hand_is_refused(
    session: Session, northwind: Contract
) -> None:
    with pytest.raises(ValidationFailed, match="between 0 and 100"):
        service.record_measurement(
            session,
            actor=OPERATOR,
            contract_id=northwind.id,
            data=MeasurementCreate(
                measure_id="availability", period="2026-02", value=Decimal("-1")
            ),
        )
    assert count(session, Measurement) == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.DELIVERY, True), (Role.ADMIN, True), (Role.VIEWER, False), (Role.COMMERCIAL, False)],
)
def test_only_roles_with_service_levels_write_may_import_measurements(
    session: Session,
    northwind: Contract,
    make_user: Callable[..., User],
    role: Role,
    allowed: bool,
) -> None:
    actor = Principal.of(make_user(role))
    content = csv_bytes("availability,2026-01,99.95")
    if allowed:
        service.import_measurements(
            session, actor=actor, contract_id=northwind.id, source_name="m.csv", content=content
        )
        assert count(session, Measurement) == 1
    else:
        with pytest.raises(PermissionDenied):
            service.import_measurements(
                session, actor=actor, contract_id=northwind.id, source_name="m.csv", content=content
            )


def test_the_scorecard_shows_each_measure_month_by_month(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    card = queries.scorecard(session, northwind.id)
    assert card.periods == [f"2026-0{m}" for m in range(1, 7)]
    assert [row.id for row in card.rows] == ["availability", "p1_resolution", "change_success"]
    availability = card.rows[0]
    assert availability.cells[-1].status == "not_reported"
    assert all(m.stored_status is None for m in card.months)


def test_the_portfolio_compares_contracts_on_normalised_figures(
    session: Session, northwind: Contract
) -> None:
    import_file(session, northwind)
    service.evaluate_service_levels(
        session, actor=OPERATOR, contract_id=northwind.id, period="2026-06"
    )
    (row,) = queries.portfolio_service_levels(session)
    assert row.reference == "MSA-2026-001"
    assert len(row.months) == 6
    # June: one of two critical service levels met; 4,500 of 30,000 at risk = 15%.
    assert row.critical_met_pct[-1] == Decimal("50.0")
    assert row.credits_of_at_risk_pct[-1] == Decimal("15.0")


# --- computed from raw events ---------------------------------------------------------------

COMPUTED_TERMS = """
service_levels:
  charge_base: {amount: "30000.00"}
  credits:
    at_risk_pct: 10
    period_cap: {basis: at_risk_amount}
  measures:
    - id: p1_resolution
      name: Priority 1 incidents resolved within 4 business hours
      type: critical
      unit: percent
      direction: higher_is_better
      target: 90
      credit: {model: percent_of_charges, pct: 5}
      computed:
        source: tickets
        metric: percent_within
        where: {priority: [P1]}
        within_hours: 4
        clock: business_hours
"""

TICKETS_CSV = b"""ticket_id,priority,opened_at,resolved_at
1,P1,2026-03-02 09:00:00,2026-03-02 12:00:00
2,P1,2026-03-02 16:00:00,2026-03-03 10:30:00
3,P1,2026-03-06 16:30:00,2026-03-09 15:30:00
4,P2,2026-03-06 16:30:00,2026-03-20 15:30:00
"""


@pytest.fixture
def service_desk(session: Session) -> Contract:
    text = terms_yaml("SD-2026-001", start_on=date(2026, 1, 1), months=24) + COMPUTED_TERMS
    return import_contract(session, text)


def test_measurements_computed_from_tickets_keep_the_file_checksum_and_the_definition(
    session: Session, service_desk: Contract, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(TICKETS_CSV)
    outcome = service.compute_measurements(
        session,
        actor=OPERATOR,
        contract_id=service_desk.id,
        source=EventSource.TICKETS,
        path=path,
    )
    # 3 h and 2.5 h are within 4 business hours; 16:30 Friday to 15:30 Monday is 7 h.
    assert [(f.period, f.value) for f in outcome.figures] == [("2026-03", Decimal("66.6667"))]
    (row,) = queries.list_measurements(session, service_desk.id)
    assert row.source == "computed"
    assert row.source_sha256 == hashlib.sha256(TICKETS_CSV).hexdigest()
    assert row.definition is not None
    assert row.definition["computed"]["within_hours"] == "4"
    assert row.definition["counts"] == {
        "events": 3,
        "ended": 3,
        "within_limit": 2,
        "seconds": 45000,
    }
    result = service.evaluate_service_levels(
        session, actor=OPERATOR, contract_id=service_desk.id, period="2026-03"
    )
    assert result.measure("p1_resolution").status.value == "minimum_miss"
    assert result.service_credits.total == Decimal("1500.00")


def test_a_tickets_file_missing_a_column_stores_nothing(
    session: Session, service_desk: Contract, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"ticket_id,opened_at,resolved_at\n1,2026-03-02 09:00:00,\n")
    with pytest.raises(ValidationFailed, match="missing column priority"):
        service.compute_measurements(
            session,
            actor=OPERATOR,
            contract_id=service_desk.id,
            source=EventSource.TICKETS,
            path=path,
        )
    assert count(session, Measurement) == 0


def test_tickets_outside_the_term_are_refused(
    session: Session, service_desk: Contract, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(TICKETS_CSV.replace(b"2026-03-02 09:00", b"2025-12-02 09:00"))
    with pytest.raises(ValidationFailed, match="outside"):
        service.compute_measurements(
            session,
            actor=OPERATOR,
            contract_id=service_desk.id,
            source=EventSource.TICKETS,
            path=path,
        )
    assert count(session, Measurement) == 0


def test_a_contract_without_computed_measures_says_so(
    session: Session, northwind: Contract, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(TICKETS_CSV)
    with pytest.raises(ValidationFailed, match="no measure in the terms is computed from tickets"):
        service.compute_measurements(
            session, actor=OPERATOR, contract_id=northwind.id, source=EventSource.TICKETS, path=path
        )


# --- exclusion grounds ----------------------------------------------------------------------


@pytest.fixture
def tailspin(session: Session, make_user: Callable[..., User]) -> Contract:
    """The hosting contract, whose terms list the grounds an exclusion may rest on."""
    make_user(Role.COMMERCIAL, username="tom.becker")
    make_user(Role.GOVERNANCE, username="grace.okafor")
    return import_contract(
        session,
        (EXAMPLES / "tailspin-hosting-service-points.yaml").read_text(),
        "tailspin-hosting-service-points.yaml",
    )


@pytest.mark.parametrize(
    ("ground", "measure", "message"),
    [
        (None, "platform_availability", "required: the contract's ground"),
        ("strike", "platform_availability", "no ground 'strike' in the terms"),
        ("scheduled_maintenance", "backup_success", "covers only platform_availability"),
    ],
)
def test_an_exclusion_rests_on_a_ground_the_terms_allow(
    session: Session, tailspin: Contract, ground: str | None, measure: str, message: str
) -> None:
    data = ExclusionCreate(
        measure_id=measure,
        period="2026-03",
        kind=ExclusionKind.WHOLE_PERIOD,
        ground=ground,
        reason="Planned work on the storage fabric",
    )
    with pytest.raises(ValidationFailed, match=message):
        service.request_exclusion(session, actor=OPERATOR, contract_id=tailspin.id, data=data)


def test_an_exclusion_on_an_allowed_ground_is_stored_with_it(
    session: Session, tailspin: Contract
) -> None:
    exclusion = service.request_exclusion(
        session,
        actor=OPERATOR,
        contract_id=tailspin.id,
        data=ExclusionCreate(
            measure_id="platform_availability",
            period="2026-03",
            kind=ExclusionKind.WHOLE_PERIOD,
            ground="scheduled_maintenance",
            reason="Storage firmware upgrade in the Sunday window, notified on 2 March",
        ),
    )
    assert exclusion.ground == "scheduled_maintenance"


def test_a_ground_is_refused_where_the_terms_list_none(
    session: Session, northwind: Contract
) -> None:
    with pytest.raises(ValidationFailed, match="the terms list no exclusion grounds"):
        service.request_exclusion(
            session,
            actor=OPERATOR,
            contract_id=northwind.id,
            data=ExclusionCreate(
                measure_id="availability",
                period="2026-03",
                kind=ExclusionKind.WHOLE_PERIOD,
                ground="force_majeure",
                reason="Flood",
            ),
        )
