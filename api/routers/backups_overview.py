"""The backups of the whole platform, for the dashboard's Backups page: every backup with the
database it is of (newest first, by page), and how the scheduled databases are doing (which
are overdue, how many backups failed lately), each in one request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser
from api.crud import CursorQuery, LimitQuery, cursor_position
from api.routers.backups import BACKUPS
from api.schemas import Backup, Page, encode_cursor
from zaneops.adapters.postgres.backup_overview import ListedBackup, Place, ScheduledDatabase
from zaneops.specs import BackupPhase
from zaneops.specs.backup import next_run, overdue

router = APIRouter(tags=["backups"])
# "Failed lately" on the summary.
FAILED_WITHIN = timedelta(hours=24)


class BackupDatabase(BaseModel):
    """The database a backup is of, and where it is: enough to link to its Backups tab."""

    project_id: UUID
    project_slug: str
    project_name: str
    environment_id: UUID
    environment_slug: str
    service_id: UUID
    service_slug: str | None = Field(description="None once the database's row is gone.")
    service_deleted: bool = Field(description="The database is deleted or being deleted.")
    engine: str | None = Field(description="postgres, mariadb, ...")


class OverviewBackup(Backup):
    database: BackupDatabase | None = Field(
        description="None: a backup of the platform itself (spec.platform), of no database."
    )


class ScheduledDatabaseHealth(BaseModel):
    database: BackupDatabase
    schedule: str
    last_verified_at: datetime | None
    next_at: datetime
    overdue: str | None = Field(
        description="Why backups are late (no verified one in twice the schedule's interval)."
    )


class BackupsSummary(BaseModel):
    scheduled: list[ScheduledDatabaseHealth] = Field(
        description="Every database with a backup schedule, by project, environment, slug."
    )
    overdue: int = Field(description="How many of them are overdue.")
    failed_recently: int = Field(description="Backups (not restores) failed in the last 24 h.")


@router.get(
    "/backups",
    response_model=Page[OverviewBackup],
    operation_id="list_all_backups",
    summary="Every environment's backups and restores, newest first, with their database",
)
async def list_all(
    ctx: Ctx,
    user: CurrentUser,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    phase: Annotated[
        BackupPhase | None, Query(description="Only these (QUEUED: not started yet).")
    ] = None,
) -> Any:
    chosen = phase.value if phase is not None else None
    # The platform's own backups are listed to administrators only (as GET /platform/backups).
    found = await ctx.backup_overview.page(
        cursor_position(cursor), limit + 1, chosen, with_platform=user.is_admin
    )
    items = [_shown(listed) for listed in found[:limit]]
    more = len(found) > limit
    return {"items": items, "next_cursor": encode_cursor(found[limit - 1].backup) if more else None}


@router.get(
    "/backup-health",
    response_model=BackupsSummary,
    operation_id="get_backups_summary",
    summary="The scheduled databases (which are overdue) and the backups failed in 24 h",
)
async def summary(ctx: Ctx, _: CurrentUser) -> Any:
    now = datetime.now(UTC)
    scheduled = [_health(found, now) for found in await ctx.backup_overview.scheduled()]
    return BackupsSummary(
        scheduled=scheduled,
        overdue=sum(1 for health in scheduled if health.overdue),
        failed_recently=await ctx.backup_overview.failed_since(now - FAILED_WITHIN),
    )


def _shown(listed: ListedBackup) -> OverviewBackup:
    backup = BACKUPS.show(listed.backup)
    if listed.place is None:
        return OverviewBackup.model_validate({**backup.model_dump(), "database": None})
    service_id = UUID(str(listed.backup.spec["service_id"]))
    database = _place(listed.place, service_id)
    return OverviewBackup.model_validate({**backup.model_dump(), "database": database})


def _health(found: ScheduledDatabase, now: datetime) -> ScheduledDatabaseHealth:
    """As /services/{id}/backup-health judges one database."""
    since = found.last_verified_at or found.first_scheduled_at
    return ScheduledDatabaseHealth(
        database=_place(found.place, found.service_id),
        schedule=found.schedule,
        last_verified_at=found.last_verified_at,
        next_at=next_run(found.schedule, now),
        overdue=overdue(found.schedule, since, now),
    )


def _place(place: Place, service_id: UUID) -> BackupDatabase:
    return BackupDatabase(
        project_id=place.project_id,
        project_slug=place.project_slug,
        project_name=place.project_name,
        environment_id=place.environment_id,
        environment_slug=place.environment_slug,
        service_id=service_id,
        service_slug=place.service_slug,
        service_deleted=place.service_deleted,
        engine=place.engine,
    )
