"""Benchmark: validate a 1,000,000-line time-and-materials invoice against a 5,000-entry rate
card.

Generates, deterministically from a seed, a contract whose rate card has 5,000 entries (one per
item / role / region combination, priced for contract year 2, the month's year) and the
supplier's invoice for one month as a time-and-materials invoice is: 1,000,000 lines spread at
random over the entries (about 200 lines per entry: one per person, ticket or week), each
naming its entry's id with a quantity (0.25 to 80.00 units), unit price, amount and a
description of its own (its timesheet), and tax on the total. The usage recorded for the month
is what the application stores: one volume per entry, the sum of its lines' quantities, so the
statement has one unit line per entry billed. 1% of the lines are billed at a wrong unit price
(their amount is quantity × that price, so only the rate is wrong), and a handful of entries
(8) have a recorded usage that differs from the sum of their lines (4 billed above it, 4
below).

It then checks the invoice twice, each run in a fresh process so time and peak memory are its
own:

* Pactline: the pure engine, as the application calls it: ``build_statement`` prices every
  entry's usage from the rate card (contract year 2), then ``check_invoice`` checks every line
  against the statement (its price, its arithmetic, duplicates), each entry's lines together
  against the recorded usage, the totals and the tax;
* reference: one DuckDB query that does the rate check alone: join the lines to the rate card
  on the entry id, flag the lines whose unit price is not the card's rate, and sum the money at
  stake (amount − quantity × card rate, rounded half up to the penny).

The two must agree on the count and the sum of rate mismatches, Pactline must find exactly the
planted quantity differences (count and sum, worked out in integers here) and nothing else;
the script stops if not. The time is the computation (libraries imported, data generated
before the clock starts, on both sides); the memory is the process's peak RSS, which includes
the generated data; each side imports only its own libraries. It prints each run, the medians,
the ratio Pactline / reference and the targets (under 10 s and under 1 GiB for Pactline).

    python benchmarks/bench_invoice_validation.py [--lines 1000000] [--entries 5000]
        [--mismatch-pct 1] [--seed 2026] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from pactline.engine.charges import BillingPeriod, ChargeTerms, UnitUsage
    from pactline.engine.invoice_checks import Invoice

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 10.0
TARGET_PEAK_MIB = 1024.0
CURRENCY = "GBP"
CONTRACT_START = date(2025, 1, 1)
PERIOD_START = date(2026, 3, 1)  # contract year 2
CONTRACT_YEAR = 2
TAX_PCT = 20
QUANTITY_DIFFERENCES = 8  # entries whose recorded usage is not the sum of their lines
ROLES = (
    "engineer",
    "architect",
    "analyst",
    "tester",
    "manager",
    "designer",
    "dba",
    "operator",
    "trainer",
    "consultant",
)
REGIONS = ("UK", "IE", "FR", "DE", "NL", "ES", "PL", "IN", "US", "CA")
UNITS = ("hour", "hour", "hour", "day", "ticket")  # by item, in turn


@dataclass(frozen=True)
class Entry:
    """One rate card entry, as plain data: money in pence."""

    id: str
    item: str
    role: str
    region: str
    unit: str
    rate_p: int


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice line: the entry it bills, quantity in hundredths, money in pence."""

    number: int
    key: int  # the index of its entry on the card
    quantity_c: int
    unit_price_p: int
    amount_p: int


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both positive), in integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def text(hundredths: int) -> str:
    """A whole number of hundredths as decimal text: 72515 is "725.15"."""
    sign = "-" if hundredths < 0 else ""
    hundredths = abs(hundredths)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"


def rate_card(entries: int, seed: int) -> list[Entry]:
    """`entries` rates, one per combination of item, role and region."""
    rng = random.Random(seed)
    return [
        Entry(f"R{key:05d}", *combination(key), rng.randint(2_000, 150_000))
        for key in range(entries)
    ]


def combination(key: int) -> tuple[str, str, str, str]:
    """The item, role, region and unit of combination `key`."""
    region = REGIONS[key % len(REGIONS)]
    role = ROLES[key // len(REGIONS) % len(ROLES)]
    item_index = key // (len(REGIONS) * len(ROLES))
    return f"item-{item_index:03d}", role, region, UNITS[item_index % len(UNITS)]


def description(number: int) -> str:
    """A line's own description (its timesheet), read from the invoice as each line's text."""
    return f"Timesheet TS-{number:07d}"


def invoice_lines(card: list[Entry], lines: int, mismatch_pct: float, seed: int) -> Iterator[Line]:
    """The invoice's lines, in line-number order, each billing an entry at random."""
    rng = random.Random(seed + 1)
    for number in range(1, lines + 1):
        key = rng.randrange(len(card))
        rate = card[key].rate_p
        quantity = rng.randint(25, 8_000)  # 0.25 to 80.00 units
        price = rate
        if rng.random() * 100 < mismatch_pct:
            # A wrong price, up to 10% off either way; never the right one.
            price = max(1, rate + rng.choice((-1, 1)) * rng.randint(1, rate // 10 + 1))
        yield Line(number, key, quantity, price, half_up(quantity * price, 100))


def quantity_differences(entries: int, seed: int) -> dict[int, int]:
    """Entry index → how many hundredths the lines bill above the recorded usage (negative:
    below), for a handful of entries."""
    rng = random.Random(seed + 2)
    keys = rng.sample(range(entries), QUANTITY_DIFFERENCES)
    return {
        key: (1 if position % 2 == 0 else -1) * rng.randint(100, 2_000)
        for position, key in enumerate(keys)
    }


# -- Pactline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PactlineInputs:
    """What the engine is given: the terms, the month, the usage recorded and the invoice; and
    the quantity findings the planted differences give (count, sum in pence)."""

    terms: ChargeTerms
    period: BillingPeriod
    usage: tuple[UnitUsage, ...]
    invoice: Invoice
    quantity_findings: tuple[int, int]


def pactline_inputs(card: list[Entry], lines: Iterator[Line], seed: int) -> PactlineInputs:
    """The engine's frozen inputs, built as the application's adapters build them: each invoice
    line with its own values (read from the invoice file: its own item id, numbers and
    description), one usage per entry (the stored volume, the entry's words shared)."""
    from decimal import Decimal

    from pactline.engine.charges import (
        BillingPeriod,
        ChargeTerms,
        RateCardEntry,
        TaxTerms,
        UnitUsage,
    )
    from pactline.engine.invoice_checks import Invoice, InvoiceLine
    from pactline.engine.money import quantize_money

    def pounds(pence: int) -> Decimal:
        return Decimal(pence).scaleb(-2)

    terms = ChargeTerms(
        currency=CURRENCY,
        contract_start_on=CONTRACT_START,
        rate_card=tuple(
            RateCardEntry(
                e.id,
                e.item,
                e.unit,
                pounds(e.rate_p),
                role=e.role,
                region=e.region,
                contract_year=CONTRACT_YEAR,
            )
            for e in card
        ),
        tax=TaxTerms(Decimal(TAX_PCT)),
    )
    billed_c = [0] * len(card)  # each entry's invoiced quantity, in hundredths
    invoice_lines: list[InvoiceLine] = []
    subtotal_p = 0
    for line in lines:
        invoice_lines.append(
            InvoiceLine(
                line_number=line.number,
                item_id=f"R{line.key:05d}",
                amount=pounds(line.amount_p),
                quantity=pounds(line.quantity_c),
                unit_price=pounds(line.unit_price_p),
                description=description(line.number),
            )
        )
        billed_c[line.key] += line.quantity_c
        subtotal_p += line.amount_p
    differences = quantity_differences(len(card), seed)
    usage: list[UnitUsage] = []
    findings_p = 0
    for key, entry in enumerate(card):
        if not billed_c[key]:
            continue
        recorded_c = max(0, billed_c[key] - differences.get(key, 0))
        usage.append(
            UnitUsage(
                entry.id,
                entry.item,
                entry.unit,
                pounds(recorded_c),
                role=entry.role,
                region=entry.region,
            )
        )
        if recorded_c != billed_c[key]:
            findings_p += half_up(billed_c[key] * entry.rate_p, 100) - half_up(
                recorded_c * entry.rate_p, 100
            )
    subtotal = pounds(subtotal_p)
    tax = quantize_money(subtotal * TAX_PCT / 100, CURRENCY)
    period = BillingPeriod(PERIOD_START)
    invoice = Invoice(
        number="INV-2026-0412",
        counterparty="Acme IT Services",
        issued_on=date(2026, 4, 2),
        period=period,
        currency=CURRENCY,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        lines=tuple(invoice_lines),
    )
    return PactlineInputs(terms, period, tuple(usage), invoice, (len(differences), findings_p))


def run_pactline(inputs: PactlineInputs) -> dict[str, object]:
    """Build the month's statement and check the invoice against it."""
    from decimal import Decimal

    from pactline.engine.charges import StatementInputs, build_statement
    from pactline.engine.invoice_checks import (
        FindingType,
        InvoiceContext,
        RecordedVolumes,
        check_invoice,
    )

    started = time.perf_counter()
    statement = build_statement(
        inputs.terms, inputs.period, StatementInputs(unit_usage=inputs.usage)
    )
    statement_seconds = time.perf_counter() - started
    context = InvoiceContext(
        statement=statement,
        terms=inputs.terms,
        volumes=RecordedVolumes(unit_usage=inputs.usage),
    )
    findings = check_invoice(inputs.invoice, context)
    rate = [f for f in findings if f.type is FindingType.RATE_MISMATCH]
    quantity = [f for f in findings if f.type is FindingType.QUANTITY_MISMATCH]
    others: dict[str, int] = {}
    for finding in findings:
        if finding.type not in (FindingType.RATE_MISMATCH, FindingType.QUANTITY_MISMATCH):
            others[finding.type.value] = others.get(finding.type.value, 0) + 1
    expected_count, expected_p = inputs.quantity_findings
    return {
        "mismatches": len(rate),
        "at_stake": f"{sum((f.amount for f in rate), start=Decimal(0)):.2f}",
        "quantity_findings": len(quantity),
        "quantity_at_stake": f"{sum((f.amount for f in quantity), start=Decimal(0)):.2f}",
        "expected_quantity_findings": expected_count,
        "expected_quantity_at_stake": text(expected_p),
        "other_findings": others,
        "statement_lines": len(statement.lines),
        "statement_seconds": statement_seconds,
    }


# -- reference -----------------------------------------------------------------------------


def reference_inputs(
    card: list[Entry], lines: Iterator[Line], folder: Path
) -> duckdb.DuckDBPyConnection:
    """The same card and lines as DuckDB tables (loaded from a CSV file written here)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("""
        CREATE TABLE rate_card (id VARCHAR, item VARCHAR, role VARCHAR, region VARCHAR,
                                unit VARCHAR, contract_year INTEGER, rate DECIMAL(12, 2))
    """)
    con.executemany(
        "INSERT INTO rate_card VALUES (?, ?, ?, ?, ?, ?, ?::DECIMAL(12, 2))",
        [(e.id, e.item, e.role, e.region, e.unit, CONTRACT_YEAR, text(e.rate_p)) for e in card],
    )
    path = folder / "lines.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        for line in lines:
            writer.writerow(
                (
                    line.number,
                    f"R{line.key:05d}",
                    text(line.quantity_c),
                    text(line.unit_price_p),
                    text(line.amount_p),
                    description(line.number),
                )
            )
    # Exact decimals throughout, as Pactline computes: no floating point on either side.
    con.execute(f"""
        CREATE TABLE lines AS
        SELECT * FROM read_csv('{path}', header = false, columns = {{
            'line_number': 'INTEGER', 'item_id': 'VARCHAR',
            'quantity': 'DECIMAL(12, 2)', 'unit_price': 'DECIMAL(12, 2)',
            'amount': 'DECIMAL(14, 2)', 'description': 'VARCHAR'}})
    """)  # noqa: S608
    path.unlink()
    return con


def run_reference(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The rate check alone, in one query."""
    row = con.execute(f"""
        SELECT count(*), coalesce(sum(l.amount - round(l.quantity * c.rate, 2)), 0)
        FROM lines l
        JOIN rate_card c ON c.id = l.item_id AND c.contract_year = {CONTRACT_YEAR}
        WHERE l.unit_price <> c.rate
    """).fetchone()  # noqa: S608
    assert row is not None
    count, at_stake = row
    return {"mismatches": int(count), "at_stake": f"{at_stake:.2f}"}


# -- the runs ------------------------------------------------------------------------------


def child(which: str, args: argparse.Namespace) -> None:
    """Run one side in this process and print its result, time and memory as JSON."""
    import gc
    import resource

    # Libraries are imported and the data generated before the clock starts; each side
    # imports only its own, so neither's peak memory carries the other's.
    if which == "pactline":
        import pactline.engine.charges
        import pactline.engine.invoice_checks  # noqa: F401
    else:
        import duckdb  # noqa: F401

    card = rate_card(args.entries, args.seed)
    lines = invoice_lines(card, args.lines, args.mismatch_pct, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        if which == "pactline":
            inputs = pactline_inputs(card, lines, args.seed)
        else:
            con = reference_inputs(card, lines, Path(folder))
        gc.collect()
        inputs_mib = resident_mib()
        started = time.perf_counter()
        result = run_pactline(inputs) if which == "pactline" else run_reference(con)
        elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"seconds": elapsed, "peak_mib": peak_mib, "inputs_mib": inputs_mib, **result})
    )


def resident_mib() -> float:
    """The process's resident memory now (Linux), MiB: the data, before the work starts."""
    import os

    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def measure(which: str, args: argparse.Namespace) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", which]
    for name in ("lines", "entries", "mismatch_pct", "seed"):
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        command, check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=5_000)
    parser.add_argument("--mismatch-pct", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["pactline", "reference"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.entries < QUANTITY_DIFFERENCES:
        parser.error(f"--entries: give at least {QUANTITY_DIFFERENCES}")
    if args.child:
        child(args.child, args)
        return

    print(
        f"{args.lines:,} time-and-materials invoice lines ({args.mismatch_pct:g}% at a wrong "
        f"price) over {args.entries:,} rate card entries, {QUANTITY_DIFFERENCES} entries "
        f"billed above or below their recorded usage, seed {args.seed}"
    )
    results: dict[str, list[dict[str, object]]] = {"pactline": [], "reference": []}
    for number in range(1, args.runs + 1):
        for which in ("reference", "pactline"):  # alternate, so neither always runs warm
            outcome = measure(which, args)
            results[which].append(outcome)
            split = ""
            if which == "pactline":
                statement = float(outcome["statement_seconds"])  # type: ignore[arg-type]
                split = (
                    f" (statement {statement:.2f} s, "
                    f"check {float(outcome['seconds']) - statement:.2f} s)"  # type: ignore[arg-type]
                )
            print(
                f"run {number} {which:9}: {outcome['seconds']:.2f} s{split}, "
                f"peak {outcome['peak_mib']:.0f} MiB (data {outcome['inputs_mib']:.0f} MiB)"
            )
    answers = {(r["mismatches"], r["at_stake"]) for runs in results.values() for r in runs}
    quantities = {(r["quantity_findings"], r["quantity_at_stake"]) for r in results["pactline"]} | {
        (r["expected_quantity_findings"], r["expected_quantity_at_stake"])
        for r in results["pactline"]
    }
    others = [r["other_findings"] for r in results["pactline"] if r["other_findings"]]
    if len(answers) != 1 or len(quantities) != 1 or others:
        sys.stdout.flush()
        print(
            f"the results differ: (rate mismatches, at stake) {sorted(answers)}; (quantity "
            f"findings, at stake) found and planted {sorted(quantities)}; other Pactline "
            f"findings {others}",
            file=sys.stderr,
        )
        sys.exit(1)
    ours = results["pactline"][0]
    print(
        f"agreed: {ours['mismatches']:,} rate mismatches, {CURRENCY} {ours['at_stake']} at "
        f"stake; Pactline also found the {ours['quantity_findings']} planted quantity "
        f"differences ({CURRENCY} {ours['quantity_at_stake']}) and nothing else "
        f"({ours['statement_lines']:,} statement lines)"
    )

    def median(which: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in results[which])  # type: ignore[arg-type]

    ours_s, theirs_s = median("pactline", "seconds"), median("reference", "seconds")
    print(
        f"median Pactline {ours_s:.2f} s (statement {median('pactline', 'statement_seconds'):.2f}"
        f" s), peak {median('pactline', 'peak_mib'):.0f} MiB (data "
        f"{median('pactline', 'inputs_mib'):.0f} MiB); reference {theirs_s:.2f} s, peak "
        f"{median('reference', 'peak_mib'):.0f} MiB (data "
        f"{median('reference', 'inputs_mib'):.0f} MiB); ratio {ours_s / theirs_s:.0f}; "
        f"targets under {TARGET_SECONDS:.0f} s and {TARGET_PEAK_MIB:.0f} MiB"
    )


if __name__ == "__main__":
    main()
