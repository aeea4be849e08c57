"""Runtime logs: each service's container output, followed live into its capped log stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import structlog

from zaneops.adapters.docker.models import LogEntry
from zaneops.adapters.redis.log_streams import RuntimeLine
from zaneops.adapters.redis.stream_keys import runtime_logs

from .ports import LogWriter, SwarmPort

log = structlog.get_logger(__name__)

# Pause before following again once a stream ends (the swarm service was replaced or is gone).
REFOLLOW_SECONDS = 1.0


class LogShipper:
    """One follower per service; started when its swarm service exists, stopped with it."""

    def __init__(
        self,
        swarm: SwarmPort,
        streams: LogWriter,
        max_entries: int,
        deployment_of_task: Callable[[UUID, str], str],
    ) -> None:
        self._swarm = swarm
        self._streams = streams
        self._max_entries = max_entries
        self._deployment_of_task = deployment_of_task
        self._followers: dict[UUID, asyncio.Task[None]] = {}

    def follow(self, service_id: UUID, swarm_name: str) -> None:
        running = self._followers.get(service_id)
        if running is None or running.done():
            task = asyncio.create_task(self._follow_forever(service_id, swarm_name))
            self._followers[service_id] = task

    def stop(self, service_id: UUID) -> None:
        task = self._followers.pop(service_id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._followers.values())
        self._followers.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _follow_forever(self, service_id: UUID, swarm_name: str) -> None:
        since = time.time()
        while True:
            try:
                since = await self._ship(service_id, swarm_name, since)
            except Exception as exc:  # the service is being replaced or Docker restarts
                log.debug("log stream ended", service=str(service_id), error=repr(exc))
            await asyncio.sleep(REFOLLOW_SECONDS)

    async def _ship(self, service_id: UUID, swarm_name: str, since: float) -> float:
        """Ship lines until the stream ends; returns where to resume without repeating a line."""
        key = runtime_logs(service_id)
        async for entry in self._swarm.follow_service_logs(swarm_name, since=since):
            await self._write(key, service_id, entry)
            since = max(since, seconds_of(entry.ts) + 1e-6)
        return since

    async def _write(self, key: str, service_id: UUID, entry: LogEntry) -> None:
        line = RuntimeLine(
            ts=entry.ts,
            stream=entry.stream,
            line=entry.line,
            task_id=entry.task_id,
            deployment_id=self._deployment_of_task(service_id, entry.task_id),
        )
        await self._streams.append(key, line, self._max_entries)


def seconds_of(ts: str) -> float:
    """Docker's RFC 3339 time with nanoseconds, as unix seconds (to the microsecond)."""
    try:
        whole, _, fraction = ts.rstrip("Z").partition(".")
        moment = datetime.fromisoformat(whole).replace(tzinfo=UTC)
        return moment.timestamp() + float(f"0.{fraction[:6] or 0}")
    except ValueError:
        return time.time()
