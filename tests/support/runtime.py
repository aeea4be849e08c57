"""Runs a controller in the test's event loop, against the real Postgres of the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.support.waiting import eventually
from zaneops.process import build_runner
from zaneops.runtime.controller import Controller
from zaneops.runtime.runner import STOP_GRACE_SECONDS, Runner
from zaneops.settings import ControllerSettings

FAST = {
    "lease_ttl_seconds": 2.0,
    "lease_retry_seconds": 0.2,
    "backoff_base_seconds": 0.1,
    "backoff_max_seconds": 5.0,
    "resync_seconds": 3600.0,  # tests prove recovery without the periodic backstop
}


@asynccontextmanager
async def running(
    controller: Controller, database_url: str, *, leader: bool = True, **overrides: Any
) -> AsyncIterator[Runner]:
    """The controller's runner, once it listens and (unless leader=False: a second replica
    that must wait its turn) holds the lease."""
    settings = ControllerSettings(database_url=database_url, **{**FAST, **overrides})
    runner, store = await build_runner(controller, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await eventually(
            lambda: runner.listening and (runner.elector.is_leader() or not leader),
            message="leader" if leader else "listening",
        )
        yield runner
    finally:
        stop.set()
        # Longer than the runner's own grace, so a slow reconcile shows in its log, not as ours.
        await asyncio.wait_for(task, STOP_GRACE_SECONDS + 15)
        await store.close()
