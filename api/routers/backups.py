"""Backups of a database: asked for now, listed with what the backups controller found (the
dump, then its verification by a restore), deleted with their files."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser, Principal
from api.backup_files import open_backup
from api.context import ApiContext
from api.crud import KindApi, add_delete, add_item, load, set_etag, storable_json
from api.deployment_rows import new_deployment
from api.errors import ApiError, invalid
from api.routers.databases import CreatedDatabase, NewDatabase, connection, database_spec
from api.routers.services import SERVICES, insert_deployment
from api.schemas import Backup, Page
from api.sealing import seal_service_spec
from zaneops.common.errors import Conflict
from zaneops.specs import BackupPhase, BackupSpec, ServiceSpec, VolumeSpec
from zaneops.specs.backup import ENDED, next_run, overdue
from zaneops.specs.databases import ENGINES, DatabaseSource, backed_up_titles
from zaneops.specs.fields import Port, Slug
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["backups"])


def platform_for_admins(user: Principal, backup: StoredObject) -> None:
    """The platform's own backups (its users, sealed secrets) are an administrator's alone:
    read, deleted or downloaded."""
    if backup.spec.get("platform") and not user.is_admin:
        raise ApiError(403, "admin_only", "only an administrator may see the platform's backups")


BACKUPS = KindApi(Kind.BACKUPS, BackupSpec, Backup, "backup", guard_access=platform_for_admins)
add_item(router, BACKUPS, "/backups/{id}", writable=False)
add_delete(router, BACKUPS, "/backups/{id}")  # its file goes with it (the finalizer)
ServiceId = Annotated[UUID, Path(alias="id")]
MAX_LISTED = 200
# What one service's backups page reads at most (the environment's newest first).
SCANNED = 2000


async def _backups_of(ctx: ApiContext, service: StoredObject) -> list[StoredObject]:
    """The service's backups and restores into it, newest first (its environment's newest);
    its volumes' snapshots are listed with each volume."""
    rows = await ctx.store.page(Kind.BACKUPS, service.parent_id, None, SCANNED)
    return [
        row
        for row in rows
        if row.spec.get("service_id") == str(service.id) and not row.spec.get("volume_id")
    ]


def _running(rows: list[StoredObject]) -> StoredObject | None:
    """A backup or restore of the service not yet VERIFIED or FAILED."""
    return next((row for row in rows if row.status.details.get("phase") not in ENDED), None)


async def _not_while_restoring_in_place(ctx: ApiContext, service: StoredObject) -> None:
    """A backup asked for while the database is being replaced would dump a closed database."""
    mine = await _backups_of(ctx, service)
    running = _running([row for row in mine if row.spec.get("in_place")])
    if running is not None:
        message = f"backup {running.spec['restore_from']} is being restored into this database"
        raise ApiError(409, "restoring_in_place", message)


class BackUpRequest(BaseModel):
    model_config = {"extra": "forbid"}

    encrypted: bool | None = Field(
        default=None,
        description="Encrypt this backup's file at rest (age); none: as the service's backup "
        "policy says (encrypt), else not.",
    )


@router.post(
    "/services/{id}/backups",
    response_model=Backup,
    status_code=201,
    operation_id="back_up_service",
    summary="Back up a database now (a dump, then a restore that checks it)",
)
async def back_up(
    ctx: Ctx,
    _: CurrentUser,
    service_id: ServiceId,
    response: Response,
    body: BackUpRequest | None = None,
) -> Any:
    service = await load(ctx, Kind.SERVICES, service_id)
    if service.is_deleted:
        raise Conflict(f"services/{service_id} is being deleted")
    source = service.spec_as(ServiceSpec).source
    if not isinstance(source, DatabaseSource) or not ENGINES[source.engine].backed_up:
        message = f"only {backed_up_titles()} databases are backed up for now"
        raise ApiError(409, "not_backed_up", message)
    await _not_while_restoring_in_place(ctx, service)
    assert service.parent_id is not None
    policy = service.spec_as(ServiceSpec).backup
    target_id = policy.target_id if policy else None  # kept where the schedule keeps them
    asked_for = body.encrypted if body is not None else None
    encrypted = asked_for if asked_for is not None else bool(policy and policy.encrypt)
    asked = BackupSpec(
        service_id=service_id, trigger="manual", target_id=target_id, encrypted=encrypted
    )
    obj = await ctx.store.create_under(
        Kind.BACKUPS, asked.model_dump(mode="json"), service.parent_id
    )
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
    mine = (await _backups_of(ctx, service))[:limit]
    return {"items": [BACKUPS.show(row) for row in mine], "next_cursor": None}


class BackupHealth(BaseModel):
    schedule: str | None = Field(description="The service's schedule; none: backups on request.")
    last_verified_at: datetime | None
    next_at: datetime | None = Field(description="When the schedule makes the next one.")
    overdue: str | None = Field(
        description="Why backups are late (no verified one in twice the schedule's interval)."
    )


@router.get(
    "/services/{id}/backup-health",
    response_model=BackupHealth,
    operation_id="get_backup_health",
    summary="Whether a scheduled database has a recent verified backup",
)
async def backup_health(ctx: Ctx, _: CurrentUser, service_id: ServiceId) -> Any:
    service = await load(ctx, Kind.SERVICES, service_id)
    policy = service.spec_as(ServiceSpec).backup
    mine = [row for row in await _backups_of(ctx, service) if not row.spec.get("restore_from")]
    verified = [r.created_at for r in mine if r.status.details.get("phase") == "VERIFIED"]
    scheduled = [r.created_at for r in mine if r.spec.get("trigger") == "schedule"]
    last = max(verified, default=None)
    if policy is None:
        return BackupHealth(schedule=None, last_verified_at=last, next_at=None, overdue=None)
    now = datetime.now(UTC)
    since = last or min(scheduled, default=None)
    return BackupHealth(
        schedule=policy.schedule,
        last_verified_at=last,
        next_at=next_run(policy.schedule, now),
        overdue=overdue(policy.schedule, since, now),
    )


FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The backup's file, as an attachment; its sha256 in X-Checksum-Sha256.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    409: {"description": "Not a verified backup, or its file is not as recorded"},
    410: {"description": "Its file is no longer in the backups folder"},
}


@router.get(
    "/backups/{id}/file",
    response_class=StreamingResponse,
    responses=FILE_RESPONSE,
    operation_id="download_backup",
    summary="Download a verified backup's file (the dump, as its engine's tools restore it; "
    "an encrypted one as stored, named .age: `age -d -i KEY FILE`)",
)
async def download(
    ctx: Ctx, user: CurrentUser, backup_id: Annotated[UUID, Path(alias="id")]
) -> StreamingResponse:
    backup = await load(ctx, Kind.BACKUPS, backup_id)
    platform_for_admins(user, backup)
    details = backup.status.details
    refused = _why_not_downloadable(backup)
    if refused is not None:
        raise ApiError(
            409, "not_downloadable", f"only a verified backup can be downloaded: {refused}"
        )
    opened = await open_backup(ctx, backup)
    name = f"{await _slug_of(ctx, backup)}-{backup.created_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{opened.suffix}"',
        "Content-Length": str(opened.size),
        "X-Checksum-Sha256": str(details.get("sha256", "")),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(opened.chunks, media_type="application/octet-stream", headers=headers)


def _why_not_downloadable(backup: StoredObject) -> str | None:
    if backup.spec.get("volume_id"):
        return "a volume snapshot is read by restoring it into a new volume"
    if backup.spec.get("restore_from"):
        return "this is a restore into a database, not a backup"
    if backup.is_deleted:
        return "it is being deleted"
    phase = backup.status.details.get("phase") or BackupPhase.QUEUED.value
    return None if phase == BackupPhase.VERIFIED.value else f"this one is {phase}"


async def _slug_of(ctx: ApiContext, backup: StoredObject) -> str:
    """The backed-up database's slug (a file name's start); "backup" once the service is gone."""
    if backup.spec.get("platform"):
        return f"{ctx.installation.instance}-platform"
    service = await ctx.store.get(Kind.SERVICES, UUID(str(backup.spec["service_id"])))
    return str(service.spec.get("slug", "backup")) if service is not None else "backup"


class RestoreRequest(BaseModel):
    model_config = {"extra": "forbid"}

    slug: Slug = Field(description="The new database's slug (its host name).")
    public_port: Port | None = Field(default=None, description="As for a new database.")


@router.post(
    "/backups/{id}/restore",
    response_model=CreatedDatabase,
    status_code=201,
    operation_id="restore_backup",
    summary="Restore a verified backup into a new database (made, deployed, then filled)",
)
async def restore(
    ctx: Ctx,
    _: CurrentUser,
    backup_id: Annotated[UUID, Path(alias="id")],
    body: RestoreRequest,
    response: Response,
) -> Any:
    backup = await _verified_backup(ctx, backup_id)
    details = backup.status.details
    engine, version = str(details.get("engine", "postgres")), details.get("version")
    new = NewDatabase(
        slug=body.slug,
        engine=engine,  # what the dump recorded: an engine this platform runs
        version=str(version) if version else None,
        public_port=body.public_port,
    )
    spec = database_spec(new)
    volume = VolumeSpec.model_validate({"slug": spec.volumes[0].volume})
    service_json = seal_service_spec(storable_json(spec), None, ctx.secret_box)

    def restore_into(service_id: UUID) -> tuple[Kind, dict[str, Any]]:
        restoring = BackupSpec(service_id=service_id, restore_from=backup_id)
        return Kind.BACKUPS, restoring.model_dump(mode="json")

    assert backup.parent_id is not None
    _volume, service = await ctx.store.create_with_volume(
        backup.parent_id, storable_json(volume), service_json, then=restore_into
    )
    images = ctx.settings.database_images()
    await insert_deployment(
        ctx, service.id, new_deployment(service.spec, "deploy", database_images=images)
    )
    set_etag(response, service)
    return {"service": SERVICES.show(service), "connection": connection(ctx, service, True)}


async def _verified_backup(ctx: ApiContext, backup_id: UUID) -> StoredObject:
    backup = await load(ctx, Kind.BACKUPS, backup_id)
    if backup.spec.get("volume_id"):
        raise ApiError(409, "not_restorable", "a volume snapshot is restored into a volume")
    is_backup = not backup.spec.get("restore_from") and not backup.is_deleted
    if not is_backup or backup.status.details.get("phase") != BackupPhase.VERIFIED.value:
        raise ApiError(409, "not_restorable", "only a verified backup can be restored")
    if backup.spec.get("platform"):
        message = "the platform's backup is restored by `zaneops restore` on its machine"
        raise ApiError(409, "not_restorable", message)
    return backup


class RestoreInPlaceRequest(BaseModel):
    model_config = {"extra": "forbid"}

    confirm: str = Field(
        description="The database's slug, typed by the person who asks: its contents are "
        "replaced (a safety backup of them is made first)."
    )


@router.post(
    "/backups/{id}/restore-in-place",
    response_model=Backup,
    status_code=201,
    operation_id="restore_backup_in_place",
    summary="Restore a verified backup into the database it came from (a safety backup of "
    "the current contents first, then its clients cut off and its contents replaced)",
)
async def restore_in_place(
    ctx: Ctx,
    _: CurrentUser,
    backup_id: Annotated[UUID, Path(alias="id")],
    body: RestoreInPlaceRequest,
    response: Response,
) -> Any:
    backup = await _verified_backup(ctx, backup_id)
    service = await _its_database(ctx, UUID(str(backup.spec["service_id"])))
    dumped_by = str(backup.status.details.get("engine", "postgres"))
    engine = ENGINES.get(dumped_by)
    if engine is None or not engine.restored_in_place:
        title = engine.title if engine else "this"
        message = f"a {title} backup is restored into a new database only, for now"
        raise ApiError(409, "not_restored_in_place", message)
    database = service.spec_as(ServiceSpec)
    _into_its_engine(dumped_by, database)
    slug = database.slug
    if body.confirm != slug:
        raise invalid("confirm", f"type the database's slug, {slug}, to replace its contents")
    mine = await _backups_of(ctx, service)
    restoring = _running([row for row in mine if row.spec.get("in_place")])
    running = restoring or _running(mine)
    if running is not None:
        what = "restore" if running is restoring else "backup"
        message = f"{what} {running.id} of this database is still running: try again after it"
        raise ApiError(409, "busy", message)
    assert service.parent_id is not None
    spec = BackupSpec(service_id=service.id, restore_from=backup_id, in_place=True)
    obj = await ctx.store.create_under(
        Kind.BACKUPS, spec.model_dump(mode="json"), service.parent_id
    )
    set_etag(response, obj)
    return BACKUPS.show(obj)


def _into_its_engine(dumped_by: str, database: ServiceSpec) -> None:
    """A backup's file loads only into a database of the engine that dumped it."""
    source = database.source
    if isinstance(source, DatabaseSource) and source.engine != dumped_by:
        theirs, ours = ENGINES[dumped_by].title, ENGINES[source.engine].title
        message = f"a {theirs} backup cannot replace the contents of a {ours} database"
        raise ApiError(409, "another_engine", message)


async def _its_database(ctx: ApiContext, service_id: UUID) -> StoredObject:
    """The service a backup came from, if it is still a database whose backups are restored."""
    service = await ctx.store.get(Kind.SERVICES, service_id)
    if service is None or service.is_deleted:
        raise ApiError(409, "service_gone", "the database this backup came from was deleted")
    source = service.spec_as(ServiceSpec).source
    if not isinstance(source, DatabaseSource) or not ENGINES[source.engine].backed_up:
        raise ApiError(409, "not_a_database", f"services/{service_id} is no longer a database")
    return service
