"""Use cases of the invoices area: each checks, changes, audits and commits once.

An invoice goes in by file (CSV or XLSX, one or many invoices) or as JSON, all or nothing:
every row is read first, and one problem anywhere stores nothing. Each stored invoice is
checked at once against the statement of its month; a re-validation brings its findings up to
date after the inputs change, keeping the status of those someone acted on.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials.files import read_invoices
from pactline.commercials.rules import check_size, refuse
from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.core import audit
from pactline.core.errors import Conflict, ValidationFailed
from pactline.invoices import queries, staging
from pactline.invoices.enums import (
    FindingStatus,
    InvoicesAction,
    InvoiceSource,
    manual_moves,
)
from pactline.invoices.models import Invoice
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
    rows = staging.stage_invoices(
        session, actor, contract, invoices, InvoiceSource.FILE, source_name, sha256
    )
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
    rows = staging.stage_invoices(
        session, actor, contract, invoices, InvoiceSource.API, "api", digest
    )
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
    outcome = _validate(session, actor, contract, row)
    session.commit()
    return outcome


def validate_invoices(
    session: Session, *, actor: Principal, contract_id: int
) -> list[InvoiceValidated]:
    """Check every stored invoice of a contract again, oldest first (earlier invoices are what
    later ones may duplicate), in one transaction."""
    actor.require(Permission.INVOICES_WRITE)
    contract = get_contract(session, contract_id)
    rows = session.scalars(
        select(Invoice)
        .where(Invoice.contract_id == contract.id)
        .order_by(Invoice.issued_on, Invoice.id)
    ).all()
    outcomes = [_validate(session, actor, contract, row) for row in rows]
    session.commit()
    return outcomes


def _validate(
    session: Session, actor: Principal, contract: Contract, row: Invoice
) -> InvoiceValidated:
    raised, withdrawn = staging.stage_validation(session, contract, row, actor.display_name)
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
    return InvoiceValidated(
        invoice=queries.invoice_summary(session, row, contract), raised=raised, withdrawn=withdrawn
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
    """Move a finding on (open → accepted | dismissed, accepted → recovered, dismissed →
    open); dismissing needs a reason. In and out of disputed it moves only with a dispute."""
    actor.require(Permission.INVOICES_WRITE)
    finding = queries.get_finding(session, finding_id)
    current = FindingStatus(finding.status)
    if data.status not in manual_moves(current) and FindingStatus.DISPUTED in (
        data.status,
        current,
    ):
        # A dispute carries the positions, the amount and the outcome; the finding moves with
        # it, so a disputed finding never ends while its dispute is still open.
        doing = (
            "resolve or withdraw its dispute"
            if current is FindingStatus.DISPUTED
            else "open a dispute over it (with our position)"
        )
        raise ValidationFailed(
            f"finding {finding.id} moves in and out of disputed with a dispute: {doing}",
            details=[{"field": "status", "message": "use the dispute"}],
        )
    staging.change_finding_status(finding, data.status, data.reason, actor.display_name)
    staging.audit_finding_status(session, actor, finding, data.reason)
    session.commit()
    return queries.finding_read(session, finding)


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
