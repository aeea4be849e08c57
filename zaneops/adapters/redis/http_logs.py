"""The proxy's access log, appended to each service's HTTP log stream with its forwarding cursor."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from redis.exceptions import WatchError

from .connection import RedisConnection
from .log_streams import HttpLine, fields_of
from .stream_keys import DEFAULT_MAX_ENTRIES, access_log_cursor, http_logs


class HttpLogSink:
    """Writes access log entries, and the forwarding cursor of this installation with them."""

    def __init__(
        self, redis: RedisConnection, instance: str, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self._redis = redis.client
        self._cursor_key = access_log_cursor(instance)
        self._max_entries = max_entries

    async def cursor(self) -> str | None:
        """Where the last forwarding stopped (opaque to Redis), or None if none ever ran."""
        value = await self._redis.get(self._cursor_key)
        return value.decode() if isinstance(value, bytes) else None

    async def append(
        self,
        entries: Sequence[tuple[UUID, HttpLine]],
        expected_cursor: str | None,
        cursor: str,
    ) -> bool:
        """(service id, line) pairs and the cursor after them, all or nothing (MULTI/EXEC), only
        if the stored cursor is still expected_cursor; False (nothing written) otherwise.
        Each stream stays capped."""
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(self._cursor_key)
            current = await pipe.get(self._cursor_key)
            if (current.decode() if isinstance(current, bytes) else None) != expected_cursor:
                return False
            pipe.multi()  # type: ignore[no-untyped-call]
            for service_id, line in entries:
                stream = http_logs(service_id)
                pipe.xadd(stream, fields_of(line), maxlen=self._max_entries, approximate=True)
            pipe.set(self._cursor_key, cursor)
            try:
                await pipe.execute()
            except WatchError:
                return False
        return True
