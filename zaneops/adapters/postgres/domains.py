"""Bulk reads for the routes controller: every live domain at once, not 10 000 single gets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool


@dataclass(frozen=True)
class DomainRow:
    id: UUID
    generation: int
    spec: Mapping[str, Any]
    environment_id: UUID


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

    async def latest_deployments(self, service_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        """service id → its most recently created live deployment (what it is rolling to)."""
        rows = await self._rows(
            "SELECT DISTINCT ON (service_id) service_id, id FROM deployments"
            " WHERE service_id = ANY(%s) AND deleted_at IS NULL"
            " ORDER BY service_id, created_at DESC",
            (list(service_ids),),
        )
        return {row["service_id"]: row["id"] for row in rows}
