"""The service_levels section: every rule at its field with a line, and exact engine terms."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pactline.engine import service_levels as sl
from pactline.engine.service_levels import (
    CapBasis,
    CreditModelKind,
    IncidentRule,
    Measurement,
    MeasurementPeriod,
    MeasureType,
    Period,
    evaluate_period,
)
from pactline.terms import (
    TermsDocument,
    TermsError,
    TermsIssue,
    load_terms,
    load_terms_file,
    service_level_terms,
    validate_terms_data,
)
from tests.contracts.factories import terms_yaml

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
service_levels:
  charge_base:
    amount: "250000.00"
  credits:
    at_risk_pct: 12
    max_total_allocation_pct: 200
    categories:
      - name: availability
        pool_pct: 60
        max_allocation_pct: 100
      - name: incidents
        pool_pct: 40
    period_cap:
      basis: at_risk_amount
  measures:
    - id: availability
      name: Core network availability
      type: critical
      unit: percent
      direction: higher_is_better
      expected: 99.9
      minimum: 99.5
      credit:
        model: pool_allocation
      allocation_pct: 60
      category: availability
    - id: p1_resolution
      name: Priority 1 incidents resolved within 4 hours
      type: critical
      unit: percent
      direction: higher_is_better
      target: 95
      credit:
        model: pool_allocation
      allocation_pct: 50
      category: incidents
    - id: invoice_accuracy
      name: Invoices without error
      type: critical
      unit: percent
      direction: higher_is_better
      target: 99
      credit:
        model: banded
        bands:
          - {lower: 99, upper: 100, upper_inclusive: true, credit_pct: 0}
          - {lower: 97, upper: 99, credit_pct: 2}
          - {lower: 0, upper: 97, credit_pct: 5}
    - id: restore_time
      name: Time to restore a priority 1 incident
      type: critical
      unit: hours
      direction: lower_is_better
      expected: 2
      minimum: 4
      credit:
        model: per_step
        pct_per_step: 0.5
        step_size: 0.5
        max_credit_pct: 5
    - id: change_success
      name: Changes implemented without an incident
      type: key
      unit: percent
      direction: higher_is_better
      target: 98
  default_rules:
    expected_misses:
      count: 4
      periods: 12
  termination_triggers:
    measure_defaults:
      count: 3
      periods: 6
  earnback:
    window_periods: 3
  continuous_improvement:
    consecutive_periods: 6
    measure_ids: [availability]
"""


def edited(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the text"
    return text.replace(old, new)


def problems(text: str) -> list[str]:
    with pytest.raises(TermsError) as caught:
        load_terms(text, source="draft.yaml")
    return [str(issue) for issue in caught.value.issues]


def engine_terms(text: str) -> sl.ServiceLevelTerms:
    return service_level_terms(load_terms(text))


def test_the_base_document_of_these_tests_is_valid() -> None:
    terms = engine_terms(BASE)
    assert [measure.id for measure in terms.measures] == [
        "availability",
        "p1_resolution",
        "invoice_accuracy",
        "restore_time",
        "change_success",
    ]


CASES = [
    pytest.param(
        "      category: availability\n",
        "      category: availability\n      weight: 2\n",
        "service_levels.measures[0].weight: unknown field (line 41)",
        id="an unknown field in a measure is rejected with the measure's position",
    ),
    pytest.param(
        "        step_size: 0.5\n",
        "        step_size: 0.5\n        cap: 5\n",
        "service_levels.measures[3].credit.cap: unknown field (line 74)",
        id="an unknown field in a credit model is rejected",
    ),
    pytest.param(
        "{lower: 97, upper: 99, credit_pct: 2}",
        "{lower: 97, upper: 99, credit_pct: 2, colour: red}",
        "service_levels.measures[2].credit.bands[1].colour: unknown field (line 61)",
        id="an unknown field in a band written inline is rejected on the band's line",
    ),
    pytest.param(
        "  earnback:\n",
        "  bonus: {}\n  earnback:\n",
        "service_levels.bonus: unknown field (line 89)",
        id="an unknown field in the section is rejected",
    ),
    pytest.param(
        "      allocation_pct: 60\n",
        "      allocation_pct: 120\n",
        "service_levels.measures[0].allocation_pct: allocations in category 'availability' add "
        "up to 120% by this measure, over its max_allocation_pct (100%) (line 39)",
        id="an allocation over its category's limit is reported at the measure that goes over it",
    ),
    pytest.param(
        "      allocation_pct: 50\n",
        "      allocation_pct: 145\n",
        "service_levels.measures[1].allocation_pct: allocations add up to 205% by this measure, "
        "over service_levels.credits.max_total_allocation_pct (200%) (line 49)",
        id="allocations over the total limit are reported at the measure that goes over it",
    ),
    pytest.param(
        "{lower: 97, upper: 99, credit_pct: 2}",
        "{lower: 97, upper: 98.5, credit_pct: 2}",
        "service_levels.measures[2].credit.bands[0].lower: values between 98.5 and 99 fall in "
        "no band (line 60)",
        id="bands that leave a gap are rejected at the band to fix",
    ),
    pytest.param(
        "{lower: 97, upper: 99, credit_pct: 2}",
        "{lower: 97, upper: 99.5, credit_pct: 2}",
        "service_levels.measures[2].credit.bands[0].lower: overlaps bands[1]: 99 is below its "
        "upper limit 99.5 (line 60)",
        id="bands that overlap are rejected",
    ),
    pytest.param(
        "{lower: 99, upper: 100, upper_inclusive: true, credit_pct: 0}",
        "{lower: 99, upper: 100, credit_pct: 0}",
        "service_levels.measures[2].credit.bands[0].upper: 100% and values above it fall in no "
        "band; end the highest band at 100% (included) or leave its upper limit open (line 60)",
        id="bands that leave out 100 percent are rejected",
    ),
    pytest.param(
        "{lower: 0, upper: 97, credit_pct: 5}",
        "{lower: 0.5, upper: 97, credit_pct: 5}",
        "service_levels.measures[2].credit.bands[2].lower: values below 0.5% fall in no band; "
        "start the lowest band at 0% (included) or leave its lower limit open (line 62)",
        id="bands that leave out the lowest values are rejected",
    ),
    pytest.param(
        "{lower: 97, upper: 99, credit_pct: 2}",
        "{lower: 97, upper: 99, upper_inclusive: true, credit_pct: 2}",
        "service_levels.measures[2].credit.bands[0].lower: 99 is in both bands[1] and bands[0]; "
        "include the edge in only one of them (line 60)",
        id="an edge in two bands is rejected",
    ),
    pytest.param(
        "{lower: 97, upper: 99, credit_pct: 2}",
        "{lower: 97, lower_inclusive: false, upper: 99, credit_pct: 2}",
        "service_levels.measures[2].credit.bands[1].lower: 97 is in neither bands[2] nor "
        "bands[1]; include the edge in one of them (line 61)",
        id="an edge in no band is rejected",
    ),
    pytest.param(
        "{lower: 97, upper: 99, credit_pct: 2}",
        "{lower: 99, upper: 97, credit_pct: 2}",
        "service_levels.measures[2].credit.bands[1]: the lower limit 99 is above the upper "
        "limit 97 (line 61)",
        id="a band whose lower limit is above its upper limit is rejected",
    ),
    pytest.param(
        "{lower: 0, upper: 97, credit_pct: 5}",
        "{lower: 0, upper: 97, credit_pct: 5, points: 5}",
        "service_levels.measures[2].credit.bands[2].points: not used by the banded model: its "
        "bands give credit_pct (line 62)",
        id="a banded band that also gives points is rejected",
    ),
    pytest.param(
        "credit_pct: 5}",
        "credit_pct: 105}",
        "service_levels.measures[2].credit.bands[2].credit_pct: must be at most 100 (line 62)",
        id="a band credit above 100 percent is rejected",
    ),
    pytest.param(
        "    at_risk_pct: 12\n",
        "    at_risk_pct: 112\n",
        "service_levels.credits.at_risk_pct: must be at most 100 (line 19)",
        id="a percentage above 100 is rejected",
    ),
    pytest.param(
        "    at_risk_pct: 12\n",
        "    at_risk_pct: -1\n",
        "service_levels.credits.at_risk_pct: must be at least 0 (line 19)",
        id="a percentage below 0 is rejected",
    ),
    pytest.param(
        "    at_risk_pct: 12\n",
        "    at_risk_pct: twelve\n",
        "service_levels.credits.at_risk_pct: must be a number, like 99.5 (line 19)",
        id="a percentage in words is rejected",
    ),
    pytest.param(
        "    at_risk_pct: 12\n",
        "    at_risk_pct: true\n",
        "service_levels.credits.at_risk_pct: must be a number, like 99.5 (line 19)",
        id="true is not a percentage",
    ),
    pytest.param(
        "    at_risk_pct: 12\n",
        "    at_risk_pct: .nan\n",
        "service_levels.credits.at_risk_pct: must be a finite number, not NaN or infinity (line "
        "19)",
        id="a percentage that is not a number is rejected",
    ),
    pytest.param(
        "    at_risk_pct: 12\n",
        '    at_risk_pct: "1e1"\n',
        "service_levels.credits.at_risk_pct: must be a number, like 99.5 (line 19)",
        id="a number with an exponent is rejected",
    ),
    pytest.param(
        "      expected: 99.9\n",
        "      expected: 100.5\n",
        "service_levels.measures[0].expected: must be at most 100 for a percent measure (line 35)",
        id="a percent level above 100 is rejected",
    ),
    pytest.param(
        '    amount: "250000.00"\n',
        '    amount: "250000.001"\n',
        "service_levels.charge_base.amount: must have at most 2 decimal places (line 17)",
        id="a charge base with more than two decimal places is rejected",
    ),
    pytest.param(
        "        step_size: 0.5\n",
        "        step_size: 0\n",
        "service_levels.measures[3].credit.step_size: must be more than 0 (line 73)",
        id="a step of no size is rejected",
    ),
    pytest.param(
        "    - id: p1_resolution\n",
        "    - id: availability\n",
        "service_levels.measures[1].id: the id 'availability' is also used by "
        "service_levels.measures[0]; each measure needs its own id (line 41)",
        id="a measure id used twice is rejected at the second measure",
    ),
    pytest.param(
        "    - id: p1_resolution\n",
        "    - id: p1 resolution\n",
        "service_levels.measures[1].id: must be 1-64 letters, digits and . _ - (no spaces), "
        "starting with a letter or digit, like p1_resolution (line 41)",
        id="a measure id with spaces is rejected",
    ),
    pytest.param(
        "      credit:\n        model: pool_allocation\n      allocation_pct: 50\n",
        "",
        "service_levels.measures[1].credit: required for a critical measure: the credit model "
        "that prices a miss (line 41)",
        id="a critical measure without a credit model is rejected",
    ),
    pytest.param(
        "      type: key\n",
        "      type: key\n      credit:\n        model: percent_of_charges\n        pct: 5\n",
        "service_levels.measures[4].credit: must not be set for a key measurement: it is "
        "reported only; make the measure critical to price its failures (line 78)",
        id="a key measurement with a credit model is rejected",
    ),
    pytest.param(
        "      type: key\n",
        "      type: key\n      allocation_pct: 5\n",
        "service_levels.measures[4].allocation_pct: must not be set for a key measurement: it "
        "carries no credit (line 78)",
        id="a key measurement with an allocation is rejected",
    ),
    pytest.param(
        "      target: 95\n",
        "      target: 95\n      minimum: 90\n",
        "service_levels.measures[1].minimum: give either a target, or expected and minimum "
        "levels, not both (line 47)",
        id="a measure with both a target and a minimum level is rejected",
    ),
    pytest.param(
        "      target: 95\n",
        "",
        "service_levels.measures[1].target: required: give a target, or expected and minimum "
        "levels (line 41)",
        id="a measure with no level is rejected",
    ),
    pytest.param(
        "      expected: 99.9\n      minimum: 99.5\n",
        "      expected: 99.9\n",
        "service_levels.measures[0].minimum: required with expected: give both expected and "
        "minimum levels, or one target (line 30)",
        id="an expected level without a minimum level is rejected",
    ),
    pytest.param(
        "      expected: 99.9\n      minimum: 99.5\n",
        "      expected: 99.5\n      minimum: 99.9\n",
        "service_levels.measures[0].minimum: must not be above expected (99.5): a "
        "higher_is_better measure's minimum is the lower level (line 36)",
        id="a minimum level above the expected level is rejected",
    ),
    pytest.param(
        "      expected: 2\n      minimum: 4\n",
        "      expected: 4\n      minimum: 2\n",
        "service_levels.measures[3].minimum: must not be below expected (4): a lower_is_better "
        "measure's minimum is the higher level (line 69)",
        id="a lower is better minimum level below the expected level is rejected",
    ),
    pytest.param(
        "      minimum: 99.5\n",
        "      minimum: 99.5\n      earnback_target: 99.8\n",
        "service_levels.measures[0].earnback_target: must not be easier than the level (99.9): "
        "earning a credit back takes at least the level (line 37)",
        id="an earnback target easier than the level is rejected",
    ),
    pytest.param(
        "      target: 98\n",
        "      target: 98\n      measurement_period: rolling_average\n",
        "service_levels.measures[4].rolling_months: required when measurement_period is "
        "rolling_average (line 75)",
        id="a rolling average without its months is rejected",
    ),
    pytest.param(
        "      target: 98\n",
        "      target: 98\n      rolling_months: 3\n",
        "service_levels.measures[4].rolling_months: must not be set unless measurement_period "
        "is rolling_average (line 81)",
        id="rolling months on a monthly measure are rejected",
    ),
    pytest.param(
        "      target: 98\n",
        "      target: 98\n      measurement_period: rolling_average\n      rolling_months: 1\n",
        "service_levels.measures[4].rolling_months: must be at least 2 (line 82)",
        id="a rolling average of one month is rejected",
    ),
    pytest.param(
        "      target: 98\n",
        "      target: 98\n      quarter_start_month: 4\n",
        "service_levels.measures[4].quarter_start_month: must not be set unless "
        "measurement_period is quarterly (line 81)",
        id="a quarter start on a measure that is not quarterly is rejected",
    ),
    pytest.param(
        "      target: 98\n",
        "      target: 98\n      measurement_period: weekly\n",
        "service_levels.measures[4].measurement_period: must be one of: monthly, quarterly, "
        "rolling_average (line 81)",
        id="an unknown measurement period lists the allowed ones",
    ),
    pytest.param(
        "        model: banded\n",
        "        model: tiered\n",
        "service_levels.measures[2].credit.model: must be one of: pool_allocation, "
        "percent_of_charges, shortfall, per_step, banded, service_points, day_equivalent, "
        "escalating (line 58)",
        id="an unknown credit model lists the allowed ones",
    ),
    pytest.param(
        "        model: banded\n",
        "        model: banded\n        pct: 3\n",
        "service_levels.measures[2].credit.pct: not used by the banded credit model (it uses "
        "bands) (line 59)",
        id="a parameter of another credit model is rejected",
    ),
    pytest.param(
        "        step_size: 0.5\n",
        "",
        "service_levels.measures[3].credit.step_size: required for the per_step credit model "
        "(line 70)",
        id="a missing required parameter of a credit model is rejected",
    ),
    pytest.param(
        "        max_credit_pct: 5\n",
        "        max_credit_pct: 5\n      allocation_pct: 10\n",
        "service_levels.measures[3].allocation_pct: only the pool_allocation credit model uses "
        "an allocation (this measure uses per_step) (line 75)",
        id="an allocation on a measure that is not pool allocated is rejected",
    ),
    pytest.param(
        "      allocation_pct: 50\n",
        "",
        "service_levels.measures[1].allocation_pct: required with the pool_allocation credit "
        "model: the measure's share of its pool (line 41)",
        id="a pool allocated measure without an allocation is rejected",
    ),
    pytest.param(
        "      category: incidents\n",
        "      category: network\n",
        "service_levels.measures[1].category: no category 'network' in "
        "service_levels.credits.categories (categories: availability, incidents) (line 50)",
        id="a category that does not exist is rejected",
    ),
    pytest.param(
        "      category: incidents\n",
        "",
        "service_levels.measures[1].category: required: the credits are shared out by category, "
        "so a pool_allocation measure names its category (availability, incidents) (line 41)",
        id="a pool allocated measure without a category is rejected when there are categories",
    ),
    pytest.param(
        "      - name: incidents\n",
        "      - name: availability\n        pool_pct: 10\n      - name: incidents\n",
        "service_levels.credits.categories[1].name: the name 'availability' is also used by "
        "service_levels.credits.categories[0] (line 25)",
        id="a category name used twice is rejected",
    ),
    pytest.param(
        "        pool_pct: 40\n",
        "        pool_pct: 140\n",
        "service_levels.credits.categories[1].pool_pct: must be at most 100 (line 26)",
        id="a category pool above 100 percent is rejected",
    ),
    pytest.param(
        "        max_credit_pct: 5\n",
        "",
        "service_levels.measures[3].deemed_actual: required: a missing report is deemed a "
        "failure, but the per_step model needs an actual to price it; give deemed_actual, or a "
        "maximum in the credit model (line 63)",
        id="a missing report that cannot be priced is rejected until it has a deemed actual",
    ),
    pytest.param(
        "        max_credit_pct: 5\n",
        "        max_credit_pct: 5\n      no_report: ignored\n      deemed_actual: 8\n",
        "service_levels.measures[3].deemed_actual: must not be set unless no_report is "
        "deemed_failed (line 76)",
        id="a deemed actual for a missing report that is not deemed failed is rejected",
    ),
    pytest.param(
        "        model: pool_allocation\n      allocation_pct: 50\n      category: incidents\n",
        "        model: day_equivalent\n        max_days: 5\n",
        "service_levels.measures[1].credit.days_from: a shortfall in percent cannot be counted "
        "in days; use a measure in days, hours or minutes, or days_from: fixed (line 47)",
        id="days counted from the shortfall of a percent measure are rejected",
    ),
    pytest.param(
        "        model: pool_allocation\n      allocation_pct: 50\n      category: incidents\n",
        "        model: day_equivalent\n        days_from: fixed\n",
        "service_levels.measures[1].credit.days: required when days_from is fixed (line 47)",
        id="fixed day equivalent credits without their days are rejected",
    ),
    pytest.param(
        "        model: pool_allocation\n      allocation_pct: 50\n      category: incidents\n",
        "        model: escalating\n        base_pct: 3\n        after_failures: 2\n"
        "        step_pct: 1\n        max_pct: 2\n",
        "service_levels.measures[1].credit.max_pct: the maximum 2% is below the base 3% (line 52)",
        id="an escalating credit whose maximum is below its base is rejected",
    ),
    pytest.param(
        "        model: pool_allocation\n      allocation_pct: 50\n      category: incidents\n",
        "        model: escalating\n        base_pct: 3\n        after_failures: 1.5\n"
        "        step_pct: 1\n        max_pct: 6\n",
        "service_levels.measures[1].credit.after_failures: must be a whole number (line 50)",
        id="a part failure is not a number of failures",
    ),
    pytest.param(
        "        model: pool_allocation\n      allocation_pct: 50\n      category: incidents\n",
        "        model: service_points\n        value_per_point_pct: 1\n"
        "        repeat_multiplier: 0.5\n        bands:\n          - {points: 2}\n",
        "service_levels.measures[1].credit.repeat_multiplier: must be at least 1 (line 50)",
        id="a repeat multiplier below 1 is rejected",
    ),
    pytest.param(
        "      basis: at_risk_amount\n",
        "      basis: percent_of_charges\n",
        "service_levels.credits.period_cap.pct: required when basis is percent_of_charges (line "
        "27)",
        id="a period cap as a percent of charges without its percent is rejected",
    ),
    pytest.param(
        "      basis: at_risk_amount\n",
        '      basis: at_risk_amount\n      amount: "1000.00"\n',
        "service_levels.credits.period_cap.amount: must not be set when basis is at_risk_amount "
        "(line 29)",
        id="a period cap amount with the at risk basis is rejected",
    ),
    pytest.param(
        "      basis: at_risk_amount\n",
        "      basis: half_the_charges\n",
        "service_levels.credits.period_cap.basis: must be one of: at_risk_amount, "
        "percent_of_charges, amount, none (line 28)",
        id="an unknown period cap basis lists the allowed ones",
    ),
    pytest.param(
        "      count: 4\n",
        "      count: 13\n",
        "service_levels.default_rules.expected_misses.count: must not be more than periods "
        "(12): 13 events cannot happen within 12 periods (line 83)",
        id="a count that cannot happen within its window is rejected",
    ),
    pytest.param(
        "      count: 3\n",
        "      count: 0\n",
        "service_levels.termination_triggers.measure_defaults.count: must be at least 1 (line 87)",
        id="a count of no events is rejected",
    ),
    pytest.param(
        "    window_periods: 3\n",
        "    window_periods: 3\n    mode: rebate\n",
        "service_levels.earnback.mode: must be one of: deferred, refund (line 91)",
        id="an unknown earnback mode lists the allowed ones",
    ),
    pytest.param(
        "    measure_ids: [availability]\n",
        "    measure_ids: [availability, uptime]\n",
        "service_levels.continuous_improvement.measure_ids[1]: no measure has the id 'uptime' "
        "(line 93)",
        id="continuous improvement of an unknown measure is rejected",
    ),
    pytest.param(
        "    measure_ids: [availability]\n",
        "    measure_ids: [availability, availability]\n",
        "service_levels.continuous_improvement.measure_ids[1]: 'availability' is listed twice "
        "(line 93)",
        id="continuous improvement listing a measure twice is rejected",
    ),
    pytest.param(
        "    consecutive_periods: 6\n",
        "    consecutive_periods: 6\n    rise_pct: 0\n",
        "service_levels.continuous_improvement.rise_pct: must be more than 0 (line 93)",
        id="a rise of nothing is rejected",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_each_broken_service_level_rule_is_reported_at_its_field_with_a_plain_message(
    old: str, new: str, expected: str
) -> None:
    assert problems(edited(old, new)) == [expected]


def test_every_problem_in_the_section_is_reported_at_once_in_line_order() -> None:
    text = (
        BASE.replace("    at_risk_pct: 12\n", "    at_risk_pct: 112\n")
        .replace("      category: incidents\n", "      category: network\n")
        .replace("{lower: 97, upper: 99, credit_pct: 2}", "{lower: 97, upper: 98, credit_pct: 2}")
        .replace("    window_periods: 3\n", "    window_periods: 0\n")
    )
    assert problems(text) == [
        "service_levels.credits.at_risk_pct: must be at most 100 (line 19)",
        "service_levels.measures[2].credit.bands[0].lower: values between 98 and 99 fall in no "
        "band (line 60)",
        "service_levels.earnback.window_periods: must be at least 1 (line 90)",
    ]
    # Rules across measures are checked once each measure and the regime are valid.
    fixed = (
        text.replace("at_risk_pct: 112", "at_risk_pct: 12")
        .replace("upper: 98, credit_pct: 2", "upper: 99, credit_pct: 2")
        .replace("window_periods: 0", "window_periods: 3")
    )
    assert problems(fixed) == [
        "service_levels.measures[1].category: no category 'network' in "
        "service_levels.credits.categories (categories: availability, incidents) (line 50)"
    ]


def test_critical_measures_need_a_credit_regime() -> None:
    before, rest = BASE.split("  credits:\n", 1)
    without_credits = before + "  measures:\n" + rest.split("  measures:\n", 1)[1]
    text = without_credits.replace("      category: availability\n", "").replace(
        "      category: incidents\n", ""
    )
    assert problems(text) == [
        "service_levels.credits: required when a measure is critical (availability): the "
        "at-risk percentage and how credits are limited (line 15)"
    ]


def test_a_section_without_measures_is_rejected() -> None:
    text = BASE.split("  measures:\n", 1)[0] + "  measures: []\n"
    assert problems(text) == ["service_levels.measures: give at least one measure (line 29)"]


def test_a_total_allocation_limit_of_zero_is_refused_at_the_limit() -> None:
    # Not at the first allocation that goes over it: a limit of 0% is the mistake.
    text = (
        BASE.replace("      allocation_pct: 60\n", "      allocation_pct: 0\n")
        .replace("      allocation_pct: 50\n", "      allocation_pct: 0\n")
        .replace("    max_total_allocation_pct: 200\n", "    max_total_allocation_pct: 0\n")
    )
    assert problems(text) == [
        "service_levels.credits.max_total_allocation_pct: must be more than 0 (line 20)"
    ]


def test_the_same_rules_apply_to_json_with_lines() -> None:
    data = load_terms(BASE).model_dump(mode="json", exclude_none=True)
    data["service_levels"]["measures"][1]["id"] = "availability"
    text = json.dumps(data, indent=2)
    lines = text.splitlines()
    second = [n for n, line in enumerate(lines, 1) if '"id": "availability"' in line][1]
    with pytest.raises(TermsError) as caught:
        load_terms(text, source="draft.json")
    assert caught.value.issues == [
        TermsIssue(
            path="service_levels.measures[1].id",
            message="the id 'availability' is also used by service_levels.measures[0]; each "
            "measure needs its own id",
            line=second,
            source="draft.json",
        )
    ]


# --- exact decimals ----------------------------------------------------------------------


def test_numbers_in_the_section_are_exact_decimals_whether_written_plainly_or_quoted() -> None:
    plain = load_terms(BASE)
    quoted = load_terms(edited("      expected: 99.9\n", '      expected: "99.9"\n'))
    assert plain == quoted
    assert plain.service_levels is not None
    availability = plain.service_levels.measures[0]
    assert availability.expected == Decimal("99.9")
    assert type(availability.expected) is Decimal
    assert plain.service_levels.measures[3].credit is not None
    assert plain.service_levels.measures[3].credit.pct_per_step == Decimal("0.5")


def test_numbers_in_json_are_exact_decimals_too() -> None:
    data = load_terms(BASE).model_dump(mode="json", exclude_none=True)
    data["service_levels"]["measures"][0]["expected"] = 99.95
    doc = load_terms(json.dumps(data), format="json")
    assert doc.service_levels is not None
    assert doc.service_levels.measures[0].expected == Decimal("99.95")


def test_a_float_from_a_python_caller_keeps_the_digits_that_were_typed() -> None:
    data = load_terms(BASE).model_dump(mode="python", exclude_none=True)
    data["service_levels"]["measures"][0]["expected"] = 99.9
    terms = service_level_terms(validate_terms_data(data))
    # Decimal(99.9) would be 99.900000000000005684341886080801486968994140625.
    assert str(terms.measures[0].expected) == "99.9"


def test_steps_of_shortfall_are_counted_in_exact_decimals_not_floats() -> None:
    # In floats (99.9 - 99.6) / 0.1 is 3.0000000000001137, which "every 0.1% or portion
    # thereof" would count as 4 steps. Written in a terms file, it is exactly 3.
    text = edited(
        "        step_size: 0.5\n        max_credit_pct: 5\n",
        "        step_size: 0.1\n        counting: each_step_or_part\n        max_credit_pct: 5\n",
    ).replace(
        "      unit: hours\n      direction: lower_is_better\n"
        "      expected: 2\n      minimum: 4\n",
        "      unit: percent\n      direction: higher_is_better\n"
        "      expected: 99.9\n      minimum: 99.5\n",
    )
    january = Period(2026, 1)
    result = evaluate_period(
        engine_terms(text),
        january,
        [Measurement("restore_time", january, Decimal("99.6"))],
        {january: Decimal("250000.00")},
    )
    restore = next(m for m in result.service_levels if m.id == "restore_time")
    assert restore.credit_before_caps == Decimal("3750.00")  # 3 steps × 0.5% × 250,000.00
    assert any("3 steps" in line for line in restore.explanation)


# --- engine terms ------------------------------------------------------------------------

Measures = list[tuple[str, MeasureType, CreditModelKind | None, MeasurementPeriod]]
CRITICAL, KEY = MeasureType.CRITICAL, MeasureType.KEY
MONTHLY = MeasurementPeriod.MONTHLY
NORTHWIND: Measures = [
    ("availability", CRITICAL, CreditModelKind.POOL_ALLOCATION, MONTHLY),
    ("p1_resolution", CRITICAL, CreditModelKind.PER_STEP, MONTHLY),
    ("change_success", KEY, None, MONTHLY),
]
EXAMPLE_MEASURES: dict[str, tuple[str, Measures]] = {
    "northwind-msa.yaml": ("GBP", NORTHWIND),
    "northwind-msa-amendment-1.yaml": ("GBP", NORTHWIND),
    "contoso-bpo-evergreen.json": (
        "USD",
        [
            ("clean_claims_turnaround", CRITICAL, CreditModelKind.SHORTFALL, MONTHLY),
            ("backlog_days", CRITICAL, CreditModelKind.DAY_EQUIVALENT, MONTHLY),
            ("payment_accuracy", KEY, None, MONTHLY),
        ],
    ),
    "northwind-sow-service-desk.yaml": (
        "GBP",
        [
            ("p1_resolution", CRITICAL, CreditModelKind.PERCENT_OF_CHARGES, MONTHLY),
            ("p2_resolution", CRITICAL, CreditModelKind.PERCENT_OF_CHARGES, MONTHLY),
            ("p3_average_hours", KEY, None, MONTHLY),
        ],
    ),
    "tailspin-hosting-service-points.yaml": (
        "EUR",
        [
            ("platform_availability", CRITICAL, CreditModelKind.SERVICE_POINTS, MONTHLY),
            ("backup_success", CRITICAL, CreditModelKind.SERVICE_POINTS, MONTHLY),
            ("p1_restore_time", CRITICAL, CreditModelKind.SERVICE_POINTS, MONTHLY),
        ],
    ),
    "adatum-bpo-banded.json": (
        "USD",
        [
            ("invoice_accuracy", CRITICAL, CreditModelKind.BANDED, MONTHLY),
            ("payment_cycle_time", CRITICAL, CreditModelKind.ESCALATING, MONTHLY),
            ("customer_satisfaction", KEY, None, MeasurementPeriod.QUARTERLY),
            ("first_pass_yield", KEY, None, MeasurementPeriod.ROLLING_AVERAGE),
        ],
    ),
}


def example(name: str) -> TermsDocument:
    return load_terms_file(EXAMPLES / name)


def test_every_example_with_service_levels_is_listed_here() -> None:
    files = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])
    with_section = {path.name for path in files if load_terms_file(path).service_levels}
    assert with_section == set(EXAMPLE_MEASURES)


@pytest.mark.parametrize("name", sorted(EXAMPLE_MEASURES))
def test_each_example_converts_into_engine_terms_with_its_measures(name: str) -> None:
    currency, expected = EXAMPLE_MEASURES[name]
    terms = service_level_terms(example(name), source=name)
    assert isinstance(terms, sl.ServiceLevelTerms)
    assert terms.currency == currency
    assert [
        (
            m.id,
            m.type,
            m.credit.kind if m.credit is not None else None,
            m.measurement_period,
        )
        for m in terms.measures
    ] == expected


def test_the_northwind_engine_terms_carry_the_regime_and_the_rules_of_the_file() -> None:
    terms = service_level_terms(example("northwind-msa.yaml"))
    regime = terms.credits
    assert regime.at_risk_pct == Decimal(12)
    assert regime.max_total_allocation_pct == Decimal(200)
    assert [(c.name, c.pool_pct, c.max_allocation_pct) for c in regime.categories] == [
        ("availability", Decimal(60), Decimal(100)),
        ("incidents", Decimal(40), Decimal(100)),
    ]
    assert regime.period_cap == sl.PeriodCap(basis=CapBasis.AT_RISK_AMOUNT)
    assert regime.minimum_credit == sl.MinimumCredit(amount=Decimal("1.00"))
    assert regime.incident_rule is IncidentRule.DEEMED_ONE_EVENT
    availability = terms.measure("availability")
    assert (availability.expected, availability.minimum) == (Decimal("99.9"), Decimal("99.5"))
    assert availability.actual_rounding == sl.DecimalRounding(places=2)
    assert (availability.allocation_pct, availability.category) == (Decimal(25), "availability")
    assert terms.measure("p1_resolution").credit == sl.PerStep(
        pct_per_step=Decimal("0.5"),
        step_size=Decimal(1),
        counting=sl.StepCounting.EACH_STEP_OR_PART,
        max_credit_pct=Decimal(5),
    )
    assert terms.default_rules == sl.DefaultRules(expected_misses=sl.CountWithin(4, 12))
    assert terms.termination_triggers == sl.TerminationTriggers(
        measure_defaults=sl.CountWithin(3, 6), credit_periods=sl.CountWithin(5, 12)
    )
    assert terms.earnback is None and terms.continuous_improvement is None


def test_the_amendment_restates_the_masters_service_levels_unchanged() -> None:
    master = service_level_terms(example("northwind-msa.yaml"))
    assert service_level_terms(example("northwind-msa-amendment-1.yaml")) == master


def test_the_other_examples_carry_their_caps_earnback_and_triggers() -> None:
    hosting = service_level_terms(example("tailspin-hosting-service-points.yaml"))
    assert hosting.credits.excess is sl.ExcessRule.CARRIED_FORWARD
    assert hosting.credits.incident_rule is IncidentRule.PER_COMPONENT
    assert hosting.earnback == sl.Earnback(window_periods=3)
    assert hosting.termination_triggers == sl.TerminationTriggers(
        consecutive_credit_periods=4, any_critical_failure=True
    )
    bpo = service_level_terms(example("adatum-bpo-banded.json"))
    assert bpo.credits.period_cap == sl.PeriodCap(
        basis=CapBasis.PERCENT_OF_CHARGES, pct=Decimal(10)
    )
    assert bpo.credits.annual_cap == sl.AnnualCap(pct=Decimal(3), periods=12)
    assert bpo.measure("first_pass_yield").rolling_months == 3


CREDIT_MODELS = [
    pytest.param(
        "        model: percent_of_charges\n        pct: 5\n",
        sl.PercentOfCharges(pct=Decimal(5)),
        id="percent of charges",
    ),
    pytest.param(
        "        model: shortfall\n        max_credit_pct: 10\n",
        sl.Shortfall(pct_per_unit=Decimal(1), max_credit_pct=Decimal(10)),
        id="shortfall at 1 percent per unit unless it says otherwise",
    ),
    pytest.param(
        "        model: per_step\n        pct_per_step: 0.5\n        step_size: 0.1\n"
        "        max_credit_pct: 5\n",
        sl.PerStep(
            pct_per_step=Decimal("0.5"),
            step_size=Decimal("0.1"),
            counting=sl.StepCounting.EACH_FULL_STEP,
            max_credit_pct=Decimal(5),
        ),
        id="per step counting full steps unless it says otherwise",
    ),
    pytest.param(
        "        model: banded\n        bands:\n          - {upper: 95, credit_pct: 5}\n"
        "          - {lower: 95, credit_pct: 0}\n",
        sl.Banded(
            bands=(
                sl.CreditBand(credit_pct=Decimal(5), upper=Decimal(95)),
                sl.CreditBand(credit_pct=Decimal(0), lower=Decimal(95)),
            )
        ),
        id="banded with open edges",
    ),
    pytest.param(
        "        model: service_points\n        value_per_point_pct: 1\n"
        "        bands:\n          - {points: 2}\n",
        sl.ServicePoints(
            bands=(sl.PointsBand(points=2),),
            value_per_point_pct=Decimal(1),
            repeat_multiplier=Decimal(2),
        ),
        id="service points doubled on a repeat unless it says otherwise",
    ),
    pytest.param(
        "        model: day_equivalent\n        days_from: fixed\n        days: 1\n",
        sl.DayEquivalent(
            days_from=sl.DaysSource.FIXED,
            days=Decimal(1),
            days_per_month=Decimal(30),
            part_days=sl.PartDays.PRO_RATA,
        ),
        id="day equivalent over 30 days unless it says otherwise",
    ),
    pytest.param(
        "        model: escalating\n        base_pct: 1\n        after_failures: 2\n"
        "        step_pct: 1\n        max_pct: 4\n",
        sl.Escalating(
            base_pct=Decimal(1), after_failures=2, step_pct=Decimal(1), max_pct=Decimal(4)
        ),
        id="escalating",
    ),
]


@pytest.mark.parametrize(("credit", "expected"), CREDIT_MODELS)
def test_each_credit_model_becomes_the_engines_model_with_its_defaults(
    credit: str, expected: sl.CreditModel
) -> None:
    text = edited(
        "        model: pool_allocation\n      allocation_pct: 50\n      category: incidents\n",
        credit,
    )
    assert engine_terms(text).measure("p1_resolution").credit == expected


def test_a_pool_allocated_measure_becomes_the_engines_pool_allocation() -> None:
    measure = engine_terms(BASE).measure("p1_resolution")
    assert measure.credit == sl.PoolAllocation()
    assert (measure.allocation_pct, measure.category) == (Decimal(50), "incidents")


def test_a_left_out_period_cap_is_the_at_risk_amount_and_basis_none_is_no_cap() -> None:
    left_out = edited("    period_cap:\n      basis: at_risk_amount\n", "")
    assert engine_terms(left_out).credits.period_cap == sl.PeriodCap()
    none = edited("      basis: at_risk_amount\n", "      basis: none\n")
    assert engine_terms(none).credits.period_cap is None


def test_a_section_of_key_measurements_only_needs_no_credit_regime() -> None:
    text = """\
pactline: 1
contract:
  reference: KPI-1
  title: Reporting only
  kind: master
  our_role: customer
  counterparty:
    name: Northwind Networks Ltd
  currency: GBP
term:
  start_on: 2026-01-01
  months: 12
renewal:
  kind: none
service_levels:
  measures:
    - id: change_success
      name: Changes implemented without an incident
      type: key
      unit: percent
      direction: higher_is_better
      target: 98
"""
    terms = engine_terms(text)
    assert terms.credits.at_risk_pct == 0 and terms.credits.period_cap is None
    assert terms.measures[0].credit is None


def test_a_document_without_service_levels_cannot_give_engine_terms() -> None:
    with pytest.raises(TermsError) as caught:
        service_level_terms(load_terms(terms_yaml("MSA-T-001")), source="sow.yaml")
    assert caught.value.issues == [
        TermsIssue("service_levels", "the terms have no service_levels section", None, "sow.yaml")
    ]
