"""The change feed: LISTEN on a dedicated autocommit connection, re-opened whenever it drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import psycopg
import structlog
from psycopg import sql
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from zaneops.common.cancellation import raise_if_cancelled
from zaneops.runtime.ports import Change, FeedEvent, Resubscribed
from zaneops.specs.kinds import Kind

log = structlog.get_logger(__name__)

# How long to wait for a notification before proving the connection is still alive.
LIVENESS_PROBE_SECONDS = 5.0
# Lets an operator (or a test) find the listening connections in pg_stat_activity.
FEED_APPLICATION_NAME = "zane-feed"


class PostgresChangeFeed:
    """Yields Resubscribed after every (re)connect, then one Change per notification."""

    def __init__(
        self, database_url: str, channels: Sequence[str], max_backoff: float = 5.0
    ) -> None:
        self._url = database_url
        self._channels = {channel: _decode_channel(channel) for channel in channels}
        self._max_backoff = max_backoff

    async def events(self) -> AsyncIterator[FeedEvent]:
        while True:
            raise_if_cancelled()  # Python 3.11's wait_for can drop a cancel (see _changes)
            conn = await self._connect()
            try:
                yield Resubscribed()
                async for change in self._changes(conn):
                    yield change
            except (psycopg.OperationalError, TimeoutError) as exc:
                log.warning("listen connection lost", error=str(exc))
            finally:
                await conn.close()

    async def _connect(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        retrying = AsyncRetrying(
            wait=wait_exponential_jitter(multiplier=0.1, max=self._max_backoff, jitter=0.1),
            retry=retry_if_exception_type(psycopg.OperationalError),
        )
        async for attempt in retrying:
            with attempt:
                return await self._listen()
        raise AssertionError("tenacity retries forever")  # pragma: no cover

    async def _listen(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        conn = await psycopg.AsyncConnection.connect(
            self._url,
            autocommit=True,
            keepalives=1,
            keepalives_idle=10,
            connect_timeout=10,
            application_name=FEED_APPLICATION_NAME,
        )
        for channel in self._channels:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        log.info("listening", channels=sorted(self._channels))
        return conn

    async def _changes(
        self, conn: psycopg.AsyncConnection[tuple[object, ...]]
    ) -> AsyncIterator[Change]:
        while True:
            raise_if_cancelled()  # wait_for drops an outer cancel if the call ends in that step
            async for notify in conn.notifies(timeout=LIVENESS_PROBE_SECONDS):
                change = self._parse(notify.channel, notify.payload)
                if change is not None:
                    yield change
            await asyncio.wait_for(conn.execute("SELECT 1"), LIVENESS_PROBE_SECONDS)

    def _parse(self, channel: str, payload: str) -> Change | None:
        try:
            kind, status = self._channels[channel]
            return Change(kind, UUID(payload), status)
        except (KeyError, ValueError):
            log.warning("ignored notification", channel=channel, payload=payload[:100])
            return None


def _decode_channel(channel: str) -> tuple[Kind, bool]:
    """'zane_volumes_status' → (Kind.VOLUMES, True); 'zane_volumes' → (Kind.VOLUMES, False)."""
    status = channel.endswith("_status")
    return Kind(channel.removeprefix("zane_").removesuffix("_status")), status
