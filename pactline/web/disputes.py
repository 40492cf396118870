"""Web pages of disputes: the list (open ones first, with their age) and one dispute with its
forms, and opening a dispute from an invoice finding.

Handlers translate: the disputes service decides what a dispute may become and moves the
finding or credit it is about.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pactline.core.errors import Conflict, PactlineError, ValidationFailed
from pactline.core.http import SessionDep
from pactline.core.pagination import PageParams
from pactline.disputes import queries, service
from pactline.disputes.enums import DisputeOutcome, DisputeStatus
from pactline.disputes.schemas import (
    DisputeCreate,
    DisputeRead,
    DisputeResolve,
    DisputeUpdate,
    DisputeWithdraw,
)
from pactline.invoices import queries as invoice_queries
from pactline.users import audit_queries
from pactline.users.enums import Permission
from pactline.users.principal import Principal
from pactline.users.schemas import AuditEventRead
from pactline.web import forms
from pactline.web.auth import WebPrincipal, csrf_protect
from pactline.web.invoices import invoice_page
from pactline.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])

OUTCOME_WORDS = {
    DisputeOutcome.UPHELD: "Upheld: our position held, the whole amount",
    DisputeOutcome.SETTLED: "Settled: an agreed part of the amount",
    DisputeOutcome.REJECTED: "Rejected: their position held, nothing",
}
DONE_TEXTS = {
    # The flash after a form, by the ?done= the redirect carries (only these texts are shown).
    "opened": "Dispute opened; what it is about is marked disputed.",
    "saved": "The positions are saved.",
    "escalated": "The dispute is escalated.",
    "resolved": "The dispute is resolved; what it is about has moved on with the outcome.",
    "withdrawn": "The dispute is withdrawn; what it is about is back under review.",
}


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


def _amount(value: str, field: str) -> Decimal | None:
    """A typed amount ("1,250.50"), None when left empty; a clear error otherwise."""
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(
            f"{field}: '{value.strip()}' is not an amount",
            details=[{"field": field, "message": "write an amount such as 1250.00"}],
        ) from None


def _subject_url(place: queries.SubjectPlace, dispute: DisputeRead) -> str | None:
    if place.invoice_id is not None:
        return (
            f"/contracts/{dispute.contract_id}/invoices/{place.invoice_id}"
            f"#finding-{dispute.finding_id}"
        )
    if place.period is not None:
        return f"/contracts/{dispute.contract_id}/service-levels/{place.period}"
    return None


# --- the list ------------------------------------------------------------------------------


@router.get("/disputes")
def disputes_page(
    request: Request, session: SessionDep, principal: WebPrincipal, show: str = ""
) -> Response:
    open_only = show != "all"
    disputes = queries.list_disputes(session, open_only=open_only)
    rows = [
        {
            "d": d,
            "subject_url": _subject_url(queries.subject_place(session, d), d),
        }
        for d in disputes
    ]
    ctx = {
        "rows": rows,
        "open_only": open_only,
        "has_any": bool(rows) or bool(queries.list_disputes(session)),
    }
    return render(request, "disputes/list.html", ctx, active="disputes")


# --- one dispute ---------------------------------------------------------------------------


def _dispute_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    dispute_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    dispute = queries.dispute_read(session, queries.get_dispute(session, dispute_id))
    can_read_audit = principal.can(Permission.AUDIT_READ)
    events = (
        audit_queries.list_audit_events(
            session,
            principal,
            PageParams(limit=50),
            subject_type="dispute",
            subject_id=str(dispute_id),
        ).rows
        if can_read_audit
        else []
    )
    done = request.query_params.get("done", "")
    flashes = [{"kind": "ok", "text": DONE_TEXTS[done]}] if done in DONE_TEXTS else []
    ctx = {
        "d": dispute,
        "subject_url": _subject_url(queries.subject_place(session, dispute), dispute),
        "closed": dispute.status.is_closed,
        "can_write": principal.can(Permission.DISPUTES_WRITE),
        # Only an open dispute is offered escalation (the service refuses a second one).
        "can_escalate": dispute.status is DisputeStatus.OPEN,
        "outcomes": [{"value": o.value, "words": w} for o, w in OUTCOME_WORDS.items()],
        "outcome_words": OUTCOME_WORDS.get(dispute.outcome) if dispute.outcome else None,
        "events": [AuditEventRead.model_validate(e) for e in events],
        "can_read_audit": can_read_audit,
        "failed_form": None,
        "form_error": None,
        "form_fields": {},
        "form": {},
        "flashes": flashes,
        **extra,
    }
    return render(request, "disputes/dispute.html", ctx, status_code=status_code, active="disputes")


@router.get("/disputes/{dispute_id}")
def dispute_page(
    request: Request, session: SessionDep, principal: WebPrincipal, dispute_id: int
) -> Response:
    return _dispute_page(request, session, principal, dispute_id)


def _refused(
    request: Request,
    session: SessionDep,
    principal: Principal,
    dispute_id: int,
    exc: PactlineError | ValidationError,
    form_name: str,
    form: dict[str, str],
) -> Response:
    session.rollback()
    return _dispute_page(
        request,
        session,
        principal,
        dispute_id,
        status_code=_status_code(exc),
        failed_form=form_name,
        form_error=_message(exc),
        form_fields=_fields(exc),
        form=form,
    )


@router.post("/disputes/{dispute_id}")
def update_dispute(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    dispute_id: int,
    their_position: Annotated[str, Form()] = "",
    our_position: Annotated[str, Form()] = "",
    escalate: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    form = {"their_position": their_position, "our_position": our_position, "note": note}
    try:
        data = DisputeUpdate(
            their_position=their_position,
            our_position=our_position or None,
            escalate=escalate == "true",
            note=note.strip() or None,
        )
        updated = service.update_dispute(session, actor=principal, dispute_id=dispute_id, data=data)
    except (ValidationFailed, Conflict, ValidationError) as exc:
        return _refused(request, session, principal, dispute_id, exc, "update", form)
    done = "escalated" if data.escalate else "saved"
    return RedirectResponse(f"/disputes/{updated.id}?done={done}", status_code=303)


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    dispute_id: int,
    outcome: Annotated[str, Form()] = "",
    settled_amount: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
) -> Response:
    form = {"outcome": outcome, "settled_amount": settled_amount, "resolution": resolution}
    try:
        data = DisputeResolve(
            outcome=outcome,  # Pydantic checks the value
            resolution=resolution.strip(),
            settled_amount=_amount(settled_amount, "settled_amount"),
        )
        resolved = service.resolve_dispute(
            session, actor=principal, dispute_id=dispute_id, data=data
        )
    except (ValidationFailed, Conflict, ValidationError) as exc:
        return _refused(request, session, principal, dispute_id, exc, "resolve", form)
    return RedirectResponse(f"/disputes/{resolved.id}?done={resolved.status.value}", 303)


@router.post("/disputes/{dispute_id}/withdraw")
def withdraw_dispute(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    dispute_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = DisputeWithdraw(reason=reason.strip())
        withdrawn = service.withdraw_dispute(
            session, actor=principal, dispute_id=dispute_id, data=data
        )
    except (ValidationFailed, Conflict, ValidationError) as exc:
        return _refused(
            request, session, principal, dispute_id, exc, "withdraw", {"reason": reason}
        )
    return RedirectResponse(f"/disputes/{withdrawn.id}?done={withdrawn.status.value}", 303)


# --- opening one, from an invoice finding ------------------------------------------------------


@router.post("/contracts/{contract_id}/disputes")
def open_dispute(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    finding_id: Annotated[str, Form()] = "",
    our_position: Annotated[str, Form()] = "",
    their_position: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> Response:
    """Dispute an invoice finding; a refused form shows the invoice page again."""
    finding = invoice_queries.get_finding(session, int(finding_id) if finding_id.isdigit() else 0)
    form = {"our_position": our_position, "their_position": their_position, "amount": amount}
    try:
        data = DisputeCreate(
            finding_id=finding.id,
            our_position=our_position.strip(),
            their_position=their_position.strip() or None,
            amount=_amount(amount, "amount"),
        )
        opened = service.open_dispute(session, actor=principal, contract_id=contract_id, data=data)
    except (ValidationFailed, Conflict, ValidationError) as exc:
        session.rollback()
        return invoice_page(
            request,
            session,
            principal,
            finding.contract_id,
            finding.invoice_id,
            status_code=_status_code(exc),
            failed_finding=finding.id,
            failed_form="dispute",
            form_error=_message(exc),
            form_fields=_fields(exc),
            form=form,
        )
    return RedirectResponse(f"/disputes/{opened.id}?done=opened", status_code=303)
