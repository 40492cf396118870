"""What the disputes use cases take and give back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pactline.disputes.enums import DisputeOutcome, DisputeStatus, DisputeSubject


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class DisputeCreate(_Schema):
    """Open a dispute on a contract over one of its invoice findings (``finding_id``) or a
    month's service credit (``period``)."""

    finding_id: int | None = None
    period: str | None = Field(default=None, description="The credit's month, YYYY-MM")
    our_position: str = Field(min_length=1, max_length=5000)
    their_position: str | None = Field(default=None, max_length=5000)
    amount: Decimal | None = Field(
        default=None, description="Money at stake for us (default: the finding's or credit's)"
    )
    title: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _one_subject(self) -> DisputeCreate:
        if (self.finding_id is None) == (self.period is None):
            raise ValueError("give finding_id (an invoice finding) or period (a service credit)")
        return self


class DisputeUpdate(_Schema):
    """Record the counterparty's position, restate ours, or escalate."""

    their_position: str | None = Field(default=None, max_length=5000)
    our_position: str | None = Field(default=None, max_length=5000)
    escalate: bool = False
    note: str | None = Field(default=None, max_length=2000)


class DisputeResolve(_Schema):
    """End a dispute: upheld (the whole amount), settled (an agreed part) or rejected."""

    outcome: DisputeOutcome
    resolution: str = Field(min_length=1, max_length=5000)
    settled_amount: Decimal | None = None


class DisputeWithdraw(_Schema):
    """Withdraw a dispute we opened; the finding or credit goes back to review."""

    reason: str = Field(min_length=1, max_length=2000)


class DisputeRead(_Schema):
    """A dispute, with its age in days and what it is about."""

    id: int
    contract_id: int
    contract_reference: str
    subject: DisputeSubject
    finding_id: int | None
    credit_id: int | None
    subject_label: str
    title: str
    currency: str
    amount: Decimal
    our_position: str
    their_position: str | None
    status: DisputeStatus
    outcome: DisputeOutcome | None
    settled_amount: Decimal | None
    recovered_amount: Decimal | None = Field(
        description="What the outcome gives us: the amount, the settlement, or nothing"
    )
    resolution: str | None
    opened_at: datetime
    opened_by: str
    updated_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    age_days: int
