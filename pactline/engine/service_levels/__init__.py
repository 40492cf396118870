"""Service levels and service credits: evaluate one period of a contract's measures.

`evaluate_period(terms, period, history, charge_base)` reads the measurements, sets each
measure's status, decides defaults, prices failures with each measure's credit model, applies
the incident rule, minimum credit and caps, moves earnback windows on, raises levels under
continuous improvement, and reports termination triggers as red flags. Every number carries
the plain-English steps that produced it.

Decisions worth knowing (each is also spelt out in the explanations):

* Earlier periods are re-evaluated from the history, not passed in: the replay starts at the
  earliest period in `charge_base`, and every period from there to the one evaluated needs a
  charge base. `terms_for` gives the terms in force for an earlier period (amendments).
  Measurement rows may arrive in any order; two rows for one measure and period are refused.
* A single `target` is the only level: missing it is a minimum-level miss (no yellow zone).
* A missing report follows the measure's `no_report` rule. Deemed failed counts as a
  minimum-level miss; models that need an actual price it at `deemed_actual`, or at the
  model's maximum (highest band, highest points, maximum %, maximum days).
* Quarterly measures are assessed in the last month of each quarter (`quarter_start_month`
  sets where quarters begin) on the average of the quarter's monthly rows; in other months
  their status is `not_due`. A rolling average uses the months reported in the window, and
  needs this period's own report.
* Periods in which a measure is not assessed (excluded, not due, or an ignored missing
  report) are skipped by every run and window that counts assessed periods (escalation,
  repeat failures, earnback, continuous improvement): they neither break nor extend a run.
  N-of-M rules (defaults, credit frequency) count calendar periods.
* Credits are computed against the charge base of the period being evaluated (the quarter's
  last month for a quarterly measure). Each measure's credit is rounded once to the minor
  unit with the regime's rounding; caps are rounded down so a rounded total never exceeds
  them. Order: model → incident rule → minimum credit → carried-in excess → period cap and
  annual cap (the lower binds) → shares of the capped total (which add up exactly) →
  earnback.
* Carried-forward excess is applied before the period's own credits, subject to that period's
  caps. The annual cap counts each earlier period's `total` (after caps, before earnback).
* Earnback windows count the next W assessed periods of the measure; the credit is earned
  back when each meets the level in force (or the measure's `earnback_target`), and lost at
  the first that does not. Deferred credits are held, then waived or released; refund
  credits are paid, then refunded.
* Key measurements are reported and can raise levels under continuous improvement, but carry
  no credit, no default and no red flag.
"""

from pactline.engine.money import Rounding
from pactline.engine.service_levels.credit_models import (
    Banded,
    CreditBand,
    CreditModel,
    DayEquivalent,
    Escalating,
    PercentOfCharges,
    PerStep,
    PointsBand,
    PoolAllocation,
    ServicePoints,
    Shortfall,
)
from pactline.engine.service_levels.enums import (
    CapBasis,
    Comparison,
    CreditModelKind,
    DaysSource,
    Direction,
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
    PartDays,
    RedFlagKind,
    StepCounting,
    Unit,
)
from pactline.engine.service_levels.errors import ServiceLevelInputError, ServiceLevelTermsError
from pactline.engine.service_levels.evaluation import evaluate_period, evaluate_periods
from pactline.engine.service_levels.measurements import Exclusion, Measurement, Period
from pactline.engine.service_levels.results import (
    CreditTotals,
    EarnbackDecision,
    MeasureResult,
    PeriodResult,
    RedFlag,
)
from pactline.engine.service_levels.terms import (
    AnnualCap,
    Category,
    ContinuousImprovement,
    CountWithin,
    CreditRegime,
    DecimalRounding,
    DefaultRules,
    Earnback,
    Measure,
    MinimumCredit,
    PeriodCap,
    ServiceLevelTerms,
    TerminationTriggers,
)

__all__ = [
    "AnnualCap",
    "Banded",
    "CapBasis",
    "Category",
    "Comparison",
    "ContinuousImprovement",
    "CountWithin",
    "CreditBand",
    "CreditModel",
    "CreditModelKind",
    "CreditRegime",
    "CreditTotals",
    "DayEquivalent",
    "DaysSource",
    "DecimalRounding",
    "DefaultRules",
    "Direction",
    "Earnback",
    "EarnbackDecision",
    "EarnbackEligibility",
    "EarnbackMode",
    "EarnbackOutcome",
    "EarnbackState",
    "Escalating",
    "ExcessRule",
    "Exclusion",
    "IncidentRule",
    "Measure",
    "MeasureResult",
    "MeasureStatus",
    "MeasureType",
    "Measurement",
    "MeasurementPeriod",
    "MinimumCredit",
    "MinimumCreditRule",
    "MinimumCreditScope",
    "NoReportRule",
    "PartDays",
    "PerStep",
    "PercentOfCharges",
    "Period",
    "PeriodCap",
    "PeriodResult",
    "PointsBand",
    "PoolAllocation",
    "RedFlag",
    "RedFlagKind",
    "Rounding",
    "ServiceLevelInputError",
    "ServiceLevelTerms",
    "ServiceLevelTermsError",
    "ServicePoints",
    "Shortfall",
    "StepCounting",
    "TerminationTriggers",
    "Unit",
    "evaluate_period",
    "evaluate_periods",
]
