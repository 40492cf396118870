"""Writing tables as CSV or XLSX files the way every export does: one header row, typed values
(dates as dates, money as numbers), a frozen header and a filter in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

__all__ = ["XLSX_TYPE", "Column", "csv_bytes", "xlsx_bytes"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of an .xlsx workbook."""

Column = tuple[str, str]
"""A column: its field name (``*_on`` a date, ``*amount``/``*value`` money) and its heading."""


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def csv_bytes(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in columns])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def _is_money(field: str) -> bool:
    return field.endswith(("amount", "_value", "at_stake", "total"))


def xlsx_bytes(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    about: Sequence[Sequence[Any]] = (),
) -> bytes:
    """An Excel workbook with real dates and numbers, a frozen header and a filter; ``about``
    rows go on a second sheet (what the export is and as of when)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([label for _, label in columns])
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, (field, label) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        width = max([len(label)] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[letter].width = min(max(width + 2, 10), 60)
        if field.endswith("_on"):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        if _is_money(field):
            for cell in sheet[letter][1:]:
                cell.number_format = "#,##0.00"
    if about:
        notes = workbook.create_sheet("About")
        for line in about:
            notes.append(list(line))
            for cell in notes[notes.max_row]:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
