"""What the commercials use cases take and give back (API bodies, CLI JSON, page data)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class IndexValueRead(_Schema):
    """One month's published value of an index series, and where it came from."""

    series: str
    period: str
    value: Decimal
    source_name: str
    source_sha256: str
    recorded_at: datetime
    recorded_by: str


class IndexSeriesRead(_Schema):
    """An index series: its stored months, oldest first."""

    series: str
    count: int
    first_period: str
    last_period: str
    latest_value: Decimal
    values: list[IndexValueRead]


class IndexValuesImported(_Schema):
    """The outcome of an indices import: values added and replaced, per file."""

    file: str
    sha256: str
    created: int
    updated: int
    series: list[str]
    periods: list[str]


class VolumeRead(_Schema):
    """One month's volume of one charge item of a contract, and where it came from."""

    item_id: str
    period: str
    quantity: Decimal
    source_name: str
    source_sha256: str
    recorded_at: datetime
    recorded_by: str


class VolumesImported(_Schema):
    """The outcome of a volumes import: rows added and replaced."""

    file: str
    sha256: str
    terms_version: int
    created: int
    updated: int
    items: list[str]
    periods: list[str]


class DeliveryRead(_Schema):
    """A milestone achieved or accepted, or a late delivery, in one month of a contract."""

    item_id: str
    period: str
    event: str
    due_on: date | None
    ended_on: date | None
    note: str
    source_name: str
    recorded_at: datetime
    recorded_by: str


class DeliveriesImported(_Schema):
    """The outcome of a deliveries import: rows added and replaced."""

    file: str
    sha256: str
    terms_version: int
    created: int
    updated: int
    periods: list[str]


class VolumeCreate(_Schema):
    """One month's volume of one item, entered by hand (or corrected)."""

    item_id: str = Field(min_length=1, max_length=64, examples=["ports"])
    period: str = Field(min_length=1, max_length=7, examples=["2026-04"])
    quantity: Decimal = Field(examples=["2080"])
    note: str | None = Field(default=None, max_length=300)
