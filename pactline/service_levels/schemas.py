"""What the service-levels use cases take and give back (API bodies, CLI JSON, page data)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pactline.service_levels.enums import CreditStatus, ExclusionKind, ExclusionStatus

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class MeasurementCreate(_Schema):
    """One measured value, entered by hand. An empty value records 'not measured'."""

    measure_id: str = Field(min_length=1, max_length=64)
    period: str = Field(pattern=PERIOD_PATTERN, examples=["2026-03"])
    value: Decimal | None = Field(default=None, examples=["99.87"])
    note: str | None = Field(default=None, max_length=2000)


class MeasurementRead(_Schema):
    id: int
    measure_id: str
    period: str
    value: Decimal | None
    source: str
    source_name: str
    source_sha256: str | None
    definition: dict[str, Any] | None
    recorded_at: datetime
    recorded_by: str


class MeasurementsImported(_Schema):
    """The outcome of an import: how many values were added and how many replaced."""

    file: str
    sha256: str
    created: int
    updated: int
    periods: list[str]


class ComputedFigureRead(_Schema):
    """One computed monthly actual and how it was made."""

    measure_id: str
    period: str
    value: Decimal | None
    explanation: str


class MeasurementsComputed(_Schema):
    """The outcome of computing measurements from an events file."""

    file: str
    sha256: str
    source: str
    figures: list[ComputedFigureRead]


class ExclusionCreate(_Schema):
    """A request to exclude events or time from one measure's period."""

    measure_id: str = Field(min_length=1, max_length=64)
    period: str = Field(pattern=PERIOD_PATTERN, examples=["2026-03"])
    kind: ExclusionKind = ExclusionKind.ADJUSTED_ACTUAL
    ground: str | None = Field(
        default=None,
        max_length=64,
        description="The contract's ground for the exclusion (service_levels.exclusions[].id); "
        "required when the terms list grounds.",
    )
    actual_after_exclusions: Decimal | None = Field(
        default=None,
        description="The actual once the excluded events or time are removed "
        "(required for adjusted_actual, not allowed for whole_period).",
    )
    reason: str = Field(min_length=3, max_length=4000)
    evidence: str | None = Field(default=None, max_length=4000)


class ExclusionDecision(_Schema):
    """Approve or reject a requested exclusion, saying why."""

    approve: bool
    note: str = Field(min_length=3, max_length=4000)


class ExclusionRead(_Schema):
    id: int
    measure_id: str
    period: str
    kind: ExclusionKind
    ground: str | None
    actual_after_exclusions: Decimal | None
    reason: str
    evidence: str | None
    status: ExclusionStatus
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None


class CreditStatusChange(_Schema):
    """Move a period's service credit along its life: review, dispute, agree, apply, earn back."""

    status: CreditStatus
    note: str | None = Field(default=None, max_length=4000)
    invoice_reference: str | None = Field(
        default=None, max_length=100, description="Required when the status is applied."
    )


class CreditRead(_Schema):
    """A period's service credit as stored, with the engine's full result."""

    id: int
    period: str
    currency: str
    amount: Decimal
    at_risk_amount: Decimal | None
    status: CreditStatus
    terms_version: int
    evaluated_at: datetime
    evaluated_by: str
    status_changed_at: datetime
    invoice_reference: str | None
    note: str | None
    result: dict[str, Any]
