"""Money: rounding to the currency's minor unit, splitting totals exactly, and formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pactline.engine.money import (
    Rounding,
    allocate,
    format_money,
    minor_unit,
    plain_number,
    quantize_money,
    to_decimal,
)

D = Decimal

CURRENCIES = ["GBP", "USD", "EUR", "JPY", "KRW", "ISK", "BHD", "KWD", "OMR", "CLF"]


# -- minor units and rounding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("GBP", 2),
        ("usd", 2),
        ("XYZ", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("ISK", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("OMR", 3),
        ("JOD", 3),
        ("TND", 3),
        ("LYD", 3),
        ("IQD", 3),
    ],
)
def test_each_currency_rounds_to_its_iso_minor_unit(currency: str, places: int) -> None:
    assert minor_unit(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "rounding", "expected"),
    [
        pytest.param("4500", "GBP", Rounding.HALF_UP, D("4500.00"), id="whole-pounds"),
        pytest.param("2.345", "GBP", Rounding.HALF_UP, D("2.35"), id="half-up"),
        pytest.param("2.345", "GBP", Rounding.HALF_EVEN, D("2.34"), id="half-even"),
        pytest.param("2.341", "GBP", Rounding.UP, D("2.35"), id="up"),
        pytest.param("2.349", "GBP", Rounding.DOWN, D("2.34"), id="down"),
        pytest.param("-2.345", "GBP", Rounding.HALF_UP, D("-2.35"), id="half-up-away-from-zero"),
        pytest.param("-2.341", "GBP", Rounding.FLOOR, D("-2.35"), id="floor"),
        pytest.param("-2.349", "GBP", Rounding.CEILING, D("-2.34"), id="ceiling"),
        pytest.param("1234.5", "JPY", Rounding.HALF_UP, D("1235"), id="yen-has-no-minor-unit"),
        pytest.param("1.2345", "BHD", Rounding.HALF_UP, D("1.235"), id="dinar-has-three-places"),
        pytest.param("2.345", "GBP", "half_down", D("2.34"), id="mode-given-as-terms-string"),
        pytest.param("2.345", "GBP", "ROUND_HALF_EVEN", D("2.34"), id="mode-given-as-decimal-name"),
        pytest.param(7, "GBP", Rounding.HALF_UP, D("7.00"), id="int-input"),
    ],
)
def test_quantize_money_rounds_to_the_minor_unit_with_the_contracts_mode(
    amount: Decimal | int | str, currency: str, rounding: Rounding | str, expected: Decimal
) -> None:
    result = quantize_money(amount, currency, rounding)
    assert result == expected
    assert result.as_tuple().exponent == expected.as_tuple().exponent


def test_quantize_money_refuses_floats_because_they_have_already_lost_the_cents() -> None:
    with pytest.raises(TypeError, match="floats cannot hold amounts exactly"):
        quantize_money(0.1 + 0.2, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_to_decimal_refuses_text_that_is_not_a_finite_number(value: str) -> None:
    with pytest.raises(ValueError, match="charge"):
        to_decimal(value, "charge")


def test_to_decimal_refuses_booleans() -> None:
    with pytest.raises(TypeError):
        to_decimal(True, "charge")


@pytest.mark.parametrize("currency", ["GB", "GBPX", "12A", ""])
def test_a_currency_must_be_a_three_letter_code(currency: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        quantize_money("1", currency)


@given(
    amount=st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=6),
    currency=st.sampled_from(CURRENCIES),
    rounding=st.sampled_from(list(Rounding)),
)
def test_quantize_money_is_idempotent(amount: Decimal, currency: str, rounding: Rounding) -> None:
    once = quantize_money(amount, currency, rounding)
    assert quantize_money(once, currency, rounding) == once
    assert quantize_money(once, currency, Rounding.HALF_UP) == once


# -- allocation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "currency", "expected"),
    [
        pytest.param(
            "30000", ["14000", "12500", "9000"], "GBP",
            (D("11830.99"), D("10563.38"), D("7605.63")), id="cap-shared-over-three-failures",
        ),
        pytest.param("100", [1, 1, 1], "GBP", (D("33.33"), D("33.34"), D("33.33")), id="thirds"),
        pytest.param("100", [1, 1, 1], "JPY", (D("33"), D("34"), D("33")), id="yen-thirds"),
        pytest.param(
            "0.05", [1] * 10, "GBP",
            (D("0.01"), D("0.00")) * 5, id="tiny-total-never-goes-negative",
        ),
        pytest.param("10", [0, 3, 0], "GBP", (D("0.00"), D("10.00"), D("0.00")), id="zero-weights"),
        pytest.param("-9.99", [1, 2], "GBP", (D("-3.33"), D("-6.66")), id="negative-total"),
    ],
)  # fmt: skip
def test_allocate_splits_a_total_by_weight_and_the_last_part_takes_the_remainder(
    total: str, weights: list[int | str], currency: str, expected: tuple[Decimal, ...]
) -> None:
    parts = allocate(total, weights, currency)
    assert parts == expected
    assert sum(parts) == D(total)


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        pytest.param("10.005", [1], "round it with quantize_money first", id="unrounded-total"),
        pytest.param("10", [], "at least one weight", id="no-weights"),
        pytest.param("10", [0, 0], "greater than zero", id="all-zero"),
        pytest.param("10", [1, -1], r"weights\[1\]: a weight cannot be negative", id="negative"),
    ],
)
def test_allocate_refuses_splits_that_cannot_add_up(
    total: str, weights: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        allocate(total, weights, "GBP")


@given(
    cents=st.integers(min_value=-(10**11), max_value=10**11),
    weights=st.lists(
        st.decimals(min_value=0, max_value=10**6, allow_nan=False, places=3), min_size=1
    ).filter(lambda ws: sum(ws) > 0),
    currency=st.sampled_from(CURRENCIES),
    rounding=st.sampled_from([Rounding.HALF_UP, Rounding.HALF_EVEN, Rounding.DOWN]),
)
def test_allocated_parts_always_sum_to_the_total(
    cents: int, weights: list[Decimal], currency: str, rounding: Rounding
) -> None:
    total = quantize_money(D(cents).scaleb(-minor_unit(currency)), currency)
    parts = allocate(total, weights, currency, rounding)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    unit = D(1).scaleb(-minor_unit(currency))
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert quantize_money(part, currency) == part
        assert abs(part - total * weight / weight_sum) < unit + unit  # within a unit of its share
        if total >= 0:
            assert part >= 0


# -- formatting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("4500"), "GBP", "GBP 4,500.00"),
        (D("4500.00"), "gbp", "GBP 4,500.00"),
        (D("1234567.891"), "USD", "USD 1,234,567.891"),
        (D("1500"), "JPY", "JPY 1,500"),
        (D("2.5"), "KWD", "KWD 2.500"),
        (D("-30000"), "EUR", "EUR -30,000.00"),
        (D("-0.00"), "GBP", "GBP 0.00"),
        (D("3E+4"), "GBP", "GBP 30,000.00"),
    ],
)
def test_format_money_writes_the_code_thousands_separators_and_minor_unit(
    amount: Decimal, currency: str, expected: str
) -> None:
    assert format_money(amount, currency) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("99.50"), "99.5"),
        (Decimal("3E+4"), "30000"),
        (Decimal("30000.000"), "30000"),
        (Decimal("-0.00"), "0"),
        (Decimal("0.125"), "0.125"),
    ],
)
def test_a_plain_number_has_no_exponent_and_no_trailing_zeros(value: Decimal, text: str) -> None:
    assert plain_number(value) == text
