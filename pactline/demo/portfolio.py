"""The demo portfolio: about forty contracts with ten counterparties in four regions.

Every date is counted from the day the demo is loaded (`as_of`), so a demo loaded on any day
has notice deadlines, renewals and expiries coming up in the next weeks, a few contracts that
have ended, and one that has not started yet. Nothing is random: the same `as_of` always gives
the same references, dates and amounts.

Offsets are whole calendar months from the month of `as_of`: a contract that "starts at -30"
starts on the first day of the month thirty months before; "ends at 4" means the last day of
the fourth month after. Month-aligned terms keep the dates looking like real contracts, and the
deadlines the demo relies on are chosen with enough margin to fall inside the next 90 days
whatever the day of the month (tests/demo checks it across many load days).

Nine contracts that have run long enough also carry a service_levels section
(SERVICE_LEVELS below, every credit model on both sides of the table);
pactline.demo.service_levels writes the months of measurements they are judged on. Five carry
a charges section (pactline.demo.charges), and pactline.demo.invoices writes their volumes,
index values and a year or more of invoices.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pactline.demo.charges import charges_section
from pactline.engine.calendars import add_months
from pactline.engine.money import quantize_money

__all__ = [
    "COUNTERPARTIES",
    "REGIONS",
    "SERVICE_LEVELS",
    "SPECS",
    "Amendment",
    "DemoContract",
    "DemoEvents",
    "demo_contracts",
]

REGIONS = ("EMEA", "North America", "APAC", "LATAM")


@dataclass(frozen=True)
class Party:
    """A demo counterparty, with the defaults its contracts share."""

    name: str
    country: str
    registration_id: str
    region: str
    currency: str
    calendar: tuple[str, str | None]  # country and subdivision of the holiday calendar
    contact: tuple[str, str, str]  # name, email, responsibility
    # Owners on our side: account manager, commercial lead, governance lead (usernames).
    owners: tuple[str, str, str]
    business_unit: str


COUNTERPARTIES: dict[str, Party] = {
    "northwind": Party(
        "Northwind Networks Ltd",
        "GB",
        "01234567",
        "EMEA",
        "GBP",
        ("GB", "ENG"),
        ("Dana Smith", "dana.smith@northwind.example", "Service delivery manager (Northwind)"),
        ("liam.walsh", "maria.santos", "grace.okafor"),
        "Group IT",
    ),
    "fabrikam": Party(
        "Fabrikam Data Centres GmbH",
        "DE",
        "HRB 104521",
        "EMEA",
        "EUR",
        ("DE", "HE"),
        ("Jonas Weber", "j.weber@fabrikam.example", "Key account manager (Fabrikam)"),
        ("liam.walsh", "tom.becker", "grace.okafor"),
        "Group IT",
    ),
    "adatum": Party(
        "Adatum Consulting S.A.",
        "ES",
        "A-28765432",
        "EMEA",
        "EUR",
        ("ES", "MD"),
        ("Lucía Romero", "lucia.romero@adatum.example", "Engagement partner (Adatum)"),
        ("aisha.rahman", "maria.santos", "grace.okafor"),
        "Finance",
    ),
    "contoso": Party(
        "Contoso Business Services Inc.",
        "US",
        "DE-7734120",
        "North America",
        "USD",
        ("US", "NY"),
        ("Mark Jensen", "mark.jensen@contoso.example", "Client services director (Contoso)"),
        ("aisha.rahman", "tom.becker", "henrik.lund"),
        "Finance",
    ),
    "wingtip": Party(
        "Wingtip Retail Group Inc.",
        "US",
        "IL-7781230",
        "North America",
        "USD",
        ("US", "IL"),
        ("Rachel Kim", "rachel.kim@wingtip.example", "VP store technology (Wingtip)"),
        ("tom.becker", "maria.santos", "henrik.lund"),
        "Managed Services",
    ),
    "tailspin": Party(
        "Tailspin Cloud Pty Ltd",
        "AU",
        "ACN 615 204 889",
        "APAC",
        "AUD",
        ("AU", "NSW"),
        ("Chloe Nguyen", "chloe.nguyen@tailspin.example", "Customer success manager (Tailspin)"),
        ("yuki.tanaka", "maria.santos", "henrik.lund"),
        "Group IT",
    ),
    "woodgrove": Party(
        "Woodgrove Software Services Pvt Ltd",
        "IN",
        "U72200KA2009PTC051234",
        "APAC",
        "USD",
        ("IN", "KA"),
        ("Priya Iyer", "priya.iyer@woodgrove.example", "Delivery head (Woodgrove)"),
        ("yuki.tanaka", "tom.becker", "henrik.lund"),
        "Digital",
    ),
    "trey": Party(
        "Trey Research Pte. Ltd.",
        "SG",
        "201912345K",
        "APAC",
        "SGD",
        ("SG", None),
        ("Daniel Tan", "daniel.tan@trey.example", "Head of data (Trey Research)"),
        ("yuki.tanaka", "tom.becker", "henrik.lund"),
        "Managed Services",
    ),
    "litware": Party(
        "Litware Tecnologia Ltda.",
        "BR",
        "12.345.678/0001-90",
        "LATAM",
        "BRL",
        ("BR", "SP"),
        ("Rafael Costa", "rafael.costa@litware.example", "Gerente de contas (Litware)"),
        ("aisha.rahman", "tom.becker", "grace.okafor"),
        "Operations",
    ),
    "lucerne": Party(
        "Lucerne Publicaciones S.A. de C.V.",
        "MX",
        "LPU150312AB4",
        "LATAM",
        "MXN",
        ("MX", None),
        ("Sofía Hernández", "sofia.hernandez@lucerne.example", "Directora digital (Lucerne)"),
        ("liam.walsh", "maria.santos", "grace.okafor"),
        "Managed Services",
    ),
}


@dataclass(frozen=True)
class Renewal:
    """The renewal clause: kind, renewal term, cap and notice (period, unit, who gives it)."""

    kind: str = "none"
    months: int | None = None
    max_renewals: int | None = None
    notice: int | None = None
    unit: str = "calendar_days"
    given_by: str = "either"

    def section(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.kind == "none":
            return data
        data["term_months"] = self.months
        if self.max_renewals is not None:
            data["max_renewals"] = self.max_renewals
        data["notice"] = {"period": self.notice, "unit": self.unit, "given_by": self.given_by}
        return data


@dataclass(frozen=True)
class Amendment:
    """A later terms version: what it changes, from which month (offset from the load month)."""

    effective: int
    label: str
    note: str
    months: int | None = None
    renewal: Renewal | None = None
    annual: str | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Spec:
    """One demo contract, with every date as an offset from the load day."""

    key: str
    title: str
    party: str
    start: int  # months from the load month; the term starts on that month's first day
    months: int | None = None  # initial term length, or...
    ends: int | None = None  # ...the month (offset) on whose last day it ends
    kind: str = "master"
    parent: str | None = None  # key of the master agreement
    role: str = "customer"
    renewal: Renewal = field(default_factory=Renewal)
    annual: str | None = None
    tags: tuple[str, ...] = ()
    anniversary: bool = False
    non_business_day: str = "preceding"
    account_manager: str | None = None  # instead of the counterparty's default
    business_unit: str | None = None
    amendments: tuple[Amendment, ...] = ()
    # Recorded events.
    terminated: tuple[int, str] | None = None  # month offset of the first day not in force
    notice_given: int | None = None  # days from the load day (negative: in the past)
    exercised: int = 0  # renewal options exercised


def _r(kind: str, months: int, notice: int, unit: str = "calendar_days", **kw: Any) -> Renewal:
    return Renewal(kind, months, notice=notice, unit=unit, **kw)


# Dates in comments are for a load on 15 March 2026 (load month 0 = March 2026).
SPECS: tuple[Spec, ...] = (
    # --- EMEA: Northwind (GB) -----------------------------------------------------------
    Spec(
        "nw-msa",
        "Managed network services",
        "northwind",
        start=-31,  # 2023-08-01, 36 months to 2026-07-31
        months=36,
        renewal=_r("automatic", 12, 90, "business_days", max_renewals=2),
        annual="1600000.00",
        tags=("network", "critical"),
        amendments=(
            Amendment(
                -6,
                "Amendment No. 1",
                "Clause 3.2 (Renewal) now gives 60 business days of notice instead of 90.",
                renewal=_r("automatic", 12, 60, "business_days", max_renewals=2),
            ),
        ),
    ),
    Spec(
        "nw-sow-desk",
        "Service desk (SOW 1)",
        "northwind",
        kind="statement_of_work",
        parent="nw-msa",
        start=-18,
        months=24,
        annual="420000.00",
        tags=("service-desk",),
    ),
    Spec(
        "nw-sow-wan",
        "WAN refresh project (SOW 2)",
        "northwind",
        kind="statement_of_work",
        parent="nw-msa",
        start=-7,
        months=9,  # expires at the end of next month
        annual="310000.00",
        tags=("network", "project"),
    ),
    Spec(
        "nw-ord-soc",
        "Network security monitoring",
        "northwind",
        kind="order",
        parent="nw-msa",
        start=-14,
        months=12,
        renewal=_r("optional", 12, 60, max_renewals=2, given_by="customer"),
        annual="185000.00",
        tags=("security",),
        exercised=1,  # the first option was taken up: renewed from two months ago
    ),
    Spec(
        "nw-ord-sdwan",
        "SD-WAN licences",
        "northwind",
        kind="order",
        parent="nw-msa",
        start=-20,
        months=36,
        annual="96000.00",
        tags=("network", "licences"),
    ),
    Spec(
        "nw-mpls",
        "Legacy MPLS circuits",
        "northwind",
        start=-40,
        months=36,
        renewal=_r("automatic", 12, 3, "months", max_renewals=1),
        annual="240000.00",
        tags=("network", "legacy"),
        terminated=(-8, "Circuits migrated to SD-WAN under the managed network services MSA"),
    ),
    # --- EMEA: Fabrikam (DE) ------------------------------------------------------------
    Spec(
        "fb-msa",
        "Colocation and data centre services",
        "fabrikam",
        start=-40,
        months=36,
        renewal=_r("automatic", 24, 6, "months"),
        annual="2100000.00",
        tags=("data-centre", "critical"),
        amendments=(
            Amendment(
                -10,
                "Amendment No. 1",
                "Initial term extended from 36 to 48 months alongside the FRA-2 cage expansion.",
                months=48,
            ),
        ),
    ),
    Spec(
        "fb-sow-hands",
        "Remote hands and smart hands",
        "fabrikam",
        kind="statement_of_work",
        parent="fb-msa",
        start=-16,
        months=24,
        renewal=_r("automatic", 12, 30, max_renewals=3),
        annual="145000.00",
        tags=("data-centre",),
    ),
    Spec(
        "fb-ord-cage",
        "Cage expansion FRA-2",
        "fabrikam",
        kind="order",
        parent="fb-msa",
        start=2,  # signed, not started yet
        months=36,
        annual="380000.00",
        tags=("data-centre", "project"),
    ),
    Spec(
        "fb-ord-power",
        "Cross-connects and power",
        "fabrikam",
        kind="order",
        parent="fb-msa",
        start=-30,
        months=12,
        renewal=_r("evergreen", 1, 3, "months"),  # month to month on three months' notice
        annual="64000.00",
        tags=("data-centre",),
    ),
    # --- EMEA: Adatum (ES) --------------------------------------------------------------
    Spec(
        "ad-msa",
        "Finance transformation consulting framework",
        "adatum",
        start=-20,
        months=24,
        renewal=_r("optional", 12, 60, max_renewals=1, given_by="customer"),
        annual="750000.00",
        tags=("consulting", "finance"),
    ),
    Spec(
        "ad-sow-erp",
        "ERP finance process design",
        "adatum",
        kind="statement_of_work",
        parent="ad-msa",
        start=-9,
        months=12,
        annual="520000.00",
        tags=("consulting", "erp"),
        terminated=(-1, "Project descoped when the ERP programme was re-planned"),
    ),
    Spec(
        "ad-sow-treasury",
        "Treasury process review",
        "adatum",
        kind="statement_of_work",
        parent="ad-msa",
        start=-20,
        months=6,
        annual="180000.00",
        tags=("consulting", "finance"),
    ),
    Spec(
        "ad-sow-privacy",
        "Data protection advisory retainer",
        "adatum",
        kind="statement_of_work",
        parent="ad-msa",
        start=-6,
        months=12,
        renewal=_r("automatic", 6, 1, "months", max_renewals=2),
        annual="90000.00",
        tags=("consulting", "privacy"),
    ),
    # --- North America: Contoso (US) ----------------------------------------------------
    Spec(
        "co-msa",
        "Finance and accounting outsourcing",
        "contoso",
        start=-26,
        months=36,
        renewal=_r("automatic", 12, 90),
        annual="3200000.00",
        tags=("bpo", "finance"),
        non_business_day="following",
        amendments=(
            Amendment(
                -3,
                "Amendment No. 1",
                "Scope extended to accounts payable; notice of non-renewal lengthened from 90 "
                "to 120 days.",
                renewal=_r("automatic", 12, 120),
                annual="3650000.00",
                tags=("bpo", "finance", "accounts-payable"),
            ),
        ),
    ),
    Spec(
        "co-sow-ap",
        "Accounts payable processing",
        "contoso",
        kind="statement_of_work",
        parent="co-msa",
        start=-12,
        months=24,
        annual="450000.00",
        tags=("bpo", "accounts-payable"),
    ),
    Spec(
        "co-sow-payroll",
        "Payroll administration",
        "contoso",
        kind="statement_of_work",
        parent="co-msa",
        start=-38,
        months=24,
        renewal=_r("evergreen", 1, 60),  # month to month after its two years
        annual="380000.00",
        tags=("bpo", "payroll"),
        non_business_day="following",
    ),
    Spec(
        "co-contact",
        "Contact centre outsourcing",
        "contoso",
        start=-47,
        months=48,
        renewal=_r("automatic", 12, 180),
        annual="1900000.00",
        tags=("bpo", "customer-service"),
        business_unit="Customer Services",
        notice_given=-200,  # we are moving to a new provider: ends this month
    ),
    # --- North America: Wingtip (US), we are the supplier -------------------------------
    Spec(
        "wt-msa",
        "Managed store IT services",
        "wingtip",
        role="supplier",
        start=-22,
        months=36,
        renewal=_r("automatic", 12, 6, "months", max_renewals=2),
        annual="2750000.00",
        tags=("retail", "managed-services"),
    ),
    Spec(
        "wt-ord-pos",
        "Point-of-sale support, Midwest stores",
        "wingtip",
        kind="order",
        parent="wt-msa",
        role="supplier",
        start=-11,
        months=12,
        renewal=_r("automatic", 12, 30),
        annual="310000.00",
        tags=("retail", "pos"),
        notice_given=-45,  # Wingtip is taking POS support in-house
    ),
    Spec(
        "wt-sow-network",
        "Store network refresh, wave 3",
        "wingtip",
        kind="statement_of_work",
        parent="wt-msa",
        role="supplier",
        start=-4,
        ends=4,
        annual="640000.00",
        tags=("retail", "network", "project"),
    ),
    # --- APAC: Tailspin (AU) ------------------------------------------------------------
    Spec(
        "ts-msa",
        "Public cloud platform and managed hosting",
        "tailspin",
        start=-34,
        months=36,
        renewal=_r("automatic", 12, 90, max_renewals=2),
        annual="1450000.00",
        tags=("cloud", "critical"),
        amendments=(
            Amendment(
                -8,
                "Amendment No. 1",
                "A third optional year of renewal added; committed spend raised.",
                renewal=_r("automatic", 12, 90, max_renewals=3),
                annual="1600000.00",
            ),
        ),
    ),
    Spec(
        "ts-ord-reserved",
        "Reserved capacity, two-year commitment",
        "tailspin",
        kind="order",
        parent="ts-msa",
        start=-21,
        months=24,
        annual="520000.00",
        tags=("cloud", "commitment"),
    ),
    Spec(
        "ts-sow-landing",
        "Landing zone and migration factory",
        "tailspin",
        kind="statement_of_work",
        parent="ts-msa",
        start=-5,
        months=10,
        renewal=_r("optional", 3, 20, "business_days", max_renewals=2, given_by="customer"),
        annual="890000.00",
        tags=("cloud", "migration", "project"),
    ),
    Spec(
        "ts-sow-k8s",
        "Managed Kubernetes operations",
        "tailspin",
        kind="statement_of_work",
        parent="ts-msa",
        start=-19,
        months=12,
        renewal=_r("evergreen", 6, 60),
        annual="275000.00",
        tags=("cloud", "operations"),
        notice_given=-14,  # the platform team takes it back at the end of the period
    ),
    # --- APAC: Woodgrove (IN) -----------------------------------------------------------
    Spec(
        "wg-msa",
        "Application development and maintenance",
        "woodgrove",
        start=-31,
        months=36,
        renewal=_r("automatic", 12, 3, "months", max_renewals=2),
        annual="2400000.00",
        tags=("applications", "offshore"),
        amendments=(
            Amendment(
                -5,
                "Amendment No. 1",
                "Notice of non-renewal now counted as 60 business days on the Karnataka "
                "calendar instead of three months.",
                renewal=_r("automatic", 12, 60, "business_days", max_renewals=2),
            ),
        ),
    ),
    Spec(
        "wg-sow-portal",
        "Customer portal maintenance",
        "woodgrove",
        kind="statement_of_work",
        parent="wg-msa",
        start=-15,
        months=12,
        renewal=_r("evergreen", 3, 30),
        annual="210000.00",
        tags=("applications",),
    ),
    Spec(
        "wg-sow-mobile",
        "Mobile app rebuild",
        "woodgrove",
        kind="statement_of_work",
        parent="wg-msa",
        start=-2,
        months=9,
        annual="360000.00",
        tags=("applications", "mobile", "project"),
        amendments=(
            Amendment(
                1,  # signed, takes effect next month
                "Change request 3",
                "Scope extended to the tablet app; the end moves out by three months.",
                months=12,
                annual="420000.00",
            ),
        ),
    ),
    Spec(
        "wg-ord-testing",
        "Test automation tooling",
        "woodgrove",
        kind="order",
        parent="wg-msa",
        start=-1,
        months=12,
        renewal=_r("optional", 12, 45, max_renewals=3, given_by="customer"),
        annual="48000.00",
        tags=("applications", "licences"),
    ),
    # --- APAC: Trey Research (SG), we are the supplier ----------------------------------
    Spec(
        "tr-msa",
        "Research data platform services",
        "trey",
        role="supplier",
        start=-10,
        months=24,
        renewal=_r("automatic", 12, 60, "business_days"),
        annual="980000.00",
        tags=("data", "managed-services"),
    ),
    Spec(
        "tr-ord-workbench",
        "Analytics workbench licences",
        "trey",
        kind="order",
        parent="tr-msa",
        role="supplier",
        start=-9,
        months=12,
        renewal=_r("optional", 12, 30, max_renewals=2, given_by="customer"),
        annual="156000.00",
        tags=("data", "licences"),
    ),
    Spec(
        "tr-sow-science",
        "Data science support pool",
        "trey",
        kind="statement_of_work",
        parent="tr-msa",
        role="supplier",
        start=-16,
        months=12,
        renewal=_r("automatic", 6, 2, "months"),
        annual="330000.00",
        tags=("data",),
    ),
    # --- LATAM: Litware (BR) ------------------------------------------------------------
    Spec(
        "lw-msa",
        "Field engineering services, Brazil",
        "litware",
        start=-23,
        months=24,
        anniversary=True,
        renewal=_r("automatic", 12, 30, "business_days", max_renewals=4),
        annual="1150000.00",
        tags=("field-services",),
        amendments=(
            Amendment(
                -3,
                "Amendment No. 1",
                "Notice of non-renewal lengthened from 30 to 45 business days.",
                renewal=_r("automatic", 12, 45, "business_days", max_renewals=4),
            ),
        ),
    ),
    Spec(
        "lw-sow-atm",
        "ATM and kiosk maintenance, São Paulo",
        "litware",
        kind="statement_of_work",
        parent="lw-msa",
        start=-13,
        months=12,
        renewal=_r("automatic", 12, 60, max_renewals=2),
        annual="410000.00",
        tags=("field-services", "banking"),
    ),
    Spec(
        "lw-ord-spares",
        "Spare parts logistics",
        "litware",
        kind="order",
        parent="lw-msa",
        start=-6,
        months=18,
        annual="125000.00",
        tags=("field-services", "logistics"),
        terminated=(1, "Terminated for convenience: spares move to the new regional depot"),
    ),
    Spec(
        "lw-sow-noc",
        "Network operations centre, Recife",
        "litware",
        kind="statement_of_work",
        parent="lw-msa",
        start=-3,
        months=24,
        renewal=_r("automatic", 12, 60, "business_days", max_renewals=2),
        annual="540000.00",
        tags=("field-services", "network"),
    ),
    # --- LATAM: Lucerne (MX), we are the supplier ---------------------------------------
    Spec(
        "lu-msa",
        "Digital publishing platform",
        "lucerne",
        role="supplier",
        start=-14,
        months=36,
        renewal=_r("automatic", 12, 90),
        annual="1320000.00",
        tags=("publishing", "managed-services"),
    ),
    Spec(
        "lu-sow-editorial",
        "Editorial workflow implementation",
        "lucerne",
        kind="statement_of_work",
        parent="lu-msa",
        role="supplier",
        start=-8,
        months=12,
        annual="280000.00",
        tags=("publishing", "project"),
        amendments=(
            Amendment(
                -2,
                "Change request 1",
                "Extended by three months for the print-archive migration.",
                months=15,
                annual="300000.00",
            ),
        ),
    ),
    Spec(
        "lu-ord-hosting",
        "Hosting and support, Mexico City",
        "lucerne",
        kind="order",
        parent="lu-msa",
        role="supplier",
        start=-14,
        months=12,
        renewal=_r("evergreen", 1, 30),
        annual="96000.00",
        tags=("publishing", "hosting"),
        non_business_day="unadjusted",
    ),
    Spec(
        "lu-ord-translation",
        "Translation memory service",
        "lucerne",
        kind="order",
        parent="lu-msa",
        role="supplier",
        start=-30,
        months=12,
        renewal=_r("automatic", 12, 30),
        annual="72000.00",
        tags=("publishing",),
        amendments=(
            Amendment(
                -4,
                "Price review 2",
                "Annual price increased by the agreed index.",
                annual="76500.00",
                tags=("publishing", "indexed-price"),
            ),
        ),
    ),
)

# --- Service levels ------------------------------------------------------------------------
#
# Nine contracts that have run long enough to have a history carry a service_levels section
# on every terms version, so each month is judged by the terms in force in it. Between them
# they use every credit model, on both sides of the table (we are the supplier to Wingtip,
# Trey Research and Lucerne). The charge base is the version's annual value / 12, so an
# amendment that raises the price raises the base from its effective month.
# pactline.demo.service_levels writes the months of measurements they are judged on.


def _band(lower: str, upper: str, *, top: bool = False, **earns: int) -> dict[str, Any]:
    """A band of a higher-is-better percent measure: [lower, upper), or [lower, 100] on top."""
    band: dict[str, Any] = {"lower": lower, "upper": upper}
    if top:
        band["upper_inclusive"] = True
    return {**band, **{name: str(value) for name, value in earns.items()}}


def _key(measure_id: str, name: str, target: str, **more: Any) -> dict[str, Any]:
    """A key measurement: reported only; a month without a report is not assessed."""
    return {
        "id": measure_id,
        "name": name,
        "type": "key",
        "unit": "percent",
        "direction": "higher_is_better",
        "target": target,
        "no_report": "ignored",
        **more,
    }


def _critical(
    measure_id: str,
    name: str,
    credit: dict[str, Any],
    *,
    unit: str = "percent",
    lower_is_better: bool = False,
    **more: Any,
) -> dict[str, Any]:
    """A critical service level: levels (target, or expected and minimum) and its credit."""
    return {
        "id": measure_id,
        "name": name,
        "type": "critical",
        "unit": unit,
        "direction": "lower_is_better" if lower_is_better else "higher_is_better",
        **more,
        "credit": credit,
    }


_POOL = {"model": "pool_allocation"}

# By spec key: (what the charge base is, the rest of the service_levels section).
SERVICE_LEVELS: dict[str, tuple[str, dict[str, Any]]] = {
    # Pool allocation with categories, defaults on the fourth expected miss in a year.
    "nw-msa": (
        "Monthly managed network service charges (Schedule 5, Part B).",
        {
            "credits": {
                "at_risk_pct": "12",
                "max_total_allocation_pct": "200",
                "categories": [
                    {"name": "availability", "pool_pct": "60", "max_allocation_pct": "100"},
                    {"name": "incidents", "pool_pct": "40", "max_allocation_pct": "100"},
                ],
                "period_cap": {"basis": "at_risk_amount"},
                "minimum_credit": {"amount": "1.00", "rule": "none_if_under"},
                "incident_rule": "deemed_one_event",
            },
            "measures": [
                _critical(
                    "core_availability",
                    "Core network availability",
                    _POOL,
                    definition="Minutes the core network is available ÷ scheduled minutes, "
                    "less agreed maintenance windows.",
                    expected="99.9",
                    minimum="99.5",
                    actual_rounding={"places": 2, "mode": "half_up"},
                    allocation_pct="60",
                    category="availability",
                    component="core-network",
                ),
                _critical(
                    "site_availability",
                    "Branch site availability (average over all sites)",
                    _POOL,
                    expected="99.5",
                    minimum="99",
                    allocation_pct="40",
                    category="availability",
                    component="access",
                ),
                _critical(
                    "p1_resolution",
                    "Priority 1 incidents resolved within 4 hours",
                    _POOL,
                    expected="95",
                    minimum="90",
                    allocation_pct="50",
                    category="incidents",
                    component="service-desk",
                ),
                _critical(
                    "p2_resolution",
                    "Priority 2 incidents resolved within 8 hours",
                    _POOL,
                    target="90",
                    allocation_pct="50",
                    category="incidents",
                    component="service-desk",
                ),
                _key("change_success", "Changes implemented without causing an incident", "98"),
            ],
            "default_rules": {
                "minimum_miss_is_default": True,
                "expected_misses": {"count": 4, "periods": 12},
            },
            "termination_triggers": {
                "measure_defaults": {"count": 3, "periods": 6},
                "credit_periods": {"count": 5, "periods": 12},
            },
        },
    ),
    # Per step: "0.5% of charges for each full 1% below target".
    "nw-sow-desk": (
        "Monthly service desk charges (SOW 1, Appendix B).",
        {
            "credits": {"at_risk_pct": "10", "period_cap": {"basis": "at_risk_amount"}},
            "measures": [
                _critical(
                    "answer_time",
                    "Calls answered within 30 seconds",
                    {
                        "model": "per_step",
                        "pct_per_step": "0.5",
                        "step_size": "1",
                        "counting": "each_full_step",
                        "max_credit_pct": "4",
                    },
                    target="85",
                ),
                _critical(
                    "first_time_fix",
                    "Incidents resolved at first contact",
                    {
                        "model": "per_step",
                        "pct_per_step": "0.5",
                        "step_size": "1",
                        "counting": "each_step_or_part",
                        "max_credit_pct": "3",
                    },
                    definition="Incidents closed by the first-line agent without escalation ÷ "
                    "incidents logged by phone or chat. A month without figures is deemed "
                    "failed at the maximum credit.",
                    target="70",
                ),
                _critical(
                    "abandonment",
                    "Calls abandoned after 10 seconds",
                    {
                        "model": "per_step",
                        "pct_per_step": "1",
                        "step_size": "1",
                        "counting": "each_step_or_part",
                        "max_credit_pct": "3",
                    },
                    lower_is_better=True,
                    target="5",
                ),
                _key("customer_satisfaction", "Users rating the service desk good or better", "85"),
            ],
        },
    ),
    # Banded: the band the month's power availability falls in sets the credit.
    "fb-msa": (
        "Monthly colocation charges for space, power and cooling (Schedule 4).",
        {
            "credits": {
                "at_risk_pct": "15",
                "period_cap": {"basis": "at_risk_amount"},
                "incident_rule": "all_count",
            },
            "measures": [
                _critical(
                    "power_availability",
                    "Power availability at each cabinet (A and B feeds)",
                    {
                        "model": "banded",
                        "bands": [
                            _band("100", "100", top=True, credit_pct=0),
                            _band("99.99", "100", credit_pct=3),
                            _band("99.9", "99.99", credit_pct=7),
                            _band("0", "99.9", credit_pct=15),
                        ],
                    },
                    target="100",
                    component="power",
                ),
                _critical(
                    "environment",
                    "Cabinet inlet temperature within 18-27 °C (share of sensor readings)",
                    {
                        "model": "banded",
                        "bands": [
                            _band("99.5", "100", top=True, credit_pct=0),
                            _band("99", "99.5", credit_pct=2),
                            _band("0", "99", credit_pct=5),
                        ],
                    },
                    target="99.5",
                    component="cooling",
                ),
                _critical(
                    "remote_hands",
                    "Remote hands requests started within 30 minutes",
                    {
                        "model": "banded",
                        "bands": [
                            _band("95", "100", top=True, credit_pct=0),
                            _band("90", "95", credit_pct=1),
                            _band("0", "90", credit_pct=3),
                        ],
                    },
                    target="95",
                    component="operations",
                ),
                _key("cross_connects", "Cross-connects delivered within 5 business days", "90"),
            ],
            "default_rules": {"minimum_miss_is_default": True},
            "termination_triggers": {"measure_defaults": {"count": 2, "periods": 12}},
        },
    ),
    # Banded invoice accuracy and an escalating payment cycle time, under an annual cap.
    "co-msa": (
        "Monthly base charges for the finance and accounting services (Exhibit C).",
        {
            "credits": {
                "at_risk_pct": "10",
                "period_cap": {"basis": "percent_of_charges", "pct": "10"},
                "annual_cap": {"pct": "3", "periods": 12},
                "incident_rule": "all_count",
            },
            "measures": [
                _critical(
                    "invoice_accuracy",
                    "Supplier invoices processed without error",
                    {
                        "model": "banded",
                        "bands": [
                            _band("99", "100", top=True, credit_pct=0),
                            _band("98", "99", credit_pct=2),
                            _band("96", "98", credit_pct=4),
                            _band("0", "96", credit_pct=6),
                        ],
                    },
                    target="99",
                    actual_rounding={"places": 1, "mode": "half_up"},
                ),
                _critical(
                    "payment_cycle_time",
                    "Average days from approved invoice to payment run",
                    {
                        "model": "escalating",
                        "base_pct": "1",
                        "after_failures": 2,
                        "step_pct": "1",
                        "max_pct": "4",
                    },
                    unit="days",
                    lower_is_better=True,
                    target="5",
                ),
                _critical(
                    "close_on_time",
                    "Month-end close tasks completed by working day 5",
                    {"model": "percent_of_charges", "pct": "1"},
                    target="98",
                ),
                _key(
                    "customer_satisfaction",
                    "Business users satisfied or very satisfied (quarterly survey)",
                    "85",
                    measurement_period="quarterly",
                ),
            ],
            "default_rules": {"minimum_miss_is_default": True},
            "termination_triggers": {
                "measure_defaults": {"count": 3, "periods": 6},
                "credit_periods": {"count": 5, "periods": 12},
            },
        },
    ),
    # We are the supplier: a fixed percent of charges per failure.
    "wt-msa": (
        "Monthly managed store IT charges invoiced to Wingtip (Schedule 6).",
        {
            "credits": {"at_risk_pct": "8", "period_cap": {"basis": "at_risk_amount"}},
            "measures": [
                _critical(
                    "pos_availability",
                    "Point-of-sale availability during store trading hours",
                    {"model": "percent_of_charges", "pct": "2"},
                    expected="99.8",
                    minimum="99.5",
                ),
                _critical(
                    "p1_resolution",
                    "Store-down (priority 1) incidents resolved within 4 hours",
                    {"model": "percent_of_charges", "pct": "1.5"},
                    target="95",
                ),
                _critical(
                    "first_time_fix",
                    "Field visits that fix the fault on the first visit",
                    {"model": "percent_of_charges", "pct": "1"},
                    target="85",
                ),
                _key("store_satisfaction", "Store managers satisfied with IT support", "80"),
            ],
            "default_rules": {"minimum_miss_is_default": True},
            "termination_triggers": {
                "consecutive_credit_periods": 3,
                "credit_periods": {"count": 4, "periods": 12},
            },
        },
    ),
    # Service points, doubled on a repeat failure, held for earnback over three months.
    "ts-msa": (
        "Monthly platform and managed hosting charges, before usage-based charges.",
        {
            "credits": {
                "at_risk_pct": "15",
                "period_cap": {"basis": "at_risk_amount"},
                "excess": "carried_forward",
                "incident_rule": "per_component",
            },
            "measures": [
                _critical(
                    "platform_availability",
                    "Hosting platform availability",
                    {
                        "model": "service_points",
                        "bands": [
                            _band("99.95", "100", top=True, points=0),
                            _band("99.9", "99.95", points=1),
                            _band("99.5", "99.9", points=2),
                            _band("99", "99.5", points=3),
                            _band("0", "99", points=4),
                        ],
                        "value_per_point_pct": "1",
                        "repeat_multiplier": "2",
                    },
                    expected="99.95",
                    minimum="99.5",
                    component="platform",
                ),
                _critical(
                    "backup_success",
                    "Scheduled backups completed successfully",
                    {
                        "model": "service_points",
                        "bands": [
                            _band("99", "100", top=True, points=0),
                            _band("97", "99", points=1),
                            _band("95", "97", points=2),
                            _band("0", "95", points=4),
                        ],
                        "value_per_point_pct": "1",
                    },
                    target="99",
                    component="backup",
                ),
                _critical(
                    "p1_restore_time",
                    "Longest time to restore service after a priority 1 incident",
                    {
                        "model": "service_points",
                        "bands": [
                            {"upper": "2", "upper_inclusive": True, "points": "0"},
                            {
                                "lower": "2",
                                "lower_inclusive": False,
                                "upper": "4",
                                "upper_inclusive": True,
                                "points": "1",
                            },
                            {
                                "lower": "4",
                                "lower_inclusive": False,
                                "upper": "8",
                                "upper_inclusive": True,
                                "points": "2",
                            },
                            {"lower": "8", "lower_inclusive": False, "points": "4"},
                        ],
                        "value_per_point_pct": "1",
                    },
                    unit="hours",
                    lower_is_better=True,
                    definition="Reported only in months with a priority 1 incident.",
                    expected="2",
                    minimum="4",
                    no_report="ignored",
                    component="platform",
                ),
            ],
            "earnback": {"window_periods": 3, "mode": "deferred", "eligibility": "all_failures"},
            "termination_triggers": {
                "consecutive_credit_periods": 4,
                "credit_periods": {"count": 6, "periods": 12},
            },
        },
    ),
    # Shortfall, escalating and percent of charges for application services.
    "wg-msa": (
        "Monthly application development and maintenance charges (fixed capacity).",
        {
            "credits": {"at_risk_pct": "12", "period_cap": {"basis": "at_risk_amount"}},
            "measures": [
                _critical(
                    "release_on_time",
                    "Releases delivered on the agreed date",
                    {"model": "shortfall", "pct_per_unit": "0.25", "max_credit_pct": "5"},
                    target="90",
                ),
                _critical(
                    "defect_leakage",
                    "Severity 1-2 defects found in production (share of all defects found)",
                    {
                        "model": "escalating",
                        "base_pct": "1",
                        "after_failures": 2,
                        "step_pct": "0.5",
                        "max_pct": "3",
                    },
                    lower_is_better=True,
                    target="5",
                ),
                _critical(
                    "p1_response",
                    "Priority 1 incidents responded to within 30 minutes",
                    {"model": "percent_of_charges", "pct": "1"},
                    target="98",
                ),
                _key("code_coverage", "Automated test coverage of changed code", "80"),
            ],
        },
    ),
    # We are the supplier: "1% of charges for every 0.1% or portion thereof".
    "lu-msa": (
        "Monthly platform charges invoiced to Lucerne (Anexo B).",
        {
            "credits": {"at_risk_pct": "10", "period_cap": {"basis": "at_risk_amount"}},
            "measures": [
                _critical(
                    "platform_availability",
                    "Publishing platform availability",
                    {
                        "model": "per_step",
                        "pct_per_step": "1",
                        "step_size": "0.1",
                        "counting": "each_step_or_part",
                        "max_credit_pct": "10",
                    },
                    expected="99.9",
                    minimum="99.5",
                    actual_rounding={"places": 2, "mode": "half_up"},
                ),
                _critical(
                    "publish_latency",
                    "Articles live within 5 minutes of being published",
                    {
                        "model": "per_step",
                        "pct_per_step": "0.5",
                        "step_size": "1",
                        "max_credit_pct": "3",
                    },
                    target="99",
                ),
                _critical(
                    "p1_resolution",
                    "Priority 1 incidents resolved within 2 hours",
                    {"model": "percent_of_charges", "pct": "2"},
                    target="95",
                ),
                _key("editor_satisfaction", "Editors satisfied with the platform", "80"),
            ],
            "default_rules": {"minimum_miss_is_default": True},
        },
    ),
    # We are the supplier: credits in days of charges.
    "tr-msa": (
        "Monthly research data platform charges invoiced to Trey Research.",
        {
            "credits": {"at_risk_pct": "10", "period_cap": {"basis": "at_risk_amount"}},
            "measures": [
                _critical(
                    "platform_availability",
                    "Analytics platform availability",
                    {"model": "day_equivalent", "days_from": "fixed", "days": "1"},
                    expected="99.5",
                    minimum="99",
                ),
                _critical(
                    "pipeline_restore",
                    "Time to restore a failed ingestion pipeline",
                    {
                        "model": "day_equivalent",
                        "days_from": "shortfall",
                        "part_days": "round_up",
                        "max_days": "3",
                    },
                    unit="hours",
                    lower_is_better=True,
                    definition="Longest restore in the month; reported only in months with a "
                    "failed pipeline.",
                    target="8",
                    no_report="ignored",
                ),
                _critical(
                    "data_freshness",
                    "Nightly research datasets refreshed by 06:00 SGT",
                    {"model": "percent_of_charges", "pct": "1.5"},
                    target="98",
                ),
                _key("researcher_satisfaction", "Researchers satisfied with the platform", "80"),
            ],
        },
    ),
}


def _service_levels(spec: Spec, annual: str | None, currency: str) -> dict[str, Any] | None:
    """The contract's service_levels section, its charge base a twelfth of the annual value."""
    if spec.key not in SERVICE_LEVELS:
        return None
    assert annual is not None, spec.key
    note, section = SERVICE_LEVELS[spec.key]
    amount = quantize_money(Decimal(annual) / 12, currency)
    # A deep copy: every document gets its own, so validating one cannot touch another.
    return {"charge_base": {"amount": str(amount), "note": note}, **copy.deepcopy(section)}


_PREFIX = {"master": "MSA", "statement_of_work": "SOW", "order": "ORD"}


@dataclass(frozen=True)
class DemoEvents:
    """Facts recorded against a contract after it was signed."""

    terminated_on: date | None = None
    termination_reason: str | None = None
    notice_given_on: date | None = None
    renewals_exercised: int = 0

    @property
    def any(self) -> bool:
        return bool(self.terminated_on or self.notice_given_on or self.renewals_exercised)


@dataclass(frozen=True)
class DemoContract:
    """One demo contract: its terms documents (original first, then amendments) and events."""

    reference: str
    documents: tuple[dict[str, Any], ...]
    events: DemoEvents


def _month(as_of: date, offset: int) -> date:
    """The first day of the month `offset` months from the month of `as_of`."""
    return add_months(as_of.replace(day=1), offset)


def _month_end(as_of: date, offset: int) -> date:
    """The last day of the month `offset` months from the month of `as_of`."""
    return _month(as_of, offset + 1) - timedelta(days=1)


def _document(
    spec: Spec, reference: str, parent: str | None, as_of: date, change: Amendment | None
) -> dict[str, Any]:
    party = COUNTERPARTIES[spec.party]
    account_manager, commercial_lead, governance_lead = party.owners
    months = change.months if change and change.months else spec.months
    renewal = change.renewal if change and change.renewal else spec.renewal
    annual = change.annual if change and change.annual else spec.annual
    tags = change.tags if change and change.tags else spec.tags
    contract: dict[str, Any] = {
        "reference": reference,
        "title": spec.title,
        "kind": spec.kind,
        **({"parent": parent} if parent else {}),
        "our_role": spec.role,
        "counterparty": {
            "name": party.name,
            "registration_id": party.registration_id,
            "country": party.country,
        },
        "currency": party.currency,
        "region": party.region,
        "business_unit": spec.business_unit or party.business_unit,
        "owners": {
            "account_manager": spec.account_manager or account_manager,
            "commercial_lead": commercial_lead,
            "governance_lead": governance_lead,
        },
        "people": [
            {
                "name": party.contact[0],
                "email": party.contact[1],
                "responsibility": party.contact[2],
            }
        ],
        "tags": list(tags),
    }
    if annual is not None:
        contract["values"] = {"annual": annual}
        if months is not None:  # over the initial term
            total = (Decimal(annual) * months / 12).quantize(Decimal("0.01"))
            contract["values"]["total"] = str(total)
    start = _month(as_of, spec.start)
    term: dict[str, Any] = {"start_on": start}
    if months is not None:
        term["months"] = months
    else:
        assert spec.ends is not None, spec.key
        term["end_on"] = _month_end(as_of, spec.ends)
    if spec.anniversary:
        term["end_convention"] = "anniversary"
    document: dict[str, Any] = {"pactline": 1, "contract": contract}
    if change is not None:
        document["version"] = {
            "effective_on": _month(as_of, change.effective),
            "label": change.label,
            "note": change.note,
        }
    document["term"] = term
    document["renewal"] = renewal.section()
    country, subdivision = party.calendar
    document["calendar"] = {
        "country": country,
        **({"subdivision": subdivision} if subdivision else {}),
        "non_business_day": spec.non_business_day,
    }
    service_levels = _service_levels(spec, annual, party.currency)
    if service_levels is not None:
        document["service_levels"] = service_levels
    charges = charges_section(spec.key, start)
    if charges is not None:
        document["charges"] = charges
    return document


def _events(spec: Spec, as_of: date) -> DemoEvents:
    terminated_on, reason = None, None
    if spec.terminated is not None:
        terminated_on, reason = _month(as_of, spec.terminated[0]), spec.terminated[1]
    return DemoEvents(
        terminated_on=terminated_on,
        termination_reason=reason,
        notice_given_on=(
            as_of + timedelta(days=spec.notice_given) if spec.notice_given is not None else None
        ),
        renewals_exercised=spec.exercised,
    )


def references(as_of: date) -> dict[str, str]:
    """The reference of each demo contract (by spec key): kind, start year and a number."""
    return {
        spec.key: f"{_PREFIX[spec.kind]}-{_month(as_of, spec.start).year}-{number:03d}"
        for number, spec in enumerate(SPECS, start=1)
    }


def demo_contracts(as_of: date) -> list[DemoContract]:
    """The demo portfolio as of a load day: masters first, each with its terms documents."""
    refs = references(as_of)
    result = []
    for spec in sorted(SPECS, key=lambda s: s.parent is not None):
        reference = refs[spec.key]
        parent = refs[spec.parent] if spec.parent else None
        documents = [_document(spec, reference, parent, as_of, None)]
        documents += [_document(spec, reference, parent, as_of, a) for a in spec.amendments]
        result.append(DemoContract(reference, tuple(documents), _events(spec, as_of)))
    return result
