"""Monthly service-level figures computed from raw events (tickets or outages) with DuckDB.

A measure whose terms carry ``computed:`` says how its monthly actual follows from a file of
events: the share of matching tickets resolved within a time limit (on the clock or in business
hours), their average duration, their count, or availability from outage time net of approved
maintenance. DuckDB reads the CSV or Parquet file where it lies (no copy, columnar, in
parallel), so ten million tickets take seconds; the figure is then finished in Decimal from
whole-number counts and seconds, so no float decides a credit.

Each figure comes with the counts it was made from; the caller stores them with the file's
checksum and the definition, so anyone can reproduce it.

Rules worth knowing (each is also in docs/terms-format.md):

* Timestamps are local wall-clock times of the service (no time zone); whole seconds count.
* A ticket belongs to the month of its start (``month_of: start``, the default) or of its end.
  A ticket without an end counts as not resolved within the limit; it has no duration.
* Business hours run from ``business_hours.start`` to ``business_hours.end`` on the business
  days of the contract's holiday calendar (weekends and public holidays excluded). Elapsed
  business time is B(end) − B(start), where B(t) is the business seconds from the first day in
  the file to t: two equality joins on the day, not a range join.
* Availability = 100 × (1 − unplanned outage seconds ÷ (the month's seconds − planned
  maintenance seconds)), each outage clipped to the month; an outage during approved
  maintenance is recorded as planned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

from pactline.engine.service_levels import Period
from pactline.terms import Computation, ComputedMetric, EventClock, EventSource, MonthOf

__all__ = [
    "PLACES",
    "ComputedFigure",
    "EventsProblem",
    "compute_figures",
]

PLACES = 4
"""Decimal places a computed figure is rounded to (half up) before it is stored."""

_QUANTUM = Decimal(1).scaleb(-PLACES)
_DEFAULT_COLUMNS = {
    EventSource.TICKETS: ("opened_at", "resolved_at"),
    EventSource.OUTAGES: ("start_at", "end_at"),
}
_TRUE_WORDS = ("true", "yes", "y", "1", "planned")


class EventsProblem(Exception):
    """The events file cannot give the figures: a missing column, bad timestamps, no rows."""

    def __init__(
        self,
        source: str,
        message: str,
        rows: Sequence[int] = (),
        *,
        column: str | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        self.rows = tuple(rows)
        self.column = column  # the column at fault, for a row-by-row listing
        self.rule = rule or message  # what is wrong with each of those rows, briefly


@dataclass(frozen=True)
class ComputedFigure:
    """One measure's computed actual for one month, and the counts it was made from."""

    measure_id: str
    period: Period
    value: Decimal | None
    counts: Mapping[str, int]
    explanation: str


HolidaysFor = Callable[[Sequence[int]], Mapping[date, str]]
"""The public holidays of the contract's calendar in the given years."""


def compute_figures(
    path: Path,
    measures: Sequence[tuple[str, Computation]],
    *,
    source_name: str | None = None,
    holidays_for: HolidaysFor | None = None,
    years: range | None = None,
) -> list[ComputedFigure]:
    """Every month's figure of every measure, from one events file (CSV or Parquet).

    Measures that read the same timestamps are computed together in one pass over the file.
    `years` bounds the business-hours calendar (the contract's years); without it the file's
    own date range is read first.
    """
    source = source_name or str(path)
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        relation = _relation(path)
        columns = _columns(con, relation, source)
        groups: dict[tuple[object, ...], list[tuple[str, Computation]]] = {}
        figures: list[ComputedFigure] = []
        for measure_id, computation in measures:
            _check_columns(source, measure_id, computation, columns)
            if computation.source is EventSource.OUTAGES:
                figures += _availability(con, relation, source, measure_id, computation)
            else:
                key = (*_start_end(computation), computation.month_of, computation.business_hours)
                groups.setdefault(key, []).append((measure_id, computation))
        for group in groups.values():
            figures += _tickets(con, relation, source, group, holidays_for, years)
        return sorted(figures, key=lambda f: (f.measure_id, f.period))
    finally:
        con.close()


# --------------------------------------------------------------------------- the file


def _relation(path: Path) -> str:
    """The SQL that reads the file (its path as a quoted literal)."""
    literal = "'" + str(path).replace("'", "''") + "'"
    if path.suffix.lower() in (".parquet", ".pq"):
        return f"read_parquet({literal})"
    return f"read_csv({literal}, header = true)"


def _columns(con: duckdb.DuckDBPyConnection, relation: str, source: str) -> list[str]:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()  # noqa: S608
    except duckdb.Error as error:
        raise EventsProblem(source, f"cannot read the file: {_first_line(error)}") from None
    return [str(row[0]) for row in described]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _start_end(computation: Computation) -> tuple[str, str]:
    default_start, default_end = _DEFAULT_COLUMNS[computation.source]
    return computation.start or default_start, computation.end or default_end


def _check_columns(
    source: str, measure_id: str, computation: Computation, columns: list[str]
) -> None:
    start, end = _start_end(computation)
    needed = [start, end, *computation.where]
    if computation.source is EventSource.OUTAGES:
        needed.append(computation.planned)
    missing = [name for name in dict.fromkeys(needed) if name not in columns]
    if missing:
        raise EventsProblem(
            source,
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}, which "
            f"measure {measure_id} needs (the file has {', '.join(columns) or 'no columns'})",
        )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _where(computation: Computation) -> str:
    """The definition's filters: each column's text must be one of the values listed."""
    parts = []
    for column, values in computation.where.items():
        listed = ", ".join(_text_literal(v) for v in values)
        parts.append(f"trim(CAST({_ident(column)} AS VARCHAR)) IN ({listed})")
    return " AND ".join(parts) or "TRUE"


def _typed(
    relation: str, computation: Computation, extra: str = "", *, where: str | None = None
) -> str:
    """The matching rows with start and end as timestamps (NULL where the text is not one)."""
    start, end = _start_end(computation)
    return (
        f"SELECT TRY_CAST({_ident(start)} AS TIMESTAMP) AS s, "  # noqa: S608
        f"TRY_CAST({_ident(end)} AS TIMESTAMP) AS e, "
        f"{_ident(start)} IS NOT NULL AND TRY_CAST({_ident(start)} AS TIMESTAMP) IS NULL AS bad_s, "
        f"{_ident(end)} IS NOT NULL AND TRY_CAST({_ident(end)} AS TIMESTAMP) IS NULL AS bad_e"
        f"{extra} FROM {relation} WHERE {where or _where(computation)}"
    )


def _problem_rows(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    computation: Computation,
    condition: str,
    where: str | None = None,
) -> list[int]:
    """Row numbers (the header is row 1) of the first rows breaking a condition."""
    start, end = _start_end(computation)
    query = (
        "SELECT n FROM (SELECT row_number() OVER () + 1 AS n, "  # noqa: S608
        f"TRY_CAST({_ident(start)} AS TIMESTAMP) AS s, TRY_CAST({_ident(end)} AS TIMESTAMP) AS e, "
        f"{_ident(start)} AS raw_s, {_ident(end)} AS raw_e, "
        f"{where or _where(computation)} AS matches "
        f"FROM {relation}) WHERE matches AND ({condition}) ORDER BY n LIMIT 5"
    )
    con.execute("SET preserve_insertion_order = true")
    try:
        return [int(row[0]) for row in con.execute(query).fetchall()]
    finally:
        con.execute("SET preserve_insertion_order = false")


def _refuse_bad_rows(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    source: str,
    measure_id: str,
    where: str,
    computation: Computation,
    totals: tuple[int, int, int, int],
) -> None:
    """Stop on timestamps that are not timestamps, missing starts, or ends before starts."""
    bad_start, bad_end, no_start, backwards = totals
    start, end = _start_end(computation)
    checks = [
        (bad_start, "raw_s IS NOT NULL AND s IS NULL", start, "not a timestamp"),
        (bad_end, "raw_e IS NOT NULL AND e IS NULL", end, "not a timestamp"),
        (no_start, "raw_s IS NULL", start, "empty (every event needs its start)"),
        (backwards, "e < s", end, f"before {start}"),
    ]
    for count, condition, column, rule in checks:
        if count:
            rows = _problem_rows(con, relation, computation, condition, where)
            shown = ", ".join(str(n) for n in rows)
            more = f" and {count - len(rows)} more" if count > len(rows) else ""
            plural = "s" if count > 1 else ""
            raise EventsProblem(
                source,
                f"column {column}: {rule} in {count} row{plural} used by {measure_id} "
                f"(row{'s' if len(rows) > 1 else ''} {shown}{more}); timestamps are written "
                "like 2026-03-01 14:05:00",
                rows,
                column=column,
                rule=rule,
            )


# --------------------------------------------------------------------------- tickets


def _tickets(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    source: str,
    group: list[tuple[str, Computation]],
    holidays_for: HolidaysFor | None,
    years: range | None,
) -> list[ComputedFigure]:
    """The figures of measures that share start, end, month and business hours: one scan."""
    first = group[0][1]
    business = any(c.clock is EventClock.BUSINESS_HOURS for _, c in group)
    matches = " OR ".join(f"({_where(c)})" for _, c in group)
    flags = "".join(f", {_where(c)} AS m{i}" for i, (_, c) in enumerate(group))
    typed = _typed(relation, first, flags, where=matches)
    month = "s" if first.month_of is MonthOf.START else "e"
    joins, outside = "", "0"
    if business:
        _business_days(con, relation, first, holidays_for, years)
        joins = (
            " LEFT JOIN business_days ds ON ds.d = CAST(t.s AS DATE)"
            " LEFT JOIN business_days de ON de.d = CAST(t.e AS DATE)"
        )
        outside = (
            "count(*) FILTER (WHERE s IS NOT NULL AND "
            "(ds.d IS NULL OR (e IS NOT NULL AND de.d IS NULL)))"
        )
    aggregates = []
    for i, (_, computation) in enumerate(group):
        if computation.clock is EventClock.BUSINESS_HOURS:
            elapsed = (
                "((de.cum + LEAST(GREATEST(date_diff('second', CAST(e AS DATE), e) - de.ws, 0), "
                "de.we - de.ws)) - (ds.cum + LEAST(GREATEST(date_diff('second', CAST(s AS DATE), "
                "s) - ds.ws, 0), ds.we - ds.ws)))"
            )
        else:
            elapsed = "date_diff('second', s, e)"
        limit = computation.within_hours
        within = (
            f"count(*) FILTER (WHERE m{i} AND e IS NOT NULL AND {elapsed} <= {int(limit * 3600)})"
            if limit is not None
            else "0"
        )
        aggregates += [
            f"count(*) FILTER (WHERE m{i})",
            f"count(e) FILTER (WHERE m{i})",
            within,
            f"coalesce(sum({elapsed}) FILTER (WHERE m{i} AND e IS NOT NULL), 0)",
        ]
    query = f"""
        WITH t AS ({typed})
        SELECT strftime({month}, '%Y-%m') AS period,
               count(*) FILTER (WHERE bad_s), count(*) FILTER (WHERE bad_e),
               count(*) FILTER (WHERE s IS NULL AND NOT bad_s), count(*) FILTER (WHERE e < s),
               {outside},
               {", ".join(aggregates)}
        FROM t{joins}
        GROUP BY ALL
    """  # noqa: S608
    rows = _run(con, query, source)
    ids = ", ".join(measure_id for measure_id, _ in group)
    bad_s, bad_e, no_s, backwards, beyond = (sum(int(row[i]) for row in rows) for i in range(1, 6))
    _refuse_bad_rows(con, relation, source, ids, matches, first, (bad_s, bad_e, no_s, backwards))
    if beyond:
        covered = f"{years.start} to {years.stop}" if years else "the file's own dates"
        raise EventsProblem(
            source,
            f"{beyond} events used by {ids} fall outside the years the business-hours calendar "
            f"covers ({covered}): the contract's term",
        )
    figures = []
    for row in rows:
        if row[0] is None:  # month of the end, for tickets not yet ended
            continue
        period = Period.parse(row[0])
        for i, (measure_id, computation) in enumerate(group):
            events, ended, within_count, seconds = (int(v) for v in row[6 + 4 * i : 10 + 4 * i])
            if not events:
                continue
            counts = {
                "events": events,
                "ended": ended,
                "within_limit": within_count,
                "seconds": seconds,
            }
            value, text = _ticket_figure(computation, counts)
            figures.append(ComputedFigure(measure_id, period, value, counts, text))
    return figures


def _ticket_figure(
    computation: Computation, counts: Mapping[str, int]
) -> tuple[Decimal | None, str]:
    events, ended = counts["events"], counts["ended"]
    clock = "business hours" if computation.clock is EventClock.BUSINESS_HOURS else "hours"
    if computation.metric is ComputedMetric.COUNT:
        return Decimal(events), f"{events} matching ticket{'s' if events != 1 else ''}"
    if computation.metric is ComputedMetric.AVERAGE_HOURS:
        if not ended:
            return None, f"no matching ticket resolved ({events} open)"
        hours = _round(Decimal(counts["seconds"]) / Decimal(3600 * ended))
        return hours, (
            f"{counts['seconds']} {'business ' if clock != 'hours' else ''}seconds over {ended} "
            f"resolved tickets ÷ 3600 = {_show(hours)} {clock} on average"
        )
    if not events:
        return None, "no matching tickets"
    share = _round(Decimal(100 * counts["within_limit"]) / Decimal(events))
    return share, (
        f"{counts['within_limit']} of {events} matching tickets resolved within "
        f"{_show(computation.within_hours)} {clock} = {_show(share)}%"
    )


def _business_days(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    computation: Computation,
    holidays_for: HolidaysFor | None,
    years: range | None,
) -> None:
    """A table of days: business window (seconds of the day) and the business seconds of
    every earlier day, so B(t) needs one equality join. It covers `years`, or the file's
    dates when no years are given (an extra pass over the file)."""
    if years is not None:
        # One more year: a ticket opened in the term's last days may be resolved after it.
        low, high = date(years.start, 1, 1), date(years.stop, 12, 31)
        _fill_business_days(con, computation, holidays_for, low, high)
        return
    start, end = _start_end(computation)
    low, high = con.execute(
        f"SELECT min(least(TRY_CAST({_ident(start)} AS DATE), TRY_CAST({_ident(end)} AS DATE))), "  # noqa: S608
        f"max(greatest(TRY_CAST({_ident(start)} AS DATE), TRY_CAST({_ident(end)} AS DATE))) "
        f"FROM {relation}"
    ).fetchone() or (None, None)
    _fill_business_days(con, computation, holidays_for, low, high)


def _fill_business_days(
    con: duckdb.DuckDBPyConnection,
    computation: Computation,
    holidays_for: HolidaysFor | None,
    low: date | None,
    high: date | None,
) -> None:
    hours = computation.business_hours
    open_at = _seconds(hours.start if hours else time(9))
    close_at = _seconds(hours.end if hours else time(17))
    rows: list[tuple[date, int, int, int]] = []
    if low is not None and high is not None:
        holidays = holidays_for(range(low.year, high.year + 1)) if holidays_for else {}
        cumulative = 0
        day = low
        while day <= high:
            working = day.weekday() < 5 and day not in holidays
            window = (open_at, close_at) if working else (open_at, open_at)
            rows.append((day, window[0], window[1], cumulative))
            cumulative += window[1] - window[0]
            day += timedelta(days=1)
    con.execute("CREATE OR REPLACE TEMP TABLE business_days (d DATE, ws INT, we INT, cum BIGINT)")
    if rows:
        con.executemany("INSERT INTO business_days VALUES (?, ?, ?, ?)", rows)


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


# --------------------------------------------------------------------------- outages


def _availability(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    source: str,
    measure_id: str,
    computation: Computation,
) -> list[ComputedFigure]:
    planned = ", ".join(_text_literal(word) for word in _TRUE_WORDS)
    typed = _typed(
        relation,
        computation,
        f", lower(trim(CAST({_ident(computation.planned)} AS VARCHAR))) IN ({planned}) AS planned",
    )
    checks = _run(
        con,
        f"""WITH t AS ({typed})
        SELECT count(*) FILTER (WHERE bad_s), count(*) FILTER (WHERE bad_e),
               count(*) FILTER (WHERE s IS NULL AND NOT bad_s),
               count(*) FILTER (WHERE NOT bad_e AND (e IS NULL OR e < s))
        FROM t""",  # noqa: S608
        source,
    )[0]
    bad_s, bad_e, no_s, no_end = (int(v) for v in checks)
    _refuse_bad_rows(
        con, relation, source, measure_id, _where(computation), computation, (bad_s, bad_e, no_s, 0)
    )
    if no_end:
        start, end = _start_end(computation)
        found = _problem_rows(con, relation, computation, "e IS NULL OR e < s")
        raise EventsProblem(
            source,
            f"column {end}: empty or before {start} in {no_end} outage row"
            f"{'s' if no_end > 1 else ''} (row{'s' if len(found) > 1 else ''} "
            f"{', '.join(map(str, found))}); every outage needs its end",
            found,
            column=end,
            rule=f"empty or before {start}",
        )
    query = f"""
        WITH t AS ({typed}),
        months AS (
            SELECT range AS month_start, range + INTERVAL 1 MONTH AS month_end
            FROM range(
                (SELECT date_trunc('month', min(s)) FROM t),
                (SELECT max(e) FROM t),
                INTERVAL 1 MONTH)
        )
        SELECT strftime(month_start, '%Y-%m'),
               date_diff('second', month_start, month_end) AS month_seconds,
               coalesce(sum(date_diff('second', greatest(s, month_start), least(e, month_end)))
                   FILTER (WHERE NOT planned), 0) AS down,
               coalesce(sum(date_diff('second', greatest(s, month_start), least(e, month_end)))
                   FILTER (WHERE planned), 0) AS maintenance
        FROM months LEFT JOIN t ON t.s < months.month_end AND t.e > months.month_start
        GROUP BY ALL
        ORDER BY 1
    """  # noqa: S608
    rows = _run(con, query, source)
    figures = []
    for period_text, month_seconds, down, maintenance in rows:
        counts = {
            "month_seconds": int(month_seconds),
            "unplanned_seconds": int(down),
            "planned_seconds": int(maintenance),
        }
        scheduled = counts["month_seconds"] - counts["planned_seconds"]
        if scheduled <= 0:
            value, text = None, "the whole month was planned maintenance"
        else:
            value = _round(Decimal(100) * (1 - Decimal(counts["unplanned_seconds"]) / scheduled))
            text = (
                f"100 × (1 − {counts['unplanned_seconds']} s unplanned ÷ ({counts['month_seconds']}"
                f" s − {counts['planned_seconds']} s planned maintenance)) = {_show(value)}%"
            )
        figures.append(ComputedFigure(measure_id, Period.parse(period_text), value, counts, text))
    return figures


# --------------------------------------------------------------------------- helpers


def _run(con: duckdb.DuckDBPyConnection, query: str, source: str) -> list[Any]:
    try:
        return con.execute(query).fetchall()
    except duckdb.Error as error:
        raise EventsProblem(source, f"cannot compute from the file: {_first_line(error)}") from None


def _show(value: Decimal | None) -> str:
    """A figure for people: no trailing zeros (25.0000 reads 25)."""
    if value is None:
        return "none"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _round(value: Decimal) -> Decimal:
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_UP)
