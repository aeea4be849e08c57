"""The work queue's contract, in isolation: it is pure asyncio."""

from __future__ import annotations

import asyncio

from zaneops.runtime.backoff import Backoff
from zaneops.runtime.queue import WorkQueue


async def test_repeated_adds_of_a_waiting_key_collapse_into_one() -> None:
    """Adding a key already waiting changes nothing: it is handed out once."""
    queue: WorkQueue[str] = WorkQueue()
    for _ in range(100):
        queue.add("a")
    queue.add("b")
    assert queue.depth == 2
    assert [await queue.get(), await queue.get()] == ["a", "b"]


async def test_a_key_is_not_handed_out_again_while_it_runs() -> None:
    """A key added while running waits for done(), then comes back exactly once."""
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    key = await queue.get()
    queue.add("a")
    queue.add("a")
    assert queue.depth == 0
    queue.done(key)
    assert queue.depth == 1 and await queue.get() == "a"
    queue.done("a")
    assert queue.depth == 0


async def test_a_key_that_did_not_change_while_running_is_not_rerun() -> None:
    """done() without an add in between leaves the queue empty."""
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.done(await queue.get())
    assert queue.depth == 0 and queue.running == 0


async def test_add_after_delays_a_key_and_the_earliest_timer_wins() -> None:
    """add_after(0.3) then add_after(0.05): the key arrives after ~0.05 s, once."""
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 0.3)
    queue.add_after("a", 0.05)
    queue.add_after("a", 0.2)
    assert queue.depth == 0
    assert await asyncio.wait_for(queue.get(), 0.15) == "a"
    queue.done("a")
    await asyncio.sleep(0.35)
    assert queue.depth == 0


async def test_cancelled_timers_never_fire() -> None:
    """cancel_timers() on shutdown drops every delayed add."""
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 0.05)
    queue.cancel_timers()
    await asyncio.sleep(0.1)
    assert queue.depth == 0


def test_backoff_doubles_per_failure_up_to_the_cap_and_resets_on_success() -> None:
    """0.5, 1, 2, 4 … capped; a success starts over at 0.5; keys are independent."""
    backoff = Backoff(base_seconds=0.5, max_seconds=3.0)
    assert [backoff.failed("a") for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.failed("b") == 0.5
    backoff.succeeded("a")
    assert backoff.failures("a") == 0 and backoff.failed("a") == 0.5
