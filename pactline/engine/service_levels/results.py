"""What evaluating a period produces: each measure's result, the period's credits, red flags."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pactline.engine.service_levels.enums import (
    EarnbackMode,
    EarnbackOutcome,
    EarnbackState,
    MeasureStatus,
    MeasureType,
    RedFlagKind,
)
from pactline.engine.service_levels.measurements import Period

__all__ = ["CreditTotals", "EarnbackDecision", "MeasureResult", "PeriodResult", "RedFlag"]

JSONValue = str | bool | None | list["JSONValue"] | dict[str, "JSONValue"]
"""What `to_dict` returns: JSON-ready values, with every Decimal written as a string."""


@dataclass(frozen=True)
class MeasureResult:
    """How one measure fared in one period, what it costs, and why."""

    id: str
    name: str
    type: MeasureType
    period: Period
    status: MeasureStatus
    actual: Decimal | None
    level: Decimal
    minimum: Decimal
    failed: bool
    default: bool
    credit_before_caps: Decimal
    credit: Decimal
    earnback: EarnbackState | None
    next_level: Decimal | None
    explanation: tuple[str, ...]

    @property
    def assessed(self) -> bool:
        """Whether the period counts for runs and windows (not excluded, due, or ignored)."""
        return is_assessed(self.status, failed=self.failed)

    def to_dict(self) -> dict[str, JSONValue]:
        """The measure as the CLI and API print it."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.value,
            "period": str(self.period),
            "actual": _text(self.actual),
            "level": _text(self.level),
            "minimum": _text(self.minimum),
            "status": self.status.value,
            "failed": self.failed,
            "default": self.default,
            "credit_before_caps": _text(self.credit_before_caps),
            "credit": _text(self.credit),
            "earnback": None if self.earnback is None else self.earnback.value,
            "next_level": _text(self.next_level),
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class CreditTotals:
    """The period's service credits: before caps, the cap, the total, and what happens next.

    `total` is this period's credits after caps (including any carried-in excess applied now).
    Earnback moves money around it: `payable` = total − deferred + released − refunded.
    """

    currency: str
    charge_base: Decimal
    at_risk_amount: Decimal
    uncapped: Decimal
    carried_in: Decimal
    cap: Decimal | None
    total: Decimal
    carried_forward: Decimal
    discarded: Decimal
    deferred: Decimal
    released: Decimal
    refunded: Decimal
    payable: Decimal
    explanation: tuple[str, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        """The totals as the CLI and API print them."""
        return {
            "currency": self.currency,
            "charge_base": _text(self.charge_base),
            "at_risk_amount": _text(self.at_risk_amount),
            "uncapped": _text(self.uncapped),
            "carried_in": _text(self.carried_in),
            "cap": _text(self.cap),
            "total": _text(self.total),
            "carried_forward": _text(self.carried_forward),
            "discarded": _text(self.discarded),
            "deferred": _text(self.deferred),
            "released": _text(self.released),
            "refunded": _text(self.refunded),
            "payable": _text(self.payable),
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class EarnbackDecision:
    """Where an earlier credit's earnback window stands after this period."""

    measure_id: str
    failure_period: Period
    amount: Decimal
    mode: EarnbackMode
    outcome: EarnbackOutcome
    periods_met: int
    window_periods: int
    explanation: str

    def to_dict(self) -> dict[str, JSONValue]:
        """The decision as the CLI and API print it."""
        return {
            "measure": self.measure_id,
            "failure_period": str(self.failure_period),
            "amount": _text(self.amount),
            "mode": self.mode.value,
            "outcome": self.outcome.value,
            "periods_met": str(self.periods_met),
            "window_periods": str(self.window_periods),
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class RedFlag:
    """A termination trigger reached: an alert for people, not money."""

    kind: RedFlagKind
    measure_id: str | None
    message: str

    def to_dict(self) -> dict[str, JSONValue]:
        """The flag as the CLI and API print it."""
        return {"kind": self.kind.value, "measure": self.measure_id, "message": self.message}


@dataclass(frozen=True)
class PeriodResult:
    """Everything about one service-level period, each number explained."""

    period: Period
    currency: str
    service_levels: tuple[MeasureResult, ...]
    service_credits: CreditTotals
    earnback: tuple[EarnbackDecision, ...]
    red_flags: tuple[RedFlag, ...]

    def measure(self, measure_id: str) -> MeasureResult:
        """The result of the measure with this id."""
        for result in self.service_levels:
            if result.id == measure_id:
                return result
        raise KeyError(measure_id)

    def to_dict(self) -> dict[str, JSONValue]:
        """The period as the CLI and API print it; Decimals become strings."""
        return {
            "period": str(self.period),
            "currency": self.currency,
            "service_levels": [result.to_dict() for result in self.service_levels],
            "service_credits": self.service_credits.to_dict(),
            "earnback": [decision.to_dict() for decision in self.earnback],
            "red_flags": [flag.to_dict() for flag in self.red_flags],
        }


def is_assessed(status: MeasureStatus, *, failed: bool) -> bool:
    """Whether a period counts for runs and windows of assessed periods.

    Excluded periods, periods a quarterly measure is not due, and missing reports the terms
    ignore are skipped: they neither break nor extend a run.
    """
    if status in (MeasureStatus.EXCLUDED, MeasureStatus.NOT_DUE):
        return False
    return status is not MeasureStatus.NOT_REPORTED or failed


def _text(value: Decimal | None) -> str | None:
    """A Decimal as text without losing digits ("4500.00"), or None."""
    return None if value is None else str(value)
