"""The inputs of invoice validation: the invoice as received, and what it is checked against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from pactline.engine.charges.common import BillingPeriod, ChargeKind
from pactline.engine.charges.rate_cards import UnitUsage
from pactline.engine.charges.statement import ChargeTerms, ServiceCredit, Statement
from pactline.engine.money import quantize_money, to_decimal

__all__ = ["Invoice", "InvoiceContext", "InvoiceLine", "RecordedVolumes"]


def _text(owner: object, name: str, where: str) -> str:
    """A required, non-blank text field, stripped."""
    value = getattr(owner, name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}{name}: give a non-empty text (got {value!r})")
    object.__setattr__(owner, name, value.strip())
    return value.strip()


def _date(value: object, name: str) -> None:
    """Refuse a datetime (or anything else) where a calendar date is meant."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name}: give a date, not {type(value).__name__} ({value!r})")


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One line of an invoice as received.

    `item_id` names what is billed: a statement line id ("desk", "servers:arc"), a charge id,
    a rate card item or entry, a resource unit category (with `kind` saying base, ARC or RRC)
    or a service credit id. Credits are negative, as on the statement. `period` is None when
    the line is for the invoice's own period. Tax is not a line: it goes in `tax_amount` and
    in the invoice's `tax`.
    """

    line_number: int
    item_id: str
    amount: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    kind: ChargeKind | None = None
    period: BillingPeriod | None = None
    tax_amount: Decimal | None = None
    description: str = ""

    def __post_init__(self) -> None:
        number = self.line_number
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"line_number: give a whole number from 1 (got {number!r})")
        where = f"line {number}: "
        _text(self, "item_id", where)
        object.__setattr__(self, "amount", to_decimal(self.amount, f"line {number}: amount"))
        for name in ("quantity", "unit_price", "tax_amount"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(value, f"line {number}: {name}"))
        if self.kind is not None:
            kind = ChargeKind(self.kind)
            if kind is ChargeKind.TAX:
                raise ValueError(
                    f"line {number}: kind: tax is not a line; give it as the line's tax_amount "
                    "and in the invoice's tax"
                )
            object.__setattr__(self, "kind", kind)
        if self.period is not None and not isinstance(self.period, BillingPeriod):
            raise TypeError(f"line {number}: period: give a BillingPeriod or None")


@dataclass(frozen=True)
class Invoice:
    """An invoice as received: header and lines.

    `subtotal` is the sum of the lines, credits included, before tax; `total` is subtotal plus
    tax. The checks report where an invoice's own figures do not add up; they are not refused
    here, because a wrong invoice is exactly what has to be read.
    """

    number: str
    counterparty: str
    issued_on: date
    period: BillingPeriod
    currency: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[InvoiceLine, ...] = ()

    def __post_init__(self) -> None:
        _text(self, "number", "")
        where = f"invoice {self.number}: "
        _text(self, "counterparty", where)
        _date(self.issued_on, f"{where}issued_on")
        if not isinstance(self.period, BillingPeriod):
            raise TypeError(f"{where}period: give a BillingPeriod")
        quantize_money(0, self.currency)  # a clear error for a malformed currency code
        object.__setattr__(self, "currency", self.currency.strip().upper())
        for name in ("subtotal", "tax", "total"):
            object.__setattr__(self, name, to_decimal(getattr(self, name), f"{where}{name}"))
        lines = tuple(self.lines)
        seen: set[int] = set()
        for line in lines:
            if not isinstance(line, InvoiceLine):
                raise TypeError(f"{where}lines: give InvoiceLine items, not {line!r}")
            if line.line_number in seen:
                raise ValueError(f"{where}line number {line.line_number} is used twice")
            seen.add(line.line_number)
        object.__setattr__(self, "lines", lines)


@dataclass(frozen=True)
class RecordedVolumes:
    """The consumption recorded for the invoice's period: resource-unit volumes and unit usage."""

    resource_volumes: Mapping[str, Decimal] = field(default_factory=dict)
    unit_usage: tuple[UnitUsage, ...] = ()

    def __post_init__(self) -> None:
        volumes = {
            key: to_decimal(value, f"resource_volumes[{key}]")
            for key, value in self.resource_volumes.items()
        }
        object.__setattr__(self, "resource_volumes", MappingProxyType(volumes))
        object.__setattr__(self, "unit_usage", tuple(self.unit_usage))

    def __hash__(self) -> int:
        """Hash by value."""
        return hash((frozenset(self.resource_volumes.items()), self.unit_usage))


@dataclass(frozen=True)
class InvoiceContext:
    """What an invoice is checked against: the period's statement and terms, and the facts.

    `credits_due` are the service credits the service-level engine computed; those earned
    `credit_lag_periods` before the invoice's period are due on it (others are ignored, as the
    statement does). `dispute_window_days`: a charge for a period that ended more than this many
    days before the invoice date is outside the window (None: no window).
    """

    statement: Statement
    terms: ChargeTerms
    volumes: RecordedVolumes = field(default_factory=RecordedVolumes)
    earlier_invoices: tuple[Invoice, ...] = ()
    terminated_on: date | None = None
    credits_due: tuple[ServiceCredit, ...] = ()
    dispute_window_days: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.statement, Statement):
            raise TypeError("statement: give the Statement built for the invoice's period")
        if not isinstance(self.terms, ChargeTerms):
            raise TypeError("terms: give the ChargeTerms in force for the invoice's period")
        if self.statement.currency.upper() != self.terms.currency.upper():
            raise ValueError(
                f"statement: its currency {self.statement.currency} is not the terms' "
                f"{self.terms.currency}"
            )
        earlier = tuple(self.earlier_invoices)
        for invoice in earlier:
            if not isinstance(invoice, Invoice):
                raise TypeError(f"earlier_invoices: give Invoice items, not {invoice!r}")
        object.__setattr__(self, "earlier_invoices", earlier)
        credits = tuple(self.credits_due)
        for credit in credits:
            if not isinstance(credit, ServiceCredit):
                raise TypeError(f"credits_due: give ServiceCredit items, not {credit!r}")
        object.__setattr__(self, "credits_due", credits)
        if self.terminated_on is not None:
            _date(self.terminated_on, "terminated_on")
        window = self.dispute_window_days
        if window is not None and (
            isinstance(window, bool) or not isinstance(window, int) or window < 0
        ):
            raise ValueError(
                f"dispute_window_days: give a whole number of days ≥ 0 (got {window!r})"
            )
