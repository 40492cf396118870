"""Disputes over invoice findings and service credits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pactline.core.db import Base, DecimalType, UTCDateTime


class Dispute(Base):
    """A disagreement with the counterparty: what it is about, the money at stake (for us),
    both positions, and how it ended. Its age runs from ``opened_at`` to ``closed_at`` (or
    today)."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(10))
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices_findings.id", ondelete="SET NULL"), index=True
    )
    credit_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_levels_period_credits.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(DecimalType(scale=2))  # at stake, for us
    our_position: Mapped[str] = mapped_column(Text)
    their_position: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)
    outcome: Mapped[str | None] = mapped_column(String(10))
    settled_amount: Mapped[Decimal | None] = mapped_column(DecimalType(scale=2))
    resolution: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
