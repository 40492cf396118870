"""pactline db: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from pactline.cli.common import console, new_app, open_database, print_json
from pactline.core import migrate
from pactline.core.db import describe_url

app = new_app("Database schema: upgrade, show the current revision, check for drift.")


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Apply schema migrations (safe to run repeatedly)."""
    database = open_database()
    try:
        before = migrate.current_revision(database.engine)
        migrate.upgrade(database.engine, revision)
        after = migrate.current_revision(database.engine)
    finally:
        database.dispose()
    where = describe_url(database.url)
    if before == after:
        console.print(f"Database {where} is already at revision {after}.")
    else:
        console.print(f"Database {where} upgraded from {before or 'empty'} to {after}.")


@app.command()
def current(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Show the database's revision and whether it is up to date."""
    database = open_database()
    try:
        cur = migrate.current_revision(database.engine)
        head = migrate.head_revision(database.engine)
    finally:
        database.dispose()
    info = {
        "database": describe_url(database.url),
        "current": cur,
        "head": head,
        "up_to_date": cur == head,
    }
    if json_output:
        print_json(info)
        return
    state = "up to date" if cur == head else f"behind: run 'pactline db upgrade' to reach {head}"
    console.print(f"{info['database']}: revision {cur or 'none (empty)'} ({state})")
