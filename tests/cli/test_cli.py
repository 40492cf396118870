"""CLI tests run the real commands against their own SQLite file: the CLI opens its own
database from PACTLINE_* settings, as it does for an operator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pactline.cli.main import app
from pactline.core.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PACTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PACTLINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("PACTLINE_ADMIN_PASSWORD", "first admin password")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_every_command_has_help() -> None:
    for args in (
        [],
        ["db"],
        ["users"],
        ["demo"],
        ["db", "upgrade"],
        ["db", "current"],
        ["users", "create"],
        ["users", "list"],
        ["users", "set-role"],
        ["users", "reset-password"],
        ["users", "create-token"],
        ["demo", "load"],
        ["serve"],
    ):
        code, output = run(*args, "--help")
        assert code == 0, args
        assert "Usage" in output


def test_a_fresh_database_is_migrated_given_an_admin_and_the_demo(cli_env: Path) -> None:
    assert run("db", "upgrade")[0] == 0
    code, output = run("db", "current", "--json")
    assert code == 0 and json.loads(output)["up_to_date"] is True
    code, output = run("users", "ensure-admin")
    assert code == 0 and "Created administrator admin" in output
    assert "An administrator exists already" in run("users", "ensure-admin")[1]
    code, output = run("demo", "load", "--if-empty")
    assert code == 0 and "Demo portfolio loaded" in output
    code, output = run("demo", "load", "--if-empty")
    assert code == 0 and "not loaded" in output
    code, output = run("demo", "load")
    assert code == 1 and "error: the database already holds data" in output


def test_users_are_managed_from_the_command_line(cli_env: Path) -> None:
    run("db", "upgrade")
    code, output = run("users", "create", "dana", "--role", "commercial", "--json")
    assert code == 0
    created = json.loads(output)
    assert created["user"]["role"] == "commercial" and created["generated_password"]
    assert run("users", "set-role", "dana", "governance")[0] == 0
    listed = json.loads(run("users", "list", "--json")[1])
    assert [(u["username"], u["role"]) for u in listed] == [("dana", "governance")]
    code, output = run("users", "reset-password", "dana")
    assert code == 0 and "New password (shown once)" in output
    code, output = run("users", "create-token", "dana", "--json")
    assert code == 0 and json.loads(output)["token"].startswith("pl_")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "set-role", "ghost", "viewer"), "error: no user named 'ghost'"),
        (("users", "create", "xy", "--password", "short"), "password must be at least 10"),
        (("users", "create", "X!"), "username: Value error, must be 2-64 characters"),
        (("users", "set-role", "admin", "emperor"), "Invalid value"),
    ],
)
def test_errors_print_one_clear_line_and_exit_non_zero(
    cli_env: Path, args: tuple[str, ...], message: str
) -> None:
    run("db", "upgrade")
    run("users", "ensure-admin")
    code, output = run(*args)
    assert code != 0
    assert message in output
    assert "Traceback" not in output


def test_an_unreachable_database_is_one_line_not_a_traceback(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACTLINE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    code, output = run("db", "current")
    assert code == 1
    assert output.startswith("error: cannot reach the database at postgresql+psycopg://nobody@")
    assert "Traceback" not in output


def test_serve_refuses_an_unmigrated_database(cli_env: Path) -> None:
    code, output = run("serve")
    assert code == 1
    assert "run 'pactline db upgrade'" in output
