"""Shared by the demo tests: the load day, the actor, and helpers that read the loaded demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pactline.contracts import queries, rules
from pactline.contracts.models import Contract
from pactline.demo import invoices as demo_invoices
from pactline.demo import loader, portfolio
from pactline.demo import service_levels as demo_sl
from pactline.demo.loader import load_demo
from pactline.engine.dates import KeyDates
from pactline.engine.service_levels import Period
from pactline.service_levels import queries as sl_queries
from pactline.service_levels.models import PeriodCredit
from pactline.terms import TermsDocument
from pactline.users.principal import Principal

# The holidays package knows India's holidays only up to 2035, and key dates load calendars
# twelve years ahead; the warning is about years no demo date reaches.

AS_OF = date(2026, 3, 15)  # load month 0 is March 2026; -1 is February 2026
ACTOR = Principal.system("demo-test")


@dataclass(frozen=True)
class LoadedDemo:
    """The demo as loaded on AS_OF: the session that holds it, its summary, and what its
    invoicing step planted."""

    session: Session
    summary: loader.DemoSummary
    planted: tuple[demo_invoices.PlantedFinding, ...]


def load(session: Session, as_of: date = AS_OF, **kwargs: Any) -> loader.DemoSummary:
    return load_demo(session, actor=ACTOR, as_of=as_of, **kwargs)


def key_dates(contract: Contract, as_of: date = AS_OF) -> tuple[TermsDocument, KeyDates]:
    version, dates = rules.contract_key_dates(contract, as_of)
    return rules.document_of(version), dates


def within_90_days(day: date | None, as_of: date = AS_OF) -> bool:
    return day is not None and as_of <= day <= as_of + timedelta(days=90)


def month(offset: int, as_of: date = AS_OF) -> str:
    """The period `offset` months from the load month, as YYYY-MM."""
    return str(Period(as_of.year, as_of.month).shift(offset))


def sl_contracts(session: Session, as_of: date = AS_OF) -> dict[str, Contract]:
    """The demo contracts with service levels, by spec key."""
    refs = portfolio.references(as_of)
    by_reference = {c.reference: c for c in queries.all_contracts(session)}
    return {plan.key: by_reference[refs[plan.key]] for plan in demo_sl.PLANS}


def stored_credits(session: Session, contract: Contract) -> dict[str, PeriodCredit]:
    return {c.period: c for c in sl_queries.list_credits(session, contract.id)}
