"""Log writers into a real Redis stop when asked, at whatever moment the stop lands.

redis-py swallowed a cancellation arriving inside a transaction in about 4 of 10 tries on
this machine, and a controller's stop then hung (its access-log forwarder, the runtime-log
writers). Each round here cancels mid-write at a random moment.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest

from controllers.services.log_batches import MAX_BATCH, BatchedWrites
from zaneops.adapters.redis.connection import RedisConnection
from zaneops.adapters.redis.log_streams import LogStreams, MarkedShipment, RuntimeLine
from zaneops.common.settings import InstallationSettings

ROUNDS = 30
SHIPPERS = MAX_BATCH + 100  # full batches back to back: the writers are mostly inside Redis
STOP_WITHIN_SECONDS = 2.0


@pytest.fixture
async def streams() -> AsyncIterator[LogStreams]:
    connection = RedisConnection(InstallationSettings().redis_url)
    yield LogStreams(connection)
    await connection.close()


def shipment(key: str, n: int) -> MarkedShipment:
    line = RuntimeLine(
        ts="2026-01-01T00:00:00Z", stream="stdout", line=f"line {n}", task_id="t", deployment_id="d"
    )
    return MarkedShipment(
        key=key,
        lines=[line] * 5,
        marks_key=key + ":marks",
        marks={"t/stdout": f"{n}:1"},
        dropped=[],
        max_entries=100,
    )


async def test_batched_log_writes_stop_when_closed_in_the_middle_of_a_redis_transaction(
    streams: LogStreams,
) -> None:
    key = f"test-stop-{uuid.uuid4().hex}"
    stuck = 0
    for _ in range(ROUNDS):
        writes = BatchedWrites(streams.ship, writers=2)

        async def ship_forever(writes: BatchedWrites = writes) -> None:
            n = 0
            while True:
                n += 1
                try:
                    await writes.ship(shipment(key, n))
                except asyncio.CancelledError:
                    raise
                except Exception:  # the writer was closed under it
                    return

        shippers = [asyncio.create_task(ship_forever()) for _ in range(SHIPPERS)]
        await asyncio.sleep(random.uniform(0.05, 0.25))
        try:
            await asyncio.wait_for(writes.close(), STOP_WITHIN_SECONDS)
        except TimeoutError:
            stuck += 1
        for shipper in shippers:
            shipper.cancel()
        await asyncio.gather(*shippers, return_exceptions=True)
    written = await streams.tail(key, 1)
    await streams.delete([key, key + ":marks"])
    assert written, "nothing reached Redis: the rounds did not write at all"
    assert stuck == 0, f"{stuck} of {ROUNDS} closes hung"
