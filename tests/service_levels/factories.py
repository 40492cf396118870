"""The Northwind example contract and its measurements, for service-level tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from pactline.contracts import rules, service
from pactline.contracts.models import Contract
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MEASUREMENTS = EXAMPLES / "measurements"

# The owners the Northwind example names, so its terms import as written.
OWNERS = {
    "liam.walsh": Role.DELIVERY,
    "maria.santos": Role.COMMERCIAL,
    "grace.okafor": Role.GOVERNANCE,
}


def import_northwind(session: Session, make_user: Callable[..., User]) -> Contract:
    """MSA-2026-001 with its amendment: service levels from 2026-01, amended from 2027-04."""
    for name, role in OWNERS.items():
        make_user(role, username=name)
    items = [
        rules.parse_terms((EXAMPLES / name).read_text(), source_name=name)
        for name in ("northwind-msa.yaml", "northwind-msa-amendment-1.yaml")
    ]
    (contract,) = service.import_terms(session, actor=Principal.system("test"), items=items)
    return contract
