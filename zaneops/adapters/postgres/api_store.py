"""The API's queries on top of the spec store: pages, search, live snapshots, deployments."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import errors, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from zaneops.adapters.postgres.store import PostgresStore, _select, _table, _to_object
from zaneops.common.errors import Conflict, NotFound
from zaneops.specs.deployment import DeploymentPhase
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

# A page starts strictly after this (created_at, id) position, newest first.
PagePosition = tuple[datetime, UUID]


@dataclass(frozen=True)
class Claim:
    """A row's hold on something only one may have: a host, a host folder."""

    id: UUID
    environment_id: UUID
    value: str


class ApiStore(PostgresStore):
    """PostgresStore plus the reads and guarded writes the HTTP API needs."""

    @classmethod
    async def open(cls, database_url: str, max_size: int = 4) -> ApiStore:
        opened = await PostgresStore.open(database_url, max_size)
        return cls(opened.pool)

    async def page(
        self,
        kind: Kind,
        parent_id: UUID | None,
        after: PagePosition | None,
        limit: int,
    ) -> list[StoredObject]:
        """Up to `limit` objects, newest first, under `parent_id` (None: all of the kind)."""
        clauses: list[sql.Composable] = []
        params: list[object] = []
        if parent_id is not None and kind.parent is not None:
            clauses.append(sql.SQL("{} = %s").format(sql.Identifier(kind.parent.column)))
            params.append(parent_id)
        if after is not None:
            clauses.append(sql.SQL("(created_at, id) < (%s, %s)"))
            params.extend(after)
        where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL("")
        query = _select(kind) + where + sql.SQL(" ORDER BY created_at DESC, id DESC LIMIT %s")
        rows = await self._fetch_all(query, [*params, limit])
        return [_to_object(kind, row) for row in rows]

    async def create_under(
        self, kind: Kind, spec: Mapping[str, Any], parent_id: UUID
    ) -> StoredObject:
        """Create a child only while its parent is live, in one statement (no race with delete)."""
        link = kind.parent
        if link is None:
            raise ValueError(f"{kind} has no parent")
        query = sql.SQL(
            "INSERT INTO {table} (spec, {column}) SELECT %s, id FROM {parent}"
            " WHERE id = %s AND deleted_at IS NULL RETURNING id"
        ).format(table=_table(kind), column=sql.Identifier(link.column), parent=_table(link.kind))
        try:
            row = await self._fetch_one(query, (Jsonb(dict(spec)), parent_id))
        except errors.UniqueViolation as exc:
            raise Conflict(f"already exists: {exc.diag.message_detail or exc}") from exc
        if row is None:
            await self._raise_parent_not_live(link.kind, parent_id)
        return await self._must_get(kind, row["id"] if row else parent_id)

    async def _raise_parent_not_live(self, kind: Kind, parent_id: UUID) -> None:
        parent = await self.get(kind, parent_id)
        if parent is None:
            raise NotFound(f"{kind.value}/{parent_id} does not exist")
        raise Conflict(f"{kind.value}/{parent_id} is being deleted")

    async def live_deployment(self, service_id: UUID) -> StoredObject | None:
        """The newest healthy deployment of the service (succeeded, for a job), else its
        newest deployment."""
        query = _select(Kind.DEPLOYMENTS) + sql.SQL(
            " WHERE service_id = %s AND deleted_at IS NULL"
            " ORDER BY (status->'details'->>'phase' IN (%s, %s)) IS TRUE DESC,"
            " created_at DESC, id DESC LIMIT 1"
        )
        live = (DeploymentPhase.HEALTHY.value, DeploymentPhase.SUCCEEDED.value)
        row = await self._fetch_one(query, (service_id, *live))
        return _to_object(Kind.DEPLOYMENTS, row) if row else None

    async def create_deployment(
        self,
        service_id: UUID,
        deployment_id: UUID,
        spec: Mapping[str, Any],
        build_spec: Mapping[str, Any] | None,
    ) -> StoredObject:
        """Insert a deployment of a live service, and its build if it has one, atomically."""
        async with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO deployments (id, service_id, spec) SELECT %s, id, %s FROM services"
                " WHERE id = %s AND deleted_at IS NULL RETURNING id",
                (deployment_id, Jsonb(dict(spec)), service_id),
            )
            if await cur.fetchone() is None:
                await self._raise_parent_not_live(Kind.SERVICES, service_id)
            if build_spec is not None:
                await cur.execute(
                    "INSERT INTO builds (deployment_id, spec) VALUES (%s, %s)",
                    (deployment_id, Jsonb(dict(build_spec))),
                )
        return await self._must_get(Kind.DEPLOYMENTS, deployment_id)

    async def create_volume_and(
        self,
        environment_id: UUID,
        volume_spec: Mapping[str, Any],
        then: Callable[[UUID], tuple[Kind, Mapping[str, Any]]],
    ) -> tuple[StoredObject, StoredObject]:
        """A volume and what `then` makes of its id (a restore into it), both or none, under
        a live environment."""
        try:
            async with (
                self._pool.connection() as conn,
                conn.transaction(),
                conn.cursor(row_factory=dict_row) as cur,
            ):
                volume_id = await self._insert_under_environment(
                    cur, Kind.VOLUMES, volume_spec, environment_id
                )
                kind, spec = then(volume_id)
                other_id = await self._insert_under_environment(cur, kind, spec, environment_id)
        except errors.UniqueViolation as exc:
            raise Conflict(f"already exists: {exc.diag.message_detail or exc}") from exc
        return await self._must_get(Kind.VOLUMES, volume_id), await self._must_get(kind, other_id)

    async def create_with_volume(
        self,
        environment_id: UUID,
        volume_spec: Mapping[str, Any],
        service_spec: Mapping[str, Any],
        then: Callable[[UUID], tuple[Kind, Mapping[str, Any]]] | None = None,
    ) -> tuple[StoredObject, StoredObject]:
        """A volume and the service that mounts it (a database and its data), and what
        `then` makes of the new service's id (a restore into it), all or none, under a live
        environment."""
        ids: list[UUID] = []
        try:
            async with (
                self._pool.connection() as conn,
                conn.transaction(),
                conn.cursor(row_factory=dict_row) as cur,
            ):
                rows = [(Kind.VOLUMES, volume_spec), (Kind.SERVICES, service_spec)]
                for kind, spec in rows:
                    ids.append(
                        await self._insert_under_environment(cur, kind, spec, environment_id)
                    )
                if then is not None:
                    kind, spec = then(ids[1])
                    await self._insert_under_environment(cur, kind, spec, environment_id)
        except errors.UniqueViolation as exc:
            raise Conflict(f"already exists: {exc.diag.message_detail or exc}") from exc
        return (
            await self._must_get(Kind.VOLUMES, ids[0]),
            await self._must_get(Kind.SERVICES, ids[1]),
        )

    async def _insert_under_environment(
        self, cur: Any, kind: Kind, spec: Mapping[str, Any], environment_id: UUID
    ) -> UUID:
        query = sql.SQL(
            "INSERT INTO {} (spec, environment_id) SELECT %s, id FROM environments"
            " WHERE id = %s AND deleted_at IS NULL RETURNING id"
        ).format(_table(kind))
        await cur.execute(query, (Jsonb(dict(spec)), environment_id))
        row = await cur.fetchone()
        if row is None:
            await self._raise_parent_not_live(Kind.ENVIRONMENTS, environment_id)
        return UUID(str(row["id"])) if row else environment_id

    async def search(self, text: str, limit: int) -> list[dict[str, Any]]:
        """Live projects and services whose slug or name contains `text`, case-insensitively."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = sql.SQL(
            "(SELECT 'projects' AS kind, p.id, p.spec, p.id AS project_id, NULL::uuid AS"
            " environment_id FROM projects p WHERE p.deleted_at IS NULL AND"
            " (p.spec->>'slug' ILIKE %(p)s OR p.spec->>'name' ILIKE %(p)s)"
            " ORDER BY p.spec->>'slug' LIMIT %(n)s)"
            " UNION ALL "
            "(SELECT 'services', s.id, s.spec, e.project_id, s.environment_id FROM services s"
            " JOIN environments e ON e.id = s.environment_id"
            " WHERE s.deleted_at IS NULL AND s.spec->>'slug' ILIKE %(p)s"
            " ORDER BY s.spec->>'slug' LIMIT %(n)s)"
        )
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, {"p": pattern, "n": limit})
            return await cur.fetchall()

    async def live_domains(self) -> list[Claim]:
        """Every live domain's host and environment (for the one-environment-a-host rule)."""
        query = sql.Composed(
            [
                sql.SQL(
                    "SELECT id, environment_id, spec->>'domain' AS value FROM domains"
                    " WHERE deleted_at IS NULL ORDER BY created_at, id"
                )
            ]
        )
        return [Claim(**row) for row in await self._fetch_all(query, ())]

    async def live_host_paths(self) -> list[Claim]:
        """Every live host-path volume's folder and environment (no two may overlap)."""
        query = sql.Composed(
            [
                sql.SQL(
                    "SELECT id, environment_id, spec->>'host_path' AS value FROM volumes"
                    " WHERE deleted_at IS NULL AND spec->>'kind' = 'host_path'"
                    " ORDER BY created_at, id"
                )
            ]
        )
        return [Claim(**row) for row in await self._fetch_all(query, ())]

    async def backups_kept_in(self, target_id: UUID) -> int:
        """How many backups (deleted ones whose file is still being removed too) use a
        backup target, or used it: a target they need may not go."""
        query = sql.Composed(
            [sql.SQL("SELECT count(*) AS n FROM backups WHERE spec->>'target_id' = %s")]
        )
        row = await self._fetch_one(query, (str(target_id),))
        return int(row["n"]) if row else 0

    async def policies_naming(self, target_id: UUID) -> int:
        """How many backup policies keep their backups (or snapshots) in a backup target:
        live services' and volumes', and the platform's own (a platform setting)."""
        query = sql.Composed(
            [
                sql.SQL(
                    "SELECT (SELECT count(*) FROM services WHERE deleted_at IS NULL"
                    " AND spec->'backup'->>'target_id' = %s)"
                    " + (SELECT count(*) FROM volumes WHERE deleted_at IS NULL"
                    " AND spec->'backup'->>'target_id' = %s)"
                    " + (SELECT count(*) FROM zane_platform_settings"
                    " WHERE name = 'platform_backup_policy' AND value->>'target_id' = %s) AS n"
                )
            ]
        )
        row = await self._fetch_one(query, (str(target_id),) * 3)
        return int(row["n"]) if row else 0

    async def ping(self) -> bool:
        try:
            await self._fetch_one(sql.Composed([sql.SQL("SELECT 1 AS ok")]), ())
        except Exception:  # any failure to answer is "down" here, whatever the reason
            return False
        return True
