"""Runtime logs: each service's container output, followed live into its capped log stream.

Every followed service is one coroutine reading one HTTP stream (no thread each); lines and
the marks saying they were shipped are written together (log_batches), so a follower that
restarts or a new leader resumes from the marks (log_marks) without a gap or a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from uuid import UUID

import structlog

from zaneops.adapters.redis.log_streams import MarkedShipment, RuntimeLine
from zaneops.adapters.redis.stream_keys import http_logs, runtime_log_marks, runtime_logs
from zaneops.common.cancellation import pause, raise_if_cancelled

from .log_batches import BatchedWrites
from .log_marks import Fresh, Replay, marks_from_tail
from .ports import LogFollowPort, LogWriter

log = structlog.get_logger(__name__)

# Pause before following again once a stream ends (the swarm service was replaced or is gone).
REFOLLOW_SECONDS = 1.0
MAX_REFOLLOW_SECONDS = 30.0  # following fails again and again (Docker down, service gone)
# Services whose marks are read at once (a new leader starts following all of them together).
MARK_READS = 8
TAIL_FOR_MARKS = 200
# How long a deleted service's last queued lines may take to be written before its logs go.
SETTLE_SECONDS = 5.0


class LogShipper:
    """One follower per service; started when its swarm service exists, stopped with it."""

    def __init__(
        self,
        follower: LogFollowPort,
        streams: LogWriter,
        max_entries: int,
        deployment_of_task: Callable[[UUID, str], str],
        is_leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self._follower = follower
        self._is_leader = is_leader
        self._streams = streams
        self._max_entries = max_entries
        self._deployment_of_task = deployment_of_task
        self._writes = BatchedWrites(streams.ship)
        self._mark_reads = asyncio.Semaphore(MARK_READS)
        self._followers: dict[UUID, asyncio.Task[None]] = {}
        self._stopping: dict[UUID, asyncio.Task[None]] = {}  # cancelled, not yet ended

    @property
    def following(self) -> int:
        return sum(not task.done() for task in self._followers.values())

    def follow(self, service_id: UUID, swarm_name: str) -> None:
        running = self._followers.get(service_id)
        if running is None or running.done():
            task = asyncio.create_task(self._follow_forever(service_id, swarm_name))
            self._followers[service_id] = task

    def stop(self, service_id: UUID) -> None:
        """Cancels the service's follower (kept until it has ended: see forget)."""
        task = self._followers.pop(service_id, None)
        if task is not None:
            task.cancel()
            self._stopping[service_id] = task
            task.add_done_callback(lambda _: self._stopping.pop(service_id, None))

    async def forget(self, service_id: UUID) -> None:
        """The service is deleted: its follower stops and what it logged goes too (its
        runtime lines, their marks, its HTTP access lines), once the follower has ended.
        Raises TimeoutError, deleting nothing, while a write to its stream is under way."""
        self.stop(service_id)
        stopping = self._stopping.get(service_id)
        if stopping is not None:
            await asyncio.gather(stopping, return_exceptions=True)
        await self._writes.forget(runtime_logs(service_id), SETTLE_SECONDS)
        keys = [runtime_logs(service_id), runtime_log_marks(service_id), http_logs(service_id)]
        await self._streams.delete(keys)

    async def close(self) -> None:
        tasks = [*self._followers.values(), *self._stopping.values()]
        self._followers.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._writes.close()

    async def _follow_forever(self, service_id: UUID, swarm_name: str) -> None:
        replay: Replay | None = None
        wait = REFOLLOW_SECONDS
        while self._is_leader():  # a deposed leader stops: the new one ships from the marks
            try:
                if replay is None:
                    replay = Replay(await self._durable_marks(service_id))
                    raise_if_cancelled()  # a read that swallowed the stop must not ship on
                await self._ship(service_id, swarm_name, replay)
                wait = REFOLLOW_SECONDS  # Docker ended a stream that worked
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Docker or Redis restarts, the service is gone
                log.debug("log stream ended", service=str(service_id), error=repr(exc))
                replay = None  # what reached Redis is known again from its marks
                wait = min(wait * 2, MAX_REFOLLOW_SECONDS)
            await pause(wait)

    async def _durable_marks(self, service_id: UUID) -> dict[str, str]:
        async with self._mark_reads:
            marks = await self._streams.marks(runtime_log_marks(service_id))
            if not marks:
                marks = marks_from_tail(
                    await self._streams.tail(runtime_logs(service_id), TAIL_FOR_MARKS)
                )
            return marks

    async def _ship(self, service_id: UUID, swarm_name: str, replay: Replay) -> None:
        """Ship lines until the stream ends (the marks move as each batch is written)."""
        replay.restart()
        since = replay.resume_since(time.time_ns())
        async with contextlib.aclosing(self._follower.follow(swarm_name, since)) as batches:
            async for entries in batches:
                raise_if_cancelled()
                if not self._is_leader():
                    return
                fresh = replay.fresh(entries)
                if fresh:
                    shipment = self._shipment(service_id, fresh, *replay.take_changes())
                    await self._writes.ship(shipment)

    def _shipment(
        self, service_id: UUID, fresh: list[Fresh], marks: dict[str, str], dropped: list[str]
    ) -> MarkedShipment:
        lines = [
            RuntimeLine(
                ts=item.entry.ts,
                stream=item.entry.stream,
                line=item.entry.line,
                task_id=item.entry.task_id,
                deployment_id=self._deployment_of_task(service_id, item.entry.task_id),
            )
            for item in fresh
        ]
        return MarkedShipment(
            key=runtime_logs(service_id),
            lines=lines,
            marks_key=runtime_log_marks(service_id),
            marks=marks,
            dropped=dropped,
            max_entries=self._max_entries,
        )
