"""Tiered prices: graduated and volume pricing, tier edges, and tier table validation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pactline.engine.charges import (
    ChargeKind,
    Tier,
    TieredCharge,
    TieredPrice,
    TierMode,
    price_tiered,
    tiered_charge,
)

D = Decimal

# From 0 to under 100 at 5, from 100 to under 200 at 4, 200 and above at 3.
STEPS = (Tier(D(0), D(100), D(5)), Tier(D(100), D(200), D(4)), Tier(D(200), None, D(3)))
# The same edges, but each edge belongs to the lower tier ("up to and including 100").
UP_TO_AND_INCLUDING = (
    Tier(D(0), D(100), D(5), includes_upper=True),
    Tier(D(100), D(200), D(4), includes_lower=False, includes_upper=True),
    Tier(D(200), None, D(3), includes_lower=False),
)


@pytest.mark.parametrize(
    ("tiers", "mode", "quantity", "amount"),
    [
        (STEPS, TierMode.GRADUATED, D(0), D(0)),
        (STEPS, TierMode.GRADUATED, D(50), D(250)),
        (STEPS, TierMode.GRADUATED, D(100), D(500)),
        (STEPS, TierMode.GRADUATED, D(150), D(700)),
        (STEPS, TierMode.GRADUATED, D(250), D(1050)),
        (STEPS, TierMode.GRADUATED, D("100.5"), D("502.0")),
        (STEPS, TierMode.VOLUME, D(0), D(0)),
        (STEPS, TierMode.VOLUME, D(50), D(250)),
        (STEPS, TierMode.VOLUME, D(100), D(400)),
        (STEPS, TierMode.VOLUME, D(150), D(600)),
        (STEPS, TierMode.VOLUME, D(250), D(750)),
        (UP_TO_AND_INCLUDING, TierMode.VOLUME, D(100), D(500)),
        (UP_TO_AND_INCLUDING, TierMode.VOLUME, D(200), D(800)),
        (UP_TO_AND_INCLUDING, TierMode.VOLUME, D("200.01"), D("600.03")),
        (UP_TO_AND_INCLUDING, TierMode.GRADUATED, D(200), D(900)),
    ],
)
def test_tiered_prices_charge_each_unit_at_its_tier_or_all_units_at_the_tier_reached(
    tiers: tuple[Tier, ...], mode: TierMode, quantity: Decimal, amount: Decimal
) -> None:
    assert price_tiered(TieredPrice(tiers, mode), quantity).amount == amount


def test_graduated_pricing_explains_each_tier_and_the_sum() -> None:
    result = price_tiered(TieredPrice(STEPS), D(250))
    assert result.explanation == (
        "Tier 1 (from 0 to under 100): 100 units (0 to 100) × 5 = 500",
        "Tier 2 (from 100 to under 200): 100 units (100 to 200) × 4 = 400",
        "Tier 3 (from 200 upwards): 50 units (200 to 250) × 3 = 150",
        "Graduated: 500 + 400 + 150 = 1,050",
    )
    assert result.single_rate is None


def test_volume_pricing_names_the_tier_reached_and_how_its_edge_is_counted() -> None:
    result = price_tiered(TieredPrice(UP_TO_AND_INCLUDING, TierMode.VOLUME), D(100))
    assert result.explanation == (
        "100 reaches tier 1 (from 0 to 100 inclusive), so all 100 units are priced at its "
        "rate: 100 × 5 = 500",
    )
    assert result.single_rate == D(5)


def test_a_quantity_beyond_a_bounded_last_tier_is_an_error() -> None:
    price = TieredPrice((Tier(D(0), D(100), D(5)),))
    with pytest.raises(ValueError, match="150 is beyond the last tier, tier 1"):
        price_tiered(price, D(150))


def test_volume_pricing_on_an_excluded_last_edge_is_beyond_the_table() -> None:
    price = TieredPrice((Tier(D(0), D(100), D(5)),), TierMode.VOLUME)
    with pytest.raises(ValueError, match="100 is beyond the last tier"):
        price_tiered(price, D(100))


def test_a_negative_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        price_tiered(TieredPrice(STEPS), D(-1))


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        pytest.param((), "give at least one tier", id="empty"),
        pytest.param(
            (Tier(D(10), None, D(1)),),
            r"tier 1 \(from 10 upwards\) starts at 10: tiers must cover from zero upwards",
            id="not-from-zero",
        ),
        pytest.param(
            (Tier(D(0), D(100), D(5)), Tier(D(120), None, D(4))),
            r"gap before tier 2 \(from 120 upwards\): nothing covers 100 to 120 after tier 1",
            id="gap",
        ),
        pytest.param(
            (Tier(D(0), D(100), D(5)), Tier(D(90), None, D(4))),
            r"tier 2 \(from 90 upwards\) overlaps tier 1 \(from 0 to under 100\) from 90 to 100",
            id="overlap",
        ),
        pytest.param(
            (Tier(D(0), D(100), D(5), includes_upper=True), Tier(D(100), None, D(4))),
            "tier 2 .* overlaps tier 1 .*: both include 100",
            id="edge-in-both",
        ),
        pytest.param(
            (Tier(D(0), D(100), D(5)), Tier(D(100), None, D(4), includes_lower=False)),
            r"gap before tier 2 \(over 100 upwards\): neither it nor tier 1 .* includes 100",
            id="edge-in-neither",
        ),
        pytest.param(
            (Tier(D(0), None, D(5)), Tier(D(100), None, D(4), name="Gold")),
            "tier 2 'Gold' .* overlaps tier 1 .*, which has no upper limit",
            id="open-ended-not-last",
        ),
        pytest.param(
            (Tier(D(0), D(0), D(5)),), "tier 1 .* ends at or before its start", id="empty-range"
        ),
        pytest.param(
            (Tier(D(0), None, D(-1), name="Rebate"),),
            "tier 1 'Rebate' .* has a negative price",
            id="negative-price",
        ),
    ],
)
def test_tier_tables_with_gaps_or_overlaps_are_refused_naming_the_tier(
    tiers: tuple[Tier, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TieredPrice(tiers)


def test_a_tiered_charge_line_explains_the_mode_and_tiers() -> None:
    charge = TieredCharge("calls", "Contact centre calls", "call", TieredPrice(STEPS))
    line = tiered_charge(charge, D(150), "GBP")
    assert (line.kind, line.id, line.quantity, line.rate, line.amount) == (
        ChargeKind.UNIT,
        "calls",
        D(150),
        None,
        D(700),
    )
    assert line.explanation[0] == (
        "Contact centre calls: 150 call priced graduated (each unit at its tier's price)"
    )
    assert line.explanation[-1] == "Charge = GBP 700.00"


quantities = st.decimals(min_value=0, max_value=10**6, places=3)
prices = st.decimals(min_value=0, max_value=1000, places=4)


@given(quantity=quantities, price=prices)
def test_graduated_and_volume_pricing_agree_when_there_is_one_tier(
    quantity: Decimal, price: Decimal
) -> None:
    tiers = (Tier(D(0), None, price),)
    graduated = price_tiered(TieredPrice(tiers, TierMode.GRADUATED), quantity)
    volume = price_tiered(TieredPrice(tiers, TierMode.VOLUME), quantity)
    assert graduated.amount == volume.amount == quantity * price


@st.composite
def tier_tables(draw: st.DrawFn) -> tuple[Tier, ...]:
    """Contiguous tiers from zero, the last open-ended, with non-negative prices."""
    widths = draw(st.lists(st.decimals(min_value=1, max_value=1000, places=2), max_size=5))
    tier_prices = draw(st.lists(prices, min_size=len(widths) + 1, max_size=len(widths) + 1))
    tiers: list[Tier] = []
    lower = D(0)
    for width, price in zip(widths, tier_prices, strict=False):
        tiers.append(Tier(lower, lower + width, price))
        lower += width
    tiers.append(Tier(lower, None, tier_prices[-1]))
    return tuple(tiers)


@given(tiers=tier_tables(), first=quantities, second=quantities)
def test_graduated_tiered_totals_never_fall_as_the_quantity_grows(
    tiers: tuple[Tier, ...], first: Decimal, second: Decimal
) -> None:
    price = TieredPrice(tiers, TierMode.GRADUATED)
    low, high = sorted((first, second))
    assert price_tiered(price, low).amount <= price_tiered(price, high).amount
