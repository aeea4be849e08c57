"""Benchmark of the routes controller on the real proxy: domain commit → first 200.

For 10, 1 000 and 10 000 configured routes, in one run:
  - controller: INSERT one more domain row (commit) → first 200 through the proxy for its host
    (LISTEN/NOTIFY, reconcile, read rows, plan, load, Caddy reload);
  - raw: the same whole config plus one route, POSTed straight to Caddy's /load → first 200.
Both poll the proxy the same way (every 2 ms, from a visitor process of its own). The
controller runs in this process (the shared runtime, as in tests), against a throw-away
database dropped at the end.

Run from the repository root (after tests/infra/up.sh):  .venv/bin/python -m benchmarks.routes_bench
Samples are few at 10 000 routes (each load takes a while); the counts are printed.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from multiprocessing.connection import Connection
from typing import Any

import httpx
import psycopg
from psycopg import sql

from controllers.routes import RoutesController
from tests.support.proxy import (
    Proxy,
    remove_instance,
    routes_factory,
    start_proxy,
    start_upstream,
)
from tests.support.runtime import running
from zaneops.adapters.caddy.admin import CaddyAdmin
from zaneops.adapters.postgres.migrate import upgrade_to_head

SERVER_URL = "postgresql://zane:zane@127.0.0.1:5432"
SIZES = (10, 1_000, 10_000)
SAMPLES = {10: 20, 1_000: 10, 10_000: 5}
POLL_SECONDS = 0.002
FIRST_200_TIMEOUT = 30.0
INSTANCE = f"bench-{uuid.uuid4().hex[:6]}"
APP = uuid.uuid4()


def log(message: str) -> None:
    print(f"[routes-bench] {message}", flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    name = f"zane_bench_routes_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER_URL}/zane", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        upgrade_to_head(f"{SERVER_URL}/{name}")
        yield f"{SERVER_URL}/{name}"
    finally:
        with psycopg.connect(f"{SERVER_URL}/zane", autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            conn.execute(drop)


def seed(database_url: str, count: int) -> uuid.UUID:
    with psycopg.connect(database_url, autocommit=True) as conn:
        project = conn.execute(
            'INSERT INTO projects (spec) VALUES (\'{"slug": "b"}\') RETURNING id'
        ).fetchone()
        assert project is not None
        env = conn.execute(
            "INSERT INTO environments (project_id, spec) VALUES (%s, %s) RETURNING id",
            (project[0], json.dumps({"slug": "e"})),
        ).fetchone()
        assert env is not None
        conn.execute(
            "INSERT INTO domains (environment_id, spec) SELECT %s, jsonb_build_object("
            "'domain', 'd' || g || '.bench.example.com', 'base_path', '/',"
            "'target', jsonb_build_object('service_id', %s::text, 'port', 80))"
            " FROM generate_series(1, %s) g",
            (env[0], str(APP), count),
        )
        return uuid.UUID(str(env[0]))


def insert_domain(database_url: str, env: uuid.UUID, host: str) -> float:
    """Commit one domain; returns the time just after the commit."""
    spec = {"domain": host, "target": {"service_id": str(APP), "port": 80}}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO domains (environment_id, spec) VALUES (%s, %s)",
            (env, json.dumps(spec)),
        )
        return time.perf_counter()


def poll_for_200(client: Visitor, url: str, host: str, since: float) -> float:
    while time.perf_counter() - since < FIRST_200_TIMEOUT:
        try:
            if client.get(url, headers={"Host": host}).status_code == 200:
                return time.perf_counter() - since
        except httpx.TransportError:
            pass
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{host} not served within {FIRST_200_TIMEOUT} s")


def visit(conn: Connection) -> None:
    """A visitor in a process of its own (not sharing the controller's interpreter): polls
    each (url, host, since) it is sent until 200 and answers the seconds since `since`
    (perf_counter is the same monotonic clock in every process)."""
    with httpx.Client(timeout=5) as client:
        while (asked := conn.recv()) is not None:
            url, host, since = asked
            conn.send(poll_for_200(client, url, host, since))


class Visitor:
    def __init__(self) -> None:
        self._conn, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=visit, args=(theirs,))
        self._process.start()

    async def first_200(self, proxy: Proxy, host: str, since: float) -> float:
        self._conn.send((f"http://127.0.0.1:{proxy.http_port}/", host, since))
        took: float = await asyncio.to_thread(self._conn.recv)
        return took

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(timeout=10)


async def converged(
    routes: RoutesController, runner: Any, count: int, started: float | None = None
) -> tuple[float, float]:
    """Seconds (from `started`, else now) until Caddy serves `count` routes (the load
    answered), and until every row's status says so too (nothing left queued)."""
    started = time.perf_counter() if started is None else started
    served = None
    while True:
        applied = routes.applier.applied
        if served is None and applied and len(applied.routes) >= count:
            served = time.perf_counter() - started
        if served is not None and runner.queue.depth == 0 and not runner.busy:
            return served, time.perf_counter() - started
        await asyncio.sleep(0.01)


async def controller_samples(
    proxy: Proxy, database_url: str, env: uuid.UUID, size: int, client: Visitor
) -> tuple[list[float], tuple[float, float], int]:
    factory = routes_factory(proxy)
    shared = {"instance": INSTANCE}
    started = time.perf_counter()  # the controller's start, as after a restart
    async with running(factory, database_url, workers=4, installation=shared) as runner:
        routes = runner.controller
        assert isinstance(routes, RoutesController)
        took = await converged(routes, runner, size, started)
        assert routes.admin is not None
        loads_before = routes.admin.loads
        samples = []
        for number in range(SAMPLES[size]):
            host = f"c{number}.new.example.com"
            since = insert_domain(database_url, env, host)
            samples.append(await client.first_200(proxy, host, since))
            await converged(routes, runner, size + number + 1)  # statuses written: quiet again
        return samples, took, routes.admin.loads - loads_before


def with_route(config: dict[str, Any], host: str) -> dict[str, Any]:
    """The same whole config plus one route, placed as the controller would (before the 404)."""
    server = config["apps"]["http"]["servers"][f"zane-{INSTANCE}-http"]
    route = {
        "@id": f"raw-{host}",
        "match": [{"host": [host]}],
        "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": f"srv-{APP.hex}:80"}]}],
        "terminal": True,
    }
    server["routes"].insert(0, route)
    return config


async def raw_samples(proxy: Proxy, size: int, client: Visitor) -> list[float]:
    admin = CaddyAdmin(proxy.admin_socket, timeout=60)
    try:
        base = await admin.read_config()
        samples = []
        for number in range(SAMPLES[size]):
            host = f"raw{number}.new.example.com"
            body = json.dumps(with_route(json.loads(base), host)).encode()
            since = time.perf_counter()
            await admin.load(body)
            samples.append(await client.first_200(proxy, host, since))
        return samples
    finally:
        await admin.close()


async def measure(proxy: Proxy, size: int, client: Visitor) -> dict[str, Any]:
    async with throwaway_database() as database_url:
        env = seed(database_url, size)
        ours, converge_s, loads = await controller_samples(proxy, database_url, env, size, client)
        raw = await raw_samples(proxy, size, client)
    return {"size": size, "ours": ours, "raw": raw, "converge_s": converge_s, "loads": loads}


def report(result: dict[str, Any]) -> None:
    ours, raw = result["ours"], result["raw"]
    p50, p99 = percentile(ours, 50), percentile(ours, 99)
    r50, r99 = percentile(raw, 50), percentile(raw, 99)
    log(
        f"{result['size']:>6} routes | n={len(ours):>2} | controller p50 {p50 * 1000:7.1f} ms"
        f" p99 {p99 * 1000:7.1f} ms | raw load p50 {r50 * 1000:7.1f} ms p99 {r99 * 1000:7.1f} ms"
        f" | ratio p50 {p50 / r50:4.2f} p99 {p99 / r99:4.2f}"
        f" | {result['loads']} loads for {len(ours)} commits"
    )
    served, settled = result["converge_s"]
    log(
        f"{result['size']:>6} routes | first convergence: served in {served:.2f} s"
        f" ({served / r50:.2f}x one raw load), every status written in {settled:.2f} s"
    )


async def main() -> None:
    proxy = start_proxy(INSTANCE)
    try:
        start_upstream(INSTANCE, APP, "bench")
        client = Visitor()
        try:
            for size in SIZES:
                log(f"measuring with {size} routes ...")
                report(await measure(proxy, size, client))
        finally:
            client.close()
    finally:
        remove_instance(INSTANCE, [proxy.shared_dir])


if __name__ == "__main__":
    asyncio.run(main())
