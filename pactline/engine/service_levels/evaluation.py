"""Evaluate service-level periods: statuses, defaults, credits, caps, earnback and red flags.

Earlier periods are re-evaluated rather than taken as inputs. Several rules look back (the
annual cap, carried-forward excess, escalation, repeat failures, N-of-M defaults, earnback
windows, continuous improvement), and replaying them from the raw history keeps one source of
truth: a period's result depends only on the terms, the measurements and the charges, never
on what a caller remembered. The replay starts at the earliest period in `charge_base` (the
first period credits apply to) and every period from there on needs a charge base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import TypeVar

from pactline.engine.money import Rounding, allocate, quantize_money, to_decimal
from pactline.engine.service_levels._text import listing, money, num, pct, plural
from pactline.engine.service_levels.credit_models import CreditContext, PoolAllocation
from pactline.engine.service_levels.enums import (
    CapBasis,
    EarnbackEligibility,
    EarnbackMode,
    EarnbackOutcome,
    EarnbackState,
    ExcessRule,
    IncidentRule,
    MeasurementPeriod,
    MeasureStatus,
    MeasureType,
    MinimumCreditRule,
    MinimumCreditScope,
    NoReportRule,
    RedFlagKind,
)
from pactline.engine.service_levels.errors import ServiceLevelInputError
from pactline.engine.service_levels.measurements import Measurement, Period
from pactline.engine.service_levels.results import (
    CreditTotals,
    EarnbackDecision,
    MeasureResult,
    PeriodResult,
    RedFlag,
    is_assessed,
)
from pactline.engine.service_levels.terms import (
    CountWithin,
    Measure,
    ServiceLevelTerms,
    best_possible,
)

__all__ = ["evaluate_period", "evaluate_periods"]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)

TermsFor = Callable[[Period], ServiceLevelTerms]
"""The terms in force for an earlier period (an amendment changes terms from a date)."""


def evaluate_period(
    terms: ServiceLevelTerms,
    period: Period,
    history: Iterable[Measurement],
    charge_base: Mapping[Period, Decimal | int | str],
    *,
    terms_for: TermsFor | None = None,
) -> PeriodResult:
    """Evaluate one period's service levels and credits, replaying earlier periods as needed."""
    return evaluate_periods(terms, period, history, charge_base, terms_for=terms_for)[-1]


def evaluate_periods(
    terms: ServiceLevelTerms,
    period: Period,
    history: Iterable[Measurement],
    charge_base: Mapping[Period, Decimal | int | str],
    *,
    terms_for: TermsFor | None = None,
) -> tuple[PeriodResult, ...]:
    """Evaluate every period from the first charged one up to `period`, in order.

    `terms` are in force for `period`; `terms_for(p)` gives the terms for an earlier period p
    (the same `terms` when omitted). Measurement rows may come in any order; rows after
    `period` are ignored. Rows before the first charged period are used only as inputs to
    rolling averages and quarters.
    """
    charges = _charges(charge_base)
    if period not in charges:
        raise ServiceLevelInputError(
            f"charge_base[{period}]", "no charge base for the period being evaluated"
        )
    first = min(charges)
    schedule: list[tuple[Period, ServiceLevelTerms]] = []
    current = first
    while current <= period:
        if current not in charges:
            raise ServiceLevelInputError(
                f"charge_base[{current}]",
                f"missing: every period from the first charged period {first} to {period} needs "
                "a charge base, because earlier periods are re-evaluated for caps, runs and "
                "earnback",
            )
        in_force = terms if current == period or terms_for is None else terms_for(current)
        schedule.append((current, in_force))
        current = current.shift(1)
    rows = _rows(history, period, {m.id for _, t in schedule for m in t.measures})
    ledger = _Ledger()
    results: list[PeriodResult] = []
    for current, in_force in schedule:
        if ledger.currency is not None and in_force.currency != ledger.currency:
            raise ServiceLevelInputError(
                f"terms[{current}].currency",
                f"{in_force.currency} differs from {ledger.currency} in earlier periods; "
                "carried amounts and caps cannot mix currencies",
            )
        result = _PeriodEvaluation(in_force, current, rows, charges, ledger).run()
        results.append(result)
    return tuple(results)


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _charges(charge_base: Mapping[Period, Decimal | int | str]) -> dict[Period, Decimal]:
    """The charge base per period as Decimals, refusing negatives and floats."""
    charges: dict[Period, Decimal] = {}
    for key, value in charge_base.items():
        if not isinstance(key, Period):
            raise ServiceLevelInputError(f"charge_base[{key!r}]", "key each charge by a Period")
        amount = to_decimal(value, f"charge_base[{key}]")
        if amount < 0:
            raise ServiceLevelInputError(
                f"charge_base[{key}]", f"a charge base cannot be negative (got {num(amount)})"
            )
        charges[key] = amount
    if not charges:
        raise ServiceLevelInputError("charge_base", "give the charge base of at least one period")
    return charges


def _rows(
    history: Iterable[Measurement], last: Period, known_ids: set[str]
) -> dict[tuple[str, Period], Measurement]:
    """Measurement rows keyed by (measure, period); duplicates are refused so order can't matter."""
    rows: dict[tuple[str, Period], Measurement] = {}
    for row in history:
        if not isinstance(row, Measurement):
            raise ServiceLevelInputError("history", f"expected Measurement rows, got {row!r}")
        if row.period > last:
            continue
        if row.measure_id not in known_ids:
            raise ServiceLevelInputError(
                f"measurements[{row.measure_id}, {row.period}]",
                f"no measure '{row.measure_id}' in the terms ({', '.join(sorted(known_ids))})",
            )
        key = (row.measure_id, row.period)
        if key in rows:
            raise ServiceLevelInputError(
                f"measurements[{row.measure_id}, {row.period}]",
                "two rows for the same measure and period; keep one (record corrections "
                "as an approved exclusion)",
            )
        rows[key] = row
    return rows


# --------------------------------------------------------------------------------------------
# State carried from period to period
# --------------------------------------------------------------------------------------------


@dataclass
class _LevelState:
    """A measure's level as continuous improvement has moved it, and the current run."""

    base: Decimal
    level: Decimal
    run: tuple[Decimal, ...] = ()


@dataclass
class _PendingEarnback:
    """A credit that may still be earned back."""

    measure_id: str
    failure_period: Period
    amount: Decimal
    mode: EarnbackMode
    window_periods: int
    periods_met: int = 0


@dataclass
class _Ledger:
    """What earlier periods left behind for later ones.

    Periods are recorded in calendar order (the replay moves forward one month at a time), so
    every list here is in calendar order and the look-backs walk back from the end, stopping
    at the first period out of reach, instead of sorting and filtering the whole history.
    """

    currency: str | None = None
    periods: list[PeriodResult] = field(default_factory=list)
    by_measure: dict[str, list[MeasureResult]] = field(default_factory=dict)
    assessed: dict[str, list[MeasureResult]] = field(default_factory=dict)
    levels: dict[str, _LevelState] = field(default_factory=dict)
    carried: Decimal = _ZERO
    pending: list[_PendingEarnback] = field(default_factory=list)
    # Keyed by id(measure): the terms objects live for the whole replay, so ids are stable.
    level_lines: dict[tuple[int, Decimal, Decimal], str] = field(default_factory=dict)

    def failure_run(self, measure_id: str, period: Period) -> int:
        """How many assessed periods before `period`, latest first, failed in a row."""
        run = 0
        for result in reversed(self.assessed.get(measure_id, ())):
            if result.period >= period:
                continue
            if not result.failed:
                break
            run += 1
        return run

    def results_within(self, measure_id: str, period: Period, months: int) -> list[MeasureResult]:
        """The measure's results in the `months - 1` periods before `period`."""
        return _within(self.by_measure.get(measure_id, ()), period, months)

    def periods_within(self, period: Period, months: int) -> list[PeriodResult]:
        """Period results in the `months - 1` periods before `period`."""
        return _within(self.periods, period, months)

    def record(self, result: PeriodResult, carried_forward: Decimal) -> None:
        """Leave a period's result for the periods after it."""
        self.currency = result.currency
        self.periods.append(result)
        for measure_result in result.service_levels:
            self.by_measure.setdefault(measure_result.id, []).append(measure_result)
            if measure_result.assessed:
                self.assessed.setdefault(measure_result.id, []).append(measure_result)
        self.carried = carried_forward


_R = TypeVar("_R", MeasureResult, PeriodResult)


def _within(results: Sequence[_R], period: Period, months: int) -> list[_R]:
    """The results (in calendar order) in the `months - 1` periods before `period`."""
    found: list[_R] = []
    for result in reversed(results):
        gap = result.period.months_until(period)
        if gap >= months:
            break  # calendar order: every result further back is further away
        if gap > 0:
            found.append(result)
    found.reverse()
    return found


# --------------------------------------------------------------------------------------------
# One period
# --------------------------------------------------------------------------------------------


@dataclass
class _Reading:
    """What one measure showed in one period, before credits."""

    measure: Measure
    level: Decimal
    minimum: Decimal
    status: MeasureStatus
    actual: Decimal | None
    failed_minimum: bool
    incident_ids: frozenset[str]
    lines: list[str]
    default: bool = False
    model_credit: Decimal = _ZERO
    credit: Decimal = _ZERO
    credit_after_caps: Decimal = _ZERO
    earnback: EarnbackState | None = None
    next_level: Decimal | None = None

    @property
    def failed(self) -> bool:
        """Whether the period is a failure of the measure."""
        if self.status is MeasureStatus.NOT_REPORTED:
            return self.failed_minimum
        return self.status in (MeasureStatus.EXPECTED_MISS, MeasureStatus.MINIMUM_MISS)

    @property
    def assessed(self) -> bool:
        """Whether the period counts for runs and windows."""
        return is_assessed(self.status, failed=self.failed)

    @property
    def critical(self) -> bool:
        """Whether the measure is a critical service level."""
        return self.measure.type is MeasureType.CRITICAL


class _PeriodEvaluation:
    """Works out one period, reading and then updating the ledger."""

    def __init__(
        self,
        terms: ServiceLevelTerms,
        period: Period,
        rows: Mapping[tuple[str, Period], Measurement],
        charges: Mapping[Period, Decimal],
        ledger: _Ledger,
    ) -> None:
        self.terms = terms
        self.regime = terms.credits
        self.period = period
        self.rows = rows
        self.all_charges = charges
        self.charges = charges[period]
        self.ledger = ledger
        self.currency = terms.currency
        self.at_risk = self.regime.at_risk_pct / _HUNDRED * self.charges

    def run(self) -> PeriodResult:
        """Read, price, cap, and record the period."""
        readings = [self._read(measure) for measure in self.terms.measures]
        for reading in readings:
            self._apply_default_rules(reading)
            self._price(reading)
        self._apply_incident_rule(readings)
        self._apply_minimum_to_each(readings)
        totals_lines = self._opening_lines(readings)
        self._apply_minimum_to_total(readings, totals_lines)
        cap_outcome = self._apply_caps(readings, totals_lines)
        earnback = self._apply_earnback(readings, totals_lines)
        for reading in readings:
            self._improve(reading)
        uncapped = sum((r.credit for r in readings), _ZERO)
        deferred, released, refunded, decisions = earnback
        total = cap_outcome.total
        payable = total - deferred + released - refunded
        if deferred or released or refunded:
            totals_lines.append(
                f"Payable for {self.period.label()} = total {self._money(total)} − held "
                f"{self._money(deferred)} + released {self._money(released)} − refunded "
                f"{self._money(refunded)} = {self._money(payable)}"
            )
        totals = CreditTotals(
            currency=self.currency,
            charge_base=_as_money(self.charges, self.currency),
            at_risk_amount=self._round_down(self.at_risk),
            uncapped=self._round(uncapped),
            carried_in=self._round(cap_outcome.carried_in),
            cap=cap_outcome.cap,
            total=self._round(total),
            carried_forward=self._round(cap_outcome.carried_forward),
            discarded=self._round(cap_outcome.discarded),
            deferred=self._round(deferred),
            released=self._round(released),
            refunded=self._round(refunded),
            payable=self._round(payable),
            explanation=tuple(totals_lines),
        )
        measure_results = tuple(self._result(reading) for reading in readings)
        flags = self._red_flags(measure_results, uncapped)
        result = PeriodResult(
            period=self.period,
            currency=self.currency,
            service_levels=measure_results,
            service_credits=totals,
            earnback=decisions,
            red_flags=flags,
        )
        self.ledger.record(result, cap_outcome.carried_forward)
        return result

    # -- reading the measurements -------------------------------------------------------------

    def _levels(self, measure: Measure) -> tuple[Decimal, Decimal, str | None]:
        """The level and minimum in force, after any continuous improvement, and a note."""
        state = self.ledger.levels.get(measure.id)
        if state is None or state.base != measure.level or state.level == measure.level:
            return measure.level, measure.minimum_level, None
        minimum = state.level if not measure.has_two_levels else measure.minimum_level
        word = "Expected level" if measure.has_two_levels else "Target"
        note = (
            f"{word} raised by continuous improvement from the contracted "
            f"{measure.unit.show(measure.level)} to {measure.unit.show(state.level)}"
        )
        return state.level, minimum, note

    def _read(self, measure: Measure) -> _Reading:
        """The measure's actual and status for the period, explained."""
        level, minimum, note = self._levels(measure)
        lines = [self._level_line(measure, level, minimum)]
        if note is not None:
            lines.append(note)
        reading = _Reading(
            measure=measure,
            level=level,
            minimum=minimum,
            status=MeasureStatus.NOT_DUE,
            actual=None,
            failed_minimum=False,
            incident_ids=frozenset(),
            lines=lines,
        )
        if not measure.is_due(self.period.month):
            ends = [self.period.shift(n) for n in range(1, 3)]
            next_end = next(p for p in ends if measure.is_due(p.month))
            lines.append(
                f"Measured quarterly: not due in {self.period}; the quarter ends in {next_end}"
            )
            return reading
        window = self._window(measure)
        used = [self.rows[(measure.id, p)] for p in window if (measure.id, p) in self.rows]
        reading.incident_ids = frozenset(chain.from_iterable(row.incident_ids for row in used))
        current = self.rows.get((measure.id, self.period))
        if measure.measurement_period is MeasurementPeriod.MONTHLY:
            actual = self._single_actual(measure, current, reading)
        else:
            actual = self._average_actual(measure, window, current, reading)
        if reading.status is MeasureStatus.EXCLUDED:
            return reading
        if actual is None:
            self._no_report(measure, reading)
            return reading
        if measure.actual_rounding is not None:
            rounded = measure.actual_rounding.apply(actual)
            change = "unchanged" if rounded == actual else f"{num(actual)} → {num(rounded)}"
            lines.append(
                f"Rounded to {measure.actual_rounding.describe()} before comparing: {change}"
            )
            actual = rounded
        reading.actual = actual
        self._compare(measure, reading)
        return reading

    def _window(self, measure: Measure) -> list[Period]:
        """The months whose rows make up this period's actual."""
        if measure.measurement_period is MeasurementPeriod.ROLLING_AVERAGE:
            assert measure.rolling_months is not None
            months = measure.rolling_months
        elif measure.measurement_period is MeasurementPeriod.QUARTERLY:
            months = 3
        else:
            months = 1
        return [self.period.shift(-offset) for offset in range(months - 1, -1, -1)]

    def _usable(self, measure: Measure, row: Measurement) -> Decimal | None:
        """A row's value after any approved exclusion; None if it has none to give."""
        if row.exclusion is not None:
            value = row.exclusion.actual_after_exclusions
            field_name = "exclusion.actual_after_exclusions"
        else:
            value, field_name = row.value, "value"
        if value is not None:
            low, high = measure.unit.bounds()
            if value < low or (high is not None and value > high):
                limit = f"{num(low)} to {num(high)}" if high is not None else f"from {num(low)}"
                raise ServiceLevelInputError(
                    f"measurements[{measure.id}, {row.period}].{field_name}",
                    f"{num(value)} is outside the range of a {measure.unit.value} ({limit})",
                )
        return value

    def _single_actual(
        self, measure: Measure, row: Measurement | None, reading: _Reading
    ) -> Decimal | None:
        """A monthly measure's actual, after any approved exclusion."""
        if row is None or not row.reported:
            return None
        value = self._usable(measure, row)
        exclusion = row.exclusion
        if exclusion is None:
            assert row.value is not None
            reading.lines.append(f"Reported {measure.unit.show(row.value)} for {self.period}")
            return value
        if exclusion.whole_period:
            reading.status = MeasureStatus.EXCLUDED
            reading.lines.append(
                f"Approved exclusion ({exclusion.reason}): the whole of {self.period} is "
                "excluded, so the measure is not assessed and carries no credit"
            )
            return None
        assert value is not None
        reported = (
            f"reported {measure.unit.show(row.value)}" if row.value is not None else "no report"
        )
        reading.lines.append(
            f"Approved exclusion ({exclusion.reason}): {reported} for {self.period}; actual after "
            f"exclusions {measure.unit.show(value)}"
        )
        return value

    def _average_actual(
        self,
        measure: Measure,
        window: list[Period],
        current: Measurement | None,
        reading: _Reading,
    ) -> Decimal | None:
        """A rolling or quarterly actual: the average of the months' values after exclusions."""
        rolling = measure.measurement_period is MeasurementPeriod.ROLLING_AVERAGE
        if rolling and (current is None or not current.reported):
            return None  # this period's own report is missing: the no-report rule decides
        values: list[tuple[Period, Decimal]] = []
        notes: list[str] = []
        for month in window:
            row = self.rows.get((measure.id, month))
            if row is None or not row.reported:
                notes.append(f"{month} not reported")
                continue
            value = self._usable(measure, row)
            if row.exclusion is not None and row.exclusion.whole_period:
                notes.append(f"{month} excluded ({row.exclusion.reason})")
                continue
            assert value is not None
            if row.exclusion is not None:
                notes.append(f"{month} after exclusions ({row.exclusion.reason})")
            values.append((month, value))
        what = (
            f"rolling {measure.rolling_months}-month average"
            if rolling
            else f"quarter {window[0]} to {window[-1]}"
        )
        excluded_now = (
            current is not None and current.exclusion is not None and current.exclusion.whole_period
        )
        reported = [note for note in notes if "not reported" not in note]
        if (rolling and excluded_now) or (not values and reported):
            # The period itself is excluded (rolling), or every reported month of the quarter
            # is: there is nothing left to assess.
            reading.status = MeasureStatus.EXCLUDED
            reading.lines.append(
                f"Approved exclusion: the {what} is excluded ({'; '.join(notes)}), so the "
                "measure is not assessed and carries no credit"
            )
            return None
        if not values:
            return None
        average = sum((value for _, value in values), _ZERO) / len(values)
        shown = " + ".join(f"{num(value)} ({month})" for month, value in values)
        line = f"The {what}: ({shown}) ÷ {len(values)} = {measure.unit.show(average)}"
        if notes:
            line += f"; {'; '.join(notes)}"
        reading.lines.append(line)
        return average

    def _no_report(self, measure: Measure, reading: _Reading) -> None:
        """Apply the no-report rule."""
        missing = f"No report for {self.period}"
        rule = measure.no_report
        if rule is NoReportRule.DEEMED_FAILED:
            reading.status = MeasureStatus.NOT_REPORTED
            reading.failed_minimum = True
            reading.lines.append(
                f"{missing}: the terms deem a missing report a failure, counted as a "
                "minimum-level miss"
            )
        elif rule is NoReportRule.DEEMED_MET:
            reading.status = MeasureStatus.MET
            reading.lines.append(f"{missing}: the terms deem a missing report met")
        else:
            reading.status = MeasureStatus.NOT_REPORTED
            reading.lines.append(
                f"{missing}: the terms ignore a missing report, so the measure is not assessed"
            )

    def _compare(self, measure: Measure, reading: _Reading) -> None:
        """Compare the actual with the level(s) in force and set the status."""
        actual = reading.actual
        assert actual is not None
        shown = measure.unit.show(actual)
        level_name = "expected level" if measure.has_two_levels else "target"
        if measure.meets(actual, reading.level):
            reading.status = MeasureStatus.MET
            reading.lines.append(
                f"{shown} meets the {level_name} {measure.unit.show(reading.level)}: met"
            )
        elif measure.has_two_levels and measure.meets(actual, reading.minimum):
            reading.status = MeasureStatus.EXPECTED_MISS
            reading.lines.append(
                f"{shown} misses the expected level {measure.unit.show(reading.level)} but meets "
                f"the minimum {measure.unit.show(reading.minimum)}: expected-level miss"
            )
        else:
            reading.status = MeasureStatus.MINIMUM_MISS
            reading.failed_minimum = True
            if measure.has_two_levels:
                reading.lines.append(
                    f"{shown} misses the minimum level {measure.unit.show(reading.minimum)}: "
                    "minimum-level miss"
                )
            else:
                reading.lines.append(
                    f"{shown} misses the target {measure.unit.show(reading.level)}: a miss of the "
                    "only level, counted as a minimum-level miss"
                )

    def _level_line(self, measure: Measure, level: Decimal, minimum: Decimal) -> str:
        """The levels in force and how the measure is measured (the same words every month
        until a level moves, so they are worded once per measure and levels)."""
        key = (id(measure), level, minimum)
        line = self.ledger.level_lines.get(key)
        if line is None:
            line = self.ledger.level_lines[key] = self._word_levels(measure, level, minimum)
        return line

    def _word_levels(self, measure: Measure, level: Decimal, minimum: Decimal) -> str:
        if measure.measurement_period is MeasurementPeriod.MONTHLY:
            how = "measured monthly"
        elif measure.measurement_period is MeasurementPeriod.QUARTERLY:
            how = "measured quarterly"
        else:
            how = f"measured as a rolling {measure.rolling_months}-month average"
        levels = measure.describe_levels(level, minimum)
        kind = (
            "critical service level"
            if measure.type is MeasureType.CRITICAL
            else "key measurement, reported only"
        )
        return f"{measure.name} ({kind}): {levels}; {how}"

    # -- defaults ------------------------------------------------------------------------------

    def _apply_default_rules(self, reading: _Reading) -> None:
        """Decide whether a critical measure's failure is a contractual default."""
        rules = self.terms.default_rules
        if rules is None or not reading.critical or not reading.failed:
            return
        if reading.failed_minimum and rules.minimum_miss_is_default:
            reading.default = True
            reading.lines.append("Default: missing the minimum level is a default in the period")
            return
        count_rule = rules.expected_misses
        if count_rule is None:
            reading.lines.append("Not a default: the terms make no expected-level miss a default")
            return
        earlier = self.ledger.results_within(reading.measure.id, self.period, count_rule.periods)
        misses = [str(r.period) for r in earlier if r.failed] + [str(self.period)]
        window = self._window_text(count_rule)
        if len(misses) >= count_rule.count:
            reading.default = True
            reading.lines.append(
                f"Default: {plural(len(misses), 'miss')} of the expected level within {window} "
                f"({listing(misses)}) reaches the {_ordinal(count_rule.count)} miss that makes "
                "a default"
            )
        else:
            reading.lines.append(
                f"Not a default: {plural(len(misses), 'miss')} of the expected level within "
                f"{window} ({listing(misses)}); the {_ordinal(count_rule.count)} would be"
            )

    def _window_text(self, rule: CountWithin) -> str:
        """ "the 12 periods 2025-02 to 2026-01"."""
        start = self.period.shift(1 - rule.periods)
        return f"the {rule.periods} periods {start} to {self.period}"

    # -- credits -------------------------------------------------------------------------------

    def _price(self, reading: _Reading) -> None:
        """Price a critical measure's failure with its credit model, rounded once."""
        measure = reading.measure
        if not reading.critical:
            reading.lines.append("Key measurement: reported only, no credit")
            return
        if not reading.failed:
            if reading.status is MeasureStatus.MET:
                reading.lines.append("No credit: the level was met")
            else:
                reading.lines.append("No credit: the measure was not assessed this period")
            return
        model = measure.credit
        assert model is not None
        actual = reading.actual
        if actual is None and measure.deemed_actual is not None and model.needs_actual:
            actual = measure.deemed_actual
            reading.lines.append(
                f"Priced at the actual the terms deem a missing report to have: "
                f"{measure.unit.show(actual)}"
            )
        category = self.regime.category(measure.category) if measure.category else None
        # This failure plus the failures in a row just before it; a repeat when there are any.
        run = 1 + self.ledger.failure_run(measure.id, self.period)
        context = CreditContext(
            unit=measure.unit,
            direction=measure.direction,
            level=reading.level,
            actual=actual,
            charges=self.charges,
            at_risk_amount=self.at_risk,
            pool_pct=category.pool_pct if category is not None else _HUNDRED,
            category=category.name if category is not None else None,
            allocation_pct=measure.allocation_pct,
            consecutive_failures=run,
            repeat_failure=run > 1,
            currency=self.currency,
        )
        if isinstance(model, PoolAllocation):
            reading.lines.append(
                f"At-risk amount = {pct(self.regime.at_risk_pct)} × charges "
                f"{self._money(self.charges)} = {self._money(self.at_risk)}"
            )
        priced = model.price(context)
        reading.lines.extend(priced.explanation)
        rounded = self._round(priced.amount)
        if rounded != priced.amount:
            reading.lines.append(
                f"Rounded to the minor unit ({self.regime.rounding.describe()}): "
                f"{self._money(priced.amount)} → {self._money(rounded)}"
            )
        reading.model_credit = rounded
        reading.credit = rounded

    def _apply_incident_rule(self, readings: list[_Reading]) -> None:
        """Group failures linked by shared incidents and apply the terms' incident rule."""
        linked = [r for r in readings if r.critical and r.credit > 0 and r.incident_ids]
        rule = self.regime.incident_rule
        for group in _incident_groups(linked):
            if len(group) < 2:
                continue
            incidents = sorted({incident for r in group for incident in r.incident_ids})
            names = listing([f"{r.measure.id} ({self._money(r.credit)})" for r in group])
            intro = f"{_incident_words(incidents)} caused failures of {names}"
            if rule is IncidentRule.ALL_COUNT:
                for reading in group:
                    reading.lines.append(f"{intro}: all credits count, subject to the cap")
                continue
            if rule is IncidentRule.PER_COMPONENT:
                by_component: dict[str, list[_Reading]] = {}
                for reading in group:
                    component = reading.measure.component or reading.measure.id
                    by_component.setdefault(component, []).append(reading)
                for component, members in by_component.items():
                    keep = _highest(members)
                    for reading in members:
                        if reading is keep:
                            reading.lines.append(
                                f"{intro}: each affected component is credited once; this is the "
                                f"highest credit for component '{component}', so it applies"
                            )
                        else:
                            reading.lines.append(
                                f"{intro}: each affected component is credited once; component "
                                f"'{component}' is already credited by {keep.measure.id}, so "
                                "this credit is not due"
                            )
                            reading.credit = _ZERO
                continue
            keep = _highest(group)
            if rule is IncidentRule.CUSTOMER_CHOOSES:
                why = (
                    "the customer chooses which one credit applies; the engine proposes the "
                    f"highest, {keep.measure.id} {self._money(keep.credit)}"
                )
            else:
                why = (
                    "the terms deem them one event and the highest credit applies, "
                    f"{keep.measure.id} {self._money(keep.credit)}"
                )
            for reading in group:
                if reading is keep:
                    reading.lines.append(f"{intro}: {why}; this credit applies")
                else:
                    reading.lines.append(f"{intro}: {why}; this credit is not due")
                    reading.credit = _ZERO

    def _apply_minimum_to_each(self, readings: list[_Reading]) -> None:
        """Apply a per-credit minimum: no credit under it, or raise every credit to it."""
        minimum = self.regime.minimum_credit
        if minimum is None or minimum.applies_to is not MinimumCreditScope.EACH_CREDIT:
            return
        floor = self._round(minimum.amount)
        for reading in readings:
            if reading.credit <= 0 or reading.credit >= floor:
                continue
            if minimum.rule is MinimumCreditRule.NONE_IF_UNDER:
                reading.lines.append(
                    f"{self._money(reading.credit)} is under the minimum credit "
                    f"{self._money(floor)}: no credit is due"
                )
                reading.credit = _ZERO
            else:
                reading.lines.append(
                    f"{self._money(reading.credit)} is raised to the minimum credit "
                    f"{self._money(floor)}"
                )
                reading.credit = floor

    def _opening_lines(self, readings: list[_Reading]) -> list[str]:
        """The charge base, at-risk amount and this period's credits before caps."""
        lines = [
            f"Charge base (service level invoice amount) for {self.period.label()}: "
            f"{self._money(self.charges)}",
            f"At-risk amount = {pct(self.regime.at_risk_pct)} × {self._money(self.charges)} = "
            f"{self._money(self.at_risk)}",
        ]
        credited = [r for r in readings if r.credit > 0]
        if credited:
            total = sum((r.credit for r in credited), _ZERO)
            parts = " + ".join(f"{r.measure.id} {self._money(r.credit)}" for r in credited)
            lines.append(
                f"Credits before caps: {parts} = {self._money(total)}"
                if len(credited) > 1
                else f"Credits before caps: {parts}"
            )
        else:
            lines.append("No service credits arose this period")
        return lines

    def _apply_minimum_to_total(self, readings: list[_Reading], lines: list[str]) -> None:
        """Apply a minimum to the period's total: none under it, or raise the total to it."""
        minimum = self.regime.minimum_credit
        if minimum is None or minimum.applies_to is not MinimumCreditScope.PERIOD_TOTAL:
            return
        floor = self._round(minimum.amount)
        total = sum((r.credit for r in readings), _ZERO)
        if total <= 0 or total >= floor:
            return
        if minimum.rule is MinimumCreditRule.NONE_IF_UNDER:
            lines.append(
                f"The period's credits {self._money(total)} are under the minimum credit "
                f"{self._money(floor)}: no credit is due"
            )
            for reading in readings:
                if reading.credit > 0:
                    reading.lines.append("No credit: the period's credits are under the minimum")
                    reading.credit = _ZERO
            return
        lines.append(
            f"The period's credits {self._money(total)} are raised to the minimum credit "
            f"{self._money(floor)}, shared in proportion to each credit"
        )
        credited = [r for r in readings if r.credit > 0]
        shares = allocate(floor, [r.credit for r in credited], self.currency, self.regime.rounding)
        for reading, share in zip(credited, shares, strict=True):
            reading.lines.append(
                f"Raised with the period's total to the minimum: {self._money(reading.credit)} → "
                f"{self._money(share)}"
            )
            reading.credit = share

    # -- caps ----------------------------------------------------------------------------------

    def _apply_caps(self, readings: list[_Reading], lines: list[str]) -> _CapOutcome:
        """Limit the period's credits by the period cap and the annual cap, and share the result."""
        uncapped = sum((r.credit for r in readings), _ZERO)
        carried_in = self.ledger.carried
        available = uncapped + carried_in
        if carried_in > 0:
            lines.append(
                f"Carried forward from earlier periods: {self._money(carried_in)}, applied before "
                f"this period's credits; {self._money(uncapped)} + {self._money(carried_in)} = "
                f"{self._money(available)}"
            )
        caps: list[tuple[Decimal, str]] = []
        period_cap = self._period_cap(lines)
        if period_cap is not None:
            caps.append((period_cap, "period cap"))
        annual_room = self._annual_room(lines)
        if annual_room is not None:
            caps.append((annual_room, "annual cap"))
        # Both caps apply, so the lower binds; on a tie the period cap is named.
        binding = min(caps, key=lambda item: item[0]) if caps else None
        cap = binding[0] if binding is not None else None
        if binding is None or cap is None:
            total = available
            lines.append(f"No cap applies: total {self._money(total)}")
        else:
            which = f"{binding[1]} {self._money(cap)}"
            if len(caps) > 1:
                which += " (the lower of the two caps)"
            if available > cap:
                total = cap
                lines.append(
                    f"Cap applied: {self._money(available)} is above the {which}, so the total "
                    f"is {self._money(total)}"
                )
            else:
                total = available
                lines.append(f"Within the {which}: total {self._money(total)}")
        excess = available - total
        carried_forward = discarded = _ZERO
        if excess > 0:
            if self.regime.excess is ExcessRule.CARRIED_FORWARD:
                carried_forward = excess
                lines.append(
                    f"The excess {self._money(excess)} is carried forward and applied in later "
                    "periods, subject to their caps"
                )
            else:
                discarded = excess
                lines.append(
                    f"The excess {self._money(excess)} is discarded (the terms do not carry it "
                    "forward)"
                )
        carried_applied = min(carried_in, total)
        own = total - carried_applied
        if carried_in > 0:
            lines.append(
                f"Of the total, {self._money(carried_applied)} is carried-forward excess and "
                f"{self._money(own)} is this period's credits"
            )
        self._share(readings, own, uncapped)
        lines.append(f"Total service credits for {self.period.label()}: {self._money(total)}")
        return _CapOutcome(
            total=total,
            cap=cap,
            carried_in=carried_in,
            carried_forward=carried_forward,
            discarded=discarded,
        )

    def _period_cap(self, lines: list[str]) -> Decimal | None:
        """The period cap as an amount, rounded down so a rounded total cannot exceed it."""
        cap = self.regime.period_cap
        if cap is None:
            return None
        if cap.basis is CapBasis.AT_RISK_AMOUNT:
            amount = self._round_down(self.at_risk)
            lines.append(f"Period cap: the at-risk amount {self._money(amount)}")
        elif cap.basis is CapBasis.PERCENT_OF_CHARGES:
            assert cap.pct is not None
            exact = cap.pct / _HUNDRED * self.charges
            amount = self._round_down(exact)
            lines.append(
                f"Period cap: {pct(cap.pct)} × charges {self._money(self.charges)} = "
                f"{self._money(amount)}"
            )
        else:
            assert cap.amount is not None
            amount = self._round_down(cap.amount)
            lines.append(f"Period cap: a fixed {self._money(amount)}")
        return amount

    def _annual_room(self, lines: list[str]) -> Decimal | None:
        """What the trailing annual cap leaves for this period."""
        annual = self.regime.annual_cap
        if annual is None:
            return None
        earlier = self.ledger.periods_within(self.period, annual.periods)
        charged = [r.period for r in earlier] + [self.period]
        charges = sum((self.all_charges[p] for p in charged), _ZERO)
        limit = annual.pct / _HUNDRED * charges
        used = sum((r.service_credits.total for r in earlier), _ZERO)
        room = self._round_down(max(limit - used, _ZERO))
        span = f"{charged[0]} to {charged[-1]}" if len(charged) > 1 else str(charged[0])
        if earlier:
            used_span = (
                f"{earlier[0].period} to {earlier[-1].period}"
                if len(earlier) > 1
                else str(earlier[0].period)
            )
            less = f"less the credits of {used_span} {self._money(used)}"
        else:
            less = "with no earlier credits in the window"
        lines.append(
            f"Annual cap: {pct(annual.pct)} × charges of {span} {self._money(charges)} = "
            f"{self._money(limit)}, {less}, leaves {self._money(room)} for this period"
        )
        return room

    def _share(self, readings: list[_Reading], own: Decimal, uncapped: Decimal) -> None:
        """Share what the caps leave of this period's credits over the measures, exactly."""
        credited = [r for r in readings if r.credit > 0]
        if own == uncapped:
            for reading in credited:
                reading.credit_after_caps = reading.credit
            return
        if not credited:
            return
        # The parts must add up to the capped total exactly, so they come from allocate():
        # each share is proportional to the credit before caps and the last takes the remainder.
        shares = allocate(own, [r.credit for r in credited], self.currency, self.regime.rounding)
        for reading, share in zip(credited, shares, strict=True):
            reading.credit_after_caps = share
            reading.lines.append(
                f"After caps: {self._money(share)}, this credit's share "
                f"({self._money(reading.credit)} of {self._money(uncapped)}) of the "
                f"{self._money(own)} the caps leave for this period's credits"
            )

    # -- earnback ------------------------------------------------------------------------------

    def _apply_earnback(
        self, readings: list[_Reading], lines: list[str]
    ) -> tuple[Decimal, Decimal, Decimal, tuple[EarnbackDecision, ...]]:
        """Progress earlier earnback windows and open new ones for this period's credits."""
        earnback = self.terms.earnback
        by_id = {reading.measure.id: reading for reading in readings}
        released = refunded = deferred = _ZERO
        decisions: list[EarnbackDecision] = []
        still_pending: list[_PendingEarnback] = []
        for item in sorted(self.ledger.pending, key=lambda i: (i.failure_period, i.measure_id)):
            reading = by_id.get(item.measure_id)
            outcome, note = self._progress(item, reading)
            what = f"{item.measure_id}: {item.failure_period} credit {self._money(item.amount)}"
            if outcome is EarnbackOutcome.EARNED_BACK:
                if item.mode is EarnbackMode.DEFERRED:
                    effect = "earned back: the held credit is waived"
                else:
                    refunded += item.amount
                    effect = "earned back: the credit is refunded to the supplier"
            elif outcome is EarnbackOutcome.LOST:
                if item.mode is EarnbackMode.DEFERRED:
                    released += item.amount
                    effect = "not earned back: the held credit is released and payable now"
                else:
                    effect = "not earned back: the credit stands"
            else:
                effect = "earnback in progress"
                still_pending.append(item)
            explanation = (
                f"{what}, {effect} ({note}; {item.periods_met} of {item.window_periods} "
                "periods met)"
            )
            lines.append(f"Earnback: {explanation}")
            decisions.append(
                EarnbackDecision(
                    measure_id=item.measure_id,
                    failure_period=item.failure_period,
                    amount=item.amount,
                    mode=item.mode,
                    outcome=outcome,
                    periods_met=item.periods_met,
                    window_periods=item.window_periods,
                    explanation=explanation,
                )
            )
        for reading in readings:
            if earnback is None or not reading.critical or not reading.failed:
                continue
            if reading.credit_after_caps <= 0:
                continue
            eligible = (
                earnback.eligibility is EarnbackEligibility.ALL_FAILURES
                or reading.status is MeasureStatus.EXPECTED_MISS
            )
            window = plural(earnback.window_periods, "assessed period")
            target = reading.measure.earnback_target
            condition = (
                f"the level is met in each of the next {window}"
                if target is None
                else f"the earnback target {reading.measure.unit.show(target)} is met in each of "
                f"the next {window}"
            )
            if not eligible:
                reading.earnback = EarnbackState.NOT_ELIGIBLE
                reading.lines.append(
                    "Earnback: not eligible, only failures above the minimum level (the yellow "
                    "zone) can be earned back"
                )
                continue
            item = _PendingEarnback(
                measure_id=reading.measure.id,
                failure_period=self.period,
                amount=reading.credit_after_caps,
                mode=earnback.mode,
                window_periods=earnback.window_periods,
            )
            still_pending.append(item)
            if earnback.mode is EarnbackMode.DEFERRED:
                deferred += item.amount
                reading.earnback = EarnbackState.DEFERRED
                reading.lines.append(
                    f"Earnback: {self._money(item.amount)} is held, and waived if {condition}"
                )
            else:
                reading.earnback = EarnbackState.REFUNDABLE
                reading.lines.append(
                    f"Earnback: {self._money(item.amount)} is credited now, and refunded if "
                    f"{condition}"
                )
        if deferred:
            lines.append(f"Held for earnback: {self._money(deferred)}")
        self.ledger.pending = still_pending
        return deferred, released, refunded, tuple(decisions)

    def _progress(
        self, item: _PendingEarnback, reading: _Reading | None
    ) -> tuple[EarnbackOutcome, str]:
        """Move one earnback window on by this period's result."""
        if reading is None or not reading.assessed:
            return EarnbackOutcome.IN_PROGRESS, f"{self.period} not assessed, the window waits"
        target = reading.measure.earnback_target
        met = reading.status is MeasureStatus.MET
        if met and target is not None:
            met = reading.actual is not None and reading.measure.meets(reading.actual, target)
            level_text = f"the earnback target {reading.measure.unit.show(target)}"
        else:
            level_text = "the level"
        if not met:
            return EarnbackOutcome.LOST, f"{self.period} did not meet {level_text}"
        item.periods_met += 1
        if item.periods_met >= item.window_periods:
            return EarnbackOutcome.EARNED_BACK, f"{self.period} met {level_text}"
        return EarnbackOutcome.IN_PROGRESS, f"{self.period} met {level_text}"

    # -- continuous improvement ----------------------------------------------------------------

    def _improve(self, reading: _Reading) -> None:
        """Track runs above the level and raise the level after N of them."""
        measure = reading.measure
        clause = self.terms.continuous_improvement
        state = self.ledger.levels.get(measure.id)
        if state is None or state.base != measure.level:
            state = _LevelState(base=measure.level, level=measure.level)
        self.ledger.levels[measure.id] = state
        if clause is None or not clause.applies_to(measure.id) or not reading.assessed:
            return
        actual = reading.actual
        if actual is None or not measure.better(actual, state.level):
            if state.run:
                reading.lines.append(
                    "Continuous improvement: the run of periods better than the level restarts"
                )
            state.run = ()
            return
        state.run = (*state.run, actual)
        if len(state.run) < clause.consecutive_periods:
            reading.lines.append(
                f"Continuous improvement: {plural(len(state.run), 'consecutive period')} better "
                f"than the level of the {clause.consecutive_periods} that raise it"
            )
            return
        unit = measure.unit
        average = sum(state.run, _ZERO) / len(state.run)
        gap = average - state.level
        rise = clause.rise_pct / _HUNDRED * gap
        new_level = state.level + rise
        line = (
            f"Continuous improvement: {plural(len(state.run), 'consecutive period')} better than "
            f"{unit.show(state.level)} ({', '.join(num(v) for v in state.run)}), average "
            f"{unit.show(average)}; new level = {num(state.level)} + {pct(clause.rise_pct)} × "
            f"({num(average)} − {num(state.level)}) = {unit.show(new_level)}"
        )
        best = best_possible(measure)
        if clause.headroom_cap_pct is not None and best is not None:
            headroom = abs(best - state.level)
            most = clause.headroom_cap_pct / _HUNDRED * headroom
            if abs(rise) > most:
                new_level = state.level + (most if gap > 0 else -most)
                line += (
                    f", limited to {pct(clause.headroom_cap_pct)} of the headroom "
                    f"{num(headroom)} to {unit.show(best)}: {unit.show(new_level)}"
                )
        if clause.level_rounding is not None:
            rounded = clause.level_rounding.apply(new_level)
            # Rounding must never make the new level easier than the one it replaces.
            if measure.better(state.level, rounded):
                rounded = state.level
            line += f", rounded to {clause.level_rounding.describe()}: {unit.show(rounded)}"
            new_level = rounded
        reading.lines.append(f"{line}; it applies from {self.period.shift(1)}")
        reading.next_level = new_level
        state.level = new_level
        state.run = ()

    # -- red flags -----------------------------------------------------------------------------

    def _red_flags(
        self, results: tuple[MeasureResult, ...], uncapped: Decimal
    ) -> tuple[RedFlag, ...]:
        """Termination triggers reached in this period."""
        triggers = self.terms.termination_triggers
        flags: list[RedFlag] = []
        if triggers.measure_defaults is not None:
            rule = triggers.measure_defaults
            for result in results:
                if result.type is not MeasureType.CRITICAL:
                    continue
                earlier = self.ledger.results_within(result.id, self.period, rule.periods)
                defaults = [str(r.period) for r in earlier if r.default]
                if result.default:
                    defaults.append(str(self.period))
                if len(defaults) >= rule.count:
                    flags.append(
                        RedFlag(
                            RedFlagKind.REPEATED_DEFAULTS,
                            result.id,
                            f"{result.id}: {plural(len(defaults), 'default')} within "
                            f"{self._window_text(rule)} ({listing(defaults)}); the trigger is "
                            f"{rule.count}",
                        )
                    )
        credited = [r.period for r in self.ledger.periods if r.service_credits.uncapped > 0]
        if uncapped > 0:
            credited.append(self.period)
        run = triggers.consecutive_credit_periods
        if run is not None and uncapped > 0:
            streak = [self.period.shift(-offset) for offset in range(run)]
            if all(p in credited for p in streak):
                flags.append(
                    RedFlag(
                        RedFlagKind.CONSECUTIVE_CREDITS,
                        None,
                        f"Service credits in {run} consecutive periods ({streak[-1]} to "
                        f"{self.period})",
                    )
                )
        if triggers.credit_periods is not None:
            rule = triggers.credit_periods
            within = [p for p in credited if p.months_until(self.period) < rule.periods]
            if len(within) >= rule.count:
                flags.append(
                    RedFlag(
                        RedFlagKind.FREQUENT_CREDITS,
                        None,
                        f"Service credits in {len(within)} of {self._window_text(rule)} "
                        f"({listing([str(p) for p in within])}); the trigger is {rule.count}",
                    )
                )
        if triggers.any_critical_failure:
            for result in results:
                minimum_failure = result.failed and result.status in (
                    MeasureStatus.MINIMUM_MISS,
                    MeasureStatus.NOT_REPORTED,
                )
                if result.type is MeasureType.CRITICAL and minimum_failure:
                    flags.append(
                        RedFlag(
                            RedFlagKind.CRITICAL_FAILURE,
                            result.id,
                            f"{result.id}: critical service level failure in {self.period} "
                            f"({result.status.value.replace('_', ' ')})",
                        )
                    )
        return tuple(flags)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _result(self, reading: _Reading) -> MeasureResult:
        """The frozen result of one measure."""
        return MeasureResult(
            id=reading.measure.id,
            name=reading.measure.name,
            type=reading.measure.type,
            period=self.period,
            status=reading.status,
            actual=reading.actual,
            level=reading.level,
            minimum=reading.minimum,
            failed=reading.failed,
            default=reading.default,
            credit_before_caps=self._round(reading.credit),
            credit=self._round(reading.credit_after_caps),
            earnback=reading.earnback,
            next_level=reading.next_level,
            explanation=tuple(reading.lines),
        )

    def _round(self, amount: Decimal) -> Decimal:
        """An amount rounded to the minor unit with the regime's rounding mode."""
        return quantize_money(amount, self.currency, self.regime.rounding)

    def _round_down(self, amount: Decimal) -> Decimal:
        """A cap rounded down to the minor unit, so a rounded total never exceeds the clause."""
        return quantize_money(amount, self.currency, Rounding.DOWN)

    def _money(self, amount: Decimal) -> str:
        """An amount in the terms' currency."""
        return money(amount, self.currency)


@dataclass(frozen=True)
class _CapOutcome:
    """What the caps did to the period's credits."""

    total: Decimal
    cap: Decimal | None
    carried_in: Decimal
    carried_forward: Decimal
    discarded: Decimal


def _incident_groups(readings: list[_Reading]) -> list[list[_Reading]]:
    """Failures joined by shared incident ids (transitively), in terms order."""
    parent = list(range(len(readings)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_seen: dict[str, int] = {}
    for index, reading in enumerate(readings):
        for incident in sorted(reading.incident_ids):
            if incident in first_seen:
                parent[root(index)] = root(first_seen[incident])
            else:
                first_seen[incident] = index
    groups: dict[int, list[_Reading]] = {}
    for index, reading in enumerate(readings):
        groups.setdefault(root(index), []).append(reading)
    return list(groups.values())


def _highest(readings: list[_Reading]) -> _Reading:
    """The reading with the highest credit; the first in terms order on a tie."""
    best = readings[0]
    for reading in readings[1:]:
        if reading.credit > best.credit:
            best = reading
    return best


def _incident_words(incidents: list[str]) -> str:
    """ "Incident INC-1" or "Incidents INC-1 and INC-2"."""
    noun = "Incident" if len(incidents) == 1 else "Incidents"
    return f"{noun} {listing(incidents)}"


def _ordinal(number: int) -> str:
    """ "1st", "2nd", "3rd", "4th", "11th"."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _as_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` written to the minor unit when that changes no digit, else as given."""
    rounded = quantize_money(amount, currency)
    return rounded if rounded == amount else amount
