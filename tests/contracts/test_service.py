from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.contracts import queries, rules, service
from pactline.contracts.models import Contract, TermsVersion
from pactline.contracts.schemas import (
    ContractFilters,
    ContractUpdate,
    NoticeRequest,
    TerminateRequest,
)
from pactline.core import clock
from pactline.core.audit import AuditEvent
from pactline.core.errors import Conflict, PermissionDenied, ValidationFailed
from pactline.engine.dates import ContractStatus
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from tests.conftest import MakeUser
from tests.contracts.factories import import_contract, terms_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SYSTEM = Principal.system("test")


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_importing_terms_creates_the_contract_its_party_region_and_first_version(
    session: Session,
) -> None:
    contract = import_contract(session, terms_yaml("MSA-1", region="EMEA"))
    assert contract.reference == "MSA-1"
    assert contract.counterparty.name == "Northwind Networks Ltd"
    assert contract.region is not None and contract.region.name == "EMEA"
    (version,) = contract.versions
    assert (version.number, version.effective_on, version.label) == (
        1,
        date(2026, 1, 1),
        "Original agreement",
    )
    assert len(version.sha256) == 64
    assert "reference: MSA-1" in version.source_text
    assert session.scalars(select(AuditEvent.action)).all()[-1] == "contracts.created"


def test_every_example_file_imports_in_one_batch(session: Session, make_user: MakeUser) -> None:
    for name in ("liam.walsh", "maria.santos", "grace.okafor", "yuki.tanaka", "tom.becker"):
        make_user(Role.COMMERCIAL, username=name)
    paths = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])
    items = [rules.parse_terms(p.read_text(), source_name=p.name) for p in paths]
    contracts = service.import_terms(session, actor=SYSTEM, items=items)
    assert sorted(c.reference for c in contracts) == [
        "BPO-2025-014",
        "BPO-2026-031",
        "HOST-2026-007",
        "MSA-2026-001",
        "MSA-2026-001/SOW-01",
    ]
    amended = queries.get_contract_by_reference(session, "MSA-2026-001")
    assert [v.label for v in amended.versions] == ["Original agreement", "Amendment No. 1"]


def test_a_statement_of_work_hangs_under_its_master(session: Session) -> None:
    master = import_contract(session, terms_yaml("MSA-1"))
    sow = import_contract(
        session,
        terms_yaml("MSA-1/SOW-1", kind="statement_of_work", parent="MSA-1", renewal_kind="none"),
    )
    assert sow.parent is master
    assert [c.reference for c in master.children] == ["MSA-1/SOW-1"]


def test_a_statement_of_work_can_come_before_its_master_in_one_batch(session: Session) -> None:
    sow = rules.parse_terms(
        terms_yaml("M/S", kind="statement_of_work", parent="M", renewal_kind="none"),
        source_name="sow.yaml",
    )
    master = rules.parse_terms(terms_yaml("M"), source_name="msa.yaml")
    service.import_terms(session, actor=SYSTEM, items=[sow, master])
    assert queries.get_contract_by_reference(session, "M/S").parent is not None


def test_a_batch_with_one_bad_document_stores_nothing(session: Session) -> None:
    good = rules.parse_terms(terms_yaml("OK-1"), source_name="good.yaml")
    orphan = rules.parse_terms(
        terms_yaml("SOW-X", kind="statement_of_work", parent="NOPE", renewal_kind="none"),
        source_name="orphan.yaml",
    )
    with pytest.raises(ValidationFailed) as info:
        service.import_terms(session, actor=SYSTEM, items=[good, orphan])
    assert info.value.details == [
        {
            "file": "orphan.yaml",
            "line": None,
            "field": "contract.parent",
            "message": "no contract with reference 'NOPE' (import the master agreement first, "
            "or in the same batch)",
        }
    ]
    assert count(session, Contract) == 0
    assert count(session, AuditEvent) == 0


def test_invalid_terms_are_reported_with_field_and_line(session: Session) -> None:
    text = terms_yaml("BAD-1", notice_period=2000)
    with pytest.raises(ValidationFailed) as info:
        rules.parse_terms(text, source_name="bad.yaml")
    (detail,) = info.value.details
    assert detail["file"] == "bad.yaml"
    assert detail["field"] == "renewal.notice.period"
    assert detail["message"] == "must be less than the term"
    assert detail["line"] == text.splitlines().index("    period: 2000") + 1


def test_a_duplicate_reference_is_refused_naming_the_field(session: Session) -> None:
    import_contract(session, terms_yaml("DUP-1"))
    with pytest.raises(ValidationFailed) as info:
        import_contract(session, terms_yaml("DUP-1"))
    assert info.value.details[0]["field"] == "contract.reference"
    assert "already exists" in info.value.details[0]["message"]
    assert count(session, Contract) == 1


def test_unknown_owners_are_an_error_not_silently_dropped(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="no user named 'ghost'"):
        import_contract(session, terms_yaml("OWN-1", account_manager="ghost"))
    assert count(session, Contract) == 0


def test_owners_are_matched_by_username_or_full_name(session: Session, make_user: MakeUser) -> None:
    user = make_user(Role.DELIVERY, username="dana", full_name="Dana Smith")
    contract = import_contract(session, terms_yaml("OWN-2", account_manager="Dana Smith"))
    assert contract.account_manager is user


def test_an_amendment_adds_a_version_from_its_date_and_older_dates_keep_the_old_terms(
    session: Session,
) -> None:
    contract = import_contract(session, terms_yaml("AM-1", notice_period=90))
    amendment = rules.parse_terms(
        terms_yaml(
            "AM-1", notice_period=60, effective_on=date(2027, 4, 1), label="Amendment No. 1"
        ),
        source_name="am.yaml",
    )
    version = service.add_terms_version(
        session, actor=SYSTEM, contract_id=contract.id, item=amendment
    )
    assert (version.number, version.effective_on) == (2, date(2027, 4, 1))
    before = queries.contract_key_dates(session, contract.id, date(2027, 3, 31))
    after = queries.contract_key_dates(session, contract.id, date(2027, 4, 1))
    assert before.terms_version == 1 and after.terms_version == 2
    assert before.notice_deadline and after.notice_deadline
    # Term ends 2028-12-31: 90 days before is 2028-10-02, 60 days before is 2028-11-01.
    assert before.notice_deadline.on == date(2028, 10, 2)
    assert after.notice_deadline.on == date(2028, 11, 1)
    changes = {c.path: (c.before, c.after) for c in queries.version_diff(session, contract.id, 2)}
    assert changes["renewal.notice.period"] == (90, 60)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contracts.amended")
    ).one()
    assert event.after and event.after["terms_version"] == 2


@pytest.mark.parametrize(
    ("effective_on", "message"),
    [
        (date(2025, 12, 31), "before the contract starts"),
        (date(2027, 4, 1), "overlaps version 2"),
        (date(2027, 1, 1), "overlaps version 2"),
    ],
)
def test_an_amendment_before_the_start_or_overlapping_a_later_version_is_refused(
    session: Session, effective_on: date, message: str
) -> None:
    contract = import_contract(session, terms_yaml("AM-2"))
    first = rules.parse_terms(terms_yaml("AM-2", effective_on=date(2027, 4, 1)), source_name="a1")
    service.add_terms_version(session, actor=SYSTEM, contract_id=contract.id, item=first)
    text = terms_yaml("AM-2", effective_on=effective_on, start_on=date(2025, 1, 1))
    if effective_on < date(2026, 1, 1):
        text = terms_yaml("AM-2", effective_on=effective_on, start_on=date(2025, 12, 1))
    item = rules.parse_terms(text, source_name="a2")
    with pytest.raises(ValidationFailed, match=message):
        service.add_terms_version(session, actor=SYSTEM, contract_id=contract.id, item=item)
    assert count(session, TermsVersion) == 2


def test_an_amendment_for_another_contract_is_refused(session: Session) -> None:
    contract = import_contract(session, terms_yaml("AM-3"))
    other = rules.parse_terms(terms_yaml("AM-9", effective_on=date(2027, 1, 1)), source_name="x")
    with pytest.raises(ValidationFailed, match="not 'AM-3'"):
        service.add_terms_version(session, actor=SYSTEM, contract_id=contract.id, item=other)


def test_editing_the_record_is_audited_with_a_diff(session: Session, make_user: MakeUser) -> None:
    make_user(Role.COMMERCIAL, username="maria")
    contract = import_contract(session, terms_yaml("ED-1"))
    service.update_contract(
        session,
        actor=SYSTEM,
        contract_id=contract.id,
        data=ContractUpdate(title="Network services", commercial_lead="maria", tags=["net", "net"]),
    )
    assert contract.title == "Network services"
    assert contract.commercial_lead is not None and contract.tags == ["net"]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contracts.updated")
    ).one()
    assert event.before == {
        "title": "Managed network services",
        "commercial_lead": None,
        "tags": [],
    }


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR, Role.DELIVERY])
def test_roles_without_contracts_write_cannot_change_contracts(
    session: Session, make_user: MakeUser, role: Role
) -> None:
    actor = Principal.of(make_user(role))
    item = rules.parse_terms(terms_yaml("RO-1"), source_name="x")
    with pytest.raises(PermissionDenied):
        service.import_terms(session, actor=actor, items=[item])


def test_terminating_records_the_reason_and_changes_the_status(session: Session) -> None:
    contract = import_contract(session, terms_yaml("TE-1"))
    service.terminate_contract(
        session,
        actor=SYSTEM,
        contract_id=contract.id,
        data=TerminateRequest(terminated_on=date(2026, 6, 30), reason="Supplier insolvency"),
    )
    dates = queries.contract_key_dates(session, contract.id, date(2026, 7, 1))
    assert dates.status is ContractStatus.TERMINATED
    with pytest.raises(Conflict, match="already terminated"):
        service.terminate_contract(
            session,
            actor=SYSTEM,
            contract_id=contract.id,
            data=TerminateRequest(terminated_on=date(2026, 7, 30), reason="again"),
        )
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contracts.terminated")
    ).one()
    assert event.reason == "Supplier insolvency"


def test_renewing_exercises_an_option_and_only_applies_to_optional_renewals(
    session: Session,
) -> None:
    optional = import_contract(
        session, terms_yaml("RN-1", renewal_kind="optional", max_renewals=1, months=12)
    )
    with clock.frozen_at(datetime(2026, 6, 1, tzinfo=UTC)):
        service.renew_contract(session, actor=SYSTEM, contract_id=optional.id)
        assert optional.renewals_exercised == 1
        with pytest.raises(Conflict, match="have been exercised"):
            service.renew_contract(session, actor=SYSTEM, contract_id=optional.id)
        automatic = import_contract(session, terms_yaml("RN-2"))
        with pytest.raises(Conflict, match="renews automatically"):
            service.renew_contract(session, actor=SYSTEM, contract_id=automatic.id)
    dates = queries.contract_key_dates(session, optional.id, date(2027, 2, 1))
    assert dates.status is ContractStatus.RENEWED


def test_notice_of_non_renewal_stops_an_automatic_renewal(session: Session) -> None:
    contract = import_contract(session, terms_yaml("NO-1", months=12, max_renewals=None))
    service.give_notice(
        session,
        actor=SYSTEM,
        contract_id=contract.id,
        data=NoticeRequest(given_on=date(2026, 9, 1)),
    )
    dates = queries.contract_key_dates(session, contract.id, date(2026, 12, 1))
    assert dates.status is ContractStatus.EXPIRING
    assert queries.contract_key_dates(session, contract.id, date(2027, 1, 1)).status is (
        ContractStatus.EXPIRED
    )


def test_documents_are_stored_by_checksum_and_must_be_pdf_or_docx(
    session: Session, tmp_path: Path
) -> None:
    contract = import_contract(session, terms_yaml("DOC-1"))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    document = service.upload_document(
        session,
        actor=SYSTEM,
        contract_id=contract.id,
        filename="../signed agreement.pdf",
        data=pdf,
        title=None,
        storage=tmp_path,
    )
    assert document.filename == "signed agreement.pdf"
    assert document.content_type == "application/pdf"
    assert service.document_path(tmp_path, document.sha256).read_bytes() == pdf
    with pytest.raises(ValidationFailed, match="not a PDF or Word"):
        service.upload_document(
            session,
            actor=SYSTEM,
            contract_id=contract.id,
            filename="evil.pdf",
            data=b"MZ\x90\x00",
            title=None,
            storage=tmp_path,
        )
    service.remove_document(
        session, actor=SYSTEM, contract_id=contract.id, document_id=document.id, reason="wrong file"
    )
    assert contract.documents == []


def test_the_portfolio_filters_by_status_role_owner_and_deadline_window(
    session: Session, make_user: MakeUser
) -> None:
    owner: User = make_user(Role.DELIVERY, username="liam")
    import_contract(
        session, terms_yaml("PF-1", months=12, max_renewals=None, account_manager="liam")
    )
    import_contract(
        session,
        terms_yaml(
            "PF-2", our_role="supplier", start_on=date(2020, 1, 1), renewal_kind="none", months=12
        ),
    )
    as_of = date(2026, 9, 15)

    def refs(**filters: object) -> list[str]:
        return [r.reference for r in queries.portfolio(session, ContractFilters(**filters), as_of)]

    all_rows = queries.portfolio(session, ContractFilters(), as_of)
    assert {r.reference: r.status for r in all_rows} == {
        "PF-1": ContractStatus.ACTIVE,
        "PF-2": ContractStatus.EXPIRED,
    }
    assert refs(our_role="supplier") == ["PF-2"]
    assert refs(owner=owner.username) == ["PF-1"]
    # PF-1's notice deadline is 2026-10-02 (90 days before 2026-12-31).
    assert refs(deadline_within_days=30) == ["PF-1"]
    assert refs(deadline_within_days=10) == []
    assert refs(q="northwind", sort="status") == ["PF-1", "PF-2"]


def test_an_option_cannot_be_exercised_after_its_deadline_or_after_expiry(
    session: Session,
) -> None:
    contract = import_contract(
        session, terms_yaml("RN-3", renewal_kind="optional", months=12, notice_period=60)
    )
    # Term ends 2026-12-31; the option deadline is 60 days earlier, 2026-11-01.
    with (
        clock.frozen_at(datetime(2026, 12, 1, tzinfo=UTC)),
        pytest.raises(Conflict, match="deadline to exercise"),
    ):
        service.renew_contract(session, actor=SYSTEM, contract_id=contract.id)
    with (
        clock.frozen_at(datetime(2027, 6, 1, tzinfo=UTC)),
        pytest.raises(Conflict, match="expired on 2026-12-31"),
    ):
        service.renew_contract(session, actor=SYSTEM, contract_id=contract.id)
    assert contract.renewals_exercised == 0


@pytest.mark.parametrize("given_on", [date(2025, 6, 1), date(2099, 1, 1)])
def test_notice_must_be_dated_between_the_start_and_today(session: Session, given_on: date) -> None:
    contract = import_contract(session, terms_yaml("NO-2"))
    with pytest.raises(ValidationFailed, match="from the contract's start"):
        service.give_notice(
            session, actor=SYSTEM, contract_id=contract.id, data=NoticeRequest(given_on=given_on)
        )
    assert contract.notice_given_on is None


def test_blanks_sort_last_in_both_directions(session: Session) -> None:
    import_contract(session, terms_yaml("S-1", annual_value="10.00"))
    import_contract(session, terms_yaml("S-2", annual_value=None))
    import_contract(session, terms_yaml("S-3", annual_value="30.00"))
    as_of = date(2026, 6, 1)
    up = queries.portfolio(session, ContractFilters(sort="annual_value"), as_of)
    down = queries.portfolio(session, ContractFilters(sort="annual_value", descending=True), as_of)
    assert [r.reference for r in up] == ["S-1", "S-3", "S-2"]
    assert [r.reference for r in down] == ["S-3", "S-1", "S-2"]


def test_the_deadline_window_includes_a_term_end_after_the_notice_deadline_passed(
    session: Session,
) -> None:
    import_contract(session, terms_yaml("W-1", months=12, max_renewals=None, notice_period=90))
    # Notice deadline 2026-10-02 has passed on 2026-11-20; the term still ends 2026-12-31.
    rows = queries.portfolio(session, ContractFilters(deadline_within_days=60), date(2026, 11, 20))
    assert [r.reference for r in rows] == ["W-1"]


def test_an_amendment_cannot_lower_max_renewals_below_the_options_exercised(
    session: Session,
) -> None:
    contract = import_contract(
        session, terms_yaml("RN-4", renewal_kind="optional", months=12, max_renewals=2)
    )
    with clock.frozen_at(datetime(2026, 6, 1, tzinfo=UTC)):
        service.renew_contract(session, actor=SYSTEM, contract_id=contract.id)
        service.renew_contract(session, actor=SYSTEM, contract_id=contract.id)
    item = rules.parse_terms(
        terms_yaml(
            "RN-4",
            renewal_kind="optional",
            months=12,
            max_renewals=1,
            effective_on=date(2026, 7, 1),
        ),
        source_name="lower.yaml",
    )
    with pytest.raises(ValidationFailed, match="cannot be lowered to 1"):
        service.add_terms_version(session, actor=SYSTEM, contract_id=contract.id, item=item)
