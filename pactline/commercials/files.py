"""Reading the commercial tables (CSV or XLSX) that price a period and check its invoice: the
volumes file, the indices file and the invoice file (formats in docs/evaluate.md).

Each table has a header row naming its columns in any order (matched without regard to case or
surrounding spaces). Rows are numbered as a spreadsheet numbers them (the header is row 1), and
every problem is collected as ``file: row N, column C: message``, so one run shows everything
to fix. Nothing here touches the database; callers decide what to do with the rows.

The wording of the shared rules (months, numbers, unknown and missing columns) is that of
``pactline.service_levels.files``, so a user meets one set of messages for every table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pactline.core.tables import (
    TableProblem,
    Unreadable,
    blank,
    cell_number,
    cell_text,
    month_text,
    named_rows,
    read_cells,
)
from pactline.engine.charges import (
    BillingPeriod,
    ChargeKind,
    ChargeTerms,
    DelayEvent,
    MilestoneEvent,
    RateCardEntry,
    UnitUsage,
)
from pactline.engine.invoice_checks import Invoice, InvoiceLine
from pactline.engine.money import minor_unit
from pactline.engine.service_levels import Period

__all__ = [
    "DELIVERY_COLUMNS",
    "DELIVERY_EVENTS",
    "INDEX_COLUMNS",
    "INVOICE_COLUMNS",
    "INVOICE_OPTIONAL_COLUMNS",
    "VOLUME_COLUMNS",
    "Deliveries",
    "FileProblem",
    "PeriodCheck",
    "Rates",
    "Volumes",
    "billing_period",
    "read_deliveries",
    "read_index_series",
    "read_indices",
    "read_invoice",
    "read_invoices",
    "read_rates",
    "read_volumes",
]

DELIVERY_COLUMNS = ("item_id", "period", "event")
"""The columns every deliveries file has: which milestone or delay, in which month, what."""

DELIVERY_OPTIONAL_COLUMNS = ("due_on", "ended_on", "note")
"""A delay's dates (the delivery's due date and the day the delay is counted to), and a note."""

DELIVERY_EVENTS = ("achieved", "accepted", "delay")
"""What a deliveries row records: a milestone achieved or accepted, or a late delivery."""

VOLUME_COLUMNS = ("item_id", "period", "quantity")
"""The columns of a volumes file: what was consumed, in which month, how much."""

INDEX_COLUMNS = ("series", "period", "value")
"""The columns of an indices file: the published value of an index series for a month."""

INVOICE_COLUMNS = (
    "invoice_number",
    "counterparty",
    "issued_on",
    "period",
    "currency",
    "line",
    "item_id",
    "amount",
)
"""The columns every invoice file has: the header fields (the same on every row), then the line."""

INVOICE_OPTIONAL_COLUMNS = (
    "kind",
    "quantity",
    "unit_price",
    "tax",
    "description",
    "service_period",
    "subtotal",
    "tax_total",
    "total",
)
"""Columns an invoice file may add: a line's kind, figures and tax, and the invoice's totals."""

_HEADER_FIELDS = ("invoice_number", "counterparty", "issued_on", "period", "currency")
_TOTAL_FIELDS = ("subtotal", "tax_total", "total")
MAX_PLACES = 6
"""Decimal places a quantity, price or index value may have."""

_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_TEXT = re.compile(r"[0-9]+")

PeriodCheck = Callable[[Period], "str | None"]
"""Why a month cannot be priced (outside the contract's term), or None if it can."""


FileProblem = TableProblem
"""A problem in a commercial file (the tables' problem, under the name this area uses)."""


def billing_period(period: Period) -> BillingPeriod:
    """The charges engine's monthly billing period for a service-level month."""
    return BillingPeriod(date(period.year, period.month, 1))


# --------------------------------------------------------------------------- tables


@dataclass
class _Reading:
    """The problems found so far in one file, and the cells of the row being read."""

    source: str
    problems: list[FileProblem] = field(default_factory=list)

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(FileProblem(self.source, row, column, message))


def _rows(
    source: str,
    content: bytes,
    required: Sequence[str],
    optional: Sequence[str],
    reading: _Reading,
) -> Iterator[tuple[int, dict[str, object]]]:
    """Each non-blank row after the header as its row number and named cells.

    Yields nothing when the file or its header is at fault (the problems say why).
    """
    try:
        table = read_cells(source, content)
    except Unreadable as failed:
        reading.problem(None, None, str(failed))
        return
    yield from named_rows(source, table, required, optional, reading.problems)


def _month(
    number: int, cells: dict[str, object], reading: _Reading, column: str = "period"
) -> Period | None:
    cell = cells.get("period")
    if isinstance(cell, datetime | date):
        # A spreadsheet turns 2026-01 into a date; its month is what was meant.
        return Period(cell.year, cell.month)
    text = cell_text(cell)
    if not text:
        reading.problem(number, column, "required: the month, written YYYY-MM")
        return None
    month = month_text(text)
    if month is not None:
        return Period(*month)
    reading.problem(
        number, column, f"must be a month written YYYY-MM, like 2026-01 (found '{text}')"
    )
    return None


def _number(
    number: int,
    cells: dict[str, object],
    column: str,
    reading: _Reading,
    *,
    places: int = MAX_PLACES,
    negative: bool = False,
    required: bool = True,
) -> Decimal | None:
    """The cell as a Decimal, or None (with a problem unless it is optional and blank)."""
    cell = cells.get(column)
    if blank(cell):
        if required:
            reading.problem(number, column, "required: a number")
        return None
    value = cell_number(cell)
    if value is None:
        reading.problem(number, column, f"must be a number (found '{cell_text(cell)}')")
        return None
    if -value.as_tuple().exponent > places:  # type: ignore[operator]
        reading.problem(
            number, column, f"must have at most {places} decimal places (found {value})"
        )
        return None
    if value < 0 and not negative:
        reading.problem(number, column, f"must not be negative (found {value})")
        return None
    return value


def _duplicate(
    seen: dict[tuple[str, Period], int],
    key: tuple[str, Period],
    number: int,
    what: str,
    reading: _Reading,
) -> bool:
    if key in seen:
        reading.problem(
            number,
            "period",
            f"a second row for {what} in {key[1]} (the first is row {seen[key]}); keep one",
        )
        return True
    seen[key] = number
    return False


# --------------------------------------------------------------------------- volumes


@dataclass(frozen=True)
class Volumes:
    """A volumes file's rows by month: resource-unit volumes, tiered quantities, rate card usage."""

    resource_volumes: dict[Period, dict[str, Decimal]] = field(default_factory=dict)
    tiered_quantities: dict[Period, dict[str, Decimal]] = field(default_factory=dict)
    unit_usage: dict[Period, list[UnitUsage]] = field(default_factory=dict)

    def months(self) -> set[Period]:
        """The months the file has a row for."""
        return {*self.resource_volumes, *self.tiered_quantities, *self.unit_usage}


TermsForMonth = Callable[[Period], "ChargeTerms | str"]
"""The charge terms in force in a month, or why the month has none (a version without charges)."""


@dataclass(frozen=True)
class _Items:
    """What a set of charge terms calls each item id."""

    categories: frozenset[str]
    tiered: frozenset[str]
    entries: dict[str, RateCardEntry]
    known: list[str]

    @classmethod
    def of(cls, terms: ChargeTerms) -> _Items:
        categories = frozenset(category.id for category in terms.resource_units)
        tiered = frozenset(charge.id for charge in terms.tiered_charges)
        entries = {entry.id: entry for entry in terms.rate_card}
        known = [
            *(c.id for c in terms.resource_units),
            *(t.id for t in terms.tiered_charges),
            *entries,
        ]
        return cls(categories, tiered, entries, known)


def read_volumes(
    source: str,
    content: bytes,
    terms: ChargeTerms | TermsForMonth,
    period_problem: PeriodCheck,
) -> tuple[Volumes, list[FileProblem]]:
    """Every row of a volumes file, and every problem.

    ``item_id`` is told apart by what the terms call it: a resource unit category id gives the
    category's volume, a tiered charge id its quantity, a rate card entry id the units used at
    that entry's item, role, region and unit (priced at the rate card entry in force for the
    month, so ``engineer-y1`` used in contract year 2 is priced at the year-2 rate). ``terms``
    is one set of charge terms for every row, or the terms in force in each row's month (a
    contract amended to add or rename an item).
    """
    reading = _Reading(source)
    volumes = Volumes()
    items_of: dict[int, _Items] = {}
    seen: dict[tuple[str, Period], int] = {}
    for number, cells in _rows(source, content, VOLUME_COLUMNS, (), reading):
        before = len(reading.problems)
        period = _month(number, cells, reading)
        if period is not None and (problem := period_problem(period)) is not None:
            reading.problem(number, "period", problem)
            period = None
        month_terms: ChargeTerms | str | None = None
        if isinstance(terms, ChargeTerms):
            month_terms = terms
        elif period is not None:
            month_terms = terms(period)
            if isinstance(month_terms, str):
                reading.problem(number, "period", month_terms)
                period = None
        items = None
        if isinstance(month_terms, ChargeTerms):
            items = items_of.setdefault(id(month_terms), _Items.of(month_terms))
        item = cell_text(cells.get("item_id"))
        if not item:
            reading.problem(
                number, "item_id", "required: a resource unit, tiered charge or rate card entry id"
            )
        elif items is not None and item not in items.known:
            listed = ", ".join(items.known) or "none"
            reading.problem(
                number,
                "item_id",
                f"no resource unit, tiered charge or rate card entry '{item}' in the terms "
                f"({listed})",
            )
        elif items is not None and items.known.count(item) > 1:
            reading.problem(
                number, "item_id", f"'{item}' names two kinds of charge in the terms; rename one"
            )
        quantity = _number(number, cells, "quantity", reading)
        if item and period is not None and _duplicate(seen, (item, period), number, item, reading):
            continue
        if len(reading.problems) > before or period is None or quantity is None or items is None:
            continue
        if item in items.categories:
            volumes.resource_volumes.setdefault(period, {})[item] = quantity
        elif item in items.tiered:
            volumes.tiered_quantities.setdefault(period, {})[item] = quantity
        else:
            entry = items.entries[item]
            usage = UnitUsage(
                id=item,
                item=entry.item,
                unit=entry.unit,
                quantity=quantity,
                role=entry.role,
                region=entry.region,
            )
            volumes.unit_usage.setdefault(period, []).append(usage)
    return volumes, reading.problems


# --------------------------------------------------------------------------- deliveries


@dataclass(frozen=True)
class DeliveryRow:
    """One row of a deliveries file, as stored."""

    item_id: str
    period: Period
    event: str
    due_on: date | None
    ended_on: date | None
    note: str


@dataclass(frozen=True)
class Deliveries:
    """A deliveries file's rows, and the statement inputs they make month by month."""

    rows: tuple[DeliveryRow, ...] = ()

    def milestones(self, period: Period) -> tuple[MilestoneEvent, ...]:
        """The month's milestone events, achieved and accepted flags joined per milestone."""
        flags: dict[str, set[str]] = {}
        for row in self.rows:
            if row.period == period and row.event != "delay":
                flags.setdefault(row.item_id, set()).add(row.event)
        return tuple(
            MilestoneEvent(item, achieved="achieved" in events, accepted="accepted" in events)
            for item, events in sorted(flags.items())
        )

    def delays(self, period: Period) -> tuple[DelayEvent, ...]:
        """The month's late deliveries to charge damages for."""
        return tuple(
            DelayEvent(row.item_id, row.due_on, row.ended_on)
            for row in self.rows
            if row.period == period
            and row.event == "delay"
            and row.due_on is not None
            and row.ended_on is not None
        )


def read_deliveries(
    source: str,
    content: bytes,
    terms: ChargeTerms | TermsForMonth,
    period_problem: PeriodCheck,
) -> tuple[Deliveries, list[FileProblem]]:
    """Every row of a deliveries file, and every problem.

    ``achieved`` and ``accepted`` name a milestone of the terms (its payment is due in the
    month achieved; its holdback is released in the month accepted); ``delay`` names a delay
    damages clause, with the delivery's ``due_on`` and the ``ended_on`` the delay is counted
    to, and charges the damages in that month. ``terms`` is one set of charge terms for every
    row, or the terms in force in each row's month.
    """
    reading = _Reading(source)
    seen: dict[tuple[str, Period], int] = {}
    rows: list[DeliveryRow] = []
    for number, cells in _rows(
        source, content, DELIVERY_COLUMNS, DELIVERY_OPTIONAL_COLUMNS, reading
    ):
        before = len(reading.problems)
        period = _month(number, cells, reading)
        if period is not None and (problem := period_problem(period)) is not None:
            reading.problem(number, "period", problem)
            period = None
        month_terms: ChargeTerms | str | None = None
        if isinstance(terms, ChargeTerms):
            month_terms = terms
        elif period is not None:
            month_terms = terms(period)
            if isinstance(month_terms, str):
                reading.problem(number, "period", month_terms)
                period = None
        milestones: set[str] = set()
        delays: set[str] = set()
        if isinstance(month_terms, ChargeTerms):
            milestones = {milestone.id for milestone in month_terms.milestones}
            delays = {clause.id for clause in month_terms.delay_damages}
        item = cell_text(cells.get("item_id"))
        event = cell_text(cells.get("event")).lower()
        if event not in DELIVERY_EVENTS:
            reading.problem(
                number,
                "event",
                f"must be one of {', '.join(DELIVERY_EVENTS)} "
                f"(found '{cell_text(cells.get('event'))}')",
            )
        known = delays if event == "delay" else milestones
        what = "delay damages clause" if event == "delay" else "milestone"
        if not item:
            reading.problem(number, "item_id", f"required: the {what}'s id")
        elif (
            event in DELIVERY_EVENTS and isinstance(month_terms, ChargeTerms) and item not in known
        ):
            listed = ", ".join(sorted(known)) or "none"
            reading.problem(number, "item_id", f"the terms have no {what} '{item}' ({listed})")
        due_on = ended_on = None
        if event == "delay":
            due_on = _date(number, cells, "due_on", reading)
            ended_on = _date(number, cells, "ended_on", reading)
            if due_on is not None and ended_on is not None and ended_on < due_on:
                reading.problem(
                    number, "ended_on", f"is before due_on ({due_on.isoformat()}): no delay"
                )
        else:
            for column in ("due_on", "ended_on"):
                if not blank(cells.get(column)):
                    reading.problem(number, column, f"only a delay has a {column}; leave it empty")
        key = f"{item} {event}"
        if item and period is not None and _duplicate(seen, (key, period), number, key, reading):
            continue
        if len(reading.problems) == before and period is not None:
            rows.append(
                DeliveryRow(item, period, event, due_on, ended_on, cell_text(cells.get("note")))
            )
    return Deliveries(tuple(rows)), reading.problems


# --------------------------------------------------------------------------- indices


@dataclass(frozen=True)
class Rates:
    """An indices file's values for one contract: its index series and its FX rates, by month
    (``"2026-10"``)."""

    index: dict[str, Decimal] = field(default_factory=dict)
    fx: dict[str, Decimal] = field(default_factory=dict)


def read_indices(
    source: str, content: bytes, terms: ChargeTerms
) -> tuple[dict[str, Decimal], list[FileProblem]]:
    """The values of the terms' index series by month (``"2026-10"``), and every problem."""
    rates, problems = read_rates(source, content, terms)
    return rates.index, problems


def read_rates(source: str, content: bytes, terms: ChargeTerms) -> tuple[Rates, list[FileProblem]]:
    """The values of the terms' index series and of their FX clause's currency pair, by month,
    and every problem.

    Any month is accepted: an indexation base period usually lies before the contract starts.
    """
    reading = _Reading(source)
    rates = Rates()
    name = terms.indexation.index_name if terms.indexation is not None else None
    pair = terms.fx.currency_pair if terms.fx is not None and terms.fx.currency_pair else None
    named = [each for each in (name, pair) if each]
    seen: dict[tuple[str, Period], int] = {}
    for number, cells in _rows(source, content, INDEX_COLUMNS, (), reading):
        before = len(reading.problems)
        period = _month(number, cells, reading)
        text = cell_text(cells.get("series"))
        if not text:
            reading.problem(number, "series", "required: the index series, as the terms name it")
        elif not named:
            reading.problem(number, "series", "the terms' charges have no indexation")
        elif text not in named:
            wanted = " or ".join(f"'{each}'" for each in named)
            reading.problem(number, "series", f"the terms index by {wanted}, not '{text}'")
        value = _number(number, cells, "value", reading)
        if value is not None and value == 0:
            reading.problem(number, "value", "must be more than 0 (an index divides by it)")
        if text and period is not None and _duplicate(seen, (text, period), number, text, reading):
            continue
        if len(reading.problems) == before and period is not None and value is not None:
            target = rates.index if text == name else rates.fx
            target[f"{period.year:04d}-{period.month:02d}"] = value
    return rates, reading.problems


def read_index_series(
    source: str, content: bytes
) -> tuple[dict[str, dict[str, Decimal]], list[FileProblem]]:
    """Every series of an indices file by name, its values by month (``"2026-10"``), and every
    problem. Unlike :func:`read_indices` no terms choose the series: this is the reference
    data every contract's indexation reads (CPI by month), so any series name is accepted.
    """
    reading = _Reading(source)
    series: dict[str, dict[str, Decimal]] = {}
    seen: dict[tuple[str, Period], int] = {}
    for number, cells in _rows(source, content, INDEX_COLUMNS, (), reading):
        before = len(reading.problems)
        period = _month(number, cells, reading)
        text = cell_text(cells.get("series"))
        if not text:
            reading.problem(number, "series", "required: the index series' name, like CPI")
        elif len(text) > 64:
            reading.problem(number, "series", f"must be at most 64 characters (found {len(text)})")
        value = _number(number, cells, "value", reading)
        if value is not None and value == 0:
            reading.problem(number, "value", "must be more than 0 (an index divides by it)")
        if text and period is not None and _duplicate(seen, (text, period), number, text, reading):
            continue
        if len(reading.problems) == before and period is not None and value is not None:
            series.setdefault(text, {})[f"{period.year:04d}-{period.month:02d}"] = value
    return series, reading.problems


# --------------------------------------------------------------------------- invoice


def read_invoice(
    source: str, content: bytes, terms: ChargeTerms, period: Period
) -> tuple[Invoice | None, list[FileProblem]]:
    """The one invoice an invoice file holds for ``period``, and every problem (no invoice if
    there are any): the stateless ``pactline evaluate --invoice`` reads one month's invoice."""
    invoices, problems = read_invoices(source, content, terms.currency, period=period, single=True)
    if problems:
        return None, problems
    return invoices[0], []


def read_invoices(
    source: str,
    content: bytes | Sequence[Sequence[object]],
    currency: str,
    *,
    period: Period | None = None,
    single: bool = False,
) -> tuple[list[Invoice], list[FileProblem]]:
    """Every invoice of an invoice file (or of rows already split into cells: the JSON API
    sends its invoice through the same checks), and every problem (no invoices if there are
    any).

    Every row is one line; the header fields (number, counterparty, date, period, currency)
    are repeated on every row of an invoice and must be the same on each. Rows with another
    invoice number begin another invoice, unless ``single`` (one invoice per file). An
    invoice's subtotal, tax and total are the sums of its lines unless the ``subtotal``,
    ``tax_total`` and ``total`` columns give them (then on every row, the same; all three or
    none). ``service_period`` gives a line's own month when it is not the invoice's.
    """
    reading = _Reading(source)
    places = minor_unit(currency)
    kinds = [kind.value for kind in ChargeKind if kind is not ChargeKind.TAX]
    given_totals: list[str] = []
    drafts: dict[str, _InvoiceDraft] = {}
    first_number: tuple[str, int] | None = None
    rows = 0
    if isinstance(content, bytes):
        table: Iterator[tuple[int, dict[str, object]]] = _rows(
            source, content, INVOICE_COLUMNS, INVOICE_OPTIONAL_COLUMNS, reading
        )
    else:
        table = named_rows(
            source, list(content), INVOICE_COLUMNS, INVOICE_OPTIONAL_COLUMNS, reading.problems
        )
    for number, cells in table:
        rows += 1
        if rows == 1:
            given_totals = [name for name in _TOTAL_FIELDS if name in cells]
            if given_totals and len(given_totals) != len(_TOTAL_FIELDS):
                absent = [name for name in _TOTAL_FIELDS if name not in cells]
                reading.problem(
                    1,
                    None,
                    f"missing column {', '.join(absent)}: give subtotal, tax_total and "
                    "total together, or none (the sums of the lines)",
                )
        key = cell_text(cells.get("invoice_number"))
        if single and first_number is not None and key and key != first_number[0]:
            reading.problem(
                number,
                "invoice_number",
                f"differs from row {first_number[1]} ('{key}'); an invoice file holds one invoice",
            )
            continue
        if first_number is None and key:
            first_number = (key, number)
        draft = drafts.setdefault(key, _InvoiceDraft())
        before = len(reading.problems)
        values = _invoice_header(number, cells, currency, period, places, given_totals, reading)
        for name, value in values.items():
            if name not in draft.header:
                draft.header[name] = (value, number)
            elif draft.header[name][0] != value:
                reading.problem(
                    number,
                    name,
                    f"differs from row {draft.header[name][1]} "
                    f"('{cell_text(cells.get(name))}'); every row of invoice {key} gives the "
                    "same",
                )
        line = _invoice_line(number, cells, places, kinds, draft.seen_lines, reading)
        if line is not None and len(reading.problems) == before:
            draft.lines.append(line)
    if rows == 0 and not reading.problems:
        reading.problem(2, None, "no lines: an invoice file has one row per invoice line")
    if reading.problems:
        return [], reading.problems
    return [draft.invoice(given_totals) for draft in drafts.values()], []


@dataclass
class _InvoiceDraft:
    """One invoice's header fields (with the row that first gave each) and lines, as read."""

    header: dict[str, tuple[object, int]] = field(default_factory=dict)
    lines: list[InvoiceLine] = field(default_factory=list)
    seen_lines: dict[int, int] = field(default_factory=dict)

    def invoice(self, given_totals: Sequence[str]) -> Invoice:
        """The invoice, its totals the sums of the lines unless the file gave them."""
        subtotal = sum((line.amount for line in self.lines), Decimal(0))
        tax = sum((line.tax_amount or Decimal(0) for line in self.lines), Decimal(0))
        totals = {"subtotal": subtotal, "tax_total": tax, "total": subtotal + tax}
        for name in given_totals:
            given = self.header[name][0]
            assert isinstance(given, Decimal)
            totals[name] = given
        number_text, counterparty, issued_on, invoice_period, currency = (
            self.header[name][0] for name in _HEADER_FIELDS
        )
        assert isinstance(issued_on, date)
        assert isinstance(invoice_period, Period)
        return Invoice(
            number=str(number_text),
            counterparty=str(counterparty),
            issued_on=issued_on,
            period=billing_period(invoice_period),
            currency=str(currency),
            subtotal=totals["subtotal"],
            tax=totals["tax_total"],
            total=totals["total"],
            lines=tuple(self.lines),
        )


def _invoice_header(
    number: int,
    cells: dict[str, object],
    currency: str,
    period: Period | None,
    places: int,
    given_totals: Sequence[str],
    reading: _Reading,
) -> dict[str, object]:
    """The header fields of one row, each checked; a field at fault is left out."""
    values: dict[str, object] = {}
    for name in ("invoice_number", "counterparty"):
        text = cell_text(cells.get(name))
        if text:
            values[name] = text
        else:
            reading.problem(number, name, "required, on every row")
    issued = _date(number, cells, "issued_on", reading)
    if issued is not None:
        values["issued_on"] = issued
    month = _month(number, cells, reading)
    if month is not None and period is not None and month != period:
        reading.problem(number, "period", f"the invoice is for {month}, but --period is {period}")
    elif month is not None:
        values["period"] = month
    given = cell_text(cells.get("currency")).upper()
    if given != currency.upper():
        reading.problem(
            number,
            "currency",
            f"must be the contract's currency {currency} (found '{given}'); an invoice in "
            "another currency cannot be checked against the terms",
        )
    else:
        values["currency"] = given
    for name in given_totals:
        amount = _number(number, cells, name, reading, places=places, negative=True)
        if amount is not None:
            values[name] = amount
    return values


def _date(number: int, cells: dict[str, object], column: str, reading: _Reading) -> date | None:
    cell = cells.get(column)
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    if _DATE_TEXT.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    reading.problem(
        number, column, f"must be a date written YYYY-MM-DD, like 2026-04-05 (found '{text}')"
    )
    return None


def _invoice_line(
    number: int,
    cells: dict[str, object],
    places: int,
    kinds: Sequence[str],
    seen: dict[int, int],
    reading: _Reading,
) -> InvoiceLine | None:
    before = len(reading.problems)
    text = cell_text(cells.get("line"))
    line_number: int | None = None
    if not _WHOLE_TEXT.fullmatch(text) or int(text) < 1:
        reading.problem(number, "line", f"must be a whole number from 1 (found '{text}')")
    elif int(text) in seen:
        reading.problem(
            number,
            "line",
            f"line {int(text)} is on row {seen[int(text)]} already; number each line once",
        )
    else:
        line_number = int(text)
        seen[line_number] = number
    item = cell_text(cells.get("item_id"))
    if not item:
        reading.problem(number, "item_id", "required: what the line bills (a charge id)")
    kind_text = cell_text(cells.get("kind")).lower()
    kind: ChargeKind | None = None
    if kind_text == ChargeKind.TAX.value:
        reading.problem(number, "kind", "tax is not a line: give it in the line's tax column")
    elif kind_text and kind_text not in kinds:
        reading.problem(number, "kind", f"must be one of {', '.join(kinds)} (found '{kind_text}')")
    elif kind_text:
        kind = ChargeKind(kind_text)
    amount = _number(number, cells, "amount", reading, places=places, negative=True)
    quantity = _number(number, cells, "quantity", reading, negative=True, required=False)
    price = _number(number, cells, "unit_price", reading, negative=True, required=False)
    tax = _number(number, cells, "tax", reading, places=places, negative=True, required=False)
    service_period: BillingPeriod | None = None
    if not blank(cells.get("service_period")):
        month = _month(number, {"period": cells.get("service_period")}, reading, "service_period")
        service_period = None if month is None else billing_period(month)
    if len(reading.problems) > before or line_number is None or amount is None:
        return None
    return InvoiceLine(
        line_number=line_number,
        item_id=item,
        amount=amount,
        quantity=quantity,
        unit_price=price,
        kind=kind,
        tax_amount=tax,
        period=service_period,
        description=cell_text(cells.get("description")),
    )
