"""FX adjustment: prices set at a baseline exchange rate, with a share of the movement passed on.

adjustment = (baseline / actual − 1) × billings × share. With a band, nothing moves while the
movement stays within ±band; outside it, exclusion mode passes on only the part beyond the band
and trigger mode the whole movement. The rates are taken as the contract quotes them: the
formula, not a market convention, decides the direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pactline.engine.charges.common import (
    HUNDRED,
    ONE,
    ZERO,
    ChargeKind,
    decimal_field,
    money,
    num,
    optional_decimal_field,
    pct,
)
from pactline.engine.charges.indexation import DEFAULT_INDEXED_KINDS
from pactline.engine.charges.resource_units import DeadbandMode
from pactline.engine.money import to_decimal

__all__ = ["DEFAULT_FX_KINDS", "FxAdjustment", "FxTerms", "fx_adjustment"]

DEFAULT_FX_KINDS: frozenset[ChargeKind] = DEFAULT_INDEXED_KINDS | {
    ChargeKind.INDEXATION,
    ChargeKind.MILESTONE,
}
"""Charge kinds whose billings a statement adjusts for FX unless the terms say otherwise."""


@dataclass(frozen=True)
class FxTerms:
    """The FX clause: baseline rate, share of the movement passed on, and an optional band."""

    baseline_rate: Decimal
    share_pct: Decimal = HUNDRED
    band_pct: Decimal | None = None
    band_mode: DeadbandMode = DeadbandMode.EXCLUSION
    currency_pair: str = ""
    applies_to: frozenset[ChargeKind] = DEFAULT_FX_KINDS

    def __post_init__(self) -> None:
        decimal_field(self, "baseline_rate")
        decimal_field(self, "share_pct", minimum=ZERO)
        optional_decimal_field(self, "band_pct", minimum=ZERO)
        object.__setattr__(self, "band_mode", DeadbandMode(self.band_mode))
        object.__setattr__(
            self, "applies_to", frozenset(ChargeKind(kind) for kind in self.applies_to)
        )
        if self.baseline_rate <= 0:
            raise ValueError(f"the FX baseline rate must be positive (got {self.baseline_rate})")
        if ChargeKind.TAX in self.applies_to:
            raise ValueError("tax is never FX-adjusted: remove 'tax' from applies_to")


@dataclass(frozen=True)
class FxAdjustment:
    """The period's FX adjustment: the movement, the part passed on, and the amount."""

    movement: Decimal
    applied_movement: Decimal
    rate: Decimal
    billings: Decimal
    amount: Decimal
    explanation: tuple[str, ...]


def fx_adjustment(
    terms: FxTerms, actual_rate: Decimal, billings: Decimal, currency: str
) -> FxAdjustment:
    """The adjustment to `billings` for the period's exchange rate (unrounded)."""
    actual_rate = to_decimal(actual_rate, "actual_rate")
    billings = to_decimal(billings, "billings")
    if actual_rate <= 0:
        raise ValueError(f"the actual exchange rate must be positive (got {actual_rate})")
    pair = f" {terms.currency_pair}" if terms.currency_pair else ""
    movement = terms.baseline_rate / actual_rate - ONE
    steps = [
        f"Exchange rate{pair}: baseline {num(terms.baseline_rate)}, actual {num(actual_rate)}: "
        f"movement {num(terms.baseline_rate)} / {num(actual_rate)} − 1 = "
        f"{pct(movement * HUNDRED)}"
    ]
    applied = movement
    if terms.band_pct is not None:
        band = terms.band_pct / HUNDRED
        if abs(movement) <= band:
            applied = ZERO
            steps.append(
                f"{pct(movement * HUNDRED)} is within the band of ±{pct(terms.band_pct)}: "
                "no adjustment"
            )
        elif terms.band_mode is DeadbandMode.EXCLUSION:
            applied = movement - band if movement > 0 else movement + band
            steps.append(
                f"Only the part beyond the band of ±{pct(terms.band_pct)} is passed on: "
                f"{pct(movement * HUNDRED)} {'−' if movement > 0 else '+'} "
                f"{pct(terms.band_pct)} = {pct(applied * HUNDRED)}"
            )
        else:
            steps.append(
                f"{pct(movement * HUNDRED)} is outside the band of ±{pct(terms.band_pct)}, so "
                "the whole movement is passed on"
            )
    rate = applied * terms.share_pct / HUNDRED
    amount = rate * billings
    steps.append(
        f"Adjustment = {pct(applied * HUNDRED)} × billings {money(billings, currency)} × share "
        f"{pct(terms.share_pct)} = {money(amount, currency)}"
    )
    return FxAdjustment(
        movement=movement,
        applied_movement=applied,
        rate=rate,
        billings=billings,
        amount=amount,
        explanation=tuple(steps),
    )
