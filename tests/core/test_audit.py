from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.core import audit, clock
from pactline.users.enums import Role


def test_values_become_json_safe_without_losing_digits() -> None:
    value = {"amount": Decimal("1234.50"), "on": date(2026, 1, 31), "role": Role.ADMIN, "n": [1]}
    assert audit.to_json_value(value) == {
        "amount": "1234.50",
        "on": "2026-01-31",
        "role": "admin",
        "n": [1],
    }


def test_only_changed_fields_are_kept_in_a_diff() -> None:
    before, after = audit.changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4})
    assert before == {"b": 2, "c": None}
    assert after == {"b": 3, "c": 4}


def test_an_audit_row_records_actor_action_subject_and_time(session: Session) -> None:
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        audit.record(
            session,
            actor=audit.SystemActor("tester"),
            action="contracts.amended",
            subject_type="contract",
            subject_id=42,
            before={"notice": 90},
            after={"notice": 60},
            reason="Amendment No. 1",
        )
        session.commit()
    event = session.scalars(select(audit.AuditEvent)).one()
    assert (event.actor_name, event.action, event.subject_id) == (
        "tester",
        "contracts.amended",
        "42",
    )
    assert event.at == moment
    assert event.before == {"notice": 90}
    assert event.reason == "Amendment No. 1"
