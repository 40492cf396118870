"""The period statement: order of operations, rounding, credits timing, totals and JSON shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pactline.engine.charges import (
    RENEGOTIATION_FLAG,
    TERMINATION_RIGHTS_FLAG,
    BandTable,
    BillingPeriod,
    ChargeKind,
    ChargeTerms,
    Deadband,
    DelayDamagesTerms,
    DelayEvent,
    FeeFrequency,
    FixedFee,
    FxTerms,
    IndexationTerms,
    Milestone,
    MilestoneEvent,
    RateCardEntry,
    ResourceUnitCategory,
    RoundingPoint,
    ServiceCredit,
    Statement,
    StatementInputs,
    StatementStep,
    TaxBase,
    TaxTerms,
    Tier,
    TieredCharge,
    TieredPrice,
    TrueUpTerms,
    UnitUsage,
    annual_true_up,
    at_risk_base,
    build_statement,
)
from pactline.engine.money import quantize_money

D = Decimal
JANUARY, FEBRUARY, MARCH = (BillingPeriod(date(2026, month, 1)) for month in (1, 2, 3))

SERVERS = ResourceUnitCategory(
    id="servers",
    description="Servers",
    unit="server",
    base_rate=D(10),
    baseline=D(2000),
    deadband=Deadband(D(5)),
    arc_rate=D(12),
    rrc_rate=D(8),
    true_up=TrueUpTerms(Deadband(D(5))),
)
DESK = FixedFee("desk", "Service desk", D(10000))


def terms(**changes: Any) -> ChargeTerms:
    """A service desk fee of 10,000 a month, servers as in DOMAIN.md, and 20% tax."""
    fields: dict[str, Any] = {
        "currency": "GBP",
        "contract_start_on": date(2026, 1, 1),
        "fixed_fees": (DESK,),
        "resource_units": (SERVERS,),
        "tax": TaxTerms(D(20)),
    }
    fields.update(changes)
    return ChargeTerms(**fields)


def inputs(**changes: Any) -> StatementInputs:
    """2,150 servers, and a 500 credit earned in February."""
    fields: dict[str, Any] = {
        "resource_volumes": {"servers": D(2150)},
        "service_credits": (ServiceCredit("sla-avail", D(500), FEBRUARY, "Availability credit"),),
    }
    fields.update(changes)
    return StatementInputs(**fields)


def amounts(statement: Statement) -> dict[str, Decimal]:
    """Line id → amount."""
    return {line.id: line.amount for line in statement.lines}


def test_a_statement_lists_charges_credits_and_tax_with_exact_totals() -> None:
    statement = build_statement(terms(), MARCH, inputs())
    assert amounts(statement) == {
        "desk": D("10000.00"),
        "servers:base": D("20000.00"),
        "servers:arc": D("600.00"),
        "sla-avail": D("-500.00"),
        "tax": D("6020.00"),
    }
    assert (statement.subtotal, statement.credits, statement.tax, statement.total) == (
        D("30600.00"),
        D("-500.00"),
        D("6020.00"),
        D("36120.00"),
    )


def test_the_statement_json_has_exactly_the_agreed_shape() -> None:
    data = build_statement(terms(), MARCH, inputs()).to_dict()
    assert data["statement"] == {
        "subtotal": "30600.00",
        "credits": "-500.00",
        "tax": "6020.00",
        "total": "36120.00",
    }
    charges = data["charges"]
    assert isinstance(charges, list)
    assert charges[2] == {
        "id": "servers:arc",
        "kind": "arc",
        "quantity": "50",
        "rate": "12",
        "amount": "600.00",
        "explanation": [
            "Servers: actual 2,150 against baseline 2,000: deviation D = 2,150 − 2,000 = 150 "
            "(150 above baseline)",
            "Deadband ±5% of baseline: 2,000 × 5% = 100 units",
            "Exclusion mode: only units beyond the deadband are charged: max(0, 150 − 100) = "
            "50 units",
            "ARC rate 12: 50 × 12 = 600",
            "ARC = GBP 600.00",
        ],
    }
    assert charges[3]["quantity"] is None
    assert charges[3]["rate"] is None
    assert charges[4]["rate"] == "0.2"
    assert all(
        list(charge) == ["id", "kind", "quantity", "rate", "amount", "explanation"]
        for charge in charges
    )


@pytest.mark.parametrize(
    ("lag", "earned_in", "applied"),
    [
        (1, FEBRUARY, True),
        (1, MARCH, False),
        (0, MARCH, True),
        (0, FEBRUARY, False),
        (2, JANUARY, True),
    ],
)
def test_service_credits_are_applied_in_the_period_the_terms_say(
    lag: int, earned_in: BillingPeriod, applied: bool
) -> None:
    credit = ServiceCredit("c", D(500), earned_in)
    statement = build_statement(
        terms(credit_lag_periods=lag), MARCH, inputs(service_credits=(credit,))
    )
    assert ("c" in amounts(statement)) is applied
    assert statement.credits == (D(-500) if applied else D(0))


def test_a_credit_line_says_when_it_was_earned_and_why_it_applies_now() -> None:
    statement = build_statement(terms(), MARCH, inputs())
    credit = next(line for line in statement.lines if line.kind is ChargeKind.SERVICE_CREDIT)
    assert credit.explanation == (
        "Service credit earned in 2026-02; the terms apply credits 1 period after the period "
        "they are earned in, so it is applied in 2026-03",
        "Credit = GBP -500.00",
    )


def test_tax_before_credits_ignores_the_credit() -> None:
    statement = build_statement(
        terms(tax=TaxTerms(D(20), base=TaxBase.BEFORE_CREDITS)), MARCH, inputs()
    )
    assert statement.tax == D("6120.00")
    assert statement.total == D("30600.00") - D(500) + D("6120.00")


# -- order of operations -----------------------------------------------------------------------

CPI = IndexationTerms("CPI", first_anniversary_on=date(2026, 3, 1), base_period="2025-03")
CPI_SERIES = {"2025-03": D(100), "2026-03": D(110)}
FX = FxTerms(D("1.2"), share_pct=D(60))


@pytest.mark.parametrize(
    ("order", "indexation", "fx"),
    [
        pytest.param(
            None, D("3060.00"), D("4039.20"), id="default: index 30,600, fx 33,660 at 12%"
        ),
        pytest.param(
            ("base_charges", "indexation", "arc_rrc", "fx", "service_credits", "tax"),
            D("3000.00"),
            D("4032.00"),
            id="indexation before ARC leaves the ARC unindexed",
        ),
        pytest.param(
            ("base_charges", "arc_rrc", "fx", "indexation", "service_credits", "tax"),
            D("3060.00"),
            D("3672.00"),
            id="fx before indexation adjusts only the unindexed charges",
        ),
        pytest.param(
            ("base_charges", "arc_rrc", "indexation", "service_credits", "fx", "tax"),
            D("3060.00"),
            D("4039.20"),
            id="credits before fx do not change fx billings by default",
        ),
    ],
)
def test_each_step_acts_on_the_lines_produced_before_it(
    order: tuple[str, ...] | None, indexation: Decimal, fx: Decimal
) -> None:
    changes: dict[str, Any] = {"indexation": CPI, "fx": FX}
    if order is not None:
        changes["order"] = order
    statement = build_statement(
        terms(**changes), MARCH, inputs(index_series=CPI_SERIES, fx_rate=D(1))
    )
    assert amounts(statement)["indexation"] == indexation
    assert amounts(statement)["fx"] == fx
    assert sum(line.amount for line in statement.lines) == statement.total


def test_the_indexation_line_lists_what_it_indexes_and_the_anniversary() -> None:
    statement = build_statement(terms(indexation=CPI), MARCH, inputs(index_series=CPI_SERIES))
    line = next(line for line in statement.lines if line.kind is ChargeKind.INDEXATION)
    assert (line.quantity, line.rate) == (D("30600.00"), D("0.1"))
    assert line.explanation[0] == (
        "Indexed charges (fixed, unit, resource_base, arc, rrc, true_up): desk 10,000 + "
        "servers:base 20,000 + servers:arc 600 = GBP 30,600.00"
    )
    assert line.explanation[-1] == "Indexation = 30,600 × (1.1 − 1) = GBP 3,060.00"


def test_before_the_first_anniversary_the_indexation_line_is_zero_and_says_why() -> None:
    statement = build_statement(terms(indexation=CPI), FEBRUARY, inputs())
    line = next(line for line in statement.lines if line.kind is ChargeKind.INDEXATION)
    assert line.amount == 0
    assert "prices are at contract level" in line.explanation[1]


@pytest.mark.parametrize(
    "order",
    [
        ("base_charges", "arc_rrc", "indexation", "fx", "service_credits"),
        ("base_charges", "arc_rrc", "indexation", "fx", "tax", "service_credits"),
        ("base_charges", "base_charges", "arc_rrc", "indexation", "fx", "tax"),
    ],
)
def test_an_order_of_operations_must_name_every_step_once_with_tax_last(
    order: tuple[str, ...],
) -> None:
    with pytest.raises(ValueError, match="order"):
        terms(order=order)


# -- rounding ----------------------------------------------------------------------------------

THIRDS = tuple(
    FixedFee(f"fee-{index}", f"Fee {index}", D(100), FeeFrequency.ANNUAL) for index in (1, 2, 3)
)


def test_rounding_per_line_rounds_each_line_before_adding() -> None:
    statement = build_statement(
        terms(fixed_fees=THIRDS, resource_units=(), tax=None), MARCH, StatementInputs()
    )
    assert list(amounts(statement).values()) == [D("8.33")] * 3
    assert statement.total == D("24.99")
    assert statement.lines[0].explanation[-1] == "Rounded per line (half up): 8.333333… → GBP 8.33"


def test_rounding_on_the_total_lets_the_last_line_take_the_remainder() -> None:
    statement = build_statement(
        terms(fixed_fees=THIRDS, resource_units=(), tax=None, rounding=RoundingPoint.ON_TOTAL),
        MARCH,
        StatementInputs(),
    )
    assert list(amounts(statement).values()) == [D("8.33"), D("8.33"), D("8.34")]
    assert statement.total == D("25.00")
    assert statement.lines[-1].explanation[-1] == (
        "Rounded on the total before tax (half up): the exact total before tax 25 rounds "
        "to GBP 25.00; the other lines show GBP 16.66, so this last line takes the remainder "
        "GBP 8.34 (exact 8.333333…)"
    )


def test_a_currency_without_minor_units_rounds_to_whole_units() -> None:
    statement = build_statement(
        terms(
            currency="JPY",
            fixed_fees=(FixedFee("f", "Fee", D("1000.5")),),
            resource_units=(),
            tax=None,
        ),
        MARCH,
        StatementInputs(),
    )
    assert statement.total == D(1001)


# -- inputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "the_inputs", "message"),
    [
        ({}, inputs(resource_volumes={}), "resource_volumes: no value for 'servers' in 2026-03"),
        (
            {},
            inputs(resource_volumes={"servers": D(1), "desktops": D(1)}),
            "resource_volumes: the terms have no charge 'desktops'",
        ),
        ({"fx": FX}, inputs(), "the exchange rate for 2026-03 is needed"),
        ({"indexation": CPI}, inputs(), "no CPI value for 2026-03"),
        ({}, inputs(milestones=(MilestoneEvent("m9", achieved=True),)), "no milestone 'm9'"),
        (
            {},
            inputs(delays=(DelayEvent("late", date(2026, 3, 1), date(2026, 3, 5)),)),
            "no delay damages 'late'",
        ),
    ],
)
def test_missing_or_unknown_inputs_are_clear_errors(
    changes: dict[str, Any], the_inputs: StatementInputs, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_statement(terms(**changes), MARCH, the_inputs)


def test_two_charges_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="charge id 'servers' is used twice"):
        terms(fixed_fees=(FixedFee("servers", "Servers fee", D(1)),))


def test_two_rate_card_entries_with_one_id_are_refused_naming_the_first_reused() -> None:
    entries = [
        RateCardEntry(entry_id, "change", "hour", D(95)) for entry_id in ("A", "B", "B", "A")
    ]
    with pytest.raises(ValueError, match="rate card entry id 'A' is used twice"):
        terms(rate_card=tuple(entries))


def test_two_statement_lines_with_one_id_are_refused_naming_the_first_reused() -> None:
    card = (RateCardEntry("ENG", "change", "hour", D(95), role="engineer"),)
    usage = [UnitUsage(usage_id, "change", "hour", D(1), role="engineer") for usage_id in "xyyx"]
    with pytest.raises(ValueError, match="two statement lines have the id 'x'"):
        build_statement(terms(rate_card=card), MARCH, inputs(unit_usage=tuple(usage)))


def test_each_usage_record_is_its_own_line_priced_from_the_card() -> None:
    card = tuple(
        RateCardEntry(f"{role}-{region}", "change", "hour", rate, role=role, region=region)
        for role, rate in (("engineer", D(95)), ("manager", D("120.50")))
        for region in ("UK", "IN")
    )
    usage = tuple(
        UnitUsage(f"ts-{number}", "change", "hour", D(number), role=role, region=region)
        for number, (role, region) in enumerate(
            [("manager", "IN"), ("engineer", "UK"), ("manager", "IN"), ("engineer", "IN")], 1
        )
    )
    statement = build_statement(terms(rate_card=card), MARCH, inputs(unit_usage=usage))
    lines = [line for line in statement.lines if line.kind is ChargeKind.UNIT]
    assert [(line.id, line.rate, line.amount) for line in lines] == [
        ("ts-1", D("120.50"), D("120.50")),
        ("ts-2", D(95), D("190.00")),
        ("ts-3", D("120.50"), D("361.50")),
        ("ts-4", D(95), D("380.00")),
    ]
    assert lines[2].explanation[:2] == (
        "Contract year 1: the period starts 2026-03-01, the contract 2026-01-01",
        "Rate card entry 'manager-IN' (item change, role manager, region IN, per hour, any "
        "contract year) matches item change, role manager, region IN, per hour, contract year "
        "1: 120.5 per hour",
    )


def test_credits_cannot_be_part_of_the_at_risk_base() -> None:
    with pytest.raises(ValueError, match="credits and tax are not charges"):
        terms(at_risk_kinds=frozenset({ChargeKind.SERVICE_CREDIT}))


def test_a_float_input_is_refused() -> None:
    with pytest.raises(TypeError, match="floats"):
        StatementInputs(resource_volumes={"servers": 2150.0})  # type: ignore[dict-item]


# -- the other charge types in a statement -----------------------------------------------------


def test_a_statement_prices_usage_tiers_milestones_and_delay_damages() -> None:
    the_terms = terms(
        rate_card=(
            RateCardEntry("ENG-1", "change", "hour", D(95), role="engineer", contract_year=1),
            RateCardEntry("ENG-2", "change", "hour", D(98), role="engineer", contract_year=2),
        ),
        tiered_charges=(
            TieredCharge(
                "calls",
                "Calls",
                "call",
                TieredPrice((Tier(D(0), D(100), D(5)), Tier(D(100), None, D(4)))),
            ),
        ),
        milestones=(Milestone("design", "Design sign-off", D(50000), D(10)),),
        delay_damages=(
            DelayDamagesTerms(
                "go-live",
                "Go-live",
                basis="flat_per_day",
                flat_amount=D(1000),
                delay_limit_days=20,
            ),
        ),
    )
    the_inputs = inputs(
        unit_usage=(UnitUsage("cr-12", "change", "hour", D(10), role="engineer"),),
        tiered_quantities={"calls": D(150)},
        milestones=(MilestoneEvent("design", achieved=True),),
        delays=(DelayEvent("go-live", date(2026, 2, 1), date(2026, 2, 26)),),
        service_credits=(),
    )
    statement = build_statement(the_terms, MARCH, the_inputs)
    assert amounts(statement) == {
        "desk": D("10000.00"),
        "cr-12": D("950.00"),
        "calls": D("700.00"),
        "servers:base": D("20000.00"),
        "design": D("45000.00"),
        "servers:arc": D("600.00"),
        "go-live": D("-20000.00"),
        "tax": D("11450.00"),
    }
    assert statement.credits == D("-20000.00")
    assert statement.flags == (TERMINATION_RIGHTS_FLAG,)
    usage = next(line for line in statement.lines if line.id == "cr-12")
    assert usage.explanation[0] == (
        "Contract year 1: the period starts 2026-03-01, the contract 2026-01-01"
    )


def test_a_renegotiation_flag_reaches_the_statement() -> None:
    banded = replace(
        SERVERS,
        arc_rate=None,
        arc_bands=BandTable((Tier(D(0), D(200), D(12)),)),
    )
    statement = build_statement(
        terms(resource_units=(banded,)), MARCH, inputs(resource_volumes={"servers": D(2400)})
    )
    assert statement.flags == (RENEGOTIATION_FLAG,)


def test_a_true_up_moves_the_baseline_from_its_date_on() -> None:
    months = [date(2026, month, 1) for month in range(1, 13)]
    result = annual_true_up(SERVERS, dict.fromkeys(months, D(2150)), date(2027, 1, 1))
    the_inputs = inputs(true_ups=(result,), service_credits=())
    before = build_statement(terms(), BillingPeriod(date(2026, 12, 1)), the_inputs)
    after = build_statement(terms(), BillingPeriod(date(2027, 1, 1)), the_inputs)
    assert "servers:true_up" not in amounts(before)
    assert amounts(before)["servers:arc"] == D("600.00")
    assert amounts(after)["servers:base"] == D("20000.00")
    assert amounts(after)["servers:true_up"] == D("1500.00")
    assert amounts(after)["servers:arc"] == D("0.00")
    arc = next(line for line in after.lines if line.id == "servers:arc")
    assert arc.explanation[0] == "Measured against the trued-up baseline in force from 2027-01-01"


# -- at-risk base ------------------------------------------------------------------------------


def test_the_at_risk_base_sums_the_charges_the_terms_name() -> None:
    base = at_risk_base(terms(), MARCH, inputs())
    assert base.amount == D("30600.00")
    assert base.explanation[1:] == (
        "desk (fixed): GBP 10,000.00",
        "servers:base (resource_base): GBP 20,000.00",
        "servers:arc (arc): GBP 600.00",
        "At-risk base = GBP 30,600.00",
    )


def test_the_at_risk_base_can_be_the_fixed_fees_only() -> None:
    base = at_risk_base(terms(at_risk_kinds=frozenset({"fixed"})), MARCH, inputs())
    assert base.amount == D("10000.00")
    assert "Not in the at-risk base: servers:base (resource_base), servers:arc (arc)" in (
        base.explanation
    )


def test_charges_after_service_credits_cannot_be_in_the_at_risk_base() -> None:
    order = ("base_charges", "arc_rrc", "indexation", "service_credits", "fx", "tax")
    base = at_risk_base(terms(fx=FX, order=order), MARCH, inputs(fx_rate=D(1)))
    assert base.amount == D("30600.00")
    assert (
        "Charges of kinds fx come after service credits in the order of operations, so they "
        "cannot be part of the base"
    ) in base.explanation


def test_the_at_risk_base_ignores_the_credits_it_will_produce() -> None:
    assert at_risk_base(terms(), MARCH, inputs()) == at_risk_base(
        terms(), MARCH, inputs(service_credits=())
    )


def test_steps_are_named_in_lower_snake_case() -> None:
    assert [step.value for step in StatementStep] == [
        "base_charges",
        "arc_rrc",
        "indexation",
        "fx",
        "service_credits",
        "tax",
    ]


# -- property ----------------------------------------------------------------------------------

money_amounts = st.decimals(min_value=0, max_value=1_000_000, places=4)


@given(
    fees=st.lists(money_amounts, max_size=4),
    actual=st.decimals(min_value=0, max_value=5000, places=3),
    credits=st.lists(st.decimals(min_value=0, max_value=10_000, places=2), max_size=3),
    tax_rate=st.decimals(min_value=0, max_value=30, places=2),
    rounding=st.sampled_from(RoundingPoint),
    tax_rounding=st.sampled_from(RoundingPoint),
    tax_base=st.sampled_from(TaxBase),
    currency=st.sampled_from(["GBP", "JPY", "KWD"]),
    index_now=st.decimals(min_value=50, max_value=200, places=2),
)
def test_statement_lines_always_add_up_to_the_total(
    fees: list[Decimal],
    actual: Decimal,
    credits: list[Decimal],
    tax_rate: Decimal,
    rounding: RoundingPoint,
    tax_rounding: RoundingPoint,
    tax_base: TaxBase,
    currency: str,
    index_now: Decimal,
) -> None:
    the_terms = terms(
        currency=currency,
        fixed_fees=tuple(
            FixedFee(f"fee-{index}", "Fee", amount, FeeFrequency.ANNUAL, starts_on=date(2026, 3, 7))
            for index, amount in enumerate(fees)
        ),
        tax=TaxTerms(
            tax_rate,
            rates_by_kind={ChargeKind.ARC: tax_rate / 2},
            base=tax_base,
            rounding=tax_rounding,
        ),
        rounding=rounding,
        indexation=CPI,
        fx=FxTerms(D("1.2"), share_pct=D(60), band_pct=D(5)),
    )
    the_inputs = inputs(
        resource_volumes={"servers": actual},
        service_credits=tuple(
            ServiceCredit(f"credit-{index}", amount, FEBRUARY)
            for index, amount in enumerate(credits)
        ),
        index_series={"2025-03": D(100), "2026-03": index_now},
        fx_rate=D("1.1"),
    )
    statement = build_statement(the_terms, MARCH, the_inputs)
    assert sum((line.amount for line in statement.lines), D(0)) == statement.total
    assert statement.subtotal + statement.credits + statement.tax == statement.total
    assert all(line.amount == quantize_money(line.amount, currency) for line in statement.lines)


def test_charge_terms_are_hashable_so_they_can_key_a_cache() -> None:
    the_terms = terms(indexation=CPI, fx=FX)
    assert hash(the_terms) == hash(replace(the_terms))
