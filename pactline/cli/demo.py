"""pactline demo: the demo portfolio."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pactline.cli.common import console, db_session, new_app, operator
from pactline.core import clock
from pactline.demo import loader

app = new_app("The demo portfolio: sample data so every page has something to show.")


@app.command()
def load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (and succeed) if data exists")
    ] = False,
) -> None:
    """Load the demo portfolio into an empty database (one transaction: all or nothing).

    Its dates are counted from today, so there are always deadlines coming up.
    """
    with db_session() as session:
        if if_empty and not loader.is_empty(session):
            console.print("The database already holds data; demo not loaded.")
            return
        as_of = clock.today()
        steps = loader.demo_steps(as_of)
        with Progress(
            TextColumn("Loading demo"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=len(steps))

            def advance(step: str) -> None:
                progress.update(task, advance=1, description=step)

            summary = loader.load_demo(session, actor=operator(), as_of=as_of, progress=advance)
    console.print(
        f"Demo portfolio loaded: {summary.people} people, {summary.contracts} contracts "
        f"({summary.versions} terms versions) with {summary.counterparties} counterparties "
        f"in {summary.regions} regions, dated from {summary.as_of}; {summary.invoices} "
        f"invoices with {summary.findings} findings and {summary.disputes} disputes."
    )
