"""Delay damages for late delivery, and milestone payments with a holdback until acceptance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from pactline.engine.charges.common import (
    HUNDRED,
    ZERO,
    ChargeKind,
    ChargeLine,
    decimal_field,
    money,
    num,
    optional_decimal_field,
    pct,
    plural,
)
from pactline.engine.money import Rounding, allocate, quantize_money

__all__ = [
    "TERMINATION_RIGHTS_FLAG",
    "DelayBasis",
    "DelayDamages",
    "DelayDamagesTerms",
    "DelayUnit",
    "Milestone",
    "PartialPeriod",
    "delay_damages",
    "milestone_payments",
]

TERMINATION_RIGHTS_FLAG = "termination_rights"
"""The flag raised when a delay runs past the contract's delay limit."""


class DelayBasis(StrEnum):
    """How delay damages accrue."""

    PERCENT_OF_PRICE = "percent_of_price"  # rate_pct of the price per day or week
    FLAT_PER_DAY = "flat_per_day"  # a flat amount per day


class DelayUnit(StrEnum):
    """The period delay damages accrue per."""

    DAY = "day"
    WEEK = "week"

    @property
    def days(self) -> int:
        """Days in one period."""
        return 1 if self is DelayUnit.DAY else 7


class PartialPeriod(StrEnum):
    """How a part of a week counts."""

    CEILING = "ceiling"  # "per week or portion thereof": a started week counts
    FLOOR = "floor"  # "per whole week": only complete weeks count


@dataclass(frozen=True)
class DelayDamagesTerms:
    """A delay damages clause for one deliverable."""

    id: str
    description: str
    basis: DelayBasis = DelayBasis.PERCENT_OF_PRICE
    price: Decimal | None = None
    rate_pct: Decimal | None = None
    per: DelayUnit = DelayUnit.DAY
    partial: PartialPeriod = PartialPeriod.CEILING
    flat_amount: Decimal | None = None
    cap_pct: Decimal | None = None
    delay_limit_days: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis", DelayBasis(self.basis))
        object.__setattr__(self, "per", DelayUnit(self.per))
        object.__setattr__(self, "partial", PartialPeriod(self.partial))
        optional_decimal_field(self, "price", minimum=ZERO)
        optional_decimal_field(self, "rate_pct", minimum=ZERO)
        optional_decimal_field(self, "flat_amount", minimum=ZERO)
        optional_decimal_field(self, "cap_pct", minimum=ZERO)
        where = f"delay damages '{self.id}'"
        if self.basis is DelayBasis.PERCENT_OF_PRICE and (
            self.price is None or self.rate_pct is None
        ):
            raise ValueError(f"{where}: percent_of_price needs a price and a rate_pct")
        if self.basis is DelayBasis.FLAT_PER_DAY and self.flat_amount is None:
            raise ValueError(f"{where}: flat_per_day needs a flat_amount")
        if self.cap_pct is not None and self.price is None:
            raise ValueError(f"{where}: a cap_pct needs the price it is a percentage of")
        if self.delay_limit_days is not None and self.delay_limit_days < 0:
            raise ValueError(f"{where}: delay_limit_days cannot be negative")


@dataclass(frozen=True)
class DelayDamages:
    """Damages for one delay: how late, how many periods counted, the amount, and any flags."""

    id: str
    days_late: int
    periods: int
    amount: Decimal
    capped: bool
    termination_rights: bool
    explanation: tuple[str, ...]

    def as_line(self, description: str) -> ChargeLine:
        """The damages as a statement line (negative: they reduce what is owed)."""
        return ChargeLine(
            kind=ChargeKind.DELAY_DAMAGES,
            id=self.id,
            description=description,
            quantity=Decimal(self.periods),
            rate=None,
            amount=-self.amount if self.amount else ZERO,
            explanation=self.explanation,
            flags=(TERMINATION_RIGHTS_FLAG,) if self.termination_rights else (),
        )


def delay_damages(
    terms: DelayDamagesTerms, due_on: date, ended_on: date, currency: str
) -> DelayDamages:
    """Damages for a delivery due on `due_on` and delivered (or assessed) on `ended_on`."""
    days_late = max(0, (ended_on - due_on).days)
    steps = [
        f"{terms.description}: due {due_on.isoformat()}, delay counted to {ended_on.isoformat()}:"
        f" {plural(days_late, 'day')} late"
    ]
    counted_days = days_late
    termination = False
    limit = terms.delay_limit_days
    if limit is not None and days_late > limit:
        counted_days = limit
        termination = True
        steps.append(
            f"The delay exceeds the limit of {plural(limit, 'day')}: damages accrue for "
            f"{plural(limit, 'day')} only, and the customer's termination rights start (flagged)"
        )
    if terms.basis is DelayBasis.FLAT_PER_DAY:
        flat = terms.flat_amount or ZERO
        periods = counted_days
        amount = flat * periods
        steps.append(
            f"Flat damages: {plural(periods, 'day')} × {money(flat, currency)} = "
            f"{money(amount, currency)}"
        )
    else:
        periods = _periods(counted_days, terms, steps)
        price, rate = terms.price or ZERO, terms.rate_pct or ZERO
        amount = Decimal(periods) * rate / HUNDRED * price
        steps.append(
            f"Damages: {plural(periods, terms.per.value)} × {pct(rate)} × price "
            f"{money(price, currency)} = {money(amount, currency)}"
        )
    capped = False
    if terms.cap_pct is not None and terms.price is not None:
        cap = terms.cap_pct / HUNDRED * terms.price
        if amount > cap:
            capped = True
            steps.append(
                f"Capped at {pct(terms.cap_pct)} of the price: {money(cap, currency)} (the "
                f"uncapped {money(amount, currency)} is not due)"
            )
            amount = cap
        else:
            steps.append(
                f"Within the cap of {pct(terms.cap_pct)} of the price ({money(cap, currency)})"
            )
    return DelayDamages(
        id=terms.id,
        days_late=days_late,
        periods=periods,
        amount=amount,
        capped=capped,
        termination_rights=termination,
        explanation=tuple(steps),
    )


def _periods(days: int, terms: DelayDamagesTerms, steps: list[str]) -> int:
    """How many days or weeks a delay of `days` counts as."""
    if terms.per is DelayUnit.DAY:
        return days
    exact = Decimal(days) / Decimal(7)
    if terms.partial is PartialPeriod.CEILING:
        weeks = int(exact.to_integral_value(rounding=ROUND_CEILING))
        steps.append(
            f"Per week or portion thereof: {plural(days, 'day')} / 7 = {num(exact)}, rounded up "
            f"to {plural(weeks, 'week')}"
        )
    else:
        weeks = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        steps.append(
            f"Per whole week: {plural(days, 'day')} / 7 = {num(exact)}, rounded down to "
            f"{plural(weeks, 'week')}"
        )
    return weeks


@dataclass(frozen=True)
class Milestone:
    """A milestone payment: `price` due on achievement, less a holdback released on acceptance."""

    id: str
    description: str
    price: Decimal
    holdback_pct: Decimal = ZERO

    def __post_init__(self) -> None:
        decimal_field(self, "price", minimum=ZERO)
        decimal_field(self, "holdback_pct", minimum=ZERO)
        if self.holdback_pct > HUNDRED:
            raise ValueError(
                f"milestone '{self.id}': holdback_pct cannot exceed 100 "
                f"(got {num(self.holdback_pct)})"
            )


def milestone_payments(
    milestone: Milestone,
    currency: str,
    *,
    achieved: bool,
    accepted: bool,
    rounding: Rounding = Rounding.HALF_UP,
) -> tuple[ChargeLine, ...]:
    """The payment on achievement (price less holdback) and the holdback release on acceptance."""
    price = quantize_money(milestone.price, currency, rounding)
    share = milestone.holdback_pct
    if share in (ZERO, HUNDRED):
        holdback = price if share == HUNDRED else ZERO
    else:
        # The holdback is split off the price; the last part (the holdback) takes the remainder.
        holdback = allocate(price, [HUNDRED - share, share], currency, rounding)[1]
    payable = price - holdback
    split = (
        f"{milestone.description}: price {money(price, currency)}; holdback {pct(share)} = "
        f"{money(holdback, currency)}, so {money(payable, currency)} is payable on achievement"
    )
    lines: list[ChargeLine] = []
    if achieved:
        lines.append(
            ChargeLine(
                kind=ChargeKind.MILESTONE,
                id=milestone.id,
                description=milestone.description,
                quantity=None,
                rate=None,
                amount=payable,
                explanation=(split, f"Milestone achieved: {money(payable, currency)} due"),
            )
        )
    if accepted and holdback:
        lines.append(
            ChargeLine(
                kind=ChargeKind.MILESTONE,
                id=f"{milestone.id}:holdback_release",
                description=f"{milestone.description}: holdback released",
                quantity=None,
                rate=None,
                amount=holdback,
                explanation=(
                    split,
                    f"Milestone accepted: the holdback of {money(holdback, currency)} is released",
                ),
            )
        )
    return tuple(lines)
