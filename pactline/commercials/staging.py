"""The steps of the commercials use cases, without the commit.

Each step checks the actor's permission and the file, stores its rows and writes its audit row;
the use case in service.py then commits once. The demo loader stages the same steps inside its
single transaction, so the demo's index values and volumes go through exactly the checks a
user's files do.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials import rules
from pactline.commercials.enums import CommercialsAction
from pactline.commercials.files import read_index_series, read_volumes
from pactline.commercials.models import IndexValue, Volume
from pactline.commercials.schemas import IndexValuesImported, VolumesImported
from pactline.contracts.models import Contract
from pactline.core import audit, clock
from pactline.users.enums import Permission
from pactline.users.principal import Principal


def stage_index_values(
    session: Session, *, actor: Principal, source_name: str, content: bytes
) -> IndexValuesImported:
    """Check every row of an indices file and store them all, or raise and store none; a month
    already stored is replaced and the audit row of its series keeps the old value."""
    actor.require(Permission.COMMERCIALS_WRITE)
    rules.check_size(source_name, content)
    series, problems = read_index_series(source_name, content)
    rules.refuse(source_name, problems, empty=not series)
    sha256 = hashlib.sha256(content).hexdigest()
    now = clock.now()
    created = updated = 0
    for name in sorted(series):
        existing = {
            v.period: v
            for v in session.scalars(select(IndexValue).where(IndexValue.series == name))
        }
        before: dict[str, Decimal] = {}
        after: dict[str, Decimal] = {}
        for period, value in sorted(series[name].items()):
            row = existing.get(period)
            if row is None:
                row = IndexValue(series=name, period=period)
                session.add(row)
                created += 1
            else:
                before[period] = row.value
                updated += 1
            row.value = value
            row.source_name = source_name[:300]
            row.source_sha256 = sha256
            row.recorded_at = now
            row.recorded_by = actor.display_name
            after[period] = value
        months = sorted(after)
        audit.record(
            session,
            actor=actor,
            action=CommercialsAction.INDEX_VALUES_IMPORTED.value,
            subject_type="index_series",
            subject_id=name,
            summary=f"{name}: {len(after)} values from {source_name} ({months[0]} to "
            f"{months[-1]}; {len(before)} replaced)",
            before={"values": before} if before else None,
            after={"file": source_name, "sha256": sha256, "values": after},
        )
    return IndexValuesImported(
        file=source_name,
        sha256=sha256,
        created=created,
        updated=updated,
        series=sorted(series),
        periods=sorted({p for values in series.values() for p in values}),
    )


def stage_volumes(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    source_name: str,
    content: bytes,
) -> VolumesImported:
    """Check every row of a contract's volumes file against the charge terms in force in its
    month and store them all, or raise and store none."""
    actor.require(Permission.COMMERCIALS_WRITE)
    rules.check_size(source_name, content)
    # Each row is checked against the charge terms in force in its own month, so a file that
    # spans an amendment adding or renaming an item reads each month as its terms name it.
    charges = rules.ChargesByMonth(contract)
    volumes, problems = read_volumes(source_name, content, charges, rules.term_months(contract))
    rows: dict[tuple[str, str], Decimal] = {}
    for by_month in (volumes.resource_volumes, volumes.tiered_quantities):
        for when, items in by_month.items():
            for item, quantity in items.items():
                rows[(item, str(when))] = quantity
    for when, usages in volumes.unit_usage.items():
        for usage in usages:
            rows[(usage.id, str(when))] = usage.quantity
    rules.refuse(source_name, problems, empty=not rows)
    sha256 = hashlib.sha256(content).hexdigest()
    now = clock.now()
    existing = {
        (v.item_id, v.period): v
        for v in session.scalars(select(Volume).where(Volume.contract_id == contract.id))
    }
    before: dict[str, Decimal] = {}
    after: dict[str, Decimal] = {}
    created = updated = 0
    for (item, period), quantity in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        row = existing.get((item, period))
        key = f"{item} {period}"
        if row is None:
            row = Volume(contract_id=contract.id, item_id=item, period=period)
            session.add(row)
            created += 1
        else:
            before[key] = row.quantity
            updated += 1
        row.quantity = quantity
        row.source_name = source_name[:300]
        row.source_sha256 = sha256
        row.recorded_at = now
        row.recorded_by = actor.display_name
        after[key] = quantity
    periods = sorted({period for _, period in rows})
    audit.record(
        session,
        actor=actor,
        action=CommercialsAction.VOLUMES_IMPORTED.value,
        subject_type="contract",
        subject_id=contract.id,
        summary=f"{contract.reference}: {len(rows)} volumes from {source_name} ({periods[0]} to "
        f"{periods[-1]}; {updated} replaced)",
        before={"volumes": before} if before else None,
        after={
            "file": source_name,
            "sha256": sha256,
            "terms_versions": sorted(charges.versions),
            "volumes": after,
        },
    )
    return VolumesImported(
        file=source_name,
        sha256=sha256,
        terms_version=max(charges.versions),
        created=created,
        updated=updated,
        items=sorted({item for item, _ in rows}),
        periods=periods,
    )
