"""``pactline measurements`` and ``pactline service-levels``: the database-backed side of
service levels (the stateless ``pactline evaluate`` needs no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pactline.cli.common import console, db_session, new_app, operator, print_json
from pactline.cli.evaluate import print_period_report, stable_result
from pactline.contracts.queries import get_contract_by_reference
from pactline.core.errors import ValidationFailed
from pactline.engine.money import format_money
from pactline.service_levels import queries, rules, service
from pactline.service_levels.enums import CreditStatus, ExclusionKind
from pactline.service_levels.schemas import (
    CreditRead,
    CreditStatusChange,
    ExclusionCreate,
    ExclusionDecision,
    ExclusionRead,
    MeasurementRead,
)
from pactline.terms import EventSource

measurements_app = new_app("Service-level measurements: import and list.")
app = new_app("Service levels: evaluate months, scorecards, credits and exclusions.")

ContractArg = Annotated[str, typer.Argument(help="Contract reference, e.g. MSA-2026-001")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]
PeriodOption = Annotated[
    str, typer.Option("--period", help="The month, YYYY-MM", metavar="YYYY-MM")
]


@measurements_app.command("import")
def import_command(
    contract: ContractArg,
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX with columns measure_id, period, value")
    ],
    json_output: JsonOption = False,
) -> None:
    """Import a measurements file, all or nothing: every problem is printed with its row and
    column and nothing is stored. Stored credits of the months it touches are recalculated."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"{file}: cannot read the file: {error.strerror or error}") from None
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        outcome = service.import_measurements(
            session, actor=operator(), contract_id=found.id, source_name=str(file), content=content
        )
    if json_output:
        print_json(outcome)
        return
    console.print(
        f"Imported {outcome.created + outcome.updated} measurements into {escape(contract)}: "
        f"{outcome.created} new, {outcome.updated} replaced, {outcome.periods[0]} to "
        f"{outcome.periods[-1]} (sha256 {outcome.sha256[:12]})"
    )


@measurements_app.command("compute")
def compute_command(
    contract: ContractArg,
    file: Annotated[Path, typer.Argument(help="Tickets or outages file (.csv or .parquet)")],
    source: Annotated[
        EventSource, typer.Option("--source", help="What the file holds: tickets or outages")
    ],
    json_output: JsonOption = False,
) -> None:
    """Compute the monthly actuals of every measure whose terms say `computed:` from this
    kind of events file, all or nothing, and store them with the file's SHA-256 and the
    definition used; stored credits are recalculated."""
    if not file.is_file():
        raise ValidationFailed(f"{file}: cannot read the file: no such file")
    with console.status(f"Computing from {escape(str(file))}…"), db_session() as session:
        found = get_contract_by_reference(session, contract)
        outcome = service.compute_measurements(
            session,
            actor=operator(),
            contract_id=found.id,
            source=source,
            path=file,
            source_name=str(file),
        )
    if json_output:
        print_json(outcome)
        return
    console.print(
        f"Computed {len(outcome.figures)} measurements of {escape(contract)} from "
        f"{escape(outcome.file)} (sha256 {outcome.sha256[:12]})"
    )
    for figure in outcome.figures:
        console.print(
            f"  {figure.period} {escape(figure.measure_id)}: {escape(figure.explanation)}"
        )


@measurements_app.command("list")
def list_command(contract: ContractArg, json_output: JsonOption = False) -> None:
    """A contract's stored measurements, by month then measure."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        rows = [
            MeasurementRead.model_validate(m) for m in queries.list_measurements(session, found.id)
        ]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} measurements of {escape(contract)}")
    for column in ("Period", "Measure", "Value", "Source", "Recorded by"):
        table.add_column(column)
    for row in rows:
        value = "not measured" if row.value is None else format(row.value, "f")
        table.add_row(
            row.period, row.measure_id, value, escape(row.source_name), escape(row.recorded_by)
        )
    console.print(table)


@app.command("evaluate")
def evaluate_command(
    contract: ContractArg, period: PeriodOption, json_output: JsonOption = False
) -> None:
    """Evaluate a month from the stored measurements and approved exclusions, and store its
    service credit (and any earlier month's not yet stored). Prints every figure's working;
    --json prints the same document as `pactline evaluate --json`."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        result = service.evaluate_service_levels(
            session, actor=operator(), contract_id=found.id, period=period
        )
        terms = rules.ContractTerms(found)
        version = terms.version(result.period)
        doc = terms.document(version)
        engine_terms = terms.require(result.period)
    if json_output:
        print_json(stable_result(doc, result))
        return
    print_period_report(
        doc,
        engine_terms,
        result,
        f"Terms version {version.number} ({version.label})",
        "from the stored measurements and approved exclusions",
    )


@app.command("scorecard")
def scorecard_command(
    contract: ContractArg,
    months: Annotated[int, typer.Option("--months", help="How many recent months")] = 12,
    json_output: JsonOption = False,
) -> None:
    """Each measure's status month by month, with the month's credit and its stored status."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        card = queries.scorecard(session, found.id, last=months)
    if json_output:
        print_json(card)
        return
    if card.problem:
        raise ValidationFailed(card.problem)
    if not card.months:
        console.print(f"{escape(contract)} has no service-level measurements yet.")
        return
    marks = {
        "met": "[green]✓[/]",
        "expected_miss": "[yellow]E[/]",
        "minimum_miss": "[red]M[/]",
        "not_reported": "[red]–[/]",
        "excluded": "[dim]x[/]",
        "not_due": "[dim]·[/]",
    }
    table = Table(
        title=f"Service levels of {escape(contract)}",
        caption=(
            "✓ met · E expected-level miss · M minimum-level miss · – not reported · x excluded · "
            "· not due"
        ),
    )
    table.add_column("Measure", no_wrap=True)
    for month in card.months:
        table.add_column(month.period[2:], justify="center")
    for row in card.rows:
        by_period = {cell.period: cell for cell in row.cells}
        table.add_row(
            escape(row.id),
            *(
                marks[by_period[m.period].status] if m.period in by_period else ""
                for m in card.months
            ),
        )
    table.add_row("[bold]Credit[/]", *(f"{m.credit:,.0f}" for m in card.months), end_section=True)
    table.add_row("Stored", *((m.stored_status or "")[:8] for m in card.months))
    console.print(table)


@app.command("credits")
def credits_command(contract: ContractArg, json_output: JsonOption = False) -> None:
    """The stored service credits by month with their status."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        rows = [CreditRead.model_validate(c) for c in queries.list_credits(session, found.id)]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"Service credits of {escape(contract)}")
    for column in ("Period", "Credit", "At risk", "Status", "Invoice"):
        table.add_column(column, justify="right" if column in ("Credit", "At risk") else "left")
    for row in rows:
        at_risk = format_money(row.at_risk_amount, row.currency) if row.at_risk_amount else ""
        table.add_row(
            row.period,
            format_money(row.amount, row.currency),
            at_risk,
            row.status,
            escape(row.invoice_reference or ""),
        )
    console.print(table)


@app.command("set-credit-status")
def set_credit_status_command(
    contract: ContractArg,
    period: Annotated[str, typer.Argument(help="The month, YYYY-MM", metavar="YYYY-MM")],
    status: Annotated[CreditStatus, typer.Argument(help="The credit's new status")],
    note: Annotated[str | None, typer.Option("--note", help="Why (required to dispute)")] = None,
    invoice: Annotated[
        str | None, typer.Option("--invoice", help="Invoice the credit was applied on")
    ] = None,
) -> None:
    """Move a month's credit on: under_review, disputed, agreed, applied (--invoice) or
    earned_back. A move the lifecycle does not allow names the allowed ones."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        credit = service.change_credit_status(
            session,
            actor=operator(),
            contract_id=found.id,
            period=period,
            data=CreditStatusChange(status=status, note=note, invoice_reference=invoice),
        )
    console.print(f"{escape(contract)} {period}: the credit is now {credit.status}")


@app.command("exclusions")
def exclusions_command(contract: ContractArg, json_output: JsonOption = False) -> None:
    """A contract's exclusion requests and decisions, newest first."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        rows = [ExclusionRead.model_validate(e) for e in queries.list_exclusions(session, found.id)]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"Exclusions of {escape(contract)}")
    for column in ("#", "Period", "Measure", "Kind", "Status", "Reason", "Decided by"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.period,
            row.measure_id,
            row.kind.value,
            row.status.value,
            escape(row.reason),
            escape(row.decided_by or ""),
        )
    console.print(table)


@app.command("request-exclusion")
def request_exclusion_command(
    contract: ContractArg,
    measure: Annotated[str, typer.Option("--measure", help="The measure's id")],
    period: PeriodOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the exclusion applies")],
    actual: Annotated[
        str | None,
        typer.Option("--actual", help="The actual once the excluded events are removed"),
    ] = None,
    whole_period: Annotated[
        bool, typer.Option("--whole-period", help="Exclude the whole month instead")
    ] = False,
    evidence: Annotated[str | None, typer.Option("--evidence", help="Where the proof is")] = None,
    ground: Annotated[
        str | None,
        typer.Option("--ground", help="The contract's ground (service_levels.exclusions[].id)"),
    ] = None,
) -> None:
    """Ask for events or time to be excluded from a measure's month (it counts once approved)."""
    data = ExclusionCreate(
        measure_id=measure,
        period=period,
        kind=ExclusionKind.WHOLE_PERIOD if whole_period else ExclusionKind.ADJUSTED_ACTUAL,
        ground=ground,
        actual_after_exclusions=actual,  # pydantic parses the text
        reason=reason,
        evidence=evidence,
    )
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        exclusion = service.request_exclusion(
            session, actor=operator(), contract_id=found.id, data=data
        )
    console.print(f"Exclusion #{exclusion.id} requested for {measure} in {period}")


@app.command("decide-exclusion")
def decide_exclusion_command(
    contract: ContractArg,
    exclusion_id: Annotated[int, typer.Argument(help="The exclusion's number")],
    approve: Annotated[
        bool, typer.Option("--approve/--reject", help="Approve or reject the request")
    ],
    note: Annotated[str, typer.Option("--note", help="Why")],
) -> None:
    """Approve or reject an exclusion request; an approval recalculates the stored credits."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        exclusion, changes = service.decide_exclusion(
            session,
            actor=operator(),
            contract_id=found.id,
            exclusion_id=exclusion_id,
            data=ExclusionDecision(approve=approve, note=note),
        )
    console.print(f"Exclusion #{exclusion.id} {exclusion.status}")
    for change in changes:
        before = "—" if change.before is None else f"{change.before:,}"
        kept = " (settled: kept its amount)" if change.kept else ""
        console.print(f"  {change.period}: credit {before} → {change.after:,}{kept}")
