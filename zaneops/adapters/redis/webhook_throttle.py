"""Rate limit of the public trigger: requests per client address per minute, in Redis.

A fixed one-minute window (INCR + EXPIRE): cheap, atomic, and enough to stop a flood of
token guesses or a loop of pushes from one address.
"""

from __future__ import annotations

import time

from .connection import RedisConnection

WINDOW_SECONDS = 60


class WebhookLimiter:
    def __init__(self, redis: RedisConnection, prefix: str, limit: int) -> None:
        self._redis = redis.client
        self._prefix = prefix
        self._limit = limit

    async def allow(self, client: str) -> bool:
        """Counts this request; False once the address used up its minute."""
        window = int(time.time()) // WINDOW_SECONDS
        key = f"{self._prefix}webhook-requests:{client}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS)
            count, _ = await pipe.execute()
        return int(count) <= self._limit
