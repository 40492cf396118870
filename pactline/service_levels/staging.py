"""The steps of the service-levels use cases, without the commit.

Each step checks the actor's permission and the rules, changes rows and writes its audit row;
the use case in service.py then recalculates and commits once. The demo loader stages the same
steps inside its single transaction, so the demo follows exactly the rules a user does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.core import audit, clock
from pactline.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from pactline.engine.service_levels import Measurement as EngineMeasurement
from pactline.engine.service_levels import Period, PeriodResult
from pactline.service_levels import rules
from pactline.service_levels.enums import (
    CREDIT_TRANSITIONS,
    CreditStatus,
    ExclusionKind,
    ExclusionStatus,
    MeasurementSource,
)
from pactline.service_levels.files import read_measurements, read_table
from pactline.service_levels.models import Exclusion, Measurement, PeriodCredit
from pactline.service_levels.schemas import (
    CreditStatusChange,
    ExclusionCreate,
    ExclusionDecision,
    MeasurementsImported,
)
from pactline.users.enums import Permission
from pactline.users.principal import Principal

MAX_MEASUREMENTS_BYTES = 20 * 1024 * 1024

Stored = list[tuple[Measurement, Decimal | None, bool]]
"""Each stored row with its value before and whether it existed."""


def store_rows(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    rows: list[EngineMeasurement],
    source: MeasurementSource,
    source_name: str,
    sha256: str | None,
) -> Stored:
    """Add or replace each row; returns (row, value before, whether it existed)."""
    existing = {
        (m.measure_id, m.period): m
        for m in session.scalars(select(Measurement).where(Measurement.contract_id == contract.id))
    }
    now = clock.now()
    out: Stored = []
    for row in rows:
        key = (row.measure_id, str(row.period))
        current = existing.get(key)
        if current is None:
            current = Measurement(contract_id=contract.id, measure_id=row.measure_id, period=key[1])
            session.add(current)
            before, existed = None, False
        else:
            before, existed = current.value, True
        current.value = row.value
        current.source = source.value
        current.source_name = source_name[:300]
        current.source_sha256 = sha256
        current.definition = None
        current.recorded_at = now
        current.recorded_by = actor.display_name
        out.append((current, before, existed))
    return out


def stage_import(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    terms: rules.ContractTerms,
    source_name: str,
    content: bytes,
) -> MeasurementsImported:
    """Check every row of a measurements file and store them all, or raise and store none."""
    actor.require(Permission.SERVICE_LEVELS_WRITE)
    if len(content) > MAX_MEASUREMENTS_BYTES:
        raise ValidationFailed(
            f"{source_name}: the file is larger than {MAX_MEASUREMENTS_BYTES // (1024 * 1024)} MB",
            details=[{"file": source_name, "row": None, "field": None, "message": "too large"}],
        )
    rows, problems = read_measurements(source_name, content, terms.for_period)
    if not rows and not problems:
        raise ValidationFailed(
            f"{source_name}: the file has a header but no rows",
            details=[{"file": source_name, "row": None, "field": None, "message": "no rows"}],
        )
    if problems:
        raise ValidationFailed(
            problems[0].format()
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""),
            details=[p.to_dict() for p in problems],
        )
    # A row that carries an exclusion in a file is for the stateless evaluation; in the
    # repository an exclusion is a request someone approves, so the columns are refused here.
    if any(r.exclusion is not None for r in rows):
        message = (
            "exclusions are requested and approved in Pactline, not imported: remove the "
            "exclusion_reason and actual_after_exclusions columns"
        )
        raise ValidationFailed(
            f"{source_name}: {message}",
            details=[
                {"file": source_name, "row": None, "field": "exclusion_reason", "message": message}
            ],
        )
    sha256 = hashlib.sha256(content).hexdigest()
    changed = store_rows(
        session,
        actor=actor,
        contract=contract,
        rows=rows,
        source=MeasurementSource.IMPORT,
        source_name=source_name,
        sha256=sha256,
    )
    created = sum(1 for _, _, existed in changed if not existed)
    updated = len(changed) - created
    periods = sorted({str(row.period) for row in rows})
    audit.record(
        session,
        actor=actor,
        action="service_levels.measurements_imported",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: imported {len(rows)} measurements from {source_name} "
        f"({created} new, {updated} replaced; {periods[0]} to {periods[-1]})",
        after={"file": source_name, "sha256": sha256, "rows": len(rows)},
    )
    return MeasurementsImported(
        file=source_name, sha256=sha256, created=created, updated=updated, periods=periods
    )


def can_evaluate(actor: Principal) -> bool:
    """Evaluating stores credits: delivery (who owns the figures) or commercial (the money)."""
    return actor.can(Permission.SERVICE_LEVELS_WRITE) or actor.can(Permission.COMMERCIALS_WRITE)


def require_evaluator(actor: Principal) -> None:
    """Refuse anyone who may not evaluate (see can_evaluate)."""
    if not can_evaluate(actor):
        raise PermissionDenied(
            f"the {actor.role.value} role may not evaluate service credits "
            "(needs service_levels.write or commercials.write)",
            details={"permission": Permission.SERVICE_LEVELS_WRITE.value, "role": actor.role.value},
        )


def stage_evaluation(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    terms: rules.ContractTerms,
    through: Period,
) -> tuple[PeriodResult, ...]:
    """Evaluate every month up to `through` and store each credit not yet stored or still open."""
    require_evaluator(actor)
    session.flush()
    results = rules.replay(session, contract, through, terms)
    changes = rules.store_results(
        session, actor=actor, contract=contract, results=results, terms=terms
    )
    if changes:
        rules.audit_changes(
            session,
            actor=actor,
            contract=contract,
            changes=changes,
            reason=f"evaluated through {through}",
            evaluated=True,
        )
    return results


def stage_exclusion_request(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    terms: rules.ContractTerms,
    data: ExclusionCreate,
    at: datetime | None = None,
) -> Exclusion:
    """Record a request to exclude events or time from a measure's month."""
    actor.require(Permission.SERVICE_LEVELS_WRITE)
    value = (
        "" if data.actual_after_exclusions is None else format(data.actual_after_exclusions, "f")
    )
    _, problems = read_table(
        "form",
        [["measure_id", "period", "value"], [data.measure_id, data.period, value]],
        terms.for_period,
    )
    details = [
        {
            "field": "actual_after_exclusions" if p.column == "value" else p.column,
            "message": p.message,
        }
        for p in problems
    ]
    if not problems:
        details += _ground_problems(terms, data)
    if data.kind is ExclusionKind.ADJUSTED_ACTUAL and data.actual_after_exclusions is None:
        details.append(
            {
                "field": "actual_after_exclusions",
                "message": "required: the actual once the excluded events or time are removed "
                "(or ask for the whole period to be excluded)",
            }
        )
    if data.kind is ExclusionKind.WHOLE_PERIOD and data.actual_after_exclusions is not None:
        details.append(
            {
                "field": "actual_after_exclusions",
                "message": "not allowed when the whole period is excluded",
            }
        )
    if details:
        raise ValidationFailed(f"{details[0]['field']}: {details[0]['message']}", details=details)
    open_request = session.scalar(
        select(Exclusion).where(
            Exclusion.contract_id == contract.id,
            Exclusion.measure_id == data.measure_id,
            Exclusion.period == data.period,
            Exclusion.status.in_([ExclusionStatus.REQUESTED.value, ExclusionStatus.APPROVED.value]),
        )
    )
    if open_request is not None:
        raise Conflict(
            f"{data.measure_id} in {data.period} already has an exclusion "
            f"{open_request.status} (#{open_request.id}); decide or reject it first"
        )
    exclusion = Exclusion(
        contract_id=contract.id,
        measure_id=data.measure_id,
        period=data.period,
        kind=data.kind.value,
        ground=data.ground,
        actual_after_exclusions=data.actual_after_exclusions,
        reason=data.reason,
        evidence=data.evidence,
        status=ExclusionStatus.REQUESTED.value,
        requested_at=at or clock.now(),
        requested_by=actor.display_name,
        requested_by_id=actor.user_id,
    )
    session.add(exclusion)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="service_levels.exclusion_requested",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: exclusion #{exclusion.id} requested for "
        f"{data.measure_id} in {data.period}",
        after={
            "exclusion": exclusion.id,
            "kind": data.kind.value,
            "ground": data.ground,
            "actual_after_exclusions": data.actual_after_exclusions,
            "evidence": data.evidence,
        },
        reason=data.reason,
    )
    return exclusion


def _ground_problems(
    terms: rules.ContractTerms, data: ExclusionCreate
) -> list[dict[str, str | None]]:
    """The request's ground against the grounds the terms of its month allow."""
    section = terms.document(terms.version(Period.parse(data.period))).service_levels
    grounds = section.exclusions if section is not None else ()
    if not grounds:
        if data.ground:
            return [
                {
                    "field": "ground",
                    "message": "the terms list no exclusion grounds; leave the ground out and "
                    "give the reason",
                }
            ]
        return []
    listed = ", ".join(g.id for g in grounds)
    if not data.ground:
        return [{"field": "ground", "message": f"required: the contract's ground ({listed})"}]
    ground = section.ground(data.ground) if section is not None else None
    if ground is None:
        return [
            {"field": "ground", "message": f"no ground '{data.ground}' in the terms ({listed})"}
        ]
    if ground.measure_ids and data.measure_id not in ground.measure_ids:
        return [
            {
                "field": "ground",
                "message": f"the ground '{ground.id}' covers only "
                f"{', '.join(ground.measure_ids)}, not {data.measure_id}",
            }
        ]
    return []


def stage_exclusion_decision(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    exclusion_id: int,
    data: ExclusionDecision,
    at: datetime | None = None,
) -> Exclusion:
    """Approve or reject a requested exclusion (not by its requester)."""
    actor.require(Permission.SERVICE_LEVELS_APPROVE)
    exclusion = session.get(Exclusion, exclusion_id)
    if exclusion is None or exclusion.contract_id != contract.id:
        raise NotFound(f"no exclusion #{exclusion_id} on {contract.reference}")
    if exclusion.status != ExclusionStatus.REQUESTED.value:
        raise Conflict(f"exclusion #{exclusion.id} was already {exclusion.status}")
    if actor.user_id is not None and exclusion.requested_by_id == actor.user_id:
        # Four eyes: whoever asks for relief does not grant it.
        raise PermissionDenied(
            "an exclusion is decided by someone other than the person who requested it",
            details={"requested_by": exclusion.requested_by},
        )
    status = ExclusionStatus.APPROVED if data.approve else ExclusionStatus.REJECTED
    exclusion.status = status.value
    exclusion.decided_at = at or clock.now()
    exclusion.decided_by = actor.display_name
    exclusion.decision_note = data.note
    audit.record(
        session,
        actor=actor,
        action=f"service_levels.exclusion_{status.value}",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: exclusion #{exclusion.id} ({exclusion.measure_id} in "
        f"{exclusion.period}) {status.value}",
        before={"status": ExclusionStatus.REQUESTED.value},
        after={"status": status.value},
        reason=data.note,
    )
    return exclusion


def credit_permission(status: CreditStatus) -> Permission:
    """Disputing a credit is a dispute; every other move is a commercial decision."""
    return (
        Permission.DISPUTES_WRITE
        if status is CreditStatus.DISPUTED
        else Permission.COMMERCIALS_WRITE
    )


def credit_moves(actor: Principal, status: CreditStatus) -> list[CreditStatus]:
    """The statuses a credit in `status` may move to that this actor may move it to."""
    return [
        target
        for target in CreditStatus
        if target in CREDIT_TRANSITIONS[status] and actor.can(credit_permission(target))
    ]


def stage_credit_status(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    period: str,
    data: CreditStatusChange,
) -> PeriodCredit:
    """Move a month's stored credit one step along its lifecycle."""
    actor.require(credit_permission(data.status))
    credit = session.scalar(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == contract.id, PeriodCredit.period == period
        )
    )
    if credit is None:
        raise NotFound(
            f"{contract.reference} has no service credit stored for {period}; evaluate the "
            "month first"
        )
    current = CreditStatus(credit.status)
    allowed = CREDIT_TRANSITIONS[current]
    if data.status not in allowed:
        choices = ", ".join(sorted(s.label for s in allowed)) or "none: it is final"
        raise Conflict(
            f"the credit is {current.label} and cannot become {data.status.label} "
            f"(it can become: {choices})",
            details={"status": current.value, "allowed": sorted(s.value for s in allowed)},
        )
    if data.status is CreditStatus.APPLIED and not data.invoice_reference:
        raise ValidationFailed(
            "invoice_reference: required when a credit is applied (the invoice it was deducted on)",
            details=[{"field": "invoice_reference", "message": "required for applied"}],
        )
    if data.status is CreditStatus.DISPUTED and not data.note:
        raise ValidationFailed(
            "note: say why the credit is disputed",
            details=[{"field": "note", "message": "required for disputed"}],
        )
    credit.status = data.status.value
    credit.status_changed_at = clock.now()
    if data.note:
        credit.note = data.note
    if data.invoice_reference:
        credit.invoice_reference = data.invoice_reference
    audit.record(
        session,
        actor=actor,
        action=f"service_levels.credit_{data.status.value}",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: service credit for {period} "
        f"({credit.currency} {credit.amount}) {current.value} → {data.status.value}",
        before={"status": current.value},
        after={"status": data.status.value, "invoice_reference": data.invoice_reference},
        reason=data.note,
    )
    return credit
