"""Money: the one place amounts are rounded, split and written out for people to read.

Decisions worth knowing:

* Every amount is a `Decimal`. Numbers arriving as `int` or `str` are converted with
  `Decimal(str(value))`; a `float` is refused outright, because by the time it arrives it has
  already lost the cents the contract wrote (0.1 + 0.2 is 0.30000000000000004).
* Amounts are rounded to the currency's minor unit (ISO 4217): 2 decimal places unless the
  small table below says otherwise (0 for JPY, KRW, ISK...; 3 for BHD, KWD, OMR...).
  Half up is the default rounding; the contract may name another mode.
* `allocate` splits a total by weights so the parts add up to the total exactly: each part is
  the rounded running total minus the previous rounded running total, so the last part takes
  the remainder and no part can go negative when the weights are not negative.
* `format_money` never hides digits: an amount with more decimal places than the currency
  uses (an intermediate result before rounding) is shown in full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

__all__ = [
    "DEFAULT_MINOR_UNIT",
    "MINOR_UNITS",
    "Rounding",
    "allocate",
    "format_money",
    "minor_unit",
    "plain_number",
    "quantize_money",
    "to_decimal",
]

DEFAULT_MINOR_UNIT = 2
"""Decimal places of a currency the table below does not list."""

MINOR_UNITS: Mapping[str, int] = MappingProxyType(
    {
        # No minor unit in use (ISO 4217 exponent 0).
        "BIF": 0,
        "CLP": 0,
        "DJF": 0,
        "GNF": 0,
        "ISK": 0,
        "JPY": 0,
        "KMF": 0,
        "KRW": 0,
        "PYG": 0,
        "RWF": 0,
        "UGX": 0,
        "UYI": 0,
        "VND": 0,
        "VUV": 0,
        "XAF": 0,
        "XOF": 0,
        "XPF": 0,
        # Three decimal places (fils, baisa, millimes, dirhams).
        "BHD": 3,
        "IQD": 3,
        "JOD": 3,
        "KWD": 3,
        "LYD": 3,
        "OMR": 3,
        "TND": 3,
        # Four decimal places (accounting units).
        "CLF": 4,
        "UYW": 4,
    }
)
"""ISO 4217 minor units that differ from the default of 2 decimal places."""


class Rounding(StrEnum):
    """How an amount is rounded to the minor unit, as a contract may name it."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    HALF_DOWN = "half_down"
    UP = "up"
    DOWN = "down"
    CEILING = "ceiling"
    FLOOR = "floor"
    ZERO_FIVE_UP = "05up"

    @classmethod
    def _missing_(cls, value: object) -> Rounding | None:
        # Accept the `decimal` module's own constants ("ROUND_HALF_UP") as well as our names.
        if isinstance(value, str):
            for member in cls:
                if _DECIMAL_MODES[member] == value:
                    return member
        return None

    @property
    def decimal_mode(self) -> str:
        """The matching `decimal` rounding constant."""
        return _DECIMAL_MODES[self]

    def describe(self) -> str:
        """The mode in words, for explanations: "half up"."""
        return self.value.replace("_", " ")


_DECIMAL_MODES: Mapping[Rounding, str] = MappingProxyType(
    {
        Rounding.HALF_UP: ROUND_HALF_UP,
        Rounding.HALF_EVEN: ROUND_HALF_EVEN,
        Rounding.HALF_DOWN: ROUND_HALF_DOWN,
        Rounding.UP: ROUND_UP,
        Rounding.DOWN: ROUND_DOWN,
        Rounding.CEILING: ROUND_CEILING,
        Rounding.FLOOR: ROUND_FLOOR,
        Rounding.ZERO_FIVE_UP: ROUND_05UP,
    }
)


def to_decimal(value: Decimal | int | str, field: str = "value") -> Decimal:
    """`value` as a finite Decimal; floats and booleans are refused, naming `field`."""
    # Fast path: most values are already Decimals (checked once where they enter the terms).
    # `type(...) is` rather than isinstance, so a Decimal subclass still takes the full path.
    if type(value) is Decimal and value.is_finite():
        return value
    # bool is an int subclass: True would silently become 1.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(
            f"{field}: give a Decimal, int or str, not {type(value).__name__} ({value!r}); "
            "floats cannot hold amounts exactly"
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{field}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return number


def minor_unit(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 unless listed otherwise)."""
    return _currency(currency)[1]


def quantize_money(
    amount: Decimal | int | str,
    currency: str,
    rounding: Rounding | str = Rounding.HALF_UP,
) -> Decimal:
    """`amount` rounded to the currency's minor unit, half up unless the contract says otherwise."""
    number = to_decimal(amount, "amount")
    mode = rounding if type(rounding) is Rounding else Rounding(rounding)
    return number.quantize(_currency(currency)[2], rounding=mode.decimal_mode)


def allocate(
    total: Decimal | int | str,
    weights: Sequence[Decimal | int | str],
    currency: str,
    rounding: Rounding | str = Rounding.HALF_UP,
) -> tuple[Decimal, ...]:
    """Split `total` in proportion to `weights`; the parts add up to `total` exactly."""
    amount = to_decimal(total, "total")
    if amount != quantize_money(amount, currency, Rounding.HALF_UP):
        raise ValueError(
            f"total: {amount} has more decimal places than {_currency_code(currency)} uses "
            f"({minor_unit(currency)}); round it with quantize_money first"
        )
    numbers = [to_decimal(weight, f"weights[{index}]") for index, weight in enumerate(weights)]
    if not numbers:
        raise ValueError("weights: give at least one weight")
    for index, weight in enumerate(numbers):
        if weight < 0:
            raise ValueError(f"weights[{index}]: a weight cannot be negative (got {weight})")
    weight_sum = sum(numbers, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights: at least one weight must be greater than zero")
    # Trap: rounding each share on its own can overshoot (ten shares of 0.005 each round up to
    # 0.01, 0.10 in all, against a total of 0.05) and leave the last part negative. Rounding the
    # running total instead keeps every part within one minor unit of its exact share, and the
    # last part is exactly what remains.
    parts: list[Decimal] = []
    running_weight = Decimal(0)
    allocated = quantize_money(0, currency)
    for weight in numbers[:-1]:
        running_weight += weight
        running_total = quantize_money(amount * running_weight / weight_sum, currency, rounding)
        parts.append(running_total - allocated)
        allocated = running_total
    parts.append(amount - allocated)
    return tuple(parts)


def plain_number(value: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros ("99.5", "30000", "0")."""
    if not value:
        return "0"  # whatever its sign or exponent
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


def format_money(amount: Decimal | int | str, currency: str) -> str:
    """An amount for people to read: "GBP 4,500.00" (all digits kept if it is not yet rounded)."""
    number = to_decimal(amount, "amount")
    code, places, _ = _currency(currency)
    # Digits beyond the minor unit are shown (an unrounded intermediate must not look rounded),
    # but zeros that carry no value are not: 4500.0000 reads as 4,500.00.
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers only, checked by to_decimal
    if exponent < -places:  # more digits than the minor unit: drop the zeros that mean nothing
        exponent = number.normalize().as_tuple().exponent if number else 0
        assert isinstance(exponent, int)
    shown_places = max(places, -exponent)
    # Normalise -0.00 to 0.00: a sign on zero reads as an error in an explanation.
    if number == 0:
        number = abs(number)
    return f"{code} {number:,.{shown_places}f}"


def _currency(currency: str) -> tuple[str, int, Decimal]:
    """The currency's code, minor unit places, and minor unit as a Decimal ("GBP", 2, 0.01)."""
    # The type is checked before the cache: an unhashable argument would otherwise fail inside
    # lru_cache with a confusing "unhashable type" instead of this message.
    if not isinstance(currency, str):
        raise TypeError(f"currency: give an ISO 4217 code such as 'GBP', not {currency!r}")
    return _currency_data(currency)


@lru_cache(maxsize=256)
def _currency_data(currency: str) -> tuple[str, int, Decimal]:
    """`_currency` for a string, remembered: money is rounded and written out many times per
    period, always in the same few currencies."""
    # Safe to cache: the result depends only on the string and the constant MINOR_UNITS table,
    # and is immutable (a str, an int and a Decimal). Invalid codes raise, and lru_cache does
    # not remember exceptions, so every bad code is still refused.
    code = _currency_code(currency)
    places = MINOR_UNITS.get(code, DEFAULT_MINOR_UNIT)
    return code, places, Decimal(1).scaleb(-places)


def _currency_code(currency: str) -> str:
    """The ISO 4217 code, upper-cased; three letters or a clear error."""
    if not isinstance(currency, str):
        raise TypeError(f"currency: give an ISO 4217 code such as 'GBP', not {currency!r}")
    code = currency.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"currency: {currency!r} is not a three-letter ISO 4217 code")
    return code
