"""Assembles one controller process from the runtime and the Postgres adapter."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import time
from typing import Any

import structlog

from controllers import REGISTRY
from zaneops.adapters.postgres.feed import PostgresChangeFeed
from zaneops.adapters.postgres.lease import PostgresLease
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.runtime.controller import Controller
from zaneops.runtime.health import serve_health
from zaneops.runtime.runner import Runner
from zaneops.settings import ControllerSettings

log = structlog.get_logger(__name__)


def load_controller(reference: str) -> Controller:
    """`module:Class` (or a registered name) → an instance of that controller."""
    module_name, _, attribute = REGISTRY.get(reference, reference).partition(":")
    if not attribute:
        raise ValueError(
            f"unknown controller {reference!r}; known: {', '.join(REGISTRY) or 'none'}"
        )
    factory = getattr(importlib.import_module(module_name), attribute)
    controller = factory()
    if not isinstance(controller, Controller):
        raise TypeError(f"{reference} is not a Controller")
    return controller


def holder_name(settings: ControllerSettings) -> str:
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


async def build_runner(
    controller: Controller, settings: ControllerSettings
) -> tuple[Runner, PostgresStore]:
    """The runtime wired to Postgres: store, LISTEN feed and lease. Close the store after."""
    store = await PostgresStore.open(settings.database_url)
    channels = {controller.kind.channel, *(watch.channel for watch in controller.watches)}
    feed = PostgresChangeFeed(
        settings.database_url, sorted(channels), settings.listen_reconnect_max_seconds
    )
    lease = PostgresLease(store.pool, f"controller:{controller.name}", holder_name(settings))
    return Runner(controller, store, feed, lease, settings), store


async def run_controller(controller: Controller, settings: ControllerSettings) -> None:
    runner, store = await build_runner(controller, settings)
    structlog.contextvars.bind_contextvars(controller=controller.name)
    if settings.health_port:
        serve_health(
            settings.health_host,
            settings.health_port,
            lambda: health_check(runner),
            runner.metrics.registry,
        )
    try:
        await runner.run(stop_on_signals())
    finally:
        await store.close()


def stop_on_signals() -> asyncio.Event:
    """SIGTERM/SIGINT: finish the reconciles under way, give up the lease, exit."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
