"""Invoices, their findings, a month's statement and leakage: thin adapters over the invoices
area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from pactline.api.deps import PageDep, PrincipalDep
from pactline.core import clock
from pactline.core.exports import XLSX_TYPE
from pactline.core.http import SessionDep
from pactline.core.pagination import Page
from pactline.engine.invoice_checks import FindingType
from pactline.invoices import export, queries, service
from pactline.invoices.enums import FindingStatus
from pactline.invoices.schemas import (
    FindingRead,
    FindingStatusChange,
    InvoiceCreate,
    InvoiceRead,
    InvoicesImported,
    InvoiceSummary,
    InvoiceValidated,
    Leakage,
    StatementRead,
)
from pactline.service_levels.queries import period_of

router = APIRouter(tags=["invoices"])

StatusQuery = Annotated[
    list[FindingStatus] | None,
    Query(alias="status", description="Only findings in these statuses (repeat the parameter)"),
]


@router.get("/invoices", response_model=Page[InvoiceSummary], summary="Invoices of every contract")
def list_all_invoices(
    session: SessionDep, principal: PrincipalDep, page: PageDep
) -> Page[InvoiceSummary]:
    """Stored invoices, newest month first, with the money their findings put at stake."""
    return queries.invoices_page(session, page)


@router.get(
    "/contracts/{contract_id}/invoices",
    response_model=Page[InvoiceSummary],
    summary="A contract's invoices",
)
def list_invoices(
    session: SessionDep, principal: PrincipalDep, contract_id: int, page: PageDep
) -> Page[InvoiceSummary]:
    """The contract's invoices, newest month first."""
    return queries.invoices_page(session, page, contract_id)


@router.post(
    "/contracts/{contract_id}/invoices",
    response_model=InvoicesImported,
    status_code=status.HTTP_201_CREATED,
    summary="Send one invoice as JSON",
)
def create_invoice(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: InvoiceCreate
) -> InvoicesImported:
    """Store an invoice and check it against the statement of its month. Its fields go
    through the invoice file's checks: a 422 names each line and field at fault, and nothing
    is stored. Needs invoices.write."""
    return service.create_invoice(session, actor=principal, contract_id=contract_id, data=body)


@router.post(
    "/contracts/{contract_id}/invoices/import",
    response_model=InvoicesImported,
    status_code=status.HTTP_201_CREATED,
    summary="Import an invoice file (all or nothing)",
)
def import_invoices(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    file: Annotated[UploadFile, File(description="CSV or XLSX: one row per invoice line")],
) -> InvoicesImported:
    """Check every row, store every invoice of the file and check each against its month's
    statement. If any row is wrong nothing is stored and the 422 lists each problem with its
    row and column. Needs invoices.write."""
    return service.import_invoices(
        session,
        actor=principal,
        contract_id=contract_id,
        source_name=file.filename or "invoice.csv",
        content=file.file.read(service.MAX_FILE_BYTES + 1),
    )


@router.post(
    "/contracts/{contract_id}/invoices/validate",
    response_model=list[InvoiceValidated],
    summary="Check every invoice of a contract again",
)
def validate_invoices(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[InvoiceValidated]:
    """Re-run the checks on all the contract's invoices, oldest first, in one transaction.
    Needs invoices.write."""
    return service.validate_invoices(session, actor=principal, contract_id=contract_id)


@router.get(
    "/contracts/{contract_id}/invoices/{invoice_id}",
    response_model=InvoiceRead,
    summary="One invoice, its findings and statement",
)
def get_invoice(
    session: SessionDep, principal: PrincipalDep, contract_id: int, invoice_id: int
) -> InvoiceRead:
    """The invoice's lines, every finding (with its explanation and evidence) and the
    statement it was checked against."""
    return queries.invoice_read(session, contract_id, invoice_id)


@router.post(
    "/contracts/{contract_id}/invoices/{invoice_id}/validate",
    response_model=InvoiceValidated,
    summary="Check an invoice again",
)
def validate_invoice(
    session: SessionDep, principal: PrincipalDep, contract_id: int, invoice_id: int
) -> InvoiceValidated:
    """Re-run the checks after volumes, index values, credits or terms changed. Findings
    someone acted on keep their status. Needs invoices.write."""
    return service.validate_invoice(
        session, actor=principal, contract_id=contract_id, invoice_id=invoice_id
    )


@router.delete(
    "/contracts/{contract_id}/invoices/{invoice_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an invoice stored in error",
)
def delete_invoice(
    session: SessionDep, principal: PrincipalDep, contract_id: int, invoice_id: int
) -> Response:
    """Delete an invoice and its findings; refused (409) once a finding was acted on."""
    service.delete_invoice(session, actor=principal, contract_id=contract_id, invoice_id=invoice_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/contracts/{contract_id}/statements/{period}",
    response_model=StatementRead,
    summary="A contract's statement for a month",
)
def get_statement(
    session: SessionDep, principal: PrincipalDep, contract_id: int, period: str
) -> StatementRead:
    """What the terms in force give for the month, from the stored volumes, index values, FX
    rate and service credits: every line with its explanation, and the totals."""
    return queries.statement_read(session, contract_id, period_of(period))


@router.get("/findings", response_model=Page[FindingRead], summary="Invoice findings")
def list_findings(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    statuses: StatusQuery = None,
    contract_id: Annotated[int | None, Query(description="Only this contract's")] = None,
    type: Annotated[FindingType | None, Query(description="Only this type")] = None,
    period: Annotated[str | None, Query(description="Only this month, YYYY-MM")] = None,
) -> Page[FindingRead]:
    """Current findings, newest month first, with the money at stake for our side."""
    return queries.findings_page(
        session,
        page,
        contract_id=contract_id,
        statuses=statuses,
        finding_type=type,
        period=period,
    )


@router.post(
    "/findings/{finding_id}/status", response_model=FindingRead, summary="Move a finding on"
)
def set_finding_status(
    session: SessionDep, principal: PrincipalDep, finding_id: int, body: FindingStatusChange
) -> FindingRead:
    """Open → disputed, accepted or dismissed (with a reason); accepted → recovered; a
    dismissed finding can be reopened. Needs invoices.write."""
    return service.set_finding_status(session, actor=principal, finding_id=finding_id, data=body)


@router.get("/leakage", response_model=Leakage, summary="Leakage: money at stake for our side")
def get_leakage(
    session: SessionDep,
    principal: PrincipalDep,
    statuses: StatusQuery = None,
    contract_id: Annotated[int | None, Query(description="Only this contract")] = None,
) -> Leakage:
    """Per currency: the findings (default: open) that put money at stake against us, by
    type, month, counterparty, region and contract, with the totals of every status."""
    return queries.leakage(
        session, contract_id=contract_id, statuses=statuses or [FindingStatus.OPEN]
    )


def _export_headers(suffix: str) -> dict[str, str]:
    name = f"pactline-leakage-{clock.today()}.{suffix}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/leakage/export.csv",
    response_class=Response,
    summary="Export the findings as CSV",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
)
def export_csv(
    session: SessionDep,
    principal: PrincipalDep,
    statuses: StatusQuery = None,
    contract_id: Annotated[int | None, Query(description="Only this contract")] = None,
) -> Response:
    """One row per current finding (of the statuses asked for; default all)."""
    findings = queries.list_findings(session, contract_id=contract_id, statuses=statuses)
    data = export.to_csv(findings, queries.contract_places(session))
    return Response(data, media_type="text/csv; charset=utf-8", headers=_export_headers("csv"))


@router.get(
    "/leakage/export.xlsx",
    response_class=Response,
    summary="Export the findings as an Excel workbook",
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "An .xlsx workbook"}},
)
def export_xlsx(
    session: SessionDep,
    principal: PrincipalDep,
    statuses: StatusQuery = None,
    contract_id: Annotated[int | None, Query(description="Only this contract")] = None,
) -> Response:
    """One row per current finding, with numbers as numbers."""
    findings = queries.list_findings(session, contract_id=contract_id, statuses=statuses)
    data = export.to_xlsx(findings, queries.contract_places(session), as_of=clock.today())
    return Response(data, media_type=XLSX_TYPE, headers=_export_headers("xlsx"))
