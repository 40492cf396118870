"""Rate cards: unit prices by item, role, region, unit and contract year, and the lookup that
says which entry priced a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pactline.engine.charges.common import (
    ChargeKind,
    ChargeLine,
    decimal_field,
    money,
    num,
)

__all__ = [
    "RateCardEntry",
    "RateLookupError",
    "RateMatch",
    "RateQuery",
    "UnitUsage",
    "lookup_rate",
    "unit_charge",
]


@dataclass(frozen=True)
class RateCardEntry:
    """One rate on the card; a criterion left as None applies to any value of it."""

    id: str
    item: str
    unit: str
    rate: Decimal
    role: str | None = None
    region: str | None = None
    contract_year: int | None = None

    def __post_init__(self) -> None:
        decimal_field(self, "rate", minimum=Decimal(0))
        if self.contract_year is not None and self.contract_year < 1:
            raise ValueError(
                f"rate card entry '{self.id}': contract_year starts at 1 (got {self.contract_year})"
            )

    def describe(self) -> str:
        """The entry's criteria in words: "'ENG-2' (item build, role engineer, any region...)"."""
        year = "any contract year" if self.contract_year is None else f"year {self.contract_year}"
        return (
            f"'{self.id}' (item {self.item}, role {self.role or 'any'}, region "
            f"{self.region or 'any'}, per {self.unit}, {year})"
        )


@dataclass(frozen=True)
class RateQuery:
    """What is being priced: an item in a unit, for a role and region, in a contract year."""

    item: str
    unit: str
    contract_year: int
    role: str | None = None
    region: str | None = None

    def describe(self) -> str:
        """The query in words."""
        return (
            f"item {self.item}, role {self.role or '(none)'}, region {self.region or '(none)'}, "
            f"per {self.unit}, contract year {self.contract_year}"
        )


class RateLookupError(ValueError):
    """No rate card entry, or more than one, matches what is being priced."""


@dataclass(frozen=True)
class RateMatch:
    """The one rate card entry that prices a query, and why it matched."""

    entry: RateCardEntry
    explanation: tuple[str, ...]

    @property
    def rate(self) -> Decimal:
        """The matched unit rate."""
        return self.entry.rate


@dataclass(frozen=True)
class UnitUsage:
    """Units consumed in a period and priced from the rate card (time and materials, items)."""

    id: str
    item: str
    unit: str
    quantity: Decimal
    role: str | None = None
    region: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        decimal_field(self, "quantity", minimum=Decimal(0))


def _matches(entry: RateCardEntry, query: RateQuery) -> bool:
    """Whether every criterion the entry states equals the query's value."""
    return (
        entry.item == query.item
        and entry.unit == query.unit
        and entry.role in (None, query.role)
        and entry.region in (None, query.region)
        and entry.contract_year in (None, query.contract_year)
    )


def lookup_rate(card: Sequence[RateCardEntry], query: RateQuery) -> RateMatch:
    """The single rate card entry that prices `query`; none or several is an error."""
    # Deliberately no "most specific wins" rule: a card where a general and a specific entry
    # both match is ambiguous in the contract too, and guessing would hide it.
    matches = [entry for entry in card if _matches(entry, query)]
    if not matches:
        raise RateLookupError(
            f"no rate card entry matches {query.describe()} (the card has {len(card)} entries)"
        )
    if len(matches) > 1:
        listed = "; ".join(entry.describe() for entry in matches)
        raise RateLookupError(
            f"{len(matches)} rate card entries match {query.describe()}: {listed}; the card "
            "must name exactly one"
        )
    entry = matches[0]
    return RateMatch(
        entry=entry,
        explanation=(
            f"Rate card entry {entry.describe()} matches {query.describe()}: "
            f"{num(entry.rate)} per {entry.unit}",
        ),
    )


def unit_charge(
    card: Sequence[RateCardEntry], usage: UnitUsage, contract_year: int, currency: str
) -> ChargeLine:
    """Units used × the rate card rate in force for the contract year (unrounded)."""
    query = RateQuery(
        item=usage.item,
        unit=usage.unit,
        contract_year=contract_year,
        role=usage.role,
        region=usage.region,
    )
    match = lookup_rate(card, query)
    amount = usage.quantity * match.rate
    description = usage.description or f"{usage.item} ({usage.role or usage.unit})"
    return ChargeLine(
        kind=ChargeKind.UNIT,
        id=usage.id,
        description=description,
        quantity=usage.quantity,
        rate=match.rate,
        amount=amount,
        explanation=(
            *match.explanation,
            f"{num(usage.quantity)} × {num(match.rate)} per {usage.unit} = "
            f"{money(amount, currency)}",
        ),
    )
