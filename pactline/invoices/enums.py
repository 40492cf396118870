"""Names used across the invoices area."""

from __future__ import annotations

from enum import StrEnum

from pactline.engine.invoice_checks import FindingType


class InvoiceSource(StrEnum):
    """How an invoice reached Pactline."""

    FILE = "file"
    API = "api"


class FindingStatus(StrEnum):
    """The life of a finding: raised open, then taken up with the counterparty or set aside."""

    OPEN = "open"
    DISPUTED = "disputed"
    ACCEPTED = "accepted"  # the counterparty agrees; the money is still to come
    RECOVERED = "recovered"  # credited, re-invoiced or paid: closed with the money
    DISMISSED = "dismissed"  # not a real discrepancy (a reason is required)

    @property
    def label(self) -> str:
        return self.value


FINDING_TRANSITIONS: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset(
        {FindingStatus.DISPUTED, FindingStatus.ACCEPTED, FindingStatus.DISMISSED}
    ),
    FindingStatus.DISPUTED: frozenset(
        {FindingStatus.ACCEPTED, FindingStatus.DISMISSED, FindingStatus.OPEN}
    ),
    FindingStatus.ACCEPTED: frozenset({FindingStatus.RECOVERED, FindingStatus.DISPUTED}),
    FindingStatus.RECOVERED: frozenset(),
    FindingStatus.DISMISSED: frozenset({FindingStatus.OPEN}),
}
"""Which moves are allowed; anything else is refused with the allowed next steps."""


def manual_moves(status: FindingStatus) -> frozenset[FindingStatus]:
    """The moves a person makes on a finding directly: every allowed one except in and out of
    disputed, which only a dispute makes (opening it, resolving or withdrawing it)."""
    if status is FindingStatus.DISPUTED:
        return frozenset()
    return FINDING_TRANSITIONS[status] - {FindingStatus.DISPUTED}


UNRESOLVED = frozenset({FindingStatus.OPEN, FindingStatus.DISPUTED, FindingStatus.ACCEPTED})
"""Findings whose money is still at stake."""

LEADS = frozenset(
    {FindingType.DUPLICATE_INVOICE, FindingType.DUPLICATE_LINE, FindingType.UNKNOWN_ITEM}
)
"""Finding types that are leads (suspicions to review: a second invoice with the same total,
out-of-scope work that may have been ordered) rather than claims the terms prove."""

FINDING_LABELS: dict[FindingType, str] = {
    FindingType.RATE_MISMATCH: "Rate differs from the rate card",
    FindingType.QUANTITY_MISMATCH: "Quantity differs from recorded volumes",
    FindingType.ARITHMETIC: "Arithmetic",
    FindingType.TAX_MISMATCH: "Tax",
    FindingType.DUPLICATE_LINE: "Duplicate line",
    FindingType.DUPLICATE_INVOICE: "Duplicate invoice",
    FindingType.UNKNOWN_ITEM: "Item not in the contract",
    FindingType.BILLED_AFTER_TERMINATION: "Billed after termination",
    FindingType.MISSING_SERVICE_CREDIT: "Service credit missing",
    FindingType.ARC_RRC: "ARC/RRC",
    FindingType.INDEXATION_ABOVE_CAP: "Uplift above the indexation cap",
    FindingType.OUTSIDE_DISPUTE_WINDOW: "Outside the dispute window",
}
"""Each finding type in words, for pages and reports."""


class InvoicesAction(StrEnum):
    """The audit actions of the invoices area (``<area>.<past tense>``)."""

    IMPORTED = "invoices.imported"
    VALIDATED = "invoices.validated"
    DELETED = "invoices.deleted"
    FINDING_STATUS_CHANGED = "invoices.finding_status_changed"
