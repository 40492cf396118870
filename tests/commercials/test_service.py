"""The commercials use cases on a real database: index values and volumes go in by file, all
or nothing, a stored month is replaced with an audit row that keeps the old figure, and only
someone with commercials.write may import."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials import queries, service
from pactline.commercials.models import IndexValue, Volume
from pactline.contracts import rules as contract_rules
from pactline.contracts import service as contracts
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.core.errors import PermissionDenied, ValidationFailed
from pactline.users.enums import Role
from pactline.users.principal import Principal
from tests.conftest import MakeUser
from tests.contracts.factories import import_contract, terms_yaml
from tests.service_levels.factories import OWNERS, import_northwind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CPI = (EXAMPLES / "indices" / "cpi.csv").read_bytes()
VOLUMES = (EXAMPLES / "volumes" / "northwind-msa.csv").read_bytes()


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def commercial(make_user: MakeUser) -> Principal:
    return Principal.of(make_user(Role.COMMERCIAL))


@pytest.fixture
def northwind(session: Session, make_user: MakeUser) -> Contract:
    return import_northwind(session, make_user)


def count(session: Session, model: type[IndexValue] | type[Volume]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def audits(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_an_indices_file_is_stored_with_its_file_name_checksum_and_who_imported_it(
    session: Session, commercial: Principal
) -> None:
    outcome = service.import_index_values(
        session, actor=commercial, source_name="cpi.csv", content=CPI
    )
    assert (outcome.created, outcome.updated, outcome.series) == (13, 0, ["CPI"])
    assert outcome.periods[0] == "2025-10" and outcome.periods[-1] == "2026-10"
    assert outcome.sha256 == hashlib.sha256(CPI).hexdigest()
    (series,) = queries.list_series(session)
    assert (series.series, series.count, series.latest_value) == ("CPI", 13, Decimal("142.7"))
    first = series.values[0]
    assert (first.period, first.value, first.source_name) == (
        "2025-10",
        Decimal("138.4"),
        "cpi.csv",
    )
    assert first.recorded_by == commercial.display_name
    (event,) = audits(session, "commercials.index_values_imported")
    assert event.subject_type == "index_series" and event.subject_id == "CPI"
    assert event.before is None


def test_a_corrected_month_replaces_the_stored_value_and_the_audit_keeps_before_and_after(
    session: Session, commercial: Principal
) -> None:
    service.import_index_values(session, actor=commercial, source_name="cpi.csv", content=CPI)
    correction = b"series,period,value\nCPI,2026-10,142.9\nCPI,2026-11,143.2\n"
    outcome = service.import_index_values(
        session, actor=commercial, source_name="cpi-fix.csv", content=correction
    )
    assert (outcome.created, outcome.updated) == (1, 1)
    assert count(session, IndexValue) == 14
    values = {v.period: v for v in queries.list_index_values(session, "CPI")}
    assert values["2026-10"].value == Decimal("142.9")
    assert values["2026-10"].source_name == "cpi-fix.csv"
    event = audits(session, "commercials.index_values_imported")[-1]
    assert event.before == {"values": {"2026-10": "142.700000"}}
    assert event.after is not None and event.after["values"] == {
        "2026-10": "142.9",
        "2026-11": "143.2",
    }


def test_a_bad_indices_file_names_every_row_and_column_and_stores_nothing(
    session: Session, commercial: Principal
) -> None:
    content = (
        b"series,period,value\nCPI,2026-01,138.9\nCPI,2026-13,139\n,2026-02,139\n"
        b"CPI,2026-03,zero\nCPI,2026-01,140\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        service.import_index_values(
            session, actor=commercial, source_name="bad.csv", content=content
        )
    assert [(d["row"], d["field"]) for d in caught.value.details] == [
        (3, "period"),
        (4, "series"),
        (5, "value"),
        (6, "period"),
    ]
    assert "bad.csv: row 3, column period" in caught.value.message
    assert count(session, IndexValue) == 0
    assert audits(session, "commercials.index_values_imported") == []


def test_a_file_with_a_header_but_no_rows_is_refused(
    session: Session, commercial: Principal
) -> None:
    with pytest.raises(ValidationFailed, match="a header but no rows"):
        service.import_index_values(
            session, actor=commercial, source_name="empty.csv", content=b"series,period,value\n"
        )


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DELIVERY, Role.AUDITOR])
def test_only_someone_with_commercials_write_may_import(
    session: Session, make_user: MakeUser, northwind: Contract, role: Role
) -> None:
    actor = Principal.of(make_user(role))
    with pytest.raises(PermissionDenied):
        service.import_index_values(session, actor=actor, source_name="cpi.csv", content=CPI)
    with pytest.raises(PermissionDenied):
        service.import_volumes(
            session, actor=actor, contract_id=northwind.id, source_name="v.csv", content=VOLUMES
        )
    assert count(session, IndexValue) == 0 and count(session, Volume) == 0


def test_a_volumes_file_is_read_with_the_charge_terms_in_force_and_stored(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    outcome = service.import_volumes(
        session,
        actor=commercial,
        contract_id=northwind.id,
        source_name="northwind-msa.csv",
        content=VOLUMES,
    )
    assert (outcome.created, outcome.updated, outcome.terms_version) == (8, 0, 1)
    assert outcome.items == ["architect", "engineer-y1", "ports"]
    assert outcome.periods == [f"2026-0{m}" for m in range(1, 7)]
    grid = queries.volume_grid(session, northwind.id)
    assert grid.quantity("2026-05", "ports") == Decimal("2140")
    assert grid.quantity("2026-04", "engineer-y1") == Decimal("3")
    assert grid.quantity("2026-01", "architect") is None
    (event,) = audits(session, "commercials.volumes_imported")
    assert event.subject_id == str(northwind.id) and event.before is None


def test_reimporting_a_month_replaces_its_volume_and_the_audit_keeps_the_old_quantity(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    service.import_volumes(
        session, actor=commercial, contract_id=northwind.id, source_name="v.csv", content=VOLUMES
    )
    outcome = service.import_volumes(
        session,
        actor=commercial,
        contract_id=northwind.id,
        source_name="v2.csv",
        content=b"item_id,period,quantity\nports,2026-06,2101\n",
    )
    assert (outcome.created, outcome.updated) == (0, 1)
    assert count(session, Volume) == 8
    assert queries.volume_grid(session, northwind.id).quantity("2026-06", "ports") == 2101
    event = audits(session, "commercials.volumes_imported")[-1]
    assert event.before == {"volumes": {"ports 2026-06": "2095.000000"}}


def test_a_volume_for_an_unknown_item_or_outside_the_term_stores_nothing(
    session: Session, commercial: Principal, northwind: Contract
) -> None:
    content = (
        b"item_id,period,quantity\nports,2026-01,2000\nrouters,2026-02,4\nports,2025-12,1\n"
        b"ports,2026-03,-5\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        service.import_volumes(
            session,
            actor=commercial,
            contract_id=northwind.id,
            source_name="v.csv",
            content=content,
        )
    details = caught.value.details
    assert [(d["row"], d["field"]) for d in details] == [
        (3, "item_id"),
        (4, "period"),
        (5, "quantity"),
    ]
    assert "no resource unit, tiered charge or rate card entry 'routers'" in details[0]["message"]
    assert "outside the contract's term" in details[1]["message"]
    assert count(session, Volume) == 0


def test_a_contract_without_a_charges_section_is_a_clear_error(
    session: Session, commercial: Principal
) -> None:
    contract = import_contract(session, terms_yaml())
    with pytest.raises(ValidationFailed, match="no charges section"):
        service.import_volumes(
            session, actor=commercial, contract_id=contract.id, source_name="v.csv", content=VOLUMES
        )
    assert count(session, Volume) == 0
    assert not queries.has_charges(contract)


def test_each_volume_row_is_checked_against_the_terms_in_force_in_its_month(
    session: Session, commercial: Principal, make_user: MakeUser
) -> None:
    for name, role in OWNERS.items():
        make_user(role, username=name)
    # The amendment (in force from 2027-04) renames the architect's rate card entry.
    amended = (EXAMPLES / "northwind-msa-amendment-1.yaml").read_text()
    amended = amended.replace("id: architect\n", "id: architect-2027\n")
    items = [
        contract_rules.parse_terms(
            (EXAMPLES / "northwind-msa.yaml").read_text(), source_name="msa.yaml"
        ),
        contract_rules.parse_terms(amended, source_name="amendment.yaml"),
    ]
    (contract,) = contracts.import_terms(session, actor=Principal.system("test"), items=items)
    content = (
        b"item_id,period,quantity\narchitect,2026-05,2\narchitect-2027,2026-06,1\n"
        b"architect,2027-05,3\narchitect-2027,2027-06,4\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        service.import_volumes(
            session, actor=commercial, contract_id=contract.id, source_name="v.csv", content=content
        )
    assert [(d["row"], d["field"]) for d in caught.value.details] == [
        (3, "item_id"),
        (4, "item_id"),
    ]
    good = b"item_id,period,quantity\narchitect,2026-05,2\narchitect-2027,2027-06,4\n"
    outcome = service.import_volumes(
        session, actor=commercial, contract_id=contract.id, source_name="v.csv", content=good
    )
    assert (outcome.created, outcome.terms_version) == (2, 2)


def test_each_delivery_row_is_checked_against_the_terms_in_force_in_its_month(
    session: Session, commercial: Principal, make_user: MakeUser
) -> None:
    for name, role in OWNERS.items():
        make_user(role, username=name)
    # The amendment (in force from 2027-04) renames the migration milestone.
    amended = (EXAMPLES / "northwind-msa-amendment-1.yaml").read_text()
    amended = amended.replace("- id: migration\n", "- id: migration-2027\n")
    items = [
        contract_rules.parse_terms(
            (EXAMPLES / "northwind-msa.yaml").read_text(), source_name="msa.yaml"
        ),
        contract_rules.parse_terms(amended, source_name="amendment.yaml"),
    ]
    (contract,) = contracts.import_terms(session, actor=Principal.system("test"), items=items)
    content = (
        b"item_id,period,event\nmigration,2026-05,achieved\nmigration-2027,2026-06,accepted\n"
        b"migration-2027,2027-05,accepted\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        service.import_deliveries(
            session, actor=commercial, contract_id=contract.id, source_name="d.csv", content=content
        )
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(3, "item_id")]
