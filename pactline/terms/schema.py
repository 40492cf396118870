"""The terms language: the Pydantic models of a contract terms document.

A terms document is a mapping of top-level sections. Version 1 of the format has
``pactline`` (the format version), ``contract``, ``version``, ``term``,
``renewal``, ``calendar``, ``service_levels`` (whose models live in
:mod:`pactline.terms.service_levels`) and ``charges`` (in
:mod:`pactline.terms.charges`); later versions of Pactline add further sections
(``obligations``, ``governance``) beside them.

Every model is frozen and rejects unknown fields. Rules that involve more than
one field are checked by model validators, which report each broken rule
against the path of the field to fix (see :data:`RULES_ERROR_TYPE`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pactline.engine.calendars import add_months

# The key-date vocabulary is the engine's: one set of enums from the file to the calculation.
from pactline.engine.dates import EndConvention, NoticeUnit, RenewalKind
from pactline.engine.dates import NonBusinessDayRule as NonBusinessDay
from pactline.engine.dates import NoticeParty as NoticeGivenBy
from pactline.terms.calendars import (
    business_days_before,
    calendar_country_problem,
    calendar_subdivision_problem,
)

__all__ = [
    "FORMAT_VERSION",
    "IDENTIFIER_PATTERN",
    "PATTERN_MESSAGES",
    "RULES_ERROR_TYPE",
    "Calendar",
    "Charges",
    "Contract",
    "ContractKind",
    "ContractValues",
    "Counterparty",
    "EndConvention",
    "NonBusinessDay",
    "Notice",
    "NoticeGivenBy",
    "NoticeUnit",
    "OurRole",
    "Owners",
    "Person",
    "Renewal",
    "RenewalKind",
    "ServiceLevels",
    "Term",
    "TermsDocument",
    "TermsVersion",
    "add_months",
]

FORMAT_VERSION = 1
"""The only format version this Pactline reads and writes (the ``pactline:`` key)."""

RULES_ERROR_TYPE = "terms_rules"
"""Pydantic error type raised by the cross-field rules.

Its ``ctx["rules"]`` is a list of ``{"loc": [...], "message": "..."}``, each
``loc`` relative to the error's own ``loc``. :mod:`pactline.terms.loader` turns
each one into a separate issue with its own path and line.
"""

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)

REFERENCE_PATTERN = r"^[A-Za-z0-9._/-]{1,64}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MONEY_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

PATTERN_MESSAGES: dict[str, str] = {
    REFERENCE_PATTERN: (
        "must be 1-64 characters of letters, digits and . _ / - (no spaces), like MSA-2026-001"
    ),
    COUNTRY_PATTERN: "must be a two-letter ISO 3166-1 country code in capitals, like GB",
    CURRENCY_PATTERN: "must be a three-letter ISO 4217 currency code in capitals, like GBP",
    EMAIL_PATTERN: "must be an email address, like dana@example.com",
    IDENTIFIER_PATTERN: (
        "must be 1-64 letters, digits and . _ - (no spaces), starting with a letter or digit, "
        "like p1_resolution"
    ),
}
"""Plain-English wording for each pattern the models use, keyed by the pattern."""


# --------------------------------------------------------------------------- enums


class OurRole(StrEnum):
    """Which side of the contract the organisation using Pactline is on."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class ContractKind(StrEnum):
    """What sort of contract document this is."""

    MASTER = "master"
    STATEMENT_OF_WORK = "statement_of_work"
    ORDER = "order"


# --------------------------------------------------------------------------- field types


def _custom(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"terms_{kind}", message)


def _iso_date_input(value: object) -> object:
    """Accept only ``date`` objects and ``YYYY-MM-DD`` text (no datetimes, no numbers)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        return value.strip()
    raise _custom("date", "must be a date written YYYY-MM-DD, like 2026-01-31")


def _date_in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise _custom(
            "date_range",
            f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}",
        )
    return value


def _format_version_input(value: object) -> object:
    if type(value) is not int:
        if isinstance(value, bool):
            found = str(value).lower()
        elif isinstance(value, str):
            found = f"the text {value!r}"
        else:
            found = "nothing" if value is None else str(value)
        raise _custom(
            "format_version", f"must be 1: this Pactline reads format version 1 (found {found})"
        )
    return value


def _whole_number_input(value: object) -> object:
    if isinstance(value, bool):
        raise _custom("whole_number", "must be a whole number")
    return value


def _money_input(value: object) -> object:
    if isinstance(value, bool):
        raise _custom("money", 'must be an amount, like "1200000.00"')
    if isinstance(value, float):
        # Floats only reach here from Python callers: take the shortest text that
        # round-trips (what was typed), never the binary expansion.
        return Decimal(repr(value))
    return value


def _money_scale(value: Decimal) -> Decimal:
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        return value.quantize(Decimal(1))
    return value


def _text_input(value: object) -> object:
    if isinstance(value, bool | int | float | Decimal):
        raise _custom("text", "must be text; put the value in quotes")
    return value


def _subdivision_input(value: object) -> object:
    # Some subdivision codes are numbers (FR 971, JP 01); accept them unquoted.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date_input),
    AfterValidator(_date_in_range),
]
# Constraints come before the validators in each Annotated type, or Pydantic leaves
# them out of the JSON Schema.
Text = Annotated[str, Field(min_length=1, max_length=200), BeforeValidator(_text_input)]
LongText = Annotated[str, Field(min_length=1, max_length=4000), BeforeValidator(_text_input)]
Tag = Annotated[str, Field(min_length=1, max_length=40), BeforeValidator(_text_input)]
Reference = Annotated[str, Field(pattern=REFERENCE_PATTERN), BeforeValidator(_text_input)]
Months = Annotated[int, Field(ge=1, le=1200), BeforeValidator(_whole_number_input)]
Money = Annotated[
    Decimal,
    Field(ge=0, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_money_input),
    AfterValidator(_money_scale),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": MONEY_PATTERN},
                {"type": "number", "minimum": 0},
            ]
        }
    ),
]


class _Rules:
    """Collects broken cross-field rules and raises them together."""

    def __init__(self) -> None:
        self._broken: list[tuple[tuple[str | int, ...], str]] = []

    def add(self, loc: Sequence[str | int], message: str) -> None:
        self._broken.append((tuple(loc), message))

    def __bool__(self) -> bool:
        """Whether any rule is broken so far."""
        return bool(self._broken)

    def raise_any(self) -> None:
        if not self._broken:
            return
        summary = "; ".join(f"{_dotted(loc)}: {message}" for loc, message in self._broken)
        raise PydanticCustomError(
            RULES_ERROR_TYPE,
            "{summary}",
            {
                "summary": summary,
                "rules": [{"loc": list(loc), "message": message} for loc, message in self._broken],
            },
        )


def _dotted(loc: Sequence[str | int]) -> str:
    """A location as the path users read: ``service_levels.measures[1].id``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


CHECK_CURRENCY = "XXX"
"""ISO 4217's code for "no currency": sections build their engine terms in it to check them
before the contract's own currency is at hand."""


class _EngineProblem(Exception):
    """An engine rule a section breaks, at a location in the section (sections build their
    engine terms and report what the engine refuses at the field to fix)."""

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.loc: tuple[str | int, ...] = tuple(loc)
        self.message = message


def _months_end(start: date, months: int, convention: EndConvention) -> date:
    anniversary = add_months(start, months)
    if convention is EndConvention.DAY_BEFORE_ANNIVERSARY:
        return anniversary - timedelta(days=1)
    return anniversary


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
    )


# --------------------------------------------------------------------------- contract


class Counterparty(_Section):
    """The other party to the contract."""

    name: Text = Field(
        description="Legal name of the other party.",
        examples=["Northwind Networks Ltd"],
    )
    registration_id: Text | None = Field(
        default=None,
        description=(
            "Company registration number or other legal identifier of the other party. "
            "Quote it, so leading zeros are kept."
        ),
        examples=["01234567"],
    )
    country: Annotated[str, Field(pattern=COUNTRY_PATTERN)] | None = Field(
        default=None,
        description="Country of registration, as an ISO 3166-1 alpha-2 code.",
        examples=["GB"],
    )

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is not None and pycountry.countries.get(alpha_2=value) is None:
            raise _custom("country", f"'{value}' is not an ISO 3166-1 alpha-2 country code")
        return value


class Owners(_Section):
    """The people on our side who own the contract relationship."""

    account_manager: Text | None = Field(
        default=None,
        description="Pactline username or name of the account manager.",
        examples=["liam.walsh"],
    )
    commercial_lead: Text | None = Field(
        default=None,
        description="Pactline username or name of the commercial lead.",
        examples=["maria.santos"],
    )
    governance_lead: Text | None = Field(
        default=None,
        description="Pactline username or name of the governance lead.",
        examples=["grace.okafor"],
    )


class Person(_Section):
    """A named contact for the contract."""

    name: Text = Field(description="Full name of the person.", examples=["Dana Smith"])
    email: Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254)] | None = Field(
        default=None,
        description="Email address of the person.",
        examples=["dana@example.com"],
    )
    responsibility: Text | None = Field(
        default=None,
        description="What the person is responsible for under the contract.",
        examples=["Service delivery manager"],
    )


class ContractValues(_Section):
    """Headline contract values, in the contract currency.

    Amounts are decimals with at most two decimal places; write them as quoted
    text (``"1200000.00"``) or plain numbers. They are never held as floats.
    """

    total: Money | None = Field(
        default=None,
        description="Total contract value over the initial term.",
        examples=["4800000.00"],
    )
    annual: Money | None = Field(
        default=None,
        description="Annual contract value.",
        examples=["1200000.00"],
    )


class Contract(_Section):
    """Facts about the contract: who, what, and in which currency."""

    reference: Reference = Field(
        description=(
            "Unique reference of the contract: 1-64 letters, digits, '.', '_', '/' or '-'. "
            "Every version of the contract's terms carries the same reference."
        ),
        examples=["MSA-2026-001"],
    )
    title: Text = Field(
        description="Short title of the contract.",
        examples=["Managed network services"],
    )
    kind: ContractKind = Field(
        description=(
            "What sort of contract this is. A statement_of_work or order sits under a master "
            "agreement named in parent. Amendments are new versions, not contracts."
        ),
        examples=["master"],
    )
    parent: Reference | None = Field(
        default=None,
        description=(
            "Reference of the master agreement a statement_of_work or order sits under. "
            "Required for those kinds; must be empty for a master."
        ),
        examples=["MSA-2026-001"],
    )
    our_role: OurRole = Field(
        description="Whether we are the customer or the supplier under this contract.",
        examples=["customer"],
    )
    counterparty: Counterparty = Field(description="The other party to the contract.")
    currency: Annotated[str, Field(pattern=CURRENCY_PATTERN)] = Field(
        description="Currency of the contract's amounts, as an ISO 4217 code.",
        examples=["GBP"],
    )
    region: Text | None = Field(
        default=None,
        description="Region the contract belongs to, for reporting.",
        examples=["EMEA"],
    )
    business_unit: Text | None = Field(
        default=None,
        description="Business unit that owns the contract, for reporting.",
        examples=["Group IT"],
    )
    owners: Owners | None = Field(
        default=None,
        description="The people on our side who own the relationship.",
    )
    people: tuple[Person, ...] = Field(
        default=(),
        description="Named contacts for the contract, on either side.",
    )
    values: ContractValues | None = Field(
        default=None,
        description="Headline contract values, in the contract currency.",
    )
    tags: tuple[Tag, ...] = Field(
        default=(),
        description="Free labels for finding and grouping contracts; each one once.",
        examples=[["network", "critical"]],
    )

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if pycountry.currencies.get(alpha_3=value) is None:
            raise _custom("currency", f"'{value}' is not an ISO 4217 currency code")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.kind is ContractKind.MASTER and self.parent is not None:
            rules.add(["parent"], "must be empty for a master agreement")
        if self.kind is not ContractKind.MASTER and self.parent is None:
            noun = (
                "a statement of work" if self.kind is ContractKind.STATEMENT_OF_WORK else "an order"
            )
            rules.add(["parent"], f"required for {noun}: the reference of its master agreement")
        if self.parent is not None and self.parent == self.reference:
            rules.add(["parent"], "must not be the contract's own reference")
        seen: set[str] = set()
        for index, tag in enumerate(self.tags):
            if tag in seen:
                rules.add(["tags", index], f"duplicate tag '{tag}'")
            seen.add(tag)
        rules.raise_any()
        return self


# --------------------------------------------------------------------------- version


class TermsVersion(_Section):
    """Which version of the contract's terms this document is.

    The original agreement and each amendment are complete terms documents with
    the same contract reference; each takes effect on its ``effective_on`` date.
    """

    effective_on: IsoDate | None = Field(
        default=None,
        description=(
            "Date this version of the terms takes effect. Defaults to term.start_on "
            "(the original agreement); an amendment gives a later date."
        ),
        examples=["2026-01-01"],
    )
    label: Text | None = Field(
        default=None,
        description="Name of this version.",
        examples=["Amendment No. 1"],
    )
    note: LongText | None = Field(
        default=None,
        description="Free note about what this version changes.",
        examples=["Notice period reduced to 60 business days."],
    )


# --------------------------------------------------------------------------- term


class Term(_Section):
    """The initial term: when the contract starts and ends."""

    start_on: IsoDate = Field(
        description="First day of the initial term.",
        examples=["2026-01-01"],
    )
    end_on: IsoDate | None = Field(
        default=None,
        description="Last day of the initial term. Give either end_on or months.",
        examples=["2028-12-31"],
    )
    months: Months | None = Field(
        default=None,
        description=(
            "Length of the initial term in months, as an alternative to end_on. "
            "Give either end_on or months."
        ),
        examples=[36],
    )
    end_convention: EndConvention = Field(
        default=EndConvention.DAY_BEFORE_ANNIVERSARY,
        description=(
            "How a term counted in months ends: on the day before the anniversary of the start "
            "(2026-01-01 + 12 months ends 2026-12-31) or on the anniversary itself. Applies to "
            "term.months and renewal.term_months."
        ),
        examples=["day_before_anniversary"],
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.end_on is None and self.months is None:
            rules.add(["end_on"], "required: give term.end_on or term.months")
        if self.end_on is not None and self.months is not None:
            rules.add(["months"], "give either term.end_on or term.months, not both")
        if self.end_on is not None and self.end_on < self.start_on:
            rules.add(["end_on"], f"must not be before term.start_on ({self.start_on})")
        rules.raise_any()
        return self

    @property
    def end_date(self) -> date:
        """Last day of the initial term, whether given as end_on or as months."""
        if self.end_on is not None:
            return self.end_on
        assert self.months is not None  # guaranteed by the rules
        return _months_end(self.start_on, self.months, self.end_convention)

    @property
    def length_days(self) -> int:
        """Length of the initial term in calendar days, counting both ends."""
        return (self.end_date - self.start_on).days + 1


# --------------------------------------------------------------------------- renewal


class Notice(_Section):
    """The notice that controls renewal."""

    period: Annotated[int, Field(ge=1), BeforeValidator(_whole_number_input)] = Field(
        description=(
            "Length of the notice period, in unit. Must be less than the initial term. For "
            "automatic and evergreen renewal this is notice to stop the contract renewing; "
            "for optional renewal, notice to take up the option."
        ),
        examples=[90],
    )
    unit: NoticeUnit = Field(
        description=(
            "What the period counts. business_days needs a calendar section to know the "
            "public holidays."
        ),
        examples=["business_days"],
    )
    given_by: NoticeGivenBy = Field(
        default=NoticeGivenBy.EITHER,
        description="Which party may give the notice.",
        examples=["either"],
    )


class Renewal(_Section):
    """How the contract continues after the initial term."""

    kind: RenewalKind = Field(
        description=(
            "none: the contract ends with its term. automatic: it renews for term_months "
            "unless notice is given. evergreen: it rolls on in periods of term_months until "
            "either side gives notice. optional: it renews only if notice of renewal is given."
        ),
        examples=["automatic"],
    )
    term_months: Months | None = Field(
        default=None,
        description="Length of each renewal period in months. Required unless kind is none.",
        examples=[12],
    )
    max_renewals: (
        Annotated[int, Field(ge=1, le=100), BeforeValidator(_whole_number_input)] | None
    ) = Field(
        default=None,
        description=(
            "How many times the contract may renew; empty means no limit. "
            "Not allowed for none or evergreen."
        ),
        examples=[2],
    )
    notice: Notice | None = Field(
        default=None,
        description="The notice period that controls renewal. Required unless kind is none.",
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        kind = self.kind
        if kind is RenewalKind.NONE:
            for name in ("term_months", "max_renewals", "notice"):
                if getattr(self, name) is not None:
                    rules.add([name], "must not be set when renewal.kind is none")
        else:
            if self.term_months is None:
                rules.add(["term_months"], f"required when renewal.kind is {kind.value}")
            if self.notice is None:
                rules.add(["notice"], f"required when renewal.kind is {kind.value}")
            if kind is RenewalKind.EVERGREEN and self.max_renewals is not None:
                rules.add(
                    ["max_renewals"],
                    "must not be set when renewal.kind is evergreen: it renews without limit",
                )
        rules.raise_any()
        return self


# --------------------------------------------------------------------------- calendar


class Calendar(_Section):
    """The public-holiday calendar that decides which days are business days."""

    country: Annotated[str, Field(pattern=COUNTRY_PATTERN)] = Field(
        description="Country whose public holidays apply, as an ISO 3166-1 alpha-2 code.",
        examples=["GB"],
    )
    subdivision: Annotated[str, BeforeValidator(_subdivision_input)] | None = Field(
        default=None,
        description=(
            "Region of the country whose holidays apply, as the holidays package codes it "
            "(GB: ENG, NIR, SCT, WLS; US: state codes such as NY)."
        ),
        examples=["ENG"],
    )
    non_business_day: NonBusinessDay = Field(
        default=NonBusinessDay.PRECEDING,
        description=(
            "Where a key date that falls on a weekend or public holiday moves: to the "
            "preceding business day, the following one, or nowhere (unadjusted)."
        ),
        examples=["preceding"],
    )

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        problem = calendar_country_problem(value)
        if problem is not None:
            raise _custom("calendar_country", problem)
        return value

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        if self.subdivision is not None:
            problem = calendar_subdivision_problem(self.country, self.subdivision)
            if problem is not None:
                rules.add(["subdivision"], problem)
        rules.raise_any()
        return self


# --------------------------------------------------------------------------- document

# The service_levels and charges sections live in their own modules, which build on the field
# types and helpers above; they are imported here, once those exist, so the modules can share them.
from pactline.terms.charges import Charges  # noqa: E402
from pactline.terms.service_levels import ServiceLevels  # noqa: E402


class TermsDocument(_Section):
    """A contract's terms: one version of them, effective from a date."""

    model_config = ConfigDict(title="Pactline contract terms")

    pactline: Annotated[Literal[1], BeforeValidator(_format_version_input)] = Field(
        description="Format version of the terms language. Always 1 for now.",
        examples=[1],
    )
    contract: Contract = Field(description="Facts about the contract.")
    version: TermsVersion | None = Field(
        default=None,
        description=(
            "Which version of the terms this is. Leave it out for the original agreement, "
            "effective from term.start_on."
        ),
    )
    term: Term = Field(description="The initial term.")
    renewal: Renewal = Field(description="How the contract continues after the initial term.")
    calendar: Calendar | None = Field(
        default=None,
        description=(
            "Public-holiday calendar for business-day counting and for moving key dates off "
            "non-business days. Required when a notice is counted in business_days."
        ),
    )
    service_levels: ServiceLevels | None = Field(
        default=None,
        description=(
            "Service levels and service credits: the measures and the levels to meet, how a "
            "failure is priced and how credits are limited, and the rules around them "
            "(defaults, earnback, continuous improvement, termination triggers)."
        ),
    )
    charges: Charges | None = Field(
        default=None,
        description=(
            "Charges: fixed fees, the rate card, tiered charges, resource units with ARC/RRC, "
            "milestones, delay damages, indexation, FX and tax, and how a period's statement "
            "adds them up (order of operations, rounding, when credits are applied)."
        ),
    )

    @property
    def effective_on(self) -> date:
        """The date this version takes effect: version.effective_on, else term.start_on."""
        if self.version is not None and self.version.effective_on is not None:
            return self.version.effective_on
        return self.term.start_on

    @property
    def latest_end(self) -> date | None:
        """Last day the contract could run to with every renewal taken, or ``None`` if unbounded."""
        renewal = self.renewal
        if renewal.kind is RenewalKind.NONE:
            return self.term.end_date
        if renewal.kind is RenewalKind.EVERGREEN or renewal.max_renewals is None:
            return None
        try:
            return self.renewal_end(renewal.max_renewals)
        except (OverflowError, ValueError):
            return None

    def renewal_end(self, index: int) -> date:
        """Last day of renewal term ``index`` (1 for the first renewal), were it to happen.

        Renewal months are counted from one anchor, never from a previous clamped end:
        the start of a term given in months, else the day after its end date (or the
        end date itself under the anniversary convention).
        """
        term, months = self.term, self.renewal.term_months
        if months is None:
            raise ValueError("this contract has no renewal term")
        if term.months is not None:
            anchor, offset = term.start_on, term.months
        elif term.end_convention is EndConvention.ANNIVERSARY:
            anchor, offset = term.end_date, 0
        else:
            anchor, offset = term.end_date + timedelta(days=1), 0
        return _months_end(anchor, offset + index * months, term.end_convention)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rules = _Rules()
        notice = self.renewal.notice
        if notice is not None:
            problem = self._notice_problem(notice)
            if problem is not None:
                rules.add(["renewal", "notice", "period"], problem)
            if notice.unit is NoticeUnit.BUSINESS_DAYS and self.calendar is None:
                rules.add(
                    ["calendar"],
                    "required when renewal.notice.unit is business_days, to know the holidays",
                )
        if self.version is not None and self.version.effective_on is not None:
            effective = self.version.effective_on
            if effective < self.term.start_on:
                rules.add(
                    ["version", "effective_on"],
                    f"must not be before term.start_on ({self.term.start_on})",
                )
            latest = self.latest_end
            if latest is not None and effective > latest:
                last = "term" if self.renewal.kind is RenewalKind.NONE else "last renewal"
                rules.add(
                    ["version", "effective_on"],
                    f"must not be after the end of the {last} ({latest})",
                )
        rules.raise_any()
        return self

    def _notice_problem(self, notice: Notice) -> str | None:
        """Whether the notice is too long to give within the initial term.

        Notice counted back from the term's last day must not fall before its first
        day: months by calendar months, calendar days by days, business days on the
        document's calendar (weekends only without one), the last day not counted.
        This is how the key-date engine counts it. Only the initial term bounds the
        notice: a notice longer than a renewal term is a real clause ("month to month,
        on 60 days' notice"), whose deadlines fall in an earlier period.
        """
        try:
            notice_on = self._notice_date(self.term.end_date, notice)
        except (OverflowError, ValueError):
            return "must be less than the term"
        if notice_on < self.term.start_on:
            return "must be less than the term"
        return None

    def _notice_date(self, last_day: date, notice: Notice) -> date:
        if notice.unit is NoticeUnit.MONTHS:
            return add_months(last_day, -notice.period)
        if notice.unit is NoticeUnit.CALENDAR_DAYS:
            return last_day - timedelta(days=notice.period)
        calendar = self.calendar
        return business_days_before(
            last_day,
            notice.period,
            calendar.country if calendar is not None else None,
            calendar.subdivision if calendar is not None else None,
        )
