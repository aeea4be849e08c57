"""HTTP access log entries appended to the Redis streams the API reads (zaneops.logstreams)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from zaneops.logstreams import DEFAULT_MAX_ENTRIES


class HttpLogSink:
    def __init__(self, redis_url: str, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._redis = Redis.from_url(redis_url)
        self._max_entries = max_entries

    async def close(self) -> None:
        await self._redis.aclose()

    async def append(self, entries: Sequence[tuple[str, Mapping[str, str]]]) -> None:
        """(stream, fields) pairs, in one round trip; each stream stays capped."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream, fields in entries:
                values: dict[FieldT, EncodableT] = dict(fields.items())
                pipe.xadd(stream, values, maxlen=self._max_entries, approximate=True)
            await pipe.execute()
