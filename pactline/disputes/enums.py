"""Names used across the disputes area."""

from __future__ import annotations

from enum import StrEnum


class DisputeSubject(StrEnum):
    """What a dispute is about."""

    FINDING = "finding"  # an invoice finding
    CREDIT = "credit"  # a period's service credit


class DisputeStatus(StrEnum):
    """Open while it is argued (escalated when it went up a governance tier), then resolved or
    withdrawn."""

    OPEN = "open"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"

    @property
    def is_closed(self) -> bool:
        return self in (DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN)


class DisputeOutcome(StrEnum):
    """How a resolved dispute ended, from our side."""

    UPHELD = "upheld"  # our position held: the whole amount
    SETTLED = "settled"  # an agreed part of it
    REJECTED = "rejected"  # their position held: nothing


class DisputesAction(StrEnum):
    """The audit actions of the disputes area (``<area>.<past tense>``)."""

    OPENED = "disputes.opened"
    UPDATED = "disputes.updated"
    ESCALATED = "disputes.escalated"
    RESOLVED = "disputes.resolved"
    WITHDRAWN = "disputes.withdrawn"
