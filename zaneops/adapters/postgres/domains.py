"""Bulk reads for the routes controller: every live domain at once, not 10 000 single gets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool


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
        """id → generation of every domain not being deleted: cheap, no specs."""
        rows = await self._rows("SELECT id, generation FROM domains WHERE deleted_at IS NULL", ())
        return {row["id"]: row["generation"] for row in rows}

    async def specs(self, ids: Sequence[UUID]) -> list[tuple[UUID, int, Mapping[str, Any]]]:
        """(id, generation, spec) of the given live domains."""
        rows = await self._rows(
            "SELECT id, generation, spec FROM domains WHERE id = ANY(%s) AND deleted_at IS NULL",
            (list(ids),),
        )
        return [(row["id"], row["generation"], row["spec"]) for row in rows]

    async def latest_deployments(self, service_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        """service id → its most recently created live deployment (what it is rolling to)."""
        rows = await self._rows(
            "SELECT DISTINCT ON (service_id) service_id, id FROM deployments"
            " WHERE service_id = ANY(%s) AND deleted_at IS NULL"
            " ORDER BY service_id, created_at DESC",
            (list(service_ids),),
        )
        return {row["service_id"]: row["id"] for row in rows}
