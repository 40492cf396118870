"""The ``service_levels`` section of the terms language: measures, credits and their rules.

The section states everything the service-level engine
(:mod:`pactline.engine.service_levels`) can apply: each measure and the levels it must
meet, how a failure is priced (eight credit models), how credits are limited (at-risk
amount, category pools, period and annual caps, minimum credit, excess, incidents), and
the rules around them (earnback, continuous improvement, defaults, termination triggers).
The field names are the engine's, so a path in an engine message is a path in the file.

Percentages are written as percent (``at_risk_pct: 12`` is 12%). Numbers are exact
decimals: write them plainly (``99.9``) or quoted (``"99.9"``); they are never floats.

Every cross-field rule is reported at the field to fix, with the measure's position:
``service_levels.measures[1].allocation_pct: ...``. After its own rules pass, the section
is built into the engine's terms, so any rule the engine adds is reported the same way,
and a valid document always converts: :func:`service_level_terms`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Self, TypeVar

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator

from pactline.engine import service_levels as sl
from pactline.engine.money import Rounding
from pactline.engine.money import plain_number as _num
from pactline.engine.service_levels import (
    CapBasis,
    Comparison,
    CreditModelKind,
    DaysSource,
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
    PartDays,
    StepCounting,
    Unit,
)
from pactline.terms.errors import TermsError, TermsIssue
from pactline.terms.schema import (
    CHECK_CURRENCY,
    IDENTIFIER_PATTERN,
    LongText,
    Money,
    Text,
    _custom,
    _dotted,
    _EngineProblem,
    _Rules,
    _Section,
    _text_input,
    _whole_number_input,
)

if TYPE_CHECKING:
    from pactline.terms.schema import TermsDocument

__all__ = [
    "NUMBER_PATTERN",
    "AnnualCap",
    "BusinessHours",
    "CapBasis",
    "ChargeBase",
    "Comparison",
    "Computation",
    "ComputedMetric",
    "ContinuousImprovement",
    "CountWithin",
    "CreditBand",
    "CreditCategory",
    "CreditModel",
    "CreditModelKind",
    "CreditRegime",
    "DaysSource",
    "DecimalRounding",
    "DefaultRules",
    "Direction",
    "Earnback",
    "EarnbackEligibility",
    "EarnbackMode",
    "EventClock",
    "EventSource",
    "ExcessRule",
    "ExclusionGround",
    "IncidentRule",
    "Measure",
    "MeasureType",
    "MeasurementPeriod",
    "MinimumCredit",
    "MinimumCreditRule",
    "MinimumCreditScope",
    "MonthOf",
    "NoReportRule",
    "PartDays",
    "PeriodCap",
    "PeriodCapBasis",
    "Rounding",
    "ServiceLevels",
    "StepCounting",
    "TerminationTriggers",
    "Unit",
    "service_level_terms",
]

NUMBER_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
"""How a number may be written as text in the section (no sign, no exponent)."""

_HUNDRED = Decimal(100)
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_T = TypeVar("_T")
Loc = tuple[str | int, ...]


# --------------------------------------------------------------------------- enums


class PeriodCapBasis(StrEnum):
    """What a period's credits are capped at: the engine's bases, or no period cap at all."""

    AT_RISK_AMOUNT = CapBasis.AT_RISK_AMOUNT.value
    PERCENT_OF_CHARGES = CapBasis.PERCENT_OF_CHARGES.value
    AMOUNT = CapBasis.AMOUNT.value
    NONE = "none"


# --------------------------------------------------------------------------- field types


def _number_input(value: object) -> object:
    """Accept whole numbers, decimals and numeric text; refuse true/false and other text."""
    if value is None:
        return value
    if isinstance(value, bool):
        raise _custom("number", "must be a number, like 99.5")
    if isinstance(value, float):
        # Floats only reach here from Python callers: take the digits that were typed.
        value = Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.fullmatch(text):
            raise _custom("number", "must be a number, like 99.5")
        return Decimal(text)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _custom("number", "must be a finite number, not NaN or infinity")
        return value
    raise _custom("number", "must be a number, like 99.5")


def _number_schema(**bounds: int) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **bounds},
                {"type": "string", "pattern": NUMBER_PATTERN},
            ]
        }
    )


Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, allow_inf_nan=False),
    BeforeValidator(_number_input),
    _number_schema(minimum=0, maximum=100),
]
"""A percentage, 0 to 100, written as percent (12 is 12%)."""

PositivePercent = Annotated[
    Decimal,
    Field(gt=0, le=100, allow_inf_nan=False),
    BeforeValidator(_number_input),
    _number_schema(exclusiveMinimum=0, maximum=100),
]
"""A percentage above 0 and at most 100."""

Allocation = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    BeforeValidator(_number_input),
    _number_schema(minimum=0),
]
"""An allocation percentage: 0 or more; allocations may add up to more than 100%."""

Value = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    BeforeValidator(_number_input),
    _number_schema(minimum=0),
]
"""A value in a measure's unit (a level, a band edge, an actual): 0 or more."""

Positive = Annotated[
    Decimal,
    Field(gt=0, allow_inf_nan=False),
    BeforeValidator(_number_input),
    _number_schema(exclusiveMinimum=0),
]
"""A number greater than 0."""

Multiplier = Annotated[
    Decimal,
    Field(ge=1, allow_inf_nan=False),
    BeforeValidator(_number_input),
    _number_schema(minimum=1),
]
"""A multiplier of 1 or more."""

Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN), BeforeValidator(_text_input)]
"""An id that files and measurement rows refer to: letters, digits, '.', '_', '-'."""

Flag = Annotated[bool, Field(strict=True)]
"""true or false, nothing else."""

Periods = Annotated[int, Field(ge=1, le=120), BeforeValidator(_whole_number_input)]
"""A whole number of periods (months), 1 to 120."""

Places = Annotated[int, Field(ge=0, le=10), BeforeValidator(_whole_number_input)]
MonthNumber = Annotated[int, Field(ge=1, le=12), BeforeValidator(_whole_number_input)]
RollingMonths = Annotated[int, Field(ge=2, le=120), BeforeValidator(_whole_number_input)]
Points = Annotated[int, Field(ge=0, le=100), BeforeValidator(_whole_number_input)]


# --------------------------------------------------------------------------- small parts


class DecimalRounding(_Section):
    """Rounding to a number of decimal places (of an actual before it is compared, say)."""

    places: Places = Field(
        description="How many decimal places to keep.",
        examples=[2],
    )
    mode: Rounding = Field(
        default=Rounding.HALF_UP,
        description=(
            "How the last kept place is rounded: half_up (99.945 → 99.95), half_even, "
            "half_down, up (away from zero), down (toward zero), ceiling, floor, 05up."
        ),
        examples=["half_up"],
    )

    def engine(self) -> sl.DecimalRounding:
        """The engine's rounding rule."""
        return sl.DecimalRounding(places=self.places, mode=self.mode)


class CountWithin(_Section):
    """A count of events within a rolling window of periods: "4 within 12"."""

    count: Periods = Field(
        description="How many events make the rule bite.",
        examples=[4],
    )
    periods: Periods = Field(
        description="The rolling window, in monthly periods, the events are counted within.",
        examples=[12],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.count > self.periods:
            rules.add(
                ["count"],
                f"must not be more than periods ({self.periods}): {self.count} events cannot "
                f"happen within {self.periods} periods",
            )
        rules.raise_any()
        return self

    def engine(self) -> sl.CountWithin:
        """The engine's count-within rule."""
        return sl.CountWithin(count=self.count, periods=self.periods)


# --------------------------------------------------------------------------- credit models


class CreditBand(_Section):
    """A range of actuals and what it earns: a credit % (banded) or points (service_points).

    An edge left out is open (no lower or no upper limit). By default a band includes its
    lower edge and not its upper one; set the inclusive flags to say otherwise.
    """

    lower: Value | None = Field(
        default=None,
        description=(
            "Lowest actual in the band, in the measure's unit; leave out for no lower limit."
        ),
        examples=[99],
    )
    upper: Value | None = Field(
        default=None,
        description=(
            "Highest actual in the band, in the measure's unit; leave out for no upper limit."
        ),
        examples=[99.5],
    )
    lower_inclusive: Flag = Field(
        default=True,
        description="Whether an actual equal to lower is in the band.",
        examples=[True],
    )
    upper_inclusive: Flag = Field(
        default=False,
        description="Whether an actual equal to upper is in the band.",
        examples=[False],
    )
    credit_pct: Percent | None = Field(
        default=None,
        description=(
            "banded model: the credit, as a % of the period's charges, for an actual in the band."
        ),
        examples=[5],
    )
    points: Points | None = Field(
        default=None,
        description="service_points model: the service points an actual in the band scores.",
        examples=[2],
    )


_Parameters = tuple[tuple[str, ...], tuple[str, ...]]

_MODEL_PARAMETERS: dict[CreditModelKind, _Parameters] = {
    CreditModelKind.POOL_ALLOCATION: ((), ()),
    CreditModelKind.PERCENT_OF_CHARGES: (("pct",), ()),
    CreditModelKind.SHORTFALL: ((), ("pct_per_unit", "max_credit_pct")),
    CreditModelKind.PER_STEP: (("pct_per_step", "step_size"), ("counting", "max_credit_pct")),
    CreditModelKind.BANDED: (("bands",), ()),
    CreditModelKind.SERVICE_POINTS: (("bands", "value_per_point_pct"), ("repeat_multiplier",)),
    CreditModelKind.DAY_EQUIVALENT: (
        (),
        ("days_from", "days", "max_days", "days_per_month", "part_days"),
    ),
    CreditModelKind.ESCALATING: (("base_pct", "after_failures", "step_pct", "max_pct"), ()),
}
"""Each credit model's (required, optional) parameters; every other parameter is refused."""


class CreditModel(_Section):
    """How one failure of a critical measure is priced: the model and its parameters.

    Give ``model`` and only the parameters that model uses; the meaning of each says
    which models use it. Credits are percentages of the period's charge base, except
    pool_allocation (a share of the at-risk amount) and day_equivalent (days of charges).
    """

    model: CreditModelKind = Field(
        description=(
            "The credit model. pool_allocation: category pool % × allocation % × at-risk amount. "
            "percent_of_charges: a fixed % of charges per failure. shortfall: the shortfall "
            "below the level, in the measure's unit, × pct_per_unit % of charges. per_step: "
            "pct_per_step % of charges per step_size of shortfall. banded: the credit_pct of "
            "the band the actual falls in. service_points: the band's points, multiplied on a "
            "repeat failure, × value_per_point_pct % of charges. day_equivalent: days × "
            "charges ÷ days_per_month. escalating: base_pct, rising by step_pct each further "
            "consecutive failure after after_failures, up to max_pct."
        ),
        examples=["pool_allocation"],
    )
    pct: Percent | None = Field(
        default=None,
        description=(
            "percent_of_charges (required): the credit per failure, as a % of the period's charges."
        ),
        examples=[5],
    )
    pct_per_unit: Positive | None = Field(
        default=None,
        description=(
            "shortfall: % of charges per unit of shortfall (per percentage point for a percent "
            "measure). Default 1."
        ),
        examples=[1],
    )
    pct_per_step: Percent | None = Field(
        default=None,
        description="per_step (required): % of charges for each step of shortfall.",
        examples=[0.5],
    )
    step_size: Positive | None = Field(
        default=None,
        description=(
            "per_step (required): the size of one step of shortfall, in the measure's unit."
        ),
        examples=[0.1],
    )
    counting: StepCounting | None = Field(
        default=None,
        description=(
            'per_step: each_full_step counts only whole steps ("each full 1%", floor); '
            'each_step_or_part counts a part step as a step ("every 0.1% or portion thereof", '
            "ceiling). Default each_full_step."
        ),
        examples=["each_step_or_part"],
    )
    max_credit_pct: Percent | None = Field(
        default=None,
        description=(
            "shortfall, per_step: the most one failure can cost, as a % of charges. Also the "
            "price of a missing report deemed a failure when there is no deemed_actual."
        ),
        examples=[10],
    )
    bands: tuple[CreditBand, ...] = Field(
        default=(),
        description=(
            "banded, service_points (required): bands of actuals that together cover every "
            "possible value exactly once (for a percent measure 0 to 100, edges included)."
        ),
        examples=[[{"lower": 99, "upper": 99.5, "credit_pct": 5}]],
    )
    value_per_point_pct: Percent | None = Field(
        default=None,
        description=(
            "service_points (required): what one service point is worth, as a % of charges."
        ),
        examples=[1],
    )
    repeat_multiplier: Multiplier | None = Field(
        default=None,
        description=(
            "service_points: what the points are multiplied by when the previous assessed "
            "period also failed. Default 2 (a repeat failure doubles the points)."
        ),
        examples=[2],
    )
    days_from: DaysSource | None = Field(
        default=None,
        description=(
            "day_equivalent: shortfall counts the days from the shortfall of a measure in days, "
            "hours or minutes; fixed counts each failure as `days`. Default shortfall."
        ),
        examples=["shortfall"],
    )
    days: Positive | None = Field(
        default=None,
        description=(
            "day_equivalent with days_from fixed (required): the days each failure counts as."
        ),
        examples=[1],
    )
    max_days: Positive | None = Field(
        default=None,
        description="day_equivalent: the most days one failure can count as.",
        examples=[5],
    )
    days_per_month: Positive | None = Field(
        default=None,
        description="day_equivalent: the days a month's charges are divided by. Default 30.",
        examples=[30],
    )
    part_days: PartDays | None = Field(
        default=None,
        description=(
            "day_equivalent: how part of a day of shortfall counts: pro_rata, round_up (a part "
            "day is a day) or round_down (only whole days). Default pro_rata."
        ),
        examples=["round_up"],
    )
    base_pct: Percent | None = Field(
        default=None,
        description=(
            "escalating (required): the credit for a failure, as a % of charges, until it "
            "escalates."
        ),
        examples=[2],
    )
    after_failures: Periods | None = Field(
        default=None,
        description=(
            "escalating (required): how many consecutive failures are credited at base_pct; "
            "each further consecutive failure adds step_pct."
        ),
        examples=[2],
    )
    step_pct: Percent | None = Field(
        default=None,
        description=(
            "escalating (required): what each further consecutive failure adds, as a % of charges."
        ),
        examples=[1],
    )
    max_pct: Percent | None = Field(
        default=None,
        description="escalating (required): the most the credit can rise to, as a % of charges.",
        examples=[6],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        required, optional = _MODEL_PARAMETERS[self.model]
        allowed = set(required) | set(optional)
        kind = self.model.value
        for name in _parameter_names():
            given = self._given(name)
            if name in required and not given:
                rules.add([name], f"required for the {kind} credit model")
            elif name not in allowed and given:
                uses = ", ".join([*required, *optional])
                rules.add(
                    [name],
                    f"not used by the {kind} credit model (it uses {uses})"
                    if uses
                    else f"not used by the {kind} credit model, which takes no parameters",
                )
        if self.model is CreditModelKind.DAY_EQUIVALENT:
            fixed = self.days_from is DaysSource.FIXED
            if fixed and self.days is None:
                rules.add(["days"], "required when days_from is fixed")
            if not fixed and self.days is not None:
                rules.add(
                    ["days"],
                    "must not be set unless days_from is fixed: the days are counted from the "
                    "shortfall",
                )
        if self.model in (CreditModelKind.BANDED, CreditModelKind.SERVICE_POINTS):
            wanted, other = (
                ("credit_pct", "points")
                if self.model is CreditModelKind.BANDED
                else ("points", "credit_pct")
            )
            for index, band in enumerate(self.bands):
                if getattr(band, wanted) is None:
                    rules.add(["bands", index, wanted], f"required for a band of the {kind} model")
                if getattr(band, other) is not None:
                    rules.add(
                        ["bands", index, other],
                        f"not used by the {kind} model: its bands give {wanted}",
                    )
        rules.raise_any()
        return self

    def _given(self, name: str) -> bool:
        value = getattr(self, name)
        return bool(value) if name == "bands" else value is not None

    def engine(self) -> sl.CreditModel:
        """The engine's credit model, with the engine's defaults for what is left out."""
        kind = self.model
        if kind is CreditModelKind.POOL_ALLOCATION:
            return sl.PoolAllocation()
        if kind is CreditModelKind.PERCENT_OF_CHARGES:
            return sl.PercentOfCharges(pct=_given(self.pct))
        if kind is CreditModelKind.SHORTFALL:
            return sl.Shortfall(
                pct_per_unit=self.pct_per_unit if self.pct_per_unit is not None else Decimal(1),
                max_credit_pct=self.max_credit_pct,
            )
        if kind is CreditModelKind.PER_STEP:
            return sl.PerStep(
                pct_per_step=_given(self.pct_per_step),
                step_size=_given(self.step_size),
                counting=self.counting or StepCounting.EACH_FULL_STEP,
                max_credit_pct=self.max_credit_pct,
            )
        if kind is CreditModelKind.BANDED:
            return sl.Banded(
                bands=tuple(
                    sl.CreditBand(
                        credit_pct=_given(band.credit_pct),
                        lower=band.lower,
                        upper=band.upper,
                        lower_inclusive=band.lower_inclusive,
                        upper_inclusive=band.upper_inclusive,
                    )
                    for band in self.bands
                )
            )
        if kind is CreditModelKind.SERVICE_POINTS:
            return sl.ServicePoints(
                bands=tuple(
                    sl.PointsBand(
                        points=_given(band.points),
                        lower=band.lower,
                        upper=band.upper,
                        lower_inclusive=band.lower_inclusive,
                        upper_inclusive=band.upper_inclusive,
                    )
                    for band in self.bands
                ),
                value_per_point_pct=_given(self.value_per_point_pct),
                repeat_multiplier=(
                    self.repeat_multiplier if self.repeat_multiplier is not None else Decimal(2)
                ),
            )
        if kind is CreditModelKind.DAY_EQUIVALENT:
            return sl.DayEquivalent(
                days_from=self.days_from or DaysSource.SHORTFALL,
                days=self.days,
                max_days=self.max_days,
                days_per_month=(
                    self.days_per_month if self.days_per_month is not None else Decimal(30)
                ),
                part_days=self.part_days or PartDays.PRO_RATA,
            )
        return sl.Escalating(
            base_pct=_given(self.base_pct),
            after_failures=_given(self.after_failures),
            step_pct=_given(self.step_pct),
            max_pct=_given(self.max_pct),
        )


def _parameter_names() -> list[str]:
    return [name for name in CreditModel.model_fields if name != "model"]


def _given(value: _T | None) -> _T:
    """A parameter the rules guarantee is present."""
    assert value is not None
    return value


# --------------------------------------------------------------------------- measures


_LEVELS = ("target", "expected", "minimum", "deemed_actual", "earnback_target")


# --------------------------------------------------------------------------- computed measures
# How a measure's monthly actual follows from raw events. Suppliers and customers argue about
# the raw data, so the derivation is part of the terms: the file of events (tickets or
# outages), which rows count, which timestamps start and stop the clock, and the figure made of
# them. pactline.service_levels.computed applies it.


class EventSource(StrEnum):
    """The kind of events file a figure is computed from."""

    TICKETS = "tickets"
    OUTAGES = "outages"


class ComputedMetric(StrEnum):
    """The figure made of the matching events."""

    PERCENT_WITHIN = "percent_within"  # share of tickets ended within within_hours
    AVERAGE_HOURS = "average_hours"  # mean duration of ended tickets, in (business) hours
    COUNT = "count"  # how many tickets match
    AVAILABILITY = "availability"  # 100 × (1 − unplanned ÷ (month − planned maintenance))


class EventClock(StrEnum):
    """How elapsed time is counted."""

    CALENDAR = "calendar"  # every hour of every day
    BUSINESS_HOURS = "business_hours"  # business hours of the contract's business days


class MonthOf(StrEnum):
    """Which timestamp puts a ticket in a month."""

    START = "start"
    END = "end"


_COLUMN_PATTERN = r"^[A-Za-z_][A-Za-z0-9_ .-]{0,62}$"
Column = Annotated[str, Field(pattern=_COLUMN_PATTERN), BeforeValidator(_text_input)]
"""A column name of the events file."""


def _hours_input(value: object) -> object:
    if isinstance(value, bool):
        raise _custom("number", "must be a number of hours, like 4")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    return value


Hours = Annotated[
    Decimal,
    Field(gt=0, le=8760, allow_inf_nan=False, decimal_places=4),
    BeforeValidator(_hours_input),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 8760},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,4})?$"},
            ]
        }
    ),
]


def _time_input(value: object) -> object:
    # YAML reads 09:00 as text, but 9:00 unquoted can arrive as a sexagesimal integer (540).
    if isinstance(value, int) and not isinstance(value, bool):
        raise _custom("time", 'must be a time of day in quotes, like "09:00"')
    return value


def _time_text(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


TimeOfDay = Annotated[
    time,
    BeforeValidator(_time_input),
    PlainSerializer(_time_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]
"""A time of day, written "08:00" (seconds are allowed: "08:00:30")."""


class BusinessHours(_Section):
    """When the business-hours clock runs on a business day of the contract's calendar."""

    start: TimeOfDay = Field(
        default=time(9),
        description="When the business day starts.",
        examples=["08:00"],
        json_schema_extra={"default": "09:00"},
    )
    end: TimeOfDay = Field(
        default=time(17),
        description="When the business day ends.",
        examples=["18:00"],
        json_schema_extra={"default": "17:00"},
    )

    @model_validator(mode="after")
    def _order(self) -> Self:
        rules = _Rules()
        if self.end <= self.start:
            rules.add(["end"], f"must be after start ({self.start:%H:%M})")
        rules.raise_any()
        return self


class Computation(_Section):
    """How the measure's monthly actual is computed from a file of tickets or outages."""

    source: EventSource = Field(
        description=(
            "The events file: `tickets` (one row per ticket) or `outages` (one row per outage "
            "or maintenance window)."
        ),
        examples=["tickets"],
    )
    metric: ComputedMetric = Field(
        description=(
            "The figure: `percent_within` (share of matching tickets ended within "
            "`within_hours`), `average_hours` (their mean duration), `count` (how many match), "
            "or `availability` (from outages)."
        ),
        examples=["percent_within"],
    )
    where: dict[Column, list[Annotated[str, Field(min_length=1, max_length=100)]]] = Field(
        default_factory=dict,
        description=(
            "Which rows count: for each column, the values it may have (compared as text). "
            "Rows must match every column listed."
        ),
        examples=[{"priority": ["P1"]}],
    )
    start: Column | None = Field(
        default=None,
        description=(
            "The column holding the start timestamp (default `opened_at` for tickets, "
            "`start_at` for outages)."
        ),
        examples=["opened_at"],
    )
    end: Column | None = Field(
        default=None,
        description=(
            "The column holding the end timestamp (default `resolved_at` for tickets, "
            "`end_at` for outages). An empty end is a ticket still open."
        ),
        examples=["resolved_at"],
    )
    within_hours: Hours | None = Field(
        default=None,
        description="The time limit of `percent_within`, in hours of the chosen clock.",
        examples=[4],
    )
    clock: EventClock = Field(
        default=EventClock.CALENDAR,
        description=(
            "How elapsed time is counted: `calendar` (every hour) or `business_hours` (the "
            "business hours below, on business days of the contract's holiday calendar)."
        ),
    )
    business_hours: BusinessHours | None = Field(
        default=None,
        description=(
            "The business day's hours when `clock` is `business_hours` (default 09:00-17:00)."
        ),
    )
    month_of: MonthOf = Field(
        default=MonthOf.START,
        description="Which timestamp puts a ticket in a month: its `start` or its `end`.",
    )
    planned: Column = Field(
        default="planned",
        description=(
            "Outages: the column that marks approved maintenance (true, yes, y, 1 or planned); "
            "planned time is taken out of the scheduled time, not counted as downtime."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        rules = _Rules()
        outages = self.source is EventSource.OUTAGES
        if outages and self.metric is not ComputedMetric.AVAILABILITY:
            rules.add(["metric"], "must be availability for an outages file")
        if not outages and self.metric is ComputedMetric.AVAILABILITY:
            rules.add(["source"], "must be outages for availability")
        if self.metric is ComputedMetric.PERCENT_WITHIN and self.within_hours is None:
            rules.add(["within_hours"], "required for percent_within: the time limit in hours")
        if self.metric is not ComputedMetric.PERCENT_WITHIN and self.within_hours is not None:
            rules.add(["within_hours"], "only percent_within has a time limit")
        if self.business_hours is not None and self.clock is not EventClock.BUSINESS_HOURS:
            rules.add(["business_hours"], "only with clock: business_hours")
        if outages and self.clock is EventClock.BUSINESS_HOURS:
            rules.add(["clock"], "availability is measured over the whole month: use calendar")
        rules.raise_any()
        return self


_COMPUTED_UNITS = {
    ComputedMetric.PERCENT_WITHIN: Unit.PERCENT,
    ComputedMetric.AVAILABILITY: Unit.PERCENT,
    ComputedMetric.AVERAGE_HOURS: Unit.HOURS,
    ComputedMetric.COUNT: Unit.COUNT,
}
"""The unit of each computed figure: the measure must be in the same unit."""


class Measure(_Section):
    """One service level: what is measured, the level(s) to meet and how a failure is priced."""

    id: Identifier = Field(
        description=(
            "Short id of the measure, unique in the contract; measurement files and messages "
            "use it. Letters, digits, '.', '_' and '-'."
        ),
        examples=["availability"],
    )
    name: Text = Field(
        description="Name of the measure as the contract gives it.",
        examples=["Network availability"],
    )
    type: MeasureType = Field(
        description=(
            "critical: a critical service level, which carries a credit when missed. key: a "
            "key measurement, reported only (it may later be promoted to critical in a new "
            "terms version)."
        ),
        examples=["critical"],
    )
    unit: Unit = Field(
        description=(
            "What the measure counts. Actuals of a percent measure lie between 0 and 100, of a "
            "ratio between 0 and 1; others from 0."
        ),
        examples=["percent"],
    )
    direction: Direction = Field(
        description=(
            "Whether a higher actual is better (availability) or a lower one (resolution time)."
        ),
        examples=["higher_is_better"],
    )
    definition: LongText | None = Field(
        default=None,
        description="How the measure is calculated, as the contract defines it.",
        examples=["Minutes the core network is available ÷ scheduled minutes, less maintenance."],
    )
    computed: Computation | None = Field(
        default=None,
        description=(
            "How the monthly actual is computed from a file of raw events (tickets or "
            "outages), so the figure can be reproduced from the data both parties hold."
        ),
    )
    measurement_period: MeasurementPeriod = Field(
        default=MeasurementPeriod.MONTHLY,
        description=(
            "Over what time the measure is assessed: monthly; quarterly (in the last month of "
            "each quarter, on the average of its months); or rolling_average (each month, on "
            "the average of the last rolling_months months)."
        ),
        examples=["monthly"],
    )
    rolling_months: RollingMonths | None = Field(
        default=None,
        description="How many months a rolling average covers. Required for rolling_average only.",
        examples=[3],
    )
    quarter_start_month: MonthNumber | None = Field(
        default=None,
        description=(
            "For a quarterly measure, the month (1-12) a quarter starts in; default 1 "
            "(quarters January-March, April-June, ...)."
        ),
        examples=[4],
    )
    target: Value | None = Field(
        default=None,
        description=(
            "The one level to meet, in the measure's unit. Give either target, or expected "
            "and minimum. Missing a single target counts as a minimum-level miss."
        ),
        examples=[99.5],
    )
    expected: Value | None = Field(
        default=None,
        description=(
            "The expected service level (ESL): missing it while meeting minimum is an "
            "expected-level miss."
        ),
        examples=[99.9],
    )
    minimum: Value | None = Field(
        default=None,
        description=(
            "The minimum service level (MSL): missing it is a minimum-level miss. Not better "
            "than expected (for higher_is_better, at most expected)."
        ),
        examples=[99.5],
    )
    comparison: Comparison = Field(
        default=Comparison.INCLUSIVE,
        description=(
            "inclusive: an actual exactly at a level meets it (99.5 meets 99.5). strict: it "
            "must be strictly better than the level."
        ),
        examples=["inclusive"],
    )
    actual_rounding: DecimalRounding | None = Field(
        default=None,
        description=(
            "Round the actual to this many decimal places before comparing it with the levels."
        ),
        examples=[{"places": 2, "mode": "half_up"}],
    )
    no_report: NoReportRule = Field(
        default=NoReportRule.DEEMED_FAILED,
        description=(
            "What a period with no reported value counts as: deemed_failed (a minimum-level "
            "miss, the common clause), ignored (not assessed) or deemed_met."
        ),
        examples=["deemed_failed"],
    )
    deemed_actual: Value | None = Field(
        default=None,
        description=(
            "The actual a missing report is priced at when it is deemed a failure and the "
            "credit model needs an actual (shortfall, per_step, day_equivalent from shortfall)."
        ),
        examples=[0],
    )
    credit: CreditModel | None = Field(
        default=None,
        description=(
            "How a failure is priced. Required for a critical measure; not allowed for a key one."
        ),
        examples=[{"model": "pool_allocation"}],
    )
    allocation_pct: Allocation | None = Field(
        default=None,
        description=(
            "pool_allocation only: the measure's share of its category's pool of the at-risk "
            "amount, in percent. Allocations may add up to more than 100%."
        ),
        examples=[25],
    )
    category: Identifier | None = Field(
        default=None,
        description=(
            "Name of the credit category (service_levels.credits.categories) the measure belongs "
            "to. Required for pool_allocation measures when there are categories."
        ),
        examples=["availability"],
    )
    component: Text | None = Field(
        default=None,
        description=(
            "The service component the measure covers. With incident_rule per_component, one "
            "incident credits each component once."
        ),
        examples=["core-network"],
    )
    earnback_target: Value | None = Field(
        default=None,
        description=(
            "A level, at least as demanding as the measure's own, that must be met in the "
            "earnback window to earn a credit back; default the measure's level."
        ),
        examples=[99.95],
    )

    @property
    def level(self) -> Decimal | None:
        """The level whose miss is a failure: the target, or the expected level."""
        return self.target if self.target is not None else self.expected

    def better(self, first: Decimal, second: Decimal) -> bool:
        """Whether ``first`` is strictly better than ``second`` in this measure's direction."""
        if self.direction is Direction.HIGHER_IS_BETTER:
            return first > second
        return first < second

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        self._threshold_rules(rules)
        self._period_rules(rules)
        self._credit_rules(rules)
        self._computed_rules(rules)
        rules.raise_any()
        return self

    def _computed_rules(self, rules: _Rules) -> None:
        if self.computed is None:
            return
        unit = _COMPUTED_UNITS[self.computed.metric]
        if self.unit is not unit:
            rules.add(
                ["computed", "metric"],
                f"{self.computed.metric.value} gives a figure in {unit.value}, but the measure's "
                f"unit is {self.unit.value}",
            )

    def _threshold_rules(self, rules: _Rules) -> None:
        if self.target is not None:
            for name in ("expected", "minimum"):
                if getattr(self, name) is not None:
                    rules.add(
                        [name], "give either a target, or expected and minimum levels, not both"
                    )
        elif self.expected is None and self.minimum is None:
            rules.add(["target"], "required: give a target, or expected and minimum levels")
        elif self.expected is None or self.minimum is None:
            missing, given = (
                ("expected", "minimum") if self.expected is None else ("minimum", "expected")
            )
            rules.add(
                [missing],
                f"required with {given}: give both expected and minimum levels, or one target",
            )
        elif self.better(self.minimum, self.expected):
            if self.direction is Direction.HIGHER_IS_BETTER:
                wrong = f"must not be above expected ({_num(self.expected)})"
                why = "a higher_is_better measure's minimum is the lower level"
            else:
                wrong = f"must not be below expected ({_num(self.expected)})"
                why = "a lower_is_better measure's minimum is the higher level"
            rules.add(["minimum"], f"{wrong}: {why}")
        _, high = self.unit.bounds()
        for name in _LEVELS:
            value = getattr(self, name)
            if value is not None and high is not None and value > high:
                rules.add([name], f"must be at most {_num(high)} for a {self.unit.value} measure")
        level = self.level
        target = self.earnback_target
        if target is not None and level is not None and self.better(level, target):
            rules.add(
                ["earnback_target"],
                f"must not be easier than the level ({_num(level)}): earning a credit back "
                "takes at least the level",
            )

    def _period_rules(self, rules: _Rules) -> None:
        period = self.measurement_period
        if period is MeasurementPeriod.ROLLING_AVERAGE and self.rolling_months is None:
            rules.add(["rolling_months"], "required when measurement_period is rolling_average")
        if period is not MeasurementPeriod.ROLLING_AVERAGE and self.rolling_months is not None:
            rules.add(
                ["rolling_months"],
                "must not be set unless measurement_period is rolling_average",
            )
        if period is not MeasurementPeriod.QUARTERLY and self.quarter_start_month is not None:
            rules.add(
                ["quarter_start_month"],
                "must not be set unless measurement_period is quarterly",
            )

    def _credit_rules(self, rules: _Rules) -> None:
        credit = self.credit
        if self.type is MeasureType.KEY:
            if credit is not None:
                rules.add(
                    ["credit"],
                    "must not be set for a key measurement: it is reported only; make the "
                    "measure critical to price its failures",
                )
            if self.allocation_pct is not None:
                rules.add(
                    ["allocation_pct"],
                    "must not be set for a key measurement: it carries no credit",
                )
            return
        if credit is None:
            rules.add(
                ["credit"], "required for a critical measure: the credit model that prices a miss"
            )
            return
        if credit.model is CreditModelKind.POOL_ALLOCATION:
            if self.allocation_pct is None:
                rules.add(
                    ["allocation_pct"],
                    "required with the pool_allocation credit model: the measure's share of "
                    "its pool",
                )
        elif self.allocation_pct is not None:
            rules.add(
                ["allocation_pct"],
                f"only the pool_allocation credit model uses an allocation (this measure uses "
                f"{credit.model.value})",
            )
        model = credit.engine()
        for field, problem in model.problems(self.unit):
            rules.add(["credit", *_split(field)], problem)
        if self.no_report is NoReportRule.DEEMED_FAILED:
            if model.needs_actual and not model.worst_case() and self.deemed_actual is None:
                rules.add(
                    ["deemed_actual"],
                    f"required: a missing report is deemed a failure, but the {credit.model.value} "
                    "model needs an actual to price it; give deemed_actual, or a maximum in the "
                    "credit model",
                )
        elif self.deemed_actual is not None:
            rules.add(["deemed_actual"], "must not be set unless no_report is deemed_failed")

    def engine(self) -> sl.Measure:
        """The engine's measure."""
        return sl.Measure(
            id=self.id,
            name=self.name,
            type=self.type,
            unit=self.unit,
            direction=self.direction,
            target=self.target,
            expected=self.expected,
            minimum=self.minimum,
            measurement_period=self.measurement_period,
            rolling_months=self.rolling_months,
            quarter_start_month=self.quarter_start_month or 1,
            comparison=self.comparison,
            actual_rounding=(
                _built(("actual_rounding",), self.actual_rounding.engine)
                if self.actual_rounding is not None
                else None
            ),
            no_report=self.no_report,
            deemed_actual=self.deemed_actual,
            credit=self.credit.engine() if self.credit is not None else None,
            allocation_pct=self.allocation_pct,
            category=self.category,
            component=self.component,
            earnback_target=self.earnback_target,
        )


# --------------------------------------------------------------------------- the credit regime


class ChargeBase(_Section):
    """The charges credits are worked out from, per monthly period."""

    amount: Money = Field(
        description=(
            'The monthly charge base (the "service level invoice amount") in the contract '
            "currency, used for every period unless `pactline evaluate --charge-base` says "
            "otherwise. The at-risk amount and credits as a % of charges are worked out from it."
        ),
        examples=["250000.00"],
    )
    note: LongText | None = Field(
        default=None,
        description="Which charges form the base, as the contract names them.",
        examples=["Monthly service charges for the managed network (Schedule 5)."],
    )


class CreditCategory(_Section):
    """A group of measures sharing a pool: its share of the at-risk amount."""

    name: Identifier = Field(
        description="Name of the category; measures name it in their category field.",
        examples=["availability"],
    )
    pool_pct: Percent = Field(
        description="The category's pool, as a % of the at-risk amount.",
        examples=[60],
    )
    max_allocation_pct: Allocation | None = Field(
        default=None,
        description=(
            "The most the allocations of the category's measures may add up to, in percent."
        ),
        examples=[100],
    )


class PeriodCap(_Section):
    """The most one period's credits can total."""

    basis: PeriodCapBasis = Field(
        default=PeriodCapBasis.AT_RISK_AMOUNT,
        description=(
            "at_risk_amount: the at-risk amount. percent_of_charges: pct % of the period's "
            "charges. amount: a fixed amount. none: no period cap (an annual cap may still apply)."
        ),
        examples=["at_risk_amount"],
    )
    pct: Percent | None = Field(
        default=None,
        description="The cap as a % of the period's charges. Required for percent_of_charges only.",
        examples=[15],
    )
    amount: Money | None = Field(
        default=None,
        description="The cap as a fixed amount in the contract currency. Required for amount only.",
        examples=["25000.00"],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        wanted = {
            PeriodCapBasis.PERCENT_OF_CHARGES: "pct",
            PeriodCapBasis.AMOUNT: "amount",
        }.get(self.basis)
        for name in ("pct", "amount"):
            value = getattr(self, name)
            if name == wanted and value is None:
                rules.add([name], f"required when basis is {self.basis.value}")
            if name != wanted and value is not None:
                rules.add([name], f"must not be set when basis is {self.basis.value}")
        rules.raise_any()
        return self

    def engine(self) -> sl.PeriodCap | None:
        """The engine's period cap, or None for no period cap."""
        if self.basis is PeriodCapBasis.NONE:
            return None
        return sl.PeriodCap(basis=CapBasis(self.basis.value), pct=self.pct, amount=self.amount)


class AnnualCap(_Section):
    """Credits over a trailing year may not exceed a % of that year's charges."""

    pct: Percent = Field(
        description=(
            "The cap, as a % of the charges of the trailing periods: a period's credits are "
            "limited so that they and the credits of the earlier periods in the window stay "
            "within it."
        ),
        examples=[8],
    )
    periods: Periods = Field(
        default=12,
        description="How many monthly periods the trailing window covers, this one included.",
        examples=[12],
    )

    def engine(self) -> sl.AnnualCap:
        """The engine's annual cap."""
        return sl.AnnualCap(pct=self.pct, periods=self.periods)


class MinimumCredit(_Section):
    """A de-minimis rule: no credit under an amount, or every credit raised to it."""

    amount: Money = Field(
        description="The minimum credit, in the contract currency.",
        examples=["1.00"],
    )
    rule: MinimumCreditRule = Field(
        default=MinimumCreditRule.NONE_IF_UNDER,
        description=(
            "none_if_under: a credit below the amount is not due. floor_at: it is raised to the "
            "amount."
        ),
        examples=["none_if_under"],
    )
    applies_to: MinimumCreditScope = Field(
        default=MinimumCreditScope.EACH_CREDIT,
        description="each_credit: each measure's credit. period_total: the period's total.",
        examples=["each_credit"],
    )

    def engine(self) -> sl.MinimumCredit:
        """The engine's minimum-credit rule."""
        return sl.MinimumCredit(amount=self.amount, rule=self.rule, applies_to=self.applies_to)


class CreditRegime(_Section):
    """How credits are sized and limited: at-risk %, pools, caps, minimum, excess, incidents."""

    at_risk_pct: Percent = Field(
        description=(
            "The at-risk amount as a % of the period's charge base: the pool that "
            "pool_allocation credits share, and by default the cap on a period's credits."
        ),
        examples=[12],
    )
    categories: tuple[CreditCategory, ...] = Field(
        default=(),
        description="Categories that split the at-risk amount into pools; each name once.",
        examples=[[{"name": "availability", "pool_pct": 60}]],
    )
    max_total_allocation_pct: Positive | None = Field(
        default=None,
        description=(
            "The most the allocations of all pool_allocation measures may add up to, in "
            "percent (often 150-250%)."
        ),
        examples=[250],
    )
    period_cap: PeriodCap | None = Field(
        default=None,
        description=(
            "The cap on one period's credits. Leave out to cap them at the at-risk amount; "
            "basis none for no period cap."
        ),
        examples=[{"basis": "at_risk_amount"}],
    )
    annual_cap: AnnualCap | None = Field(
        default=None,
        description="A cap on the credits of a trailing year, as a % of that year's charges.",
        examples=[{"pct": 8, "periods": 12}],
    )
    minimum_credit: MinimumCredit | None = Field(
        default=None,
        description="A minimum credit: none under it, or raised to it.",
        examples=[{"amount": "1.00", "rule": "none_if_under"}],
    )
    excess: ExcessRule = Field(
        default=ExcessRule.DISCARDED,
        description=(
            "What happens to credits above a cap: discarded, or carried_forward to later "
            "periods (subject to their caps)."
        ),
        examples=["discarded"],
    )
    incident_rule: IncidentRule = Field(
        default=IncidentRule.ALL_COUNT,
        description=(
            "How several failures caused by one incident are credited: all_count (each, "
            "subject to the cap), customer_chooses (one; the highest is proposed), "
            "deemed_one_event (the highest applies) or per_component (the highest per component)."
        ),
        examples=["all_count"],
    )
    rounding: Rounding = Field(
        default=Rounding.HALF_UP,
        description=(
            "How each credit is rounded to the currency's minor unit (caps are always rounded "
            "down)."
        ),
        examples=["half_up"],
    )

    def engine(self) -> sl.CreditRegime:
        """The engine's credit regime."""
        return sl.CreditRegime(
            at_risk_pct=self.at_risk_pct,
            categories=tuple(
                sl.Category(
                    name=category.name,
                    pool_pct=category.pool_pct,
                    max_allocation_pct=category.max_allocation_pct,
                )
                for category in self.categories
            ),
            max_total_allocation_pct=self.max_total_allocation_pct,
            period_cap=self.period_cap.engine() if self.period_cap is not None else sl.PeriodCap(),
            annual_cap=self.annual_cap.engine() if self.annual_cap is not None else None,
            minimum_credit=self.minimum_credit.engine() if self.minimum_credit else None,
            excess=self.excess,
            incident_rule=self.incident_rule,
            rounding=self.rounding,
        )


# --------------------------------------------------------------------------- rules around credits


class DefaultRules(_Section):
    """When a failure of a critical measure is a contractual default."""

    minimum_miss_is_default: Flag = Field(
        default=True,
        description=(
            "Whether missing the minimum level (or a single target) is a default in its period."
        ),
        examples=[True],
    )
    expected_misses: CountWithin | None = Field(
        default=None,
        description=(
            "Misses of the expected level that make a default: the count-th miss within the "
            "last periods periods is a default (e.g. 4 within 12). Leave out: never a default."
        ),
        examples=[{"count": 4, "periods": 12}],
    )

    def engine(self) -> sl.DefaultRules:
        """The engine's default rules."""
        misses = self.expected_misses
        return sl.DefaultRules(
            minimum_miss_is_default=self.minimum_miss_is_default,
            expected_misses=(
                _built(("expected_misses",), misses.engine) if misses is not None else None
            ),
        )


class TerminationTriggers(_Section):
    """Conditions reported as red flags: they give termination rights, not money."""

    measure_defaults: CountWithin | None = Field(
        default=None,
        description=(
            "Defaults of one critical measure within a window that give a right to terminate "
            "(e.g. 3 within 6)."
        ),
        examples=[{"count": 3, "periods": 6}],
    )
    consecutive_credit_periods: Periods | None = Field(
        default=None,
        description="Service credits in this many consecutive periods.",
        examples=[3],
    )
    credit_periods: CountWithin | None = Field(
        default=None,
        description="Service credits in count periods within a window (e.g. 5 within 12).",
        examples=[{"count": 5, "periods": 12}],
    )
    any_critical_failure: Flag = Field(
        default=False,
        description="Whether any minimum-level failure of a critical measure is a trigger.",
        examples=[False],
    )

    def engine(self) -> sl.TerminationTriggers:
        """The engine's termination triggers."""
        defaults, credits = self.measure_defaults, self.credit_periods
        return sl.TerminationTriggers(
            measure_defaults=(
                _built(("measure_defaults",), defaults.engine) if defaults is not None else None
            ),
            consecutive_credit_periods=self.consecutive_credit_periods,
            credit_periods=(
                _built(("credit_periods",), credits.engine) if credits is not None else None
            ),
            any_critical_failure=self.any_critical_failure,
        )


class Earnback(_Section):
    """How a credit may be earned back by meeting the level in the following periods."""

    window_periods: Periods = Field(
        description=(
            "How many following assessed periods must each meet the level (or the measure's "
            "earnback_target) to earn the credit back."
        ),
        examples=[3],
    )
    mode: EarnbackMode = Field(
        default=EarnbackMode.DEFERRED,
        description=(
            "deferred: the credit is held, then waived if earned back or released if not. "
            "refund: it is credited now and refunded if earned back."
        ),
        examples=["deferred"],
    )
    eligibility: EarnbackEligibility = Field(
        default=EarnbackEligibility.ALL_FAILURES,
        description=(
            "all_failures, or above_minimum: only misses of the expected level while meeting "
            'the minimum (the "yellow zone") can be earned back.'
        ),
        examples=["above_minimum"],
    )

    def engine(self) -> sl.Earnback:
        """The engine's earnback rule."""
        return sl.Earnback(
            window_periods=self.window_periods, mode=self.mode, eligibility=self.eligibility
        )


class ContinuousImprovement(_Section):
    """After N consecutive periods better than the level, the level moves toward the average."""

    consecutive_periods: Periods = Field(
        description="How many consecutive assessed periods better than the level raise it.",
        examples=[6],
    )
    rise_pct: PositivePercent = Field(
        default=Decimal(50),
        description=(
            "How far the level moves toward the average actual of those periods, in percent "
            "(50: halfway)."
        ),
        examples=[50],
    )
    headroom_cap_pct: PositivePercent | None = Field(
        default=None,
        description=(
            "The most the level may move, as a % of the headroom between the level and the "
            "best possible value (100% for a percent measure, 0 for lower_is_better)."
        ),
        examples=[25],
    )
    level_rounding: DecimalRounding | None = Field(
        default=None,
        description="Round a raised level to this many decimal places (never to an easier level).",
        examples=[{"places": 2, "mode": "down"}],
    )
    measure_ids: tuple[Identifier, ...] = Field(
        default=(),
        description="The measures the clause covers, by id; leave out for every measure.",
        examples=[["availability"]],
    )

    def engine(self) -> sl.ContinuousImprovement:
        """The engine's continuous-improvement clause."""
        rounding = self.level_rounding
        return sl.ContinuousImprovement(
            consecutive_periods=self.consecutive_periods,
            rise_pct=self.rise_pct,
            headroom_cap_pct=self.headroom_cap_pct,
            level_rounding=(
                _built(("level_rounding",), rounding.engine) if rounding is not None else None
            ),
            measure_ids=self.measure_ids or None,
        )


# --------------------------------------------------------------------------- exclusions


class ExclusionGround(_Section):
    """A ground on which the contract lets events or time be left out of a measurement."""

    id: Identifier = Field(
        description="The ground's id, which an exclusion request names.",
        examples=["scheduled_maintenance"],
    )
    description: LongText = Field(
        description="What the contract allows, in its words, with the clause.",
        examples=["Maintenance in the agreed window, notified 5 business days ahead (4.3)."],
    )
    measure_ids: tuple[Identifier, ...] | None = Field(
        default=None,
        description="The measures the ground applies to. Leave out: every measure.",
        examples=[["availability"]],
    )


# --------------------------------------------------------------------------- the section


class ServiceLevels(_Section):
    """Service levels and service credits: measures, the credit regime and the rules around them."""

    charge_base: ChargeBase | None = Field(
        default=None,
        description=(
            "The monthly charge base credits are worked out from (until the charges section "
            "states the charges themselves)."
        ),
        examples=[{"amount": "250000.00"}],
    )
    credits: CreditRegime | None = Field(
        default=None,
        description=("How credits are sized and limited. Required when any measure is critical."),
        examples=[{"at_risk_pct": 12}],
    )
    measures: tuple[Measure, ...] = Field(
        json_schema_extra={"minItems": 1},
        description="The measures: critical service levels and key measurements; at least one.",
        examples=[
            [
                {
                    "id": "availability",
                    "name": "Network availability",
                    "type": "key",
                    "unit": "percent",
                    "direction": "higher_is_better",
                    "target": 99.5,
                }
            ]
        ],
    )
    default_rules: DefaultRules | None = Field(
        default=None,
        description=(
            "When a failure is a contractual default. Leave out: failures are never defaults."
        ),
        examples=[{"minimum_miss_is_default": True}],
    )
    termination_triggers: TerminationTriggers | None = Field(
        default=None,
        description="Conditions that give a right to terminate, reported as red flags.",
        examples=[{"consecutive_credit_periods": 3}],
    )
    earnback: Earnback | None = Field(
        default=None,
        description="How a credit can be earned back. Leave out: credits stand.",
        examples=[{"window_periods": 3}],
    )
    continuous_improvement: ContinuousImprovement | None = Field(
        default=None,
        description="How levels rise after sustained better performance. Leave out: levels stay.",
        examples=[{"consecutive_periods": 6}],
    )
    exclusions: tuple[ExclusionGround, ...] = Field(
        default=(),
        description=(
            "The grounds on which events or time may be excluded from a measurement "
            "(scheduled maintenance, a missed customer dependency, force majeure). When given, "
            "every exclusion request names one. Leave out: a request gives only its reason."
        ),
        examples=[[{"id": "force_majeure", "description": "Force majeure (clause 21)."}]],
    )

    def ground(self, ground_id: str) -> ExclusionGround | None:
        """The exclusion ground with this id, if the terms name it."""
        return next((g for g in self.exclusions if g.id == ground_id), None)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        self._id_rules(rules)
        self._ground_rules(rules)
        self._category_rules(rules)
        self._allocation_rules(rules)
        self._improvement_rules(rules)
        if not rules:
            # The engine has the last word: whatever else it refuses is reported here too,
            # at the field to fix, so a valid document always converts.
            try:
                self.engine(CHECK_CURRENCY)
            except _EngineProblem as problem:
                rules.add(problem.loc, problem.message)
        rules.raise_any()
        return self

    def _id_rules(self, rules: _Rules) -> None:
        if not self.measures:
            rules.add(["measures"], "give at least one measure")
        first: dict[str, int] = {}
        for index, measure in enumerate(self.measures):
            if measure.id in first:
                rules.add(
                    ["measures", index, "id"],
                    f"the id '{measure.id}' is also used by "
                    f"service_levels.measures[{first[measure.id]}]; each measure needs its own id",
                )
            else:
                first[measure.id] = index
        critical = [m for m in self.measures if m.type is MeasureType.CRITICAL]
        if critical and self.credits is None:
            rules.add(
                ["credits"],
                f"required when a measure is critical ({critical[0].id}): the at-risk "
                "percentage and how credits are limited",
            )

    def _ground_rules(self, rules: _Rules) -> None:
        seen: dict[str, int] = {}
        ids = {measure.id for measure in self.measures}
        for index, ground in enumerate(self.exclusions):
            if ground.id in seen:
                rules.add(
                    ["exclusions", index, "id"],
                    f"the id '{ground.id}' is also used by service_levels.exclusions"
                    f"[{seen[ground.id]}]",
                )
            else:
                seen[ground.id] = index
            for position, measure_id in enumerate(ground.measure_ids or ()):
                if measure_id not in ids:
                    rules.add(
                        ["exclusions", index, "measure_ids", position],
                        f"no measure '{measure_id}' in service_levels.measures",
                    )

    def _category_rules(self, rules: _Rules) -> None:
        categories = self.credits.categories if self.credits is not None else ()
        names: dict[str, int] = {}
        for index, category in enumerate(categories):
            if category.name in names:
                rules.add(
                    ["credits", "categories", index, "name"],
                    f"the name '{category.name}' is also used by "
                    f"service_levels.credits.categories[{names[category.name]}]",
                )
            else:
                names[category.name] = index
        known = ", ".join(names) or "none"
        for index, measure in enumerate(self.measures):
            if measure.category is not None and measure.category not in names:
                rules.add(
                    ["measures", index, "category"],
                    f"no category '{measure.category}' in service_levels.credits.categories "
                    f"(categories: {known})",
                )
            pooled = measure.credit is not None and measure.credit.model is (
                CreditModelKind.POOL_ALLOCATION
            )
            if pooled and names and measure.category is None:
                rules.add(
                    ["measures", index, "category"],
                    "required: the credits are shared out by category, so a pool_allocation "
                    f"measure names its category ({known})",
                )

    def _allocation_rules(self, rules: _Rules) -> None:
        regime = self.credits
        if regime is None:
            return
        limits = {c.name: c.max_allocation_pct for c in regime.categories}
        total = Decimal(0)
        by_category: dict[str, Decimal] = {}
        total_reported = False
        reported: set[str] = set()
        for index, measure in enumerate(self.measures):
            if measure.allocation_pct is None or measure.credit is None:
                continue
            total += measure.allocation_pct
            limit = regime.max_total_allocation_pct
            if limit is not None and total > limit and not total_reported:
                total_reported = True
                rules.add(
                    ["measures", index, "allocation_pct"],
                    f"allocations add up to {_num(total)}% by this measure, over "
                    f"service_levels.credits.max_total_allocation_pct ({_num(limit)}%)",
                )
            name = measure.category
            if name is None or name not in limits:
                continue
            running = by_category.get(name, Decimal(0)) + measure.allocation_pct
            by_category[name] = running
            category_limit = limits[name]
            if category_limit is not None and running > category_limit and name not in reported:
                reported.add(name)
                rules.add(
                    ["measures", index, "allocation_pct"],
                    f"allocations in category '{name}' add up to {_num(running)}% by this "
                    f"measure, over its max_allocation_pct ({_num(category_limit)}%)",
                )

    def _improvement_rules(self, rules: _Rules) -> None:
        clause = self.continuous_improvement
        if clause is None:
            return
        ids = [measure.id for measure in self.measures]
        seen: set[str] = set()
        for index, measure_id in enumerate(clause.measure_ids):
            where: Loc = ("continuous_improvement", "measure_ids", index)
            if measure_id not in ids:
                rules.add(where, f"no measure has the id '{measure_id}'")
            elif measure_id in seen:
                rules.add(where, f"'{measure_id}' is listed twice")
            seen.add(measure_id)
        if clause.headroom_cap_pct is None:
            return
        for measure in self.measures:
            covered = not clause.measure_ids or measure.id in clause.measure_ids
            unbounded = (
                measure.direction is Direction.HIGHER_IS_BETTER and measure.unit.bounds()[1] is None
            )
            if covered and unbounded:
                rules.add(
                    ["continuous_improvement", "headroom_cap_pct"],
                    f"cannot apply to '{measure.id}': a higher_is_better measure in "
                    f"{measure.unit.value} has no best possible value to measure headroom to; "
                    "list only other measures in measure_ids",
                )

    def engine(self, currency: str) -> sl.ServiceLevelTerms:
        """The engine's terms, in ``currency``; raises :class:`_EngineProblem` with a path."""
        try:
            regime = (
                self.credits.engine()
                if self.credits is not None
                else sl.CreditRegime(at_risk_pct=Decimal(0), period_cap=None)
            )
            measures = [
                _built(("measures", index), measure.engine)
                for index, measure in enumerate(self.measures)
            ]
            return sl.ServiceLevelTerms(
                currency=currency,
                measures=tuple(measures),
                credits=regime,
                default_rules=(
                    _built(("default_rules",), self.default_rules.engine)
                    if self.default_rules is not None
                    else None
                ),
                termination_triggers=(
                    _built(("termination_triggers",), self.termination_triggers.engine)
                    if self.termination_triggers is not None
                    else sl.TerminationTriggers()
                ),
                earnback=self.earnback.engine() if self.earnback is not None else None,
                continuous_improvement=(
                    _built(("continuous_improvement",), self.continuous_improvement.engine)
                    if self.continuous_improvement is not None
                    else None
                ),
            )
        except sl.ServiceLevelTermsError as error:
            raise _EngineProblem(self._loc(error.path), error.problem) from None
        except (TypeError, ValueError) as error:
            raise _EngineProblem((), str(error)) from None

    def _loc(self, path: str) -> Loc:
        """The location in this section of a path in an engine message.

        The engine names measures and categories by id (``measures[availability]``); the
        file names them by position (``measures[0]``).
        """
        if path == "measures[].id":
            return ("measures",)
        match = re.fullmatch(r"measures\[([^\]]+)\](.*)", path)
        if match:
            ids = [measure.id for measure in self.measures]
            if match.group(1) in ids:
                return ("measures", ids.index(match.group(1)), *_split(match.group(2)))
        match = re.fullmatch(r"credits\.categories\[([^\]]+)\](.*)", path)
        if match and self.credits is not None:
            names = [category.name for category in self.credits.categories]
            if match.group(1) in names:
                return (
                    "credits",
                    "categories",
                    names.index(match.group(1)),
                    *_split(match.group(2)),
                )
        return _split(path)


def _built(loc: Loc, build: Callable[[], _T]) -> _T:
    """Build an engine object whose own errors name fields relative to ``loc``.

    Errors that already carry a full engine path (a measure's, say) pass through unchanged.
    """
    try:
        return build()
    except _EngineProblem as problem:
        raise _EngineProblem((*loc, *problem.loc), problem.message) from None
    except sl.ServiceLevelTermsError as error:
        if "." in error.path or "[" in error.path:
            raise
        raise _EngineProblem((*loc, *_split(error.path)), error.problem) from None


def _split(path: str) -> Loc:
    """``"credit.bands[1].lower"`` as ``("credit", "bands", 1, "lower")``."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return tuple(parts)


def service_level_terms(doc: TermsDocument, *, source: str = "<terms>") -> sl.ServiceLevelTerms:
    """The engine's service-level terms for a document, in the contract's currency.

    Raises :class:`TermsError` naming the field at fault (``service_levels.measures[1]...``)
    if the document has no ``service_levels`` section or the engine refuses it.
    """
    section = doc.service_levels
    if section is None:
        raise TermsError(
            [TermsIssue("service_levels", "the terms have no service_levels section", None, source)]
        )
    try:
        return section.engine(doc.contract.currency)
    except _EngineProblem as problem:
        path = _dotted(("service_levels", *problem.loc))
        raise TermsError([TermsIssue(path, problem.message, None, source)]) from None
