"""Tax on a statement: a rate per charge kind (or one rate for all), on the taxable subtotal.

Lines taxed at the same rate are grouped into one tax line, whose quantity is the taxable
amount and whose rate is the tax rate as a fraction. Service credits and delay damages reduce
the taxable amount unless the terms tax the charges before credits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from pactline.engine.charges.common import (
    HUNDRED,
    ZERO,
    ChargeKind,
    ChargeLine,
    RoundingPoint,
    decimal_field,
    listed_sum,
    money,
    num,
    pct,
    round_line,
    round_on_total,
    total,
)
from pactline.engine.money import Rounding, to_decimal

__all__ = ["TaxBase", "TaxTerms", "tax_lines"]


class TaxBase(StrEnum):
    """Whether credits reduce the taxable amount."""

    AFTER_CREDITS = "after_credits"
    BEFORE_CREDITS = "before_credits"


@dataclass(frozen=True)
class TaxTerms:
    """How tax is charged: one rate, optionally overridden per charge kind."""

    rate_pct: Decimal
    rates_by_kind: Mapping[ChargeKind, Decimal] = field(default_factory=dict)
    base: TaxBase = TaxBase.AFTER_CREDITS
    rounding: RoundingPoint = RoundingPoint.PER_LINE
    name: str = "Tax"

    def __post_init__(self) -> None:
        decimal_field(self, "rate_pct", minimum=ZERO)
        rates = {
            ChargeKind(kind): to_decimal(rate, f"rates_by_kind[{kind}]")
            for kind, rate in self.rates_by_kind.items()
        }
        if ChargeKind.TAX in rates:
            raise ValueError("rates_by_kind: tax is not charged on tax")
        for kind, rate in rates.items():
            if rate < 0:
                raise ValueError(f"rates_by_kind[{kind}]: a tax rate cannot be negative")
        object.__setattr__(self, "rates_by_kind", MappingProxyType(rates))
        object.__setattr__(self, "base", TaxBase(self.base))
        object.__setattr__(self, "rounding", RoundingPoint(self.rounding))

    def __hash__(self) -> int:
        """Hash by value, so terms holding tax terms stay usable as cache keys."""
        rates = frozenset(self.rates_by_kind.items())
        return hash((self.rate_pct, rates, self.base, self.rounding, self.name))

    def rate_for(self, kind: ChargeKind) -> Decimal:
        """The tax rate (percent) for lines of `kind`."""
        return self.rates_by_kind.get(kind, self.rate_pct)


def tax_lines(
    terms: TaxTerms,
    lines: Sequence[ChargeLine],
    currency: str,
    rounding: Rounding = Rounding.HALF_UP,
) -> tuple[ChargeLine, ...]:
    """The tax lines for a statement's (already rounded) charge and credit lines."""
    taxable = [
        line
        for line in lines
        if line.kind is not ChargeKind.TAX
        and not (line.kind.is_credit and terms.base is TaxBase.BEFORE_CREDITS)
    ]
    groups: dict[Decimal, list[ChargeLine]] = {}
    for line in taxable:
        groups.setdefault(terms.rate_for(line.kind), []).append(line)
    if not groups:
        return ()
    base_note = (
        "credits reduce the taxable amount"
        if terms.base is TaxBase.AFTER_CREDITS
        else "tax is charged on the charges before credits"
    )
    excluded = [
        line.id for line in lines if line.kind.is_credit and terms.base is TaxBase.BEFORE_CREDITS
    ]
    results: list[ChargeLine] = []
    for rate in sorted(groups, reverse=True):
        members = groups[rate]
        base = total(line.amount for line in members)
        amount = base * rate / HUNDRED
        steps = [
            f"Taxable at {pct(rate)}: {listed_sum(members, currency)} = "
            f"{money(base, currency)} ({base_note})",
        ]
        if excluded:
            steps.append("Not taxed (before credits): " + ", ".join(excluded))
        steps.append(
            f"{terms.name} = {money(base, currency)} × {pct(rate)} = {money(amount, currency)}"
        )
        line_id = "tax" if len(groups) == 1 else f"tax:{num(rate).replace(',', '')}"
        results.append(
            ChargeLine(
                kind=ChargeKind.TAX,
                id=line_id,
                description=f"{terms.name} at {pct(rate)}",
                quantity=base,
                rate=rate / HUNDRED,
                amount=amount,
                explanation=tuple(steps),
            )
        )
    if terms.rounding is RoundingPoint.PER_LINE:
        return tuple(round_line(line, currency, rounding) for line in results)
    return round_on_total(results, currency, rounding, f"{terms.name.lower()} total")
