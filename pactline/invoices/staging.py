"""Non-committing steps of the invoices use cases, shared with the demo loader: store
invoices and check them, check one again, move a finding on. The caller commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts.models import Contract
from pactline.core import audit, clock
from pactline.core.errors import NotFound, ValidationFailed
from pactline.engine.invoice_checks import Invoice as EngineInvoice
from pactline.engine.money import minor_unit, plain_number
from pactline.invoices import rules
from pactline.invoices.enums import (
    FINDING_TRANSITIONS,
    FindingStatus,
    InvoicesAction,
    InvoiceSource,
)
from pactline.invoices.models import Finding, Invoice, InvoiceLine
from pactline.users.principal import Principal


def change_finding_status(
    finding: Finding, status: FindingStatus, reason: str | None, actor_name: str
) -> str:
    """Move a finding to ``status`` if the move is allowed (helper: no commit). Returns the
    status it had."""
    current = FindingStatus(finding.status)
    allowed = FINDING_TRANSITIONS[current]
    if status not in allowed:
        listed = ", ".join(sorted(s.value for s in allowed)) or "none (it is closed)"
        raise ValidationFailed(
            f"finding {finding.id} is {current.value}; it can move to: {listed}",
            details=[{"field": "status", "message": f"cannot move from {current.value}"}],
        )
    text = (reason or "").strip()
    if status is FindingStatus.DISMISSED and not text:
        raise ValidationFailed(
            "give the reason a finding is dismissed",
            details=[{"field": "reason", "message": "required to dismiss a finding"}],
        )
    finding.status = status.value
    finding.status_reason = text or None
    finding.status_changed_at = clock.now()
    finding.status_changed_by = actor_name
    return current.value


def audit_finding_status(
    session: Session, actor: Principal, finding: Finding, reason: str | None
) -> None:
    audit.record(
        session,
        actor=actor,
        action=InvoicesAction.FINDING_STATUS_CHANGED.value,
        subject_type="finding",
        subject_id=finding.id,
        summary=f"finding {finding.id} ({finding.type}, invoice {finding.invoice.number}) is "
        f"now {finding.status}",
        after={"status": finding.status, "amount": finding.amount},
        reason=reason,
    )


def stage_invoices(
    session: Session,
    actor: Principal,
    contract: Contract,
    invoices: Sequence[EngineInvoice],
    source: InvoiceSource,
    source_name: str,
    sha256: str,
) -> list[Invoice]:
    """Add the invoices and check each; refuse a number already stored (or twice given)."""
    numbers = [invoice.number for invoice in invoices]
    stored = set(
        session.scalars(
            select(Invoice.number).where(
                Invoice.contract_id == contract.id, Invoice.number.in_(numbers)
            )
        )
    )
    problems: list[dict[str, object]] = [
        {
            "file": source_name,
            "row": None,
            "field": "invoice_number",
            "message": f"invoice {number} of {contract.reference} is already stored; delete "
            "it first to replace it",
        }
        for number in numbers
        if number in stored
    ]
    problems += _precision_problems(invoices, source_name)
    if problems:
        raise ValidationFailed(f"{source_name}: {problems[0]['message']}", details=problems)
    now = clock.now()
    rows: list[Invoice] = []
    for invoice in sorted(invoices, key=lambda each: (each.issued_on, each.number)):
        row = Invoice(
            contract_id=contract.id,
            number=invoice.number,
            counterparty=invoice.counterparty,
            issued_on=invoice.issued_on,
            period=invoice.period.start_on.strftime("%Y-%m"),
            currency=invoice.currency,
            subtotal=invoice.subtotal,
            tax=invoice.tax,
            total=invoice.total,
            source=source.value,
            source_name=source_name[:300],
            source_sha256=sha256,
            recorded_at=now,
            recorded_by=actor.display_name,
        )
        row.lines = [
            InvoiceLine(
                line_number=line.line_number,
                item_id=line.item_id,
                kind=line.kind.value if line.kind else None,
                description=line.description,
                service_period=line.period.start_on.strftime("%Y-%m") if line.period else None,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_amount=line.tax_amount,
            )
            for line in invoice.lines
        ]
        session.add(row)
        session.flush()  # ids order the duplicate checks of the invoices after it
        stage_validation(session, contract, row, actor.display_name)
        audit.record(
            session,
            actor=actor,
            action=InvoicesAction.IMPORTED.value,
            subject_type="invoice",
            subject_id=row.id,
            summary=f"{contract.reference} invoice {row.number} for {row.period}: "
            f"{len(row.lines)} lines, total {plain_number(row.total)} {row.currency}; "
            f"{len(row.findings)} findings",
            after={
                "file": source_name,
                "sha256": sha256,
                "number": row.number,
                "period": row.period,
                "total": row.total,
                "terms_version": row.terms_version,
                "findings": len(row.findings),
            },
        )
        rows.append(row)
    return rows


def stage_validation(
    session: Session, contract: Contract, row: Invoice, actor_name: str
) -> tuple[int, int]:
    """Check the invoice and merge the findings (helper: no commit). When its month cannot be
    priced (no charges in the terms, an index value not stored) the invoice is kept with the
    reason, and its stored findings are left as they were."""
    row.validated_at = clock.now()
    try:
        checked = rules.check_stored(session, contract, row)
    except (ValidationFailed, NotFound) as error:
        row.validation_error = error.message
        return 0, 0
    row.validation_error = None
    row.terms_version = checked.statement.version.number
    row.statement = rules.statement_json(checked.statement)
    return rules.merge_findings(row, checked.findings, actor_name)


def _precision_problems(
    invoices: Sequence[EngineInvoice], source_name: str
) -> list[dict[str, object]]:
    """Figures with more places than are stored: money beyond the currency's minor unit, a
    quantity or price beyond six places. Files and JSON are read with these limits already;
    this names the line for an invoice built in code (the demo, an integration)."""
    problems: list[dict[str, object]] = []
    for invoice in invoices:
        money_places = minor_unit(invoice.currency)
        for line in invoice.lines:
            for name, value, places in (
                ("amount", line.amount, money_places),
                ("tax_amount", line.tax_amount, money_places),
                ("quantity", line.quantity, 6),
                ("unit_price", line.unit_price, 6),
            ):
                if value is not None and -value.as_tuple().exponent > places:  # type: ignore[operator]
                    problems.append(
                        {
                            "file": source_name,
                            "row": line.line_number,
                            "field": name,
                            "message": f"invoice {invoice.number} line {line.line_number}: "
                            f"{name} must have at most {places} decimal places (found {value})",
                        }
                    )
    return problems
