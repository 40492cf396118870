"""`pactline indices` and `pactline volumes`: the real commands on their own SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pactline.cli.main import app
from tests.cli.test_contracts import cli_env, database  # noqa: F401 - shared fixtures

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CPI = EXAMPLES / "indices" / "cpi.csv"
VOLUMES = EXAMPLES / "volumes" / "northwind-msa.csv"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def northwind(database: Path) -> Path:  # noqa: F811 - the fixture above
    code, output = run(
        "contracts",
        "import",
        str(EXAMPLES / "northwind-msa.yaml"),
        str(EXAMPLES / "northwind-msa-amendment-1.yaml"),
    )
    assert code == 0, output
    return database


def test_every_commercials_command_has_help() -> None:
    for group, command in [
        ("indices", "import"),
        ("indices", "list"),
        ("volumes", "import"),
        ("volumes", "list"),
    ]:
        code, output = run(group, command, "--help")
        assert code == 0, (group, command)
        assert "Usage" in output


def test_an_indices_file_imports_and_lists_by_series(database: Path) -> None:  # noqa: F811
    code, output = run("indices", "import", str(CPI))
    assert code == 0, output
    assert "Imported 13 index values of CPI: 13 new, 0 replaced" in output
    (series,) = run_json("indices", "list", "--series", "CPI")
    assert series["count"] == 13 and series["last_period"] == "2026-10"
    code, output = run("indices", "list")
    assert code == 0 and "CPI: 13 months" in output and "142.7" in output
    assert run_json("indices", "list", "--series", "RPI") == []


def test_an_empty_list_says_how_to_import(database: Path) -> None:  # noqa: F811
    code, output = run("indices", "list")
    assert code == 0 and "pactline indices import" in output


def test_a_volumes_file_imports_and_lists_and_a_reimport_replaces(northwind: Path) -> None:
    code, output = run("volumes", "import", "MSA-2026-001", str(VOLUMES))
    assert code == 0, output
    assert "Imported 8 volumes into MSA-2026-001: 8 new, 0 replaced" in output
    again = run_json("volumes", "import", "MSA-2026-001", str(VOLUMES))
    assert (again["created"], again["updated"]) == (0, 8)
    rows = run_json("volumes", "list", "MSA-2026-001")
    assert len(rows) == 8 and rows[0]["item_id"] == "ports"
    code, output = run("volumes", "list", "MSA-2026-001")
    assert code == 0 and "8 volumes of MSA-2026-001" in output


def test_a_bad_file_prints_each_row_and_column_and_exits_1(northwind: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,period,quantity\nrouters,2026-01,3\nports,2026-02,-1\n")
    code, output = run("volumes", "import", "MSA-2026-001", str(bad))
    assert code == 1
    assert "row 2, column item_id" in output and "row 3, column quantity" in output
    assert run_json("volumes", "list", "MSA-2026-001") == []
    code, output = run("indices", "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read the file" in output


def test_one_volume_is_set_from_the_command_line(northwind: Path) -> None:
    code, output = run("volumes", "set", "MSA-2026-001", "ports", "2026-04", "2080")
    assert code == 0 and "MSA-2026-001 ports 2026-04: 2080 recorded" in output, output
    code, output = run("volumes", "set", "MSA-2026-001", "ports", "2026-04", "2090")
    assert code == 0 and "replaced" in output
    code, output = run("volumes", "set", "MSA-2026-001", "ports", "2026-04", "lots")
    assert code == 1 and "quantity: must be a number" in output
