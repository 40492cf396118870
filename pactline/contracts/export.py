"""The portfolio as a CSV or XLSX file, for the UI, the API and the CLI alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pactline.contracts.schemas import ContractSummary
from pactline.core.exports import csv_bytes, xlsx_bytes

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


def to_csv(contracts: Sequence[ContractSummary]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read accents correctly."""
    return csv_bytes(COLUMNS, rows_of(contracts))


def to_xlsx(contracts: Sequence[ContractSummary], *, as_of: date) -> bytes:
    """An Excel workbook with real dates and numbers, a frozen header and a filter."""
    about: list[list[Any]] = [["Pactline portfolio export"], ["Status and dates as of", as_of]]
    return xlsx_bytes("Portfolio", COLUMNS, rows_of(contracts), about)
