"""Monthly figures from raw tickets and outages: each metric on small files whose answer is
worked out by hand, CSV and Parquet alike, and each bad file refused with its rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from pactline.engine.service_levels import Period
from pactline.service_levels.computed import EventsProblem, compute_figures
from pactline.terms import Computation

TICKETS = """ticket_id,priority,opened_at,resolved_at
1,P1,2026-03-02 09:00:00,2026-03-02 12:00:00
2,P1,2026-03-02 16:00:00,2026-03-03 10:30:00
3,P2,2026-03-02 09:00:00,2026-03-09 09:00:00
4,P1,2026-03-06 16:30:00,2026-03-09 09:30:00
5,P1,2026-03-31 20:00:00,
6,P1,2026-04-01 10:00:00,2026-04-01 15:00:00
"""

OUTAGES = """component,start_at,end_at,planned
core,2026-03-10 02:00:00,2026-03-10 03:00:00,false
core,2026-03-15 00:00:00,2026-03-15 04:00:00,yes
core,2026-03-31 23:30:00,2026-04-01 00:30:00,no
edge,2026-03-12 00:00:00,2026-03-13 00:00:00,no
"""


def no_holidays(years: Sequence[int]) -> Mapping[date, str]:
    return {}


def write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def figures(path: Path, computation: Computation, **kwargs: object) -> dict[str, Decimal | None]:
    found = compute_figures(path, [("m", computation)], holidays_for=no_holidays, **kwargs)  # type: ignore[arg-type]
    return {str(f.period): f.value for f in found}


P1 = {"priority": ["P1"]}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        # Calendar clock: only ticket 1 (3 h) is within 4 h; ticket 5 is open, so not within.
        (
            {"metric": "percent_within", "where": P1, "within_hours": 4},
            {"2026-03": Decimal("25.0000"), "2026-04": Decimal("0.0000")},
        ),
        # Business hours 09-17: 3 h, 2.5 h (16-17 then 09-10:30), 1 h over the weekend.
        (
            {"metric": "percent_within", "where": P1, "within_hours": 4, "clock": "business_hours"},
            {"2026-03": Decimal("75.0000"), "2026-04": Decimal("0.0000")},
        ),
        # Average business hours of the ended P1 tickets: 6.5 h / 3.
        (
            {"metric": "average_hours", "where": P1, "clock": "business_hours"},
            {"2026-03": Decimal("2.1667"), "2026-04": Decimal("5.0000")},
        ),
        ({"metric": "count", "where": P1}, {"2026-03": Decimal(4), "2026-04": Decimal(1)}),
        # By the month a ticket ended (any priority): ticket 5 has no end and has no month.
        ({"metric": "count", "month_of": "end"}, {"2026-03": Decimal(4), "2026-04": Decimal(1)}),
        # Longer business hours: ticket 2 is 08:00-18:00, so 2 h + 2.5 h = 4.5 h is over 4 h.
        (
            {
                "metric": "percent_within",
                "where": P1,
                "within_hours": 4,
                "clock": "business_hours",
                "business_hours": {"start": "08:00", "end": "18:00"},
            },
            {"2026-03": Decimal("50.0000"), "2026-04": Decimal("0.0000")},
        ),
    ],
)
def test_ticket_metrics_give_the_figures_worked_out_by_hand(
    tmp_path: Path, definition: dict[str, object], expected: dict[str, Decimal]
) -> None:
    computation = Computation.model_validate({"source": "tickets", **definition})
    assert figures(write(tmp_path, TICKETS), computation) == expected


def test_a_public_holiday_is_not_a_business_day(tmp_path: Path) -> None:
    computation = Computation(
        source="tickets",
        metric="average_hours",
        clock="business_hours",  # type: ignore[arg-type]
    )
    path = write(tmp_path, "opened_at,resolved_at\n2026-03-02 16:00:00,2026-03-04 10:00:00\n")
    assert figures(path, computation) == {"2026-03": Decimal("10.0000")}  # 1 + 8 + 1
    on_holiday = compute_figures(
        path, [("m", computation)], holidays_for=lambda years: {date(2026, 3, 3): "Holiday"}
    )
    assert on_holiday[0].value == Decimal("2.0000")  # 1 + 0 + 1


def test_availability_is_net_of_planned_maintenance_and_clipped_to_each_month(
    tmp_path: Path,
) -> None:
    computation = Computation.model_validate(
        {"source": "outages", "metric": "availability", "where": {"component": ["core"]}}
    )
    found = compute_figures(write(tmp_path, OUTAGES), [("availability", computation)])
    march, april = found
    # March: 60 min + the 30 min before midnight unplanned; 4 h planned out of 31 days.
    assert march.counts == {
        "month_seconds": 31 * 86400,
        "unplanned_seconds": 5400,
        "planned_seconds": 14400,
    }
    assert march.value == (Decimal(100) * (1 - Decimal(5400) / (31 * 86400 - 14400))).quantize(
        Decimal("0.0001")
    )
    assert april.value == Decimal("99.9306")
    assert "planned maintenance" in march.explanation


def test_parquet_and_csv_give_the_same_figures(tmp_path: Path) -> None:
    csv_path = write(tmp_path, TICKETS)
    parquet_path = tmp_path / "events.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{parquet_path}' (FORMAT parquet)")  # noqa: S608
    computation = Computation.model_validate(
        {"source": "tickets", "metric": "percent_within", "where": P1, "within_hours": 4}
    )
    assert figures(parquet_path, computation) == figures(csv_path, computation)


def test_a_missing_column_is_named_with_the_measure_that_needs_it(tmp_path: Path) -> None:
    computation = Computation.model_validate(
        {"source": "tickets", "metric": "count", "where": {"severity": ["1"]}}
    )
    with pytest.raises(EventsProblem, match="missing column severity, which measure m needs"):
        figures(write(tmp_path, TICKETS), computation)


def test_bad_timestamps_are_refused_with_their_row_numbers(tmp_path: Path) -> None:
    text = (
        TICKETS
        + "7,P1,yesterday,2026-03-05 10:00:00\n8,P1,2026-03-05 11:00:00,2026-03-05 10:00:00\n"
    )
    computation = Computation.model_validate({"source": "tickets", "metric": "count", "where": P1})
    with pytest.raises(EventsProblem, match=r"column opened_at: not a timestamp in 1 row") as bad:
        figures(write(tmp_path, text), computation)
    assert bad.value.rows == (8,)
    text = TICKETS + "8,P1,2026-03-05 11:00:00,2026-03-05 10:00:00\n"
    with pytest.raises(EventsProblem, match=r"column resolved_at: before opened_at") as backwards:
        figures(write(tmp_path, text), computation)
    assert backwards.value.rows == (8,)


def test_a_file_that_is_not_there_is_one_clear_problem(tmp_path: Path) -> None:
    computation = Computation.model_validate({"source": "tickets", "metric": "count"})
    with pytest.raises(EventsProblem, match="cannot read the file"):
        figures(tmp_path / "missing.csv", computation)


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"source": "tickets", "metric": "percent_within"}, "within_hours"),
        ({"source": "tickets", "metric": "availability"}, "source"),
        ({"source": "outages", "metric": "count"}, "metric"),
        ({"source": "tickets", "metric": "count", "within_hours": 4}, "within_hours"),
        (
            {"source": "tickets", "metric": "count", "business_hours": {"start": "08:00"}},
            "business_hours",
        ),
        (
            {
                "source": "tickets",
                "metric": "count",
                "clock": "business_hours",
                "business_hours": {"start": "18:00", "end": "08:00"},
            },
            "end",
        ),
    ],
)
def test_an_inconsistent_definition_is_refused_at_the_field(
    definition: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError, match=field):
        Computation.model_validate(definition)


def test_figures_are_exact_decimals_never_floats(tmp_path: Path) -> None:
    computation = Computation.model_validate(
        {"source": "tickets", "metric": "percent_within", "where": P1, "within_hours": 4}
    )
    for figure in compute_figures(write(tmp_path, TICKETS), [("m", computation)]):
        assert isinstance(figure.value, Decimal)
        assert figure.period in (Period(2026, 3), Period(2026, 4))
