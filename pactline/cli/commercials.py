"""``pactline indices`` and ``pactline volumes``: the commercial inputs stored in the database
(the stateless ``pactline evaluate --volumes --indices`` needs no database)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pactline.cli.common import console, db_session, new_app, operator, print_json
from pactline.commercials import queries, service
from pactline.commercials.schemas import DeliveryRead, VolumeCreate, VolumeRead
from pactline.contracts.queries import get_contract_by_reference
from pactline.core.errors import ValidationFailed
from pactline.engine.money import plain_number

indices_app = new_app("Index series (CPI by month…): import and list.")
volumes_app = new_app("A contract's monthly volumes: import and list.")
deliveries_app = new_app("A contract's milestones achieved or accepted and late deliveries.")

ContractArg = Annotated[str, typer.Argument(help="Contract reference, e.g. MSA-2026-001")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"{file}: cannot read the file: {error.strerror or error}") from None


@indices_app.command("import")
def import_indices_command(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX with columns series, period, value")],
    json_output: JsonOption = False,
) -> None:
    """Import an indices file, all or nothing: every problem is printed with its row and
    column and nothing is stored. A month already stored is replaced (the audit keeps it)."""
    content = _read(file)
    with db_session() as session:
        outcome = service.import_index_values(
            session, actor=operator(), source_name=str(file), content=content
        )
    if json_output:
        print_json(outcome)
        return
    console.print(
        f"Imported {outcome.created + outcome.updated} index values of "
        f"{escape(', '.join(outcome.series))}: {outcome.created} new, {outcome.updated} replaced, "
        f"{outcome.periods[0]} to {outcome.periods[-1]} (sha256 {outcome.sha256[:12]})"
    )


@indices_app.command("list")
def list_indices_command(
    series: Annotated[str | None, typer.Option("--series", help="Only this series")] = None,
    json_output: JsonOption = False,
) -> None:
    """The stored index series and their monthly values, oldest first."""
    with db_session() as session:
        found = queries.list_series(session, series)
    if json_output:
        print_json(found)
        return
    if not found:
        console.print("No index values stored yet: import a file with `pactline indices import`.")
        return
    for item in found:
        table = Table(
            title=f"{escape(item.series)}: {item.count} months, {item.first_period} to "
            f"{item.last_period}"
        )
        for column in ("Period", "Value", "Source", "Recorded by"):
            table.add_column(column)
        for value in item.values:
            table.add_row(
                value.period,
                plain_number(value.value),
                escape(value.source_name),
                escape(value.recorded_by),
            )
        console.print(table)


@volumes_app.command("import")
def import_volumes_command(
    contract: ContractArg,
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX with columns item_id, period, quantity")
    ],
    json_output: JsonOption = False,
) -> None:
    """Import a contract's volumes file, all or nothing, checked against the charge terms in
    force: every problem is printed with its row and column and nothing is stored."""
    content = _read(file)
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        outcome = service.import_volumes(
            session, actor=operator(), contract_id=found.id, source_name=str(file), content=content
        )
    if json_output:
        print_json(outcome)
        return
    console.print(
        f"Imported {outcome.created + outcome.updated} volumes into {escape(contract)}: "
        f"{outcome.created} new, {outcome.updated} replaced, {outcome.periods[0]} to "
        f"{outcome.periods[-1]} (terms version {outcome.terms_version}, sha256 "
        f"{outcome.sha256[:12]})"
    )


@volumes_app.command("set")
def set_volume_command(
    contract: ContractArg,
    item: Annotated[str, typer.Argument(help="A resource unit, tiered charge or rate card entry")],
    period: Annotated[str, typer.Argument(help="The month, YYYY-MM", metavar="YYYY-MM")],
    quantity: Annotated[str, typer.Argument(help="How much was used, e.g. 2080")],
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with the value)")] = None,
) -> None:
    """Enter or correct one month's volume of one item, checked as a file's row is."""
    try:
        amount = Decimal(quantity)
    except ArithmeticError:
        raise ValidationFailed(f"quantity: must be a number (found '{quantity}')") from None
    data = VolumeCreate(item_id=item, period=period, quantity=amount, note=note)
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        outcome = service.record_volume(session, actor=operator(), contract_id=found.id, data=data)
    change = "replaced" if outcome.updated else "recorded"
    console.print(f"{escape(contract)} {escape(item)} {period}: {quantity} {change}")


@volumes_app.command("list")
def list_volumes_command(contract: ContractArg, json_output: JsonOption = False) -> None:
    """A contract's stored volumes, by month then item."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        rows = [VolumeRead.model_validate(v) for v in queries.list_volumes(session, found.id)]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} volumes of {escape(contract)}")
    for column in ("Period", "Item", "Quantity", "Source", "Recorded by"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.period,
            escape(row.item_id),
            plain_number(row.quantity),
            escape(row.source_name),
            escape(row.recorded_by),
        )
    console.print(table)


@deliveries_app.command("import")
def import_deliveries_command(
    contract: ContractArg,
    file: Annotated[
        Path,
        typer.Argument(help="CSV or XLSX with columns item_id, period, event, due_on, ended_on"),
    ],
    json_output: JsonOption = False,
) -> None:
    """Import a contract's deliveries file (milestones achieved or accepted, late deliveries),
    all or nothing, checked against the charge terms in force."""
    content = _read(file)
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        outcome = service.import_deliveries(
            session, actor=operator(), contract_id=found.id, source_name=str(file), content=content
        )
    if json_output:
        print_json(outcome)
        return
    console.print(
        f"Imported {outcome.created + outcome.updated} delivery events into {escape(contract)}: "
        f"{outcome.created} new, {outcome.updated} replaced, {outcome.periods[0]} to "
        f"{outcome.periods[-1]} (sha256 {outcome.sha256[:12]})"
    )


@deliveries_app.command("list")
def list_deliveries_command(contract: ContractArg, json_output: JsonOption = False) -> None:
    """A contract's stored delivery events, by month then item."""
    with db_session() as session:
        found = get_contract_by_reference(session, contract)
        rows = [DeliveryRead.model_validate(d) for d in queries.list_deliveries(session, found.id)]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} delivery events of {escape(contract)}")
    for column in ("Period", "Item", "Event", "Due", "Delay to", "Note"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.period,
            escape(row.item_id),
            row.event,
            row.due_on.isoformat() if row.due_on else "",
            row.ended_on.isoformat() if row.ended_on else "",
            escape(row.note),
        )
    console.print(table)
