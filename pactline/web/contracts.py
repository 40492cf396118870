"""Web pages of the contract repository (portfolio, contract pages, parties).

Handlers translate: they read the form or query, call one service or query function and render
the result; the service decides. Pages that HTMX refreshes in part (the portfolio results, the
key dates of a contract) render only that block when the request comes from HTMX.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path, PurePath
from typing import Annotated, Any
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pactline.commercials import queries as commercial_queries
from pactline.contracts import export, queries, rules, service
from pactline.contracts.enums import ContractKind, ContractSort, ContractStatus, OurRole
from pactline.contracts.schemas import (
    ContractFilters,
    ContractRead,
    ContractUpdate,
    DocumentRead,
    KeyDatesRead,
    NoticeRequest,
    TerminateRequest,
    TermsVersionRead,
)
from pactline.core import clock
from pactline.core.errors import Conflict, NotFound, PactlineError, ValidationFailed
from pactline.core.exports import XLSX_TYPE
from pactline.core.http import SessionDep
from pactline.core.pagination import MAX_LIMIT, Page, PageParams
from pactline.invoices import queries as invoice_queries
from pactline.service_levels import queries as service_level_queries
from pactline.terms import NonBusinessDay, NoticeGivenBy, NoticeUnit, RenewalKind, dump_terms
from pactline.users import audit_queries
from pactline.users import queries as user_queries
from pactline.users.enums import Permission
from pactline.users.principal import Principal
from pactline.users.schemas import AuditEventRead
from pactline.web import forms
from pactline.web.auth import WebPrincipal, csrf_protect
from pactline.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 50
QUICK_DEADLINES = (30, 60, 90)
SUMMARY_DEADLINE_DAYS = 90
FILTER_FIELDS = (
    "q",
    "status",
    "counterparty_id",
    "region",
    "owner",
    "our_role",
    "kind",
    "deadline_within_days",
    "sort",
    "descending",
)
SORT_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    # (sort key, heading, numeric column)
    (ContractSort.REFERENCE.value, "Reference", False),
    (ContractSort.TITLE.value, "Title", False),
    (ContractSort.COUNTERPARTY.value, "Counterparty", False),
    (ContractSort.STATUS.value, "Status", False),
    (ContractSort.NEXT_ACTION.value, "Next action", False),
    (ContractSort.END.value, "Term end", False),
    (ContractSort.ANNUAL_VALUE.value, "Annual value", True),
)


# --- small translations ------------------------------------------------------------------


def _int(value: str | None, default: int, *, low: int, high: int) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        number = default
    return min(max(number, low), high)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _usernames(session: SessionDep) -> list[str]:
    """Active users' usernames, to suggest owners."""
    rows = user_queries.list_users(session, PageParams(limit=MAX_LIMIT), active=True).rows
    return [u.username for u in rows]


# --- portfolio ---------------------------------------------------------------------------


def _filters_from(params: Mapping[str, str]) -> tuple[ContractFilters, list[str]]:
    """Portfolio filters from a query string; values that make no sense are dropped, named."""
    raw: dict[str, Any] = {}
    for name in FILTER_FIELDS:
        value = (params.get(name) or "").strip()
        if value:
            raw[name] = value
    if "descending" in raw:
        raw["descending"] = raw["descending"].lower() in ("1", "true", "yes", "on")
    try:
        return ContractFilters(**raw), []
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        try:
            return ContractFilters(**{k: v for k, v in raw.items() if k not in bad}), bad
        except ValidationError:
            return ContractFilters(), sorted(raw)


def _query(filters: ContractFilters, **changes: Any) -> str:
    """The query string of these filters with some changed (None removes one)."""
    data: dict[str, Any] = filters.model_dump(mode="json", exclude_defaults=True)
    data.update(changes)
    pairs = []
    for name in FILTER_FIELDS:
        value = data.get(name)
        if value is None or value == "" or value is False:
            continue
        pairs.append((name, "true" if value is True else str(value)))
    return urlencode(pairs)


def _sort_headings(filters: ContractFilters) -> list[dict[str, Any]]:
    headings = []
    for key, label, numeric in SORT_COLUMNS:
        current = filters.sort.value == key
        descending = not filters.descending if current else False
        headings.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "current": current,
                "descending": filters.descending if current else None,
                "url": "/contracts?" + _query(filters, sort=key, descending=descending),
            }
        )
    return headings


def _results_context(
    session: SessionDep, principal: Principal, filters: ContractFilters, offset: int, limit: int
) -> dict[str, Any]:
    today = clock.today()
    page = queries.list_contracts(session, filters, PageParams(limit=limit, offset=offset), today)
    query = _query(filters)
    active_filters = {
        k: v
        for k, v in filters.model_dump(exclude_defaults=True).items()
        if k not in ("sort", "descending")
    }
    return {
        "page": page,
        "filters": filters,
        "today": today,
        "headings": _sort_headings(filters),
        "pager_base": "/contracts?" + (query + "&" if query else ""),
        "export_query": query,
        "filtered": bool(active_filters),
        "has_contracts": page.total > 0 or queries.count_contracts(session) > 0,
        "can_write": principal.can(Permission.CONTRACTS_WRITE),
    }


@router.get("/contracts")
def portfolio_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    params = request.query_params
    filters, ignored = _filters_from(params)
    offset = _int(params.get("offset"), 0, low=0, high=10**9)
    limit = _int(params.get("limit"), PAGE_SIZE, low=1, high=MAX_LIMIT)
    ctx = _results_context(session, principal, filters, offset, limit)
    if forms.is_partial(request):
        return forms.vary(render(request, "contracts/_results.html", ctx))
    today = ctx["today"]
    everything = queries.portfolio(session, ContractFilters(), today)
    by_status = Counter(row.status for row in everything)
    soon = queries.portfolio(
        session, ContractFilters(deadline_within_days=SUMMARY_DEADLINE_DAYS), today
    )
    imported = _int(params.get("imported"), 0, low=0, high=10**6)
    flashes = [{"kind": "ok", "text": f"Imported {imported} terms documents."}] if imported else []
    ctx.update(
        {
            "summary": [
                {"status": s, "count": by_status[s], "url": f"/contracts?status={s.value}"}
                for s in ContractStatus
                if by_status[s]
            ],
            "summary_total": len(everything),
            "summary_soon": len(soon),
            "summary_days": SUMMARY_DEADLINE_DAYS,
            "ignored": ignored,
            "flashes": flashes,
            "statuses": list(ContractStatus),
            "kinds": list(ContractKind),
            "our_roles": list(OurRole),
            "parties": queries.list_parties(session),
            "regions": queries.list_regions(session),
            "owners": _usernames(session),
            "quick_deadlines": [
                {
                    "days": days,
                    "current": filters.deadline_within_days == days,
                    "url": "/contracts?" + _query(filters, deadline_within_days=days),
                }
                for days in QUICK_DEADLINES
            ],
        }
    )
    return forms.vary(render(request, "contracts/portfolio.html", ctx, active="contracts"))


@router.get("/contracts/export.csv")
def export_csv(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    today = clock.today()
    filters, _ = _filters_from(request.query_params)
    rows = queries.portfolio(session, filters, today)
    return Response(
        export.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": forms.attachment(f"pactline-portfolio-{today}.csv")},
    )


@router.get("/contracts/export.xlsx")
def export_xlsx(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    today = clock.today()
    filters, _ = _filters_from(request.query_params)
    rows = queries.portfolio(session, filters, today)
    return Response(
        export.to_xlsx(rows, as_of=today),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": forms.attachment(f"pactline-portfolio-{today}.xlsx")},
    )


# --- creating contracts --------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """An input of the new-contract form, named by the terms path it fills."""

    path: str
    label: str
    kind: str = "text"  # text, number, date, select
    choices: tuple[str, ...] = ()
    hint: str = ""
    required: bool = False
    placeholder: str = ""


_KINDS = tuple(k.value for k in ContractKind)
_ROLES = tuple(r.value for r in OurRole)
FORM_SECTIONS: tuple[tuple[str, tuple[FormField, ...]], ...] = (
    (
        "Contract",
        (
            FormField("contract.reference", "Reference", required=True, placeholder="MSA-2026-001"),
            FormField("contract.title", "Title", required=True),
            FormField("contract.kind", "Kind", "select", _KINDS),
            FormField(
                "contract.parent",
                "Master agreement",
                hint="Reference of the master, for a statement of work or an order",
            ),
            FormField("contract.our_role", "Our role", "select", _ROLES),
            FormField("contract.counterparty.name", "Counterparty", required=True),
            FormField("contract.counterparty.country", "Counterparty country", placeholder="GB"),
            FormField("contract.currency", "Currency", required=True, placeholder="GBP"),
            FormField("contract.region", "Region"),
            FormField("contract.business_unit", "Business unit"),
            FormField("contract.owners.account_manager", "Account manager", placeholder="username"),
            FormField("contract.values.annual", "Annual value", placeholder="1200000.00"),
        ),
    ),
    (
        "Term",
        (
            FormField("term.start_on", "Start date", "date", required=True),
            FormField("term.months", "Term in months", "number", hint="Give months or an end date"),
            FormField("term.end_on", "Or end date", "date"),
        ),
    ),
    (
        "Renewal and notice",
        (
            FormField("renewal.kind", "Renewal", "select", tuple(k.value for k in RenewalKind)),
            FormField("renewal.term_months", "Renewal term in months", "number"),
            FormField("renewal.max_renewals", "Maximum renewals", "number", hint="Empty: no limit"),
            FormField("renewal.notice.period", "Notice period", "number"),
            FormField(
                "renewal.notice.unit", "Notice unit", "select", tuple(u.value for u in NoticeUnit)
            ),
            FormField(
                "renewal.notice.given_by",
                "Notice given by",
                "select",
                tuple(g.value for g in NoticeGivenBy),
            ),
        ),
    ),
    (
        "Holiday calendar",
        (
            FormField(
                "calendar.country",
                "Country",
                placeholder="GB",
                hint="Needed for notice in business days",
            ),
            FormField("calendar.subdivision", "Subdivision", placeholder="ENG"),
            FormField(
                "calendar.non_business_day",
                "Dates on non-business days move to the",
                "select",
                tuple(n.value for n in NonBusinessDay),
            ),
        ),
    ),
)
FORM_PATHS = tuple(f.path for _, fields in FORM_SECTIONS for f in fields)
FORM_DEFAULTS = {
    "contract.kind": ContractKind.MASTER.value,
    "contract.our_role": OurRole.CUSTOMER.value,
    "renewal.kind": RenewalKind.AUTOMATIC.value,
    "renewal.notice.unit": NoticeUnit.CALENDAR_DAYS.value,
    "renewal.notice.given_by": NoticeGivenBy.EITHER.value,
    "calendar.non_business_day": NonBusinessDay.PRECEDING.value,
}
_WHOLE_NUMBERS = frozenset(
    {"term.months", "renewal.term_months", "renewal.max_renewals", "renewal.notice.period"}
)

EXAMPLE_TERMS = """\
pactline: 1
contract:
  reference: PO-2026-117
  title: Firewall health check
  kind: master
  our_role: customer
  counterparty: {name: Fabrikam Security Ltd}
  currency: GBP
term:
  start_on: 2026-02-01
  months: 12
renewal:
  kind: none
"""


def _terms_from_form(values: Mapping[str, str]) -> dict[str, Any]:
    """The terms document the form describes, as data for YAML (empty inputs left out)."""
    given = {path: values[path] for path in FORM_PATHS if values.get(path)}
    # A select always sends a value: the notice and the calendar count only when their
    # main field is filled in.
    if "renewal.notice.period" not in given:
        given.pop("renewal.notice.unit", None)
        given.pop("renewal.notice.given_by", None)
    if "calendar.country" not in given:
        given.pop("calendar.subdivision", None)
        given.pop("calendar.non_business_day", None)
    document: dict[str, Any] = {"pactline": 1}
    for section in ("contract", "term", "renewal", "calendar"):
        for path, value in given.items():
            if not path.startswith(section + "."):
                continue
            node = document
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = int(value) if path in _WHOLE_NUMBERS and value.isdigit() else value
    return document


def _field_errors(
    problems: list[dict[str, Any]], paths: tuple[str, ...]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Problems placed next to the inputs they concern; the rest listed above the form."""
    placed: dict[str, str] = {}
    others = []
    for problem in problems:
        field = problem["field"]
        target = field if field in paths else None
        if target is None and field:
            target = next((p for p in paths if p.startswith(field + ".")), None)
        if target is None:
            others.append(problem)
        elif target not in placed:
            placed[target] = problem["message"]
    return placed, others


def _new_context(session: SessionDep, **extra: Any) -> dict[str, Any]:
    return {
        "sections": FORM_SECTIONS,
        "form": dict(FORM_DEFAULTS),
        "errors": {},
        "form_problems": [],
        "import_problems": [],
        "example": EXAMPLE_TERMS,
        "regions": queries.list_regions(session),
        "business_units": queries.list_business_units(session),
        "owners": _usernames(session),
        **extra,
    }


@router.get("/contracts/new")
def new_contract(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    return render(request, "contracts/new.html", _new_context(session), active="contracts")


def _read_uploads(
    uploads: list[UploadFile] | None,
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The uploaded terms files as (name, text), and the files that are not text."""
    texts, problems = [], []
    for upload in uploads or []:
        data = upload.file.read()
        if not upload.filename and not data:
            continue  # the browser sends an empty part when no file was chosen
        name = PurePath(upload.filename or "upload").name
        try:
            texts.append((name, data.decode("utf-8")))
        except UnicodeDecodeError:
            problems.append(
                {
                    "file": name,
                    "line": None,
                    "field": "",
                    "message": "cannot read the file: it is not UTF-8 text",
                }
            )
    return texts, problems


def _parse_all(sources: list[tuple[str, str]]) -> tuple[list[rules.TermsInput], list[Any]]:
    items, problems = [], []
    for name, text in sources:
        try:
            items.append(rules.parse_terms(text, source_name=name))
        except ValidationFailed as exc:
            problems.extend(forms.problems(exc))
    return items, problems


@router.post("/contracts")
def import_contracts(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    files: Annotated[list[UploadFile] | None, File()] = None,
    text: Annotated[str, Form()] = "",
    source_name: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    sources, problems = _read_uploads(files)
    if text.strip():
        sources.append((PurePath(source_name.strip() or "pasted text").name, text))
    if not sources and not problems:
        problems = [
            {"file": None, "line": None, "field": "", "message": "choose a file or paste terms"}
        ]
    items, parse_problems = _parse_all(sources)
    problems += parse_problems
    touched = []
    if not problems:
        try:
            touched = service.import_terms(session, actor=principal, items=items)
        except ValidationFailed as exc:
            session.rollback()
            problems = forms.problems(exc)
    if problems:
        ctx = _new_context(session, import_problems=problems, text=text, source_name=source_name)
        return render(request, "contracts/new.html", ctx, status_code=422, active="contracts")
    if len(sources) == 1 and len(touched) == 1:
        return RedirectResponse(f"/contracts/{touched[0].id}", status_code=303)
    return RedirectResponse(f"/contracts?imported={len(items)}", status_code=303)


async def _form_values(request: Request) -> dict[str, str]:
    """The submitted form's text fields (already read and cached by the CSRF check)."""
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


@router.post("/contracts/new-form")
def create_from_form(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    values: Annotated[dict[str, str], Depends(_form_values)],
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    form = {path: values.get(path, "") for path in FORM_PATHS}
    text = yaml.safe_dump(
        _terms_from_form(form), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    reference = form["contract.reference"].replace("/", "-") or "new-contract"
    try:
        item = rules.parse_terms(text, source_name=f"{reference}.yaml", format="yaml")
        (contract,) = service.import_terms(session, actor=principal, items=[item])
    except ValidationFailed as exc:
        session.rollback()
        errors, others = _field_errors(forms.problems(exc), FORM_PATHS)
        ctx = _new_context(session, form=form, errors=errors, form_problems=others)
        return render(request, "contracts/new.html", ctx, status_code=422, active="contracts")
    return RedirectResponse(f"/contracts/{contract.id}", status_code=303)


# --- one contract --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    on: date
    label: str
    kind: str  # start, term, notice, renewal, end, asof
    labelled: bool = True


TIMELINE_WIDTH = 1000
TIMELINE_PAD = 16
LANE_HEIGHT = 30
MAX_LANES = 4
CHAR_WIDTH = 6.2  # average width of an 11px system-ui character, for laying out labels
LABELLED_RENEWALS = 3
_LABEL_PRIORITY = {"asof": 0, "start": 1, "notice": 2, "end": 3, "term": 4, "renewal": 5}


def _timeline(dates: KeyDatesRead, start_on: date, today: date) -> dict[str, Any]:
    """Positions for an SVG timeline of the key dates: term bars, marks, labels, years.

    Pure layout: the dates themselves come from the engine. Labels go in lanes above the
    axis, each in the lowest lane where it does not overlap the one before.
    """
    points = [_Point(start_on, "Start", "start")]
    initial = dates.initial_term_end
    points.append(_Point(initial.on, initial.label, "term"))
    current = dates.current_term_end
    if current is not None and current.on != initial.on:
        points.append(_Point(current.on, current.label, "term"))
    if dates.notice_deadline is not None:
        points.append(_Point(dates.notice_deadline.on, dates.notice_deadline.label, "notice"))
    for index, renewal in enumerate(dates.renewals):
        points.append(_Point(renewal.on, renewal.label, "renewal", index < LABELLED_RENEWALS))
    if dates.final_end is not None:
        points.append(_Point(dates.final_end.on, dates.final_end.label, "end"))
    as_of_label = "Today" if dates.as_of == today else "As of"
    points.append(_Point(dates.as_of, as_of_label, "asof"))

    low = min(p.on for p in points)
    high = max(p.on for p in points)
    span = max((high - low).days, 1)
    usable = TIMELINE_WIDTH - 2 * TIMELINE_PAD

    def x(day: date) -> float:
        return round(TIMELINE_PAD + (day - low).days / span * usable, 1)

    # Labels are placed most important first, each in the lowest lane where it overlaps no
    # other label; one that finds no lane stays an unlabelled dot (the table lists every date).
    labels: list[tuple[int, float, float]] = []  # (lane, left, right)
    lanes_used = 0
    placed = []
    for point in sorted(points, key=lambda p: (_LABEL_PRIORITY[p.kind], p.on)):
        px = x(point.on)
        mark: dict[str, Any] = {"x": px, "kind": point.kind, "label": point.label, "on": point.on}
        placed.append(mark)
        if not point.labelled:
            continue
        width = max(len(point.label), 10) * CHAR_WIDTH
        anchor, left = ("start", px) if px + width <= TIMELINE_WIDTH else ("end", px - width)
        right = left + width
        for lane in range(MAX_LANES):
            if not any(
                other == lane and left < other_right + 10 and right + 10 > other_left
                for other, other_left, other_right in labels
            ):
                labels.append((lane, left, right))
                lanes_used = max(lanes_used, lane + 1)
                mark.update(anchor=anchor, lane=lane)
                break
    placed.sort(key=lambda m: (m["on"], m["kind"] == "asof"))

    axis_y = 12 + max(lanes_used, 1) * LANE_HEIGHT + 14
    for mark in placed:
        if "lane" in mark:
            bottom = axis_y - 16 - mark["lane"] * LANE_HEIGHT
            mark.update(date_y=bottom, label_y=bottom - 12, leader_top=bottom + 3)
            mark["text_x"] = mark["x"] + (3 if mark["anchor"] == "start" else -3)

    # A contract that ended early (terminated) stops its bar at its final end.
    first_end = min(initial.on, dates.final_end.on) if dates.final_end else initial.on
    segments = [{"x": x(start_on), "width": x(first_end) - x(start_on), "kind": "initial"}]
    renewal_days = [r.on for r in dates.renewals]
    for index, begins in enumerate(renewal_days):
        if index + 1 < len(renewal_days):
            ends = renewal_days[index + 1] - timedelta(days=1)
        elif dates.final_end is not None and dates.final_end.on >= begins:
            ends = dates.final_end.on
        else:
            ends = high
        segments.append({"x": x(begins), "width": x(ends) - x(begins), "kind": "renewal"})

    years = high.year - low.year
    step = 1 if years <= 12 else 2 if years <= 24 else 5
    ticks = [
        {"x": x(date(year, 1, 1)), "label": str(year)}
        for year in range(low.year + 1, high.year + 1)
        if year % step == 0
    ]
    return {
        "width": TIMELINE_WIDTH,
        "height": axis_y + 30,
        "axis_y": axis_y,
        "axis_from": TIMELINE_PAD,
        "axis_to": TIMELINE_WIDTH - TIMELINE_PAD,
        "marks": placed,
        "segments": segments,
        "ticks": ticks,
    }


def _date_rows(dates: KeyDatesRead) -> list[dict[str, Any]]:
    """The key dates to list, each once, in date order."""
    candidates = [
        ("term", dates.initial_term_end),
        ("term", dates.current_term_end),
        ("notice", dates.notice_deadline),
        *(("renewal", r) for r in dates.renewals),
        ("end", dates.final_end),
    ]
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, date]] = set()
    for kind, item in candidates:
        if item is None or (item.label, item.on) in seen:
            continue
        seen.add((item.label, item.on))
        rows.append({"kind": kind, "item": item})
    return sorted(rows, key=lambda r: r["item"].on)


def _key_dates_context(
    session: SessionDep, contract: ContractRead, as_of: date, today: date
) -> dict[str, Any]:
    dates = queries.contract_key_dates(session, contract.id, as_of)
    version = next(v for v in contract.versions if v.number == dates.terms_version)
    return {
        "dates": dates,
        "date_rows": _date_rows(dates),
        "version_used": version,
        "as_of": as_of,
        "timeline": _timeline(dates, contract.start_on, today),
    }


def contract_context(
    session: SessionDep, principal: Principal, contract_id: int, tab: str, **extra: Any
) -> dict[str, Any]:
    """What every tab of a contract page shows: the header, the tabs and the write rights."""
    today = clock.today()
    contract = queries.contract_read(session, contract_id, today)
    record = queries.get_contract(session, contract_id)
    return {
        "contract": contract,
        "today": today,
        "tab": tab,
        "can_write": principal.can(Permission.CONTRACTS_WRITE),
        "can_read_audit": principal.can(Permission.AUDIT_READ),
        "parent": record.parent,
        "children": list(record.children),
        "document_count": len(record.documents),
        "latest": max(contract.versions, key=lambda v: v.number),
        "has_service_levels": service_level_queries.has_service_levels(record),
        "has_charges": commercial_queries.has_charges(record),
        "invoice_count": invoice_queries.count_invoices(session, contract_id),
        "error": None,
        **extra,
    }


def _overview(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    as_of: date | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "overview", **extra)
    today = ctx["today"]
    ctx.update(_key_dates_context(session, ctx["contract"], as_of or today, today))
    # Offer only the events that can still happen today (the service decides on submit).
    record = queries.get_contract(session, contract_id)
    version = rules.version_in_force(record, today)
    actions = queries.available_actions(session, contract_id, today)
    ctx.update(
        {
            "renewal": rules.document_of(version).renewal,
            "renewal_version": version.number,
            "offer_notice": actions.give_notice,
            "offer_renew": actions.renew,
            "offer_terminate": actions.terminate,
        }
    )
    return render(
        request, "contracts/contract.html", ctx, status_code=status_code, active="contracts"
    )


@router.get("/contracts/{contract_id}")
def contract_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    raw = request.query_params.get("as_of")
    as_of = _parse_date(raw)
    note = f"'{raw}' is not a date; showing today." if raw and as_of is None else None
    if forms.is_partial(request):
        today = clock.today()
        contract = queries.contract_read(session, contract_id, today)
        ctx = {"contract": contract, "today": today, "as_of_note": note}
        ctx.update(_key_dates_context(session, contract, as_of or today, today))
        return forms.vary(render(request, "contracts/_key_dates.html", ctx))
    return forms.vary(
        _overview(request, session, principal, contract_id, as_of=as_of, as_of_note=note)
    )


def _action_failed(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    exc: PactlineError | ValidationError,
    action: str,
) -> Response:
    """The contract page again, saying why the action was refused."""
    session.rollback()
    if isinstance(exc, ValidationError):
        message = "; ".join(f"{k}: {v}" if k else v for k, v in forms.model_errors(exc).items())
        status = 422
    else:
        message, status = forms.capitalised(exc.message), exc.http_status
    return _overview(
        request,
        session,
        principal,
        contract_id,
        status_code=status,
        error=message + ("" if message.endswith(".") else "."),
        failed_action=action,
    )


@router.post("/contracts/{contract_id}/terminate")
def terminate(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    terminated_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    try:
        if confirm != "yes":
            raise ValidationFailed(
                "tick the box to confirm the termination",
                details=[{"field": "confirm", "message": "required"}],
            )
        data = TerminateRequest(terminated_on=terminated_on, reason=reason)
        service.terminate_contract(session, actor=principal, contract_id=contract_id, data=data)
    except (Conflict, ValidationFailed, ValidationError) as exc:
        return _action_failed(request, session, principal, contract_id, exc, "terminate")
    return RedirectResponse(f"/contracts/{contract_id}", status_code=303)


@router.post("/contracts/{contract_id}/renew")
def renew(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    try:
        service.renew_contract(session, actor=principal, contract_id=contract_id)
    except (Conflict, ValidationFailed) as exc:
        return _action_failed(request, session, principal, contract_id, exc, "renew")
    return RedirectResponse(f"/contracts/{contract_id}", status_code=303)


@router.post("/contracts/{contract_id}/notice")
def give_notice(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    given_on: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    try:
        data = NoticeRequest(given_on=given_on)
        service.give_notice(session, actor=principal, contract_id=contract_id, data=data)
    except (Conflict, ValidationFailed, ValidationError) as exc:
        return _action_failed(request, session, principal, contract_id, exc, "notice")
    return RedirectResponse(f"/contracts/{contract_id}", status_code=303)


# --- editing the record --------------------------------------------------------------------


def _edit_form(session: SessionDep, contract_id: int) -> dict[str, str]:
    record = queries.get_contract(session, contract_id)

    def username(user: Any) -> str:
        return user.username if user is not None else ""

    return {
        "title": record.title,
        "region": record.region.name if record.region else "",
        "business_unit": record.business_unit.name if record.business_unit else "",
        "account_manager": username(record.account_manager),
        "commercial_lead": username(record.commercial_lead),
        "governance_lead": username(record.governance_lead),
        "total_value": "" if record.total_value is None else str(record.total_value),
        "annual_value": "" if record.annual_value is None else str(record.annual_value),
        "tags": ", ".join(record.tags or []),
    }


def _edit_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "overview")
    ctx.update(
        {
            "form": _edit_form(session, contract_id),
            "errors": {},
            "regions": queries.list_regions(session),
            "business_units": queries.list_business_units(session),
            "owners": _usernames(session),
            **extra,
        }
    )
    return render(request, "contracts/edit.html", ctx, status_code=status_code, active="contracts")


@router.get("/contracts/{contract_id}/edit")
def edit_contract_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    return _edit_page(request, session, principal, contract_id)


@router.post("/contracts/{contract_id}/edit")
def edit_contract(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    title: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    business_unit: Annotated[str, Form()] = "",
    account_manager: Annotated[str, Form()] = "",
    commercial_lead: Annotated[str, Form()] = "",
    governance_lead: Annotated[str, Form()] = "",
    total_value: Annotated[str, Form()] = "",
    annual_value: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    form = {
        "title": title,
        "region": region,
        "business_unit": business_unit,
        "account_manager": account_manager,
        "commercial_lead": commercial_lead,
        "governance_lead": governance_lead,
        "total_value": total_value,
        "annual_value": annual_value,
        "tags": tags,
    }
    try:
        # Every field is on the form, so an emptied field clears that fact.
        data = ContractUpdate(
            title=title.strip(),
            region=region,
            business_unit=business_unit,
            account_manager=account_manager,
            commercial_lead=commercial_lead,
            governance_lead=governance_lead,
            total_value=total_value.replace(",", "").strip() or None,
            annual_value=annual_value.replace(",", "").strip() or None,
            tags=[t.strip() for t in tags.split(",") if t.strip()],
        )
        service.update_contract(session, actor=principal, contract_id=contract_id, data=data)
    except (ValidationFailed, Conflict, ValidationError) as exc:
        session.rollback()
        if isinstance(exc, ValidationError):
            message, errors = "Please correct the highlighted fields.", forms.model_errors(exc)
            status = 422
        else:
            message, status = forms.capitalised(exc.message) + ".", exc.http_status
            errors = {p["field"]: p["message"] for p in forms.problems(exc) if p["field"]}
        return _edit_page(
            request,
            session,
            principal,
            contract_id,
            status_code=status,
            form=form,
            errors=errors,
            error=message,
        )
    return RedirectResponse(f"/contracts/{contract_id}", status_code=303)


# --- terms versions ------------------------------------------------------------------------


def _terms_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "terms")
    version = rules.version_in_force(queries.get_contract(session, contract_id), ctx["today"])
    ctx["charges_version"] = version
    ctx["charges"] = rules.document_of(version).charges
    ctx.setdefault("amend_problems", [])
    ctx.setdefault("text", "")
    ctx.update(extra)
    return render(request, "contracts/terms.html", ctx, status_code=status_code, active="contracts")


@router.get("/contracts/{contract_id}/terms")
def terms_page(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    start: str = "",
) -> Response:
    text = ""
    if start == "latest":
        # Start the amendment from the latest version's text, as it was given.
        record = queries.get_contract(session, contract_id)
        text = max(record.versions, key=lambda v: v.number).source_text
    return _terms_page(request, session, principal, contract_id, text=text)


@router.post("/contracts/{contract_id}/terms")
def amend_terms(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    sources, problems = _read_uploads([file] if file is not None else [])
    if not sources and text.strip():
        sources = [("pasted text", text)]
    if not sources and not problems:
        problems = [
            {"file": None, "line": None, "field": "", "message": "choose a file or paste terms"}
        ]
    items, parse_problems = _parse_all(sources)
    problems += parse_problems
    version = None
    if not problems:
        try:
            version = service.add_terms_version(
                session, actor=principal, contract_id=contract_id, item=items[0]
            )
        except ValidationFailed as exc:
            session.rollback()
            problems = forms.problems(exc)
    if version is None:
        return _terms_page(
            request,
            session,
            principal,
            contract_id,
            status_code=422,
            amend_problems=problems,
            text=text,
        )
    return RedirectResponse(f"/contracts/{contract_id}/terms/{version.number}", status_code=303)


@router.get("/contracts/{contract_id}/terms/{number}")
def version_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int, number: int
) -> Response:
    version = queries.get_version(session, contract_id, number)
    ctx = contract_context(session, principal, contract_id, "terms")
    ctx.update(
        {
            "terms_version": TermsVersionRead.model_validate(version),
            "source_text": version.source_text,
            "yaml": dump_terms(rules.document_of(version), "yaml"),
            "changes": queries.version_diff(session, contract_id, number),
        }
    )
    return render(request, "contracts/version.html", ctx, active="contracts")


def _download_name(reference: str, number: int, source_name: str, fmt: str) -> str:
    name = PurePath(source_name).name
    if PurePath(name).suffix.lower() in (".yaml", ".yml", ".json"):
        return name
    return f"{reference.replace('/', '-')}-v{number}.{'json' if fmt == 'json' else 'yaml'}"


@router.get("/contracts/{contract_id}/terms/{number}/download")
def download_version(
    session: SessionDep, principal: WebPrincipal, contract_id: int, number: int
) -> Response:
    version = queries.get_version(session, contract_id, number)
    filename = _download_name(
        version.contract.reference, number, version.source_name, version.source_format
    )
    media = "application/json" if version.source_format == "json" else "application/yaml"
    return Response(
        version.source_text.encode(),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": forms.attachment(filename)},
    )


# --- documents -----------------------------------------------------------------------------


def _documents_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "documents")
    record = queries.get_contract(session, contract_id)
    ctx["documents"] = [DocumentRead.model_validate(d) for d in record.documents]
    ctx.update(extra)
    return render(
        request, "contracts/documents.html", ctx, status_code=status_code, active="contracts"
    )


@router.get("/contracts/{contract_id}/documents")
def documents_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    return _documents_page(request, session, principal, contract_id)


@router.post("/contracts/{contract_id}/documents")
def upload_document(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    file: Annotated[UploadFile | None, File()] = None,
    title: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    try:
        service.upload_document(
            session,
            actor=principal,
            contract_id=contract_id,
            filename=(file.filename or "") if file is not None else "",
            data=file.file.read() if file is not None else b"",
            title=title,
            storage=request.app.state.settings.uploads_dir,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _documents_page(
            request,
            session,
            principal,
            contract_id,
            status_code=exc.http_status,
            error=forms.capitalised(exc.message) + ".",
            title=title,
        )
    return RedirectResponse(f"/contracts/{contract_id}/documents", status_code=303)


@router.get("/contracts/{contract_id}/documents/{document_id}")
def download_document(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    document_id: int,
) -> Response:
    document = queries.get_document(session, contract_id, document_id)
    path: Path = service.document_path(request.app.state.settings.uploads_dir, document.sha256)
    if not path.is_file():
        raise NotFound(f"the stored file of {document.filename} is missing; ask an administrator")
    return FileResponse(
        path,
        media_type=document.content_type,
        headers={"Content-Disposition": forms.attachment(document.filename)},
    )


@router.post("/contracts/{contract_id}/documents/{document_id}/remove")
def remove_document(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    document_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.CONTRACTS_WRITE)
    try:
        service.remove_document(
            session,
            actor=principal,
            contract_id=contract_id,
            document_id=document_id,
            reason=reason,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _documents_page(
            request,
            session,
            principal,
            contract_id,
            status_code=exc.http_status,
            error=forms.capitalised(exc.message) + ".",
        )
    return RedirectResponse(f"/contracts/{contract_id}/documents", status_code=303)


# --- history -------------------------------------------------------------------------------


@router.get("/contracts/{contract_id}/history")
def history_page(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    offset: int = 0,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "history")
    page = None
    if ctx["can_read_audit"]:
        rows = audit_queries.list_audit_events(
            session,
            principal,
            PageParams(limit=PAGE_SIZE, offset=max(offset, 0)),
            subject_type="contract",
            subject_id=str(contract_id),
        )
        page = Page[AuditEventRead](
            items=[AuditEventRead.model_validate(e) for e in rows.rows],
            total=rows.total,
            limit=rows.limit,
            offset=rows.offset,
        )
    ctx["page"] = page
    return render(request, "contracts/history.html", ctx, active="contracts")


# --- counterparties ------------------------------------------------------------------------


@router.get("/parties")
def parties_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    return render(
        request, "parties/list.html", {"parties": queries.list_parties(session)}, active="parties"
    )


@router.get("/parties/{party_id}")
def party_page(
    request: Request, session: SessionDep, principal: WebPrincipal, party_id: int
) -> Response:
    party = queries.get_party(session, party_id)
    today = clock.today()
    contracts = queries.portfolio(session, ContractFilters(counterparty_id=party.id), today)
    return render(
        request,
        "parties/party.html",
        {"party": party, "contracts": contracts, "today": today},
        active="parties",
    )
