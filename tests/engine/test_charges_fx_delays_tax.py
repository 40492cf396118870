"""FX adjustments, delay damages, milestone holdbacks and tax lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pactline.engine.charges import (
    TERMINATION_RIGHTS_FLAG,
    ChargeKind,
    ChargeLine,
    DeadbandMode,
    DelayBasis,
    DelayDamagesTerms,
    DelayUnit,
    FxTerms,
    Milestone,
    PartialPeriod,
    RoundingPoint,
    TaxBase,
    TaxTerms,
    delay_damages,
    fx_adjustment,
    milestone_payments,
    tax_lines,
)
from pactline.engine.charges.common import round_line
from pactline.engine.money import Rounding

D = Decimal

# -- FX ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "actual", "amount"),
    [
        pytest.param(FxTerms(D("1.20"), share_pct=D(60)), D("1.20"), D(0), id="no-movement"),
        pytest.param(FxTerms(D("1.20"), share_pct=D(60)), D("1.00"), D(1200), id="share-60"),
        pytest.param(FxTerms(D("1.20")), D("1.00"), D(2000), id="full-pass-through"),
        pytest.param(
            FxTerms(D("1.20"), share_pct=D(60), band_pct=D(5)), D("1.00"), D(900), id="beyond"
        ),
        pytest.param(
            FxTerms(D("1.20"), share_pct=D(60), band_pct=D(5), band_mode=DeadbandMode.TRIGGER),
            D("1.00"),
            D(1200),
            id="outside-band-whole-movement",
        ),
        pytest.param(
            FxTerms(D("1.20"), share_pct=D(60), band_pct=D(5)), D("1.16"), D(0), id="within-band"
        ),
        pytest.param(
            FxTerms(D("1.00"), share_pct=D(60), band_pct=D(5)), D("1.25"), D(-900), id="downward"
        ),
    ],
)
def test_fx_adjustment_passes_on_a_share_of_the_movement_outside_the_band(
    terms: FxTerms, actual: Decimal, amount: Decimal
) -> None:
    assert fx_adjustment(terms, actual, D(10000), "GBP").amount == amount


def test_an_fx_adjustment_beyond_the_band_explains_the_part_passed_on() -> None:
    terms = FxTerms(D("1.20"), share_pct=D(60), band_pct=D(5), currency_pair="GBP/INR")
    result = fx_adjustment(terms, D("1.00"), D(10000), "GBP")
    assert result.explanation == (
        "Exchange rate GBP/INR: baseline 1.2, actual 1: movement 1.2 / 1 − 1 = 20%",
        "Only the part beyond the band of ±5% is passed on: 20% − 5% = 15%",
        "Adjustment = 15% × billings GBP 10,000.00 × share 60% = GBP 900.00",
    )
    assert result.rate == D("0.09")


def test_an_fx_movement_within_the_band_says_no_adjustment() -> None:
    result = fx_adjustment(FxTerms(D("1.20"), band_pct=D(5)), D("1.16"), D(10000), "GBP")
    assert result.explanation[1] == "3.448275…% is within the band of ±5%: no adjustment"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: FxTerms(D(0)), "baseline rate must be positive"),
        (lambda: fx_adjustment(FxTerms(D(1)), D(0), D(1), "GBP"), "actual exchange rate"),
        (lambda: FxTerms(D(1), applies_to=frozenset({ChargeKind.TAX})), "never FX-adjusted"),
    ],
)
def test_impossible_fx_rates_are_refused(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


# -- delay damages -----------------------------------------------------------------------------

DUE = date(2026, 6, 1)


def late(days: int) -> date:
    """The date `days` days after the due date."""
    return date.fromordinal(DUE.toordinal() + days)


def percent_damages(**changes: Any) -> DelayDamagesTerms:
    """0.5% of a 100,000 price per day."""
    fields: dict[str, Any] = {
        "id": "go-live",
        "description": "Go-live",
        "price": D(100000),
        "rate_pct": D("0.5"),
    }
    fields.update(changes)
    return DelayDamagesTerms(**fields)


@pytest.mark.parametrize(
    ("terms", "days", "periods", "amount", "capped", "termination"),
    [
        pytest.param(percent_damages(), 10, 10, D(5000), False, False, id="per-day"),
        pytest.param(percent_damages(), 0, 0, D(0), False, False, id="on-time"),
        pytest.param(percent_damages(), -3, 0, D(0), False, False, id="early"),
        pytest.param(
            percent_damages(per=DelayUnit.WEEK), 10, 2, D(1000), False, False, id="week-ceiling"
        ),
        pytest.param(
            percent_damages(per=DelayUnit.WEEK, partial=PartialPeriod.FLOOR),
            10,
            1,
            D(500),
            False,
            False,
            id="whole-weeks",
        ),
        pytest.param(percent_damages(per="week"), 14, 2, D(1000), False, False, id="exact-weeks"),
        pytest.param(
            percent_damages(rate_pct=D(1), cap_pct=D(10)), 30, 30, D(10000), True, False, id="cap"
        ),
        pytest.param(
            percent_damages(rate_pct=D(1), cap_pct=D(10)), 5, 5, D(5000), False, False, id="under"
        ),
        pytest.param(
            DelayDamagesTerms(
                "cut",
                "Cut-over",
                basis=DelayBasis.FLAT_PER_DAY,
                flat_amount=D(1000),
                delay_limit_days=20,
            ),
            25,
            20,
            D(20000),
            False,
            True,
            id="flat-beyond-limit",
        ),
        pytest.param(
            DelayDamagesTerms("cut", "Cut-over", basis="flat_per_day", flat_amount=D(1000)),
            5,
            5,
            D(5000),
            False,
            False,
            id="flat",
        ),
    ],
)
def test_delay_damages_accrue_per_period_up_to_the_cap_and_the_delay_limit(
    terms: DelayDamagesTerms,
    days: int,
    periods: int,
    amount: Decimal,
    capped: bool,
    termination: bool,
) -> None:
    result = delay_damages(terms, DUE, late(days), "GBP")
    assert (result.periods, result.amount, result.capped, result.termination_rights) == (
        periods,
        amount,
        capped,
        termination,
    )


def test_a_started_week_counts_when_the_contract_says_or_portion_thereof() -> None:
    result = delay_damages(percent_damages(per="week"), DUE, late(10), "GBP")
    assert result.explanation[1] == (
        "Per week or portion thereof: 10 days / 7 = 1.428571…, rounded up to 2 weeks"
    )


def test_a_delay_beyond_the_limit_flags_termination_rights() -> None:
    terms = DelayDamagesTerms(
        "cut", "Cut-over", basis="flat_per_day", flat_amount=D(1000), delay_limit_days=20
    )
    result = delay_damages(terms, DUE, late(25), "GBP")
    line = result.as_line(terms.description)
    assert line.kind is ChargeKind.DELAY_DAMAGES
    assert line.amount == D(-20000)
    assert line.flags == (TERMINATION_RIGHTS_FLAG,)
    assert (
        "The delay exceeds the limit of 20 days: damages accrue for 20 days only, and the "
        "customer's termination rights start (flagged)"
    ) in result.explanation


def test_capped_damages_say_what_was_not_due() -> None:
    result = delay_damages(percent_damages(rate_pct=D(1), cap_pct=D(10)), DUE, late(30), "GBP")
    assert result.explanation[-1] == (
        "Capped at 10% of the price: GBP 10,000.00 (the uncapped GBP 30,000.00 is not due)"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate_pct": None}, "percent_of_price needs a price and a rate_pct"),
        ({"basis": "flat_per_day"}, "flat_per_day needs a flat_amount"),
        (
            {"basis": "flat_per_day", "flat_amount": D(1), "price": None, "cap_pct": D(5)},
            "a cap_pct needs the price",
        ),
        ({"delay_limit_days": -1}, "cannot be negative"),
    ],
)
def test_incomplete_delay_damages_terms_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        percent_damages(**changes)


# -- milestones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestone", "achieved", "accepted", "amounts"),
    [
        (Milestone("m1", "Design", D(50000), D(10)), True, False, [D("45000.00")]),
        (Milestone("m1", "Design", D(50000), D(10)), False, True, [D("5000.00")]),
        (Milestone("m1", "Design", D(50000), D(10)), True, True, [D("45000.00"), D("5000.00")]),
        (Milestone("m1", "Design", D("100.01"), D(10)), True, True, [D("90.01"), D("10.00")]),
        (Milestone("m1", "Design", D(50000)), True, True, [D("50000.00")]),
        (Milestone("m1", "Design", D(50000), D(100)), True, True, [D("0.00"), D("50000.00")]),
        (Milestone("m1", "Design", D(50000), D(20)), False, False, []),
    ],
)
def test_milestone_payments_hold_back_a_share_until_acceptance(
    milestone: Milestone, achieved: bool, accepted: bool, amounts: list[Decimal]
) -> None:
    lines = milestone_payments(milestone, "GBP", achieved=achieved, accepted=accepted)
    assert [line.amount for line in lines] == amounts
    assert all(line.kind is ChargeKind.MILESTONE for line in lines)


def test_a_holdback_release_is_its_own_line_explained() -> None:
    lines = milestone_payments(
        Milestone("m1", "Design", D(50000), D(10)), "GBP", achieved=False, accepted=True
    )
    assert lines[0].id == "m1:holdback_release"
    assert lines[0].explanation == (
        "Design: price GBP 50,000.00; holdback 10% = GBP 5,000.00, so GBP 45,000.00 is payable "
        "on achievement",
        "Milestone accepted: the holdback of GBP 5,000.00 is released",
    )


def test_a_holdback_above_the_whole_price_is_refused() -> None:
    with pytest.raises(ValueError, match="holdback_pct cannot exceed 100"):
        Milestone("m1", "Design", D(1), D(101))


# -- tax ---------------------------------------------------------------------------------------


def line(kind: ChargeKind, line_id: str, amount: str) -> ChargeLine:
    """A bare statement line."""
    return ChargeLine(kind, line_id, line_id, None, None, D(amount), ())


LINES = (
    line(ChargeKind.FIXED, "fee", "1000.00"),
    line(ChargeKind.ARC, "servers:arc", "200.00"),
    line(ChargeKind.SERVICE_CREDIT, "credit", "-100.00"),
)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        pytest.param(TaxTerms(D(20)), [("tax", D(1100), D("220.00"))], id="after-credits"),
        pytest.param(
            TaxTerms(D(20), base=TaxBase.BEFORE_CREDITS),
            [("tax", D(1200), D("240.00"))],
            id="before-credits",
        ),
        pytest.param(
            TaxTerms(D(20), rates_by_kind={ChargeKind.ARC: D(0)}),
            [("tax:20", D(900), D("180.00")), ("tax:0", D(200), D("0.00"))],
            id="rate-per-kind",
        ),
    ],
)
def test_tax_is_charged_per_rate_on_the_taxable_subtotal(
    terms: TaxTerms, expected: list[tuple[str, Decimal, Decimal]]
) -> None:
    taxes = tax_lines(terms, LINES, "GBP")
    assert [(tax.id, tax.quantity, tax.amount) for tax in taxes] == expected
    assert all(tax.kind is ChargeKind.TAX for tax in taxes)


def test_tax_rounded_per_line_and_on_the_total_can_differ_by_a_penny() -> None:
    lines = (line(ChargeKind.FIXED, "a", "0.10"), line(ChargeKind.ARC, "b", "0.10"))
    rates = {ChargeKind.FIXED: D(15), ChargeKind.ARC: D(5)}
    per_line = tax_lines(TaxTerms(D(0), rates_by_kind=rates), lines, "GBP")
    on_total = tax_lines(
        TaxTerms(D(0), rates_by_kind=rates, rounding=RoundingPoint.ON_TOTAL), lines, "GBP"
    )
    assert [tax.amount for tax in per_line] == [D("0.02"), D("0.01")]
    assert [tax.amount for tax in on_total] == [D("0.02"), D("0.00")]
    assert on_total[-1].explanation[-1] == (
        "Rounded on the tax total (half up): the exact tax total 0.02 rounds to GBP 0.02; the "
        "other lines show GBP 0.02, so this last line takes the remainder GBP 0.00 (exact 0.005)"
    )


def test_a_tax_line_lists_what_it_taxes() -> None:
    (tax,) = tax_lines(TaxTerms(D(20), name="VAT"), LINES, "GBP")
    assert tax.rate == D("0.2")
    assert tax.explanation == (
        "Taxable at 20%: fee 1,000 + servers:arc 200 + credit -100 = GBP 1,100.00 (credits reduce "
        "the taxable amount)",
        "VAT = GBP 1,100.00 × 20% = GBP 220.00",
    )


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (
            20,  # written out in full
            "Taxable at 20%: "
            + " + ".join(f"ts-{number} {number}" for number in range(1, 21))
            + " = GBP 210.00 (credits reduce the taxable amount)",
        ),
        (
            1_000,  # the first ten, then how many more and their sum
            "Taxable at 20%: "
            + " + ".join(f"ts-{number} {number}" for number in range(1, 11))
            + " + … and 990 more lines, GBP 500,445.00 = GBP 500,500.00 (credits reduce the "
            "taxable amount)",
        ),
    ],
)
def test_a_tax_line_over_many_lines_names_the_first_and_counts_the_rest(
    count: int, expected: str
) -> None:
    lines = tuple(
        line(ChargeKind.UNIT, f"ts-{number}", str(number)) for number in range(1, count + 1)
    )
    (tax,) = tax_lines(TaxTerms(D(20)), lines, "GBP")
    assert tax.explanation[0] == expected
    assert tax.quantity == D(count * (count + 1) // 2)


def test_tax_on_tax_is_refused() -> None:
    with pytest.raises(ValueError, match="tax is not charged on tax"):
        TaxTerms(D(20), rates_by_kind={ChargeKind.TAX: D(1)})


@pytest.mark.parametrize(
    ("amount", "same_line", "shown", "steps"),
    [
        ("1000.00", True, "1000.00", 0),  # already as shown: the line itself
        ("1000", False, "1000.00", 0),  # same value, shown to the penny: no step
        ("1000.005", False, "1000.01", 1),  # rounded: says so
    ],
)
def test_rounding_a_line_copies_it_only_when_that_changes_it(
    amount: str, same_line: bool, shown: str, steps: int
) -> None:
    original = line(ChargeKind.FIXED, "fee", amount)
    rounded = round_line(original, "GBP", Rounding.HALF_UP)
    assert (rounded is original) is same_line
    assert str(rounded.amount) == shown
    assert len(rounded.explanation) == steps
    assert (rounded.kind, rounded.id, rounded.flags) == (original.kind, original.id, ())
