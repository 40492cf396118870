"""Every area's ORM models, imported so Alembic sees the whole schema."""

from pactline.commercials.models import Delivery, IndexValue, Volume
from pactline.contracts.models import (
    BusinessUnit,
    Contract,
    ContractDocument,
    Party,
    Region,
    TermsVersion,
)
from pactline.core.audit import AuditEvent
from pactline.core.db import Base
from pactline.disputes.models import Dispute
from pactline.invoices.models import Finding, Invoice, InvoiceLine
from pactline.service_levels.models import Exclusion, Measurement, PeriodCredit
from pactline.users.models import ApiToken, LoginAttempt, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "BusinessUnit",
    "Contract",
    "ContractDocument",
    "Delivery",
    "Dispute",
    "Exclusion",
    "Finding",
    "IndexValue",
    "Invoice",
    "InvoiceLine",
    "LoginAttempt",
    "Measurement",
    "Party",
    "PeriodCredit",
    "Region",
    "TermsVersion",
    "User",
    "Volume",
]
