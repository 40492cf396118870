"""Reads of the contract repository: the portfolio, one contract, its terms and key dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, Text, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from pactline.contracts import rules
from pactline.contracts.enums import ContractSort, ContractStatus
from pactline.contracts.models import (
    BusinessUnit,
    Contract,
    ContractDocument,
    Party,
    Region,
    TermsVersion,
)
from pactline.contracts.schemas import (
    ContractFilters,
    ContractRead,
    ContractSummary,
    DerivedDateRead,
    KeyDatesRead,
    PartyRead,
    TermsVersionRead,
)
from pactline.core.errors import NotFound
from pactline.core.pagination import PageParams
from pactline.engine.dates import DerivedDate, KeyDates, RenewalKind
from pactline.users.models import User


def get_contract(session: Session, contract_id: int) -> Contract:
    """The contract with this id, or NotFound."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"no contract with id {contract_id}")
    return contract


def find_contract_by_reference(session: Session, reference: str) -> Contract | None:
    """The contract with this reference, if any."""
    return session.scalar(select(Contract).where(Contract.reference == reference))


def get_contract_by_reference(session: Session, reference: str) -> Contract:
    """The contract with this reference, or NotFound."""
    contract = find_contract_by_reference(session, reference)
    if contract is None:
        raise NotFound(f"no contract with reference '{reference}'")
    return contract


def get_document(session: Session, contract_id: int, document_id: int) -> ContractDocument:
    """A document of a contract, or NotFound."""
    document = session.get(ContractDocument, document_id)
    if document is None or document.contract_id != contract_id:
        raise NotFound(f"no document {document_id} on contract {contract_id}")
    return document


def get_version(session: Session, contract_id: int, number: int) -> TermsVersion:
    """Terms version `number` of a contract, or NotFound."""
    version = session.scalar(
        select(TermsVersion).where(
            TermsVersion.contract_id == contract_id, TermsVersion.number == number
        )
    )
    if version is None:
        raise NotFound(f"contract {contract_id} has no terms version {number}")
    return version


def derived(value: DerivedDate | None) -> DerivedDateRead | None:
    """An engine date as a schema."""
    if value is None:
        return None
    return DerivedDateRead(
        kind=value.kind, label=value.label, on=value.on, explanation=list(value.explanation)
    )


def key_dates_read(version: TermsVersion, dates: KeyDates) -> KeyDatesRead:
    """Key dates as a schema, naming the terms version they come from."""
    initial = derived(dates.initial_term_end)
    assert initial is not None
    return KeyDatesRead(
        as_of=dates.as_of,
        terms_version=version.number,
        terms_version_label=version.label,
        status=dates.status,
        status_explanation=list(dates.status_explanation),
        initial_term_end=initial,
        current_term_start=dates.current_term_start,
        current_term_end=derived(dates.current_term_end),
        notice_deadline=derived(dates.notice_deadline),
        next_action=derived(dates.next_action),
        renewals=[d for d in (derived(r) for r in dates.renewals) if d is not None],
        final_end=derived(dates.final_end),
    )


def contract_key_dates(session: Session, contract_id: int, as_of: date) -> KeyDatesRead:
    """A contract's key dates as of a date, from the terms in force on that date."""
    contract = get_contract(session, contract_id)
    version, dates = rules.contract_key_dates(contract, as_of)
    return key_dates_read(version, dates)


def _summary(contract: Contract, as_of: date) -> ContractSummary:
    version, dates = rules.contract_key_dates(contract, as_of)
    start = rules.document_of(version).term.start_on
    return ContractSummary(
        id=contract.id,
        reference=contract.reference,
        title=contract.title,
        kind=contract.kind,
        our_role=contract.our_role,
        counterparty=contract.counterparty.name,
        counterparty_id=contract.counterparty_id,
        parent_reference=contract.parent.reference if contract.parent else None,
        currency=contract.currency,
        region=contract.region.name if contract.region else None,
        business_unit=contract.business_unit.name if contract.business_unit else None,
        account_manager=contract.account_manager.display_name if contract.account_manager else None,
        status=dates.status,
        start_on=start,
        current_term_end_on=dates.current_term_end.on if dates.current_term_end else None,
        notice_deadline_on=dates.notice_deadline.on if dates.notice_deadline else None,
        next_action_on=dates.next_action.on if dates.next_action else None,
        next_action_label=dates.next_action.label if dates.next_action else None,
        annual_value=contract.annual_value,
        tags=list(contract.tags or []),
    )


def _filtered(filters: ContractFilters) -> Select[Contract]:
    statement = (
        select(Contract)
        .join(Party, Contract.counterparty_id == Party.id)
        .options(
            selectinload(Contract.versions),
            selectinload(Contract.account_manager),
            selectinload(Contract.parent),
        )
    )
    if filters.q:
        like = f"%{filters.q.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Contract.reference).like(like),
                func.lower(Contract.title).like(like),
                func.lower(Party.name).like(like),
                func.lower(cast(Contract.tags, Text)).like(like),
            )
        )
    if filters.counterparty_id is not None:
        statement = statement.where(Contract.counterparty_id == filters.counterparty_id)
    if filters.region:
        statement = statement.join(Region, Contract.region_id == Region.id).where(
            func.lower(Region.name) == filters.region.lower()
        )
    if filters.owner:
        owner_ids = select(User.id).where(User.username == filters.owner.lower())
        statement = statement.where(
            or_(
                Contract.account_manager_id.in_(owner_ids),
                Contract.commercial_lead_id.in_(owner_ids),
                Contract.governance_lead_id.in_(owner_ids),
            )
        )
    if filters.our_role is not None:
        statement = statement.where(Contract.our_role == filters.our_role.value)
    if filters.kind is not None:
        statement = statement.where(Contract.kind == filters.kind.value)
    return statement


_STATUS_ORDER = {s: i for i, s in enumerate(ContractStatus)}


def _sort_value(row: ContractSummary, sort: ContractSort) -> Any:
    """The value a row sorts by; None for a blank, which always sorts last."""
    match sort:
        case ContractSort.TITLE:
            return row.title.lower()
        case ContractSort.COUNTERPARTY:
            return row.counterparty.lower()
        case ContractSort.STATUS:
            return _STATUS_ORDER[row.status]
        case ContractSort.NEXT_ACTION:
            return row.next_action_on
        case ContractSort.END:
            return row.current_term_end_on
        case ContractSort.ANNUAL_VALUE:
            return row.annual_value
        case _:
            return row.reference.lower()


def _sorted(rows: list[ContractSummary], sort: ContractSort, descending: bool) -> list[Any]:
    """Rows in order, ties broken by reference, blanks last in either direction."""
    rows = sorted(rows, key=lambda r: r.reference.lower())
    present = [r for r in rows if _sort_value(r, sort) is not None]
    blank = [r for r in rows if _sort_value(r, sort) is None]
    present.sort(key=lambda r: _sort_value(r, sort), reverse=descending)
    return present + blank


def portfolio(session: Session, filters: ContractFilters, as_of: date) -> list[ContractSummary]:
    """Every contract matching the filters, with its status and dates as of a date.

    Status and deadlines depend on the date asked about, so they are derived by the engine
    for the rows the database has already narrowed down, then filtered and sorted here.
    """
    rows = [_summary(c, as_of) for c in session.scalars(_filtered(filters)).unique()]
    if filters.status is not None:
        rows = [r for r in rows if r.status is filters.status]
    if filters.deadline_within_days is not None:
        horizon = as_of + timedelta(days=filters.deadline_within_days)
        rows = [
            r
            for r in rows
            if any(
                d is not None and as_of <= d <= horizon
                for d in (r.notice_deadline_on, r.next_action_on, r.current_term_end_on)
            )
        ]
    return _sorted(rows, filters.sort, filters.descending)


@dataclass(frozen=True)
class PortfolioPage:
    items: list[ContractSummary]
    total: int
    limit: int
    offset: int


def list_contracts(
    session: Session, filters: ContractFilters, params: PageParams, as_of: date
) -> PortfolioPage:
    """One page of the portfolio."""
    rows = portfolio(session, filters, as_of)
    return PortfolioPage(
        items=rows[params.offset : params.offset + params.limit],
        total=len(rows),
        limit=params.limit,
        offset=params.offset,
    )


def contract_read(session: Session, contract_id: int, as_of: date) -> ContractRead:
    """Everything the contract page shows about the record."""
    contract = get_contract(session, contract_id)
    summary = _summary(contract, as_of)
    return ContractRead(
        **summary.model_dump(),
        counterparty_registration_id=contract.counterparty.registration_id,
        counterparty_country=contract.counterparty.country,
        commercial_lead=contract.commercial_lead.display_name if contract.commercial_lead else None,
        governance_lead=contract.governance_lead.display_name if contract.governance_lead else None,
        total_value=contract.total_value,
        people=list(contract.people or []),
        is_draft=contract.is_draft,
        terminated_on=contract.terminated_on,
        termination_reason=contract.termination_reason,
        notice_given_on=contract.notice_given_on,
        renewals_exercised=contract.renewals_exercised,
        children=[c.reference for c in contract.children],
        versions=[TermsVersionRead.model_validate(v) for v in contract.versions],
        created_at=contract.created_at,
        updated_at=contract.updated_at,
    )


def list_parties(session: Session) -> list[PartyRead]:
    """Counterparties with how many contracts each has, by name."""
    counts = dict(
        session.execute(
            select(Contract.counterparty_id, func.count()).group_by(Contract.counterparty_id)
        ).all()
    )
    return [
        PartyRead(
            id=p.id,
            name=p.name,
            registration_id=p.registration_id,
            country=p.country,
            contract_count=counts.get(p.id, 0),
        )
        for p in session.scalars(select(Party).order_by(Party.name))
    ]


def party_read(session: Session, party_id: int) -> PartyRead:
    """A counterparty with the number of its contracts."""
    party = get_party(session, party_id)
    contracts = session.scalar(
        select(func.count()).select_from(Contract).where(Contract.counterparty_id == party_id)
    )
    return PartyRead(
        id=party.id,
        name=party.name,
        registration_id=party.registration_id,
        country=party.country,
        contract_count=contracts or 0,
    )


def get_party(session: Session, party_id: int) -> Party:
    """The party with this id, or NotFound."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party with id {party_id}")
    return party


def list_regions(session: Session) -> list[str]:
    """Region names, for filters."""
    return list(session.scalars(select(Region.name).order_by(Region.name)))


def list_business_units(session: Session) -> list[str]:
    """Business unit names, for forms."""
    return list(session.scalars(select(BusinessUnit.name).order_by(BusinessUnit.name)))


def count_contracts(session: Session) -> int:
    """How many contracts the repository holds."""
    return session.scalar(select(func.count()).select_from(Contract)) or 0


@dataclass(frozen=True)
class AvailableActions:
    """Which lifecycle events can be recorded on a contract today (the use cases still check)."""

    give_notice: bool
    renew: bool
    terminate: bool


def available_actions(session: Session, contract_id: int, today: date) -> AvailableActions:
    """The events the renewal clause in force today allows, given what has happened."""
    contract = get_contract(session, contract_id)
    version, dates = rules.contract_key_dates(contract, today)
    kind = RenewalKind(rules.document_of(version).renewal.kind.value)
    ended = dates.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED)
    option_open = dates.notice_deadline is not None and dates.notice_deadline.on >= today
    return AvailableActions(
        give_notice=not ended
        and kind in (RenewalKind.AUTOMATIC, RenewalKind.EVERGREEN)
        and contract.notice_given_on is None,
        renew=not ended and kind is RenewalKind.OPTIONAL and option_open,
        terminate=not ended and contract.terminated_on is None,
    )


# --- terms versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two terms versions."""

    path: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        """added, removed or changed."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value and any(isinstance(v, dict) for v in value):
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: value}


def diff_documents(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field differences between two terms documents, in document order."""
    old, new = _flatten(before), _flatten(after)
    paths = list(dict.fromkeys([*old, *new]))
    return [
        FieldChange(path, old.get(path), new.get(path))
        for path in paths
        if old.get(path) != new.get(path)
    ]


def version_diff(session: Session, contract_id: int, number: int) -> list[FieldChange]:
    """What version `number` changed compared with the version before it."""
    version = get_version(session, contract_id, number)
    if number == 1:
        return []
    previous = get_version(session, contract_id, number - 1)
    return diff_documents(previous.document, version.document)


def contracts_owned_by(session: Session, user_id: int) -> list[Contract]:
    """Contracts where the user is an owner (account manager, commercial or governance lead)."""
    return list(
        session.scalars(
            select(Contract)
            .options(selectinload(Contract.versions))
            .where(
                or_(
                    Contract.account_manager_id == user_id,
                    Contract.commercial_lead_id == user_id,
                    Contract.governance_lead_id == user_id,
                )
            )
            .order_by(Contract.reference)
        )
    )


def all_contracts(session: Session) -> list[Contract]:
    """Every contract, by reference."""
    return list(
        session.scalars(
            select(Contract).options(selectinload(Contract.versions)).order_by(Contract.reference)
        )
    )
