"""Parties, regions, business units, contracts, their terms versions and documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pactline.core.db import Base, DecimalType, UTCDateTime
from pactline.users.models import User


class Party(Base):
    """A counterparty: the legal entity on the other side of one or more contracts."""

    __tablename__ = "contracts_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    registration_id: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Region(Base):
    __tablename__ = "contracts_regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class BusinessUnit(Base):
    __tablename__ = "contracts_business_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Contract(Base):
    """A contract record. Its terms live in effective-dated TermsVersion rows; the columns
    here are the facts people search and filter by, kept current by edits and new versions."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    our_role: Mapped[str] = mapped_column(String(10), index=True)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("contracts_parties.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("contracts_regions.id"), index=True)
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts_business_units.id"), index=True
    )
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    commercial_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    governance_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    total_value: Mapped[Decimal | None] = mapped_column(DecimalType(scale=2))
    annual_value: Mapped[Decimal | None] = mapped_column(DecimalType(scale=2))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Events that move the status beyond what the dates say.
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    notice_given_on: Mapped[date | None] = mapped_column(Date)
    renewals_exercised: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    counterparty: Mapped[Party] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")
    business_unit: Mapped[BusinessUnit | None] = relationship(lazy="joined")
    parent: Mapped[Contract | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Contract]] = relationship(
        back_populates="parent", order_by="Contract.reference"
    )
    account_manager: Mapped[User | None] = relationship(foreign_keys=[account_manager_id])
    commercial_lead: Mapped[User | None] = relationship(foreign_keys=[commercial_lead_id])
    governance_lead: Mapped[User | None] = relationship(foreign_keys=[governance_lead_id])
    versions: Mapped[list[TermsVersion]] = relationship(
        back_populates="contract", order_by="TermsVersion.number", cascade="all, delete-orphan"
    )
    documents: Mapped[list[ContractDocument]] = relationship(
        back_populates="contract",
        order_by="ContractDocument.uploaded_at.desc()",
        cascade="all, delete-orphan",
    )


class TermsVersion(Base):
    """One effective-dated version of a contract's terms. Rows are never changed."""

    __tablename__ = "contracts_terms_versions"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        UniqueConstraint("contract_id", "effective_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # The validated document (canonical JSON) and the text as it was given, with its checksum.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_text: Mapped[str] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(10))
    source_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))

    contract: Mapped[Contract] = relationship(back_populates="versions")


class ContractDocument(Base):
    """A file attached to a contract (the signed agreement, an amendment, a schedule)."""

    __tablename__ = "contracts_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(200))

    contract: Mapped[Contract] = relationship(back_populates="documents")
