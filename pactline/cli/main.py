"""The `pactline` command: serve the app and administer it."""

from __future__ import annotations

from typing import Annotated

import typer

from pactline import __version__
from pactline.cli import (
    commercials,
    contracts,
    db,
    demo,
    evaluate,
    invoices,
    service_levels,
    terms,
    users,
)
from pactline.cli.common import console, err_console, new_app, open_database
from pactline.core import migrate
from pactline.core.config import get_settings

app = new_app(
    "Pactline: contract relationship management for services contracts after signature.\n\n"
    "Configuration comes from PACTLINE_* environment variables (see the README)."
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(demo.app, name="demo")
app.add_typer(contracts.app, name="contracts")
app.add_typer(terms.app, name="terms")
app.add_typer(service_levels.measurements_app, name="measurements")
app.add_typer(service_levels.app, name="service-levels")
app.add_typer(commercials.indices_app, name="indices")
app.add_typer(commercials.volumes_app, name="volumes")
app.add_typer(commercials.deliveries_app, name="deliveries")
app.add_typer(invoices.invoices_app, name="invoices")
app.add_typer(invoices.statements_app, name="statements")
app.add_typer(invoices.disputes_app, name="disputes")
app.command("leakage")(invoices.leakage_command)
app.command("evaluate")(evaluate.evaluate)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pactline {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version"),
    ] = False,
) -> None:
    """Pactline command line."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (PACTLINE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PACTLINE_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (PACTLINE_WORKERS)")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
) -> None:
    """Serve the web UI and the API. Ctrl-C stops it."""
    import uvicorn  # imported here: the other commands do not need a web server

    settings = get_settings()
    database = open_database()
    try:
        current = migrate.current_revision(database.engine)
        head = migrate.head_revision(database.engine)
    finally:
        database.dispose()
    if current != head:
        err_console.print(
            f"[bold red]error:[/] the database schema is at {current or 'nothing'}, this Pactline "
            f"needs {head}: run 'pactline db upgrade'"
        )
        raise typer.Exit(1)
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(f"Pactline {__version__} on http://{bind_host}:{bind_port} (Ctrl-C to stop)")
    uvicorn.run(
        "pactline.app:app_factory",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers or settings.workers,
        reload=reload,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="pactline")


if __name__ == "__main__":
    main()
