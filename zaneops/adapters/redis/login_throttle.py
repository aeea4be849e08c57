"""Login throttling in Redis: a sliding window of recent attempts per client and per user.

Counting and deciding are one Redis operation (a script), and an attempt takes its place in
the window before its password is checked: a thousand attempts sent at once are a thousand
turns at the same counter, so at most `limit` of them are ever checked. A right password
gives its place back; a wrong one keeps it for the window.
"""

from __future__ import annotations

import time
import uuid

from .connection import RedisConnection

WINDOW_SECONDS = 60

# KEYS: the client's and the user's windows. ARGV: now, window start, limit, attempt id, ttl.
ADMIT = """
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, 0, ARGV[2])
  if redis.call('ZCARD', key) >= tonumber(ARGV[3]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[4])
  redis.call('EXPIRE', key, ARGV[5])
end
return 1
"""


class LoginThrottle:
    def __init__(self, redis: RedisConnection, prefix: str, limit: int) -> None:
        self._redis = redis.client
        self._prefix = prefix
        self._limit = limit
        self._admit = self._redis.register_script(ADMIT)

    def _keys(self, client: str, username: str) -> list[str]:
        return [
            f"{self._prefix}login-attempts:client:{client}",
            f"{self._prefix}login-attempts:user:{username.lower()}",
        ]

    async def admit(self, client: str, username: str) -> str | None:
        """An attempt's place in both windows, or None when either is full (throttled)."""
        now = time.time()
        attempt = uuid.uuid4().hex
        args: list[float | int | str] = [
            now,
            now - WINDOW_SECONDS,
            self._limit,
            attempt,
            WINDOW_SECONDS,
        ]
        admitted = await self._admit(keys=self._keys(client, username), args=args)
        return attempt if admitted == 1 else None

    async def forgive(self, client: str, username: str, attempt: str) -> None:
        """The password was right: this attempt does not count against anyone."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys(client, username):
                pipe.zrem(key, attempt)
            await pipe.execute()
