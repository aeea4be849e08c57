"""What the notifications controller asks of Postgres beyond the store: a message inserted once
per channel and event key, the newest of a group, the log trimmed, and rows changed lately."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .store import _select, _to_object

NOTIFICATIONS = Kind.NOTIFICATIONS


@dataclass(frozen=True)
class BackupSchedule:
    service_id: UUID
    schedule: str
    last_verified: datetime | None
    first_scheduled: datetime | None


class NotificationLog:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def _rows(self, query: sql.Composed | sql.SQL, params: Any) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchall() if cur.description else []

    async def insert_once(self, channel_id: UUID, spec: Mapping[str, Any]) -> StoredObject | None:
        """The new message, or None when the channel already has one of this event key."""
        query = sql.SQL(
            "INSERT INTO notifications (channel_id, spec) VALUES (%s, %s)"
            " ON CONFLICT (channel_id, (spec->'event'->>'key')) DO NOTHING"
            " RETURNING id, spec, generation, status, finalizers, deleted_at, created_at,"
            " updated_at, channel_id AS parent_id"
        )
        found = await self._rows(query, (channel_id, Jsonb(dict(spec))))
        return _to_object(NOTIFICATIONS, found[0]) if found else None

    async def newest_of_group(
        self, channel_id: UUID, group: str, since: datetime
    ) -> StoredObject | None:
        query = _select(NOTIFICATIONS) + sql.SQL(
            " WHERE channel_id = %s AND spec->'event'->>'group' = %s AND created_at >= %s"
            " AND spec->>'grouped_into' IS NULL AND deleted_at IS NULL"
            " AND status->'details'->>'phase' IS DISTINCT FROM 'FAILED'"
            " ORDER BY created_at DESC LIMIT 1"
        )
        found = await self._rows(query, (channel_id, group, since))
        return _to_object(NOTIFICATIONS, found[0]) if found else None

    async def trim(self, channel_id: UUID, keep: int) -> int:
        """Requests deletion of the channel's ended messages past the newest `keep` (one still
        to be sent is never dropped)."""
        query = sql.SQL(
            "UPDATE notifications SET deleted_at = now() WHERE id IN ("
            " SELECT id FROM notifications WHERE channel_id = %s AND deleted_at IS NULL"
            " AND status->'details'->>'phase' IN ('DELIVERED', 'FAILED', 'GROUPED')"
            " ORDER BY created_at DESC, id DESC OFFSET %s) RETURNING id"
        )
        return len(await self._rows(query, (channel_id, keep)))

    async def live_channels(self) -> list[StoredObject]:
        query = _select(Kind.CHANNELS) + sql.SQL(" WHERE deleted_at IS NULL ORDER BY created_at")
        return [_to_object(Kind.CHANNELS, row) for row in await self._rows(query, ())]

    async def backup_schedules(self) -> list[BackupSchedule]:
        """Each scheduled database: its schedule, its newest verified backup and its first
        scheduled one (what "late" is measured from)."""
        query = sql.SQL(
            "SELECT s.id, s.spec->'backup'->>'schedule' AS schedule,"
            " max(b.created_at) FILTER (WHERE b.status->'details'->>'phase' = 'VERIFIED')"
            "   AS last_verified,"
            " min(b.created_at) FILTER (WHERE b.spec->>'trigger' = 'schedule') AS first_scheduled"
            " FROM services s LEFT JOIN backups b"
            "   ON b.spec->>'service_id' = s.id::text AND b.spec->>'restore_from' IS NULL"
            "   AND b.spec->>'volume_id' IS NULL"  # a volume's snapshots are not its backups
            "   AND b.deleted_at IS NULL"
            " WHERE s.deleted_at IS NULL AND jsonb_typeof(s.spec->'backup') = 'object'"
            " GROUP BY s.id"
        )
        return [
            BackupSchedule(
                service_id=row["id"],
                schedule=row["schedule"],
                last_verified=row["last_verified"],
                first_scheduled=row["first_scheduled"],
            )
            for row in await self._rows(query, ())
        ]

    async def services_with_alerts(self) -> list[StoredObject]:
        query = _select(Kind.SERVICES) + sql.SQL(
            " WHERE deleted_at IS NULL AND jsonb_typeof(spec->'alerts') = 'array'"
            " AND jsonb_array_length(spec->'alerts') > 0"
        )
        return [_to_object(Kind.SERVICES, row) for row in await self._rows(query, ())]

    async def newest_key(self, prefix: str) -> str | None:
        """The newest message's event key starting with prefix (LIKE's wildcards in it are
        escaped: a server's name is not ours to trust)."""
        query = sql.SQL(
            "SELECT spec->'event'->>'key' AS key FROM notifications"
            " WHERE spec->'event'->>'key' LIKE %s ORDER BY created_at DESC LIMIT 1"
        )
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = await self._rows(query, (escaped + ":%",))
        return str(found[0]["key"]) if found else None

    async def changed_since(self, kind: Kind, since: datetime, limit: int) -> list[UUID]:
        """Rows of a kind whose status or spec changed since then (a start looks back)."""
        query = sql.SQL(
            "SELECT id FROM {} WHERE updated_at >= %s ORDER BY updated_at DESC LIMIT %s"
        ).format(sql.Identifier(kind.value))
        return [row["id"] for row in await self._rows(query, (since, limit))]
