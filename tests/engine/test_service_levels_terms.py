"""Service-level terms refuse what cannot be applied, naming the measure and field to fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from pactline.engine.service_levels import (
    AnnualCap,
    Banded,
    Category,
    ContinuousImprovement,
    CountWithin,
    CreditBand,
    CreditRegime,
    DayEquivalent,
    DecimalRounding,
    Direction,
    Earnback,
    Escalating,
    Exclusion,
    Measure,
    MeasureType,
    MinimumCredit,
    PercentOfCharges,
    Period,
    PeriodCap,
    PerStep,
    PointsBand,
    PoolAllocation,
    ServiceLevelTerms,
    ServiceLevelTermsError,
    ServicePoints,
    Shortfall,
    TerminationTriggers,
    Unit,
)

D = Decimal


def measure(measure_id: str = "availability", **fields: Any) -> Measure:
    """A valid critical percentage measure unless `fields` break it."""
    values: dict[str, Any] = {
        "name": measure_id.capitalize(),
        "type": MeasureType.CRITICAL,
        "unit": Unit.PERCENT,
        "direction": Direction.HIGHER_IS_BETTER,
        "target": D("99.5"),
        "credit": PercentOfCharges(D(5)),
    }
    if "expected" in fields or "minimum" in fields:
        values["target"] = None
    values.update(fields)
    return Measure(id=measure_id, **values)


def pool(measure_id: str, allocation: str, category: str | None = None) -> Measure:
    """A pool-allocation measure."""
    return measure(
        measure_id, credit=PoolAllocation(), allocation_pct=D(allocation), category=category
    )


def terms(*measures: Measure, **regime: Any) -> ServiceLevelTerms:
    """Terms around `measures` with a 12% at-risk amount unless `regime` says otherwise."""
    regime.setdefault("at_risk_pct", D(12))
    return ServiceLevelTerms("GBP", measures, CreditRegime(**regime))


def bands(*edges: tuple[str | None, str | None, bool, bool]) -> Banded:
    """Credit bands from (lower, upper, lower_inclusive, upper_inclusive), 5% each."""
    return Banded(
        tuple(
            CreditBand(
                D(5),
                lower=None if lower is None else D(lower),
                upper=None if upper is None else D(upper),
                lower_inclusive=lower_inclusive,
                upper_inclusive=upper_inclusive,
            )
            for lower, upper, lower_inclusive, upper_inclusive in edges
        )
    )


def test_allocations_above_the_pool_limit_name_the_measure_that_crosses_it() -> None:
    with pytest.raises(ServiceLevelTermsError) as raised:
        terms(
            pool("service_desk", "100"),
            pool("incidents", "100"),
            pool("availability", "60"),
            max_total_allocation_pct=D(250),
        )
    assert str(raised.value) == (
        "measures[availability].allocation_pct: allocations total 260% but the pool limit is 250%"
    )
    assert raised.value.path == "measures[availability].allocation_pct"


def test_allocations_may_exceed_100_percent_within_the_pool_limit() -> None:
    valid = terms(
        pool("service_desk", "100"),
        pool("incidents", "100"),
        pool("availability", "50"),
        max_total_allocation_pct=D(250),
    )
    assert sum(m.allocation_pct or 0 for m in valid.measures) == 250


BROKEN_TERMS: list[Any] = [
    pytest.param(
        lambda: terms(
            pool("a", "60", "platform"), pool("b", "50", "platform"),
            categories=(Category("platform", D(60), max_allocation_pct=D(100)),),
        ),
        "measures[b].allocation_pct: allocations in category 'platform' total 110% but its pool "
        "limit is 100%",
        id="category-pool-limit",
    ),
    pytest.param(
        lambda: terms(pool("a", "60", "network"), categories=(Category("platform", D(60)),)),
        "measures[a].category: no category 'network' in the credit regime (categories: platform)",
        id="unknown-category",
    ),
    pytest.param(
        lambda: terms(pool("a", "60"), categories=(Category("platform", D(60)),)),
        "measures[a].category: the credit regime shares the at-risk amount by category; name "
        "this measure's category",
        id="pool-measure-without-category",
    ),
    pytest.param(
        lambda: measure(credit=PoolAllocation()),
        "measures[availability].allocation_pct: the pool_allocation model needs the measure's "
        "allocation %",
        id="pool-without-allocation",
    ),
    pytest.param(
        lambda: measure(allocation_pct=D(20)),
        "measures[availability].allocation_pct: only the pool_allocation model uses an "
        "allocation % (this measure uses percent_of_charges)",
        id="allocation-without-pool",
    ),
    pytest.param(
        lambda: measure(expected=D("99.5"), minimum=D(99), target=D("99.5")),
        "measures[availability].target: give either a target, or expected and minimum levels, "
        "not both",
        id="target-and-levels",
    ),
    pytest.param(
        lambda: measure(expected=D("99.5")),
        "measures[availability].minimum: give either a target, or both expected and minimum "
        "levels",
        id="expected-without-minimum",
    ),
    pytest.param(
        lambda: measure(expected=D("99.5"), minimum=D("99.6")),
        "measures[availability].minimum: the minimum level 99.6 is better than the expected "
        "level 99.5",
        id="minimum-above-expected",
    ),
    pytest.param(
        lambda: measure(
            unit=Unit.HOURS, direction=Direction.LOWER_IS_BETTER, expected=D(8), minimum=D(4)
        ),
        "measures[availability].minimum: the minimum level 4 is better than the expected level 8",
        id="lower-is-better-minimum-below-expected",
    ),
    pytest.param(
        lambda: measure(target=D(101)),
        "measures[availability].target: 101 is outside the range of a percent (0 to 100)",
        id="target-above-100-percent",
    ),
    pytest.param(
        lambda: measure(measurement_period="rolling_average"),
        "measures[availability].rolling_months: a rolling average needs 2 months or more "
        "(got None)",
        id="rolling-without-months",
    ),
    pytest.param(
        lambda: measure(rolling_months=3),
        "measures[availability].rolling_months: give rolling_months only with a rolling_average "
        "period",
        id="months-without-rolling",
    ),
    pytest.param(
        lambda: measure(measurement_period="quarterly", quarter_start_month=13),
        "measures[availability].quarter_start_month: give a month from 1 to 12 (got 13)",
        id="quarter-start-month",
    ),
    pytest.param(
        lambda: measure(type=MeasureType.KEY),
        "measures[availability].credit: key measurements are reported only and carry no credit; "
        "make the measure critical to price its failures",
        id="key-with-credit",
    ),
    pytest.param(
        lambda: measure(credit=None),
        "measures[availability].credit: a critical service level needs a credit model",
        id="critical-without-credit",
    ),
    pytest.param(
        lambda: terms(measure("a"), measure("a")),
        "measures[a].id: the id is used by more than one measure",
        id="duplicate-id",
    ),
    pytest.param(
        lambda: measure(measure_id=" "),
        "measures[].id: every measure needs an id",
        id="blank-id",
    ),
    pytest.param(
        lambda: measure(unit="percentage"),
        "measures[availability].unit: 'percentage' is not one of: percent, hours, minutes, days, "
        "count, ratio",
        id="unknown-unit",
    ),
    pytest.param(
        lambda: measure(credit=PerStep(D(1), D(0), max_credit_pct=D(10))),
        "measures[availability].credit.step_size: must be greater than 0 (got 0)",
        id="per-step-size",
    ),
    pytest.param(
        lambda: measure(credit=PercentOfCharges(D(150))),
        "measures[availability].credit.pct: must be between 0% and 100% (got 150%)",
        id="percent-above-100",
    ),
    pytest.param(
        lambda: measure(credit=Shortfall(pct_per_unit=D(0), max_credit_pct=D(5))),
        "measures[availability].credit.pct_per_unit: must be greater than 0 (got 0)",
        id="shortfall-rate",
    ),
    pytest.param(
        lambda: measure(credit=Escalating(D(5), 2, D(1), D(4))),
        "measures[availability].credit.max_pct: the maximum 4% is below the base 5%",
        id="escalating-max-below-base",
    ),
    pytest.param(
        lambda: measure(credit=Escalating(D(5), 0, D(1), D(10))),
        "measures[availability].credit.after_failures: must be at least 1 (got 0)",
        id="escalating-run",
    ),
    pytest.param(
        lambda: measure(credit=DayEquivalent(max_days=D(5))),
        "measures[availability].credit.days_from: a shortfall in percent cannot be counted in "
        "days; use a measure in days, hours or minutes, or days_from: fixed",
        id="day-equivalent-percent-shortfall",
    ),
    pytest.param(
        lambda: measure(credit=DayEquivalent(days_from="fixed")),
        "measures[availability].credit.days: fixed day-equivalent credits need a number of days "
        "greater than 0",
        id="day-equivalent-fixed-without-days",
    ),
    pytest.param(
        lambda: measure(
            credit=ServicePoints((PointsBand(-1),), value_per_point_pct=D(1)),
        ),
        "measures[availability].credit.bands[0].points: cannot be negative (got -1)",
        id="negative-points",
    ),
    pytest.param(
        lambda: measure(
            credit=ServicePoints((PointsBand(1),), D(1), repeat_multiplier=D("0.5")),
        ),
        "measures[availability].credit.repeat_multiplier: must be at least 1 (got 0.5)",
        id="repeat-multiplier",
    ),
    pytest.param(
        lambda: measure(credit=Shortfall()),
        "measures[availability].deemed_actual: a missing report is deemed a failure, but the "
        "shortfall model needs an actual to price it: give deemed_actual, or a maximum in the "
        "model",
        id="no-report-cannot-be-priced",
    ),
    pytest.param(
        lambda: measure(earnback_target=D(99)),
        "measures[availability].earnback_target: the earnback target 99 is easier than the "
        "level 99.5",
        id="earnback-target-easier",
    ),
    pytest.param(
        lambda: terms(measure(), at_risk_pct=D(120)),
        "credits.at_risk_pct: must be between 0% and 100% (got 120%)",
        id="at-risk-above-100",
    ),
    pytest.param(
        lambda: PeriodCap("percent_of_charges"),
        "credits.period_cap.pct: the percent_of_charges cap needs its pct",
        id="percent-cap-without-pct",
    ),
    pytest.param(
        lambda: PeriodCap("amount", pct=D(5), amount=D(10)),
        "credits.period_cap.pct: the amount cap takes no pct",
        id="amount-cap-with-pct",
    ),
    pytest.param(
        lambda: AnnualCap(D(150)),
        "credits.annual_cap.pct: must be between 0% and 100% (got 150%)",
        id="annual-cap-pct",
    ),
    pytest.param(
        lambda: AnnualCap(D(10), 0),
        "credits.annual_cap.periods: give a whole number from 1 (got 0)",
        id="annual-cap-periods",
    ),
    pytest.param(
        lambda: MinimumCredit(D(-1)),
        "credits.minimum_credit.amount: cannot be negative (got -1)",
        id="negative-minimum-credit",
    ),
    pytest.param(
        lambda: terms(measure(), excess="carry"),
        "credits.excess: 'carry' is not one of: discarded, carried_forward",
        id="unknown-excess-rule",
    ),
    pytest.param(
        lambda: terms(measure(), categories=(Category("a", D(50)), Category("a", D(50)))),
        "credits.categories[a]: the category name is used twice",
        id="duplicate-category",
    ),
    pytest.param(
        lambda: Category("a", D(120)),
        "credits.categories[a].pool_pct: must be between 0% and 100% (got 120%)",
        id="category-pool-above-100",
    ),
    pytest.param(
        lambda: Earnback(0),
        "earnback.window_periods: give a whole number from 1 (got 0)",
        id="earnback-window",
    ),
    pytest.param(
        lambda: ServiceLevelTerms(
            "GBP", (measure(),), CreditRegime(D(12)),
            continuous_improvement=ContinuousImprovement(3, measure_ids=("uptime",)),
        ),
        "continuous_improvement.measure_ids: no measure has id 'uptime'",
        id="improvement-unknown-measure",
    ),
    pytest.param(
        lambda: ServiceLevelTerms(
            "GBP", (measure(unit=Unit.COUNT, target=D(10)),), CreditRegime(D(12)),
            continuous_improvement=ContinuousImprovement(3, headroom_cap_pct=D(20)),
        ),
        "measures[availability].unit: continuous improvement caps the rise at a share of the "
        "headroom, but a higher-is-better measure in count has no best possible value; list "
        "only other measures in measure_ids",
        id="improvement-headroom-without-best-value",
    ),
    pytest.param(
        lambda: ContinuousImprovement(3, rise_pct=D(0)),
        "continuous_improvement.rise_pct: must be above 0% and at most 100% (got 0%)",
        id="improvement-rise",
    ),
    pytest.param(lambda: CountWithin(5, 3), "count: 5 events cannot happen within 3 periods",
                 id="count-within"),
    pytest.param(
        lambda: TerminationTriggers(consecutive_credit_periods=0),
        "termination_triggers.consecutive_credit_periods: give a whole number from 1 (got 0)",
        id="consecutive-credit-periods",
    ),
    pytest.param(
        lambda: ServiceLevelTerms("POUNDS", (measure(),), CreditRegime(D(12))),
        "currency: 'POUNDS' is not a three-letter ISO 4217 code",
        id="currency",
    ),
    pytest.param(
        lambda: ServiceLevelTerms("GBP", (), CreditRegime(D(12))),
        "measures: give at least one measure",
        id="no-measures",
    ),
    pytest.param(
        lambda: DecimalRounding(-1), "places: give a whole number from 0 (got -1)", id="places",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("build", "message"), BROKEN_TERMS)
def test_broken_terms_are_refused_with_the_field_to_fix(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ServiceLevelTermsError, match=f"^{re.escape(message)}$"):
        build()


BROKEN_BANDS: list[Any] = [
    pytest.param(
        bands(("99.2", "100", True, True), ("0", "99", True, False), ("99", "99.1", True, False)),
        "credit.bands[0].lower: values between 99.1 and 99.2 fall in no band",
        id="gap",
    ),
    pytest.param(
        bands(("99", "100", True, True), ("0", "99.5", True, False)),
        "credit.bands[0].lower: overlaps bands[1]: 99 is below its upper limit 99.5",
        id="overlap",
    ),
    pytest.param(
        bands(("99", "100", True, True), ("0", "99", True, True)),
        "credit.bands[0].lower: 99 is in both bands[1] and bands[0]; include the edge in only "
        "one of them",
        id="edge-in-both",
    ),
    pytest.param(
        bands(("99", "100", False, True), ("0", "99", True, False)),
        "credit.bands[0].lower: 99 is in neither bands[1] nor bands[0]; include the edge in one "
        "of them",
        id="edge-in-neither",
    ),
    pytest.param(
        bands(("98", "100", True, True)),
        "credit.bands[0].lower: values below 98% fall in no band; start the lowest band at 0% "
        "(included) or leave its lower limit open",
        id="bottom-not-covered",
    ),
    pytest.param(
        bands(("0", "99", False, True), ("99", "100", False, True)),
        "credit.bands[0].lower: 0% and values below it fall in no band; start the lowest band "
        "at 0% (included) or leave its lower limit open",
        id="zero-excluded",
    ),
    pytest.param(
        bands((None, "100", True, False)),
        "credit.bands[0].upper: 100% and values above it fall in no band; end the highest band "
        "at 100% (included) or leave its upper limit open",
        id="top-edge-excluded",
    ),
    pytest.param(
        bands((None, None, True, True), ("99", None, True, True)),
        "credit.bands[1].lower: overlaps bands[0], which has no upper limit",
        id="open-band-overlaps",
    ),
    pytest.param(
        bands((None, "99", True, False), ("99", "99", True, False), ("99", None, True, True)),
        "credit.bands[1]: the band holds no value (both limits 99)",
        id="empty-band",
    ),
    pytest.param(
        bands(("99", "98", True, True)),
        "credit.bands[0]: the lower limit 99 is above the upper limit 98",
        id="upside-down",
    ),
    pytest.param(Banded(()), "credit.bands: give at least one band", id="no-bands"),
]


@pytest.mark.parametrize(("model", "message"), BROKEN_BANDS)
def test_bands_must_cover_every_value_once_with_explicit_edges(model: Banded, message: str) -> None:
    with pytest.raises(ServiceLevelTermsError, match=f"^{re.escape('measures[x].' + message)}$"):
        measure("x", credit=model)


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(bands((None, None, True, True)), id="one-open-band"),
        pytest.param(bands(("0", "99", True, False), ("99", "100", True, True)), id="closed-0-100"),
        pytest.param(bands((None, "99", True, True), ("99", None, False, True)), id="edge-low"),
        pytest.param(
            bands(("99", None, True, True), (None, "98", True, False), ("98", "99", True, False)),
            id="any-order",
        ),
    ],
)
def test_bands_that_cover_every_value_once_are_accepted(model: Banded) -> None:
    assert measure("x", credit=model).credit == model


def test_a_count_measure_needs_bands_open_at_the_top() -> None:
    model = bands(("0", "10", True, True), ("10", "20", False, True))
    with pytest.raises(ServiceLevelTermsError, match="leave the highest band's upper limit open"):
        measure("x", unit=Unit.COUNT, target=D(5), direction="lower_is_better", credit=model)


def test_a_float_in_the_terms_is_refused() -> None:
    with pytest.raises(TypeError, match="floats cannot hold amounts exactly"):
        measure(target=99.5)


def test_an_exclusion_must_say_why() -> None:
    with pytest.raises(ValueError, match="an approved exclusion must say why it applies"):
        Exclusion(" ")


@pytest.mark.parametrize("text", ["2026-1-", "2026/01", "January"])
def test_a_period_must_be_written_yyyy_mm(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse(text)


def test_terms_accept_the_plain_strings_a_terms_file_holds() -> None:
    built = Measure(
        "availability", "Availability", "critical", "percent", "higher_is_better",  # type: ignore[arg-type]
        expected="99.5", minimum="99", comparison="strict", no_report="deemed_met",  # type: ignore[arg-type]
        measurement_period="rolling_average", rolling_months=3,  # type: ignore[arg-type]
        credit=PerStep("1", "0.1", "each_step_or_part"),  # type: ignore[arg-type]
    )  # fmt: skip
    assert built.type is MeasureType.CRITICAL
    assert built.expected == D("99.5")
    assert built.credit == PerStep(D(1), D("0.1"), "each_step_or_part")  # type: ignore[arg-type]
