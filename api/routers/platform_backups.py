"""The platform's own backups (its database: specs, users, sealed secrets), for administrators:
backed up now, listed, and the policy (schedule, how many kept, where) read and changed. They
are downloaded like any backup (GET /backups/{id}/file) and restored on a machine by
`zaneops restore`, never through the API (the API itself is stopped while it runs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.auth.principal import Admin, Ctx
from api.errors import ApiError, invalid
from api.routers.backups import BACKUPS
from api.schemas import Backup, Page
from zaneops.specs.backup import ENDED, BackupSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.platform_backup import POLICY_SETTING, PlatformBackupPolicy

router = APIRouter(tags=["backups"])
MAX_LISTED = 200


async def _platform_backups(ctx: Ctx) -> list[StoredObject]:
    """Newest first; retention keeps them few (the policy's keep_last, at most 1000)."""
    rows = await ctx.store.list_children(Kind.BACKUPS, None)
    mine = [row for row in rows if row.spec.get("platform") and not row.is_deleted]
    return sorted(mine, key=lambda row: row.created_at, reverse=True)


async def _policy(ctx: Ctx) -> PlatformBackupPolicy:
    stored = await ctx.store.setting(POLICY_SETTING)
    try:
        return PlatformBackupPolicy.model_validate(stored or {})
    except ValueError:
        return PlatformBackupPolicy()  # as the controller reads it


@router.get(
    "/platform/backups",
    response_model=Page[Backup],
    operation_id="list_platform_backups",
    summary="The platform's own backups, newest first",
)
async def list_platform_backups(
    ctx: Ctx, _: Admin, limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 50
) -> Any:
    rows = (await _platform_backups(ctx))[:limit]
    return {"items": [BACKUPS.show(row) for row in rows], "next_cursor": None}


@router.post(
    "/platform/backups",
    response_model=Backup,
    status_code=201,
    operation_id="back_up_platform",
    summary="Back up the platform's own database now (dumped, then verified by a restore)",
)
async def back_up_platform(ctx: Ctx, _: Admin, response: Response) -> Any:
    running = [
        b for b in await _platform_backups(ctx) if b.status.details.get("phase") not in ENDED
    ]
    if running:
        raise ApiError(409, "backup_running", f"backup {running[0].id} of the platform is running")
    policy = await _policy(ctx)
    asked = BackupSpec(
        platform=True, trigger="manual", target_id=policy.target_id, encrypted=policy.encrypt
    )
    made = await ctx.store.create(Kind.BACKUPS, asked.model_dump(mode="json"), None)
    response.headers["Location"] = f"/api/v1/backups/{made.id}"
    return BACKUPS.show(made)


@router.get(
    "/platform/backup-policy",
    response_model=PlatformBackupPolicy,
    operation_id="get_platform_backup_policy",
    summary="When the platform's database is backed up, how many are kept, and where",
)
async def get_platform_backup_policy(ctx: Ctx, _: Admin) -> Any:
    return await _policy(ctx)


@router.put(
    "/platform/backup-policy",
    response_model=PlatformBackupPolicy,
    operation_id="put_platform_backup_policy",
    summary="Change the platform's backup policy (the schedule takes effect within minutes)",
)
async def put_platform_backup_policy(ctx: Ctx, _: Admin, policy: PlatformBackupPolicy) -> Any:
    if policy.target_id is not None:
        target = await ctx.store.get(Kind.BACKUP_TARGETS, policy.target_id)
        if target is None or target.is_deleted:
            raise invalid("target_id", f"no backup target {policy.target_id}", "unknown_target")
    await ctx.store.put_setting(POLICY_SETTING, policy.model_dump(mode="json"))
    return policy
