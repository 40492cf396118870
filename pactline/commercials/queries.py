"""Reads of the commercials area: index series and their values, contracts' volumes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials.models import IndexValue, Volume
from pactline.commercials.schemas import IndexSeriesRead, IndexValueRead
from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract


def list_index_values(session: Session, series: str | None = None) -> list[IndexValue]:
    """Stored index values, by series then month; of one series when it is named."""
    query = select(IndexValue).order_by(IndexValue.series, IndexValue.period)
    if series is not None:
        query = query.where(IndexValue.series == series)
    return list(session.scalars(query))


def list_series(
    session: Session, series: str | None = None, *, latest: int | None = None
) -> list[IndexSeriesRead]:
    """Each stored index series with its months (oldest first); ``latest`` keeps only the last
    few months of each (the page shows the recent values, the API and CLI all of them)."""
    grouped: dict[str, list[IndexValue]] = {}
    for value in list_index_values(session, series):
        grouped.setdefault(value.series, []).append(value)
    out = []
    for name, values in grouped.items():
        shown = values[-latest:] if latest else values
        out.append(
            IndexSeriesRead(
                series=name,
                count=len(values),
                first_period=values[0].period,
                last_period=values[-1].period,
                latest_value=values[-1].value,
                values=[IndexValueRead.model_validate(v) for v in shown],
            )
        )
    return out


def list_volumes(session: Session, contract_id: int) -> list[Volume]:
    """A contract's stored volumes, by month then item."""
    get_contract(session, contract_id)
    return list(
        session.scalars(
            select(Volume)
            .where(Volume.contract_id == contract_id)
            .order_by(Volume.period, Volume.item_id)
        )
    )


@dataclass(frozen=True)
class VolumeGrid:
    """A contract's volumes as a table: one row per month, one column per item."""

    items: list[str]
    months: list[str]
    cells: dict[tuple[str, str], Decimal]  # (month, item) -> quantity

    def quantity(self, month: str, item: str) -> Decimal | None:
        return self.cells.get((month, item))


def volume_grid(session: Session, contract_id: int) -> VolumeGrid:
    """A contract's volumes arranged months × items, for the volumes page."""
    volumes = list_volumes(session, contract_id)
    return VolumeGrid(
        items=sorted({v.item_id for v in volumes}),
        months=sorted({v.period for v in volumes}),
        cells={(v.period, v.item_id): v.quantity for v in volumes},
    )


@dataclass(frozen=True)
class ContractVolumes:
    """A contract on the commercials page, with how many months of volumes it has."""

    id: int
    reference: str
    title: str
    months: int
    last_period: str | None


def contracts_with_volumes(session: Session) -> list[ContractVolumes]:
    """The contracts whose terms have charges (or that hold volumes), with the count of months
    they have volumes for (the database counts)."""
    months = (
        select(
            Volume.contract_id,
            func.count(func.distinct(Volume.period)).label("months"),
            func.max(Volume.period).label("last_period"),
        )
        .group_by(Volume.contract_id)
        .subquery()
    )
    rows = session.execute(
        select(Contract, months.c.months, months.c.last_period)
        .outerjoin(months, months.c.contract_id == Contract.id)
        .order_by(Contract.reference)
    )
    return [
        ContractVolumes(c.id, c.reference, c.title, n or 0, last)
        for c, n, last in rows
        if n or has_charges(c)
    ]


def has_charges(contract: Contract) -> bool:
    """Whether any of the contract's terms versions has a ``charges`` section."""
    return any(version.document.get("charges") for version in contract.versions)
