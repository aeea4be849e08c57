"""The lease row that decides which replica of a controller acts."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

# Database time decides expiry, so replicas on hosts with skewed clocks still agree.
ACQUIRE = """
INSERT INTO zane_leases AS lease (name, holder, expires_at)
VALUES (%(name)s, %(holder)s, now() + make_interval(secs => %(ttl)s))
ON CONFLICT (name) DO UPDATE
  SET holder = EXCLUDED.holder,
      expires_at = EXCLUDED.expires_at,
      acquired_at = CASE WHEN lease.holder = EXCLUDED.holder THEN lease.acquired_at ELSE now() END
  WHERE lease.holder = EXCLUDED.holder OR lease.expires_at < now()
RETURNING holder
"""

RELEASE = "DELETE FROM zane_leases WHERE name = %(name)s AND holder = %(holder)s"


class PostgresLease:
    def __init__(self, pool: AsyncConnectionPool, name: str, holder: str) -> None:
        self._pool = pool
        self._params: dict[str, object] = {"name": name, "holder": holder}

    async def try_acquire(self, ttl_seconds: float) -> bool:
        """Take or renew the lease; True if this holder has it for ttl_seconds from now."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute(ACQUIRE, {**self._params, "ttl": ttl_seconds})
            return await cursor.fetchone() is not None

    async def release(self) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(RELEASE, self._params)
