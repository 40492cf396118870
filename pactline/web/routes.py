"""Web pages: sign-in, home, account and administration. Handlers translate; services decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pactline.contracts import queries as contract_queries
from pactline.contracts.schemas import ContractFilters
from pactline.core import clock, migrate
from pactline.core.errors import AuthenticationFailed, PactlineError, Throttled
from pactline.core.http import SessionDep, SettingsDep
from pactline.core.pagination import Page, PageParams
from pactline.users import audit_queries, queries, service
from pactline.users.enums import ROLE_DESCRIPTIONS, Permission, Role
from pactline.users.principal import Principal
from pactline.users.schemas import AuditEventRead, TokenCreate, UserCreate, UserRead, UserUpdate
from pactline.web.auth import WebPrincipal, WebUser, csrf_protect, optional_user, sign_in, sign_out
from pactline.web.templating import render

public = APIRouter(dependencies=[Depends(csrf_protect)])
protected = APIRouter(dependencies=[Depends(csrf_protect)])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _safe_next(value: str | None) -> str:
    """Only same-site paths, so the sign-in page cannot redirect elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _errors(exc: PactlineError | ValidationError) -> tuple[str, dict[str, str]]:
    """A message and per-field errors for re-rendering a form."""
    if isinstance(exc, ValidationError):
        fields = {str(e["loc"][0]) if e["loc"] else "": e["msg"] for e in exc.errors()}
        return "Please correct the highlighted fields.", fields
    fields = {}
    if isinstance(exc.details, list):
        fields = {d["field"]: d["message"] for d in exc.details if isinstance(d, dict)}
    return exc.message[:1].upper() + exc.message[1:], fields


@public.get("/login")
def login_page(
    request: Request, user: Annotated[Any, Depends(optional_user)], next: str = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next)})


@public.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = service.authenticate_password(
            session, username=username, password=password, ip=_client_ip(request), settings=settings
        )
    except (AuthenticationFailed, Throttled) as exc:
        headers = {}
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.details["retry_after_seconds"])
        response = render(
            request,
            "login.html",
            {
                "error": exc.message.capitalize() + ".",
                "username": username,
                "next": _safe_next(next),
            },
            status_code=exc.http_status,
        )
        response.headers.update(headers)
        return response
    sign_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@public.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@protected.get("/")
def home(request: Request, session: SessionDep, user: WebUser) -> Response:
    principal = Principal.of(user)
    by_role = queries.count_users_by_role(session)
    engine = request.app.state.db.engine
    revision = migrate.current_revision(engine)
    can_read_audit = principal.can(Permission.AUDIT_READ)
    week_ago = clock.now() - timedelta(days=7)
    today = clock.today()
    upcoming = contract_queries.portfolio(
        session, ContractFilters(deadline_within_days=90, sort="next_action"), today
    )
    cards = [
        {
            "label": "Contracts",
            "value": contract_queries.count_contracts(session),
            "href": "/contracts",
        },
        {
            "label": "Deadlines in 90 days",
            "value": len(upcoming),
            "note": "Notice deadlines and ends needing action",
            "href": "/contracts?deadline_within_days=90&sort=next_action",
        },
        {"label": "Active users", "value": sum(by_role.values())},
        {
            "label": "Changes in the last 7 days",
            "value": audit_queries.count_audit_events_since(session, week_ago),
        },
        {
            "label": "Your API tokens",
            "value": sum(1 for t in queries.list_tokens(session, user.id) if t.revoked_at is None),
            "href": "/account/tokens",
        },
    ]
    return render(
        request,
        "home.html",
        {
            "cards": cards,
            "upcoming": upcoming[:8],
            "today": today,
            "users_by_role": list(by_role.items()),
            "recent": audit_queries.recent_audit_events(session, principal)
            if can_read_audit
            else None,
            "can_read_audit": can_read_audit,
            "system": {
                "dialect": engine.dialect.name,
                "revision": revision,
                "up_to_date": revision == migrate.head_revision(engine),
            },
        },
        active="home",
    )


# --- your account -------------------------------------------------------------------------


@protected.get("/account")
def account(request: Request, user: WebUser) -> Response:
    return render(request, "account/profile.html", active="account")


@protected.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    user: WebUser,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.change_own_password(
            session,
            actor=Principal.of(user),
            current_password=current_password,
            new_password=new_password,
        )
    except PactlineError as exc:
        message, _ = _errors(exc)
        return render(
            request,
            "account/profile.html",
            {"error": message},
            status_code=exc.http_status,
            active="account",
        )
    sign_in(request, user)  # keep this session; the new session_version ends the others
    return render(request, "account/profile.html", {"password_changed": True}, active="account")


def _tokens_page(
    request: Request, session: SessionDep, user_id: int, **extra: Any
) -> dict[str, Any]:
    return {
        "tokens": queries.list_tokens(session, user_id),
        "now": clock.now(),
        "revoke_base": "/account/tokens",
        **extra,
    }


@protected.get("/account/tokens")
def tokens(request: Request, session: SessionDep, user: WebUser) -> Response:
    return render(
        request, "account/tokens.html", _tokens_page(request, session, user.id), active="account"
    )


@protected.post("/account/tokens")
def create_token(
    request: Request,
    session: SessionDep,
    user: WebUser,
    name: Annotated[str, Form()] = "",
    expires_in_days: Annotated[str, Form()] = "90",
) -> Response:
    try:
        data = TokenCreate(
            name=name, expires_in_days=int(expires_in_days) if expires_in_days else None
        )
        _, secret = service.create_token(
            session, actor=Principal.of(user), user_id=user.id, data=data
        )
    except (PactlineError, ValidationError, ValueError) as exc:
        message = _errors(exc)[0] if isinstance(exc, PactlineError | ValidationError) else str(exc)
        return render(
            request,
            "account/tokens.html",
            _tokens_page(request, session, user.id, error=message),
            status_code=422,
            active="account",
        )
    return render(
        request,
        "account/tokens.html",
        _tokens_page(request, session, user.id, new_token=secret),
        status_code=201,
        active="account",
    )


@protected.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, session: SessionDep, principal: WebPrincipal, token_id: int
) -> Response:
    service.revoke_token(session, actor=principal, token_id=token_id)
    return RedirectResponse("/account/tokens", status_code=303)


# --- administration -----------------------------------------------------------------------


def _users_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    q: str | None = None,
    role: str | None = None,
    offset: int = 0,
    limit: int = 50,
    **extra: Any,
) -> dict[str, Any]:
    principal.require(Permission.USERS_MANAGE)
    role_filter = Role(role) if role in {r.value for r in Role} else None
    rows = queries.list_users(
        session, PageParams(limit=limit, offset=offset), role=role_filter, search=q
    )
    return {
        "page": Page[UserRead](
            items=[service.to_read(u) for u in rows.rows],
            total=rows.total,
            limit=rows.limit,
            offset=rows.offset,
        ),
        "q": q,
        "role": role_filter.value if role_filter else None,
        "role_descriptions": ROLE_DESCRIPTIONS,
        "form": {},
        "errors": {},
        **extra,
    }


@protected.get("/admin/users")
def admin_users(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    q: str | None = None,
    role: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Response:
    ctx = _users_page(
        request,
        session,
        principal,
        q=q,
        role=role,
        offset=max(offset, 0),
        limit=min(max(limit, 1), 500),
    )
    return render(request, "admin/users.html", ctx, active="admin_users")


@protected.post("/admin/users")
def admin_create_user(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    password: Annotated[str, Form()] = "",
) -> Response:
    form = {"username": username, "full_name": full_name, "email": email, "role": role}
    try:
        data = UserCreate(
            username=username,
            full_name=full_name,
            email=email or None,
            role=role,
            password=password or None,
        )
        created, generated = service.create_user(session, actor=principal, data=data)
    except (PactlineError, ValidationError) as exc:
        message, fields = _errors(exc)
        ctx = _users_page(request, session, principal, form=form, errors=fields, error=message)
        status = exc.http_status if isinstance(exc, PactlineError) else 422
        return render(request, "admin/users.html", ctx, status_code=status, active="admin_users")
    ctx = _users_page(request, session, principal, created=created, generated_password=generated)
    return render(request, "admin/users.html", ctx, status_code=201, active="admin_users")


def _user_page(
    request: Request, session: SessionDep, principal: Principal, user_id: int, **extra: Any
) -> dict[str, Any]:
    principal.require(Permission.USERS_MANAGE)
    subject = queries.get_user(session, user_id)
    events = (
        audit_queries.list_audit_events(
            session, principal, PageParams(limit=50), subject_type="user", subject_id=str(user_id)
        ).rows
        if principal.can(Permission.AUDIT_READ)
        else []
    )
    return {
        "subject": subject,
        "tokens": queries.list_tokens(session, user_id),
        "now": clock.now(),
        "revoke_base": f"/admin/users/{user_id}/tokens",
        "events": events,
        **extra,
    }


@protected.get("/admin/users/{user_id}")
def admin_user(
    request: Request, session: SessionDep, principal: WebPrincipal, user_id: int
) -> Response:
    return render(
        request,
        "admin/user.html",
        _user_page(request, session, principal, user_id),
        active="admin_users",
    )


@protected.post("/admin/users/{user_id}")
def admin_update_user(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    user_id: int,
    full_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    is_active: Annotated[str | None, Form()] = None,
) -> Response:
    try:
        data = UserUpdate(
            full_name=full_name,
            email=email or None,
            role=role or None,
            is_active=is_active == "true",
        )
        service.update_user(session, actor=principal, user_id=user_id, data=data)
    except (PactlineError, ValidationError) as exc:
        session.rollback()
        message, _ = _errors(exc)
        ctx = _user_page(request, session, principal, user_id, error=message)
        status = exc.http_status if isinstance(exc, PactlineError) else 422
        return render(request, "admin/user.html", ctx, status_code=status, active="admin_users")
    ctx = _user_page(request, session, principal, user_id, saved=True)
    return render(request, "admin/user.html", ctx, active="admin_users")


@protected.post("/admin/users/{user_id}/password")
def admin_reset_password(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    user_id: int,
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        generated = service.reset_password(
            session, actor=principal, user_id=user_id, password=password or None
        )
    except PactlineError as exc:
        message, _ = _errors(exc)
        ctx = _user_page(request, session, principal, user_id, error=message)
        return render(
            request, "admin/user.html", ctx, status_code=exc.http_status, active="admin_users"
        )
    ctx = _user_page(
        request, session, principal, user_id, saved=generated is None, generated_password=generated
    )
    return render(request, "admin/user.html", ctx, active="admin_users")


@protected.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def admin_revoke_token(
    request: Request, session: SessionDep, principal: WebPrincipal, user_id: int, token_id: int
) -> Response:
    service.revoke_token(session, actor=principal, token_id=token_id)
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@protected.get("/admin/audit")
def admin_audit(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    action: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Response:
    rows = audit_queries.list_audit_events(
        session,
        principal,
        PageParams(limit=min(max(limit, 1), 500), offset=max(offset, 0)),
        action=action or None,
    )
    return render(
        request,
        "admin/audit.html",
        {
            "page": Page[AuditEventRead](
                items=[AuditEventRead.model_validate(e) for e in rows.rows],
                total=rows.total,
                limit=rows.limit,
                offset=rows.offset,
            ),
            "action": action,
            "actions": audit_queries.list_actions(session, principal),
        },
        active="admin_audit",
    )
