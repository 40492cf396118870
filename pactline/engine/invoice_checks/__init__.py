"""Invoice validation: an invoice compared with what the terms give for its period.

Frozen inputs in (`Invoice`, `InvoiceContext`), findings out, each with the money at stake,
the steps that show it and the evidence (which term, which data). Pure: no database, no clock.

Decisions worth knowing (each is also spelt out in the findings' explanations):

* **Sign.** A finding's amount is invoiced minus due. Positive: the customer is billed more
  than the terms give (overbilled; value leakage). Negative: billed less (the supplier
  under-recovers: an ARC or uplift not billed, a credit given that is not due; revenue
  leakage). A credit counts as a negative charge, so a missing or short credit is positive.
  The caller flips the sign for the supplier's side.
* **Money is reported once.** A line that should not be billed at all (unknown item, after
  termination, outside the dispute window, a duplicate) is flagged for its whole amount and
  nothing else is checked on it; the charge it bills is not then also reported "missing". A
  line that bills a statement line is split into parts that add up exactly to its difference:
  arithmetic (amount − quantity × unit price, rounded as the contract rounds), price
  (invoiced quantity at the invoiced against the contract price) and quantity (the contract
  price on the invoiced against the recorded quantity). ARC/RRC and indexation lines take
  their whole difference as one `arc_rrc` or `indexation_above_cap` finding. A finding with
  nothing at stake is not raised.
* **Matching.** A line matches the statement line whose id is its `item_id` ("desk",
  "servers:arc"), or "<category>:base|arc|rrc|true_up" for a resource unit category with
  its `kind`, or the one recorded usage of a rate card item. A line for an item the contract
  has but the statement gives nothing for in the period is billed against zero (for rate
  card usage, each line for its own amount). A statement line no invoice line bills is
  reported as not billed (arc_rrc, missing_service_credit, rate_mismatch for indexation,
  quantity_mismatch otherwise), on no line.
* **Rate card usage (time and materials).** Usage is recorded once per rate card entry and
  period (the entry's total quantity for the month: in the application its id is the
  entry's id), but an invoice may bill it on many lines (one per person, ticket or week).
  The lines billing one recorded usage are checked together: each line's unit price against
  the rate in force, on that line (`rate_mismatch` for quantity × (invoiced − contract
  price); its own arithmetic as for any line); and the sum of their quantities against the
  recorded quantity, once, as one `quantity_mismatch` at the contract price on the last of
  them (the evidence gives how many lines and the sum). The pennies by which rounding each
  line on its own differs from rounding the entry's total are not a finding. Lines that do
  not each show a quantity and a unit price are checked together on their amounts. A usage
  billed on one line is checked exactly as any other line.
* **Tax is checked on the amounts invoiced**, grouped and rounded as the statement's tax: a
  line error's knock-on tax is not a second finding. A line's own tax is wrong when it is more
  than 1.5 minor units from amount × rate (half a unit of rounding plus the one unit an
  invoice may move so its line taxes add up); the invoice's tax takes what the lines leave.
* **Duplicates.** An earlier invoice under another number with the same counterparty, period,
  currency and total makes this one a duplicate: one finding for its total, nothing else. A
  line billing the same item and period as a lower-numbered line, or as an earlier invoice's
  line with the same amount, is a duplicate line. A line billing rate card usage is a
  duplicate only when it repeats exactly a lower-numbered line of this invoice, or an
  earlier invoice's line: same item, period, quantity, unit price, amount and description
  (many lines may bill one entry's month). An earlier invoice with the same number is this
  invoice's earlier version and is ignored.
* **Periods.** The invoice's period must be the statement's. A line for another period is
  checked for arithmetic, termination, the dispute window and duplicates only (its statement
  is not at hand). The termination date is the first day the contract is no longer in force
  (as in `pactline.engine.dates`): a charge for a period starting on or after it is not due;
  a period that straddles it is left to the fee terms' own end date. Credits are never
  flagged for termination or the dispute window.
* **Order.** Lines are read in line-number order, so findings do not depend on the order the
  lines arrive in; findings come out by line number, then the invoice's own.
"""

from pactline.engine.invoice_checks.checks import check_invoice, invoice_from_statement
from pactline.engine.invoice_checks.findings import Finding, FindingType
from pactline.engine.invoice_checks.invoices import (
    Invoice,
    InvoiceContext,
    InvoiceLine,
    RecordedVolumes,
)

__all__ = [
    "Finding",
    "FindingType",
    "Invoice",
    "InvoiceContext",
    "InvoiceLine",
    "RecordedVolumes",
    "check_invoice",
    "invoice_from_statement",
]
