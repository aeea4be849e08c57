"""One Redis client per process, opened by the composition root and shared by the adapters."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError


class RedisConnection:
    def __init__(self, url: str) -> None:
        self.client: Redis = Redis.from_url(url)

    async def ping(self) -> bool:
        """True when Redis answers; False (never an exception) when it does not."""
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.client.aclose()
