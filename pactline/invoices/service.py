"""Use cases of the invoices area: each checks, changes, audits and commits once.

An invoice goes in by file (CSV or XLSX, one or many invoices) or as JSON, all or nothing:
every row is read first, and one problem anywhere stores nothing. Each stored invoice is
checked at once against the statement of its month; a re-validation brings its findings up to
date after the inputs change, keeping the status of those someone acted on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials.files import read_invoices
from pactline.commercials.rules import check_size, refuse
from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.core import audit, clock
from pactline.core.errors import Conflict, NotFound, ValidationFailed
from pactline.engine.invoice_checks import Invoice as EngineInvoice
from pactline.engine.money import plain_number
from pactline.invoices import queries, rules
from pactline.invoices.enums import (
    FINDING_TRANSITIONS,
    FindingStatus,
    InvoicesAction,
    InvoiceSource,
)
from pactline.invoices.models import Finding, Invoice, InvoiceLine
from pactline.invoices.schemas import (
    FindingRead,
    FindingStatusChange,
    InvoiceCreate,
    InvoicesImported,
    InvoiceValidated,
)
from pactline.users.enums import Permission
from pactline.users.principal import Principal

MAX_FILE_BYTES = 20 * 1024 * 1024


def import_invoices(
    session: Session, *, actor: Principal, contract_id: int, source_name: str, content: bytes
) -> InvoicesImported:
    """Import a CSV or XLSX of one or more invoices of a contract, all or nothing, and check
    each against the statement of its month."""
    actor.require(Permission.INVOICES_WRITE)
    contract = get_contract(session, contract_id)
    check_size(source_name, content)
    invoices, problems = read_invoices(source_name, content, contract.currency)
    refuse(source_name, problems, empty=not invoices)
    sha256 = hashlib.sha256(content).hexdigest()
    rows = _store(session, actor, contract, invoices, InvoiceSource.FILE, source_name, sha256)
    session.commit()
    return InvoicesImported(
        file=source_name,
        sha256=sha256,
        invoices=[queries.invoice_summary(session, row) for row in rows],
    )


def create_invoice(
    session: Session, *, actor: Principal, contract_id: int, data: InvoiceCreate
) -> InvoicesImported:
    """Store one invoice sent as JSON and check it; its fields go through the same checks as
    an invoice file's row (the error names the line and field)."""
    actor.require(Permission.INVOICES_WRITE)
    contract = get_contract(session, contract_id)
    table = _as_table(data)
    invoices, problems = read_invoices("request", table, contract.currency, single=True)
    refuse("request", problems, empty=not invoices)
    digest = hashlib.sha256(data.model_dump_json().encode()).hexdigest()
    rows = _store(session, actor, contract, invoices, InvoiceSource.API, "api", digest)
    session.commit()
    return InvoicesImported(
        file="api",
        sha256=digest,
        invoices=[queries.invoice_summary(session, row) for row in rows],
    )


def validate_invoice(
    session: Session, *, actor: Principal, contract_id: int, invoice_id: int
) -> InvoiceValidated:
    """Check a stored invoice again (after volumes, index values, credits or terms changed)."""
    actor.require(Permission.INVOICES_WRITE)
    contract = get_contract(session, contract_id)
    row = queries.get_invoice(session, contract_id, invoice_id)
    raised, withdrawn = _validate(session, contract, row, actor.display_name)
    audit.record(
        session,
        actor=actor,
        action=InvoicesAction.VALIDATED.value,
        subject_type="invoice",
        subject_id=row.id,
        summary=f"{contract.reference} invoice {row.number}: validated; {raised} new findings, "
        f"{withdrawn} no longer raised",
        after={"terms_version": row.terms_version, "error": row.validation_error},
    )
    session.commit()
    return InvoiceValidated(
        invoice=queries.invoice_summary(session, row), raised=raised, withdrawn=withdrawn
    )


def delete_invoice(
    session: Session, *, actor: Principal, contract_id: int, invoice_id: int
) -> None:
    """Delete an invoice stored in error (with its findings), unless a finding of it has been
    acted on: the history of a dispute or a recovery is kept."""
    actor.require(Permission.INVOICES_WRITE)
    contract = get_contract(session, contract_id)
    row = queries.get_invoice(session, contract_id, invoice_id)
    acted = [f for f in row.findings if f.status != FindingStatus.OPEN.value]
    if acted:
        raise Conflict(
            f"invoice {row.number} has {len(acted)} findings that were acted on (disputed, "
            "accepted, recovered or dismissed); it is kept for their history"
        )
    audit.record(
        session,
        actor=actor,
        action=InvoicesAction.DELETED.value,
        subject_type="invoice",
        subject_id=row.id,
        summary=f"{contract.reference} invoice {row.number} deleted",
        before={
            "number": row.number,
            "period": row.period,
            "total": row.total,
            "lines": len(row.lines),
            "findings": len(row.findings),
        },
    )
    session.delete(row)
    session.commit()


def set_finding_status(
    session: Session, *, actor: Principal, finding_id: int, data: FindingStatusChange
) -> FindingRead:
    """Move a finding on (open → disputed | accepted | dismissed, accepted → recovered, …);
    dismissing needs a reason. Disputes move it themselves when one is opened or resolved."""
    actor.require(Permission.INVOICES_WRITE)
    finding = queries.get_finding(session, finding_id)
    change_finding_status(finding, data.status, data.reason, actor.display_name)
    audit_finding_status(session, actor, finding, data.reason)
    session.commit()
    return queries.finding_read(session, finding)


# --------------------------------------------------------------------------- helpers


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


def _store(
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
    problems = [
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
        _validate(session, contract, row, actor.display_name)
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


def _validate(
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


def _as_table(data: InvoiceCreate) -> list[list[object]]:
    """A JSON invoice as the rows of an invoice file, so one reader checks both."""
    header: list[object] = [
        "invoice_number",
        "counterparty",
        "issued_on",
        "period",
        "currency",
        "line",
        "item_id",
        "kind",
        "description",
        "quantity",
        "unit_price",
        "amount",
        "tax",
        "service_period",
    ]
    totals = [data.subtotal, data.tax_total, data.total]
    given = any(value is not None for value in totals)
    if given:
        header += ["subtotal", "tax_total", "total"]
    rows: list[list[object]] = [header]
    for line in data.lines:
        row: list[object] = [
            data.number,
            data.counterparty,
            data.issued_on.isoformat(),
            data.period,
            data.currency,
            str(line.line),
            line.item_id,
            line.kind.value if line.kind else "",
            line.description,
            _text(line.quantity),
            _text(line.unit_price),
            _text(line.amount),
            _text(line.tax),
            line.service_period or "",
        ]
        if given:
            row += [_text(value) for value in totals]
        rows.append(row)
    return rows


def _text(value: object) -> str:
    return "" if value is None else format(value, "f")
