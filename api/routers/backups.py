"""Backups of a database: asked for now, listed with what the backups controller found (the
dump, then its verification by a restore), deleted with their files."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from api.auth.principal import Ctx, CurrentUser
from api.crud import KindApi, add_delete, add_item, load, set_etag
from api.errors import ApiError
from api.schemas import Backup, Page
from zaneops.common.errors import Conflict
from zaneops.specs import BackupSpec, ServiceSpec
from zaneops.specs.databases import DatabaseSource
from zaneops.specs.kinds import Kind

router = APIRouter(tags=["backups"])

BACKUPS = KindApi(Kind.BACKUPS, BackupSpec, Backup, "backup")
add_item(router, BACKUPS, "/backups/{id}", writable=False)
add_delete(router, BACKUPS, "/backups/{id}")  # its file goes with it (the finalizer)
ServiceId = Annotated[UUID, Path(alias="id")]
MAX_LISTED = 200
# What one service's backups page reads at most (the environment's newest first).
SCANNED = 2000


@router.post(
    "/services/{id}/backups",
    response_model=Backup,
    status_code=201,
    operation_id="back_up_service",
    summary="Back up a database now (a dump, then a restore that checks it)",
)
async def back_up(ctx: Ctx, _: CurrentUser, service_id: ServiceId, response: Response) -> Any:
    service = await load(ctx, Kind.SERVICES, service_id)
    if service.is_deleted:
        raise Conflict(f"services/{service_id} is being deleted")
    source = service.spec_as(ServiceSpec).source
    if not isinstance(source, DatabaseSource) or source.engine != "postgres":
        raise ApiError(409, "not_backed_up", "only PostgreSQL databases are backed up for now")
    assert service.parent_id is not None
    spec = BackupSpec(service_id=service_id, trigger="manual").model_dump(mode="json")
    obj = await ctx.store.create_under(Kind.BACKUPS, spec, service.parent_id)
    set_etag(response, obj)
    return BACKUPS.show(obj)


@router.get(
    "/services/{id}/backups",
    response_model=Page[Backup],
    operation_id="list_service_backups",
    summary="A service's backups, newest first",
)
async def list_backups(
    ctx: Ctx,
    _: CurrentUser,
    service_id: ServiceId,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 50,
) -> Any:
    service = await load(ctx, Kind.SERVICES, service_id)
    rows = await ctx.store.page(Kind.BACKUPS, service.parent_id, None, SCANNED)
    mine = [row for row in rows if row.spec.get("service_id") == str(service_id)][:limit]
    return {"items": [BACKUPS.show(row) for row in mine], "next_cursor": None}
