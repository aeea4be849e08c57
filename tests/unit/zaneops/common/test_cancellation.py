"""A loop stops when its task is cancelled even if a step swallowed the cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from zaneops.common.cancellation import pause, raise_if_cancelled

SWALLOWING = {"on": True}  # turned off to clean up a loop that would never stop


async def swallowing_step() -> None:
    """What redis-py sometimes does: the cancellation lands inside and never comes out."""
    try:
        await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        if SWALLOWING["on"]:
            return
        raise


async def cancel_mid_step(loop: Callable[[], Awaitable[None]]) -> bool:
    """Cancels the loop while it is inside a step; True if it stopped within a second."""
    task = asyncio.create_task(loop())
    await asyncio.sleep(0.02)  # inside the first step's sleep
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    SWALLOWING["on"] = False
    task.cancel()  # the control loop, which ran on
    await asyncio.gather(task, return_exceptions=True)
    SWALLOWING["on"] = True
    return task in done


async def test_a_loop_pausing_between_steps_stops_though_a_step_swallowed_its_cancellation() -> (
    None
):
    async def loop() -> None:
        while True:
            await swallowing_step()
            await pause(0.01)

    assert await cancel_mid_step(loop)


async def test_a_loop_with_a_plain_sleep_would_run_on_so_the_check_is_needed() -> None:
    async def loop() -> None:
        while True:
            await swallowing_step()
            await asyncio.sleep(0.01)

    assert not await cancel_mid_step(loop)


async def test_a_loop_without_a_pause_stops_at_its_next_check() -> None:
    steps = 0

    async def loop() -> None:
        nonlocal steps
        while True:
            raise_if_cancelled()
            steps += 1
            await swallowing_step()

    assert await cancel_mid_step(loop)
    assert steps == 1


async def test_a_task_never_cancelled_pauses_as_a_sleep() -> None:
    started = asyncio.get_running_loop().time()
    await pause(0.05)
    assert asyncio.get_running_loop().time() - started >= 0.05
