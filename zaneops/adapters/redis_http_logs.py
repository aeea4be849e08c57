"""HTTP access log entries appended to the Redis streams the API reads (zaneops.logstreams)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.exceptions import WatchError
from redis.typing import EncodableT, FieldT

from zaneops.logstreams import DEFAULT_MAX_ENTRIES, access_log_cursor


class HttpLogSink:
    """Writes access log entries, and the forwarding cursor of this installation with them."""

    def __init__(
        self, redis_url: str, instance: str, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self._redis = Redis.from_url(redis_url)
        self._cursor_key = access_log_cursor(instance)
        self._max_entries = max_entries

    async def close(self) -> None:
        await self._redis.aclose()

    async def cursor(self) -> str | None:
        """Where the last forwarding stopped (opaque to Redis), or None if none ever ran."""
        value = await self._redis.get(self._cursor_key)
        return value.decode() if isinstance(value, bytes) else None

    async def append(
        self,
        entries: Sequence[tuple[str, Mapping[str, str]]],
        expected_cursor: str | None,
        cursor: str,
    ) -> bool:
        """(stream, fields) pairs and the cursor after them, all or nothing (MULTI/EXEC), only
        if the stored cursor is still expected_cursor; False (nothing written) otherwise.
        Each stream stays capped."""
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(self._cursor_key)
            current = await pipe.get(self._cursor_key)
            if (current.decode() if isinstance(current, bytes) else None) != expected_cursor:
                return False
            pipe.multi()  # type: ignore[no-untyped-call]
            for stream, fields in entries:
                values: dict[FieldT, EncodableT] = dict(fields.items())
                pipe.xadd(stream, values, maxlen=self._max_entries, approximate=True)
            pipe.set(self._cursor_key, cursor)
            try:
                await pipe.execute()
            except WatchError:
                return False
        return True
