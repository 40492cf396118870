"""Non-committing helpers of the contracts area: terms input, look-ups, snapshots, key dates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pactline.contracts.models import BusinessUnit, Contract, Party, Region, TermsVersion
from pactline.core import clock
from pactline.core.errors import ValidationFailed
from pactline.engine.dates import ContractEvents, KeyDates
from pactline.terms import TermsDocument, TermsError, load_terms
from pactline.terms.keydates import document_key_dates
from pactline.users.models import User


@dataclass(frozen=True)
class TermsInput:
    """A terms document as given (a file, an upload, an API body), already validated."""

    source_name: str
    text: str
    format: str
    document: TermsDocument

    @property
    def sha256(self) -> str:
        """Checksum of the text exactly as given."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def terms_issue_details(error: TermsError) -> list[dict[str, Any]]:
    """TermsError issues as error details: file, line, field and message."""
    return [
        {"file": i.source, "line": i.line, "field": i.path, "message": i.message}
        for i in error.issues
    ]


def parse_terms(text: str, *, source_name: str, format: str | None = None) -> TermsInput:
    """Validate terms text; ValidationFailed lists every problem with its field and line."""
    try:
        document = load_terms(text, source=source_name, format=format)
    except TermsError as exc:
        raise ValidationFailed(
            f"{source_name}: the terms are not valid ({len(exc.issues)} problem"
            f"{'s' if len(exc.issues) != 1 else ''}): "
            + "; ".join(i.format() for i in exc.issues[:3]),
            details=terms_issue_details(exc),
        ) from None
    fmt = format or ("json" if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")) else "yaml")
    return TermsInput(source_name=source_name, text=text, format=fmt, document=document)


def find_user_by_name(session: Session, name: str) -> User | None:
    """A user by username, or failing that by full name (case-insensitive)."""
    wanted = name.strip().lower()
    return session.scalar(
        select(User)
        .where(or_(User.username == wanted, func.lower(User.full_name) == wanted))
        .order_by(User.id)
        .limit(1)
    )


def get_or_create_party(
    session: Session, name: str, registration_id: str | None, country: str | None
) -> Party:
    """The party with this name (case-insensitive), created if new."""
    party = session.scalar(select(Party).where(func.lower(Party.name) == name.strip().lower()))
    if party is None:
        party = Party(
            name=name.strip(),
            registration_id=registration_id,
            country=country,
            created_at=clock.now(),
        )
        session.add(party)
        session.flush()
    else:
        party.registration_id = party.registration_id or registration_id
        party.country = party.country or country
    return party


def get_or_create_region(session: Session, name: str | None) -> Region | None:
    """The region with this name, created if new; None for no name."""
    if not name:
        return None
    region = session.scalar(select(Region).where(func.lower(Region.name) == name.lower()))
    if region is None:
        region = Region(name=name)
        session.add(region)
        session.flush()
    return region


def get_or_create_business_unit(session: Session, name: str | None) -> BusinessUnit | None:
    """The business unit with this name, created if new; None for no name."""
    if not name:
        return None
    unit = session.scalar(select(BusinessUnit).where(func.lower(BusinessUnit.name) == name.lower()))
    if unit is None:
        unit = BusinessUnit(name=name)
        session.add(unit)
        session.flush()
    return unit


def snapshot(contract: Contract) -> dict[str, Any]:
    """The audited facts of a contract record."""
    return {
        "reference": contract.reference,
        "title": contract.title,
        "kind": contract.kind,
        "our_role": contract.our_role,
        "counterparty": contract.counterparty.name if contract.counterparty else None,
        "parent": contract.parent.reference if contract.parent else None,
        "currency": contract.currency,
        "region": contract.region.name if contract.region else None,
        "business_unit": contract.business_unit.name if contract.business_unit else None,
        "account_manager": contract.account_manager.username if contract.account_manager else None,
        "commercial_lead": contract.commercial_lead.username if contract.commercial_lead else None,
        "governance_lead": contract.governance_lead.username if contract.governance_lead else None,
        "total_value": contract.total_value,
        "annual_value": contract.annual_value,
        "tags": list(contract.tags or []),
        "is_draft": contract.is_draft,
        "terminated_on": contract.terminated_on,
        "termination_reason": contract.termination_reason,
        "notice_given_on": contract.notice_given_on,
        "renewals_exercised": contract.renewals_exercised,
    }


def version_in_force(contract: Contract, as_of: date) -> TermsVersion:
    """The terms version in force on a date: the latest effective on or before it (the first
    version answers for dates before the contract starts)."""
    versions = sorted(contract.versions, key=lambda v: v.effective_on)
    chosen = versions[0]
    for version in versions:
        if version.effective_on <= as_of:
            chosen = version
    return chosen


_DOCUMENTS: dict[str, TermsDocument] = {}
_DOCUMENTS_KEPT = 256


def document_of(version: TermsVersion) -> TermsDocument:
    """The validated terms document stored in a version.

    Validating a document is the slow part of pricing a month, and a stored version never
    changes (an amendment is a new version), so documents are kept by their checksum: the
    same text always validates to the same frozen document.
    """
    key = version.sha256
    document = _DOCUMENTS.get(key) if key else None
    if document is None:
        document = TermsDocument.model_validate(version.document)
        if key:
            if len(_DOCUMENTS) >= _DOCUMENTS_KEPT:
                _DOCUMENTS.clear()
            _DOCUMENTS[key] = document
    return document


def events_of(contract: Contract) -> ContractEvents:
    """The recorded events the key-date engine takes into account."""
    return ContractEvents(
        terminated_on=contract.terminated_on,
        notice_given_on=contract.notice_given_on,
        renewals_exercised=contract.renewals_exercised,
        is_draft=contract.is_draft,
    )


def contract_key_dates(contract: Contract, as_of: date) -> tuple[TermsVersion, KeyDates]:
    """Key dates as of a date, from the terms in force on that date and the recorded events."""
    version = version_in_force(contract, as_of)
    return version, document_key_dates(document_of(version), as_of, events_of(contract))
