"""A cursor kept in Redis: how far a tailed file was read, for the next reader to resume."""

from __future__ import annotations

from .connection import RedisConnection


class StoredCursor:
    def __init__(self, redis: RedisConnection, key: str) -> None:
        self._redis = redis.client
        self._key = key

    async def get(self) -> str | None:
        value = await self._redis.get(self._key)
        return value.decode() if isinstance(value, bytes) else None

    async def set(self, value: str) -> None:
        await self._redis.set(self._key, value)
