"""Names used across the commercials area."""

from __future__ import annotations

from enum import StrEnum


class CommercialsAction(StrEnum):
    """The audit actions of the commercials area (``<area>.<past tense>``)."""

    INDEX_VALUES_IMPORTED = "commercials.index_values_imported"
    VOLUMES_IMPORTED = "commercials.volumes_imported"
    DELIVERIES_IMPORTED = "commercials.deliveries_imported"
