"""Invoice validation: one planted error per finding type, clean invoices, and properties."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pactline.engine.charges import (
    BillingPeriod,
    ChargeKind,
    ChargeTerms,
    Deadband,
    DeadbandMode,
    FixedFee,
    IndexationTerms,
    RateCardEntry,
    ResourceUnitCategory,
    RoundingPoint,
    ServiceCredit,
    Statement,
    StatementInputs,
    TaxTerms,
    UnitUsage,
    build_statement,
)
from pactline.engine.invoice_checks import (
    Finding,
    FindingType,
    Invoice,
    InvoiceContext,
    InvoiceLine,
    RecordedVolumes,
    check_invoice,
    invoice_from_statement,
)
from pactline.engine.money import Rounding, quantize_money

D = Decimal
JANUARY, FEBRUARY, MARCH, APRIL = (BillingPeriod(date(2026, month, 1)) for month in (1, 2, 3, 4))
ISSUED_ON = date(2026, 4, 3)

SERVERS = ResourceUnitCategory(
    id="servers",
    description="Servers",
    unit="server",
    base_rate=D(10),
    baseline=D(2000),
    deadband=Deadband(D(5)),
    arc_rate=D(12),
    rrc_rate=D(8),
)
ENGINEER = RateCardEntry("ENG", item="build", unit="hour", rate=D(100), role="engineer")
INDEXATION = IndexationTerms(
    index_name="CPI",
    first_anniversary_on=date(2026, 1, 1),
    base_period="2025-01",
    cap_pct=D(3),
)
INDEX_SERIES = {"2025-01": D(100), "2026-01": D(105)}  # +5%, capped at 3%
CREDIT = ServiceCredit("sla-avail", D(500), FEBRUARY, "Availability credit")


def terms(**changes: Any) -> ChargeTerms:
    """A 10,000 service desk fee, servers as in DOMAIN.md, engineers at 100 an hour, CPI capped
    at 3%, and 20% tax."""
    fields: dict[str, Any] = {
        "currency": "GBP",
        "contract_start_on": date(2025, 1, 1),
        "fixed_fees": (FixedFee("desk", "Service desk", D(10000)),),
        "rate_card": (ENGINEER,),
        "resource_units": (SERVERS,),
        "indexation": INDEXATION,
        "tax": TaxTerms(D(20)),
    }
    fields.update(changes)
    return ChargeTerms(**fields)


def usage(hours: Decimal = D(40)) -> UnitUsage:
    return UnitUsage("build-eng", item="build", unit="hour", quantity=hours, role="engineer")


def statement_for(
    charge_terms: ChargeTerms | None = None,
    servers: Decimal = D(2150),
    hours: Decimal = D(40),
    credits: tuple[ServiceCredit, ...] = (CREDIT,),
) -> Statement:
    return build_statement(
        charge_terms or terms(),
        MARCH,
        StatementInputs(
            unit_usage=(usage(hours),),
            resource_volumes={"servers": servers},
            index_series=INDEX_SERIES,
            service_credits=credits,
        ),
    )


def context(
    statement: Statement | None = None,
    charge_terms: ChargeTerms | None = None,
    servers: Decimal = D(2150),
    hours: Decimal = D(40),
    **changes: Any,
) -> InvoiceContext:
    charge_terms = charge_terms or terms()
    fields: dict[str, Any] = {
        "statement": statement or statement_for(charge_terms, servers, hours),
        "terms": charge_terms,
        "volumes": RecordedVolumes({"servers": servers}, (usage(hours),)),
        "credits_due": (CREDIT,),
    }
    fields.update(changes)
    return InvoiceContext(**fields)


def clean(ctx: InvoiceContext, number: str = "INV-2") -> Invoice:
    return invoice_from_statement(
        ctx.statement, ctx.terms, number=number, counterparty="Acme IT", issued_on=ISSUED_ON
    )


def rebuilt(invoice: Invoice, lines: tuple[InvoiceLine, ...]) -> Invoice:
    """The invoice with these lines and a header that adds them up exactly."""
    subtotal = sum((line.amount for line in lines), D(0))
    tax = sum((line.tax_amount or D(0) for line in lines), D(0))
    return replace(invoice, lines=lines, subtotal=subtotal, tax=tax, total=subtotal + tax)


def retaxed(line: InvoiceLine) -> InvoiceLine:
    """The line with its tax at 20% of its (changed) amount, so only the planted error shows."""
    return replace(line, tax_amount=quantize_money(line.amount * D("0.2"), "GBP"))


def edit(invoice: Invoice, number: int, **changes: Any) -> Invoice:
    lines = tuple(
        retaxed(replace(line, **changes)) if line.line_number == number else line
        for line in invoice.lines
    )
    return rebuilt(invoice, lines)


def drop(invoice: Invoice, number: int) -> Invoice:
    return rebuilt(invoice, tuple(line for line in invoice.lines if line.line_number != number))


def add(invoice: Invoice, line: InvoiceLine) -> Invoice:
    return rebuilt(invoice, (*invoice.lines, retaxed(line)))


def found(findings: tuple[Finding, ...]) -> set[tuple[str, Decimal, int | None]]:
    return {(finding.type.value, finding.amount, finding.line_number) for finding in findings}


# --------------------------------------------------------------------------------------------
# The scenario: lines 1 desk 10,000; 2 build-eng 40 × 100; 3 servers:base 20,000;
# 4 servers:arc 50 × 12; 5 indexation 3% of 34,600; 6 sla-avail −500; tax 20%.
# --------------------------------------------------------------------------------------------


def test_the_clean_invoice_bills_what_the_statement_says_and_has_no_findings() -> None:
    ctx = context()
    invoice = clean(ctx)
    assert [(line.item_id, line.amount) for line in invoice.lines] == [
        ("desk", D("10000.00")),
        ("build-eng", D("4000.00")),
        ("servers:base", D("20000.00")),
        ("servers:arc", D("600.00")),
        ("indexation", D("1038.00")),
        ("sla-avail", D("-500.00")),
    ]
    assert invoice.total == ctx.statement.total == D("42165.60")
    assert check_invoice(invoice, ctx) == ()


Planted = Callable[[Invoice], Invoice]

PLANTED: list[tuple[str, Planted, dict[str, Any], set[tuple[str, Decimal, int | None]]]] = [
    (
        "rate: engineers billed at 105 instead of 100",
        lambda inv: edit(inv, 2, unit_price=D(105), amount=D("4200.00")),
        {},
        {("rate_mismatch", D("200.00"), 2)},
    ),
    (
        "quantity: 45 hours billed, 40 recorded",
        lambda inv: edit(inv, 2, quantity=D(45), amount=D("4500.00")),
        {},
        {("quantity_mismatch", D("500.00"), 2)},
    ),
    (
        "rate and quantity on one line split so the parts add up",
        lambda inv: edit(inv, 2, quantity=D(45), unit_price=D(105), amount=D("4725.00")),
        {},
        {("rate_mismatch", D("225.00"), 2), ("quantity_mismatch", D("500.00"), 2)},
    ),
    (
        "arithmetic: 1 × 10,000 written as 10,100",
        lambda inv: edit(inv, 1, amount=D("10100.00")),
        {},
        {("arithmetic", D("100.00"), 1)},
    ),
    (
        "arithmetic: the subtotal is 10 more than the lines",
        lambda inv: replace(inv, subtotal=inv.subtotal + 10, total=inv.total + 10),
        {},
        {("arithmetic", D("10.00"), None)},
    ),
    (
        "arithmetic: the total is 5 more than subtotal plus tax",
        lambda inv: replace(inv, total=inv.total + 5),
        {},
        {("arithmetic", D("5.00"), None)},
    ),
    (
        "tax: one line's tax is 50 too high",
        lambda inv: rebuilt(
            inv,
            tuple(
                replace(line, tax_amount=(line.tax_amount or D(0)) + 50)
                if line.line_number == 1
                else line
                for line in inv.lines
            ),
        ),
        {},
        {("tax_mismatch", D("50.00"), 1)},
    ),
    (
        "tax: the invoice's tax is 3 too high (no line taxes given)",
        lambda inv: replace(
            inv,
            lines=tuple(replace(line, tax_amount=None) for line in inv.lines),
            tax=inv.tax + 3,
            total=inv.total + 3,
        ),
        {},
        {("tax_mismatch", D("3.00"), None)},
    ),
    (
        "duplicate line: the desk fee twice",
        lambda inv: add(inv, replace(inv.lines[0], line_number=7)),
        {},
        {("duplicate_line", D("10000.00"), 7)},
    ),
    (
        "unknown item: gardening is not in the contract",
        lambda inv: add(inv, InvoiceLine(7, "gardening", D("250.00"))),
        {},
        {("unknown_item", D("250.00"), 7)},
    ),
    (
        "billed after termination: April's desk fee, the contract ended 31 March",
        lambda inv: add(inv, replace(inv.lines[0], line_number=7, period=APRIL)),
        {"terminated_on": date(2026, 3, 31)},
        {("billed_after_termination", D("10000.00"), 7)},
    ),
    (
        "missing service credit: the credit line left off",
        lambda inv: drop(inv, 6),
        {},
        {("missing_service_credit", D("500.00"), None)},
    ),
    (
        "short service credit: 300 credited of 500",
        lambda inv: edit(inv, 6, amount=D("-300.00")),
        {},
        {("missing_service_credit", D("200.00"), 6)},
    ),
    (
        "missing service credit: a credit due but not on the statement or the invoice",
        lambda inv: inv,
        {"credits_due": (CREDIT, ServiceCredit("sla-resp", D(250), FEBRUARY))},
        {("missing_service_credit", D("250.00"), None)},
    ),
    (
        "too much credit: 700 credited of 500, the supplier gives away 200",
        lambda inv: edit(inv, 6, amount=D("-700.00")),
        {},
        {("missing_service_credit", D("-200.00"), 6)},
    ),
    (
        "a credit earned in January is not due in March (one period's lag)",
        lambda inv: add(inv, InvoiceLine(7, "sla-old", D("-100.00"))),
        {"credits_due": (CREDIT, ServiceCredit("sla-old", D(100), JANUARY))},
        {("missing_service_credit", D("-100.00"), 7)},
    ),
    (
        "indexation never billed: the uplift in force is not on the invoice",
        lambda inv: drop(inv, 5),
        {},
        {("rate_mismatch", D("-1038.00"), None)},
    ),
    (
        "ARC in the wrong mode: the whole deviation of 150 billed instead of 50",
        lambda inv: edit(inv, 4, quantity=D(150), amount=D("1800.00")),
        {},
        {("arc_rrc", D("1200.00"), 4)},
    ),
    (
        "ARC at the wrong rate: 13 instead of 12",
        lambda inv: edit(inv, 4, unit_price=D(13), amount=D("650.00")),
        {},
        {("arc_rrc", D("50.00"), 4)},
    ),
    (
        "ARC never billed: the supplier under-recovers",
        lambda inv: drop(inv, 4),
        {},
        {("arc_rrc", D("-600.00"), None)},
    ),
    (
        "indexation above the cap: 5% billed, capped at 3%",
        lambda inv: edit(inv, 5, unit_price=D("0.05"), amount=D("1730.00")),
        {},
        {("indexation_above_cap", D("692.00"), 5)},
    ),
    (
        "outside the dispute window: January's desk fee billed in April",
        lambda inv: add(inv, replace(inv.lines[0], line_number=7, period=JANUARY)),
        {"dispute_window_days": 30},
        {("outside_dispute_window", D("10000.00"), 7)},
    ),
]


@pytest.mark.parametrize(
    ("plant", "changes", "expected"),
    [pytest.param(plant, changes, expected, id=name) for name, plant, changes, expected in PLANTED],
)
def test_each_planted_error_is_found_with_its_exact_amount_and_line(
    plant: Planted, changes: dict[str, Any], expected: set[tuple[str, Decimal, int | None]]
) -> None:
    ctx = context(**changes)
    findings = check_invoice(plant(clean(ctx)), ctx)
    assert found(findings) == expected
    for finding in findings:
        assert finding.explanation
        assert finding.evidence["invoice"] == "INV-2"


def test_every_finding_type_is_planted_in_the_table() -> None:
    planted = {kind for _, _, _, expected in PLANTED for kind, _, _ in expected}
    assert planted == {finding_type.value for finding_type in FindingType} - {"duplicate_invoice"}


def test_the_same_invoice_under_a_new_number_is_a_duplicate_of_its_whole_total() -> None:
    ctx = context()
    earlier = clean(ctx, number="INV-1")
    ctx = replace(ctx, earlier_invoices=(earlier,))
    findings = check_invoice(clean(ctx, number="INV-2"), ctx)
    assert found(findings) == {("duplicate_invoice", D("42165.60"), None)}
    assert findings[0].evidence["earlier_invoice"] == "INV-1"
    # Its own earlier version (same number) is not a duplicate.
    assert check_invoice(clean(ctx, number="INV-1"), ctx) == ()


def test_a_line_billed_on_an_earlier_invoice_is_a_duplicate_and_not_also_missing() -> None:
    ctx = context()
    invoice = clean(ctx)
    earlier = replace(
        invoice, number="INV-1", lines=(invoice.lines[1],), subtotal=D(4000), total=D(4800)
    )
    ctx = replace(ctx, earlier_invoices=(earlier,))
    assert found(check_invoice(invoice, ctx)) == {("duplicate_line", D("4000.00"), 2)}


def test_a_line_billed_on_two_earlier_invoices_names_the_lower_numbered_one() -> None:
    ctx = context()
    invoice = clean(ctx)
    line = invoice.lines[1]  # build-eng, 4,000.00

    def earlier(number: str, *lines: InvoiceLine) -> Invoice:
        return rebuilt(replace(invoice, number=number), lines)

    ctx = replace(
        ctx,
        earlier_invoices=(
            earlier("INV-1", line),
            earlier("INV-0", replace(line, line_number=1, amount=D("3999.00")), line),
            earlier("INV-00", replace(line, amount=D("3999.00"))),  # another amount: not it
        ),
    )
    findings = check_invoice(invoice, ctx)
    assert found(findings) == {("duplicate_line", D("4000.00"), 2)}
    assert findings[0].evidence["earlier_invoice"] == "INV-0"


def test_a_line_billing_a_rate_card_item_is_matched_to_its_one_recorded_usage() -> None:
    ctx = context()
    invoice = clean(ctx)
    lines = tuple(
        replace(line, item_id="build") if line.item_id == "build-eng" else line
        for line in invoice.lines
    )
    assert check_invoice(replace(invoice, lines=lines), ctx) == ()


def test_a_line_billing_an_item_with_two_recorded_usages_is_matched_to_neither() -> None:
    usages = (usage(D(40)), replace(usage(D(10)), id="build-eng-2"))
    statement = build_statement(
        terms(),
        MARCH,
        StatementInputs(
            unit_usage=usages,
            resource_volumes={"servers": D(2150)},
            index_series=INDEX_SERIES,
            service_credits=(CREDIT,),
        ),
    )
    ctx = context(statement, volumes=RecordedVolumes({"servers": D(2150)}, usages))
    invoice = clean(ctx)
    lines = tuple(
        replace(line, item_id="build") if line.item_id.startswith("build-eng") else line
        for line in invoice.lines
    )
    lines = tuple(line for line in lines if line.line_number != 3)  # one line for "build"
    findings = found(check_invoice(rebuilt(invoice, lines), ctx))
    # Which usage the line bills cannot be told: both are missing, and the line is billed
    # against nothing.
    assert ("quantity_mismatch", D("4000.00"), 2) in findings
    assert ("quantity_mismatch", D("-4000.00"), None) in findings
    assert ("quantity_mismatch", D("-1000.00"), None) in findings


def test_each_of_many_usage_records_is_matched_by_the_line_that_bills_it() -> None:
    usages = tuple(
        UnitUsage(f"ts-{number}", "build", "hour", D(number) / 4, role="engineer")
        for number in range(1, 301)
    )
    statement = build_statement(
        terms(indexation=None, resource_units=(), fixed_fees=()),
        MARCH,
        StatementInputs(unit_usage=usages),
    )
    charge_terms = terms(indexation=None, resource_units=(), fixed_fees=())
    ctx = context(statement, charge_terms, volumes=RecordedVolumes({}, usages), credits_due=())
    invoice = clean(ctx)
    assert len(invoice.lines) == 300
    assert check_invoice(invoice, ctx) == ()
    line = invoice.lines[149]  # ts-150: 37.5 hours
    planted = edit(invoice, 150, unit_price=D(101), amount=D("3787.50"))
    (finding,) = check_invoice(planted, ctx)
    assert (finding.type, finding.amount, finding.line_number) == (
        FindingType.RATE_MISMATCH,
        D("37.50"),
        150,
    )
    assert line.item_id == finding.evidence["item"] == "ts-150"
    assert finding.evidence["recorded"] == "usage 'ts-150': 37.5 hour"


def test_arc_billed_inside_the_deadband_is_all_at_stake() -> None:
    ctx = context(servers=D(2080))  # deviation 80, deadband 100: no ARC
    invoice = edit(clean(ctx), 4, quantity=D(80), unit_price=D(12), amount=D("960.00"))
    findings = check_invoice(invoice, ctx)
    assert found(findings) == {("arc_rrc", D("960.00"), 4)}
    assert any("inside the deadband" in step for step in findings[0].explanation)


def test_the_wrong_mode_is_named_in_the_explanation() -> None:
    ctx = context()
    invoice = edit(clean(ctx), 4, quantity=D(150), amount=D("1800.00"))
    (finding,) = check_invoice(invoice, ctx)
    assert any("billed in trigger mode" in step for step in finding.explanation)
    assert finding.evidence["due"] == "600.00"


def test_an_rrc_not_credited_overbills_the_customer() -> None:
    ctx = context(servers=D(1800))  # 200 below baseline, 100 beyond the deadband: RRC −800
    invoice = drop(clean(ctx), 4)
    assert found(check_invoice(invoice, ctx)) == {("arc_rrc", D("800.00"), None)}


def test_charges_after_termination_are_flagged_whole_and_credits_are_not() -> None:
    ctx = context(terminated_on=date(2026, 2, 28))
    findings = check_invoice(clean(ctx), ctx)
    assert found(findings) == {
        ("billed_after_termination", D("10000.00"), 1),
        ("billed_after_termination", D("4000.00"), 2),
        ("billed_after_termination", D("20000.00"), 3),
        ("billed_after_termination", D("600.00"), 4),
        ("billed_after_termination", D("1038.00"), 5),
    }


def test_a_finding_explains_itself_with_figures() -> None:
    ctx = context()
    (finding,) = check_invoice(edit(clean(ctx), 2, unit_price=D(105), amount=D(4200)), ctx)
    assert finding.explanation[0] == (
        "Line 2 bills 'build-eng' GBP 4,200.00 (40 × 105); the terms give GBP 4,000.00 (40 × 100)"
    )
    assert "40 × (105 − 100) = GBP 200.00" in finding.explanation[1]
    assert finding.explanation[-1].startswith("At stake: GBP 200.00 (positive")
    assert finding.evidence["recorded"] == "usage 'build-eng': 40 hour"


def test_an_item_with_nothing_due_this_period_is_billed_against_zero() -> None:
    ctx = context()
    invoice = add(clean(ctx), InvoiceLine(7, "ENG", D("300.00"), D(3), D(100)))
    # "ENG" is the rate card entry: known, but the period's usage is billed on "build-eng".
    assert found(check_invoice(invoice, ctx)) == {("quantity_mismatch", D("300.00"), 7)}


def test_a_resource_unit_category_is_matched_with_its_kind() -> None:
    ctx = context()
    invoice = clean(ctx)
    lines = tuple(
        replace(line, item_id="servers") if line.item_id == "servers:arc" else line
        for line in invoice.lines
    )
    assert check_invoice(replace(invoice, lines=lines), ctx) == ()


# --------------------------------------------------------------------------------------------
# Inputs refuse what cannot be checked
# --------------------------------------------------------------------------------------------


def test_a_float_amount_is_refused_naming_the_line_and_field() -> None:
    with pytest.raises(TypeError, match=r"line 3: unit_price: give a Decimal"):
        InvoiceLine(3, "desk", D(1), D(1), 0.1)  # type: ignore[arg-type]


def test_two_lines_with_one_number_are_refused() -> None:
    with pytest.raises(ValueError, match="line number 1 is used twice"):
        Invoice(
            "INV-9",
            "Acme",
            ISSUED_ON,
            MARCH,
            "GBP",
            D(2),
            D(0),
            D(2),
            (InvoiceLine(1, "desk", D(1)), InvoiceLine(1, "desk", D(1))),
        )


def test_tax_is_not_an_invoice_line() -> None:
    with pytest.raises(ValueError, match="line 2: kind: tax is not a line"):
        InvoiceLine(2, "tax", D(10), kind=ChargeKind.TAX)


def test_an_invoice_for_another_period_or_currency_is_refused() -> None:
    ctx = context()
    with pytest.raises(ValueError, match="period 2026-04 is not the statement's 2026-03"):
        check_invoice(replace(clean(ctx), period=APRIL), ctx)
    with pytest.raises(ValueError, match="currency EUR is not the statement's GBP"):
        check_invoice(replace(clean(ctx), currency="EUR"), ctx)


def test_a_negative_dispute_window_is_refused() -> None:
    with pytest.raises(ValueError, match="dispute_window_days"):
        context(dispute_window_days=-1)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

volumes = st.decimals(min_value=0, max_value=5000, places=0)
hours = st.decimals(min_value=0, max_value=400, places=2)
credit_amounts = st.decimals(min_value=0, max_value=2000, places=2)
tax_rates = st.sampled_from([D(0), D(5), D("17.5"), D(20)])
term_variants = st.fixed_dictionaries(
    {
        "rounding": st.sampled_from(list(RoundingPoint)),
        "rounding_mode": st.sampled_from([Rounding.HALF_UP, Rounding.HALF_EVEN, Rounding.DOWN]),
        "mode": st.sampled_from(list(DeadbandMode)),
        "rate": st.decimals(min_value=D("0.01"), max_value=200, places=3),
    }
)


def varied_terms(variant: dict[str, Any], tax_pct: Decimal) -> ChargeTerms:
    category = replace(SERVERS, mode=variant["mode"])
    entry = replace(ENGINEER, rate=variant["rate"])
    return terms(
        resource_units=(category,),
        rate_card=(entry,),
        rounding=variant["rounding"],
        rounding_mode=variant["rounding_mode"],
        tax=TaxTerms(tax_pct, rounding=variant["rounding"]),
    )


@settings(max_examples=150, deadline=None)
@given(volumes, hours, credit_amounts, tax_rates, term_variants)
def test_an_invoice_built_from_the_statement_has_no_findings_whatever_the_quantities(
    servers: Decimal,
    used: Decimal,
    credit: Decimal,
    tax_pct: Decimal,
    variant: dict[str, Any],
) -> None:
    charge_terms = varied_terms(variant, tax_pct)
    credits = (ServiceCredit("sla-avail", credit, FEBRUARY),)
    statement = statement_for(charge_terms, servers, used, credits)
    ctx = context(statement, charge_terms, servers, used, credits_due=credits)
    invoice = clean(ctx)
    assert invoice.total == statement.total
    assert check_invoice(invoice, ctx) == ()


@settings(max_examples=100, deadline=None)
@given(
    hours,
    st.decimals(min_value=-50, max_value=50, places=2),
    st.decimals(min_value=-20, max_value=20, places=2),
    st.randoms(use_true_random=False),
)
def test_findings_do_not_depend_on_line_order_and_their_amounts_are_exact(
    used: Decimal, price_change: Decimal, hours_change: Decimal, random: Any
) -> None:
    ctx = context(hours=used)
    invoice = clean(ctx)
    billed_hours = max(D(0), used + hours_change)
    price = D(100) + price_change
    amount = quantize_money(billed_hours * price, "GBP")
    planted = edit(invoice, 2, quantity=billed_hours, unit_price=price, amount=amount)
    planted = add(planted, InvoiceLine(7, "gardening", D("99.99")))
    findings = check_invoice(planted, ctx)
    # The line's findings add up exactly to what it bills more than the statement gives, and
    # each part is its own exact difference.
    on_line = {finding.type: finding.amount for finding in findings if finding.line_number == 2}
    due = ctx.statement.lines[1].amount
    assert sum(on_line.values(), D(0)) == amount - due
    assert on_line.get(FindingType.RATE_MISMATCH, D(0)) == amount - quantize_money(
        billed_hours * 100, "GBP"
    )
    assert on_line.get(FindingType.QUANTITY_MISMATCH, D(0)) == quantize_money(
        billed_hours * 100, "GBP"
    ) - quantize_money(used * 100, "GBP")
    assert ("unknown_item", D("99.99"), 7) in found(findings)
    shuffled = list(planted.lines)
    random.shuffle(shuffled)
    assert check_invoice(replace(planted, lines=tuple(shuffled)), ctx) == findings


def test_findings_are_values_with_frozen_evidence() -> None:
    ctx = context()
    findings = check_invoice(drop(clean(ctx), 4), ctx)
    assert len(set(findings)) == len(findings) == 1
    with pytest.raises(TypeError):
        findings[0].evidence["due"] = "0"  # type: ignore[index]
    with pytest.raises(TypeError, match="evidence: keys and values are strings"):
        Finding(FindingType.ARITHMETIC, D(1), "GBP", None, ("x",), {"due": D(1)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="amount: give a Decimal"):
        Finding(FindingType.ARITHMETIC, 1.5, "GBP", None, ("x",))  # type: ignore[arg-type]


def test_a_charge_not_billed_says_what_the_terms_give() -> None:
    ctx = context()
    (finding,) = check_invoice(drop(clean(ctx), 1), ctx)
    assert (finding.type, finding.amount, finding.line_number) == (
        FindingType.QUANTITY_MISMATCH,
        D("-10000.00"),
        None,
    )
    assert finding.explanation[0] == (
        "The terms give 'desk' (fixed) GBP 10,000.00 for 2026-03; no line of the invoice bills it"
    )
    assert finding.explanation[-1].startswith("At stake: GBP -10,000.00 (negative")


# --------------------------------------------------------------------------------------------
# Time and materials: many lines bill one rate card entry's month
# --------------------------------------------------------------------------------------------

TM_TERMS = terms(indexation=None, resource_units=(), fixed_fees=())


def tm_context(recorded_hours: Decimal | None = D(40), **changes: Any) -> InvoiceContext:
    """Engineers at 100 an hour; the month's usage recorded under the entry's id ("ENG"), one
    record for the month, as the application stores it (none when `recorded_hours` is None)."""
    recorded = (
        ()
        if recorded_hours is None
        else (UnitUsage("ENG", "build", "hour", recorded_hours, role="engineer"),)
    )
    statement = build_statement(TM_TERMS, MARCH, StatementInputs(unit_usage=recorded))
    fields: dict[str, Any] = {
        "statement": statement,
        "terms": TM_TERMS,
        "volumes": RecordedVolumes({}, recorded),
    }
    fields.update(changes)
    return InvoiceContext(**fields)


TmLine = tuple[str, str, str, str]  # item id, quantity, unit price, description


def tm_invoice(rows: list[TmLine], number: str = "INV-2") -> Invoice:
    """An invoice with these lines (amount = quantity × unit price) and tax on the total."""
    lines = tuple(
        InvoiceLine(
            position,
            item,
            quantize_money(D(quantity) * D(price), "GBP"),
            D(quantity),
            D(price),
            description=description,
        )
        for position, (item, quantity, price, description) in enumerate(rows, start=1)
    )
    subtotal = sum((line.amount for line in lines), D(0))
    tax = quantize_money(subtotal * D("0.2"), "GBP")
    return Invoice(number, "Acme IT", ISSUED_ON, MARCH, "GBP", subtotal, tax, subtotal + tax, lines)


def eng(quantity: str, price: str = "100", description: str = "") -> TmLine:
    return ("ENG", quantity, price, description)


TM_CASES: list[tuple[str, list[TmLine], Decimal | None, set[tuple[str, Decimal, int | None]]]] = [
    (
        "many lines per entry, all correct: no finding",
        [
            eng("8", description="A. Khan, week 10"),
            eng("8", description="A. Khan, week 11"),
            eng("12.5", description="B. Osei"),
            eng("11.5", description="C. Silva"),
        ],
        D(40),
        set(),
    ),
    (
        "the entry named by its rate card item on some lines",
        [
            eng("10", description="A"),
            ("build", "10", "100", "B"),
            eng("20", description="C"),
        ],
        D(40),
        set(),
    ),
    (
        "one line at a wrong price among many: on that line, for its own quantity",
        [
            eng("8", description="A. Khan, week 10"),
            eng("8", description="A. Khan, week 11"),
            eng("12.5", "104", "B. Osei"),
            eng("11.5", description="C. Silva"),
        ],
        D(40),
        {("rate_mismatch", D("50.00"), 3)},
    ),
    (
        "the lines bill 4 hours more than recorded: once, on the last line",
        [eng("20", description="A"), eng("14", description="B"), eng("10", description="C")],
        D(40),
        {("quantity_mismatch", D("400.00"), 3)},
    ),
    (
        "the lines bill 2.5 hours less than recorded: the supplier under-recovers",
        [eng("20", description="A"), eng("17.5", description="B")],
        D(40),
        {("quantity_mismatch", D("-250.00"), 2)},
    ),
    (
        "a wrong price and an aggregate quantity: the parts are on their lines",
        [eng("20", description="A"), eng("25", "104", "B")],
        D(40),
        {("rate_mismatch", D("100.00"), 2), ("quantity_mismatch", D("500.00"), 2)},
    ),
    (
        "an exact repeat is a duplicate line; the rest bill the recorded usage",
        [
            eng("8", description="A. Khan, week 10"),
            eng("12", description="B. Osei"),
            eng("8", description="A. Khan, week 10"),
            eng("20", description="C. Silva"),
        ],
        D(40),
        {("duplicate_line", D("800.00"), 3)},
    ),
    (
        "two lines for the entry with different quantities are not a duplicate",
        [eng("24", description="Engineering"), eng("16", description="Engineering")],
        D(40),
        set(),
    ),
    (
        "the same figures under another description are not a duplicate",
        [eng("20", description="A. Khan"), eng("20", description="B. Osei")],
        D(40),
        set(),
    ),
    (
        "a usage billed on no line is still not billed",
        [],
        D(40),
        {("quantity_mismatch", D("-4000.00"), None)},
    ),
    (
        "lines for an entry with nothing recorded: each billed against nothing",
        [eng("3", description="A"), eng("2", description="B")],
        None,
        {("quantity_mismatch", D("300.00"), 1), ("quantity_mismatch", D("200.00"), 2)},
    ),
]


@pytest.mark.parametrize(
    ("rows", "recorded_hours", "expected"),
    [pytest.param(rows, hours, expected, id=name) for name, rows, hours, expected in TM_CASES],
)
def test_a_time_and_materials_invoice_is_checked_per_line_for_price_and_per_entry_for_quantity(
    rows: list[TmLine],
    recorded_hours: Decimal | None,
    expected: set[tuple[str, Decimal, int | None]],
) -> None:
    ctx = tm_context(recorded_hours)
    findings = check_invoice(tm_invoice(rows), ctx)
    assert found(findings) == expected
    shuffled = tm_invoice(rows[::-1])  # other line numbers, same lines: same findings by item
    assert sorted((f.type, f.amount) for f in check_invoice(shuffled, ctx)) == sorted(
        (f.type, f.amount) for f in findings
    )


def test_the_aggregate_quantity_finding_says_how_many_lines_and_their_sum() -> None:
    ctx = tm_context()
    rows = [eng("20", description="A"), eng("14", description="B"), eng("10", description="C")]
    (finding,) = check_invoice(tm_invoice(rows), ctx)
    assert finding.evidence["lines"] == "3"
    assert finding.evidence["invoiced_quantity"] == "44"
    assert finding.evidence["recorded"] == "usage 'ENG': 40 hour"
    assert finding.explanation[0] == (
        "3 lines of the invoice bill 'ENG' (lines 1 to 3): 44 in all; the terms give "
        "GBP 4,000.00 (40 × 100)"
    )
    assert finding.explanation[1] == (
        "Quantity 44 in all against 40 recorded: (44 − 40) × 100 = GBP 400.00"
    )
    assert (
        "checked together and reported once, on the last of them (line 3)"
        in (finding.explanation[2])
    )


def test_a_wrong_price_among_many_lines_is_explained_for_its_own_quantity() -> None:
    ctx = tm_context()
    rows = [eng("27.5", description="A"), eng("12.5", "104", "B")]
    (finding,) = check_invoice(tm_invoice(rows), ctx)
    assert finding.explanation[0] == (
        "Line 2 bills 'ENG' GBP 1,300.00 (12.5 × 104), one of 2 lines that bill it; at the "
        "rate in force that is GBP 1,250.00 (12.5 × 100)"
    )
    assert finding.explanation[1] == (
        "Unit price 104 against the rate in force 100: 12.5 × (104 − 100) = GBP 50.00"
    )
    assert finding.evidence["due"] == "1250.00"
    assert finding.evidence["invoiced"] == "1300.00"


def test_an_exact_repeat_names_the_line_it_repeats() -> None:
    ctx = tm_context()
    rows = [eng("20", description="A"), eng("20", description="B"), eng("20", description="A")]
    (finding,) = check_invoice(tm_invoice(rows), ctx)
    assert (finding.type, finding.line_number) == (FindingType.DUPLICATE_LINE, 3)
    assert finding.evidence["repeats_line"] == "1"
    assert "exactly what line 1 bills" in finding.explanation[0]


def test_a_usage_line_on_an_earlier_invoice_is_a_duplicate_only_when_repeated_exactly() -> None:
    ctx = tm_context()
    rows = [eng("20", description="A"), eng("20", description="B")]
    earlier = tm_invoice([eng("20", description="B")], number="INV-1")
    findings = check_invoice(tm_invoice(rows), replace(ctx, earlier_invoices=(earlier,)))
    # Line 2 repeats INV-1's line; line 1 is then all that bills the 40 recorded hours.
    assert found(findings) == {
        ("duplicate_line", D("2000.00"), 2),
        ("quantity_mismatch", D("-2000.00"), 1),
    }
    assert findings[-1].evidence["earlier_invoice"] == "INV-1"
    other = tm_invoice([eng("20", description="B, corrected")], number="INV-1")
    assert check_invoice(tm_invoice(rows), replace(ctx, earlier_invoices=(other,))) == ()


def test_usage_lines_after_termination_are_flagged_whole_and_not_also_missing() -> None:
    ctx = tm_context(terminated_on=date(2026, 2, 28))
    rows = [eng("20", description="A"), eng("20", description="B")]
    assert found(check_invoice(tm_invoice(rows), ctx)) == {
        ("billed_after_termination", D("2000.00"), 1),
        ("billed_after_termination", D("2000.00"), 2),
    }


def test_a_usage_line_with_its_own_arithmetic_wrong_is_reported_as_today() -> None:
    ctx = tm_context()
    invoice = tm_invoice([eng("20", description="A"), eng("20", description="B")])
    wrong = replace(invoice.lines[0], amount=D("2010.00"))
    planted = rebuilt(invoice, (wrong, invoice.lines[1]))
    planted = replace(planted, tax=invoice.tax, total=planted.subtotal + invoice.tax)
    assert found(check_invoice(planted, ctx)) == {
        ("arithmetic", D("10.00"), 1),
        ("tax_mismatch", D("-2.00"), None),  # the tax is on the amounts invoiced
    }


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=4_000), min_size=1, max_size=25),
    tax_rates,
    term_variants,
    st.randoms(use_true_random=False),
)
def test_one_correct_usage_line_split_into_lines_that_sum_to_it_raises_no_finding(
    hundredths: list[int], tax_pct: Decimal, variant: dict[str, Any], random: Any
) -> None:
    charge_terms = varied_terms(variant, tax_pct)
    used = D(sum(hundredths)) / 100
    credits = (ServiceCredit("sla-avail", D(100), FEBRUARY),)
    statement = statement_for(charge_terms, D(2150), used, credits)
    ctx = context(statement, charge_terms, D(2150), used, credits_due=credits)
    invoice = clean(ctx)
    rate = variant["rate"]
    mode = variant["rounding_mode"]
    split = [
        InvoiceLine(
            index + 1,  # numbered again below
            "build-eng",
            quantize_money(D(part) / 100 * rate, "GBP", mode),
            D(part) / 100,
            rate,
            description=f"Timesheet {index}",
        )
        for index, part in enumerate(hundredths)
    ]
    others = [
        replace(line, tax_amount=None) for line in invoice.lines if line.item_id != "build-eng"
    ]
    lines = [*others, *split]
    random.shuffle(lines)
    numbered = tuple(replace(line, line_number=number) for number, line in enumerate(lines, 1))
    subtotal = sum((line.amount for line in numbered), D(0))
    tax = quantize_money(subtotal * tax_pct / 100, "GBP", mode)
    planted = replace(invoice, lines=numbered, subtotal=subtotal, tax=tax, total=subtotal + tax)
    assert check_invoice(planted, ctx) == ()


@pytest.mark.parametrize(
    ("terminated_on", "flagged"),
    [(date(2025, 7, 1), True), (date(2025, 7, 2), False), (date(2025, 6, 30), True)],
    ids=["from the month's first day", "during the month", "before the month"],
)
def test_a_month_starting_on_or_after_the_termination_date_is_not_due(
    terminated_on: date, flagged: bool
) -> None:
    # The termination date is the first day the contract is no longer in force.
    terms = ChargeTerms(
        currency="GBP",
        contract_start_on=date(2025, 1, 1),
        fixed_fees=(FixedFee(id="fee", description="Fee", amount=Decimal("1000.00")),),
    )
    statement = build_statement(terms, BillingPeriod(date(2025, 7, 1)), StatementInputs())
    invoice = invoice_from_statement(
        statement, terms, number="X", counterparty="C", issued_on=date(2025, 8, 1)
    )
    found = check_invoice(
        invoice, InvoiceContext(statement=statement, terms=terms, terminated_on=terminated_on)
    )
    types = [finding.type for finding in found]
    assert types == ([FindingType.BILLED_AFTER_TERMINATION] if flagged else [])
