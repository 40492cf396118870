"""Terms documents and contracts for tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pactline.contracts import rules, service
from pactline.contracts.models import Contract
from pactline.users.principal import Principal


def terms_yaml(
    reference: str = "MSA-T-001",
    *,
    title: str = "Managed network services",
    kind: str = "master",
    parent: str | None = None,
    our_role: str = "customer",
    counterparty: str = "Northwind Networks Ltd",
    currency: str = "GBP",
    region: str | None = "EMEA",
    start_on: date = date(2026, 1, 1),
    months: int = 36,
    renewal_kind: str = "automatic",
    renewal_months: int = 12,
    max_renewals: int | None = 2,
    notice_period: int = 90,
    notice_unit: str = "calendar_days",
    effective_on: date | None = None,
    label: str | None = None,
    account_manager: str | None = None,
    annual_value: str | None = "1200000.00",
) -> str:
    """A valid terms document in YAML, with the given facts."""
    lines = [
        "pactline: 1",
        "contract:",
        f"  reference: {reference}",
        f"  title: {title}",
        f"  kind: {kind}",
    ]
    if parent:
        lines.append(f"  parent: {parent}")
    lines += [
        f"  our_role: {our_role}",
        f"  counterparty: {{name: {counterparty}, country: GB}}",
        f"  currency: {currency}",
    ]
    if region:
        lines.append(f"  region: {region}")
    if account_manager:
        lines += ["  owners:", f"    account_manager: {account_manager}"]
    if annual_value:
        lines += ["  values:", f'    annual: "{annual_value}"']
    if effective_on or label:
        lines.append("version:")
        if effective_on:
            lines.append(f"  effective_on: {effective_on.isoformat()}")
        if label:
            lines.append(f"  label: {label}")
    lines += ["term:", f"  start_on: {start_on.isoformat()}", f"  months: {months}", "renewal:"]
    lines.append(f"  kind: {renewal_kind}")
    if renewal_kind != "none":
        lines.append(f"  term_months: {renewal_months}")
        if max_renewals is not None and renewal_kind != "evergreen":
            lines.append(f"  max_renewals: {max_renewals}")
        lines += [
            "  notice:",
            f"    period: {notice_period}",
            f"    unit: {notice_unit}",
            "    given_by: either",
        ]
    lines += ["calendar:", "  country: GB", "  subdivision: ENG", "  non_business_day: preceding"]
    return "\n".join(lines) + "\n"


def import_contract(session: Session, text: str, name: str = "test.yaml") -> Contract:
    """Import one terms document as the system operator."""
    item = rules.parse_terms(text, source_name=name)
    (contract,) = service.import_terms(session, actor=Principal.system("test"), items=[item])
    return contract
