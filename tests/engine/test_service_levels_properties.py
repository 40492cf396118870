"""Properties of service credits that must hold for any terms and any measurements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pactline.engine.service_levels import (
    AnnualCap,
    Banded,
    CapBasis,
    CreditBand,
    CreditModel,
    CreditRegime,
    DefaultRules,
    Direction,
    Earnback,
    Escalating,
    ExcessRule,
    IncidentRule,
    Measure,
    Measurement,
    MeasureType,
    MinimumCredit,
    PercentOfCharges,
    Period,
    PeriodCap,
    PerStep,
    PointsBand,
    PoolAllocation,
    ServiceLevelTerms,
    ServicePoints,
    Shortfall,
    Unit,
    evaluate_period,
    evaluate_periods,
)

D = Decimal
JAN = Period(2026, 1)
HUNDRED = D(100)

ACTUALS = st.sampled_from([None, "97", "98.5", "99", "99.2", "99.5", "99.9"])
PERCENT = st.decimals(min_value=0, max_value=30, places=1)
CHARGES = st.decimals(min_value=0, max_value=1_000_000, places=2)

settings.register_profile(
    "service_levels", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def measure(measure_id: str, model: CreditModel, **fields: Any) -> Measure:
    """A critical percentage measure with expected 99.5% and minimum 99%."""
    values: dict[str, Any] = {"expected": D("99.5"), "minimum": D(99), "credit": model}
    values.update(fields)
    return Measure(
        measure_id,
        measure_id,
        MeasureType.CRITICAL,
        Unit.PERCENT,
        Direction.HIGHER_IS_BETTER,
        **values,
    )


@st.composite
def capped_terms(draw: st.DrawFn) -> ServiceLevelTerms:
    """Terms with 1–4 measures, a random period cap, annual cap, minimum and excess rule."""
    count = draw(st.integers(min_value=1, max_value=4))
    measures = []
    for index in range(count):
        if draw(st.booleans()):
            allocation = draw(st.decimals(min_value=0, max_value=100, places=0))
            measures.append(measure(f"m{index}", PoolAllocation(), allocation_pct=allocation))
        else:
            measures.append(measure(f"m{index}", PercentOfCharges(draw(PERCENT))))
    basis = draw(st.sampled_from([None, *CapBasis]))
    if basis is None:
        period_cap = None
    elif basis is CapBasis.PERCENT_OF_CHARGES:
        period_cap = PeriodCap(basis, pct=draw(PERCENT))
    elif basis is CapBasis.AMOUNT:
        period_cap = PeriodCap(basis, amount=draw(CHARGES))
    else:
        period_cap = PeriodCap()
    annual = draw(st.none() | st.builds(AnnualCap, PERCENT, st.integers(min_value=1, max_value=12)))
    minimum = draw(
        st.none()
        | st.builds(
            MinimumCredit,
            st.decimals(min_value=0, max_value=5000, places=2),
            st.sampled_from(["none_if_under", "floor_at"]),
            st.sampled_from(["each_credit", "period_total"]),
        )
    )
    regime = CreditRegime(
        at_risk_pct=draw(st.decimals(min_value=0, max_value=20, places=1)),
        period_cap=period_cap,
        annual_cap=annual,
        minimum_credit=minimum,
        excess=draw(st.sampled_from(list(ExcessRule))),
        incident_rule=draw(st.sampled_from(list(IncidentRule))),
    )
    return ServiceLevelTerms("GBP", tuple(measures), regime)


@settings(settings.get_profile("service_levels"))
@given(terms=capped_terms(), data=st.data())
def test_credits_never_exceed_the_period_cap_or_the_annual_cap_room(
    terms: ServiceLevelTerms, data: st.DataObject
) -> None:
    months = data.draw(st.integers(min_value=1, max_value=15))
    periods = [JAN.shift(n) for n in range(months)]
    charges = {p: data.draw(CHARGES) for p in periods}
    rows = [
        Measurement(
            m.id,
            p,
            None if value is None else D(value),
            incident_ids=data.draw(st.sets(st.sampled_from(["INC-1", "INC-2"]))),
        )
        for p in periods
        for m in terms.measures
        if (value := data.draw(ACTUALS)) is not None
    ]
    results = evaluate_periods(terms, periods[-1], rows, charges)
    regime = terms.credits
    for result in results:
        credits = result.service_credits
        charge = charges[result.period]
        assert credits.total >= 0
        if credits.cap is not None:
            assert credits.total <= credits.cap
        cap = regime.period_cap
        if cap is not None:
            exact = {
                CapBasis.AT_RISK_AMOUNT: regime.at_risk_pct / HUNDRED * charge,
                CapBasis.PERCENT_OF_CHARGES: (cap.pct or 0) / HUNDRED * charge,
                CapBasis.AMOUNT: cap.amount or D(0),
            }[cap.basis]
            assert credits.total <= exact
        # The parts add up: measures' shares plus carried-in excess applied make the total,
        # and nothing is lost: what is not in the total is carried forward or discarded.
        carried_applied = min(credits.carried_in, credits.total)
        assert sum(m.credit for m in result.service_levels) + carried_applied == credits.total
        assert (
            credits.uncapped + credits.carried_in
            == credits.total + credits.carried_forward + credits.discarded
        )
        assert all(m.credit <= m.credit_before_caps for m in result.service_levels)
    annual = regime.annual_cap
    if annual is not None:
        # The clause limits each period's own credit so the trailing window stays within
        # cap % of its charges; it cannot claw back credits of earlier periods, so a window
        # whose earlier periods already used the room simply gets nothing more.
        for end in range(len(results)):
            window = results[max(0, end - annual.periods + 1) : end + 1]
            earlier = sum(r.service_credits.total for r in window[:-1])
            limit = annual.pct / HUNDRED * sum(charges[r.period] for r in window)
            assert window[-1].service_credits.total <= max(limit - earlier, D(0))


def banded(direction: Direction) -> Banded:
    """Bands whose credit grows as the actual gets worse."""
    edges = [D(0), D(97), D(98), D(99), D("99.5"), D(100)]
    credits = [D(20), D(15), D(10), D(5), D(0)]
    if direction is Direction.LOWER_IS_BETTER:
        credits = credits[::-1]
    return Banded(
        tuple(
            CreditBand(credit, lower=low, upper=high, upper_inclusive=high == 100)
            for credit, low, high in zip(credits, edges, edges[1:], strict=False)
        )
    )


MONOTONE_MODELS: dict[str, Any] = {
    "shortfall": lambda direction: Shortfall(pct_per_unit=D(2), max_credit_pct=D(40)),
    "per_step_full": lambda direction: PerStep(D(1), D("0.1"), "each_full_step", D(50)),
    "per_step_part": lambda direction: PerStep(D(1), D("0.1"), "each_step_or_part", D(50)),
    "banded": banded,
    "percent_of_charges": lambda direction: PercentOfCharges(D(5)),
}


def credit_for(model: CreditModel, direction: Direction, actual: Decimal) -> Decimal:
    """The uncapped credit of one period at `actual`."""
    levels = (
        {"target": D("99.5")} if direction is Direction.HIGHER_IS_BETTER else {"target": D("0.5")}
    )
    subject = Measure(
        "m", "m", MeasureType.CRITICAL, Unit.PERCENT, direction, credit=model, **levels
    )
    terms = ServiceLevelTerms("GBP", (subject,), CreditRegime(D(12), period_cap=None))
    result = evaluate_period(terms, JAN, [Measurement("m", JAN, actual)], {JAN: D(250_000)})
    return result.measure("m").credit


@settings(settings.get_profile("service_levels"), max_examples=200)
@given(
    name=st.sampled_from(sorted(MONOTONE_MODELS)),
    direction=st.sampled_from(list(Direction)),
    first=st.decimals(min_value=0, max_value=100, places=3),
    second=st.decimals(min_value=0, max_value=100, places=3),
)
def test_a_worse_actual_never_earns_a_smaller_credit_under_a_monotone_model(
    name: str, direction: Direction, first: Decimal, second: Decimal
) -> None:
    model = MONOTONE_MODELS[name](direction)
    low, high = sorted((first, second))
    worse, better = (low, high) if direction is Direction.HIGHER_IS_BETTER else (high, low)
    assert credit_for(model, direction, worse) >= credit_for(model, direction, better)


def stateful_terms() -> ServiceLevelTerms:
    """Terms where history matters: points, escalation, earnback, defaults, incidents, carry."""
    points = ServicePoints(
        (
            PointsBand(0, lower=D("99.5"), upper=D(100), upper_inclusive=True),
            PointsBand(1, lower=D(99), upper=D("99.5")),
            PointsBand(3, lower=None, upper=D(99)),
        ),
        value_per_point_pct=D(2),
    )
    return ServiceLevelTerms(
        "GBP",
        (
            measure("a", points),
            measure("b", Escalating(D(2), 1, D(2), D(8))),
            measure("c", PercentOfCharges(D(4)), measurement_period="rolling_average",
                    rolling_months=3),
        ),
        CreditRegime(
            D(10),
            excess=ExcessRule.CARRIED_FORWARD,
            incident_rule=IncidentRule.DEEMED_ONE_EVENT,
            annual_cap=AnnualCap(D(6)),
        ),
        default_rules=DefaultRules(),
        earnback=Earnback(2),
    )  # fmt: skip


@settings(settings.get_profile("service_levels"))
@given(data=st.data())
def test_results_do_not_depend_on_the_order_of_the_measurement_rows(data: st.DataObject) -> None:
    months = data.draw(st.integers(min_value=1, max_value=6))
    periods = [JAN.shift(n) for n in range(months)]
    rows = [
        Measurement(
            measure_id,
            period,
            D(value),
            incident_ids=data.draw(st.sets(st.sampled_from(["INC-1", "INC-2"]))),
        )
        for period in periods
        for measure_id in ("a", "b", "c")
        if (value := data.draw(ACTUALS)) is not None
    ]
    shuffled = data.draw(st.permutations(rows))
    charges = {p: D(100_000) for p in periods}
    terms = stateful_terms()
    first = evaluate_period(terms, periods[-1], rows, charges)
    second = evaluate_period(terms, periods[-1], shuffled, charges)
    assert first == second
    assert first.to_dict() == second.to_dict()
