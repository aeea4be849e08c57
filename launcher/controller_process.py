"""One controller process: the shared dependencies opened once, the controller built from its
entry, and the runtime wired to Postgres (store, LISTEN feed, lease)."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog

from controllers import registry
from controllers.entry import ControllerEntry
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.postgres.feed import PostgresChangeFeed
from zaneops.adapters.postgres.lease import PostgresLease
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Controller
from zaneops.runtime.health import serve_health
from zaneops.runtime.runner import Runner
from zaneops.runtime.settings import RuntimeSettings

log = structlog.get_logger(__name__)


def find_entry(reference: str) -> ControllerEntry:
    """A registered controller's name (only its own package is imported), or `module:ENTRY`
    for one registered elsewhere."""
    registered = registry.entry_named(reference)
    if registered is not None:
        return registered
    module_name, _, attribute = reference.partition(":")
    if not attribute:
        known = ", ".join(registry.NAMES)
        raise ValueError(f"unknown controller {reference!r}; known: {known}")
    found = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(found, ControllerEntry):
        raise TypeError(f"{reference} is not a ControllerEntry")
    return found


def reference(entry: ControllerEntry) -> str:
    """How `zaneops controller run` finds an entry (find_entry's inverse): its name if it is
    registered, else the module that builds it, which exports it as ENTRY as every controller
    package does."""
    if registry.entry_named(entry.name) is entry:
        return entry.name
    module = entry.build.__module__
    if getattr(sys.modules.get(module), "ENTRY", None) is not entry:
        raise ValueError(f"controller {entry.name!r}: {module} does not export it as ENTRY")
    return f"{module}:ENTRY"


def holder_name(settings: RuntimeSettings) -> str:
    return settings.holder_id or f"{socket.gethostname()}:{os.getpid()}"


def health_check(runner: Runner) -> tuple[bool, dict[str, Any]]:
    loop_alive = time.monotonic() - runner.heartbeat < 10
    details = {
        "controller": runner.controller.name,
        "leader": runner.elector.is_leader(),
        "listening": runner.listening,
        "queue_depth": runner.queue.depth,
    }
    return loop_alive and runner.listening, details


def build_runner(
    controller: Controller,
    deps: Dependencies,
    runtime: RuntimeSettings,
) -> Runner:
    """The runtime over the process's shared pool: store, a LISTEN feed of its own, lease."""
    channels = {controller.kind.channel, *(watch.channel for watch in controller.watches)}
    feed = PostgresChangeFeed(
        deps.installation.database_url, sorted(channels), runtime.listen_reconnect_max_seconds
    )
    lease = PostgresLease(deps.pool, f"controller:{controller.name}", holder_name(runtime))
    return Runner(controller, deps.store, feed, lease, runtime)


@asynccontextmanager
async def dependencies_for(
    installation: InstallationSettings, runtime: RuntimeSettings
) -> AsyncIterator[Dependencies]:
    """One pool for the workers, the lease and the controller's own loops (drift checks, access
    logs, build jobs): room for each, so a lease renewal never waits behind them."""
    async with Dependencies.opened(installation, pool_size=runtime.workers + 6) as deps:
        yield deps


async def run_controller(
    entry: ControllerEntry, installation: InstallationSettings, runtime: RuntimeSettings
) -> None:
    async with dependencies_for(installation, runtime) as deps:
        runner = build_runner(entry.build(deps), deps, runtime)
        structlog.contextvars.bind_contextvars(controller=entry.name)
        if runtime.health_port:
            serve_health(
                runtime.health_host,
                runtime.health_port,
                lambda: health_check(runner),
                runner.metrics.registry,
            )
        await runner.run(stop_on_signals())


def stop_on_signals() -> asyncio.Event:
    """SIGTERM/SIGINT: finish the reconciles under way, give up the lease, exit."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
