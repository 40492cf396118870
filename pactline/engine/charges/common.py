"""What every charge calculation shares: periods, charge lines, and the words and numbers of
explanations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pactline.engine.calendars import add_months
from pactline.engine.money import Rounding, format_money, quantize_money, to_decimal

__all__ = [
    "BillingPeriod",
    "ChargeKind",
    "ChargeLine",
    "ExplainedAmount",
    "RoundingPoint",
    "contract_year",
]

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

_SHOWN_PLACES = 6
"""Decimal places shown for a number in an explanation before it is cut short with "…"."""


class ChargeKind(StrEnum):
    """What a statement line is for; the kinds are the vocabulary of statements and invoices."""

    FIXED = "fixed"
    UNIT = "unit"
    RESOURCE_BASE = "resource_base"
    ARC = "arc"
    RRC = "rrc"
    TRUE_UP = "true_up"
    INDEXATION = "indexation"
    FX = "fx"
    DELAY_DAMAGES = "delay_damages"
    MILESTONE = "milestone"
    SERVICE_CREDIT = "service_credit"
    TAX = "tax"

    @property
    def is_credit(self) -> bool:
        """Whether lines of this kind reduce what is owed (service credits, delay damages)."""
        return self in (ChargeKind.SERVICE_CREDIT, ChargeKind.DELAY_DAMAGES)


class RoundingPoint(StrEnum):
    """Where the contract rounds money to the currency's minor unit."""

    PER_LINE = "per_line"  # each line is rounded; totals add the rounded lines
    ON_TOTAL = "on_total"  # the total is rounded; lines are shown rounded, the last takes the rest


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """One billing period: `months` whole months from `start_on` (monthly unless stated)."""

    start_on: date
    months: int = 1

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError(f"a billing period is at least one month long (got {self.months})")

    @property
    def end_on(self) -> date:
        """The last day of the period (inclusive)."""
        return add_months(self.start_on, self.months) - timedelta(days=1)

    @property
    def days(self) -> int:
        """How many calendar days the period has."""
        return (self.end_on - self.start_on).days + 1

    @property
    def label(self) -> str:
        """The period for people: "2026-03", or "2026-01 to 2026-03" for a quarter."""
        first = f"{self.start_on.year:04d}-{self.start_on.month:02d}"
        if self.start_on.day != 1:
            first = self.start_on.isoformat()
        if self.months == 1 and self.start_on.day == 1:
            return first
        if self.start_on.day == 1:
            last = add_months(self.start_on, self.months - 1)
            return f"{first} to {last.year:04d}-{last.month:02d}"
        return f"{first} to {self.end_on.isoformat()}"

    def shifted(self, periods: int) -> BillingPeriod:
        """The period `periods` periods later (earlier when negative), of the same length."""
        return BillingPeriod(add_months(self.start_on, periods * self.months), self.months)


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One line of a statement: what is charged (or credited), how much, and why.

    `quantity × rate` is the amount before any cap and rounding, when both are given. Credits
    and reductions (RRC, service credits, delay damages) have negative amounts.
    """

    kind: ChargeKind
    id: str
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal
    explanation: tuple[str, ...]
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if type(self.kind) is not ChargeKind:  # most lines are made with their kind
            object.__setattr__(self, "kind", ChargeKind(self.kind))
        object.__setattr__(self, "amount", to_decimal(self.amount, "amount"))


@dataclass(frozen=True)
class ExplainedAmount:
    """An amount with the steps that produced it."""

    amount: Decimal
    explanation: tuple[str, ...]


def contract_year(contract_start_on: date, on: date) -> int:
    """The contract year `on` falls in: 1 for the first twelve months from the start, and so on."""
    if on < contract_start_on:
        raise ValueError(
            f"{on.isoformat()} is before the contract start {contract_start_on.isoformat()}"
        )
    year = 1
    # Counted from the fixed start date, never from a clamped anniversary (see calendars).
    while add_months(contract_start_on, 12 * year) <= on:
        year += 1
    return year


# --------------------------------------------------------------------------------------------
# Shared helpers for the charge modules (not part of the public API)
# --------------------------------------------------------------------------------------------


def decimal_field(owner: object, name: str, *, minimum: Decimal | None = None) -> Decimal:
    """Coerce a dataclass field to Decimal in place (refusing floats), optionally bounded below."""
    value = to_decimal(getattr(owner, name), name)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} cannot be below {num(minimum)} (got {num(value)})")
    object.__setattr__(owner, name, value)
    return value


def optional_decimal_field(
    owner: object, name: str, *, minimum: Decimal | None = None
) -> Decimal | None:
    """Like `decimal_field`, leaving None alone."""
    if getattr(owner, name) is None:
        return None
    return decimal_field(owner, name, minimum=minimum)


def num(value: Decimal) -> str:
    """A number for an explanation: thousands separators, no exponent, at most 6 places shown."""
    if value == 0:
        return "0"
    text = format(value.normalize(), ",f")
    whole, _, fraction = text.partition(".")
    if len(fraction) > _SHOWN_PLACES:
        # The calculation keeps every digit; only the sentence is shortened, and says so.
        return f"{whole}.{fraction[:_SHOWN_PLACES]}…"
    return text


def pct(value: Decimal) -> str:
    """A percentage for an explanation: "5%", "2.5%"."""
    return f"{num(value)}%"


def money(amount: Decimal, currency: str) -> str:
    """An amount for an explanation: "GBP 600.00", or every digit if not yet rounded."""
    if amount == quantize_money(amount, currency):
        return format_money(amount, currency)
    return f"{currency.upper()} {num(amount)}"


def plural(count: Decimal | int, noun: str) -> str:
    """ "1 unit", "2.5 units"."""
    shown = num(Decimal(count))
    return f"{shown} {noun}" if Decimal(count) == 1 else f"{shown} {noun}s"


_LISTED_IN_FULL = 20
"""A sum of at most this many lines is written out in full in an explanation."""

_LISTED_FIRST = 10
"""A longer sum names this many lines, then how many more and what they add up to."""


def listed_sum(lines: Sequence[ChargeLine], currency: str) -> str:
    """The lines' amounts as a sum for an explanation: "desk 10,000 + servers:arc 600".

    A statement may have a line per usage record: past `_LISTED_IN_FULL` lines, the first
    `_LISTED_FIRST` are named and the rest counted ("… and 4,990 more lines, GBP 12,345.00"),
    so an explanation stays a sentence.
    """
    if len(lines) <= _LISTED_IN_FULL:
        return " + ".join(f"{line.id} {num(line.amount)}" for line in lines)
    named = " + ".join(f"{line.id} {num(line.amount)}" for line in lines[:_LISTED_FIRST])
    rest = lines[_LISTED_FIRST:]
    others = money(total(line.amount for line in rest), currency)
    return f"{named} + … and {len(rest):,} more lines, {others}"


def negated(amount: Decimal) -> Decimal:
    """`-amount`, but plain zero for zero: "-0" reads as an error in a statement."""
    return -amount if amount else ZERO


def total(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of some amounts, starting from Decimal zero (never int 0)."""
    return sum(amounts, ZERO)


def round_line(line: ChargeLine, currency: str, rounding: Rounding) -> ChargeLine:
    """`line` with its amount rounded to the minor unit, saying so when that changed it."""
    rounded = quantize_money(line.amount, currency, rounding)
    if rounded == line.amount:
        if rounded.same_quantum(line.amount):
            return line  # already as it is shown: the same line, not a copy
        return _with_amount(line, rounded, line.explanation)
    step = (
        f"Rounded per line ({rounding.describe()}): {num(line.amount)} → "
        f"{format_money(rounded, currency)}"
    )
    return _with_amount(line, rounded, (*line.explanation, step))


def _with_amount(line: ChargeLine, amount: Decimal, explanation: tuple[str, ...]) -> ChargeLine:
    """`replace(line, amount=..., explanation=...)`, without looking up the fields each time:
    a statement may round a line per usage record."""
    return ChargeLine(
        line.kind,
        line.id,
        line.description,
        line.quantity,
        line.rate,
        amount,
        explanation,
        line.flags,
    )


def round_on_total(
    lines: Sequence[ChargeLine], currency: str, rounding: Rounding, what: str
) -> tuple[ChargeLine, ...]:
    """Lines shown rounded so that they add up to their rounded total: the last takes the rest."""
    if not lines:
        return ()
    exact_total = total(line.amount for line in lines)
    rounded_total = quantize_money(exact_total, currency, rounding)
    shown = [round_line_quietly(line, currency, rounding) for line in lines[:-1]]
    last = lines[-1]
    others = total(line.amount for line in shown)
    remainder = rounded_total - others
    if remainder != last.amount:
        step = (
            f"Rounded on the {what} ({rounding.describe()}): the exact {what} {num(exact_total)} "
            f"rounds to {format_money(rounded_total, currency)}; the other lines show "
            f"{format_money(others, currency)}, so this last line takes the remainder "
            f"{format_money(remainder, currency)} (exact {num(last.amount)})"
        )
        last = replace(last, amount=remainder, explanation=(*last.explanation, step))
    else:
        last = replace(last, amount=remainder)
    return (*shown, last)


def round_line_quietly(line: ChargeLine, currency: str, rounding: Rounding) -> ChargeLine:
    """A line rounded for display under rounding on the total, noting the exact amount."""
    rounded = quantize_money(line.amount, currency, rounding)
    if rounded == line.amount:
        if rounded.same_quantum(line.amount):
            return line
        return replace(line, amount=rounded)
    step = (
        f"Shown rounded ({rounding.describe()}) to {format_money(rounded, currency)} (exact "
        f"{num(line.amount)}); the contract rounds on the total"
    )
    return replace(line, amount=rounded, explanation=(*line.explanation, step))
