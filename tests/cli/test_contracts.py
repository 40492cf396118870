"""`pactline contracts`: the real commands against their own SQLite file, as an operator runs
them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pactline.cli.main import app
from pactline.core.config import get_settings
from tests.contracts.factories import terms_yaml

runner = CliRunner()

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])
OWNERS = ("liam.walsh", "maria.santos", "grace.okafor", "yuki.tanaka", "tom.becker")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PACTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PACTLINE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def database(cli_env: Path) -> Path:
    """A migrated database holding the users the example files name as owners."""
    assert run("db", "upgrade")[0] == 0
    for name in OWNERS:
        code, output = run("users", "create", name, "--role", "commercial")
        assert code == 0, output
    return cli_env


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_every_contracts_command_has_help() -> None:
    for command in ("import", "export", "list", "show", "dates"):
        code, output = run("contracts", command, "--help")
        assert code == 0, command
        assert "Usage" in output


# --- dates of a terms file --------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_dates_explains_every_example_file_without_a_database(cli_env: Path, path: Path) -> None:
    data = run_json("contracts", "dates", str(path), "--as-of", "2026-09-15")
    assert data["file"] == str(path)
    assert data["as_of"] == "2026-09-15"
    assert data["status"] in {"active", "not_started", "expiring", "renewed"}
    assert data["status_explanation"]
    assert data["initial_term_end"]["explanation"]
    assert data["dates"], "every file has dates"
    for item in data["dates"]:
        assert set(item) == {"kind", "label", "on", "explanation"}
        assert item["explanation"], item
    assert [d["on"] for d in data["dates"]] == sorted(d["on"] for d in data["dates"])
    assert not list(cli_env.iterdir()), "dates must not create a database"


def test_dates_follows_the_as_of_day(cli_env: Path) -> None:
    msa = str(EXAMPLES / "northwind-msa.yaml")
    early = run_json("contracts", "dates", msa, "--as-of", "2025-06-01")
    later = run_json("contracts", "dates", msa, "--as-of", "2026-06-01")
    assert early["status"] == "not_started" and later["status"] == "active"
    assert later["notice_deadline"]["on"] == "2028-08-23"
    amended = str(EXAMPLES / "northwind-msa-amendment-1.yaml")
    amendment = run_json("contracts", "dates", amended, "--as-of", "2027-06-01")
    assert amendment["notice_deadline"]["on"] == "2028-10-05"
    assert amendment["label"] == "Amendment No. 1"


def test_dates_prints_each_date_with_its_explanation(cli_env: Path) -> None:
    code, output = run(
        "contracts", "dates", str(EXAMPLES / "northwind-msa.yaml"), "--as-of", "2026-06-01"
    )
    assert code == 0, output
    assert "MSA-2026-001" in output
    assert "Status: active" in output
    assert "Next action: Notice deadline (non-renewal) by 2028-08-23" in output
    assert "2028-12-31 minus 90 business days in GB-ENG = 2028-08-23" in output


def test_dates_of_an_invalid_file_prints_every_issue_with_its_line(cli_env: Path) -> None:
    bad = write(
        cli_env,
        "bad.yaml",
        terms_yaml().replace("period: 90", "period: ninety").replace("months: 36", "months: 0"),
    )
    code, output = run("contracts", "dates", str(bad), "--json")
    assert code == 1
    assert f"{bad}: term.months: must be at least 1 (line 14)" in output
    assert f"{bad}: renewal.notice.period: must be a whole number (line 20)" in output
    assert "Traceback" not in output


def test_dates_of_a_missing_file_is_one_line(cli_env: Path) -> None:
    code, output = run("contracts", "dates", str(cli_env / "missing.yaml"))
    assert code == 1
    assert "missing.yaml: cannot read the file" in output


# --- import, list, show, export ---------------------------------------------------------


def test_the_examples_are_imported_listed_shown_and_exported(database: Path) -> None:
    code, output = run("contracts", "import", *map(str, EXAMPLE_FILES))
    assert code == 0, output
    assert "Created MSA-2026-001 (Managed network services) with 2 terms versions" in output
    assert "Created HOST-2026-007 (Managed hosting (private cloud))" in output
    assert (
        "Created BPO-2026-031 (Finance and accounting back office (business process outsourcing))"
        in output
    )
    assert "Imported 6 files: 5 created, 0 amended." in output

    listed = run_json("contracts", "list", "--as-of", "2026-06-01")
    assert [c["reference"] for c in listed] == [
        "BPO-2025-014",
        "BPO-2026-031",
        "HOST-2026-007",
        "MSA-2026-001",
        "MSA-2026-001/SOW-01",
    ]
    assert {c["status"] for c in listed} == {"active"}
    assert [c["reference"] for c in run_json("contracts", "list", "--owner", "yuki.tanaka")] == [
        "BPO-2025-014",
        "BPO-2026-031",
    ]
    assert [c["reference"] for c in run_json("contracts", "list", "--our-role", "supplier")] == [
        "BPO-2025-014",
        "BPO-2026-031",
    ]
    code, table = run("contracts", "list", "--as-of", "2026-06-01")
    assert code == 0 and "5 contracts as of 2026-06-01" in table

    shown = run_json("contracts", "show", "MSA-2026-001", "--as-of", "2027-06-01")
    assert [v["label"] for v in shown["contract"]["versions"]] == [
        "Original agreement",
        "Amendment No. 1",
    ]
    assert shown["key_dates"]["terms_version"] == 2
    assert shown["key_dates"]["notice_deadline"]["on"] == "2028-10-05"
    code, page = run("contracts", "show", "MSA-2026-001", "--as-of", "2027-06-01")
    assert code == 0, page
    assert "Amendment No. 1" in page and "Service desk" not in page
    assert "2028-12-31 minus 60 business days in GB-ENG = 2028-10-05" in page

    code, text = run("contracts", "export", "--as-of", "2026-06-01", "--search", "northwind")
    assert code == 0, text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Reference"] for r in rows] == ["MSA-2026-001", "MSA-2026-001/SOW-01"]
    assert rows[0]["Notice deadline"] == "2028-08-23"

    target = database / "portfolio.xlsx"
    code, output = run("contracts", "export", "--format", "xlsx", "--output", str(target))
    assert code == 0, output
    sheet = load_workbook(target)["Portfolio"]
    assert [r[0] for r in sheet.iter_rows(values_only=True)][1:] == [
        "BPO-2025-014",
        "BPO-2026-031",
        "HOST-2026-007",
        "MSA-2026-001",
        "MSA-2026-001/SOW-01",
    ]
    csv_file = database / "portfolio.csv"
    assert run("contracts", "export", "-o", str(csv_file))[0] == 0
    assert csv_file.read_bytes().startswith("\ufeffReference,".encode())


def test_import_json_says_what_was_created_and_what_was_amended(database: Path) -> None:
    first = run_json("contracts", "import", str(EXAMPLES / "northwind-msa.yaml"))
    assert first["created"] == ["MSA-2026-001"] and first["amended"] == []
    assert first["contracts"][0]["versions"][0]["source_format"] == "yaml"
    second = run_json("contracts", "import", str(EXAMPLES / "northwind-msa-amendment-1.yaml"))
    assert second["created"] == [] and second["amended"] == ["MSA-2026-001"]
    code, output = run("contracts", "import", str(EXAMPLES / "contoso-bpo-evergreen.json"))
    assert code == 0 and "Created BPO-2025-014" in output
    bpo = run_json("contracts", "show", "BPO-2025-014")["contract"]
    assert bpo["versions"][0]["source_format"] == "json"


def test_an_amendment_import_prints_the_new_version(database: Path) -> None:
    run("contracts", "import", str(EXAMPLES / "northwind-msa.yaml"))
    code, output = run("contracts", "import", str(EXAMPLES / "northwind-msa-amendment-1.yaml"))
    assert code == 0, output
    assert "Amended MSA-2026-001: version 2 (Amendment No. 1), effective 2027-04-01" in output
    assert "0 created, 1 amended" in output


def test_an_import_with_one_bad_file_reports_every_problem_and_stores_nothing(
    database: Path,
) -> None:
    bad = write(
        database,
        "bad.yaml",
        terms_yaml("BAD-1")
        .replace("period: 90", "period: ninety")
        .replace("months: 36", "months: 0"),
    )
    broken = write(database, "broken.json", '{"pactline": 1,\n "contract": {,\n}')
    code, output = run(
        "contracts", "import", str(EXAMPLES / "northwind-msa.yaml"), str(bad), str(broken)
    )
    assert code == 1
    assert f"{bad}: term.months: must be at least 1 (line 14)" in output
    assert f"{bad}: renewal.notice.period: must be a whole number (line 20)" in output
    assert f"{broken}: invalid JSON" in output and "(line 2)" in output
    assert "error: 2 of 3 files are not valid; nothing was imported" in output
    assert "Traceback" not in output
    assert run_json("contracts", "list") == []


def test_an_import_the_repository_refuses_stores_nothing(database: Path) -> None:
    assert run("contracts", "import", str(EXAMPLES / "northwind-msa.yaml"))[0] == 0
    code, output = run(
        "contracts",
        "import",
        str(EXAMPLES / "contoso-bpo-evergreen.json"),
        str(EXAMPLES / "northwind-msa.yaml"),
    )
    assert code == 1
    assert "northwind-msa.yaml: contract.reference: a contract with reference" in output
    assert "error: nothing was imported" in output
    assert [c["reference"] for c in run_json("contracts", "list")] == ["MSA-2026-001"]


def test_an_import_naming_unknown_owners_is_refused_naming_the_field(cli_env: Path) -> None:
    run("db", "upgrade")
    code, output = run("contracts", "import", str(EXAMPLES / "northwind-msa.yaml"))
    assert code == 1
    assert "contract.owners.account_manager: no user named 'liam.walsh'" in output
    assert run_json("contracts", "list") == []


def test_a_terms_file_without_owners_needs_no_users(cli_env: Path) -> None:
    run("db", "upgrade")
    path = write(cli_env, "plain.yaml", terms_yaml("MSA-PLAIN"))
    assert run("contracts", "import", str(path))[0] == 0
    assert run_json("contracts", "show", "MSA-PLAIN")["contract"]["account_manager"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("contracts", "show", "NOPE"), "error: no contract with reference 'NOPE'"),
        (("contracts", "export", "--format", "xlsx"), "error: an xlsx export is a binary file"),
        (("contracts", "list", "--status", "dormant"), "Invalid value"),
        (("contracts", "list", "--as-of", "soon"), "Invalid value"),
        (("contracts", "import", "missing.yaml"), "missing.yaml: cannot read the file"),
    ],
)
def test_contracts_errors_are_clear_and_exit_non_zero(
    cli_env: Path, args: tuple[str, ...], message: str
) -> None:
    run("db", "upgrade")
    code, output = run(*args)
    assert code != 0
    assert message in output
    assert "Traceback" not in output
