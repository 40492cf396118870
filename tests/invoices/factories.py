"""Northwind with everything its April 2026 invoice is checked against: volumes, CPI, and the
service credits of January to March stored from its measurements."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from pactline.commercials import service as commercials
from pactline.contracts.models import Contract
from pactline.service_levels import service as service_levels
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from tests.service_levels.factories import import_northwind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
INVOICE = EXAMPLES / "invoices" / "northwind-msa-2026-04.csv"


def northwind_with_inputs(session: Session, make_user: Callable[..., User]) -> Contract:
    """MSA-2026-001 with its volumes, the CPI series and the credits of 2026-01 to 2026-03."""
    contract = import_northwind(session, make_user)
    admin = Principal.of(make_user(Role.ADMIN, username="inputs-admin"))
    commercials.import_volumes(
        session,
        actor=admin,
        contract_id=contract.id,
        source_name="northwind-msa.csv",
        content=(EXAMPLES / "volumes" / "northwind-msa.csv").read_bytes(),
    )
    commercials.import_index_values(
        session,
        actor=admin,
        source_name="cpi.csv",
        content=(EXAMPLES / "indices" / "cpi.csv").read_bytes(),
    )
    service_levels.import_measurements(
        session,
        actor=admin,
        contract_id=contract.id,
        source_name="northwind-msa.csv",
        content=(EXAMPLES / "measurements" / "northwind-msa.csv").read_bytes(),
    )
    service_levels.evaluate_service_levels(
        session, actor=admin, contract_id=contract.id, period="2026-04"
    )
    return contract
