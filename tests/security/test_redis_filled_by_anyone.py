"""Issue 15, item 7: nobody can fill Redis, and a flood of logs never logs anyone out.

The attacks: a 1 MB request URI to any routed domain was stored whole in the HTTP log; a
build printing megabytes without a newline was kept whole (and split in quadratic time);
log streams and sessions shared one Redis with no memory limit, so filling it with logs
stopped every login. Every logged field is capped, and logs live in a Redis of their own
that evicts them when full, while sessions and limits live in one that never evicts.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from controllers.builds.plan import LineSplitter
from launcher.platform.stack import LOGS_REDIS_LIMITS, REDIS_LIMITS
from tests.security.conftest import ProxyBed
from tests.support.proxy import free_port, routes_factory
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.redis.connection import RedisConnection
from zaneops.adapters.redis.log_streams import LogStreams, RuntimeLine
from zaneops.adapters.redis.sessions import Session, SessionStore
from zaneops.adapters.redis.stream_keys import http_logs, runtime_logs
from zaneops.specs.kinds import Kind

MIB = 1024 * 1024
TEST_LIMIT = ("--maxmemory", "4mb")  # the stack's policies, with a limit small enough to fill


def the_stacks_policy(limits: tuple[str, ...]) -> tuple[str, ...]:
    policy = limits[limits.index("--maxmemory-policy") + 1]
    return (*TEST_LIMIT, "--maxmemory-policy", policy)


@pytest.fixture
def redis_servers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two real redis-servers as the stack runs them: sessions (noeviction), logs (lru)."""
    started, urls = [], []
    for limits in (REDIS_LIMITS, LOGS_REDIS_LIMITS):
        port = free_port()
        started.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(tmp_path),
                    *the_stacks_policy(limits),
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        urls.append(f"redis://127.0.0.1:{port}/0")
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    try:
        yield urls[0], urls[1]
    finally:
        for process in started:
            process.terminate()
            process.wait(10)


async def test_a_flood_of_logs_is_evicted_and_every_session_survives(
    redis_servers: tuple[str, str],
) -> None:
    """20 MiB of log lines into a 4 MiB logs Redis: every write succeeds (old streams are
    evicted) and all 200 sessions made before the flood still open."""
    sessions_url, logs_url = redis_servers
    sessions_redis, logs_redis = RedisConnection(sessions_url), RedisConnection(logs_url)
    try:
        store = SessionStore(sessions_redis, "zane:test:", 3600)
        made = [
            await store.create(Session(uuid.uuid4().hex, uuid.uuid4(), "u", False, "c"))
            for _ in range(200)
        ]
        streams = LogStreams(logs_redis)
        line = RuntimeLine("2026-01-01T00:00:00Z", "stdout", "x" * 8000, "t", "d")
        for _ in range(20 * MIB // 8000):
            await streams.append(runtime_logs(uuid.uuid4()), line, max_entries=100)
        used = await logs_redis.client.info("memory")
        assert used["used_memory"] <= 6 * MIB
        for session in made:
            assert await store.get(session.id) is not None
    finally:
        await sessions_redis.close()
        await logs_redis.close()


def test_a_build_printing_megabytes_without_a_newline_is_kept_bounded_and_split_fast() -> None:
    """10 MiB with no newline, fed in 1 KiB pieces: one line of at most 8 KiB (plus the note
    of what was dropped), in well under a second. Before: kept whole, split in quadratic
    time (minutes)."""
    splitter, piece = LineSplitter(), "y" * 1024
    started = time.perf_counter()
    for _ in range(10 * 1024):
        assert splitter.feed(piece) == []
    [line] = splitter.feed("\n")
    assert time.perf_counter() - started < 2
    assert line.startswith("y" * 8192) and len(line) < 8192 + 64
    assert "not kept" in line


@pytest.fixture
async def logged_routes(proxy_bed: ProxyBed, database_url: str) -> AsyncIterator[None]:
    factory = routes_factory(proxy_bed.proxy, access_log=proxy_bed.proxy.access_log)
    async with running(factory, database_url, installation={"instance": proxy_bed.instance}):
        yield


async def test_a_huge_request_uri_is_logged_capped(
    proxy_bed: ProxyBed, logged_routes: None, store: PostgresStore
) -> None:
    """A 60 KiB URI (as long as a client library sends) to a routed domain: its HTTP log
    entry keeps at most 2 KiB of path."""
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "e"}, project.id)
    web = await store.create(Kind.SERVICES, {"slug": "web"}, env.id)
    target = {"service_id": str(web.id), "port": 80}  # no task runs: a logged 502
    await store.create(Kind.DOMAINS, {"domain": "logged.example.com", "target": target}, env.id)
    await eventually(lambda: _status_is(proxy_bed, "logged.example.com", "/", 502))
    answer = await proxy_bed.get("logged.example.com", "/" + "a" * 60 * 1024)
    assert answer.status_code == 502
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:

        async def long_entry() -> list[dict[bytes, bytes]]:
            entries = [f for _, f in await redis.xrange(http_logs(web.id))]
            return [f for f in entries if len(f[b"path"]) > 1000]

        await eventually(long_entry, message="the long request's entry")
        [entry] = await long_entry()
        assert len(entry[b"path"].decode()) <= 2048
    finally:
        await redis.delete(http_logs(web.id))
        await redis.aclose()


async def _status_is(bed: ProxyBed, host: str, path: str, status: int) -> bool:
    try:
        return (await bed.get(host, path)).status_code == status
    except Exception:
        return False
    finally:
        await asyncio.sleep(0)
