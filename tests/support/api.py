"""The HTTP API served for real (uvicorn on a loopback port) against a test's database."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from redis.asyncio import Redis

from api.app import create_app
from api.bootstrap import ensure_first_admin
from api.settings import ApiSettings
from tests.support.runtime import split
from zaneops.common.secrets import new_key
from zaneops.common.settings import InstallationSettings

ADMIN_PASSWORD = "correct horse battery staple"
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class ApiConfig:
    """What `zaneops api` reads: the installation's settings and the API's own."""

    settings: ApiSettings
    installation: InstallationSettings


def api_settings(database_url: str, **overrides: object) -> ApiConfig:
    """Settings of one test: its own database and Redis prefix, plain-HTTP cookies."""
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "redis_prefix": f"zane:test:{uuid.uuid4().hex[:10]}:",
        "cookie_secure": False,
        "secret_key": new_key(),
        "admin_password": ADMIN_PASSWORD,
        "sse_block_ms": 200,
        "db_pool_size": 4,
    }
    values.update(overrides)
    shared, own = split(values, ApiSettings)
    return ApiConfig(ApiSettings(**own), InstallationSettings(**shared))


@dataclass
class RunningApi:
    config: ApiConfig
    base_url: str

    @property
    def settings(self) -> ApiSettings:
        return self.config.settings

    @property
    def installation(self) -> InstallationSettings:
        return self.config.installation

    def client(self, **kwargs: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url + "/api/v1", timeout=10, **kwargs)  # type: ignore[arg-type]


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def forget_redis_keys(prefix: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=prefix + "*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@asynccontextmanager
async def serving(api: ApiConfig) -> AsyncIterator[RunningApi]:
    await ensure_first_admin(api.installation, api.settings)
    sock = _loopback_socket()
    config = uvicorn.Config(
        create_app(api.settings, api.installation),
        log_level="warning",
        lifespan="on",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        host, port = sock.getsockname()
        yield RunningApi(api, f"http://{host}:{port}")
    finally:
        server.should_exit = True
        await task
        sock.close()
        await forget_redis_keys(api.settings.redis_prefix)


async def log_in(api: RunningApi, password: str = ADMIN_PASSWORD) -> httpx.AsyncClient:
    """A client with the admin's session cookie and CSRF header, as the dashboard has them."""
    client = api.client()
    answer = await client.post(
        "/auth/login", json={"username": api.settings.admin_username, "password": password}
    )
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


@contextmanager
def serving_in_thread(api: ApiConfig) -> Iterator[RunningApi]:
    """The API on its own thread and event loop, for blocking clients (schemathesis, benchmarks)."""
    asyncio.run(ensure_first_admin(api.installation, api.settings))
    sock = _loopback_socket()
    config = uvicorn.Config(
        create_app(api.settings, api.installation),
        log_level="warning",
        lifespan="on",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
            time.sleep(0.01)
        host, port = sock.getsockname()
        yield RunningApi(api, f"http://{host}:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        asyncio.run(forget_redis_keys(api.settings.redis_prefix))


def bearer_token(api: RunningApi) -> str:
    """Log in with a blocking client and make an API token, as the CLI would."""
    with httpx.Client(base_url=api.base_url + "/api/v1", timeout=10) as client:
        login = client.post(
            "/auth/login",
            json={"username": api.settings.admin_username, "password": ADMIN_PASSWORD},
        )
        login.raise_for_status()
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        made = client.post("/auth/tokens", json={"name": "test"}, headers=csrf)
        made.raise_for_status()
        token: str = made.json()["token"]
        return token
