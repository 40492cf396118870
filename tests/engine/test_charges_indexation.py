"""Indexation (COLA): index ratios on anniversaries, floors, caps, discounts, compounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pactline.engine.charges import (
    IndexationTerms,
    index_period,
    indexation_factor,
    indexed_price,
)

D = Decimal
FIRST = date(2027, 1, 1)
SECOND = date(2028, 1, 1)


def cpi(**changes: Any) -> IndexationTerms:
    """CPI on 1 January each year from 2027, read from the October three months before."""
    fields: dict[str, Any] = {
        "index_name": "CPI",
        "first_anniversary_on": FIRST,
        "reference_lag_months": 3,
    }
    fields.update(changes)
    return IndexationTerms(**fields)


def series(*values: str) -> dict[str, Decimal]:
    """October values from 2025 on."""
    return {f"{2025 + offset}-10": D(value) for offset, value in enumerate(values)}


@pytest.mark.parametrize(
    ("terms", "values", "as_of", "factor"),
    [
        pytest.param(cpi(), ("100", "103"), FIRST, D("1.03"), id="plain-ratio"),
        pytest.param(cpi(), ("100", "103"), date(2026, 12, 31), D(1), id="before-anniversary"),
        pytest.param(
            cpi(floor_pct=D(2), cap_pct=D(5)), ("100", "101"), FIRST, D("1.02"), id="floor"
        ),
        pytest.param(cpi(floor_pct=D(2), cap_pct=D(5)), ("100", "107"), FIRST, D("1.05"), id="cap"),
        pytest.param(
            cpi(floor_pct=D(2), cap_pct=D(5)), ("100", "103"), FIRST, D("1.03"), id="in-range"
        ),
        pytest.param(cpi(cap_pct=D(3)), ("100", "104"), FIRST, D("1.03"), id="lesser-of-cap"),
        pytest.param(cpi(cap_pct=D(3)), ("100", "102"), FIRST, D("1.02"), id="lesser-of-index"),
        pytest.param(
            cpi(pass_through_pct=D(75)), ("100", "104"), FIRST, D("1.03"), id="75pct-of-change"
        ),
        pytest.param(
            cpi(indexed_share_pct=D(60)), ("100", "105"), FIRST, D("1.03"), id="60pct-indexed"
        ),
        pytest.param(
            cpi(pass_through_pct=D(75), indexed_share_pct=D(60)),
            ("100", "104"),
            FIRST,
            D("1.018"),
            id="discount-and-share",
        ),
        pytest.param(cpi(floor_pct=D(0)), ("100", "98"), FIRST, D(1), id="no-decrease"),
        pytest.param(cpi(), ("100", "98"), FIRST, D("0.98"), id="decrease"),
        pytest.param(
            cpi(), ("100", "103", "108.15"), SECOND, D("1.0815"), id="compounds-to-index-ratio"
        ),
        pytest.param(
            cpi(cap_pct=D(4)), ("100", "103", "108.15"), SECOND, D("1.0712"), id="compound-capped"
        ),
        pytest.param(
            cpi(cap_pct=D(4)), ("100", "103", "108.15"), date(2027, 12, 31), D("1.03"), id="yr1"
        ),
    ],
)
def test_indexation_applies_the_index_change_with_its_limits_on_each_anniversary(
    terms: IndexationTerms, values: tuple[str, ...], as_of: date, factor: Decimal
) -> None:
    assert indexation_factor(terms, as_of, series(*values)).factor == factor


def test_each_anniversary_is_explained_with_its_index_values() -> None:
    terms = cpi(pass_through_pct=D(75), indexed_share_pct=D(60), floor_pct=D(2), cap_pct=D(5))
    result = indexation_factor(terms, FIRST, series("100", "104"))
    assert result.explanation == (
        "Anniversary 2027-01-01: CPI 2026-10 = 104 against 2025-10 = 100: change "
        "104 / 100 − 1 = 4%",
        "75% of the index change is passed on: 4% × 75% = 3%",
        "Only 60% of the charge is indexed: 3% × 60% = 1.8% on the whole price",
        "1.8% is below the floor of 2%: the price rises by 2%",
        "Price factor 1 × (1 + 2%) = 1.02",
    )


def test_compounding_says_each_anniversary_builds_on_the_previous_price() -> None:
    result = indexation_factor(cpi(), SECOND, series("100", "103", "108.15"))
    assert len(result.steps) == 2
    assert result.steps[1].base_period == "2026-10"
    assert result.steps[1].factor == D("1.0815")
    assert result.explanation[-1] == (
        "Cumulative factor after 2 anniversaries (each builds on the previous indexed price): "
        "1.0815"
    )


def test_before_the_first_anniversary_prices_stay_at_contract_level() -> None:
    result = indexation_factor(cpi(), date(2026, 6, 1), {})
    assert result.factor == 1
    assert result.explanation == (
        "No indexation anniversary on or before 2026-06-01 (the first is 2027-01-01): prices are "
        "at contract level",
    )


def test_a_missing_index_value_is_an_error_naming_the_period() -> None:
    with pytest.raises(
        ValueError,
        match=r"no CPI value for 2027-10 \(needed for the indexation anniversary on 2028-01-01\)",
    ):
        indexation_factor(cpi(), SECOND, series("100", "103"))


def test_an_explicit_base_period_is_used_for_the_first_anniversary() -> None:
    terms = cpi(base_period="2025-06")
    values = {"2025-06": D(100), "2026-10": D(110)}
    assert indexation_factor(terms, FIRST, values).factor == D("1.1")


def test_a_non_positive_index_value_is_refused() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        indexation_factor(cpi(), FIRST, series("0", "103"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"floor_pct": D(5), "cap_pct": D(2)}, "floor 5% is above the cap 2%"),
        ({"indexed_share_pct": D(101)}, "cannot exceed 100"),
        ({"interval_months": 0}, "at least 1"),
        ({"reference_lag_months": -1}, "cannot be negative"),
        ({"applies_to": frozenset({"tax"})}, "tax is never indexed"),
    ],
)
def test_inconsistent_indexation_terms_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cpi(**changes)


def test_an_indexed_price_is_the_contract_price_times_the_factor() -> None:
    result = indexed_price(D(12), cpi(), FIRST, series("100", "103"))
    assert result.amount == D("12.36")
    assert result.explanation[-1] == "Indexed price = 12 × 1.03 = 12.36"


def test_index_periods_are_year_and_month() -> None:
    assert index_period(date(2026, 3, 15)) == "2026-03"


index_values = st.decimals(min_value=50, max_value=200, places=3)


@given(
    values=st.lists(index_values, min_size=4, max_size=4),
    floor=st.decimals(min_value=-2, max_value=3, places=2),
    width=st.decimals(min_value=0, max_value=5, places=2),
    pass_through=st.decimals(min_value=0, max_value=100, places=0),
    share=st.decimals(min_value=0, max_value=100, places=0),
)
def test_indexation_respects_its_floor_and_cap_on_every_anniversary(
    values: list[Decimal],
    floor: Decimal,
    width: Decimal,
    pass_through: Decimal,
    share: Decimal,
) -> None:
    terms = cpi(
        floor_pct=floor,
        cap_pct=floor + width,
        pass_through_pct=pass_through,
        indexed_share_pct=share,
    )
    known = {f"{2025 + offset}-10": value for offset, value in enumerate(values)}
    result = indexation_factor(terms, date(2029, 1, 1), known)
    previous = D(1)
    for step in result.steps:
        change_pct = (step.factor / previous - 1) * 100
        assert floor <= change_pct.quantize(D("0.000001")) <= floor + width
        previous = step.factor
