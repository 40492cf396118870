"""Web pages of invoices: every invoice and a contract's, one invoice with its findings marked on
its lines, a month's statement with its arithmetic, and the leakage dashboard with its exports.

Handlers translate: they read the form or query, call one service or query function and render
the result; the services decide (which moves a finding may make, what an invoice file must
hold, what a month's statement is). Charts are placed by pactline.web.charts from the figures
the queries give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pactline.commercials import queries as commercial_queries
from pactline.contracts import queries as contract_queries
from pactline.core import clock
from pactline.core.errors import Conflict, PactlineError, ValidationFailed
from pactline.core.exports import XLSX_TYPE
from pactline.core.http import SessionDep
from pactline.core.pagination import Page
from pactline.disputes import queries as dispute_queries
from pactline.disputes.schemas import DisputeRead
from pactline.engine.service_levels import Period
from pactline.invoices import export, queries, service
from pactline.invoices.enums import FINDING_TRANSITIONS, LEADS, FindingStatus, manual_moves
from pactline.invoices.schemas import (
    FindingRead,
    FindingStatusChange,
    InvoiceRead,
    InvoiceSummary,
    LeakageCurrency,
    LeakageRow,
)
from pactline.service_levels.queries import period_of
from pactline.users.enums import Permission
from pactline.users.principal import Principal
from pactline.web import charts, forms
from pactline.web.auth import WebPrincipal, csrf_protect
from pactline.web.contracts import contract_context
from pactline.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])

STATUS_WORDS = {
    FindingStatus.OPEN: "raised by the checks, not yet taken up",
    FindingStatus.DISPUTED: "in dispute with the counterparty",
    FindingStatus.ACCEPTED: "the counterparty agrees; the money is still to come",
    FindingStatus.RECOVERED: "credited, re-invoiced or paid",
    FindingStatus.DISMISSED: "set aside: not a real discrepancy",
}
# The moves a status form offers, in this order. A move to disputed is made by opening a
# dispute (which records both positions), so it is offered as the dispute form instead.
FINDING_ACTIONS = {
    # status: (button, button style)
    FindingStatus.ACCEPTED: ("Mark accepted", "primary"),
    FindingStatus.RECOVERED: ("Mark recovered", "primary"),
    FindingStatus.DISMISSED: ("Dismiss", "danger"),
    FindingStatus.OPEN: ("Reopen", ""),
}
EVIDENCE_LABELS = {
    "invoice": "Invoice",
    "item": "Item",
    "term": "Against",
    "period": "Month",
    "due": "Due",
    "invoiced": "Invoiced",
    "recorded": "Recorded",
    "credit": "Credit",
    "earned_in": "Earned in",
    "credited": "Credited",
}
KIND_LABELS = {
    "fixed": "Fixed fee",
    "unit": "Rate card",
    "resource_base": "Resource base",
    "arc": "ARC",
    "rrc": "RRC",
    "true_up": "True-up",
    "indexation": "Indexation",
    "fx": "FX",
    "delay_damages": "Delay damages",
    "milestone": "Milestone",
    "service_credit": "Service credit",
    "tax": "Tax",
}
PAGE_SIZE = 50
"""Invoices a page of the list shows."""
TOP_FINDINGS = 10
"""How many of the largest findings the leakage page lists (the export has them all)."""


# --- small translations ------------------------------------------------------------------


def _number(value: Decimal | str | None) -> str:
    """A quantity or rate as people write it: "2,000", "0.2"; a dash for none."""
    if value is None or value == "":
        return "—"
    return charts.whole(Decimal(value))


def _message(exc: PactlineError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "Please correct the highlighted fields."
    text = forms.capitalised(exc.message)
    return text if text.endswith(".") else text + "."


def _fields(exc: PactlineError | ValidationError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return forms.model_errors(exc)
    return {p["field"]: p["message"] for p in forms.problems(exc) if p["field"]}


def _status_code(exc: PactlineError | ValidationError) -> int:
    return 422 if isinstance(exc, ValidationError) else exc.http_status


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _flashes(params: Mapping[str, str]) -> list[dict[str, str]]:
    """The success message of the form just submitted; only numbers and known statuses from
    the query string reach the text, so a crafted link cannot put words on the page."""
    texts = []
    imported = _int(params.get("imported"))
    if imported is not None:
        texts.append(
            f"Imported {imported} invoice{'s' if imported != 1 else ''}; each was checked "
            "against the statement of its month."
        )
    if "validated" in params:
        raised, withdrawn = _int(params.get("raised")) or 0, _int(params.get("withdrawn")) or 0
        texts.append(
            f"Checked again: {raised} new finding{'s' if raised != 1 else ''}, {withdrawn} no "
            "longer raised. Findings someone acted on keep their status."
        )
    finding, status = _int(params.get("finding")), params.get("status")
    if finding is not None and status in {s.value for s in FindingStatus}:
        texts.append(f"Finding #{finding} is now {status}.")
    return [{"kind": "ok", "text": text} for text in texts]


def _upload_failed(exc: ValidationFailed) -> dict[str, Any]:
    return {
        "import_problems": forms.problems(exc),
        "error": "Nothing was imported: see the problems below.",
    }


def _after_import(contract_id: int, invoices: Sequence[InvoiceSummary]) -> RedirectResponse:
    """One invoice opens its page; several, the contract's list."""
    if len(invoices) == 1:
        url = f"/contracts/{contract_id}/invoices/{invoices[0].id}?imported=1"
    else:
        url = f"/contracts/{contract_id}/invoices?imported={len(invoices)}"
    return RedirectResponse(url, status_code=303)


# --- every invoice -----------------------------------------------------------------------


def _invoices_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    invoices = queries.list_invoices(session)
    offset = max(_int(request.query_params.get("offset")) or 0, 0)
    ctx: dict[str, Any] = {
        "page": Page[InvoiceSummary](
            items=invoices[offset : offset + PAGE_SIZE],
            total=len(invoices),
            limit=PAGE_SIZE,
            offset=offset,
        ),
        "contracts": commercial_queries.contracts_with_volumes(session),
        "can_import": principal.can(Permission.INVOICES_WRITE),
        "chosen_contract": None,
        "import_problems": [],
        "error": None,
        "flashes": _flashes(request.query_params),
        **extra,
    }
    return render(request, "invoices/list.html", ctx, status_code=status_code, active="invoices")


@router.get("/invoices")
def invoices_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    return _invoices_page(request, session, principal)


@router.post("/invoices/import")
def import_from_list(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    principal.require(Permission.INVOICES_WRITE)
    name, content = forms.upload(file, service.MAX_FILE_BYTES)
    chosen = _int(contract_id)
    try:
        if chosen is None:
            raise ValidationFailed(
                "choose the contract the invoices are for",
                details=[{"field": "contract_id", "message": "choose the contract"}],
            )
        if not name and not content:
            raise forms.no_file()
        imported = service.import_invoices(
            session,
            actor=principal,
            contract_id=chosen,
            source_name=name or "invoices.csv",
            content=content,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _invoices_page(
            request,
            session,
            principal,
            status_code=422,
            chosen_contract=chosen,
            **_upload_failed(exc),
        )
    return _after_import(chosen, imported.invoices)


# --- a contract's invoices ---------------------------------------------------------------


def _contract_invoices_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "invoices")
    invoices = queries.list_invoices(session, contract_id)
    today = clock.today()
    ctx.update(
        {
            "invoices": invoices,
            "can_import": principal.can(Permission.INVOICES_WRITE),
            "import_problems": [],
            "statement_month": invoices[0].period
            if invoices
            else str(Period(today.year, today.month).shift(-1)),
            "flashes": _flashes(request.query_params),
            **extra,
        }
    )
    return render(
        request, "invoices/contract.html", ctx, status_code=status_code, active="invoices"
    )


@router.get("/contracts/{contract_id}/invoices")
def contract_invoices_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    return _contract_invoices_page(request, session, principal, contract_id)


@router.post("/contracts/{contract_id}/invoices/import")
def import_invoices(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    principal.require(Permission.INVOICES_WRITE)
    name, content = forms.upload(file, service.MAX_FILE_BYTES)
    try:
        if not name and not content:
            raise forms.no_file()
        imported = service.import_invoices(
            session,
            actor=principal,
            contract_id=contract_id,
            source_name=name or "invoices.csv",
            content=content,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _contract_invoices_page(
            request, session, principal, contract_id, status_code=422, **_upload_failed(exc)
        )
    return _after_import(contract_id, imported.invoices)


# --- one invoice -------------------------------------------------------------------------


def _finding_view(
    finding: FindingRead, principal: Principal, disputes: Sequence[DisputeRead]
) -> dict[str, Any]:
    """A finding with what the page offers on it: the moves the service's transitions allow
    (a finding no longer raised is kept for its history and offers none), and whether a
    dispute can be opened on it."""
    allowed = manual_moves(finding.status) if finding.current else frozenset()
    may_move = principal.can(Permission.INVOICES_WRITE)
    may_dispute = principal.can(Permission.DISPUTES_WRITE)
    moves = [
        {"status": status.value, "label": label, "style": style}
        for status, (label, style) in FINDING_ACTIONS.items()
        if status in allowed and may_move
    ]
    can_dispute = (
        finding.current and FindingStatus.DISPUTED in FINDING_TRANSITIONS[finding.status]
    ) and may_dispute
    note = ""
    if not finding.current:
        note = "The checks no longer raise it; it is kept for its history."
    elif not moves and not can_dispute:
        if finding.status is FindingStatus.DISPUTED:
            note = "In dispute: resolving or withdrawing the dispute moves the finding on."
        elif not allowed:
            note = f"The finding is {finding.status.value}: it makes no further moves."
        else:
            note = (
                "Moving a finding on needs the invoices.write permission; opening a dispute, "
                "disputes.write."
            )
    return {
        "f": finding,
        "status_words": STATUS_WORDS[finding.status],
        "lead": finding.type in LEADS,
        "evidence": [
            {"label": EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize()), "value": value}
            for key, value in finding.evidence.items()
        ],
        "moves": moves,
        "can_dispute": can_dispute,
        "note": note,
        "disputes": list(disputes),
        "open_dispute": next((d for d in disputes if not d.status.is_closed), None),
    }


def _statement_view(statement: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The statement stored with the invoice's validation, with its figures as numbers."""
    if not statement:
        return None
    totals = statement.get("statement") or {}
    return {
        "period": statement.get("period"),
        "terms_version": statement.get("terms_version"),
        "flags": list(statement.get("flags") or []),
        "lines": [
            {
                "id": line.get("id"),
                "kind": KIND_LABELS.get(line.get("kind", ""), line.get("kind")),
                "quantity": _number(line.get("quantity")),
                "rate": _number(line.get("rate")),
                "amount": Decimal(line.get("amount") or 0),
                "explanation": list(line.get("explanation") or []),
            }
            for line in statement.get("charges") or []
        ],
        "total": Decimal(totals["total"]) if totals.get("total") is not None else None,
        "totals": [
            (label, Decimal(totals[key]))
            for key, label in (
                ("subtotal", "Charges"),
                ("credits", "Credits"),
                ("tax", "Tax"),
                ("total", "Total"),
            )
            if totals.get(key) is not None
        ],
    }


def _lines_view(invoice: InvoiceRead, views: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    by_line: dict[int, list[dict[str, Any]]] = {}
    for view in views:
        if view["f"].line_number is not None:
            by_line.setdefault(view["f"].line_number, []).append(view)
    return [
        {
            "line": line,
            "quantity": _number(line.quantity),
            "unit_price": _number(line.unit_price),
            "kind": KIND_LABELS.get(line.kind or "", line.kind or "—"),
            "findings": by_line.get(line.line_number, []),
        }
        for line in invoice.lines
    ]


def invoice_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    invoice_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The invoice page, also shown again by a refused status or dispute form."""
    ctx = contract_context(session, principal, contract_id, "invoices")
    invoice = queries.invoice_read(session, contract_id, invoice_id)
    views = [
        _finding_view(f, principal, dispute_queries.disputes_of_finding(session, f.id))
        for f in invoice.all_findings
    ]
    current = [v for v in views if v["f"].current]
    ctx.update(
        {
            "invoice": invoice,
            "lines": _lines_view(invoice, current),
            "line_findings": [v for v in current if v["f"].line_number is not None],
            "invoice_findings": [v for v in current if v["f"].line_number is None],
            "withdrawn_findings": [v for v in views if not v["f"].current],
            "statement": _statement_view(invoice.statement),
            "statement_url": f"/contracts/{contract_id}/statements/{invoice.period}",
            "month_label": Period.parse(invoice.period).label(),
            "can_validate": principal.can(Permission.INVOICES_WRITE),
            "failed_finding": None,
            "failed_form": None,
            "form_error": None,
            "form_fields": {},
            "form": {},
            "flashes": _flashes(request.query_params),
            **extra,
        }
    )
    return render(request, "invoices/invoice.html", ctx, status_code=status_code, active="invoices")


@router.get("/contracts/{contract_id}/invoices/{invoice_id}")
def invoice_view(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    invoice_id: int,
) -> Response:
    return invoice_page(request, session, principal, contract_id, invoice_id)


@router.post("/contracts/{contract_id}/invoices/validate")
def validate_invoices(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    results = service.validate_invoices(session, actor=principal, contract_id=contract_id)
    raised = sum(result.raised for result in results)
    return RedirectResponse(
        f"/contracts/{contract_id}/invoices?validated={len(results)}&raised={raised}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/invoices/{invoice_id}/validate")
def validate_invoice(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    invoice_id: int,
) -> Response:
    result = service.validate_invoice(
        session, actor=principal, contract_id=contract_id, invoice_id=invoice_id
    )
    return RedirectResponse(
        f"/contracts/{contract_id}/invoices/{invoice_id}?validated=1&raised={result.raised}"
        f"&withdrawn={result.withdrawn}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/invoices/{invoice_id}/delete")
def delete_invoice(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    invoice_id: int,
) -> Response:
    try:
        service.delete_invoice(
            session, actor=principal, contract_id=contract_id, invoice_id=invoice_id
        )
    except Conflict as exc:
        session.rollback()
        return invoice_page(
            request,
            session,
            principal,
            contract_id,
            invoice_id,
            status_code=exc.http_status,
            delete_error=_message(exc),
        )
    return RedirectResponse(f"/contracts/{contract_id}/invoices", status_code=303)


@router.post("/findings/{finding_id}/status")
def change_finding_status(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    finding_id: int,
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    finding = queries.get_finding(session, finding_id)
    contract_id, invoice_id = finding.contract_id, finding.invoice_id
    try:
        data = FindingStatusChange(status=status, reason=reason.strip() or None)
        changed = service.set_finding_status(
            session, actor=principal, finding_id=finding_id, data=data
        )
    except (ValidationFailed, Conflict, ValidationError) as exc:
        session.rollback()
        return invoice_page(
            request,
            session,
            principal,
            contract_id,
            invoice_id,
            status_code=_status_code(exc),
            failed_finding=finding_id,
            failed_form="status",
            form_error=_message(exc),
            form_fields=_fields(exc),
            form={"reason": reason},
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/invoices/{invoice_id}?finding={finding_id}"
        f"&status={changed.status.value}#finding-{finding_id}",
        status_code=303,
    )


# --- a month's statement -----------------------------------------------------------------


@router.get("/contracts/{contract_id}/statements")
def statement_picker(
    session: SessionDep, principal: WebPrincipal, contract_id: int, period: str = ""
) -> Response:
    """The month picker's target: the statement of the month chosen."""
    contract_queries.get_contract(session, contract_id)
    month = period_of(period.strip()) if period.strip() else None
    if month is None:
        today = clock.today()
        month = Period(today.year, today.month).shift(-1)
    return RedirectResponse(f"/contracts/{contract_id}/statements/{month}", status_code=303)


@router.get("/contracts/{contract_id}/statements/{period}")
def statement_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int, period: str
) -> Response:
    month = period_of(period)
    ctx = contract_context(session, principal, contract_id, "invoices")
    base = f"/contracts/{contract_id}/statements"
    problem = None
    statement = None
    try:
        statement = queries.statement_read(session, contract_id, month)
    except ValidationFailed as exc:
        problem = _message(exc)
    invoices = [i for i in queries.list_invoices(session, contract_id) if i.period == str(month)]
    ctx.update(
        {
            "period": str(month),
            "period_label": month.label(),
            "previous_url": f"{base}/{month.shift(-1)}",
            "previous_label": charts.month_label(str(month.shift(-1))),
            "next_url": f"{base}/{month.shift(1)}",
            "next_label": charts.month_label(str(month.shift(1))),
            "statement": statement,
            "problem": problem,
            "lines": [
                {
                    "line": line,
                    "kind": KIND_LABELS.get(line.kind.value, line.kind.value),
                    "quantity": _number(line.quantity),
                    "rate": _number(line.rate),
                }
                for line in (statement.lines if statement else [])
            ],
            "volumes": [(item, _number(q)) for item, q in (statement.volumes.items())]
            if statement
            else [],
            "index_values": [(m, _number(v)) for m, v in statement.index_values.items()]
            if statement
            else [],
            "month_invoices": invoices,
        }
    )
    return render(
        request,
        "invoices/statement.html",
        ctx,
        status_code=200,
        active="invoices",
    )


# --- leakage -----------------------------------------------------------------------------


def _statuses(values: Sequence[str]) -> list[FindingStatus]:
    """The statuses a query string asks for (unknown values are dropped); default open."""
    known = {s.value for s in FindingStatus}
    chosen = [FindingStatus(v) for v in dict.fromkeys(values) if v in known]
    return chosen


def _bars(rows: Sequence[LeakageRow], currency: str, total: Decimal) -> list[dict[str, Any]]:
    widths = charts.share_bars([row.amount for row in rows])
    return [
        {
            "row": row,
            "width": width,
            "share": charts.share_of(row.amount, total),
            "lead": row.key in {t.value for t in LEADS},
        }
        for row, width in zip(rows, widths, strict=True)
    ]


def _currency_view(block: LeakageCurrency, findings: Sequence[FindingRead]) -> dict[str, Any]:
    mine = [f for f in findings if f.currency == block.currency]
    contract_ids = {f.contract_reference: f.contract_id for f in mine}
    # As leakage counts them: a finding in our favour is totalled apart, not listed as leakage.
    largest = sorted((f for f in mine if f.at_stake > 0), key=lambda f: (-f.at_stake, f.id))
    currency = block.currency
    months = charts.month_columns(
        {row.key: row.amount for row in block.by_period},
        {
            row.key: f"{row.label}: {currency} {row.amount:,.2f} in {row.findings} "
            f"finding{'s' if row.findings != 1 else ''}"
            for row in block.by_period
        },
        currency,
    )
    return {
        "block": block,
        "types": _bars(block.by_type, currency, block.amount),
        "months": months,
        "counterparties": _bars(block.by_counterparty, currency, block.amount),
        "regions": _bars(block.by_region, currency, block.amount),
        "contracts": [
            {
                **bar,
                "contract_id": contract_ids.get(bar["row"].key),
                "title": bar["row"].label.removeprefix(bar["row"].key).strip(),
            }
            for bar in _bars(block.by_contract, currency, block.amount)
        ],
        "largest": largest[:TOP_FINDINGS],
    }


@router.get("/leakage")
def leakage_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    chosen = _statuses(request.query_params.getlist("status")) or [FindingStatus.OPEN]
    leakage = queries.leakage(session, statuses=chosen)
    findings = queries.list_findings(session, statuses=chosen)
    query = "&".join(f"status={s.value}" for s in chosen)
    ctx = {
        "leakage": leakage,
        "currencies": [_currency_view(block, findings) for block in leakage.currencies],
        "chosen": [s.value for s in chosen],
        "only_open": chosen == [FindingStatus.OPEN],
        "statuses": [
            {"value": s.value, "words": STATUS_WORDS[s], "checked": s in chosen}
            for s in FindingStatus
        ],
        "export_query": query,
        "has_findings": bool(leakage.currencies),  # a block per currency with any finding
    }
    return render(request, "invoices/leakage.html", ctx, active="leakage")


def _export_rows(request: Request, session: SessionDep) -> list[FindingRead]:
    """The findings an export holds: of the statuses asked for (default every status), of one
    contract when asked, as the API's export."""
    chosen = _statuses(request.query_params.getlist("status"))
    contract_id = _int(request.query_params.get("contract_id"))
    return queries.list_findings(session, contract_id=contract_id, statuses=chosen or None)


@router.get("/leakage/export.csv")
def export_csv(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    data = export.to_csv(_export_rows(request, session), queries.contract_places(session))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": forms.attachment(f"pactline-leakage-{clock.today()}.csv")},
    )


@router.get("/leakage/export.xlsx")
def export_xlsx(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    data = export.to_xlsx(
        _export_rows(request, session), queries.contract_places(session), as_of=clock.today()
    )
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": forms.attachment(f"pactline-leakage-{clock.today()}.xlsx")},
    )
