"""Tiered prices and bands: successive quantity ranges with their own unit prices.

The same arithmetic prices tiered charges (graduated or volume) and the ARC/RRC bands of
resource units (incremental or all-units); only the words differ.

Quantities are treated as continuous. For graduated pricing a tier edge holds no units of its
own, so inclusivity does not change the amount; it decides which tier a quantity that lands
exactly on an edge has *reached*, which is what volume (all-units) pricing charges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pactline.engine.charges.common import (
    ZERO,
    ChargeKind,
    ChargeLine,
    decimal_field,
    money,
    num,
    optional_decimal_field,
    total,
)
from pactline.engine.money import to_decimal

__all__ = [
    "BeyondLastBand",
    "Tier",
    "TierMode",
    "TierPart",
    "TieredAmount",
    "TieredCharge",
    "TieredPrice",
    "price_tiered",
    "tiered_charge",
    "validate_tiers",
]

RENEGOTIATION_FLAG = "renegotiation"
"""The flag raised when a quantity runs past the last band and the contract says renegotiate."""


class TierMode(StrEnum):
    """How a tier table prices a quantity."""

    GRADUATED = "graduated"  # each unit at the price of the tier it falls in
    VOLUME = "volume"  # every unit at the price of the tier the whole quantity reaches


class BeyondLastBand(StrEnum):
    """What happens to units past the upper limit of the last (bounded) band."""

    RENEGOTIATE = "renegotiate"  # not priced; flagged for renegotiation
    LAST_RATE = "last_rate"  # priced at the last band's rate
    CAP = "cap"  # not charged: the last band's limit caps the charge


@dataclass(frozen=True)
class Tier:
    """One price range: units from `lower` to `upper` (None: no upper limit) at `unit_price`."""

    lower: Decimal
    upper: Decimal | None
    unit_price: Decimal
    includes_lower: bool = True
    includes_upper: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        decimal_field(self, "lower")
        optional_decimal_field(self, "upper")
        decimal_field(self, "unit_price")

    def range_text(self) -> str:
        """The range in words: "from 0 to under 100", "over 100 to 200 inclusive"."""
        start = f"from {num(self.lower)}" if self.includes_lower else f"over {num(self.lower)}"
        if self.upper is None:
            return f"{start} upwards"
        if self.includes_upper:
            return f"{start} to {num(self.upper)} inclusive"
        return f"{start} to under {num(self.upper)}"

    def contains(self, quantity: Decimal) -> bool:
        """Whether `quantity` lies in this tier, honouring the inclusivity of both edges."""
        above = quantity > self.lower or (quantity == self.lower and self.includes_lower)
        if self.upper is None:
            return above
        below = quantity < self.upper or (quantity == self.upper and self.includes_upper)
        return above and below


def _tier_name(tiers: Sequence[Tier], index: int, word: str = "tier") -> str:
    """ "tier 2 'Standard' (over 100 to 200 inclusive)"."""
    tier = tiers[index]
    named = f" '{tier.name}'" if tier.name else ""
    return f"{word} {index + 1}{named} ({tier.range_text()})"


def _capitalised(text: str) -> str:
    """`text` with its first letter in capitals, the rest untouched ("ARC band 1")."""
    return text[:1].upper() + text[1:]


def validate_tiers(tiers: Sequence[Tier], word: str = "tier") -> None:
    """Refuse tiers that leave gaps or overlap, or do not start at zero, naming the tier."""
    if not tiers:
        raise ValueError(f"give at least one {word}")
    for index, tier in enumerate(tiers):
        name = _tier_name(tiers, index, word)
        if tier.lower < 0:
            raise ValueError(f"{name} starts below zero")
        if tier.upper is not None and tier.upper <= tier.lower:
            raise ValueError(f"{name} ends at or before its start")
        if tier.unit_price < 0:
            raise ValueError(f"{name} has a negative price ({num(tier.unit_price)})")
    first = tiers[0]
    if first.lower != 0:
        raise ValueError(
            f"{_tier_name(tiers, 0, word)} starts at {num(first.lower)}: {word}s must cover "
            f"from zero upwards, so 0 to {num(first.lower)} has no {word}"
        )
    for index in range(1, len(tiers)):
        before, tier = tiers[index - 1], tiers[index]
        name, before_name = _tier_name(tiers, index, word), _tier_name(tiers, index - 1, word)
        if before.upper is None:
            raise ValueError(f"{name} overlaps {before_name}, which has no upper limit")
        if tier.lower > before.upper:
            raise ValueError(
                f"gap before {name}: nothing covers {num(before.upper)} to {num(tier.lower)} "
                f"after {before_name}"
            )
        if tier.lower < before.upper:
            raise ValueError(
                f"{name} overlaps {before_name} from {num(tier.lower)} to {num(before.upper)}"
            )
        if before.includes_upper and tier.includes_lower:
            raise ValueError(f"{name} overlaps {before_name}: both include {num(tier.lower)}")
        if not before.includes_upper and not tier.includes_lower:
            raise ValueError(
                f"gap before {name}: neither it nor {before_name} includes {num(tier.lower)}"
            )


@dataclass(frozen=True)
class TieredPrice:
    """A tier table and how it prices: graduated or volume."""

    tiers: tuple[Tier, ...]
    mode: TierMode = TierMode.GRADUATED

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(self.tiers))
        object.__setattr__(self, "mode", TierMode(self.mode))
        validate_tiers(self.tiers)


@dataclass(frozen=True)
class TierPart:
    """Units priced at one tier's price."""

    tier: int
    units: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TieredAmount:
    """A quantity priced through tiers: the parts, the amount, and what was left unpriced."""

    units: Decimal
    amount: Decimal
    parts: tuple[TierPart, ...]
    unpriced_units: Decimal
    explanation: tuple[str, ...]
    flags: tuple[str, ...] = ()

    @property
    def single_rate(self) -> Decimal | None:
        """The one unit price used, or None when several were."""
        prices = {part.unit_price for part in self.parts}
        return prices.pop() if len(prices) == 1 else None


def price_tiered(price: TieredPrice, quantity: Decimal) -> TieredAmount:
    """`quantity` priced through the tier table; a quantity past a bounded last tier is an error."""
    quantity = to_decimal(quantity, "quantity")
    if quantity < 0:
        raise ValueError(f"a tiered quantity cannot be negative (got {num(quantity)})")
    return price_range(
        price.tiers,
        graduated=price.mode is TierMode.GRADUATED,
        low=ZERO,
        high=quantity,
        beyond=None,
        word="tier",
    )


def price_range(
    tiers: Sequence[Tier],
    *,
    graduated: bool,
    low: Decimal,
    high: Decimal,
    beyond: BeyondLastBand | None,
    word: str,
) -> TieredAmount:
    """Price the units between `low` and `high` through `tiers` (validated, same measure).

    Graduated: each unit at the price of the tier it falls in. Otherwise (volume, all-units):
    every unit at the price of the tier `high` reaches. `beyond` None makes units past a bounded
    last tier an error.
    """
    if high <= low:
        return TieredAmount(ZERO, ZERO, (), ZERO, (f"No units to price through the {word}s",))
    if graduated:
        return _graduated(tiers, low, high, beyond, word)
    return _all_units(tiers, low, high, beyond, word)


def _past_the_end_error(tiers: Sequence[Tier], high: Decimal, word: str) -> ValueError:
    """The error for a quantity no tier reaches when the contract gives no rule for it."""
    return ValueError(
        f"{num(high)} is beyond the last {word}, {_tier_name(tiers, len(tiers) - 1, word)}, "
        f"and no rule prices units past it"
    )


def _graduated(
    tiers: Sequence[Tier],
    low: Decimal,
    high: Decimal,
    beyond: BeyondLastBand | None,
    word: str,
) -> TieredAmount:
    """Each unit between `low` and `high` at its own tier's price."""
    parts: list[TierPart] = []
    steps: list[str] = []
    for index, tier in enumerate(tiers):
        start = max(low, tier.lower)
        end = high if tier.upper is None else min(high, tier.upper)
        if end <= start:
            continue
        units = end - start
        amount = units * tier.unit_price
        parts.append(TierPart(index + 1, units, tier.unit_price, amount))
        steps.append(
            f"{_capitalised(_tier_name(tiers, index, word))}: {num(units)} units "
            f"({num(start)} to {num(end)}) × {num(tier.unit_price)} = {num(amount)}"
        )
    flags: tuple[str, ...] = ()
    unpriced = ZERO
    last = tiers[-1]
    if last.upper is not None and high > last.upper:
        past = high - max(low, last.upper)
        if beyond is None:
            raise _past_the_end_error(tiers, high, word)
        last_name = _tier_name(tiers, len(tiers) - 1, word)
        if beyond is BeyondLastBand.LAST_RATE:
            amount = past * last.unit_price
            parts.append(TierPart(len(tiers), past, last.unit_price, amount))
            steps.append(
                f"{num(past)} units past the end of {last_name} are priced at its rate, as "
                f"the contract says: {num(past)} × {num(last.unit_price)} = {num(amount)}"
            )
        else:
            unpriced = past
            steps.append(_unpriced_step(past, last_name, beyond))
            if beyond is BeyondLastBand.RENEGOTIATE:
                flags = (RENEGOTIATION_FLAG,)
    amount_total = total(part.amount for part in parts)
    if len(parts) > 1:
        label = "Graduated" if word == "tier" else "Incremental"
        steps.append(
            f"{label}: " + " + ".join(num(part.amount) for part in parts) + f" = "
            f"{num(amount_total)}"
        )
    return TieredAmount(
        units=total(part.units for part in parts),
        amount=amount_total,
        parts=tuple(parts),
        unpriced_units=unpriced,
        explanation=tuple(steps),
        flags=flags,
    )


def _unpriced_step(units: Decimal, last_name: str, beyond: BeyondLastBand) -> str:
    """Why units past the last band are not charged."""
    if beyond is BeyondLastBand.CAP:
        return f"{num(units)} units past the end of {last_name} are not charged: the contract caps"
    return (
        f"{num(units)} units past the end of {last_name} are not priced: the contract calls "
        "for renegotiation (flagged)"
    )


def _all_units(
    tiers: Sequence[Tier],
    low: Decimal,
    high: Decimal,
    beyond: BeyondLastBand | None,
    word: str,
) -> TieredAmount:
    """Every unit between `low` and `high` at the price of the tier `high` reaches."""
    units = high - low
    for index, tier in enumerate(tiers):
        if tier.contains(high):
            amount = units * tier.unit_price
            return TieredAmount(
                units=units,
                amount=amount,
                parts=(TierPart(index + 1, units, tier.unit_price, amount),),
                unpriced_units=ZERO,
                explanation=(
                    f"{num(high)} reaches {_tier_name(tiers, index, word)}, so all "
                    f"{num(units)} units are priced at its rate: {num(units)} × "
                    f"{num(tier.unit_price)} = {num(amount)}",
                ),
            )
    last_index = len(tiers) - 1
    last = tiers[last_index]
    if beyond is None or last.upper is None:
        raise _past_the_end_error(tiers, high, word)
    last_name = _tier_name(tiers, last_index, word)
    if beyond is BeyondLastBand.LAST_RATE:
        amount = units * last.unit_price
        return TieredAmount(
            units=units,
            amount=amount,
            parts=(TierPart(last_index + 1, units, last.unit_price, amount),),
            unpriced_units=ZERO,
            explanation=(
                f"{num(high)} is past the end of {last_name}; the contract prices all units at "
                f"the last rate: {num(units)} × {num(last.unit_price)} = {num(amount)}",
            ),
        )
    priced = max(ZERO, last.upper - low)
    amount = priced * last.unit_price
    step = (
        f"{num(high)} is past the end of {last_name}; units up to its limit are priced at its "
        f"rate: {num(priced)} × {num(last.unit_price)} = {num(amount)}"
    )
    return TieredAmount(
        units=priced,
        amount=amount,
        parts=(TierPart(last_index + 1, priced, last.unit_price, amount),) if priced else (),
        unpriced_units=units - priced,
        explanation=(step, _unpriced_step(units - priced, last_name, beyond)),
        flags=(RENEGOTIATION_FLAG,) if beyond is BeyondLastBand.RENEGOTIATE else (),
    )


@dataclass(frozen=True)
class TieredCharge:
    """A charge priced through a tier table from the quantity used in the period."""

    id: str
    description: str
    unit: str
    price: TieredPrice


def tiered_charge(charge: TieredCharge, quantity: Decimal, currency: str) -> ChargeLine:
    """The period's tiered charge for `quantity` units (unrounded)."""
    priced = price_tiered(charge.price, quantity)
    mode = charge.price.mode
    intro = f"{charge.description}: {num(quantity)} {charge.unit} priced {mode.value} " + (
        "(each unit at its tier's price)"
        if mode is TierMode.GRADUATED
        else "(all units at the price of the tier reached)"
    )
    return ChargeLine(
        kind=ChargeKind.UNIT,
        id=charge.id,
        description=charge.description,
        quantity=to_decimal(quantity, "quantity"),
        rate=priced.single_rate,
        amount=priced.amount,
        explanation=(
            intro,
            *priced.explanation,
            f"Charge = {money(priced.amount, currency)}",
        ),
        flags=priced.flags,
    )
