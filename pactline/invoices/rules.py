"""Non-committing helpers of the invoices use cases: the statement of a month from what is
stored, an invoice row to and from the engine's, and a validation's findings merged with the
stored ones."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials.files import billing_period
from pactline.commercials.models import Delivery, IndexValue, Volume
from pactline.commercials.rules import charges_in_force, stored_inputs, term_months
from pactline.contracts.models import Contract, TermsVersion
from pactline.contracts.rules import document_of, version_in_force
from pactline.core import clock
from pactline.core.errors import ValidationFailed
from pactline.engine.charges import (
    ChargeKind,
    ChargeTerms,
    ServiceCredit,
    Statement,
    StatementInputs,
    build_statement,
)
from pactline.engine.invoice_checks import Finding as EngineFinding
from pactline.engine.invoice_checks import Invoice as EngineInvoice
from pactline.engine.invoice_checks import (
    InvoiceContext,
    InvoiceLine,
    RecordedVolumes,
    check_invoice,
)
from pactline.engine.service_levels import Period
from pactline.invoices.enums import FindingStatus
from pactline.invoices.models import Finding, Invoice
from pactline.service_levels.enums import CreditStatus
from pactline.service_levels.models import PeriodCredit
from pactline.terms import OurRole

_NOT_DUE = (CreditStatus.EARNED_BACK.value,)
"""Credit statuses that are no longer due on an invoice (earned back by later performance)."""


def first_day(period: Period) -> date:
    return date(period.year, period.month, 1)


def period_of(text: str) -> Period:
    """A stored ``YYYY-MM`` as a month."""
    year, month = text.split("-")
    return Period(int(year), int(month))


@dataclass(frozen=True)
class PeriodStatement:
    """A contract's statement for a month, with what it was built from."""

    period: Period
    version: TermsVersion
    terms: ChargeTerms
    inputs: StatementInputs
    statement: Statement
    dispute_window_days: int | None


def credits_due(
    session: Session, contract: Contract, period: Period, lag: int
) -> list[ServiceCredit]:
    """The stored service credit earned ``lag`` months before ``period``, as due on it (none
    when it was earned back or is zero)."""
    earned = period.shift(-lag)
    credit = session.scalar(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == contract.id, PeriodCredit.period == str(earned)
        )
    )
    if credit is None or credit.amount <= 0 or credit.status in _NOT_DUE:
        return []
    return [
        ServiceCredit(
            id="service_credits",
            amount=credit.amount,
            earned_in=billing_period(earned),
            description=f"Service credits earned in {earned} ({CreditStatus(credit.status).label})",
        )
    ]


def period_statement(session: Session, contract: Contract, period: Period) -> PeriodStatement:
    """The statement the terms in force give for ``period``, from the stored volumes, index
    values and FX rates and the service credits due in it; a clear error when the terms have
    no charges or an input the terms need is not stored."""
    outside = term_months(contract)(period)
    if outside is not None:
        raise ValidationFailed(
            f"{contract.reference}: cannot price {period}: {outside}",
            details=[{"file": None, "row": None, "field": "period", "message": outside}],
        )
    charges = charges_in_force(contract, first_day(period))
    inputs = stored_inputs(session, contract, charges.terms, period)
    credits = credits_due(session, contract, period, charges.terms.credit_lag_periods)
    inputs = replace(inputs, service_credits=tuple(credits))
    try:
        statement = build_statement(charges.terms, billing_period(period), inputs)
    except ValueError as error:
        message = f"cannot price {period}: {error}"
        raise ValidationFailed(
            f"{contract.reference}: {message}",
            details=[{"file": None, "row": None, "field": "period", "message": message}],
        ) from None
    section = document_of(charges.version).charges
    window = section.dispute_window_days if section is not None else None
    return PeriodStatement(period, charges.version, charges.terms, inputs, statement, window)


def engine_invoice(row: Invoice) -> EngineInvoice:
    """A stored invoice as the engine reads it."""
    return EngineInvoice(
        number=row.number,
        counterparty=row.counterparty,
        issued_on=row.issued_on,
        period=billing_period(period_of(row.period)),
        currency=row.currency,
        subtotal=row.subtotal,
        tax=row.tax,
        total=row.total,
        lines=tuple(
            InvoiceLine(
                line_number=line.line_number,
                item_id=line.item_id,
                amount=line.amount,
                quantity=line.quantity,
                unit_price=line.unit_price,
                kind=ChargeKind(line.kind) if line.kind else None,
                period=(
                    billing_period(period_of(line.service_period)) if line.service_period else None
                ),
                tax_amount=line.tax_amount,
                description=line.description,
            )
            for line in row.lines
        ),
    )


def earlier_invoices(session: Session, row: Invoice) -> tuple[EngineInvoice, ...]:
    """The contract's invoices stored before this one (issued earlier, or the same day and
    recorded first): what a duplicate would repeat."""
    others = session.scalars(
        select(Invoice)
        .where(Invoice.contract_id == row.contract_id, Invoice.id != row.id)
        .order_by(Invoice.issued_on, Invoice.id)
    )
    return tuple(
        engine_invoice(other)
        for other in others
        if (other.issued_on, other.id) < (row.issued_on, row.id)
    )


@dataclass(frozen=True)
class Checked:
    """What a validation used and found."""

    statement: PeriodStatement
    findings: tuple[EngineFinding, ...]


def check_stored(session: Session, contract: Contract, row: Invoice) -> Checked:
    """Check a stored invoice against the statement of its month and the facts stored."""
    built = period_statement(session, contract, period_of(row.period))
    inputs = built.inputs
    context = InvoiceContext(
        statement=built.statement,
        terms=built.terms,
        volumes=RecordedVolumes(
            resource_volumes=inputs.resource_volumes, unit_usage=inputs.unit_usage
        ),
        earlier_invoices=earlier_invoices(session, row),
        terminated_on=contract.terminated_on,
        credits_due=inputs.service_credits,
        dispute_window_days=built.dispute_window_days,
    )
    return Checked(built, tuple(check_invoice(engine_invoice(row), context)))


def statement_json(built: PeriodStatement) -> dict[str, Any]:
    """The statement as stored with an invoice's validation: lines, totals, terms version."""
    data = built.statement.to_dict()
    lines: list[dict[str, Any]] = data["charges"]  # type: ignore[assignment]
    for line, charge in zip(lines, built.statement.lines, strict=True):
        line["description"] = charge.description
    data["period"] = str(built.period)
    data["terms_version"] = built.version.number
    data["flags"] = list(built.statement.flags)
    return data


def merge_findings(
    row: Invoice, found: tuple[EngineFinding, ...], actor_name: str
) -> tuple[int, int]:
    """Bring the invoice's stored findings in line with a validation's: a finding of the same
    type on the same line is the same finding (it keeps its status and history, its amount
    and explanation are refreshed); new ones are added open; stored ones no longer raised
    are deleted while still open, or kept as no longer current once acted on. Returns
    (raised, withdrawn)."""
    now = clock.now()
    stored: dict[tuple[str, int | None], list[Finding]] = {}
    for finding in row.findings:
        stored.setdefault((finding.type, finding.line_number), []).append(finding)
    raised = 0
    kept: set[int] = set()
    for result in found:
        key = (result.type.value, result.line_number)
        matches = stored.get(key, [])
        existing = next((f for f in matches if id(f) not in kept), None)
        if existing is None:
            existing = Finding(
                contract_id=row.contract_id,
                type=result.type.value,
                line_number=result.line_number,
                status=FindingStatus.OPEN.value,
                status_changed_at=now,
                status_changed_by=actor_name,
                raised_at=now,
            )
            row.findings.append(existing)
            raised += 1
        kept.add(id(existing))
        existing.period = row.period
        existing.currency = result.currency
        existing.amount = result.amount
        existing.explanation = list(result.explanation)
        existing.evidence = dict(result.evidence)
        existing.current = True
    withdrawn = 0
    for finding in list(row.findings):
        if id(finding) in kept:
            continue
        if finding.status == FindingStatus.OPEN.value:
            row.findings.remove(finding)
        elif finding.current:
            finding.current = False
        withdrawn += 1
    return raised, withdrawn


def at_stake_for_us(amount: Decimal, our_role: str) -> Decimal:
    """A finding's amount (invoiced − due) as money at stake for our side: a customer loses
    what it is overbilled, a supplier what it does not bill. Negative: in our favour."""
    return amount if our_role == OurRole.CUSTOMER.value else -amount


def inputs_changed_at(session: Session, contract: Contract, period: Period) -> datetime | None:
    """When what a month's statement is priced from last changed: its volumes and delivery
    events, the index and FX series its terms read, the service credit due in it, or the
    contract's terms. An invoice checked before then may have stale findings."""
    month = str(period)
    times: list[datetime | None] = [
        session.scalar(
            select(func.max(Volume.recorded_at)).where(
                Volume.contract_id == contract.id, Volume.period == month
            )
        ),
        session.scalar(
            select(func.max(Delivery.recorded_at)).where(
                Delivery.contract_id == contract.id, Delivery.period == month
            )
        ),
        max((version.created_at for version in contract.versions), default=None),
    ]
    version = version_in_force(contract, first_day(period))
    section = document_of(version).charges
    if section is not None:
        series = [
            name
            for name in (
                section.indexation.index_name if section.indexation else None,
                section.fx.currency_pair if section.fx else None,
            )
            if name
        ]
        if series:
            times.append(
                session.scalar(
                    select(func.max(IndexValue.recorded_at)).where(IndexValue.series.in_(series))
                )
            )
        earned = str(period.shift(-section.credit_lag_periods))
        credit = session.scalar(
            select(PeriodCredit).where(
                PeriodCredit.contract_id == contract.id, PeriodCredit.period == earned
            )
        )
        if credit is not None:
            times += [credit.evaluated_at, credit.status_changed_at]
    known = [t for t in times if t is not None]
    return max(known, default=None)
