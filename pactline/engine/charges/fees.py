"""Fixed periodic fees: a stated amount per month, quarter or year, pro-rated or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pactline.engine.charges.common import (
    BillingPeriod,
    ChargeKind,
    ChargeLine,
    decimal_field,
    money,
    num,
    plural,
)

__all__ = ["FeeFrequency", "FixedFee", "Proration", "fixed_fee_charge"]


class FeeFrequency(StrEnum):
    """The period the contract states a fixed fee for."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        """How many months the stated amount covers."""
        return {FeeFrequency.MONTHLY: 1, FeeFrequency.QUARTERLY: 3, FeeFrequency.ANNUAL: 12}[self]

    @property
    def noun(self) -> str:
        """ "month", "quarter", "year"."""
        return {
            FeeFrequency.MONTHLY: "month",
            FeeFrequency.QUARTERLY: "quarter",
            FeeFrequency.ANNUAL: "year",
        }[self]


class Proration(StrEnum):
    """How a fee is charged for a period the service covers only in part."""

    DAILY = "daily"  # by calendar days in force over days in the period
    NONE = "none"  # any day in force means the full period's fee


@dataclass(frozen=True)
class FixedFee:
    """A fixed fee: `amount` per `frequency`, in force from `starts_on` to `ends_on` (inclusive)."""

    id: str
    description: str
    amount: Decimal
    frequency: FeeFrequency = FeeFrequency.MONTHLY
    starts_on: date | None = None
    ends_on: date | None = None
    proration: Proration = Proration.DAILY

    def __post_init__(self) -> None:
        decimal_field(self, "amount")
        object.__setattr__(self, "frequency", FeeFrequency(self.frequency))
        object.__setattr__(self, "proration", Proration(self.proration))
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError(
                f"fixed fee '{self.id}': ends_on {self.ends_on.isoformat()} is before "
                f"starts_on {self.starts_on.isoformat()}"
            )


def fixed_fee_charge(fee: FixedFee, period: BillingPeriod, currency: str) -> ChargeLine | None:
    """The fee due for `period` (unrounded), or None when the fee is not in force in it."""
    first = max(period.start_on, fee.starts_on or period.start_on)
    last = min(period.end_on, fee.ends_on or period.end_on)
    if last < first:
        return None
    steps: list[str] = []
    stated = f"{money(fee.amount, currency)} per {fee.frequency.noun}"
    if period.months == fee.frequency.months:
        per_period = fee.amount
        steps.append(f"{fee.description}: {stated}")
    else:
        per_period = fee.amount * period.months / fee.frequency.months
        steps.append(
            f"{fee.description}: {stated}; for a period of {plural(period.months, 'month')}: "
            f"{num(fee.amount)} × {period.months}/{fee.frequency.months} = {num(per_period)}"
        )
    days_in_force = (last - first).days + 1
    if days_in_force == period.days:
        amount = per_period
        quantity = Decimal(1)
        steps.append(f"In force for the whole period {period.label}")
    elif fee.proration is Proration.NONE:
        amount = per_period
        quantity = Decimal(1)
        steps.append(
            f"In force for {days_in_force} of {period.days} days ({first.isoformat()} to "
            f"{last.isoformat()}); the contract does not pro-rate, so the full fee is due"
        )
    else:
        quantity = Decimal(days_in_force) / Decimal(period.days)
        amount = per_period * quantity
        steps.append(
            f"In force for {days_in_force} of {period.days} days ({first.isoformat()} to "
            f"{last.isoformat()}); pro-rated by day: {num(per_period)} × {days_in_force}/"
            f"{period.days} = {num(amount)}"
        )
    steps.append(f"Fee for {period.label} = {money(amount, currency)}")
    return ChargeLine(
        kind=ChargeKind.FIXED,
        id=fee.id,
        description=fee.description,
        quantity=quantity,
        rate=per_period,
        amount=amount,
        explanation=tuple(steps),
    )
