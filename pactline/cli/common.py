"""Shared plumbing for CLI commands: consoles, the database, JSON output, errors."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session
from typer._click.core import Context as ClickContext
from typer.core import TyperGroup
from typer.exceptions import TyperException

from pactline.core.config import get_settings
from pactline.core.db import Database, check_connection, session_scope
from pactline.core.errors import ConfigurationError, PactlineError
from pactline.users.principal import Principal

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class PactlineGroup(TyperGroup):
    """Turns any domain error raised by a command into one clear line and exit code 1."""

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except PactlineError as exc:
            err_console.print(f"[bold red]error:[/] {escape(exc.message)}", soft_wrap=True)
            if isinstance(exc.details, list):
                for detail in exc.details:
                    if isinstance(detail, dict) and "field" in detail:
                        err_console.print(escape(f"  {_detail_line(detail)}"))
            raise typer.Exit(1) from None
        except ValidationError as exc:
            err_console.print("[bold red]error:[/] invalid input", soft_wrap=True)
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"])
                err_console.print(escape(f"  {field}: {error['msg']}"))
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:
            if os.environ.get("PACTLINE_DEBUG"):
                raise
            err_console.print(
                f"[bold red]error:[/] unexpected {type(exc).__name__}: {escape(str(exc))} "
                "(set PACTLINE_DEBUG=1 to see the traceback)",
                soft_wrap=True,
            )
            raise typer.Exit(2) from None


def _detail_line(detail: dict[str, Any]) -> str:
    """One problem of a ValidationFailed: `row 7, column value: message` for a table's cell."""
    if detail.get("row") is not None or ("row" in detail and detail.get("file")):
        where = [f"row {detail['row']}"] if detail.get("row") is not None else []
        if detail.get("field"):
            where.append(f"column {detail['field']}")
        place = f"{', '.join(where)}: " if where else ""
        return f"{detail.get('file') or ''}: {place}{detail['message']}".removeprefix(": ")
    return f"{detail['field']}: {detail['message']}"


def new_app(help_text: str) -> typer.Typer:
    """A Typer (sub)application with Pactline's error handling."""
    return typer.Typer(
        help=help_text,
        cls=PactlineGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )


def open_database() -> Database:
    """The configured database, after checking it can be reached."""
    settings = get_settings()
    database = Database(settings.effective_database_url)
    try:
        check_connection(database.engine)
    except ConfigurationError:
        database.dispose()
        raise
    return database


@contextmanager
def db_session() -> Iterator[Session]:
    """A session on the configured database, closed afterwards."""
    database = open_database()
    try:
        with session_scope(database.sessionmaker) as session:
            yield session
    finally:
        database.dispose()


def operator() -> Principal:
    """The person at the shell: they hold the server's keys, so they act as an administrator."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        name = "operator"
    return Principal.system(f"cli:{name}")


def print_json(value: Any) -> None:
    """Print a value (or pydantic model) as JSON on stdout, for scripts."""
    typer.echo(json.dumps(to_jsonable_python(value), indent=2))


__all__ = ["ConfigurationError", "console", "db_session", "err_console", "new_app", "print_json"]
