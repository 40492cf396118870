"""Reading tables from files (CSV or an XLSX's first sheet) the way every import does.

A table's first row names its columns, in any order; rows are numbered as a spreadsheet numbers
them (the header is row 1), so a problem points at the cell to fix:
``volumes.csv: row 7, column quantity: must not be negative``. Imports collect every problem
before they store anything; this module only reads and words, it decides nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "TableProblem",
    "Unreadable",
    "blank",
    "cell_number",
    "cell_text",
    "month_text",
    "named_rows",
    "read_cells",
]

_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_MONTH_TEXT = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class TableProblem:
    """One problem in a file: ``file: row 7, column value: must be a number``."""

    source: str
    row: int | None
    column: str | None
    message: str

    def format(self) -> str:
        """The problem on one line, file first."""
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        place = f"{', '.join(where)}: " if where else ""
        return f"{self.source}: {place}{self.message}"

    def to_dict(self) -> dict[str, object]:
        """The problem as an error detail (API and web)."""
        return {"file": self.source, "row": self.row, "field": self.column, "message": self.message}


class Unreadable(Exception):
    """The file as a whole cannot be read; the message says why."""


def read_cells(source: str, content: bytes) -> list[list[object]]:
    """Every row of the file as cells; ``source``'s suffix (``.xlsx``) chooses the format."""
    if source.lower().endswith(".xlsx"):
        return list(_xlsx_rows(content))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(
            "cannot read the file: it is not UTF-8 text (save it as CSV UTF-8)"
        ) from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise Unreadable(f"not a CSV file: {error}") from None


def _xlsx_rows(content: bytes) -> Iterator[list[object]]:
    from openpyxl import load_workbook  # imported here: only XLSX files need it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise Unreadable(f"not an XLSX workbook ({type(error).__name__})") from None
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def blank(cell: object) -> bool:
    """Whether a cell holds nothing (empty, or only spaces)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: object) -> str:
    """A cell as text; a spreadsheet's whole number 7.0 reads "7"."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def cell_number(cell: object) -> Decimal | None:
    """A non-blank cell as an exact Decimal, or None if it is not a finite number."""
    if isinstance(cell, bool):
        return None
    number: Decimal | None
    if isinstance(cell, int | float):
        # A spreadsheet's number: its shortest decimal text, never the binary float's digits.
        number = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
    else:
        text = cell_text(cell)
        number = Decimal(text) if _NUMBER_TEXT.fullmatch(text) else None
    return number if number is not None and number.is_finite() else None


def month_text(text: str) -> tuple[int, int] | None:
    """``"2026-03"`` as (2026, 3), or None for anything else (year 0000 included)."""
    match = _MONTH_TEXT.fullmatch(text.strip())
    if match is None or match.group(1) == "0000":
        return None
    return int(match.group(1)), int(match.group(2))


def named_rows(
    source: str,
    table: Sequence[Sequence[object]],
    required: Sequence[str],
    optional: Sequence[str],
    problems: list[TableProblem],
) -> Iterator[tuple[int, dict[str, object]]]:
    """Each non-blank row after the header as its row number and its cells by column name.

    Header problems (no header, an unknown or repeated column, a missing one) are added to
    `problems`, and then no row is given: a row cannot be read without its columns.
    """
    if not table or all(blank(cell) for cell in table[0]):
        problems.append(
            TableProblem(source, 1, None, f"no header row: the file starts {','.join(required)}")
        )
        return
    found: list[tuple[str, int]] = []
    before = len(problems)
    for index, cell in enumerate(table[0]):
        if blank(cell):
            continue
        name = str(cell).strip().lower()
        if name not in (*required, *optional):
            also = f" (and optionally {', '.join(optional)})" if optional else ""
            message = f"unknown column; the columns are {', '.join(required)}{also}"
            problems.append(TableProblem(source, 1, str(cell).strip(), message))
        elif any(name == other for other, _ in found):
            problems.append(TableProblem(source, 1, name, "the column is given twice"))
        else:
            found.append((name, index))
    missing = [name for name in required if name not in {n for n, _ in found}]
    if missing:
        message = (
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; the header "
            f"must name {', '.join(required)}"
        )
        problems.append(TableProblem(source, 1, None, message))
    if len(problems) > before:
        return
    for number, cells in enumerate(table[1:], start=2):
        if all(blank(cell) for cell in cells):
            continue
        yield number, {name: cells[i] if i < len(cells) else None for name, i in found}
