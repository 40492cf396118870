"""Use cases of the contract repository: each checks, changes, audits and commits once."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.contracts import rules
from pactline.contracts.models import Contract, ContractDocument, TermsVersion
from pactline.contracts.queries import get_contract, get_document
from pactline.contracts.rules import TermsInput
from pactline.contracts.schemas import ContractUpdate, NoticeRequest, TerminateRequest
from pactline.core import audit, clock
from pactline.core.errors import Conflict, ValidationFailed
from pactline.engine.dates import ContractStatus, RenewalKind
from pactline.terms import ContractKind, TermsDocument
from pactline.users.enums import Permission
from pactline.users.principal import Principal

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class _Problems:
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


def _owner(session: Session, problems: _Problems, source: str, field: str, name: str | None) -> Any:
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


def _apply_facts(
    session: Session,
    contract: Contract,
    doc: TermsDocument,
    problems: _Problems,
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
        setattr(contract, field, _owner(session, problems, source, field, name))
    if facts.values is not None or not amendment:
        contract.total_value = facts.values.total if facts.values else None
        contract.annual_value = facts.values.annual if facts.values else None
    if facts.tags or not amendment:
        contract.tags = list(facts.tags)
    if facts.people or not amendment:
        contract.people = [p.model_dump(mode="json", exclude_none=True) for p in facts.people]


def _add_version(
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


def _create(
    session: Session, actor: Principal, item: TermsInput, problems: _Problems
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
        _apply_facts(session, contract, doc, problems, item.source_name, amendment=False)
    session.add(contract)
    session.flush()
    _add_version(session, contract, item, 1, actor)
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


def _amend(
    session: Session, actor: Principal, contract: Contract, item: TermsInput, problems: _Problems
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
    before = rules.snapshot(contract)
    with session.no_autoflush:
        _apply_facts(session, contract, doc, problems, source, amendment=True)
    version = _add_version(session, contract, item, len(versions) + 1, actor)
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


def _batch_order(items: list[TermsInput]) -> list[TermsInput]:
    """Masters before their statements of work; versions of one contract by effective date."""

    def key(item: TermsInput) -> tuple[int, str, date]:
        doc = item.document
        return (0 if doc.contract.parent is None else 1, doc.contract.reference, doc.effective_on)

    return sorted(items, key=key)


def import_terms(session: Session, *, actor: Principal, items: list[TermsInput]) -> list[Contract]:
    """Store a batch of terms documents, all or nothing: a new reference creates a contract,
    a known reference with a later version.effective_on adds an amendment."""
    actor.require(Permission.CONTRACTS_WRITE)
    if not items:
        raise ValidationFailed("no terms documents to import")
    problems = _Problems([])
    touched: list[Contract] = []
    for item in _batch_order(items):
        reference = item.document.contract.reference
        existing = session.scalar(select(Contract).where(Contract.reference == reference))
        if existing is None:
            created = _create(session, actor, item, problems)
            if created is not None:
                touched.append(created)
        else:
            _amend(session, actor, existing, item, problems)
            if existing not in touched:
                touched.append(existing)
    if problems.items:
        session.rollback()
        problems.raise_any()
    session.commit()
    return touched


def add_terms_version(
    session: Session, *, actor: Principal, contract_id: int, item: TermsInput
) -> TermsVersion:
    """Amend a contract: a new terms version effective from its version.effective_on."""
    actor.require(Permission.CONTRACTS_WRITE)
    contract = get_contract(session, contract_id)
    if item.document.contract.reference != contract.reference:
        raise ValidationFailed(
            f"the document is for '{item.document.contract.reference}', not '{contract.reference}'",
            details=[
                {
                    "file": item.source_name,
                    "line": None,
                    "field": "contract.reference",
                    "message": f"must be {contract.reference}",
                }
            ],
        )
    problems = _Problems([])
    _amend(session, actor, contract, item, problems)
    if problems.items:
        session.rollback()
        problems.raise_any()
    session.commit()
    return max(contract.versions, key=lambda v: v.number)


def update_contract(
    session: Session, *, actor: Principal, contract_id: int, data: ContractUpdate
) -> Contract:
    """Edit a contract record's facts: title, region, business unit, owners, values, tags."""
    actor.require(Permission.CONTRACTS_WRITE)
    contract = get_contract(session, contract_id)
    before = rules.snapshot(contract)
    changes = data.model_dump(exclude_unset=True)
    problems = _Problems([])
    if changes.get("title"):
        contract.title = changes["title"]
    if "region" in changes and changes["region"] is not None:
        contract.region = rules.get_or_create_region(session, changes["region"] or None)
    if "business_unit" in changes and changes["business_unit"] is not None:
        contract.business_unit = rules.get_or_create_business_unit(
            session, changes["business_unit"] or None
        )
    for field in ("account_manager", "commercial_lead", "governance_lead"):
        if field in changes and changes[field] is not None:
            setattr(
                contract, field, _owner(session, problems, "form", field, changes[field] or None)
            )
    for field in ("total_value", "annual_value"):
        if field in changes:
            setattr(contract, field, changes[field])
    if changes.get("tags") is not None:
        tags = [t.strip() for t in changes["tags"] if t.strip()]
        contract.tags = list(dict.fromkeys(tags))
    if problems.items:
        session.rollback()
        raise ValidationFailed(
            problems.items[0]["message"],
            details=[
                {"field": p["field"].removeprefix("contract.owners."), "message": p["message"]}
                for p in problems.items
            ],
        )
    old, new = audit.changed_fields(before, rules.snapshot(contract))
    if not new:
        return contract
    contract.updated_at = clock.now()
    audit.record(
        session,
        actor=actor,
        action="contracts.updated",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Updated {contract.reference}: {', '.join(sorted(new))}",
        before=old,
        after=new,
    )
    session.commit()
    return contract


def terminate_contract(
    session: Session, *, actor: Principal, contract_id: int, data: TerminateRequest
) -> Contract:
    """Record a termination: from terminated_on the contract is no longer in force."""
    actor.require(Permission.CONTRACTS_WRITE)
    contract = get_contract(session, contract_id)
    if contract.terminated_on is not None:
        raise Conflict(f"{contract.reference} was already terminated on {contract.terminated_on}")
    start = rules.document_of(min(contract.versions, key=lambda v: v.number)).term.start_on
    if data.terminated_on < start:
        raise ValidationFailed(
            f"the termination date {data.terminated_on} is before the contract starts ({start})",
            details=[{"field": "terminated_on", "message": f"must be on or after {start}"}],
        )
    before = rules.snapshot(contract)
    contract.terminated_on = data.terminated_on
    contract.termination_reason = data.reason
    contract.updated_at = clock.now()
    old, new = audit.changed_fields(before, rules.snapshot(contract))
    audit.record(
        session,
        actor=actor,
        action="contracts.terminated",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Terminated {contract.reference} with effect from {data.terminated_on}",
        before=old,
        after=new,
        reason=data.reason,
    )
    session.commit()
    return contract


def renew_contract(session: Session, *, actor: Principal, contract_id: int) -> Contract:
    """Exercise a renewal option (optional renewal): the contract continues for another term."""
    actor.require(Permission.CONTRACTS_WRITE)
    contract = get_contract(session, contract_id)
    today = clock.today()
    version, dates = rules.contract_key_dates(contract, today)
    doc = rules.document_of(version)
    kind = RenewalKind(doc.renewal.kind.value)
    if contract.terminated_on is not None:
        raise Conflict(f"{contract.reference} is terminated; it cannot be renewed")
    if kind is RenewalKind.NONE:
        raise Conflict(f"{contract.reference} has no renewal right; amend its terms to extend it")
    if kind is RenewalKind.AUTOMATIC:
        raise Conflict(
            f"{contract.reference} renews automatically; record notice of non-renewal instead "
            "if it should end"
        )
    if kind is RenewalKind.EVERGREEN:
        raise Conflict(f"{contract.reference} is evergreen: it continues until notice is given")
    if dates.status is ContractStatus.EXPIRED:
        end = dates.final_end.on if dates.final_end else None
        raise Conflict(
            f"{contract.reference} expired{f' on {end}' if end else ''}; an option cannot be "
            "exercised after expiry (amend the terms to extend it)"
        )
    maximum = doc.renewal.max_renewals
    if maximum is not None and contract.renewals_exercised >= maximum:
        raise Conflict(
            f"all {maximum} renewal option{'s' if maximum != 1 else ''} of "
            f"{contract.reference} have been exercised"
        )
    if dates.notice_deadline is None or dates.notice_deadline.on < today:
        raise Conflict(
            f"the deadline to exercise the renewal option of {contract.reference} has passed; "
            "amend the terms if the parties agreed a late extension"
        )
    before = rules.snapshot(contract)
    contract.renewals_exercised += 1
    contract.updated_at = clock.now()
    deadline = dates.notice_deadline.on if dates.notice_deadline else None
    audit.record(
        session,
        actor=actor,
        action="contracts.renewed",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Exercised renewal option {contract.renewals_exercised} of {contract.reference}"
        + (f" (deadline {deadline})" if deadline else ""),
        before={"renewals_exercised": before["renewals_exercised"]},
        after={"renewals_exercised": contract.renewals_exercised},
    )
    session.commit()
    return contract


def give_notice(
    session: Session, *, actor: Principal, contract_id: int, data: NoticeRequest
) -> Contract:
    """Record that notice of non-renewal (or termination, for evergreen) was given."""
    actor.require(Permission.CONTRACTS_WRITE)
    contract = get_contract(session, contract_id)
    version = rules.version_in_force(contract, data.given_on)
    doc = rules.document_of(version)
    kind = doc.renewal.kind.value
    if kind not in (RenewalKind.AUTOMATIC.value, RenewalKind.EVERGREEN.value):
        what = "has no renewal" if kind == RenewalKind.NONE.value else "renews only by option"
        raise Conflict(f"{contract.reference} {what}; notice of non-renewal does not apply")
    start = rules.document_of(min(contract.versions, key=lambda v: v.number)).term.start_on
    if data.given_on < start or data.given_on > clock.today():
        raise ValidationFailed(
            f"notice can be recorded only for a day from the contract's start ({start}) to today",
            details=[{"field": "given_on", "message": f"must be from {start} to today"}],
        )
    _, dates = rules.contract_key_dates(contract, data.given_on)
    if dates.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        raise Conflict(f"{contract.reference} had already ended on {data.given_on}")
    if contract.notice_given_on is not None:
        raise Conflict(f"notice was already recorded on {contract.notice_given_on}")
    contract.notice_given_on = data.given_on
    contract.updated_at = clock.now()
    audit.record(
        session,
        actor=actor,
        action="contracts.notice_given",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Recorded notice of non-renewal for {contract.reference}, given {data.given_on}",
        after={"notice_given_on": data.given_on},
    )
    session.commit()
    return contract


def _document_type(filename: str, data: bytes) -> str:
    """The content type of a signed-contract file, judged by its bytes, not its name."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(b"%PDF-"):
        return DOCUMENT_TYPES["pdf"]
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCUMENT_TYPES["docx"]
        except zipfile.BadZipFile:
            pass
    raise ValidationFailed(
        f"{filename} is not a PDF or Word (.docx) file"
        + (f" (it is named .{suffix}, but its content is not)" if suffix in DOCUMENT_TYPES else ""),
        details=[{"field": "file", "message": "must be a PDF or DOCX file"}],
    )


def document_path(storage: Path, sha256: str) -> Path:
    """Where a stored file lives: content-addressed, so a file uploaded twice is stored once."""
    return storage / sha256[:2] / sha256


def upload_document(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    filename: str,
    data: bytes,
    title: str | None,
    storage: Path,
) -> ContractDocument:
    """Attach a signed PDF or DOCX to a contract, with its SHA-256 checksum."""
    actor.require(Permission.CONTRACTS_WRITE)
    contract = get_contract(session, contract_id)
    safe_name = re.sub(r"[^\w.\- ()]+", "_", Path(filename or "document").name)[:200] or "document"
    if not data:
        raise ValidationFailed(
            f"{safe_name} is empty", details=[{"field": "file", "message": "empty"}]
        )
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(
            f"{safe_name} is {len(data) / 1048576:.1f} MB; the limit is "
            f"{MAX_DOCUMENT_BYTES // 1048576} MB",
            details=[{"field": "file", "message": "too large"}],
        )
    content_type = _document_type(safe_name, data)
    digest = hashlib.sha256(data).hexdigest()
    target = document_path(storage, digest)
    if not target.exists():
        # Written before the commit; if the commit fails, an unreferenced file remains, which
        # is harmless (and reused if the same file is uploaded again).
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    document = ContractDocument(
        contract=contract,
        title=(title or "").strip() or safe_name.rsplit(".", 1)[0],
        filename=safe_name,
        content_type=content_type,
        size_bytes=len(data),
        sha256=digest,
        uploaded_at=clock.now(),
        uploaded_by=actor.display_name,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contracts.document_added",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Attached {document.title} ({safe_name}, {len(data):,} bytes) to "
        f"{contract.reference}",
        after={"document_id": document.id, "filename": safe_name, "sha256": digest},
    )
    session.commit()
    return document


def remove_document(
    session: Session, *, actor: Principal, contract_id: int, document_id: int, reason: str
) -> None:
    """Detach a document from a contract (the file itself is kept for the audit trail)."""
    actor.require(Permission.CONTRACTS_WRITE)
    document = get_document(session, contract_id, document_id)
    if not reason.strip():
        raise ValidationFailed(
            "say why the document is removed", details=[{"field": "reason", "message": "required"}]
        )
    contract = document.contract
    audit.record(
        session,
        actor=actor,
        action="contracts.document_removed",
        subject_type="contract",
        subject_id=contract.id,
        summary=f"Removed {document.title} ({document.filename}) from {contract.reference}",
        before={
            "document_id": document.id,
            "filename": document.filename,
            "sha256": document.sha256,
        },
        reason=reason.strip(),
    )
    session.delete(document)
    session.commit()
