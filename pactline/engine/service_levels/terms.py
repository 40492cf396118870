"""Service-level terms: measures, the credit regime, and the rules around them.

Field names follow the `service_levels` section of a terms file: plain snake_case business
terms, enum values lower_snake_case, percentages as percent (`at_risk_pct: 12` is 12%).
Numbers may be given as Decimal, int or str; floats are refused. Every rule that involves
more than one field is checked when the terms are built, and the error names the measure and
field to fix ("measures[availability].allocation_pct: ...").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from pactline.engine.money import Rounding, minor_unit, to_decimal
from pactline.engine.service_levels._text import num, pct
from pactline.engine.service_levels.credit_models import CreditModel, PoolAllocation
from pactline.engine.service_levels.enums import (
    CapBasis,
    Comparison,
    Direction,
    EarnbackEligibility,
    EarnbackMode,
    ExcessRule,
    IncidentRule,
    MeasurementPeriod,
    MeasureType,
    MinimumCreditRule,
    MinimumCreditScope,
    NoReportRule,
    Unit,
)
from pactline.engine.service_levels.errors import ServiceLevelTermsError

__all__ = [
    "AnnualCap",
    "Category",
    "ContinuousImprovement",
    "CountWithin",
    "CreditRegime",
    "DecimalRounding",
    "DefaultRules",
    "Earnback",
    "Measure",
    "MinimumCredit",
    "PeriodCap",
    "ServiceLevelTerms",
    "TerminationTriggers",
]

_HUNDRED = Decimal(100)
_E = TypeVar("_E", bound=StrEnum)


def _enum(enum_type: type[_E], value: object, path: str) -> _E:
    """`value` as a member of `enum_type`, or an error listing the allowed values."""
    try:
        return enum_type(str(value)) if not isinstance(value, enum_type) else value
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise ServiceLevelTermsError(path, f"{value!r} is not one of: {allowed}") from None


def _optional(value: Decimal | int | str | None, path: str) -> Decimal | None:
    """An optional number as a Decimal."""
    return None if value is None else to_decimal(value, path)


@dataclass(frozen=True)
class DecimalRounding:
    """Round a measured value to a number of decimal places before it is compared."""

    places: int
    mode: Rounding = Rounding.HALF_UP

    def __post_init__(self) -> None:
        if isinstance(self.places, bool) or not isinstance(self.places, int) or self.places < 0:
            raise ServiceLevelTermsError(
                "places", f"give a whole number from 0 (got {self.places!r})"
            )
        object.__setattr__(self, "mode", _enum(Rounding, self.mode, "mode"))

    def apply(self, value: Decimal) -> Decimal:
        """`value` rounded as the terms say."""
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=self.mode.decimal_mode)

    def describe(self) -> str:
        """ "2 decimal places (half up)"."""
        noun = "decimal place" if self.places == 1 else "decimal places"
        return f"{self.places} {noun} ({self.mode.describe()})"


@dataclass(frozen=True)
class CountWithin:
    """A count of events within a rolling window of periods: "4 of 12"."""

    count: int
    periods: int

    def __post_init__(self) -> None:
        for name in ("count", "periods"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ServiceLevelTermsError(name, f"give a whole number from 1 (got {value!r})")
        if self.count > self.periods:
            raise ServiceLevelTermsError(
                "count", f"{self.count} events cannot happen within {self.periods} periods"
            )

    def describe(self) -> str:
        """ "4 within 12 periods"."""
        return f"{self.count} within {self.periods} periods"


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One service level: what is measured, the level(s) to meet, and how a failure is priced.

    Thresholds are either one `target`, or an `expected` level and a lower `minimum` level.
    A single target behaves as a minimum with no zone above it: missing it is a minimum-level
    miss (so it has no "yellow zone" for earnback, and counts as a minimum miss for defaults).
    """

    id: str
    name: str
    type: MeasureType
    unit: Unit
    direction: Direction
    target: Decimal | None = None
    expected: Decimal | None = None
    minimum: Decimal | None = None
    measurement_period: MeasurementPeriod = MeasurementPeriod.MONTHLY
    rolling_months: int | None = None
    quarter_start_month: int = 1
    comparison: Comparison = Comparison.INCLUSIVE
    actual_rounding: DecimalRounding | None = None
    no_report: NoReportRule = NoReportRule.DEEMED_FAILED
    deemed_actual: Decimal | None = None
    credit: CreditModel | None = None
    allocation_pct: Decimal | None = None
    category: str | None = None
    component: str | None = None
    earnback_target: Decimal | None = None

    def __post_init__(self) -> None:
        where = f"measures[{self.id}]"
        if not isinstance(self.id, str) or not self.id.strip():
            raise ServiceLevelTermsError("measures[].id", "every measure needs an id")
        convert = {
            "type": MeasureType,
            "unit": Unit,
            "direction": Direction,
            "measurement_period": MeasurementPeriod,
            "comparison": Comparison,
            "no_report": NoReportRule,
        }
        for name, enum_type in convert.items():
            object.__setattr__(self, name, _enum(enum_type, getattr(self, name), f"{where}.{name}"))
        for name in (
            "target",
            "expected",
            "minimum",
            "deemed_actual",
            "allocation_pct",
            "earnback_target",
        ):
            object.__setattr__(self, name, _optional(getattr(self, name), f"{where}.{name}"))
        for field, problem in self._problems():
            raise ServiceLevelTermsError(f"{where}.{field}", problem)

    @property
    def level(self) -> Decimal:
        """The level whose miss is a failure: the target, or the expected level."""
        level = self.target if self.target is not None else self.expected
        assert level is not None
        return level

    @property
    def minimum_level(self) -> Decimal:
        """The minimum level: the minimum, or the target when there is only one level."""
        level = self.target if self.target is not None else self.minimum
        assert level is not None
        return level

    @property
    def has_two_levels(self) -> bool:
        """Whether the measure has expected and minimum levels rather than one target."""
        return self.target is None

    def better(self, first: Decimal, second: Decimal) -> bool:
        """Whether `first` is strictly better than `second` for this measure's direction."""
        if self.direction is Direction.HIGHER_IS_BETTER:
            return first > second
        return first < second

    def meets(self, actual: Decimal, level: Decimal) -> bool:
        """Whether `actual` meets `level`, honouring the comparison strictness."""
        if self.comparison is Comparison.STRICT:
            return self.better(actual, level)
        return actual == level or self.better(actual, level)

    def describe_levels(self, level: Decimal, minimum: Decimal) -> str:
        """The levels in force in words, with the direction and the boundary rule."""
        if self.has_two_levels:
            levels = (
                f"expected level {self.unit.show(level)}, minimum level {self.unit.show(minimum)}"
            )
        else:
            levels = f"target {self.unit.show(level)}"
        better = "higher" if self.direction is Direction.HIGHER_IS_BETTER else "lower"
        boundary = (
            "meeting a level exactly is a miss"
            if self.comparison is Comparison.STRICT
            else "meeting a level exactly counts as met"
        )
        return f"{levels} ({better} is better; {boundary})"

    def is_due(self, month: int) -> bool:
        """Whether the measure is assessed in a period ending in `month`."""
        if self.measurement_period is not MeasurementPeriod.QUARTERLY:
            return True
        return (month - self.quarter_start_month) % 3 == 2

    def _problems(self) -> Iterator[tuple[str, str]]:
        """Every broken rule of this measure, as (field, problem)."""
        yield from self._threshold_problems()
        yield from self._period_problems()
        yield from self._credit_problems()
        low, high = self.unit.bounds()
        for name in ("target", "expected", "minimum", "deemed_actual", "earnback_target"):
            value = getattr(self, name)
            if value is not None and (value < low or (high is not None and value > high)):
                limit = f"{num(low)} to {num(high)}" if high is not None else f"from {num(low)}"
                yield name, f"{num(value)} is outside the range of a {self.unit.value} ({limit})"
        if self.earnback_target is not None and self.better(self.level, self.earnback_target):
            yield (
                "earnback_target",
                (
                    f"the earnback target {num(self.earnback_target)} is easier than the level "
                    f"{num(self.level)}"
                ),
            )
        if self.actual_rounding is not None and not isinstance(
            self.actual_rounding, DecimalRounding
        ):
            yield "actual_rounding", "give a DecimalRounding (places and mode) or nothing"

    def _threshold_problems(self) -> Iterator[tuple[str, str]]:
        """Either one target, or expected and minimum levels in the right order."""
        if self.target is not None:
            if self.expected is not None or self.minimum is not None:
                yield "target", "give either a target, or expected and minimum levels, not both"
            return
        if self.expected is None or self.minimum is None:
            missing = "expected" if self.expected is None else "minimum"
            yield missing, "give either a target, or both expected and minimum levels"
            return
        if self.better(self.minimum, self.expected):
            yield (
                "minimum",
                (
                    f"the minimum level {num(self.minimum)} is better than the expected level "
                    f"{num(self.expected)}"
                ),
            )

    def _period_problems(self) -> Iterator[tuple[str, str]]:
        """A rolling average needs its window; a quarter needs its first month."""
        if self.measurement_period is MeasurementPeriod.ROLLING_AVERAGE:
            months = self.rolling_months
            if isinstance(months, bool) or not isinstance(months, int) or months < 2:
                yield "rolling_months", f"a rolling average needs 2 months or more (got {months!r})"
        elif self.rolling_months is not None:
            yield "rolling_months", "give rolling_months only with a rolling_average period"
        if not (isinstance(self.quarter_start_month, int) and 1 <= self.quarter_start_month <= 12):
            yield (
                "quarter_start_month",
                f"give a month from 1 to 12 (got {self.quarter_start_month!r})",
            )

    def _credit_problems(self) -> Iterator[tuple[str, str]]:
        """Critical measures are priced; key measures are not; the model must fit the measure."""
        if self.type is MeasureType.KEY:
            if self.credit is not None:
                yield (
                    "credit",
                    (
                        "key measurements are reported only and carry no credit; make the measure "
                        "critical to price its failures"
                    ),
                )
            if self.allocation_pct is not None:
                yield "allocation_pct", "key measurements carry no credit, so no allocation"
            return
        if self.credit is None:
            yield "credit", "a critical service level needs a credit model"
            return
        for field, problem in self.credit.problems(self.unit):
            yield f"credit.{field}", problem
        if isinstance(self.credit, PoolAllocation):
            if self.allocation_pct is None:
                yield "allocation_pct", "the pool_allocation model needs the measure's allocation %"
            elif self.allocation_pct < 0:
                yield "allocation_pct", f"cannot be negative (got {pct(self.allocation_pct)})"
        elif self.allocation_pct is not None:
            yield (
                "allocation_pct",
                (
                    f"only the pool_allocation model uses an allocation % (this measure uses "
                    f"{self.credit.kind.value})"
                ),
            )
        if (
            self.no_report is NoReportRule.DEEMED_FAILED
            and self.credit.needs_actual
            and self.deemed_actual is None
            and not self.credit.worst_case()
        ):
            yield (
                "deemed_actual",
                (
                    f"a missing report is deemed a failure, but the {self.credit.kind.value} model "
                    "needs an actual to price it: give deemed_actual, or a maximum in the model"
                ),
            )


# --------------------------------------------------------------------------------------------
# The credit regime
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A group of measures sharing a pool: its share of the at-risk amount."""

    name: str
    pool_pct: Decimal
    max_allocation_pct: Decimal | None = None

    def __post_init__(self) -> None:
        where = f"credits.categories[{self.name}]"
        object.__setattr__(self, "pool_pct", to_decimal(self.pool_pct, f"{where}.pool_pct"))
        object.__setattr__(
            self,
            "max_allocation_pct",
            _optional(self.max_allocation_pct, f"{where}.max_allocation_pct"),
        )
        if not Decimal(0) <= self.pool_pct <= _HUNDRED:
            raise ServiceLevelTermsError(
                f"{where}.pool_pct", f"must be between 0% and 100% (got {pct(self.pool_pct)})"
            )


@dataclass(frozen=True)
class PeriodCap:
    """The most a period's credits can total: the at-risk amount, a % of charges, or an amount."""

    basis: CapBasis = CapBasis.AT_RISK_AMOUNT
    pct: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis", _enum(CapBasis, self.basis, "credits.period_cap.basis"))
        object.__setattr__(self, "pct", _optional(self.pct, "credits.period_cap.pct"))
        object.__setattr__(self, "amount", _optional(self.amount, "credits.period_cap.amount"))
        wanted = {CapBasis.PERCENT_OF_CHARGES: "pct", CapBasis.AMOUNT: "amount"}.get(self.basis)
        for name in ("pct", "amount"):
            value = getattr(self, name)
            if name == wanted and value is None:
                raise ServiceLevelTermsError(
                    f"credits.period_cap.{name}", f"the {self.basis.value} cap needs its {name}"
                )
            if name != wanted and value is not None:
                raise ServiceLevelTermsError(
                    f"credits.period_cap.{name}", f"the {self.basis.value} cap takes no {name}"
                )
            if value is not None and value < 0:
                raise ServiceLevelTermsError(
                    f"credits.period_cap.{name}", f"cannot be negative (got {num(value)})"
                )


@dataclass(frozen=True)
class AnnualCap:
    """Credits over a trailing year may not exceed a % of that year's charges."""

    pct: Decimal
    periods: int = 12

    def __post_init__(self) -> None:
        object.__setattr__(self, "pct", to_decimal(self.pct, "credits.annual_cap.pct"))
        if not Decimal(0) <= self.pct <= _HUNDRED:
            raise ServiceLevelTermsError(
                "credits.annual_cap.pct", f"must be between 0% and 100% (got {pct(self.pct)})"
            )
        if isinstance(self.periods, bool) or not isinstance(self.periods, int) or self.periods < 1:
            raise ServiceLevelTermsError(
                "credits.annual_cap.periods", f"give a whole number from 1 (got {self.periods!r})"
            )


@dataclass(frozen=True)
class MinimumCredit:
    """A de-minimis rule: no credit under the amount, or every credit raised to it."""

    amount: Decimal
    rule: MinimumCreditRule = MinimumCreditRule.NONE_IF_UNDER
    applies_to: MinimumCreditScope = MinimumCreditScope.EACH_CREDIT

    def __post_init__(self) -> None:
        path = "credits.minimum_credit"
        object.__setattr__(self, "amount", to_decimal(self.amount, f"{path}.amount"))
        object.__setattr__(self, "rule", _enum(MinimumCreditRule, self.rule, f"{path}.rule"))
        object.__setattr__(
            self, "applies_to", _enum(MinimumCreditScope, self.applies_to, f"{path}.applies_to")
        )
        if self.amount < 0:
            raise ServiceLevelTermsError(
                f"{path}.amount", f"cannot be negative (got {num(self.amount)})"
            )


@dataclass(frozen=True)
class CreditRegime:
    """How credits are sized and limited: at-risk %, pools, caps, minimums, excess, incidents."""

    at_risk_pct: Decimal
    categories: tuple[Category, ...] = ()
    max_total_allocation_pct: Decimal | None = None
    period_cap: PeriodCap | None = PeriodCap()
    annual_cap: AnnualCap | None = None
    minimum_credit: MinimumCredit | None = None
    excess: ExcessRule = ExcessRule.DISCARDED
    incident_rule: IncidentRule = IncidentRule.ALL_COUNT
    rounding: Rounding = Rounding.HALF_UP

    def __post_init__(self) -> None:
        object.__setattr__(self, "at_risk_pct", to_decimal(self.at_risk_pct, "credits.at_risk_pct"))
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(
            self,
            "max_total_allocation_pct",
            _optional(self.max_total_allocation_pct, "credits.max_total_allocation_pct"),
        )
        object.__setattr__(self, "excess", _enum(ExcessRule, self.excess, "credits.excess"))
        object.__setattr__(
            self, "incident_rule", _enum(IncidentRule, self.incident_rule, "credits.incident_rule")
        )
        object.__setattr__(self, "rounding", _enum(Rounding, self.rounding, "credits.rounding"))
        if not Decimal(0) <= self.at_risk_pct <= _HUNDRED:
            raise ServiceLevelTermsError(
                "credits.at_risk_pct", f"must be between 0% and 100% (got {pct(self.at_risk_pct)})"
            )
        names = [category.name for category in self.categories]
        for name in names:
            if names.count(name) > 1:
                raise ServiceLevelTermsError(
                    f"credits.categories[{name}]", "the category name is used twice"
                )
        limit = self.max_total_allocation_pct
        if limit is not None and limit <= 0:
            raise ServiceLevelTermsError(
                "credits.max_total_allocation_pct", f"must be greater than 0% (got {pct(limit)})"
            )

    def category(self, name: str) -> Category | None:
        """The category called `name`, if the regime has one."""
        return next((category for category in self.categories if category.name == name), None)


# --------------------------------------------------------------------------------------------
# Rules around the credits
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Earnback:
    """How a supplier may earn a credit back by meeting the level for the next W periods."""

    window_periods: int
    mode: EarnbackMode = EarnbackMode.DEFERRED
    eligibility: EarnbackEligibility = EarnbackEligibility.ALL_FAILURES

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", _enum(EarnbackMode, self.mode, "earnback.mode"))
        object.__setattr__(
            self,
            "eligibility",
            _enum(EarnbackEligibility, self.eligibility, "earnback.eligibility"),
        )
        window = self.window_periods
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ServiceLevelTermsError(
                "earnback.window_periods", f"give a whole number from 1 (got {window!r})"
            )


@dataclass(frozen=True)
class ContinuousImprovement:
    """After N consecutive periods better than the level, the level moves toward the average.

    The new level = level + rise_pct × (average actual of those periods − level), optionally
    limited to headroom_cap_pct of the headroom between the level and the best possible value
    (100% for percentages, 1 for ratios, 0 for lower-is-better measures).
    """

    consecutive_periods: int
    rise_pct: Decimal = Decimal(50)
    headroom_cap_pct: Decimal | None = None
    level_rounding: DecimalRounding | None = None
    measure_ids: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        path = "continuous_improvement"
        object.__setattr__(self, "rise_pct", to_decimal(self.rise_pct, f"{path}.rise_pct"))
        object.__setattr__(
            self,
            "headroom_cap_pct",
            _optional(self.headroom_cap_pct, f"{path}.headroom_cap_pct"),
        )
        if self.measure_ids is not None:
            object.__setattr__(self, "measure_ids", tuple(self.measure_ids))
        periods = self.consecutive_periods
        if isinstance(periods, bool) or not isinstance(periods, int) or periods < 1:
            raise ServiceLevelTermsError(
                f"{path}.consecutive_periods", f"give a whole number from 1 (got {periods!r})"
            )
        for name in ("rise_pct", "headroom_cap_pct"):
            value = getattr(self, name)
            if value is not None and not Decimal(0) < value <= _HUNDRED:
                raise ServiceLevelTermsError(
                    f"{path}.{name}", f"must be above 0% and at most 100% (got {pct(value)})"
                )

    def applies_to(self, measure_id: str) -> bool:
        """Whether the clause covers the measure."""
        return self.measure_ids is None or measure_id in self.measure_ids


@dataclass(frozen=True)
class DefaultRules:
    """When a failure is a contractual default.

    A minimum-level miss is a default in its period (unless `minimum_miss_is_default` is off).
    A miss of the expected level while above the minimum is a default only when misses of the
    expected level reach `expected_misses.count` within `expected_misses.periods` (e.g. 4 of 12).
    """

    minimum_miss_is_default: bool = True
    expected_misses: CountWithin | None = None


@dataclass(frozen=True)
class TerminationTriggers:
    """Conditions reported as red flags: they give termination rights, not money."""

    measure_defaults: CountWithin | None = None
    consecutive_credit_periods: int | None = None
    credit_periods: CountWithin | None = None
    any_critical_failure: bool = False

    def __post_init__(self) -> None:
        run = self.consecutive_credit_periods
        if run is not None and (isinstance(run, bool) or not isinstance(run, int) or run < 1):
            raise ServiceLevelTermsError(
                "termination_triggers.consecutive_credit_periods",
                f"give a whole number from 1 (got {run!r})",
            )


# --------------------------------------------------------------------------------------------
# The whole section
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLevelTerms:
    """The service-level terms in force for a period: measures, credits and their rules."""

    currency: str
    measures: tuple[Measure, ...]
    credits: CreditRegime
    default_rules: DefaultRules | None = None
    termination_triggers: TerminationTriggers = TerminationTriggers()
    earnback: Earnback | None = None
    continuous_improvement: ContinuousImprovement | None = None

    def __post_init__(self) -> None:
        try:
            minor_unit(self.currency)
        except (TypeError, ValueError) as error:
            raise ServiceLevelTermsError("currency", str(error).partition(": ")[2]) from None
        object.__setattr__(self, "currency", self.currency.strip().upper())
        object.__setattr__(self, "measures", tuple(self.measures))
        if not self.measures:
            raise ServiceLevelTermsError("measures", "give at least one measure")
        for field, problem in self._problems():
            raise ServiceLevelTermsError(field, problem)

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id."""
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    def _problems(self) -> Iterator[tuple[str, str]]:
        """Rules that span measures and the regime."""
        ids = [measure.id for measure in self.measures]
        for measure_id in ids:
            if ids.count(measure_id) > 1:
                yield f"measures[{measure_id}].id", "the id is used by more than one measure"
                return
        yield from self._category_problems()
        yield from self._allocation_problems()
        improvement = self.continuous_improvement
        if improvement is not None:
            for measure_id in improvement.measure_ids or ():
                if measure_id not in ids:
                    yield "continuous_improvement.measure_ids", f"no measure has id '{measure_id}'"
            if improvement.headroom_cap_pct is not None:
                for measure in self.measures:
                    if improvement.applies_to(measure.id) and best_possible(measure) is None:
                        yield (
                            f"measures[{measure.id}].unit",
                            (
                                "continuous improvement caps the rise at a share of the "
                                "headroom, but a higher-is-better measure in "
                                f"{measure.unit.value} has no best possible value; list only "
                                "other measures in measure_ids"
                            ),
                        )

    def _category_problems(self) -> Iterator[tuple[str, str]]:
        """Every category named by a measure exists; pool measures name one when there are any."""
        regime = self.credits
        for measure in self.measures:
            if measure.category is not None and regime.category(measure.category) is None:
                known = ", ".join(category.name for category in regime.categories) or "none"
                yield (
                    f"measures[{measure.id}].category",
                    (
                        f"no category '{measure.category}' in the credit regime "
                        f"(categories: {known})"
                    ),
                )
            if (
                isinstance(measure.credit, PoolAllocation)
                and regime.categories
                and measure.category is None
            ):
                yield (
                    f"measures[{measure.id}].category",
                    (
                        "the credit regime shares the at-risk amount by category; name this "
                        "measure's category"
                    ),
                )

    def _allocation_problems(self) -> Iterator[tuple[str, str]]:
        """Allocations may exceed 100% but not the pool limits the terms state."""
        regime = self.credits
        total = Decimal(0)
        by_category: dict[str, Decimal] = {}
        for measure in self.measures:
            if not isinstance(measure.credit, PoolAllocation) or measure.allocation_pct is None:
                continue
            total += measure.allocation_pct
            limit = regime.max_total_allocation_pct
            if limit is not None and total > limit:
                yield (
                    f"measures[{measure.id}].allocation_pct",
                    (f"allocations total {pct(total)} but the pool limit is {pct(limit)}"),
                )
                return
            if measure.category is None:
                continue
            category = regime.category(measure.category)
            assert category is not None
            running = by_category.get(category.name, Decimal(0)) + measure.allocation_pct
            by_category[category.name] = running
            if category.max_allocation_pct is not None and running > category.max_allocation_pct:
                yield (
                    f"measures[{measure.id}].allocation_pct",
                    (
                        f"allocations in category '{category.name}' total {pct(running)} but its "
                        f"pool limit is {pct(category.max_allocation_pct)}"
                    ),
                )
                return


def best_possible(measure: Measure) -> Decimal | None:
    """The best value a measure can reach (100%, 1, or 0 when lower is better), if it has one."""
    if measure.direction is Direction.LOWER_IS_BETTER:
        return measure.unit.bounds()[0]
    return measure.unit.bounds()[1]
