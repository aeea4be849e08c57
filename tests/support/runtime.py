"""Runs a controller in the test's event loop, against the real Postgres and Redis of the test,
wired the way `zaneops controller run` wires it (launcher.controller_process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from launcher.controller_process import build_runner, dependencies_for
from tests.support.waiting import eventually
from zaneops.adapters.dependencies import Dependencies
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Controller
from zaneops.runtime.runner import STOP_GRACE_SECONDS, Runner
from zaneops.runtime.settings import RuntimeSettings

FAST = {
    "lease_ttl_seconds": 2.0,
    "lease_retry_seconds": 0.2,
    "backoff_base_seconds": 0.1,
    "backoff_max_seconds": 5.0,
    "resync_seconds": 3600.0,  # tests prove recovery without the periodic backstop
}

Buildable = Controller | Callable[[Dependencies], Controller]


@asynccontextmanager
async def running(
    controller: Buildable,
    database_url: str,
    *,
    leader: bool = True,
    installation: dict[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[Runner]:
    """The controller's runner (built from the process's dependencies when given a factory,
    like a controller entry's build), once it listens and (unless leader=False: a second
    replica that must wait its turn) holds the lease."""
    shared = InstallationSettings(**{"database_url": database_url, **(installation or {})})
    runtime = RuntimeSettings(**{**FAST, **overrides})
    async with dependencies_for(shared, runtime) as deps:
        built = controller if isinstance(controller, Controller) else controller(deps)
        runner = build_runner(built, deps, runtime)
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
            # Longer than the runner's grace, so a slow reconcile shows in its log, not as ours.
            await asyncio.wait_for(task, STOP_GRACE_SECONDS + 15)


def split(values: dict[str, Any], own: type[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(installation-wide, the controller's own) settings out of one set of test overrides."""
    shared = {k: v for k, v in values.items() if k in InstallationSettings.model_fields}
    rest = {k: v for k, v in values.items() if k not in shared}
    unknown = set(rest) - set(own.model_fields)
    assert not unknown, f"no such setting: {sorted(unknown)}"
    return shared, rest
