"""A build's log: each line into its capped Redis stream as it happens, the tail kept in memory."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from uuid import UUID

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from zaneops.logstreams import build_logs


class BuildLog:
    """Written by one build job; read by the API (GET /builds/{id}/logs) while the build runs."""

    def __init__(self, redis: Redis, build_id: UUID, max_entries: int, tail: int) -> None:
        self._redis = redis
        self._key = build_logs(build_id)
        self._max_entries = max_entries
        self.tail: deque[str] = deque(maxlen=max(tail, 50))

    async def write(self, line: str) -> None:
        self.tail.append(line)
        fields: dict[FieldT, EncodableT] = {"ts": datetime.now(UTC).isoformat(), "line": line}
        await self._redis.xadd(self._key, fields, maxlen=self._max_entries, approximate=True)
