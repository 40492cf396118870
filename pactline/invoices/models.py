"""Invoices with their lines, and the findings their validation raised."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pactline.core.db import Base, DecimalType, UTCDateTime


class Invoice(Base):
    """An invoice of a contract for one month, as received (or as issued, on the supplier
    side), with what its last validation used: the terms version and the statement."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(100))
    counterparty: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(DecimalType(scale=2))
    tax: Mapped[Decimal] = mapped_column(DecimalType(scale=2))
    total: Mapped[Decimal] = mapped_column(DecimalType(scale=2))
    source: Mapped[str] = mapped_column(String(10))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
    # The last validation: when, under which terms version, against which statement (the
    # statement's JSON, so a finding's evidence stays readable after the inputs change).
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terms_version: Mapped[int | None] = mapped_column(Integer)
    statement: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    validation_error: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="InvoiceLine.line_number",
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="Finding.id"
    )


class InvoiceLine(Base):
    """One line of an invoice: what it bills, for which month, how much."""

    __tablename__ = "invoices_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "line_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    service_period: Mapped[str | None] = mapped_column(String(7))  # None: the invoice's
    quantity: Mapped[Decimal | None] = mapped_column(DecimalType(scale=6))
    unit_price: Mapped[Decimal | None] = mapped_column(DecimalType(scale=6))
    amount: Mapped[Decimal] = mapped_column(DecimalType(scale=2))
    tax_amount: Mapped[Decimal | None] = mapped_column(DecimalType(scale=2))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Finding(Base):
    """A discrepancy validation found, with the money at stake and where it stands.

    ``amount`` is the engine's: invoiced minus due (positive: the customer is billed more than
    the terms give). Which way is a loss depends on the contract's side; queries turn it into
    money at stake for us. A finding the checks no longer raise after a re-validation is
    deleted while still open, and kept (``current`` false) once someone acted on it.
    """

    __tablename__ = "invoices_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(30), index=True)
    line_number: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(DecimalType(scale=2))
    explanation: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, str]] = mapped_column(JSON)
    current: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_changed_by: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())

    invoice: Mapped[Invoice] = relationship(back_populates="findings")
