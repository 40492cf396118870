"""Load the demo portfolio into an empty database, in one transaction.

The people are added first, then every demo terms document goes through the real import
path (`rules.parse_terms`, then `importing.stage_terms`, the same staging the import use case
commits), then the recorded events (terminations, notices, exercised options), then the
service levels: measurements, exclusions and the evaluated credits of each month
(pactline.demo.service_levels), then the commercials: index series, volumes and a year or more
of invoices, checked as they are stored, some findings taken further and disputed
(pactline.demo.invoices). Nothing is committed until the end: all of the demo is loaded, or
none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.contracts import importing, rules
from pactline.contracts.models import Contract
from pactline.contracts.rules import TermsInput
from pactline.core import clock
from pactline.core.errors import Conflict
from pactline.demo.events import record_events
from pactline.demo.invoices import invoicing_references, stage_charge_inputs, stage_invoicing
from pactline.demo.portfolio import DemoContract, demo_contracts
from pactline.demo.service_levels import service_level_references, stage_service_levels
from pactline.terms import dump_terms, validate_terms_data
from pactline.users import rules as users_rules
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.schemas import UserCreate


@dataclass(frozen=True)
class DemoPerson:
    username: str
    full_name: str
    role: Role


# The people who own and work the demo contracts. They cannot sign in until an administrator
# sets a password (pactline users reset-password USERNAME), so a demo never opens a door.
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("grace.okafor", "Grace Okafor", Role.GOVERNANCE),
    DemoPerson("henrik.lund", "Henrik Lund", Role.GOVERNANCE),
    DemoPerson("maria.santos", "Maria Santos", Role.COMMERCIAL),
    DemoPerson("tom.becker", "Tom Becker", Role.COMMERCIAL),
    DemoPerson("aisha.rahman", "Aisha Rahman", Role.DELIVERY),
    DemoPerson("liam.walsh", "Liam Walsh", Role.DELIVERY),
    DemoPerson("yuki.tanaka", "Yuki Tanaka", Role.DELIVERY),
    DemoPerson("olivia.brown", "Olivia Brown", Role.VIEWER),
    DemoPerson("raj.patel", "Raj Patel", Role.AUDITOR),
)

SAVE_STEP = "saving"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoSummary:
    """What load_demo created."""

    as_of: date
    people: int
    contracts: int
    versions: int
    counterparties: int
    regions: int
    events: int
    measurements: int = 0
    exclusions: int = 0
    credits: int = 0  # months of service credits evaluated and stored
    index_values: int = 0
    volumes: int = 0
    invoices: int = 0
    findings: int = 0  # raised by checking the invoices (the planted errors)
    disputes: int = 0

    @property
    def records(self) -> int:
        """People, contracts and terms versions created."""
        return self.people + self.contracts + self.versions


def is_empty(session: Session) -> bool:
    """True when the database holds nothing but administrators: no other user, no contract."""
    others = session.scalar(
        select(func.count()).select_from(User).where(User.role != Role.ADMIN.value)
    )
    contracts = session.scalar(select(func.count()).select_from(Contract))
    return not others and not contracts


def demo_steps(as_of: date | None = None) -> list[str]:
    """The names of the steps load_demo reports, in order, for progress bars."""
    day = as_of or clock.today()
    return [
        *(f"person {p.username}" for p in DEMO_PEOPLE),
        *(f"contract {c.reference}" for c in demo_contracts(day)),
        *(f"service levels {reference}" for reference in service_level_references(day)),
        *(f"invoices {reference}" for reference in invoicing_references(day)),
        SAVE_STEP,
    ]


def terms_inputs(contract: DemoContract) -> list[TermsInput]:
    """A demo contract's terms documents as YAML text, validated the way an upload is."""
    items = []
    for number, data in enumerate(contract.documents, start=1):
        text = dump_terms(validate_terms_data(data))
        source = f"demo/{contract.reference}-v{number}.yaml"
        items.append(rules.parse_terms(f"# Pactline demo portfolio\n{text}", source_name=source))
    return items


def load_demo(
    session: Session,
    *,
    actor: Principal,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Load the demo portfolio, dated from `as_of` (today by default); refuses unless the
    database is empty. One transaction: one commit, or nothing on any error."""
    if not is_empty(session):
        raise Conflict("the database already holds data; the demo loads only into an empty one")
    day = as_of or clock.today()

    def report(step: str) -> None:
        if progress:
            progress(step)

    people: dict[str, Principal] = {}
    for person in DEMO_PEOPLE:
        user, _ = users_rules.add_user(
            session,
            actor=actor,
            data=UserCreate(
                username=person.username,
                full_name=person.full_name,
                email=f"{person.username}@example.com",
                role=person.role,
            ),
            can_sign_in=False,
        )
        people[person.username] = Principal.of(user)
        report(f"person {person.username}")
    portfolio = demo_contracts(day)
    items: list[TermsInput] = []
    for contract in portfolio:
        items.extend(terms_inputs(contract))
        report(f"contract {contract.reference}")
    events = {c.reference: c.events for c in portfolio if c.events.any}
    try:
        contracts = importing.stage_terms(session, actor=actor, items=items)
        recorded = record_events(session, actor=actor, events=events)
        charge_inputs = stage_charge_inputs(session, people=people, as_of=day)
        service_levels = stage_service_levels(
            session, actor=actor, people=people, as_of=day, report=report
        )
        invoicing = stage_invoicing(
            session, actor=actor, people=people, as_of=day, inputs=charge_inputs, report=report
        )
    except Exception:
        session.rollback()
        raise
    session.commit()
    report(SAVE_STEP)
    facts = [c.documents[0]["contract"] for c in portfolio]
    return DemoSummary(
        as_of=day,
        people=len(DEMO_PEOPLE),
        contracts=len(contracts),
        versions=len(items),
        counterparties=len({f["counterparty"]["name"] for f in facts}),
        regions=len({f["region"] for f in facts}),
        events=recorded,
        measurements=service_levels.measurements,
        exclusions=service_levels.exclusions,
        credits=service_levels.credits,
        index_values=invoicing.index_values,
        volumes=invoicing.volumes,
        invoices=invoicing.invoices,
        findings=invoicing.findings,
        disputes=invoicing.disputes,
    )
