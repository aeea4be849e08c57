"""One Redis client per process, opened by the composition root and shared by the adapters.

The client honours cancellation: redis-py can swallow a cancellation that lands inside a
command (the command returns as if nothing happened), so every command and every pipeline
checks, once it returns, whether its task was asked to stop, and raises if so. Every caller
gets asyncio's contract back, whatever loop it is in.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from zaneops.common.cancellation import raise_if_cancelled


class _CancellablePipeline(Pipeline):
    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        result = await super().execute(raise_on_error)
        raise_if_cancelled()
        return result

    async def immediate_execute_command(self, *args: Any, **options: Any) -> Any:
        result = await super().immediate_execute_command(*args, **options)  # type: ignore[no-untyped-call]
        raise_if_cancelled()
        return result


class CancellableRedis(Redis):
    """redis.asyncio.Redis whose commands raise CancelledError if they swallowed one."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        raise_if_cancelled()
        return result

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        return _CancellablePipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


# Connections a process opens to one Redis at most; a command finding none free waits for
# one (up to POOL_WAIT_SECONDS) instead of failing at once.
DEFAULT_MAX_CONNECTIONS = 100
POOL_WAIT_SECONDS = 10.0


class RedisConnection:
    def __init__(self, url: str, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        pool = BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=POOL_WAIT_SECONDS
        )
        self.client: Redis = CancellableRedis.from_pool(pool)

    async def ping(self) -> bool:
        """True when Redis answers; False (never an exception) when it does not."""
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.client.aclose()
