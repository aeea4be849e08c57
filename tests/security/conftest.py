"""The attack suite: one test per attack, each with the attack in its docstring, run against
the real components (Postgres, Redis, the API served by uvicorn, Swarm, Caddy)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.api import RunningApi, api_settings, log_in, serving
from tests.support.proxy import Proxy, remove_instance, start_proxy, start_upstream

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.security)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[RunningApi]:
    async with serving(api_settings(database_url)) as running:
        yield running


@pytest.fixture
async def admin(api: RunningApi) -> AsyncIterator[httpx.AsyncClient]:
    client = await log_in(api)
    yield client
    await client.aclose()


@dataclass(frozen=True)
class ProxyBed:
    """A real Caddy with three upstream services on its edge network: the stand-in for the
    dashboard, a victim's app, and an attacker's app (each answers its name, and
    `<name>-sub` at /sub/page.txt)."""

    proxy: Proxy
    dashboard: uuid.UUID
    victim: uuid.UUID
    attacker: uuid.UUID

    @property
    def instance(self) -> str:
        return self.proxy.instance

    async def get(self, host: str, path: str = "/") -> httpx.Response:
        async with httpx.AsyncClient(timeout=5) as client:
            url = f"http://127.0.0.1:{self.proxy.http_port}{path}"
            return await client.get(url, headers={"Host": host})


@pytest.fixture(scope="session")
def proxy_bed() -> Iterator[ProxyBed]:
    instance = f"sec-{uuid.uuid4().hex[:8]}"
    proxy = start_proxy(instance)
    bed = ProxyBed(proxy, uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    for service_id, page in (
        (bed.dashboard, "dashboard"),
        (bed.victim, "victim"),
        (bed.attacker, "attacker"),
    ):
        start_upstream(instance, service_id, page)
    try:
        yield bed
    finally:
        remove_instance(instance, [proxy.shared_dir])
