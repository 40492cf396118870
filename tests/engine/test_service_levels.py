"""Service levels and credits: statuses, every credit model and option, caps, earnback, flags."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest

from pactline.engine.service_levels import (
    AnnualCap,
    Banded,
    CapBasis,
    Category,
    Comparison,
    ContinuousImprovement,
    CountWithin,
    CreditBand,
    CreditModel,
    CreditRegime,
    DayEquivalent,
    DecimalRounding,
    DefaultRules,
    Direction,
    Earnback,
    EarnbackEligibility,
    EarnbackMode,
    EarnbackOutcome,
    EarnbackState,
    Escalating,
    ExcessRule,
    Exclusion,
    IncidentRule,
    Measure,
    Measurement,
    MeasurementPeriod,
    MeasureStatus,
    MeasureType,
    MinimumCredit,
    MinimumCreditRule,
    MinimumCreditScope,
    NoReportRule,
    PartDays,
    PercentOfCharges,
    Period,
    PeriodCap,
    PeriodResult,
    PerStep,
    PointsBand,
    PoolAllocation,
    RedFlagKind,
    Rounding,
    ServiceLevelInputError,
    ServiceLevelTerms,
    ServicePoints,
    Shortfall,
    StepCounting,
    TerminationTriggers,
    Unit,
    evaluate_period,
    evaluate_periods,
)

D = Decimal
JAN = Period(2026, 1)
FEB = Period(2026, 2)
MAR = Period(2026, 3)
APR = Period(2026, 4)


# -- builders ----------------------------------------------------------------------------------


def month(n: int) -> Period:
    """The n-th month of the test history: 1 is January 2026."""
    return JAN.shift(n - 1)


def span(first: Period, last: Period) -> list[Period]:
    """Every month from `first` to `last` inclusive."""
    return [first.shift(n) for n in range(first.months_until(last) + 1)]


def critical(measure_id: str = "availability", **fields: Any) -> Measure:
    """A critical percentage measure, higher is better, target 99.5%, 5% of charges per miss."""
    values: dict[str, Any] = {
        "name": measure_id.replace("_", " ").capitalize(),
        "type": MeasureType.CRITICAL,
        "unit": Unit.PERCENT,
        "direction": Direction.HIGHER_IS_BETTER,
        "target": D("99.5"),
        "credit": PercentOfCharges(D(5)),
    }
    if "expected" in fields:
        values["target"] = None
    values.update(fields)
    return Measure(id=measure_id, **values)


def two_level(measure_id: str = "availability", **fields: Any) -> Measure:
    """Expected level 99.5%, minimum 99%, 2% of charges per failure."""
    values: dict[str, Any] = {
        "expected": D("99.5"),
        "minimum": D("99"),
        "credit": PercentOfCharges(D(2)),
    }
    values.update(fields)
    return critical(measure_id, **values)


def sl_terms(*measures: Measure, **fields: Any) -> ServiceLevelTerms:
    """Terms with a 12% at-risk amount capped per period, plus any regime or rule overrides."""
    regime_fields = {
        name: fields.pop(name) for name in list(fields) if name in CreditRegime.__dataclass_fields__
    }
    regime_fields.setdefault("at_risk_pct", D(12))
    return ServiceLevelTerms(
        currency=fields.pop("currency", "GBP"),
        measures=measures,
        credits=CreditRegime(**regime_fields),
        **fields,
    )


def row(measure_id: str, period: Period, value: str | None, **fields: Any) -> Measurement:
    """One measurement row."""
    return Measurement(measure_id, period, None if value is None else D(value), **fields)


def monthly(measure_id: str, *values: str | None, start: Period = JAN) -> list[Measurement]:
    """Rows for consecutive months from `start`; None leaves a month unreported."""
    return [
        row(measure_id, start.shift(n), value)
        for n, value in enumerate(values)
        if value is not None
    ]


def history(
    terms: ServiceLevelTerms,
    rows: Iterable[Measurement],
    last: Period,
    charges: Mapping[Period, Decimal] | Decimal | int = 250_000,
    first: Period = JAN,
) -> tuple[PeriodResult, ...]:
    """Evaluate every month from `first` to `last` with a flat or given charge base."""
    if isinstance(charges, Mapping):
        charge_base = dict(charges)
    else:
        charge_base = {p: D(charges) for p in span(first, last)}
    return evaluate_periods(terms, last, list(rows), charge_base)


def evaluate(
    terms: ServiceLevelTerms,
    rows: Iterable[Measurement],
    period: Period = JAN,
    charges: Decimal | int = 250_000,
) -> PeriodResult:
    """Evaluate one period, with the same charge base in every month since January 2026."""
    return history(terms, rows, period, charges)[-1]


# -- the DOMAIN.md illustrations ---------------------------------------------------------------


def pool_terms() -> ServiceLevelTerms:
    """Availability in a 60% pool with a 25% allocation; the service desk in a 40% pool."""
    return sl_terms(
        two_level(
            "availability", credit=PoolAllocation(), allocation_pct=D(25), category="platform"
        ),
        two_level(
            "service_desk", credit=PoolAllocation(), allocation_pct=D(50), category="support"
        ),
        categories=(Category("platform", D(60)), Category("support", D(40))),
        max_total_allocation_pct=D(250),
    )


def test_the_at_risk_amount_is_the_at_risk_percentage_of_the_charge_base() -> None:
    result = evaluate(pool_terms(), [])
    assert result.service_credits.at_risk_amount == D("30000.00")
    assert "At-risk amount = 12% × GBP 250,000.00 = GBP 30,000.00" in (
        result.service_credits.explanation
    )


def test_a_pool_allocation_credit_is_pool_times_allocation_times_the_at_risk_amount() -> None:
    rows = [row("availability", JAN, "99.2"), row("service_desk", JAN, "99.9")]
    result = evaluate(pool_terms(), rows)
    availability = result.measure("availability")
    assert availability.credit_before_caps == D("4500.00")
    assert availability.credit == D("4500.00")
    assert (
        "Credit = category 'platform' pool 60% × allocation 25% × at-risk amount GBP 30,000.00 "
        "= GBP 4,500.00"
    ) in availability.explanation
    assert result.service_credits.total == D("4500.00")


def test_a_pool_allocation_in_another_category_uses_that_categorys_pool() -> None:
    rows = [row("availability", JAN, "99.9"), row("service_desk", JAN, "98")]
    assert evaluate(pool_terms(), rows).measure("service_desk").credit == D("6000.00")


def test_without_categories_the_whole_at_risk_amount_is_the_pool() -> None:
    terms = sl_terms(critical(credit=PoolAllocation(), allocation_pct=D(25)))
    result = evaluate(terms, [row("availability", JAN, "99")])
    assert result.measure("availability").credit == D("7500.00")
    assert (
        "Credit = allocation 25% × at-risk amount GBP 30,000.00 = GBP 7,500.00"
        in result.measure("availability").explanation
    )


def three_failures(**fields: Any) -> ServiceLevelTerms:
    """Three critical measures worth 14,000, 12,500 and 9,000 on charges of 250,000."""
    return sl_terms(
        critical("availability", credit=PercentOfCharges(D("5.6"))),
        critical("resolution", credit=PercentOfCharges(D(5))),
        critical("security", credit=PercentOfCharges(D("3.6"))),
        **fields,
    )


def three_failing_rows(period: Period = JAN, **fields: Any) -> list[Measurement]:
    """All three measures of `three_failures` missing their 99.5% target."""
    return [row(m, period, "99", **fields) for m in ("availability", "resolution", "security")]


def test_three_failures_totalling_35500_are_capped_at_the_30000_at_risk_amount() -> None:
    result = evaluate(three_failures(), three_failing_rows())
    credits = result.service_credits
    assert [m.credit_before_caps for m in result.service_levels] == [
        D("14000.00"),
        D("12500.00"),
        D("9000.00"),
    ]
    assert credits.uncapped == D("35500.00")
    assert credits.cap == D("30000.00")
    assert credits.total == D("30000.00")
    assert credits.discarded == D("5500.00")
    assert [m.credit for m in result.service_levels] == [
        D("11830.99"),
        D("10563.38"),
        D("7605.63"),
    ]
    assert sum(m.credit for m in result.service_levels) == credits.total
    assert (
        "Credits before caps: availability GBP 14,000.00 + resolution GBP 12,500.00 + security "
        "GBP 9,000.00 = GBP 35,500.00"
    ) in credits.explanation
    assert (
        "Cap applied: GBP 35,500.00 is above the period cap GBP 30,000.00, so the total is "
        "GBP 30,000.00"
    ) in credits.explanation


# -- statuses, comparison and rounding ---------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "actual", "status"),
    [
        pytest.param(critical(), "99.5", MeasureStatus.MET, id="inclusive-exactly-met"),
        pytest.param(critical(), "99.6", MeasureStatus.MET, id="above-target"),
        pytest.param(critical(), "99.49", MeasureStatus.MINIMUM_MISS, id="single-target-miss"),
        pytest.param(
            critical(comparison=Comparison.STRICT), "99.5", MeasureStatus.MINIMUM_MISS,
            id="strict-exactly-is-a-miss",
        ),
        pytest.param(
            critical(comparison=Comparison.STRICT), "99.51", MeasureStatus.MET, id="strict-above",
        ),
        pytest.param(two_level(), "99.5", MeasureStatus.MET, id="expected-met"),
        pytest.param(two_level(), "99.2", MeasureStatus.EXPECTED_MISS, id="yellow-zone"),
        pytest.param(two_level(), "99", MeasureStatus.EXPECTED_MISS, id="minimum-exactly-met"),
        pytest.param(two_level(), "98.9", MeasureStatus.MINIMUM_MISS, id="below-minimum"),
        pytest.param(
            two_level(comparison="strict"), "99", MeasureStatus.MINIMUM_MISS,
            id="strict-minimum-exactly-is-a-miss",
        ),
        pytest.param(
            critical(unit=Unit.HOURS, direction=Direction.LOWER_IS_BETTER, target=D(4)),
            "4", MeasureStatus.MET, id="lower-is-better-exactly-met",
        ),
        pytest.param(
            critical(unit=Unit.HOURS, direction=Direction.LOWER_IS_BETTER, target=D(4)),
            "4.5", MeasureStatus.MINIMUM_MISS, id="lower-is-better-miss",
        ),
        pytest.param(
            two_level(
                unit=Unit.MINUTES, direction="lower_is_better", expected=D(30), minimum=D(60)
            ),
            "45", MeasureStatus.EXPECTED_MISS, id="lower-is-better-yellow-zone",
        ),
        pytest.param(
            critical(actual_rounding=DecimalRounding(1)), "99.46", MeasureStatus.MET,
            id="rounded-half-up-before-comparing",
        ),
        pytest.param(
            critical(actual_rounding=DecimalRounding(1, Rounding.DOWN)), "99.46",
            MeasureStatus.MINIMUM_MISS, id="rounded-down-before-comparing",
        ),
        pytest.param(
            critical(target=D(99), actual_rounding=DecimalRounding(0, "half_even")), "98.5",
            MeasureStatus.MINIMUM_MISS, id="rounded-half-even-to-a-whole-number",
        ),
        pytest.param(
            critical(target=D(99), actual_rounding=DecimalRounding(0, "half_up")), "98.5",
            MeasureStatus.MET, id="rounded-half-up-to-a-whole-number",
        ),
    ],
)  # fmt: skip
def test_the_status_follows_the_levels_direction_comparison_and_rounding(
    measure: Measure, actual: str, status: MeasureStatus
) -> None:
    result = evaluate(sl_terms(measure), [row(measure.id, JAN, actual)])
    assert result.measure(measure.id).status is status


def test_the_actual_is_reported_after_rounding_with_the_rounding_explained() -> None:
    measure = critical(actual_rounding=DecimalRounding(1))
    result = evaluate(sl_terms(measure), [row("availability", JAN, "99.46")]).measure(measure.id)
    assert result.actual == D("99.5")
    assert "Rounded to 1 decimal place (half up) before comparing: 99.46 → 99.5" in (
        result.explanation
    )
    assert "99.5% meets the target 99.5%: met" in result.explanation


def test_a_single_target_miss_is_explained_as_the_only_level() -> None:
    result = evaluate(sl_terms(critical()), [row("availability", JAN, "99.2")])
    assert (
        "99.2% misses the target 99.5%: a miss of the only level, counted as a minimum-level miss"
        in result.measure("availability").explanation
    )


def test_a_met_measure_carries_no_credit() -> None:
    result = evaluate(sl_terms(critical()), [row("availability", JAN, "99.9")])
    measure = result.measure("availability")
    assert (measure.failed, measure.credit, measure.default) == (False, D("0.00"), False)
    assert "No credit: the level was met" in measure.explanation
    assert result.service_credits.total == D("0.00")


def test_a_key_measurement_is_reported_but_carries_no_credit() -> None:
    kpi = Measure(
        "csat", "Customer satisfaction", MeasureType.KEY, Unit.PERCENT, "higher_is_better",
        target=D(80),
    )  # fmt: skip
    result = evaluate(sl_terms(critical(), kpi), [row("csat", JAN, "70")])
    csat = result.measure("csat")
    assert csat.status is MeasureStatus.MINIMUM_MISS
    assert (csat.credit, csat.default) == (D("0.00"), False)
    assert "Key measurement: reported only, no credit" in csat.explanation


# -- no report ---------------------------------------------------------------------------------


def test_no_report_is_a_failure_by_default() -> None:
    result = evaluate(sl_terms(critical()), [])
    measure = result.measure("availability")
    assert measure.status is MeasureStatus.NOT_REPORTED
    assert measure.actual is None
    assert measure.failed
    assert measure.credit == D("12500.00")
    assert (
        "No report for 2026-01: the terms deem a missing report a failure, counted as a "
        "minimum-level miss"
    ) in measure.explanation


@pytest.mark.parametrize(
    ("rule", "status", "failed", "credit"),
    [
        (NoReportRule.DEEMED_FAILED, MeasureStatus.NOT_REPORTED, True, D("12500.00")),
        (NoReportRule.IGNORED, MeasureStatus.NOT_REPORTED, False, D("0.00")),
        (NoReportRule.DEEMED_MET, MeasureStatus.MET, False, D("0.00")),
    ],
)
def test_the_no_report_rule_decides_what_a_missing_report_counts_as(
    rule: NoReportRule, status: MeasureStatus, failed: bool, credit: Decimal
) -> None:
    result = evaluate(sl_terms(critical(no_report=rule)), []).measure("availability")
    assert (result.status, result.failed, result.credit) == (status, failed, credit)


def test_a_row_without_a_value_counts_as_no_report() -> None:
    result = evaluate(sl_terms(critical()), [row("availability", JAN, None)])
    assert result.measure("availability").status is MeasureStatus.NOT_REPORTED


def banded_model() -> Banded:
    """0% at or above 99.5%, 5% from 99%, 10% from 98%, 20% below 98%."""
    return Banded(
        (
            CreditBand(D(0), lower=D("99.5"), upper=D(100), upper_inclusive=True),
            CreditBand(D(5), lower=D(99), upper=D("99.5")),
            CreditBand(D(10), lower=D(98), upper=D(99)),
            CreditBand(D(20), lower=D(0), upper=D(98)),
        )
    )


def test_a_missing_report_under_a_banded_model_is_priced_at_the_highest_band() -> None:
    result = evaluate(sl_terms(critical(credit=banded_model())), []).measure("availability")
    assert result.credit_before_caps == D("50000.00")
    assert "No actual to price: the highest band credit 20% applies" in result.explanation


def test_a_missing_report_is_priced_at_the_deemed_actual_when_the_terms_give_one() -> None:
    measure = critical(credit=banded_model(), deemed_actual=D("98.5"))
    result = evaluate(sl_terms(measure), []).measure("availability")
    assert result.credit_before_caps == D("25000.00")
    assert (
        "Priced at the actual the terms deem a missing report to have: 98.5%" in result.explanation
    )


# -- exclusions --------------------------------------------------------------------------------


def test_an_approved_exclusion_replaces_the_actual_and_says_why() -> None:
    exclusion = Exclusion("scheduled maintenance 2026-01-14", D("99.7"))
    result = evaluate(
        sl_terms(critical()), [row("availability", JAN, "99.1", exclusion=exclusion)]
    ).measure("availability")
    assert result.actual == D("99.7")
    assert result.status is MeasureStatus.MET
    assert (
        "Approved exclusion (scheduled maintenance 2026-01-14): reported 99.1% for 2026-01; "
        "actual after exclusions 99.7%"
    ) in result.explanation


def test_a_whole_period_exclusion_is_not_assessed_and_carries_no_credit() -> None:
    exclusion = Exclusion("force majeure: data centre flood")
    result = evaluate(
        sl_terms(critical()), [row("availability", JAN, "80", exclusion=exclusion)]
    ).measure("availability")
    assert result.status is MeasureStatus.EXCLUDED
    assert (result.failed, result.credit, result.actual) == (False, D("0.00"), None)
    assert any("force majeure: data centre flood" in line for line in result.explanation)


def test_an_exclusion_can_stand_in_for_a_missing_report() -> None:
    exclusion = Exclusion("customer dependency missed", D("99.6"))
    result = evaluate(
        sl_terms(critical()), [row("availability", JAN, None, exclusion=exclusion)]
    ).measure("availability")
    assert result.status is MeasureStatus.MET


# -- rolling averages and quarters -------------------------------------------------------------


def rolling(**fields: Any) -> Measure:
    """A 3-month rolling average against a 99.5% target."""
    return critical(
        measurement_period=MeasurementPeriod.ROLLING_AVERAGE, rolling_months=3, **fields
    )


def test_a_rolling_average_uses_this_and_the_previous_months() -> None:
    rows = monthly("availability", "99", "99.6", "99.9")
    result = evaluate(sl_terms(rolling()), rows, MAR).measure("availability")
    assert result.actual == D("99.5")
    assert result.status is MeasureStatus.MET
    assert (
        "The rolling 3-month average: (99 (2026-01) + 99.6 (2026-02) + 99.9 (2026-03)) ÷ 3 = 99.5%"
    ) in result.explanation


def test_a_rolling_average_can_reach_back_before_the_first_charged_month() -> None:
    rows = monthly("availability", "98", "99", "99.4", start=Period(2025, 11))
    result = evaluate(sl_terms(rolling()), rows, JAN)
    assert result.measure("availability").actual == D("98.8")


def test_a_rolling_average_skips_unreported_and_excluded_months_and_says_so() -> None:
    rows = [
        row("availability", JAN, "90", exclusion=Exclusion("force majeure")),
        row("availability", MAR, "99.8"),
    ]
    result = evaluate(sl_terms(rolling()), rows, MAR).measure("availability")
    assert result.actual == D("99.8")
    assert any(
        "2026-01 excluded (force majeure); 2026-02 not reported" in line
        for line in result.explanation
    )


def test_a_rolling_average_without_this_months_report_is_not_reported() -> None:
    rows = monthly("availability", "99.9", "99.9")
    result = evaluate(sl_terms(rolling()), rows, MAR).measure("availability")
    assert result.status is MeasureStatus.NOT_REPORTED


def test_a_rolling_average_whose_month_is_excluded_is_excluded() -> None:
    rows = [
        *monthly("availability", "99.9", "99.9"),
        row("availability", MAR, None, exclusion=Exclusion("force majeure")),
    ]
    result = evaluate(sl_terms(rolling()), rows, MAR).measure("availability")
    assert result.status is MeasureStatus.EXCLUDED


def test_a_quarterly_measure_is_not_due_until_the_quarter_ends() -> None:
    measure = critical(measurement_period=MeasurementPeriod.QUARTERLY)
    rows = monthly("availability", "99", "99.6", "99.9")
    results = history(sl_terms(measure), rows, MAR)
    statuses = [r.measure("availability").status for r in results]
    assert statuses == [MeasureStatus.NOT_DUE, MeasureStatus.NOT_DUE, MeasureStatus.MET]
    assert [r.service_credits.total for r in results] == [D("0.00")] * 3
    assert "Measured quarterly: not due in 2026-01; the quarter ends in 2026-03" in (
        results[0].measure("availability").explanation
    )
    assert results[2].measure("availability").actual == D("99.5")


def test_a_quarterly_report_recorded_once_is_the_quarters_actual() -> None:
    measure = critical(measurement_period="quarterly")
    result = evaluate(sl_terms(measure), [row("availability", MAR, "99.1")], MAR)
    assert result.measure("availability").actual == D("99.1")
    assert result.measure("availability").credit == D("12500.00")


def test_quarters_can_start_in_any_month() -> None:
    measure = critical(measurement_period="quarterly", quarter_start_month=2)
    results = history(sl_terms(measure), [row("availability", APR, "99.9")], APR)
    due = [r.measure("availability").status is not MeasureStatus.NOT_DUE for r in results]
    assert due == [True, False, False, True]


def test_a_quarter_with_no_report_is_deemed_failed() -> None:
    measure = critical(measurement_period="quarterly")
    result = evaluate(sl_terms(measure), [], MAR).measure("availability")
    assert result.status is MeasureStatus.NOT_REPORTED
    assert result.failed


def test_a_quarter_whose_reported_months_are_all_excluded_is_excluded() -> None:
    measure = critical(measurement_period="quarterly")
    rows = [row("availability", FEB, "50", exclusion=Exclusion("force majeure"))]
    result = evaluate(sl_terms(measure), rows, MAR).measure("availability")
    assert result.status is MeasureStatus.EXCLUDED


# -- credit models -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "counting", "steps", "credit"),
    [
        pytest.param("99.6", "each_full_step", 3, D("7500.00"), id="domain-example-floor"),
        pytest.param("99.6", "each_step_or_part", 3, D("7500.00"), id="domain-example-ceiling"),
        pytest.param("99.65", "each_full_step", 2, D("5000.00"), id="part-step-ignored"),
        pytest.param("99.65", "each_step_or_part", 3, D("7500.00"), id="part-step-counted"),
        pytest.param("99.85", "each_full_step", 0, D("0.00"), id="less-than-a-step"),
        pytest.param("99.85", "each_step_or_part", 1, D("2500.00"), id="portion-of-a-step"),
    ],
)
def test_a_per_step_credit_counts_steps_of_shortfall_in_decimal(
    actual: str, counting: str, steps: int, credit: Decimal
) -> None:
    model = PerStep(D(1), D("0.1"), StepCounting(counting), max_credit_pct=D(10))
    measure = critical(target=D("99.9"), credit=model)
    result = evaluate(sl_terms(measure), [row("availability", JAN, actual)])
    assert result.measure("availability").credit == credit
    assert any(
        line.startswith("Steps = ") and line.endswith(f"{steps} step" + ("" if steps == 1 else "s"))
        for line in result.measure("availability").explanation
    )


def test_the_per_step_domain_example_gives_three_steps_where_floats_would_give_four() -> None:
    # The reason for Decimal: in floats the same division is 3.0000000000001137.
    assert (99.9 - 99.6) / 0.1 != 3
    model = PerStep(D(1), D("0.1"), StepCounting.EACH_STEP_OR_PART, max_credit_pct=D(10))
    result = evaluate(
        sl_terms(critical(target=D("99.9"), credit=model)), monthly("availability", "99.6")
    )
    assert (
        "Steps = 0.3 ÷ 0.1 = 3; each step or part of a step counts: 3 steps"
        in result.measure("availability").explanation
    )


def test_each_full_one_percent_step_ignores_the_part_step() -> None:
    model = PerStep(D(2), D(1), "each_full_step", max_credit_pct=D(10))
    result = evaluate(sl_terms(critical(credit=model)), monthly("availability", "97.4"))
    assert result.measure("availability").credit_before_caps == D("10000.00")  # 2 steps × 2%


def test_a_per_step_credit_stops_at_its_maximum() -> None:
    model = PerStep(D(1), D("0.1"), "each_step_or_part", max_credit_pct=D(5))
    result = evaluate(sl_terms(critical(credit=model)), monthly("availability", "98"))
    measure = result.measure("availability")
    assert measure.credit_before_caps == D("12500.00")
    assert "Capped at the model's maximum of 5%" in measure.explanation


SHORTFALL = Shortfall(max_credit_pct=D(10))
SHORTFALL_2 = Shortfall(pct_per_unit=D(2), max_credit_pct=D(10))


@pytest.mark.parametrize(
    ("measure", "actual", "credit"),
    [
        pytest.param(critical(credit=SHORTFALL), "99.2", D("750.00"), id="0.3-points"),
        pytest.param(
            critical(credit=SHORTFALL_2), "99.2", D("1500.00"), id="rate-2",
        ),
        pytest.param(
            critical(
                unit=Unit.HOURS, direction=Direction.LOWER_IS_BETTER, target=D(4),
                credit=SHORTFALL_2,
            ),
            "6", D("10000.00"), id="lower-is-better-hours",
        ),
        pytest.param(
            critical(credit=Shortfall(max_credit_pct=D("0.5"))), "98", D("1250.00"), id="max",
        ),
        pytest.param(
            two_level(credit=SHORTFALL), "98.5", D("2500.00"), id="from-the-expected-level",
        ),
    ],
)  # fmt: skip
def test_a_shortfall_credit_is_the_gap_to_the_level_in_points_of_charges(
    measure: Measure, actual: str, credit: Decimal
) -> None:
    result = evaluate(sl_terms(measure), [row(measure.id, JAN, actual)])
    assert result.measure(measure.id).credit_before_caps == credit


def test_a_shortfall_credit_shows_its_arithmetic() -> None:
    result = evaluate(sl_terms(critical(credit=SHORTFALL)), monthly("availability", "99.2"))
    explanation = result.measure("availability").explanation
    assert "Shortfall = 99.5 − 99.2 = 0.3 percentage points" in explanation
    assert "Credit % = 0.3 × 1% per percentage point = 0.3%" in explanation
    assert "Credit = 0.3% × charges GBP 250,000.00 = GBP 750.00" in explanation


@pytest.mark.parametrize(
    ("actual", "credit"),
    [
        pytest.param("99.2", D("12500.00"), id="inside-a-band"),
        pytest.param("99", D("12500.00"), id="lower-edge-included"),
        pytest.param("98.99", D("25000.00"), id="just-below-an-edge"),
        pytest.param("97", D("50000.00"), id="lowest-band"),
        pytest.param("0", D("50000.00"), id="bottom-of-the-range"),
    ],
)
def test_a_banded_credit_uses_the_band_the_actual_falls_in(actual: str, credit: Decimal) -> None:
    result = evaluate(sl_terms(critical(credit=banded_model())), monthly("availability", actual))
    assert result.measure("availability").credit_before_caps == credit


def test_a_banded_credit_names_the_band() -> None:
    result = evaluate(sl_terms(critical(credit=banded_model())), monthly("availability", "99"))
    assert "99% falls in the band at least 99% and below 99.5%: credit 5%" in (
        result.measure("availability").explanation
    )


def points_model() -> ServicePoints:
    """0 points at or above 99.5%, 1 from 99%, 2 from 98%, 4 below; 1 point = 1% of charges."""
    return ServicePoints(
        bands=(
            PointsBand(0, lower=D("99.5"), upper=D(100), upper_inclusive=True),
            PointsBand(1, lower=D(99), upper=D("99.5")),
            PointsBand(2, lower=D(98), upper=D(99)),
            PointsBand(4, lower=None, upper=D(98)),
        ),
        value_per_point_pct=D(1),
    )


@pytest.mark.parametrize(
    ("actuals", "credit"),
    [
        pytest.param(("99.2",), D("2500.00"), id="one-point"),
        pytest.param(("98.5",), D("5000.00"), id="two-points"),
        pytest.param(("97",), D("10000.00"), id="four-points"),
        pytest.param(("98.5", "98.5"), D("10000.00"), id="repeat-failure-doubles"),
        pytest.param(("98.5", "99.9", "98.5"), D("5000.00"), id="not-consecutive"),
        pytest.param(("99.2", "98.5", "98.5"), D("10000.00"), id="doubling-does-not-compound"),
    ],
)
def test_service_points_convert_to_money_and_double_on_a_repeat_failure(
    actuals: tuple[str, ...], credit: Decimal
) -> None:
    terms = sl_terms(critical(credit=points_model()), at_risk_pct=D(100))
    rows = monthly("availability", *actuals)
    result = evaluate(terms, rows, month(len(actuals)))
    assert result.measure("availability").credit == credit


def test_a_repeat_failure_explains_the_doubling() -> None:
    rows = monthly("availability", "98.5", "98.5")
    result = evaluate(sl_terms(critical(credit=points_model())), rows, FEB)
    assert (
        "Repeat failure (the previous assessed period also failed): 2 × 2 = 4 points"
        in result.measure("availability").explanation
    )


def restore_time(model: DayEquivalent, unit: Unit = Unit.HOURS, target: str = "24") -> Measure:
    """Time to restore service: lower is better."""
    return critical(
        "restore_time",
        unit=unit,
        direction=Direction.LOWER_IS_BETTER,
        target=D(target),
        credit=model,
        no_report=NoReportRule.IGNORED,
    )


@pytest.mark.parametrize(
    ("measure", "actual", "credit"),
    [
        pytest.param(restore_time(DayEquivalent()), "60", D("1500.00"), id="36h-pro-rata"),
        pytest.param(
            restore_time(DayEquivalent(part_days=PartDays.ROUND_UP)), "60", D("2000.00"),
            id="part-day-counts-as-a-day",
        ),
        pytest.param(
            restore_time(DayEquivalent(part_days="round_down")), "60", D("1000.00"),
            id="whole-days-only",
        ),
        pytest.param(
            restore_time(DayEquivalent(part_days="round_up")), "24.5", D("1000.00"),
            id="half-an-hour-late-is-a-day",
        ),
        pytest.param(restore_time(DayEquivalent()), "24.5", D("20.83"), id="half-an-hour-pro-rata"),
        pytest.param(
            restore_time(DayEquivalent(max_days=D(1))), "60", D("1000.00"), id="capped-days",
        ),
        pytest.param(
            restore_time(DayEquivalent(days_from="fixed", days=D(2))), "25", D("2000.00"),
            id="fixed-days-per-failure",
        ),
        pytest.param(
            restore_time(DayEquivalent(max_days=D(5)), Unit.DAYS, "5"), "12", D("5000.00"),
            id="days-measure-capped-at-5-days",
        ),
        pytest.param(
            restore_time(DayEquivalent(), Unit.MINUTES, "60"), "1500", D("1000.00"),
            id="minutes-to-days",
        ),
    ],
)  # fmt: skip
def test_a_day_equivalent_credit_is_days_times_the_monthly_charge_over_30(
    measure: Measure, actual: str, credit: Decimal
) -> None:
    result = evaluate(sl_terms(measure), [row(measure.id, JAN, actual)], charges=30_000)
    assert result.measure(measure.id).credit_before_caps == credit


def test_a_day_equivalent_credit_shows_its_days() -> None:
    measure = restore_time(DayEquivalent(part_days="round_up", max_days=D(1)))
    result = evaluate(sl_terms(measure), [row(measure.id, JAN, "72")], charges=30_000)
    explanation = result.measure(measure.id).explanation
    assert "Shortfall = 72 − 24 = 48 hours = 2 days" in explanation
    assert "Capped at 1 day (from 2)" in explanation
    assert "Credit = 1 day × charges GBP 30,000.00 ÷ 30 = GBP 1,000.00" in explanation


def test_an_escalating_credit_rises_a_step_each_period_after_n_failures_up_to_a_maximum() -> None:
    model = Escalating(base_pct=D(5), after_failures=2, step_pct=D(2), max_pct=D(10))
    rows = monthly("availability", *["99"] * 6)
    results = history(sl_terms(critical(credit=model)), rows, month(6), charges=100_000)
    credits = [r.measure("availability").credit for r in results]
    assert credits == [
        D(c) for c in ("5000.00", "5000.00", "7000.00", "9000.00", "10000.00", "10000.00")
    ]
    assert "Credit % = 5% + 3 × 2% = 11%, capped at the maximum 10%" in (
        results[4].measure("availability").explanation
    )


def test_an_escalation_restarts_after_a_met_period() -> None:
    model = Escalating(D(5), 1, D(5), D(20))
    rows = monthly("availability", "99", "99", "99.9", "99")
    results = history(sl_terms(critical(credit=model)), rows, APR, charges=100_000)
    assert [r.measure("availability").credit for r in results] == [
        D("5000.00"),
        D("10000.00"),
        D("0.00"),
        D("5000.00"),
    ]


def test_a_percent_of_charges_credit_is_a_fixed_share_per_failure() -> None:
    result = evaluate(sl_terms(critical()), monthly("availability", "90"))
    assert result.measure("availability").credit == D("12500.00")
    assert "Credit = 5% × charges GBP 250,000.00 = GBP 12,500.00" in (
        result.measure("availability").explanation
    )


def test_a_credit_is_rounded_once_to_the_minor_unit_with_the_regimes_mode() -> None:
    terms = sl_terms(critical(credit=PercentOfCharges(D("0.3339"))), rounding=Rounding.DOWN)
    result = evaluate(terms, monthly("availability", "99"), charges=1_000)
    measure = result.measure("availability")
    assert measure.credit == D("3.33")
    assert "Rounded to the minor unit (down): GBP 3.339 → GBP 3.33" in measure.explanation


def test_a_credit_in_yen_is_rounded_to_whole_yen() -> None:
    terms = sl_terms(critical(credit=PercentOfCharges(D("2.5"))), currency="JPY")
    result = evaluate(terms, monthly("availability", "99"), charges=1_001)
    measure = result.measure("availability")
    assert measure.credit == D("25")
    assert "Rounded to the minor unit (half up): JPY 25.025 → JPY 25" in measure.explanation


# -- defaults ----------------------------------------------------------------------------------


def default_terms(**fields: Any) -> ServiceLevelTerms:
    """Expected 99.5%, minimum 99%; an expected-level miss is a default on the 4th in 12."""
    rules = DefaultRules(expected_misses=CountWithin(4, 12), **fields)
    return sl_terms(two_level(), default_rules=rules)


def test_a_minimum_level_miss_is_a_default_in_that_period() -> None:
    result = evaluate(default_terms(), monthly("availability", "98.9")).measure("availability")
    assert result.default
    assert "Default: missing the minimum level is a default in the period" in result.explanation


def test_a_minimum_level_miss_is_not_a_default_when_the_terms_say_so() -> None:
    terms = default_terms(minimum_miss_is_default=False)
    assert not evaluate(terms, monthly("availability", "98.9")).measure("availability").default


def test_a_missing_report_deemed_failed_is_a_default_like_a_minimum_miss() -> None:
    assert evaluate(default_terms(), []).measure("availability").default


@pytest.mark.parametrize(
    ("values", "defaults"),
    [
        pytest.param(
            ["99.2", None, "99.2", None, "99.2", None, "99.2"],
            [False, False, False, False, False, False, True], id="4th-miss-in-12",
        ),
        pytest.param(
            ["99.2", None, "99.2", None, "99.2", None, "99.2", "99.2"],
            [False, False, False, False, False, False, True, True], id="5th-miss-also",
        ),
        pytest.param(
            ["98", "99.6", "99.2", "99.6", "99.2", "99.6", "99.2"],
            [True, False, False, False, False, False, True], id="a-minimum-miss-counts-too",
        ),
        pytest.param(
            ["99.2", *["99.9"] * 5, "99.2", "99.9", "99.2", "99.9", "99.9", "99.9", "99.2"],
            [False] * 13, id="a-miss-13-months-back-drops-out",
        ),
    ],
)  # fmt: skip
def test_expected_level_misses_become_a_default_on_the_nth_miss_within_m_periods(
    values: list[str | None], defaults: list[bool]
) -> None:
    rows = [row("availability", month(n + 1), v or "99.9") for n, v in enumerate(values)]
    results = history(default_terms(), rows, month(len(values)))
    assert [r.measure("availability").default for r in results] == defaults


def test_a_default_on_the_nth_miss_lists_the_misses() -> None:
    rows = monthly("availability", "99.2", "99.2", "99.2", "99.2")
    result = evaluate(default_terms(), rows, APR).measure("availability")
    assert (
        "Default: 4 misses of the expected level within the 12 periods 2025-05 to 2026-04 "
        "(2026-01, 2026-02, 2026-03 and 2026-04) reaches the 4th miss that makes a default"
    ) in result.explanation


def test_without_default_rules_nothing_is_a_default() -> None:
    assert (
        not evaluate(sl_terms(critical()), monthly("availability", "50"))
        .measure("availability")
        .default
    )


# -- caps, annual cap, minimum credit, carry forward -------------------------------------------


@pytest.mark.parametrize(
    ("cap", "expected_cap", "total"),
    [
        pytest.param(PeriodCap(), D("30000.00"), D("30000.00"), id="at-risk-amount"),
        pytest.param(
            PeriodCap(CapBasis.PERCENT_OF_CHARGES, pct=D(10)), D("25000.00"), D("25000.00"),
            id="percent-of-charges",
        ),
        pytest.param(
            PeriodCap("amount", amount=D(20000)), D("20000.00"), D("20000.00"), id="fixed-amount",
        ),
        pytest.param(None, None, D("35500.00"), id="no-cap"),
    ],
)  # fmt: skip
def test_the_period_cap_is_the_at_risk_amount_a_share_of_charges_or_an_amount(
    cap: PeriodCap | None, expected_cap: Decimal | None, total: Decimal
) -> None:
    result = evaluate(three_failures(period_cap=cap), three_failing_rows())
    assert result.service_credits.cap == expected_cap
    assert result.service_credits.total == total


def test_the_annual_cap_limits_a_period_by_the_trailing_years_credits_and_charges() -> None:
    terms = sl_terms(
        critical("outage", credit=PercentOfCharges(D(30))),
        critical("backlog", credit=PercentOfCharges(D(25))),
        period_cap=None,
        annual_cap=AnnualCap(D(10)),
    )
    rows = [
        *monthly("outage", "99", "99.9", "99.9"),
        *monthly("backlog", "99.9", "99.9", "99"),
    ]
    results = history(terms, rows, MAR, charges=100_000)
    assert [r.service_credits.uncapped for r in results] == [
        D("30000.00"),
        D("0.00"),
        D("25000.00"),
    ]
    assert [r.service_credits.total for r in results] == [
        D("10000.00"),
        D("0.00"),
        D("20000.00"),
    ]
    assert (
        "Annual cap: 10% × charges of 2026-01 to 2026-03 GBP 300,000.00 = GBP 30,000.00, less "
        "the credits of 2026-01 to 2026-02 GBP 10,000.00, leaves GBP 20,000.00 for this period"
    ) in results[2].service_credits.explanation


def test_the_annual_cap_only_looks_back_over_its_trailing_window() -> None:
    terms = sl_terms(critical(credit=PercentOfCharges(D(20))), annual_cap=AnnualCap(D(10), 3))
    rows = monthly("availability", "99", "99", "99", "99")
    results = history(terms, rows, APR, charges=100_000)
    # Room: 10% × 100k = 10k; then 20k − 10k; then 30k − 20k; then 30k − (Feb + Mar = 20k).
    assert [r.service_credits.total for r in results] == [D("10000.00")] * 4


def test_the_lower_of_the_period_cap_and_the_annual_room_binds() -> None:
    terms = three_failures(annual_cap=AnnualCap(D(8)))
    result = evaluate(terms, three_failing_rows())
    assert result.service_credits.cap == D("20000.00")
    assert result.service_credits.total == D("20000.00")


@pytest.mark.parametrize(
    ("rule", "scope", "charges", "credit"),
    [
        pytest.param("none_if_under", "each_credit", 10, D("0.00"), id="none-if-under"),
        pytest.param("floor_at", "each_credit", 10, D("1.00"), id="floored"),
        pytest.param("none_if_under", "each_credit", 100, D("5.00"), id="above-the-minimum"),
        pytest.param("floor_at", "period_total", 10, D("1.00"), id="total-floored"),
        pytest.param("none_if_under", "period_total", 10, D("0.00"), id="total-none-if-under"),
    ],
)
def test_a_minimum_credit_drops_or_raises_small_credits(
    rule: str, scope: str, charges: int, credit: Decimal
) -> None:
    minimum = MinimumCredit(D(1), MinimumCreditRule(rule), MinimumCreditScope(scope))
    terms = sl_terms(critical(), minimum_credit=minimum)
    result = evaluate(terms, monthly("availability", "99"), charges=charges)
    assert result.measure("availability").credit == credit
    assert result.service_credits.total == credit


def test_a_period_total_floor_is_shared_so_the_parts_add_up() -> None:
    minimum = MinimumCredit(D(1), "floor_at", "period_total")
    terms = sl_terms(
        critical("a", credit=PercentOfCharges(D(5))),
        critical("b", credit=PercentOfCharges(D(3))),
        minimum_credit=minimum,
    )
    result = evaluate(terms, [row("a", JAN, "99"), row("b", JAN, "99")], charges=10)
    assert [m.credit for m in result.service_levels] == [D("0.63"), D("0.37")]
    assert result.service_credits.total == D("1.00")


def test_a_floor_never_lifts_a_period_above_its_cap() -> None:
    minimum = MinimumCredit(D(100), "floor_at")
    terms = sl_terms(critical(), minimum_credit=minimum)
    result = evaluate(terms, monthly("availability", "99"), charges=100)
    assert result.service_credits.total == D("12.00")  # the 12% at-risk cap


def test_excess_over_the_cap_is_carried_forward_and_applied_later_within_the_cap() -> None:
    terms = three_failures(excess=ExcessRule.CARRIED_FORWARD)
    rows = [
        *three_failing_rows(JAN),
        *(row(m, FEB, "99.9") for m in ("availability", "resolution", "security")),
    ]
    jan, feb = history(terms, rows, FEB)
    assert jan.service_credits.carried_forward == D("5500.00")
    assert jan.service_credits.discarded == D("0.00")
    assert feb.service_credits.carried_in == D("5500.00")
    assert feb.service_credits.total == D("5500.00")
    assert feb.service_credits.carried_forward == D("0.00")


def test_carried_forward_excess_goes_first_and_what_the_cap_leaves_carries_on() -> None:
    terms = sl_terms(
        critical("availability", credit=PercentOfCharges(D("5.6"))),
        critical("resolution", credit=PercentOfCharges(D(5))),
        critical("security", credit=PercentOfCharges(D("3.6"))),
        critical("backlog", credit=PercentOfCharges(D("11.2"))),
        excess="carried_forward",
    )
    rows = [
        *three_failing_rows(JAN),
        row("backlog", JAN, "99.9"),
        *(row(m, FEB, "99.9") for m in ("availability", "resolution", "security")),
        row("backlog", FEB, "99"),
    ]
    feb = history(terms, rows, FEB)[-1]
    credits = feb.service_credits
    assert (credits.carried_in, credits.uncapped) == (D("5500.00"), D("28000.00"))
    assert (credits.total, credits.carried_forward) == (D("30000.00"), D("3500.00"))
    assert feb.measure("backlog").credit == D("24500.00")
    assert (
        "Of the total, GBP 5,500.00 is carried-forward excess and GBP 24,500.00 is this period's "
        "credits"
    ) in credits.explanation


def test_discarded_excess_is_said_to_be_discarded() -> None:
    result = evaluate(three_failures(), three_failing_rows())
    assert (
        "The excess GBP 5,500.00 is discarded (the terms do not carry it forward)"
        in result.service_credits.explanation
    )


# -- one incident, several failures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "credits"),
    [
        pytest.param(IncidentRule.ALL_COUNT, ("14000.00", "12500.00", "9000.00"), id="all-count"),
        pytest.param(IncidentRule.DEEMED_ONE_EVENT, ("14000.00", "0.00", "0.00"), id="one-event"),
        pytest.param(
            IncidentRule.CUSTOMER_CHOOSES, ("14000.00", "0.00", "0.00"), id="customer-chooses"
        ),
        pytest.param(
            IncidentRule.PER_COMPONENT, ("14000.00", "0.00", "9000.00"), id="per-component"
        ),
    ],
)
def test_failures_from_one_incident_are_credited_as_the_incident_rule_says(
    rule: IncidentRule, credits: tuple[str, ...]
) -> None:
    terms = sl_terms(
        critical("availability", credit=PercentOfCharges(D("5.6")), component="network"),
        critical("resolution", credit=PercentOfCharges(D(5)), component="network"),
        critical("security", credit=PercentOfCharges(D("3.6")), component="storage"),
        incident_rule=rule,
        period_cap=None,
    )
    result = evaluate(terms, three_failing_rows(incident_ids={"INC-7"}))
    assert tuple(str(m.credit_before_caps) for m in result.service_levels) == credits


def test_the_customer_chooses_rule_proposes_the_highest_credit_and_says_so() -> None:
    terms = three_failures(incident_rule="customer_chooses")
    result = evaluate(terms, three_failing_rows(incident_ids={"INC-7"}))
    assert (
        "Incident INC-7 caused failures of availability (GBP 14,000.00), resolution "
        "(GBP 12,500.00) and security (GBP 9,000.00): the customer chooses which one credit "
        "applies; the engine proposes the highest, availability GBP 14,000.00; this credit is "
        "not due"
    ) in result.measure("resolution").explanation


def test_failures_are_linked_through_shared_incidents() -> None:
    terms = three_failures(incident_rule="deemed_one_event")
    rows = [
        row("availability", JAN, "99", incident_ids={"INC-1"}),
        row("resolution", JAN, "99", incident_ids={"INC-1", "INC-2"}),
        row("security", JAN, "99", incident_ids={"INC-2"}),
    ]
    assert evaluate(terms, rows).service_credits.uncapped == D("14000.00")


def test_failures_without_a_shared_incident_all_count() -> None:
    terms = three_failures(incident_rule="deemed_one_event", period_cap=None)
    rows = [
        row("availability", JAN, "99", incident_ids={"INC-1"}),
        row("resolution", JAN, "99", incident_ids={"INC-2"}),
        row("security", JAN, "99"),
    ]
    assert evaluate(terms, rows).service_credits.total == D("35500.00")


# -- earnback ----------------------------------------------------------------------------------


def earnback_terms(**fields: Any) -> ServiceLevelTerms:
    """Expected 99.5%, minimum 99%, 2% of charges (5,000) per failure, earned back over 2."""
    measure_fields = {k: fields.pop(k) for k in ["earnback_target"] if k in fields}
    return sl_terms(
        two_level(**measure_fields),
        earnback=Earnback(window_periods=2, **fields),
    )


def test_a_deferred_credit_is_held_and_waived_when_earned_back() -> None:
    rows = monthly("availability", "99.2", "99.6", "99.7")
    jan, feb, mar = history(earnback_terms(), rows, MAR)
    assert jan.measure("availability").earnback is EarnbackState.DEFERRED
    assert (jan.service_credits.total, jan.service_credits.deferred) == (
        D("5000.00"),
        D("5000.00"),
    )
    assert jan.service_credits.payable == D("0.00")
    assert [d.outcome for d in feb.earnback] == [EarnbackOutcome.IN_PROGRESS]
    assert [d.outcome for d in mar.earnback] == [EarnbackOutcome.EARNED_BACK]
    assert mar.service_credits.payable == D("0.00")
    assert mar.earnback[0].explanation == (
        "availability: 2026-01 credit GBP 5,000.00, earned back: the held credit is waived "
        "(2026-03 met the level; 2 of 2 periods met)"
    )


def test_a_deferred_credit_not_earned_back_is_released_and_payable() -> None:
    rows = monthly("availability", "99.2", "99.1")
    feb = history(earnback_terms(), rows, FEB)[-1]
    credits = feb.service_credits
    assert [d.outcome for d in feb.earnback] == [EarnbackOutcome.LOST]
    assert (credits.total, credits.deferred, credits.released) == (
        D("5000.00"),
        D("5000.00"),
        D("5000.00"),
    )
    assert credits.payable == D("5000.00")


def test_a_refund_credit_is_paid_then_refunded_when_earned_back() -> None:
    rows = monthly("availability", "99.2", "99.6", "99.7")
    jan, _, mar = history(earnback_terms(mode=EarnbackMode.REFUND), rows, MAR)
    assert jan.measure("availability").earnback is EarnbackState.REFUNDABLE
    assert jan.service_credits.payable == D("5000.00")
    assert mar.service_credits.refunded == D("5000.00")
    assert mar.service_credits.payable == D("-5000.00")


def test_a_refund_credit_not_earned_back_stands() -> None:
    rows = monthly("availability", "99.2", "99.6", "99.4")
    mar = history(earnback_terms(mode="refund"), rows, MAR)[-1]
    assert [d.outcome for d in mar.earnback] == [EarnbackOutcome.LOST]
    assert mar.service_credits.refunded == D("0.00")


@pytest.mark.parametrize(
    ("actual", "state"),
    [
        pytest.param("99.2", EarnbackState.DEFERRED, id="yellow-zone-eligible"),
        pytest.param("98.5", EarnbackState.NOT_ELIGIBLE, id="below-minimum-not-eligible"),
    ],
)
def test_only_yellow_zone_failures_can_be_earned_back_when_the_terms_say_so(
    actual: str, state: EarnbackState
) -> None:
    terms = earnback_terms(eligibility=EarnbackEligibility.ABOVE_MINIMUM)
    result = evaluate(terms, monthly("availability", actual)).measure("availability")
    assert result.earnback is state


def test_an_ineligible_credit_is_payable_at_once() -> None:
    terms = earnback_terms(eligibility="above_minimum")
    result = evaluate(terms, monthly("availability", "98.5"))
    assert result.service_credits.payable == D("5000.00")


def test_an_earnback_target_above_the_level_must_be_met_to_earn_back() -> None:
    terms = earnback_terms(earnback_target=D("99.8"))
    rows = monthly("availability", "99.2", "99.6")
    feb = history(terms, rows, FEB)[-1]
    assert [d.outcome for d in feb.earnback] == [EarnbackOutcome.LOST]
    assert "did not meet the earnback target 99.8%" in feb.earnback[0].explanation


def test_an_excluded_period_neither_earns_nor_loses_the_earnback() -> None:
    rows = [
        row("availability", JAN, "99.2"),
        row("availability", FEB, "90", exclusion=Exclusion("force majeure")),
        row("availability", MAR, "99.7"),
        row("availability", APR, "99.7"),
    ]
    results = history(earnback_terms(), rows, APR)
    outcomes = [[d.outcome for d in r.earnback] for r in results]
    assert outcomes == [
        [],
        [EarnbackOutcome.IN_PROGRESS],
        [EarnbackOutcome.IN_PROGRESS],
        [EarnbackOutcome.EARNED_BACK],
    ]


# -- continuous improvement --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "new_level"),
    [
        pytest.param(ContinuousImprovement(3), D("99.65"), id="halfway-to-the-average"),
        pytest.param(ContinuousImprovement(3, rise_pct=D(100)), D("99.8"), id="all-the-way"),
        pytest.param(
            ContinuousImprovement(3, headroom_cap_pct=D(20)), D("99.6"), id="headroom-capped",
        ),
        pytest.param(
            ContinuousImprovement(3, level_rounding=DecimalRounding(1, "down")), D("99.6"),
            id="rounded",
        ),
    ],
)  # fmt: skip
def test_after_n_periods_above_target_the_target_rises_toward_their_average(
    clause: ContinuousImprovement, new_level: Decimal
) -> None:
    terms = sl_terms(critical(), continuous_improvement=clause)
    rows = monthly("availability", "99.7", "99.8", "99.9", "99.9")
    results = history(terms, rows, APR)
    assert results[2].measure("availability").next_level == new_level
    assert results[3].measure("availability").level == new_level


def test_the_raised_target_is_explained_and_applies_from_the_next_period() -> None:
    terms = sl_terms(critical(), continuous_improvement=ContinuousImprovement(3))
    rows = monthly("availability", "99.7", "99.8", "99.9", "99.62")
    results = history(terms, rows, APR)
    assert (
        "Continuous improvement: 3 consecutive periods better than 99.5% (99.7, 99.8, 99.9), "
        "average 99.8%; new level = 99.5 + 50% × (99.8 − 99.5) = 99.65%; it applies from 2026-04"
    ) in results[2].measure("availability").explanation
    april = results[3].measure("availability")
    assert april.status is MeasureStatus.MINIMUM_MISS
    assert (
        "Target raised by continuous improvement from the contracted 99.5% to 99.65%"
        in april.explanation
    )


def test_a_period_at_or_below_the_target_restarts_the_run() -> None:
    terms = sl_terms(critical(), continuous_improvement=ContinuousImprovement(3))
    rows = monthly("availability", "99.7", "99.5", "99.8", "99.9")
    results = history(terms, rows, APR)
    assert all(r.measure("availability").next_level is None for r in results)


def test_continuous_improvement_lowers_a_lower_is_better_target_within_its_headroom() -> None:
    measure = critical(unit=Unit.HOURS, direction=Direction.LOWER_IS_BETTER, target=D(4))
    clause = ContinuousImprovement(3, headroom_cap_pct=D(20))
    percent_clause = ContinuousImprovement(3)
    rows = monthly("availability", "3", "2", "1")
    capped = history(sl_terms(measure, continuous_improvement=clause), rows, MAR)[-1]
    halfway = history(sl_terms(measure, continuous_improvement=percent_clause), rows, MAR)[-1]
    assert halfway.measure("availability").next_level == D(3)
    assert capped.measure("availability").next_level == D("3.2")


def test_continuous_improvement_raises_only_the_expected_level_of_a_two_level_measure() -> None:
    terms = sl_terms(two_level(), continuous_improvement=ContinuousImprovement(1))
    feb = history(terms, monthly("availability", "99.9", "99.6"), FEB)[-1].measure("availability")
    assert (feb.level, feb.minimum) == (D("99.7"), D("99"))
    assert feb.status is MeasureStatus.EXPECTED_MISS


def test_an_amended_target_replaces_a_raised_one() -> None:
    clause = ContinuousImprovement(1)
    old = sl_terms(critical(), continuous_improvement=clause)
    new = sl_terms(critical(target=D("99.6")), continuous_improvement=clause)
    rows = monthly("availability", "99.9", "99.9")
    charges = {JAN: D(1000), FEB: D(1000)}
    feb = evaluate_period(new, FEB, rows, charges, terms_for=lambda p: old)
    assert feb.measure("availability").level == D("99.6")


# -- red flags ---------------------------------------------------------------------------------


def flag_kinds(result: PeriodResult) -> list[RedFlagKind]:
    """The kinds of red flag raised in a period."""
    return [flag.kind for flag in result.red_flags]


def test_three_defaults_of_one_measure_in_six_periods_raise_a_red_flag() -> None:
    terms = sl_terms(
        critical(),
        default_rules=DefaultRules(),
        termination_triggers=TerminationTriggers(measure_defaults=CountWithin(3, 6)),
    )
    rows = monthly("availability", "99", "99.9", "99", "99.9", "99")
    results = history(terms, rows, month(5))
    assert [bool(r.red_flags) for r in results] == [False, False, False, False, True]
    assert results[-1].red_flags[0].message == (
        "availability: 3 defaults within the 6 periods 2025-12 to 2026-05 (2026-01, 2026-03 and "
        "2026-05); the trigger is 3"
    )


def test_defaults_spread_beyond_the_window_raise_no_flag() -> None:
    terms = sl_terms(
        critical(),
        default_rules=DefaultRules(),
        termination_triggers=TerminationTriggers(measure_defaults=CountWithin(3, 6)),
    )
    rows = monthly("availability", "99", "99.9", "99", "99.9", "99.9", "99.9", "99")
    assert history(terms, rows, month(7))[-1].red_flags == ()


def test_credits_in_three_consecutive_periods_raise_a_red_flag() -> None:
    terms = sl_terms(
        critical(), termination_triggers=TerminationTriggers(consecutive_credit_periods=3)
    )
    rows = monthly("availability", "99", "99", "99.9", "99", "99", "99")
    results = history(terms, rows, month(6))
    assert [RedFlagKind.CONSECUTIVE_CREDITS in flag_kinds(r) for r in results] == [
        False, False, False, False, False, True,
    ]  # fmt: skip


def test_credits_in_five_of_twelve_periods_raise_a_red_flag() -> None:
    triggers = TerminationTriggers(credit_periods=CountWithin(5, 12))
    terms = sl_terms(critical(), termination_triggers=triggers)
    rows = monthly("availability", "99", "99.9", "99", "99.9", "99", "99.9", "99", "99.9", "99")
    results = history(terms, rows, month(9))
    assert [RedFlagKind.FREQUENT_CREDITS in flag_kinds(r) for r in results] == [False] * 8 + [True]


def test_any_critical_failure_raises_a_red_flag_when_the_terms_say_so() -> None:
    terms = sl_terms(
        two_level(), termination_triggers=TerminationTriggers(any_critical_failure=True)
    )
    assert flag_kinds(evaluate(terms, monthly("availability", "98"))) == [
        RedFlagKind.CRITICAL_FAILURE
    ]
    assert flag_kinds(evaluate(terms, monthly("availability", "99.2"))) == []


def test_red_flags_are_alerts_not_money() -> None:
    terms = sl_terms(
        critical(), termination_triggers=TerminationTriggers(any_critical_failure=True)
    )
    flagged = evaluate(terms, monthly("availability", "98"))
    plain = evaluate(sl_terms(critical()), monthly("availability", "98"))
    assert flagged.service_credits == plain.service_credits


# -- history, amendments and inputs ------------------------------------------------------------


def test_the_order_of_measurement_rows_does_not_change_the_result() -> None:
    terms = sl_terms(
        two_level(credit=points_model()),
        critical("resolution", credit=Escalating(D(1), 1, D(1), D(5))),
        default_rules=DefaultRules(expected_misses=CountWithin(2, 3)),
        earnback=Earnback(2),
    )
    rows = [
        *monthly("availability", "99.2", "98", "99.7", "99.1"),
        *monthly("resolution", "99", "99", "99.9", "99"),
    ]
    forward = evaluate(terms, rows, APR)
    backward = evaluate(terms, list(reversed(rows)), APR)
    assert forward == backward


def test_earlier_periods_are_evaluated_under_the_terms_then_in_force() -> None:
    old = sl_terms(critical(credit=PercentOfCharges(D(5))))
    new = sl_terms(critical(credit=PercentOfCharges(D(10))))
    rows = monthly("availability", "99", "99")
    charges = {JAN: D(100_000), FEB: D(100_000)}
    jan, feb = evaluate_periods(new, FEB, rows, charges, terms_for=lambda p: old)
    assert (jan.service_credits.total, feb.service_credits.total) == (
        D("5000.00"),
        D("10000.00"),
    )


def test_rows_after_the_period_are_ignored() -> None:
    rows = [row("availability", JAN, "99"), row("availability", FEB, "50")]
    result = evaluate_period(sl_terms(critical()), JAN, rows, {JAN: D(1000)})
    assert result.measure("availability").actual == D(99)


@pytest.mark.parametrize(
    ("rows", "charges", "period", "message"),
    [
        pytest.param(
            [row("availability", JAN, "99"), row("availability", JAN, "98")], {JAN: D(1)}, JAN,
            r"measurements\[availability, 2026-01\]: two rows for the same measure and period",
            id="duplicate-rows",
        ),
        pytest.param(
            [row("uptime", JAN, "99")], {JAN: D(1)}, JAN,
            r"measurements\[uptime, 2026-01\]: no measure 'uptime' in the terms",
            id="unknown-measure",
        ),
        pytest.param(
            [], {JAN: D(1), MAR: D(1)}, MAR,
            r"charge_base\[2026-02\]: missing: every period from the first charged period",
            id="gap-in-charges",
        ),
        pytest.param(
            [], {FEB: D(1)}, MAR, r"charge_base\[2026-03\]: no charge base for the period",
            id="period-not-charged",
        ),
        pytest.param(
            [row("availability", MAR, "100.1")], {MAR: D(1)}, MAR,
            r"measurements\[availability, 2026-03\].value: 100.1 is outside the range of a "
            r"percent \(0 to 100\)",
            id="value-out-of-range",
        ),
        pytest.param(
            [], {MAR: D(-1)}, MAR, r"charge_base\[2026-03\]: a charge base cannot be negative",
            id="negative-charge",
        ),
    ],
)  # fmt: skip
def test_bad_inputs_are_refused_naming_the_row(
    rows: list[Measurement], charges: dict[Period, Decimal], period: Period, message: str
) -> None:
    with pytest.raises(ServiceLevelInputError, match=message):
        evaluate_period(sl_terms(critical()), period, rows, charges)


def test_a_float_measurement_is_refused() -> None:
    with pytest.raises(TypeError, match="floats cannot hold amounts exactly"):
        Measurement("availability", JAN, 99.5)  # type: ignore[arg-type]


def test_numbers_may_be_given_as_text_or_whole_numbers() -> None:
    measure = Measure(
        "availability", "Availability", "critical", "percent", "higher_is_better",
        target="99.5", credit=PercentOfCharges("5"),  # type: ignore[arg-type]
    )  # fmt: skip
    terms = ServiceLevelTerms("gbp", (measure,), CreditRegime(at_risk_pct=12))  # type: ignore[arg-type]
    result = evaluate_period(terms, JAN, [Measurement("availability", JAN, "99")], {JAN: 1000})  # type: ignore[arg-type]
    assert result.service_credits.total == D("50.00")
    assert result.currency == "GBP"


def test_a_period_reads_and_parses_as_yyyy_mm() -> None:
    assert str(Period(2026, 3)) == "2026-03"
    assert Period.parse("2026-03") == MAR
    assert Period(2025, 12).shift(1) == JAN
    assert JAN.label() == "January 2026"
    with pytest.raises(ValueError, match="month"):
        Period(2026, 13)


# -- the shape the CLI prints ------------------------------------------------------------------


def test_the_result_maps_onto_the_cli_json_shape_with_decimals_as_text() -> None:
    result = evaluate(
        pool_terms(), [row("availability", JAN, "99.2"), row("service_desk", JAN, "99.9")]
    )
    data = result.to_dict()
    json.dumps(data)  # plain JSON: no Decimal, no enum objects
    entry = data["service_levels"][0]  # type: ignore[index]
    assert {"id", "type", "actual", "status", "default", "credit", "explanation"} <= set(entry)  # type: ignore[arg-type]
    assert entry["id"] == "availability"  # type: ignore[index]
    assert entry["status"] == "expected_miss"  # type: ignore[index]
    assert entry["actual"] == "99.2"  # type: ignore[index]
    assert entry["credit"] == "4500.00"  # type: ignore[index]
    credits = data["service_credits"]
    assert {"uncapped", "cap", "total", "explanation"} <= set(credits)  # type: ignore[arg-type]
    assert (credits["uncapped"], credits["cap"], credits["total"]) == (  # type: ignore[index]
        "4500.00",
        "30000.00",
        "4500.00",
    )


def test_a_result_has_no_cap_when_the_terms_set_none() -> None:
    result = evaluate(sl_terms(critical(), period_cap=None), monthly("availability", "99"))
    assert result.to_dict()["service_credits"]["cap"] is None  # type: ignore[index]
    assert "No cap applies: total GBP 12,500.00" in result.service_credits.explanation


def evaluate_model(model: CreditModel, actual: str, **fields: Any) -> Decimal:
    """The credit before caps of one failure under `model`."""
    measure = critical(credit=model, **fields)
    return (
        evaluate(sl_terms(measure), [row(measure.id, JAN, actual)])
        .measure(measure.id)
        .credit_before_caps
    )


def test_every_credit_model_prices_a_failure() -> None:
    models: list[CreditModel] = [
        PercentOfCharges(D(1)),
        SHORTFALL,
        PerStep(D(1), D("0.1"), max_credit_pct=D(10)),
        banded_model(),
        points_model(),
        Escalating(D(1), 1, D(1), D(2)),
    ]
    assert all(evaluate_model(model, "99") > 0 for model in models)
    assert evaluate_model(PoolAllocation(), "99", allocation_pct=D(10)) == D("3000.00")
