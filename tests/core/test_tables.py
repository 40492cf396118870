"""Tables read from files: columns by name in any order, rows numbered as a spreadsheet does,
and exact numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pactline.core.tables import (
    TableProblem,
    Unreadable,
    cell_number,
    month_text,
    named_rows,
    read_cells,
)


def test_rows_come_with_their_spreadsheet_number_and_cells_by_column_name() -> None:
    table = read_cells("t.csv", b"Value , ID\n1.5,a\n,\n2,b\n")
    problems: list[TableProblem] = []
    rows = list(named_rows("t.csv", table, ("id", "value"), (), problems))
    assert problems == []
    assert rows == [(2, {"value": "1.5", "id": "a"}), (4, {"value": "2", "id": "b"})]


def test_a_bad_header_names_every_problem_and_gives_no_rows() -> None:
    problems: list[TableProblem] = []
    table = [["id", "id", "colour"], ["a", "a", "red"]]
    rows = list(named_rows("t.csv", table, ("id", "value"), ("note",), problems))
    assert rows == []
    assert [p.format() for p in problems] == [
        "t.csv: row 1, column id: the column is given twice",
        "t.csv: row 1, column colour: unknown column; the columns are id, value (and "
        "optionally note)",
        "t.csv: row 1: missing column value; the header must name id, value",
    ]


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("99.95", Decimal("99.95")),
        (" 7 ", Decimal(7)),
        (0.1, Decimal("0.1")),  # a spreadsheet's float: its shortest text, not binary digits
        (3, Decimal(3)),
        ("1e3", None),
        ("NaN", None),
        (True, None),
        ("high", None),
    ],
)
def test_numbers_are_exact_decimals_or_nothing(cell: object, number: Decimal | None) -> None:
    assert cell_number(cell) == number


def test_months_are_written_year_dash_month() -> None:
    assert month_text("2026-03") == (2026, 3)
    assert month_text("2026-13") is None
    assert month_text("0000-01") is None
    assert month_text("March") is None


def test_a_file_that_is_not_text_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="not UTF-8"):
        read_cells("t.csv", b"\xff\xfe\x00bad")
    with pytest.raises(Unreadable, match="not an XLSX workbook"):
        read_cells("t.xlsx", b"plain text")
