"""The commercial tables: volumes, indices and one invoice, every problem by row and column."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from pactline.commercials.files import (
    read_deliveries,
    read_indices,
    read_invoice,
    read_rates,
    read_volumes,
)
from pactline.engine.charges import ChargeKind, ChargeTerms, FxTerms
from pactline.engine.service_levels import Period
from pactline.terms import charge_terms, load_terms_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TERMS: ChargeTerms = charge_terms(load_terms_file(EXAMPLES / "northwind-msa.yaml"))
APRIL = Period(2026, 4)


def in_term(period: Period) -> str | None:
    return None if Period(2026, 1) <= period <= Period(2030, 12) else f"{period} is outside"


def volumes(text: str) -> list[str]:
    _, problems = read_volumes("v.csv", text.encode(), TERMS, in_term)
    return [problem.format() for problem in problems]


def test_a_volume_row_is_a_resource_unit_or_rate_card_usage_by_what_the_terms_call_its_id() -> None:
    content = (EXAMPLES / "volumes" / "northwind-msa.csv").read_bytes()
    read, problems = read_volumes("v.csv", content, TERMS, in_term)
    assert problems == []
    assert read.resource_volumes[APRIL] == {"ports": Decimal("2080")}
    (usage,) = read.unit_usage[APRIL]
    assert (usage.id, usage.item, usage.role, usage.unit, usage.quantity) == (
        "engineer-y1",
        "project_services",
        "network_engineer",
        "day",
        Decimal("3"),
    )
    assert Period(2026, 1) in read.months()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "item_id,period,quantity\nrouters,2026-04,5\n",
            "v.csv: row 2, column item_id: no resource unit, tiered charge or rate card entry "
            "'routers' in the terms (ports, engineer-y1, engineer-y2, architect)",
        ),
        (
            "item_id,period,quantity\nports,2026-04,-5\n",
            "v.csv: row 2, column quantity: must not be negative (found -5)",
        ),
        (
            "item_id,period,quantity\nports,2026-04,5\nports,2026-04,6\n",
            "v.csv: row 3, column period: a second row for ports in 2026-04 (the first is row 2); "
            "keep one",
        ),
        (
            "item_id,period,quantity\nports,April,5\n",
            "v.csv: row 2, column period: must be a month written YYYY-MM, like 2026-01 (found "
            "'April')",
        ),
        (
            "item_id,period,quantity\nports,2025-12,5\n",
            "v.csv: row 2, column period: 2025-12 is outside",
        ),
        (
            "item_id,period\nports,2026-04\n",
            "v.csv: row 1: missing column quantity; the header must name item_id, period, quantity",
        ),
    ],
    ids=["unknown item", "negative", "duplicate", "bad period", "outside term", "no column"],
)
def test_a_bad_volumes_row_is_one_problem_naming_its_row_and_column(
    text: str, message: str
) -> None:
    assert volumes(text) == [message]


def test_index_values_are_keyed_by_month_and_only_the_terms_series_is_accepted() -> None:
    content = (EXAMPLES / "indices" / "cpi.csv").read_bytes()
    series, problems = read_indices("i.csv", content, TERMS)
    assert problems == [] and series["2025-10"] == Decimal("138.4")
    _, problems = read_indices("i.csv", b"series,period,value\nRPI,2026-01,1\nCPI,x,0\n", TERMS)
    assert [problem.format() for problem in problems] == [
        "i.csv: row 2, column series: the terms index by 'CPI', not 'RPI'",
        "i.csv: row 3, column period: must be a month written YYYY-MM, like 2026-01 (found 'x')",
        "i.csv: row 3, column value: must be more than 0 (an index divides by it)",
    ]


def test_an_indices_file_also_gives_the_rate_of_the_fx_clause_s_currency_pair() -> None:
    terms = replace(TERMS, fx=FxTerms(baseline_rate=Decimal("1.1650"), currency_pair="EUR/GBP"))
    content = b"series,period,value\nCPI,2026-01,139\nEUR/GBP,2026-04,1.10\nUSD/GBP,2026-04,1\n"
    rates, problems = read_rates("i.csv", content, terms)
    assert rates.index == {"2026-01": Decimal("139")}
    assert rates.fx == {"2026-04": Decimal("1.10")}
    assert [problem.format() for problem in problems] == [
        "i.csv: row 4, column series: the terms index by 'CPI' or 'EUR/GBP', not 'USD/GBP'"
    ]


def test_the_invoice_totals_are_the_sums_of_its_lines_unless_given() -> None:
    content = (EXAMPLES / "invoices" / "northwind-msa-2026-04.csv").read_bytes()
    invoice, problems = read_invoice("inv.csv", content, TERMS, APRIL)
    assert problems == [] and invoice is not None
    assert invoice.number == "NW-INV-2026-0412"
    assert invoice.subtotal == sum(line.amount for line in invoice.lines) == Decimal("253900.00")
    assert invoice.tax == Decimal("50780.00") and invoice.total == Decimal("304680.00")
    assert invoice.lines[3].kind is ChargeKind.ARC


HEAD = "invoice_number,counterparty,issued_on,period,currency,line,item_id,amount"
ROW = "INV-1,Northwind,2026-05-05,2026-04,GBP"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"{HEAD}\n{ROW},1,desk,1.005\n",
            "row 2, column amount: must have at most 2 decimal places (found 1.005)",
        ),
        (
            f"{HEAD}\n{ROW},1,desk,1\n{ROW},1,desk,2\n",
            "row 3, column line: line 1 is on row 2 already; number each line once",
        ),
        (
            f"{HEAD}\n{ROW},1,desk,1\nINV-2,Northwind,2026-05-05,2026-04,GBP,2,desk,2\n",
            "row 3, column invoice_number: differs from row 2 ('INV-2'); an invoice file holds "
            "one invoice",
        ),
        (
            f"{HEAD}\nINV-1,Northwind,2026-05-05,2026-03,GBP,1,desk,1\n",
            "row 2, column period: the invoice is for 2026-03, but --period is 2026-04",
        ),
        (
            f"{HEAD}\nINV-1,Northwind,5 May 2026,2026-04,GBP,1,desk,1\n",
            "row 2, column issued_on: must be a date written YYYY-MM-DD, like 2026-04-05 (found "
            "'5 May 2026')",
        ),
        (
            f"{HEAD}\nINV-1,Northwind,2026-05-05,2026-04,EUR,1,desk,1\n",
            "row 2, column currency: must be the contract's currency GBP (found 'EUR'); an "
            "invoice in another currency cannot be checked against the terms",
        ),
        (
            f"{HEAD},kind\n{ROW},1,desk,1,tax\n",
            "row 2, column kind: tax is not a line: give it in the line's tax column",
        ),
        (f"{HEAD}\n", "row 2: no lines: an invoice file has one row per invoice line"),
    ],
    ids=[
        "places",
        "line twice",
        "two invoices",
        "other period",
        "bad date",
        "currency",
        "tax line",
        "no lines",
    ],
)
def test_a_bad_invoice_row_is_one_problem_naming_its_row_and_column(
    text: str, message: str
) -> None:
    invoice, problems = read_invoice("inv.csv", text.encode(), TERMS, APRIL)
    assert invoice is None
    assert [problem.format() for problem in problems] == [f"inv.csv: {message}"]


def test_a_deliveries_file_gives_milestone_events_and_delays_by_month() -> None:
    content = (EXAMPLES / "deliveries" / "northwind-msa.csv").read_bytes()
    read, problems = read_deliveries("d.csv", content, TERMS, in_term)
    assert problems == []
    (delay,) = read.delays(Period(2026, 5))
    assert (delay.damages_id, str(delay.due_on), str(delay.ended_on)) == (
        "migration_delay",
        "2026-04-20",
        "2026-04-30",
    )
    (may,) = read.milestones(Period(2026, 5))
    assert (may.milestone_id, may.achieved, may.accepted) == ("migration", True, False)
    (june,) = read.milestones(Period(2026, 6))
    assert (june.achieved, june.accepted) == (False, True)


def test_a_bad_deliveries_row_names_its_row_and_column() -> None:
    head = "item_id,period,event,due_on,ended_on\n"
    rows = (
        "migration,2026-05,paid,,\n"
        "migration_delay,2026-05,delay,2026-04-20,2026-04-10\n"
        "nothing,2026-05,achieved,,\n"
        "migration,2026-05,achieved,2026-04-01,\n"
    )
    _, problems = read_deliveries("d.csv", (head + rows).encode(), TERMS, in_term)
    assert [problem.format() for problem in problems] == [
        "d.csv: row 2, column event: must be one of achieved, accepted, delay (found 'paid')",
        "d.csv: row 3, column ended_on: is before due_on (2026-04-20): no delay",
        "d.csv: row 4, column item_id: the terms have no milestone 'nothing' (migration)",
        "d.csv: row 5, column due_on: only a delay has a due_on; leave it empty",
    ]
