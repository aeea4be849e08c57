"""Login throttling in Redis: a sliding window of recent wrong passwords per client and user."""

from __future__ import annotations

import time
import uuid

from .connection import RedisConnection

WINDOW_SECONDS = 60


class LoginThrottle:
    def __init__(self, redis: RedisConnection, prefix: str, limit: int) -> None:
        self._redis = redis.client
        self._prefix = prefix
        self._limit = limit

    def _keys(self, client: str, username: str) -> list[str]:
        return [
            f"{self._prefix}login-failures:client:{client}",
            f"{self._prefix}login-failures:user:{username.lower()}",
        ]

    async def is_throttled(self, client: str, username: str) -> bool:
        """True once either the client or the user name used up its wrong attempts."""
        oldest = time.time() - WINDOW_SECONDS
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys(client, username):
                pipe.zremrangebyscore(key, 0, oldest)
                pipe.zcard(key)
            results = await pipe.execute()
        return any(count >= self._limit for count in results[1::2])

    async def record_failure(self, client: str, username: str) -> None:
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys(client, username):
                pipe.zadd(key, {uuid.uuid4().hex: now})
                pipe.expire(key, WINDOW_SECONDS)
            await pipe.execute()
