"""The commercials pages: index series (reference data) with their import form, and each
contract's monthly volumes (months × items) with theirs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from pactline.commercials import queries, service
from pactline.commercials.schemas import DeliveriesImported, VolumeCreate, VolumesImported
from pactline.contracts import queries as contract_queries
from pactline.core import clock
from pactline.core.errors import ValidationFailed
from pactline.core.http import SessionDep
from pactline.engine.money import plain_number
from pactline.users.enums import Permission
from pactline.users.principal import Principal
from pactline.web import charts, forms
from pactline.web.auth import WebPrincipal, csrf_protect
from pactline.web.contracts import contract_context
from pactline.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])

LATEST_VALUES = 6
"""Months of each index series the commercials page shows (the API and CLI give all)."""


def _number(value: Decimal | None) -> str:
    """A stored figure without the storage's trailing zeros: 138.400000 -> 138.4."""
    return "" if value is None else plain_number(value)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _imported_flash(request: Request, what: str) -> str | None:
    created = _int(request.query_params.get("imported"))
    replaced = _int(request.query_params.get("replaced")) or 0
    if created is None:
        return None
    return f"Imported {created + replaced} {what}: {created} new, {replaced} replaced."


def _commercials_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx: dict[str, Any] = {
        "series": queries.list_series(session, latest=LATEST_VALUES),
        "contracts": queries.contracts_with_volumes(session),
        "can_import": principal.can(Permission.COMMERCIALS_WRITE),
        "import_problems": [],
        "error": None,
        "flash": _imported_flash(request, "index values"),
        "number": _number,
        **extra,
    }
    return render(
        request, "commercials/index.html", ctx, status_code=status_code, active="commercials"
    )


@router.get("/commercials")
def commercials_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    return _commercials_page(request, session, principal)


@router.post("/commercials/index-series/import")
def import_index_values(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    principal.require(Permission.COMMERCIALS_WRITE)
    name, content = forms.upload(file, service.MAX_FILE_BYTES)
    try:
        if not name and not content:
            raise forms.no_file()
        imported = service.import_index_values(
            session, actor=principal, source_name=name or "indices.csv", content=content
        )
    except ValidationFailed as exc:
        session.rollback()
        return _commercials_page(
            request,
            session,
            principal,
            status_code=422,
            import_problems=forms.problems(exc),
            error="Nothing was imported: see the problems below.",
        )
    return RedirectResponse(
        f"/commercials?imported={imported.created}&replaced={imported.updated}", status_code=303
    )


@router.post("/contracts/{contract_id}/volumes")
def record_volume(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    item_id: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.COMMERCIALS_WRITE)
    values = {"item_id": item_id, "period": period, "quantity": quantity, "note": note}
    try:
        try:
            data = VolumeCreate(
                item_id=item_id.strip(),
                period=period.strip(),
                quantity=quantity.strip(),  # pydantic parses the text as a Decimal
                note=note.strip() or None,
            )
        except ValidationError as invalid:
            fields = forms.model_errors(invalid)
            raise ValidationFailed(
                "check the highlighted fields",
                details=[{"field": name, "message": text} for name, text in fields.items()],
            ) from None
        recorded = service.record_volume(
            session, actor=principal, contract_id=contract_id, data=data
        )
    except ValidationFailed as exc:
        session.rollback()
        return _volumes_page(
            request,
            session,
            principal,
            contract_id,
            status_code=422,
            entry_problems=forms.problems(exc),
            entry=values,
            error="The volume was not recorded: see below.",
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/volumes?imported={recorded.created}&replaced={recorded.updated}",
        status_code=303,
    )


def _volumes_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "volumes")
    record = contract_queries.get_contract(session, contract_id)
    ctx.update(
        {
            "grid": queries.volume_grid(session, contract_id),
            "baseline_charts": [
                {"series": series, "chart": charts.baseline_chart(series)}
                for series in queries.volume_baselines(session, contract_id, clock.today())
            ],
            "has_charges": queries.has_charges(record),
            "can_import": principal.can(Permission.COMMERCIALS_WRITE),
            "import_problems": [],
            "delivery_problems": [],
            "deliveries": queries.list_deliveries(session, contract_id),
            "has_milestones": queries.has_milestones(record),
            "entry_problems": [],
            "entry": {},
            "items": queries.volume_items(session, contract_id, clock.today()),
            "flash": _imported_flash(
                request,
                "delivery events"
                if request.query_params.get("what") == "deliveries"
                else "volumes",
            ),
            "number": _number,
            **extra,
        }
    )
    return render(
        request, "commercials/volumes.html", ctx, status_code=status_code, active="commercials"
    )


@router.get("/contracts/{contract_id}/volumes")
def volumes_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    return _volumes_page(request, session, principal, contract_id)


class _ContractImport(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        actor: Principal,
        contract_id: int,
        source_name: str,
        content: bytes,
    ) -> VolumesImported | DeliveriesImported: ...


def _import_to_volumes_page(
    request: Request,
    session: Session,
    principal: Principal,
    contract_id: int,
    file: UploadFile | None,
    *,
    use_case: _ContractImport,
    default_name: str,
    problems_key: str,
    after: str = "",
) -> Response:
    """Run a contract's file import from the Volumes tab: back to it with the counts, or with
    every problem of the file (nothing stored) under the form that sent it."""
    principal.require(Permission.COMMERCIALS_WRITE)
    name, content = forms.upload(file, service.MAX_FILE_BYTES)
    try:
        if not name and not content:
            raise forms.no_file()
        imported = use_case(
            session,
            actor=principal,
            contract_id=contract_id,
            source_name=name or default_name,
            content=content,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _volumes_page(
            request,
            session,
            principal,
            contract_id,
            status_code=422,
            error="Nothing was imported: see the problems below.",
            **{problems_key: forms.problems(exc)},
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/volumes?imported={imported.created}"
        f"&replaced={imported.updated}{after}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/deliveries/import")
def import_deliveries(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return _import_to_volumes_page(
        request,
        session,
        principal,
        contract_id,
        file,
        use_case=service.import_deliveries,
        default_name="deliveries.csv",
        problems_key="delivery_problems",
        after="&what=deliveries#deliveries",
    )


@router.post("/contracts/{contract_id}/volumes/import")
def import_volumes(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return _import_to_volumes_page(
        request,
        session,
        principal,
        contract_id,
        file,
        use_case=service.import_volumes,
        default_name="volumes.csv",
        problems_key="import_problems",
    )
