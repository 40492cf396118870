"""The checks: an invoice compared, line by line and as a whole, with what the terms give."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

from pactline.engine.charges.common import (
    HUNDRED,
    ZERO,
    BillingPeriod,
    ChargeKind,
    ChargeLine,
    RoundingPoint,
    money,
    num,
    plural,
    total,
)
from pactline.engine.charges.rate_cards import UnitUsage
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


class _Billed(NamedTuple):
    """An invoice line resolved to what it bills (a tuple: there may be one per line)."""

    line: InvoiceLine
    key: str  # the statement line id it bills, or its item id when it matches none
    kind: ChargeKind | None  # the kind of charge, as far as the terms or the line say
    known: bool  # whether the contract has the item
    period: BillingPeriod


class _Resolved(NamedTuple):
    """What an item id (with a line's kind) resolves to; the same for every line naming it."""

    key: str
    kind: ChargeKind | None
    known: bool
    usage: bool  # whether it bills rate card usage (its lines are checked together)


_Figures = tuple[Decimal, Decimal | None, Decimal | None]
"""An invoice line's amount, quantity and unit price."""

_ExactLine = tuple[
    str, ChargeKind | None, BillingPeriod, Decimal, Decimal | None, Decimal | None, str
]
"""An invoice line's item, kind, period, amount, quantity, unit price and description."""


def _exact(line: InvoiceLine, period: BillingPeriod) -> _ExactLine:
    """What an exact repeat of the line has the same."""
    return (
        line.item_id,
        line.kind,
        period,
        line.amount,
        line.quantity,
        line.unit_price,
        line.description,
    )


class _Check:
    """One invoice against one context; collects findings."""

    def __init__(self, invoice: Invoice, context: InvoiceContext) -> None:
        self.invoice = invoice
        self.context = context
        self.terms: ChargeTerms = context.terms
        self.statement: Statement = context.statement
        self.currency = invoice.currency
        # Rounding as `quantize_money` does it, with the currency's exponent and the contract's
        # mode looked up once: the checks round a few times per invoice line.
        self._quantum = Decimal(1).scaleb(-minor_unit(self.currency))
        self._rounding = self.terms.rounding_mode.decimal_mode
        self.findings: list[Finding] = []
        self.due_lines = {
            line.id: line for line in self.statement.lines if line.kind is not ChargeKind.TAX
        }
        self.categories = {category.id: category for category in self.terms.resource_units}
        self.credits_due = self._credits_due()
        self.known_kinds = self._known_kinds()
        # Indexes built on first need: an invoice may have a line per usage record, and its
        # earlier invoices as many, so scanning them for each line would grow with the square
        # of the invoice.
        self._usage_by_id: dict[str, UnitUsage] | None = None
        self._priced_usage_by_item: dict[str, list[str]] | None = None
        self._earlier_lines: (
            dict[tuple[str, ChargeKind | None, BillingPeriod, Decimal], str] | None
        ) = None
        self._earlier_exact: dict[_ExactLine, str] | None = None
        self.usage_keys = self._usage_keys()
        self._resolved: dict[tuple[str, ChargeKind | None], _Resolved] = {}
        self._resolved_plain: dict[str, _Resolved] = {}

    # -- helpers --------------------------------------------------------------------------

    def round(self, amount: Decimal) -> Decimal:
        """Money rounded as the contract rounds it (as `quantize_money` would)."""
        return amount.quantize(self._quantum, rounding=self._rounding)

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
        """Every item id the contract knows besides the statement's own line ids (`resolve`
        tries those first), with its kind of charge where the terms say."""
        terms = self.terms
        known: dict[str, ChargeKind | None] = {}
        for entry in terms.rate_card:
            known[entry.id] = ChargeKind.UNIT
            known[entry.item] = ChargeKind.UNIT
        due_lines = self.due_lines
        for usage in self.context.volumes.unit_usage:
            if usage.id not in due_lines:  # a usage the statement prices is one of its lines
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
        return known

    def usage_named(self, usage_id: str) -> UnitUsage | None:
        """The first recorded usage with this id, if any."""
        if self._usage_by_id is None:
            index: dict[str, UnitUsage] = {}
            for usage in self.context.volumes.unit_usage:
                index.setdefault(usage.id, usage)
            self._usage_by_id = index
        return self._usage_by_id.get(usage_id)

    def priced_usage_of(self, item: str) -> list[str]:
        """The ids of the recorded usages of `item` that the statement prices, one per record."""
        if self._priced_usage_by_item is None:
            index: dict[str, list[str]] = {}
            for usage in self.context.volumes.unit_usage:
                if usage.id in self.due_lines:
                    index.setdefault(usage.item, []).append(usage.id)
            self._priced_usage_by_item = index
        return self._priced_usage_by_item.get(item, [])

    def _usage_keys(self) -> frozenset[str]:
        """The keys a line bills rate card usage under: the recorded usages' ids and the rate
        card's entry ids and items (the application's usage ids are its entry ids), unless
        the terms use the id for another kind of charge."""
        terms = self.terms
        candidates = {usage.id for usage in self.context.volumes.unit_usage}
        for entry in terms.rate_card:
            candidates.add(entry.id)
            candidates.add(entry.item)
        tiered = {charge.id for charge in terms.tiered_charges}
        keys: set[str] = set()
        for key in candidates:
            if key in tiered:
                continue
            due = self.due_lines.get(key)
            kind = due.kind if due is not None else self.known_kinds.get(key)
            if kind is ChargeKind.UNIT:
                keys.add(key)
        return frozenset(keys)

    def resolve(self, line: InvoiceLine) -> _Resolved:
        """What the line bills: the statement line it matches, or the contract item, or nothing.

        Worked out once per item id and kind: a time-and-materials invoice names each rate
        card entry on many lines.
        """
        if line.kind is None:  # most lines: looked up by their item id alone
            resolved = self._resolved_plain.get(line.item_id)
            if resolved is None:
                resolved = self._resolved_plain[line.item_id] = self._resolve(line.item_id, None)
            return resolved
        cache_key = (line.item_id, line.kind)
        resolved = self._resolved.get(cache_key)
        if resolved is None:
            resolved = self._resolved[cache_key] = self._resolve(line.item_id, line.kind)
        return resolved

    def _resolve(self, item: str, kind: ChargeKind | None) -> _Resolved:
        key = item
        if item not in self.due_lines:
            if item in self.categories:
                suffix = _RESOURCE_SUFFIXES.get(kind or ChargeKind.RESOURCE_BASE)
                key = f"{item}:{suffix or (kind or ChargeKind.RESOURCE_BASE).value}"
            elif kind is not None and f"{item}:{kind.value}" in self.due_lines:
                key = f"{item}:{kind.value}"
            else:
                usages = self.priced_usage_of(item)
                if len(usages) == 1:
                    key = usages[0]
        usage = key in self.usage_keys
        due = self.due_lines.get(key)
        if due is not None:
            return _Resolved(key, due.kind, True, usage)
        if key in self.known_kinds:
            return _Resolved(key, self.known_kinds[key] or kind, True, usage)
        return _Resolved(key, kind, False, usage)

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

    def excluded(self, billed: _Billed, billed_before: Collection[str]) -> bool:
        """Flag a line that should not be billed at all; True when it was flagged.

        `billed_before`: the keys the lower-numbered lines bill for the line's period.
        """
        line, period = billed.line, billed.period
        is_charge = not (billed.kind is not None and billed.kind.is_credit)
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
        elif is_charge and self._not_due_in(line, period):
            pass
        elif billed.key in billed_before:
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

    def _not_due_in(self, line: InvoiceLine, period: BillingPeriod) -> bool:
        """Flag a charge for a period after termination or outside the dispute window; True
        when it was flagged."""
        terminated_on = self.context.terminated_on
        window = self.context.dispute_window_days
        if terminated_on is not None and period.start_on >= terminated_on:
            self.add(
                FindingType.BILLED_AFTER_TERMINATION,
                line.amount,
                line,
                (
                    f"Line {line.line_number} bills '{line.item_id}' for {period.label}, which "
                    f"starts {period.start_on.isoformat()}; the contract is no longer in force "
                    f"from {terminated_on.isoformat()} (its termination), so none of "
                    f"{self.money(line.amount)} is due",
                ),
                {
                    "item": line.item_id,
                    "period": period.label,
                    "terminated_on": terminated_on.isoformat(),
                },
            )
        elif window is not None and self._days_late(period) > window:
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
        else:
            return False
        return True

    def usage_lines(
        self, key: str, period: BillingPeriod, lines: list[InvoiceLine]
    ) -> list[InvoiceLine]:
        """Of the lines billing rate card usage `key` for `period` (in line order), those that
        are checked against the usage: the others are flagged whole.

        A line billing rate card usage is not due at all after termination or outside the
        dispute window, and is a duplicate only when it repeats exactly (item, period,
        quantity, unit price, amount and description) a lower-numbered line of this invoice
        or a line of an earlier invoice: many lines may bill one entry's month.
        """
        terminated_on = self.context.terminated_on
        window = self.context.dispute_window_days
        if (terminated_on is not None and period.start_on >= terminated_on) or (
            window is not None and self._days_late(period) > window
        ):
            for line in lines:
                self._not_due_in(line, period)
            return []
        if len(lines) == 1 and not self.context.earlier_invoices:
            return lines  # nothing it could repeat
        kept: list[InvoiceLine] = []
        # The lines are told apart by their description first, and by their figures only
        # among lines that share one: a string hashes at a fraction of the cost of decimals.
        by_text: dict[str, InvoiceLine | dict[_Figures, InvoiceLine]] = {}
        check_earlier = bool(self.context.earlier_invoices)
        for line in lines:
            text = line.description
            seen = by_text.get(text)
            if seen is None:
                by_text[text] = repeated = line
            else:
                if isinstance(seen, InvoiceLine):
                    seen = by_text[text] = {(seen.amount, seen.quantity, seen.unit_price): seen}
                repeated = seen.setdefault((line.amount, line.quantity, line.unit_price), line)
            if repeated is not line:
                self._exact_repeat(key, line, repeated, period)
            elif check_earlier and (earlier := self._billed_exactly_before(line, period)):
                self.add(
                    FindingType.DUPLICATE_LINE,
                    line.amount,
                    line,
                    (
                        f"Line {line.line_number} bills '{line.item_id}' for {period.label} "
                        f"({self.money(line.amount)}); invoice {earlier} already billed the "
                        "same item, period, quantity, unit price, amount and description",
                    ),
                    {"item": line.item_id, "period": period.label, "earlier_invoice": earlier},
                )
            else:
                kept.append(line)
        return kept if len(kept) < len(lines) else lines

    def _exact_repeat(
        self, key: str, line: InvoiceLine, repeated: InvoiceLine, period: BillingPeriod
    ) -> None:
        """A usage line that repeats a lower-numbered line exactly: billed twice."""
        shown = (
            f" ({num(line.quantity)} × {num(line.unit_price)})"
            if line.quantity is not None and line.unit_price is not None
            else ""
        )
        self.add(
            FindingType.DUPLICATE_LINE,
            line.amount,
            line,
            (
                f"Line {line.line_number} bills '{key}' for {period.label} "
                f"{self.money(line.amount)}{shown}"
                + (f", '{line.description}'" if line.description else "")
                + f": exactly what line {repeated.line_number} bills (same item, period, "
                "quantity, unit price, amount and description), so it is billed twice",
            ),
            {"item": key, "period": period.label, "repeats_line": str(repeated.line_number)},
        )

    def _days_late(self, period: BillingPeriod) -> int:
        """Days from the end of `period` to the invoice date."""
        return (self.invoice.issued_on - period.end_on).days

    def _earlier(self) -> list[Invoice]:
        """The earlier invoices under other numbers, lowest number first (it wins)."""
        return [
            earlier
            for earlier in sorted(self.context.earlier_invoices, key=lambda item: item.number)
            if earlier.number != self.invoice.number
        ]

    def _billed_before(self, line: InvoiceLine, period: BillingPeriod) -> str | None:
        """The number of an earlier invoice that billed the same item, period and amount."""
        if not self.context.earlier_invoices:
            return None
        if self._earlier_lines is None:
            # Indexed once: earlier invoices may be as long as this one. The lowest number
            # wins, as when the invoices are read in order of number.
            index: dict[tuple[str, ChargeKind | None, BillingPeriod, Decimal], str] = {}
            for earlier in self._earlier():
                for other in earlier.lines:
                    key = (other.item_id, other.kind, other.period or earlier.period, other.amount)
                    index.setdefault(key, earlier.number)
            self._earlier_lines = index
        return self._earlier_lines.get((line.item_id, line.kind, period, line.amount))

    def _billed_exactly_before(self, line: InvoiceLine, period: BillingPeriod) -> str | None:
        """The number of an earlier invoice with a line exactly like this one: same item (and
        kind), period, quantity, unit price, amount and description."""
        if self._earlier_exact is None:
            index: dict[_ExactLine, str] = {}
            for earlier in self._earlier():
                for other in earlier.lines:
                    index.setdefault(_exact(other, other.period or earlier.period), earlier.number)
            self._earlier_exact = index
        return self._earlier_exact.get(_exact(line, period))

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
        if _same_figures(line, due):
            return  # nothing to report, not even arithmetic (the statement explains its own)
        self.line_arithmetic(line, due)
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

    def compare_usage(self, lines: list[InvoiceLine], due: ChargeLine) -> None:
        """The lines billing one recorded usage (in line order) against its statement line.

        One line is compared as any line is (`compare`). Several are a time-and-materials
        invoice's lines for one entry: each line's unit price against the rate in force, on
        the line; their quantities in all against the recorded usage, once, on the last line.
        """
        if len(lines) == 1:
            self.compare(_Billed(lines[0], due.id, due.kind, True, self.invoice.period), due)
            return
        rate, expected_total = due.rate, due.quantity
        if rate is None or expected_total is None:
            self._compare_usage_in_total(lines, due)
            return
        quantum, rounding = self._quantum, self._rounding  # `round`, inlined: once per line
        quantity = ZERO
        off: list[tuple[InvoiceLine, Decimal]] = []  # lines whose arithmetic or price is wrong
        for line in lines:
            line_quantity, unit_price = line.quantity, line.unit_price
            if line_quantity is None or unit_price is None:
                self._compare_usage_in_total(lines, due)
                return
            quantity += line_quantity
            computed = (line_quantity * unit_price).quantize(quantum, rounding=rounding)
            if unit_price != rate or line.amount != computed:
                off.append((line, computed))
        count = len(lines)
        for line, computed in off:
            if line.amount != computed:
                self.line_arithmetic(line, None)
            if line.unit_price != rate:
                self._line_rate(line, due, computed, count)
        last = lines[-1]
        expected, recorded = self._expected_quantity(due)
        if quantity == expected:
            return
        invoiced = total(self.computed(line) for line in lines)
        # The contract price on the invoiced against the recorded quantity, as for one line.
        # The pennies by which the lines' own rounding (each line rounded on its own) differs
        # from rounding the entry's total are not a finding: the parts add up to the lines'
        # difference but for them.
        quantity_part = self.round(quantity * rate) - self.round(expected * rate)
        evidence = {
            "item": due.id,
            "term": f"statement line '{due.id}' ({due.kind.value})",
            "period": self.statement.period.label,
            "due": str(due.amount),
            "invoiced": str(invoiced),
            "lines": str(count),
            "invoiced_quantity": str(quantity),
        }
        if recorded:
            evidence["recorded"] = recorded
        self.add(
            FindingType.QUANTITY_MISMATCH,
            quantity_part,
            last,
            (
                f"{count} lines of the invoice bill '{due.id}' (lines {lines[0].line_number} "
                f"to {last.line_number}): {num(quantity)} in all; the terms give "
                f"{self.money(due.amount)} ({num(expected_total)} × {num(rate)})",
                f"Quantity {num(quantity)} in all against {num(expected)} recorded: "
                f"({num(quantity)} − {num(expected)}) × {num(rate)} = "
                f"{self.money(quantity_part)}",
                f"The quantity of the {count} lines is checked together and reported once, on "
                f"the last of them (line {last.line_number}); each line's unit price is "
                "checked on its own line",
            ),
            evidence,
        )

    def _line_rate(self, line: InvoiceLine, due: ChargeLine, computed: Decimal, count: int) -> None:
        """One of several lines billing a usage, at a unit price that is not the rate in force."""
        quantity, unit_price, rate = line.quantity, line.unit_price, due.rate
        assert quantity is not None
        assert unit_price is not None
        assert rate is not None
        at_contract_price = self.round(quantity * rate)
        rate_part = computed - at_contract_price
        self.add(
            FindingType.RATE_MISMATCH,
            rate_part,
            line,
            (
                f"Line {line.line_number} bills '{due.id}' {self.money(computed)} "
                f"({num(quantity)} × {num(unit_price)}), one of {count} lines that bill it; at "
                f"the rate in force that is {self.money(at_contract_price)} ({num(quantity)} × "
                f"{num(rate)})",
                f"Unit price {num(unit_price)} against the rate in force {num(rate)}: "
                f"{num(quantity)} × ({num(unit_price)} − {num(rate)}) = "
                f"{self.money(rate_part)}",
            ),
            {
                "item": due.id,
                "term": f"statement line '{due.id}' ({due.kind.value})",
                "period": self.statement.period.label,
                "due": str(at_contract_price),
                "invoiced": str(computed),
                "lines": str(count),
            },
        )

    def _compare_usage_in_total(self, lines: list[InvoiceLine], due: ChargeLine) -> None:
        """Several lines billing a usage, not each with a quantity and a unit price: their
        amounts in all against the statement line, once, on the last line."""
        for line in lines:
            self.line_arithmetic(line, None)
        invoiced = total(self.computed(line) for line in lines)
        difference = invoiced - due.amount
        expected, recorded = (
            self._expected_quantity(due) if due.quantity is not None else (None, "")
        )
        quantities = [line.quantity for line in lines]
        finding_type = FindingType.RATE_MISMATCH
        if all(value is not None for value in quantities) and expected is not None:
            billed = total(value for value in quantities if value is not None)
            if billed != expected:
                finding_type = FindingType.QUANTITY_MISMATCH
        evidence = {
            "item": due.id,
            "term": f"statement line '{due.id}' ({due.kind.value})",
            "period": self.statement.period.label,
            "due": str(due.amount),
            "invoiced": str(invoiced),
            "lines": str(len(lines)),
        }
        if recorded:
            evidence["recorded"] = recorded
        last = lines[-1]
        self.add(
            finding_type,
            difference,
            last,
            (
                f"{len(lines)} lines of the invoice bill '{due.id}' (lines "
                f"{lines[0].line_number} to {last.line_number}) {self.money(invoiced)} in all, "
                "not each with a quantity and a unit price, so they are checked together; the "
                f"terms give {self.money(due.amount)}"
                + (
                    f" ({num(due.quantity)} × {num(due.rate)})"
                    if due.quantity is not None and due.rate is not None
                    else ""
                ),
                f"The difference is reported once, on the last of them (line {last.line_number})",
            ),
            evidence,
        )

    def _expected_quantity(self, due: ChargeLine) -> tuple[Decimal, str]:
        """The quantity the terms price: the recorded usage where there is one, else the
        statement's quantity; and the recorded data in words."""
        assert due.quantity is not None
        usage = self.usage_named(due.id)
        if usage is not None:
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
                    f"{plural(self.terms.credit_lag_periods, 'period')} later) and {what}",
                ),
                {
                    "credit": credit_id,
                    "earned_in": earned_in.label,
                    "due": str(due),
                    "credited": str(credited),
                },
            )

    # -- tax ------------------------------------------------------------------------------

    def tax(self, lines: Sequence[InvoiceLine], kinds: Sequence[ChargeKind | None]) -> None:
        """Tax as the tax terms give it on the amounts invoiced, line by line and in total.

        `kinds`: each line's kind of charge, in the order of `lines`.
        """
        invoice = self.invoice
        expected = self._tax_on(lines, kinds)
        line_findings = ZERO
        tolerance = _TAX_TOLERANCE_UNITS * self._quantum
        all_stated = True
        lines_tax = ZERO
        rates: dict[ChargeKind | None, Decimal] = {}
        for line, kind in zip(lines, kinds, strict=True):
            stated = line.tax_amount
            if stated is None:
                all_stated = False
                continue
            lines_tax += stated
            rate = rates.get(kind)
            if rate is None:
                rate = rates[kind] = self._tax_rate(kind)
            exact = line.amount * rate / HUNDRED
            if abs(stated - exact) <= tolerance:
                continue
            at_stake = stated - self.round(exact)
            line_findings += at_stake
            self.add(
                FindingType.TAX_MISMATCH,
                at_stake,
                line,
                (
                    f"Line {line.line_number}: tax at {num(rate)}% on "
                    f"{self.money(line.amount)} is {self.money(self.round(exact))}; the line "
                    f"says {self.money(stated)}",
                ),
                {"item": line.item_id, "tax_rate_pct": str(rate)},
            )
        if lines and all_stated:
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

    def _tax_on(self, lines: Sequence[InvoiceLine], kinds: Sequence[ChargeKind | None]) -> Decimal:
        """The tax on the invoiced lines, grouped and rounded as the statement's tax lines are."""
        terms = self.terms.tax
        if terms is None:
            return ZERO
        # Summed kind by kind, a run of lines of one kind at a time (they tend to come
        # together), rather than a look-up per line.
        by_kind: dict[ChargeKind | None, Decimal] = {}
        current = kinds[0] if kinds else None
        running = ZERO
        for line, kind in zip(lines, kinds, strict=True):
            if kind is not current:
                by_kind[current] = by_kind.get(current, ZERO) + running
                current, running = kind, ZERO
            running += line.amount
        by_kind[current] = by_kind.get(current, ZERO) + running
        bases: dict[Decimal, Decimal] = {}
        before_credits = terms.base is TaxBase.BEFORE_CREDITS
        for kind, amount in by_kind.items():
            if kind is not None and kind.is_credit and before_credits:
                continue  # not taxed
            rate = self._tax_rate(kind)
            bases[rate] = bases.get(rate, ZERO) + amount
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
        lines = sorted(self.invoice.lines, key=attrgetter("line_number"))
        kinds: list[ChargeKind | None] = []  # each line's kind of charge, for the tax
        invoice_period = self.invoice.period
        # Keys billed so far, by period. Most lines are for the invoice's own period: its set
        # is at hand without hashing the period each time.
        billed_in_period: set[str] = set()
        seen: dict[BillingPeriod, set[str]] = {invoice_period: billed_in_period}
        this_period: dict[str, _Billed] = {}
        # Lines billing rate card usage, by key (and period), in line order: a time-and-
        # materials invoice bills an entry's month on many lines (one per person, ticket or
        # week), so they are checked together below.
        usage: dict[str, list[InvoiceLine]] = {}
        usage_elsewhen: dict[tuple[str, BillingPeriod], list[InvoiceLine]] = {}
        # Keys billed by a line flagged as a whole: the money is reported once, on that line,
        # and not again as a charge or credit "missing" from the invoice.
        accounted: set[str] = set()
        due_line = self.due_lines.get
        usage_keys = self.usage_keys
        resolve = self.resolve
        kind: ChargeKind | None
        for line in lines:
            item_id = line.item_id
            due = due_line(item_id)
            if due is not None:  # most lines name the statement line they bill
                key, kind, known, is_usage = item_id, due.kind, True, item_id in usage_keys
            else:
                key, kind, known, is_usage = resolve(line)
            kinds.append(kind)
            period = line.period or invoice_period
            in_period = period is invoice_period or period == invoice_period
            if is_usage:
                billing = usage.get(key) if in_period else usage_elsewhen.get((key, period))
                if billing is None:
                    billing = []
                    if in_period:
                        usage[key] = billing
                    else:
                        usage_elsewhen[key, period] = billing
                billing.append(line)
                continue
            billed = _Billed(line, key, kind, known, invoice_period if in_period else period)
            billed_before = billed_in_period if in_period else seen.setdefault(period, set())
            if self.excluded(billed, billed_before):
                if in_period:
                    accounted.add(key)
                billed_before.add(key)
                continue
            billed_before.add(key)
            if not in_period:
                # Another period's charge: its statement is not at hand, so only its own
                # arithmetic, termination, dispute window and duplicates are checked.
                self.line_arithmetic(line, None)
                continue
            this_period[key] = billed
        for (key, period), billing in usage_elsewhen.items():
            for line in self.usage_lines(key, period, billing):
                self.line_arithmetic(line, None)
        for key, billing in usage.items():
            kept = self.usage_lines(key, invoice_period, billing)
            if kept is not billing:
                accounted.add(key)
                usage[key] = kept
        for key, due in self.due_lines.items():
            if due.kind is ChargeKind.SERVICE_CREDIT:
                continue
            billing = usage.get(key)
            if billing:
                self.compare_usage(billing, due)
                continue
            item = this_period.get(key)
            if item is None:
                if key not in accounted:
                    self.missing(due)
            else:
                self.compare(item, due)
        for key, billing in usage.items():
            if key not in self.due_lines:
                for line in billing:  # each billed against nothing, for its own amount
                    self.not_due(_Billed(line, key, ChargeKind.UNIT, True, invoice_period))
        credits: dict[str, _Billed] = {}
        for key, item in this_period.items():
            if item.kind is ChargeKind.SERVICE_CREDIT:
                credits[key] = item
            elif key not in self.due_lines:
                self.not_due(item)
        self.credits(credits, accounted)
        self.tax(lines, kinds)
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
