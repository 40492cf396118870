"""Reads of the service-levels area: measurements, exclusions, stored credits, scorecards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.contracts.rules import document_of, version_in_force
from pactline.core.errors import NotFound, PactlineError
from pactline.engine.service_levels import MeasureStatus, MeasureType, Period, PeriodResult
from pactline.service_levels import rules
from pactline.service_levels.enums import CreditStatus
from pactline.service_levels.models import Exclusion, Measurement, PeriodCredit


def list_measurements(session: Session, contract_id: int) -> list[Measurement]:
    """A contract's measurements, by month then measure."""
    get_contract(session, contract_id)
    return list(
        session.scalars(
            select(Measurement)
            .where(Measurement.contract_id == contract_id)
            .order_by(Measurement.period, Measurement.measure_id)
        )
    )


def list_exclusions(
    session: Session,
    contract_id: int | None = None,
    status: str | None = None,
    *,
    period: str | None = None,
) -> list[Exclusion]:
    """Exclusion requests, newest first, for one contract or all, of one month or all."""
    query = select(Exclusion).order_by(Exclusion.requested_at.desc(), Exclusion.id.desc())
    if contract_id is not None:
        get_contract(session, contract_id)
        query = query.where(Exclusion.contract_id == contract_id)
    if status is not None:
        query = query.where(Exclusion.status == status)
    if period is not None:
        query = query.where(Exclusion.period == period)
    return list(session.scalars(query))


def get_exclusion(session: Session, contract_id: int, exclusion_id: int) -> Exclusion:
    """One exclusion of a contract (NotFound otherwise)."""
    contract = get_contract(session, contract_id)
    exclusion = session.get(Exclusion, exclusion_id)
    if exclusion is None or exclusion.contract_id != contract_id:
        raise NotFound(f"no exclusion #{exclusion_id} on {contract.reference}")
    return exclusion


@dataclass(frozen=True)
class MeasureChoice:
    """A measure someone may enter a value for or ask to exclude."""

    id: str
    name: str
    type: str
    unit: str


def measures_named(contract: Contract, day: date) -> list[MeasureChoice]:
    """The measures of the terms in force on `day` first, then those only other versions name
    (a value is checked against the terms of its own month)."""
    in_force = version_in_force(contract, day)
    others = sorted(
        (v for v in contract.versions if v.id != in_force.id),
        key=lambda v: -v.effective_on.toordinal(),
    )
    seen: dict[str, MeasureChoice] = {}
    for version in (in_force, *others):
        section = document_of(version).service_levels
        for measure in section.measures if section is not None else ():
            if measure.id not in seen:
                seen[measure.id] = MeasureChoice(
                    measure.id, measure.name, measure.type.value, measure.unit.value
                )
    return list(seen.values())


def exclusion_grounds(contract: Contract, day: date) -> list[tuple[str, str]]:
    """The exclusion grounds (id, description) of the terms in force on `day`."""
    section = document_of(version_in_force(contract, day)).service_levels
    return [(g.id, g.description) for g in section.exclusions] if section is not None else []


@dataclass(frozen=True)
class MonthView:
    """A month as it stands: today's figures, the stored credit, and whether they differ."""

    live: PeriodResult | None
    problem: str | None
    stored: PeriodCredit | None

    @property
    def stale(self) -> bool:
        """The stored amount is not what the month's figures give today."""
        return (
            self.stored is not None
            and self.live is not None
            and self.live.service_credits.total != self.stored.amount
        )


def month_view(session: Session, contract_id: int, period: Period) -> MonthView:
    """Today's result for a month (a read: nothing is stored) beside its stored credit."""
    contract = get_contract(session, contract_id)
    stored = session.scalar(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == contract_id, PeriodCredit.period == str(period)
        )
    )
    if not has_service_levels(contract):
        return MonthView(None, None, stored)
    try:
        live = rules.replay(session, contract, period)[-1]
    except PactlineError as error:
        return MonthView(None, error.message, stored)
    return MonthView(live, None, stored)


def list_credits(session: Session, contract_id: int) -> list[PeriodCredit]:
    """A contract's stored service credits, by month."""
    get_contract(session, contract_id)
    return list(
        session.scalars(
            select(PeriodCredit)
            .where(PeriodCredit.contract_id == contract_id)
            .order_by(PeriodCredit.period)
        )
    )


def get_credit(session: Session, contract_id: int, period: str) -> PeriodCredit:
    """A month's stored service credit (NotFound if the month was never evaluated)."""
    contract = get_contract(session, contract_id)
    credit = session.scalar(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == contract_id, PeriodCredit.period == period
        )
    )
    if credit is None:
        raise NotFound(f"{contract.reference} has no service credit stored for {period}")
    return credit


def computed_sources(contract: Contract) -> list[str]:
    """The kinds of events file (tickets, outages) some measure of the contract is computed from."""
    sources = {
        str(measure["computed"]["source"])
        for version in contract.versions
        for measure in (version.document.get("service_levels") or {}).get("measures", [])
        if measure.get("computed")
    }
    return sorted(sources)


def has_service_levels(contract: Contract) -> bool:
    """Whether any terms version of the contract has a service_levels section."""
    return any(v.document.get("service_levels") for v in contract.versions)


# --------------------------------------------------------------------------- scorecard


@dataclass(frozen=True)
class ScorecardCell:
    """One measure in one month."""

    period: str
    status: str
    actual: Decimal | None
    level: Decimal | None
    minimum: Decimal | None
    credit: Decimal
    default: bool
    failed: bool  # a missing report the terms ignore is not_reported but not failed


@dataclass(frozen=True)
class ScorecardRow:
    """One measure across the months."""

    id: str
    name: str
    type: str
    unit: str
    direction: str
    cells: tuple[ScorecardCell, ...]

    @property
    def met_share(self) -> Decimal | None:
        """Share of assessed months that met the level (None if none was assessed)."""
        assessed = [c for c in self.cells if c.status not in _NOT_ASSESSED]
        if not assessed:
            return None
        met = sum(1 for c in assessed if c.status == MeasureStatus.MET.value)
        return _pct(Decimal(met), Decimal(len(assessed)))


@dataclass(frozen=True)
class ScorecardMonth:
    """A month's totals, and the stored credit's status if the month was evaluated."""

    period: str
    credit: Decimal
    at_risk: Decimal
    payable: Decimal
    stored_status: str | None
    stored_amount: Decimal | None
    red_flags: tuple[str, ...]

    @property
    def stale(self) -> bool:
        """The stored amount differs from today's figures (a settled credit kept its amount)."""
        return self.stored_amount is not None and self.stored_amount != self.credit


@dataclass(frozen=True)
class Scorecard:
    """Months x measures of one contract, evaluated from today's data."""

    currency: str
    months: tuple[ScorecardMonth, ...]
    rows: tuple[ScorecardRow, ...]
    problem: str | None = None

    @property
    def periods(self) -> list[str]:
        return [m.period for m in self.months]


_NOT_ASSESSED = {MeasureStatus.EXCLUDED.value, MeasureStatus.NOT_DUE.value}


def scorecard(session: Session, contract_id: int, *, last: int = 18) -> Scorecard:
    """The contract's service levels over its last `last` measured months, with their credits.

    Evaluated live from the stored measurements and approved exclusions, so the grid always
    agrees with the data; stored credits are shown beside it with their status.
    """
    contract = get_contract(session, contract_id)
    latest = rules.latest_measured(session, contract.id)
    if latest is None or not has_service_levels(contract):
        return Scorecard(contract.currency, (), ())
    try:
        results = rules.replay(session, contract, latest)
    except PactlineError as error:  # a problem in the data is shown on the page, not a 500
        return Scorecard(contract.currency, (), (), problem=error.message)
    results = results[-last:]
    stored = {c.period: c for c in list_credits(session, contract.id)}
    return _scorecard(contract, results, stored)


def _scorecard(
    contract: Contract, results: tuple[PeriodResult, ...], stored: dict[str, PeriodCredit]
) -> Scorecard:
    terms = rules.ContractTerms(contract)
    latest_terms = terms.require(results[-1].period)
    order = [m.id for m in latest_terms.measures]
    measures: dict[str, Any] = {m.id: m for m in latest_terms.measures}
    for result in results:
        for measure in terms.require(result.period).measures:
            if measure.id not in measures:
                measures[measure.id] = measure
                order.append(measure.id)
    rows = []
    for measure_id in order:
        measure = measures[measure_id]
        cells = []
        for result in results:
            found = next((r for r in result.service_levels if r.id == measure_id), None)
            if found is None:
                continue
            cells.append(
                ScorecardCell(
                    period=str(result.period),
                    status=found.status.value,
                    actual=found.actual,
                    level=found.level,
                    minimum=found.minimum,
                    credit=found.credit,
                    default=found.default,
                    failed=found.failed,
                )
            )
        rows.append(
            ScorecardRow(
                id=measure.id,
                name=measure.name,
                type=measure.type.value,
                unit=measure.unit.value,
                direction=measure.direction.value,
                cells=tuple(cells),
            )
        )
    months = []
    for result in results:
        key = str(result.period)
        credit = stored.get(key)
        totals = result.service_credits
        months.append(
            ScorecardMonth(
                period=key,
                credit=totals.total,
                at_risk=totals.at_risk_amount,
                payable=totals.payable,
                stored_status=credit.status if credit else None,
                stored_amount=credit.amount if credit else None,
                red_flags=tuple(flag.message for flag in result.red_flags),
            )
        )
    return Scorecard(contract.currency, tuple(months), tuple(rows))


# --------------------------------------------------------------------------- portfolio


@dataclass(frozen=True)
class PortfolioServiceLevels:
    """One contract's normalised figures over its evaluated months."""

    contract_id: int
    reference: str
    title: str
    counterparty: str
    currency: str
    months: tuple[str, ...]
    critical_met_pct: tuple[Decimal | None, ...]
    credits_of_at_risk_pct: tuple[Decimal | None, ...]
    credits_total: Decimal
    open_credits: int


def portfolio_service_levels(session: Session, *, last: int = 12) -> list[PortfolioServiceLevels]:
    """Every contract with stored credits, on figures that compare across contracts: the share
    of critical service levels met each month, and credits as a share of the at-risk amount."""
    rows = session.execute(
        select(PeriodCredit, Contract)
        .join(Contract, Contract.id == PeriodCredit.contract_id)
        .order_by(Contract.reference, PeriodCredit.period)
    ).all()
    by_contract: dict[int, list[tuple[PeriodCredit, Contract]]] = {}
    for credit, contract in rows:
        by_contract.setdefault(contract.id, []).append((credit, contract))
    out = []
    for items in by_contract.values():
        items = items[-last:]
        contract = items[0][1]
        met, share = [], []
        for credit, _ in items:
            critical = [
                m
                for m in credit.result.get("service_levels", [])
                if m.get("type") == MeasureType.CRITICAL.value
                and m.get("status") not in _NOT_ASSESSED
            ]
            met_count = sum(1 for m in critical if m.get("status") == MeasureStatus.MET.value)
            met.append(_pct(Decimal(met_count), Decimal(len(critical))))
            share.append(_pct(credit.amount, credit.at_risk_amount))
        out.append(
            PortfolioServiceLevels(
                contract_id=contract.id,
                reference=contract.reference,
                title=contract.title,
                counterparty=contract.counterparty.name,
                currency=contract.currency,
                months=tuple(credit.period for credit, _ in items),
                critical_met_pct=tuple(met),
                credits_of_at_risk_pct=tuple(share),
                credits_total=sum((credit.amount for credit, _ in items), Decimal(0)),
                open_credits=sum(
                    1
                    for credit, _ in items
                    if credit.amount
                    and credit.status in {s.value for s in rules.OPEN_CREDIT_STATUSES}
                ),
            )
        )
    return out


def _is_open(credit: PeriodCredit) -> bool:
    return CreditStatus(credit.status) in rules.OPEN_CREDIT_STATUSES


def _pct(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """part as a percentage of whole to one decimal place (None when whole is zero or absent)."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def period_of(text: str) -> Period:
    """A YYYY-MM text as a Period (NotFound for anything else: it is part of a URL)."""
    try:
        return Period.parse(text)
    except ValueError:
        raise NotFound(f"no month '{text}': write it YYYY-MM") from None
