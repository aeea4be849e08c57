"""What the composition root opens once per process and hands to a controller's entry.

One Postgres pool (the runner's store, its lease and the controller share it) and the Redis
connections (sessions and limits; log streams, which may be the same one); a controller's
entry builds the adapters it needs from these and registers anything else it opens with
`on_close`, so the root closes everything once, in reverse order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from psycopg_pool import AsyncConnectionPool

from zaneops.common.settings import InstallationSettings

from .postgres.store import PostgresStore
from .redis.connection import RedisConnection


@dataclass
class Dependencies:
    installation: InstallationSettings
    store: PostgresStore
    redis: RedisConnection
    logs: RedisConnection  # the log streams' Redis: `redis` itself unless configured apart
    _closing: AsyncExitStack = field(default_factory=AsyncExitStack)

    @property
    def pool(self) -> AsyncConnectionPool:
        return self.store.pool

    def on_close(self, close: Callable[[], Awaitable[object] | object]) -> None:
        """Call `close` (sync or async) when the process's dependencies are closed."""

        async def run() -> None:
            outcome = close()
            if isinstance(outcome, Awaitable):
                await outcome

        self._closing.push_async_callback(run)

    async def aclose(self) -> None:
        try:
            await self._closing.aclose()
        finally:
            try:
                await self.redis.close()
                if self.logs is not self.redis:
                    await self.logs.close()
            finally:
                await self.store.close()

    @classmethod
    @asynccontextmanager
    async def opened(
        cls, installation: InstallationSettings, pool_size: int = 4
    ) -> AsyncIterator[Dependencies]:
        store = await PostgresStore.open(installation.database_url, max_size=pool_size)
        try:
            redis = RedisConnection(installation.redis_url)
            logs = redis
            if installation.logs_redis != installation.redis_url:
                logs = RedisConnection(installation.logs_redis)
            dependencies = cls(installation, store, redis, logs)
        except BaseException:
            await store.close()
            raise
        try:
            yield dependencies
        finally:
            await dependencies.aclose()
