"""The portfolio as a CSV or XLSX file, for the UI, the API and the CLI alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from pactline.contracts.schemas import ContractSummary

COLUMNS: tuple[tuple[str, str], ...] = (
    ("reference", "Reference"),
    ("title", "Title"),
    ("kind", "Kind"),
    ("our_role", "Our role"),
    ("counterparty", "Counterparty"),
    ("parent_reference", "Master agreement"),
    ("status", "Status"),
    ("start_on", "Start"),
    ("current_term_end_on", "Current term ends"),
    ("notice_deadline_on", "Notice deadline"),
    ("next_action_on", "Next action"),
    ("next_action_label", "Next action is"),
    ("region", "Region"),
    ("business_unit", "Business unit"),
    ("account_manager", "Account manager"),
    ("currency", "Currency"),
    ("annual_value", "Annual value"),
    ("tags", "Tags"),
)


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "value") and not isinstance(value, Decimal | date):
        return value.value
    return value


def rows_of(contracts: Sequence[ContractSummary]) -> list[list[Any]]:
    """The export's rows (without the header), values typed for spreadsheets."""
    return [[_cell(getattr(c, field)) for field, _ in COLUMNS] for c in contracts]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def to_csv(contracts: Sequence[ContractSummary]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows_of(contracts):
        writer.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row]
        )
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(contracts: Sequence[ContractSummary], *, as_of: date) -> bytes:
    """An Excel workbook with real dates and numbers, a frozen header and a filter."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Portfolio"
    sheet.append([label for _, label in COLUMNS])
    for row in rows_of(contracts):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, (field, label) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        width = max([len(label)] + [len(str(r[index - 1] or "")) for r in rows_of(contracts)])
        sheet.column_dimensions[letter].width = min(max(width + 2, 10), 60)
        if field.endswith("_on"):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        if field == "annual_value":
            for cell in sheet[letter][1:]:
                cell.number_format = "#,##0.00"
    notes = workbook.create_sheet("About")
    notes.append(["Pactline portfolio export"])
    notes.append(["Status and dates as of", as_of])
    notes["B2"].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
