"""The ``charges`` section of the terms language: what the supplier charges, and how a
period's statement adds it up.

The section states everything the charges engine (:mod:`pactline.engine.charges`) can
apply: fixed fees, a rate card, tiered charges, resource units with their baseline,
deadband and ARC/RRC rates or bands, milestones with a holdback, delay damages,
indexation, FX, tax, the order of operations, where money is rounded, when service
credits are applied, and which charges form the at-risk base. The field names are the
engine's, so a field an engine message names is a field in the file.

Percentages are written as percent (``deadband: {pct: 5}`` is 5%); the one engine
fraction, the RRC factor, is written ``rrc_factor_pct: 80`` and converted. Amounts are
:data:`~pactline.terms.schema.Money`; rates and volumes are exact decimals, never floats.

Every cross-field rule is reported at the field to fix, with its position:
``charges.resource_units[0].rrc_factor_pct: ...``. After its own rules pass, the section
is built into the engine's terms, so any rule the engine adds is reported the same way,
and a valid document always converts: :func:`charge_terms`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self, TypeVar

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from pactline.engine import charges as ch
from pactline.engine.charges import (
    DEFAULT_AT_RISK_KINDS,
    DEFAULT_FX_KINDS,
    DEFAULT_INDEXED_KINDS,
    DEFAULT_ORDER,
    BandMode,
    BeyondLastBand,
    ChargeKind,
    DeadbandMode,
    DelayBasis,
    DelayUnit,
    FeeFrequency,
    PartialPeriod,
    Proration,
    RoundingPoint,
    TaxBase,
    TierMode,
    UnitRounding,
)
from pactline.engine.charges import Measure as BandMeasure
from pactline.engine.charges.statement import StatementStep
from pactline.engine.money import Rounding
from pactline.engine.money import plain_number as _num
from pactline.terms.errors import TermsError, TermsIssue
from pactline.terms.schema import (
    CHECK_CURRENCY,
    IsoDate,
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
from pactline.terms.service_levels import (
    Flag,
    Identifier,
    Percent,
    Positive,
    Value,
    _number_input,
)

if TYPE_CHECKING:
    from pactline.terms.schema import TermsDocument

__all__ = [
    "BandMeasure",
    "BandMode",
    "BandTable",
    "BaselinePeriod",
    "BeyondLastBand",
    "ChargeKind",
    "Charges",
    "Deadband",
    "DeadbandMode",
    "DelayBasis",
    "DelayDamages",
    "DelayUnit",
    "FeeFrequency",
    "FixedFee",
    "Fx",
    "Indexation",
    "Milestone",
    "PartialPeriod",
    "Proration",
    "RateCardEntry",
    "ResourceUnit",
    "RoundingPoint",
    "StatementStep",
    "Tax",
    "TaxBase",
    "TaxRate",
    "Tier",
    "TierMode",
    "TieredCharge",
    "TrueUp",
    "UnitRounding",
    "charge_terms",
]

SIGNED_NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
INDEX_PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

_HUNDRED = Decimal(100)
_PLACEHOLDER_START = date(2000, 1, 1)
_T = TypeVar("_T")
Loc = tuple[str | int, ...]

Rate = Value
"""A unit rate, volume or band limit: an exact decimal, 0 or more, as many places as needed."""

SignedPercent = Annotated[
    Decimal,
    Field(ge=-100, le=100, allow_inf_nan=False),
    BeforeValidator(_number_input),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": -100, "maximum": 100},
                {"type": "string", "pattern": SIGNED_NUMBER_PATTERN},
            ]
        }
    ),
]
"""A percentage change, -100 to 100 (a floor of -2 lets prices fall by at most 2%)."""

Name = Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_text_input)]
"""A short word the terms match on: a rate card item, role, region or unit."""

ContractYear = Annotated[int, Field(ge=1, le=100), BeforeValidator(_whole_number_input)]
Days = Annotated[int, Field(ge=0, le=3650), BeforeValidator(_whole_number_input)]
IntervalMonths = Annotated[int, Field(ge=1, le=120), BeforeValidator(_whole_number_input)]
LagMonths = Annotated[int, Field(ge=0, le=24), BeforeValidator(_whole_number_input)]
LagPeriods = Annotated[int, Field(ge=0, le=12), BeforeValidator(_whole_number_input)]


def _index_period_input(value: object) -> object:
    """Accept only ``YYYY-MM`` text: the month an index value is published for."""
    if isinstance(value, str) and re.fullmatch(INDEX_PERIOD_PATTERN, value.strip()):
        return value.strip()
    raise _custom("index_period", "must be a year and month written YYYY-MM, like 2025-10")


IndexPeriod = Annotated[
    str, Field(pattern=INDEX_PERIOD_PATTERN), BeforeValidator(_index_period_input)
]


def _kinds(kinds: frozenset[ChargeKind]) -> tuple[ChargeKind, ...]:
    """Charge kinds in the engine's order: a stable default for the file and the schema."""
    return tuple(kind for kind in ChargeKind if kind in kinds)


def _duplicates(rules: _Rules, loc: Loc, values: Sequence[object], what: str) -> None:
    """Report each value listed a second time, at its position."""
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            rules.add([*loc, index], f"{what} '{value}' is listed twice")
        seen.add(value)


# --------------------------------------------------------------------------- fixed fees


class FixedFee(_Section):
    """A fixed fee: an amount per month, quarter or year, in force between two dates."""

    id: Identifier = Field(
        description="The fee's id, unique among the section's charges; statement lines use it.",
        examples=["managed_service"],
    )
    description: Text = Field(
        description="What the fee is for, as the statement shows it.",
        examples=["Managed network service"],
    )
    amount: Money = Field(
        description="The fee per frequency, in the contract currency.",
        examples=["85000.00"],
    )
    frequency: FeeFrequency = Field(
        default=FeeFrequency.MONTHLY,
        description=(
            "The period amount is stated for: monthly, quarterly or annual. A quarterly fee in "
            "a monthly statement is amount × 1/3."
        ),
        examples=["monthly"],
    )
    starts_on: IsoDate | None = Field(
        default=None,
        description="First day the fee is due for; leave out for the whole contract.",
        examples=["2026-01-01"],
    )
    ends_on: IsoDate | None = Field(
        default=None,
        description="Last day the fee is due for (included); leave out for no end.",
        examples=["2028-12-31"],
    )
    proration: Proration = Field(
        default=Proration.DAILY,
        description=(
            "How a period the fee covers only in part is charged: daily (by calendar days in "
            "force) or none (the full fee)."
        ),
        examples=["daily"],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            rules.add(["ends_on"], f"must not be before starts_on ({self.starts_on})")
        rules.raise_any()
        return self

    def engine(self) -> ch.FixedFee:
        """The engine's fixed fee."""
        return ch.FixedFee(
            id=self.id,
            description=self.description,
            amount=self.amount,
            frequency=self.frequency,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            proration=self.proration,
        )


# --------------------------------------------------------------------------- rate card


class RateCardEntry(_Section):
    """One unit rate on the rate card; a criterion left out applies to any value of it."""

    id: Identifier = Field(
        description="The entry's id, unique on the card.",
        examples=["eng-y1"],
    )
    item: Name = Field(
        description="What is priced: a service or deliverable that usage names.",
        examples=["project_services"],
    )
    unit: Name = Field(
        description="The unit the rate is per: day, hour, ticket.",
        examples=["day"],
    )
    rate: Rate = Field(
        description="The price per unit, in the contract currency; 0 or more.",
        examples=["950.00"],
    )
    role: Name | None = Field(
        default=None,
        description="The role the rate is for; leave out for any role.",
        examples=["network_engineer"],
    )
    region: Name | None = Field(
        default=None,
        description="The region the rate is for; leave out for any region.",
        examples=["UK"],
    )
    contract_year: ContractYear | None = Field(
        default=None,
        description=(
            "The contract year the rate is for (1 for the first twelve months from "
            "term.start_on); leave out for every year."
        ),
        examples=[1],
    )

    def engine(self) -> ch.RateCardEntry:
        """The engine's rate card entry."""
        return ch.RateCardEntry(
            id=self.id,
            item=self.item,
            unit=self.unit,
            rate=self.rate,
            role=self.role,
            region=self.region,
            contract_year=self.contract_year,
        )


# --------------------------------------------------------------------------- tiers and bands


class Tier(_Section):
    """One quantity range and its unit price. By default it includes its lower edge, not its
    upper one; say otherwise with the include flags, but two neighbours must not both include
    (or both leave out) the edge they share."""

    lower: Rate = Field(
        description="Where the range starts; the first starts at 0.",
        examples=[0],
    )
    upper: Rate | None = Field(
        default=None,
        description="Where the range ends; leave out on the last one for no upper limit.",
        examples=[1000],
    )
    unit_price: Rate = Field(
        description="The price per unit in the range; 0 or more.",
        examples=["4.50"],
    )
    includes_lower: Flag = Field(
        default=True,
        description="Whether a quantity exactly at lower is in the range.",
        examples=[True],
    )
    includes_upper: Flag = Field(
        default=False,
        description="Whether a quantity exactly at upper is in the range.",
        examples=[False],
    )
    name: Text | None = Field(
        default=None,
        description="A name for the range, shown in explanations.",
        examples=["Standard"],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.upper is not None and self.upper <= self.lower:
            rules.add(["upper"], f"must be above lower ({_num(self.lower)})")
        rules.raise_any()
        return self

    def engine(self) -> ch.Tier:
        """The engine's tier."""
        return ch.Tier(
            lower=self.lower,
            upper=self.upper,
            unit_price=self.unit_price,
            includes_lower=self.includes_lower,
            includes_upper=self.includes_upper,
            name=self.name or "",
        )


def _range_rules(rules: _Rules, tiers: Sequence[Tier], name: str, word: str) -> None:
    """Ranges start at 0 and follow one another with no gap, overlap or ambiguous edge."""
    if not tiers:
        rules.add([name], f"give at least one {word}")
        return
    if tiers[0].lower != 0:
        rules.add(
            [name, 0, "lower"],
            f"must be 0: {word}s cover from zero upwards, so 0 to {_num(tiers[0].lower)} "
            f"has no {word}",
        )
    for index in range(1, len(tiers)):
        before, tier = tiers[index - 1], tiers[index]
        where: Loc = (name, index, "lower")
        if before.upper is None:
            rules.add(
                [name, index - 1, "upper"],
                f"required: {name}[{index}] follows, so this {word} needs an upper limit",
            )
            continue
        if tier.lower > before.upper:
            rules.add(
                where,
                f"gap: nothing covers {_num(before.upper)} to {_num(tier.lower)}; start at "
                f"{name}[{index - 1}].upper ({_num(before.upper)})",
            )
        elif tier.lower < before.upper:
            rules.add(
                where,
                f"overlaps {name}[{index - 1}] from {_num(tier.lower)} to {_num(before.upper)}; "
                f"start at its upper ({_num(before.upper)})",
            )
        elif before.includes_upper and tier.includes_lower:
            rules.add(
                [name, index, "includes_lower"],
                f"ambiguous edge: {name}[{index - 1}] also includes {_num(tier.lower)}; set one "
                "of the two to false",
            )
        elif not before.includes_upper and not tier.includes_lower:
            rules.add(
                [name, index, "includes_lower"],
                f"gap at the edge: neither this {word} nor {name}[{index - 1}] includes "
                f"{_num(tier.lower)}; set one of the two to true",
            )


class TieredCharge(_Section):
    """A charge priced through a tier table from the quantity used in the period."""

    id: Identifier = Field(
        description="The charge's id, unique among the section's charges.",
        examples=["tickets"],
    )
    description: Text = Field(
        description="What is charged, as the statement shows it.",
        examples=["Service desk tickets"],
    )
    unit: Name = Field(description="What is counted.", examples=["ticket"])
    mode: TierMode = Field(
        default=TierMode.GRADUATED,
        description=(
            "graduated: each unit at the price of its tier. volume: every unit at the price "
            "of the tier the whole quantity reaches."
        ),
        examples=["graduated"],
    )
    tiers: tuple[Tier, ...] = Field(
        json_schema_extra={"minItems": 1},
        description="The tiers, from 0 upwards, with no gap or overlap.",
        examples=[[{"lower": 0, "upper": 1000, "unit_price": "4.50"}]],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        _range_rules(rules, self.tiers, "tiers", "tier")
        rules.raise_any()
        return self

    def engine(self) -> ch.TieredCharge:
        """The engine's tiered charge."""
        price = _built(
            ("tiers",),
            lambda: ch.TieredPrice(tuple(tier.engine() for tier in self.tiers), self.mode),
        )
        return ch.TieredCharge(
            id=self.id, description=self.description, unit=self.unit, price=price
        )


class BandTable(_Section):
    """ARC or RRC bands: ranges of the deviation from the baseline, each with its rate."""

    bands: tuple[Tier, ...] = Field(
        json_schema_extra={"minItems": 1},
        description=(
            "The bands, from 0 deviation upwards, with no gap or overlap; each band's "
            "unit_price is the rate per unit in it."
        ),
        examples=[[{"lower": 0, "upper": 200, "unit_price": 12}]],
    )
    mode: BandMode = Field(
        default=BandMode.INCREMENTAL,
        description=(
            "incremental: each unit at its band's rate. all_units: every chargeable unit at "
            "the rate of the band reached."
        ),
        examples=["incremental"],
    )
    measure: BandMeasure = Field(
        default=BandMeasure.UNITS,
        description=("What the band limits are in: units of deviation, or percent_of_baseline."),
        examples=["units"],
    )
    beyond: BeyondLastBand = Field(
        default=BeyondLastBand.RENEGOTIATE,
        description=(
            "Units past the end of the last band: renegotiate (not priced, flagged), "
            "last_rate (priced at the last band's rate) or cap (not charged)."
        ),
        examples=["renegotiate"],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        _range_rules(rules, self.bands, "bands", "band")
        rules.raise_any()
        return self

    def engine(self) -> ch.BandTable:
        """The engine's band table."""
        return ch.BandTable(
            bands=tuple(band.engine() for band in self.bands),
            mode=self.mode,
            measure=self.measure,
            beyond=self.beyond,
        )


# --------------------------------------------------------------------------- resource units


class Deadband(_Section):
    """A tolerance around the baseline: give pct (of the baseline) or units, not both."""

    pct: Percent | None = Field(
        default=None,
        description="The deadband as a % of the baseline: 5 is ±5%.",
        examples=[5],
    )
    units: Rate | None = Field(
        default=None,
        description="The deadband as a number of units either side of the baseline.",
        examples=[100],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.pct is None and self.units is None:
            rules.add(["pct"], "required: give pct or units (0 for no deadband)")
        elif self.pct is not None and self.units is not None:
            rules.add(["units"], "give either pct or units, not both")
        rules.raise_any()
        return self

    def engine(self) -> ch.Deadband:
        """The engine's deadband."""
        if self.units is not None:
            return ch.Deadband(self.units, BandMeasure.UNITS)
        return ch.Deadband(self.pct or Decimal(0), BandMeasure.PERCENT_OF_BASELINE)


class TrueUp(_Section):
    """The annual true-up: the baseline resets to the year's average when it leaves a deadband."""

    deadband: Deadband = Field(
        description="How far the year's average may stray from the baseline before it resets.",
        examples=[{"pct": 10}],
    )

    def engine(self) -> ch.TrueUpTerms:
        """The engine's true-up terms."""
        return ch.TrueUpTerms(deadband=self.deadband.engine())


class BaselinePeriod(_Section):
    """The baseline for one billing period, keyed by the day the period starts."""

    starts_on: IsoDate = Field(
        description="First day of the billing period this baseline is for.",
        examples=["2026-01-01"],
    )
    baseline: Rate = Field(
        description="The baseline volume for that period.",
        examples=[2000],
    )


class ResourceUnit(_Section):
    """A resource unit category (servers, desktops, FTEs): a baseline volume and base charge,
    and the additional (ARC) and reduced (RRC) resource charges for deviations from it."""

    id: Identifier = Field(
        description="The category's id, unique among the section's charges.",
        examples=["servers"],
    )
    description: Text = Field(
        description="The category, as the statement shows it.",
        examples=["Managed servers"],
    )
    unit: Name = Field(description="What one unit is.", examples=["server"])
    base_rate: Rate = Field(
        description="The base charge per baseline unit per period.",
        examples=[12],
    )
    baseline: Rate | None = Field(
        default=None,
        description="The baseline volume of every period (unless the schedule gives one).",
        examples=[2000],
    )
    baseline_schedule: tuple[BaselinePeriod, ...] = Field(
        default=(),
        description=(
            "Baselines for particular periods, which win over baseline; a period with "
            "neither is an error."
        ),
        examples=[[{"starts_on": "2027-01-01", "baseline": 2200}]],
    )
    deadband: Deadband | None = Field(
        default=None,
        description="The tolerance inside which no ARC or RRC is due; leave out for none.",
        examples=[{"pct": 5}],
    )
    mode: DeadbandMode = Field(
        default=DeadbandMode.EXCLUSION,
        description=(
            "exclusion: only units beyond the deadband are charged. trigger: once outside "
            "the deadband, the whole deviation is charged."
        ),
        examples=["exclusion"],
    )
    arc_rate: Rate | None = Field(
        default=None,
        description="The ARC rate per unit above the baseline. Give arc_rate or arc_bands.",
        examples=[12],
    )
    arc_bands: BandTable | None = Field(
        default=None,
        description="ARC bands instead of one arc_rate.",
    )
    rrc_rate: Rate | None = Field(
        default=None,
        description=(
            "The RRC rate per unit below the baseline. Give at most one of rrc_rate, "
            "rrc_factor_pct and rrc_bands; none means no RRC."
        ),
        examples=[9],
    )
    rrc_factor_pct: Percent | None = Field(
        default=None,
        description="The RRC as a % of the ARC rate (or of each ARC band's rate): 75 is 75%.",
        examples=[75],
    )
    rrc_bands: BandTable | None = Field(
        default=None,
        description="RRC bands; the last band's limit works as a minimum commitment.",
    )
    unit_rounding: UnitRounding = Field(
        default=UnitRounding.NONE,
        description="How partial chargeable units count: none, up, or nearest.",
        examples=["up"],
    )
    true_up: TrueUp | None = Field(
        default=None,
        description="The annual true-up of the baseline; leave out for none.",
        examples=[{"deadband": {"pct": 10}}],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.baseline is None and not self.baseline_schedule:
            rules.add(["baseline"], "required: give a baseline or a baseline_schedule")
        _duplicates(
            rules,
            ("baseline_schedule",),
            [entry.starts_on.isoformat() for entry in self.baseline_schedule],
            "the period starting",
        )
        if self.arc_rate is None and self.arc_bands is None:
            rules.add(["arc_rate"], "required: give arc_rate or arc_bands")
        elif self.arc_rate is not None and self.arc_bands is not None:
            rules.add(["arc_bands"], "give either arc_rate or arc_bands, not both")
        given = [
            name
            for name in ("rrc_rate", "rrc_factor_pct", "rrc_bands")
            if getattr(self, name) is not None
        ]
        for name in given[1:]:
            rules.add(
                [name],
                f"give at most one of rrc_rate, rrc_factor_pct and rrc_bands ({given[0]} is set)",
            )
        rules.raise_any()
        return self

    def engine(self) -> ch.ResourceUnitCategory:
        """The engine's resource unit category."""
        return ch.ResourceUnitCategory(
            id=self.id,
            description=self.description,
            unit=self.unit,
            base_rate=self.base_rate,
            baseline=self.baseline,
            baseline_schedule={entry.starts_on: entry.baseline for entry in self.baseline_schedule},
            deadband=self.deadband.engine() if self.deadband is not None else ch.Deadband(),
            mode=self.mode,
            arc_rate=self.arc_rate,
            arc_bands=_built(("arc_bands",), self.arc_bands.engine) if self.arc_bands else None,
            rrc_rate=self.rrc_rate,
            rrc_factor=(
                self.rrc_factor_pct / _HUNDRED if self.rrc_factor_pct is not None else None
            ),
            rrc_bands=_built(("rrc_bands",), self.rrc_bands.engine) if self.rrc_bands else None,
            unit_rounding=self.unit_rounding,
            true_up=self.true_up.engine() if self.true_up is not None else None,
        )


# --------------------------------------------------------------------------- milestones, delays


class Milestone(_Section):
    """A milestone payment, due on achievement less a holdback paid on acceptance."""

    id: Identifier = Field(
        description="The milestone's id, unique among the section's charges.",
        examples=["migration"],
    )
    description: Text = Field(
        description="The milestone, as the statement shows it.",
        examples=["Network migration complete"],
    )
    price: Money = Field(description="The milestone price.", examples=["120000.00"])
    holdback_pct: Percent = Field(
        default=Decimal(0),
        description="The % of the price withheld until acceptance: 10 is 10%.",
        examples=[10],
    )

    def engine(self) -> ch.Milestone:
        """The engine's milestone."""
        return ch.Milestone(
            id=self.id,
            description=self.description,
            price=self.price,
            holdback_pct=self.holdback_pct,
        )


class DelayDamages(_Section):
    """Delay damages for one late deliverable: a % of its price per day or week, or a flat
    amount per day, optionally capped and with a delay limit."""

    id: Identifier = Field(
        description="The clause's id, unique among the section's charges.",
        examples=["migration_delay"],
    )
    description: Text = Field(
        description="The clause, as the statement shows it.",
        examples=["Late network migration"],
    )
    basis: DelayBasis = Field(
        default=DelayBasis.PERCENT_OF_PRICE,
        description=(
            "percent_of_price: rate_pct of price per day or week. flat_per_day: flat_amount "
            "per day."
        ),
        examples=["percent_of_price"],
    )
    price: Money | None = Field(
        default=None,
        description="The price the damages (and the cap) are a % of.",
        examples=["120000.00"],
    )
    rate_pct: Percent | None = Field(
        default=None,
        description="percent_of_price: the % of price per day or week of delay.",
        examples=[1],
    )
    per: DelayUnit = Field(
        default=DelayUnit.DAY,
        description="percent_of_price: whether rate_pct is per day or per week.",
        examples=["week"],
    )
    partial: PartialPeriod = Field(
        default=PartialPeriod.CEILING,
        description=(
            "Per week: ceiling ('or portion thereof', a started week counts) or floor (whole "
            "weeks only)."
        ),
        examples=["ceiling"],
    )
    flat_amount: Money | None = Field(
        default=None,
        description="flat_per_day: the damages per day of delay.",
        examples=["500.00"],
    )
    cap_pct: Percent | None = Field(
        default=None,
        description="The damages are capped at this % of price; needs price.",
        examples=[10],
    )
    delay_limit_days: Days | None = Field(
        default=None,
        description=(
            "Days of delay after which damages stop accruing and termination rights start."
        ),
        examples=[60],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.basis is DelayBasis.PERCENT_OF_PRICE:
            for name in ("price", "rate_pct"):
                if getattr(self, name) is None:
                    rules.add([name], "required when basis is percent_of_price")
            if self.flat_amount is not None:
                rules.add(["flat_amount"], "must not be set when basis is percent_of_price")
        else:
            if self.flat_amount is None:
                rules.add(["flat_amount"], "required when basis is flat_per_day")
            if self.rate_pct is not None:
                rules.add(["rate_pct"], "must not be set when basis is flat_per_day")
        price_reported = self.basis is DelayBasis.PERCENT_OF_PRICE and self.price is None
        if self.cap_pct is not None and self.price is None and not price_reported:
            rules.add(["price"], "required with cap_pct: the price the cap is a % of")
        rules.raise_any()
        return self

    def engine(self) -> ch.DelayDamagesTerms:
        """The engine's delay damages terms."""
        return ch.DelayDamagesTerms(
            id=self.id,
            description=self.description,
            basis=self.basis,
            price=self.price,
            rate_pct=self.rate_pct,
            per=self.per,
            partial=self.partial,
            flat_amount=self.flat_amount,
            cap_pct=self.cap_pct,
            delay_limit_days=self.delay_limit_days,
        )


# --------------------------------------------------------------------------- indexation, FX, tax


class Indexation(_Section):
    """Indexation (COLA): prices move with a published index on each anniversary, compounding."""

    index_name: Name = Field(
        description="The index series, as the index values are supplied: CPI, RPI.",
        examples=["CPI"],
    )
    first_anniversary_on: IsoDate = Field(
        description="The first date prices move; later ones follow every interval_months.",
        examples=["2027-01-01"],
    )
    base_period: IndexPeriod | None = Field(
        default=None,
        description=(
            "The index month (YYYY-MM) of the base value; leave out for the month "
            "reference_lag_months before the contract's first year, counted back one interval."
        ),
        examples=["2025-10"],
    )
    interval_months: IntervalMonths = Field(
        default=12,
        description="Months between anniversaries.",
        examples=[12],
    )
    reference_lag_months: LagMonths = Field(
        default=0,
        description="How many months before each anniversary the index is read: 3 reads October.",
        examples=[3],
    )
    pass_through_pct: Percent = Field(
        default=_HUNDRED,
        description="The % of the index change passed on (the discount factor): 75 is 75%.",
        examples=[100],
    )
    indexed_share_pct: Percent = Field(
        default=_HUNDRED,
        description="The % of each charge that is indexed: 60 means only 60% moves.",
        examples=[100],
    )
    floor_pct: SignedPercent | None = Field(
        default=None,
        description="The smallest price change per anniversary, in %; may be negative.",
        examples=[2],
    )
    cap_pct: SignedPercent | None = Field(
        default=None,
        description=(
            "The largest price change per anniversary, in %. 'The lesser of the index or 3%' "
            "is cap_pct: 3."
        ),
        examples=[5],
    )
    applies_to: tuple[ChargeKind, ...] = Field(
        default=_kinds(DEFAULT_INDEXED_KINDS),
        description="The kinds of statement line that are indexed.",
        examples=[["fixed", "unit", "resource_base", "arc", "rrc"]],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        floor, cap = self.floor_pct, self.cap_pct
        if floor is not None and cap is not None and floor > cap:
            rules.add(["floor_pct"], f"must not be above cap_pct ({_num(cap)}%)")
        _duplicates(rules, ("applies_to",), list(self.applies_to), "the kind")
        for index, kind in enumerate(self.applies_to):
            if kind is ChargeKind.TAX or kind.is_credit:
                rules.add(
                    ["applies_to", index], f"{kind.value} is not a charge and is never indexed"
                )
        rules.raise_any()
        return self

    def engine(self) -> ch.IndexationTerms:
        """The engine's indexation terms."""
        return ch.IndexationTerms(
            index_name=self.index_name,
            first_anniversary_on=self.first_anniversary_on,
            base_period=self.base_period,
            interval_months=self.interval_months,
            reference_lag_months=self.reference_lag_months,
            pass_through_pct=self.pass_through_pct,
            indexed_share_pct=self.indexed_share_pct,
            floor_pct=self.floor_pct,
            cap_pct=self.cap_pct,
            applies_to=frozenset(self.applies_to),
        )


class Fx(_Section):
    """FX adjustment: prices set at a baseline exchange rate, a share of the movement passed on."""

    baseline_rate: Positive = Field(
        description="The exchange rate the prices were set at, as the contract quotes it.",
        examples=["1.1650"],
    )
    share_pct: Percent = Field(
        default=_HUNDRED,
        description="The % of the movement passed on: 60 is 60%.",
        examples=[60],
    )
    band_pct: Percent | None = Field(
        default=None,
        description="A movement within ±band_pct is not passed on; leave out for no band.",
        examples=[3],
    )
    band_mode: DeadbandMode = Field(
        default=DeadbandMode.EXCLUSION,
        description=(
            "Outside the band: exclusion passes on only the part beyond it, trigger the whole "
            "movement."
        ),
        examples=["exclusion"],
    )
    currency_pair: Text | None = Field(
        default=None,
        description=(
            "The rate's currency pair. It names the stored monthly series the rate is read "
            "from (imported like an index series) and appears in explanations."
        ),
        examples=["EUR/GBP"],
    )
    applies_to: tuple[ChargeKind, ...] = Field(
        default=_kinds(DEFAULT_FX_KINDS),
        description="The kinds of statement line whose billings are adjusted.",
        examples=[["fixed", "unit"]],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        _duplicates(rules, ("applies_to",), list(self.applies_to), "the kind")
        for index, kind in enumerate(self.applies_to):
            if kind is ChargeKind.TAX or kind.is_credit:
                rules.add(
                    ["applies_to", index], f"{kind.value} is not a charge and is never FX-adjusted"
                )
        rules.raise_any()
        return self

    def engine(self) -> ch.FxTerms:
        """The engine's FX terms."""
        return ch.FxTerms(
            baseline_rate=self.baseline_rate,
            share_pct=self.share_pct,
            band_pct=self.band_pct,
            band_mode=self.band_mode,
            currency_pair=self.currency_pair or "",
            applies_to=frozenset(self.applies_to),
        )


class TaxRate(_Section):
    """A tax rate for one kind of statement line, instead of the section's rate."""

    kind: ChargeKind = Field(description="The kind of line.", examples=["milestone"])
    rate_pct: Percent = Field(description="The tax rate for it, in %.", examples=[0])


class Tax(_Section):
    """Tax on the statement: one rate, optionally another for some kinds of line."""

    rate_pct: Percent = Field(description="The tax rate, in %: 20 is 20%.", examples=[20])
    rates_by_kind: tuple[TaxRate, ...] = Field(
        default=(),
        description="Other rates for particular kinds of line.",
        examples=[[{"kind": "milestone", "rate_pct": 0}]],
    )
    base: TaxBase = Field(
        default=TaxBase.AFTER_CREDITS,
        description=(
            "after_credits: credits reduce the taxable amount. before_credits: tax is on the "
            "charges before credits."
        ),
        examples=["after_credits"],
    )
    rounding: RoundingPoint = Field(
        default=RoundingPoint.PER_LINE,
        description="Where tax is rounded: per_line (each tax line) or on_total.",
        examples=["per_line"],
    )
    name: Text = Field(
        default="Tax",
        description="What the tax is called on the statement: VAT, GST.",
        examples=["VAT"],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        kinds = [rate.kind for rate in self.rates_by_kind]
        seen: set[ChargeKind] = set()
        for index, kind in enumerate(kinds):
            if kind in seen:
                rules.add(
                    ["rates_by_kind", index, "kind"], f"the kind '{kind.value}' is listed twice"
                )
            if kind is ChargeKind.TAX:
                rules.add(["rates_by_kind", index, "kind"], "tax is not charged on tax")
            seen.add(kind)
        rules.raise_any()
        return self

    def engine(self) -> ch.TaxTerms:
        """The engine's tax terms."""
        return ch.TaxTerms(
            rate_pct=self.rate_pct,
            rates_by_kind={rate.kind: rate.rate_pct for rate in self.rates_by_kind},
            base=self.base,
            rounding=self.rounding,
            name=self.name,
        )


# --------------------------------------------------------------------------- the section

_GROUPS = ("fixed_fees", "tiered_charges", "resource_units", "milestones", "delay_damages")
"""The lists whose ids statement lines carry: an id is used once across all of them."""


class Charges(_Section):
    """The charges: what is charged, and how a period's statement is built from it."""

    fixed_fees: tuple[FixedFee, ...] = Field(
        default=(),
        description="Fixed fees per month, quarter or year.",
        examples=[
            [{"id": "managed_service", "description": "Managed service", "amount": "85000.00"}]
        ],
    )
    rate_card: tuple[RateCardEntry, ...] = Field(
        default=(),
        description="Unit rates by item, role, region and contract year, for usage.",
        examples=[[{"id": "eng", "item": "project_services", "unit": "day", "rate": "950.00"}]],
    )
    tiered_charges: tuple[TieredCharge, ...] = Field(
        default=(),
        description="Charges priced through tiers from the quantity used.",
    )
    resource_units: tuple[ResourceUnit, ...] = Field(
        default=(),
        description="Resource unit categories with baselines and ARC/RRC.",
    )
    milestones: tuple[Milestone, ...] = Field(
        default=(),
        description="Milestone payments, with any holdback.",
    )
    delay_damages: tuple[DelayDamages, ...] = Field(
        default=(),
        description="Delay damages clauses for late deliverables.",
    )
    indexation: Indexation | None = Field(
        default=None,
        description="How prices follow an index; leave out for fixed prices.",
    )
    fx: Fx | None = Field(
        default=None,
        description="The FX adjustment clause; leave out for none.",
    )
    tax: Tax | None = Field(
        default=None,
        description="How tax is charged; leave out for statements without tax.",
    )
    order: tuple[StatementStep, ...] = Field(
        default=DEFAULT_ORDER,
        description=(
            "The order of operations: every step once, tax last. Each step acts on the lines "
            "before it."
        ),
        examples=[[step.value for step in DEFAULT_ORDER]],
    )
    rounding: RoundingPoint = Field(
        default=RoundingPoint.PER_LINE,
        description=(
            "Where money is rounded to the minor unit: per_line, or on_total (the last line "
            "takes the remainder)."
        ),
        examples=["per_line"],
    )
    rounding_mode: Rounding = Field(
        default=Rounding.HALF_UP,
        description="How money is rounded: half_up and the other modes of credits.rounding.",
        examples=["half_up"],
    )
    credit_lag_periods: LagPeriods = Field(
        default=1,
        description=(
            "How many periods after the one it is earned in a service credit is applied: 1 "
            "puts the credits of March on April's statement."
        ),
        examples=[1],
    )
    at_risk_kinds: tuple[ChargeKind, ...] = Field(
        default=_kinds(DEFAULT_AT_RISK_KINDS),
        description="The kinds of charge that form the service-credit at-risk base.",
        examples=[["fixed", "resource_base", "arc", "rrc"]],
    )
    dispute_window_days: int | None = Field(
        default=None,
        ge=0,
        le=3660,
        description=(
            "How long after a period ends its charges may still be invoiced: a charge for a "
            "period that ended more than this many days before the invoice date is outside "
            "the window and is flagged (none: no window)."
        ),
        examples=[90],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        self._id_rules(rules)
        self._order_rules(rules)
        _duplicates(rules, ("at_risk_kinds",), list(self.at_risk_kinds), "the kind")
        for index, kind in enumerate(self.at_risk_kinds):
            if kind is ChargeKind.TAX or kind.is_credit:
                rules.add(["at_risk_kinds", index], f"{kind.value} is not a charge")
        if not rules:
            # The engine has the last word: whatever else it refuses is reported here too,
            # at the field to fix, so a valid document always converts.
            try:
                self.engine(CHECK_CURRENCY, _PLACEHOLDER_START)
            except _EngineProblem as problem:
                rules.add(problem.loc, problem.message)
        rules.raise_any()
        return self

    def _id_rules(self, rules: _Rules) -> None:
        first: dict[str, str] = {}
        for group in _GROUPS:
            for index, item in enumerate(getattr(self, group)):
                if item.id in first:
                    rules.add(
                        [group, index, "id"],
                        f"the id '{item.id}' is also used by charges.{first[item.id]}; each "
                        "charge needs its own id",
                    )
                else:
                    first[item.id] = f"{group}[{index}]"
        entries: dict[str, int] = {}
        for index, entry in enumerate(self.rate_card):
            if entry.id in entries:
                rules.add(
                    ["rate_card", index, "id"],
                    f"the id '{entry.id}' is also used by charges.rate_card[{entries[entry.id]}]",
                )
            else:
                entries[entry.id] = index

    def _order_rules(self, rules: _Rules) -> None:
        order = self.order
        _duplicates(rules, ("order",), [step.value for step in order], "the step")
        missing = [step.value for step in StatementStep if step not in order]
        if missing:
            rules.add(["order"], f"must name every step once; missing: {', '.join(missing)}")
        if order and order[-1] is not StatementStep.TAX and StatementStep.TAX in order:
            rules.add(
                ["order", order.index(StatementStep.TAX)],
                "tax must be the last step: it is charged on the subtotal",
            )

    def engine(self, currency: str, contract_start_on: date) -> ch.ChargeTerms:
        """The engine's terms; raises :class:`_EngineProblem` with a path."""

        fixed_fees = tuple(
            _built(("fixed_fees", index), item.engine) for index, item in enumerate(self.fixed_fees)
        )
        rate_card = tuple(
            _built(("rate_card", index), item.engine) for index, item in enumerate(self.rate_card)
        )
        tiered = tuple(
            _built(("tiered_charges", index), item.engine)
            for index, item in enumerate(self.tiered_charges)
        )
        units = tuple(
            _built(("resource_units", index), item.engine)
            for index, item in enumerate(self.resource_units)
        )
        milestones = tuple(
            _built(("milestones", index), item.engine) for index, item in enumerate(self.milestones)
        )
        delays = tuple(
            _built(("delay_damages", index), item.engine)
            for index, item in enumerate(self.delay_damages)
        )
        indexation = _built(("indexation",), self.indexation.engine) if self.indexation else None
        fx = _built(("fx",), self.fx.engine) if self.fx else None
        tax = _built(("tax",), self.tax.engine) if self.tax else None
        return _built(
            (),
            lambda: ch.ChargeTerms(
                currency=currency,
                contract_start_on=contract_start_on,
                fixed_fees=fixed_fees,
                rate_card=rate_card,
                tiered_charges=tiered,
                resource_units=units,
                milestones=milestones,
                delay_damages=delays,
                indexation=indexation,
                fx=fx,
                tax=tax,
                order=self.order,
                rounding=self.rounding,
                rounding_mode=self.rounding_mode,
                credit_lag_periods=self.credit_lag_periods,
                at_risk_kinds=frozenset(self.at_risk_kinds),
            ),
        )


def _built(loc: Loc, build: Callable[[], _T]) -> _T:
    """Build an engine object, reporting what it refuses at ``loc`` (nested locs prefixed)."""
    try:
        return build()
    except _EngineProblem as problem:
        raise _EngineProblem((*loc, *problem.loc), problem.message) from None
    except (TypeError, ValueError) as error:
        raise _EngineProblem(loc, str(error)) from None


def charge_terms(doc: TermsDocument, *, source: str = "<terms>") -> ch.ChargeTerms:
    """The engine's charge terms for a document, in the contract's currency, with contract
    years counted from ``term.start_on``.

    Raises :class:`TermsError` naming the field at fault (``charges.resource_units[0]...``)
    if the document has no ``charges`` section or the engine refuses it.
    """
    section = doc.charges
    if section is None:
        raise TermsError([TermsIssue("charges", "the terms have no charges section", None, source)])
    try:
        return section.engine(doc.contract.currency, doc.term.start_on)
    except _EngineProblem as problem:
        path = _dotted(("charges", *problem.loc))
        raise TermsError([TermsIssue(path, problem.message, None, source)]) from None
