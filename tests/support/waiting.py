"""Polling with a deadline: tests wait for convergence, never sleep a fixed time and hope."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    timeout: float = 10.0,
    every: float = 0.05,
    message: str = "condition",
) -> float:
    """Wait until condition() is true; returns the seconds it took, fails after timeout."""
    started = time.monotonic()
    while True:
        value = condition()
        if not isinstance(value, bool):
            value = await value
        if value:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{message} not met within {timeout} s")
        await asyncio.sleep(every)
