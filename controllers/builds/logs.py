"""A build's log: each line into its capped log stream as it happens, the tail kept in memory."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from uuid import UUID

from zaneops.adapters.redis.log_streams import BuildLine
from zaneops.adapters.redis.stream_keys import build_logs

from .ports import LogWriter


class BuildLog:
    """Written by one build job; read by the API (GET /builds/{id}/logs) while the build runs."""

    def __init__(self, streams: LogWriter, build_id: UUID, max_entries: int, tail: int) -> None:
        self._streams = streams
        self._key = build_logs(build_id)
        self._max_entries = max_entries
        self.tail: deque[str] = deque(maxlen=max(tail, 50))

    async def write(self, line: str) -> None:
        self.tail.append(line)
        entry = BuildLine(ts=datetime.now(UTC).isoformat(), line=line)
        await self._streams.append(self._key, entry, self._max_entries)
