"""Leakage as a CSV or XLSX file: one row per finding, with the money at stake for our side,
for the UI, the API and the CLI alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pactline.core.exports import Column, csv_bytes, xlsx_bytes
from pactline.invoices.schemas import FindingRead

COLUMNS: tuple[Column, ...] = (
    ("contract_reference", "Contract"),
    ("counterparty", "Counterparty"),
    ("region", "Region"),
    ("period", "Month"),
    ("invoice_number", "Invoice"),
    ("line_number", "Line"),
    ("type", "Finding"),
    ("label", "Finding in words"),
    ("basis", "Claim or lead"),
    ("status", "Status"),
    ("currency", "Currency"),
    ("amount", "Invoiced minus due"),
    ("at_stake", "At stake for us"),
    ("explanation", "Explanation"),
)


def rows_of(findings: Sequence[FindingRead], places: dict[int, tuple[str, str]]) -> list[list[Any]]:
    """The export's rows; ``places`` gives each contract's counterparty and region."""
    rows = []
    for f in findings:
        counterparty, region = places.get(f.contract_id, ("", ""))
        rows.append(
            [
                f.contract_reference,
                counterparty,
                region,
                f.period,
                f.invoice_number,
                f.line_number,
                f.type.value,
                f.label,
                f.basis,
                f.status.value,
                f.currency,
                f.amount,
                f.at_stake,
                " ".join(f.explanation),
            ]
        )
    return rows


def to_csv(findings: Sequence[FindingRead], places: dict[int, tuple[str, str]]) -> bytes:
    """UTF-8 CSV of the findings."""
    return csv_bytes(COLUMNS, rows_of(findings, places))


def to_xlsx(
    findings: Sequence[FindingRead], places: dict[int, tuple[str, str]], *, as_of: date
) -> bytes:
    """An Excel workbook of the findings, with numbers as numbers."""
    about: list[list[Any]] = [
        ["Pactline leakage export: one row per invoice finding"],
        ["As of", as_of],
        [
            "At stake for us: positive is money lost to us (overbilled as a customer, unbilled "
            "as a supplier); negative is in our favour"
        ],
    ]
    return xlsx_bytes("Findings", COLUMNS, rows_of(findings, places), about)
