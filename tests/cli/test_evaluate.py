"""`pactline evaluate`: one month's service levels and credits from files, as a script runs it.

The figures are worked out here from the example terms and measurements (the clause's formula
applied to the file's numbers), not copied from an earlier run, so a test fails when the
engine's arithmetic drifts from the contract's.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook
from typer.testing import CliRunner, Result

from pactline.cli.main import app
from pactline.core.config import get_settings
from pactline.terms import load_terms_file
from tests.contracts.factories import terms_yaml

runner = CliRunner()

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MEASUREMENTS = EXAMPLES / "measurements"
EXAMPLE_FILES = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])
WITH_SERVICE_LEVELS = [p for p in EXAMPLE_FILES if load_terms_file(p).service_levels is not None]
NORTHWIND = EXAMPLES / "northwind-msa.yaml"
NORTHWIND_CSV = MEASUREMENTS / "northwind-msa.csv"

STATUSES = {"met", "expected_miss", "minimum_miss", "not_reported", "excluded"}
CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory of its own: the command must leave it empty."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("PACTLINE_DATA_DIR", str(data))
    monkeypatch.delenv("PACTLINE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()
    assert not list(data.iterdir()), "evaluate must not create a database"


# --- helpers ------------------------------------------------------------------------------


def measurements_of(terms: Path) -> Path:
    return MEASUREMENTS / f"{terms.stem}.csv"


def invoke(*args: str) -> Result:
    return runner.invoke(app, ["evaluate", *args])


def evaluate_json(terms: Path, period: str, measurements: Path, *extra: str) -> dict[str, Any]:
    args = [str(terms), "--period", period, "--measurements", str(measurements), *extra]
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def failure(*args: str) -> str:
    """The one line a refused run prints on stderr (nothing on stdout, exit 1)."""
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def raw_terms(path: Path) -> dict[str, Any]:
    """The terms file as plain data, to read the clause's numbers from."""
    text = path.read_text()
    data: dict[str, Any] = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return data


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text().splitlines()))


def reported(path: Path, measure_id: str, period: str) -> str:
    """The value cell of one row of a measurements file ("" when not reported)."""
    for row in rows_of(path):
        if row["measure_id"] == measure_id and row["period"] == period:
            return row["value"]
    raise AssertionError(f"no row {measure_id} {period} in {path}")


def periods_in(path: Path) -> list[str]:
    return sorted({row["period"] for row in rows_of(path)})


def measure(doc: dict[str, Any], measure_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in doc["service_levels"] if m["id"] == measure_id)
    return found


def terms_measure(terms: dict[str, Any], measure_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        m for m in terms["service_levels"]["measures"] if m["id"] == measure_id
    )
    return found


def dec(value: object) -> Decimal:
    return Decimal(str(value))


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue())
    return path


_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def assert_decimal_text(value: object, where: str) -> None:
    assert isinstance(value, str), f"{where}: {value!r} is not a string"
    assert _DECIMAL_TEXT.fullmatch(value), f"{where}: {value!r} is not a plain decimal"
    assert Decimal(value).is_finite(), where


def assert_documented_shape(doc: object) -> None:
    """Exactly the keys and types docs/evaluate.md documents, nothing more."""
    assert isinstance(doc, dict)
    assert set(doc) == {"contract", "period", "currency", "service_levels", "service_credits"}
    assert isinstance(doc["contract"], str) and doc["contract"]
    assert isinstance(doc["period"], str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}", doc["period"])
    assert isinstance(doc["currency"], str) and re.fullmatch(r"[A-Z]{3}", doc["currency"])
    levels = doc["service_levels"]
    assert isinstance(levels, list) and levels
    for item in levels:
        assert isinstance(item, dict)
        where = f"service_levels[{item.get('id')}]"
        assert set(item) == {
            "id",
            "type",
            "actual",
            "status",
            "default",
            "credit",
            "explanation",
        }, where
        assert isinstance(item["id"], str) and item["id"], where
        assert item["type"] in {"critical", "key"}, where
        if item["actual"] is not None:
            assert_decimal_text(item["actual"], f"{where}.actual")
        assert item["status"] in STATUSES, where
        assert isinstance(item["default"], bool), where
        assert_decimal_text(item["credit"], f"{where}.credit")
        assert isinstance(item["explanation"], list) and item["explanation"], where
        assert all(isinstance(line, str) and line for line in item["explanation"]), where
    credits = doc["service_credits"]
    assert isinstance(credits, dict)
    assert set(credits) == {"uncapped", "cap", "total", "explanation"}
    assert_decimal_text(credits["uncapped"], "service_credits.uncapped")
    if credits["cap"] is not None:
        assert_decimal_text(credits["cap"], "service_credits.cap")
    assert_decimal_text(credits["total"], "service_credits.total")
    assert isinstance(credits["explanation"], list) and credits["explanation"]
    assert all(isinstance(line, str) and line for line in credits["explanation"])


# --- every example ------------------------------------------------------------------------


def test_the_examples_with_service_levels_each_have_a_measurements_file() -> None:
    assert len(WITH_SERVICE_LEVELS) >= 4
    for path in WITH_SERVICE_LEVELS:
        assert measurements_of(path).is_file(), path.name


EXAMPLE_MONTHS = [
    (path, period) for path in WITH_SERVICE_LEVELS for period in periods_in(measurements_of(path))
]


@pytest.mark.parametrize(
    ("path", "period"), EXAMPLE_MONTHS, ids=[f"{p.stem}-{m}" for p, m in EXAMPLE_MONTHS]
)
def test_every_month_of_every_example_gives_the_documented_json(path: Path, period: str) -> None:
    doc = evaluate_json(path, period, measurements_of(path))
    assert_documented_shape(doc)
    terms = load_terms_file(path)
    assert doc["contract"] == terms.contract.reference
    assert doc["currency"] == terms.contract.currency
    assert doc["period"] == period
    assert terms.service_levels is not None
    assert [m["id"] for m in doc["service_levels"]] == [m.id for m in terms.service_levels.measures]
    credits = doc["service_credits"]
    total, uncapped = Decimal(credits["total"]), Decimal(credits["uncapped"])
    if credits["cap"] is not None:
        assert total <= Decimal(credits["cap"]), "credits never exceed the cap"
    assert sum(Decimal(m["credit"]) for m in doc["service_levels"]) == total, "parts add up"
    assert total <= uncapped
    for item in doc["service_levels"]:
        if item["type"] == "key":
            assert Decimal(item["credit"]) == 0 and item["default"] is False, item["id"]
        if item["status"] in {"met", "excluded"}:
            assert Decimal(item["credit"]) == 0, item["id"]


@pytest.mark.parametrize("path", WITH_SERVICE_LEVELS, ids=[p.name for p in WITH_SERVICE_LEVELS])
def test_the_report_shows_the_contract_the_measures_and_the_total(path: Path) -> None:
    period = periods_in(measurements_of(path))[-1]
    doc = evaluate_json(path, period, measurements_of(path))
    result = invoke(str(path), "--period", period, "--measurements", str(measurements_of(path)))
    assert result.exit_code == 0, result.output
    assert doc["contract"] in result.stdout
    for item in doc["service_levels"]:
        assert item["id"] in result.stdout
    total = next(
        line
        for line in doc["service_credits"]["explanation"]
        if line.startswith("Total service credits for ")
    )
    assert total in result.stdout


def test_every_example_has_service_levels() -> None:
    assert WITH_SERVICE_LEVELS == EXAMPLE_FILES


def test_a_terms_file_without_service_levels_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "no-service-levels.yaml"
    path.write_text(terms_yaml("MSA-T-001"))
    line = failure(str(path), "--period", "2026-06", "--measurements", str(NORTHWIND_CSV))
    assert line == f"{path}: service_levels: the terms have no service_levels section to evaluate"


# --- the figures, worked out from the contract ----------------------------------------------


def test_a_missing_availability_report_costs_its_pool_share_of_the_at_risk_amount() -> None:
    terms = raw_terms(NORTHWIND)
    section = terms["service_levels"]
    charge = dec(section["charge_base"]["amount"])
    at_risk = dec(section["credits"]["at_risk_pct"]) / 100 * charge
    availability = terms_measure(terms, "availability")
    category = next(
        c for c in section["credits"]["categories"] if c["name"] == availability["category"]
    )
    pool, allocation = dec(category["pool_pct"]), dec(availability["allocation_pct"])
    expected = pool / 100 * allocation / 100 * at_risk
    assert reported(NORTHWIND_CSV, "availability", "2026-06") == ""
    assert money(expected) == "4500.00"

    doc = evaluate_json(NORTHWIND, "2026-06", NORTHWIND_CSV)
    result = measure(doc, "availability")
    assert result["actual"] is None
    assert result["status"] == "not_reported"
    assert result["default"] is True, "deemed failed counts as a minimum-level miss: a default"
    assert result["credit"] == money(expected)
    assert result["explanation"][-1] == (
        "Credit = category 'availability' pool 60% × allocation 25% × at-risk amount "
        "GBP 30,000.00 = GBP 4,500.00"
    )
    assert measure(doc, "p1_resolution")["status"] == "met"
    assert doc["service_credits"] == {
        "uncapped": "4500.00",
        "cap": money(at_risk),
        "total": "4500.00",
        "explanation": doc["service_credits"]["explanation"],
    }
    assert doc["currency"] == "GBP"


def test_a_per_step_credit_counts_each_step_or_part_of_a_step_of_the_shortfall() -> None:
    terms = raw_terms(NORTHWIND)
    charge = dec(terms["service_levels"]["charge_base"]["amount"])
    p1 = terms_measure(terms, "p1_resolution")
    model = p1["credit"]
    actual = dec(reported(NORTHWIND_CSV, "p1_resolution", "2026-03"))
    steps = math.ceil((dec(p1["expected"]) - actual) / dec(model["step_size"]))
    credit_pct = min(steps * dec(model["pct_per_step"]), dec(model["max_credit_pct"]))
    p1_credit = credit_pct / 100 * charge
    assert (actual, steps, money(p1_credit)) == (Decimal("88.5"), 7, "8750.00")

    doc = evaluate_json(NORTHWIND, "2026-03", NORTHWIND_CSV)
    result = measure(doc, "p1_resolution")
    assert result["status"] == "minimum_miss" and result["default"] is True
    assert result["actual"] == "88.5"
    assert result["credit"] == money(p1_credit)
    steps_line = "Steps = 6.5 ÷ 1 = 6.5; each step or part of a step counts: 7 steps"
    assert steps_line in result["explanation"]
    availability = measure(doc, "availability")
    assert availability["status"] == "minimum_miss" and availability["credit"] == "4500.00"
    assert doc["service_credits"]["uncapped"] == money(p1_credit + Decimal("4500.00"))
    assert doc["service_credits"]["total"] == "13250.00"


def _band(bands: list[dict[str, Any]], actual: Decimal) -> dict[str, Any]:
    """The band an actual falls in: lower inclusive and upper exclusive unless they say not."""
    for band in bands:
        lower, upper = band.get("lower"), band.get("upper")
        above = lower is None or (
            actual >= dec(lower) if band.get("lower_inclusive", True) else actual > dec(lower)
        )
        below = upper is None or (
            actual <= dec(upper) if band.get("upper_inclusive", False) else actual < dec(upper)
        )
        if above and below:
            return band
    raise AssertionError(f"no band for {actual}")


def test_service_points_double_on_a_repeat_failure_and_are_worth_a_percent_each() -> None:
    path = EXAMPLES / "tailspin-hosting-service-points.yaml"
    data = measurements_of(path)
    terms = raw_terms(path)
    charge = dec(terms["service_levels"]["charge_base"]["amount"])
    platform = terms_measure(terms, "platform_availability")
    restore = terms_measure(terms, "p1_restore_time")
    february = dec(reported(data, "platform_availability", "2026-02"))
    march = dec(reported(data, "platform_availability", "2026-03"))
    assert february < dec(platform["expected"]) and march < dec(platform["expected"])
    points = _band(platform["credit"]["bands"], march)["points"]
    points *= platform["credit"]["repeat_multiplier"]  # February failed too
    platform_credit = points * dec(platform["credit"]["value_per_point_pct"]) / 100 * charge
    hours = dec(reported(data, "p1_restore_time", "2026-03"))
    restore_points = _band(restore["credit"]["bands"], hours)["points"]
    restore_credit = restore_points * dec(restore["credit"]["value_per_point_pct"]) / 100 * charge
    assert (points, money(platform_credit), money(restore_credit)) == (4, "3600.00", "1800.00")

    doc = evaluate_json(path, "2026-03", data)
    assert measure(doc, "platform_availability")["credit"] == money(platform_credit)
    assert measure(doc, "platform_availability")["status"] == "expected_miss"
    assert measure(doc, "p1_restore_time")["credit"] == money(restore_credit)
    assert measure(doc, "p1_restore_time")["status"] == "minimum_miss"
    assert measure(doc, "backup_success")["status"] == "met"
    at_risk = dec(terms["service_levels"]["credits"]["at_risk_pct"]) / 100 * charge
    assert doc["service_credits"]["cap"] == money(at_risk)
    assert doc["service_credits"]["total"] == money(platform_credit + restore_credit)


def test_a_deferred_credit_is_earned_back_by_meeting_the_level_in_the_next_three_months() -> None:
    path = EXAMPLES / "tailspin-hosting-service-points.yaml"
    explanation = evaluate_json(path, "2026-06", measurements_of(path))["service_credits"][
        "explanation"
    ]
    assert any(
        line.startswith("Earnback: platform_availability: 2026-03 credit EUR 3,600.00, earned back")
        for line in explanation
    ), explanation


def test_the_annual_cap_leaves_what_the_earlier_months_have_not_used() -> None:
    path = EXAMPLES / "adatum-bpo-banded.json"
    data = measurements_of(path)
    terms = raw_terms(path)
    credits = terms["service_levels"]["credits"]
    charge = dec(terms["service_levels"]["charge_base"]["amount"])

    accuracy = terms_measure(terms, "invoice_accuracy")
    actual = dec(reported(data, "invoice_accuracy", "2026-05"))
    banded = dec(_band(accuracy["credit"]["bands"], actual)["credit_pct"]) / 100 * charge

    cycle = terms_measure(terms, "payment_cycle_time")
    model = cycle["credit"]
    run = 0
    for month in ("2026-05", "2026-04", "2026-03", "2026-02", "2026-01"):
        if dec(reported(data, "payment_cycle_time", month)) <= dec(cycle["target"]):
            break  # lower is better: at or under the target is met
        run += 1
    rises = max(0, run - model["after_failures"])
    escalated_pct = min(dec(model["base_pct"]) + rises * dec(model["step_pct"]), model["max_pct"])
    escalated = escalated_pct / 100 * charge
    assert (money(banded), run, money(escalated)) == ("12000.00", 4, "6000.00")

    earlier = ["2026-01", "2026-02", "2026-03", "2026-04"]
    used = sum(Decimal(evaluate_json(path, m, data)["service_credits"]["total"]) for m in earlier)
    annual = credits["annual_cap"]
    room = dec(annual["pct"]) / 100 * charge * (len(earlier) + 1) - used
    period_cap = dec(credits["period_cap"]["pct"]) / 100 * charge
    assert room < period_cap, "the annual cap is the lower of the two here"
    assert room < banded + escalated, "and it binds"

    doc = evaluate_json(path, "2026-05", data)
    totals = doc["service_credits"]
    assert totals["uncapped"] == money(banded + escalated)
    assert totals["cap"] == money(room)
    assert totals["total"] == money(room)
    # Shares of the capped total, in proportion; the last takes the remainder.
    first = (room * banded / (banded + escalated)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert measure(doc, "invoice_accuracy")["credit"] == str(first)
    assert measure(doc, "payment_cycle_time")["credit"] == money(room - first)
    assert any("excess USD 8,000.00 is discarded" in line for line in totals["explanation"])


def test_a_termination_trigger_reached_is_a_red_flag_in_the_credits_explanation() -> None:
    path = EXAMPLES / "adatum-bpo-banded.json"
    doc = evaluate_json(path, "2026-04", measurements_of(path))
    flags = [
        line
        for line in doc["service_credits"]["explanation"]
        if line.startswith("Red flag (termination trigger): ")
    ]
    assert flags == [
        "Red flag (termination trigger): payment_cycle_time: 3 defaults within the 6 periods "
        "2025-11 to 2026-04 (2026-02, 2026-03 and 2026-04); the trigger is 3"
    ]


def test_a_quarterly_measure_is_excluded_until_its_quarter_ends_then_averages_it() -> None:
    path = EXAMPLES / "adatum-bpo-banded.json"
    data = measurements_of(path)
    february = measure(evaluate_json(path, "2026-02", data), "customer_satisfaction")
    assert february["status"] == "excluded" and february["actual"] is None
    not_due = "Measured quarterly: not due in 2026-02; the quarter ends in 2026-03"
    assert not_due in february["explanation"]
    quarter = [dec(reported(data, "customer_satisfaction", m)) for m in ("2026-01", "2026-02")]
    quarter.append(dec(reported(data, "customer_satisfaction", "2026-03")))
    march = measure(evaluate_json(path, "2026-03", data), "customer_satisfaction")
    assert Decimal(march["actual"]) == sum(quarter) / 3
    assert march["status"] == "met"


# --- options ------------------------------------------------------------------------------


def test_the_charge_base_option_replaces_the_terms_charge_base() -> None:
    doc = evaluate_json(NORTHWIND, "2026-06", NORTHWIND_CSV, "--charge-base", "100000")
    # pool 60% × allocation 25% × at-risk (12% × 100,000.00)
    assert measure(doc, "availability")["credit"] == money(
        Decimal("0.60") * Decimal("0.25") * Decimal("0.12") * 100000
    )
    assert doc["service_credits"]["cap"] == "12000.00"
    assert doc["service_credits"]["total"] == "1800.00"
    assert doc["service_credits"]["explanation"][0] == (
        "Charge base (service level invoice amount) for June 2026: GBP 100,000.00"
    )


def test_the_charge_base_option_applies_to_the_history_too() -> None:
    path = EXAMPLES / "adatum-bpo-banded.json"
    # The annual cap is 3% of the charges of every month so far, each at the given base.
    doc = evaluate_json(path, "2026-03", measurements_of(path), "--charge-base", "100000.00")
    explanation = doc["service_credits"]["explanation"]
    assert any(
        "Annual cap: 3% × charges of 2026-01 to 2026-03 USD 300,000.00" in line
        for line in explanation
    ), explanation


def test_terms_without_a_charge_base_need_the_option(tmp_path: Path) -> None:
    text = re.sub(
        r"  charge_base:\n    amount: .*\n    note: .*\n", "", NORTHWIND.read_text(), count=1
    )
    assert "charge_base" not in text
    terms = tmp_path / "no-charge-base.yaml"
    terms.write_text(text)
    line = failure(str(terms), "--period", "2026-06", "--measurements", str(NORTHWIND_CSV))
    assert line == (
        f"{terms}: service_levels.charge_base: no charge base; give "
        "service_levels.charge_base.amount in the terms or --charge-base on the command line"
    )
    doc = evaluate_json(terms, "2026-06", NORTHWIND_CSV, "--charge-base", "250000.00")
    assert doc == evaluate_json(NORTHWIND, "2026-06", NORTHWIND_CSV)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1,000", "--charge-base: must be an amount, like 250000.00 (found '1,000')"),
        ("-5", "--charge-base: must be an amount, like 250000.00 (found '-5')"),
        ("100.005", "--charge-base: must have at most 2 decimal places in GBP"),
    ],
)
def test_a_bad_charge_base_is_one_clear_error(amount: str, message: str) -> None:
    args = [str(NORTHWIND), "--period", "2026-06", "--measurements", str(NORTHWIND_CSV)]
    assert failure(*args, f"--charge-base={amount}") == message


# --- the measurements file ------------------------------------------------------------------


@pytest.mark.parametrize("path", WITH_SERVICE_LEVELS, ids=[p.name for p in WITH_SERVICE_LEVELS])
def test_the_result_does_not_depend_on_the_order_of_rows_or_columns(
    path: Path, tmp_path: Path
) -> None:
    original = measurements_of(path)
    table = list(csv.reader(original.read_text().splitlines()))
    header, rows = table[0], table[1:]
    shuffled = rows[:]
    random.Random(20260601).shuffle(shuffled)
    assert shuffled != rows
    order = [2, 0, 1]  # value, measure_id, period
    reordered = [[row[i] for i in order] for row in reversed(rows)]
    variants = [
        write_csv(tmp_path / "shuffled.csv", header, shuffled),
        write_csv(tmp_path / "reordered.csv", [header[i] for i in order], reordered),
    ]
    for period in periods_in(original):
        expected = evaluate_json(path, period, original)
        for variant in variants:
            assert evaluate_json(path, period, variant) == expected, (variant.name, period)


def test_rows_after_the_period_do_not_change_its_result(tmp_path: Path) -> None:
    table = list(csv.reader(NORTHWIND_CSV.read_text().splitlines()))
    upto = [row for row in table[1:] if row[1] <= "2026-03"]
    cut = write_csv(tmp_path / "to-march.csv", table[0], upto)
    assert evaluate_json(NORTHWIND, "2026-03", cut) == evaluate_json(
        NORTHWIND, "2026-03", NORTHWIND_CSV
    )


def test_an_exclusion_with_an_adjusted_actual_is_assessed_on_the_adjusted_actual(
    tmp_path: Path,
) -> None:
    reason = "Approved emergency maintenance (CR-2291)"
    path = write_csv(
        tmp_path / "m.csv",
        ["measure_id", "period", "value", "exclusion_reason", "actual_after_exclusions"],
        [
            ["availability", "2026-06", "99.41", reason, "99.93"],
            ["p1_resolution", "2026-06", "97", "", ""],
        ],
    )
    result = measure(evaluate_json(NORTHWIND, "2026-06", path), "availability")
    assert result["status"] == "met" and result["actual"] == "99.93"
    assert result["credit"] == "0.00"
    assert (
        "Approved exclusion (Approved emergency maintenance (CR-2291)): reported 99.41% for "
        "2026-06; actual after exclusions 99.93%"
    ) in result["explanation"]


def test_an_exclusion_without_an_adjusted_actual_excludes_the_whole_month(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        ["measure_id", "period", "value", "exclusion_reason"],
        [["availability", "2026-06", "", "Force majeure: regional power failure"]],
    )
    doc = evaluate_json(NORTHWIND, "2026-06", path)
    result = measure(doc, "availability")
    assert result["status"] == "excluded"
    assert result["actual"] is None and result["default"] is False
    assert result["credit"] == "0.00"
    # The other critical measure has no row at all: a missing report, deemed failed.
    assert measure(doc, "p1_resolution")["status"] == "not_reported"


def test_failures_sharing_an_incident_are_deemed_one_event_under_the_northwind_terms(
    tmp_path: Path,
) -> None:
    table = list(csv.reader(NORTHWIND_CSV.read_text().splitlines()))
    rows = [
        [*row, "INC-7" if row[1] == "2026-03" and row[0] != "change_success" else ""]
        for row in table[1:]
    ]
    path = write_csv(tmp_path / "m.csv", [*table[0], "incident_ids"], rows)
    doc = evaluate_json(NORTHWIND, "2026-03", path)
    assert raw_terms(NORTHWIND)["service_levels"]["credits"]["incident_rule"] == "deemed_one_event"
    assert measure(doc, "p1_resolution")["credit"] == "8750.00", "the highest credit applies"
    assert measure(doc, "availability")["credit"] == "0.00"
    assert doc["service_credits"]["total"] == "8750.00"


def test_an_xlsx_workbook_with_dates_in_the_period_column_gives_the_csv_result(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["measure_id", "period", "value"])
    for row in rows_of(NORTHWIND_CSV):
        year, month = map(int, row["period"].split("-"))
        value = float(row["value"]) if row["value"] else None
        sheet.append([row["measure_id"], datetime(year, month, 1), value])
    path = tmp_path / "northwind.xlsx"
    book.save(path)

    def numeric(doc: dict[str, Any]) -> dict[str, Any]:
        for item in doc["service_levels"]:
            item["actual"] = None if item["actual"] is None else Decimal(item["actual"])
        return doc

    for period in ("2026-03", "2026-06"):
        assert numeric(evaluate_json(NORTHWIND, period, path)) == numeric(
            evaluate_json(NORTHWIND, period, NORTHWIND_CSV)
        )


# --- bad input: one clear line, exit 1 --------------------------------------------------------


HEADER = "measure_id,period,value\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEADER + "availability,2026-06,99.95\nuptime,2026-06,99.9\n",
            "row 3, column measure_id: no measure 'uptime' in the terms (availability, "
            "p1_resolution, change_success)",
        ),
        (
            HEADER + "availability,2026-05,99.95\navailability,2026-06,n/a\n",
            "row 3, column value: must be a number (found 'n/a')",
        ),
        (
            HEADER + "availability,2026-06,99.95\np1_resolution,2026-06,97\n"
            "availability,2026-06,99.91\n",
            "row 4, column period: a second row for availability in 2026-06 (the first is row "
            "2); keep one",
        ),
        (
            "measure_id,value\navailability,99.95\n",
            "row 1: missing column period; the header must name measure_id, period, value",
        ),
        (
            "measure_id,period,value,comment\navailability,2026-06,99.95,ok\n",
            "row 1, column comment: unknown column; the columns are measure_id, period, value "
            "(and optionally exclusion_reason, actual_after_exclusions, incident_ids)",
        ),
        (
            HEADER + "availability,June 2026,99.95\n",
            "row 2, column period: must be a month written YYYY-MM, like 2026-01 (found "
            "'June 2026')",
        ),
        (
            HEADER + "availability,0000-06,99.95\n",
            "row 2, column period: must be a month written YYYY-MM, like 2026-01 (found '0000-06')",
        ),
        (
            HEADER + "availability,2025-12,99.95\n",
            "row 2, column period: 2025-12 is outside the contract's term (2026-01 to 2030-12)",
        ),
        (
            HEADER + "availability,2026-06,101\n",
            "row 2, column value: must be between 0 and 100 for a percent measure (found 101)",
        ),
        (
            "measure_id,period,value,actual_after_exclusions\navailability,2026-06,99.2,99.95\n",
            "row 2, column exclusion_reason: required with actual_after_exclusions: an approved "
            "exclusion says why it applies",
        ),
        ("", "row 1: no header row: the file starts measure_id,period,value"),
    ],
    ids=[
        "unknown measure",
        "text value",
        "duplicate row",
        "missing column",
        "unknown column",
        "bad period",
        "year zero",
        "period before the term",
        "value out of range",
        "adjusted actual without a reason",
        "empty file",
    ],
)
def test_a_bad_measurements_file_names_the_file_row_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(text)
    line = failure(str(NORTHWIND), "--period", "2026-06", "--measurements", str(path))
    assert line == f"{path}: {message}"


def test_every_problem_of_a_measurements_file_is_printed_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "uptime,2026-06,99\navailability,2026-6,abc\n")
    result = invoke(str(NORTHWIND), "--period", "2026-06", "--measurements", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: row 2, column measure_id: no measure 'uptime' in the terms (availability, "
        "p1_resolution, change_success)",
        f"{path}: row 3, column period: must be a month written YYYY-MM, like 2026-01 (found "
        "'2026-6')",
        f"{path}: row 3, column value: must be a number (found 'abc')",
    ]


def test_a_missing_measurements_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    line = failure(str(NORTHWIND), "--period", "2026-06", "--measurements", str(path))
    assert line.startswith(f"{path}: cannot read the file: ")


def test_a_measurements_file_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(HEADER.encode() + "availability,2026-06,99,9 \xe9\n".encode("latin-1"))
    line = failure(str(NORTHWIND), "--period", "2026-06", "--measurements", str(path))
    assert line == f"{path}: cannot read the file: it is not UTF-8 text (save it as CSV UTF-8)"


def test_a_missing_terms_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    line = failure(str(path), "--period", "2026-06", "--measurements", str(NORTHWIND_CSV))
    assert line.startswith(f"{path}: cannot read the file: ")


def test_an_invalid_terms_file_names_the_field_and_its_line(tmp_path: Path) -> None:
    text = NORTHWIND.read_text().replace("at_risk_pct: 12", "at_risk_pct: twelve")
    number = text.splitlines().index("    at_risk_pct: twelve") + 1
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    line = failure(str(path), "--period", "2026-06", "--measurements", str(NORTHWIND_CSV))
    assert line == (
        f"{path}: service_levels.credits.at_risk_pct: must be a number, like 99.5 (line {number})"
    )


@pytest.mark.parametrize(
    ("terms", "period", "message"),
    [
        (NORTHWIND, "2026-13", "--period: must be a month written YYYY-MM, like 2026-03 (found "),
        (NORTHWIND, "June", "--period: must be a month written YYYY-MM, like 2026-03 (found "),
        (NORTHWIND, "2031-01", "--period: 2031-01 is outside the contract's term (2026-01 to "),
        (NORTHWIND, "2025-12", "--period: 2025-12 is outside the contract's term (2026-01 to "),
        (
            EXAMPLES / "northwind-msa-amendment-1.yaml",
            "2027-03",
            "--period: 2027-03 is before these terms take effect (2027-04-01, Amendment No. 1)",
        ),
    ],
)
def test_a_period_that_is_malformed_or_outside_the_term_is_one_clear_error(
    terms: Path, period: str, message: str
) -> None:
    line = failure(str(terms), "--period", period, "--measurements", str(NORTHWIND_CSV))
    assert line.startswith(message), line


# --- charges, statement and invoice findings -------------------------------------------------


VOLUMES = EXAMPLES / "volumes" / "northwind-msa.csv"
INDICES = EXAMPLES / "indices" / "cpi.csv"
INVOICE = EXAMPLES / "invoices" / "northwind-msa-2026-04.csv"
WITH_CHARGES = ["--volumes", str(VOLUMES), "--indices", str(INDICES)]
INVOICE_COLUMNS = [
    "invoice_number",
    "counterparty",
    "issued_on",
    "period",
    "currency",
    "line",
    "item_id",
    "kind",
    "quantity",
    "unit_price",
    "amount",
    "tax",
]


def april(*extra: str) -> dict[str, Any]:
    return evaluate_json(NORTHWIND, "2026-04", NORTHWIND_CSV, *WITH_CHARGES, *extra)


def test_the_json_adds_charges_statement_and_findings_with_the_documented_shape() -> None:
    doc = april("--invoice", str(INVOICE))
    assert set(doc) == {
        "contract",
        "period",
        "currency",
        "service_levels",
        "service_credits",
        "charges",
        "statement",
        "findings",
    }
    for line in doc["charges"]:
        assert set(line) == {"id", "kind", "quantity", "rate", "amount", "explanation"}
        assert_decimal_text(line["amount"], line["id"])
        for name in ("quantity", "rate"):
            assert line[name] is None or isinstance(Decimal(line[name]), Decimal)
        assert line["explanation"] and all(isinstance(s, str) for s in line["explanation"])
    assert set(doc["statement"]) == {"subtotal", "credits", "tax", "total"}
    for finding in doc["findings"]:
        assert set(finding) == {"type", "invoice_line", "amount", "explanation"}
        assert finding["invoice_line"] is None or isinstance(finding["invoice_line"], int)
        assert_decimal_text(finding["amount"], finding["type"])
        assert isinstance(finding["explanation"], str) and finding["explanation"]


def test_the_statement_lines_add_up_to_its_total() -> None:
    for period in ("2026-03", "2026-04", "2026-05", "2026-06"):
        doc = evaluate_json(NORTHWIND, period, NORTHWIND_CSV, *WITH_CHARGES)
        statement, lines = doc["statement"], doc["charges"]
        assert sum(Decimal(line["amount"]) for line in lines) == Decimal(statement["total"])
        credits = sum(Decimal(line["amount"]) for line in lines if line["kind"] == "service_credit")
        assert credits == Decimal(statement["credits"])
        total = Decimal(statement["subtotal"]) + credits + Decimal(statement["tax"])
        assert total == Decimal(statement["total"]), period


def test_the_month_s_credits_are_applied_on_the_next_month_s_statement() -> None:
    march = evaluate_json(NORTHWIND, "2026-03", NORTHWIND_CSV, *WITH_CHARGES)
    assert march["service_credits"]["total"] == "13250.00"
    credit = next(line for line in april()["charges"] if line["kind"] == "service_credit")
    assert (credit["id"], credit["amount"]) == ("service_credits", "-13250.00")
    assert "Service credit earned in 2026-03" in credit["explanation"][0]


def test_the_at_risk_base_comes_from_the_statement_unless_the_charge_base_option_is_given() -> None:
    # April: the fees 216,000 + 10,000, the ports' base 2,000 × 12 and 3 engineer days × 950.
    base = Decimal(216000 + 10000 + 24000 + 3 * 950)
    doc = april()
    explanation = doc["service_credits"]["explanation"]
    assert any("GBP 252,850.00" in line for line in explanation), explanation
    availability = measure(doc, "availability")
    assert availability["status"] == "expected_miss"
    stated = april("--charge-base", "250000.00")
    assert any("GBP 250,000.00" in line for line in stated["service_credits"]["explanation"])
    assert base == Decimal("252850")


def test_the_planted_invoice_errors_are_each_found_with_their_amount_and_line() -> None:
    findings = april("--invoice", str(INVOICE))["findings"]
    assert [(f["type"], f["invoice_line"], f["amount"]) for f in findings] == [
        ("arc_rrc", 4, str(Decimal(80 * 12).quantize(CENT))),  # inside the ±100 deadband
        ("rate_mismatch", 5, str((3 * (Decimal(980) - 950)).quantize(CENT))),  # year-1 rate 950
        ("missing_service_credit", None, "13250.00"),  # March's credits, due on April
    ]


def test_an_invoice_that_bills_the_statement_has_no_findings(tmp_path: Path) -> None:
    doc = april()
    rows = []
    for number, line in enumerate(
        (line for line in doc["charges"] if line["kind"] != "tax"), start=1
    ):
        amount = Decimal(line["amount"])
        quantity = line["quantity"] if line["kind"] not in {"indexation", "fx"} else ""
        rate = line["rate"] if quantity else ""
        tax = (amount * Decimal("0.2")).quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append(
            [
                "NW-CLEAN-1",
                "Northwind Networks Ltd",
                "2026-05-05",
                "2026-04",
                "GBP",
                str(number),
                line["id"],
                line["kind"],
                quantity or "",
                rate or "",
                line["amount"],
                str(tax),
            ]
        )
    clean = write_csv(tmp_path / "clean.csv", INVOICE_COLUMNS, rows)
    assert april("--invoice", str(clean))["findings"] == []
    result = invoke(
        str(NORTHWIND),
        "--period",
        "2026-04",
        "--measurements",
        str(NORTHWIND_CSV),
        *WITH_CHARGES,
        "--invoice",
        str(clean),
    )
    assert result.exit_code == 0, result.output
    assert "Charges for 2026-04" in result.stdout
    assert "None: the invoice bills what the terms give for the month." in result.stdout


def test_the_report_shows_a_charges_table_and_a_findings_table() -> None:
    result = invoke(
        str(NORTHWIND),
        "--period",
        "2026-04",
        "--measurements",
        str(NORTHWIND_CSV),
        *WITH_CHARGES,
        "--invoice",
        str(INVOICE),
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Charges for 2026-04",
        "ports:arc",
        "Invoice findings",
        "rate_mismatch",
        "GBP 13,250.00",
    ):
        assert text in result.stdout, text


@pytest.mark.parametrize(
    ("option", "text", "message"),
    [
        (
            "--volumes",
            "item_id,period,quantity\nrouters,2026-04,5\n",
            "row 2, column item_id: no resource unit, tiered charge or rate card entry 'routers' "
            "in the terms (ports, engineer-y1, engineer-y2, architect)",
        ),
        (
            "--volumes",
            "item_id,period,quantity\nports,2026-04,-1\n",
            "row 2, column quantity: must not be negative (found -1)",
        ),
        (
            "--indices",
            "series,period,value\nCPI,2026-13,140\n",
            "row 2, column period: must be a month written YYYY-MM, like 2026-01 (found '2026-13')",
        ),
        (
            "--invoice",
            "invoice_number,counterparty,issued_on,period,currency,line,item_id,amount\n"
            "INV-1,Northwind,2026-05-05,2026-04,GBP,one,desk,1\n",
            "row 2, column line: must be a whole number from 1 (found 'one')",
        ),
    ],
    ids=["unknown item", "negative volume", "bad index month", "bad line number"],
)
def test_a_bad_commercial_file_names_the_file_row_and_column(
    tmp_path: Path, option: str, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    options = {"--volumes": str(VOLUMES), "--indices": str(INDICES)}
    options[option] = str(path)
    args = [str(NORTHWIND), "--period", "2026-04", "--measurements", str(NORTHWIND_CSV)]
    for name, value in options.items():
        args += [name, value]
    assert failure(*args) == f"{path}: {message}"


def test_a_month_without_its_resource_unit_volume_is_one_clear_error(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "v.csv", ["item_id", "period", "quantity"], [["ports", "2026-06", "2000"]]
    )
    line = failure(
        str(NORTHWIND),
        "--period",
        "2026-06",
        "--measurements",
        str(NORTHWIND_CSV),
        "--volumes",
        str(path),
    )
    assert line == (
        f"{path}: 2026-01: cannot price the month: resource_volumes: no value for 'ports' in "
        "2026-01"
    )


def test_the_commercial_options_need_a_charges_section(tmp_path: Path) -> None:
    path = EXAMPLES / "tailspin-hosting-service-points.yaml"
    assert load_terms_file(path).charges is None
    line = failure(
        str(path),
        "--period",
        "2026-03",
        "--measurements",
        str(measurements_of(path)),
        "--volumes",
        str(VOLUMES),
    )
    assert line == (
        f"{path}: charges: the terms have no charges section; --volumes, --indices and "
        "--invoice price the month from it"
    )


@pytest.mark.parametrize("path", WITH_SERVICE_LEVELS, ids=[p.name for p in WITH_SERVICE_LEVELS])
def test_without_the_commercial_options_the_json_is_unchanged(path: Path) -> None:
    period = periods_in(measurements_of(path))[-1]
    assert_documented_shape(evaluate_json(path, period, measurements_of(path)))


def test_an_earlier_invoice_with_the_same_total_makes_this_one_a_duplicate(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(INVOICE.read_text().replace("NW-INV-2026-0412", "NW-INV-2026-0399"))
    doc = april("--invoice", str(INVOICE), "--earlier-invoices", str(earlier))
    assert [(f["type"], f["amount"]) for f in doc["findings"]] == [
        ("duplicate_invoice", "304680.00")
    ]


def test_charges_for_months_after_the_termination_date_are_flagged() -> None:
    doc = april("--invoice", str(INVOICE), "--terminated-on", "2026-03-31")
    flagged = [
        f["invoice_line"] for f in doc["findings"] if f["type"] == "billed_after_termination"
    ]
    assert flagged == [1, 2, 3, 4, 5]
    message = failure(
        str(NORTHWIND),
        "--period",
        "2026-04",
        "--measurements",
        str(NORTHWIND_CSV),
        "--terminated-on",
        "2026-03-31",
    )
    assert "--terminated-on: give --invoice too" in message


def test_milestones_and_delays_from_a_deliveries_file_are_on_the_statement() -> None:
    deliveries = EXAMPLES / "deliveries" / "northwind-msa.csv"
    doc = evaluate_json(
        NORTHWIND, "2026-05", NORTHWIND_CSV, *WITH_CHARGES, "--deliveries", str(deliveries)
    )
    amounts = {line["id"]: line["amount"] for line in doc["charges"]}
    assert amounts["migration"] == "108000.00" and amounts["migration_delay"] == "-2400.00"
