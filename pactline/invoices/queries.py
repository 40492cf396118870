"""Reads of the invoices area: invoices, findings, a month's statement, and leakage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.core.errors import NotFound
from pactline.core.pagination import Page, PageParams
from pactline.engine.invoice_checks import FindingType
from pactline.engine.service_levels import Period
from pactline.invoices import rules
from pactline.invoices.enums import FINDING_LABELS, LEADS, UNRESOLVED, FindingStatus
from pactline.invoices.models import Finding, Invoice
from pactline.invoices.schemas import (
    CreditDueRead,
    FindingRead,
    InvoiceLineRead,
    InvoiceRead,
    InvoiceSummary,
    Leakage,
    LeakageCurrency,
    LeakageRow,
    StatementLineRead,
    StatementRead,
)

ZERO = Decimal("0.00")


def get_invoice(session: Session, contract_id: int, invoice_id: int) -> Invoice:
    """One invoice of a contract, or NotFound."""
    row = session.get(Invoice, invoice_id)
    if row is None or row.contract_id != contract_id:
        raise NotFound(f"contract {contract_id} has no invoice {invoice_id}")
    return row


def get_finding(session: Session, finding_id: int) -> Finding:
    """One finding, or NotFound."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound(f"no finding {finding_id}")
    return finding


def _contract(session: Session, contract_id: int) -> Contract:
    return get_contract(session, contract_id)


def finding_read(
    session: Session, finding: Finding, contract: Contract | None = None
) -> FindingRead:
    """A finding as the API, CLI and pages show it, with its money at stake for our side."""
    contract = contract or _contract(session, finding.contract_id)
    kind = FindingType(finding.type)
    return FindingRead(
        id=finding.id,
        invoice_id=finding.invoice_id,
        invoice_number=finding.invoice.number,
        contract_id=contract.id,
        contract_reference=contract.reference,
        type=kind,
        label=FINDING_LABELS[kind],
        basis="lead" if kind in LEADS else "claim",
        line_number=finding.line_number,
        period=finding.period,
        currency=finding.currency,
        amount=finding.amount,
        at_stake=rules.at_stake_for_us(finding.amount, contract.our_role),
        explanation=list(finding.explanation),
        evidence=dict(finding.evidence),
        current=finding.current,
        status=FindingStatus(finding.status),
        status_reason=finding.status_reason,
        status_changed_at=finding.status_changed_at,
        status_changed_by=finding.status_changed_by,
    )


def _unresolved(finding: Finding) -> bool:
    return finding.current and FindingStatus(finding.status) in UNRESOLVED


def invoice_summary(
    session: Session, row: Invoice, contract: Contract | None = None
) -> InvoiceSummary:
    """An invoice's header, totals and the money its unresolved findings put at stake."""
    contract = contract or _contract(session, row.contract_id)
    live = [f for f in row.findings if _unresolved(f)]
    return InvoiceSummary(
        id=row.id,
        contract_id=contract.id,
        contract_reference=contract.reference,
        number=row.number,
        counterparty=row.counterparty,
        issued_on=row.issued_on,
        period=row.period,
        currency=row.currency,
        subtotal=row.subtotal,
        tax=row.tax,
        total=row.total,
        validated_at=row.validated_at,
        validation_error=row.validation_error,
        findings=len(live),
        at_stake=sum((rules.at_stake_for_us(f.amount, contract.our_role) for f in live), ZERO),
    )


def invoice_read(session: Session, contract_id: int, invoice_id: int) -> InvoiceRead:
    """An invoice whole: lines, every finding (current ones first), the statement used."""
    contract = _contract(session, contract_id)
    row = get_invoice(session, contract_id, invoice_id)
    summary = invoice_summary(session, row, contract)
    findings = sorted(
        row.findings, key=lambda f: (not f.current, f.line_number is None, f.line_number or 0, f.id)
    )
    changed = rules.inputs_changed_at(session, contract, Period.parse(row.period))
    stale = changed is not None and (row.validated_at is None or row.validated_at < changed)
    return InvoiceRead(
        **summary.model_dump(),
        inputs_changed_at=changed,
        stale=stale,
        source=row.source,
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        terms_version=row.terms_version,
        lines=[InvoiceLineRead.model_validate(line) for line in row.lines],
        all_findings=[finding_read(session, f, contract) for f in findings],
        statement=row.statement,
    )


def _invoices_query(session: Session, contract_id: int | None) -> Select[Invoice, Contract]:
    query = (
        select(Invoice, Contract)
        .join(Contract, Contract.id == Invoice.contract_id)
        .options(selectinload(Invoice.findings))
        .order_by(Invoice.period.desc(), Contract.reference, Invoice.number)
    )
    if contract_id is not None:
        _contract(session, contract_id)
        query = query.where(Invoice.contract_id == contract_id)
    return query


def list_invoices(session: Session, contract_id: int | None = None) -> list[InvoiceSummary]:
    """Stored invoices, newest month first; of one contract when it is named."""
    query = _invoices_query(session, contract_id)
    return [invoice_summary(session, row, contract) for row, contract in session.execute(query)]


def invoices_page(
    session: Session, params: PageParams, contract_id: int | None = None
) -> Page[InvoiceSummary]:
    """One page of :func:`list_invoices`, the database counting and slicing."""
    query = _invoices_query(session, contract_id)
    rows = session.execute(query.limit(params.limit).offset(params.offset))
    return Page[InvoiceSummary](
        items=[invoice_summary(session, row, contract) for row, contract in rows],
        total=_count(session, query),
        limit=params.limit,
        offset=params.offset,
    )


def _findings_query(
    session: Session,
    contract_id: int | None,
    statuses: Sequence[FindingStatus] | None,
    finding_type: FindingType | None,
    period: str | None,
) -> Select[Finding, Contract]:
    query = (
        select(Finding, Contract)
        .join(Contract, Contract.id == Finding.contract_id)
        .options(selectinload(Finding.invoice))
        .where(Finding.current.is_(True))
        .order_by(
            Finding.period.desc(), Contract.reference, Finding.invoice_id, Finding.line_number
        )
    )
    if contract_id is not None:
        _contract(session, contract_id)
        query = query.where(Finding.contract_id == contract_id)
    if statuses:
        query = query.where(Finding.status.in_([s.value for s in statuses]))
    if finding_type is not None:
        query = query.where(Finding.type == finding_type.value)
    if period is not None:
        query = query.where(Finding.period == period)
    return query


def list_findings(
    session: Session,
    *,
    contract_id: int | None = None,
    statuses: Sequence[FindingStatus] | None = None,
    finding_type: FindingType | None = None,
    period: str | None = None,
) -> list[FindingRead]:
    """Current findings, newest month first, filtered by contract, status, type or month."""
    query = _findings_query(session, contract_id, statuses, finding_type, period)
    return [finding_read(session, f, contract) for f, contract in session.execute(query)]


def findings_page(
    session: Session,
    params: PageParams,
    *,
    contract_id: int | None = None,
    statuses: Sequence[FindingStatus] | None = None,
    finding_type: FindingType | None = None,
    period: str | None = None,
) -> Page[FindingRead]:
    """One page of :func:`list_findings`, the database counting and slicing."""
    query = _findings_query(session, contract_id, statuses, finding_type, period)
    rows = session.execute(query.limit(params.limit).offset(params.offset))
    return Page[FindingRead](
        items=[finding_read(session, f, contract) for f, contract in rows],
        total=_count(session, query),
        limit=params.limit,
        offset=params.offset,
    )


def _count(session: Session, query: Select[Any, Any]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return session.scalar(counted) or 0


# --------------------------------------------------------------------------- leakage


_GROUPINGS = ("type", "period", "counterparty", "region", "contract")


@dataclass
class _Group:
    label: str
    findings: int = 0
    amount: Decimal = ZERO


@dataclass
class _Block:
    """One currency's leakage as it is summed."""

    totals: dict[FindingStatus, Decimal] = field(default_factory=dict)
    findings: int = 0
    amount: Decimal = ZERO
    leads: Decimal = ZERO
    in_our_favour: Decimal = ZERO
    groups: dict[str, dict[str, _Group]] = field(
        default_factory=lambda: {name: {} for name in _GROUPINGS}
    )

    def rows(self, name: str) -> list[LeakageRow]:
        ordered = list(self.groups[name].items())
        if name == "period":  # months read in order; the rest largest first
            ordered.sort(key=lambda kv: kv[0])
        else:
            ordered.sort(key=lambda kv: (-kv[1].amount, kv[0]))
        return [
            LeakageRow(key=key, label=group.label, findings=group.findings, amount=group.amount)
            for key, group in ordered
        ]


def leakage(
    session: Session,
    *,
    contract_id: int | None = None,
    statuses: Iterable[FindingStatus] = (FindingStatus.OPEN,),
) -> Leakage:
    """Money at stake for our side, per currency: what the findings of the given statuses
    (default open) put at stake against us, by type, month, counterparty, region and contract;
    with the totals of every status alongside. A finding in our favour (a supplier billing
    less than due, seen by the customer) is not leakage: it is totalled apart. Amounts are
    never added across currencies."""
    chosen = [FindingStatus(s) for s in statuses]
    query = (
        select(Finding, Contract)
        .join(Contract, Contract.id == Finding.contract_id)
        .where(Finding.current.is_(True))
    )
    if contract_id is not None:
        _contract(session, contract_id)
        query = query.where(Finding.contract_id == contract_id)
    blocks: dict[str, _Block] = {}
    for finding, contract in session.execute(query):
        at_stake = rules.at_stake_for_us(finding.amount, contract.our_role)
        block = blocks.setdefault(finding.currency, _Block())
        status = FindingStatus(finding.status)
        if at_stake > 0:
            block.totals[status] = block.totals.get(status, ZERO) + at_stake
        if status not in chosen:
            continue
        if at_stake <= 0:
            block.in_our_favour -= at_stake
            continue
        block.findings += 1
        block.amount += at_stake
        kind = FindingType(finding.type)
        if kind in LEADS:
            block.leads += at_stake
        region = contract.region.name if contract.region else "(no region)"
        keys = {
            "type": (kind.value, FINDING_LABELS[kind]),
            "period": (finding.period, Period.parse(finding.period).label()),
            "counterparty": (contract.counterparty.name, contract.counterparty.name),
            "region": (region, region),
            "contract": (contract.reference, f"{contract.reference} {contract.title}"),
        }
        for name, (key, label) in keys.items():
            group = block.groups[name].setdefault(key, _Group(label))
            group.findings += 1
            group.amount += at_stake
    return Leakage(
        contract_id=contract_id,
        statuses=chosen,
        currencies=[
            LeakageCurrency(
                currency=currency,
                amount=block.amount,
                findings=block.findings,
                claims_amount=block.amount - block.leads,
                leads_amount=block.leads,
                unresolved_amount=sum((block.totals.get(s, ZERO) for s in UNRESOLVED), ZERO),
                recovered_amount=block.totals.get(FindingStatus.RECOVERED, ZERO),
                dismissed_amount=block.totals.get(FindingStatus.DISMISSED, ZERO),
                in_our_favour_amount=block.in_our_favour,
                by_type=block.rows("type"),
                by_period=block.rows("period"),
                by_counterparty=block.rows("counterparty"),
                by_region=block.rows("region"),
                by_contract=block.rows("contract"),
            )
            for currency, block in sorted(blocks.items())
        ],
    )


# --------------------------------------------------------------------------- statements


def statement_for(session: Session, contract_id: int, period: Period) -> rules.PeriodStatement:
    """The statement the terms give a contract for a month, from what is stored."""
    return rules.period_statement(session, _contract(session, contract_id), period)


def contract_places(session: Session) -> dict[int, tuple[str, str]]:
    """Each contract's counterparty and region, for the leakage export."""
    return {
        c.id: (c.counterparty.name, c.region.name if c.region else "")
        for c in session.scalars(select(Contract))
    }


def statement_read(session: Session, contract_id: int, period: Period) -> StatementRead:
    """A month's statement as the API, CLI and pages show it."""
    contract = _contract(session, contract_id)
    built = rules.period_statement(session, contract, period)
    statement, inputs = built.statement, built.inputs
    volumes = {**inputs.resource_volumes, **inputs.tiered_quantities}
    volumes.update({usage.id: usage.quantity for usage in inputs.unit_usage})
    return StatementRead(
        contract_id=contract.id,
        contract_reference=contract.reference,
        period=str(period),
        currency=statement.currency,
        terms_version=built.version.number,
        terms_label=built.version.label,
        lines=[
            StatementLineRead(
                id=line.id,
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                rate=line.rate,
                amount=line.amount,
                explanation=list(line.explanation),
            )
            for line in statement.lines
        ],
        subtotal=statement.subtotal,
        credits=statement.credits,
        tax=statement.tax,
        total=statement.total,
        flags=list(statement.flags),
        volumes=dict(sorted(volumes.items())),
        index_values=dict(sorted(inputs.index_series.items())),
        fx_rate=inputs.fx_rate,
        credits_due=[
            CreditDueRead(
                id=credit.id,
                description=credit.description,
                earned_in=credit.earned_in.start_on.strftime("%Y-%m"),
                amount=credit.amount,
            )
            for credit in inputs.service_credits
        ],
    )


def get_invoice_by_number(session: Session, contract_id: int, number: str) -> Invoice:
    """One invoice of a contract by its number, or NotFound."""
    row = session.scalar(
        select(Invoice).where(Invoice.contract_id == contract_id, Invoice.number == number)
    )
    if row is None:
        raise NotFound(f"contract {contract_id} has no invoice numbered {number}")
    return row


def count_invoices(session: Session, contract_id: int) -> int:
    """How many invoices a contract has stored (the contract's tabs show the count)."""
    return (
        session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.contract_id == contract_id)
        )
        or 0
    )
