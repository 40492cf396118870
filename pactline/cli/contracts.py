"""pactline contracts: import, export, list, show, and key dates of a terms file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from pactline.cli.common import console, db_session, err_console, new_app, operator, print_json
from pactline.contracts import export, queries, rules, service
from pactline.contracts.enums import ContractKind, ContractSort, ContractStatus, OurRole
from pactline.contracts.rules import TermsInput
from pactline.contracts.schemas import ContractFilters, ContractRead, DerivedDateRead
from pactline.core import clock
from pactline.core.errors import ValidationFailed
from pactline.terms import TermsError, load_terms_file
from pactline.terms.keydates import document_key_dates

app = new_app("The contract repository: import terms files, export, list, show, explain dates.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]
AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Status and dates as of this day"),
]
SearchOption = Annotated[
    str | None,
    typer.Option("--search", "-q", help="Search reference, title, counterparty and tags"),
]
StatusOption = Annotated[
    ContractStatus | None, typer.Option(help="Only contracts with this status on the as-of day")
]
CounterpartyOption = Annotated[int | None, typer.Option(help="Only this counterparty (its id)")]
RegionOption = Annotated[str | None, typer.Option(help="Only this region")]
OwnerOption = Annotated[str | None, typer.Option(help="Username of any owner")]
OurRoleOption = Annotated[OurRole | None, typer.Option(help="Only where we are this party")]
KindOption = Annotated[ContractKind | None, typer.Option(help="Only this kind of contract")]
DeadlineOption = Annotated[
    int | None,
    typer.Option(min=0, max=3650, help="Notice deadline or next action within N days"),
]
SortOption = Annotated[ContractSort, typer.Option(help="Order of the list")]
DescendingOption = Annotated[bool, typer.Option("--descending", help="Reverse the order")]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def _as_of(value: datetime | None) -> date:
    return value.date() if value is not None else clock.today()


def _filters(
    search: str | None,
    status: ContractStatus | None,
    counterparty_id: int | None,
    region: str | None,
    owner: str | None,
    our_role: OurRole | None,
    kind: ContractKind | None,
    deadline_within_days: int | None,
    sort: ContractSort,
    descending: bool,
) -> ContractFilters:
    return ContractFilters(
        q=search or None,
        status=status,
        counterparty_id=counterparty_id,
        region=region or None,
        owner=owner or None,
        our_role=our_role,
        kind=kind,
        deadline_within_days=deadline_within_days,
        sort=sort,
        descending=descending,
    )


def _problem_line(problem: dict[str, Any]) -> str:
    """`file: path: message (line N)`, as `pactline terms validate` prints it."""
    text = str(problem["message"])
    if problem.get("field"):
        text = f"{problem['field']}: {text}"
    if problem.get("line") is not None:
        text += f" (line {problem['line']})"
    return f"{problem['file']}: {text}" if problem.get("file") else text


def _print_problems(problems: Iterable[dict[str, Any]]) -> None:
    for problem in problems:
        err_console.print(escape(_problem_line(problem)), soft_wrap=True)


def _read_terms_file(path: Path) -> TermsInput:
    """A terms file validated; ValidationFailed lists its problems with lines."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        message = "cannot read the file: it is not UTF-8 text"
        raise ValidationFailed(
            message, details=[{"file": name, "line": None, "field": "", "message": message}]
        ) from None
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        raise ValidationFailed(
            message, details=[{"file": name, "line": None, "field": "", "message": message}]
        ) from None
    suffix = PurePath(name).suffix.lower()
    fmt = "json" if suffix == ".json" else "yaml" if suffix in (".yaml", ".yml") else None
    return rules.parse_terms(text, source_name=name, format=fmt)


def _date_text(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _unique_dates(items: Iterable[DerivedDateRead | None]) -> list[DerivedDateRead]:
    """Distinct dates in date order (the same date under two names is shown once)."""
    seen: set[tuple[str, date]] = set()
    unique: list[DerivedDateRead] = []
    for item in items:
        if item is None or (item.kind, item.on) in seen:
            continue
        seen.add((item.kind, item.on))
        unique.append(item)
    return sorted(unique, key=lambda item: item.on)


def _print_key_dates(
    status: str,
    status_explanation: list[str],
    next_action: DerivedDateRead | None,
    dates: list[DerivedDateRead],
) -> None:
    console.print(f"[bold]Status:[/] {escape(status)}")
    for step in status_explanation:
        console.print(f"  {escape(step)}", soft_wrap=True)
    if next_action is not None:
        label = next_action.label.removeprefix("Next action: ")
        console.print(f"[bold]Next action:[/] {escape(label)} by {next_action.on.isoformat()}")
    for item in dates:
        console.print(f"[bold]{escape(item.label)}:[/] {item.on.isoformat()}")
        for step in item.explanation:
            console.print(f"  {escape(step)}", soft_wrap=True)


# --- commands ---------------------------------------------------------------------------


@app.command("import")
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Terms files (.yaml, .yml or .json)", metavar="FILE..."),
    ],
    json_output: JsonOption = False,
) -> None:
    """Import terms files, all or nothing: every file is checked first; if any is invalid,
    every problem is printed as `file: path: message (line N)` and nothing is stored."""
    items: list[TermsInput] = []
    problems: list[dict[str, Any]] = []
    with Progress(
        TextColumn("Checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(files))
        for path in files:
            progress.update(task, description=escape(str(path)))
            try:
                items.append(_read_terms_file(path))
            except ValidationFailed as exc:
                problems.extend(exc.details or [])
            progress.advance(task)
    if problems:
        _print_problems(problems)
        bad = len({p["file"] for p in problems})
        err_console.print(
            f"[bold red]error:[/] {bad} of {len(files)} file{'s' if len(files) != 1 else ''} "
            f"{'is' if bad == 1 else 'are'} not valid; nothing was imported",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    per_reference = Counter(item.document.contract.reference for item in items)
    created: list[str] = []
    amended: list[str] = []
    lines: list[str] = []
    with db_session() as session:
        try:
            contracts = service.import_terms(session, actor=operator(), items=items)
        except ValidationFailed as exc:
            if not (isinstance(exc.details, list) and all("file" in d for d in exc.details)):
                raise
            _print_problems(exc.details)
            err_console.print("[bold red]error:[/] nothing was imported", soft_wrap=True)
            raise typer.Exit(1) from None
        today = clock.today()
        reads: list[ContractRead] = []
        for contract in contracts:
            added = per_reference[contract.reference]
            versions = sorted(contract.versions, key=lambda v: v.number)
            if len(versions) == added:
                created.append(contract.reference)
                lines.append(
                    f"Created {contract.reference} ({contract.title})"
                    + (f" with {added} terms versions" if added > 1 else "")
                )
            else:
                amended.append(contract.reference)
                for version in versions[-added:]:
                    lines.append(
                        f"Amended {contract.reference}: version {version.number} "
                        f"({version.label}), effective {version.effective_on}"
                    )
            reads.append(queries.contract_read(session, contract.id, today))
    if json_output:
        print_json({"created": created, "amended": amended, "contracts": reads})
        return
    for line in lines:
        console.print(escape(line), soft_wrap=True)
    console.print(
        f"Imported {len(items)} file{'s' if len(items) != 1 else ''}: "
        f"{len(created)} created, {len(amended)} amended."
    )


@app.command("export")
def export_command(
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv or xlsx")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout"),
    ] = None,
    as_of: AsOfOption = None,
    search: SearchOption = None,
    status: StatusOption = None,
    counterparty_id: CounterpartyOption = None,
    region: RegionOption = None,
    owner: OwnerOption = None,
    our_role: OurRoleOption = None,
    kind: KindOption = None,
    deadline_within_days: DeadlineOption = None,
    sort: SortOption = ContractSort.REFERENCE,
    descending: DescendingOption = False,
) -> None:
    """Export the (filtered) portfolio as CSV (to stdout by default) or XLSX (needs --output)."""
    if format is ExportFormat.XLSX and output is None:
        raise ValidationFailed(
            "an xlsx export is a binary file: give --output FILE",
            details=[{"field": "output", "message": "required for --format xlsx"}],
        )
    filters = _filters(
        search,
        status,
        counterparty_id,
        region,
        owner,
        our_role,
        kind,
        deadline_within_days,
        sort,
        descending,
    )
    day = _as_of(as_of)
    with db_session() as session:
        rows = queries.portfolio(session, filters, day)
    data = export.to_xlsx(rows, as_of=day) if format is ExportFormat.XLSX else export.to_csv(rows)
    if output is None:
        # Standard output is for pipes: text without the byte-order mark spreadsheets want.
        typer.echo(data.decode("utf-8-sig"), nl=False)
        return
    output.write_bytes(data)
    err_console.print(f"Wrote {len(rows)} contracts to {escape(str(output))}.")


@app.command("list")
def list_command(
    as_of: AsOfOption = None,
    search: SearchOption = None,
    status: StatusOption = None,
    counterparty_id: CounterpartyOption = None,
    region: RegionOption = None,
    owner: OwnerOption = None,
    our_role: OurRoleOption = None,
    kind: KindOption = None,
    deadline_within_days: DeadlineOption = None,
    sort: SortOption = ContractSort.REFERENCE,
    descending: DescendingOption = False,
    json_output: JsonOption = False,
) -> None:
    """List the portfolio with status and next action as of a day (default today)."""
    filters = _filters(
        search,
        status,
        counterparty_id,
        region,
        owner,
        our_role,
        kind,
        deadline_within_days,
        sort,
        descending,
    )
    day = _as_of(as_of)
    with db_session() as session:
        rows = queries.portfolio(session, filters, day)
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} contract{'s' if len(rows) != 1 else ''} as of {day}")
    table.add_column("Reference", overflow="fold")
    table.add_column("Title")
    table.add_column("Counterparty")
    table.add_column("Status", no_wrap=True)
    table.add_column("Next action", min_width=10)
    table.add_column("Term ends", no_wrap=True)
    for row in rows:
        action = (
            f"{row.next_action_on} "
            f"{(row.next_action_label or '').removeprefix('Next action: ')}".strip()
            if row.next_action_on
            else "—"
        )
        table.add_row(
            escape(row.reference),
            escape(row.title),
            escape(row.counterparty),
            row.status.value,
            escape(action),
            _date_text(row.current_term_end_on),
        )
    console.print(table)


@app.command("show")
def show_command(
    reference: Annotated[str, typer.Argument(help="Contract reference, e.g. MSA-2026-001")],
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show a contract: its facts, terms versions and key dates with their explanations."""
    day = _as_of(as_of)
    with db_session() as session:
        contract = queries.get_contract_by_reference(session, reference)
        read = queries.contract_read(session, contract.id, day)
        dates = queries.contract_key_dates(session, contract.id, day)
    if json_output:
        print_json({"contract": read, "key_dates": dates})
        return
    console.print(f"[bold]{escape(read.reference)}[/] {escape(read.title)}")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    owners = ", ".join(
        f"{label} {name}"
        for label, name in (
            ("account manager", read.account_manager),
            ("commercial lead", read.commercial_lead),
            ("governance lead", read.governance_lead),
        )
        if name
    )
    values = ", ".join(
        f"{label} {read.currency} {value:,.2f}"
        for label, value in (("total", read.total_value), ("annual", read.annual_value))
        if value is not None
    )
    for label, value in (
        ("Kind", f"{read.kind.value}, we are the {read.our_role.value}"),
        ("Counterparty", read.counterparty),
        ("Master agreement", read.parent_reference),
        ("Statements of work", ", ".join(read.children)),
        ("Status", f"{read.status.value} as of {day}"),
        ("Region", read.region),
        ("Business unit", read.business_unit),
        ("Owners", owners),
        ("Values", values),
        ("Tags", ", ".join(read.tags)),
        ("Renewals exercised", str(read.renewals_exercised) if read.renewals_exercised else ""),
        ("Notice given", _date_text(read.notice_given_on) if read.notice_given_on else ""),
        (
            "Terminated",
            f"{read.terminated_on} ({read.termination_reason})" if read.terminated_on else "",
        ),
    ):
        if value:
            facts.add_row(label, escape(value))
    console.print(facts)
    versions = Table("#", "Effective", "Label", "Source", title="Terms versions")
    for version in read.versions:
        versions.add_row(
            str(version.number),
            version.effective_on.isoformat(),
            escape(version.label),
            escape(version.source_name),
        )
    console.print(versions)
    console.print(
        f"[bold]Key dates as of {day}[/] (terms version {dates.terms_version}, "
        f"{escape(dates.terms_version_label)})"
    )
    _print_key_dates(
        dates.status.value,
        dates.status_explanation,
        dates.next_action,
        _unique_dates(
            [
                dates.initial_term_end,
                dates.current_term_end,
                dates.notice_deadline,
                *dates.renewals,
                dates.final_end,
            ]
        ),
    )


@app.command("dates")
def dates_command(
    file: Annotated[Path, typer.Argument(help="A terms file (.yaml, .yml or .json)")],
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
) -> None:
    """Explain the key dates of a terms file (no database needed): every date and how it
    was worked out. An invalid file prints every problem with its line and exits 1."""
    try:
        doc = load_terms_file(file)
    except TermsError as exc:
        for issue in exc.issues:
            err_console.print(escape(issue.format(with_source=True)), soft_wrap=True)
        raise typer.Exit(1) from None
    day = _as_of(as_of)
    key = document_key_dates(doc, day)
    renewals = [d for d in (queries.derived(r) for r in key.renewals) if d is not None]
    label = doc.version.label if doc.version and doc.version.label else None
    result: dict[str, Any] = {
        "file": str(file),
        "reference": doc.contract.reference,
        "effective_on": doc.effective_on,
        "label": label,
        "as_of": key.as_of,
        "status": key.status.value,
        "status_explanation": list(key.status_explanation),
        "initial_term_end": queries.derived(key.initial_term_end),
        "current_term_start": key.current_term_start,
        "current_term_end": queries.derived(key.current_term_end),
        "notice_deadline": queries.derived(key.notice_deadline),
        "next_action": queries.derived(key.next_action),
        "renewals": renewals,
        "final_end": queries.derived(key.final_end),
        "dates": [queries.derived(d) for d in key.all_dates()],
    }
    if json_output:
        print_json(result)
        return
    console.print(
        f"[bold]{escape(doc.contract.reference)}[/] {escape(doc.contract.title)}: key dates "
        f"as of {day} ({escape(label or 'terms')} effective {doc.effective_on})"
    )
    _print_key_dates(
        key.status.value, result["status_explanation"], result["next_action"], result["dates"]
    )
