"""SSH host keys pinned at first use, in Postgres (see zaneops/adapters/ssh_keys.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from zaneops.adapters.ssh_keys import HostKey

MAX_LISTED = 1000


@dataclass(frozen=True)
class PinnedKey:
    key: HostKey
    first_seen_at: datetime
    first_seen_for: str  # the repository URL (credentials removed) that first reached it


class SshHostKeys:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def _all(self, query: str, params: Any) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchall()

    async def pinned(self, host: str) -> list[HostKey]:
        rows = await self._all(
            "SELECT host, key_type, key FROM zane_ssh_host_keys WHERE host = %s ORDER BY key_type",
            (host,),
        )
        return [HostKey(**row) for row in rows]

    async def pin(self, keys: list[HostKey], seen_for: str) -> list[HostKey]:
        """Pin the keys unless the host has some already (two builds racing to be first:
        the first wins); returns what is pinned for the host afterwards."""
        if not keys:
            return []
        host = keys[0].host
        async with self._pool.connection() as conn, conn.transaction():
            # One pin per host at a time: the second racer sees the first's keys.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"ssh:{host}",))
            cur = await conn.execute("SELECT 1 FROM zane_ssh_host_keys WHERE host = %s", (host,))
            if await cur.fetchone() is None:
                for key in keys:
                    await conn.execute(
                        "INSERT INTO zane_ssh_host_keys"
                        " (host, key_type, key, fingerprint, first_seen_for)"
                        " VALUES (%s, %s, %s, %s, %s)",
                        (key.host, key.key_type, key.key, key.fingerprint, seen_for),
                    )
        return await self.pinned(host)

    async def listed(self) -> list[PinnedKey]:
        rows = await self._all(
            "SELECT host, key_type, key, first_seen_at, first_seen_for FROM zane_ssh_host_keys"
            " ORDER BY host, key_type LIMIT %s",
            (MAX_LISTED,),
        )
        return [
            PinnedKey(
                HostKey(row["host"], row["key_type"], row["key"]),
                row["first_seen_at"],
                row["first_seen_for"],
            )
            for row in rows
        ]

    async def forget(self, host: str) -> int:
        """Forget every key of the host: the next build pins what the server presents then."""
        async with self._pool.connection() as conn:
            cur = await conn.execute("DELETE FROM zane_ssh_host_keys WHERE host = %s", (host,))
            return cur.rowcount
