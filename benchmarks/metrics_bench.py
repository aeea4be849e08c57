"""Metrics ingestion: what sampling N containers costs, against raw `docker stats --no-stream`
of the same containers, in one run; and what the exporter and Prometheus use while idle.

python -m benchmarks.metrics_bench [CONTAINERS] [ROUNDS]      (default 100 containers, 5 rounds)

Starts CONTAINERS busybox containers labelled as one instance's services (plain containers:
the exporter reads the Engine's stats the same way for swarm tasks), then alternates ROUNDS
times: the exporter's sample of all of them (one-shot stats, 8 at a time), and raw
`docker stats --no-stream` of the same containers. Prints seconds per sample, the CPU of this
process and of dockerd per sample, and what one sample every 15 s costs as a share of a core.
Then Prometheus (the platform's image) scraping the exporter every 15 s for 60 s: its RSS.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import docker
import httpx

from tests.support.metrics_bed import free_port, prometheus
from zaneops.adapters.docker.container_stats import ContainerStats

IMAGE = "zaneops/busybox:latest"
SCRAPE_SECONDS = 15


def dockerd_cpu_seconds() -> float:
    pid = subprocess.run(
        ["pidof", "dockerd"], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def own_rss_mib(url: str) -> float:
    """Prometheus's resident memory, as it reports it on its own /metrics."""
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith("process_resident_memory_bytes "):
            return float(line.split()[1]) / (1024 * 1024)
    raise AssertionError("Prometheus reports no resident memory")


def timed(action: object) -> tuple[float, float, float]:
    """(wall, this process's CPU, dockerd's CPU) seconds of one call."""
    wall, cpu, engine = time.perf_counter(), time.process_time(), dockerd_cpu_seconds()
    action()  # type: ignore[operator]
    return (
        time.perf_counter() - wall,
        time.process_time() - cpu,
        dockerd_cpu_seconds() - engine,
    )


def main(count: int, rounds: int) -> None:
    client = docker.from_env()
    instance = f"mbench-{uuid.uuid4().hex[:6]}"
    started = [
        client.containers.run(
            IMAGE,
            ["sleep", "3600"],
            detach=True,
            labels={"zane.instance": instance, "zane.owner": f"services/{uuid.uuid4()}"},
        )
        for _ in range(count)
    ]
    ids = [c.id for c in started]
    stats = ContainerStats(instance)
    try:
        ours, raw = [], []
        for _ in range(rounds):
            ours.append(timed(lambda: len(stats.sample()) == count or sys.exit("short sample")))
            raw.append(
                timed(
                    lambda: subprocess.run(
                        ["docker", "stats", "--no-stream", *ids], capture_output=True, check=True
                    )
                )
            )
        report(count, ours, raw)
        idle_memory(instance)
    finally:
        for container in started:
            container.remove(force=True)


def report(
    count: int, ours: list[tuple[float, float, float]], raw: list[tuple[float, float, float]]
) -> None:
    def median(rows: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(row[i] for row in rows)

    print(f"{count} containers, median of {len(ours)} rounds each:")
    for name, rows in (("exporter sample", ours), ("raw docker stats", raw)):
        wall, cpu, engine = median(rows, 0), median(rows, 1), median(rows, 2)
        share = (cpu + engine) / SCRAPE_SECONDS * 100
        print(
            f"  {name:17} {wall:6.2f} s  client CPU {cpu:5.2f} s  dockerd CPU {engine:5.2f} s"
            f"  -> every {SCRAPE_SECONDS} s: {share:5.1f} % of a core"
        )
    print(f"  ratio wall {median(ours, 0) / median(raw, 0):.2f}")


def idle_memory(instance: str) -> None:
    """The exporter as the stack runs it (its own process), and Prometheus scraping it."""
    port = free_port()
    env = {
        **os.environ,
        "ZANE_INSTANCE": instance,
        "ZANE_EXPORTER_HOST": "127.0.0.1",
        "ZANE_EXPORTER_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher.cli", "metrics-exporter"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        with prometheus([f"127.0.0.1:{port}"], scrape_seconds=SCRAPE_SECONDS) as url:
            time.sleep(60)
            rss = own_rss_mib(url)
            print(f"Prometheus RSS after 60 s of scrapes every {SCRAPE_SECONDS} s: {rss:.1f} MiB")
            status = Path(f"/proc/{process.pid}/status").read_text()
            vm = next(line for line in status.splitlines() if line.startswith("VmRSS"))
            print(f"exporter process (zaneops metrics-exporter) {vm.split(':')[1].strip()}")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    main(*(arguments + [100, 5][len(arguments) :]))
