"""The commercial inputs stored in Pactline: published index values and contracts' volumes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pactline.core.db import Base, DecimalType, UTCDateTime


class IndexValue(Base):
    """The published value of an index series for one month (CPI 2026-10 = 142.7).

    Reference data shared by every contract whose indexation names the series; a month's value
    is replaced when a corrected figure is imported (the audit trail keeps the old one).
    """

    __tablename__ = "commercials_index_values"
    __table_args__ = (UniqueConstraint("series", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    value: Mapped[Decimal] = mapped_column(DecimalType(scale=6))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))


class Volume(Base):
    """How much of a charge item a contract consumed in one month: a resource unit's volume, a
    tiered charge's quantity or the units used at a rate card entry (the volumes file's rows)."""

    __tablename__ = "commercials_volumes"
    __table_args__ = (UniqueConstraint("contract_id", "item_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    quantity: Mapped[Decimal] = mapped_column(DecimalType(scale=6))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))


class Delivery(Base):
    """A delivery event of a contract in one month: a milestone achieved or accepted (its
    payment, its holdback released), or a late delivery its delay damages are charged for."""

    __tablename__ = "commercials_deliveries"
    __table_args__ = (UniqueConstraint("contract_id", "item_id", "period", "event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM: the statement it goes on
    event: Mapped[str] = mapped_column(String(10))  # achieved, accepted, delay
    due_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
