"""The demo portfolio as loaded: what it contains, that its deadlines are coming up, and that
its service levels tell a realistic story. The demo is loaded once for this module (its tests
only read), in a transaction rolled back at the end."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from pactline.contracts import queries, rules
from pactline.contracts.schemas import ContractFilters
from pactline.core.audit import AuditEvent
from pactline.demo import service_levels as demo_sl
from pactline.demo.loader import DEMO_PEOPLE
from pactline.demo.portfolio import demo_contracts
from pactline.engine.service_levels import Period
from pactline.service_levels import queries as sl_queries
from pactline.service_levels import rules as sl_rules
from pactline.service_levels.enums import CreditStatus, ExclusionStatus
from pactline.service_levels.models import Measurement, PeriodCredit
from pactline.users.models import User
from tests.demo.support import (
    AS_OF,
    LoadedDemo,
    key_dates,
    month,
    sl_contracts,
    stored_credits,
    within_90_days,
)


def test_the_demo_covers_every_renewal_kind_notice_unit_and_several_calendars(
    demo: LoadedDemo,
) -> None:
    session = demo.session
    documents = [key_dates(c)[0] for c in queries.all_contracts(session)]
    assert {d.renewal.kind.value for d in documents} == {
        "none",
        "automatic",
        "evergreen",
        "optional",
    }
    assert {d.renewal.notice.unit.value for d in documents if d.renewal.notice} == {
        "calendar_days",
        "business_days",
        "months",
    }
    calendars = {(d.calendar.country, d.calendar.subdivision) for d in documents if d.calendar}
    assert {("GB", "ENG"), ("DE", "HE"), ("ES", "MD"), ("AU", "NSW"), ("IN", "KA")} <= calendars
    assert {"US", "BR", "SG", "MX"} <= {country for country, _ in calendars}


def test_the_demo_has_amendments_and_recorded_events(demo: LoadedDemo) -> None:
    session = demo.session
    contracts = queries.all_contracts(session)
    amended = [c for c in contracts if len(c.versions) >= 2]
    assert len(amended) >= 5
    for contract in amended:
        first, second = contract.versions[:2]
        assert second.effective_on > first.effective_on
        assert second.label != "Original agreement" and second.note
        assert queries.version_diff(session, contract.id, 2)  # the amendment changes something
    # One amendment is signed but takes effect only later.
    assert any(c.versions[-1].effective_on > AS_OF for c in amended)
    terminated = [c for c in contracts if c.terminated_on]
    noticed = [c for c in contracts if c.notice_given_on]
    exercised = [c for c in contracts if c.renewals_exercised]
    assert len(terminated) >= 2 and all(c.termination_reason for c in terminated)
    assert any(c.terminated_on and c.terminated_on > AS_OF for c in terminated)  # ahead
    assert len(noticed) >= 2 and len(exercised) >= 1
    audited = Counter(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("contracts.%"))
        ).all()
    )
    assert audited["contracts.created"] == len(contracts)
    assert audited["contracts.amended"] == sum(len(c.versions) - 1 for c in contracts)
    assert audited["contracts.terminated"] == len(terminated)
    assert audited["contracts.notice_given"] == len(noticed)
    assert audited["contracts.renewed"] == len(exercised)


def test_several_deadlines_and_expiries_fall_in_the_next_90_days(demo: LoadedDemo) -> None:
    session = demo.session
    rows = queries.portfolio(session, ContractFilters(), AS_OF)
    deadlines = [r for r in rows if within_90_days(r.notice_deadline_on)]
    assert len(deadlines) >= 3
    statuses = Counter(r.status.value for r in rows)
    assert statuses["expiring"] >= 3
    assert {"active", "renewed", "terminated", "expired", "not_started"} <= set(statuses)
    soon = queries.portfolio(session, ContractFilters(deadline_within_days=90), AS_OF)
    assert len(soon) >= 6


def test_every_owner_is_a_demo_person_and_every_contract_has_its_owners(demo: LoadedDemo) -> None:
    session = demo.session
    demo_names = {p.username for p in DEMO_PEOPLE}
    for contract in queries.all_contracts(session):
        owners = [contract.account_manager, contract.commercial_lead, contract.governance_lead]
        assert all(o is not None for o in owners), contract.reference
        assert {o.username for o in owners if o} <= demo_names, contract.reference
    people = session.scalars(select(User).where(User.username.in_(demo_names))).all()
    assert len(people) == len(DEMO_PEOPLE)
    assert all(p.password_hash is None for p in people)  # nobody can sign in as a demo person


def test_loading_is_deterministic_and_counted_from_the_load_day(demo: LoadedDemo) -> None:
    assert demo_contracts(AS_OF) == demo_contracts(AS_OF)
    later = demo_contracts(AS_OF + timedelta(days=365))
    assert [c.documents for c in later] != [c.documents for c in demo_contracts(AS_OF)]
    session = demo.session
    expected = {
        c.reference: (c.documents[0]["term"]["start_on"], len(c.documents))
        for c in demo_contracts(AS_OF)
    }
    loaded = {
        c.reference: (key_dates(c)[0].term.start_on, len(c.versions))
        for c in queries.all_contracts(session)
    }
    assert loaded == expected


def test_the_service_level_contracts_have_eighteen_months_of_measurements(demo: LoadedDemo) -> None:
    session, summary = demo.session, demo.summary
    contracts = sl_contracts(session)
    assert 8 <= len(contracts) <= 10
    assert {c.our_role for c in contracts.values()} == {"customer", "supplier"}
    models = set()
    full = 0
    for key, contract in contracts.items():
        assert contract.terminated_on is None, key
        start = key_dates(contract)[0].term.start_on
        ran = (AS_OF.year - start.year) * 12 + AS_OF.month - start.month
        months = [month(n) for n in range(-min(ran, 18), 0)]
        measured = {m.period for m in sl_queries.list_measurements(session, contract.id)}
        assert sorted(measured) == months, key
        assert sorted(stored_credits(session, contract)) == months, key
        full += len(months) == 18
        for version in contract.versions:  # every version has the section, at annual / 12
            document = rules.document_of(version)
            assert document.service_levels is not None and document.service_levels.charge_base
            annual = document.contract.values.annual if document.contract.values else None
            assert annual is not None
            base = document.service_levels.charge_base.amount
            assert abs(base * 12 - annual) < Decimal("0.12"), key
            models |= {m.credit.model.value for m in document.service_levels.measures if m.credit}
    assert len(contracts["nw-msa"].versions) >= 2  # amended: the section is on both versions
    assert full >= 6  # most have run at least 18 months; the younger ones since they started
    assert models == {
        "pool_allocation",
        "percent_of_charges",
        "shortfall",
        "per_step",
        "banded",
        "service_points",
        "day_equivalent",
        "escalating",
    }
    assert summary.measurements == session.scalar(select(func.count()).select_from(Measurement))
    assert summary.credits == session.scalar(select(func.count()).select_from(PeriodCredit))
    assert summary.exclusions == 2
    # Mostly met: misses are the exception.
    results = [c.result for c in session.scalars(select(PeriodCredit))]
    cells = [m for r in results for m in r["service_levels"] if m["type"] == "critical"]
    met = sum(m["status"] == "met" for m in cells)
    assert 0.9 < met / len(cells) < 1


def test_the_demo_shows_a_repeat_failure_a_missing_report_and_an_earnback(demo: LoadedDemo) -> None:
    session = demo.session
    contracts = sl_contracts(session)

    def statuses(key: str, measure_id: str) -> dict[str, str]:
        return {
            period: next(m for m in c.result["service_levels"] if m["id"] == measure_id)["status"]
            for period, c in stored_credits(session, contracts[key]).items()
        }

    # Contoso's payment cycle time fails three months running and the credit escalates.
    payments = statuses("co-msa", "payment_cycle_time")
    assert [payments[month(n)] for n in (-10, -9, -8, -7, -6)] == [
        "met",
        "minimum_miss",
        "minimum_miss",
        "minimum_miss",
        "met",
    ]
    contoso = stored_credits(session, contracts["co-msa"])
    # 1%, 1%, then 2% of the month's charges.
    assert contoso[month(-7)].amount > contoso[month(-8)].amount == contoso[month(-9)].amount
    assert {f["kind"] for f in contoso[month(-7)].result["red_flags"]} == {"repeated_defaults"}
    # Northwind's service desk did not report first-time fix one month: deemed failed.
    desk = statuses("nw-sow-desk", "first_time_fix")
    assert desk[month(-11)] == "not_reported"
    assert stored_credits(session, contracts["nw-sow-desk"])[month(-11)].amount > 0
    # Tailspin earns the backup credit back; a repeat platform failure loses one window.
    tailspin = stored_credits(session, contracts["ts-msa"])
    decisions = [d for c in tailspin.values() for d in c.result["earnback"]]
    earned = {
        (d["measure"], d["failure_period"]) for d in decisions if d["outcome"] == "earned_back"
    }
    lost = {(d["measure"], d["failure_period"]) for d in decisions if d["outcome"] == "lost"}
    assert ("backup_success", month(-12)) in earned
    assert ("platform_availability", month(-4)) in earned
    assert lost == {("platform_availability", month(-5))}
    held = tailspin[month(-12)].result["service_credits"]
    assert Decimal(held["deferred"]) == tailspin[month(-12)].amount > 0
    assert Decimal(held["payable"]) == 0


def test_one_exclusion_is_approved_by_a_second_person_and_one_waits(demo: LoadedDemo) -> None:
    session = demo.session
    contracts = sl_contracts(session)
    roles = {p.full_name: p.role.value for p in DEMO_PEOPLE}
    exclusions = sl_queries.list_exclusions(session)
    approved = [e for e in exclusions if e.status == ExclusionStatus.APPROVED.value]
    pending = [e for e in exclusions if e.status == ExclusionStatus.REQUESTED.value]
    assert len(approved) == len(pending) == 1
    (done,), (waiting,) = approved, pending
    assert done.contract_id == contracts["nw-msa"].id and done.period == month(-9)
    assert done.reason and done.evidence and done.decision_note
    assert done.decided_by and done.decided_by != done.requested_by  # four eyes
    assert (roles[done.requested_by], roles[done.decided_by]) == ("delivery", "governance")
    assert done.decided_at is not None and done.requested_at < done.decided_at
    # The exclusion turns a minimum-level miss into a met month: no credit.
    northwind = stored_credits(session, contracts["nw-msa"])[month(-9)]
    availability = next(
        m for m in northwind.result["service_levels"] if m["id"] == "core_availability"
    )
    assert (availability["status"], availability["actual"]) == ("met", "99.93")
    assert northwind.amount == 0
    # The pending one is for last month, and the month's credit is disputed meanwhile.
    assert waiting.contract_id == contracts["wt-msa"].id and waiting.period == month(-1)
    assert roles[waiting.requested_by] == "delivery" and waiting.decided_by is None
    wingtip = stored_credits(session, contracts["wt-msa"])[month(-1)]
    assert wingtip.status == CreditStatus.DISPUTED.value and wingtip.note
    audited = Counter(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("service_levels.exclusion_%"))
        ).all()
    )
    assert audited == {
        "service_levels.exclusion_requested": 2,
        "service_levels.exclusion_approved": 1,
    }


def test_credits_move_along_their_lifecycle_and_every_move_is_audited(demo: LoadedDemo) -> None:
    session = demo.session
    credits = list(session.scalars(select(PeriodCredit)))
    by_status = Counter(c.status for c in credits)
    assert set(by_status) == {s.value for s in CreditStatus}
    assert by_status["agreed"] >= 5
    (applied,) = [c for c in credits if c.status == CreditStatus.APPLIED.value]
    assert applied.invoice_reference and applied.invoice_reference.startswith("NWN-INV-")
    assert all(c.note for c in credits if c.status == CreditStatus.DISPUTED.value)
    assert all(c.amount > 0 for c in credits if c.status != CreditStatus.COMPUTED.value)
    moves = [move for plan in demo_sl.PLANS for move in plan.credits]
    audited = Counter(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("service_levels.credit_%"))
        ).all()
    )
    expected = Counter(f"service_levels.credit_{m.status.value}" for m in moves)
    # Wingtip's claim to last month's credit is disputed by a dispute (pactline.demo.invoices).
    expected["service_levels.credit_disputed"] += 1
    assert audited == expected
    imports = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "service_levels.measurements_imported")
    )
    evaluations = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "service_levels.evaluated")
    )
    assert imports == evaluations == len(demo_sl.PLANS)


def test_every_stored_credit_equals_a_fresh_replay(demo: LoadedDemo) -> None:
    session = demo.session
    for key, contract in sl_contracts(session).items():
        stored = stored_credits(session, contract)
        results = sl_rules.replay(session, contract, Period.parse(max(stored)))
        assert [str(r.period) for r in results] == sorted(stored), key
        for result in results:
            credit = stored[str(result.period)]
            assert credit.result == result.to_dict(), (key, credit.period)
            assert credit.amount == result.service_credits.total
        scorecard = sl_queries.scorecard(session, contract.id)
        assert scorecard.problem is None, key
