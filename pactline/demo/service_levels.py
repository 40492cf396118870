"""Service levels of the demo: eighteen months of measurements, exclusions and credits.

The demo contracts with a service_levels section (pactline.demo.portfolio.SERVICE_LEVELS) get
the monthly measurements of the last 18 full months before the load day (fewer for a younger
contract): mostly met, with the misses a real portfolio shows. The story, by month offset
from the load month (-1 is last month):

- Contoso F&A (escalating): payment cycle time missed three months running (-9, -8, -7), so
  the credit escalates and the third default in six months is a termination trigger.
- Northwind network (pool allocation): a core outage at -9 was caused by our own firewall
  change; the exclusion was requested by delivery and approved by governance (four eyes).
- Wingtip store IT (we are the supplier): a store power cut at -1 is the subject of a pending
  exclusion request, and Wingtip's credit claim for the month is disputed meanwhile.
- Tailspin hosting (service points with earnback): a backup miss at -12 is earned back over
  -11 to -9; platform availability missed at -5 and again at -4 (a repeat, points doubled),
  so -5's earnback is lost and -4's is earned back by -1.
- Northwind service desk (per step): first-time-fix figures were not reported at -11, which
  the terms deem a failure at the maximum credit.

Nothing is random between runs: a normal month's value comes from a random.Random seeded with
the contract, measure and month offset, so a load day always gives the same figures, and the
misses sit at the same month offsets whatever the load day.

The use cases each commit, and the demo is one transaction, so the demo stages the very steps
they are made of (pactline.service_levels.staging: the measurements file's rules, permissions,
four eyes, the credit lifecycle, the audit rows) and the loader commits once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.demo.portfolio import SERVICE_LEVELS, SPECS, references
from pactline.engine.calendars import add_months
from pactline.engine.service_levels import Period
from pactline.service_levels import rules, staging
from pactline.service_levels.enums import (
    CreditStatus,
    ExclusionKind,
)
from pactline.service_levels.schemas import CreditStatusChange, ExclusionCreate, ExclusionDecision
from pactline.users.principal import Principal

__all__ = [
    "MONTHS",
    "PLANS",
    "ContractPlan",
    "CreditMove",
    "ExclusionPlan",
    "Series",
    "ServiceLevelsLoaded",
    "measured_months",
    "measurements_csv",
    "service_level_references",
    "stage_service_levels",
]

MONTHS = 18
"""How many full months before the load month are measured."""


@dataclass(frozen=True)
class Series:
    """How one measure is reported month by month (months are offsets from the load month)."""

    measure_id: str
    # A normal month's value lies between these (Decimal text; the places of `low` are kept).
    low: str
    high: str
    # Months with a value of their own: the misses, and values an exclusion corrects.
    values: tuple[tuple[int, str], ...] = ()
    # Months the monthly report left the measure out.
    missing: tuple[int, ...] = ()
    # Only these months have a value (a measure reported only when something happened).
    only: tuple[int, ...] | None = None
    # Reported in the last month of each calendar quarter only (a quarterly survey).
    quarterly: bool = False

    def value(self, key: str, month: int, period: Period) -> str | None:
        """The reported value for a month, or None if the month has no report."""
        if month in self.missing or (self.only is not None and month not in self.only):
            return None
        if self.quarterly and period.month % 3:
            return None
        special = dict(self.values).get(month)
        if special is not None:
            return special
        places = len(self.low.partition(".")[2])
        scale = 10**places
        low, high = int(Decimal(self.low) * scale), int(Decimal(self.high) * scale)
        # Seeded by text (hashed with SHA-512, not Python's per-run hash): the same every run.
        # Sample figures, not secrets, so a plain pseudo-random generator is what we want.
        rng = random.Random(f"{key}/{self.measure_id}/{month}")  # noqa: S311
        return str(Decimal(rng.randint(low, high)).scaleb(-places))


@dataclass(frozen=True)
class ExclusionPlan:
    """An exclusion request; approved when `decided_by` is given, else still pending."""

    measure_id: str
    month: int
    actual_after_exclusions: str
    reason: str
    evidence: str
    requested_by: str  # usernames of demo people
    decided_by: str | None = None
    decision_note: str | None = None


@dataclass(frozen=True)
class CreditMove:
    """One step along a month's credit lifecycle, by a demo person."""

    month: int
    status: CreditStatus
    by: str
    note: str | None = None
    # For applied: the invoice it was deducted on, "{next}" being the next month (YYYYMM).
    invoice: str | None = None


@dataclass(frozen=True)
class ContractPlan:
    """One contract's service-level history: the measures' series, exclusions, credit moves."""

    key: str  # the spec key in pactline.demo.portfolio
    reporter: str  # the delivery person who imports the monthly reports
    series: tuple[Series, ...]
    exclusions: tuple[ExclusionPlan, ...] = ()
    credits: tuple[CreditMove, ...] = ()


def _agreed(month: int, by: str, note: str = "Agreed at the monthly service review") -> CreditMove:
    return CreditMove(month, CreditStatus.AGREED, by, note)


PLANS: tuple[ContractPlan, ...] = (
    ContractPlan(
        "nw-msa",
        "liam.walsh",
        (
            Series(
                "core_availability",
                "99.92",
                "100.00",
                values=((-9, "99.41"), (-16, "99.87")),
            ),
            Series("site_availability", "99.55", "99.95", values=((-4, "99.32"),)),
            Series("p1_resolution", "95.5", "100.0", values=((-14, "88.9"),)),
            Series("p2_resolution", "90.5", "98.0"),
            Series("change_success", "98.1", "99.8", values=((-7, "96.8"),)),
        ),
        exclusions=(
            ExclusionPlan(
                "core_availability",
                -9,
                "99.93",
                reason="4 h 05 min core outage caused by our own firewall change CHG-20931, "
                "made outside the agreed change window: a failure caused by the customer "
                "(Schedule 5, para 4.2)",
                evidence="Northwind major incident report MIR-0412; our change record "
                "CHG-20931 and the CAB minutes",
                requested_by="liam.walsh",
                decided_by="grace.okafor",
                decision_note="Root cause confirmed with our network team: the change was "
                "ours. Approved at the monthly service review.",
            ),
        ),
        credits=(
            _agreed(-16, "maria.santos"),
            _agreed(-14, "maria.santos"),
            CreditMove(
                -14,
                CreditStatus.APPLIED,
                "maria.santos",
                "Deducted from the next month's invoice",
                invoice="NWN-INV-{next}-0418",
            ),
            _agreed(-4, "maria.santos"),
        ),
    ),
    ContractPlan(
        "nw-sow-desk",
        "liam.walsh",
        (
            Series("answer_time", "85.4", "92.0", values=((-15, "82.7"),)),
            Series("first_time_fix", "70.5", "78.0", missing=(-11,)),
            Series("abandonment", "2.1", "4.8"),
            Series("customer_satisfaction", "85", "92", values=((-5, "82"),)),
        ),
        credits=(
            _agreed(-15, "maria.santos"),
            CreditMove(
                -11,
                CreditStatus.UNDER_REVIEW,
                "maria.santos",
                "Northwind says the first-time-fix figures were lost in its ticketing tool "
                "migration and will re-send them; the terms deem the month failed meanwhile",
            ),
        ),
    ),
    ContractPlan(
        "fb-msa",
        "liam.walsh",
        (
            Series("power_availability", "100.000", "100.000", values=((-13, "99.982"),)),
            Series("environment", "99.60", "100.00", values=((-2, "99.21"),)),
            Series("remote_hands", "95.5", "99.5"),
            Series("cross_connects", "90", "98", values=((-8, "84"),)),
        ),
        credits=(
            CreditMove(
                -13,
                CreditStatus.AGREED,
                "tom.becker",
                "B-feed UPS transfer failure in FRA-1 hall 3; Fabrikam accepted the credit",
            ),
        ),
    ),
    ContractPlan(
        "co-msa",
        "aisha.rahman",
        (
            Series("invoice_accuracy", "99.1", "99.9", values=((-12, "98.6"),)),
            Series(
                "payment_cycle_time",
                "3.2",
                "4.8",
                values=((-9, "6.4"), (-8, "7.1"), (-7, "5.6")),
            ),
            Series("close_on_time", "98.2", "100.0"),
            Series("customer_satisfaction", "85", "92", quarterly=True),
        ),
        credits=(
            _agreed(-12, "tom.becker"),
            _agreed(-9, "tom.becker", "Agreed at the quarterly review"),
            _agreed(-8, "tom.becker", "Agreed at the quarterly review"),
            CreditMove(
                -7,
                CreditStatus.UNDER_REVIEW,
                "tom.becker",
                "Contoso says part of the delay came from our late invoice approvals; "
                "checking the approval log before agreeing the escalated credit",
            ),
        ),
    ),
    ContractPlan(
        "wt-msa",
        "aisha.rahman",
        (
            Series("pos_availability", "99.82", "99.98", values=((-1, "99.41"),)),
            Series("p1_resolution", "95.2", "99.5"),
            Series("first_time_fix", "85.5", "91.0", values=((-11, "82.4"),)),
            Series("store_satisfaction", "80", "88"),
        ),
        exclusions=(
            ExclusionPlan(
                "pos_availability",
                -1,
                "99.86",
                reason="Power to 14 Midwest stores was cut for six hours by Wingtip's "
                "electrical contractor during works we were not told of: an outage caused by "
                "the customer (MSA Schedule 3, para 7)",
                evidence="Store incident tickets WT-INC-55120 to WT-INC-55133; Wingtip "
                "facilities work order FM-2291",
                requested_by="aisha.rahman",
            ),
        ),
        credits=(
            # Last month's credit is disputed (a dispute, pactline.demo.invoices) while the
            # exclusion request waits.
            _agreed(-11, "maria.santos", "Accepted: repeat visits to the Ohio stores"),
        ),
    ),
    ContractPlan(
        "ts-msa",
        "yuki.tanaka",
        (
            Series(
                "platform_availability",
                "99.95",
                "100.00",
                values=((-5, "99.87"), (-4, "99.91")),
            ),
            Series("backup_success", "99.2", "100.0", values=((-12, "98.2"),)),
            Series("p1_restore_time", "0.5", "2.0", only=(-17, -14, -11, -8, -6, -2)),
        ),
        credits=(
            _agreed(-12, "maria.santos", "Agreed; held while Tailspin may earn it back"),
            CreditMove(
                -12,
                CreditStatus.EARNED_BACK,
                "maria.santos",
                "Tailspin met the backup level in each of the next three months",
            ),
        ),
    ),
    ContractPlan(
        "wg-msa",
        "yuki.tanaka",
        (
            Series("release_on_time", "90", "100", values=((-15, "84"), (-3, "87.5"))),
            Series("defect_leakage", "1.5", "4.8", values=((-10, "6.8"),)),
            Series("p1_response", "98.2", "100.0", values=((-13, "96.5"),)),
            Series("code_coverage", "80", "88", values=((-12, "76"),)),
        ),
        credits=(
            _agreed(-15, "tom.becker"),
            _agreed(-13, "tom.becker"),
            _agreed(-10, "tom.becker"),
        ),
    ),
    ContractPlan(
        "lu-msa",
        "liam.walsh",
        (
            # 99.9 - 99.6 is three steps of 0.1 in Decimal; in floats a ceiling makes it four.
            Series("platform_availability", "99.91", "99.99", values=((-6, "99.60"),)),
            Series("publish_latency", "99.1", "99.9", values=((-10, "97.6"),)),
            Series("p1_resolution", "95.5", "100.0"),
            Series("editor_satisfaction", "80", "90"),
        ),
        credits=(
            _agreed(-10, "maria.santos"),
            _agreed(-6, "maria.santos", "CDN outage on our side; credit agreed with Lucerne"),
        ),
    ),
    ContractPlan(
        "tr-msa",
        "yuki.tanaka",
        (
            Series("platform_availability", "99.52", "99.98", values=((-2, "99.3"),)),
            Series(
                "pipeline_restore", "1.5", "7.5", values=((-7, "20.5"),), only=(-9, -7, -5, -4, -1)
            ),
            Series("data_freshness", "98.1", "100.0"),
            Series("researcher_satisfaction", "80", "92"),
        ),
        credits=(_agreed(-7, "tom.becker", "Accepted: the pipeline restore took 20.5 hours"),),
    ),
)


@dataclass(frozen=True)
class ServiceLevelsLoaded:
    """What stage_service_levels added."""

    contracts: int
    measurements: int
    exclusions: int
    credits: int
    credit_moves: int


_SPECS = {spec.key: spec for spec in SPECS}


def _period(as_of: date, month: int) -> Period:
    day = add_months(as_of.replace(day=1), month)
    return Period(day.year, day.month)


def measured_months(plan: ContractPlan) -> list[int]:
    """The month offsets measured: the last MONTHS full months, from the contract's start."""
    return list(range(max(_SPECS[plan.key].start, -MONTHS), 0))


def service_level_references(as_of: date) -> list[str]:
    """The references of the demo contracts with service levels, in the order they load."""
    refs = references(as_of)
    return [refs[plan.key] for plan in PLANS]


def measurements_csv(plan: ContractPlan, as_of: date) -> str:
    """The contract's measurements as the monthly report file would give them."""
    lines = ["measure_id,period,value"]
    for month in measured_months(plan):
        period = _period(as_of, month)
        for series in plan.series:
            value = series.value(plan.key, month, period)
            if value is not None:
                lines.append(f"{series.measure_id},{period},{value}")
    return "\n".join(lines) + "\n"


def _at(period: Period, day: int, hour: int) -> datetime:
    return datetime.combine(date(period.year, period.month, day), time(hour), tzinfo=UTC)


def _last_day(period: Period) -> int:
    following = period.shift(1)
    return (date(following.year, following.month, 1) - date(period.year, period.month, 1)).days


def stage_service_levels(
    session: Session,
    *,
    actor: Principal,
    people: Mapping[str, Principal],
    as_of: date,
    report: Callable[[str], None] | None = None,
) -> ServiceLevelsLoaded:
    """Add each plan's measurements, exclusions and evaluated credits, with their audit rows;
    commits nothing. `people` are the demo people by username."""
    refs = references(as_of)
    wanted = [refs[plan.key] for plan in PLANS]
    contracts = {
        c.reference: c
        for c in session.scalars(select(Contract).where(Contract.reference.in_(wanted)))
    }
    totals = {"measurements": 0, "exclusions": 0, "credits": 0, "moves": 0}
    for plan in PLANS:
        reference = refs[plan.key]
        contract = contracts.get(reference)
        if contract is None:
            raise ValueError(f"no demo contract {reference} ({plan.key}) to add service levels to")
        terms = rules.ContractTerms(contract)
        totals["measurements"] += _measurements(session, plan, contract, terms, people, as_of)
        for exclusion in plan.exclusions:
            _exclusion(session, contract, terms, exclusion, people, as_of)
            totals["exclusions"] += 1
        results = staging.stage_evaluation(
            session, actor=actor, contract=contract, terms=terms, through=_period(as_of, -1)
        )
        totals["credits"] += len(results)
        session.flush()
        for move in plan.credits:
            _move_credit(session, contract, move, people, as_of)
            totals["moves"] += 1
        if report:
            report(f"service levels {reference}")
    return ServiceLevelsLoaded(
        contracts=len(PLANS),
        measurements=totals["measurements"],
        exclusions=totals["exclusions"],
        credits=totals["credits"],
        credit_moves=totals["moves"],
    )


def _measurements(
    session: Session,
    plan: ContractPlan,
    contract: Contract,
    terms: rules.ContractTerms,
    people: Mapping[str, Principal],
    as_of: date,
) -> int:
    """The monthly reports as one file, imported by the contract's reporter."""
    section = SERVICE_LEVELS[plan.key][1]
    declared = {measure["id"] for measure in section["measures"]}
    reported = {series.measure_id for series in plan.series}
    if declared != reported:
        raise ValueError(f"{plan.key}: the series {sorted(reported)} are not the measures")
    outcome = staging.stage_import(
        session,
        actor=people[plan.reporter],
        contract=contract,
        terms=terms,
        source_name=f"demo/{contract.reference}-service-levels.csv",
        content=measurements_csv(plan, as_of).encode(),
    )
    return outcome.created


def _exclusion(
    session: Session,
    contract: Contract,
    terms: rules.ContractTerms,
    plan: ExclusionPlan,
    people: Mapping[str, Principal],
    as_of: date,
) -> None:
    """Request (and, with a decider, approve) an exclusion as the two use cases do."""
    period = _period(as_of, plan.month)
    # Asked at the end of the month the failure happened in, decided a week into the next.
    exclusion = staging.stage_exclusion_request(
        session,
        actor=people[plan.requested_by],
        contract=contract,
        terms=terms,
        data=ExclusionCreate(
            measure_id=plan.measure_id,
            period=str(period),
            kind=ExclusionKind.ADJUSTED_ACTUAL,
            actual_after_exclusions=Decimal(plan.actual_after_exclusions),
            reason=plan.reason,
            evidence=plan.evidence,
        ),
        at=_at(period, _last_day(period), 16),
    )
    if plan.decided_by is None:
        return
    if plan.month >= -1:
        raise ValueError(f"{contract.reference}: a decided exclusion needs a month before last")
    staging.stage_exclusion_decision(
        session,
        actor=people[plan.decided_by],
        contract=contract,
        exclusion_id=exclusion.id,
        data=ExclusionDecision(approve=True, note=plan.decision_note or "Approved"),
        at=_at(period.shift(1), 8, 11),
    )


def _move_credit(
    session: Session,
    contract: Contract,
    move: CreditMove,
    people: Mapping[str, Principal],
    as_of: date,
) -> None:
    """One step of a stored credit's lifecycle, as change_credit_status takes it."""
    period = _period(as_of, move.month)
    following = period.shift(1)
    invoice = (
        move.invoice.format(next=f"{following.year}{following.month:02d}") if move.invoice else None
    )
    staging.stage_credit_status(
        session,
        actor=people[move.by],
        contract=contract,
        period=str(period),
        data=CreditStatusChange(status=move.status, note=move.note, invoice_reference=invoice),
    )
