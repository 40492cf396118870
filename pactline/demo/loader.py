"""Load the demo portfolio into an empty database, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pactline.core.errors import Conflict
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

Progress = Callable[[str], None]


def is_empty(session: Session) -> bool:
    """True when the database holds nothing but administrators."""
    others = session.scalar(
        select(func.count()).select_from(User).where(User.role != Role.ADMIN.value)
    )
    return not others


def demo_steps() -> list[str]:
    """The names of the steps load_demo reports, for progress bars."""
    return [f"person {p.username}" for p in DEMO_PEOPLE]


def load_demo(session: Session, *, actor: Principal, progress: Progress | None = None) -> int:
    """Load the demo portfolio; refuses unless the database is empty. Returns records created."""
    if not is_empty(session):
        raise Conflict("the database already holds data; the demo loads only into an empty one")
    created = 0
    for person in DEMO_PEOPLE:
        users_rules.add_user(
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
        created += 1
        if progress:
            progress(f"person {person.username}")
    session.commit()
    return created
