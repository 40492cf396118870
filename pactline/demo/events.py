"""Recorded events of the demo contracts (terminations, notices, exercised options), written
without committing so the demo stays one transaction.

The service's use cases for these events (terminate_contract, give_notice, renew_contract) each
commit, and renew_contract judges the option against today's date rather than the demo's load
day. So the demo sets the same columns and writes the same audit rows itself, after checking
what those use cases check.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts import rules
from pactline.contracts.models import Contract
from pactline.core import audit, clock
from pactline.demo.portfolio import DemoEvents
from pactline.engine.dates import RenewalKind
from pactline.users.principal import Principal


def _check(contract: Contract, events: DemoEvents) -> None:
    """The demo's own sanity checks, the same rules the use cases apply."""
    first = min(contract.versions, key=lambda v: v.number)
    start = rules.document_of(first).term.start_on
    if events.terminated_on is not None and events.terminated_on < start:
        raise ValueError(f"{contract.reference}: terminated before it starts")
    if events.notice_given_on is not None:
        version = rules.version_in_force(contract, events.notice_given_on)
        kind = rules.document_of(version).renewal.kind.value
        if kind not in (RenewalKind.AUTOMATIC.value, RenewalKind.EVERGREEN.value):
            raise ValueError(f"{contract.reference}: notice of non-renewal does not apply")
    if events.renewals_exercised:
        renewal = rules.document_of(max(contract.versions, key=lambda v: v.number)).renewal
        cap = renewal.max_renewals
        if renewal.kind.value != RenewalKind.OPTIONAL.value or (
            cap is not None and events.renewals_exercised > cap
        ):
            raise ValueError(f"{contract.reference}: no renewal option to exercise")


def record_events(session: Session, *, actor: Principal, events: Mapping[str, DemoEvents]) -> int:
    """Record each contract's events (by reference) with its audit rows; returns how many."""
    count = 0
    contracts = session.scalars(select(Contract).where(Contract.reference.in_(list(events))))
    by_reference = {c.reference: c for c in contracts}
    for reference, recorded in events.items():
        contract = by_reference.get(reference)
        if contract is None:
            raise ValueError(f"no demo contract {reference} to record events on")
        _check(contract, recorded)
        if recorded.renewals_exercised:
            before = contract.renewals_exercised
            contract.renewals_exercised = recorded.renewals_exercised
            audit.record(
                session,
                actor=actor,
                action="contracts.renewed",
                subject_type="contract",
                subject_id=contract.id,
                summary=f"Exercised renewal option {contract.renewals_exercised} of {reference}",
                before={"renewals_exercised": before},
                after={"renewals_exercised": contract.renewals_exercised},
            )
            count += 1
        if recorded.notice_given_on is not None:
            contract.notice_given_on = recorded.notice_given_on
            audit.record(
                session,
                actor=actor,
                action="contracts.notice_given",
                subject_type="contract",
                subject_id=contract.id,
                summary=f"Recorded notice of non-renewal for {reference}, given "
                f"{recorded.notice_given_on}",
                after={"notice_given_on": recorded.notice_given_on},
            )
            count += 1
        if recorded.terminated_on is not None:
            before_snapshot = rules.snapshot(contract)
            contract.terminated_on = recorded.terminated_on
            contract.termination_reason = recorded.termination_reason
            old, new = audit.changed_fields(before_snapshot, rules.snapshot(contract))
            audit.record(
                session,
                actor=actor,
                action="contracts.terminated",
                subject_type="contract",
                subject_id=contract.id,
                summary=f"Terminated {reference} with effect from {recorded.terminated_on}",
                before=old,
                after=new,
                reason=recorded.termination_reason,
            )
            count += 1
        contract.updated_at = clock.now()
    return count
