"""`zaneops up` times and the idle footprint of every platform service, on the real Swarm.

python -m benchmarks.platform_bench [--cold] [--services N]

An isolated installation (its own instance, ports, folders) is brought up, timed, re-run
(warm, nothing to do), then measured idle with `docker stats` (RSS and CPU of each platform
service, summed over its replicas) with 0 users' services and with N (default 100) deployed
through the API (busybox httpd, one replica each). Everything it made is removed at the end.
--cold first removes the platform's own images (content-tagged, unused ones only) so the
first up builds them all. Anchors: Dokploy idles at 464-633 MiB; Coolify asks for 2 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import docker
import httpx

from tests.e2e.test_zaneops_up import (
    Installation,
    created,
    log_in,
    remove_installation,
    web,
    zaneops,
)
from tests.support.ports import free_port
from tests.support.swarm import new_instance

MIB = 1024 * 1024
# The metrics pipeline: the store and the exporters (on one node, one of each).
METRICS_PARTS = frozenset({"metrics", "exporter", "node-exporter"})


def remove_unused_platform_images() -> None:
    client = docker.from_env(timeout=120)
    for image in client.images.list(filters={"label": "zane.context-hash"}):
        for tag in image.tags:
            if image.labels.get("zane.context-hash") != tag:
                continue  # not one of `zaneops up`'s content-tagged images
            with contextlib.suppress(docker.errors.APIError):  # in use elsewhere: leave it
                client.images.remove(tag)


def timed_up(options: list[str]) -> tuple[float, str]:
    started = time.monotonic()
    output = zaneops("up", *options).stdout
    return time.monotonic() - started, output


def footprint(instance: str, seconds: float = 10.0) -> dict[str, tuple[float, float]]:
    """component -> (RSS MiB, CPU %), averaged over a few `docker stats` samples."""
    client = docker.from_env(timeout=60)
    containers = client.containers.list(
        filters={"label": f"com.docker.stack.namespace={instance}"}, ignore_removed=True
    )
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    samples = max(1, int(seconds / 2))
    for _ in range(samples):
        for container in containers:
            stats = container.stats(stream=False)
            service = container.labels["com.docker.swarm.service.name"].split("_", 1)[1]
            memory = stats["memory_stats"]
            rss = memory.get("stats", {}).get("rss", memory.get("usage", 0))
            totals[service][0] += rss / MIB / samples
            totals[service][1] += cpu_percent(stats) / samples
    return {name: (rss, cpu) for name, (rss, cpu) in sorted(totals.items())}


def cpu_percent(stats: dict[str, object]) -> float:
    now, before = stats["cpu_stats"], stats["precpu_stats"]
    assert isinstance(now, dict) and isinstance(before, dict)
    cpu = now["cpu_usage"]["total_usage"] - before["cpu_usage"]["total_usage"]
    system = now.get("system_cpu_usage", 0) - before.get("system_cpu_usage", 0)
    cores = now.get("online_cpus", 1)
    return 100.0 * cpu / system * cores if system > 0 else 0.0


def print_footprint(title: str, usage: dict[str, tuple[float, float]]) -> None:
    print(f"\n{title}")
    for name, (rss, cpu) in usage.items():
        print(f"  {name:<22} {rss:7.1f} MiB  {cpu:5.1f} % CPU")
    total_rss = sum(rss for rss, _ in usage.values())
    total_cpu = sum(cpu for _, cpu in usage.values())
    metrics = [usage[name] for name in usage if name in METRICS_PARTS]
    metrics_rss, metrics_cpu = sum(r for r, _ in metrics), sum(c for _, c in metrics)
    print(f"  {'metrics (store, exporters)':<22} {metrics_rss:7.1f} MiB  {metrics_cpu:5.1f} % CPU")
    rest_rss, rest_cpu = total_rss - metrics_rss, total_cpu - metrics_cpu
    print(f"  {'without metrics':<22} {rest_rss:7.1f} MiB  {rest_cpu:5.1f} % CPU")
    print(f"  {'TOTAL':<22} {total_rss:7.1f} MiB  {total_cpu:5.1f} % CPU")
    print(f"  vs Dokploy idle 464-633 MiB: {total_rss / 464:.2f}x-{total_rss / 633:.2f}x; ")
    print(f"  vs Coolify's 2 GB requirement: {total_rss / 2048:.2f}x")


def deploy_many(installation: Installation, count: int) -> float:
    client = log_in(installation)
    project = created(client.post("/projects", json={"slug": "bench", "name": "Bench"}))
    environment = created(
        client.post(f"/projects/{project['id']}/environments", json={"slug": "production"})
    )
    started = time.monotonic()
    deployments = []
    for index in range(count):
        spec = web(f"hello {index}") | {"slug": f"web-{index}"}
        service = created(client.post(f"/environments/{environment['id']}/services", json=spec))
        deployments.append(created(client.post(f"/services/{service['id']}/deploy"))["id"])
    wait_all_healthy(client, deployments)
    client.close()
    return time.monotonic() - started


def wait_all_healthy(client: httpx.Client, deployments: list[str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(deployments)
    while waiting:
        assert time.monotonic() < deadline, f"{len(waiting)} deployments not healthy"
        waiting = [
            d for d in waiting if client.get(f"/deployments/{d}").json()["phase"] != "HEALTHY"
        ]
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--services", type=int, default=100)
    args = parser.parse_args()
    instance = new_instance()
    folder = Path(tempfile.mkdtemp(prefix=f"zaneops-bench-{instance}-"))
    http_port, dashboard_port = free_port(), free_port()
    options = [
        f"--instance={instance}",
        f"--http-port={http_port}",
        f"--https-port={free_port()}",
        f"--dashboard-port={dashboard_port}",
        f"--run-dir={folder / 'run'}",
        f"--data-dir={folder / 'data'}",
        "--images=local",
        "--no-https",
    ]
    try:
        if args.cold:
            remove_unused_platform_images()
        first, output = timed_up(options)
        again, _ = timed_up([*options, "--skip-host"])
        print(f"zaneops up, first ({'cold' if args.cold else 'warm'} images): {first:.1f} s")
        print(f"zaneops up, again (nothing changed): {again:.1f} s")
        password = re.search(r"admin: admin / (\S+)", output)
        assert password, output
        installation = Installation(
            instance, options, http_port, dashboard_port, password.group(1), first
        )
        time.sleep(20)  # let start-up work (migrations, relists) finish before measuring idle
        print_footprint("idle, 0 users' services", footprint(instance))
        took = deploy_many(installation, args.services)
        print(f"\n{args.services} services deployed and HEALTHY in {took:.0f} s")
        time.sleep(30)
        print_footprint(f"idle, {args.services} users' services", footprint(instance))
    finally:
        remove_installation(instance, folder)


if __name__ == "__main__":
    main()
