"""Driving the platform as a person does in the e2e tests: through the API, then requests
through the real proxy on loopback."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.proxy import Proxy
from tests.support.waiting import eventually

SWARM_TIMEOUT = 60.0


async def through_proxy(proxy: Proxy, host: str, path: str = "/") -> tuple[int, str]:
    async with httpx.AsyncClient(timeout=5) as client:
        try:
            answer = await client.get(
                f"http://127.0.0.1:{proxy.http_port}{path}", headers={"Host": host}
            )
        except httpx.TransportError:
            return 0, ""
        return answer.status_code, answer.text


async def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def phase(client: httpx.AsyncClient, deployment_id: str) -> str | None:
    body = (await client.get(f"/deployments/{deployment_id}")).json()
    return body.get("phase")  # type: ignore[no-any-return]


async def wait_for_phase(
    client: httpx.AsyncClient, deployment_id: str, wanted: str, timeout: float = SWARM_TIMEOUT
) -> dict[str, Any]:
    """The deployment once in `wanted`; fails at once if it ends in another phase."""

    async def reached() -> bool:
        found = await phase(client, deployment_id)
        if found in ("HEALTHY", "FAILED", "CANCELLED") and found != wanted:
            body = (await client.get(f"/deployments/{deployment_id}")).json()
            raise AssertionError(f"deployment {found}, not {wanted}: {body['status']}")
        return found == wanted

    await eventually(reached, timeout=timeout, every=0.2, message=f"deployment {wanted}")
    body: dict[str, Any] = (await client.get(f"/deployments/{deployment_id}")).json()
    return body


async def wait_healthy(
    client: httpx.AsyncClient, deployment_id: str, timeout: float = SWARM_TIMEOUT
) -> None:
    await wait_for_phase(client, deployment_id, "HEALTHY", timeout)


async def serves(proxy: Proxy, host: str, text: str) -> None:
    async def answered() -> bool:
        status, body = await through_proxy(proxy, host)
        return status == 200 and text in body

    await eventually(answered, timeout=SWARM_TIMEOUT, every=0.2, message=f"{host} serves {text}")


@dataclass
class Load:
    """Requests back to back through the proxy until stopped: what a visitor would see."""

    proxy: Proxy
    host: str
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0
    _task: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def total(self) -> int:
        return self.statuses.total()

    async def __aenter__(self) -> Load:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        url = f"http://127.0.0.1:{self.proxy.http_port}/"
        async with httpx.AsyncClient(timeout=10) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    answer = await client.get(url, headers={"Host": self.host})
                    status = answer.status_code
                except httpx.TransportError:
                    status = 0
                self.slowest = max(self.slowest, time.monotonic() - started)
                self.statuses[status] += 1
