"""The platform-wide reads of backups the dashboard's Backups page needs, each one query: every
backup with the database, environment and project it belongs to, and each scheduled database
with the times its health is judged by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from zaneops.adapters.postgres.store import COLUMNS, _to_object
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

# A page starts strictly after this (created_at, id) position, newest first.
PagePosition = tuple[datetime, UUID]


@dataclass(frozen=True)
class Place:
    """Where a database is: its project and environment, and the service itself."""

    project_id: UUID
    project_slug: str
    project_name: str
    environment_id: UUID
    environment_slug: str
    service_slug: str | None  # None once the service's row is gone
    service_deleted: bool
    engine: str | None


@dataclass(frozen=True)
class ListedBackup:
    backup: StoredObject
    place: Place | None  # None: a backup of the platform itself (no environment)


@dataclass(frozen=True)
class ScheduledDatabase:
    service_id: UUID
    schedule: str
    place: Place
    last_verified_at: datetime | None
    first_scheduled_at: datetime | None


_PLACE = (
    "p.id AS project_id, p.spec->>'slug' AS project_slug, p.spec->>'name' AS project_name,"
    " e.id AS environment_id, e.spec->>'slug' AS environment_slug"
)
_PHASE = "COALESCE(b.status->'details'->>'phase', 'QUEUED')"
_LISTED = (
    f"SELECT {', '.join('b.' + c.strip() for c in COLUMNS.split(','))},"
    f" b.environment_id AS parent_id, {_PLACE},"
    " s.spec->>'slug' AS service_slug,"
    " (s.id IS NULL OR s.deleted_at IS NOT NULL) AS service_deleted,"
    " CASE WHEN b.spec->>'volume_id' IS NOT NULL THEN 'restic'"  # a volume snapshot
    " ELSE COALESCE(s.spec->'source'->>'engine', b.status->'details'->>'engine') END AS engine"
    " FROM backups b LEFT JOIN environments e ON e.id = b.environment_id"
    " LEFT JOIN projects p ON p.id = e.project_id"
    " LEFT JOIN services s ON s.id = (b.spec->>'service_id')::uuid"
)
# A database's backups (not restores into it): its newest verified one, its first scheduled.
_SCHEDULED = (
    f"SELECT s.id AS service_id, s.spec->'backup'->>'schedule' AS schedule, {_PLACE},"
    " s.spec->>'slug' AS service_slug, false AS service_deleted,"
    " s.spec->'source'->>'engine' AS engine,"
    f" max(b.created_at) FILTER (WHERE {_PHASE} = 'VERIFIED') AS last_verified_at,"
    " min(b.created_at) FILTER (WHERE b.spec->>'trigger' = 'schedule') AS first_scheduled_at"
    " FROM services s JOIN environments e ON e.id = s.environment_id"
    " JOIN projects p ON p.id = e.project_id"
    " LEFT JOIN backups b ON b.spec->>'service_id' = s.id::text"
    " AND b.spec->>'restore_from' IS NULL AND b.spec->>'volume_id' IS NULL"
    " WHERE s.deleted_at IS NULL AND jsonb_typeof(s.spec->'backup') = 'object'"
    " GROUP BY s.id, e.id, p.id"
    " ORDER BY p.spec->>'slug', e.spec->>'slug', s.spec->>'slug'"
)
_FAILED_SINCE = (
    f"SELECT count(*) AS failed FROM backups b WHERE {_PHASE} = 'FAILED'"
    " AND b.spec->>'restore_from' IS NULL"
    " AND COALESCE((b.status->'details'->>'finished_at')::timestamptz, b.created_at) >= %s"
)


class BackupOverview:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def _all(self, query: sql.SQL, params: Any) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchall()

    async def page(
        self, after: PagePosition | None, limit: int, phase: str | None, with_platform: bool = True
    ) -> list[ListedBackup]:
        """Up to `limit` backups and restores of every environment, newest first; with `phase`,
        only those in it (QUEUED: not started yet); the platform's own only `with_platform`."""
        clauses: list[str] = [] if with_platform else ["b.environment_id IS NOT NULL"]
        params: list[object] = []
        if phase is not None:
            clauses.append(f"{_PHASE} = %s")
            params.append(phase)
        if after is not None:
            clauses.append("(b.created_at, b.id) < (%s, %s)")
            params.extend(after)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        query = _LISTED + where + " ORDER BY b.created_at DESC, b.id DESC LIMIT %s"
        rows = await self._all(sql.SQL(query), [*params, limit])
        return [ListedBackup(_to_object(Kind.BACKUPS, row), _place_of(row)) for row in rows]

    async def scheduled(self) -> list[ScheduledDatabase]:
        """Every live database with a backup schedule, by project, environment and slug."""
        rows = await self._all(sql.SQL(_SCHEDULED), ())
        return [
            ScheduledDatabase(
                service_id=row["service_id"],
                schedule=row["schedule"],
                place=_place(row),
                last_verified_at=row["last_verified_at"],
                first_scheduled_at=row["first_scheduled_at"],
            )
            for row in rows
        ]

    async def failed_since(self, since: datetime) -> int:
        """Backups (not restores) that ended FAILED at or after `since`."""
        [row] = await self._all(sql.SQL(_FAILED_SINCE), (since,))
        return int(row["failed"])


def _place_of(row: dict[str, Any]) -> Place | None:
    """Where a listed backup's database is; None for the platform's own (no environment)."""
    return _place(row) if row["environment_id"] is not None else None


def _place(row: dict[str, Any]) -> Place:
    return Place(
        project_id=row["project_id"],
        project_slug=row["project_slug"],
        project_name=row["project_name"],
        environment_id=row["environment_id"],
        environment_slug=row["environment_slug"],
        service_slug=row["service_slug"],
        service_deleted=bool(row["service_deleted"]),
        engine=row["engine"],
    )
