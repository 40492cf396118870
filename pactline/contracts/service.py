"""Use cases of the contract repository: each checks, changes, audits and commits once."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session

from pactline.contracts import importing, rules
from pactline.contracts.models import Contract, ContractDocument, TermsVersion
from pactline.contracts.queries import get_contract, get_document
from pactline.contracts.rules import TermsInput
from pactline.contracts.schemas import ContractUpdate, NoticeRequest, TerminateRequest
from pactline.core import audit, clock
from pactline.core.errors import Conflict, ValidationFailed
from pactline.engine.dates import ContractStatus, RenewalKind
from pactline.users.enums import Permission
from pactline.users.principal import Principal

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def import_terms(session: Session, *, actor: Principal, items: list[TermsInput]) -> list[Contract]:
    """Store a batch of terms documents, all or nothing: a new reference creates a contract,
    a known reference with a later version.effective_on adds an amendment."""
    try:
        touched = importing.stage_terms(session, actor=actor, items=items)
    except ValidationFailed:
        session.rollback()
        raise
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
    problems = importing.Problems([])
    importing.amend_from_terms(session, actor, contract, item, problems)
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
    problems = importing.Problems([])
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
                contract,
                field,
                importing.owner_named(session, problems, "form", field, changes[field] or None),
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
