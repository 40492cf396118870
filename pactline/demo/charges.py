"""Charges of the demo: five contracts priced line by line, their volumes and index series.

Five contracts carry a ``charges`` section on every terms version (CHARGES below), so each
month is priced by the terms in force in it, and the stored facts to price twelve months or
more of invoices (pactline.demo.invoices stores them and the invoices):

- Northwind network (we are the customer, GBP): fixed fees (one quarterly), a rate card by
  role, region and contract year, managed switch ports with an exclusion-mode deadband, and
  UK CPI indexation capped at 5% (the first anniversary's 7% is capped; the second, 3.2%,
  falls inside the demo's months). Its service credits are deducted a month later.
- Northwind legacy MPLS (customer, GBP): two fixed fees until the circuits were switched off;
  the contract was terminated.
- Fabrikam colocation (customer, EUR): metered power priced through ARC bands (with RRC at
  80% of each band's rate), remote hands by the hour, an annual certification fee.
- Woodgrove applications (customer, USD): a fixed-capacity team and offshore and onshore
  days by contract year, with an FX clause: half of the USD/INR movement beyond ±2% is
  passed on. Zero-rated tax (an export of services).
- Wingtip store IT (we are the supplier, USD): point-of-sale devices with a trigger-mode
  deadband, field visits by region, project days by contract year, and US CPI indexation
  with a 2% floor and a 4% cap whose first anniversary is inside the demo's months.

Every date is counted from the load day as in pactline.demo.portfolio; a month's volume comes
from a random.Random seeded with the contract, item and month offset (nothing differs between
runs), except the months a story needs, which are given outright.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pactline.engine.calendars import add_months

__all__ = [
    "CHARGED",
    "INVOICED",
    "SERIES",
    "VOLUMES",
    "IndexSeries",
    "VolumeSeries",
    "charges_section",
    "contract_year",
    "index_values_csv",
    "month_start",
    "month_text",
    "volumes_csv",
]


def month_start(as_of: date, offset: int) -> date:
    """The first day of the month `offset` months from the month of `as_of`."""
    return add_months(as_of.replace(day=1), offset)


def month_text(as_of: date, offset: int) -> str:
    """The month `offset` months from the month of `as_of`, as YYYY-MM."""
    return month_start(as_of, offset).strftime("%Y-%m")


def contract_year(start_offset: int, offset: int) -> int:
    """The contract year (1 for the first twelve months) of a month, by offsets."""
    return (offset - start_offset) // 12 + 1


# --- the charges sections ------------------------------------------------------------------


def _northwind_network(start: date) -> dict[str, Any]:
    return {
        "fixed_fees": [
            {
                "id": "managed_service",
                "description": "Managed network service (Schedule 5, Part B)",
                "amount": "98000.00",
                "frequency": "monthly",
            },
            {
                "id": "service_management",
                "description": "Service management and reporting",
                "amount": "15000.00",
                "frequency": "quarterly",
            },
        ],
        "rate_card": [
            *(
                {
                    "id": f"engineer-y{year}",
                    "item": "project_services",
                    "role": "network_engineer",
                    "unit": "day",
                    "rate": rate,
                    "contract_year": year,
                }
                for year, rate in ((1, "920.00"), (2, "950.00"), (3, "980.00"))
            ),
            {
                "id": "architect",
                "item": "project_services",
                "role": "network_architect",
                "unit": "day",
                "rate": "1250.00",
            },
            {
                "id": "field-london",
                "item": "site_visits",
                "role": "field_engineer",
                "region": "London",
                "unit": "visit",
                "rate": "420.00",
            },
            {
                "id": "field-regions",
                "item": "site_visits",
                "role": "field_engineer",
                "region": "Regions",
                "unit": "visit",
                "rate": "360.00",
            },
        ],
        "resource_units": [
            {
                "id": "ports",
                "description": "Managed switch ports",
                "unit": "port",
                "base_rate": "12",
                "baseline": 2000,
                "deadband": {"pct": 5},
                "mode": "exclusion",
                "arc_rate": "12",
                "rrc_factor_pct": 75,
            }
        ],
        # Anniversaries on the contract's: prices move each year by the UK CPI change read
        # three months before, at most 5% (and never down).
        "indexation": {
            "index_name": "UK-CPI",
            "first_anniversary_on": add_months(start, 12),
            "base_period": add_months(start, -3).strftime("%Y-%m"),
            "reference_lag_months": 3,
            "floor_pct": 0,
            "cap_pct": 5,
        },
        "tax": {"rate_pct": 20, "name": "VAT"},
        "credit_lag_periods": 1,
        "dispute_window_days": 90,
    }


def _northwind_mpls(start: date) -> dict[str, Any]:
    return {
        "fixed_fees": [
            {
                "id": "circuits",
                "description": "MPLS circuit rental (42 branch sites)",
                "amount": "18500.00",
            },
            {"id": "managed_routers", "description": "Managed CE routers", "amount": "1500.00"},
        ],
        "tax": {"rate_pct": 20, "name": "VAT"},
        "dispute_window_days": 60,
    }


def _fabrikam(start: date) -> dict[str, Any]:
    return {
        "fixed_fees": [
            {
                "id": "colocation_space",
                "description": "Colocation space, FRA-1 hall 3 (40 cabinets)",
                "amount": "62000.00",
            },
            {
                "id": "monitoring",
                "description": "Managed monitoring and environmental reporting",
                "amount": "9500.00",
            },
            {
                "id": "certification",
                "description": "ISO 27001 and SOC 2 site certification",
                "amount": "12000.00",
                "frequency": "annual",
            },
        ],
        "rate_card": [
            {
                "id": "hands-technician",
                "item": "remote_hands",
                "role": "technician",
                "unit": "hour",
                "rate": "95.00",
            },
            {
                "id": "hands-engineer",
                "item": "remote_hands",
                "role": "engineer",
                "unit": "hour",
                "rate": "140.00",
            },
            {
                "id": "cross-connect",
                "item": "cross_connects",
                "unit": "connection",
                "rate": "350.00",
            },
        ],
        "resource_units": [
            {
                "id": "power",
                "description": "Committed power draw",
                "unit": "kW",
                "base_rate": "210",
                "baseline": 320,
                "deadband": {"pct": 5},
                "mode": "exclusion",
                "arc_bands": {
                    "mode": "incremental",
                    "measure": "units",
                    "beyond": "last_rate",
                    "bands": [
                        {"lower": 0, "upper": 40, "unit_price": "210"},
                        {"lower": 40, "upper": 80, "unit_price": "190"},
                        {"lower": 80, "unit_price": "175"},
                    ],
                },
                "rrc_factor_pct": 80,
            }
        ],
        "tax": {"rate_pct": 19, "name": "USt"},
        "credit_lag_periods": 1,
        "dispute_window_days": 90,
    }


def _woodgrove(start: date) -> dict[str, Any]:
    days: list[dict[str, Any]] = []
    for role, region, rates in (
        ("developer", "offshore", ("200.00", "210.00", "218.00")),
        ("developer", "onshore", ("620.00", "640.00", "660.00")),
    ):
        for year, rate in enumerate(rates, start=1):
            days.append(
                {
                    "id": f"dev-{region[:3]}-y{year}",
                    "item": "enhancements",
                    "role": role,
                    "region": region,
                    "unit": "day",
                    "rate": rate,
                    "contract_year": year,
                }
            )
    days.append(
        {
            "id": "tester-off",
            "item": "enhancements",
            "role": "tester",
            "region": "offshore",
            "unit": "day",
            "rate": "180.00",
        }
    )
    return {
        "fixed_fees": [
            {
                "id": "core_team",
                "description": "Application maintenance core team (fixed capacity)",
                "amount": "165000.00",
            }
        ],
        "rate_card": days,
        # Prices were set at 83.20 rupees to the dollar; half of any movement beyond ±2% is
        # passed on, on the team and the days (Schedule 7).
        "fx": {
            "baseline_rate": "83.20",
            "currency_pair": "USD/INR",
            "share_pct": 50,
            "band_pct": 2,
            "band_mode": "exclusion",
            "applies_to": ["fixed", "unit"],
        },
        "tax": {"rate_pct": 0, "name": "IGST (export of services, zero-rated)"},
        "credit_lag_periods": 1,
        "dispute_window_days": 60,
    }


def _wingtip(start: date) -> dict[str, Any]:
    return {
        "fixed_fees": [
            {
                "id": "store_it_service",
                "description": "Managed store IT service (Schedule 6)",
                "amount": "185000.00",
            }
        ],
        "rate_card": [
            {
                "id": "visit-metro",
                "item": "field_visits",
                "role": "field_technician",
                "region": "metro",
                "unit": "visit",
                "rate": "145.00",
            },
            {
                "id": "visit-rural",
                "item": "field_visits",
                "role": "field_technician",
                "region": "rural",
                "unit": "visit",
                "rate": "210.00",
            },
            *(
                {
                    "id": f"pm-y{year}",
                    "item": "store_projects",
                    "role": "project_manager",
                    "unit": "day",
                    "rate": rate,
                    "contract_year": year,
                }
                for year, rate in ((1, "820.00"), (2, "845.00"), (3, "870.00"))
            ),
        ],
        "resource_units": [
            {
                "id": "pos_devices",
                "description": "Supported point-of-sale devices",
                "unit": "device",
                "base_rate": "9.50",
                "baseline": 4800,
                "deadband": {"pct": 4},
                "mode": "trigger",
                "arc_rate": "9.50",
                "rrc_rate": "7.00",
            }
        ],
        # The rate card has its own prices per contract year, so only the fixed fee and the
        # device charges are indexed.
        "indexation": {
            "index_name": "US-CPI",
            "first_anniversary_on": add_months(start, 12),
            "base_period": add_months(start, -2).strftime("%Y-%m"),
            "reference_lag_months": 2,
            "floor_pct": 2,
            "cap_pct": 4,
            "applies_to": ["fixed", "resource_base", "arc", "rrc"],
        },
        "tax": {"rate_pct": "6.25", "name": "Sales tax"},
        "credit_lag_periods": 1,
        "dispute_window_days": 45,
    }


CHARGES: dict[str, Callable[[date], dict[str, Any]]] = {
    "nw-msa": _northwind_network,
    "nw-mpls": _northwind_mpls,
    "fb-msa": _fabrikam,
    "wg-msa": _woodgrove,
    "wt-msa": _wingtip,
}

CHARGED: tuple[str, ...] = tuple(CHARGES)
"""The spec keys of the demo contracts with a charges section, in the order they load."""


def charges_section(key: str, start: date) -> dict[str, Any] | None:
    """The contract's charges section (a new dict each time), or None if it has none; its
    dates (indexation anniversaries, the base month) are counted from the term's start."""
    build = CHARGES.get(key)
    return build(start) if build is not None else None


# --- months, volumes and index series ------------------------------------------------------

INVOICED: dict[str, tuple[int, ...]] = {
    # Thirteen months, so the credit applied on the 0418 invoice (demo.service_levels) is on it.
    "nw-msa": tuple(range(-13, 0)),
    # The year before the circuits were switched off (terminated from month -8).
    "nw-mpls": tuple(range(-20, -8)),
    "fb-msa": tuple(range(-12, 0)),
    "wg-msa": tuple(range(-12, 0)),
    "wt-msa": tuple(range(-12, 0)),
}
"""The months (offsets from the load month) each charged contract is invoiced for."""


@dataclass(frozen=True)
class VolumeSeries:
    """One item's recorded volume month by month: a resource unit or a rate card entry.

    ``item`` may hold ``{year}``, the contract year of the month, for entries priced by year.
    A normal month's quantity is a whole number between ``low`` and ``high``; 0 is not stored.
    """

    item: str
    low: int
    high: int
    values: tuple[tuple[int, int], ...] = ()

    def quantity(self, key: str, month: int) -> int:
        special = dict(self.values).get(month)
        if special is not None:
            return special
        # Seeded by text (hashed with SHA-512, not Python's per-run hash): the same every run.
        # Sample figures, not secrets, so a plain pseudo-random generator is what we want.
        rng = random.Random(f"{key}/{self.item}/{month}")  # noqa: S311
        return rng.randint(self.low, self.high)


VOLUMES: dict[str, tuple[VolumeSeries, ...]] = {
    "nw-msa": (
        # 2,060 ports at -5 is inside the 5% deadband: no ARC is due (Northwind bills one).
        VolumeSeries("ports", 1880, 2190, values=((-5, 2060), (-3, 2150))),
        VolumeSeries("engineer-y{year}", 8, 16, values=((-9, 14),)),
        VolumeSeries("architect", 0, 4),
        VolumeSeries("field-london", 10, 25),
        VolumeSeries("field-regions", 15, 40),
    ),
    "fb-msa": (
        # 352 kW at -4: 32 above the baseline, 16 beyond the deadband (Fabrikam bills all 32).
        VolumeSeries("power", 296, 374, values=((-4, 352),)),
        VolumeSeries("hands-technician", 30, 60, values=((-10, 46),)),
        VolumeSeries("hands-engineer", 4, 16),
        VolumeSeries("cross-connect", 0, 3),
    ),
    "wg-msa": (
        VolumeSeries("dev-off-y{year}", 300, 460, values=((-8, 420),)),
        VolumeSeries("dev-ons-y{year}", 20, 45),
        VolumeSeries("tester-off", 80, 140),
    ),
    "wt-msa": (
        # 5,050 devices at -6: 250 above the baseline, outside the ±192 deadband (trigger mode:
        # all 250 are charged; we billed only the 58 beyond it).
        VolumeSeries("pos_devices", 4560, 5080, values=((-6, 5050),)),
        VolumeSeries("visit-metro", 40, 90),
        VolumeSeries("visit-rural", 10, 30, values=((-8, 22),)),
        VolumeSeries("pm-y{year}", 0, 12),
    ),
}
"""The recorded volumes of each charged contract with resource units or rate card usage."""


def volumes_csv(key: str, start_offset: int, as_of: date) -> str:
    """The contract's volumes file: every invoiced month of every series, zeros left out."""
    lines = ["item_id,period,quantity"]
    for month in INVOICED[key]:
        year = contract_year(start_offset, month)
        for series in VOLUMES.get(key, ()):
            quantity = series.quantity(key, month)
            if quantity:
                item = series.item.format(year=year)
                lines.append(f"{item},{month_text(as_of, month)},{quantity}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class IndexSeries:
    """A published monthly series: values at some months, the months between interpolated."""

    name: str
    places: int
    anchors: tuple[tuple[int, str], ...]  # (month offset, value), oldest first

    def values(self) -> list[tuple[int, Decimal]]:
        """Every month from the first anchor to the last, with its value."""
        step = Decimal(1).scaleb(-self.places)
        result: list[tuple[int, Decimal]] = []
        for (first, low), (last, high) in zip(self.anchors, self.anchors[1:], strict=False):
            start, end = Decimal(low), Decimal(high)
            for month in range(first, last):
                share = Decimal(month - first) / Decimal(last - first)
                result.append((month, (start + (end - start) * share).quantize(step)))
        final, value = self.anchors[-1]
        result.append((final, Decimal(value).quantize(step)))
        return result


SERIES: tuple[IndexSeries, ...] = (
    # Northwind reads the UK CPI three months before each anniversary (start + 12, + 24):
    # the base month start − 3 = −34, then −22 (+7.0%, capped at 5%) and −10 (+3.2%).
    IndexSeries("UK-CPI", 2, ((-34, "125.00"), (-22, "133.75"), (-10, "138.03"), (-1, "140.46"))),
    # Wingtip reads the US CPI two months before its anniversary (start + 12 = −10): the base
    # month start − 2 = −24, then −12 (+1.5%, raised to the 2% floor).
    IndexSeries("US-CPI", 3, ((-24, "300.000"), (-12, "304.500"), (-1, "311.820"))),
    # Rupees to the dollar: inside Woodgrove's ±2% band (84.90) until −9, then outside.
    IndexSeries(
        "USD/INR",
        4,
        ((-24, "82.9000"), (-13, "83.6000"), (-9, "84.8500"), (-4, "86.3000"), (-1, "87.1000")),
    ),
)


def index_values_csv(as_of: date) -> str:
    """The demo's indices file: every month of every series."""
    lines = ["series,period,value"]
    for series in SERIES:
        for month, value in series.values():
            lines.append(f"{series.name},{month_text(as_of, month)},{value}")
    return "\n".join(lines) + "\n"
