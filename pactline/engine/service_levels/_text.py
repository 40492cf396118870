"""Small wording helpers shared by the service-level explanations."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pactline.engine.money import format_money, plain_number


@lru_cache(maxsize=4096)
def num(value: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros ("99.5", "30000")."""
    # Remembered: levels, actuals and percentages repeat month after month. Equal Decimals
    # with different exponents (99.5, 99.50) give the same text, so sharing an entry is safe;
    # zero is written "0" whatever its sign, so -0 and 0 may share one too.
    return plain_number(value)


def pct(value: Decimal) -> str:
    """A percentage held as percent (12 means 12%): "12%"."""
    return f"{num(value)}%"


@lru_cache(maxsize=8192)
def money(amount: Decimal, currency: str) -> str:
    """An amount with its currency: "GBP 4,500.00"."""
    # Remembered like num: equal amounts read the same (format_money drops zeros that carry
    # no value and the sign of zero), and charge bases, caps and zero credits repeat.
    return format_money(amount, currency)


def plural(count: int | Decimal, noun: str) -> str:
    """ "1 period", "3 periods", "2 misses"."""
    shown = num(count) if isinstance(count, Decimal) else str(count)
    if count == 1:
        return f"{shown} {noun}"
    suffix = "es" if noun.endswith(("s", "x", "ch", "sh")) else "s"
    return f"{shown} {noun}{suffix}"


def listing(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
