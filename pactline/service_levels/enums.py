"""Names used across the service-levels area."""

from __future__ import annotations

from enum import StrEnum


class MeasurementSource(StrEnum):
    """Where a measured value came from."""

    MANUAL = "manual"
    IMPORT = "import"
    COMPUTED = "computed"


class ExclusionStatus(StrEnum):
    """An exclusion is requested, then approved or rejected by someone allowed to."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ExclusionKind(StrEnum):
    """What an approved exclusion does to the measurement."""

    ADJUSTED_ACTUAL = "adjusted_actual"  # events or time removed: a corrected actual
    WHOLE_PERIOD = "whole_period"  # the period is not assessed at all


class CreditStatus(StrEnum):
    """The life of a period's service credit, from computation to the invoice."""

    COMPUTED = "computed"
    UNDER_REVIEW = "under_review"
    DISPUTED = "disputed"
    AGREED = "agreed"
    APPLIED = "applied"
    EARNED_BACK = "earned_back"

    @property
    def label(self) -> str:
        """The status in words: "under review"."""
        return self.value.replace("_", " ")


# Which moves are allowed; anything else is refused with the list of allowed next steps.
CREDIT_TRANSITIONS: dict[CreditStatus, frozenset[CreditStatus]] = {
    CreditStatus.COMPUTED: frozenset(
        {CreditStatus.UNDER_REVIEW, CreditStatus.AGREED, CreditStatus.DISPUTED}
    ),
    CreditStatus.UNDER_REVIEW: frozenset({CreditStatus.AGREED, CreditStatus.DISPUTED}),
    CreditStatus.DISPUTED: frozenset({CreditStatus.AGREED, CreditStatus.UNDER_REVIEW}),
    CreditStatus.AGREED: frozenset({CreditStatus.APPLIED, CreditStatus.EARNED_BACK}),
    CreditStatus.APPLIED: frozenset({CreditStatus.EARNED_BACK}),
    CreditStatus.EARNED_BACK: frozenset(),
}
