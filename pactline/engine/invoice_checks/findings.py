"""What invoice validation reports: one finding per discrepancy, with the money at stake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from pactline.engine.money import quantize_money, to_decimal

__all__ = ["Finding", "FindingType"]


class FindingType(StrEnum):
    """The kinds of discrepancy between an invoice and the terms (DOMAIN.md §5)."""

    RATE_MISMATCH = "rate_mismatch"
    QUANTITY_MISMATCH = "quantity_mismatch"
    ARITHMETIC = "arithmetic"
    TAX_MISMATCH = "tax_mismatch"
    DUPLICATE_LINE = "duplicate_line"
    DUPLICATE_INVOICE = "duplicate_invoice"
    UNKNOWN_ITEM = "unknown_item"
    BILLED_AFTER_TERMINATION = "billed_after_termination"
    MISSING_SERVICE_CREDIT = "missing_service_credit"
    ARC_RRC = "arc_rrc"
    INDEXATION_ABOVE_CAP = "indexation_above_cap"
    OUTSIDE_DISPUTE_WINDOW = "outside_dispute_window"


@dataclass(frozen=True, slots=True)
class Finding:
    """One discrepancy: its type, the money at stake, where it is, why, and on what evidence.

    `amount` is signed: invoiced minus due. Positive means the invoice asks for more than the
    terms give (the customer is overbilled); negative means it asks for less (the supplier
    under-recovers: a charge not billed, a credit given that is not due). A supplier flips the
    sign to read it as revenue at stake. `line_number` is None for a finding on the invoice as a
    whole (its totals, its tax, a duplicate invoice).
    """

    type: FindingType
    amount: Decimal
    currency: str
    line_number: int | None
    explanation: tuple[str, ...]
    evidence: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", FindingType(self.type))
        object.__setattr__(self, "amount", to_decimal(self.amount, "amount"))
        quantize_money(0, self.currency)  # a clear error for a malformed currency code
        if self.line_number is not None and (
            isinstance(self.line_number, bool) or not isinstance(self.line_number, int)
        ):
            raise TypeError(f"line_number: give an int or None, not {self.line_number!r}")
        object.__setattr__(self, "explanation", tuple(self.explanation))
        for key, value in self.evidence.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"evidence: keys and values are strings (got {key!r}: {value!r})")
        # Frozen copy: a later edit to the caller's dict must not change a recorded finding.
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    def __hash__(self) -> int:
        """Hash by value, so findings can be compared as sets."""
        return hash(
            (
                self.type,
                self.amount,
                self.currency,
                self.line_number,
                self.explanation,
                frozenset(self.evidence.items()),
            )
        )
