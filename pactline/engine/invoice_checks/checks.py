"""The checks: an invoice compared, line by line and as a whole, with what the terms give."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pactline.engine.charges.common import (
    HUNDRED,
    ZERO,
    BillingPeriod,
    ChargeKind,
    ChargeLine,
    RoundingPoint,
    money,
    num,
    total,
)
from pactline.engine.charges.resource_units import (
    DeadbandMode,
    ResourceUnitCategory,
    baseline_for,
)
from pactline.engine.charges.statement import ChargeTerms, Statement
from pactline.engine.charges.tax import TaxBase
from pactline.engine.invoice_checks.findings import Finding, FindingType
from pactline.engine.invoice_checks.invoices import Invoice, InvoiceContext, InvoiceLine
from pactline.engine.money import minor_unit, quantize_money

__all__ = ["check_invoice", "invoice_from_statement"]

_TAX_TOLERANCE_UNITS = Decimal("1.5")
"""How far (in minor units) a line's tax may be from amount × rate before it is wrong: half a
unit for rounding the line, plus one unit an invoice may move so its line taxes add up to the
tax on the total (the last line takes the remainder)."""

_RESOURCE_SUFFIXES: Mapping[ChargeKind, str] = {
    ChargeKind.RESOURCE_BASE: "base",
    ChargeKind.ARC: "arc",
    ChargeKind.RRC: "rrc",
    ChargeKind.TRUE_UP: "true_up",
}
"""Statement line ids of a resource unit category are "<category>:<suffix>"."""

_TYPE_ORDER = {finding_type: index for index, finding_type in enumerate(FindingType)}


@dataclass(frozen=True)
class _Billed:
    """An invoice line resolved to what it bills."""

    line: InvoiceLine
    key: str  # the statement line id it bills, or its item id when it matches none
    kind: ChargeKind | None  # the kind of charge, as far as the terms or the line say
    known: bool  # whether the contract has the item
    period: BillingPeriod


class _Check:
    """One invoice against one context; collects findings."""

    def __init__(self, invoice: Invoice, context: InvoiceContext) -> None:
        self.invoice = invoice
        self.context = context
        self.terms: ChargeTerms = context.terms
        self.statement: Statement = context.statement
        self.currency = invoice.currency
        self.findings: list[Finding] = []
        self.due_lines = {
            line.id: line for line in self.statement.lines if line.kind is not ChargeKind.TAX
        }
        self.categories = {category.id: category for category in self.terms.resource_units}
        self.credits_due = self._credits_due()
        self.known_kinds = self._known_kinds()

    # -- helpers --------------------------------------------------------------------------

    def round(self, amount: Decimal) -> Decimal:
        """Money rounded as the contract rounds it."""
        return quantize_money(amount, self.currency, self.terms.rounding_mode)

    def money(self, amount: Decimal) -> str:
        return money(amount, self.currency)

    def add(
        self,
        finding_type: FindingType,
        amount: Decimal,
        line: InvoiceLine | None,
        explanation: Iterable[str],
        evidence: Mapping[str, str],
    ) -> None:
        """Record a finding, unless no money is at stake."""
        if amount == 0:
            return
        steps = list(explanation)
        steps.append(
            f"At stake: {self.money(amount)} "
            + (
                "(positive: the customer is billed more than the terms give)"
                if amount > 0
                else "(negative: the customer is billed less than the terms give)"
            )
        )
        self.findings.append(
            Finding(
                type=finding_type,
                amount=amount,
                currency=self.currency,
                line_number=None if line is None else line.line_number,
                explanation=tuple(steps),
                evidence={"invoice": self.invoice.number, **evidence},
            )
        )

    def _credits_due(self) -> dict[str, Decimal]:
        """Credit id → amount due on this invoice (positive), from the inputs and the statement."""
        earned_in = self.invoice.period.shifted(-self.terms.credit_lag_periods)
        due = {
            line.id: -line.amount
            for line in self.statement.lines
            if line.kind is ChargeKind.SERVICE_CREDIT
        }
        # The statement's figure wins for a credit it carries: it is the same credit, rounded
        # as the contract rounds (on the total, the last line may take a remainder).
        for credit in self.context.credits_due:
            if credit.earned_in == earned_in and credit.id not in due:
                due[credit.id] = self.round(credit.amount)
        return due

    def _known_kinds(self) -> dict[str, ChargeKind | None]:
        """Every item id the contract knows, with its kind of charge where the terms say."""
        terms = self.terms
        known: dict[str, ChargeKind | None] = {}
        for entry in terms.rate_card:
            known[entry.id] = ChargeKind.UNIT
            known[entry.item] = ChargeKind.UNIT
        for usage in self.context.volumes.unit_usage:
            known[usage.id] = ChargeKind.UNIT
        for fee in terms.fixed_fees:
            known[fee.id] = ChargeKind.FIXED
        for charge in terms.tiered_charges:
            known[charge.id] = ChargeKind.UNIT
        for milestone in terms.milestones:
            known[milestone.id] = ChargeKind.MILESTONE
            known[f"{milestone.id}:holdback_release"] = ChargeKind.MILESTONE
        for damages in terms.delay_damages:
            known[damages.id] = ChargeKind.DELAY_DAMAGES
        for category in terms.resource_units:
            for kind, suffix in _RESOURCE_SUFFIXES.items():
                known[f"{category.id}:{suffix}"] = kind
        if terms.indexation is not None:
            known["indexation"] = ChargeKind.INDEXATION
        if terms.fx is not None:
            known["fx"] = ChargeKind.FX
        for credit_id in self.credits_due:
            known[credit_id] = ChargeKind.SERVICE_CREDIT
        for credit in self.context.credits_due:
            known[credit.id] = ChargeKind.SERVICE_CREDIT
        for line in self.due_lines.values():
            known[line.id] = line.kind
        return known

    def resolve(self, line: InvoiceLine) -> _Billed:
        """What the line bills: the statement line it matches, or the contract item, or nothing."""
        period = line.period or self.invoice.period
        item = line.item_id
        key = item
        if item not in self.due_lines:
            if item in self.categories:
                suffix = _RESOURCE_SUFFIXES.get(line.kind or ChargeKind.RESOURCE_BASE)
                key = f"{item}:{suffix or (line.kind or ChargeKind.RESOURCE_BASE).value}"
            elif line.kind is not None and f"{item}:{line.kind.value}" in self.due_lines:
                key = f"{item}:{line.kind.value}"
            else:
                usages = [
                    usage.id
                    for usage in self.context.volumes.unit_usage
                    if usage.item == item and usage.id in self.due_lines
                ]
                if len(usages) == 1:
                    key = usages[0]
        due = self.due_lines.get(key)
        if due is not None:
            return _Billed(line, key, due.kind, True, period)
        if key in self.known_kinds:
            return _Billed(line, key, self.known_kinds[key] or line.kind, True, period)
        return _Billed(line, key, line.kind, False, period)

    def computed(self, line: InvoiceLine) -> Decimal:
        """What the line's own figures give: quantity × unit price, rounded, or its amount."""
        if line.quantity is None or line.unit_price is None:
            return line.amount
        return self.round(line.quantity * line.unit_price)

    # -- the invoice as a whole -----------------------------------------------------------

    def duplicate_invoice(self) -> bool:
        """Same counterparty, period and total as an earlier invoice under another number."""
        invoice = self.invoice
        for earlier in sorted(self.context.earlier_invoices, key=lambda item: item.number):
            if (
                earlier.number != invoice.number
                and earlier.counterparty.casefold() == invoice.counterparty.casefold()
                and earlier.period == invoice.period
                and earlier.currency == invoice.currency
                and earlier.total == invoice.total
            ):
                self.add(
                    FindingType.DUPLICATE_INVOICE,
                    invoice.total,
                    None,
                    (
                        f"Invoice {invoice.number} from {invoice.counterparty} for "
                        f"{invoice.period.label} totals {self.money(invoice.total)}",
                        f"Invoice {earlier.number} (issued {earlier.issued_on.isoformat()}) has "
                        "the same counterparty, period and total: this one bills the period again",
                    ),
                    {"earlier_invoice": earlier.number, "period": invoice.period.label},
                )
                return True
        return False

    def header_arithmetic(self) -> None:
        """The lines add up to the subtotal, and subtotal plus tax to the total."""
        invoice = self.invoice
        lines_sum = total(line.amount for line in invoice.lines)
        self.add(
            FindingType.ARITHMETIC,
            invoice.subtotal - lines_sum,
            None,
            (
                f"The invoice's lines add up to {self.money(lines_sum)}; its subtotal is "
                f"{self.money(invoice.subtotal)}",
                f"Subtotal − lines = {num(invoice.subtotal)} − {num(lines_sum)}",
            ),
            {"check": "lines = subtotal", "subtotal": str(invoice.subtotal)},
        )
        expected = invoice.subtotal + invoice.tax
        self.add(
            FindingType.ARITHMETIC,
            invoice.total - expected,
            None,
            (
                f"Subtotal {self.money(invoice.subtotal)} + tax {self.money(invoice.tax)} = "
                f"{self.money(expected)}; the invoice's total is {self.money(invoice.total)}",
            ),
            {"check": "subtotal + tax = total", "total": str(invoice.total)},
        )

    # -- lines flagged as a whole ---------------------------------------------------------

    def excluded(self, billed: _Billed, earlier_keys: set[tuple[str, BillingPeriod]]) -> bool:
        """Flag a line that should not be billed at all; True when it was flagged."""
        line, period = billed.line, billed.period
        is_charge = not (billed.kind is not None and billed.kind.is_credit)
        terminated_on = self.context.terminated_on
        window = self.context.dispute_window_days
        if not billed.known:
            self.add(
                FindingType.UNKNOWN_ITEM,
                line.amount,
                line,
                (
                    f"Line {line.line_number} bills '{line.item_id}' "
                    f"{self.money(line.amount)}: the contract has no charge, rate card item, "
                    "resource unit or credit of that id, so none of it is due",
                ),
                {"item": line.item_id, "term": "charges terms (no such item)"},
            )
        elif is_charge and terminated_on is not None and period.start_on > terminated_on:
            self.add(
                FindingType.BILLED_AFTER_TERMINATION,
                line.amount,
                line,
                (
                    f"Line {line.line_number} bills '{line.item_id}' for {period.label}, which "
                    f"starts {period.start_on.isoformat()}; the contract terminated on "
                    f"{terminated_on.isoformat()}, so none of {self.money(line.amount)} is due",
                ),
                {
                    "item": line.item_id,
                    "period": period.label,
                    "terminated_on": terminated_on.isoformat(),
                },
            )
        elif is_charge and window is not None and self._days_late(period) > window:
            days = self._days_late(period)
            self.add(
                FindingType.OUTSIDE_DISPUTE_WINDOW,
                line.amount,
                line,
                (
                    f"Line {line.line_number} bills '{line.item_id}' for {period.label}, which "
                    f"ended {period.end_on.isoformat()}: {days} days before the invoice date "
                    f"{self.invoice.issued_on.isoformat()}",
                    f"The contract allows {window} days, so {self.money(line.amount)} is billed "
                    "too late",
                ),
                {
                    "item": line.item_id,
                    "period": period.label,
                    "dispute_window_days": str(window),
                    "days_after_period": str(days),
                },
            )
        elif (billed.key, period) in earlier_keys:
            self.add(
                FindingType.DUPLICATE_LINE,
                line.amount,
                line,
                (
                    f"Line {line.line_number} bills '{billed.key}' for {period.label} "
                    f"({self.money(line.amount)}), which a lower-numbered line of this invoice "
                    "already bills",
                ),
                {"item": billed.key, "period": period.label},
            )
        elif earlier := self._billed_before(line, period):
            self.add(
                FindingType.DUPLICATE_LINE,
                line.amount,
                line,
                (
                    f"Line {line.line_number} bills '{line.item_id}' for {period.label} "
                    f"({self.money(line.amount)}); invoice {earlier} already billed the same "
                    "item, period and amount",
                ),
                {"item": line.item_id, "period": period.label, "earlier_invoice": earlier},
            )
        else:
            return False
        return True

    def _days_late(self, period: BillingPeriod) -> int:
        """Days from the end of `period` to the invoice date."""
        return (self.invoice.issued_on - period.end_on).days

    def _billed_before(self, line: InvoiceLine, period: BillingPeriod) -> str | None:
        """The number of an earlier invoice that billed the same item, period and amount."""
        for earlier in sorted(self.context.earlier_invoices, key=lambda item: item.number):
            if earlier.number == self.invoice.number:
                continue
            for other in earlier.lines:
                if (
                    other.item_id == line.item_id
                    and other.kind == line.kind
                    and (other.period or earlier.period) == period
                    and other.amount == line.amount
                ):
                    return earlier.number
        return None

    # -- lines against the statement ------------------------------------------------------

    def line_arithmetic(self, line: InvoiceLine, due: ChargeLine | None) -> None:
        """Quantity × unit price is the line's amount (rounded as the contract rounds)."""
        if line.quantity is None or line.unit_price is None:
            return
        if due is not None and _same_figures(line, due):
            return  # as the statement shows it; the statement explains any cap or remainder
        product = self.round(line.quantity * line.unit_price)
        self.add(
            FindingType.ARITHMETIC,
            line.amount - product,
            line,
            (
                f"Line {line.line_number}: {num(line.quantity)} × {num(line.unit_price)} = "
                f"{self.money(product)}, rounded {self.terms.rounding_mode.describe()}; the line "
                f"says {self.money(line.amount)}",
            ),
            {"item": line.item_id, "check": "quantity × unit price = amount"},
        )

    def compare(self, billed: _Billed, due: ChargeLine) -> None:
        """The line's price, quantity and amount against the statement line it bills."""
        line = billed.line
        self.line_arithmetic(line, due)
        if _same_figures(line, due):
            return
        computed = self.computed(line)
        difference = computed - due.amount
        evidence = {
            "item": due.id,
            "term": f"statement line '{due.id}' ({due.kind.value})",
            "period": self.statement.period.label,
            "due": str(due.amount),
            "invoiced": str(computed),
        }
        intro = (
            f"Line {line.line_number} bills '{due.id}' {self.money(computed)}"
            + (
                f" ({num(line.quantity)} × {num(line.unit_price)})"
                if line.quantity is not None and line.unit_price is not None
                else ""
            )
            + f"; the terms give {self.money(due.amount)}"
            + (
                f" ({num(due.quantity)} × {num(due.rate)})"
                if due.quantity is not None and due.rate is not None
                else ""
            )
        )
        if due.kind in (ChargeKind.ARC, ChargeKind.RRC):
            actual = self.context.volumes.resource_volumes.get(due.id.rsplit(":", 1)[0])
            if actual is not None:
                evidence["recorded"] = f"volume {num(actual)}"
            self.add(
                FindingType.ARC_RRC,
                difference,
                line,
                (intro, *self._arc_rrc_diagnosis(line, due), _first_steps(due)),
                evidence,
            )
            return
        if due.kind is ChargeKind.INDEXATION:
            self._indexation(line, due, computed, intro, evidence)
            return
        quantity, unit_price = line.quantity, line.unit_price
        expected_quantity, recorded = self._expected_quantity(due)
        if recorded:
            evidence["recorded"] = recorded
        if quantity is None or due.quantity is None:
            self.add(FindingType.RATE_MISMATCH, difference, line, (intro,), evidence)
            return
        if unit_price is None or due.rate is None:
            finding_type = (
                FindingType.QUANTITY_MISMATCH
                if quantity != expected_quantity
                else FindingType.RATE_MISMATCH
            )
            self.add(finding_type, difference, line, (intro,), evidence)
            return
        # Split the difference so the parts add up to it exactly (each at the contract's
        # rounding): price (invoiced quantity at the invoiced against the contract price),
        # quantity (the contract price on the invoiced against the recorded quantity), and
        # what the statement itself adjusts (a cap, a remainder), counted with the price.
        at_contract_price = self.round(quantity * due.rate)
        rate_part = computed - at_contract_price
        quantity_part = at_contract_price - self.round(expected_quantity * due.rate)
        rest = difference - rate_part - quantity_part
        rate_steps = [intro]
        if unit_price != due.rate:
            rate_steps.append(
                f"Unit price {num(unit_price)} against the rate in force {num(due.rate)}: "
                f"{num(quantity)} × ({num(unit_price)} − {num(due.rate)}) = "
                f"{self.money(rate_part)}"
            )
        if rest:
            rate_steps.append(
                f"The statement's amount differs from {num(expected_quantity)} × "
                f"{num(due.rate)} by {self.money(-rest)} (see its explanation: "
                f"{_first_steps(due)})"
            )
        self.add(FindingType.RATE_MISMATCH, rate_part + rest, line, rate_steps, evidence)
        self.add(
            FindingType.QUANTITY_MISMATCH,
            quantity_part,
            line,
            (
                intro,
                f"Quantity {num(quantity)} against {num(expected_quantity)} recorded: "
                f"({num(quantity)} − {num(expected_quantity)}) × {num(due.rate)} = "
                f"{self.money(quantity_part)}",
            ),
            evidence,
        )

    def _expected_quantity(self, due: ChargeLine) -> tuple[Decimal, str]:
        """The quantity the terms price: the recorded usage where there is one, else the
        statement's quantity; and the recorded data in words."""
        assert due.quantity is not None
        for usage in self.context.volumes.unit_usage:
            if usage.id == due.id:
                return usage.quantity, f"usage '{usage.id}': {num(usage.quantity)} {usage.unit}"
        return due.quantity, ""

    def _arc_rrc_diagnosis(self, line: InvoiceLine, due: ChargeLine) -> list[str]:
        """Why an ARC/RRC line differs: inside the deadband, the wrong mode, or the wrong rate."""
        category_id = due.id.rsplit(":", 1)[0]
        category = self.categories.get(category_id)
        steps: list[str] = []
        if due.amount == 0:
            steps.append(
                f"The terms give no {due.kind.value.upper()} for {self.statement.period.label}: "
                "the volume is inside the deadband (or below baseline with no RRC)"
            )
        if line.unit_price is not None and due.rate is not None and line.unit_price != due.rate:
            steps.append(f"Unit price {num(line.unit_price)} against the rate {num(due.rate)}")
        if category is not None and line.quantity is not None:
            steps.extend(self._mode_diagnosis(category, abs(line.quantity)))
        return steps

    def _mode_diagnosis(self, category: ResourceUnitCategory, billed_units: Decimal) -> list[str]:
        """Whether the billed units are what the other deadband mode would charge."""
        actual = self.context.volumes.resource_volumes.get(category.id)
        if actual is None:
            return []
        baseline, _ = baseline_for(category, self.statement.period)
        magnitude = abs(actual - baseline)
        band, _ = category.deadband.units(baseline)
        steps = [
            f"Recorded volume {num(actual)} against baseline {num(baseline)}: deviation "
            f"{num(magnitude)}, deadband ±{num(band)} ({category.mode.value} mode)"
        ]
        if (
            magnitude > band
            and category.mode is DeadbandMode.EXCLUSION
            and billed_units == magnitude
        ):
            steps.append(
                f"{num(billed_units)} units is the whole deviation: billed in trigger mode, "
                f"but the contract excludes the deadband ({num(magnitude - band)} units)"
            )
        if (
            magnitude > band
            and category.mode is DeadbandMode.TRIGGER
            and billed_units == magnitude - band
        ):
            steps.append(
                f"{num(billed_units)} units leaves out the deadband: billed in exclusion "
                f"mode, but the contract charges the whole deviation ({num(magnitude)} units)"
            )
        return steps

    def _indexation(
        self,
        line: InvoiceLine,
        due: ChargeLine,
        computed: Decimal,
        intro: str,
        evidence: dict[str, str],
    ) -> None:
        """An uplift above what the indexation clause gives (its cap or its index)."""
        difference = computed - due.amount
        steps = [intro]
        indexation = self.terms.indexation
        if line.unit_price is not None and due.rate is not None:
            steps.append(
                f"Uplift billed {num(line.unit_price * HUNDRED)}% against "
                f"{num(due.rate * HUNDRED)}% in force"
            )
        if indexation is not None and indexation.cap_pct is not None:
            steps.append(f"The clause caps each year's uplift at {num(indexation.cap_pct)}%")
            evidence["cap_pct"] = str(indexation.cap_pct)
        steps.append(_first_steps(due))
        finding_type = (
            FindingType.INDEXATION_ABOVE_CAP if difference > 0 else FindingType.RATE_MISMATCH
        )
        self.add(finding_type, difference, line, steps, evidence)

    def not_due(self, billed: _Billed) -> None:
        """A contract item billed for this period when the terms give nothing for it."""
        line = billed.line
        self.line_arithmetic(line, None)
        computed = self.computed(line)
        kind = billed.kind
        if kind in (ChargeKind.ARC, ChargeKind.RRC):
            finding_type = FindingType.ARC_RRC
        elif kind is ChargeKind.INDEXATION:
            finding_type = FindingType.INDEXATION_ABOVE_CAP
        else:
            finding_type = FindingType.QUANTITY_MISMATCH
        self.add(
            finding_type,
            computed,
            line,
            (
                f"Line {line.line_number} bills '{billed.key}' {self.money(computed)}; the "
                f"terms give nothing for it in {self.statement.period.label} (nothing recorded "
                "or due in the period)",
            ),
            {"item": billed.key, "term": "statement (no such line)", "due": "0"},
        )

    def missing(self, due: ChargeLine) -> None:
        """A charge or credit the terms give for the period that the invoice does not bill."""
        if due.kind in (ChargeKind.ARC, ChargeKind.RRC):
            finding_type = FindingType.ARC_RRC
        elif due.kind.is_credit:
            finding_type = FindingType.MISSING_SERVICE_CREDIT
        elif due.kind is ChargeKind.INDEXATION:
            finding_type = FindingType.RATE_MISMATCH
        else:
            finding_type = FindingType.QUANTITY_MISMATCH
        self.add(
            finding_type,
            -due.amount,
            None,
            (
                f"The terms give '{due.id}' ({due.kind.value}) {self.money(due.amount)} for "
                f"{self.statement.period.label}; no line of the invoice bills it",
                _first_steps(due),
            ),
            {"item": due.id, "term": f"statement line '{due.id}'", "due": str(due.amount)},
        )

    def credits(self, billed: Mapping[str, _Billed], accounted: set[str]) -> None:
        """Each service credit due is on the invoice in full; no credit is given that is not."""
        earned_in = self.invoice.period.shifted(-self.terms.credit_lag_periods)
        credit_ids = set(self.credits_due) | {
            key for key, item in billed.items() if item.kind is ChargeKind.SERVICE_CREDIT
        }
        for credit_id in sorted(credit_ids):
            if credit_id in accounted and credit_id not in billed:
                continue
            due = self.credits_due.get(credit_id, ZERO)
            item = billed.get(credit_id)
            credited = ZERO if item is None else -self.computed(item.line)
            if item is not None:
                self.line_arithmetic(item.line, None)
            # Invoiced minus due, where a credit is a negative charge: −credited − (−due).
            at_stake = due - credited
            if item is None:
                what = "is not on the invoice"
            else:
                how = "short" if credited < due else "more than is due"
                what = f"is credited {self.money(credited)} on line {item.line.line_number} ({how})"
            self.add(
                FindingType.MISSING_SERVICE_CREDIT,
                at_stake,
                None if item is None else item.line,
                (
                    f"Service credit '{credit_id}' of {self.money(due)} is due on this invoice "
                    f"(earned in {earned_in.label}; the terms apply credits "
                    f"{self.terms.credit_lag_periods} period(s) later) and {what}",
                ),
                {
                    "credit": credit_id,
                    "earned_in": earned_in.label,
                    "due": str(due),
                    "credited": str(credited),
                },
            )

    # -- tax ------------------------------------------------------------------------------

    def tax(self, resolved: Sequence[_Billed]) -> None:
        """Tax as the tax terms give it on the amounts invoiced, line by line and in total."""
        invoice = self.invoice
        expected = self._tax_on(resolved)
        line_findings = ZERO
        tolerance = _TAX_TOLERANCE_UNITS * Decimal(1).scaleb(-minor_unit(self.currency))
        for item in resolved:
            line = item.line
            if line.tax_amount is None:
                continue
            rate = self._tax_rate(item.kind)
            exact = line.amount * rate / HUNDRED
            if abs(line.tax_amount - exact) <= tolerance:
                continue
            at_stake = line.tax_amount - self.round(exact)
            line_findings += at_stake
            self.add(
                FindingType.TAX_MISMATCH,
                at_stake,
                line,
                (
                    f"Line {line.line_number}: tax at {num(rate)}% on "
                    f"{self.money(line.amount)} is {self.money(self.round(exact))}; the line "
                    f"says {self.money(line.tax_amount)}",
                ),
                {"item": line.item_id, "tax_rate_pct": str(rate)},
            )
        stated = [item.line.tax_amount for item in resolved]
        if resolved and all(value is not None for value in stated):
            lines_tax = total(value for value in stated if value is not None)
            self.add(
                FindingType.ARITHMETIC,
                invoice.tax - lines_tax,
                None,
                (
                    f"The lines' tax adds up to {self.money(lines_tax)}; the invoice's tax is "
                    f"{self.money(invoice.tax)}",
                ),
                {"check": "line taxes = tax"},
            )
        else:
            lines_tax = invoice.tax
        self.add(
            FindingType.TAX_MISMATCH,
            lines_tax - expected - line_findings,
            None,
            (
                f"Tax the terms give on the amounts invoiced: {self.money(expected)}; the "
                f"invoice charges {self.money(lines_tax)}"
                + (
                    f", of which {self.money(line_findings)} is on lines already reported"
                    if line_findings
                    else ""
                ),
            ),
            {
                "term": "tax terms" if self.terms.tax else "no tax terms: no tax is due",
                "expected_tax": str(expected),
            },
        )

    def _tax_rate(self, kind: ChargeKind | None) -> Decimal:
        """The tax rate (percent) for a line of `kind` (the standard rate when unknown)."""
        terms = self.terms.tax
        if terms is None:
            return ZERO
        if kind is not None and kind.is_credit and terms.base is TaxBase.BEFORE_CREDITS:
            return ZERO
        return terms.rate_pct if kind is None else terms.rate_for(kind)

    def _tax_on(self, resolved: Sequence[_Billed]) -> Decimal:
        """The tax on the invoiced lines, grouped and rounded as the statement's tax lines are."""
        terms = self.terms.tax
        if terms is None:
            return ZERO
        bases: dict[Decimal, Decimal] = {}
        for item in resolved:
            kind = item.kind
            if kind is not None and kind.is_credit and terms.base is TaxBase.BEFORE_CREDITS:
                continue
            rate = self._tax_rate(kind)
            bases[rate] = bases.get(rate, ZERO) + item.line.amount
        exact = [base * rate / HUNDRED for rate, base in bases.items()]
        # Same rule as charges.tax.tax_lines: each rate's tax rounded, or the total rounded.
        if terms.rounding is RoundingPoint.PER_LINE:
            return total(self.round(amount) for amount in exact)
        return self.round(total(exact))

    # -- the run --------------------------------------------------------------------------

    def run(self) -> tuple[Finding, ...]:
        if self.duplicate_invoice():
            return tuple(self.findings)
        self.header_arithmetic()
        lines = sorted(self.invoice.lines, key=lambda line: line.line_number)
        resolved = [self.resolve(line) for line in lines]
        seen: set[tuple[str, BillingPeriod]] = set()
        this_period: dict[str, _Billed] = {}
        # Keys billed by a line flagged as a whole: the money is reported once, on that line,
        # and not again as a charge or credit "missing" from the invoice.
        accounted: set[str] = set()
        for billed in resolved:
            if self.excluded(billed, seen):
                if billed.period == self.invoice.period:
                    accounted.add(billed.key)
                seen.add((billed.key, billed.period))
                continue
            seen.add((billed.key, billed.period))
            if billed.period != self.invoice.period:
                # Another period's charge: its statement is not at hand, so only its own
                # arithmetic, termination, dispute window and duplicates are checked.
                self.line_arithmetic(billed.line, None)
                continue
            this_period[billed.key] = billed
        credits = {
            key: item for key, item in this_period.items() if item.kind is ChargeKind.SERVICE_CREDIT
        }
        for key, due in self.due_lines.items():
            if due.kind is ChargeKind.SERVICE_CREDIT:
                continue
            item = this_period.get(key)
            if item is None:
                if key not in accounted:
                    self.missing(due)
            else:
                self.compare(item, due)
        for key, item in this_period.items():
            if key not in self.due_lines and item.kind is not ChargeKind.SERVICE_CREDIT:
                self.not_due(item)
        self.credits(credits, accounted)
        self.tax(resolved)
        return tuple(sorted(self.findings, key=_finding_order))


def _finding_order(finding: Finding) -> tuple[bool, int, int, str, Decimal, tuple[str, ...]]:
    """Line findings by line number, then the invoice's own; a fixed order of types."""
    return (
        finding.line_number is None,
        finding.line_number or 0,
        _TYPE_ORDER[finding.type],
        finding.evidence.get("item", finding.evidence.get("credit", "")),
        finding.amount,
        finding.explanation,
    )


def _same_figures(line: InvoiceLine, due: ChargeLine) -> bool:
    """Whether the line shows exactly the statement line's quantity, rate and amount."""
    return (
        line.amount == due.amount
        and (line.quantity is None or line.quantity == due.quantity)
        and (line.unit_price is None or line.unit_price == due.rate)
    )


def _first_steps(due: ChargeLine) -> str:
    """The statement line's own explanation, in one sentence."""
    return "Terms: " + "; ".join(due.explanation) if due.explanation else f"Terms: {due.id}"


def check_invoice(invoice: Invoice, context: InvoiceContext) -> tuple[Finding, ...]:
    """Every discrepancy between an invoice and what the terms give for its period."""
    statement = context.statement
    if invoice.currency != statement.currency.upper():
        raise ValueError(
            f"invoice {invoice.number}: currency {invoice.currency} is not the statement's "
            f"{statement.currency}"
        )
    if invoice.period != statement.period:
        raise ValueError(
            f"invoice {invoice.number}: its period {invoice.period.label} is not the "
            f"statement's {statement.period.label}; build the statement for the invoice's period"
        )
    return _Check(invoice, context).run()


def invoice_from_statement(
    statement: Statement,
    terms: ChargeTerms,
    *,
    number: str,
    counterparty: str,
    issued_on: date,
) -> Invoice:
    """The invoice that bills exactly what the statement says: the one no check flags."""
    lines = [line for line in statement.lines if line.kind is not ChargeKind.TAX]
    currency = statement.currency
    rounding = terms.rounding_mode
    exact: list[Decimal] = []
    for line in lines:
        tax_terms = terms.tax
        if tax_terms is None or (line.kind.is_credit and tax_terms.base is TaxBase.BEFORE_CREDITS):
            exact.append(ZERO)
        else:
            exact.append(line.amount * tax_terms.rate_for(line.kind) / HUNDRED)
    taxes = [quantize_money(amount, currency, rounding) for amount in exact]
    # The line taxes must add up to the statement's tax, which is rounded per rate (or on the
    # total): spread the difference one minor unit at a time over the largest lines, so no
    # line's tax moves more than one unit from its own rounded figure.
    unit = Decimal(1).scaleb(-minor_unit(currency))
    remainder = statement.tax - total(taxes)
    order = sorted(range(len(lines)), key=lambda index: (-abs(exact[index]), index))
    steps = int(abs(remainder) / unit)
    if order:
        for position in range(steps):
            index = order[position % len(order)]
            taxes[index] += unit if remainder > 0 else -unit
    elif remainder:
        raise ValueError("the statement has tax but no lines to carry it")
    invoice_lines = tuple(
        InvoiceLine(
            line_number=position + 1,
            item_id=line.id,
            amount=line.amount,
            quantity=line.quantity,
            unit_price=line.rate,
            kind=line.kind,
            tax_amount=taxes[position],
            description=line.description,
        )
        for position, line in enumerate(lines)
    )
    subtotal = total(line.amount for line in lines)
    return Invoice(
        number=number,
        counterparty=counterparty,
        issued_on=issued_on,
        period=statement.period,
        currency=currency,
        subtotal=subtotal,
        tax=statement.tax,
        total=subtotal + statement.tax,
        lines=invoice_lines,
    )
