"""Loops that stop when their task is cancelled, whatever the libraries they call did with it.

redis-py can swallow a cancellation that lands inside a command (a known class of bugs around
its timeouts): the command returns as if nothing happened and a loop calling it goes on
forever, so a stopping controller hangs. Python counts the requests a task has not honoured
(`Task.cancelling`), so a loop checks that count between steps.
"""

from __future__ import annotations

import asyncio


def raise_if_cancelled() -> None:
    """Raises CancelledError if this task was asked to stop and something swallowed it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def pause(seconds: float) -> None:
    """A loop's sleep between steps: raises at once if a cancellation was swallowed."""
    raise_if_cancelled()
    await asyncio.sleep(seconds)
