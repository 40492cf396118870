"""Contracts, parties, terms versions, key dates and documents."""

from __future__ import annotations

from datetime import date
from pathlib import PurePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from pactline.api.deps import PageDep, PrincipalDep
from pactline.contracts import export, queries, rules, service
from pactline.contracts.enums import ContractKind, ContractSort, ContractStatus, OurRole
from pactline.contracts.rules import TermsInput
from pactline.contracts.schemas import (
    ContractFilters,
    ContractRead,
    ContractSummary,
    ContractUpdate,
    DocumentRead,
    KeyDatesRead,
    NoticeRequest,
    PartyRead,
    TerminateRequest,
    TermsVersionDetail,
    TermsVersionRead,
)
from pactline.core import clock
from pactline.core.errors import NotFound, ValidationFailed
from pactline.core.exports import XLSX_TYPE
from pactline.core.http import SessionDep, SettingsDep
from pactline.core.pagination import Page

router = APIRouter(tags=["contracts"])

BODY_SOURCE = "request body"
JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_SOURCE_NAME = 200


# --- request translation ----------------------------------------------------------------


def contract_filters(
    q: Annotated[
        str | None, Query(description="Search reference, title, counterparty and tags")
    ] = None,
    status: Annotated[
        ContractStatus | None, Query(description="Only contracts with this status on as_of")
    ] = None,
    counterparty_id: Annotated[int | None, Query(description="Only this counterparty")] = None,
    region: Annotated[str | None, Query(description="Only this region (by name)")] = None,
    owner: Annotated[
        str | None, Query(description="Username of any owner (account manager or a lead)")
    ] = None,
    our_role: Annotated[OurRole | None, Query(description="customer or supplier")] = None,
    kind: Annotated[ContractKind | None, Query(description="Only this kind of contract")] = None,
    deadline_within_days: Annotated[
        int | None,
        Query(
            ge=0, le=3650, description="A notice deadline, next action or term end within N days"
        ),
    ] = None,
    sort: Annotated[ContractSort, Query(description="Order of the list")] = ContractSort.REFERENCE,
    descending: Annotated[bool, Query(description="Reverse the order")] = False,
) -> ContractFilters:
    """The portfolio filters, as query parameters."""
    try:
        return ContractFilters(
            q=q or None,
            status=status,
            counterparty_id=counterparty_id,
            region=region or None,
            owner=owner or None,
            our_role=our_role,
            kind=kind,
            deadline_within_days=deadline_within_days,
            sort=sort,
            descending=descending,
        )
    except ValidationError as exc:  # pragma: no cover - the Query declarations catch this first
        raise ValidationFailed(
            "invalid filters",
            details=[
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from None


def as_of_date(
    as_of: Annotated[
        date | None,
        Query(description="Status and dates as of this day (YYYY-MM-DD); default today"),
    ] = None,
) -> date:
    """The ?as_of= date, today by default."""
    return as_of or clock.today()


FiltersDep = Annotated[ContractFilters, Depends(contract_filters)]
AsOfDep = Annotated[date, Depends(as_of_date)]


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start})"
        raise ValidationFailed(
            f"{source}: {message}",
            details=[{"file": source, "line": None, "field": "", "message": message}],
        ) from None


async def terms_body(request: Request) -> TermsInput:
    """The request body as a validated terms document (JSON or YAML by its Content-Type)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in JSON_TYPES or media.endswith("+json"):
        fmt = "json"
    elif media in YAML_TYPES:
        fmt = "yaml"
    else:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"send a terms document as application/json or application/yaml, "
            f"not {media or 'a body without a Content-Type'}",
        )
    text = _decode(await request.body(), BODY_SOURCE)
    return rules.parse_terms(text, source_name=BODY_SOURCE, format=fmt)


TermsBody = Annotated[TermsInput, Depends(terms_body)]

TERMS_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One terms document (docs/terms-format.md), as JSON or as YAML text. "
        "`pactline terms schema` prints its JSON Schema.",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "text/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def _file_format(filename: str, content_type: str | None) -> str | None:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in JSON_TYPES:
        return "json"
    if media in YAML_TYPES:
        return "yaml"
    return None  # parse_terms tells them apart by the text


def parse_uploads(files: list[UploadFile]) -> list[TermsInput]:
    """Every uploaded terms file validated; one error listing every problem of every file."""
    items: list[TermsInput] = []
    problems: list[dict[str, Any]] = []
    for index, upload in enumerate(files, start=1):
        name = PurePath(upload.filename or f"file-{index}").name[:MAX_SOURCE_NAME]
        try:
            text = _decode(upload.file.read(), name)
            items.append(
                rules.parse_terms(
                    text, source_name=name, format=_file_format(name, upload.content_type)
                )
            )
        except ValidationFailed as exc:
            problems.extend(exc.details or [])
    if problems:
        bad = sorted({p["file"] for p in problems})
        raise ValidationFailed(
            f"{len(bad)} of {len(files)} terms file{'s' if len(files) != 1 else ''} "
            f"{'is' if len(bad) == 1 else 'are'} not valid ({', '.join(bad)}); nothing was "
            "imported",
            details=problems,
        )
    return items


class TermsChange(BaseModel):
    """One field a terms version changed compared with the version before it."""

    path: str
    kind: Literal["added", "removed", "changed"]
    before: Any
    after: Any


def _read(session: Session, contract_id: int) -> ContractRead:
    return queries.contract_read(session, contract_id, clock.today())


def _export_filename(as_of: date, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="pactline-portfolio-{as_of}.{suffix}"'}


# --- the portfolio ----------------------------------------------------------------------


@router.get("/contracts", response_model=Page[ContractSummary], summary="The portfolio (filtered)")
def list_contracts(
    session: SessionDep,
    principal: PrincipalDep,
    filters: FiltersDep,
    as_of: AsOfDep,
    page: PageDep,
) -> Page[ContractSummary]:
    """Contracts matching the filters, with status and dates as of `as_of`; the same filters
    as the portfolio page."""
    rows = queries.list_contracts(session, filters, page, as_of)
    return Page[ContractSummary](
        items=rows.items, total=rows.total, limit=rows.limit, offset=rows.offset
    )


@router.get(
    "/contracts/export.csv",
    response_class=Response,
    summary="Export the portfolio as CSV",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
)
def export_csv(
    session: SessionDep, principal: PrincipalDep, filters: FiltersDep, as_of: AsOfDep
) -> Response:
    """Every contract matching the filters (no pagination), one row each, as a CSV file."""
    data = export.to_csv(queries.portfolio(session, filters, as_of))
    return Response(
        data, media_type="text/csv; charset=utf-8", headers=_export_filename(as_of, "csv")
    )


@router.get(
    "/contracts/export.xlsx",
    response_class=Response,
    summary="Export the portfolio as an Excel workbook",
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "An .xlsx workbook"}},
)
def export_xlsx(
    session: SessionDep, principal: PrincipalDep, filters: FiltersDep, as_of: AsOfDep
) -> Response:
    """Every contract matching the filters (no pagination), with real dates and numbers."""
    data = export.to_xlsx(queries.portfolio(session, filters, as_of), as_of=as_of)
    return Response(data, media_type=XLSX_TYPE, headers=_export_filename(as_of, "xlsx"))


@router.post(
    "/contracts",
    response_model=ContractRead,
    status_code=status.HTTP_201_CREATED,
    summary="Import one terms document",
    openapi_extra=TERMS_REQUEST_BODY,
)
def import_contract(session: SessionDep, principal: PrincipalDep, item: TermsBody) -> ContractRead:
    """Store a terms document sent as the body (`Content-Type: application/yaml` or
    `application/json`): a new reference creates a contract; a known reference with a later
    `version.effective_on` adds an amendment. Invalid terms answer 422 with every problem's
    field and line."""
    (contract,) = service.import_terms(session, actor=principal, items=[item])
    return _read(session, contract.id)


@router.post(
    "/contracts/import",
    response_model=list[ContractRead],
    status_code=status.HTTP_201_CREATED,
    summary="Import several terms files (all or nothing)",
)
def import_files(
    session: SessionDep,
    principal: PrincipalDep,
    files: Annotated[list[UploadFile], File(description="Terms files (.yaml, .yml or .json)")],
) -> list[ContractRead]:
    """Validate every uploaded file, then store them in one transaction: if any file is
    invalid or clashes with the repository, nothing is stored and the 422 lists every
    problem of every file."""
    contracts = service.import_terms(session, actor=principal, items=parse_uploads(files))
    return [_read(session, c.id) for c in contracts]


# --- one contract -----------------------------------------------------------------------


@router.get("/contracts/{contract_id}", response_model=ContractRead, summary="One contract")
def get_contract(
    session: SessionDep, principal: PrincipalDep, contract_id: int, as_of: AsOfDep
) -> ContractRead:
    """Everything the contract page shows: facts, owners, status and dates as of `as_of`,
    terms versions."""
    return queries.contract_read(session, contract_id, as_of)


@router.patch(
    "/contracts/{contract_id}", response_model=ContractRead, summary="Edit a contract's facts"
)
def update_contract(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: ContractUpdate
) -> ContractRead:
    """Change title, region, business unit, owners, values or tags. The terms themselves
    change only through a new terms version."""
    contract = service.update_contract(session, actor=principal, contract_id=contract_id, data=body)
    return _read(session, contract.id)


@router.get(
    "/contracts/{contract_id}/key-dates",
    response_model=KeyDatesRead,
    summary="A contract's key dates, explained",
)
def key_dates(
    session: SessionDep, principal: PrincipalDep, contract_id: int, as_of: AsOfDep
) -> KeyDatesRead:
    """Status, term ends, notice deadline, next action and renewals as of `as_of`, from the
    terms version in force that day; each date lists the steps that produced it."""
    return queries.contract_key_dates(session, contract_id, as_of)


@router.post(
    "/contracts/{contract_id}/terminate",
    response_model=ContractRead,
    summary="Record a termination",
)
def terminate(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: TerminateRequest
) -> ContractRead:
    """From `terminated_on` the contract is no longer in force; `reason` is audited."""
    contract = service.terminate_contract(
        session, actor=principal, contract_id=contract_id, data=body
    )
    return _read(session, contract.id)


@router.post(
    "/contracts/{contract_id}/renew",
    response_model=ContractRead,
    summary="Exercise a renewal option",
)
def renew(session: SessionDep, principal: PrincipalDep, contract_id: int) -> ContractRead:
    """Take up the next renewal option of an optional-renewal contract (409 for contracts
    that renew automatically, are evergreen, have no options left or are terminated)."""
    contract = service.renew_contract(session, actor=principal, contract_id=contract_id)
    return _read(session, contract.id)


@router.post(
    "/contracts/{contract_id}/notice",
    response_model=ContractRead,
    summary="Record notice of non-renewal",
)
def give_notice(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: NoticeRequest
) -> ContractRead:
    """Record the day notice of non-renewal (or of termination, for an evergreen contract)
    was given; the contract then ends with its current term."""
    contract = service.give_notice(session, actor=principal, contract_id=contract_id, data=body)
    return _read(session, contract.id)


# --- terms versions ---------------------------------------------------------------------


@router.get(
    "/contracts/{contract_id}/terms",
    response_model=list[TermsVersionRead],
    summary="A contract's terms versions",
)
def list_terms_versions(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[TermsVersionRead]:
    """The original agreement and each amendment, by number, with effective dates."""
    contract = queries.get_contract(session, contract_id)
    return [TermsVersionRead.model_validate(v) for v in contract.versions]


@router.post(
    "/contracts/{contract_id}/terms",
    response_model=TermsVersionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Amend a contract's terms",
    openapi_extra=TERMS_REQUEST_BODY,
)
def add_terms_version(
    session: SessionDep, principal: PrincipalDep, contract_id: int, item: TermsBody
) -> TermsVersionRead:
    """Add a terms version: the complete terms as they stand from `version.effective_on`,
    which must be after the latest version. Earlier dates keep the earlier terms."""
    version = service.add_terms_version(
        session, actor=principal, contract_id=contract_id, item=item
    )
    return TermsVersionRead.model_validate(version)


@router.get(
    "/contracts/{contract_id}/terms/{number}",
    response_model=TermsVersionDetail,
    summary="One terms version with its document",
)
def get_terms_version(
    session: SessionDep, principal: PrincipalDep, contract_id: int, number: int
) -> TermsVersionDetail:
    """Terms version `number` (1 is the original agreement), with the validated document."""
    return TermsVersionDetail.model_validate(queries.get_version(session, contract_id, number))


@router.get(
    "/contracts/{contract_id}/terms/{number}/diff",
    response_model=list[TermsChange],
    summary="What a terms version changed",
)
def diff_terms_version(
    session: SessionDep, principal: PrincipalDep, contract_id: int, number: int
) -> list[TermsChange]:
    """The fields version `number` changed compared with the version before it, by dotted
    path (`renewal.notice.period`); empty for version 1."""
    return [
        TermsChange.model_validate(
            {"path": c.path, "kind": c.kind, "before": c.before, "after": c.after}
        )
        for c in queries.version_diff(session, contract_id, number)
    ]


# --- documents --------------------------------------------------------------------------


@router.get(
    "/contracts/{contract_id}/documents",
    response_model=list[DocumentRead],
    summary="A contract's documents",
)
def list_documents(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[DocumentRead]:
    """Signed agreements and other files attached to the contract, newest first."""
    contract = queries.get_contract(session, contract_id)
    return [DocumentRead.model_validate(d) for d in contract.documents]


@router.post(
    "/contracts/{contract_id}/documents",
    response_model=DocumentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Attach a document",
)
def upload_document(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    contract_id: int,
    file: Annotated[UploadFile, File(description="A PDF or Word (.docx) file, up to 25 MB")],
    title: Annotated[str | None, Form(description="Title; defaults to the file name")] = None,
) -> DocumentRead:
    """Attach a PDF or DOCX (judged by its content, not its name), stored with its SHA-256."""
    document = service.upload_document(
        session,
        actor=principal,
        contract_id=contract_id,
        filename=file.filename or "document",
        data=file.file.read(service.MAX_DOCUMENT_BYTES + 1),
        title=title,
        storage=settings.uploads_dir,
    )
    return DocumentRead.model_validate(document)


@router.get(
    "/contracts/{contract_id}/documents/{document_id}/content",
    response_class=FileResponse,
    summary="Download a document",
    responses={200: {"content": {"application/pdf": {}, service.DOCUMENT_TYPES["docx"]: {}}}},
)
def download_document(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    contract_id: int,
    document_id: int,
) -> FileResponse:
    """The file as uploaded, with its file name and content type."""
    document = queries.get_document(session, contract_id, document_id)
    path = service.document_path(settings.uploads_dir, document.sha256)
    if not path.is_file():
        raise NotFound(f"the file of document {document_id} is missing from the storage")
    return FileResponse(path, media_type=document.content_type, filename=document.filename)


@router.delete(
    "/contracts/{contract_id}/documents/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a document",
)
def remove_document(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    document_id: int,
    reason: Annotated[str, Query(description="Why it is removed (required, audited)")] = "",
) -> Response:
    """Detach a document from the contract; the removal and its reason are audited."""
    service.remove_document(
        session, actor=principal, contract_id=contract_id, document_id=document_id, reason=reason
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- parties ----------------------------------------------------------------------------


@router.get("/parties", response_model=list[PartyRead], summary="Counterparties")
def list_parties(session: SessionDep, principal: PrincipalDep) -> list[PartyRead]:
    """Every counterparty, by name, with how many contracts each has."""
    return queries.list_parties(session)


@router.get("/parties/{party_id}", response_model=PartyRead, summary="One counterparty")
def get_party(session: SessionDep, principal: PrincipalDep, party_id: int) -> PartyRead:
    """One counterparty with how many contracts it has."""
    return queries.party_read(session, party_id)
