"""Jinja2 environment for the web UI: templates, navigation and display filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from pactline import __version__
from pactline.users.enums import ROLE_LABELS, Permission, Role
from pactline.users.principal import Principal
from pactline.web.auth import CSRF_FIELD, csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str | None  # None: the area is planned and not yet available
    permission: Permission | None = None


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", "Home", "/"),
    NavItem("portfolio", "Portfolio", None),
    NavItem("contracts", "Contracts", None),
    NavItem("obligations", "Obligations", None),
    NavItem("service_levels", "Service levels", None),
    NavItem("commercials", "Commercials", None),
    NavItem("invoices", "Invoices", None),
    NavItem("governance", "Governance", None),
    NavItem("health", "Health", None),
)
ADMIN_ITEMS: tuple[NavItem, ...] = (
    NavItem("admin_users", "Users and roles", "/admin/users", Permission.USERS_MANAGE),
    NavItem("admin_audit", "Audit trail", "/admin/audit", Permission.AUDIT_READ),
)


def _datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _date(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "—"
    return f"{currency} {value:,.2f}".strip()


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(datetime=_datetime, date=_date, money=_money)
templates.env.globals.update(
    version=__version__,
    nav_items=NAV_ITEMS,
    admin_items=ADMIN_ITEMS,
    role_labels=ROLE_LABELS,
    roles=list(Role),
    csrf_field=CSRF_FIELD,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    active: str = "",
) -> Response:
    """Render a page with the signed-in principal, CSRF token and active nav item."""
    ctx = dict(context or {})
    ctx.setdefault("active", active)
    ctx["csrf_token"] = csrf_token(request)
    user = ctx.setdefault("user", getattr(request.state, "user", None))
    if user is not None:
        principal = Principal.of(user)
        ctx["admin_nav"] = [
            i for i in ADMIN_ITEMS if i.permission is None or principal.can(i.permission)
        ]
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
