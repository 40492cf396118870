"""Invoices of the demo: a year or more per charged contract, mostly right, a few planted wrong.

The charged contracts (pactline.demo.charges) get their index series and volumes through the
commercials import steps, then an invoice for every month they are billed, issued on the first
day of the next month and stored through the invoices import steps, which check each against
the month's statement at once. A correct month's invoice is the statement billed exactly
(``invoice_from_statement``): nothing on it is flagged. The planted errors (PLANTS below)
change one invoice each, so that between them the demo raises every kind of finding, each
with the amount the error puts at stake:

- Northwind network (customer): the first anniversary's uplift billed at the UK CPI's 7.0%
  over the 5% cap (−12); engineer days at the year-3 rate two months early (−9); the month's
  invoice sent again under a new number (−7); ARC for 60 ports inside the deadband (−5); the
  credit agreed for −4 left off (−3).
- Northwind legacy MPLS (customer): one more month's circuits, billed after the contract was
  terminated (−7).
- Fabrikam colocation (customer): 46 hours × 95.00 written as 4,730.00 (−10); 21% VAT on the
  space instead of 19% (−6); the power ARC billed in trigger mode on the whole 32 kW instead
  of the 16 beyond the deadband (−4); replacement access cards that are not in the contract
  (−2).
- Woodgrove applications (customer): the core team billed twice (−11); 18 offshore developer
  days more than recorded (−8); tester days of −8 billed six months late, outside the 60-day
  window (−2).
- Wingtip store IT (we are the supplier, so these are our own revenue leaks): rural visits
  billed at the metro rate (−8); the device ARC billed in exclusion mode, on 58 devices instead
  of the whole 250 (−6).

Then some findings move on (FINDING_STEPS): disputed with a dispute still open or escalated,
accepted, recovered and dismissed with a reason; and Wingtip's claim to last month's service
credit is disputed while the exclusion request for the store power cut waits.

The use cases each commit, and the demo is one transaction, so the demo stages the very steps
they are made of (pactline.commercials.staging, pactline.invoices.staging,
pactline.disputes.staging) and the loader commits once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials import staging as commercials
from pactline.contracts.models import Contract
from pactline.demo.charges import (
    CHARGED,
    INVOICED,
    VOLUMES,
    index_values_csv,
    month_start,
    volumes_csv,
)
from pactline.demo.portfolio import SPECS, references
from pactline.disputes import staging as disputes
from pactline.disputes.enums import DisputeOutcome
from pactline.disputes.schemas import DisputeCreate, DisputeResolve, DisputeUpdate
from pactline.engine.charges import (
    BillingPeriod,
    ChargeKind,
    ChargeTerms,
    RoundingPoint,
    TaxBase,
)
from pactline.engine.invoice_checks import FindingType, Invoice, InvoiceLine, invoice_from_statement
from pactline.engine.money import minor_unit, quantize_money
from pactline.engine.service_levels import Period
from pactline.invoices import rules as invoice_rules
from pactline.invoices import staging as invoices
from pactline.invoices.enums import FindingStatus, InvoiceSource
from pactline.invoices.models import Finding
from pactline.invoices.models import Invoice as StoredInvoice
from pactline.users.principal import Principal

__all__ = [
    "BILLINGS",
    "FINDING_STEPS",
    "PLANTS",
    "Billing",
    "InvoicingLoaded",
    "Plant",
    "PlantedFinding",
    "invoice_number",
    "invoiced_months",
    "invoicing_references",
    "stage_invoicing",
]

_PLACES = Decimal("0.000001")
"""Quantities and unit prices are stored with six places (the invoice file's limit)."""


@dataclass(frozen=True)
class Billing:
    """How one charged contract is invoiced: by whom, and how its invoices are numbered."""

    key: str
    by: str  # the commercial lead who imports its volumes and invoices (a demo username)
    number: str  # with {month} (YYYYMM of the period) and {seq}
    first_seq: int = 1


BILLINGS: tuple[Billing, ...] = (
    # The 0418 invoice (month −13) is the one demo.service_levels applies the −14 credit on.
    Billing("nw-msa", "maria.santos", "NWN-INV-{month}-{seq:04d}", 418),
    Billing("nw-mpls", "maria.santos", "NWN-MPLS-{month}"),
    Billing("fb-msa", "tom.becker", "FDC-RE-{month}-{seq:03d}", 301),
    Billing("wg-msa", "tom.becker", "WSS-{month}-{seq:04d}", 1201),
    Billing("wt-msa", "maria.santos", "PL-WT-{month}-{seq:03d}", 57),
)
assert tuple(b.key for b in BILLINGS) == CHARGED

_BILLING = {billing.key: billing for billing in BILLINGS}
_SPECS = {spec.key: spec for spec in SPECS}


def invoice_number(key: str, as_of: date, month: int) -> str:
    """The number of the invoice for a month (an offset) of a charged contract."""
    billing = _BILLING[key]
    seq = billing.first_seq + month - INVOICED[key][0]
    return billing.number.format(month=month_start(as_of, month).strftime("%Y%m"), seq=seq)


# --- drafting an invoice -------------------------------------------------------------------


@dataclass(eq=False)  # compared by identity: a copied line is another line
class _Line:
    """An invoice line being drafted (InvoiceLine, but mutable)."""

    item_id: str
    amount: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    kind: ChargeKind | None = None
    period: BillingPeriod | None = None
    description: str = ""
    tax_error: Decimal = Decimal(0)  # a planted error in the line's own tax


@dataclass(frozen=True)
class PlantedFinding:
    """A finding a planted error must raise: which invoice, type, line and amount."""

    invoice: str
    type: FindingType
    line_number: int | None
    amount: Decimal


class _Draft:
    """One month's invoice, billed as the statement says, for a plant to change."""

    def __init__(self, invoice: Invoice, terms: ChargeTerms, month: int) -> None:
        self.invoice = invoice
        self.terms = terms
        self.month = month  # the invoice's month, as an offset from the load month
        self.currency = invoice.currency
        self.lines = [
            _Line(
                item_id=line.item_id,
                amount=line.amount,
                quantity=line.quantity,
                unit_price=line.unit_price,
                kind=line.kind,
                period=line.period,
                description=line.description,
            )
            for line in invoice.lines
        ]
        self.expected: list[tuple[str, FindingType, _Line | None, Decimal]] = []
        self.resent: tuple[str, date] | None = None

    def round(self, amount: Decimal) -> Decimal:
        return quantize_money(amount, self.currency, self.terms.rounding_mode)

    def line(self, item_id: str) -> _Line:
        """The line billing `item_id`."""
        return next(line for line in self.lines if line.item_id == item_id)

    def expect(self, finding_type: FindingType, line: _Line | None, amount: Decimal) -> None:
        self.expected.append((self.invoice.number, finding_type, line, amount))

    def invoices(self) -> list[Invoice]:
        """The invoice as drafted (and, when a plant sends it again, its copy)."""
        drafted = _settled(self.invoice, self.lines, self.terms)
        if self.resent is None:
            return [drafted]
        number, issued_on = self.resent
        return [drafted, replace(drafted, number=number, issued_on=issued_on)]

    def findings(self) -> list[PlantedFinding]:
        """The findings the plants expect, with the line numbers the invoice gives them."""
        return [
            PlantedFinding(
                number, kind, None if line is None else self.lines.index(line) + 1, amount
            )
            for number, kind, line, amount in self.expected
        ]


def _tax_rate(terms: ChargeTerms, kind: ChargeKind | None) -> Decimal:
    """The tax rate (percent) the terms give a line of `kind`, as the invoice checks read it."""
    tax = terms.tax
    if tax is None:
        return Decimal(0)
    if kind is not None and kind.is_credit and tax.base is TaxBase.BEFORE_CREDITS:
        return Decimal(0)
    return tax.rate_pct if kind is None else tax.rate_for(kind)


def _settled(invoice: Invoice, lines: Sequence[_Line], terms: ChargeTerms) -> Invoice:
    """The invoice with these lines, numbered from 1, each taxed so that the invoice's tax is
    what the terms give on the amounts it bills (the lines' rounding spread over the largest
    ones, a minor unit each, as invoice_from_statement does), plus any planted tax error; the
    subtotal and total add up."""
    currency, mode = invoice.currency, terms.rounding_mode
    rates = [_tax_rate(terms, line.kind) for line in lines]
    exact = [line.amount * rate / 100 for line, rate in zip(lines, rates, strict=True)]
    taxes = [quantize_money(amount, currency, mode) for amount in exact]
    bases: dict[Decimal, Decimal] = {}
    for line, rate in zip(lines, rates, strict=True):
        bases[rate] = bases.get(rate, Decimal(0)) + line.amount
    if terms.tax is not None and terms.tax.rounding is RoundingPoint.ON_TOTAL:
        due = quantize_money(sum(b * r / 100 for r, b in bases.items()), currency, mode)
    else:
        due = sum(
            (quantize_money(b * r / 100, currency, mode) for r, b in bases.items()), Decimal(0)
        )
    unit = Decimal(1).scaleb(-minor_unit(currency))
    remainder = due - sum(taxes, Decimal(0))
    # A line carrying a planted tax error keeps its own figure, so the error is all it shows.
    spread = [i for i in range(len(lines)) if not lines[i].tax_error]
    spread.sort(key=lambda i: (-abs(exact[i]), i))
    for step in range(int(abs(remainder) / unit)):
        taxes[spread[step % len(spread)]] += unit if remainder > 0 else -unit
    built = tuple(
        InvoiceLine(
            line_number=number,
            item_id=line.item_id,
            amount=line.amount,
            quantity=line.quantity,
            unit_price=line.unit_price,
            kind=line.kind,
            period=line.period,
            tax_amount=tax + line.tax_error,
            description=line.description,
        )
        for number, (line, tax) in enumerate(zip(lines, taxes, strict=True), start=1)
    )
    subtotal = sum((line.amount for line in built), Decimal(0))
    tax_total = sum((line.tax_amount or Decimal(0) for line in built), Decimal(0))
    return replace(
        invoice, lines=built, subtotal=subtotal, tax=tax_total, total=subtotal + tax_total
    )


def _storable(invoice: Invoice) -> Invoice:
    """The invoice with figures an invoice file can give: a statement line's rate with more
    than six places (an FX movement) is shown as its amount only, as suppliers print it."""
    lines = []
    for line in invoice.lines:
        if any(
            value is not None and value != value.quantize(_PLACES)
            for value in (line.quantity, line.unit_price)
        ):
            line = replace(line, quantity=None, unit_price=None)
        lines.append(line)
    return replace(invoice, lines=tuple(lines))


# --- the planted errors --------------------------------------------------------------------

PlantStep = Callable[[_Draft], None]


@dataclass(frozen=True)
class Plant:
    """An error planted on one month's invoice of a charged contract."""

    key: str
    month: int
    story: str
    apply: PlantStep


def _rate(item_id: str, rate: str) -> PlantStep:
    """The line billed at another unit price: a rate mismatch of quantity × the difference."""

    def apply(draft: _Draft) -> None:
        line = draft.line(item_id)
        assert line.quantity is not None
        assert line.unit_price is not None
        price = Decimal(rate)
        line.amount = draft.round(line.quantity * price)
        draft.expect(
            FindingType.RATE_MISMATCH, line, draft.round(line.quantity * (price - line.unit_price))
        )
        line.unit_price = price

    return apply


def _uplift(rate: str) -> PlantStep:
    """The indexation line billed at an uplift above the one the clause gives."""

    def apply(draft: _Draft) -> None:
        line = draft.line("indexation")
        assert line.quantity is not None
        amount = draft.round(line.quantity * Decimal(rate))
        draft.expect(FindingType.INDEXATION_ABOVE_CAP, line, amount - line.amount)
        line.unit_price, line.amount = Decimal(rate), amount

    return apply


def _resent(days: int, seq_offset: int) -> PlantStep:
    """The invoice sent again `days` later under another number: its whole total at stake."""

    def apply(draft: _Draft) -> None:
        number = f"{draft.invoice.number[:-4]}{int(draft.invoice.number[-4:]) + seq_offset:04d}"
        draft.resent = (number, draft.invoice.issued_on + timedelta(days=days))
        total = _settled(draft.invoice, draft.lines, draft.terms).total
        draft.expected.append((number, FindingType.DUPLICATE_INVOICE, None, total))

    return apply


def _arc_units(category: str, units: int, rate: str) -> PlantStep:
    """The category's ARC billed on `units` at `rate` (inside the deadband, or the wrong mode)."""

    def apply(draft: _Draft) -> None:
        line = draft.line(f"{category}:arc")
        amount = draft.round(Decimal(units) * Decimal(rate))
        draft.expect(FindingType.ARC_RRC, line, amount - line.amount)
        line.quantity, line.unit_price, line.amount = Decimal(units), Decimal(rate), amount

    return apply


def _no_credit(draft: _Draft) -> None:
    """The service credit due this month left off: the whole credit at stake."""
    line = draft.line("service_credits")
    draft.lines.remove(line)
    draft.expect(FindingType.MISSING_SERVICE_CREDIT, None, -line.amount)


def _amount(item_id: str, amount: str) -> PlantStep:
    """The line's amount mistyped: quantity × unit price no longer gives it."""

    def apply(draft: _Draft) -> None:
        line = draft.line(item_id)
        new = Decimal(amount)
        draft.expect(FindingType.ARITHMETIC, line, new - line.amount)
        line.amount = new

    return apply


def _tax(item_id: str, rate_pct: str) -> PlantStep:
    """The line taxed at another rate: the difference in its tax at stake."""

    def apply(draft: _Draft) -> None:
        line = draft.line(item_id)
        right = draft.round(line.amount * _tax_rate(draft.terms, line.kind) / 100)
        line.tax_error = draft.round(line.amount * Decimal(rate_pct) / 100) - right
        draft.expect(FindingType.TAX_MISMATCH, line, line.tax_error)

    return apply


def _extra(item_id: str, description: str, quantity: int, price: str) -> PlantStep:
    """A line for something the contract does not have: all of it at stake."""

    def apply(draft: _Draft) -> None:
        amount = draft.round(Decimal(quantity) * Decimal(price))
        line = _Line(item_id, amount, Decimal(quantity), Decimal(price), None, None, description)
        credits = [i for i, x in enumerate(draft.lines) if x.kind and x.kind.is_credit]
        draft.lines.insert(credits[0] if credits else len(draft.lines), line)
        draft.expect(FindingType.UNKNOWN_ITEM, line, amount)

    return apply


def _twice(item_id: str) -> PlantStep:
    """The line billed again right below itself: the copy at stake."""

    def apply(draft: _Draft) -> None:
        line = draft.line(item_id)
        copy = replace(line)
        draft.lines.insert(draft.lines.index(line) + 1, copy)
        draft.expect(FindingType.DUPLICATE_LINE, copy, copy.amount)

    return apply


def _more(item_id: str, extra: int) -> PlantStep:
    """More units billed than recorded, at the right rate: extra × rate at stake."""

    def apply(draft: _Draft) -> None:
        line = draft.line(item_id)
        assert line.quantity is not None
        assert line.unit_price is not None
        line.quantity += extra
        line.amount = draft.round(line.quantity * line.unit_price)
        draft.expect(FindingType.QUANTITY_MISMATCH, line, draft.round(extra * line.unit_price))

    return apply


def _late(item_id: str, month: int, quantity: int) -> PlantStep:
    """Units of an earlier month billed now, past the dispute window: all of it at stake."""

    def apply(draft: _Draft) -> None:
        line = draft.line(item_id)
        assert line.unit_price is not None
        earlier = draft.invoice.period.shifted(month - draft.month)
        late = _Line(
            item_id,
            draft.round(quantity * line.unit_price),
            Decimal(quantity),
            line.unit_price,
            line.kind,
            earlier,
            f"{line.description}, {earlier.label} (not billed at the time)",
        )
        draft.lines.insert(draft.lines.index(line) + 1, late)
        draft.expect(FindingType.OUTSIDE_DISPUTE_WINDOW, late, late.amount)

    return apply


def _after_termination(draft: _Draft) -> None:
    """A month billed after the contract ended: every charge on it at stake."""
    for line in draft.lines:
        if line.amount:
            draft.expect(FindingType.BILLED_AFTER_TERMINATION, line, line.amount)


PLANTS: tuple[Plant, ...] = (
    Plant(
        "nw-msa",
        -12,
        "The first anniversary's uplift billed at the UK CPI's 7.0% change, over the 5% cap",
        _uplift("0.07"),
    ),
    Plant(
        "nw-msa",
        -9,
        "Engineer days billed at the year-3 rate (980.00) two months before year 3",
        _rate("engineer-y2", "980.00"),
    ),
    Plant(
        "nw-msa",
        -7,
        "The month's invoice sent again three weeks later, renumbered",
        _resent(20, 60),
    ),
    Plant(
        "nw-msa",
        -5,
        "ARC billed for 60 ports while 2,060 ports is inside the ±100 deadband",
        _arc_units("ports", 60, "12"),
    ),
    Plant("nw-msa", -3, "The service credit agreed for last month left off", _no_credit),
    Plant(
        "nw-mpls",
        -7,
        "The circuits billed for a month after the contract was terminated",
        _after_termination,
    ),
    Plant(
        "fb-msa",
        -10,
        "46 remote-hands hours × 95.00 written as 4,730.00 instead of 4,370.00",
        _amount("hands-technician", "4730.00"),
    ),
    Plant(
        "fb-msa",
        -6,
        "VAT at 21% on the colocation space instead of 19%",
        _tax("colocation_space", "21"),
    ),
    Plant(
        "fb-msa",
        -4,
        "Power ARC billed on all 32 kW above the baseline (trigger mode), not the 16 beyond "
        "the deadband",
        _arc_units("power", 32, "210"),
    ),
    Plant(
        "fb-msa",
        -2,
        "Replacement access cards billed: the contract has no such charge",
        _extra("access_cards", "Replacement access cards (12 × 40.00)", 12, "40.00"),
    ),
    Plant("wg-msa", -11, "The core team's monthly fee billed twice", _twice("core_team")),
    Plant(
        "wg-msa",
        -8,
        "438 offshore developer days billed where 420 were recorded",
        _more("dev-off-y2", 18),
    ),
    Plant(
        "wg-msa",
        -2,
        "24 tester days of six months ago billed now, outside the 60-day window",
        _late("tester-off", -8, 24),
    ),
    Plant(
        "wt-msa",
        -8,
        "Rural field visits billed at the metro rate (145.00 instead of 210.00)",
        _rate("visit-rural", "145.00"),
    ),
    Plant(
        "wt-msa",
        -6,
        "Device ARC billed on the 58 devices beyond the deadband (exclusion mode), not all 250",
        _arc_units("pos_devices", 58, "9.50"),
    ),
)


def invoiced_months(key: str) -> list[int]:
    """Every month a charged contract has an invoice for: its billed months and any month a
    plant adds (an invoice after termination)."""
    extra = {plant.month for plant in PLANTS if plant.key == key}
    return sorted(set(INVOICED[key]) | extra)


# --- moving findings on --------------------------------------------------------------------


@dataclass(frozen=True)
class FindingStep:
    """What happens to one planted finding after the invoice is checked, and who does it.

    ``dispute``: open a dispute with our position (and theirs, if given); ``escalate`` and
    ``resolve`` take it further. ``status``: a move of the finding itself (with a reason).
    ``days`` counts from the invoice date.
    """

    key: str
    month: int
    type: FindingType
    by: str
    dispute: str | None = None
    their_position: str | None = None
    escalate_by: str | None = None
    resolve: str | None = None
    statuses: tuple[tuple[FindingStatus, str], ...] = ()
    days: int = 10


FINDING_STEPS: tuple[FindingStep, ...] = (
    FindingStep(
        "nw-msa",
        -12,
        FindingType.INDEXATION_ABOVE_CAP,
        "maria.santos",
        dispute="Clause 9.3 caps each anniversary's uplift at 5%; the CPI change of 7.0% is "
        "above it, so the uplift is 5%.",
        their_position="Our billing system applied the published CPI change.",
        resolve="Northwind agreed the cap applies and credited the difference.",
        statuses=((FindingStatus.RECOVERED, "Credited on Northwind credit note CN-1187"),),
    ),
    FindingStep(
        "nw-msa",
        -9,
        FindingType.RATE_MISMATCH,
        "maria.santos",
        dispute="Year-2 rates (950.00 a day) apply until the third contract year starts.",
        their_position="The year-3 rates were agreed early at the steering committee.",
    ),
    FindingStep(
        "fb-msa",
        -6,
        FindingType.TAX_MISMATCH,
        "tom.becker",
        dispute="German VAT is 19%; the space was taxed at 21%.",
        their_position="Fabrikam's tax team is checking the rate their system applied.",
        escalate_by="grace.okafor",
        days=14,
    ),
    FindingStep(
        "fb-msa",
        -10,
        FindingType.ARITHMETIC,
        "tom.becker",
        statuses=(
            (
                FindingStatus.ACCEPTED,
                "Fabrikam confirmed the typing error; a credit note will follow",
            ),
        ),
    ),
    FindingStep(
        "wg-msa",
        -11,
        FindingType.DUPLICATE_LINE,
        "tom.becker",
        statuses=(
            (FindingStatus.ACCEPTED, "Woodgrove confirmed the core team was billed twice"),
            (FindingStatus.RECOVERED, "Credited on Woodgrove's next invoice"),
        ),
    ),
    FindingStep(
        "fb-msa",
        -2,
        FindingType.UNKNOWN_ITEM,
        "tom.becker",
        statuses=(
            (
                FindingStatus.DISMISSED,
                "Ordered by our facilities team under purchase order PO-4500-2291, outside "
                "the colocation contract",
            ),
        ),
    ),
)

CREDIT_DISPUTE = (
    "wt-msa",
    -1,
    "maria.santos",
    "Disputed until the exclusion request for the store power cut is decided: the outage was "
    "caused by Wingtip's contractor",
)
"""Wingtip's claim to last month's service credit, disputed while the exclusion waits."""


# --- staging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoicingLoaded:
    """What stage_invoicing added."""

    index_values: int
    volumes: int
    invoices: int
    findings: int
    disputes: int
    planted: tuple[PlantedFinding, ...] = field(default=())


def invoicing_references(as_of: date) -> list[str]:
    """The references of the charged contracts, in the order their invoices load."""
    refs = references(as_of)
    return [refs[key] for key in CHARGED]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _period(as_of: date, month: int) -> Period:
    day = month_start(as_of, month)
    return Period(day.year, day.month)


@dataclass(frozen=True)
class ChargeInputsLoaded:
    """What stage_charge_inputs added."""

    index_values: int
    volumes: int


def _charged_contracts(session: Session, as_of: date) -> dict[str, Contract]:
    """The demo contracts that are charged, by their key."""
    refs = references(as_of)
    wanted = [refs[key] for key in CHARGED]
    contracts = {
        c.reference: c
        for c in session.scalars(select(Contract).where(Contract.reference.in_(wanted)))
    }
    by_key: dict[str, Contract] = {}
    for key in CHARGED:
        contract = contracts.get(refs[key])
        if contract is None:
            raise ValueError(f"no demo contract {refs[key]} ({key}) to invoice")
        by_key[key] = contract
    return by_key


def stage_charge_inputs(
    session: Session,
    *,
    people: Mapping[str, Principal],
    as_of: date,
) -> ChargeInputsLoaded:
    """Add the index series and the charged contracts' volumes; commits nothing. Loaded before
    the service levels, so each month's credits are computed against its statement's at-risk
    base, as they would be for a user who records volumes before evaluating."""
    by_key = _charged_contracts(session, as_of)
    content = index_values_csv(as_of).encode()
    indices = commercials.stage_index_values(
        session, actor=people["maria.santos"], source_name="demo/indices.csv", content=content
    )
    volumes = 0
    for billing in BILLINGS:
        contract = by_key[billing.key]
        if VOLUMES.get(billing.key):
            text = volumes_csv(billing.key, _SPECS[billing.key].start, as_of)
            outcome = commercials.stage_volumes(
                session,
                actor=people[billing.by],
                contract=contract,
                source_name=f"demo/{contract.reference}-volumes.csv",
                content=text.encode(),
            )
            volumes += outcome.created
    session.flush()
    return ChargeInputsLoaded(index_values=indices.created, volumes=volumes)


def stage_invoicing(
    session: Session,
    *,
    actor: Principal,
    people: Mapping[str, Principal],
    as_of: date,
    inputs: ChargeInputsLoaded,
    report: Callable[[str], None] | None = None,
) -> InvoicingLoaded:
    """Add the charged contracts' invoices (checked as they are stored, against the inputs
    stage_charge_inputs added and the credits evaluated since), and move findings on; commits
    nothing. `people` are the demo people by username."""
    by_key = _charged_contracts(session, as_of)
    stored: list[StoredInvoice] = []
    planted: list[PlantedFinding] = []
    for billing in BILLINGS:
        contract = by_key[billing.key]
        by = people[billing.by]
        drafted: list[Invoice] = []
        for month in invoiced_months(billing.key):
            invoices_of_month, found = _invoices(session, contract, billing.key, month, as_of)
            drafted.extend(invoices_of_month)
            planted.extend(found)
        digest = hashlib.sha256(
            "\n".join(f"{i.number} {i.period.label} {i.total}" for i in drafted).encode()
        ).hexdigest()
        stored.extend(
            invoices.stage_invoices(
                session,
                by,
                contract,
                drafted,
                InvoiceSource.FILE,
                f"demo/{contract.reference}-invoices.csv",
                digest,
            )
        )
        if report:
            report(f"invoices {contract.reference}")
    session.flush()
    disputes_opened = _move_findings(session, by_key, people, as_of)
    findings = sum(len(row.findings) for row in stored)
    return InvoicingLoaded(
        index_values=inputs.index_values,
        volumes=inputs.volumes,
        invoices=len(stored),
        findings=findings,
        disputes=disputes_opened,
        planted=tuple(planted),
    )


def _invoices(
    session: Session, contract: Contract, key: str, month: int, as_of: date
) -> tuple[list[Invoice], list[PlantedFinding]]:
    """A month's invoice as the statement gives it, with the month's plants applied."""
    built = invoice_rules.period_statement(session, contract, _period(as_of, month))
    invoice = _storable(
        invoice_from_statement(
            built.statement,
            built.terms,
            number=invoice_number(key, as_of, month),
            counterparty=contract.counterparty.name,
            issued_on=month_start(as_of, month + 1),
        )
    )
    plants = [plant for plant in PLANTS if plant.key == key and plant.month == month]
    if not plants:
        return [invoice], []
    draft = _Draft(invoice, built.terms, month)
    for plant in plants:
        plant.apply(draft)
    return draft.invoices(), draft.findings()


def _finding(session: Session, contract: Contract, number: str, kind: FindingType) -> Finding:
    """The one finding of a type on an invoice."""
    (finding,) = session.scalars(
        select(Finding)
        .join(StoredInvoice, StoredInvoice.id == Finding.invoice_id)
        .where(
            StoredInvoice.contract_id == contract.id,
            StoredInvoice.number == number,
            Finding.type == kind.value,
        )
    ).all()
    return finding


def _move_findings(
    session: Session,
    contracts: Mapping[str, Contract],
    people: Mapping[str, Principal],
    as_of: date,
) -> int:
    """Take the findings of FINDING_STEPS further, and dispute Wingtip's credit claim; returns
    how many disputes were opened."""
    opened = 0
    for step in FINDING_STEPS:
        contract = contracts[step.key]
        number = invoice_number(step.key, as_of, step.month)
        finding = _finding(session, contract, number, step.type)
        by = people[step.by]
        when = finding.invoice.issued_on + timedelta(days=step.days)
        if step.dispute is not None:
            dispute = disputes.stage_open_dispute(
                session,
                actor=by,
                contract_id=contract.id,
                data=DisputeCreate(
                    finding_id=finding.id,
                    our_position=step.dispute,
                    their_position=step.their_position,
                ),
                at=_at(when),
            )
            opened += 1
            if step.escalate_by is not None:
                disputes.stage_update_dispute(
                    session,
                    actor=people[step.escalate_by],
                    dispute_id=dispute.id,
                    data=DisputeUpdate(
                        escalate=True, note="Escalated to the quarterly commercial review"
                    ),
                    at=_at(when + timedelta(days=21)),
                )
            if step.resolve is not None:
                disputes.stage_resolve_dispute(
                    session,
                    actor=by,
                    dispute_id=dispute.id,
                    data=DisputeResolve(outcome=DisputeOutcome.UPHELD, resolution=step.resolve),
                    at=_at(when + timedelta(days=25)),
                )
        for status, reason in step.statuses:
            invoices.change_finding_status(finding, status, reason, by.display_name)
            invoices.audit_finding_status(session, by, finding, reason)
    key, month, username, position = CREDIT_DISPUTE
    period = _period(as_of, month)
    last_day = month_start(as_of, month + 1) - timedelta(days=1)
    disputes.stage_open_dispute(
        session,
        actor=people[username],
        contract_id=contracts[key].id,
        data=DisputeCreate(period=str(period), our_position=position),
        at=_at(last_day, 17),
    )
    return opened + 1
