"""Resource units: base charges, ARC/RRC with deadbands, modes, bands and rounding, and true-up."""

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
    BandMode,
    BandTable,
    BeyondLastBand,
    BillingPeriod,
    ChargeKind,
    Deadband,
    DeadbandMode,
    Measure,
    ResourceUnitCategory,
    Tier,
    TrueUpTerms,
    UnitRounding,
    annual_true_up,
    base_charge,
    baseline_for,
    deviation_charge,
)

D = Decimal
MARCH = BillingPeriod(date(2026, 3, 1))


def servers(**changes: Any) -> ResourceUnitCategory:
    """DOMAIN.md's illustration: baseline 2,000, deadband 5% (100 units), ARC rate 12."""
    fields: dict[str, Any] = {
        "id": "servers",
        "description": "Servers",
        "unit": "server",
        "base_rate": D(10),
        "baseline": D(2000),
        "deadband": Deadband(D(5)),
        "arc_rate": D(12),
        "rrc_rate": D(8),
    }
    fields.update(changes)
    return ResourceUnitCategory(**fields)


EXCLUSION, TRIGGER = DeadbandMode.EXCLUSION, DeadbandMode.TRIGGER


@pytest.mark.parametrize(
    ("category", "actual", "kind", "quantity", "amount"),
    [
        pytest.param(servers(), D(2150), ChargeKind.ARC, D(50), D(600), id="domain-exclusion"),
        pytest.param(
            servers(mode=TRIGGER), D(2150), ChargeKind.ARC, D(150), D(1800), id="domain-trigger"
        ),
        pytest.param(servers(), D(2100), ChargeKind.ARC, D(0), D(0), id="on-the-edge-is-inside"),
        pytest.param(servers(mode=TRIGGER), D(2100), ChargeKind.ARC, D(0), D(0), id="trig-edge"),
        pytest.param(
            servers(mode=TRIGGER), D(2101), ChargeKind.ARC, D(101), D(1212), id="trig-just-out"
        ),
        pytest.param(servers(), D(2000), ChargeKind.ARC, D(0), D(0), id="on-baseline"),
        pytest.param(servers(), D(1850), ChargeKind.RRC, D(-50), D(-400), id="rrc-exclusion"),
        pytest.param(
            servers(mode=TRIGGER), D(1850), ChargeKind.RRC, D(-150), D(-1200), id="rrc-trigger"
        ),
        pytest.param(
            servers(deadband=Deadband(D(30), Measure.UNITS)),
            D(2150),
            ChargeKind.ARC,
            D(120),
            D(1440),
            id="deadband-in-units",
        ),
        pytest.param(
            servers(deadband=Deadband()), D(2150), ChargeKind.ARC, D(150), D(1800), id="no-band"
        ),
        pytest.param(
            servers(rrc_rate=None, rrc_factor=D("0.5")),
            D(1850),
            ChargeKind.RRC,
            D(-50),
            D(-300),
            id="rrc-factor-of-arc",
        ),
        pytest.param(
            servers(rrc_rate=None), D(1800), ChargeKind.RRC, D(0), D(0), id="no-rrc-terms"
        ),
        pytest.param(
            servers(), D("2150.3"), ChargeKind.ARC, D("50.3"), D("603.6"), id="partial-kept"
        ),
        pytest.param(
            servers(unit_rounding=UnitRounding.UP),
            D("2150.3"),
            ChargeKind.ARC,
            D(51),
            D(612),
            id="partial-up",
        ),
        pytest.param(
            servers(unit_rounding=UnitRounding.NEAREST),
            D("2150.3"),
            ChargeKind.ARC,
            D(50),
            D(600),
            id="partial-nearest-down",
        ),
        pytest.param(
            servers(unit_rounding=UnitRounding.NEAREST),
            D("2150.5"),
            ChargeKind.ARC,
            D(51),
            D(612),
            id="partial-nearest-half-up",
        ),
    ],
)
def test_arc_and_rrc_follow_the_deadband_mode_and_rates(
    category: ResourceUnitCategory,
    actual: Decimal,
    kind: ChargeKind,
    quantity: Decimal,
    amount: Decimal,
) -> None:
    line = deviation_charge(category, D(2000), actual, "GBP")
    assert (line.kind, line.quantity, line.amount) == (kind, quantity, amount)


def test_the_domain_illustration_explains_exclusion_mode_step_by_step() -> None:
    line = deviation_charge(servers(), D(2000), D(2150), "GBP")
    assert line.id == "servers:arc"
    assert line.explanation == (
        "Servers: actual 2,150 against baseline 2,000: deviation D = 2,150 − 2,000 = 150 "
        "(150 above baseline)",
        "Deadband ±5% of baseline: 2,000 × 5% = 100 units",
        "Exclusion mode: only units beyond the deadband are charged: max(0, 150 − 100) = 50 units",
        "ARC rate 12: 50 × 12 = 600",
        "ARC = GBP 600.00",
    )


def test_the_domain_illustration_explains_trigger_mode() -> None:
    line = deviation_charge(servers(mode=TRIGGER), D(2000), D(2150), "GBP")
    assert (
        "Trigger mode: 150 is outside the deadband of ±100, so the whole deviation is charged: "
        "150 units"
    ) in line.explanation
    assert line.explanation[-1] == "ARC = GBP 1,800.00"


def test_a_deviation_inside_the_deadband_says_nothing_is_due() -> None:
    line = deviation_charge(servers(), D(2000), D(1950), "GBP")
    assert line.kind is ChargeKind.RRC
    assert "50 is within the deadband of ±100: no RRC is due" in line.explanation


def test_a_category_without_rrc_terms_says_so() -> None:
    line = deviation_charge(servers(rrc_rate=None), D(2000), D(1800), "GBP")
    assert "The contract gives no reduced resource charge (RRC) below baseline" in line.explanation


def test_rounding_partial_units_is_explained() -> None:
    line = deviation_charge(servers(unit_rounding="up"), D(2000), D("2150.3"), "GBP")
    assert "Partial units round up: 50.3 → 51" in line.explanation


# -- bands -------------------------------------------------------------------------------------

# Deviation from baseline (units): under 100 at 12, 100 to under 200 at 10, 200 to under 300 at 8.
ARC_BANDS = (Tier(D(0), D(100), D(12)), Tier(D(100), D(200), D(10)), Tier(D(200), D(300), D(8)))


def banded(
    band_mode: BandMode = BandMode.INCREMENTAL,
    beyond: BeyondLastBand = BeyondLastBand.RENEGOTIATE,
    **changes: Any,
) -> ResourceUnitCategory:
    """The servers category priced through ARC_BANDS."""
    return servers(
        arc_rate=None, arc_bands=BandTable(ARC_BANDS, mode=band_mode, beyond=beyond), **changes
    )


INCREMENTAL, ALL_UNITS = BandMode.INCREMENTAL, BandMode.ALL_UNITS
RENEGOTIATE, LAST_RATE, CAP = (
    BeyondLastBand.RENEGOTIATE,
    BeyondLastBand.LAST_RATE,
    BeyondLastBand.CAP,
)


@pytest.mark.parametrize(
    ("category", "actual", "quantity", "amount", "flags"),
    [
        pytest.param(banded(), D(2250), D(150), D(1400), (), id="incremental-exclusion"),
        pytest.param(
            banded(INCREMENTAL, mode=TRIGGER), D(2250), D(250), D(2600), (), id="incr-trigger"
        ),
        pytest.param(banded(ALL_UNITS), D(2250), D(150), D(1200), (), id="all-units-exclusion"),
        pytest.param(
            banded(ALL_UNITS, mode=TRIGGER), D(2250), D(250), D(2000), (), id="all-units-trigger"
        ),
        pytest.param(
            banded(INCREMENTAL, RENEGOTIATE),
            D(2400),
            D(200),
            D(1800),
            (RENEGOTIATION_FLAG,),
            id="incremental-beyond-renegotiate",
        ),
        pytest.param(
            banded(INCREMENTAL, LAST_RATE), D(2400), D(300), D(2600), (), id="incr-beyond-last"
        ),
        pytest.param(banded(INCREMENTAL, CAP), D(2400), D(200), D(1800), (), id="incr-beyond-cap"),
        pytest.param(
            banded(ALL_UNITS, RENEGOTIATE),
            D(2400),
            D(200),
            D(1600),
            (RENEGOTIATION_FLAG,),
            id="all-units-beyond-renegotiate",
        ),
        pytest.param(
            banded(ALL_UNITS, LAST_RATE), D(2400), D(300), D(2400), (), id="all-beyond-last"
        ),
        pytest.param(banded(ALL_UNITS, CAP), D(2400), D(200), D(1600), (), id="all-beyond-cap"),
    ],
)
def test_arc_bands_price_incrementally_or_all_units_with_the_rule_beyond_the_last_band(
    category: ResourceUnitCategory,
    actual: Decimal,
    quantity: Decimal,
    amount: Decimal,
    flags: tuple[str, ...],
) -> None:
    line = deviation_charge(category, D(2000), actual, "GBP")
    assert (line.quantity, line.amount, line.flags) == (quantity, amount, flags)


def test_units_beyond_the_last_band_are_flagged_for_renegotiation_in_the_explanation() -> None:
    line = deviation_charge(banded(), D(2000), D(2400), "GBP")
    assert "Incremental: 1,000 + 800 = 1,800" in line.explanation
    assert (
        "100 units past the end of ARC band 3 (from 200 to under 300) are not priced: the "
        "contract calls for renegotiation (flagged)"
    ) in line.explanation


def test_bands_in_percent_of_baseline_are_converted_to_units() -> None:
    bands = BandTable(
        (Tier(D(0), D(5), D(12)), Tier(D(5), D(10), D(10)), Tier(D(10), None, D(8))),
        measure=Measure.PERCENT_OF_BASELINE,
    )
    category = servers(arc_rate=None, arc_bands=bands, deadband=Deadband())
    line = deviation_charge(category, D(2000), D(2250), "GBP")
    assert line.amount == D(12) * 100 + D(10) * 100 + D(8) * 50
    assert "ARC bands (incremental, limits in % of baseline):" in line.explanation


def test_the_last_rrc_band_acts_as_a_minimum_commitment() -> None:
    rrc_bands = BandTable((Tier(D(0), D(200), D(8)), Tier(D(200), D(400), D(6))), beyond=CAP)
    category = servers(rrc_rate=None, rrc_bands=rrc_bands)
    line = deviation_charge(category, D(2000), D(1500), "GBP")
    # Units 100 to 200 below baseline at 8, 200 to 400 at 6; nothing below 1,600.
    assert line.amount == D(-2000)
    assert line.quantity == D(-300)
    assert (
        "The last RRC band ends 400 units below baseline, so it acts as a minimum commitment of "
        "1,600 (unit: server)"
    ) in line.explanation


def test_an_rrc_factor_scales_the_arc_bands() -> None:
    category = banded(rrc_rate=None, rrc_factor=D("0.5"))
    line = deviation_charge(category, D(2000), D(1750), "GBP")
    # 150 units beyond the deadband: 100 to 200 below baseline at 10 × 0.5, 200 to 250 at 8 × 0.5.
    assert line.amount == D(-700)
    assert "RRC bands = the ARC bands with each rate × 0.5 (incremental, limits in units):" in (
        line.explanation
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arc_bands": BandTable(ARC_BANDS)}, "exactly one of arc_rate or arc_bands"),
        ({"arc_rate": None}, "exactly one of arc_rate or arc_bands"),
        ({"rrc_factor": D(1)}, "at most one of rrc_rate, rrc_factor or rrc_bands"),
        ({"baseline": None}, "give a baseline or a baseline_schedule"),
        ({"base_rate": D(-1)}, "base_rate cannot be below 0"),
        ({"baseline_schedule": {date(2026, 3, 1): D(-5)}}, "for 2026-03-01 cannot be negative"),
    ],
)
def test_inconsistent_resource_unit_terms_are_refused(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        servers(**changes)


def test_bands_that_leave_a_gap_are_refused_naming_the_band() -> None:
    with pytest.raises(ValueError, match="gap before band 2"):
        BandTable((Tier(D(0), D(100), D(12)), Tier(D(150), None, D(10))))


def test_a_negative_actual_volume_is_refused() -> None:
    with pytest.raises(ValueError, match="actual volume cannot be negative"):
        deviation_charge(servers(), D(2000), D(-1), "GBP")


# -- baselines and base charges ----------------------------------------------------------------


def test_the_base_charge_is_the_baseline_times_the_base_rate() -> None:
    line = base_charge(servers(), MARCH, "GBP")
    assert (line.kind, line.id, line.quantity, line.rate, line.amount) == (
        ChargeKind.RESOURCE_BASE,
        "servers:base",
        D(2000),
        D(10),
        D(20000),
    )
    assert line.explanation == (
        "Baseline 2,000 (unit: server)",
        "Base charge = 2,000 × 10 = GBP 20,000.00",
    )


def test_a_scheduled_baseline_wins_over_the_constant() -> None:
    category = servers(baseline_schedule={date(2026, 3, 1): D(2100)})
    assert baseline_for(category, MARCH)[0] == D(2100)
    assert baseline_for(category, MARCH.shifted(1))[0] == D(2000)


def test_a_period_missing_from_a_schedule_without_a_constant_is_an_error() -> None:
    category = servers(baseline=None, baseline_schedule={date(2026, 3, 1): D(2100)})
    with pytest.raises(ValueError, match="no baseline for the period starting 2026-04-01"):
        baseline_for(category, MARCH.shifted(1))


def test_a_category_stays_hashable_with_a_schedule() -> None:
    category = servers(baseline_schedule={date(2026, 3, 1): D(2100)})
    assert hash(category) == hash(replace(category))


# -- true-up -----------------------------------------------------------------------------------

YEAR = [date(2026, month, 1) for month in range(1, 13)]


def test_a_true_up_outside_its_deadband_resets_the_baseline_prospectively() -> None:
    category = servers(true_up=TrueUpTerms(Deadband(D(5))))
    result = annual_true_up(category, dict.fromkeys(YEAR, D(2150)), date(2027, 1, 1))
    assert result.triggered
    assert result.new_baseline == D(2150)
    assert result.deviation == D(150)
    assert result.deadband_units == D(100)
    assert result.explanation[-1] == (
        "150 is more than the true-up deadband of ±100: from 2027-01-01 the baseline becomes "
        "2,150 and the base charge 2,150 × 10 = 21,500 per period (prospectively; past periods "
        "are not re-charged)"
    )


def test_a_true_up_inside_its_deadband_leaves_the_baseline_alone() -> None:
    category = servers(true_up=TrueUpTerms(Deadband(D(5))))
    volumes = {on: D(2000) + (D(160) if on.month == 1 else D(0)) for on in YEAR}
    result = annual_true_up(category, volumes, date(2027, 1, 1))
    assert not result.triggered
    assert result.new_baseline is None
    assert result.average_volume == D(2000) + D(160) / 12
    assert "the baseline is unchanged" in result.explanation[-1]


def test_a_true_up_compares_against_the_scheduled_baselines() -> None:
    schedule = {on: D(1900) + 10 * on.month for on in YEAR}  # average 1,965
    category = servers(baseline=None, baseline_schedule=schedule, true_up=TrueUpTerms(Deadband()))
    result = annual_true_up(category, dict.fromkeys(YEAR, D(2000)), date(2027, 1, 1))
    assert result.average_baseline == D(1965)
    assert result.new_baseline == D(2000)


def test_a_true_up_needs_true_up_terms() -> None:
    with pytest.raises(ValueError, match="has no true-up terms"):
        annual_true_up(servers(), dict.fromkeys(YEAR, D(1)), date(2027, 1, 1))


# -- properties --------------------------------------------------------------------------------

volumes = st.decimals(min_value=0, max_value=10_000, places=2)
percent = st.decimals(min_value=0, max_value=50, places=2)
rates = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def pricing(draw: st.DrawFn) -> dict[str, Any]:
    """A single ARC rate, or bands of any mode and beyond-rule, with any rounding."""
    rounding = draw(st.sampled_from(UnitRounding))
    if draw(st.booleans()):
        return {"arc_rate": draw(rates), "unit_rounding": rounding, "rrc_factor": draw(rates)}
    widths = draw(
        st.lists(st.decimals(min_value=1, max_value=500, places=1), min_size=1, max_size=4)
    )
    band_rates = draw(st.lists(rates, min_size=len(widths), max_size=len(widths)))
    bands, lower = [], D(0)
    for width, rate in zip(widths, band_rates, strict=True):
        bands.append(Tier(lower, lower + width, rate))
        lower += width
    table = BandTable(
        tuple(bands),
        mode=draw(st.sampled_from(BandMode)),
        beyond=draw(st.sampled_from(BeyondLastBand)),
    )
    return {
        "arc_rate": None,
        "arc_bands": table,
        "rrc_factor": draw(rates),
        "unit_rounding": rounding,
    }


@given(baseline=volumes, actual=volumes, deadband=percent, terms=pricing())
def test_exclusion_mode_never_charges_more_than_trigger_mode(
    baseline: Decimal, actual: Decimal, deadband: Decimal, terms: dict[str, Any]
) -> None:
    common = {"baseline": baseline, "deadband": Deadband(deadband), "rrc_rate": None, **terms}
    exclusion = deviation_charge(servers(mode=EXCLUSION, **common), baseline, actual, "GBP")
    trigger = deviation_charge(servers(mode=TRIGGER, **common), baseline, actual, "GBP")
    assert abs(exclusion.amount) <= abs(trigger.amount)
    assert exclusion.kind is trigger.kind
