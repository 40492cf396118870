"""The demo's commercials: five contracts priced line by line, a year or more of invoices each,
checked as they are stored, so that every kind of finding is raised by a planted error with a
known amount and nothing else is flagged; some findings taken further and disputed.

The demo is loaded once for this module (its tests only read), in a transaction rolled back at
the end."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials.models import IndexValue, Volume
from pactline.contracts import queries as contract_queries
from pactline.contracts import rules
from pactline.contracts.models import Contract
from pactline.core.audit import AuditEvent
from pactline.demo import charges as demo_charges
from pactline.demo import invoices as demo_invoices
from pactline.demo import portfolio
from pactline.disputes.enums import DisputeOutcome, DisputeStatus, DisputeSubject
from pactline.disputes.models import Dispute
from pactline.engine.charges import ChargeKind
from pactline.engine.invoice_checks import FindingType, invoice_from_statement
from pactline.engine.service_levels import Period
from pactline.invoices import queries
from pactline.invoices import rules as invoice_rules
from pactline.invoices.enums import FindingStatus
from pactline.invoices.models import Finding, Invoice
from pactline.service_levels.enums import CreditStatus
from pactline.service_levels.models import PeriodCredit
from tests.demo.support import AS_OF, LoadedDemo

# Every planted error of a load on 15 March 2026: invoice, finding type, line, amount
# (invoiced − due: positive, the customer is billed more than the terms give).
PLANTED = {
    # Northwind network (we are the customer, GBP).
    ("NWN-INV-202503-0419", "indexation_above_cap", 9, "3074.80"),  # 7% instead of the 5% cap
    ("NWN-INV-202506-0422", "rate_mismatch", 3, "420.00"),  # 14 days × (980 − 950)
    ("NWN-INV-202508-0484", "duplicate_invoice", None, "202966.94"),  # 0424 sent again
    ("NWN-INV-202510-0426", "arc_rrc", 8, "720.00"),  # 60 ports × 12 inside the deadband
    ("NWN-INV-202512-0428", "missing_service_credit", None, "5071.25"),  # November's credit
    # Northwind MPLS (customer, GBP): terminated from 2025-07, billed for 2025-08.
    ("NWN-MPLS-202508", "billed_after_termination", 1, "18500.00"),
    ("NWN-MPLS-202508", "billed_after_termination", 2, "1500.00"),
    # Fabrikam colocation (customer, EUR).
    ("FDC-RE-202505-303", "arithmetic", 5, "360.00"),  # 46 × 95 = 4,370, written 4,730
    ("FDC-RE-202509-307", "tax_mismatch", 1, "1240.00"),  # 62,000 × (21% − 19%)
    ("FDC-RE-202511-309", "arc_rrc", 8, "3360.00"),  # 16 kW × 210 charged in trigger mode
    ("FDC-RE-202601-311", "unknown_item", 9, "480.00"),  # 12 access cards × 40
    # Woodgrove applications (customer, USD).
    ("WSS-202504-1202", "duplicate_line", 2, "165000.00"),  # the core team twice
    ("WSS-202507-1205", "quantity_mismatch", 2, "3780.00"),  # 18 days × 210 not recorded
    ("WSS-202601-1211", "outside_dispute_window", 5, "4320.00"),  # 24 days × 180 of 2025-07
    # Wingtip store IT (we are the supplier, USD): what we billed too little.
    ("PL-WT-202507-061", "rate_mismatch", 3, "-1430.00"),  # 22 rural visits × (145 − 210)
    ("PL-WT-202509-063", "arc_rrc", 6, "-1824.00"),  # 192 devices × 9.50 left out
}


def charged(session: Session) -> dict[str, Contract]:
    """The charged demo contracts, by spec key."""
    refs = portfolio.references(AS_OF)
    by_reference = {c.reference: c for c in contract_queries.all_contracts(session)}
    return {key: by_reference[refs[key]] for key in demo_charges.CHARGED}


def month(offset: int) -> Period:
    return Period(AS_OF.year, AS_OF.month).shift(offset)


def stored_findings(session: Session) -> set[tuple[str, str, int | None, Decimal]]:
    rows = session.execute(
        select(Invoice.number, Finding.type, Finding.line_number, Finding.amount).join(
            Invoice, Invoice.id == Finding.invoice_id
        )
    )
    return {(number, kind, line, amount) for number, kind, line, amount in rows}


def test_every_kind_of_finding_is_raised_by_the_demo(demo: LoadedDemo) -> None:
    kinds = set(demo.session.scalars(select(Finding.type)))
    assert kinds == {kind.value for kind in FindingType}
    assert demo.summary.findings == len(PLANTED)


def test_each_planted_error_raises_exactly_its_finding_with_its_amount(demo: LoadedDemo) -> None:
    expected = {(number, kind, line, Decimal(amount)) for number, kind, line, amount in PLANTED}
    assert stored_findings(demo.session) == expected
    # The demo's own account of what it planted says the same.
    planted = {(p.invoice, p.type.value, p.line_number, p.amount) for p in demo.planted}
    assert planted == expected
    assert len({(p.key, p.month) for p in demo_invoices.PLANTS}) == len(demo_invoices.PLANTS)


def test_the_missing_credit_is_the_one_earned_the_month_before(demo: LoadedDemo) -> None:
    northwind = charged(demo.session)["nw-msa"]
    credit = demo.session.scalar(
        select(PeriodCredit).where(
            PeriodCredit.contract_id == northwind.id, PeriodCredit.period == str(month(-4))
        )
    )
    assert credit is not None and credit.status == CreditStatus.AGREED.value
    (finding,) = queries.list_findings(
        demo.session, contract_id=northwind.id, finding_type=FindingType.MISSING_SERVICE_CREDIT
    )
    assert finding.period == str(month(-3)) and finding.amount == credit.amount
    assert finding.evidence["earned_in"] == str(month(-4))


def test_the_months_planted_correct_raise_no_findings(demo: LoadedDemo) -> None:
    session = demo.session
    planted = {number for number, _, _, _ in PLANTED}
    contracts = charged(session)
    correct = 0
    for contract in contracts.values():
        for row in session.scalars(select(Invoice).where(Invoice.contract_id == contract.id)):
            assert row.validation_error is None, row.number
            if row.number in planted:
                continue
            assert row.findings == [], (row.number, [(f.type, f.amount) for f in row.findings])
            # Billed exactly as the month's statement says.
            built = invoice_rules.period_statement(session, contract, Period.parse(row.period))
            exact = invoice_from_statement(
                built.statement,
                built.terms,
                number=row.number,
                counterparty=row.counterparty,
                issued_on=row.issued_on,
            )
            assert (row.subtotal, row.tax, row.total) == (exact.subtotal, exact.tax, exact.total)
            assert [line.amount for line in row.lines] == [line.amount for line in exact.lines]
            correct += 1
    assert correct == demo.summary.invoices - len(planted)


def test_each_charged_contract_has_a_year_of_volumes_index_values_and_invoices(
    demo: LoadedDemo,
) -> None:
    session = demo.session
    contracts = charged(session)
    assert {c.our_role for c in contracts.values()} == {"customer", "supplier"}
    with_service_levels = [k for k in contracts if k in portfolio.SERVICE_LEVELS]
    assert len(with_service_levels) >= 2
    for key, contract in contracts.items():
        periods = {r.period for r in queries.list_invoices(session, contract.id)}
        assert len(periods) >= 12, key
        items = {
            (v.item_id, v.period)
            for v in session.scalars(select(Volume).where(Volume.contract_id == contract.id))
        }
        for version in contract.versions:  # every version is priced the same way
            section = rules.document_of(version).charges
            assert section is not None, (key, version.number)
        section = rules.document_of(contract.versions[-1]).charges
        assert section is not None
        assert section.dispute_window_days and section.tax is not None
        billed = [str(month(m)) for m in demo_charges.INVOICED[key]]
        for category in section.resource_units:  # a volume for every month invoiced
            assert all((category.id, p) in items for p in billed), (key, category.id)
        if section.rate_card:
            assert all(any(p == period for _, p in items) for period in billed), key
    assert demo.summary.volumes == session.scalar(select(func.count()).select_from(Volume))
    assert demo.summary.invoices == session.scalar(select(func.count()).select_from(Invoice))
    assert demo.summary.index_values == session.scalar(select(func.count()).select_from(IndexValue))


def test_the_charges_cover_rate_cards_arc_rrc_modes_indexation_and_fx(demo: LoadedDemo) -> None:
    session = demo.session
    sections = {
        key: rules.document_of(c.versions[-1]).charges for key, c in charged(session).items()
    }
    units = [u for s in sections.values() if s for u in s.resource_units]
    assert {u.mode.value for u in units} == {"exclusion", "trigger"}
    assert any(u.arc_bands is not None for u in units)
    cards = [e for s in sections.values() if s for e in s.rate_card]
    assert any(e.role for e in cards) and any(e.region for e in cards)
    assert any(e.contract_year for e in cards)
    stored = Counter(session.scalars(select(IndexValue.series)))
    indexed = [(k, s.indexation) for k, s in sections.items() if s and s.indexation]
    assert len(indexed) >= 2
    for key, indexation in indexed:
        assert indexation.floor_pct is not None and indexation.cap_pct is not None
        values = set(
            session.scalars(
                select(IndexValue.period).where(IndexValue.series == indexation.index_name)
            )
        )
        assert indexation.base_period in values, key
        # An anniversary falls inside the months invoiced.
        billed = [month(m) for m in demo_charges.INVOICED[key]]
        terms = indexation.engine()
        days = [terms.anniversary(n) for n in range(1, 5)]
        anniversaries = {Period(day.year, day.month) for day in days}
        assert anniversaries & set(billed[1:]), key
    (fx,) = [s.fx for s in sections.values() if s and s.fx]
    assert fx.currency_pair and stored[fx.currency_pair] >= 12


def test_a_statement_shows_base_charges_arc_rrc_indexation_and_last_month_s_credits(
    demo: LoadedDemo,
) -> None:
    session = demo.session
    northwind = charged(session)["nw-msa"]
    statement = queries.statement_read(session, northwind.id, month(-3))
    lines = {line.id: line for line in statement.lines}
    kinds = {line.kind for line in statement.lines}
    assert {
        ChargeKind.FIXED,
        ChargeKind.UNIT,
        ChargeKind.RESOURCE_BASE,
        ChargeKind.ARC,
        ChargeKind.INDEXATION,
        ChargeKind.SERVICE_CREDIT,
        ChargeKind.TAX,
    } <= kinds
    assert lines["service_management"].amount == Decimal("5000.00")  # a quarterly 15,000
    assert lines["engineer-y3"].rate == Decimal("980")  # contract year 3
    # 2,150 ports: 150 above the 2,000 baseline, 50 beyond the 5% deadband, at 12.
    assert lines["ports:arc"].amount == Decimal("600.00")
    assert any("Exclusion mode" in step for step in lines["ports:arc"].explanation)
    # Two anniversaries: 5% (the cap) then 3.2%.
    indexation = lines["indexation"]
    assert indexation.rate == Decimal("0.0836")
    assert any("above the cap of 5%" in step for step in indexation.explanation)
    assert any("3.2% respects" in step for step in indexation.explanation)
    credit = lines["service_credits"]
    earned = session.scalar(
        select(PeriodCredit.amount).where(
            PeriodCredit.contract_id == northwind.id, PeriodCredit.period == str(month(-4))
        )
    )
    assert credit.amount == -Decimal(str(earned)) < 0
    assert any(f"earned in {month(-4)}" in step for step in credit.explanation)
    assert statement.total == statement.subtotal + statement.credits + statement.tax
    # Woodgrove's statement shows its FX adjustment, from the stored USD/INR rate.
    woodgrove = queries.statement_read(session, charged(session)["wg-msa"].id, month(-2))
    fx = next(line for line in woodgrove.lines if line.kind is ChargeKind.FX)
    assert fx.amount < 0 and woodgrove.fx_rate is not None
    assert any("USD/INR" in step for step in fx.explanation)


def test_leakage_totals_are_the_open_findings_at_stake(demo: LoadedDemo) -> None:
    session = demo.session
    leakage = queries.leakage(session)
    open_findings = queries.list_findings(session, statuses=[FindingStatus.OPEN])
    assert open_findings
    for block in leakage.currencies:
        mine = [f.at_stake for f in open_findings if f.currency == block.currency]
        against_us = [amount for amount in mine if amount > 0]
        assert block.amount == sum(against_us, Decimal(0)), block.currency
        assert block.findings == len(against_us)
        assert block.in_our_favour_amount == -sum((a for a in mine if a <= 0), Decimal(0))
        assert sum((row.amount for row in block.by_type), Decimal(0)) == block.amount
        assert block.claims_amount + block.leads_amount == block.amount
    assert {block.currency for block in leakage.currencies} == {"GBP", "EUR", "USD"}
    # On the supplier side, what we billed too little is our leakage.
    wingtip = charged(session)["wt-msa"]
    ours = queries.list_findings(session, contract_id=wingtip.id)
    assert ours and all(f.amount < 0 < f.at_stake for f in ours)


def test_findings_move_on_and_disputes_are_open_escalated_and_resolved(demo: LoadedDemo) -> None:
    session = demo.session
    findings = list(session.scalars(select(Finding)))
    statuses = Counter(f.status for f in findings)
    assert set(statuses) == {s.value for s in FindingStatus}
    assert all(f.status_reason for f in findings if f.status == FindingStatus.DISMISSED.value)
    disputes = list(session.scalars(select(Dispute)))
    assert demo.summary.disputes == len(disputes)
    assert {d.status for d in disputes} == {
        DisputeStatus.OPEN.value,
        DisputeStatus.ESCALATED.value,
        DisputeStatus.RESOLVED.value,
    }
    by_id = {f.id: f for f in findings}
    for dispute in disputes:
        assert dispute.opened_at.date() < AS_OF  # opened when the invoice was checked
        if dispute.subject == DisputeSubject.CREDIT.value:
            continue
        assert dispute.finding_id is not None
        finding = by_id[dispute.finding_id]
        if dispute.status == DisputeStatus.RESOLVED.value:
            assert dispute.outcome == DisputeOutcome.UPHELD.value
            assert finding.status == FindingStatus.RECOVERED.value
        else:
            assert finding.status == FindingStatus.DISPUTED.value
    # One dispute is over a service credit: Wingtip's claim for last month.
    (credit_dispute,) = [d for d in disputes if d.subject == DisputeSubject.CREDIT.value]
    credit = session.get(PeriodCredit, credit_dispute.credit_id)
    assert credit is not None and credit.period == str(month(-1))
    assert credit.status == CreditStatus.DISPUTED.value
    assert credit.contract_id == charged(session)["wt-msa"].id
    audited = Counter(
        session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.like("disputes.%")
                | (AuditEvent.action == "invoices.finding_status_changed")
            )
        )
    )
    assert audited["disputes.opened"] == len(disputes)
    assert audited["disputes.escalated"] == audited["disputes.resolved"] == 1
    assert audited["invoices.finding_status_changed"] >= 4
