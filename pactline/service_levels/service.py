"""Use cases of the service-levels area: each checks, changes, audits and commits once.

Measurements go in by hand or by file (all or nothing); evaluating a month stores the service
credit of it and of every month before it that was not yet stored; a change to the inputs
(new values, an exclusion approved) recalculates the stored months that are still open.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from pactline.contracts.queries import get_contract
from pactline.core import audit, clock
from pactline.core.errors import ValidationFailed
from pactline.engine.service_levels import Measurement as EngineMeasurement
from pactline.engine.service_levels import Period, PeriodResult
from pactline.service_levels import rules, staging
from pactline.service_levels.computed import EventsProblem, compute_figures
from pactline.service_levels.enums import (
    ExclusionStatus,
    MeasurementSource,
)
from pactline.service_levels.files import read_table
from pactline.service_levels.models import Exclusion, Measurement, PeriodCredit
from pactline.service_levels.schemas import (
    ComputedFigureRead,
    CreditStatusChange,
    ExclusionCreate,
    ExclusionDecision,
    MeasurementCreate,
    MeasurementsComputed,
    MeasurementsImported,
)
from pactline.terms import EventSource
from pactline.users.enums import Permission
from pactline.users.principal import Principal

MAX_MEASUREMENTS_BYTES = staging.MAX_MEASUREMENTS_BYTES


def record_measurement(
    session: Session, *, actor: Principal, contract_id: int, data: MeasurementCreate
) -> Measurement:
    """Enter (or correct) one measure's value for one month; stored credits follow."""
    actor.require(Permission.SERVICE_LEVELS_WRITE)
    contract = get_contract(session, contract_id)
    terms = rules.ContractTerms(contract)
    value = "" if data.value is None else format(data.value, "f")
    rows, problems = read_table(
        "form",
        [["measure_id", "period", "value"], [data.measure_id, data.period, value]],
        terms.for_period,
    )
    if problems:
        raise ValidationFailed(
            problems[0].message,
            details=[{"field": p.column, "message": p.message} for p in problems],
        )
    changed = staging.store_rows(
        session,
        actor=actor,
        contract=contract,
        rows=rows,
        source=MeasurementSource.MANUAL,
        source_name=data.note or "entered by hand",
        sha256=None,
    )
    measurement = changed[0][0]
    before, after = changed[0][1], measurement.value
    audit.record(
        session,
        actor=actor,
        action="service_levels.measurement_recorded",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: {data.measure_id} for {data.period} = "
        f"{'not measured' if after is None else after}",
        before={"value": before} if changed[0][2] else None,
        after={"measure_id": data.measure_id, "period": data.period, "value": after},
        reason=data.note,
    )
    rules.recalculate(
        session, actor=actor, contract=contract, reason=f"{data.measure_id} {data.period} entered"
    )
    session.commit()
    return measurement


def import_measurements(
    session: Session, *, actor: Principal, contract_id: int, source_name: str, content: bytes
) -> MeasurementsImported:
    """Import a CSV or XLSX of measurements, all or nothing; stored credits follow."""
    actor.require(Permission.SERVICE_LEVELS_WRITE)
    contract = get_contract(session, contract_id)
    outcome = staging.stage_import(
        session,
        actor=actor,
        contract=contract,
        terms=rules.ContractTerms(contract),
        source_name=source_name,
        content=content,
    )
    rules.recalculate(
        session, actor=actor, contract=contract, reason=f"measurements imported from {source_name}"
    )
    session.commit()
    return outcome


def compute_measurements(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    source: EventSource,
    path: Path,
    source_name: str | None = None,
) -> MeasurementsComputed:
    """Compute the monthly actuals of every measure the terms define from this kind of events
    file (tickets or outages), all or nothing; stored credits follow.

    Each value is stored with the file's SHA-256 and the definition and counts it came from,
    so the figure can be reproduced from the same file."""
    actor.require(Permission.SERVICE_LEVELS_WRITE)
    contract = get_contract(session, contract_id)
    name = source_name or path.name
    terms = rules.ContractTerms(contract)
    definitions = rules.computed_measures(terms, source)
    if not definitions:
        raise ValidationFailed(
            f"{contract.reference}: no measure in the terms is computed from {source.value}",
            details=[{"field": "service_levels.measures[].computed.source", "message": "none"}],
        )
    try:
        figures = compute_figures(
            path,
            [(measure_id, computation) for measure_id, computation, _ in definitions],
            source_name=name,
            holidays_for=terms.holidays,
            years=terms.years(),
        )
    except EventsProblem as problem:
        raise ValidationFailed(
            str(problem),
            details=[
                {"file": name, "row": row, "field": problem.column, "message": problem.rule}
                for row in problem.rows
            ]
            or [{"file": name, "row": None, "field": None, "message": problem.message}],
        ) from None
    kept, outside = rules.figures_in_force(terms, definitions, figures)
    if outside:
        message = (
            f"the file has events in {', '.join(outside)}, outside the months the terms cover "
            f"({terms.months().first} to {terms.months().last or 'no fixed end'}); filter the file"
        )
        raise ValidationFailed(
            f"{name}: {message}",
            details=[{"file": name, "row": None, "field": None, "message": message}],
        )
    if not kept:
        raise ValidationFailed(
            f"{name}: no events match the definitions",
            details=[{"file": name, "row": None, "field": None, "message": "no figures"}],
        )
    sha256 = _sha256(path)
    rows = [
        EngineMeasurement(measure_id=f.measure_id, period=f.period, value=f.value) for f, _ in kept
    ]
    stored = staging.store_rows(
        session,
        actor=actor,
        contract=contract,
        rows=rows,
        source=MeasurementSource.COMPUTED,
        source_name=name,
        sha256=sha256,
    )
    for (measurement, _, _), (figure, definition) in zip(stored, kept, strict=True):
        measurement.definition = {
            "computed": definition,
            "counts": dict(figure.counts),
            "explanation": figure.explanation,
        }
    periods = sorted({str(f.period) for f, _ in kept})
    audit.record(
        session,
        actor=actor,
        action="service_levels.measurements_computed",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: computed {len(rows)} measurements from {name} "
        f"({source.value}; {periods[0]} to {periods[-1]})",
        after={"file": name, "sha256": sha256, "measures": sorted({r.measure_id for r in rows})},
    )
    rules.recalculate(session, actor=actor, contract=contract, reason=f"computed from {name}")
    session.commit()
    return MeasurementsComputed(
        file=name,
        sha256=sha256,
        source=source.value,
        figures=[
            ComputedFigureRead(
                measure_id=f.measure_id,
                period=str(f.period),
                value=f.value,
                explanation=f.explanation,
            )
            for f, _ in kept
        ],
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def evaluate_service_levels(
    session: Session, *, actor: Principal, contract_id: int, period: str
) -> PeriodResult:
    """Evaluate a month and store its service credit (and any earlier month not yet stored)."""
    staging.require_evaluator(actor)
    contract = get_contract(session, contract_id)
    month = _period(period)
    today = clock.today()
    if month > Period(today.year, today.month):
        # A month not yet begun has no figures: every measure would be priced as not reported.
        raise ValidationFailed(
            f"period: {month} has not begun yet (today is {today}); evaluate a month once its "
            "figures are in",
            details=[{"field": "period", "message": "must not be after the current month"}],
        )
    results = staging.stage_evaluation(
        session, actor=actor, contract=contract, terms=rules.ContractTerms(contract), through=month
    )
    session.commit()
    return results[-1]


def _period(text: str) -> Period:
    try:
        period = Period.parse(text)
    except ValueError:
        period = None
    if period is None or not 1 <= period.month <= 12:
        raise ValidationFailed(
            f"period: must be a month written YYYY-MM, like 2026-03 (found '{text}')",
            details=[{"field": "period", "message": "must be YYYY-MM"}],
        )
    return period


def request_exclusion(
    session: Session, *, actor: Principal, contract_id: int, data: ExclusionCreate
) -> Exclusion:
    """Ask for events or time to be excluded from a measure's month, with reason and evidence."""
    actor.require(Permission.SERVICE_LEVELS_WRITE)
    contract = get_contract(session, contract_id)
    exclusion = staging.stage_exclusion_request(
        session, actor=actor, contract=contract, terms=rules.ContractTerms(contract), data=data
    )
    session.commit()
    return exclusion


def decide_exclusion(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    exclusion_id: int,
    data: ExclusionDecision,
) -> tuple[Exclusion, list[rules.StoredChange]]:
    """Approve or reject a requested exclusion; an approval recalculates the stored credits."""
    actor.require(Permission.SERVICE_LEVELS_APPROVE)
    contract = get_contract(session, contract_id)
    exclusion = staging.stage_exclusion_decision(
        session, actor=actor, contract=contract, exclusion_id=exclusion_id, data=data
    )
    changes: list[rules.StoredChange] = []
    if exclusion.status == ExclusionStatus.APPROVED.value:
        changes = rules.recalculate(
            session,
            actor=actor,
            contract=contract,
            reason=f"exclusion #{exclusion.id} approved: {data.note}",
        )
    session.commit()
    return exclusion, changes


def change_credit_status(
    session: Session, *, actor: Principal, contract_id: int, period: str, data: CreditStatusChange
) -> PeriodCredit:
    """Move a month's service credit on: under review, disputed, agreed, applied, earned back."""
    contract = get_contract(session, contract_id)
    credit = staging.stage_credit_status(
        session, actor=actor, contract=contract, period=period, data=data
    )
    session.commit()
    return credit
