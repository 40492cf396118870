"""Holiday calendars for business-day rules, built on the ``holidays`` package.

The terms language names a calendar by country (ISO 3166-1 alpha-2, as the
``holidays`` package spells it) and, optionally, a subdivision the package
supports for that country (``GB`` + ``ENG``, ``US`` + ``NY``, ``DE`` + ``BY``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays

__all__ = [
    "business_days_before",
    "calendar_country_problem",
    "calendar_subdivision_problem",
    "holiday_names",
    "is_supported_country",
    "supported_countries",
    "supported_subdivisions",
]

_PREFERRED_LANGUAGES = ("en_GB", "en_US")


@lru_cache(maxsize=1)
def supported_countries() -> dict[str, tuple[str, ...]]:
    """Two-letter country codes the holiday calendar supports, each with its subdivisions.

    The ``holidays`` package also answers to three-letter aliases; the terms
    language uses the two-letter codes only, so there is one spelling per country.
    """
    return {
        code: tuple(subdivisions)
        for code, subdivisions in sorted(holidays.list_supported_countries().items())
        if len(code) == 2
    }


def is_supported_country(country: str) -> bool:
    """Whether ``country`` is a two-letter code the holiday calendar supports."""
    return country in supported_countries()


def supported_subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes the holiday calendar supports for ``country`` (may be empty)."""
    return supported_countries().get(country, ())


def calendar_country_problem(country: str) -> str | None:
    """A plain-English reason why ``country`` cannot name a calendar, or ``None`` if it can."""
    if is_supported_country(country):
        return None
    if country.upper() != country and is_supported_country(country.upper()):
        return f"must be written in capitals: {country.upper()}"
    return (
        f"'{country}' is not a country the holiday calendar knows; "
        "use a two-letter ISO 3166-1 code such as GB, US or DE"
    )


def calendar_subdivision_problem(country: str, subdivision: str) -> str | None:
    """A plain-English reason why ``subdivision`` is not valid for ``country``, or ``None``."""
    known = supported_subdivisions(country)
    if subdivision in known:
        return None
    if not known:
        return f"must be empty: the {country} holiday calendar has no subdivisions"
    return f"'{subdivision}' is not a subdivision of {country}; use one of: {', '.join(known)}"


def holiday_names(
    country: str,
    subdivision: str | None,
    years: Iterable[int],
    *,
    language: str | None = None,
) -> dict[date, str]:
    """Public holidays of a calendar: each date with its holiday's name.

    Days with two holidays carry both names joined by ``"; "``. Names are in
    English where the package has an English translation for the country,
    otherwise in the country's own language, unless ``language`` (a locale
    such as ``"en_US"``) is given.

    Raises ``ValueError`` for an unknown country or subdivision.
    """
    problem = calendar_country_problem(country)
    if problem is None and subdivision is not None:
        problem = calendar_subdivision_problem(country, subdivision)
    if problem is not None:
        raise ValueError(problem)
    wanted = sorted(set(years))
    with warnings.catch_warnings():
        # Some calendars (India's lunar holidays, say) are published only a decade or so
        # ahead; the package warns and leaves later years with weekends only. Key dates that
        # far out are rare, and a warning per request would only fill the logs.
        warnings.filterwarnings("ignore", message="Requested Holidays are available only")
        calendar = holidays.country_holidays(
            country,
            subdiv=subdivision,
            years=wanted,
            language=language or _english_for(country),
        )
    return dict(sorted(calendar.items()))


@cache
def _english_for(country: str) -> str | None:
    probe = holidays.country_holidays(country)
    languages = tuple(getattr(probe, "supported_languages", ()) or ())
    default = getattr(probe, "default_language", None)
    if isinstance(default, str) and default.startswith("en"):
        return None
    for candidate in _PREFERRED_LANGUAGES:
        if candidate in languages:
            return candidate
    return None


def business_days_before(
    day: date, count: int, country: str | None = None, subdivision: str | None = None
) -> date:
    """The date ``count`` business days before ``day``; ``day`` itself is not counted.

    Business days are Monday to Friday that are not public holidays of the
    calendar (``country``, ``subdivision``); without a country, every weekday counts.
    """
    holidays_by_year: dict[int, dict[date, str]] = {}

    def is_holiday(candidate: date) -> bool:
        if country is None:
            return False
        year = candidate.year
        if year not in holidays_by_year:
            holidays_by_year[year] = holiday_names(country, subdivision, [year])
        return candidate in holidays_by_year[year]

    current, remaining = day, count
    while remaining > 0:
        current -= timedelta(days=1)
        if current.weekday() < 5 and not is_holiday(current):
            remaining -= 1
    return current
