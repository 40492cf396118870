"""Reading measurements tables (CSV or XLSX), shared by the database import and the stateless
``pactline evaluate``: one set of rules, one wording of every problem.

A table has a header row naming ``measure_id, period, value`` in any order, and may add
``exclusion_reason, actual_after_exclusions, incident_ids``. Rows are numbered as a
spreadsheet numbers them (the header is row 1), so a problem points at the cell to fix.
Nothing here touches the database; callers decide what to store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pactline.core.tables import (
    TableProblem,
    Unreadable,
    blank,
    cell_number,
    cell_text,
    month_text,
    named_rows,
    read_cells,
)
from pactline.engine.service_levels import (
    Exclusion,
    Measure,
    Measurement,
    Period,
    ServiceLevelTerms,
)
from pactline.terms import TermsDocument

__all__ = [
    "MEASUREMENT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "MeasurementsProblem",
    "TermMonths",
    "TermsForPeriod",
    "month_of",
    "read_measurements",
    "read_table",
]

MEASUREMENT_COLUMNS = ("measure_id", "period", "value")
"""The columns every measurements file has, in any order."""

OPTIONAL_COLUMNS = ("exclusion_reason", "actual_after_exclusions", "incident_ids")
"""Columns a measurements file may add: an approved exclusion, and the incidents behind a row."""

MAX_PLACES = 6
"""Decimal places a measured value may have (the precision it is stored with)."""


@dataclass(frozen=True)
class TermMonths:
    """The months a contract's terms cover.

    From the month its version takes effect (the term's first month for the original
    agreement) to the last month the contract can run with every renewal taken.
    """

    first: Period
    last: Period | None
    effective: Period
    effective_text: str

    @classmethod
    def of(cls, doc: TermsDocument, *, latest: TermsDocument | None = None) -> TermMonths:
        """The months of one terms document; ``latest`` (a later amendment) sets the end."""
        start, effective = doc.term.start_on, doc.effective_on
        end = (latest or doc).latest_end
        label = doc.version.label if doc.version is not None else None
        return cls(
            first=Period(start.year, start.month),
            last=Period(end.year, end.month) if end is not None else None,
            effective=Period(effective.year, effective.month),
            effective_text=f"{effective}, {label}" if label else str(effective),
        )

    def problem(self, period: Period) -> str | None:
        """Why the terms cannot evaluate ``period``, or None if they can."""
        if period < self.first or (self.last is not None and period > self.last):
            last = str(self.last) if self.last is not None else "no fixed end"
            return f"{period} is outside the contract's term ({self.first} to {last})"
        if period < self.effective:
            return (
                f"{period} is before these terms take effect ({self.effective_text}); a terms "
                "file covers the months from its effective date"
            )
        return None


MeasurementsProblem = TableProblem
"""A problem in a measurements file (the tables' problem, under the name imports use)."""

TermsForPeriod = Callable[[Period], "ServiceLevelTerms | str"]
"""The service-level terms in force for a month, or why the month cannot be measured."""


def month_of(text: str) -> Period | None:
    """A ``YYYY-MM`` month, or None if the text is not one."""
    month = month_text(text)
    return Period(*month) if month is not None else None


@dataclass
class _Row:
    number: int
    cells: dict[str, object]


@dataclass
class _Reading:
    source: str
    terms_for: TermsForPeriod
    problems: list[MeasurementsProblem] = field(default_factory=list)
    rows: list[Measurement] = field(default_factory=list)
    seen: dict[tuple[str, Period], int] = field(default_factory=dict)

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(MeasurementsProblem(self.source, row, column, message))


def read_measurements(
    source: str, content: bytes, terms_for: TermsForPeriod
) -> tuple[list[Measurement], list[MeasurementsProblem]]:
    """Every row of a measurements file (CSV, or an XLSX's first sheet), and every problem.

    ``source`` names the file in messages; its suffix (``.xlsx``) chooses the format.
    """
    try:
        table = read_cells(source, content)
    except Unreadable as failed:
        return [], [MeasurementsProblem(source, None, None, str(failed))]
    return read_table(source, table, terms_for)


def read_table(
    source: str, table: Sequence[Sequence[object]], terms_for: TermsForPeriod
) -> tuple[list[Measurement], list[MeasurementsProblem]]:
    """The rows of a table whose first row is the header, and every problem in them."""
    reading = _Reading(source, terms_for)
    for number, cells in named_rows(
        source, table, MEASUREMENT_COLUMNS, OPTIONAL_COLUMNS, reading.problems
    ):
        _read_row(_Row(number, cells), reading)
    return reading.rows, reading.problems


def _read_row(row: _Row, reading: _Reading) -> None:
    before = len(reading.problems)
    period, terms = _row_period(row, reading)
    measure = _row_measure(row, reading, terms)
    value = _row_number(row, "value", measure, reading)
    adjusted = _row_number(row, "actual_after_exclusions", measure, reading)
    reason = cell_text(row.cells.get("exclusion_reason"))
    if adjusted is not None and not reason:
        reading.problem(
            row.number,
            "exclusion_reason",
            "required with actual_after_exclusions: an approved exclusion says why it applies",
        )
    incidents = frozenset(
        part for part in re.split(r"[;,\s]+", cell_text(row.cells.get("incident_ids"))) if part
    )
    if measure is not None and period is not None:
        key = (measure.id, period)
        if key in reading.seen:
            reading.problem(
                row.number,
                "period",
                f"a second row for {measure.id} in {period} (the first is row "
                f"{reading.seen[key]}); keep one",
            )
        else:
            reading.seen[key] = row.number
    if len(reading.problems) > before or measure is None or period is None:
        return
    reading.rows.append(
        Measurement(
            measure_id=measure.id,
            period=period,
            value=value,
            exclusion=Exclusion(reason, adjusted) if reason else None,
            incident_ids=incidents,
        )
    )


def _row_period(row: _Row, reading: _Reading) -> tuple[Period | None, ServiceLevelTerms | None]:
    cell = row.cells.get("period")
    if isinstance(cell, datetime | date):
        # A spreadsheet turns 2026-01 into a date; its month is what was meant.
        period: Period | None = Period(cell.year, cell.month)
    else:
        text = cell_text(cell)
        if not text:
            reading.problem(row.number, "period", "required: the month, written YYYY-MM")
            return None, None
        period = month_of(text)
        if period is None:
            reading.problem(
                row.number,
                "period",
                f"must be a month written YYYY-MM, like 2026-01 (found '{text}')",
            )
            return None, None
    assert period is not None
    terms = reading.terms_for(period)
    if isinstance(terms, str):
        reading.problem(row.number, "period", terms)
        return None, None
    return period, terms


def _row_measure(row: _Row, reading: _Reading, terms: ServiceLevelTerms | None) -> Measure | None:
    text = cell_text(row.cells.get("measure_id"))
    if not text:
        reading.problem(row.number, "measure_id", "required: the id of a measure in the terms")
        return None
    if terms is None:  # the period is wrong: the measure cannot be checked against any terms
        return None
    for measure in terms.measures:
        if measure.id == text:
            return measure
    ids = ", ".join(measure.id for measure in terms.measures)
    reading.problem(row.number, "measure_id", f"no measure '{text}' in the terms ({ids})")
    return None


def _row_number(
    row: _Row, column: str, measure: Measure | None, reading: _Reading
) -> Decimal | None:
    cell = row.cells.get(column)
    if blank(cell):
        return None
    number = cell_number(cell)
    if number is None:
        reading.problem(row.number, column, f"must be a number (found '{cell_text(cell)}')")
        return None
    if -number.as_tuple().exponent > MAX_PLACES:  # type: ignore[operator]
        reading.problem(
            row.number, column, f"must have at most {MAX_PLACES} decimal places (found {number})"
        )
        return None
    if measure is not None:
        low, high = measure.unit.bounds()
        unit = measure.unit.value
        if high is not None and not low <= number <= high:
            reading.problem(
                row.number,
                column,
                f"must be between {low} and {high} for a {unit} measure (found {number})",
            )
            return None
        if number < low:
            reading.problem(
                row.number, column, f"must not be negative for a {unit} measure (found {number})"
            )
            return None
    return number
