"""The annual true-up in force for a month, from the volumes of each completed contract year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from pactline.commercials.rules import true_ups_before
from pactline.engine.charges import BillingPeriod, StatementInputs, build_statement
from pactline.engine.service_levels import Period
from pactline.terms import charge_terms, load_terms_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TERMS = charge_terms(load_terms_file(EXAMPLES / "northwind-msa.yaml"))  # starts 2026-01-01


def year_of(volume: str, *, skip: str | None = None) -> dict[str, dict[str, Decimal]]:
    months = {f"2026-{m:02d}": Decimal(volume) for m in range(1, 13)}
    if skip:
        del months[skip]
    return {"ports": months}


def test_a_year_averaging_beyond_the_true_up_deadband_resets_the_baseline_from_the_next() -> None:
    (result,) = true_ups_before(TERMS, year_of("2300"), Period(2027, 2))
    # 2,300 against 2,000 is 15% above: beyond the 10% true-up deadband.
    assert result.new_baseline == Decimal("2300") and str(result.applies_from) == "2027-01-01"
    inputs = StatementInputs(
        resource_volumes={"ports": Decimal("2300")},
        index_series={"2025-10": Decimal("138.4"), "2026-10": Decimal("142.7")},
        true_ups=(result,),
    )
    statement = build_statement(TERMS, BillingPeriod(date(2027, 2, 1)), inputs)
    lines = {line.id: line for line in statement.lines}
    assert lines["ports:true_up"].quantity == Decimal("300")


def test_no_true_up_before_the_year_ends_or_when_a_month_is_missing_or_within_the_band() -> None:
    assert true_ups_before(TERMS, year_of("2300"), Period(2026, 12)) == ()
    assert true_ups_before(TERMS, year_of("2300", skip="2026-07"), Period(2027, 2)) == ()
    (within,) = true_ups_before(TERMS, year_of("2100"), Period(2027, 2))
    assert within.new_baseline is None and not within.triggered
