"""`pactline measurements` and `pactline service-levels`: the real commands on their own SQLite
file, from importing a month's figures to an applied credit."""

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
MEASUREMENTS = EXAMPLES / "measurements" / "northwind-msa.csv"


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


def test_every_service_levels_command_has_help() -> None:
    for group, command in [
        ("measurements", "import"),
        ("measurements", "compute"),
        ("measurements", "list"),
        ("service-levels", "evaluate"),
        ("service-levels", "scorecard"),
        ("service-levels", "credits"),
        ("service-levels", "set-credit-status"),
        ("service-levels", "exclusions"),
        ("service-levels", "request-exclusion"),
        ("service-levels", "decide-exclusion"),
    ]:
        code, output = run(group, command, "--help")
        assert code == 0, (group, command)
        assert "Usage" in output


def test_a_month_imported_evaluated_and_applied_from_the_command_line(northwind: Path) -> None:
    code, output = run("measurements", "import", "MSA-2026-001", str(MEASUREMENTS))
    assert code == 0, output
    assert "Imported 18 measurements into MSA-2026-001: 18 new, 0 replaced" in output

    code, output = run("service-levels", "evaluate", "MSA-2026-001", "--period", "2026-06")
    assert code == 0, output
    assert "pool 60% × allocation 25% × at-risk amount GBP 30,000.00 = GBP 4,500.00" in output

    document = run_json("service-levels", "evaluate", "MSA-2026-001", "--period", "2026-06")
    assert document["service_credits"]["total"] == "4500.00"
    assert {m["id"] for m in document["service_levels"]} == {
        "availability",
        "p1_resolution",
        "change_success",
    }

    credits = run_json("service-levels", "credits", "MSA-2026-001")
    assert [c["period"] for c in credits][-1] == "2026-06"
    assert run("service-levels", "set-credit-status", "MSA-2026-001", "2026-06", "agreed")[0] == 0
    code, output = run("service-levels", "set-credit-status", "MSA-2026-001", "2026-06", "applied")
    assert code == 1
    assert "invoice_reference: required" in output
    code, output = run(
        "service-levels",
        "set-credit-status",
        "MSA-2026-001",
        "2026-06",
        "applied",
        "--invoice",
        "NW-0712",
    )
    assert code == 0, output
    assert run_json("service-levels", "credits", "MSA-2026-001")[-1]["status"] == "applied"


def test_a_bad_measurements_file_prints_every_row_and_column_and_stores_nothing(
    northwind: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("measure_id,period,value\navailability,2026-01,high\nuptime,2026-02,99\n")
    code, output = run("measurements", "import", "MSA-2026-001", str(bad))
    assert code == 1
    assert f"{bad}: row 2, column value: must be a number (found 'high')" in output
    assert f"{bad}: row 3, column measure_id: no measure 'uptime'" in output
    assert "Traceback" not in output
    assert run_json("measurements", "list", "MSA-2026-001") == []


def test_an_exclusion_requested_and_approved_changes_the_credit(northwind: Path) -> None:
    run("measurements", "import", "MSA-2026-001", str(MEASUREMENTS))
    run("service-levels", "evaluate", "MSA-2026-001", "--period", "2026-06")
    code, output = run(
        "service-levels",
        "request-exclusion",
        "MSA-2026-001",
        "--measure",
        "availability",
        "--period",
        "2026-06",
        "--whole-period",
        "--reason",
        "Monitoring outage at the customer's site",
    )
    assert code == 0, output
    (exclusion,) = run_json("service-levels", "exclusions", "MSA-2026-001")
    code, output = run(
        "service-levels",
        "decide-exclusion",
        "MSA-2026-001",
        str(exclusion["id"]),
        "--approve",
        "--note",
        "Agreed at the operational review",
    )
    assert code == 0, output
    assert "2026-06: credit 4,500.00 → 0.00" in output


def test_the_scorecard_prints_one_row_per_measure(northwind: Path) -> None:
    run("measurements", "import", "MSA-2026-001", str(MEASUREMENTS))
    code, output = run("service-levels", "scorecard", "MSA-2026-001")
    assert code == 0, output
    for measure in ("availability", "p1_resolution", "change_success"):
        assert measure in output
    card = run_json("service-levels", "scorecard", "MSA-2026-001")
    assert len(card["months"]) == 6


def test_an_unknown_contract_is_one_clear_line(northwind: Path) -> None:
    code, output = run("service-levels", "evaluate", "NOPE-1", "--period", "2026-06")
    assert code == 1
    assert "NOPE-1" in output
    assert "Traceback" not in output
