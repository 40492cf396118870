"""What goes in and out of the contracts area."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pactline.contracts.enums import ContractKind, ContractSort, ContractStatus, OurRole


class PartyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="Legal name")
    registration_id: str | None = Field(None, max_length=100)
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class PartyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    registration_id: str | None
    country: str | None
    contract_count: int = 0


class PersonRef(BaseModel):
    """A user named as an owner."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str


class DerivedDateRead(BaseModel):
    kind: str
    label: str
    on: date
    explanation: list[str]


class KeyDatesRead(BaseModel):
    """A contract's key dates as of a date, each with how it was derived."""

    as_of: date
    terms_version: int = Field(description="The terms version in force on as_of")
    terms_version_label: str
    status: ContractStatus
    status_explanation: list[str]
    initial_term_end: DerivedDateRead
    current_term_start: date | None
    current_term_end: DerivedDateRead | None
    notice_deadline: DerivedDateRead | None
    next_action: DerivedDateRead | None
    renewals: list[DerivedDateRead]
    final_end: DerivedDateRead | None


class ContractSummary(BaseModel):
    """One row of the portfolio."""

    id: int
    reference: str
    title: str
    kind: ContractKind
    our_role: OurRole
    counterparty: str
    counterparty_id: int
    parent_reference: str | None
    currency: str
    region: str | None
    business_unit: str | None
    account_manager: str | None
    status: ContractStatus
    start_on: date
    current_term_end_on: date | None
    notice_deadline_on: date | None
    next_action_on: date | None
    next_action_label: str | None
    annual_value: Decimal | None
    tags: list[str]


class TermsVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    effective_on: date
    label: str
    note: str | None
    source_format: str
    source_name: str
    sha256: str
    created_at: datetime
    created_by: str


class TermsVersionDetail(TermsVersionRead):
    document: dict[str, Any]


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


class ContractRead(ContractSummary):
    """A contract with everything its page shows."""

    counterparty_registration_id: str | None
    counterparty_country: str | None
    commercial_lead: str | None
    governance_lead: str | None
    total_value: Decimal | None
    people: list[dict[str, Any]]
    is_draft: bool
    terminated_on: date | None
    termination_reason: str | None
    notice_given_on: date | None
    renewals_exercised: int
    children: list[str]
    versions: list[TermsVersionRead]
    created_at: datetime
    updated_at: datetime


class ContractUpdate(BaseModel):
    """Edit the record's facts (not its terms: amend those with a new terms version)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(None, min_length=1, max_length=300)
    region: str | None = Field(None, max_length=100, description="Empty string clears it")
    business_unit: str | None = Field(None, max_length=100, description="Empty string clears it")
    account_manager: str | None = Field(None, description="Username; empty string clears it")
    commercial_lead: str | None = Field(None, description="Username; empty string clears it")
    governance_lead: str | None = Field(None, description="Username; empty string clears it")
    total_value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    annual_value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    tags: list[str] | None = None


class TerminateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    terminated_on: date = Field(description="First day the contract is no longer in force")
    reason: str = Field(min_length=1, max_length=2000)


class NoticeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_on: date = Field(description="Day notice of non-renewal or termination was given")


class ContractFilters(BaseModel):
    """Portfolio filters, shared by the UI, the API, the CLI and exports."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    q: str | None = Field(None, description="Search reference, title, counterparty, tags")
    status: ContractStatus | None = None
    counterparty_id: int | None = None
    region: str | None = None
    owner: str | None = Field(None, description="Username of any owner")
    our_role: OurRole | None = None
    kind: ContractKind | None = None
    deadline_within_days: int | None = Field(
        None,
        ge=0,
        le=3650,
        description="A notice deadline, next action or current term end within N days",
    )
    sort: ContractSort = ContractSort.REFERENCE
    descending: bool = False
