"""The platform's moving parts in one test process: the real proxy, and the services, routes
and networks controllers converging Swarm and it, as the e2e and security suites use them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.proxy import Proxy, remove_instance, routes_factory, start_proxy
from tests.support.runtime import running
from tests.support.swarm import services_controller
from zaneops.runtime.runner import Runner


@contextmanager
def proxy_of_its_own(prefix: str) -> Iterator[Proxy]:
    """The real Caddy proxy, with its own instance label so only its objects are removed."""
    instance = f"{prefix}-{uuid.uuid4().hex[:8]}"
    started = start_proxy(instance)
    try:
        yield started
    finally:
        remove_instance(instance, [started.shared_dir])


@dataclass(frozen=True)
class Converging:
    services: Runner
    routes: Runner  # its registry holds the HTTP metrics counted from the access log


@asynccontextmanager
async def converging(
    proxy: Proxy, database_url: str, secret_key: str, **routes_settings: Any
) -> AsyncIterator[Converging]:
    """The networks, services and routes controllers, in-process, for this proxy's instance
    (the routes controller with any other RoutesSettings given, e.g. its access log)."""
    shared = {"instance": proxy.instance}
    async with AsyncExitStack() as stack:
        services = await stack.enter_async_context(
            services_controller(
                proxy.instance, database_url, proxy.service.name, secret_key=secret_key
            )
        )
        routes = await stack.enter_async_context(
            # The production hold: a stop-first redeploy's gap is held, not answered 502.
            running(
                routes_factory(proxy, **{"upstream_hold_seconds": 10.0, **routes_settings}),
                database_url,
                installation=shared,
            )
        )
        yield Converging(services, routes)
