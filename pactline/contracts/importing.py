"""Staging terms documents into the repository, without committing.

Shared by the import use cases (which commit once) and by bulk loaders such as the demo,
which must fit their own changes into the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts import rules
from pactline.contracts.models import Contract, TermsVersion
from pactline.contracts.rules import TermsInput
from pactline.core import audit, clock
from pactline.core.errors import ValidationFailed
from pactline.terms import ContractKind, TermsDocument
from pactline.users.enums import Permission
from pactline.users.principal import Principal


@dataclass
class Problems:
    """Problems found while applying a batch of terms; raised together at the end."""

    items: list[dict[str, Any]]

    def add(self, source: str, field: str, message: str) -> None:
        self.items.append({"file": source, "line": None, "field": field, "message": message})

    def raise_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise ValidationFailed(
                f"{first['file']}: {first['field']}: {first['message']}"
                + (f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""),
                details=self.items,
            )


def owner_named(
    session: Session, problems: Problems, source: str, field: str, name: str | None
) -> Any:
    if not name:
        return None
    user = rules.find_user_by_name(session, name)
    if user is None:
        problems.add(
            source,
            f"contract.owners.{field}",
            f"no user named '{name}': create the user first, or leave the owner out",
        )
    return user


def apply_facts(
    session: Session,
    contract: Contract,
    doc: TermsDocument,
    problems: Problems,
    source: str,
    *,
    amendment: bool,
) -> None:
    """Copy the document's contract facts onto the record (an amendment only sets what it says)."""
    facts = doc.contract
    contract.title = facts.title
    contract.currency = facts.currency
    if not amendment or facts.region:
        contract.region = rules.get_or_create_region(session, facts.region)
    if not amendment or facts.business_unit:
        contract.business_unit = rules.get_or_create_business_unit(session, facts.business_unit)
    owners = facts.owners
    for field in ("account_manager", "commercial_lead", "governance_lead"):
        name = getattr(owners, field) if owners else None
        if amendment and not name:
            continue
        setattr(contract, field, owner_named(session, problems, source, field, name))
    if facts.values is not None or not amendment:
        contract.total_value = facts.values.total if facts.values else None
        contract.annual_value = facts.values.annual if facts.values else None
    if facts.tags or not amendment:
        contract.tags = list(facts.tags)
    if facts.people or not amendment:
        contract.people = [p.model_dump(mode="json", exclude_none=True) for p in facts.people]


def add_version(
    session: Session, contract: Contract, item: TermsInput, number: int, actor: Principal
) -> TermsVersion:
    doc = item.document
    version = TermsVersion(
        contract=contract,
        number=number,
        effective_on=doc.effective_on,
        label=(doc.version.label if doc.version and doc.version.label else None)
        or ("Original agreement" if number == 1 else f"Amendment {number - 1}"),
        note=doc.version.note if doc.version else None,
        document=doc.model_dump(mode="json", exclude_none=True),
        source_text=item.text,
        source_format=item.format,
        source_name=item.source_name,
        sha256=item.sha256,
        created_at=clock.now(),
        created_by=actor.display_name,
    )
    session.add(version)
    return version


def create_from_terms(
    session: Session, actor: Principal, item: TermsInput, problems: Problems
) -> Contract | None:
    doc = item.document
    facts = doc.contract
    parent = None
    if facts.parent:
        parent = session.scalar(select(Contract).where(Contract.reference == facts.parent))
        if parent is None:
            problems.add(
                item.source_name,
                "contract.parent",
                f"no contract with reference '{facts.parent}' (import the master agreement "
                "first, or in the same batch)",
            )
            return None
        if parent.kind != ContractKind.MASTER.value:
            problems.add(
                item.source_name, "contract.parent", f"'{facts.parent}' is not a master agreement"
            )
            return None
    now = clock.now()
    contract = Contract(
        reference=facts.reference,
        kind=facts.kind.value,
        our_role=facts.our_role.value,
        counterparty=rules.get_or_create_party(
            session,
            facts.counterparty.name,
            facts.counterparty.registration_id,
            facts.counterparty.country,
        ),
        parent=parent,
        is_draft=False,
        renewals_exercised=0,
        created_at=now,
        updated_at=now,
    )
    with session.no_autoflush:
        apply_facts(session, contract, doc, problems, item.source_name, amendment=False)
    session.add(contract)
    session.flush()
    add_version(session, contract, item, 1, actor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contracts.created",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Created {contract.reference} ({contract.title}) from {item.source_name}",
        after=rules.snapshot(contract),
    )
    return contract


def amend_from_terms(
    session: Session, actor: Principal, contract: Contract, item: TermsInput, problems: Problems
) -> None:
    doc = item.document
    versions = sorted(contract.versions, key=lambda v: v.effective_on)
    first_start = rules.document_of(versions[0]).term.start_on
    effective = doc.effective_on
    source = item.source_name
    same_day = next((v for v in versions if v.effective_on == doc.effective_on), None)
    if doc.version is None or doc.version.effective_on is None or same_day is versions[0]:
        problems.add(
            source,
            "contract.reference",
            f"a contract with reference '{contract.reference}' already exists; to amend it, "
            "give version.effective_on (the date the amendment takes effect)",
        )
        return
    if effective < first_start:
        problems.add(
            source,
            "version.effective_on",
            f"{effective} is before the contract starts ({first_start})",
        )
        return
    latest = versions[-1]
    if effective <= latest.effective_on:
        problems.add(
            source,
            "version.effective_on",
            f"{effective} overlaps version {latest.number} ({latest.label}), effective from "
            f"{latest.effective_on}: an amendment must take effect after the latest version",
        )
        return
    if doc.contract.kind.value != contract.kind or doc.contract.our_role.value != contract.our_role:
        problems.add(
            source,
            "contract.kind",
            "an amendment cannot change the kind of contract or our role in it",
        )
        return
    cap = doc.renewal.max_renewals
    if cap is not None and contract.renewals_exercised > cap:
        problems.add(
            source,
            "renewal.max_renewals",
            f"{contract.renewals_exercised} renewal options have already been exercised; "
            f"the maximum cannot be lowered to {cap}",
        )
        return
    before = rules.snapshot(contract)
    with session.no_autoflush:
        apply_facts(session, contract, doc, problems, source, amendment=True)
    version = add_version(session, contract, item, len(versions) + 1, actor)
    contract.updated_at = clock.now()
    session.flush()
    old, new = audit.changed_fields(before, rules.snapshot(contract))
    audit.record(
        session,
        actor=actor,
        action="contracts.amended",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Added terms version {version.number} ({version.label}) of "
        f"{contract.reference}, effective {version.effective_on}",
        before=old or None,
        after={**new, "terms_version": version.number, "effective_on": version.effective_on},
    )


def batch_order(items: list[TermsInput]) -> list[TermsInput]:
    """Masters before their statements of work; versions of one contract by effective date."""

    def key(item: TermsInput) -> tuple[int, str, date]:
        doc = item.document
        return (0 if doc.contract.parent is None else 1, doc.contract.reference, doc.effective_on)

    return sorted(items, key=key)


def stage_terms(session: Session, *, actor: Principal, items: list[TermsInput]) -> list[Contract]:
    """Add a batch of terms documents to the session: a new reference creates a contract, a
    known reference with a later version.effective_on adds an amendment. Raises
    ValidationFailed listing every problem; the caller rolls back and commits."""
    actor.require(Permission.CONTRACTS_WRITE)
    if not items:
        raise ValidationFailed("no terms documents to import")
    problems = Problems([])
    touched: list[Contract] = []
    for item in batch_order(items):
        reference = item.document.contract.reference
        existing = session.scalar(select(Contract).where(Contract.reference == reference))
        if existing is None:
            created = create_from_terms(session, actor, item, problems)
            if created is not None:
                touched.append(created)
        else:
            amend_from_terms(session, actor, existing, item, problems)
            if existing not in touched:
                touched.append(existing)
    problems.raise_any()
    return touched
