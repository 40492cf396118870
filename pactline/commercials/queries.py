"""Reads of the commercials area: index series and their values, contracts' volumes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.commercials.files import billing_period
from pactline.commercials.models import Delivery, IndexValue, Volume
from pactline.commercials.rules import charges_in_force
from pactline.commercials.schemas import IndexSeriesRead, IndexValueRead
from pactline.contracts.models import Contract
from pactline.contracts.queries import get_contract
from pactline.contracts.rules import document_of, version_in_force
from pactline.core.errors import ValidationFailed
from pactline.engine.charges import BandTable, Measure, ResourceUnitCategory, baseline_for
from pactline.engine.money import plain_number
from pactline.engine.service_levels import Period


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


# ------------------------------------------------------------------ volume against baseline


@dataclass(frozen=True)
class BaselineMonth:
    """One month of a resource unit category: the volume recorded (None: none stored), the
    contractual baseline and the deadband around it, and the band limits as volumes.

    ``baseline`` is None when the terms in force that month do not name the category (or give
    it no baseline for the month); the month is then drawn without a band.
    """

    period: str
    volume: Decimal | None
    baseline: Decimal | None
    deadband: Decimal  # units either side of the baseline
    arc_limits: tuple[Decimal, ...]  # volumes at which an ARC band ends, above the baseline
    rrc_limits: tuple[Decimal, ...]  # volumes at which an RRC band ends, below the baseline
    position: str | None = None  # above, below or inside the deadband (None: nothing to place)


@dataclass(frozen=True)
class BaselineSeries:
    """A resource unit category of the terms in force, month by month against its baseline."""

    id: str
    description: str
    unit: str
    deadband: str  # the deadband in words: "±5% of baseline", "±100 units"
    mode: str  # exclusion or trigger
    months: tuple[BaselineMonth, ...]


def _deadband_words(category: ResourceUnitCategory) -> str:
    band = category.deadband
    if band.measure is Measure.UNITS:
        return f"±{plain_number(band.value)} units"
    return f"±{plain_number(band.value)}% of baseline"


def _band_limits(table: BandTable | None, baseline: Decimal) -> tuple[Decimal, ...]:
    """The upper limits of a band table's bands in units of deviation (the open last band has
    none)."""
    if table is None:
        return ()
    return tuple(band.upper for band in table.in_units(baseline) if band.upper is not None)


def _rrc_bands(category: ResourceUnitCategory) -> BandTable | None:
    """The RRC bands, given or as the ARC bands scaled by the RRC factor (the same limits)."""
    if category.rrc_bands is not None:
        return category.rrc_bands
    if category.rrc_factor is not None and category.arc_bands is not None:
        return category.arc_bands
    return None


def _month_of(
    category: ResourceUnitCategory | None, period: str, volume: Decimal | None
) -> BaselineMonth:
    if category is None:
        return BaselineMonth(period, volume, None, Decimal(0), (), ())
    try:
        baseline, _ = baseline_for(category, billing_period(Period.parse(period)))
    except ValueError:  # the schedule has no entry for this month and there is no constant
        return BaselineMonth(period, volume, None, Decimal(0), (), ())
    deadband, _ = category.deadband.units(baseline)
    position = None
    if volume is not None:
        # As the engine counts it: a volume exactly on the deadband's edge is inside it.
        deviation = volume - baseline
        position = (
            "above" if deviation > deadband else "below" if -deviation > deadband else "inside"
        )
    return BaselineMonth(
        period=period,
        volume=volume,
        baseline=baseline,
        deadband=deadband,
        arc_limits=tuple(baseline + limit for limit in _band_limits(category.arc_bands, baseline)),
        rrc_limits=tuple(
            max(baseline - limit, Decimal(0))
            for limit in _band_limits(_rrc_bands(category), baseline)
        ),
        position=position,
    )


def volume_baselines(session: Session, contract_id: int, as_of: date) -> list[BaselineSeries]:
    """Each resource unit category of the terms in force on ``as_of``, with the stored monthly
    volumes against the baseline of the terms in force each month (an amendment may move it),
    from the first to the last month with a volume; months between without one have none.
    Empty when the terms in force have no charges or no resource units."""
    contract = get_contract(session, contract_id)
    try:
        terms = charges_in_force(contract, as_of).terms
    except ValidationFailed:
        return []
    volumes: dict[str, dict[str, Decimal]] = {}
    for row in list_volumes(session, contract_id):
        volumes.setdefault(row.item_id, {})[row.period] = row.quantity
    by_version: dict[int, dict[str, ResourceUnitCategory]] = {}

    def category_in(period: Period, category_id: str) -> ResourceUnitCategory | None:
        """The category as the terms in force in ``period`` define it, if they do."""
        version = version_in_force(contract, date(period.year, period.month, 1))
        if version.number not in by_version:
            try:
                found = charges_in_force(contract, date(period.year, period.month, 1)).terms
                by_version[version.number] = {c.id: c for c in found.resource_units}
            except ValidationFailed:
                by_version[version.number] = {}
        return by_version[version.number].get(category_id)

    out = []
    for category in terms.resource_units:
        recorded = volumes.get(category.id, {})
        months: list[BaselineMonth] = []
        if recorded:
            first, last = Period.parse(min(recorded)), Period.parse(max(recorded))
            period = first
            while period <= last:
                key = str(period)
                months.append(_month_of(category_in(period, category.id), key, recorded.get(key)))
                period = period.shift(1)
        out.append(
            BaselineSeries(
                id=category.id,
                description=category.description,
                unit=category.unit,
                deadband=_deadband_words(category),
                mode=category.mode.value,
                months=tuple(months),
            )
        )
    return out


def list_deliveries(session: Session, contract_id: int) -> list[Delivery]:
    """A contract's stored delivery events, by month then item."""
    get_contract(session, contract_id)
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.contract_id == contract_id)
            .order_by(Delivery.period, Delivery.item_id, Delivery.event)
        )
    )


def volume_items(session: Session, contract_id: int, day: date) -> list[tuple[str, str]]:
    """The items a volume can be entered for under the terms in force on ``day``: each id
    with what it is (resource units, tiered charges, rate card entries), for the entry form."""
    contract = get_contract(session, contract_id)
    doc = document_of(version_in_force(contract, day))
    charges = doc.charges
    if charges is None:
        return []
    return [
        *((unit.id, f"{unit.id}: {unit.description}") for unit in charges.resource_units),
        *((tier.id, f"{tier.id}: {tier.description}") for tier in charges.tiered_charges),
        *(
            (entry.id, f"{entry.id}: {entry.item}, {entry.role or 'any role'} per {entry.unit}")
            for entry in charges.rate_card
        ),
    ]


def has_milestones(contract: Contract) -> bool:
    """Whether any terms version's charges have milestones or delay damages."""
    return any(
        (version.document.get("charges") or {}).get(name)
        for version in contract.versions
        for name in ("milestones", "delay_damages")
    )
