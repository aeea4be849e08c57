"""The proxy's access log, appended to each service's HTTP log stream with its forwarding cursor."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from .connection import RedisConnection
from .log_streams import HttpLine, fields_of
from .stream_keys import DEFAULT_MAX_ENTRIES, access_log_cursor, deleted_stream, http_logs

WATCH_ATTEMPTS = 3


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
        Each stream stays capped; lines of a service whose logs were deleted are dropped (a
        deletion landing meanwhile makes it try again)."""
        for _ in range(WATCH_ATTEMPTS):
            try:
                return await self._append_once(entries, expected_cursor, cursor)
            except WatchError:
                continue  # a cursor that moved says so when read again; a deletion is seen
        return False

    async def _append_once(
        self,
        entries: Sequence[tuple[UUID, HttpLine]],
        expected_cursor: str | None,
        cursor: str,
    ) -> bool:
        streams = sorted({http_logs(service_id) for service_id, _ in entries})
        markers = [deleted_stream(stream) for stream in streams]
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(self._cursor_key, *markers)
            current = await pipe.get(self._cursor_key)
            if (current.decode() if isinstance(current, bytes) else None) != expected_cursor:
                return False
            deleted = await self._deleted(pipe, streams, markers)
            pipe.multi()  # type: ignore[no-untyped-call]
            for service_id, line in entries:
                stream = http_logs(service_id)
                if stream not in deleted:  # the service is gone with its logs
                    pipe.xadd(stream, fields_of(line), maxlen=self._max_entries, approximate=True)
            pipe.set(self._cursor_key, cursor)
            await pipe.execute()
        return True

    @staticmethod
    async def _deleted(pipe: Pipeline, streams: list[str], markers: list[str]) -> set[str]:
        if not markers:
            return set()
        found = await pipe.mget(markers)
        return {stream for stream, marker in zip(streams, found, strict=True) if marker}
