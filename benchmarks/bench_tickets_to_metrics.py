"""Benchmark: raw tickets to monthly service-level figures, against hand-written DuckDB SQL.

Generates a tickets file (10 million rows by default, Parquet or CSV, deterministic: every
value is a hash of the row number), then computes four monthly figures twice, each run in a
fresh process so time and peak memory are its own:

* Pactline: ``pactline.service_levels.computed.compute_figures`` with the definitions a terms
  file would carry (P1 resolved within 4 business hours on the England calendar, P2 within 8
  business hours, the average duration of P3 tickets in calendar hours, the count of all);
* reference: one SQL query written by hand for exactly these figures, on the same file.

The two must agree on every count; the script stops if they do not. It prints each run, the
medians, and the ratio Pactline / reference (the target is at most 1.5).

    python benchmarks/bench_tickets_to_metrics.py [--tickets 10000000] [--format parquet]
        [--runs 3] [--data-dir benchmarks/data]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.5
YEAR = 2026

DEFINITIONS = {
    "p1_within_4_business_hours": {
        "source": "tickets",
        "metric": "percent_within",
        "where": {"priority": ["P1"]},
        "within_hours": 4,
        "clock": "business_hours",
    },
    "p2_within_8_business_hours": {
        "source": "tickets",
        "metric": "percent_within",
        "where": {"priority": ["P2"]},
        "within_hours": 8,
        "clock": "business_hours",
    },
    "p3_average_hours": {
        "source": "tickets",
        "metric": "average_hours",
        "where": {"priority": ["P3"]},
    },
    "tickets": {"source": "tickets", "metric": "count"},
}


def generate(path: Path, tickets: int) -> None:
    """The tickets file: opened during the year, priorities P1-P4, 1% still open."""
    import duckdb

    fmt = "parquet" if path.suffix == ".parquet" else "csv, header true"
    query = f"""
        COPY (
            SELECT i AS ticket_id,
                   'P' || (1 + (hash(i) % 100 >= 5)::INT + (hash(i) % 100 >= 25)::INT
                          + (hash(i) % 100 >= 60)::INT) AS priority,
                   opened_at,
                   CASE WHEN hash(i * 7 + 3) % 100 = 0 THEN NULL
                        ELSE opened_at + to_seconds((hash(i * 13 + 5) % (
                            CASE WHEN hash(i) % 100 < 5 THEN 12 ELSE 72 END * 3600))::BIGINT)
                   END AS resolved_at,
                   'queue-' || (hash(i * 31) % 12)::VARCHAR AS queue
            FROM (SELECT range AS i,
                         TIMESTAMP '{YEAR}-01-01 00:00:00'
                         + to_seconds((hash(range * 3 + 1) % (364 * 86400))::BIGINT) AS opened_at
                  FROM range({tickets}))
        ) TO '{path}' (FORMAT {fmt})
    """  # noqa: S608
    duckdb.sql(query)


def holidays() -> list[date]:
    """England's public holidays of the year and the next (tickets resolved in January)."""
    from pactline.terms.calendars import holiday_names

    return sorted(holiday_names("GB", "ENG", [YEAR, YEAR + 1]))


def run_pactline(path: Path) -> dict[str, dict[str, list[int]]]:
    """The figures through the application's own code."""
    from pactline.service_levels.computed import compute_figures
    from pactline.terms import Computation
    from pactline.terms.calendars import holiday_names

    measures = [(mid, Computation.model_validate(d)) for mid, d in DEFINITIONS.items()]
    figures = compute_figures(
        path,
        measures,
        holidays_for=lambda years: holiday_names("GB", "ENG", years),
        years=range(YEAR, YEAR + 1),
    )
    out: dict[str, dict[str, list[int]]] = {}
    for figure in figures:
        c = figure.counts
        out.setdefault(figure.measure_id, {})[str(figure.period)] = [
            c["events"],
            c["ended"],
            c["within_limit"],
            c["seconds"],
        ]
    return out


def run_reference(path: Path) -> dict[str, dict[str, list[int]]]:
    """The same figures from one hand-written query."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    days = ", ".join(f"DATE '{d}'" for d in holidays())
    con.execute(f"""
        CREATE TEMP TABLE cal AS
        SELECT d, 32400 AS ws, we,
               coalesce(sum(we - 32400) OVER (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING
                                             AND 1 PRECEDING), 0) AS cum
        FROM (SELECT range::DATE AS d,
                     CASE WHEN isodow(range) <= 5 AND range::DATE NOT IN ({days})
                          THEN 61200 ELSE 32400 END AS we
              FROM range(DATE '{YEAR}-01-01', DATE '{YEAR + 2}-01-01', INTERVAL 1 DAY))
    """)  # noqa: S608
    source = f"read_parquet('{path}')" if path.suffix == ".parquet" else f"read_csv('{path}')"
    business = (
        "((ce.cum + least(greatest(date_diff('second', resolved_at::DATE, resolved_at) - ce.ws,"
        " 0), ce.we - ce.ws)) - (co.cum + least(greatest(date_diff('second', "
        "opened_at::DATE, opened_at) - co.ws, 0), co.we - co.ws)))"
    )
    calendar = "date_diff('second', opened_at, resolved_at)"
    rows = con.execute(f"""
        SELECT strftime(opened_at, '%Y-%m') AS month,
          count(*) FILTER (WHERE priority = 'P1'),
          count(resolved_at) FILTER (WHERE priority = 'P1'),
          count(*) FILTER (WHERE priority = 'P1' AND {business} <= 14400),
          coalesce(sum({business}) FILTER (WHERE priority = 'P1'), 0),
          count(*) FILTER (WHERE priority = 'P2'),
          count(resolved_at) FILTER (WHERE priority = 'P2'),
          count(*) FILTER (WHERE priority = 'P2' AND {business} <= 28800),
          coalesce(sum({business}) FILTER (WHERE priority = 'P2'), 0),
          count(*) FILTER (WHERE priority = 'P3'),
          count(resolved_at) FILTER (WHERE priority = 'P3'),
          coalesce(sum({calendar}) FILTER (WHERE priority = 'P3'), 0),
          count(*), count(resolved_at), coalesce(sum({calendar}), 0)
        FROM {source} t
        LEFT JOIN cal co ON co.d = t.opened_at::DATE
        LEFT JOIN cal ce ON ce.d = t.resolved_at::DATE
        GROUP BY ALL
    """).fetchall()  # noqa: S608
    out: dict[str, dict[str, list[int]]] = {name: {} for name in DEFINITIONS}
    for month, *v in rows:
        n = [int(x) for x in v]
        out["p1_within_4_business_hours"][month] = n[0:4]
        out["p2_within_8_business_hours"][month] = n[4:8]
        out["p3_average_hours"][month] = [n[8], n[9], 0, n[10]]
        out["tickets"][month] = [n[11], n[12], 0, n[13]]
    return out


def child(which: str, path: Path) -> None:
    """Run one side in this process and print its figures, time and peak memory as JSON."""
    import resource

    # Libraries are imported before the clock starts: the figure is the work, not start-up.
    import duckdb  # noqa: F401

    if which == "pactline":
        import pactline.service_levels.computed
        import pactline.terms.calendars  # noqa: F401
    started = time.perf_counter()
    figures = run_pactline(path) if which == "pactline" else run_reference(path)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024, "figures": figures}))


def measure(which: str, path: Path) -> dict[str, object]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", which, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--child", choices=["pactline", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return

    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / f"tickets-{args.tickets}.{args.format}"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.tickets)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    size = path.stat().st_size / 1024 / 1024
    print(f"{args.tickets:,} tickets in {path.name} ({size:.0f} MiB)")

    results: dict[str, list[dict[str, object]]] = {"pactline": [], "reference": []}
    for number in range(1, args.runs + 1):
        for which in ("reference", "pactline"):  # alternate, so neither always runs warm
            outcome = measure(which, path)
            results[which].append(outcome)
            print(
                f"run {number} {which:9}: {outcome['seconds']:.2f} s, "
                f"peak {outcome['peak_mib']:.0f} MiB"
            )
    ours, theirs = results["pactline"][0]["figures"], results["reference"][0]["figures"]
    if ours != theirs:
        print("the figures differ: Pactline", ours, "reference", theirs, file=sys.stderr)
        sys.exit(1)
    months = len(next(iter(ours.values())))  # type: ignore[attr-defined]
    print(f"identical figures: {len(DEFINITIONS)} measures x {months} months")
    medians = {
        which: statistics.median(float(r["seconds"]) for r in runs)  # type: ignore[arg-type]
        for which, runs in results.items()
    }
    peaks = {
        which: statistics.median(float(r["peak_mib"]) for r in runs)  # type: ignore[arg-type]
        for which, runs in results.items()
    }
    ratio = medians["pactline"] / medians["reference"]
    print(
        f"median Pactline {medians['pactline']:.2f} s (peak {peaks['pactline']:.0f} MiB), "
        f"reference {medians['reference']:.2f} s (peak {peaks['reference']:.0f} MiB); "
        f"ratio {ratio:.2f} (target at most {TARGET_RATIO})"
    )


if __name__ == "__main__":
    main()
