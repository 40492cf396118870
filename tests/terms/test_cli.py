"""`pactline terms validate` and `pactline terms schema`, through the Typer sub-app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pactline.cli.terms import app
from pactline.terms.jsonschema import terms_json_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])

BROKEN = """\
pactline: 1
contract:
  reference: MSA-2026-001
  title: Managed network services
  kind: master
  our_role: customer
  counterparty: {name: Northwind Networks Ltd}
  currency: GBP
  colour: blue
term:
  start_on: 2026-01-01
  months: 36
renewal:
  kind: automatic
  term_months: 12
  notice:
    period: 40
    unit: months
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_validating_good_files_says_each_is_valid_and_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", *map(str, FILES)])
    assert result.exit_code == 0, result.output
    for path in FILES:
        assert f"✓ {path}: valid" in result.output.splitlines()
    assert f"{len(FILES)} valid, 0 invalid" in result.output


def test_validating_a_bad_file_lists_every_problem_with_path_and_line_and_exits_1(
    runner: CliRunner, broken: Path
) -> None:
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{broken}: contract.colour: unknown field (line 9)",
        f"{broken}: renewal.notice.period: must be less than the term (line 17)",
    ]


def test_a_mix_of_good_and_bad_files_reports_both_and_exits_1(
    runner: CliRunner, broken: Path
) -> None:
    good = EXAMPLES / "northwind-msa.yaml"
    result = runner.invoke(app, ["validate", str(good), str(broken)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"✓ {good}: valid" in lines
    assert f"{broken}: contract.colour: unknown field (line 9)" in lines
    assert lines[-1] == "1 valid, 1 invalid"


def test_long_problem_lines_are_not_wrapped_so_they_stay_greppable(
    runner: CliRunner, tmp_path: Path
) -> None:
    deep = tmp_path / ("a-rather-long-directory-name-" * 4)
    deep.mkdir()
    path = deep / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)], terminal_width=40)
    assert f"{path}: contract.colour: unknown field (line 9)" in result.output.splitlines()


def test_a_missing_file_is_reported_as_a_problem_not_a_crash(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["validate", str(missing)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{missing}: cannot read the file: No such file or directory"
    ]


def test_json_output_is_a_machine_readable_list_of_files_and_issues(
    runner: CliRunner, broken: Path
) -> None:
    good = EXAMPLES / "contoso-bpo-evergreen.json"
    result = runner.invoke(app, ["validate", "--json", str(good), str(broken)])
    assert result.exit_code == 1
    assert json.loads(result.output) == [
        {"file": str(good), "valid": True, "issues": []},
        {
            "file": str(broken),
            "valid": False,
            "issues": [
                {
                    "source": str(broken),
                    "path": "contract.colour",
                    "line": 9,
                    "message": "unknown field",
                },
                {
                    "source": str(broken),
                    "path": "renewal.notice.period",
                    "line": 17,
                    "message": "must be less than the term",
                },
            ],
        },
    ]


def test_json_output_for_good_files_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--json", str(FILES[0])])
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["valid"] is True


def test_a_document_can_be_validated_from_standard_input(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "-"], input=BROKEN)
    assert result.exit_code == 1
    assert "<stdin>: contract.colour: unknown field (line 9)" in result.output.splitlines()


def test_validate_needs_at_least_one_file(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2


def test_schema_prints_the_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == terms_json_schema()


def test_schema_writes_the_json_schema_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "terms.schema.json"
    result = runner.invoke(app, ["schema", "--output", str(target)])
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == terms_json_schema()
    assert f"wrote the terms JSON Schema to {target}" in result.output


def test_the_sub_app_explains_itself(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "validate" in result.output
    assert "schema" in result.output
