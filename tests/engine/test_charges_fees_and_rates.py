"""Fixed periodic fees, contract years and rate card lookups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pactline.engine.charges import (
    BillingPeriod,
    ChargeKind,
    FeeFrequency,
    FixedFee,
    Proration,
    RateCardEntry,
    RateLookupError,
    RateQuery,
    UnitUsage,
    contract_year,
    fixed_fee_charge,
    lookup_rate,
    unit_charge,
)
from pactline.engine.charges.rate_cards import RateCard

D = Decimal
MARCH = BillingPeriod(date(2026, 3, 1))  # 31 days
Q1 = BillingPeriod(date(2026, 1, 1), months=3)


# -- billing periods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "end_on", "days", "label"),
    [
        (MARCH, date(2026, 3, 31), 31, "2026-03"),
        (BillingPeriod(date(2028, 2, 1)), date(2028, 2, 29), 29, "2028-02"),
        (Q1, date(2026, 3, 31), 90, "2026-01 to 2026-03"),
        (BillingPeriod(date(2026, 1, 15)), date(2026, 2, 14), 31, "2026-01-15 to 2026-02-14"),
    ],
)
def test_a_billing_period_knows_its_end_length_and_label(
    period: BillingPeriod, end_on: date, days: int, label: str
) -> None:
    assert (period.end_on, period.days, period.label) == (end_on, days, label)


def test_shifting_a_period_moves_it_by_whole_periods() -> None:
    assert MARCH.shifted(1) == BillingPeriod(date(2026, 4, 1))
    assert MARCH.shifted(-3) == BillingPeriod(date(2025, 12, 1))
    assert Q1.shifted(1) == BillingPeriod(date(2026, 4, 1), months=3)


def test_a_billing_period_of_no_months_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        BillingPeriod(date(2026, 1, 1), months=0)


@pytest.mark.parametrize(
    ("start_on", "on", "year"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), 1),
        (date(2026, 1, 1), date(2026, 12, 31), 1),
        (date(2026, 1, 1), date(2027, 1, 1), 2),
        (date(2026, 1, 1), date(2029, 6, 30), 4),
        (date(2024, 2, 29), date(2025, 2, 28), 2),
    ],
)
def test_the_contract_year_counts_twelve_months_from_the_start(
    start_on: date, on: date, year: int
) -> None:
    assert contract_year(start_on, on) == year


def test_a_date_before_the_contract_start_has_no_contract_year() -> None:
    with pytest.raises(ValueError, match="before the contract start"):
        contract_year(date(2026, 1, 1), date(2025, 12, 31))


# -- fixed fees --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fee", "period", "amount"),
    [
        pytest.param(FixedFee("f", "Fee", D("10000")), MARCH, D("10000"), id="monthly-in-month"),
        pytest.param(
            FixedFee("f", "Fee", D("120000"), FeeFrequency.ANNUAL), MARCH, D("10000"), id="annual"
        ),
        pytest.param(
            FixedFee("f", "Fee", D("30000"), FeeFrequency.QUARTERLY), MARCH, D("10000"), id="qtr"
        ),
        pytest.param(
            FixedFee("f", "Fee", D("30000"), FeeFrequency.QUARTERLY), Q1, D("30000"), id="qtr-q"
        ),
        pytest.param(FixedFee("f", "Fee", D("10000")), Q1, D("30000"), id="monthly-in-quarter"),
        pytest.param(
            FixedFee("f", "Fee", D("3100"), starts_on=date(2026, 3, 11)),
            MARCH,
            D("2100"),
            id="pro-rated-start",
        ),
        pytest.param(
            FixedFee("f", "Fee", D("3100"), ends_on=date(2026, 3, 10)),
            MARCH,
            D("1000"),
            id="pro-rated-end",
        ),
        pytest.param(
            FixedFee("f", "Fee", D("3100"), starts_on=date(2026, 3, 11), proration="none"),
            MARCH,
            D("3100"),
            id="not-pro-rated",
        ),
    ],
)
def test_a_fixed_fee_is_converted_to_the_period_and_pro_rated_as_the_contract_says(
    fee: FixedFee, period: BillingPeriod, amount: Decimal
) -> None:
    line = fixed_fee_charge(fee, period, "GBP")
    assert line is not None
    assert line.kind is ChargeKind.FIXED
    assert line.amount == amount


def test_a_pro_rated_fee_explains_the_days_in_force() -> None:
    fee = FixedFee("desk", "Service desk", D("3100"), starts_on=date(2026, 3, 11))
    line = fixed_fee_charge(fee, MARCH, "GBP")
    assert line is not None
    assert line.quantity == D(21) / D(31)
    assert line.rate == D("3100")
    assert (
        "In force for 21 of 31 days (2026-03-11 to 2026-03-31); pro-rated by day: "
        "3,100 × 21/31 = 2,100"
    ) in line.explanation


def test_a_fee_not_pro_rated_says_the_full_fee_is_due() -> None:
    fee = FixedFee("f", "Fee", D("3100"), starts_on=date(2026, 3, 11), proration=Proration.NONE)
    line = fixed_fee_charge(fee, MARCH, "GBP")
    assert line is not None
    assert any("does not pro-rate, so the full fee is due" in step for step in line.explanation)


def test_a_fee_not_in_force_in_the_period_gives_no_line() -> None:
    fee = FixedFee("f", "Fee", D("100"), starts_on=date(2026, 4, 1))
    assert fixed_fee_charge(fee, MARCH, "GBP") is None


def test_a_fee_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="'f': ends_on 2026-01-01 is before starts_on"):
        FixedFee("f", "Fee", D("1"), starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1))


def test_a_fee_written_as_a_float_is_refused() -> None:
    with pytest.raises(TypeError, match="floats cannot hold amounts exactly"):
        FixedFee("f", "Fee", 0.1)  # type: ignore[arg-type]


# -- rate cards --------------------------------------------------------------------------------

CARD = (
    RateCardEntry(
        "ENG-UK-1", "build", "hour", D("95"), role="engineer", region="UK", contract_year=1
    ),
    RateCardEntry(
        "ENG-UK-2", "build", "hour", D("98"), role="engineer", region="UK", contract_year=2
    ),
    RateCardEntry("ENG-IN", "build", "hour", D("40"), role="engineer", region="IN"),
    RateCardEntry("PM", "build", "day", D("800"), role="manager"),
    RateCardEntry("SUPPORT-ANY", "support", "ticket", D("12")),
    RateCardEntry("SUPPORT-UK", "support", "ticket", D("15"), region="UK"),
)


@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        (RateQuery("build", "hour", 1, role="engineer", region="UK"), "ENG-UK-1"),
        (RateQuery("build", "hour", 2, role="engineer", region="UK"), "ENG-UK-2"),
        (RateQuery("build", "hour", 3, role="engineer", region="IN"), "ENG-IN"),
        (RateQuery("build", "day", 5, role="manager", region="FR"), "PM"),
        (RateQuery("support", "ticket", 1, region="FR"), "SUPPORT-ANY"),
    ],
)
def test_a_rate_card_lookup_finds_the_one_matching_entry(query: RateQuery, entry_id: str) -> None:
    match = lookup_rate(CARD, query)
    assert match.entry.id == entry_id
    assert match.explanation[0].startswith(f"Rate card entry '{entry_id}'")


def test_a_rate_card_lookup_with_no_match_fails_naming_the_query() -> None:
    query = RateQuery("build", "hour", 3, role="engineer", region="UK")
    with pytest.raises(
        RateLookupError,
        match="no rate card entry matches item build, role engineer, region UK, per hour, "
        "contract year 3",
    ):
        lookup_rate(CARD, query)


def test_a_rate_card_lookup_with_several_matches_fails_naming_them() -> None:
    query = RateQuery("support", "ticket", 1, region="UK")
    with pytest.raises(RateLookupError, match="2 rate card entries match") as error:
        lookup_rate(CARD, query)
    assert "'SUPPORT-ANY'" in str(error.value)
    assert "'SUPPORT-UK'" in str(error.value)


def test_a_rate_card_entry_for_contract_year_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="contract_year starts at 1"):
        RateCardEntry("X", "build", "hour", D("1"), contract_year=0)


def test_unit_usage_is_priced_at_the_matched_rate() -> None:
    usage = UnitUsage("tm-1", "build", "hour", D("37.5"), role="engineer", region="UK")
    line = unit_charge(CARD, usage, 2, "GBP")
    assert (line.kind, line.quantity, line.rate, line.amount) == (
        ChargeKind.UNIT,
        D("37.5"),
        D("98"),
        D("3675.0"),
    )
    assert line.explanation[-1] == "37.5 × 98 per hour = GBP 3,675.00"


# -- the indexed rate card -------------------------------------------------------------------


def scanned(card: list[RateCardEntry], query: RateQuery) -> list[str]:
    """The ids of the entries that match, read from the card one by one: the rule itself."""
    return [
        entry.id
        for entry in card
        if entry.item == query.item
        and entry.unit == query.unit
        and entry.role in (None, query.role)
        and entry.region in (None, query.region)
        and entry.contract_year in (None, query.contract_year)
    ]


criteria = st.fixed_dictionaries(
    {
        "item": st.sampled_from(["build", "run"]),
        "unit": st.sampled_from(["hour", "day"]),
        "role": st.sampled_from([None, "engineer", "manager"]),
        "region": st.sampled_from([None, "UK", "IN"]),
        "contract_year": st.sampled_from([None, 1, 2]),
    }
)
cards = st.lists(criteria, max_size=12).map(
    lambda rows: [
        RateCardEntry(f"E{index}", rate=D(10 + index), **row) for index, row in enumerate(rows)
    ]
)
queries = st.builds(
    RateQuery,
    item=st.sampled_from(["build", "run"]),
    unit=st.sampled_from(["hour", "day"]),
    contract_year=st.sampled_from([1, 2, 3]),
    role=st.sampled_from([None, "engineer", "manager", "tester"]),
    region=st.sampled_from([None, "UK", "IN", "FR"]),
)


@settings(max_examples=300, deadline=None)
@given(cards, st.lists(queries, min_size=1, max_size=6))
def test_the_indexed_card_answers_every_query_as_reading_the_card_entry_by_entry_does(
    card: list[RateCardEntry], asked: list[RateQuery]
) -> None:
    indexed = RateCard(card)
    for query in [*asked, *asked]:  # asked twice: a remembered answer is the same answer
        expected = scanned(card, query)
        if len(expected) == 1:
            assert indexed.lookup(query) == lookup_rate(card, query)
            assert indexed.lookup(query).entry.id == expected[0]
            continue
        with pytest.raises(RateLookupError) as by_scan:
            lookup_rate(card, query)
        with pytest.raises(RateLookupError) as by_index:
            indexed.lookup(query)
        # The same words, and the same entries named in the card's order.
        assert str(by_index.value) == str(by_scan.value)
        listed = [f"'{entry_id}'" for entry_id in expected]
        positions = [str(by_index.value).index(name) for name in listed]
        assert positions == sorted(positions)


def test_an_entry_that_leaves_a_criterion_open_matches_any_value_of_it_even_none() -> None:
    card = RateCard(
        (RateCardEntry("ANY", "support", "ticket", D(12)),)  # any role, region and year
    )
    assert card.lookup(RateQuery("support", "ticket", 4)).entry.id == "ANY"
    assert card.lookup(RateQuery("support", "ticket", 1, role="x", region="FR")).entry.id == "ANY"


def test_a_query_without_a_role_matches_no_entry_that_names_one() -> None:
    card = RateCard((RateCardEntry("ENG", "build", "hour", D(95), role="engineer"),))
    with pytest.raises(RateLookupError, match="no rate card entry matches item build, role"):
        card.lookup(RateQuery("build", "hour", 1))


def test_a_general_and_a_specific_entry_are_ambiguous_whichever_comes_first() -> None:
    specific = RateCardEntry("UK", "support", "ticket", D(15), region="UK")
    general = RateCardEntry("ANY", "support", "ticket", D(12))
    for card in ((specific, general), (general, specific)):
        with pytest.raises(RateLookupError, match="2 rate card entries match") as error:
            RateCard(card).lookup(RateQuery("support", "ticket", 1, region="UK"))
        first, second = (f"'{entry.id}'" for entry in card)
        assert str(error.value).index(first) < str(error.value).index(second)


def test_two_entries_with_the_same_criteria_are_ambiguous() -> None:
    card = RateCard(
        (
            RateCardEntry("A", "build", "hour", D(95), role="engineer"),
            RateCardEntry("B", "build", "hour", D(96), role="engineer"),
        )
    )
    with pytest.raises(RateLookupError, match="2 rate card entries match"):
        card.lookup(RateQuery("build", "hour", 1, role="engineer"))


def test_usage_priced_from_an_indexed_card_is_priced_as_from_the_entries() -> None:
    usage = UnitUsage("tm-1", "build", "hour", D("37.5"), role="engineer", region="UK")
    assert unit_charge(RateCard(CARD), usage, 2, "GBP") == unit_charge(CARD, usage, 2, "GBP")


def test_steps_given_before_the_price_come_first_in_its_explanation() -> None:
    usage = UnitUsage("tm-1", "build", "hour", D("37.5"), role="engineer", region="UK")
    line = unit_charge(CARD, usage, 2, "GBP", first_steps=("Contract year 2: ...",))
    assert line.explanation[0] == "Contract year 2: ..."
    assert line.explanation[1:] == unit_charge(CARD, usage, 2, "GBP").explanation
