"""Bulk reads and status writes for the routes controller: every live domain at once, not 10 000
single gets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from zaneops.specs.status import Status


@dataclass(frozen=True)
class DomainRow:
    id: UUID
    generation: int
    spec: Mapping[str, Any]
    environment_id: UUID


_WRITE_STATUSES = """
WITH wanted AS (
    SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::jsonb[]) AS w(id, generation, status)
), current AS (
    SELECT d.id FROM domains d JOIN wanted w ON d.id = w.id
    WHERE d.generation = w.generation AND d.deleted_at IS NULL
), written AS (
    UPDATE domains d SET status = w.status FROM wanted w
    WHERE d.id = w.id AND d.generation = w.generation AND d.deleted_at IS NULL
      AND d.status IS DISTINCT FROM w.status
    RETURNING d.id
)
SELECT id FROM current
"""


class DomainReader:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, database_url: str) -> DomainReader:
        pool = AsyncConnectionPool(
            database_url, min_size=1, max_size=2, open=False, kwargs={"autocommit": True}
        )
        await pool.open(wait=True, timeout=30)
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def _rows(self, query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchall()

    async def live_generations(self) -> dict[UUID, int]:
        """id → generation of every domain not being deleted, oldest first: cheap, no specs.
        (Oldest first: a host belongs to the environment that routed it first.)"""
        rows = await self._rows(
            "SELECT id, generation FROM domains WHERE deleted_at IS NULL ORDER BY created_at, id",
            (),
        )
        return {row["id"]: row["generation"] for row in rows}

    async def specs(self, ids: Sequence[UUID]) -> list[DomainRow]:
        """The given live domains, with their spec and environment."""
        rows = await self._rows(
            "SELECT id, generation, spec, environment_id FROM domains"
            " WHERE id = ANY(%s) AND deleted_at IS NULL",
            (list(ids),),
        )
        return [
            DomainRow(row["id"], row["generation"], row["spec"], row["environment_id"])
            for row in rows
        ]

    async def statuses(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, Status]]:
        """id → (generation, status) of the given live domains."""
        rows = await self._rows(
            "SELECT id, generation, status FROM domains WHERE id = ANY(%s) AND deleted_at IS NULL",
            (list(ids),),
        )
        return {
            row["id"]: (row["generation"], Status.model_validate(row["status"])) for row in rows
        }

    async def write_statuses(self, written: Sequence[tuple[UUID, int, Status]]) -> set[UUID]:
        """Each row's status, in one statement, if the row is live and still at that
        generation (else its outcome is stale); a status already so is not written again (no
        wake-up). Returns the rows now holding theirs."""
        if not written:
            return set()
        ids = [row_id for row_id, _, _ in written]
        generations = [generation for _, generation, _ in written]
        statuses = [Jsonb(status.model_dump(mode="json")) for _, _, status in written]
        rows = await self._rows(_WRITE_STATUSES, (ids, generations, statuses))
        return {row["id"] for row in rows}

    async def latest_deployments(self, service_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        """service id → its most recently created live deployment (what it is rolling to)."""
        rows = await self._rows(
            "SELECT DISTINCT ON (service_id) service_id, id FROM deployments"
            " WHERE service_id = ANY(%s) AND deleted_at IS NULL"
            " ORDER BY service_id, created_at DESC",
            (list(service_ids),),
        )
        return {row["service_id"]: row["id"] for row in rows}
