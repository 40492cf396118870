"""Rate cards: unit prices by item, role, region, unit and contract year, and the lookup that
says which entry priced a line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    "RateCard",
    "RateCardEntry",
    "RateLookupError",
    "RateMatch",
    "RateQuery",
    "UnitUsage",
    "lookup_rate",
    "unit_charge",
]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


_Criteria = tuple[str, str, str | None, str | None, int | None]
"""An entry's criteria as an index key: item, unit, role, region, contract year."""


class RateCard:
    """A rate card indexed by its criteria, so that pricing many usages does not scan it.

    Answers exactly as a scan with `_matches` would, in the card's order: an entry matches when
    each criterion it states equals the query's value, and a criterion it leaves as None
    matches anything. A query can therefore only match entries filed under its own item and
    unit, with its role or none, its region or none, and its contract year or none: at most
    eight places to look, whatever the size of the card.
    """

    def __init__(self, entries: Iterable[RateCardEntry]) -> None:
        self.entries: tuple[RateCardEntry, ...] = tuple(entries)
        self._positions: dict[_Criteria, list[int]] = {}
        for position, entry in enumerate(self.entries):
            criteria = (entry.item, entry.unit, entry.role, entry.region, entry.contract_year)
            self._positions.setdefault(criteria, []).append(position)
        # Every usage of one item, role and region in a period is priced by the same entry:
        # the match (and its explanation) is worked out once and shared.
        self._found: dict[tuple[str, str, int, str | None, str | None], RateMatch] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, query: RateQuery) -> RateMatch:
        """The single entry that prices `query`; none or several is a `RateLookupError`."""
        return self.match(query.item, query.unit, query.contract_year, query.role, query.region)

    def match(
        self, item: str, unit: str, contract_year: int, role: str | None, region: str | None
    ) -> RateMatch:
        """`lookup` for the query of these values, without building it when already known."""
        key = (item, unit, contract_year, role, region)
        found = self._found.get(key)
        if found is None:
            query = RateQuery(item, unit, contract_year, role=role, region=region)
            found = self._found[key] = _one_match(self, query, self._matching(query))
        return found

    def _matching(self, query: RateQuery) -> list[RateCardEntry]:
        """Every entry that matches `query`, in the card's order."""
        positions: list[int] = []
        for role in dict.fromkeys((query.role, None)):
            for region in dict.fromkeys((query.region, None)):
                for year in dict.fromkeys((query.contract_year, None)):
                    criteria = (query.item, query.unit, role, region, year)
                    positions.extend(self._positions.get(criteria, ()))
        return [self.entries[position] for position in sorted(positions)]


def lookup_rate(card: Sequence[RateCardEntry] | RateCard, query: RateQuery) -> RateMatch:
    """The single rate card entry that prices `query`; none or several is an error."""
    if isinstance(card, RateCard):
        return card.lookup(query)
    return _one_match(card, query, [entry for entry in card if _matches(entry, query)])


def _one_match(
    card: Sequence[RateCardEntry] | RateCard, query: RateQuery, matches: list[RateCardEntry]
) -> RateMatch:
    """The match when `matches` holds exactly one entry; otherwise the error that says why."""
    # Deliberately no "most specific wins" rule: a card where a general and a specific entry
    # both match is ambiguous in the contract too, and guessing would hide it.
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
    card: Sequence[RateCardEntry] | RateCard,
    usage: UnitUsage,
    contract_year: int,
    currency: str,
    *,
    first_steps: Sequence[str] = (),
) -> ChargeLine:
    """Units used × the rate card rate in force for the contract year (unrounded).

    `first_steps` come first in the explanation (the statement says why this contract year).
    Pass a `RateCard` to price many usages: a plain sequence is indexed on every call.
    """
    if not isinstance(card, RateCard):
        card = RateCard(card)
    match = card.match(usage.item, usage.unit, contract_year, usage.role, usage.region)
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
            *first_steps,
            *match.explanation,
            f"{num(usage.quantity)} × {num(match.rate)} per {usage.unit} = "
            f"{money(amount, currency)}",
        ),
    )
