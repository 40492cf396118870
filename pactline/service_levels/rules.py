"""Non-committing helpers of the service-levels use cases: which terms govern a month, what the
engine is given, and how its results are stored.

The engine replays a contract's history from its first measured month (annual caps, runs,
repeat failures and earnback look back), so a change to one month's data can change the
credits of every later month: :func:`recalculate` re-evaluates them all and updates each
stored credit that is still open. Agreed, applied and earned-back credits keep their amount;
the change is reported so someone can reopen the discussion.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials.files import billing_period
from pactline.commercials.rules import stored_inputs
from pactline.contracts.models import Contract, TermsVersion
from pactline.contracts.rules import document_of, version_in_force
from pactline.core import audit, clock
from pactline.core.errors import ValidationFailed
from pactline.engine import service_levels as sl
from pactline.engine.charges import at_risk_base
from pactline.engine.service_levels import Measurement as EngineMeasurement
from pactline.engine.service_levels import Period, PeriodResult, ServiceLevelTerms
from pactline.service_levels.computed import ComputedFigure
from pactline.service_levels.enums import CreditStatus, ExclusionKind, ExclusionStatus
from pactline.service_levels.files import TermMonths
from pactline.service_levels.models import Exclusion, Measurement, PeriodCredit
from pactline.terms import (
    Computation,
    EventSource,
    TermsDocument,
    TermsError,
    charge_terms,
    service_level_terms,
)
from pactline.terms.calendars import holiday_names
from pactline.users.principal import Principal

OPEN_CREDIT_STATUSES = frozenset(
    {CreditStatus.COMPUTED, CreditStatus.UNDER_REVIEW, CreditStatus.DISPUTED}
)
"""Credits a recalculation may still change; the others were settled at their amount."""


def first_day(period: Period) -> date:
    """The first day of a month: the terms in force on it govern the whole month."""
    return date(period.year, period.month, 1)


@dataclass
class ContractTerms:
    """The service-level terms of one contract, month by month, converted once per version."""

    contract: Contract
    _engine: dict[int, ServiceLevelTerms | None] = field(default_factory=dict)
    _docs: dict[int, TermsDocument] = field(default_factory=dict)

    def version(self, period: Period) -> TermsVersion:
        """The terms version in force on the month's first day."""
        return version_in_force(self.contract, first_day(period))

    def document(self, version: TermsVersion) -> TermsDocument:
        if version.number not in self._docs:
            self._docs[version.number] = document_of(version)
        return self._docs[version.number]

    def months(self) -> TermMonths:
        """The months from the contract's start to the last it can run to."""
        versions = sorted(self.contract.versions, key=lambda v: v.number)
        first, latest = self.document(versions[0]), self.document(versions[-1])
        months = TermMonths.of(first, latest=latest)
        return TermMonths(months.first, months.last, months.first, "")

    def engine_terms(self, version: TermsVersion) -> ServiceLevelTerms | None:
        """The engine's terms of a version, or None if it has no service_levels section."""
        if version.number not in self._engine:
            doc = self.document(version)
            if doc.service_levels is None:
                self._engine[version.number] = None
            else:
                try:
                    terms = service_level_terms(doc, source=version.source_name)
                except TermsError as error:  # stored documents were validated; kept for safety
                    raise ValidationFailed(
                        f"terms version {version.number} cannot be evaluated",
                        details=[issue.format(with_source=True) for issue in error.issues],
                    ) from None
                self._engine[version.number] = terms
        return self._engine[version.number]

    def for_period(self, period: Period) -> ServiceLevelTerms | str:
        """The terms in force for a month, or why the month has none (for measurement files)."""
        problem = self.months().problem(period)
        if problem is not None:
            return problem
        version = self.version(period)
        terms = self.engine_terms(version)
        if terms is None:
            return (
                f"the terms in force in {period} (version {version.number}, {version.label}) "
                "have no service_levels section"
            )
        return terms

    def require(self, period: Period) -> ServiceLevelTerms:
        """The terms in force for a month, or a clear error naming the month."""
        terms = self.for_period(period)
        if isinstance(terms, str):
            raise ValidationFailed(
                f"{self.contract.reference}: {terms}",
                details=[{"field": "period", "message": terms}],
            )
        return terms

    def years(self) -> range | None:
        """The calendar years the contract can run in (None when it has no fixed end)."""
        months = self.months()
        return range(months.first.year, months.last.year + 1) if months.last else None

    def holidays(self, years: Sequence[int]) -> Mapping[date, str]:
        """The public holidays of the contract's calendar (the latest terms) in those years."""
        versions = sorted(self.contract.versions, key=lambda v: v.number)
        calendar = self.document(versions[-1]).calendar
        if calendar is None:  # weekends only
            return {}
        return holiday_names(calendar.country, calendar.subdivision, years)

    def charge_base(self, period: Period) -> Decimal:
        """The month's charge base: service_levels.charge_base of the terms in force."""
        version = self.version(period)
        section = self.document(version).service_levels
        if section is None or section.charge_base is None:
            message = (
                f"no charge base for {period}: the terms in force (version {version.number}) "
                "give no service_levels.charge_base.amount"
            )
            raise ValidationFailed(
                f"{self.contract.reference}: {message}",
                details=[{"field": "service_levels.charge_base", "message": message}],
            )
        return section.charge_base.amount


def computed_measures(
    terms: ContractTerms, source: EventSource
) -> list[tuple[str, Computation, dict[str, Any]]]:
    """Each distinct (measure, computation) of any terms version computed from `source`."""
    found: dict[tuple[str, str], tuple[str, Computation, dict[str, Any]]] = {}
    for version in sorted(terms.contract.versions, key=lambda v: v.number):
        section = terms.document(version).service_levels
        if section is None:
            continue
        for measure in section.measures:
            computation = measure.computed
            if computation is None or computation.source is not source:
                continue
            as_json = computation.model_dump(mode="json")
            key = (measure.id, json.dumps(as_json, sort_keys=True))
            found.setdefault(key, (measure.id, computation, as_json))
    return list(found.values())


def figures_in_force(
    terms: ContractTerms,
    definitions: Sequence[tuple[str, Computation, dict[str, Any]]],
    figures: Sequence[ComputedFigure],
) -> tuple[list[tuple[ComputedFigure, dict[str, Any]]], list[str]]:
    """The figures whose definition is the one in force in their month, and the months of the
    file that the terms do not cover at all."""
    kept: list[tuple[ComputedFigure, dict[str, Any]]] = []
    outside: set[str] = set()
    by_measure: dict[str, list[tuple[Computation, dict[str, Any]]]] = {}
    for measure_id, computation, as_json in definitions:
        by_measure.setdefault(measure_id, []).append((computation, as_json))
    for figure in figures:
        if terms.months().problem(figure.period) is not None:
            outside.add(str(figure.period))
            continue
        version = terms.version(figure.period)
        section = terms.document(version).service_levels
        if section is None:
            continue
        in_force = next((m.computed for m in section.measures if m.id == figure.measure_id), None)
        for computation, as_json in by_measure.get(figure.measure_id, []):
            if in_force == computation:
                kept.append((figure, as_json))
    # One definition per measure is in force in a month, so a figure is kept at most once.
    return kept, sorted(outside)


def engine_history(session: Session, contract_id: int) -> list[EngineMeasurement]:
    """The contract's measurements as the engine reads them, with approved exclusions applied."""
    rows = session.scalars(select(Measurement).where(Measurement.contract_id == contract_id)).all()
    approved = {
        (e.measure_id, e.period): e
        for e in session.scalars(
            select(Exclusion).where(
                Exclusion.contract_id == contract_id,
                Exclusion.status == ExclusionStatus.APPROVED.value,
            )
        )
    }
    history: list[EngineMeasurement] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        seen.add((row.measure_id, row.period))
        history.append(
            EngineMeasurement(
                measure_id=row.measure_id,
                period=Period.parse(row.period),
                value=plain(row.value),
                exclusion=_engine_exclusion(approved.get((row.measure_id, row.period))),
            )
        )
    # An approved whole-period exclusion stands even where nothing was reported.
    for key, exclusion in approved.items():
        if key not in seen:
            history.append(
                EngineMeasurement(
                    measure_id=key[0],
                    period=Period.parse(key[1]),
                    value=None,
                    exclusion=_engine_exclusion(exclusion),
                )
            )
    return history


def plain(value: Decimal | None) -> Decimal | None:
    """A stored value without the zeros its column's scale adds: 97.000000 reads 97."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _engine_exclusion(exclusion: Exclusion | None) -> sl.Exclusion | None:
    if exclusion is None:
        return None
    if exclusion.kind == ExclusionKind.WHOLE_PERIOD.value:
        return sl.Exclusion(exclusion.reason)
    return sl.Exclusion(exclusion.reason, plain(exclusion.actual_after_exclusions))


def charge_base(session: Session, terms: ContractTerms, period: Period) -> Decimal:
    """The month's charge base the credits are computed against: when the terms in force have
    a ``charges`` section and the month can be priced from what is stored, the statement's
    at-risk base (the charges ``at_risk_kinds`` names, as ``pactline evaluate`` does);
    otherwise ``service_levels.charge_base``."""
    version = terms.version(period)
    doc = terms.document(version)
    fallback_reason = ""
    if doc.charges is not None:
        try:
            charges = charge_terms(doc, source=version.source_name)
            inputs = stored_inputs(session, terms.contract, charges, period)
            return at_risk_base(charges, billing_period(period), inputs).amount
        except (TermsError, ValidationFailed, ValueError) as error:
            fallback_reason = str(getattr(error, "message", error))
    section = doc.service_levels
    if section is not None and section.charge_base is not None:
        return section.charge_base.amount
    if fallback_reason:
        message = (
            f"no charge base for {period}: the month's statement cannot be priced "
            f"({fallback_reason}) and the terms give no service_levels.charge_base.amount"
        )
        raise ValidationFailed(
            f"{terms.contract.reference}: {message}",
            details=[{"field": "service_levels.charge_base", "message": message}],
        )
    return terms.charge_base(period)


def replay(
    session: Session, contract: Contract, through: Period, terms: ContractTerms | None = None
) -> tuple[PeriodResult, ...]:
    """Every month's result from the first measured month (or `through`) to `through`."""
    terms = terms or ContractTerms(contract)
    in_force = terms.require(through)
    history = engine_history(session, contract.id)
    first = min([row.period for row in history if row.period <= through] + [through])
    months = [first.shift(n) for n in range(first.months_until(through) + 1)]
    for month in months:
        terms.require(month)
    bases = {month: charge_base(session, terms, month) for month in months}
    try:
        return sl.evaluate_periods(
            in_force, through, history, bases, terms_for=lambda p: terms.require(p)
        )
    except sl.ServiceLevelInputError as error:
        raise ValidationFailed(
            f"{contract.reference}: {error}",
            details=[{"field": "measurements", "message": str(error)}],
        ) from None


def latest_measured(session: Session, contract_id: int) -> Period | None:
    """The latest month with a measurement or an exclusion request."""
    periods = list(
        session.scalars(select(Measurement.period).where(Measurement.contract_id == contract_id))
    ) + list(session.scalars(select(Exclusion.period).where(Exclusion.contract_id == contract_id)))
    return Period.parse(max(periods)) if periods else None


@dataclass(frozen=True)
class StoredChange:
    """What a recalculation did to one month's stored credit."""

    period: str
    before: Decimal | None
    after: Decimal
    kept: bool  # a settled credit kept its amount although the figures changed


def store_results(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    results: Sequence[PeriodResult],
    terms: ContractTerms,
    only_existing: bool = False,
) -> list[StoredChange]:
    """Write each month's credit (new, or an open one updated); settled credits keep theirs."""
    stored = {
        credit.period: credit
        for credit in session.scalars(
            select(PeriodCredit).where(PeriodCredit.contract_id == contract.id)
        )
    }
    now = clock.now()
    changes: list[StoredChange] = []
    for result in results:
        key = str(result.period)
        totals = result.service_credits
        credit = stored.get(key)
        version = terms.version(result.period).number
        payload = result.to_dict()
        if credit is None:
            if only_existing:
                continue
            session.add(
                PeriodCredit(
                    contract_id=contract.id,
                    period=key,
                    currency=result.currency,
                    amount=totals.total,
                    at_risk_amount=totals.at_risk_amount,
                    status=CreditStatus.COMPUTED.value,
                    result=payload,
                    terms_version=version,
                    evaluated_at=now,
                    evaluated_by=actor.display_name,
                    status_changed_at=now,
                )
            )
            changes.append(StoredChange(key, None, totals.total, kept=False))
            continue
        if credit.result == payload and credit.terms_version == version:
            continue
        if CreditStatus(credit.status) not in OPEN_CREDIT_STATUSES:
            if credit.amount != totals.total:
                changes.append(StoredChange(key, credit.amount, totals.total, kept=True))
            continue
        changes.append(StoredChange(key, credit.amount, totals.total, kept=False))
        credit.amount = totals.total
        credit.at_risk_amount = totals.at_risk_amount
        credit.currency = result.currency
        credit.result = payload
        credit.terms_version = version
        credit.evaluated_at = now
        credit.evaluated_by = actor.display_name
    return changes


def recalculate(
    session: Session, *, actor: Principal, contract: Contract, reason: str
) -> list[StoredChange]:
    """Re-evaluate the months already stored after their inputs changed, and audit the change."""
    months = list(
        session.scalars(select(PeriodCredit.period).where(PeriodCredit.contract_id == contract.id))
    )
    if not months:
        return []
    session.flush()
    terms = ContractTerms(contract)
    results = replay(session, contract, Period.parse(max(months)), terms)
    changes = store_results(
        session, actor=actor, contract=contract, results=results, terms=terms, only_existing=True
    )
    if changes:
        audit_changes(session, actor=actor, contract=contract, changes=changes, reason=reason)
    return changes


def audit_changes(
    session: Session,
    *,
    actor: Principal,
    contract: Contract,
    changes: Sequence[StoredChange],
    reason: str,
    evaluated: bool = False,
) -> None:
    """One audit row for an evaluation or recalculation: every month whose credit moved."""
    moved = [c for c in changes if not c.kept]
    kept = [c for c in changes if c.kept]
    parts = []
    new = [c for c in moved if c.before is None]
    if new:
        parts.append(f"{len(new)} month{'s' if len(new) != 1 else ''} stored")
        moved = [c for c in moved if c.before is not None]
    if moved:
        parts.append(f"{len(moved)} month{'s' if len(moved) != 1 else ''} updated")
    if kept:
        parts.append(
            f"{len(kept)} settled credit{'s' if len(kept) != 1 else ''} kept "
            f"({', '.join(c.period for c in kept)}) although the figures changed"
        )
    audit.record(
        session,
        actor=actor,
        action="service_levels.evaluated" if evaluated else "service_levels.recalculated",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Service credits of {contract.reference} "
        f"{'evaluated' if evaluated else 'recalculated'}: {'; '.join(parts)}",
        before={c.period: c.before for c in changes},
        after={c.period: c.after for c in changes},
        reason=reason,
    )
