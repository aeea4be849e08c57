"""The platform's Redis client gives asyncio's contract back: a cancelled command raises.

redis-py swallowed a cancellation landing inside a command in 121 of 300 tries on this
machine (the command returned as if nothing happened). These loops check nothing themselves:
only the client's own check can stop them.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from zaneops.adapters.redis.connection import RedisConnection
from zaneops.common.settings import InstallationSettings

TRIES = 150
STOP_WITHIN_SECONDS = 1.0
# Each loop ends by itself after this long, so a swallowed cancel fails the test, not hangs it.
LOOP_SECONDS = 3.0
ENOUGH_SWALLOWED = 3  # the verdict is clear: no need to sit through every try


@pytest.fixture
async def client() -> AsyncIterator[Redis]:
    connection = RedisConnection(InstallationSettings().redis_url)
    yield connection.client
    await connection.close()


async def cancels_swallowed(loop: Callable[[float], Awaitable[None]]) -> int:
    """How many cancels, each at a random moment, left the loop running past STOP_WITHIN."""
    swallowed = 0
    for _ in range(TRIES):
        deadline = time.monotonic() + LOOP_SECONDS
        task = asyncio.create_task(loop(deadline))
        await asyncio.sleep(random.uniform(0.0005, 0.01))
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_WITHIN_SECONDS)
        if not done:
            swallowed += 1
            await asyncio.gather(task, return_exceptions=True)  # it ends at its deadline
            if swallowed == ENOUGH_SWALLOWED:
                break
    return swallowed


async def test_a_transaction_loop_stops_at_every_cancel(client: Redis) -> None:
    """A loop of MULTI/EXEC pipelines with no check of its own stops when cancelled."""
    key = f"test-cancel-{uuid.uuid4().hex}"

    async def transactions_forever(deadline: float) -> None:
        while time.monotonic() < deadline:
            pipe = client.pipeline(transaction=True)
            pipe.xadd(key, {"line": "x"}, maxlen=100, approximate=True)
            pipe.get(key + ":none")
            await pipe.execute()

    swallowed = await cancels_swallowed(transactions_forever)
    assert await client.xlen(key) > 0, "the loop never wrote: the cancels came too early"
    await client.delete(key)
    assert swallowed == 0, f"{swallowed} cancels were swallowed"


async def test_a_command_loop_stops_at_every_cancel(client: Redis) -> None:
    """Single commands (XADD, then a short blocking XREAD) stop when cancelled too."""
    key = f"test-cancel-{uuid.uuid4().hex}"

    async def commands_forever(deadline: float) -> None:
        while time.monotonic() < deadline:
            entry = await client.xadd(key, {"line": "x"}, maxlen=100, approximate=True)
            await client.xread({key: entry}, block=1, count=10)

    swallowed = await cancels_swallowed(commands_forever)
    assert await client.xlen(key) > 0, "the loop never wrote: the cancels came too early"
    await client.delete(key)
    assert swallowed == 0, f"{swallowed} cancels were swallowed"
