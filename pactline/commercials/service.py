"""Use cases of the commercials area: each checks, changes, audits and commits once.

Index values and volumes go in by file, all or nothing (ARCHITECTURE.md rule 11): every row is
checked first and one problem anywhere stores nothing. A month already stored is replaced by
the file's figure, and the audit row keeps the value it replaced.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials import rules, staging
from pactline.commercials.enums import CommercialsAction
from pactline.commercials.files import read_deliveries
from pactline.commercials.models import Delivery
from pactline.commercials.schemas import (
    DeliveriesImported,
    IndexValuesImported,
    VolumeCreate,
    VolumesImported,
)
from pactline.contracts.queries import get_contract
from pactline.core import audit, clock
from pactline.users.enums import Permission
from pactline.users.principal import Principal

MAX_FILE_BYTES = rules.MAX_FILE_BYTES


def import_index_values(
    session: Session, *, actor: Principal, source_name: str, content: bytes
) -> IndexValuesImported:
    """Import a CSV or XLSX of index values (series, period, value), all or nothing; a month
    already stored is replaced and the audit row of its series keeps the old value."""
    outcome = staging.stage_index_values(
        session, actor=actor, source_name=source_name, content=content
    )
    session.commit()
    return outcome


def import_volumes(
    session: Session, *, actor: Principal, contract_id: int, source_name: str, content: bytes
) -> VolumesImported:
    """Import a CSV or XLSX of a contract's monthly volumes (item_id, period, quantity), all or
    nothing, each row checked against the charge terms in force in its month: each item must
    be a resource unit, tiered charge or rate card entry they define, each month within the
    contract's term."""
    actor.require(Permission.COMMERCIALS_WRITE)
    contract = get_contract(session, contract_id)
    outcome = staging.stage_volumes(
        session,
        actor=actor,
        contract=contract,
        source_name=source_name,
        content=content,
    )
    session.commit()
    return outcome


def record_volume(
    session: Session, *, actor: Principal, contract_id: int, data: VolumeCreate
) -> VolumesImported:
    """Enter (or correct) one month's volume of one item by hand: the same checks as a file's
    row (the terms in force that month name the item), the audit row names it as entered."""
    actor.require(Permission.COMMERCIALS_WRITE)
    contract = get_contract(session, contract_id)
    text = f"item_id,period,quantity\n{data.item_id},{data.period},{format(data.quantity, 'f')}\n"
    outcome = staging.stage_volumes(
        session,
        actor=actor,
        contract=contract,
        source_name=f"entered by hand{': ' + data.note if data.note else ''}"[:300],
        content=text.encode(),
    )
    session.commit()
    return outcome


def import_deliveries(
    session: Session, *, actor: Principal, contract_id: int, source_name: str, content: bytes
) -> DeliveriesImported:
    """Import a CSV or XLSX of a contract's delivery events (milestones achieved or accepted,
    late deliveries), all or nothing, each row checked against the charge terms in force in its
    month: a row for the same item, month and event replaces the stored one."""
    actor.require(Permission.COMMERCIALS_WRITE)
    contract = get_contract(session, contract_id)
    rules.check_size(source_name, content)
    charges = rules.ChargesByMonth(contract)
    deliveries, problems = read_deliveries(
        source_name, content, charges, rules.term_months(contract)
    )
    rules.refuse(source_name, problems, empty=not deliveries.rows)
    sha256 = hashlib.sha256(content).hexdigest()
    now = clock.now()
    existing = {
        (d.item_id, d.period, d.event): d
        for d in session.scalars(select(Delivery).where(Delivery.contract_id == contract.id))
    }
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    created = updated = 0
    for item in deliveries.rows:
        period = str(item.period)
        row = existing.get((item.item_id, period, item.event))
        key = f"{item.item_id} {item.event} {period}"
        if row is None:
            row = Delivery(
                contract_id=contract.id, item_id=item.item_id, period=period, event=item.event
            )
            session.add(row)
            created += 1
        else:
            before[key] = {"due_on": row.due_on, "ended_on": row.ended_on}
            updated += 1
        row.due_on, row.ended_on, row.note = item.due_on, item.ended_on, item.note
        row.source_name = source_name[:300]
        row.source_sha256 = sha256
        row.recorded_at = now
        row.recorded_by = actor.display_name
        after[key] = {"due_on": item.due_on, "ended_on": item.ended_on}
    periods = sorted({str(item.period) for item in deliveries.rows})
    audit.record(
        session,
        actor=actor,
        action=CommercialsAction.DELIVERIES_IMPORTED.value,
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: {len(deliveries.rows)} delivery events from "
        f"{source_name} ({periods[0]} to {periods[-1]}; {updated} replaced)",
        before={"deliveries": before} if before else None,
        after={"file": source_name, "sha256": sha256, "deliveries": after},
    )
    session.commit()
    return DeliveriesImported(
        file=source_name,
        sha256=sha256,
        terms_version=max(charges.versions),
        created=created,
        updated=updated,
        periods=periods,
    )
