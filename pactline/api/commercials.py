"""Commercials: index series (reference data) and contracts' monthly volumes, imported from
files all or nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status

from pactline.api.deps import PrincipalDep
from pactline.commercials import queries, service
from pactline.commercials.schemas import (
    DeliveriesImported,
    DeliveryRead,
    IndexSeriesRead,
    IndexValuesImported,
    VolumeCreate,
    VolumeRead,
    VolumesImported,
)
from pactline.core.http import SessionDep

router = APIRouter(tags=["commercials"])


@router.get("/index-series", response_model=list[IndexSeriesRead], summary="Index series")
def list_series(
    session: SessionDep,
    principal: PrincipalDep,
    series: Annotated[str | None, Query(description="Only this series, e.g. CPI")] = None,
) -> list[IndexSeriesRead]:
    """Every stored index series with its monthly values, oldest first."""
    return queries.list_series(session, series)


@router.post(
    "/index-series/import",
    response_model=IndexValuesImported,
    status_code=status.HTTP_201_CREATED,
    summary="Import an indices file (all or nothing)",
)
def import_index_values(
    session: SessionDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX with columns series, period, value")],
) -> IndexValuesImported:
    """Check every row, then store them in one transaction; a month already stored is
    replaced. If any row is wrong nothing is stored and the 422 lists each problem with its
    row and column. Needs commercials.write."""
    return service.import_index_values(
        session,
        actor=principal,
        source_name=file.filename or "indices.csv",
        content=file.file.read(service.MAX_FILE_BYTES + 1),
    )


@router.get(
    "/contracts/{contract_id}/volumes",
    response_model=list[VolumeRead],
    summary="A contract's volumes",
)
def list_volumes(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[VolumeRead]:
    """Every stored volume of the contract, by month then item, with where it came from."""
    return [VolumeRead.model_validate(v) for v in queries.list_volumes(session, contract_id)]


@router.post(
    "/contracts/{contract_id}/volumes",
    response_model=VolumesImported,
    status_code=status.HTTP_201_CREATED,
    summary="Enter one volume",
)
def record_volume(
    session: SessionDep, principal: PrincipalDep, contract_id: int, body: VolumeCreate
) -> VolumesImported:
    """Enter or correct one month's volume of one item `{item_id, period, quantity, note}`,
    checked as a file's row is; a 422 names the field. Needs commercials.write."""
    return service.record_volume(session, actor=principal, contract_id=contract_id, data=body)


@router.post(
    "/contracts/{contract_id}/volumes/import",
    response_model=VolumesImported,
    status_code=status.HTTP_201_CREATED,
    summary="Import a volumes file (all or nothing)",
)
def import_volumes(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    file: Annotated[
        UploadFile, File(description="CSV or XLSX with columns item_id, period, quantity")
    ],
) -> VolumesImported:
    """Check every row against the charge terms in force (resource units, tiered charges,
    rate card entries; months within the term), then store them in one transaction; a month
    already stored is replaced. If any row is wrong nothing is stored and the 422 lists each
    problem with its row and column. Needs commercials.write."""
    return service.import_volumes(
        session,
        actor=principal,
        contract_id=contract_id,
        source_name=file.filename or "volumes.csv",
        content=file.file.read(service.MAX_FILE_BYTES + 1),
    )


@router.get(
    "/contracts/{contract_id}/deliveries",
    response_model=list[DeliveryRead],
    summary="A contract's delivery events",
)
def list_deliveries(
    session: SessionDep, principal: PrincipalDep, contract_id: int
) -> list[DeliveryRead]:
    """Milestones achieved or accepted and late deliveries, by month then item."""
    return [DeliveryRead.model_validate(d) for d in queries.list_deliveries(session, contract_id)]


@router.post(
    "/contracts/{contract_id}/deliveries/import",
    response_model=DeliveriesImported,
    status_code=status.HTTP_201_CREATED,
    summary="Import a deliveries file (all or nothing)",
)
def import_deliveries(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: int,
    file: Annotated[
        UploadFile,
        File(description="CSV or XLSX with columns item_id, period, event, due_on, ended_on"),
    ],
) -> DeliveriesImported:
    """Check every row against the charge terms in force, then store them in one
    transaction; a 422 lists each problem with its row and column. Needs commercials.write."""
    return service.import_deliveries(
        session,
        actor=principal,
        contract_id=contract_id,
        source_name=file.filename or "deliveries.csv",
        content=file.file.read(service.MAX_FILE_BYTES + 1),
    )
