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
from pactline.web.charts import month_label, whole

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str | None  # None: the area is planned and not yet available
    permission: Permission | None = None


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", "Home", "/"),
    NavItem("contracts", "Portfolio", "/contracts"),
    NavItem("parties", "Counterparties", "/parties"),
    NavItem("obligations", "Obligations", None),
    NavItem("service_levels", "Service levels", "/service-levels"),
    NavItem("commercials", "Commercials", "/commercials"),
    NavItem("invoices", "Invoices", "/invoices"),
    NavItem("leakage", "Leakage", "/leakage"),
    NavItem("disputes", "Disputes", "/disputes"),
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


def _days_until(value: date | None, today: date) -> int | None:
    """Whole days from `today` to `value` (negative when it has passed)."""
    return (value - today).days if value else None


def _relative_days(value: date | None, today: date) -> str:
    """A date relative to today, in words: "today", "in 23 days", "5 days ago"."""
    if value is None:
        return ""
    days = (value - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days:,} days" if days > 0 else f"{-days:,} days ago"


def _words(value: object) -> str:
    """An enum or snake_case value as lower-case words: "statement_of_work" -> "statement of
    work"."""
    if value is None:
        return "—"
    text = str(getattr(value, "value", value))
    return text.replace("_", " ")


def _label(value: object) -> str:
    """An enum or snake_case value as a label: "statement_of_work" -> "Statement of work"."""
    text = _words(value)
    return text[:1].upper() + text[1:]


_STATUS_BADGES = {
    "active": "badge-ok",
    "expiring": "badge-warn",
    "renewed": "badge-info",
    "terminated": "badge-muted",
    "expired": "badge-muted",
}


def _status_badge(value: object) -> str:
    """The badge class of a contract status (draft and not started stay neutral)."""
    return _STATUS_BADGES.get(str(getattr(value, "value", value)), "")


_FINDING_BADGES = {
    "open": "badge-warn",
    "disputed": "badge-bad",
    "accepted": "badge-info",
    "recovered": "badge-ok",
    "dismissed": "badge-muted",
}
_DISPUTE_BADGES = {
    "open": "badge-warn",
    "escalated": "badge-bad",
    "resolved": "badge-ok",
    "withdrawn": "badge-muted",
}


def _finding_badge(value: object) -> str:
    """The badge class of an invoice finding's status."""
    return _FINDING_BADGES.get(str(getattr(value, "value", value)), "")


def _dispute_badge(value: object) -> str:
    """The badge class of a dispute's status."""
    return _DISPUTE_BADGES.get(str(getattr(value, "value", value)), "")


def _filesize(value: int | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size):,} bytes" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{value} bytes"  # pragma: no cover - the loop always returns


def _number(value: Decimal | str | None) -> str:
    """A quantity, rate or volume as people write it: "2,080", "0.2", "—" for none."""
    if value is None or value == "":
        return "—"
    return whole(Decimal(value))


def _month_label(value: str | None) -> str:
    """ "2026-04" -> "Apr 2026"."""
    return month_label(value) if value else "—"


def _short_hash(value: str | None, length: int = 12) -> str:
    return value[:length] if value else "—"


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(
    datetime=_datetime,
    date=_date,
    money=_money,
    days_until=_days_until,
    relative_days=_relative_days,
    words=_words,
    label=_label,
    status_badge=_status_badge,
    finding_badge=_finding_badge,
    dispute_badge=_dispute_badge,
    filesize=_filesize,
    short_hash=_short_hash,
    number=_number,
    month_label=_month_label,
)
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
