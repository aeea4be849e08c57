"""A bound on live log streams: each holds a Redis connection for as long as it is open."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator

from api.errors import ApiError


class LiveStreams:
    """Counts open server-sent event streams; refuses a new one (503) at the limit. A stream
    counts from the request that opens it, so a burst of reconnections cannot all pass the
    check before the first starts, and stops counting when it ends or is dropped unstarted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def opened(self, events: AsyncIterator[str]) -> AsyncIterator[str]:
        """The stream's events, counted as open from now; 503 if none may open."""
        if self.open >= self.limit:
            raise ApiError(
                503,
                "too_many_live_streams",
                f"{self.limit} live log streams are open, the most this server serves at "
                "once: close one, or try again shortly",
            )
        self.open += 1
        slot = _Slot(self)
        counted = _counted(events, slot)
        weakref.finalize(counted, slot.release)  # a response dropped before it streamed
        return counted


class _Slot:
    def __init__(self, streams: LiveStreams) -> None:
        self._streams: LiveStreams | None = streams

    def release(self) -> None:
        if self._streams is not None:
            self._streams.open -= 1
            self._streams = None


async def _counted(events: AsyncIterator[str], slot: _Slot) -> AsyncIterator[str]:
    try:
        async for event in events:
            yield event
    finally:
        slot.release()
