"""Benchmark: evaluate the service levels of a whole portfolio.

2,000 contracts x 25 measures x 36 months by default (the target is under 30 seconds on two
cores). The portfolio is generated here, deterministically from a seed, with a mix of credit
models, caps, default rules and earnback, and realistic misses and missing reports. Each
contract's 36 months are evaluated by the pure engine (which replays history for annual caps,
earnback and repeat failures), spread over worker processes.

    python benchmarks/bench_portfolio_evaluation.py [--contracts 2000] [--measures 25]
        [--months 36] [--workers 2] [--runs 3]

It prints the median wall-clock time of the runs and its ratio to the 30-second target.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pactline.engine.service_levels import (
    AnnualCap,
    Banded,
    Category,
    CountWithin,
    CreditBand,
    CreditRegime,
    DefaultRules,
    Earnback,
    Measure,
    Measurement,
    PercentOfCharges,
    Period,
    PerStep,
    PoolAllocation,
    ServiceLevelTerms,
    Shortfall,
    evaluate_periods,
)
from pactline.engine.service_levels.enums import Direction, MeasureType, StepCounting, Unit

TARGET_SECONDS = 30.0
FIRST = Period(2024, 1)


def _measure(rng: random.Random, index: int) -> Measure:
    """One measure with a credit model picked from the common ones."""
    kind = index % 5
    if index % 6 == 5:
        return Measure(
            id=f"kpi-{index}",
            name=f"Key measurement {index}",
            type=MeasureType.KEY,
            unit=Unit.PERCENT,
            direction=Direction.HIGHER_IS_BETTER,
            target=Decimal("95"),
        )
    common: dict[str, object] = {
        "id": f"csl-{index}",
        "name": f"Critical service level {index}",
        "type": MeasureType.CRITICAL,
        "unit": Unit.PERCENT,
        "direction": Direction.HIGHER_IS_BETTER,
        "deemed_actual": Decimal("0"),
    }
    if kind == 0:
        return Measure(
            **common,  # type: ignore[arg-type]
            expected=Decimal("99.9"),
            minimum=Decimal("99.5"),
            credit=PoolAllocation(),
            allocation_pct=Decimal(rng.choice([10, 15, 20])),
            category="availability",
        )
    if kind == 1:
        return Measure(
            **common,  # type: ignore[arg-type]
            target=Decimal("99.5"),
            credit=PerStep(
                pct_per_step=Decimal("0.5"),
                step_size=Decimal("0.1"),
                counting=StepCounting.EACH_STEP_OR_PART,
                max_credit_pct=Decimal("5"),
            ),
        )
    if kind == 2:
        return Measure(
            **common,  # type: ignore[arg-type]
            target=Decimal("98"),
            credit=Shortfall(max_credit_pct=Decimal("4")),
        )
    if kind == 3:
        return Measure(
            **common,  # type: ignore[arg-type]
            target=Decimal("97"),
            credit=Banded(
                bands=(
                    CreditBand(Decimal("10"), upper=Decimal("90")),
                    CreditBand(Decimal("5"), lower=Decimal("90"), upper=Decimal("95")),
                    CreditBand(Decimal("2"), lower=Decimal("95"), upper=Decimal("97")),
                    CreditBand(Decimal("0"), lower=Decimal("97")),
                )
            ),
        )
    return Measure(
        **common,  # type: ignore[arg-type]
        expected=Decimal("95"),
        minimum=Decimal("90"),
        credit=PercentOfCharges(pct=Decimal("1.5")),
    )


def make_contract(
    seed: int, measures: int, months: int
) -> tuple[ServiceLevelTerms, list[Measurement], dict[Period, Decimal]]:
    """Terms, measurement history and charge base of one generated contract."""
    rng = random.Random(seed)
    terms = ServiceLevelTerms(
        currency=rng.choice(["GBP", "EUR", "USD"]),
        measures=tuple(_measure(rng, i) for i in range(measures)),
        credits=CreditRegime(
            at_risk_pct=Decimal("12"),
            categories=(Category(name="availability", pool_pct=Decimal("60")),),
            annual_cap=AnnualCap(pct=Decimal("10")),
        ),
        default_rules=DefaultRules(expected_misses=CountWithin(4, 12)),
        earnback=Earnback(window_periods=3),
    )
    periods = [FIRST.shift(i) for i in range(months)]
    history: list[Measurement] = []
    for measure in terms.measures:
        for period in periods:
            roll = rng.random()
            if roll < 0.02:
                value = None  # not reported: deemed failed
            elif roll < 0.15:
                value = Decimal(str(round(rng.uniform(85, 99.4), 2)))  # a miss
            else:
                value = Decimal(str(round(rng.uniform(99.5, 100), 2)))
            history.append(Measurement(measure.id, period, value))
    base = Decimal(rng.randrange(50_000, 2_000_000))
    return terms, history, dict.fromkeys(periods, base)


def evaluate_contracts(seeds: list[int], measures: int, months: int) -> tuple[int, Decimal]:
    """Evaluate every month of each contract; returns (periods evaluated, total credits)."""
    evaluated = 0
    credits = Decimal(0)
    last = FIRST.shift(months - 1)
    for seed in seeds:
        terms, history, charges = make_contract(seed, measures, months)
        results = evaluate_periods(terms, last, history, charges)
        evaluated += len(results)
        credits += sum((r.service_credits.total for r in results), Decimal(0))
    return evaluated, credits


def run(contracts: int, measures: int, months: int, workers: int) -> tuple[float, int, Decimal]:
    """One timed run over the whole portfolio."""
    seeds = list(range(contracts))
    chunks = [seeds[i::workers] for i in range(workers)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        outcomes = list(
            pool.map(evaluate_contracts, chunks, [measures] * workers, [months] * workers)
        )
    elapsed = time.perf_counter() - start
    return elapsed, sum(o[0] for o in outcomes), sum((o[1] for o in outcomes), Decimal(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--measures", type=int, default=25)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for number in range(1, args.runs + 1):
        elapsed, periods, credits = run(args.contracts, args.measures, args.months, args.workers)
        times.append(elapsed)
        print(
            f"run {number}: {elapsed:.2f} s for {args.contracts} contracts x {args.measures} "
            f"measures x {args.months} months ({periods} contract-months, credits {credits})"
        )
    median = statistics.median(times)
    print(
        f"median {median:.2f} s on {args.workers} worker processes; "
        f"ratio to the {TARGET_SECONDS:.0f} s target: {median / TARGET_SECONDS:.2f}"
    )


if __name__ == "__main__":
    main()
