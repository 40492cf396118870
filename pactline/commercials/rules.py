"""Non-committing helpers of the commercials use cases: which charge terms read a volumes file,
which months a contract can be charged for, and how a file is refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pactline.commercials.files import Deliveries, DeliveryRow, FileProblem, PeriodCheck
from pactline.commercials.models import Delivery, IndexValue, Volume
from pactline.contracts.models import Contract, TermsVersion
from pactline.contracts.rules import document_of, version_in_force
from pactline.core.errors import ValidationFailed
from pactline.engine.calendars import add_months
from pactline.engine.charges import (
    ChargeTerms,
    StatementInputs,
    TrueUpResult,
    UnitUsage,
    annual_true_up,
)
from pactline.engine.service_levels import Period
from pactline.terms import TermsError, charge_terms

MAX_FILE_BYTES = 20 * 1024 * 1024
"""The largest indices or volumes file accepted (the same limit as measurements)."""


@dataclass(frozen=True)
class ChargesInForce:
    """The charge terms a volumes file is read with, and the version they come from."""

    version: TermsVersion
    terms: ChargeTerms


def charges_in_force(contract: Contract, as_of: date) -> ChargesInForce:
    """The engine's charge terms of the version in force on ``as_of``, or a clear error when
    that version has no ``charges`` section (there is then nothing a volume could price)."""
    version = version_in_force(contract, as_of)
    doc = document_of(version)
    if doc.charges is None:
        message = (
            f"the terms in force (version {version.number}, {version.label}) have no charges "
            "section, so no volume can be recorded; amend the terms to add one"
        )
        raise ValidationFailed(
            f"{contract.reference}: {message}",
            details=[{"file": None, "row": None, "field": "charges", "message": message}],
        )
    try:
        terms = charge_terms(doc, source=version.source_name)
    except TermsError as error:  # stored documents were validated; kept for safety
        raise ValidationFailed(
            f"terms version {version.number} cannot be priced",
            details=[issue.format(with_source=True) for issue in error.issues],
        ) from None
    return ChargesInForce(version, terms)


@dataclass
class ChargesByMonth:
    """The charge terms in force in each month of a contract (read once per version), for
    files whose rows span an amendment: each row is checked against its own month's terms."""

    contract: Contract
    _built: dict[int, ChargeTerms | str] = field(default_factory=dict)
    versions: set[int] = field(default_factory=set)

    def __call__(self, period: Period) -> ChargeTerms | str:
        version = version_in_force(self.contract, date(period.year, period.month, 1))
        if version.id not in self._built:
            doc = document_of(version)
            if doc.charges is None:
                self._built[version.id] = (
                    f"the terms in force in {period} (version {version.number}, "
                    f"{version.label}) have no charges section, so nothing can be recorded "
                    "for that month"
                )
            else:
                self._built[version.id] = charge_terms(doc, source=version.source_name)
        built = self._built[version.id]
        if not isinstance(built, str):
            self.versions.add(version.number)
        return built


def term_months(contract: Contract) -> PeriodCheck:
    """Why a month cannot carry volumes (outside the contract's term), or None if it can."""
    versions = sorted(contract.versions, key=lambda v: v.number)
    first, latest = document_of(versions[0]), document_of(versions[-1])
    start, end = first.term.start_on, latest.latest_end
    first_month = Period(start.year, start.month)
    last_month = Period(end.year, end.month) if end is not None else None

    def problem(period: Period) -> str | None:
        if period < first_month or (last_month is not None and period > last_month):
            last = str(last_month) if last_month is not None else "no fixed end"
            return f"{period} is outside the contract's term ({first_month} to {last})"
        return None

    return problem


def check_size(source_name: str, content: bytes) -> None:
    """Refuse a file over the size limit before reading it."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed(
            f"{source_name}: the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB",
            details=[{"file": source_name, "row": None, "field": None, "message": "too large"}],
        )


def refuse(source_name: str, problems: list[FileProblem], *, empty: bool) -> None:
    """Raise the file's problems, every one with its row and column; or, when the file has a
    header but no rows, say so. Returns only when the file can be stored."""
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ValidationFailed(problems[0].format() + more, details=[p.to_dict() for p in problems])
    if empty:
        raise ValidationFailed(
            f"{source_name}: the file has a header but no rows",
            details=[{"file": source_name, "row": None, "field": None, "message": "no rows"}],
        )


def stored_inputs(
    session: Session, contract: Contract, terms: ChargeTerms, period: Period
) -> StatementInputs:
    """The stored facts that price one month of a contract: its volumes (told apart by what the
    terms in force call each item), the values of its index series, and its FX rate.

    Service credits are not here: they belong to the service-levels area, which the caller
    adds. A stored volume for an item these terms do not have is refused with its name (an
    amendment renamed or removed it), rather than dropped.
    """
    month = str(period)
    categories = {category.id for category in terms.resource_units}
    tiered = {charge.id for charge in terms.tiered_charges}
    entries = {entry.id: entry for entry in terms.rate_card}
    resource: dict[str, Decimal] = {}
    quantities: dict[str, Decimal] = {}
    usage: list[UnitUsage] = []
    rows = session.scalars(
        select(Volume)
        .where(Volume.contract_id == contract.id, Volume.period == month)
        .order_by(Volume.item_id)
    )
    for row in rows:
        if row.item_id in categories:
            resource[row.item_id] = row.quantity
        elif row.item_id in tiered:
            quantities[row.item_id] = row.quantity
        elif row.item_id in entries:
            entry = entries[row.item_id]
            usage.append(
                UnitUsage(
                    id=row.item_id,
                    item=entry.item,
                    unit=entry.unit,
                    quantity=row.quantity,
                    role=entry.role,
                    region=entry.region,
                )
            )
        else:
            message = (
                f"the volume of '{row.item_id}' stored for {month} names no resource unit, "
                "tiered charge or rate card entry of the terms in force that month"
            )
            raise ValidationFailed(
                f"{contract.reference}: {message}",
                details=[
                    {"file": row.source_name, "row": None, "field": "item_id", "message": message}
                ],
            )
    series: dict[str, Decimal] = {}
    if terms.indexation is not None:
        series = {
            value.period: value.value
            for value in session.scalars(
                select(IndexValue).where(IndexValue.series == terms.indexation.index_name)
            )
        }
    fx_rate: Decimal | None = None
    if terms.fx is not None:
        pair = terms.fx.currency_pair
        stored = None
        if pair:
            stored = session.scalar(
                select(IndexValue).where(IndexValue.series == pair, IndexValue.period == month)
            )
        if stored is None:
            message = (
                f"the terms have an FX clause, but no rate of {pair or '(no currency_pair)'} is "
                f"stored for {month}; import it as a series named {pair or 'by the pair'}"
            )
            raise ValidationFailed(
                f"{contract.reference}: {message}",
                details=[{"file": None, "row": None, "field": "charges.fx", "message": message}],
            )
        fx_rate = stored.value
    trued = [category.id for category in terms.resource_units if category.true_up]
    history: dict[str, dict[str, Decimal]] = {}
    if trued:
        for volume in session.scalars(
            select(Volume).where(
                Volume.contract_id == contract.id,
                Volume.item_id.in_(trued),
                Volume.period < month,
            )
        ):
            history.setdefault(volume.item_id, {})[volume.period] = volume.quantity
    events = session.scalars(
        select(Delivery).where(Delivery.contract_id == contract.id, Delivery.period == month)
    )
    deliveries = Deliveries(
        tuple(DeliveryRow(d.item_id, period, d.event, d.due_on, d.ended_on, d.note) for d in events)
    )
    return StatementInputs(
        unit_usage=tuple(usage),
        tiered_quantities=quantities,
        resource_volumes=resource,
        true_ups=true_ups_before(terms, history, period),
        delays=deliveries.delays(period),
        milestones=deliveries.milestones(period),
        index_series=series,
        fx_rate=fx_rate,
    )


def true_ups_before(
    terms: ChargeTerms, volumes: dict[str, dict[str, Decimal]], period: Period
) -> tuple[TrueUpResult, ...]:
    """The annual true-ups in force by ``period``: for each resource unit category with
    true-up terms, one per contract year that ended before the period and whose twelve
    months of volumes are all recorded (``volumes``: category → month → volume). A year
    with a month missing is not trued up: an average over part of a year is not the
    contract's. Each applies from the first day of the next contract year, never before."""
    results: list[TrueUpResult] = []
    start = terms.contract_start_on
    first_day = date(period.year, period.month, 1)
    for category in terms.resource_units:
        if category.true_up is None:
            continue
        by_month = volumes.get(category.id, {})
        year = 1
        while (year_end := add_months(start, 12 * year)) <= first_day:
            months = [add_months(start, 12 * (year - 1) + n) for n in range(12)]
            found = {on: by_month.get(on.strftime("%Y-%m")) for on in months}
            if all(value is not None for value in found.values()):
                complete = {on: value for on, value in found.items() if value is not None}
                results.append(annual_true_up(category, complete, year_end))
            year += 1
    return tuple(results)
