"""Measurements, exclusions and the service credits of each period."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pactline.core.db import Base, DecimalType, UTCDateTime


class Measurement(Base):
    """The measured value of one measure in one period (None: reported as not measured)."""

    __tablename__ = "service_levels_measurements"
    __table_args__ = (UniqueConstraint("contract_id", "measure_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    measure_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    value: Mapped[Decimal | None] = mapped_column(DecimalType(scale=6))
    source: Mapped[str] = mapped_column(String(10))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    # For imported and computed values: the file's checksum and (computed) the definition
    # used, so the figure can be reproduced.
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    definition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))


class Exclusion(Base):
    """A request to exclude events or time from a measurement, and its decision."""

    __tablename__ = "service_levels_exclusions"
    __table_args__ = (Index("ix_service_levels_exclusions_lookup", "contract_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    measure_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(20))
    # The contract's ground for it (service_levels.exclusions[].id), when the terms list them.
    ground: Mapped[str | None] = mapped_column(String(64))
    actual_after_exclusions: Mapped[Decimal | None] = mapped_column(DecimalType(scale=6))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(200))
    # The requester's account, for the four-eyes rule (names can repeat and change).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str | None] = mapped_column(Text)


class PeriodCredit(Base):
    """The service credit of a contract for one period, as last evaluated, and its status."""

    __tablename__ = "service_levels_period_credits"
    __table_args__ = (UniqueConstraint("contract_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(DecimalType(scale=2))
    at_risk_amount: Mapped[Decimal | None] = mapped_column(DecimalType(scale=2))
    status: Mapped[str] = mapped_column(String(15), index=True)
    # The engine's full result for the period (to_dict()), so the page can show the arithmetic
    # that produced the amount being reviewed, even if inputs change later.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    terms_version: Mapped[int] = mapped_column(Integer)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evaluated_by: Mapped[str] = mapped_column(String(200))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invoice_reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
