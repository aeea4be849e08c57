"""Log writes of every followed service, gathered into few Redis transactions.

A thousand services printing a line a second would be a thousand round trips a second one
by one; the writers each take what queued up within GATHER_SECONDS and write it at once.
A shipper waits for its own shipment, so it knows its marks are durable before going on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from zaneops.adapters.redis.log_streams import MarkedShipment
from zaneops.common.cancellation import raise_if_cancelled

log = structlog.get_logger(__name__)

GATHER_SECONDS = 0.05
MAX_BATCH = 500  # shipments per transaction
MAX_QUEUED = 5_000  # a full queue makes shippers wait (back-pressure on Docker's streams)
WRITERS = 2

Ship = Callable[[list[MarkedShipment]], Awaitable[None]]
_Queued = tuple[MarkedShipment, asyncio.Future[None]]


class BatchedWrites:
    def __init__(self, ship: Ship, writers: int = WRITERS) -> None:
        self._ship = ship
        self._queue: asyncio.Queue[_Queued] = asyncio.Queue(MAX_QUEUED)
        self._writers = writers
        self._tasks: list[asyncio.Task[None]] = []
        self._unwritten: dict[str, set[asyncio.Future[None]]] = {}
        self._forgotten: set[str] = set()  # streams deleted: nothing more is written to them

    async def ship(self, shipment: MarkedShipment) -> None:
        """Returns once the shipment is written; raises what the write raised."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._write_forever()) for _ in range(self._writers)]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._track(shipment.key, done)
        try:
            await self._queue.put((shipment, done))
        except asyncio.CancelledError:
            done.set_result(None)  # never queued: nothing of it will be written
            raise
        await asyncio.shield(done)  # a cancelled shipper's shipment is still written

    async def forget(self, key: str, timeout: float) -> None:
        """Before the stream `key` is deleted: what is still queued for it is dropped, and
        this waits for a write of it already under way, so no late write brings it back.
        Raises TimeoutError if that write has not ended within `timeout` (delete later)."""
        self._forgotten.add(key)
        unwritten = self._unwritten.get(key)
        if unwritten:
            _, pending = await asyncio.wait(set(unwritten), timeout=timeout)
            if pending:
                raise TimeoutError(f"a write to {key} has not ended in {timeout} s")

    def _track(self, key: str, done: asyncio.Future[None]) -> None:
        unwritten = self._unwritten.setdefault(key, set())
        unwritten.add(done)

        def written(future: asyncio.Future[None]) -> None:
            unwritten.discard(future)
            if not unwritten:
                self._unwritten.pop(key, None)
            if not future.cancelled():
                future.exception()  # retrieved: a shipper that left does not hear of it

        done.add_done_callback(written)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _write_forever(self) -> None:
        while True:
            raise_if_cancelled()  # a write that swallowed the stop must not wait on the queue
            batch = self._unforgotten(await self._gather())
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[_Queued]) -> None:
        """One transaction; each shipper hears how it went (it retries from its marks)."""
        try:
            await self._ship([shipment for shipment, _ in batch])
        except Exception as exc:
            log.warning("log write failed", shipments=len(batch), error=repr(exc))
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
        else:
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _unforgotten(self, batch: list[_Queued]) -> list[_Queued]:
        """The batch without shipments to deleted streams (those are done, unwritten)."""
        kept = []
        for shipment, done in batch:
            if shipment.key in self._forgotten:
                done.set_result(None)
            else:
                kept.append((shipment, done))
        return kept

    async def _gather(self) -> list[_Queued]:
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + GATHER_SECONDS
        while len(batch) < MAX_BATCH:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), left))
            except TimeoutError:
                break
        return batch
