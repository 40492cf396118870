"""What was measured: monthly periods, measurement rows and approved exclusions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pactline.engine.calendars import MONTH_NAMES
from pactline.engine.money import to_decimal

__all__ = ["Exclusion", "Measurement", "Period"]


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month of service; quarters and rolling windows are built from months."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError(f"year: give a whole number, not {self.year!r}")
        if isinstance(self.month, bool) or not isinstance(self.month, int):
            raise TypeError(f"month: give a whole number, not {self.month!r}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"month: {self.month} is not a month number from 1 to 12")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year: {self.year} is outside the calendar")

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period from "2026-01", the form used in files and results."""
        year, sep, month = text.strip().partition("-")
        if not sep or not year.isdigit() or not month.isdigit():
            raise ValueError(f"period: {text!r} is not a month in the form YYYY-MM")
        return cls(int(year), int(month))

    def shift(self, months: int) -> Period:
        """The period `months` later (earlier when negative)."""
        year, month_index = divmod(self.year * 12 + self.month - 1 + months, 12)
        return Period(year, month_index + 1)

    def months_until(self, other: Period) -> int:
        """How many months `other` is after this period (negative when before)."""
        return (other.year * 12 + other.month) - (self.year * 12 + self.month)

    def label(self) -> str:
        """The period in words: "January 2026"."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Exclusion:
    """An approved exclusion: events or time removed from one period's measurement, and why.

    With `actual_after_exclusions` the period is still measured, on the actual that remains once
    the excluded events or time are taken out. Without it the whole period is excluded: the
    measure is not assessed and carries no credit.
    """

    reason: str
    actual_after_exclusions: Decimal | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError("exclusion.reason: an approved exclusion must say why it applies")
        if self.actual_after_exclusions is not None:
            object.__setattr__(
                self,
                "actual_after_exclusions",
                to_decimal(self.actual_after_exclusions, "exclusion.actual_after_exclusions"),
            )

    @property
    def whole_period(self) -> bool:
        """Whether the whole period is excluded rather than replaced by an adjusted actual."""
        return self.actual_after_exclusions is None


@dataclass(frozen=True)
class Measurement:
    """One measure's reported value for one period, with any approved exclusion and incidents."""

    measure_id: str
    period: Period
    value: Decimal | None = None
    exclusion: Exclusion | None = None
    incident_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.period, Period):
            raise TypeError(f"{self._where()}.period: give a Period, not {self.period!r}")
        if self.value is not None and type(self.value) is not Decimal:
            object.__setattr__(self, "value", to_decimal(self.value, f"{self._where()}.value"))
        elif self.value is not None and not self.value.is_finite():
            to_decimal(self.value, f"{self._where()}.value")  # raises, naming the field
        if isinstance(self.incident_ids, str):
            # A bare string would otherwise become a set of its characters.
            raise TypeError(
                f"{self._where()}.incident_ids: give a collection of ids, not one string"
            )
        if type(self.incident_ids) is not frozenset:
            object.__setattr__(self, "incident_ids", frozenset(self.incident_ids))

    def _where(self) -> str:
        # Worded only when something is wrong: a portfolio has millions of rows.
        return f"measurements[{self.measure_id}, {self.period}]"

    @property
    def reported(self) -> bool:
        """Whether the row carries anything to assess: a value or an approved exclusion."""
        return self.value is not None or self.exclusion is not None
