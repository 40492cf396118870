"""``pactline evaluate``: service levels and credits of one period, from files, no database.

The terms file gives the measures and the credit regime (its ``service_levels`` section);
the measurements file gives the reported values, one row per measure and month, including
the months before the one evaluated (the history that caps, runs, repeat failures, earnback
and N-of-M rules look back over). With ``--volumes``, ``--indices`` or ``--invoice`` the terms'
``charges`` section also prices the month (a statement, its service credits lagged as the terms
say) and checks its invoice. The result is the engine's, printed as a report or as a stable
JSON document (``docs/evaluate.md``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pactline.cli.common import console, err_console, print_json
from pactline.commercials.files import (
    Deliveries,
    FileProblem,
    Rates,
    Volumes,
    billing_period,
    read_deliveries,
    read_invoice,
    read_invoices,
    read_rates,
    read_volumes,
)
from pactline.commercials.rules import true_ups_before
from pactline.engine.charges import (
    ChargeTerms,
    ServiceCredit,
    Statement,
    StatementInputs,
    at_risk_base,
    build_statement,
)
from pactline.engine.invoice_checks import (
    Finding,
    Invoice,
    InvoiceContext,
    RecordedVolumes,
    check_invoice,
)
from pactline.engine.money import format_money, minor_unit
from pactline.engine.service_levels import (
    Measure,
    Measurement,
    MeasureResult,
    MeasureStatus,
    MeasureType,
    Period,
    PeriodResult,
    ServiceLevelInputError,
    ServiceLevelTerms,
    evaluate_periods,
)
from pactline.service_levels.files import (
    MEASUREMENT_COLUMNS,
    OPTIONAL_COLUMNS,
    MeasurementsProblem,
    TermMonths,
    month_of,
    read_measurements,
)
from pactline.terms import (
    TermsDocument,
    TermsError,
    charge_terms,
    load_terms_file,
    service_level_terms,
)

__all__ = [
    "MEASUREMENT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "MeasurementsProblem",
    "TermMonths",
    "evaluate",
    "print_findings",
    "print_period_report",
    "print_statement",
    "stable_result",
]

JSON_STATUSES = ("met", "expected_miss", "minimum_miss", "not_reported", "excluded")
"""The statuses the JSON shows. The engine's ``not_due`` (a quarterly measure outside the last
month of its quarter) is shown as ``excluded``: not assessed, no credit; its explanation says
why."""

_AMOUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_STATUS_WORDS = {
    MeasureStatus.MET: "met",
    MeasureStatus.EXPECTED_MISS: "expected-level miss",
    MeasureStatus.MINIMUM_MISS: "minimum-level miss",
    MeasureStatus.NOT_REPORTED: "not reported",
    MeasureStatus.EXCLUDED: "excluded",
    MeasureStatus.NOT_DUE: "not due",
}


# --------------------------------------------------------------------------- errors


class _Failed(Exception):
    """Lines to print before exiting 1."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


# --------------------------------------------------------------------------- the result


def _decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as plain digits (never an exponent), or None."""
    return None if value is None else format(value, "f")


def _json_status(status: MeasureStatus) -> str:
    return MeasureStatus.EXCLUDED.value if status is MeasureStatus.NOT_DUE else status.value


def stable_result(doc: TermsDocument, result: PeriodResult) -> dict[str, Any]:
    """The documented JSON of ``pactline evaluate`` (docs/evaluate.md): exactly these keys.

    Red flags (termination triggers reached) are added to the service credits' explanation;
    earnback moves are already there.
    """
    totals = result.service_credits
    explanation = list(totals.explanation)
    explanation += [f"Red flag (termination trigger): {flag.message}" for flag in result.red_flags]
    return {
        "contract": doc.contract.reference,
        "period": str(result.period),
        "currency": result.currency,
        "service_levels": [
            {
                "id": measure.id,
                "type": measure.type.value,
                "actual": _decimal_text(measure.actual),
                "status": _json_status(measure.status),
                "default": measure.default,
                "credit": _decimal_text(measure.credit),
                "explanation": list(measure.explanation),
            }
            for measure in result.service_levels
        ],
        "service_credits": {
            "uncapped": _decimal_text(totals.uncapped),
            "cap": _decimal_text(totals.cap),
            "total": _decimal_text(totals.total),
            "explanation": explanation,
        },
    }


# --------------------------------------------------------------------------- the command


def _load(terms_file: Path) -> tuple[TermsDocument, ServiceLevelTerms]:
    try:
        doc = load_terms_file(terms_file)
    except TermsError as error:
        raise _Failed([issue.format(with_source=True) for issue in error.issues]) from None
    if doc.service_levels is None:
        raise _Failed(
            [f"{terms_file}: service_levels: the terms have no service_levels section to evaluate"]
        )
    try:
        terms = service_level_terms(doc, source=str(terms_file))
    except TermsError as error:
        raise _Failed([issue.format(with_source=True) for issue in error.issues]) from None
    return doc, terms


def _period(text: str, term: TermMonths) -> Period:
    period = month_of(text)
    if period is None:
        raise _Failed([f"--period: must be a month written YYYY-MM, like 2026-03 (found '{text}')"])
    problem = term.problem(period)
    if problem is not None:
        raise _Failed([f"--period: {problem}"])
    return period


def _charge_base(text: str | None, doc: TermsDocument, terms_file: Path) -> Decimal | None:
    """The ``--charge-base`` amount, else the terms' ``service_levels.charge_base`` (None
    when the terms give none: the charges statement may still give one)."""
    currency = doc.contract.currency
    if text is not None:
        text = text.strip()
        if not _AMOUNT_TEXT.fullmatch(text):
            raise _Failed([f"--charge-base: must be an amount, like 250000.00 (found '{text}')"])
        amount = Decimal(text)
        places = minor_unit(currency)
        if -amount.as_tuple().exponent > places:  # type: ignore[operator]
            raise _Failed(
                [f"--charge-base: must have at most {places} decimal places in {currency}"]
            )
        return amount
    section = doc.service_levels
    if section is None or section.charge_base is None:
        return None
    return section.charge_base.amount


def _no_charge_base(terms_file: Path) -> _Failed:
    return _Failed(
        [
            f"{terms_file}: service_levels.charge_base: no charge base; give "
            "service_levels.charge_base.amount in the terms or --charge-base on the "
            "command line"
        ]
    )


def _charge_terms(doc: TermsDocument, terms_file: Path) -> ChargeTerms:
    if doc.charges is None:
        raise _Failed(
            [
                f"{terms_file}: charges: the terms have no charges section; --volumes, "
                "--indices and --invoice price the month from it"
            ]
        )
    try:
        return charge_terms(doc, source=str(terms_file))
    except TermsError as error:
        raise _Failed([issue.format(with_source=True) for issue in error.issues]) from None


def _content(path: Path) -> bytes | FileProblem:
    try:
        return path.read_bytes()
    except OSError as error:
        return FileProblem(
            str(path), None, None, f"cannot read the file: {error.strerror or error}"
        )


def _checked(path: Path, read: Any) -> Any:
    """Run a commercial table reader on a file; its problems stop the command."""
    content = _content(path)
    if isinstance(content, FileProblem):
        raise _Failed([content.format()])
    value, problems = read(str(path), content)
    if problems:
        raise _Failed([problem.format() for problem in problems])
    return value


class _Charges:
    """The commercial facts from the files, priced month by month by the charges engine."""

    def __init__(
        self,
        terms: ChargeTerms,
        volumes: Volumes,
        rates: Rates,
        source: str,
        deliveries: Deliveries | None = None,
    ) -> None:
        self.terms = terms
        self.volumes = volumes
        self.rates = rates
        self.source = source
        self.deliveries = deliveries or Deliveries()

    def inputs(self, month: Period, credits: tuple[ServiceCredit, ...] = ()) -> StatementInputs:
        """The statement inputs of one month: its rows of the files, and the credits due."""
        return StatementInputs(
            unit_usage=tuple(self.volumes.unit_usage.get(month, ())),
            tiered_quantities=self.volumes.tiered_quantities.get(month, {}),
            resource_volumes=self.volumes.resource_volumes.get(month, {}),
            true_ups=true_ups_before(self.terms, self._history(month), month),
            index_series=self.rates.index,
            fx_rate=self.rates.fx.get(str(month)),
            service_credits=credits,
            delays=self.deliveries.delays(month),
            milestones=self.deliveries.milestones(month),
        )

    def _history(self, month: Period) -> dict[str, dict[str, Decimal]]:
        """Each resource unit's volumes of the months before ``month`` (for true-ups)."""
        history: dict[str, dict[str, Decimal]] = {}
        for when, items in self.volumes.resource_volumes.items():
            if when < month:
                for item, quantity in items.items():
                    history.setdefault(item, {})[str(when)] = quantity
        return history

    def at_risk_base(self, month: Period) -> Decimal:
        """The month's at-risk base: the charges of the terms' ``at_risk_kinds``."""
        try:
            return at_risk_base(self.terms, billing_period(month), self.inputs(month)).amount
        except ValueError as error:
            raise _Failed([self._problem(month, error)]) from None

    def statement(self, month: Period, credits: tuple[ServiceCredit, ...]) -> Statement:
        """The month's statement, with the service credits due in it."""
        try:
            return build_statement(self.terms, billing_period(month), self.inputs(month, credits))
        except ValueError as error:
            raise _Failed([self._problem(month, error)]) from None

    def _problem(self, month: Period, error: ValueError) -> str:
        return f"{self.source}: {month}: cannot price the month: {error}"


def _credits_due(
    results: Sequence[PeriodResult], month: Period, lag: int
) -> tuple[ServiceCredit, ...]:
    """The service credits due on ``month``: those earned ``lag`` months before it."""
    earned = month.shift(-lag)
    for result in results:
        total = result.service_credits.total
        if result.period == earned and total > 0:
            credit = ServiceCredit(
                id="service_credits",
                amount=total,
                earned_in=billing_period(earned),
                description=f"Service credits earned in {earned}",
            )
            return (credit,)
    return ()


def _terminated_on(text: str | None) -> date | None:
    """The ``--terminated-on`` date, or None."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _Failed(
            [
                "--terminated-on: must be a date written YYYY-MM-DD, like 2026-09-30 "
                f"(found '{text}')"
            ]
        ) from None


def _dispute_window(doc: TermsDocument) -> int | None:
    """The terms' ``charges.dispute_window_days``, or None (no window)."""
    return doc.charges.dispute_window_days if doc.charges is not None else None


def _sentences(lines: Sequence[str]) -> str:
    """A finding's steps as one text: each step a sentence."""
    return " ".join(line if line.endswith(".") else f"{line}." for line in lines)


def _findings(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "type": finding.type.value,
            "invoice_line": finding.line_number,
            "amount": _decimal_text(finding.amount),
            "explanation": _sentences(finding.explanation),
        }
        for finding in findings
    ]


def evaluate(
    terms_file: Annotated[
        Path,
        typer.Argument(
            help="Terms file with a service_levels section (.yaml, .yml or .json)",
            metavar="TERMS_FILE",
        ),
    ],
    period: Annotated[
        str, typer.Option("--period", help="The month to evaluate, YYYY-MM", metavar="YYYY-MM")
    ],
    measurements: Annotated[
        Path,
        typer.Option(
            "--measurements",
            help="CSV (or XLSX) with columns measure_id, period, value; earlier months are history",
            metavar="FILE",
        ),
    ],
    charge_base: Annotated[
        str | None,
        typer.Option(
            "--charge-base",
            help="Monthly charge base for every period (default: the charges statement's "
            "at-risk base, else service_levels.charge_base)",
            metavar="AMOUNT",
        ),
    ] = None,
    volumes: Annotated[
        Path | None,
        typer.Option(
            "--volumes",
            help="CSV (or XLSX) with columns item_id, period, quantity: resource-unit volumes "
            "and rate card usage; prices the month from the terms' charges",
            metavar="FILE",
        ),
    ] = None,
    indices: Annotated[
        Path | None,
        typer.Option(
            "--indices",
            help="CSV (or XLSX) with columns series, period, value: the indexation index "
            "and the FX clause's currency pair",
            metavar="FILE",
        ),
    ] = None,
    deliveries: Annotated[
        Path | None,
        typer.Option(
            "--deliveries",
            help="CSV (or XLSX) with columns item_id, period, event, due_on, ended_on: "
            "milestones achieved or accepted and late deliveries",
            metavar="FILE",
        ),
    ] = None,
    invoice: Annotated[
        Path | None,
        typer.Option(
            "--invoice",
            help="CSV (or XLSX) of one invoice for the month, checked against the statement",
            metavar="FILE",
        ),
    ] = None,
    earlier_invoices: Annotated[
        Path | None,
        typer.Option(
            "--earlier-invoices",
            help="CSV (or XLSX) of invoices received before --invoice (any months): what a "
            "duplicate line or invoice repeats",
            metavar="FILE",
        ),
    ] = None,
    terminated_on: Annotated[
        str | None,
        typer.Option(
            "--terminated-on",
            help="The contract's termination date, YYYY-MM-DD (the first day it is no longer "
            "in force): charges for months starting on or after it are flagged",
            metavar="DATE",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Evaluate one month's service levels and service credits from a terms file and a
    measurements file (no database needed); with --volumes, --indices, --deliveries or --invoice
    also its
    charges statement and the invoice's findings. Every problem in any file is printed with
    its line, or its row and column, and the command exits 1."""
    statement: Statement | None = None
    findings: list[Finding] | None = None
    try:
        doc, terms = _load(terms_file)
        term = TermMonths.of(doc)
        month = _period(period, term)
        amount = _charge_base(charge_base, doc, terms_file)
        priced = (volumes, indices, invoice, deliveries)
        if amount is None and all(item is None for item in priced):
            raise _no_charge_base(terms_file)
        rows, problems = _read(measurements, terms, term)
        if problems:
            raise _Failed([problem.format() for problem in problems])
        charges: _Charges | None = None
        if any(item is not None for item in priced):
            cterms = _charge_terms(doc, terms_file)
            read: Volumes = Volumes()
            if volumes is not None:
                read = _checked(volumes, lambda s, c: read_volumes(s, c, cterms, term.problem))
            rates = Rates()
            if indices is not None:
                rates = _checked(indices, lambda s, c: read_rates(s, c, cterms))
            events = Deliveries()
            if deliveries is not None:
                events = _checked(
                    deliveries, lambda s, c: read_deliveries(s, c, cterms, term.problem)
                )
            source = str(volumes) if volumes is not None else "--volumes"
            charges = _Charges(cterms, read, rates, source, events)
        bill: Invoice | None = None
        earlier_bills: list[Invoice] = []
        if invoice is not None and charges is not None:
            bill = _checked(invoice, lambda s, c: read_invoice(s, c, charges.terms, month))
            if earlier_invoices is not None:
                currency = charges.terms.currency
                earlier_bills = _checked(
                    earlier_invoices, lambda s, c: read_invoices(s, c, currency)
                )
        elif earlier_invoices is not None:
            raise _Failed(["--earlier-invoices: give --invoice too (the invoice they precede)"])
        if terminated_on is not None and invoice is None:
            raise _Failed(["--terminated-on: give --invoice too (it is checked against it)"])
        ended = _terminated_on(terminated_on)
        earlier = [row.period for row in rows if row.period <= month]
        start = min([*earlier, month])
        months = [start.shift(n) for n in range(start.months_until(month) + 1)]
        # --charge-base wins; then the statement's at-risk base (the charges the terms'
        # at_risk_kinds name, month by month); then service_levels.charge_base.
        if amount is not None and (charge_base is not None or charges is None):
            bases = dict.fromkeys(months, amount)
        else:
            assert charges is not None
            bases = {each: charges.at_risk_base(each) for each in months}
        try:
            results = evaluate_periods(terms, month, rows, bases)
        except ServiceLevelInputError as error:
            raise _Failed([f"{measurements}: {error}"]) from None
        result = results[-1]
        if charges is not None:
            credits = _credits_due(results, month, charges.terms.credit_lag_periods)
            statement = charges.statement(month, credits)
            if bill is not None:
                recorded = RecordedVolumes(
                    resource_volumes=charges.volumes.resource_volumes.get(month, {}),
                    unit_usage=tuple(charges.volumes.unit_usage.get(month, ())),
                )
                context = InvoiceContext(
                    statement=statement,
                    terms=charges.terms,
                    volumes=recorded,
                    earlier_invoices=tuple(earlier_bills),
                    terminated_on=ended,
                    credits_due=credits,
                    dispute_window_days=_dispute_window(doc),
                )
                findings = list(check_invoice(bill, context))
    except _Failed as failed:
        for line in failed.lines:
            err_console.print(escape(line), soft_wrap=True)
        raise typer.Exit(1) from None
    if json_output:
        document = stable_result(doc, result)
        if statement is not None:
            document.update(statement.to_dict())
        if findings is not None:
            document["findings"] = _findings(findings)
        print_json(document)
        return
    history = f"history from {start}" if start < result.period else "no earlier months"
    print_period_report(doc, terms, result, f"Terms {PurePath(terms_file).name}", history)
    if statement is not None:
        print_statement(statement)
    if findings is not None:
        print_findings(findings, statement.currency if statement else result.currency)


def _read(
    path: Path, terms: ServiceLevelTerms, term: TermMonths
) -> tuple[list[Measurement], list[MeasurementsProblem]]:
    """The measurements file's rows, each checked against the terms file's months."""
    try:
        content = path.read_bytes()
    except OSError as error:
        problem = MeasurementsProblem(
            str(path), None, None, f"cannot read the file: {error.strerror or error}"
        )
        return [], [problem]

    def terms_for(period: Period) -> ServiceLevelTerms | str:
        return term.problem(period) or terms

    return read_measurements(str(path), content, terms_for)


# --------------------------------------------------------------------------- the report


def print_period_report(
    doc: TermsDocument,
    terms: ServiceLevelTerms,
    result: PeriodResult,
    terms_label: str,
    history: str,
) -> None:
    """A month's result for people: a table of the measures, then every explanation."""
    currency = result.currency
    totals = result.service_credits
    console.print(
        f"[bold]{escape(doc.contract.reference)}[/] {escape(doc.contract.title)}: service "
        f"levels for {result.period.label()} ({result.period})"
    )
    console.print(
        escape(
            f"{terms_label}; charge base {format_money(totals.charge_base, currency)}; {history}"
        ),
        soft_wrap=True,
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("Measure", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Actual", justify="right", no_wrap=True)
    table.add_column("Level")
    table.add_column("Status")
    table.add_column("Default")
    table.add_column("Credit", justify="right", no_wrap=True)
    for measure in result.service_levels:
        cells = _cells(terms.measure(measure.id), measure, currency)
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
    for measure in result.service_levels:
        console.print(f"\n[bold]{escape(measure.id)}[/] {escape(measure.name)}")
        for line in measure.explanation:
            console.print(f"  {escape(line)}", soft_wrap=True)
    console.print("\n[bold]Service credits[/]")
    cap = format_money(totals.cap, currency) if totals.cap is not None else "none"
    console.print(
        f"  Before caps {format_money(totals.uncapped, currency)} · cap {cap} · "
        f"[bold]total {format_money(totals.total, currency)}[/]"
    )
    for line in totals.explanation:
        console.print(f"  {escape(line)}", soft_wrap=True)
    if result.red_flags:
        console.print("\n[bold red]Red flags (termination triggers)[/]")
        for flag in result.red_flags:
            console.print(f"  {escape(flag.message)}", soft_wrap=True)


def _cells(measure: Measure, result: MeasureResult, currency: str) -> list[str]:
    unit = measure.unit
    actual = unit.show(result.actual) if result.actual is not None else "—"
    if measure.has_two_levels:
        level = f"{unit.show(result.level)} (min {unit.show(result.minimum)})"
    else:
        level = unit.show(result.level)
    critical = measure.type is MeasureType.CRITICAL
    credit = format_money(result.credit, currency) if critical else "—"
    return [
        measure.id,
        measure.type.value,
        actual,
        level,
        _STATUS_WORDS[result.status],
        "yes" if result.default else "",
        credit,
    ]


def print_statement(statement: Statement) -> None:
    """The month's charges for people: a table of the lines, the totals, every explanation."""
    currency = statement.currency
    console.print(f"\n[bold]Charges for {escape(statement.period.label)}[/]")
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("Charge", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Quantity", justify="right", no_wrap=True)
    table.add_column("Rate", justify="right", no_wrap=True)
    table.add_column("Amount", justify="right", no_wrap=True)
    for line in statement.lines:
        quantity = "" if line.quantity is None else format(line.quantity.normalize(), "f")
        rate = "" if line.rate is None else format(line.rate.normalize(), "f")
        cells = [line.id, line.kind.value, quantity, rate, format_money(line.amount, currency)]
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
    console.print(
        f"  Subtotal {format_money(statement.subtotal, currency)} · credits "
        f"{format_money(statement.credits, currency)} · tax "
        f"{format_money(statement.tax, currency)} · "
        f"[bold]total {format_money(statement.total, currency)}[/]"
    )
    for line in statement.lines:
        console.print(f"\n[bold]{escape(line.id)}[/] {escape(line.description)}")
        for step in line.explanation:
            console.print(f"  {escape(step)}", soft_wrap=True)
    for flag in statement.flags:
        console.print(f"  [bold red]Flag:[/] {escape(flag)}", soft_wrap=True)


def print_findings(findings: Sequence[Finding], currency: str) -> None:
    """The invoice's findings for people: type, line, money at stake (invoiced minus due)."""
    console.print("\n[bold]Invoice findings[/] (amount = invoiced − due; positive: overbilled)")
    if not findings:
        console.print("  None: the invoice bills what the terms give for the month.")
        return
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("Type", no_wrap=True)
    table.add_column("Line", justify="right", no_wrap=True)
    table.add_column("Amount", justify="right", no_wrap=True)
    table.add_column("Explanation")
    for finding in findings:
        line = "" if finding.line_number is None else str(finding.line_number)
        cells = [
            finding.type.value,
            line,
            format_money(finding.amount, currency),
            _sentences(finding.explanation),
        ]
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
