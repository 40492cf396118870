"""The charges statement of a contract for one billing period: every line explained, and totals
that add up exactly.

Decisions worth knowing (each is also spelt out in the explanations):

* The order of operations is a terms option. Each step acts on the lines the steps before it
  produced: indexation uplifts (and FX adjusts) only the lines of its kinds that already exist,
  so putting indexation after FX leaves the FX line unindexed, and so on. Tax is always the
  last step, because it needs the subtotal; whether credits reduce the taxable amount is the
  tax terms' `base` option.
* Milestone payments are base charges; delay damages are deducted with the service credits
  (both are remedies owed by the supplier) and count in the statement's credits total.
* Service credits are an input (the service-level engine computes them). A credit earned in
  period P is applied in period P + `credit_lag_periods` (default 1, the next period).
* Rounding per line rounds each line as it is produced, so later steps (indexation, FX, tax)
  work from the amounts the statement shows. Rounding on the total keeps every line exact
  until the end, then shows the lines rounded with the last line taking the remainder.
* Resource-unit true-ups apply prospectively: a true-up result (computed at year end by
  `annual_true_up` and passed back in as an input) moves the baseline from its date on, shown as
  a separate true_up line next to the contractual base charge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from pactline.engine.charges.common import (
    BillingPeriod,
    ChargeKind,
    ChargeLine,
    ExplainedAmount,
    RoundingPoint,
    contract_year,
    decimal_field,
    listed_sum,
    money,
    negated,
    num,
    plural,
    round_line,
    round_on_total,
    total,
)
from pactline.engine.charges.delays import (
    DelayDamagesTerms,
    Milestone,
    delay_damages,
    milestone_payments,
)
from pactline.engine.charges.fees import FixedFee, fixed_fee_charge
from pactline.engine.charges.fx import FxTerms, fx_adjustment
from pactline.engine.charges.indexation import IndexationTerms, indexation_factor
from pactline.engine.charges.rate_cards import RateCard, RateCardEntry, UnitUsage, unit_charge
from pactline.engine.charges.resource_units import (
    ResourceUnitCategory,
    TrueUpResult,
    base_charge,
    baseline_for,
    deviation_charge,
)
from pactline.engine.charges.tax import TaxTerms, tax_lines
from pactline.engine.charges.tiers import TieredCharge, tiered_charge
from pactline.engine.money import Rounding, quantize_money, to_decimal

__all__ = [
    "DEFAULT_AT_RISK_KINDS",
    "DEFAULT_ORDER",
    "ChargeTerms",
    "DelayEvent",
    "MilestoneEvent",
    "ServiceCredit",
    "Statement",
    "StatementInputs",
    "StatementStep",
    "at_risk_base",
    "build_statement",
]


class StatementStep(StrEnum):
    """One step of the order of operations that builds a statement."""

    BASE_CHARGES = "base_charges"
    ARC_RRC = "arc_rrc"
    INDEXATION = "indexation"
    FX = "fx"
    SERVICE_CREDITS = "service_credits"
    TAX = "tax"


DEFAULT_ORDER: tuple[StatementStep, ...] = (
    StatementStep.BASE_CHARGES,
    StatementStep.ARC_RRC,
    StatementStep.INDEXATION,
    StatementStep.FX,
    StatementStep.SERVICE_CREDITS,
    StatementStep.TAX,
)
"""Base charges → ARC/RRC → indexation → FX → service credits → tax."""

DEFAULT_AT_RISK_KINDS: frozenset[ChargeKind] = frozenset(
    {
        ChargeKind.FIXED,
        ChargeKind.UNIT,
        ChargeKind.RESOURCE_BASE,
        ChargeKind.TRUE_UP,
        ChargeKind.ARC,
        ChargeKind.RRC,
        ChargeKind.INDEXATION,
        ChargeKind.FX,
    }
)
"""The recurring charges that form the service-credit at-risk base unless the terms say otherwise;
one-off milestone payments are left out."""


@dataclass(frozen=True)
class ChargeTerms:
    """The `charges` section of a contract's terms: what is charged and how a statement is built."""

    currency: str
    contract_start_on: date
    fixed_fees: tuple[FixedFee, ...] = ()
    rate_card: tuple[RateCardEntry, ...] = ()
    tiered_charges: tuple[TieredCharge, ...] = ()
    resource_units: tuple[ResourceUnitCategory, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    delay_damages: tuple[DelayDamagesTerms, ...] = ()
    indexation: IndexationTerms | None = None
    fx: FxTerms | None = None
    tax: TaxTerms | None = None
    order: tuple[StatementStep, ...] = DEFAULT_ORDER
    rounding: RoundingPoint = RoundingPoint.PER_LINE
    rounding_mode: Rounding = Rounding.HALF_UP
    credit_lag_periods: int = 1
    at_risk_kinds: frozenset[ChargeKind] = DEFAULT_AT_RISK_KINDS

    def __post_init__(self) -> None:
        quantize_money(0, self.currency)  # a clear error for a malformed currency code
        for name in (
            "fixed_fees",
            "rate_card",
            "tiered_charges",
            "resource_units",
            "milestones",
            "delay_damages",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        order = tuple(StatementStep(step) for step in self.order)
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "rounding", RoundingPoint(self.rounding))
        object.__setattr__(self, "rounding_mode", Rounding(self.rounding_mode))
        kinds = frozenset(ChargeKind(kind) for kind in self.at_risk_kinds)
        object.__setattr__(self, "at_risk_kinds", kinds)
        if sorted(order) != sorted(StatementStep) or len(order) != len(StatementStep):
            listed = ", ".join(step.value for step in StatementStep)
            raise ValueError(f"order must name each step exactly once: {listed}")
        if order[-1] is not StatementStep.TAX:
            raise ValueError("order: tax must be the last step (it is charged on the subtotal)")
        if self.credit_lag_periods < 0:
            raise ValueError(
                f"credit_lag_periods cannot be negative (got {self.credit_lag_periods})"
            )
        wrong = sorted(kind.value for kind in kinds if kind.is_credit or kind is ChargeKind.TAX)
        if wrong:
            raise ValueError(f"at_risk_kinds: credits and tax are not charges ({', '.join(wrong)})")
        _check_unique_ids(self)

    def charge_ids(self) -> tuple[str, ...]:
        """The ids of every charge the terms define, for error messages."""
        return tuple(
            item.id
            for group in (
                self.fixed_fees,
                self.tiered_charges,
                self.resource_units,
                self.milestones,
                self.delay_damages,
            )
            for item in group
        )


def _check_unique_ids(terms: ChargeTerms) -> None:
    """Refuse two charges with the same id: statement lines and invoices match on it."""
    seen: set[str] = set()
    for item_id in terms.charge_ids():
        if item_id in seen:
            raise ValueError(f"charge id '{item_id}' is used twice in the charges terms")
        seen.add(item_id)
    entry_ids = Counter(entry.id for entry in terms.rate_card)
    for entry_id, uses in entry_ids.items():  # in the card's order, as the first is named
        if uses > 1:
            raise ValueError(f"rate card entry id '{entry_id}' is used twice")


@dataclass(frozen=True)
class ServiceCredit:
    """A service credit computed by the service-level engine for the period it was earned in."""

    id: str
    amount: Decimal
    earned_in: BillingPeriod
    description: str = ""

    def __post_init__(self) -> None:
        decimal_field(self, "amount", minimum=Decimal(0))


@dataclass(frozen=True)
class DelayEvent:
    """A late delivery to charge damages for in this statement: due date and end of the delay."""

    damages_id: str
    due_on: date
    ended_on: date


@dataclass(frozen=True)
class MilestoneEvent:
    """What happened to a milestone in this period: achieved, accepted, or both."""

    milestone_id: str
    achieved: bool = False
    accepted: bool = False


@dataclass(frozen=True)
class StatementInputs:
    """The facts of one period that the terms price: volumes, usage, indices, rates, credits."""

    unit_usage: tuple[UnitUsage, ...] = ()
    tiered_quantities: Mapping[str, Decimal] = field(default_factory=dict)
    resource_volumes: Mapping[str, Decimal] = field(default_factory=dict)
    true_ups: tuple[TrueUpResult, ...] = ()
    index_series: Mapping[str, Decimal] = field(default_factory=dict)
    fx_rate: Decimal | None = None
    service_credits: tuple[ServiceCredit, ...] = ()
    delays: tuple[DelayEvent, ...] = ()
    milestones: tuple[MilestoneEvent, ...] = ()

    def __post_init__(self) -> None:
        for name in ("unit_usage", "true_ups", "service_credits", "delays", "milestones"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("tiered_quantities", "resource_volumes", "index_series"):
            values = {
                key: to_decimal(value, f"{name}[{key}]")
                for key, value in getattr(self, name).items()
            }
            object.__setattr__(self, name, MappingProxyType(values))
        if self.fx_rate is not None:
            decimal_field(self, "fx_rate")


@dataclass(frozen=True)
class Statement:
    """The period's charges: explained lines, and totals the lines add up to exactly."""

    period: BillingPeriod
    currency: str
    lines: tuple[ChargeLine, ...]
    subtotal: Decimal
    credits: Decimal
    tax: Decimal
    total: Decimal
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The statement as JSON-ready data: Decimals as strings."""
        return {
            "charges": [
                {
                    "id": line.id,
                    "kind": line.kind.value,
                    "quantity": _decimal_text(line.quantity, normalise=True),
                    "rate": _decimal_text(line.rate, normalise=True),
                    "amount": _decimal_text(line.amount),
                    "explanation": list(line.explanation),
                }
                for line in self.lines
            ],
            "statement": {
                "subtotal": _decimal_text(self.subtotal),
                "credits": _decimal_text(self.credits),
                "tax": _decimal_text(self.tax),
                "total": _decimal_text(self.total),
            },
        }


def _decimal_text(value: Decimal | None, *, normalise: bool = False) -> str | None:
    """A Decimal as plain text, never in exponent form; "0" rather than "-0".

    Amounts keep their minor-unit places ("600.00"); quantities and rates lose trailing zeros
    ("6", not "6.0"), which changes how they look, never their value.
    """
    if value is None:
        return None
    if value == 0:
        value = abs(value)
    if normalise:
        value = value.normalize()
    return format(value, "f")


class _Builder:
    """Runs the steps of the order of operations for one period, collecting lines."""

    def __init__(self, terms: ChargeTerms, period: BillingPeriod, inputs: StatementInputs):
        self.terms = terms
        self.period = period
        self.inputs = inputs
        self.currency = terms.currency
        self.lines: list[ChargeLine] = []
        self._check_inputs()

    def _check_inputs(self) -> None:
        """Refuse inputs that name charges the terms do not have (a typo would drop a charge)."""
        terms = self.terms
        for name, known in (
            ("tiered_quantities", {charge.id for charge in terms.tiered_charges}),
            ("resource_volumes", {category.id for category in terms.resource_units}),
        ):
            mapping: Mapping[str, Decimal] = getattr(self.inputs, name)
            for key in mapping:
                if key not in known:
                    raise ValueError(f"{name}: the terms have no charge '{key}'")
        known_categories = {category.id for category in terms.resource_units}
        for result in self.inputs.true_ups:
            if result.category_id not in known_categories:
                raise ValueError(
                    f"true_ups: the terms have no resource unit category '{result.category_id}'"
                )

    def add(self, line: ChargeLine) -> None:
        """Add a line, rounding it now when the contract rounds per line."""
        if self.terms.rounding is RoundingPoint.PER_LINE:
            line = round_line(line, self.currency, self.terms.rounding_mode)
        self.lines.append(line)

    def run(self, step: StatementStep) -> None:
        """Produce the lines of one step."""
        if step is StatementStep.BASE_CHARGES:
            self.base_charges()
        elif step is StatementStep.ARC_RRC:
            self.arc_rrc()
        elif step is StatementStep.INDEXATION:
            self.indexation()
        elif step is StatementStep.FX:
            self.fx()
        elif step is StatementStep.SERVICE_CREDITS:
            self.service_credits()

    # -- base charges ---------------------------------------------------------------------

    def base_charges(self) -> None:
        """Fixed fees, rate card usage, tiered charges, resource-unit base charges, milestones."""
        terms, period, currency = self.terms, self.period, self.currency
        for fee in terms.fixed_fees:
            line = fixed_fee_charge(fee, period, currency)
            if line is not None:
                self.add(line)
        if self.inputs.unit_usage:
            year = contract_year(terms.contract_start_on, period.start_on)
            card = RateCard(terms.rate_card)  # indexed once for all the period's usage
            note = (
                f"Contract year {year}: the period starts {period.start_on.isoformat()}, "
                f"the contract {terms.contract_start_on.isoformat()}"
            )
            for usage in self.inputs.unit_usage:
                self.add(unit_charge(card, usage, year, currency, first_steps=(note,)))
        for charge in terms.tiered_charges:
            quantity = self._required(self.inputs.tiered_quantities, charge.id, "tiered_quantities")
            self.add(tiered_charge(charge, quantity, currency))
        for category in terms.resource_units:
            self.add(base_charge(category, period, currency))
            true_up = self._true_up_in_force(category)
            if true_up is not None:
                self.add(self._true_up_line(category, true_up))
        self._milestones()

    def _required(self, mapping: Mapping[str, Decimal], key: str, name: str) -> Decimal:
        """An input value the terms need, or a clear error naming it and the period."""
        if key not in mapping:
            raise ValueError(f"{name}: no value for '{key}' in {self.period.label}")
        return mapping[key]

    def _true_up_in_force(self, category: ResourceUnitCategory) -> TrueUpResult | None:
        """The latest true-up of `category` that changed its baseline by this period."""
        applicable = [
            result
            for result in self.inputs.true_ups
            if result.category_id == category.id
            and result.triggered
            and result.applies_from <= self.period.start_on
        ]
        return max(applicable, key=lambda result: result.applies_from, default=None)

    def _true_up_line(self, category: ResourceUnitCategory, result: TrueUpResult) -> ChargeLine:
        """The change in base charge a prospective true-up makes for this period."""
        contract_baseline, _ = baseline_for(category, self.period)
        new_baseline = result.new_baseline if result.new_baseline is not None else contract_baseline
        change = new_baseline - contract_baseline
        amount = change * category.base_rate
        return ChargeLine(
            kind=ChargeKind.TRUE_UP,
            id=f"{category.id}:true_up",
            description=f"{category.description}: true-up of the baseline",
            quantity=change,
            rate=category.base_rate,
            amount=amount,
            explanation=(
                f"True-up in force from {result.applies_from.isoformat()}: the baseline moves "
                f"from {num(contract_baseline)} to {num(new_baseline)}",
                f"Change in base charge = ({num(new_baseline)} − {num(contract_baseline)}) × "
                f"{num(category.base_rate)} = {money(amount, self.currency)}",
            ),
        )

    def _milestones(self) -> None:
        """Milestone payments achieved, and holdbacks released, in this period."""
        by_id = {milestone.id: milestone for milestone in self.terms.milestones}
        for event in self.inputs.milestones:
            milestone = by_id.get(event.milestone_id)
            if milestone is None:
                raise ValueError(f"milestones: the terms have no milestone '{event.milestone_id}'")
            for line in milestone_payments(
                milestone,
                self.currency,
                achieved=event.achieved,
                accepted=event.accepted,
                rounding=self.terms.rounding_mode,
            ):
                self.add(line)

    # -- ARC/RRC --------------------------------------------------------------------------

    def arc_rrc(self) -> None:
        """One ARC or RRC line per resource unit category."""
        for category in self.terms.resource_units:
            actual = self._required(self.inputs.resource_volumes, category.id, "resource_volumes")
            baseline, _ = baseline_for(category, self.period)
            true_up = self._true_up_in_force(category)
            line = deviation_charge(
                category,
                true_up.new_baseline if true_up and true_up.new_baseline is not None else baseline,
                actual,
                self.currency,
            )
            if true_up is not None:
                note = (
                    f"Measured against the trued-up baseline in force from "
                    f"{true_up.applies_from.isoformat()}"
                )
                line = replace(line, explanation=(note, *line.explanation))
            self.add(line)

    # -- indexation and FX ----------------------------------------------------------------

    def _base_of(self, kinds: frozenset[ChargeKind]) -> tuple[Decimal, str]:
        """The sum of the lines so far of `kinds`, and the sum written out."""
        members = [line for line in self.lines if line.kind in kinds]
        amount = total(line.amount for line in members)
        if not members:
            return amount, "no lines of those kinds precede this step"
        listed = listed_sum(members, self.currency)
        return amount, f"{listed} = {money(amount, self.currency)}"

    def indexation(self) -> None:
        """The uplift of the indexed lines so far by the cumulative index factor."""
        terms = self.terms.indexation
        if terms is None:
            return
        result = indexation_factor(terms, self.period.start_on, self.inputs.index_series)
        base, base_text = self._base_of(terms.applies_to)
        amount = base * result.uplift
        self.add(
            ChargeLine(
                kind=ChargeKind.INDEXATION,
                id="indexation",
                description=f"Indexation ({terms.index_name})",
                quantity=base,
                rate=result.uplift,
                amount=amount,
                explanation=(
                    f"Indexed charges ({_kinds_text(terms.applies_to)}): {base_text}",
                    *result.explanation,
                    f"Indexation = {num(base)} × ({num(result.factor)} − 1) = "
                    f"{money(amount, self.currency)}",
                ),
            )
        )

    def fx(self) -> None:
        """The FX adjustment of the billings so far."""
        terms = self.terms.fx
        if terms is None:
            return
        if self.inputs.fx_rate is None:
            raise ValueError(
                f"fx_rate: the terms have an FX clause, so the exchange rate for "
                f"{self.period.label} is needed"
            )
        billings, billings_text = self._base_of(terms.applies_to)
        adjustment = fx_adjustment(terms, self.inputs.fx_rate, billings, self.currency)
        self.add(
            ChargeLine(
                kind=ChargeKind.FX,
                id="fx",
                description="FX adjustment",
                quantity=billings,
                rate=adjustment.rate,
                amount=adjustment.amount,
                explanation=(
                    f"Billings subject to FX ({_kinds_text(terms.applies_to)}): {billings_text}",
                    *adjustment.explanation,
                ),
            )
        )

    # -- credits --------------------------------------------------------------------------

    def service_credits(self) -> None:
        """Service credits due in this period, then delay damages."""
        lag = self.terms.credit_lag_periods
        earned_in = self.period.shifted(-lag)
        when = (
            "in the period they are earned"
            if lag == 0
            else f"{plural(lag, 'period')} after the period they are earned in"
        )
        for credit in self.inputs.service_credits:
            if credit.earned_in != earned_in:
                continue
            amount = negated(credit.amount)
            self.add(
                ChargeLine(
                    kind=ChargeKind.SERVICE_CREDIT,
                    id=credit.id,
                    description=credit.description or "Service credit",
                    quantity=None,
                    rate=None,
                    amount=amount,
                    explanation=(
                        f"Service credit earned in {credit.earned_in.label}; the terms apply "
                        f"credits {when}, so it is applied in {self.period.label}",
                        f"Credit = {money(amount, self.currency)}",
                    ),
                )
            )
        by_id = {item.id: item for item in self.terms.delay_damages}
        for event in self.inputs.delays:
            damages_terms = by_id.get(event.damages_id)
            if damages_terms is None:
                raise ValueError(f"delays: the terms have no delay damages '{event.damages_id}'")
            damages = delay_damages(damages_terms, event.due_on, event.ended_on, self.currency)
            self.add(damages.as_line(damages_terms.description))


_STEP_KINDS: Mapping[StatementStep, frozenset[ChargeKind]] = MappingProxyType(
    {
        StatementStep.BASE_CHARGES: frozenset(
            {
                ChargeKind.FIXED,
                ChargeKind.UNIT,
                ChargeKind.RESOURCE_BASE,
                ChargeKind.TRUE_UP,
                ChargeKind.MILESTONE,
            }
        ),
        StatementStep.ARC_RRC: frozenset({ChargeKind.ARC, ChargeKind.RRC}),
        StatementStep.INDEXATION: frozenset({ChargeKind.INDEXATION}),
        StatementStep.FX: frozenset({ChargeKind.FX}),
    }
)
"""The kinds of line each step produces."""


def _kinds_text(kinds: frozenset[ChargeKind]) -> str:
    """The kinds in a stable order, comma separated."""
    return ", ".join(kind.value for kind in ChargeKind if kind in kinds)


def build_statement(
    terms: ChargeTerms, period: BillingPeriod, inputs: StatementInputs
) -> Statement:
    """The period's statement: every charge and credit line explained, tax, and exact totals."""
    builder = _Builder(terms, period, inputs)
    for step in terms.order[:-1]:  # tax is always last (checked by ChargeTerms)
        builder.run(step)
    lines = tuple(builder.lines)
    if terms.rounding is RoundingPoint.ON_TOTAL:
        lines = round_on_total(lines, terms.currency, terms.rounding_mode, "total before tax")
    taxes = tax_lines(terms.tax, lines, terms.currency, terms.rounding_mode) if terms.tax else ()
    all_lines = (*lines, *taxes)
    ids = Counter(line.id for line in all_lines)
    for line_id, uses in ids.items():  # in the lines' order, as the first is named
        if uses > 1:
            raise ValueError(f"two statement lines have the id '{line_id}'; ids must be unique")
    subtotal = total(line.amount for line in lines if not line.kind.is_credit)
    credits = total(line.amount for line in lines if line.kind.is_credit)
    tax = total(line.amount for line in taxes)
    flags: list[str] = []
    for line in all_lines:
        if line.flags:
            flags.extend(flag for flag in line.flags if flag not in flags)
    return Statement(
        period=period,
        currency=terms.currency,
        lines=all_lines,
        subtotal=subtotal,
        credits=credits,
        tax=tax,
        total=subtotal + credits + tax,
        flags=tuple(flags),
    )


def at_risk_base(
    terms: ChargeTerms, period: BillingPeriod, inputs: StatementInputs
) -> ExplainedAmount:
    """The charges of `period` that service credits are a percentage of, as the terms name them."""
    builder = _Builder(terms, period, inputs)
    credits_at = terms.order.index(StatementStep.SERVICE_CREDITS)
    for step in terms.order[:credits_at]:
        builder.run(step)
    included = [line for line in builder.lines if line.kind in terms.at_risk_kinds]
    excluded = [line for line in builder.lines if line.kind not in terms.at_risk_kinds]
    amount = total(line.amount for line in included)
    steps = [
        f"At-risk base for {period.label}: the charges of kinds {_kinds_text(terms.at_risk_kinds)}"
        " produced before service credits in the order of operations",
    ]
    steps.extend(
        f"{line.id} ({line.kind.value}): {money(line.amount, terms.currency)}" for line in included
    )
    if excluded:
        steps.append(
            "Not in the at-risk base: "
            + ", ".join(f"{line.id} ({line.kind.value})" for line in excluded)
        )
    later = [
        kind.value
        for step in terms.order[credits_at + 1 :]
        for kind in ChargeKind
        if kind in _STEP_KINDS.get(step, frozenset()) and kind in terms.at_risk_kinds
    ]
    if later:
        steps.append(
            f"Charges of kinds {', '.join(later)} come after service credits in the order of "
            "operations, so they cannot be part of the base"
        )
    if terms.rounding is RoundingPoint.ON_TOTAL:
        rounded = quantize_money(amount, terms.currency, terms.rounding_mode)
        if rounded != amount:
            steps.append(
                f"Rounded on the total ({terms.rounding_mode.describe()}): {num(amount)} → "
                f"{money(rounded, terms.currency)}"
            )
        amount = rounded
    steps.append(f"At-risk base = {money(amount, terms.currency)}")
    return ExplainedAmount(amount=amount, explanation=tuple(steps))
