"""Auto-deploy webhooks of services, in Postgres: found by the hash of their token.

The token and the signing secret are stored sealed (the API seals them); the hash is what a
request is matched on, so the plaintext is never compared in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import errors
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from zaneops.common.errors import Conflict, NotFound


@dataclass(frozen=True)
class Webhook:
    service_id: UUID
    token_hash: str
    sealed_token: str
    sealed_secret: str
    created_at: datetime
    rotated_at: datetime
    last_delivery_at: datetime | None
    last_delivery: dict[str, Any] | None
    token_only: bool = False  # unsigned calls accepted, building the branch's head only


_COLUMNS = (
    "service_id, token_hash, sealed_token, sealed_secret, created_at, rotated_at,"
    " last_delivery_at, last_delivery, token_only"
)


class WebhookStore:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def _one(self, query: str, params: Any) -> dict[str, Any] | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchone()

    async def get(self, service_id: UUID) -> Webhook | None:
        row = await self._one(
            f"SELECT {_COLUMNS} FROM zane_service_webhooks WHERE service_id = %s", (service_id,)
        )
        return Webhook(**row) if row else None

    async def by_token_hash(self, token_hash: str) -> Webhook | None:
        row = await self._one(
            f"SELECT {_COLUMNS} FROM zane_service_webhooks WHERE token_hash = %s", (token_hash,)
        )
        return Webhook(**row) if row else None

    async def create(
        self,
        service_id: UUID,
        token_hash: str,
        sealed_token: str,
        sealed_secret: str,
        token_only: bool = False,
    ) -> Webhook:
        """The service's webhook; only for a live service, and only one per service."""
        try:
            row = await self._one(
                "INSERT INTO zane_service_webhooks"
                " (service_id, token_hash, sealed_token, sealed_secret, token_only)"
                " SELECT id, %s, %s, %s, %s FROM services WHERE id = %s AND deleted_at IS NULL"
                f" RETURNING {_COLUMNS}",
                (token_hash, sealed_token, sealed_secret, token_only, service_id),
            )
        except errors.UniqueViolation as exc:
            raise Conflict(f"services/{service_id} already has a webhook: rotate it") from exc
        if row is None:
            raise NotFound(f"services/{service_id} does not exist or is being deleted")
        return Webhook(**row)

    async def rotate(
        self, service_id: UUID, token_hash: str, sealed_token: str, sealed_secret: str
    ) -> Webhook:
        """New token and secret; the old ones stop working at once."""
        row = await self._one(
            "UPDATE zane_service_webhooks SET token_hash = %s, sealed_token = %s,"
            " sealed_secret = %s, rotated_at = now() WHERE service_id = %s"
            f" RETURNING {_COLUMNS}",
            (token_hash, sealed_token, sealed_secret, service_id),
        )
        if row is None:
            raise NotFound(f"services/{service_id} has no webhook: create one")
        return Webhook(**row)

    async def set_token_only(self, service_id: UUID, token_only: bool) -> Webhook:
        row = await self._one(
            "UPDATE zane_service_webhooks SET token_only = %s WHERE service_id = %s"
            f" RETURNING {_COLUMNS}",
            (token_only, service_id),
        )
        if row is None:
            raise NotFound(f"services/{service_id} has no webhook: create one")
        return Webhook(**row)

    async def delete(self, service_id: UUID) -> None:
        row = await self._one(
            "DELETE FROM zane_service_webhooks WHERE service_id = %s RETURNING service_id",
            (service_id,),
        )
        if row is None:
            raise NotFound(f"services/{service_id} has no webhook")

    async def record_delivery(self, service_id: UUID, outcome: dict[str, Any]) -> None:
        """What the last push did, for the dashboard's panel (an audit of one line)."""
        await self._one(
            "UPDATE zane_service_webhooks SET last_delivery_at = now(), last_delivery = %s"
            " WHERE service_id = %s RETURNING service_id",
            (Jsonb(outcome), service_id),
        )
