"""The charges section: every rule at its field with a line, and exact engine terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pactline.engine import charges as ch
from pactline.engine.charges import (
    BillingPeriod,
    ChargeKind,
    ServiceCredit,
    StatementInputs,
    UnitUsage,
    build_statement,
)
from pactline.engine.charges.statement import StatementStep
from pactline.terms import (
    TermsError,
    charge_terms,
    load_terms,
    load_terms_file,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

BASE = """\
pactline: 1
contract:
  reference: MSA-2026-001
  title: Managed network services
  kind: master
  our_role: customer
  counterparty:
    name: Northwind Networks Ltd
  currency: GBP
term:
  start_on: 2026-01-01
  months: 36
renewal:
  kind: none
charges:
  fixed_fees:
    - id: managed_service
      description: Managed network service
      amount: "216000.00"
    - id: service_management
      description: Service management
      amount: "30000.00"
      frequency: quarterly
  rate_card:
    - id: engineer-y1
      item: project_services
      role: network_engineer
      unit: day
      rate: "950.00"
      contract_year: 1
    - id: architect
      item: project_services
      role: network_architect
      unit: day
      rate: "1250.00"
  tiered_charges:
    - id: tickets
      description: Service desk tickets
      unit: ticket
      mode: volume
      tiers:
        - {lower: 0, upper: 1000, unit_price: "4.50"}
        - {lower: 1000, upper: 5000, unit_price: "3.75"}
        - {lower: 5000, unit_price: "3.00"}
  resource_units:
    - id: ports
      description: Managed switch ports
      unit: port
      base_rate: 12
      baseline: 2000
      deadband:
        pct: 5
      arc_rate: 12
      rrc_factor_pct: 75
    - id: servers
      description: Managed servers
      unit: server
      base_rate: 150
      baseline: 400
      deadband:
        units: 10
      mode: trigger
      arc_bands:
        mode: incremental
        bands:
          - {lower: 0, upper: 50, unit_price: 140}
          - {lower: 50, upper: 100, unit_price: 130}
      rrc_rate: 100
      true_up:
        deadband:
          pct: 10
  milestones:
    - id: migration
      description: Network migration complete
      price: "120000.00"
      holdback_pct: 10
  delay_damages:
    - id: migration_delay
      description: Late network migration
      price: "120000.00"
      rate_pct: 1
      per: week
      cap_pct: 10
      delay_limit_days: 60
  indexation:
    index_name: CPI
    first_anniversary_on: 2027-01-01
    base_period: 2025-10
    floor_pct: 0
    cap_pct: 5
  fx:
    baseline_rate: "1.1650"
    share_pct: 60
    band_pct: 3
  tax:
    rate_pct: 20
    name: VAT
  credit_lag_periods: 1
"""


def edited(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the text"
    return text.replace(old, new)


def problems(text: str) -> list[str]:
    with pytest.raises(TermsError) as caught:
        load_terms(text, source="draft.yaml")
    return [str(issue) for issue in caught.value.issues]


def test_the_base_document_of_these_tests_is_valid_and_converts() -> None:
    terms = charge_terms(load_terms(BASE))
    assert terms.charge_ids() == (
        "managed_service",
        "service_management",
        "tickets",
        "ports",
        "servers",
        "migration",
        "migration_delay",
    )


CASES = [
    pytest.param(
        "      rrc_factor_pct: 75\n",
        "      rrc_factor_pct: 75\n      colour: red\n",
        "charges.resource_units[0].colour: unknown field (line 55)",
        id="an unknown field in a resource unit is rejected",
    ),
    pytest.param(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: 1\n  discounts: []\n",
        "charges.discounts: unknown field (line 99)",
        id="an unknown field in the section is rejected",
    ),
    pytest.param(
        '{lower: 1000, upper: 5000, unit_price: "3.75"}',
        '{lower: 1200, upper: 5000, unit_price: "3.75"}',
        "charges.tiered_charges[0].tiers[1].lower: gap: nothing covers 1000 to 1200; start at "
        "tiers[0].upper (1000) (line 43)",
        id="a gap between tiers is reported at the later tier's lower edge",
    ),
    pytest.param(
        '{lower: 1000, upper: 5000, unit_price: "3.75"}',
        '{lower: 900, upper: 5000, unit_price: "3.75"}',
        "charges.tiered_charges[0].tiers[1].lower: overlaps tiers[0] from 900 to 1000; start at "
        "its upper (1000) (line 43)",
        id="overlapping tiers are reported at the later tier's lower edge",
    ),
    pytest.param(
        '{lower: 0, upper: 1000, unit_price: "4.50"}',
        '{lower: 0, upper: 1000, unit_price: "4.50", includes_upper: true}',
        "charges.tiered_charges[0].tiers[1].includes_lower: ambiguous edge: tiers[0] also "
        "includes 1000; set one of the two to false (line 43)",
        id="two tiers that both include their shared edge are ambiguous",
    ),
    pytest.param(
        '{lower: 1000, upper: 5000, unit_price: "3.75"}',
        '{lower: 1000, upper: 5000, unit_price: "3.75", includes_lower: false}',
        "charges.tiered_charges[0].tiers[1].includes_lower: gap at the edge: neither this tier "
        "nor tiers[0] includes 1000; set one of the two to true (line 43)",
        id="two tiers that both leave out their shared edge leave a gap",
    ),
    pytest.param(
        '{lower: 0, upper: 1000, unit_price: "4.50"}',
        '{lower: 10, upper: 1000, unit_price: "4.50"}',
        "charges.tiered_charges[0].tiers[0].lower: must be 0: tiers cover from zero upwards, so 0 "
        "to 10 has no tier (line 42)",
        id="tiers that do not start at zero are rejected",
    ),
    pytest.param(
        "{lower: 0, upper: 50, unit_price: 140}",
        "{lower: 0, unit_price: 140}",
        "charges.resource_units[1].arc_bands.bands[0].upper: required: bands[1] follows, so this "
        "band needs an upper limit (line 66)",
        id="a band without an upper limit must be the last",
    ),
    pytest.param(
        "{lower: 50, upper: 100, unit_price: 130}",
        "{lower: 60, upper: 100, unit_price: 130}",
        "charges.resource_units[1].arc_bands.bands[1].lower: gap: nothing covers 50 to 60; start "
        "at bands[0].upper (50) (line 67)",
        id="a gap in an ARC band table is reported at the band",
    ),
    pytest.param(
        "{lower: 50, upper: 100, unit_price: 130}",
        "{lower: 40, upper: 100, unit_price: 130}",
        "charges.resource_units[1].arc_bands.bands[1].lower: overlaps bands[0] from 40 to 50; "
        "start at its upper (50) (line 67)",
        id="overlapping ARC bands are reported at the band",
    ),
    pytest.param(
        "      arc_rate: 12\n",
        "      arc_rate: -12\n",
        "charges.resource_units[0].arc_rate: must be at least 0 (line 53)",
        id="a negative ARC rate is rejected",
    ),
    pytest.param(
        '      rate: "1250.00"\n',
        '      rate: "-1250.00"\n',
        "charges.rate_card[1].rate: must be at least 0 (line 35)",
        id="a negative rate card rate is rejected",
    ),
    pytest.param(
        '{lower: 5000, unit_price: "3.00"}',
        "{lower: 5000, unit_price: -3}",
        "charges.tiered_charges[0].tiers[2].unit_price: must be at least 0 (line 44)",
        id="a negative tier price is rejected",
    ),
    pytest.param(
        "    floor_pct: 0\n",
        "    floor_pct: 6\n",
        "charges.indexation.floor_pct: must not be above cap_pct (5%) (line 89)",
        id="an indexation floor above its cap is reported at the floor",
    ),
    pytest.param(
        "      rrc_factor_pct: 75\n",
        "      rrc_factor_pct: 75\n      rrc_rate: 9\n",
        "charges.resource_units[0].rrc_factor_pct: give at most one of rrc_rate, rrc_factor_pct "
        "and rrc_bands (rrc_rate is set) (line 54)",
        id="an RRC both as a rate and as a factor is refused",
    ),
    pytest.param(
        "      arc_rate: 12\n",
        "",
        "charges.resource_units[0].arc_rate: required: give arc_rate or arc_bands (line 46)",
        id="a resource unit without an ARC rate or bands is refused",
    ),
    pytest.param(
        "      arc_rate: 12\n",
        "      arc_rate: 12\n      arc_bands:\n        bands:\n          - {lower: 0, unit_price: "
        "12}\n",
        "charges.resource_units[0].arc_bands: give either arc_rate or arc_bands, not both (line "
        "54)",
        id="a resource unit with both an ARC rate and bands is refused",
    ),
    pytest.param(
        "      baseline: 2000\n",
        "",
        "charges.resource_units[0].baseline: required: give a baseline or a baseline_schedule "
        "(line 46)",
        id="a resource unit without a baseline is refused",
    ),
    pytest.param(
        "      deadband:\n        pct: 5\n",
        "      deadband:\n        pct: 5\n        units: 100\n",
        "charges.resource_units[0].deadband.units: give either pct or units, not both (line 53)",
        id="a deadband in percent and in units is refused",
    ),
    pytest.param(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: 1\n  order: [base_charges, arc_rrc, indexation, service_credits, "
        "tax]\n",
        "charges.order: must name every step once; missing: fx (line 99)",
        id="an order of operations that leaves out a step is refused",
    ),
    pytest.param(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: 1\n"
        "  order: [base_charges, arc_rrc, tax, indexation, fx, service_credits]\n",
        "charges.order[2]: tax must be the last step: it is charged on the subtotal (line 99)",
        id="an order of operations with tax before the end is refused at tax",
    ),
    pytest.param(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: 1\n"
        "  order: [base_charges, arc_rrc, arc_rrc, indexation, fx, service_credits, tax]\n",
        "charges.order[2]: the step 'arc_rrc' is listed twice (line 99)",
        id="an order of operations naming a step twice is refused at the repeat",
    ),
    pytest.param(
        "    - id: migration\n",
        "    - id: ports\n",
        "charges.milestones[0].id: the id 'ports' is also used by charges.resource_units[0]; each "
        "charge needs its own id (line 73)",
        id="a charge id used twice across the section is refused at the second",
    ),
    pytest.param(
        "    - id: architect\n",
        "    - id: engineer-y1\n",
        "charges.rate_card[1].id: the id 'engineer-y1' is also used by charges.rate_card[0] (line "
        "31)",
        id="a rate card entry id used twice is refused",
    ),
    pytest.param(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: 1\n  at_risk_kinds: [fixed, service_credit]\n",
        "charges.at_risk_kinds[1]: service_credit is not a charge (line 99)",
        id="credits cannot be part of the at-risk base",
    ),
    pytest.param(
        "    cap_pct: 5\n",
        "    cap_pct: 5\n    applies_to: [fixed, tax]\n",
        "charges.indexation.applies_to[1]: tax is not a charge and is never indexed (line 91)",
        id="tax is never indexed",
    ),
    pytest.param(
        "      rate_pct: 1\n",
        "",
        "charges.delay_damages[0].rate_pct: required when basis is percent_of_price (line 78)",
        id="percent of price delay damages need a rate",
    ),
    pytest.param(
        "      rate_pct: 1\n",
        '      rate_pct: 1\n      flat_amount: "500.00"\n',
        "charges.delay_damages[0].flat_amount: must not be set when basis is percent_of_price "
        "(line 82)",
        id="percent of price delay damages take no flat amount",
    ),
    pytest.param(
        "      holdback_pct: 10\n",
        "      holdback_pct: 110\n",
        "charges.milestones[0].holdback_pct: must be at most 100 (line 76)",
        id="a holdback over 100 percent is refused",
    ),
    pytest.param(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: -1\n",
        "charges.credit_lag_periods: must be at least 0 (line 98)",
        id="a negative credit lag is refused",
    ),
    pytest.param(
        "    base_period: 2025-10\n",
        "    base_period: 2025-13\n",
        "charges.indexation.base_period: must be a year and month written YYYY-MM, like 2025-10 "
        "(line 88)",
        id="an index base period is a year and month",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_each_broken_charges_rule_is_reported_at_its_field_with_a_plain_message(
    old: str, new: str, expected: str
) -> None:
    assert problems(edited(old, new)) == [expected]


def test_every_problem_in_the_section_is_reported_at_once_in_line_order() -> None:
    text = (
        BASE.replace('      rate: "1250.00"\n', '      rate: "-1250.00"\n')
        .replace("    floor_pct: 0\n", "    floor_pct: 6\n")
        .replace("      rrc_factor_pct: 75\n", "      rrc_factor_pct: 75\n      rrc_rate: 9\n")
    )
    assert problems(text) == [
        "charges.rate_card[1].rate: must be at least 0 (line 35)",
        "charges.resource_units[0].rrc_factor_pct: give at most one of rrc_rate, "
        "rrc_factor_pct and rrc_bands (rrc_rate is set) (line 54)",
        "charges.indexation.floor_pct: must not be above cap_pct (5%) (line 90)",
    ]


def test_a_section_with_no_charges_at_all_converts_to_the_engine_defaults() -> None:
    text = BASE.split("charges:\n", 1)[0] + "charges: {}\n"
    terms = charge_terms(load_terms(text))
    assert terms == ch.ChargeTerms(currency="GBP", contract_start_on=date(2026, 1, 1))
    assert terms.order == ch.DEFAULT_ORDER
    assert terms.credit_lag_periods == 1
    assert terms.at_risk_kinds == ch.DEFAULT_AT_RISK_KINDS


def test_a_document_without_charges_cannot_give_engine_terms() -> None:
    text = BASE.split("charges:\n", 1)[0]
    with pytest.raises(TermsError) as caught:
        charge_terms(load_terms(text), source="draft.yaml")
    assert [str(issue) for issue in caught.value.issues] == [
        "charges: the terms have no charges section"
    ]


def test_each_part_of_the_section_becomes_the_engines_object_with_exact_decimals() -> None:
    terms = charge_terms(load_terms(BASE))
    assert terms.currency == "GBP"
    assert terms.contract_start_on == date(2026, 1, 1)
    assert terms.fixed_fees[1] == ch.FixedFee(
        id="service_management",
        description="Service management",
        amount=Decimal("30000.00"),
        frequency=ch.FeeFrequency.QUARTERLY,
    )
    assert terms.rate_card[0] == ch.RateCardEntry(
        id="engineer-y1",
        item="project_services",
        unit="day",
        rate=Decimal("950.00"),
        role="network_engineer",
        contract_year=1,
    )
    tickets = terms.tiered_charges[0]
    assert tickets.price.mode is ch.TierMode.VOLUME
    assert tickets.price.tiers[2] == ch.Tier(Decimal(5000), None, Decimal("3.00"))
    ports, servers = terms.resource_units
    assert ports.deadband == ch.Deadband(Decimal(5), ch.Measure.PERCENT_OF_BASELINE)
    assert ports.rrc_factor == Decimal("0.75")  # written as 75 (percent), held as a fraction
    assert ports.mode is ch.DeadbandMode.EXCLUSION
    assert servers.deadband == ch.Deadband(Decimal(10), ch.Measure.UNITS)
    assert servers.mode is ch.DeadbandMode.TRIGGER
    assert servers.arc_bands is not None
    assert servers.arc_bands.beyond is ch.BeyondLastBand.RENEGOTIATE
    assert servers.true_up == ch.TrueUpTerms(ch.Deadband(Decimal(10)))
    assert terms.milestones[0].holdback_pct == Decimal(10)
    assert terms.delay_damages[0].per is ch.DelayUnit.WEEK
    assert terms.indexation is not None
    assert terms.indexation.applies_to == ch.DEFAULT_INDEXED_KINDS
    assert (terms.indexation.floor_pct, terms.indexation.cap_pct) == (Decimal(0), Decimal(5))
    assert terms.fx is not None
    assert terms.fx.baseline_rate == Decimal("1.1650")
    assert terms.fx.applies_to == ch.DEFAULT_FX_KINDS
    assert terms.tax == ch.TaxTerms(rate_pct=Decimal(20), name="VAT")


def test_a_baseline_schedule_and_tax_rates_by_kind_reach_the_engine() -> None:
    text = edited(
        "      baseline: 2000\n",
        "      baseline: 2000\n"
        "      baseline_schedule:\n"
        "        - {starts_on: 2027-01-01, baseline: 2200}\n",
    ).replace(
        "    name: VAT\n",
        "    name: VAT\n    base: before_credits\n    rates_by_kind:\n"
        "      - {kind: milestone, rate_pct: 0}\n",
    )
    terms = charge_terms(load_terms(text))
    assert dict(terms.resource_units[0].baseline_schedule) == {date(2027, 1, 1): Decimal(2200)}
    assert terms.tax is not None
    assert dict(terms.tax.rates_by_kind) == {ChargeKind.MILESTONE: Decimal(0)}
    assert terms.tax.base is ch.TaxBase.BEFORE_CREDITS


def test_the_order_rounding_and_credit_lag_reach_the_engine() -> None:
    text = edited(
        "  credit_lag_periods: 1\n",
        "  credit_lag_periods: 0\n"
        "  order: [base_charges, arc_rrc, fx, indexation, service_credits, tax]\n"
        "  rounding: on_total\n"
        "  rounding_mode: half_even\n"
        "  at_risk_kinds: [fixed, resource_base]\n",
    )
    terms = charge_terms(load_terms(text))
    assert terms.order[2:4] == (StatementStep.FX, StatementStep.INDEXATION)
    assert terms.rounding is ch.RoundingPoint.ON_TOTAL
    assert terms.rounding_mode.value == "half_even"
    assert terms.credit_lag_periods == 0
    assert terms.at_risk_kinds == {ChargeKind.FIXED, ChargeKind.RESOURCE_BASE}


EXAMPLES_WITH_CHARGES = ["northwind-msa-amendment-1.yaml", "northwind-msa.yaml"]


def test_every_example_with_charges_is_listed_here() -> None:
    with_charges = sorted(
        path.name
        for path in [*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")]
        if load_terms_file(path).charges is not None
    )
    assert with_charges == EXAMPLES_WITH_CHARGES


@pytest.mark.parametrize("name", EXAMPLES_WITH_CHARGES)
def test_each_example_with_charges_converts_into_the_engines_charge_terms(name: str) -> None:
    terms = charge_terms(load_terms_file(EXAMPLES / name))
    assert isinstance(terms, ch.ChargeTerms)
    assert terms.charge_ids() == (
        "managed_service",
        "service_management",
        "ports",
        "migration",
        "migration_delay",
    )
    assert [entry.id for entry in terms.rate_card] == ["engineer-y1", "engineer-y2", "architect"]
    assert terms.indexation is not None and terms.tax is not None


def test_the_amendment_restates_the_masters_charges_unchanged() -> None:
    master = load_terms_file(EXAMPLES / "northwind-msa.yaml")
    amendment = load_terms_file(EXAMPLES / "northwind-msa-amendment-1.yaml")
    assert amendment.charges == master.charges


def northwind_terms() -> ch.ChargeTerms:
    return charge_terms(load_terms_file(EXAMPLES / "northwind-msa.yaml"))


def engineer_days(days: int) -> UnitUsage:
    return UnitUsage(
        id="design",
        item="project_services",
        unit="day",
        quantity=Decimal(days),
        role="network_engineer",
    )


def test_the_northwind_statement_for_march_2026_has_the_figures_worked_out_by_hand() -> None:
    # Fees 216,000 + 30,000/3; 4 days x 950 (year 1); ports 2,000 x 12 and an ARC of
    # (150 - 100) x 12 = 600 outside the 5% deadband; February's credit on March's
    # statement (lag 1); VAT 20% of 252,900.00 after credits.
    statement = build_statement(
        northwind_terms(),
        BillingPeriod(date(2026, 3, 1)),
        StatementInputs(
            unit_usage=(engineer_days(4),),
            resource_volumes={"ports": Decimal(2150)},
            service_credits=(
                ServiceCredit(
                    "credit:availability", Decimal("1500.00"), BillingPeriod(date(2026, 2, 1))
                ),
                ServiceCredit("credit:late", Decimal("99.00"), BillingPeriod(date(2026, 3, 1))),
            ),
        ),
    )
    assert [(line.id, line.amount) for line in statement.lines] == [
        ("managed_service", Decimal("216000.00")),
        ("service_management", Decimal("10000.00")),
        ("design", Decimal("3800.00")),
        ("ports:base", Decimal("24000.00")),
        ("ports:arc", Decimal("600.00")),
        ("indexation", Decimal("0.00")),
        ("credit:availability", Decimal("-1500.00")),
        ("tax", Decimal("50580.00")),
    ]
    assert statement.subtotal == Decimal("254400.00")
    assert statement.credits == Decimal("-1500.00")
    assert statement.tax == Decimal("50580.00")
    assert statement.total == Decimal("303480.00")


def test_the_northwind_statement_for_january_2027_is_indexed_and_credits_the_rrc() -> None:
    # Year 2 rate 980; ports 1,800: RRC (200 - 100) x 75% of 12 = -900; CPI 130.0 -> 134.55
    # is +3.5%, inside 0-5%, on 216,000 + 10,000 + 3,920 + 24,000 - 900 = 253,020.
    statement = build_statement(
        northwind_terms(),
        BillingPeriod(date(2027, 1, 1)),
        StatementInputs(
            unit_usage=(engineer_days(4),),
            resource_volumes={"ports": Decimal(1800)},
            index_series={"2025-10": Decimal("130.0"), "2026-10": Decimal("134.55")},
        ),
    )
    amounts = {line.id: line.amount for line in statement.lines}
    assert amounts["design"] == Decimal("3920.00")
    assert amounts["ports:rrc"] == Decimal("-900.00")
    assert amounts["indexation"] == Decimal("8855.70")
    assert statement.subtotal == Decimal("261875.70")
    assert statement.tax == Decimal("52375.14")
    assert statement.total == Decimal("314250.84")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("exclusion", Decimal("600.00")), ("trigger", Decimal("1800.00"))],
)
def test_the_domain_illustration_of_exclusion_and_trigger_mode_holds_through_the_file(
    mode: str, expected: Decimal
) -> None:
    # Baseline 2,000, deadband 5% = 100, actual 2,150, rate 12.
    text = edited(
        "      deadband:\n        pct: 5\n",
        f"      deadband:\n        pct: 5\n      mode: {mode}\n",
    )
    terms = charge_terms(load_terms(text))
    line = ch.deviation_charge(terms.resource_units[0], Decimal(2000), Decimal(2150), "GBP")
    assert line.amount == expected


def test_rates_and_percentages_are_exact_decimals_whether_written_plainly_or_quoted() -> None:
    text = edited("      arc_rate: 12\n", '      arc_rate: "12.125"\n').replace(
        "    share_pct: 60\n", "    share_pct: 60.5\n"
    )
    terms = charge_terms(load_terms(text))
    assert terms.resource_units[0].arc_rate == Decimal("12.125")
    assert terms.fx is not None and terms.fx.share_pct == Decimal("60.5")
