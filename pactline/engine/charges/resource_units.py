"""Resource units: a baseline volume with a base charge, additional and reduced resource charges
(ARC/RRC) for deviations outside a deadband, and the annual true-up of the baseline.

Decisions worth knowing (each is also spelt out in the explanations):

* The deviation D = actual − baseline is charged as ARC when D ≥ 0 and credited as RRC when
  D < 0; a statement always carries one of the two lines, zero inside the deadband, so it
  shows why nothing was charged.
* A volume exactly on the deadband edge is inside it ("within ±5%" includes 5%).
* Bands are ranges of the deviation measured from the baseline (in units or % of baseline),
  not from the deadband edge. In exclusion mode the units inside the deadband are simply not
  priced; in trigger mode every unit of the deviation is priced through the bands.
* Partial units are rounded (if the contract says so) after the deadband is taken off: it is
  the chargeable units the contract counts. Priced through bands, they run from the rounded
  deviation back towards the baseline.
* A category without RRC terms earns nothing below baseline, and its line says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

from pactline.engine.charges.common import (
    HUNDRED,
    ZERO,
    BillingPeriod,
    ChargeKind,
    ChargeLine,
    decimal_field,
    money,
    negated,
    num,
    optional_decimal_field,
    pct,
    total,
)
from pactline.engine.charges.tiers import (
    BeyondLastBand,
    Tier,
    TieredAmount,
    price_range,
    validate_tiers,
)
from pactline.engine.money import to_decimal

__all__ = [
    "BandMode",
    "BandTable",
    "Deadband",
    "DeadbandMode",
    "Measure",
    "ResourceUnitCategory",
    "TrueUpResult",
    "TrueUpTerms",
    "UnitRounding",
    "annual_true_up",
    "base_charge",
    "baseline_for",
    "deviation_charge",
]


class Measure(StrEnum):
    """What a deadband or band limit is measured in."""

    PERCENT_OF_BASELINE = "percent_of_baseline"
    UNITS = "units"


class DeadbandMode(StrEnum):
    """What is charged once the deviation leaves the deadband."""

    EXCLUSION = "exclusion"  # only the units beyond the deadband
    TRIGGER = "trigger"  # the whole deviation


class BandMode(StrEnum):
    """How ARC/RRC bands price the chargeable units."""

    INCREMENTAL = "incremental"  # each unit at its band's rate
    ALL_UNITS = "all_units"  # every chargeable unit at the rate of the band reached


class UnitRounding(StrEnum):
    """How partial chargeable units are counted."""

    NONE = "none"
    UP = "up"
    NEAREST = "nearest"


@dataclass(frozen=True)
class Deadband:
    """The tolerance around the baseline inside which no ARC or RRC is due (zero allowed)."""

    value: Decimal = ZERO
    measure: Measure = Measure.PERCENT_OF_BASELINE

    def __post_init__(self) -> None:
        decimal_field(self, "value", minimum=ZERO)
        object.__setattr__(self, "measure", Measure(self.measure))

    def units(self, baseline: Decimal) -> tuple[Decimal, str]:
        """The deadband in units for `baseline`, and how it was worked out."""
        if self.measure is Measure.UNITS:
            return self.value, f"Deadband ±{num(self.value)} units"
        units = baseline * self.value / HUNDRED
        return units, (
            f"Deadband ±{pct(self.value)} of baseline: {num(baseline)} × {pct(self.value)} = "
            f"{num(units)} units"
        )


@dataclass(frozen=True)
class BandTable:
    """ARC or RRC bands: successive ranges of the deviation from baseline, with their rates."""

    bands: tuple[Tier, ...]
    mode: BandMode = BandMode.INCREMENTAL
    measure: Measure = Measure.UNITS
    beyond: BeyondLastBand = BeyondLastBand.RENEGOTIATE

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", tuple(self.bands))
        object.__setattr__(self, "mode", BandMode(self.mode))
        object.__setattr__(self, "measure", Measure(self.measure))
        object.__setattr__(self, "beyond", BeyondLastBand(self.beyond))
        validate_tiers(self.bands, "band")

    def in_units(self, baseline: Decimal) -> tuple[Tier, ...]:
        """The bands with limits in units of deviation for `baseline`."""
        if self.measure is Measure.UNITS:
            return self.bands
        return tuple(
            Tier(
                lower=baseline * band.lower / HUNDRED,
                upper=None if band.upper is None else baseline * band.upper / HUNDRED,
                unit_price=band.unit_price,
                includes_lower=band.includes_lower,
                includes_upper=band.includes_upper,
                name=band.name,
            )
            for band in self.bands
        )

    def scaled(self, factor: Decimal) -> BandTable:
        """The same bands with every rate multiplied by `factor` (RRC as a factor of ARC)."""
        bands = tuple(
            Tier(
                lower=band.lower,
                upper=band.upper,
                unit_price=band.unit_price * factor,
                includes_lower=band.includes_lower,
                includes_upper=band.includes_upper,
                name=band.name,
            )
            for band in self.bands
        )
        return BandTable(bands, self.mode, self.measure, self.beyond)


@dataclass(frozen=True)
class TrueUpTerms:
    """The annual true-up: the baseline is reset when the year's average leaves this deadband."""

    deadband: Deadband = field(default_factory=Deadband)


@dataclass(frozen=True)
class ResourceUnitCategory:
    """A resource unit category (servers, desktops, FTEs) with its baseline, rates and bands.

    The baseline is a constant, or a schedule keyed by the start date of each billing period
    (a scheduled value wins over the constant). ARC is priced by `arc_rate` or `arc_bands`;
    RRC by `rrc_rate`, `rrc_bands`, or `rrc_factor` × the ARC rate (or bands), or not at all.
    """

    id: str
    description: str
    unit: str
    base_rate: Decimal
    baseline: Decimal | None = None
    baseline_schedule: Mapping[date, Decimal] = field(default_factory=dict)
    deadband: Deadband = field(default_factory=Deadband)
    mode: DeadbandMode = DeadbandMode.EXCLUSION
    arc_rate: Decimal | None = None
    arc_bands: BandTable | None = None
    rrc_rate: Decimal | None = None
    rrc_factor: Decimal | None = None
    rrc_bands: BandTable | None = None
    unit_rounding: UnitRounding = UnitRounding.NONE
    true_up: TrueUpTerms | None = None

    def __post_init__(self) -> None:
        decimal_field(self, "base_rate", minimum=ZERO)
        optional_decimal_field(self, "baseline", minimum=ZERO)
        optional_decimal_field(self, "arc_rate", minimum=ZERO)
        optional_decimal_field(self, "rrc_rate", minimum=ZERO)
        optional_decimal_field(self, "rrc_factor", minimum=ZERO)
        schedule = {
            on: to_decimal(value, f"baseline_schedule[{on.isoformat()}]")
            for on, value in self.baseline_schedule.items()
        }
        for on, value in schedule.items():
            if value < 0:
                raise ValueError(
                    f"resource unit category '{self.id}': the baseline for {on.isoformat()} "
                    f"cannot be negative (got {num(value)})"
                )
        # Frozen copy: a later edit to the caller's dict must not change computed charges.
        object.__setattr__(self, "baseline_schedule", MappingProxyType(schedule))
        object.__setattr__(self, "mode", DeadbandMode(self.mode))
        object.__setattr__(self, "unit_rounding", UnitRounding(self.unit_rounding))
        where = f"resource unit category '{self.id}'"
        if self.baseline is None and not schedule:
            raise ValueError(f"{where}: give a baseline or a baseline_schedule")
        if (self.arc_rate is None) == (self.arc_bands is None):
            raise ValueError(f"{where}: give exactly one of arc_rate or arc_bands")
        rrc_terms = [self.rrc_rate, self.rrc_factor, self.rrc_bands]
        if sum(term is not None for term in rrc_terms) > 1:
            raise ValueError(f"{where}: give at most one of rrc_rate, rrc_factor or rrc_bands")

    def __hash__(self) -> int:
        """Hash by value, so terms holding a category stay usable as cache keys."""
        return hash(
            (
                self.id,
                self.base_rate,
                self.baseline,
                frozenset(self.baseline_schedule.items()),
                self.deadband,
                self.mode,
                self.arc_rate,
                self.arc_bands,
                self.rrc_rate,
                self.rrc_factor,
                self.rrc_bands,
                self.unit_rounding,
                self.true_up,
            )
        )


def _baseline_on(category: ResourceUnitCategory, start_on: date) -> tuple[Decimal, str]:
    """The contractual baseline for the period starting `start_on`, and where it came from."""
    scheduled = category.baseline_schedule.get(start_on)
    if scheduled is not None:
        return scheduled, (
            f"Baseline {num(scheduled)} (unit: {category.unit}; from the schedule, period "
            f"starting {start_on.isoformat()})"
        )
    if category.baseline is None:
        raise ValueError(
            f"resource unit category '{category.id}' has no baseline for the period starting "
            f"{start_on.isoformat()}: the schedule has no entry for it and there is no constant "
            "baseline"
        )
    return category.baseline, f"Baseline {num(category.baseline)} (unit: {category.unit})"


def baseline_for(category: ResourceUnitCategory, period: BillingPeriod) -> tuple[Decimal, str]:
    """The contractual baseline volume for `period`, and where it came from."""
    return _baseline_on(category, period.start_on)


def base_charge(category: ResourceUnitCategory, period: BillingPeriod, currency: str) -> ChargeLine:
    """The base charge for the period: contractual baseline × base rate (unrounded)."""
    baseline, source = baseline_for(category, period)
    amount = baseline * category.base_rate
    return ChargeLine(
        kind=ChargeKind.RESOURCE_BASE,
        id=f"{category.id}:base",
        description=f"{category.description}: base charge",
        quantity=baseline,
        rate=category.base_rate,
        amount=amount,
        explanation=(
            source,
            f"Base charge = {num(baseline)} × {num(category.base_rate)} = "
            f"{money(amount, currency)}",
        ),
    )


def _round_units(units: Decimal, rounding: UnitRounding) -> tuple[Decimal, str | None]:
    """Chargeable units after the contract's rounding of partial units."""
    if rounding is UnitRounding.NONE or units == units.to_integral_value():
        return units, None
    if rounding is UnitRounding.UP:
        rounded = units.to_integral_value(rounding=ROUND_CEILING)
        return rounded, f"Partial units round up: {num(units)} → {num(rounded)}"
    rounded = units.to_integral_value(rounding=ROUND_HALF_UP)
    return rounded, f"Partial units round to the nearest unit: {num(units)} → {num(rounded)}"


@dataclass(frozen=True)
class _Pricing:
    """How one direction (ARC or RRC) of a category is priced."""

    rate: Decimal | None
    bands: BandTable | None
    source: str


def _pricing(category: ResourceUnitCategory, kind: ChargeKind) -> _Pricing | None:
    """The ARC or RRC pricing of the category, or None when the contract has no RRC."""
    if kind is ChargeKind.ARC:
        if category.arc_bands is not None:
            return _Pricing(None, category.arc_bands, "ARC bands")
        return _Pricing(category.arc_rate, None, f"ARC rate {num(category.arc_rate or ZERO)}")
    if category.rrc_bands is not None:
        return _Pricing(None, category.rrc_bands, "RRC bands")
    if category.rrc_rate is not None:
        return _Pricing(category.rrc_rate, None, f"RRC rate {num(category.rrc_rate)}")
    if category.rrc_factor is not None:
        factor = category.rrc_factor
        if category.arc_bands is not None:
            return _Pricing(
                None,
                category.arc_bands.scaled(factor),
                f"RRC bands = the ARC bands with each rate × {num(factor)}",
            )
        arc_rate = category.arc_rate or ZERO
        rate = arc_rate * factor
        return _Pricing(
            rate, None, f"RRC rate = {num(factor)} × ARC rate {num(arc_rate)} = {num(rate)}"
        )
    return None


def deviation_charge(
    category: ResourceUnitCategory,
    baseline: Decimal,
    actual: Decimal,
    currency: str,
) -> ChargeLine:
    """The ARC (volume above baseline) or RRC (below, negative) line for one period, unrounded."""
    baseline = to_decimal(baseline, "baseline")
    actual = to_decimal(actual, "actual")
    if actual < 0:
        raise ValueError(
            f"resource unit category '{category.id}': actual volume cannot be negative "
            f"(got {num(actual)})"
        )
    deviation = actual - baseline
    kind = ChargeKind.ARC if deviation >= 0 else ChargeKind.RRC
    name = kind.value.upper()
    magnitude = abs(deviation)
    band_units, band_text = category.deadband.units(baseline)
    direction = "above" if deviation >= 0 else "below"
    steps = [
        f"{category.description}: actual {num(actual)} against baseline {num(baseline)}: "
        f"deviation D = {num(actual)} − {num(baseline)} = {num(deviation)} ({num(magnitude)} "
        f"{direction} baseline)",
        band_text,
    ]
    line_id = f"{category.id}:{kind.value}"
    description = f"{category.description}: {name}"

    def line(
        quantity: Decimal,
        rate: Decimal | None,
        amount: Decimal,
        flags: tuple[str, ...] = (),
    ) -> ChargeLine:
        def signed(value: Decimal) -> Decimal:
            return value if kind is ChargeKind.ARC else negated(value)

        steps.append(f"{name} = {money(signed(amount), currency)}")
        return ChargeLine(
            kind=kind,
            id=line_id,
            description=description,
            quantity=signed(quantity),
            rate=rate,
            amount=signed(amount),
            explanation=tuple(steps),
            flags=flags,
        )

    if magnitude <= band_units:
        steps.append(
            f"{num(magnitude)} is within the deadband of ±{num(band_units)}: no {name} is due"
        )
        return line(ZERO, None, ZERO)
    pricing = _pricing(category, kind)
    if pricing is None:
        steps.append("The contract gives no reduced resource charge (RRC) below baseline")
        return line(ZERO, None, ZERO)
    if category.mode is DeadbandMode.EXCLUSION:
        units = magnitude - band_units
        steps.append(
            f"Exclusion mode: only units beyond the deadband are charged: "
            f"max(0, {num(magnitude)} − {num(band_units)}) = {num(units)} units"
        )
    else:
        units = magnitude
        steps.append(
            f"Trigger mode: {num(magnitude)} is outside the deadband of ±{num(band_units)}, so "
            f"the whole deviation is charged: {num(units)} units"
        )
    units, rounding_step = _round_units(units, category.unit_rounding)
    if rounding_step:
        steps.append(rounding_step)
    # The chargeable units end at the (rounded) deviation and run back towards the baseline.
    # Without rounding that is exactly "from the deadband edge to D"; with rounding it keeps
    # the excluded units a part of the triggered ones, so exclusion never charges more.
    top, _ = _round_units(magnitude, category.unit_rounding)
    low = max(ZERO, top - units)
    if pricing.bands is None:
        rate = pricing.rate or ZERO
        amount = units * rate
        steps.append(f"{pricing.source}: {num(units)} × {num(rate)} = {num(amount)}")
        return line(units, rate, amount)
    priced = _price_bands(pricing.bands, baseline, low, top, kind)
    steps.append(
        f"{pricing.source} ({pricing.bands.mode.value.replace('_', '-')}, limits in "
        f"{_measure_words(pricing.bands.measure)}):"
    )
    steps.extend(priced.explanation)
    if kind is ChargeKind.RRC and priced.unpriced_units > 0:
        limit = pricing.bands.in_units(baseline)[-1].upper or ZERO
        steps.append(
            f"The last RRC band ends {num(limit)} units below baseline, so it acts as a "
            f"minimum commitment of {num(baseline - limit)} (unit: {category.unit})"
        )
    return line(priced.units, priced.single_rate, priced.amount, priced.flags)


def _measure_words(measure: Measure) -> str:
    """ "units" or "% of baseline"."""
    return "units" if measure is Measure.UNITS else "% of baseline"


def _price_bands(
    table: BandTable, baseline: Decimal, low: Decimal, high: Decimal, kind: ChargeKind
) -> TieredAmount:
    """The chargeable deviation from `low` to `high` priced through the band table."""
    return price_range(
        table.in_units(baseline),
        graduated=table.mode is BandMode.INCREMENTAL,
        low=low,
        high=high,
        beyond=table.beyond,
        word=f"{kind.value.upper()} band",
    )


@dataclass(frozen=True)
class TrueUpResult:
    """The annual true-up of one category: the year's average against its baseline."""

    category_id: str
    average_volume: Decimal
    average_baseline: Decimal
    deviation: Decimal
    deadband_units: Decimal
    new_baseline: Decimal | None
    applies_from: date
    explanation: tuple[str, ...]

    @property
    def triggered(self) -> bool:
        """Whether the baseline changes."""
        return self.new_baseline is not None


def annual_true_up(
    category: ResourceUnitCategory,
    volumes: Mapping[date, Decimal],
    applies_from: date,
) -> TrueUpResult:
    """Reset the baseline to the year's average volume when it leaves the true-up deadband.

    `volumes` maps the start date of each billing period of the year to its actual volume.
    The new baseline (and base charge) apply from `applies_from`: never retrospectively.
    """
    if category.true_up is None:
        raise ValueError(f"resource unit category '{category.id}' has no true-up terms")
    if not volumes:
        raise ValueError(f"true-up of '{category.id}': give the volumes of the year's periods")
    starts = sorted(volumes)
    actuals = [to_decimal(volumes[on], f"volumes[{on.isoformat()}]") for on in starts]
    baselines = [_baseline_on(category, on)[0] for on in starts]
    count = Decimal(len(starts))
    average = total(actuals) / count
    average_baseline = total(baselines) / count
    deviation = average - average_baseline
    band_units, band_text = category.true_up.deadband.units(average_baseline)
    period_words = f"{len(starts)} periods from {starts[0].isoformat()} to {starts[-1].isoformat()}"
    steps = [
        f"{category.description}: average volume over {period_words} = "
        f"{' + '.join(num(value) for value in actuals)} / {len(starts)} = {num(average)}"
        if len(actuals) <= 12
        else f"{category.description}: average volume over {period_words} = {num(average)}",
        f"Average baseline over the same periods = {num(average_baseline)}",
        f"Difference = {num(average)} − {num(average_baseline)} = {num(deviation)}",
        f"True-up {band_text[0].lower()}{band_text[1:]}",
    ]
    if abs(deviation) <= band_units:
        steps.append(
            f"{num(abs(deviation))} is within the true-up deadband of ±{num(band_units)}: "
            "the baseline is unchanged"
        )
        new_baseline: Decimal | None = None
    else:
        new_baseline = average
        steps.append(
            f"{num(abs(deviation))} is more than the true-up deadband of ±{num(band_units)}: "
            f"from {applies_from.isoformat()} the baseline becomes {num(average)} and the base "
            f"charge {num(average)} × {num(category.base_rate)} = "
            f"{num(average * category.base_rate)} per period (prospectively; past periods are "
            "not re-charged)"
        )
    return TrueUpResult(
        category_id=category.id,
        average_volume=average,
        average_baseline=average_baseline,
        deviation=deviation,
        deadband_units=band_units,
        new_baseline=new_baseline,
        applies_from=applies_from,
        explanation=tuple(steps),
    )
