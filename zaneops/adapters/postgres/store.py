"""The spec store: rows of every kind in Postgres, read and written with psycopg."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from psycopg import errors, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from zaneops.common.errors import Conflict, InUse, NotFound
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status

COLUMNS = "id, spec, generation, status, finalizers, deleted_at, created_at, updated_at"


def _table(kind: Kind) -> sql.Identifier:
    return sql.Identifier(kind.value)


def _select(kind: Kind) -> sql.Composed:
    parent = kind.parent
    parent_column = sql.Identifier(parent.column) if parent else sql.SQL("NULL::uuid")
    return sql.SQL("SELECT {cols}, {parent} AS parent_id FROM {table}").format(
        cols=sql.SQL(COLUMNS), parent=parent_column, table=_table(kind)
    )


def _to_object(kind: Kind, row: Mapping[str, Any]) -> StoredObject:
    return StoredObject(
        kind=kind,
        id=row["id"],
        spec=row["spec"],
        generation=row["generation"],
        status=Status.model_validate(row["status"]),
        finalizers=tuple(row["finalizers"]),
        deleted_at=row["deleted_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        parent_id=row["parent_id"],
    )


@contextmanager
def _integrity_errors_as_domain_errors() -> Iterator[None]:
    """Constraint violations are the caller's mistake: say which, in the platform's terms."""
    try:
        yield
    except errors.UniqueViolation as exc:
        raise Conflict(f"already exists: {exc.diag.message_detail or exc}") from exc
    except errors.ForeignKeyViolation as exc:
        raise NotFound(f"parent does not exist: {exc.diag.message_detail or exc}") from exc


class PostgresStore:
    """One method per operation; each is a single statement, so each is atomic."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, database_url: str, max_size: int = 4) -> PostgresStore:
        pool = AsyncConnectionPool(
            database_url,
            min_size=1,
            max_size=max_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row},
        )
        await pool.open(wait=True, timeout=30)
        return cls(pool)

    @property
    def pool(self) -> AsyncConnectionPool:
        return self._pool

    async def close(self) -> None:
        await self._pool.close()

    async def _fetch_one(self, query: sql.Composed, params: Any) -> dict[str, Any] | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchone()

    async def _fetch_all(self, query: sql.Composed, params: Any) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchall()

    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None:
        row = await self._fetch_one(_select(kind) + sql.SQL(" WHERE id = %s"), (object_id,))
        return _to_object(kind, row) if row else None

    async def list_ids(self, kind: Kind) -> list[UUID]:
        query = sql.SQL("SELECT id FROM {}").format(_table(kind))
        return [row["id"] for row in await self._fetch_all(query, ())]

    async def list_unconverged_ids(self, kind: Kind) -> list[UUID]:
        """Rows whose last reconcile did not succeed at their current generation, or deleted."""
        query = sql.SQL(
            "SELECT id FROM {} WHERE deleted_at IS NOT NULL"
            " OR generation IS DISTINCT FROM (status->>'observed_generation')::bigint"
            " OR NOT status->'conditions' @> %s"
        ).format(_table(kind))
        reconciled = Jsonb([{"type": "Reconciled", "status": "True"}])
        return [row["id"] for row in await self._fetch_all(query, (reconciled,))]

    async def list_children(self, kind: Kind, parent_id: UUID | None) -> list[StoredObject]:
        """The rows under `parent_id`; None: those with no parent (where a kind allows it)."""
        link = kind.parent
        if link is None:
            raise ValueError(f"{kind} has no parent")
        column = sql.Identifier(link.column)
        if parent_id is None:
            where = sql.SQL(" WHERE {} IS NULL ORDER BY created_at").format(column)
        else:
            where = sql.SQL(" WHERE {} = %s ORDER BY created_at").format(column)
        params = () if parent_id is None else (parent_id,)
        rows = await self._fetch_all(_select(kind) + where, params)
        return [_to_object(kind, row) for row in rows]

    async def create(
        self, kind: Kind, spec: Mapping[str, Any], parent_id: UUID | None = None
    ) -> StoredObject:
        link = kind.parent
        if (link is None) != (parent_id is None) and not (link is not None and link.optional):
            raise ValueError(f"{kind} needs a parent id exactly when it has a parent kind")
        columns = [sql.Identifier("spec")]
        values: list[object] = [Jsonb(dict(spec))]
        if link is not None and parent_id is not None:
            columns.append(sql.Identifier(link.column))
            values.append(parent_id)
        query = sql.SQL("INSERT INTO {table} ({cols}) VALUES ({vals}) RETURNING id").format(
            table=_table(kind),
            cols=sql.SQL(", ").join(columns),
            vals=sql.SQL(", ").join(sql.Placeholder() * len(values)),
        )
        with _integrity_errors_as_domain_errors():
            row = await self._fetch_one(query, values)
        assert row is not None  # INSERT ... RETURNING always returns the row
        return await self._must_get(kind, row["id"])

    async def setting(self, name: str) -> dict[str, Any] | None:
        """A platform setting's value (zane_platform_settings), if one was written."""
        query = sql.SQL("SELECT value FROM zane_platform_settings WHERE name = %s")
        row = await self._fetch_one(query.format(), (name,))
        return dict(row["value"]) if row is not None else None

    async def put_setting(self, name: str, value: Mapping[str, Any]) -> None:
        query = sql.SQL(
            "INSERT INTO zane_platform_settings (name, value) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
        )
        await self._execute(query.format(), (name, Jsonb(dict(value))))

    async def _must_get(self, kind: Kind, object_id: UUID) -> StoredObject:
        found = await self.get(kind, object_id)
        if found is None:
            raise NotFound(f"{kind.value}/{object_id} does not exist")
        return found

    async def update_spec(
        self,
        kind: Kind,
        object_id: UUID,
        spec: Mapping[str, Any],
        expected_generation: int | None = None,
    ) -> StoredObject:
        """Replace the spec; with expected_generation, refuse if someone else changed it first."""
        query = sql.SQL(
            "UPDATE {} SET spec = %s WHERE id = %s AND deleted_at IS NULL"
            " AND (%s::bigint IS NULL OR generation = %s) RETURNING id"
        ).format(_table(kind))
        params = (Jsonb(dict(spec)), object_id, expected_generation, expected_generation)
        with _integrity_errors_as_domain_errors():
            row = await self._fetch_one(query, params)
        if row is None:
            await self._raise_why_not_updated(kind, object_id, expected_generation)
        return await self._must_get(kind, object_id)

    async def _raise_why_not_updated(
        self, kind: Kind, object_id: UUID, expected_generation: int | None
    ) -> None:
        current = await self._must_get(kind, object_id)
        if current.is_deleted:
            raise Conflict(f"{kind.value}/{object_id} is being deleted")
        raise Conflict(
            f"{kind.value}/{object_id} is at generation {current.generation}, "
            f"not {expected_generation}: reload and apply your change again"
        )

    async def request_delete(self, kind: Kind, object_id: UUID) -> StoredObject | None:
        """Mark for deletion; returns what is left (None once the row is gone)."""
        query = sql.SQL(
            "UPDATE {} SET deleted_at = now() WHERE id = %s AND deleted_at IS NULL RETURNING id"
        ).format(_table(kind))
        await self._fetch_one(query, (object_id,))
        return await self.get(kind, object_id)

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool:
        """Write status only if it differs: a no-op write would still wake every watcher."""
        query = sql.SQL(
            "UPDATE {} SET status = %s WHERE id = %s AND status IS DISTINCT FROM %s RETURNING id"
        ).format(_table(kind))
        value = Jsonb(status.model_dump(mode="json"))
        return await self._fetch_one(query, (value, object_id, value)) is not None

    async def add_finalizer(self, kind: Kind, object_id: UUID, finalizer: str) -> bool:
        """Add before creating outside state; False if the object is already being deleted."""
        query = sql.SQL(
            "UPDATE {} SET finalizers = array_append(finalizers, %s) WHERE id = %s"
            " AND deleted_at IS NULL AND NOT (%s = ANY(finalizers)) RETURNING id"
        ).format(_table(kind))
        if await self._fetch_one(query, (finalizer, object_id, finalizer)) is not None:
            return True
        current = await self.get(kind, object_id)
        return current is not None and not current.is_deleted

    async def remove_finalizer(self, kind: Kind, object_id: UUID, finalizer: str) -> None:
        query = sql.SQL(
            "UPDATE {} SET finalizers = array_remove(finalizers, %s) WHERE id = %s"
        ).format(_table(kind))
        await self._execute(query, (finalizer, object_id))

    async def _execute(self, query: sql.Composed, params: Any) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(query, params)

    async def hard_delete(self, kind: Kind, object_id: UUID) -> None:
        """Remove a row outright; refused while it has finalizers."""
        query = sql.SQL("DELETE FROM {} WHERE id = %s").format(_table(kind))
        try:
            await self._execute(query, (object_id,))
        except errors.ObjectInUse as exc:
            raise InUse(str(exc.diag.message_primary)) from exc
