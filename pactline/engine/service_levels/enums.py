"""The service-level vocabulary: every option a terms file can name, and every result status."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pactline.engine.service_levels._text import num, plural

__all__ = [
    "CapBasis",
    "Comparison",
    "CreditModelKind",
    "DaysSource",
    "Direction",
    "EarnbackEligibility",
    "EarnbackMode",
    "EarnbackOutcome",
    "EarnbackState",
    "ExcessRule",
    "IncidentRule",
    "MeasureStatus",
    "MeasureType",
    "MeasurementPeriod",
    "MinimumCreditRule",
    "MinimumCreditScope",
    "NoReportRule",
    "PartDays",
    "RedFlagKind",
    "StepCounting",
    "Unit",
]


class MeasureType(StrEnum):
    """Critical service levels carry credits; key measurements are reported only."""

    CRITICAL = "critical"
    KEY = "key"


class Unit(StrEnum):
    """What a measure counts."""

    PERCENT = "percent"
    HOURS = "hours"
    MINUTES = "minutes"
    DAYS = "days"
    COUNT = "count"
    RATIO = "ratio"

    def bounds(self) -> tuple[Decimal, Decimal | None]:
        """The values a measurement in this unit can take: (lowest, highest or None)."""
        if self is Unit.PERCENT:
            return Decimal(0), Decimal(100)
        if self is Unit.RATIO:
            return Decimal(0), Decimal(1)
        return Decimal(0), None

    def units_per_day(self) -> int | None:
        """How many of this unit make a day, for day-equivalent credits; None if not a time."""
        return {Unit.DAYS: 1, Unit.HOURS: 24, Unit.MINUTES: 1440}.get(self)

    def show(self, value: Decimal) -> str:
        """A value with its unit: "99.5%", "4 hours", "0.95"."""
        if self is Unit.PERCENT:
            return f"{num(value)}%"
        if self in (Unit.HOURS, Unit.MINUTES, Unit.DAYS):
            return plural(value, self.value[:-1])
        return num(value)

    def gap_noun(self) -> str:
        """The unit a shortfall is counted in: "percentage points", "hours"."""
        if self is Unit.PERCENT:
            return "percentage points"
        if self in (Unit.COUNT, Unit.RATIO):
            return "units"
        return self.value


class Direction(StrEnum):
    """Whether a higher actual is better (availability) or a lower one (resolution time)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class MeasurementPeriod(StrEnum):
    """Over what time a measure is assessed."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ROLLING_AVERAGE = "rolling_average"


class Comparison(StrEnum):
    """Whether meeting a level exactly counts as meeting it."""

    INCLUSIVE = "inclusive"
    STRICT = "strict"


class NoReportRule(StrEnum):
    """What a period with no reported value counts as."""

    DEEMED_FAILED = "deemed_failed"
    IGNORED = "ignored"
    DEEMED_MET = "deemed_met"


class CreditModelKind(StrEnum):
    """How a failure is priced."""

    POOL_ALLOCATION = "pool_allocation"
    PERCENT_OF_CHARGES = "percent_of_charges"
    SHORTFALL = "shortfall"
    PER_STEP = "per_step"
    BANDED = "banded"
    SERVICE_POINTS = "service_points"
    DAY_EQUIVALENT = "day_equivalent"
    ESCALATING = "escalating"


class StepCounting(StrEnum):
    """How a per-step credit counts a part step: ignored (floor) or as a whole step (ceiling)."""

    EACH_FULL_STEP = "each_full_step"
    EACH_STEP_OR_PART = "each_step_or_part"


class DaysSource(StrEnum):
    """Where a day-equivalent credit takes its number of days from."""

    SHORTFALL = "shortfall"
    FIXED = "fixed"


class PartDays(StrEnum):
    """How a day-equivalent credit counts part of a day."""

    PRO_RATA = "pro_rata"
    ROUND_UP = "round_up"
    ROUND_DOWN = "round_down"


class CapBasis(StrEnum):
    """What a period's credits are capped at."""

    AT_RISK_AMOUNT = "at_risk_amount"
    PERCENT_OF_CHARGES = "percent_of_charges"
    AMOUNT = "amount"


class MinimumCreditRule(StrEnum):
    """What happens to a credit smaller than the stated minimum."""

    NONE_IF_UNDER = "none_if_under"
    FLOOR_AT = "floor_at"


class MinimumCreditScope(StrEnum):
    """Whether the minimum applies to each measure's credit or to the period's total."""

    EACH_CREDIT = "each_credit"
    PERIOD_TOTAL = "period_total"


class ExcessRule(StrEnum):
    """What happens to credits above a cap."""

    DISCARDED = "discarded"
    CARRIED_FORWARD = "carried_forward"


class IncidentRule(StrEnum):
    """How several failures caused by one incident are credited."""

    ALL_COUNT = "all_count"
    CUSTOMER_CHOOSES = "customer_chooses"
    DEEMED_ONE_EVENT = "deemed_one_event"
    PER_COMPONENT = "per_component"


class EarnbackMode(StrEnum):
    """Deferred: the credit is held, then waived if earned back. Refund: paid, then returned."""

    DEFERRED = "deferred"
    REFUND = "refund"


class EarnbackEligibility(StrEnum):
    """Which failures may be earned back."""

    ALL_FAILURES = "all_failures"
    ABOVE_MINIMUM = "above_minimum"


class MeasureStatus(StrEnum):
    """How a measure fared in a period."""

    MET = "met"
    EXPECTED_MISS = "expected_miss"
    MINIMUM_MISS = "minimum_miss"
    NOT_REPORTED = "not_reported"
    EXCLUDED = "excluded"
    NOT_DUE = "not_due"


class EarnbackState(StrEnum):
    """Where this period's credit stands against earnback."""

    NOT_ELIGIBLE = "not_eligible"
    DEFERRED = "deferred"
    REFUNDABLE = "refundable"


class EarnbackOutcome(StrEnum):
    """Where an earlier credit's earnback window stands."""

    IN_PROGRESS = "in_progress"
    EARNED_BACK = "earned_back"
    LOST = "lost"


class RedFlagKind(StrEnum):
    """A termination trigger that has been reached."""

    REPEATED_DEFAULTS = "repeated_defaults"
    CONSECUTIVE_CREDITS = "consecutive_credits"
    FREQUENT_CREDITS = "frequent_credits"
    CRITICAL_FAILURE = "critical_failure"
