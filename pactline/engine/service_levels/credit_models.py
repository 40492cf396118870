"""Credit models: how one failed measure is priced, each with its own parameters.

Every model returns an unrounded amount and the lines that explain it; the evaluation rounds
the amount once, to the currency's minor unit, with the regime's rounding mode. Percentages
are held as percent (12 means 12%) and divided by 100 only inside the formulas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import pairwise
from typing import ClassVar, Protocol, TypeVar

from pactline.engine.money import to_decimal
from pactline.engine.service_levels._text import money, num, pct, plural
from pactline.engine.service_levels.enums import (
    CreditModelKind,
    DaysSource,
    Direction,
    PartDays,
    StepCounting,
    Unit,
)

__all__ = [
    "Banded",
    "CreditBand",
    "CreditContext",
    "CreditModel",
    "DayEquivalent",
    "Escalating",
    "PerStep",
    "PercentOfCharges",
    "PointsBand",
    "PoolAllocation",
    "Priced",
    "ServicePoints",
    "Shortfall",
]

_HUNDRED = Decimal(100)

Problems = Iterator[tuple[str, str]]
"""(field path relative to the model, what is wrong) pairs."""


@dataclass(frozen=True)
class CreditContext:
    """What a credit model needs to price one failure of one measure in one period."""

    unit: Unit
    direction: Direction
    level: Decimal
    actual: Decimal | None
    charges: Decimal
    at_risk_amount: Decimal
    pool_pct: Decimal
    category: str | None
    allocation_pct: Decimal | None
    consecutive_failures: int
    repeat_failure: bool
    currency: str

    def shortfall(self) -> tuple[Decimal, str]:
        """How far the actual fell short of the level, direction-aware, and the sum shown."""
        assert self.actual is not None
        if self.direction is Direction.HIGHER_IS_BETTER:
            gap, sum_text = self.level - self.actual, f"{num(self.level)} − {num(self.actual)}"
        else:
            gap, sum_text = self.actual - self.level, f"{num(self.actual)} − {num(self.level)}"
        return gap, f"Shortfall = {sum_text} = {num(gap)} {self.unit.gap_noun()}"

    def of_charges(self, credit_pct: Decimal) -> tuple[Decimal, str]:
        """`credit_pct` of the period's charges, and the line that shows it."""
        amount = credit_pct / _HUNDRED * self.charges
        return amount, (
            f"Credit = {pct(credit_pct)} × charges {money(self.charges, self.currency)} = "
            f"{money(amount, self.currency)}"
        )


@dataclass(frozen=True)
class Priced:
    """An unrounded credit and how it was worked out."""

    amount: Decimal
    explanation: tuple[str, ...]


class _Range(Protocol):
    """A band of actuals with explicit edges."""

    @property
    def lower(self) -> Decimal | None: ...
    @property
    def upper(self) -> Decimal | None: ...
    @property
    def lower_inclusive(self) -> bool: ...
    @property
    def upper_inclusive(self) -> bool: ...


# --------------------------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolAllocation:
    """Credit = category pool % × the measure's allocation % × the at-risk amount."""

    kind: ClassVar[CreditModelKind] = CreditModelKind.POOL_ALLOCATION
    needs_actual: ClassVar[bool] = False

    def problems(self, unit: Unit) -> Problems:
        """Nothing to check here: the allocation and category live on the measure."""
        yield from ()

    def worst_case(self) -> bool:
        """A fixed-amount model can always price a missing report."""
        return True

    def price(self, ctx: CreditContext) -> Priced:
        """The pool share of the at-risk amount."""
        assert ctx.allocation_pct is not None
        amount = ctx.pool_pct / _HUNDRED * ctx.allocation_pct / _HUNDRED * ctx.at_risk_amount
        pool = (
            f"category '{ctx.category}' pool {pct(ctx.pool_pct)} × "
            if ctx.category is not None
            else ""
        )
        return Priced(
            amount,
            (
                f"Credit = {pool}allocation {pct(ctx.allocation_pct)} × at-risk amount "
                f"{money(ctx.at_risk_amount, ctx.currency)} = {money(amount, ctx.currency)}",
            ),
        )


@dataclass(frozen=True)
class PercentOfCharges:
    """Credit = a fixed percentage of the period's charges for each failure."""

    pct: Decimal

    kind: ClassVar[CreditModelKind] = CreditModelKind.PERCENT_OF_CHARGES
    needs_actual: ClassVar[bool] = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "pct", to_decimal(self.pct, "credit.pct"))

    def problems(self, unit: Unit) -> Problems:
        """The percentage must be a share of the charges."""
        yield from _pct_problems("pct", self.pct)

    def worst_case(self) -> bool:
        """A fixed-percentage model can always price a missing report."""
        return True

    def price(self, ctx: CreditContext) -> Priced:
        """The fixed percentage of charges."""
        amount, line = ctx.of_charges(self.pct)
        return Priced(amount, (line,))


@dataclass(frozen=True)
class Shortfall:
    """Credit % = how far the actual fell short of the level (in the measure's unit) × a rate."""

    pct_per_unit: Decimal = Decimal(1)
    max_credit_pct: Decimal | None = None

    kind: ClassVar[CreditModelKind] = CreditModelKind.SHORTFALL
    needs_actual: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "pct_per_unit", to_decimal(self.pct_per_unit, "pct_per_unit"))
        object.__setattr__(self, "max_credit_pct", _optional(self.max_credit_pct, "max_credit_pct"))

    def problems(self, unit: Unit) -> Problems:
        """The rate must be positive and the maximum a share of the charges."""
        if self.pct_per_unit <= 0:
            yield "pct_per_unit", f"must be greater than 0 (got {num(self.pct_per_unit)})"
        if self.max_credit_pct is not None:
            yield from _pct_problems("max_credit_pct", self.max_credit_pct)

    def worst_case(self) -> bool:
        """A missing report can be priced only at a stated maximum."""
        return self.max_credit_pct is not None

    def price(self, ctx: CreditContext) -> Priced:
        """The shortfall times the rate, as a percentage of charges."""
        lines: list[str] = []
        if ctx.actual is None:
            assert self.max_credit_pct is not None
            credit_pct = self.max_credit_pct
            lines.append(f"No actual to price: the maximum credit {pct(credit_pct)} applies")
        else:
            gap, line = ctx.shortfall()
            lines.append(line)
            credit_pct = gap * self.pct_per_unit
            lines.append(
                f"Credit % = {num(gap)} × {pct(self.pct_per_unit)} per "
                f"{_one(ctx.unit.gap_noun())} = {pct(credit_pct)}"
            )
            credit_pct = _capped_pct(credit_pct, self.max_credit_pct, lines)
        amount, line = ctx.of_charges(credit_pct)
        lines.append(line)
        return Priced(amount, tuple(lines))


@dataclass(frozen=True)
class PerStep:
    """Credit = k% of charges for each step of shortfall, counting full steps or parts of steps."""

    pct_per_step: Decimal
    step_size: Decimal
    counting: StepCounting = StepCounting.EACH_FULL_STEP
    max_credit_pct: Decimal | None = None

    kind: ClassVar[CreditModelKind] = CreditModelKind.PER_STEP
    needs_actual: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "pct_per_step", to_decimal(self.pct_per_step, "pct_per_step"))
        object.__setattr__(self, "step_size", to_decimal(self.step_size, "step_size"))
        object.__setattr__(self, "counting", StepCounting(self.counting))
        object.__setattr__(self, "max_credit_pct", _optional(self.max_credit_pct, "max_credit_pct"))

    def problems(self, unit: Unit) -> Problems:
        """Steps must have a size and a price."""
        if self.step_size <= 0:
            yield "step_size", f"must be greater than 0 (got {num(self.step_size)})"
        yield from _pct_problems("pct_per_step", self.pct_per_step)
        if self.max_credit_pct is not None:
            yield from _pct_problems("max_credit_pct", self.max_credit_pct)

    def worst_case(self) -> bool:
        """A missing report can be priced only at a stated maximum."""
        return self.max_credit_pct is not None

    def price(self, ctx: CreditContext) -> Priced:
        """Count the steps in the shortfall, then price them."""
        lines: list[str] = []
        if ctx.actual is None:
            assert self.max_credit_pct is not None
            credit_pct = self.max_credit_pct
            lines.append(f"No actual to price: the maximum credit {pct(credit_pct)} applies")
        else:
            gap, line = ctx.shortfall()
            lines.append(line)
            # Trap: this division must be Decimal. In floats (99.9 - 99.6) / 0.1 is
            # 3.0000000000001137, and "every step or part thereof" would then count 4 steps.
            exact = gap / self.step_size
            if self.counting is StepCounting.EACH_FULL_STEP:
                steps = exact.to_integral_value(rounding=ROUND_FLOOR)
                rule = "each full step counts, a part step does not"
            else:
                steps = exact.to_integral_value(rounding=ROUND_CEILING)
                rule = "each step or part of a step counts"
            steps = max(steps, Decimal(0))
            lines.append(
                f"Steps = {num(gap)} ÷ {num(self.step_size)} = {num(exact)}; {rule}: "
                f"{plural(steps, 'step')}"
            )
            credit_pct = steps * self.pct_per_step
            lines.append(
                f"Credit % = {num(steps)} × {pct(self.pct_per_step)} per step = {pct(credit_pct)}"
            )
            credit_pct = _capped_pct(credit_pct, self.max_credit_pct, lines)
        amount, line = ctx.of_charges(credit_pct)
        lines.append(line)
        return Priced(amount, tuple(lines))


@dataclass(frozen=True)
class CreditBand:
    """A range of actuals and the credit % it earns; each edge says whether it is included."""

    credit_pct: Decimal
    lower: Decimal | None = None
    upper: Decimal | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "credit_pct", to_decimal(self.credit_pct, "credit_pct"))
        object.__setattr__(self, "lower", _optional(self.lower, "lower"))
        object.__setattr__(self, "upper", _optional(self.upper, "upper"))


@dataclass(frozen=True)
class Banded:
    """The actual falls in one band; each band has a credit % of charges."""

    bands: tuple[CreditBand, ...]

    kind: ClassVar[CreditModelKind] = CreditModelKind.BANDED
    needs_actual: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", tuple(self.bands))

    def problems(self, unit: Unit) -> Problems:
        """Bands must cover every possible actual exactly once."""
        yield from _band_problems(self.bands, unit)
        for index, band in enumerate(self.bands):
            yield from _pct_problems(f"bands[{index}].credit_pct", band.credit_pct)

    def worst_case(self) -> bool:
        """A missing report is priced at the highest band."""
        return True

    def price(self, ctx: CreditContext) -> Priced:
        """The credit % of the band the actual falls in."""
        lines: list[str] = []
        if ctx.actual is None:
            credit_pct = max(band.credit_pct for band in self.bands)
            lines.append(f"No actual to price: the highest band credit {pct(credit_pct)} applies")
        else:
            band = _band_for(self.bands, ctx.actual)
            credit_pct = band.credit_pct
            lines.append(
                f"{ctx.unit.show(ctx.actual)} falls in the band {_describe_band(band, ctx.unit)}: "
                f"credit {pct(credit_pct)}"
            )
        amount, line = ctx.of_charges(credit_pct)
        lines.append(line)
        return Priced(amount, tuple(lines))


@dataclass(frozen=True)
class PointsBand:
    """A range of actuals and the service points it scores; each edge says if it is included."""

    points: int
    lower: Decimal | None = None
    upper: Decimal | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.points, bool) or not isinstance(self.points, int):
            raise TypeError(f"points: give a whole number, not {self.points!r}")
        object.__setattr__(self, "lower", _optional(self.lower, "lower"))
        object.__setattr__(self, "upper", _optional(self.upper, "upper"))


@dataclass(frozen=True)
class ServicePoints:
    """Bands score points; a repeat failure multiplies them; each point is worth k% of charges."""

    bands: tuple[PointsBand, ...]
    value_per_point_pct: Decimal
    repeat_multiplier: Decimal = Decimal(2)

    kind: ClassVar[CreditModelKind] = CreditModelKind.SERVICE_POINTS
    needs_actual: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", tuple(self.bands))
        object.__setattr__(
            self, "value_per_point_pct", to_decimal(self.value_per_point_pct, "value_per_point_pct")
        )
        object.__setattr__(
            self, "repeat_multiplier", to_decimal(self.repeat_multiplier, "repeat_multiplier")
        )

    def problems(self, unit: Unit) -> Problems:
        """Bands must cover every actual; points and multipliers cannot be negative."""
        yield from _band_problems(self.bands, unit)
        for index, band in enumerate(self.bands):
            if band.points < 0:
                yield f"bands[{index}].points", f"cannot be negative (got {band.points})"
        yield from _pct_problems("value_per_point_pct", self.value_per_point_pct)
        if self.repeat_multiplier < 1:
            yield "repeat_multiplier", f"must be at least 1 (got {num(self.repeat_multiplier)})"

    def worst_case(self) -> bool:
        """A missing report scores the highest band's points."""
        return True

    def price(self, ctx: CreditContext) -> Priced:
        """Points from the band, doubled (or as the terms say) on a repeat failure, priced."""
        lines: list[str] = []
        if ctx.actual is None:
            points = Decimal(max(band.points for band in self.bands))
            lines.append(f"No actual to score: the highest band's {plural(points, 'point')} apply")
        else:
            band = _band_for(self.bands, ctx.actual)
            points = Decimal(band.points)
            lines.append(
                f"{ctx.unit.show(ctx.actual)} falls in the band {_describe_band(band, ctx.unit)}: "
                f"{plural(points, 'point')}"
            )
        if ctx.repeat_failure and points > 0:
            repeated = points * self.repeat_multiplier
            lines.append(
                "Repeat failure (the previous assessed period also failed): "
                f"{num(points)} × {num(self.repeat_multiplier)} = {plural(repeated, 'point')}"
            )
            points = repeated
        credit_pct = points * self.value_per_point_pct
        amount = credit_pct / _HUNDRED * ctx.charges
        lines.append(
            f"Credit = {plural(points, 'point')} × {pct(self.value_per_point_pct)} of charges per "
            f"point = {pct(credit_pct)} × {money(ctx.charges, ctx.currency)} = "
            f"{money(amount, ctx.currency)}"
        )
        return Priced(amount, tuple(lines))


@dataclass(frozen=True)
class DayEquivalent:
    """Credit = days × the period's charges ÷ days per month (30), capped at a number of days."""

    days_from: DaysSource = DaysSource.SHORTFALL
    days: Decimal | None = None
    max_days: Decimal | None = None
    days_per_month: Decimal = Decimal(30)
    part_days: PartDays = PartDays.PRO_RATA

    kind: ClassVar[CreditModelKind] = CreditModelKind.DAY_EQUIVALENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_from", DaysSource(self.days_from))
        object.__setattr__(self, "days", _optional(self.days, "days"))
        object.__setattr__(self, "max_days", _optional(self.max_days, "max_days"))
        object.__setattr__(
            self, "days_per_month", to_decimal(self.days_per_month, "days_per_month")
        )
        object.__setattr__(self, "part_days", PartDays(self.part_days))

    @property
    def needs_actual(self) -> bool:
        """Only days counted from the shortfall need an actual."""
        return self.days_from is DaysSource.SHORTFALL

    def problems(self, unit: Unit) -> Problems:
        """Days must come from a time shortfall or be given."""
        if self.days_from is DaysSource.FIXED:
            if self.days is None or self.days <= 0:
                yield "days", "fixed day-equivalent credits need a number of days greater than 0"
        else:
            if self.days is not None:
                yield "days", "days are counted from the shortfall; give days only with fixed"
            if unit.units_per_day() is None:
                yield (
                    "days_from",
                    (
                        f"a shortfall in {unit.value} cannot be counted in days; use a measure in "
                        "days, hours or minutes, or days_from: fixed"
                    ),
                )
        if self.max_days is not None and self.max_days <= 0:
            yield "max_days", f"must be greater than 0 (got {num(self.max_days)})"
        if self.days_per_month <= 0:
            yield "days_per_month", f"must be greater than 0 (got {num(self.days_per_month)})"

    def worst_case(self) -> bool:
        """A missing report can be priced when the days are fixed or capped."""
        return not self.needs_actual or self.max_days is not None

    def price(self, ctx: CreditContext) -> Priced:
        """Days of charges, counted as the terms say, then capped."""
        lines: list[str] = []
        if self.days_from is DaysSource.FIXED:
            assert self.days is not None
            days = self.days
            lines.append(f"Each failure counts as {plural(days, 'day')}")
        elif ctx.actual is None:
            assert self.max_days is not None
            days = self.max_days
            lines.append(f"No actual to price: the maximum of {plural(days, 'day')} applies")
        else:
            gap, line = ctx.shortfall()
            per_day = ctx.unit.units_per_day()
            assert per_day is not None
            # Divide rather than multiply by 1/24: 1/1440 has no exact Decimal, 36/24 does.
            days = gap / per_day
            lines.append(line if ctx.unit is Unit.DAYS else f"{line} = {plural(days, 'day')}")
            days = self._whole_days(days, lines)
        if self.max_days is not None and days > self.max_days:
            lines.append(f"Capped at {plural(self.max_days, 'day')} (from {num(days)})")
            days = self.max_days
        amount = days * ctx.charges / self.days_per_month
        lines.append(
            f"Credit = {plural(days, 'day')} × charges {money(ctx.charges, ctx.currency)} ÷ "
            f"{num(self.days_per_month)} = {money(amount, ctx.currency)}"
        )
        return Priced(amount, tuple(lines))

    def _whole_days(self, days: Decimal, lines: list[str]) -> Decimal:
        """Count part days as the terms say."""
        if self.part_days is PartDays.PRO_RATA or days == days.to_integral_value():
            return days
        if self.part_days is PartDays.ROUND_UP:
            whole = days.to_integral_value(rounding=ROUND_CEILING)
            lines.append(f"A part day counts as a whole day: {num(days)} → {plural(whole, 'day')}")
        else:
            whole = days.to_integral_value(rounding=ROUND_FLOOR)
            lines.append(f"Only whole days count: {num(days)} → {plural(whole, 'day')}")
        return whole


@dataclass(frozen=True)
class Escalating:
    """After N consecutive failures the credit % rises by a step each further period, to a max."""

    base_pct: Decimal
    after_failures: int
    step_pct: Decimal
    max_pct: Decimal

    kind: ClassVar[CreditModelKind] = CreditModelKind.ESCALATING
    needs_actual: ClassVar[bool] = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_pct", to_decimal(self.base_pct, "base_pct"))
        object.__setattr__(self, "step_pct", to_decimal(self.step_pct, "step_pct"))
        object.__setattr__(self, "max_pct", to_decimal(self.max_pct, "max_pct"))
        if isinstance(self.after_failures, bool) or not isinstance(self.after_failures, int):
            raise TypeError(f"after_failures: give a whole number, not {self.after_failures!r}")

    def problems(self, unit: Unit) -> Problems:
        """The run length must be positive and the maximum not below the base."""
        if self.after_failures < 1:
            yield "after_failures", f"must be at least 1 (got {self.after_failures})"
        yield from _pct_problems("base_pct", self.base_pct)
        yield from _pct_problems("step_pct", self.step_pct)
        yield from _pct_problems("max_pct", self.max_pct)
        if self.max_pct < self.base_pct:
            yield (
                "max_pct",
                (f"the maximum {pct(self.max_pct)} is below the base {pct(self.base_pct)}"),
            )

    def worst_case(self) -> bool:
        """The escalation does not depend on the actual."""
        return True

    def price(self, ctx: CreditContext) -> Priced:
        """The base %, raised by one step for each consecutive failure beyond N."""
        run = ctx.consecutive_failures
        lines = [
            f"{plural(run, 'consecutive failure')} including this period (the credit rises after "
            f"{self.after_failures})"
        ]
        if run <= self.after_failures:
            credit_pct = self.base_pct
            lines.append(f"Credit % = the base {pct(credit_pct)}")
        else:
            steps = run - self.after_failures
            raised = self.base_pct + steps * self.step_pct
            credit_pct = min(raised, self.max_pct)
            line = (
                f"Credit % = {pct(self.base_pct)} + {steps} × {pct(self.step_pct)} = {pct(raised)}"
            )
            if raised > self.max_pct:
                line += f", capped at the maximum {pct(self.max_pct)}"
            lines.append(line)
        amount, line = ctx.of_charges(credit_pct)
        lines.append(line)
        return Priced(amount, tuple(lines))


CreditModel = (
    PoolAllocation
    | PercentOfCharges
    | Shortfall
    | PerStep
    | Banded
    | ServicePoints
    | DayEquivalent
    | Escalating
)
"""One measure's credit model with its parameters."""


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _optional(value: Decimal | int | str | None, field: str) -> Decimal | None:
    """An optional number as a Decimal."""
    return None if value is None else to_decimal(value, field)


def _one(noun: str) -> str:
    """ "percentage point" from "percentage points"."""
    return noun[:-1] if noun.endswith("s") else noun


def _pct_problems(field: str, value: Decimal) -> Problems:
    """A percentage of charges must lie between 0% and 100%."""
    if not Decimal(0) <= value <= _HUNDRED:
        yield field, f"must be between 0% and 100% (got {pct(value)})"


def _capped_pct(credit_pct: Decimal, max_pct: Decimal | None, lines: list[str]) -> Decimal:
    """Apply a model's maximum credit %, saying so when it bites."""
    if max_pct is not None and credit_pct > max_pct:
        lines.append(f"Capped at the model's maximum of {pct(max_pct)}")
        return max_pct
    return credit_pct


_B = TypeVar("_B", bound=_Range)


def _contains(band: _Range, value: Decimal) -> bool:
    """Whether `value` lies in `band`, honouring the inclusivity of each edge."""
    if band.lower is not None and (
        value < band.lower or (value == band.lower and not band.lower_inclusive)
    ):
        return False
    return not (
        band.upper is not None
        and (value > band.upper or (value == band.upper and not band.upper_inclusive))
    )


def _band_for(bands: Sequence[_B], value: Decimal) -> _B:
    """The band `value` lies in; validation guarantees exactly one."""
    for band in bands:
        if _contains(band, value):
            return band
    raise AssertionError(f"no band holds {value}: the bands were not validated")


def _describe_band(band: _Range, unit: Unit) -> str:
    """A band in words: "at least 99% and below 99.5%"."""
    parts: list[str] = []
    if band.lower is not None:
        word = "at least" if band.lower_inclusive else "above"
        parts.append(f"{word} {unit.show(band.lower)}")
    if band.upper is not None:
        word = "at most" if band.upper_inclusive else "below"
        parts.append(f"{word} {unit.show(band.upper)}")
    return " and ".join(parts) if parts else "covering every value"


def _band_problems(bands: Sequence[_Range], unit: Unit) -> Problems:
    """Bands must cover every value a measurement can take, with no gaps and no overlaps."""
    if not bands:
        yield "bands", "give at least one band"
        return
    for index, band in enumerate(bands):
        if band.lower is not None and band.upper is not None:
            if band.lower > band.upper:
                yield (
                    f"bands[{index}]",
                    (
                        f"the lower limit {num(band.lower)} is above the upper limit "
                        f"{num(band.upper)}"
                    ),
                )
                return
            if band.lower == band.upper and not (band.lower_inclusive and band.upper_inclusive):
                yield f"bands[{index}]", f"the band holds no value (both limits {num(band.lower)})"
                return
    low, high = unit.bounds()
    # Sort by lower edge; a band open below comes first, and at equal edges the one that
    # includes the edge comes first (so an overlap is reported, not hidden).
    order = sorted(
        range(len(bands)),
        key=lambda i: (
            bands[i].lower is not None,
            bands[i].lower if bands[i].lower is not None else Decimal(0),
            not bands[i].lower_inclusive,
        ),
    )
    first = bands[order[0]]
    if first.lower is not None and (
        first.lower > low or (first.lower == low and not first.lower_inclusive)
    ):
        below = (
            f"values below {unit.show(first.lower)}"
            if first.lower_inclusive
            else f"{unit.show(first.lower)} and values below it"
        )
        yield (
            f"bands[{order[0]}].lower",
            (
                f"{below} fall in no band; start the lowest band at "
                f"{unit.show(low)} (included) or leave its lower limit open"
            ),
        )
    for previous_index, next_index in pairwise(order):
        previous, following = bands[previous_index], bands[next_index]
        where = f"bands[{next_index}].lower"
        if previous.upper is None or following.lower is None:
            yield where, f"overlaps bands[{previous_index}], which has no upper limit"
            continue
        if following.lower < previous.upper:
            yield (
                where,
                (
                    f"overlaps bands[{previous_index}]: {num(following.lower)} is below its upper "
                    f"limit {num(previous.upper)}"
                ),
            )
        elif following.lower > previous.upper:
            yield (
                where,
                (
                    f"values between {num(previous.upper)} and {num(following.lower)} fall in "
                    "no band"
                ),
            )
        elif previous.upper_inclusive and following.lower_inclusive:
            yield (
                where,
                (
                    f"{num(following.lower)} is in both bands[{previous_index}] and "
                    f"bands[{next_index}]; include the edge in only one of them"
                ),
            )
        elif not previous.upper_inclusive and not following.lower_inclusive:
            yield (
                where,
                (
                    f"{num(following.lower)} is in neither bands[{previous_index}] nor "
                    f"bands[{next_index}]; include the edge in one of them"
                ),
            )
    last_index = order[-1]
    last = bands[last_index]
    if last.upper is not None and (
        high is None or last.upper < high or (last.upper == high and not last.upper_inclusive)
    ):
        fix = (
            f"end the highest band at {unit.show(high)} (included) or leave its upper limit open"
            if high is not None
            else "leave the highest band's upper limit open"
        )
        above = (
            f"values above {unit.show(last.upper)}"
            if last.upper_inclusive
            else f"{unit.show(last.upper)} and values above it"
        )
        yield f"bands[{last_index}].upper", f"{above} fall in no band; {fix}"
