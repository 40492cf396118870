"""Service levels: measurements, evaluation, scorecards, exclusions and the credit lifecycle."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile, status

from pactline.api.deps import PrincipalDep
from pactline.core.http import SessionDep
from pactline.service_levels import queries, service
from pactline.service_levels.enums import ExclusionStatus
from pactline.service_levels.queries import PortfolioServiceLevels, Scorecard
from pactline.service_levels.schemas import (
    PERIOD_PATTERN,
    CreditRead,
    CreditStatusChange,
    ExclusionCreate,
    ExclusionDecision,
    ExclusionRead,
    MeasurementCreate,
    MeasurementRead,
    MeasurementsComputed,
    MeasurementsImported,
)
from pactline.terms import EventSource

router = APIRouter(tags=["service levels"])

PREFIX = "/contracts/{contract_id}/service-levels"


@router.get(
    f"{PREFIX}/measurements",
    response_model=list[MeasurementRead],
    summary="A contract's measurements",
)
def list_measurements(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[MeasurementRead]:
    """Every stored measurement, by month then measure, with where it came from."""
    return [
        MeasurementRead.model_validate(m) for m in queries.list_measurements(session, contract_id)
    ]


@router.post(
    f"{PREFIX}/measurements",
    response_model=MeasurementRead,
    status_code=status.HTTP_201_CREATED,
    summary="Enter one measurement",
)
def record_measurement(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: MeasurementCreate
) -> MeasurementRead:
    """Enter or correct one measure's value for a month (null: reported as not measured).
    Stored credits of that month and later ones are recalculated."""
    measurement = service.record_measurement(
        session, actor=principal, contract_id=contract_id, data=body
    )
    return MeasurementRead.model_validate(measurement)


@router.post(
    f"{PREFIX}/measurements/import",
    response_model=MeasurementsImported,
    status_code=status.HTTP_201_CREATED,
    summary="Import a measurements file (all or nothing)",
)
def import_measurements(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    file: Annotated[
        UploadFile, File(description="CSV or XLSX with columns measure_id, period, value")
    ],
) -> MeasurementsImported:
    """Check every row, then store them in one transaction; if any row is wrong nothing is
    stored and the 422 lists each problem with its row and column."""
    return service.import_measurements(
        session,
        actor=principal,
        contract_id=contract_id,
        source_name=file.filename or "measurements.csv",
        content=file.file.read(service.MAX_MEASUREMENTS_BYTES + 1),
    )


@router.post(
    f"{PREFIX}/measurements/compute",
    response_model=MeasurementsComputed,
    status_code=status.HTTP_201_CREATED,
    summary="Compute measurements from raw tickets or outages",
)
def compute_measurements(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    source: Annotated[EventSource, Query(description="What the file holds")],
    file: Annotated[UploadFile, File(description="Tickets or outages file (.csv or .parquet)")],
) -> MeasurementsComputed:
    """Compute the monthly actuals of every measure whose terms say `computed:` from the
    uploaded events file, all or nothing; each value is stored with the file's SHA-256, the
    definition and the counts behind it."""
    name = PurePath(file.filename or "events.csv").name
    suffix = PurePath(name).suffix.lower() if PurePath(name).suffix else ".csv"
    with tempfile.TemporaryDirectory(prefix="pactline-events-") as folder:
        path = Path(folder) / f"events{suffix}"
        with path.open("wb") as handle:
            shutil.copyfileobj(file.file, handle, length=1 << 20)
        return service.compute_measurements(
            session,
            actor=principal,
            contract_id=contract_id,
            source=source,
            path=path,
            source_name=name,
        )


@router.post(
    f"{PREFIX}/evaluate",
    summary="Evaluate a month and store its service credit",
)
def evaluate(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="The month, YYYY-MM")],
) -> dict[str, Any]:
    """The month's result, every figure explained (Decimals as strings); the credit of the
    month, and of any earlier month not yet stored, is stored as computed."""
    result = service.evaluate_service_levels(
        session, actor=principal, contract_id=contract_id, period=period
    )
    return result.to_dict()


@router.get(f"{PREFIX}/scorecard", response_model=Scorecard, summary="Months x measures")
def scorecard(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    months: Annotated[int, Query(ge=1, le=120, description="How many recent months")] = 18,
) -> Scorecard:
    """Each measure's status, actual and credit in the latest measured months, evaluated from
    today's data, with each month's credit total and the stored credit's status."""
    return queries.scorecard(session, contract_id, last=months)


@router.get(f"{PREFIX}/credits", response_model=list[CreditRead], summary="Stored credits")
def list_credits(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[CreditRead]:
    """The stored service credits by month, each with its status and full result."""
    return [CreditRead.model_validate(c) for c in queries.list_credits(session, contract_id)]


@router.get(f"{PREFIX}/credits/{{period}}", response_model=CreditRead, summary="One month's credit")
def get_credit(
    session: SessionDep, principal: PrincipalDep, contract_id: int, period: str
) -> CreditRead:
    """A month's stored credit with the engine's result: every measure's explanation."""
    return CreditRead.model_validate(queries.get_credit(session, contract_id, period))


@router.post(
    f"{PREFIX}/credits/{{period}}/status",
    response_model=CreditRead,
    summary="Move a credit along its life",
)
def change_credit_status(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    period: str,
    body: CreditStatusChange,
) -> CreditRead:
    """computed → under_review → disputed → agreed → applied (with the invoice), or
    earned_back. A move the lifecycle does not allow is a 409 naming the allowed ones."""
    credit = service.change_credit_status(
        session, actor=principal, contract_id=contract_id, period=period, data=body
    )
    return CreditRead.model_validate(credit)


@router.get(f"{PREFIX}/exclusions", response_model=list[ExclusionRead], summary="Exclusions")
def list_exclusions(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    status_filter: Annotated[
        ExclusionStatus | None, Query(alias="status", description="Only this status")
    ] = None,
) -> list[ExclusionRead]:
    """Requests to exclude events or time from a month's measurement, newest first."""
    rows = queries.list_exclusions(
        session, contract_id, status_filter.value if status_filter else None
    )
    return [ExclusionRead.model_validate(e) for e in rows]


@router.post(
    f"{PREFIX}/exclusions",
    response_model=ExclusionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Request an exclusion",
)
def request_exclusion(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: ExclusionCreate
) -> ExclusionRead:
    """Ask for events or time to be excluded (an adjusted actual) or the whole month; it
    counts only once someone with service_levels.approve approves it."""
    exclusion = service.request_exclusion(
        session, actor=principal, contract_id=contract_id, data=body
    )
    return ExclusionRead.model_validate(exclusion)


@router.post(
    f"{PREFIX}/exclusions/{{exclusion_id}}/decision",
    response_model=ExclusionRead,
    summary="Approve or reject an exclusion",
)
def decide_exclusion(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    exclusion_id: int,
    body: ExclusionDecision,
) -> ExclusionRead:
    """Approve (the stored credits are recalculated) or reject, with a note; the requester
    cannot decide their own request."""
    exclusion, _ = service.decide_exclusion(
        session, actor=principal, contract_id=contract_id, exclusion_id=exclusion_id, data=body
    )
    return ExclusionRead.model_validate(exclusion)


@router.get(
    "/service-levels/portfolio",
    response_model=list[PortfolioServiceLevels],
    summary="Contracts compared on normalised figures",
)
def portfolio(
    session: SessionDep,
    principal: PrincipalDep,
    months: Annotated[int, Query(ge=1, le=60, description="How many recent months")] = 12,
) -> list[PortfolioServiceLevels]:
    """Per contract with stored credits: the share of critical service levels met each month
    and the credits as a share of the at-risk amount."""
    return queries.portfolio_service_levels(session, last=months)
