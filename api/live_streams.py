"""A bound on live log streams: each holds a Redis connection for as long as it is open."""

from __future__ import annotations

from collections.abc import AsyncIterator

from api.errors import ApiError


class LiveStreams:
    """Counts open server-sent event streams; refuses a new one (503) at the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def check_room(self) -> None:
        """Before answering: a stream that could not be served is refused with a reason."""
        if self.open >= self.limit:
            raise ApiError(
                503,
                "too_many_live_streams",
                f"{self.limit} live log streams are open, the most this server serves at "
                "once: close one, or try again shortly",
            )

    async def counted(self, events: AsyncIterator[str]) -> AsyncIterator[str]:
        """The stream's events, counted as open from the first to the last."""
        self.open += 1
        try:
            async for event in events:
                yield event
        finally:
            self.open -= 1
