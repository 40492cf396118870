"""`pactline invoices`, `statements`, `leakage` and `disputes`: the real commands on their own
SQLite file, from the example contract and its files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pactline.cli.main import app
from tests.cli.test_contracts import cli_env, database  # noqa: F401 - shared fixtures

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
INVOICE = EXAMPLES / "invoices" / "northwind-msa-2026-04.csv"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def northwind(database: Path) -> Path:  # noqa: F811 - the fixture above
    steps = [
        (
            "contracts",
            "import",
            str(EXAMPLES / "northwind-msa.yaml"),
            str(EXAMPLES / "northwind-msa-amendment-1.yaml"),
        ),
        ("volumes", "import", "MSA-2026-001", str(EXAMPLES / "volumes" / "northwind-msa.csv")),
        ("indices", "import", str(EXAMPLES / "indices" / "cpi.csv")),
        (
            "measurements",
            "import",
            "MSA-2026-001",
            str(EXAMPLES / "measurements" / "northwind-msa.csv"),
        ),
        ("service-levels", "evaluate", "MSA-2026-001", "--period", "2026-04"),
    ]
    for step in steps:
        code, output = run(*step)
        assert code == 0, (step, output)
    return database


def test_every_invoices_command_has_help() -> None:
    for args in [
        ("invoices", "import"),
        ("invoices", "validate"),
        ("invoices", "list"),
        ("invoices", "show"),
        ("invoices", "findings"),
        ("invoices", "set-finding-status"),
        ("invoices", "delete"),
        ("statements", "show"),
        ("leakage",),
        ("disputes", "list"),
        ("disputes", "open"),
        ("disputes", "update"),
        ("disputes", "resolve"),
        ("disputes", "withdraw"),
    ]:
        code, output = run(*args, "--help")
        assert code == 0 and "Usage" in output, args


def test_an_invoice_imports_shows_its_findings_and_validates_again(northwind: Path) -> None:
    code, output = run("invoices", "import", "MSA-2026-001", str(INVOICE))
    assert code == 0, output
    assert "Imported 1 invoice into MSA-2026-001" in output and "NW-INV-2026-0412" in output
    code, output = run("invoices", "show", "MSA-2026-001", "NW-INV-2026-0412")
    assert code == 0, output
    assert "Rate differs from the rate card" in output and "GBP 90.00" in output
    findings = run_json("invoices", "findings", "--status", "open")
    assert sorted(f["type"] for f in findings) == [
        "arc_rrc",
        "missing_service_credit",
        "rate_mismatch",
    ]
    code, output = run("invoices", "validate", "MSA-2026-001", "NW-INV-2026-0412")
    assert code == 0 and "3 findings at stake (GBP 14,300.00); 0 new" in output, output
    code, output = run("invoices", "import", "MSA-2026-001", str(INVOICE))
    assert code == 1 and "already stored" in output


def test_the_statement_of_a_month_prints_its_lines(northwind: Path) -> None:
    code, output = run("statements", "show", "MSA-2026-001", "--period", "2026-04")
    assert code == 0, output
    assert "managed_service" in output and "service_credits" in output
    statement = run_json("statements", "show", "MSA-2026-001", "--period", "2026-04")
    assert statement["period"] == "2026-04" and statement["terms_version"] == 1


def test_leakage_prints_totals_and_exports_the_findings(northwind: Path, tmp_path: Path) -> None:
    run("invoices", "import", "MSA-2026-001", str(INVOICE))
    code, output = run("leakage")
    assert code == 0 and "GBP 14,300.00 at stake in 3 findings" in output, output
    target = tmp_path / "leakage.xlsx"
    code, output = run("leakage", "--export", str(target))
    assert code == 0 and "Wrote 3 findings" in output
    sheet = load_workbook(target).active
    assert sheet is not None and sheet.max_row == 4
    code, output = run("leakage", "--export", str(tmp_path / "leakage.pdf"))
    assert code == 1 and ".csv or .xlsx" in output


def test_a_finding_is_disputed_and_resolved_from_the_command_line(northwind: Path) -> None:
    run("invoices", "import", "MSA-2026-001", str(INVOICE))
    (rate,) = run_json("invoices", "findings", "--type", "rate_mismatch")
    code, output = run(
        "disputes", "open", "MSA-2026-001", "--finding", str(rate["id"]), "--position", "Year 1"
    )
    assert code == 0 and "open, GBP 90.00 at stake" in output, output
    (dispute,) = run_json("disputes", "list", "--open")
    code, output = run(
        "disputes",
        "resolve",
        str(dispute["id"]),
        "--outcome",
        "settled",
        "--resolution",
        "Half",
        "--settled-amount",
        "45",
    )
    assert code == 0 and "resolved" in output, output
    code, output = run("invoices", "set-finding-status", str(rate["id"]), "recovered")
    assert code == 0 and "is now recovered" in output


def test_deliveries_import_and_put_the_milestone_and_delay_on_may_s_statement(
    northwind: Path,
) -> None:
    deliveries = EXAMPLES / "deliveries" / "northwind-msa.csv"
    code, output = run("deliveries", "import", "MSA-2026-001", str(deliveries))
    assert code == 0 and "Imported 3 delivery events into MSA-2026-001: 3 new" in output, output
    assert len(run_json("deliveries", "list", "MSA-2026-001")) == 3
    statement = run_json("statements", "show", "MSA-2026-001", "--period", "2026-05")
    amounts = {line["id"]: line["amount"] for line in statement["lines"]}
    assert amounts["migration"] == "108000.00" and amounts["migration_delay"] == "-2400.00"


def test_every_invoice_of_a_contract_is_validated_again_without_a_number(northwind: Path) -> None:
    run("invoices", "import", "MSA-2026-001", str(INVOICE))
    code, output = run("invoices", "validate", "MSA-2026-001")
    assert code == 0 and "NW-INV-2026-0412: 3 findings at stake" in output, output
    (outcome,) = run_json("invoices", "validate", "MSA-2026-001")
    assert outcome["raised"] == 0 and outcome["invoice"]["number"] == "NW-INV-2026-0412"
