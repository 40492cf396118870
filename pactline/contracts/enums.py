"""Names used across the contracts area."""

from __future__ import annotations

from enum import StrEnum

from pactline.engine.dates import ContractStatus
from pactline.terms import ContractKind, OurRole

__all__ = ["ContractKind", "ContractSort", "ContractStatus", "OurRole"]


class ContractSort(StrEnum):
    """How the portfolio list can be ordered."""

    REFERENCE = "reference"
    TITLE = "title"
    COUNTERPARTY = "counterparty"
    STATUS = "status"
    NEXT_ACTION = "next_action"
    END = "end"
    ANNUAL_VALUE = "annual_value"
