"""``pactline evaluate``: service levels and credits of one period, from files, no database.

The terms file gives the measures and the credit regime (its ``service_levels`` section);
the measurements file gives the reported values, one row per measure and month, including
the months before the one evaluated (the history that caps, runs, repeat failures, earnback
and N-of-M rules look back over). The result is the engine's, printed as a report or as a
stable JSON document (``docs/evaluate.md``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pactline.cli.common import console, err_console, print_json
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
    evaluate_period,
)
from pactline.service_levels.files import (
    MEASUREMENT_COLUMNS,
    OPTIONAL_COLUMNS,
    MeasurementsProblem,
    TermMonths,
    month_of,
    read_measurements,
)
from pactline.terms import TermsDocument, TermsError, load_terms_file, service_level_terms

__all__ = [
    "MEASUREMENT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "MeasurementsProblem",
    "TermMonths",
    "evaluate",
    "print_period_report",
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


def _charge_base(text: str | None, doc: TermsDocument, terms_file: Path) -> Decimal:
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
        raise _Failed(
            [
                f"{terms_file}: service_levels.charge_base: no charge base; give "
                "service_levels.charge_base.amount in the terms or --charge-base on the "
                "command line"
            ]
        )
    return section.charge_base.amount


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
            help="Monthly charge base for every period (default: service_levels.charge_base)",
            metavar="AMOUNT",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Evaluate one month's service levels and service credits from a terms file and a
    measurements file (no database needed). Every problem in either file is printed with
    its line, or its row and column, and the command exits 1."""
    try:
        doc, terms = _load(terms_file)
        term = TermMonths.of(doc)
        month = _period(period, term)
        amount = _charge_base(charge_base, doc, terms_file)
        rows, problems = _read(measurements, terms, term)
        if problems:
            raise _Failed([problem.format() for problem in problems])
        earlier = [row.period for row in rows if row.period <= month]
        start = min([*earlier, month])
        bases = {start.shift(n): amount for n in range(start.months_until(month) + 1)}
        try:
            result = evaluate_period(terms, month, rows, bases)
        except ServiceLevelInputError as error:
            raise _Failed([f"{measurements}: {error}"]) from None
    except _Failed as failed:
        for line in failed.lines:
            err_console.print(escape(line), soft_wrap=True)
        raise typer.Exit(1) from None
    if json_output:
        print_json(stable_result(doc, result))
        return
    history = f"history from {start}" if start < result.period else "no earlier months"
    print_period_report(doc, terms, result, f"Terms {PurePath(terms_file).name}", history)


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
