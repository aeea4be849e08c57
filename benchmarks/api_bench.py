"""Benchmark of the HTTP API's list and get endpoints on a realistically filled database.

Fills a throw-away Postgres database (dropped at the end, also on failure) with 1 000 services
(10 environments of 100) and 10 000 deployments (10 per service, with controller-written
status), starts `zaneops api` as its own process, and times sequential requests over one
keep-alive connection, authenticated with an API token as the CLI would be.

Run from the repository root:  .venv/bin/python -m benchmarks.api_bench
It prints p50/p99 per endpoint; nothing asserts. Goal: p99 <= 50 ms.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from zaneops.adapters.postgres.migrate import upgrade_to_head
from zaneops.specs import ServiceSpec

SERVER_URL = "postgresql://zane:zane@127.0.0.1:5432"  # local only, on purpose
MAINTENANCE_DB = "zane"
PASSWORD = "bench-password-1"
ENVIRONMENTS, SERVICES_PER_ENVIRONMENT, DEPLOYMENTS_PER_SERVICE = 10, 100, 10
SAMPLES = 400
WARMUP = 50
GOAL_MS = 50.0

SERVICE_SPEC = ServiceSpec.model_validate(
    {
        "slug": "placeholder",
        "source": {"type": "image", "image": "nginx:1.27"},
        "env": [{"name": f"VAR_{n}", "value": f"value {n}"} for n in range(10)],
        "replicas": 2,
        "healthcheck": {"type": "http", "port": 80, "path": "/health"},
        "resources": {"cpu_limit": "500m", "memory_limit": "256Mi"},
    }
).model_dump(mode="json")
STATUS = {
    "observed_generation": 1,
    "conditions": [
        {
            "type": "Ready",
            "status": "True",
            "reason": "TasksRunning",
            "message": "2/2 running",
            "last_transition_time": "2024-01-01T00:00:00Z",
        }
    ],
    "details": {"phase": "HEALTHY"},
}


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"zane_apibench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER_URL}/{MAINTENANCE_DB}", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{SERVER_URL}/{name}"
    finally:
        with psycopg.connect(f"{SERVER_URL}/{MAINTENANCE_DB}", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def fill(database_url: str) -> None:
    """One project, its environments, services and deployments, in a few set-based INSERTs."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO projects (spec) VALUES (%s)",
            (Jsonb({"slug": "bench", "name": "Bench", "description": ""}),),
        )
        conn.execute(
            "INSERT INTO environments (project_id, spec) SELECT p.id,"
            " jsonb_build_object('slug', 'env-' || n, 'variables', '{}'::jsonb)"
            " FROM projects p, generate_series(1, %s) n",
            (ENVIRONMENTS,),
        )
        conn.execute(
            "INSERT INTO services (environment_id, spec, status) SELECT e.id,"
            " jsonb_set(%s::jsonb, '{slug}', to_jsonb('web-' || n)), %s"
            " FROM environments e, generate_series(1, %s) n",
            (Jsonb(SERVICE_SPEC), Jsonb(STATUS), SERVICES_PER_ENVIRONMENT),
        )
        conn.execute(
            "INSERT INTO deployments (service_id, spec, status, created_at) SELECT s.id,"
            " jsonb_build_object('service_spec', s.spec, 'image', 'nginx:1.27',"
            " 'trigger', 'deploy', 'rollback_of', NULL, 'commit_sha', NULL,"
            " 'cancel_requested', false), %s, now() - make_interval(mins => n)"
            " FROM services s, generate_series(1, %s) n",
            (Jsonb(STATUS), DEPLOYMENTS_PER_SERVICE),
        )
        conn.execute("ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def api_process(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "ZANE_DATABASE_URL": database_url,
        "ZANE_API_ADMIN_PASSWORD": PASSWORD,
        "ZANE_API_COOKIE_SECURE": "false",
        "ZANE_API_REDIS_PREFIX": f"zane:bench:{uuid.uuid4().hex[:8]}:",
    }
    command = [sys.executable, "-m", "launcher.cli", "api", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        wait_until_up(base, process)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"zaneops api exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/health").status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("zaneops api did not answer within 30 s")


def api_token(base: str) -> str:
    with httpx.Client(base_url=base) as client:
        login = client.post("/auth/login", json={"username": "admin", "password": PASSWORD})
        login.raise_for_status()
        made = client.post(
            "/auth/tokens",
            json={"name": "bench"},
            headers={"X-CSRF-Token": login.json()["csrf_token"]},
        )
        made.raise_for_status()
        token: str = made.json()["token"]
        return token


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(client: httpx.Client, path_of: Callable[[], str]) -> list[float]:
    samples = []
    for n in range(WARMUP + SAMPLES):
        path = path_of()
        start = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
        if n >= WARMUP:
            samples.append(elapsed)
    return samples


def endpoints(client: httpx.Client) -> dict[str, Callable[[], str]]:
    project = client.get("/projects").json()["items"][0]["id"]
    environments = [
        e["id"]
        for e in client.get(f"/projects/{project}/environments", params={"limit": 50}).json()[
            "items"
        ]
    ]
    services = [
        s["id"]
        for e in environments
        for s in client.get(f"/environments/{e}/services", params={"limit": 200}).json()["items"]
    ]
    deployments = [
        d["id"]
        for s in random.sample(services, 50)
        for d in client.get(f"/services/{s}/deployments").json()["items"]
    ]
    print(
        f"database: {len(environments)} environments, {len(services)} services, "
        f"{len(services) * DEPLOYMENTS_PER_SERVICE} deployments"
    )
    return {
        "GET /projects": lambda: "/projects",
        "GET /environments/{id}/services (50)": lambda: (
            f"/environments/{random.choice(environments)}/services"
        ),
        "GET /services/{id}": lambda: f"/services/{random.choice(services)}",
        "GET /services/{id}/deployments (10)": lambda: (
            f"/services/{random.choice(services)}/deployments"
        ),
        "GET /deployments/{id}": lambda: f"/deployments/{random.choice(deployments)}",
        "GET /services/{id}/changes": lambda: f"/services/{random.choice(services)}/changes",
        "GET /search?q=web-4": lambda: "/search?q=web-4",
    }


def main() -> None:
    with throwaway_database() as database_url:
        upgrade_to_head(database_url)
        started = time.perf_counter()
        fill(database_url)
        print(f"filled in {time.perf_counter() - started:.1f} s")
        with api_process(database_url) as (base, _):
            headers = {"Authorization": f"Bearer {api_token(base)}"}
            with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
                run(client)


def run(client: httpx.Client) -> None:
    print(f"{SAMPLES} sequential requests each (after {WARMUP} warm-up), one connection")
    header = f"{'endpoint (items per page)':40} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
    print(f"{header}  goal p99<={GOAL_MS:g}")
    for name, path_of in endpoints(client).items():
        samples = timed(client, path_of)
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        verdict = "ok" if p99 <= GOAL_MS else "MISSED"
        print(f"{name:40} {p50:8.1f} {p99:8.1f} {statistics.fmean(samples):8.1f}  {verdict}")


if __name__ == "__main__":
    main()
