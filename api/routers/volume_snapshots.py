"""Snapshots of a volume's files (restic, by the backups controller): asked for now, listed, and
restored into a new volume. A snapshot is a backups row with volume_id, of the service that
mounts the volume; its schedule is the volume's `backup` policy (edited with the volume)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser
from api.context import ApiContext
from api.crud import load, set_etag, storable_json
from api.errors import ApiError, invalid
from api.routers.backups import BACKUPS, SCANNED
from api.routers.routing import VOLUMES, mounted_volumes
from api.schemas import Backup, Page, Volume
from zaneops.common.errors import Conflict
from zaneops.specs import BackupPhase, BackupSpec, VolumeSpec
from zaneops.specs.backup import ENDED
from zaneops.specs.fields import Slug
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["backups"])
VolumeId = Annotated[UUID, Path(alias="id")]
MAX_LISTED = 200


async def _live_volume(ctx: ApiContext, volume_id: UUID) -> StoredObject:
    volume = await load(ctx, Kind.VOLUMES, volume_id)
    if volume.is_deleted:
        raise Conflict(f"volumes/{volume_id} is being deleted")
    return volume


async def _mounting_service(ctx: ApiContext, volume: StoredObject) -> StoredObject:
    """The first service (by slug) of the volume's environment that mounts it: the snapshot's
    service (409 when none does)."""
    assert volume.parent_id is not None
    slug = str(volume.spec.get("slug"))
    users = sorted(
        (
            service
            for service in await ctx.store.list_children(Kind.SERVICES, volume.parent_id)
            if not service.is_deleted and slug in mounted_volumes(service.spec)
        ),
        key=lambda service: str(service.spec.get("slug")),
    )
    if not users:
        message = f"no service mounts volume {slug}: a snapshot is of a service's files"
        raise ApiError(409, "not_mounted", message)
    return users[0]


async def _snapshots_of(ctx: ApiContext, volume: StoredObject) -> list[StoredObject]:
    """The volume's snapshots, the restores into it and those of its snapshots into new
    volumes, newest first."""
    rows = await ctx.store.page(Kind.BACKUPS, volume.parent_id, None, SCANNED)
    mine = {str(row.id) for row in rows if row.spec.get("volume_id") == str(volume.id)}
    return [row for row in rows if str(row.id) in mine or row.spec.get("restore_from") in mine]


class SnapshotRequest(BaseModel):
    model_config = {"extra": "forbid"}

    pause: bool | None = Field(
        default=None,
        description="Pause the services that mount it while it is taken; none: as its "
        "schedule says (not paused without one).",
    )


@router.post(
    "/volumes/{id}/snapshots",
    response_model=Backup,
    status_code=201,
    operation_id="snapshot_volume",
    summary="Snapshot a volume's files now (restic; verified by a restore and checksums)",
)
async def snapshot(
    ctx: Ctx,
    _: CurrentUser,
    volume_id: VolumeId,
    response: Response,
    body: SnapshotRequest | None = None,
) -> Any:
    volume = await _live_volume(ctx, volume_id)
    service = await _mounting_service(ctx, volume)
    running = next(
        (
            row
            for row in await _snapshots_of(ctx, volume)
            if row.status.details.get("phase") not in ENDED
        ),
        None,
    )
    if running is not None:
        message = f"{'restore' if running.spec.get('restore_from') else 'snapshot'} {running.id} "
        raise ApiError(409, "busy", message + "of this volume is still running: try again after it")
    policy = volume.spec_as(VolumeSpec).backup
    pause = (
        body.pause if body is not None and body.pause is not None else bool(policy and policy.pause)
    )
    asked = BackupSpec(
        service_id=service.id,
        volume_id=volume.id,
        trigger="manual",
        target_id=policy.target_id if policy else None,
        pause=pause,
    )
    assert volume.parent_id is not None
    obj = await ctx.store.create_under(
        Kind.BACKUPS, asked.model_dump(mode="json"), volume.parent_id
    )
    set_etag(response, obj)
    return BACKUPS.show(obj)


@router.get(
    "/volumes/{id}/snapshots",
    response_model=Page[Backup],
    operation_id="list_volume_snapshots",
    summary="A volume's snapshots and the restores into it, newest first",
)
async def list_snapshots(
    ctx: Ctx,
    _: CurrentUser,
    volume_id: VolumeId,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 50,
) -> Any:
    volume = await load(ctx, Kind.VOLUMES, volume_id)
    mine = (await _snapshots_of(ctx, volume))[:limit]
    return {"items": [BACKUPS.show(row) for row in mine], "next_cursor": None}


class VolumeRestoreRequest(BaseModel):
    model_config = {"extra": "forbid"}

    slug: Slug = Field(description="The new volume's slug (unique in the environment).")


class RestoredVolume(BaseModel):
    volume: Volume
    restore: Backup


@router.post(
    "/backups/{id}/restore-volume",
    response_model=RestoredVolume,
    status_code=201,
    operation_id="restore_volume_snapshot",
    summary="Restore a verified volume snapshot into a new volume (made, then filled and "
    "checked file by file)",
)
async def restore_volume(
    ctx: Ctx,
    _: CurrentUser,
    backup_id: Annotated[UUID, Path(alias="id")],
    body: VolumeRestoreRequest,
    response: Response,
) -> Any:
    snapshot = await load(ctx, Kind.BACKUPS, backup_id)
    if not snapshot.spec.get("volume_id") or snapshot.spec.get("restore_from"):
        raise ApiError(409, "not_a_snapshot", "only a volume snapshot is restored into a volume")
    if snapshot.is_deleted or snapshot.status.details.get("phase") != BackupPhase.VERIFIED.value:
        raise ApiError(409, "not_restorable", "only a verified snapshot can be restored")
    assert snapshot.parent_id is not None
    await _slug_free(ctx, snapshot.parent_id, body.slug)
    volume = storable_json(VolumeSpec.model_validate({"slug": body.slug}))

    def restore_into(volume_id: UUID) -> tuple[Kind, dict[str, Any]]:
        restoring = BackupSpec(
            service_id=UUID(str(snapshot.spec["service_id"])),
            volume_id=volume_id,
            restore_from=backup_id,
        )
        return Kind.BACKUPS, restoring.model_dump(mode="json")

    made, restore = await ctx.store.create_volume_and(snapshot.parent_id, volume, restore_into)
    set_etag(response, restore)
    return {"volume": VOLUMES.show(made), "restore": BACKUPS.show(restore)}


async def _slug_free(ctx: ApiContext, environment_id: UUID, slug: str) -> None:
    """422 on the slug when a volume of the environment has it (one being deleted too)."""
    for volume in await ctx.store.list_children(Kind.VOLUMES, environment_id):
        if volume.spec.get("slug") == slug:
            raise invalid("slug", f"a volume {slug!r} exists in this environment", "slug_taken")
