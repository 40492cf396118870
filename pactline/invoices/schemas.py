"""What the invoices use cases take and give back (API bodies, CLI JSON, page data)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from pactline.engine.charges import ChargeKind
from pactline.engine.invoice_checks import FindingType
from pactline.invoices.enums import FindingStatus


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class InvoiceLineCreate(_Schema):
    """One line of an invoice sent as JSON (the invoice file's line columns)."""

    line: int = Field(description="Line number, from 1, unique on the invoice")
    item_id: str = Field(description="What the line bills: a charge, rate card entry or credit id")
    amount: Decimal = Field(description="The line's amount before tax; credits are negative")
    kind: ChargeKind | None = None
    description: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    tax: Decimal | None = Field(default=None, description="The line's tax")
    service_period: str | None = Field(
        default=None, description="The month the line is for, YYYY-MM, if not the invoice's"
    )


class InvoiceCreate(_Schema):
    """An invoice sent as JSON: the header, the lines, and optionally its stated totals
    (otherwise the sums of the lines)."""

    number: str
    counterparty: str
    issued_on: date
    period: str = Field(description="The month invoiced, YYYY-MM")
    currency: str
    lines: list[InvoiceLineCreate] = Field(min_length=1)
    subtotal: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None


class InvoiceLineRead(_Schema):
    line_number: int
    item_id: str
    kind: str | None
    description: str
    service_period: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    tax_amount: Decimal | None


class FindingRead(_Schema):
    """A finding: type, money at stake (invoiced − due, and for our side), where, why,
    evidence, status."""

    id: int
    invoice_id: int
    invoice_number: str
    contract_id: int
    contract_reference: str
    type: FindingType
    label: str
    basis: str = Field(description="claim (the terms prove it) or lead (a suspicion to review)")
    line_number: int | None
    period: str
    currency: str
    amount: Decimal = Field(description="Invoiced minus due: positive, the customer is overbilled")
    at_stake: Decimal = Field(description="Money at stake for our side; negative: in our favour")
    explanation: list[str]
    evidence: dict[str, str]
    current: bool
    status: FindingStatus
    status_reason: str | None
    status_changed_at: datetime
    status_changed_by: str


class InvoiceSummary(_Schema):
    """An invoice in a list: header, totals and what its validation found."""

    id: int
    contract_id: int
    contract_reference: str
    number: str
    counterparty: str
    issued_on: date
    period: str
    currency: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    validated_at: datetime | None
    validation_error: str | None
    findings: int = Field(description="Findings still at stake (open, disputed, accepted)")
    at_stake: Decimal = Field(description="Their money at stake for our side")


class InvoiceRead(InvoiceSummary):
    """An invoice whole: lines, findings, and the statement it was checked against."""

    source: str
    source_name: str
    source_sha256: str
    recorded_at: datetime
    recorded_by: str
    terms_version: int | None
    inputs_changed_at: datetime | None = Field(
        description="When the month's volumes, series, credit or terms last changed"
    )
    stale: bool = Field(
        description="Checked before its inputs last changed: validate it again to be current"
    )
    lines: list[InvoiceLineRead]
    all_findings: list[FindingRead]
    statement: dict[str, object] | None


class InvoicesImported(_Schema):
    """The outcome of an invoice import: the invoices stored and what their checks found."""

    file: str
    sha256: str
    invoices: list[InvoiceSummary]


class InvoiceValidated(_Schema):
    """The outcome of a re-validation."""

    invoice: InvoiceSummary
    raised: int = Field(description="New findings")
    withdrawn: int = Field(description="Findings the checks no longer raise")


class FindingStatusChange(_Schema):
    """Move a finding on: disputed, accepted, recovered, dismissed (with a reason), reopened."""

    status: FindingStatus
    reason: str | None = Field(default=None, max_length=2000)


class LeakageRow(_Schema):
    """Money at stake for one group (a finding type, month, counterparty or region)."""

    key: str
    label: str
    findings: int
    amount: Decimal


class LeakageCurrency(_Schema):
    """The leakage of one currency: totals by status, and open findings grouped four ways."""

    currency: str
    amount: Decimal = Field(
        description="Money at stake for us in the findings of the statuses asked for (leakage)"
    )
    findings: int = Field(description="How many findings that amount adds up")
    claims_amount: Decimal = Field(description="The part the terms prove (claims)")
    leads_amount: Decimal = Field(
        description="The part that is suspicion to review (leads: duplicates, unknown items)"
    )
    unresolved_amount: Decimal = Field(description="Open, disputed and accepted")
    recovered_amount: Decimal
    dismissed_amount: Decimal
    in_our_favour_amount: Decimal = Field(
        description="Findings of those statuses that are in our favour (not leakage)"
    )
    by_type: list[LeakageRow]
    by_period: list[LeakageRow]
    by_counterparty: list[LeakageRow]
    by_region: list[LeakageRow]
    by_contract: list[LeakageRow]


class Leakage(_Schema):
    """Leakage across the contracts asked for, one block per currency (amounts are never added
    across currencies)."""

    contract_id: int | None
    statuses: list[FindingStatus]
    currencies: list[LeakageCurrency]


class StatementLineRead(_Schema):
    """One line of a statement: what it charges (or credits) and how it was worked out."""

    id: str
    kind: ChargeKind
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal
    explanation: list[str]


class CreditDueRead(_Schema):
    """A service credit a statement applies: the month it was earned in and its amount."""

    id: str
    description: str
    earned_in: str
    amount: Decimal


class StatementRead(_Schema):
    """A contract's statement for a month: every line explained, the totals, and the stored
    facts it was priced from."""

    contract_id: int
    contract_reference: str
    period: str
    currency: str
    terms_version: int
    terms_label: str
    lines: list[StatementLineRead]
    subtotal: Decimal
    credits: Decimal
    tax: Decimal
    total: Decimal
    flags: list[str]
    volumes: dict[str, Decimal] = Field(description="Stored volumes of the month, by item")
    index_values: dict[str, Decimal] = Field(description="Index values by month, if indexed")
    fx_rate: Decimal | None
    credits_due: list[CreditDueRead] = Field(description="The service credits applied")
