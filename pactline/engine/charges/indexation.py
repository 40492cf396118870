"""Indexation (COLA): prices move with a published index on each anniversary.

Decisions worth knowing (each is also spelt out in the explanations):

* Indexation compounds: each anniversary applies the index change since the previous
  anniversary to the price then in force, so with no floor, cap or discount the result is
  exactly old × index_now / index_base.
* On each anniversary the index change is first scaled by the pass-through (the "75% of the
  index change" discount factor), then by the indexed share of the charge ("only 60% is
  indexed"); the floor and cap then bound the resulting change in the price. "The lesser of
  the index or 3%" is a cap of 3%.
* An anniversary takes effect from the first billing period that starts on or after it.
* Index periods are "YYYY-MM" keys. The value read for an anniversary is that of the month
  `reference_lag_months` before it (e.g. 3: the October index for a January anniversary).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pactline.engine.calendars import add_months
from pactline.engine.charges.common import (
    HUNDRED,
    ONE,
    ZERO,
    ChargeKind,
    ExplainedAmount,
    decimal_field,
    num,
    optional_decimal_field,
    pct,
)
from pactline.engine.money import to_decimal

__all__ = [
    "DEFAULT_INDEXED_KINDS",
    "IndexationResult",
    "IndexationStep",
    "IndexationTerms",
    "index_period",
    "indexation_factor",
    "indexed_price",
]

DEFAULT_INDEXED_KINDS: frozenset[ChargeKind] = frozenset(
    {
        ChargeKind.FIXED,
        ChargeKind.UNIT,
        ChargeKind.RESOURCE_BASE,
        ChargeKind.TRUE_UP,
        ChargeKind.ARC,
        ChargeKind.RRC,
    }
)
"""Charge kinds a statement indexes unless the terms say otherwise."""

_MAX_ANNIVERSARIES = 1000
"""A guard against a runaway loop; no contract has a thousand anniversaries."""


def index_period(day: date) -> str:
    """The index period key of the month `day` falls in: "2026-10"."""
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class IndexationTerms:
    """The indexation clause: which index, from when, and how much of its movement applies."""

    index_name: str
    first_anniversary_on: date
    base_period: str | None = None
    interval_months: int = 12
    reference_lag_months: int = 0
    pass_through_pct: Decimal = HUNDRED
    indexed_share_pct: Decimal = HUNDRED
    floor_pct: Decimal | None = None
    cap_pct: Decimal | None = None
    applies_to: frozenset[ChargeKind] = DEFAULT_INDEXED_KINDS

    def __post_init__(self) -> None:
        decimal_field(self, "pass_through_pct", minimum=ZERO)
        decimal_field(self, "indexed_share_pct", minimum=ZERO)
        optional_decimal_field(self, "floor_pct")
        optional_decimal_field(self, "cap_pct")
        object.__setattr__(
            self, "applies_to", frozenset(ChargeKind(kind) for kind in self.applies_to)
        )
        if self.indexed_share_pct > HUNDRED:
            raise ValueError(
                f"indexed_share_pct cannot exceed 100 (got {num(self.indexed_share_pct)})"
            )
        if self.interval_months < 1:
            raise ValueError(f"interval_months must be at least 1 (got {self.interval_months})")
        if self.reference_lag_months < 0:
            raise ValueError(
                f"reference_lag_months cannot be negative (got {self.reference_lag_months})"
            )
        if (
            self.floor_pct is not None
            and self.cap_pct is not None
            and self.floor_pct > self.cap_pct
        ):
            raise ValueError(
                f"the indexation floor {pct(self.floor_pct)} is above the cap {pct(self.cap_pct)}"
            )
        if ChargeKind.TAX in self.applies_to:
            raise ValueError("tax is never indexed: remove 'tax' from applies_to")

    def anniversary(self, number: int) -> date:
        """The date of anniversary `number` (1 for the first), counted from the first."""
        return add_months(self.first_anniversary_on, (number - 1) * self.interval_months)

    def reference_period(self, number: int) -> str:
        """The index period read for anniversary `number`; 0 is the base period."""
        if number == 0 and self.base_period is not None:
            return self.base_period
        on = add_months(self.first_anniversary_on, (number - 1) * self.interval_months)
        return index_period(add_months(on, -self.reference_lag_months))


@dataclass(frozen=True)
class IndexationStep:
    """One anniversary: the index movement, how much of it applied, and the factor after it."""

    anniversary_on: date
    index_period: str
    index_value: Decimal
    base_period: str
    base_value: Decimal
    index_change: Decimal
    applied_change: Decimal
    factor: Decimal
    explanation: tuple[str, ...]


@dataclass(frozen=True)
class IndexationResult:
    """The cumulative price factor in force on a date, anniversary by anniversary."""

    as_of: date
    factor: Decimal
    steps: tuple[IndexationStep, ...]
    explanation: tuple[str, ...]

    @property
    def uplift(self) -> Decimal:
        """The cumulative change: factor − 1."""
        return self.factor - ONE


def _index_value(
    terms: IndexationTerms, series: Mapping[str, Decimal], period: str, needed_for: str
) -> Decimal:
    """The index value for `period`, or a clear error naming it."""
    if period not in series:
        raise ValueError(f"no {terms.index_name} value for {period} (needed for {needed_for})")
    value = to_decimal(series[period], f"{terms.index_name} {period}")
    if value <= 0:
        raise ValueError(f"the {terms.index_name} value for {period} must be positive")
    return value


def indexation_factor(
    terms: IndexationTerms, as_of: date, series: Mapping[str, Decimal]
) -> IndexationResult:
    """The price factor in force on `as_of`: every anniversary on or before it, compounded."""
    factor = ONE
    steps: list[IndexationStep] = []
    lines: list[str] = []
    number = 1
    while terms.anniversary(number) <= as_of:
        if number > _MAX_ANNIVERSARIES:  # pragma: no cover - a guard, not a rule
            raise ValueError("more anniversaries than any contract has: check the dates")
        step = _anniversary_step(terms, number, factor, series)
        steps.append(step)
        lines.extend(step.explanation)
        factor = step.factor
        number += 1
    if not steps:
        lines.append(
            f"No indexation anniversary on or before {as_of.isoformat()} (the first is "
            f"{terms.first_anniversary_on.isoformat()}): prices are at contract level"
        )
    elif len(steps) > 1:
        lines.append(
            f"Cumulative factor after {len(steps)} anniversaries (each builds on the previous "
            f"indexed price): {num(factor)}"
        )
    return IndexationResult(
        as_of=as_of, factor=factor, steps=tuple(steps), explanation=tuple(lines)
    )


def _anniversary_step(
    terms: IndexationTerms, number: int, factor: Decimal, series: Mapping[str, Decimal]
) -> IndexationStep:
    """Apply anniversary `number` to the factor in force before it."""
    on = terms.anniversary(number)
    needed_for = f"the indexation anniversary on {on.isoformat()}"
    now_period = terms.reference_period(number)
    base_period = terms.reference_period(number - 1)
    now_value = _index_value(terms, series, now_period, needed_for)
    base_value = _index_value(terms, series, base_period, needed_for)
    change = now_value / base_value - ONE
    name = terms.index_name
    lines = [
        f"Anniversary {on.isoformat()}: {name} {now_period} = {num(now_value)} against "
        f"{base_period} = {num(base_value)}: change {num(now_value)} / {num(base_value)} − 1 = "
        f"{pct(change * HUNDRED)}"
    ]
    applied = change
    if terms.pass_through_pct != HUNDRED:
        passed = applied * terms.pass_through_pct / HUNDRED
        lines.append(
            f"{pct(terms.pass_through_pct)} of the index change is passed on: "
            f"{pct(applied * HUNDRED)} × {pct(terms.pass_through_pct)} = {pct(passed * HUNDRED)}"
        )
        applied = passed
    if terms.indexed_share_pct != HUNDRED:
        shared = applied * terms.indexed_share_pct / HUNDRED
        lines.append(
            f"Only {pct(terms.indexed_share_pct)} of the charge is indexed: "
            f"{pct(applied * HUNDRED)} × {pct(terms.indexed_share_pct)} = "
            f"{pct(shared * HUNDRED)} on the whole price"
        )
        applied = shared
    lines.append(_limits_line(terms, applied))
    if terms.floor_pct is not None and applied * HUNDRED < terms.floor_pct:
        applied = terms.floor_pct / HUNDRED
    if terms.cap_pct is not None and applied * HUNDRED > terms.cap_pct:
        applied = terms.cap_pct / HUNDRED
    new_factor = factor * (ONE + applied)
    lines.append(f"Price factor {num(factor)} × (1 + {pct(applied * HUNDRED)}) = {num(new_factor)}")
    return IndexationStep(
        anniversary_on=on,
        index_period=now_period,
        index_value=now_value,
        base_period=base_period,
        base_value=base_value,
        index_change=change,
        applied_change=applied,
        factor=new_factor,
        explanation=tuple(lines),
    )


def _limits_line(terms: IndexationTerms, change: Decimal) -> str:
    """How the floor and cap treat a price change of `change`."""
    shown = pct(change * HUNDRED)
    floor, cap = terms.floor_pct, terms.cap_pct
    if floor is not None and change * HUNDRED < floor:
        return f"{shown} is below the floor of {pct(floor)}: the price rises by {pct(floor)}"
    if cap is not None and change * HUNDRED > cap:
        return f"{shown} is above the cap of {pct(cap)}: the price rises by {pct(cap)}"
    if floor is None and cap is None:
        return f"No floor or cap: the price changes by {shown}"
    bounds = " and ".join(
        text
        for text in (
            f"the floor of {pct(floor)}" if floor is not None else "",
            f"the cap of {pct(cap)}" if cap is not None else "",
        )
        if text
    )
    return f"{shown} respects {bounds}"


def indexed_price(
    price: Decimal, terms: IndexationTerms, as_of: date, series: Mapping[str, Decimal]
) -> ExplainedAmount:
    """`price` as indexed on `as_of` (unrounded): contract price × the cumulative factor."""
    price = to_decimal(price, "price")
    result = indexation_factor(terms, as_of, series)
    amount = price * result.factor
    return ExplainedAmount(
        amount=amount,
        explanation=(
            *result.explanation,
            f"Indexed price = {num(price)} × {num(result.factor)} = {num(amount)}",
        ),
    )
