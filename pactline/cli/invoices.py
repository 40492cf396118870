"""``pactline invoices``, ``pactline statements``, ``pactline leakage`` and ``pactline
disputes``: invoices stored and checked against the terms, the statement of a month, the
money at stake, and the disputes about it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pactline.cli.common import console, db_session, new_app, operator, print_json
from pactline.cli.evaluate import print_statement
from pactline.contracts.queries import get_contract_by_reference
from pactline.core import clock
from pactline.core.errors import ValidationFailed
from pactline.disputes import queries as dispute_queries
from pactline.disputes import service as dispute_service
from pactline.disputes.enums import DisputeOutcome
from pactline.disputes.schemas import (
    DisputeCreate,
    DisputeRead,
    DisputeResolve,
    DisputeUpdate,
    DisputeWithdraw,
)
from pactline.engine.invoice_checks import FindingType
from pactline.engine.money import format_money
from pactline.invoices import export, queries, service
from pactline.invoices.enums import FindingStatus
from pactline.invoices.schemas import FindingRead, FindingStatusChange, InvoiceSummary
from pactline.service_levels.queries import period_of

invoices_app = new_app("Invoices: import, check against the terms, list, show, findings.")
statements_app = new_app("The statement of what is due for a month, from the stored inputs.")
disputes_app = new_app("Disputes over invoice findings and service credits.")

ContractArg = Annotated[str, typer.Argument(help="Contract reference, e.g. MSA-2026-001")]
NumberArg = Annotated[str, typer.Argument(help="The invoice number, as on the invoice")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]
StatusOption = Annotated[
    list[FindingStatus] | None,
    typer.Option("--status", help="Only findings in this status (repeat for several)"),
]


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"{file}: cannot read the file: {error.strerror or error}") from None


def _invoices_table(rows: list[InvoiceSummary], title: str, *, contract: bool = True) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    columns = ["Invoice", "Month", "Issued", "Total", "Findings", "At stake"]
    if contract:
        columns.insert(0, "Contract")
    for column in columns:
        right = column in ("Total", "Findings", "At stake")
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    for row in rows:
        findings = str(row.findings) if row.validation_error is None else "not checked"
        cells = [
            escape(row.number),
            row.period,
            row.issued_on.isoformat(),
            format_money(row.total, row.currency),
            findings,
            format_money(row.at_stake, row.currency),
        ]
        if contract:
            cells.insert(0, escape(row.contract_reference))
        table.add_row(*cells)
    return table


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _findings_table(rows: list[FindingRead], title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("#", "Invoice", "Line", "Finding", "Basis", "Status", "Amount", "At stake"):
        table.add_column(column, justify="right" if column in ("Amount", "At stake") else "left")
    for row in rows:
        table.add_row(
            str(row.id),
            escape(f"{row.contract_reference} {row.invoice_number}"),
            "" if row.line_number is None else str(row.line_number),
            escape(row.label),
            row.basis,
            row.status.value,
            format_money(row.amount, row.currency),
            format_money(row.at_stake, row.currency),
        )
    return table


@invoices_app.command("import")
def import_command(
    contract: ContractArg,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX, one row per invoice line")],
    json_output: JsonOption = False,
) -> None:
    """Import a file of one or more invoices, all or nothing, and check each against the
    statement of its month: every problem is printed with its row and column."""
    content = _read(file)
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        outcome = service.import_invoices(
            session, actor=operator(), contract_id=found.id, source_name=str(file), content=content
        )
    if json_output:
        print_json(outcome)
        return
    console.print(
        f"Imported {_plural(len(outcome.invoices), 'invoice')} into {escape(contract)} "
        f"(sha256 {outcome.sha256[:12]})"
    )
    console.print(_invoices_table(outcome.invoices, "Checked against the terms", contract=False))
    for row in outcome.invoices:
        if row.validation_error:
            console.print(f"{escape(row.number)}: not checked: {escape(row.validation_error)}")


@invoices_app.command("validate")
def validate_command(
    contract: ContractArg,
    number: Annotated[
        str | None, typer.Argument(help="The invoice number (default: every invoice)")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Check a stored invoice again (or every invoice of the contract), after volumes, index
    values, credits or terms changed; findings someone acted on keep their status."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        if number is None:
            outcomes = service.validate_invoices(session, actor=operator(), contract_id=found.id)
        else:
            row = queries.get_invoice_by_number(session, found.id, number)
            outcomes = [
                service.validate_invoice(
                    session, actor=operator(), contract_id=found.id, invoice_id=row.id
                )
            ]
    if json_output:
        print_json(outcomes if number is None else outcomes[0])
        return
    failed = False
    for outcome in outcomes:
        summary = outcome.invoice
        if summary.validation_error:
            failed = True
            console.print(
                f"{escape(summary.number)}: not checked: {escape(summary.validation_error)}"
            )
            continue
        console.print(
            f"{escape(summary.number)}: {summary.findings} findings at stake "
            f"({format_money(summary.at_stake, summary.currency)}); {outcome.raised} new, "
            f"{outcome.withdrawn} no longer raised"
        )
    if not outcomes:
        console.print(f"{escape(contract)} has no invoices stored.")
    if failed:
        raise typer.Exit(1)


@invoices_app.command("list")
def list_command(
    contract: Annotated[
        str | None, typer.Argument(help="Only this contract's (default: every contract's)")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Stored invoices, newest month first, with the money their findings put at stake."""
    with db_session() as session:
        contract_id = get_contract_by_reference(session, contract).id if contract else None
        rows = queries.list_invoices(session, contract_id)
    if json_output:
        print_json(rows)
        return
    if not rows:
        console.print("No invoices stored yet: import one with `pactline invoices import`.")
        return
    console.print(_invoices_table(rows, _plural(len(rows), "invoice"), contract=contract is None))


@invoices_app.command("show")
def show_command(contract: ContractArg, number: NumberArg, json_output: JsonOption = False) -> None:
    """One invoice: its lines, and every finding with its explanation."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        row = queries.get_invoice_by_number(session, found.id, number)
        invoice = queries.invoice_read(session, found.id, row.id)
    if json_output:
        print_json(invoice)
        return
    currency = invoice.currency
    console.print(
        f"[bold]{escape(invoice.number)}[/] {escape(invoice.counterparty)} · {invoice.period} · "
        f"issued {invoice.issued_on} · total {format_money(invoice.total, currency)}"
    )
    table = Table(show_edge=False, pad_edge=False)
    for column in ("Line", "Item", "Kind", "Quantity", "Unit price", "Amount", "Findings"):
        table.add_column(column)
    marks: dict[int, list[str]] = {}
    for finding in invoice.all_findings:
        if finding.line_number is not None and finding.current:
            marks.setdefault(finding.line_number, []).append(finding.type.value)
    for line in invoice.lines:
        table.add_row(
            str(line.line_number),
            escape(line.item_id),
            line.kind or "",
            "" if line.quantity is None else format(line.quantity.normalize(), "f"),
            "" if line.unit_price is None else format(line.unit_price.normalize(), "f"),
            format_money(line.amount, currency),
            ", ".join(marks.get(line.line_number, [])),
        )
    console.print(table)
    if invoice.validation_error:
        console.print(f"[bold red]Not checked:[/] {escape(invoice.validation_error)}")
    elif invoice.stale:
        console.print(
            "[bold yellow]The month's inputs changed after this invoice was checked:[/] run "
            f"`pactline invoices validate {escape(contract)} {escape(number)}`"
        )
    for finding in invoice.all_findings:
        where = f"line {finding.line_number}" if finding.line_number else "the invoice"
        state = finding.status.value + ("" if finding.current else ", no longer raised")
        console.print(
            f"\n[bold]#{finding.id} {escape(finding.label)}[/] on {where}: "
            f"{format_money(finding.amount, currency)} ({state}, {finding.basis})"
        )
        for step in finding.explanation:
            console.print(f"  {escape(step)}", soft_wrap=True)


@invoices_app.command("findings")
def findings_command(
    contract: Annotated[str | None, typer.Option("--contract", help="Only this contract")] = None,
    statuses: StatusOption = None,
    finding_type: Annotated[
        FindingType | None, typer.Option("--type", help="Only this type of finding")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="Only this month")] = None,
    json_output: JsonOption = False,
) -> None:
    """Current findings, newest month first, with the money at stake for our side."""
    with db_session() as session:
        contract_id = get_contract_by_reference(session, contract).id if contract else None
        rows = queries.list_findings(
            session,
            contract_id=contract_id,
            statuses=statuses,
            finding_type=finding_type,
            period=period,
        )
    if json_output:
        print_json(rows)
        return
    console.print(_findings_table(rows, f"{len(rows)} findings"))


@invoices_app.command("set-finding-status")
def set_finding_status_command(
    finding_id: Annotated[int, typer.Argument(help="The finding's number (#)")],
    status: Annotated[FindingStatus, typer.Argument(help="The new status")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required to dismiss)")
    ] = None,
) -> None:
    """Move a finding on: accepted, recovered, dismissed (--reason) or open again; in and
    out of disputed it moves only with `pactline disputes`."""
    with db_session() as session:
        finding = service.set_finding_status(
            session,
            actor=operator(),
            finding_id=finding_id,
            data=FindingStatusChange(status=status, reason=reason),
        )
    console.print(f"Finding {finding.id} ({finding.type.value}) is now {finding.status.value}")


@invoices_app.command("delete")
def delete_command(contract: ContractArg, number: NumberArg) -> None:
    """Delete an invoice stored in error, with its findings (refused once one was acted on)."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        row = queries.get_invoice_by_number(session, found.id, number)
        service.delete_invoice(session, actor=operator(), contract_id=found.id, invoice_id=row.id)
    console.print(f"Deleted invoice {escape(number)} of {escape(contract)}")


# --------------------------------------------------------------------------- statements


@statements_app.command("show")
def statement_command(
    contract: ContractArg,
    period: Annotated[str, typer.Option("--period", help="The month, YYYY-MM", metavar="YYYY-MM")],
    json_output: JsonOption = False,
) -> None:
    """What the terms in force give for the month, priced from the stored volumes, index
    values, FX rate and service credits: every line with its explanation, and the totals."""
    month = period_of(period)
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        if json_output:
            print_json(queries.statement_read(session, found.id, month))
            return
        built = queries.statement_for(session, found.id, month)
    console.print(
        f"[bold]{escape(contract)}[/]: terms version {built.version.number} "
        f"({escape(built.version.label)})"
    )
    print_statement(built.statement)


# --------------------------------------------------------------------------- leakage


def leakage_command(
    contract: Annotated[str | None, typer.Option("--contract", help="Only this contract")] = None,
    statuses: StatusOption = None,
    export_to: Annotated[
        Path | None,
        typer.Option("--export", help="Write the findings to a .csv or .xlsx file", metavar="FILE"),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Money at stake for our side (default: open findings), per currency, by finding type,
    month, counterparty and region; --export writes the findings behind it."""
    chosen = statuses or [FindingStatus.OPEN]
    with db_session() as session:
        contract_id = get_contract_by_reference(session, contract).id if contract else None
        if export_to is not None:
            suffix = export_to.suffix.lower()
            if suffix not in (".csv", ".xlsx"):
                raise ValidationFailed(f"--export: name a .csv or .xlsx file (found '{export_to}')")
            rows = queries.list_findings(session, contract_id=contract_id, statuses=statuses)
            places = queries.contract_places(session)
            data = (
                export.to_csv(rows, places)
                if suffix == ".csv"
                else export.to_xlsx(rows, places, as_of=clock.today())
            )
            export_to.write_bytes(data)
            console.print(f"Wrote {len(rows)} findings to {escape(str(export_to))}")
            return
        found = queries.leakage(session, contract_id=contract_id, statuses=chosen)
    if json_output:
        print_json(found)
        return
    if not found.currencies:
        console.print("No findings: no invoice checked so far puts money at stake.")
        return
    listed = ", ".join(s.value for s in chosen)
    for block in found.currencies:
        currency = block.currency

        def money(amount: Decimal, currency: str = currency) -> str:
            return format_money(amount, currency)

        console.print(
            f"\n[bold]{block.currency}[/]: {money(block.amount)} at stake in "
            f"{block.findings} findings ({listed}; claims {money(block.claims_amount)}, leads "
            f"{money(block.leads_amount)}) · unresolved "
            f"{money(block.unresolved_amount)} · recovered {money(block.recovered_amount)} · "
            f"dismissed {money(block.dismissed_amount)} · in our favour "
            f"{money(block.in_our_favour_amount)}"
        )
        for title, groups in (
            ("By type", block.by_type),
            ("By month", block.by_period),
            ("By counterparty", block.by_counterparty),
            ("By region", block.by_region),
        ):
            table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
            table.add_column("")
            table.add_column("Findings", justify="right")
            table.add_column("At stake", justify="right")
            for group in groups:
                table.add_row(escape(group.label), str(group.findings), money(group.amount))
            console.print(table)


# --------------------------------------------------------------------------- disputes


def _dispute_line(row: DisputeRead) -> str:
    return (
        f"Dispute {row.id} ({escape(row.title)}): {row.status.value}, "
        f"{format_money(row.amount, row.currency)} at stake, {row.age_days} days"
    )


@disputes_app.command("list")
def disputes_list_command(
    contract: Annotated[str | None, typer.Option("--contract", help="Only this contract")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open and escalated")] = False,
    json_output: JsonOption = False,
) -> None:
    """Disputes: open ones oldest first, with their age in days, then closed ones."""
    with db_session() as session:
        contract_id = get_contract_by_reference(session, contract).id if contract else None
        rows = dispute_queries.list_disputes(session, contract_id=contract_id, open_only=open_only)
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} disputes")
    for column in ("#", "Contract", "About", "Status", "Amount", "Age (days)", "Outcome"):
        table.add_column(column, justify="right" if column in ("Amount", "Age (days)") else "left")
    for row in rows:
        table.add_row(
            str(row.id),
            escape(row.contract_reference),
            escape(row.title),
            row.status.value,
            format_money(row.amount, row.currency),
            str(row.age_days),
            row.outcome.value if row.outcome else "",
        )
    console.print(table)


@disputes_app.command("open")
def disputes_open_command(
    contract: ContractArg,
    position: Annotated[str, typer.Option("--position", help="Our position: why we dispute")],
    finding: Annotated[int | None, typer.Option("--finding", help="An invoice finding's #")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="A service credit's month, YYYY-MM")
    ] = None,
    amount: Annotated[
        Decimal | None, typer.Option("--amount", help="At stake (default: the finding's)")
    ] = None,
) -> None:
    """Dispute an invoice finding (--finding) or a month's service credit (--period)."""
    if (finding is None) == (period is None):
        raise ValidationFailed("give --finding (an invoice finding) or --period (a credit)")
    data = DisputeCreate(finding_id=finding, period=period, our_position=position, amount=amount)
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        row = dispute_service.open_dispute(
            session, actor=operator(), contract_id=found.id, data=data
        )
    console.print(_dispute_line(row))


@disputes_app.command("update")
def disputes_update_command(
    dispute_id: Annotated[int, typer.Argument(help="The dispute's #")],
    their_position: Annotated[
        str | None, typer.Option("--their-position", help="The counterparty's position")
    ] = None,
    escalate: Annotated[bool, typer.Option("--escalate", help="Escalate it")] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note for the audit trail")] = None,
) -> None:
    """Record the counterparty's position, or escalate."""
    data = DisputeUpdate(their_position=their_position, escalate=escalate, note=note)
    with db_session() as session:
        row = dispute_service.update_dispute(
            session, actor=operator(), dispute_id=dispute_id, data=data
        )
    console.print(_dispute_line(row))


@disputes_app.command("resolve")
def disputes_resolve_command(
    dispute_id: Annotated[int, typer.Argument(help="The dispute's #")],
    outcome: Annotated[DisputeOutcome, typer.Option("--outcome", help="How it ended")],
    resolution: Annotated[str, typer.Option("--resolution", help="What was agreed")],
    settled_amount: Annotated[
        Decimal | None, typer.Option("--settled-amount", help="The agreed part (settled)")
    ] = None,
) -> None:
    """End a dispute: upheld, settled (--settled-amount) or rejected."""
    data = DisputeResolve(outcome=outcome, resolution=resolution, settled_amount=settled_amount)
    with db_session() as session:
        row = dispute_service.resolve_dispute(
            session, actor=operator(), dispute_id=dispute_id, data=data
        )
    console.print(_dispute_line(row))


@disputes_app.command("withdraw")
def disputes_withdraw_command(
    dispute_id: Annotated[int, typer.Argument(help="The dispute's #")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn")],
) -> None:
    """Withdraw a dispute; the finding is open again, the credit back under review."""
    with db_session() as session:
        row = dispute_service.withdraw_dispute(
            session, actor=operator(), dispute_id=dispute_id, data=DisputeWithdraw(reason=reason)
        )
    console.print(_dispute_line(row))
