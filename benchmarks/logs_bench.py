"""Runtime logs of N services, one line a second each, shipped to Redis by the log shipper.

python -m benchmarks.logs_bench [N] [SECONDS]      (default 200 services, 60 s)

Creates N busybox swarm services (one replica each, `zane.bench=logs`), runs the services
controller's LogShipper in its own process following all of them for SECONDS, then prints:
lines shipped per second against lines written, the lag from Docker's timestamp to the line
in Redis (p50/p99/max), the shipper's CPU (share of one core), RSS and threads, and
dockerd's CPU over the same window (the raw cost of serving the streams, for the ratio).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
from redis.asyncio import Redis

from controllers.services.logs import LogShipper
from tests.support import swarm as sw
from zaneops.adapters.docker.log_follow import LogFollower
from zaneops.adapters.docker.log_lines import unix_seconds
from zaneops.adapters.redis.connection import RedisConnection
from zaneops.adapters.redis.log_streams import LogStreams
from zaneops.adapters.redis.stream_keys import runtime_logs

REDIS_URL = "redis://127.0.0.1:6379/0"
LABEL = "zane.bench"
# A line a second with no process started per line (sleep would fork a thousand times a
# second at 1 000 services): read waits on a pipe nobody writes to.
TICK = "mkfifo /tmp/p; exec 3<>/tmp/p; while true; do echo tick; read -t 1 -u 3 _; done"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def dockerd_pid() -> int:
    return int(subprocess.check_output(["pidof", "dockerd"]).split()[0])


def create_services(count: int) -> list[str]:
    api = docker.from_env(timeout=120).api
    names = [f"logbench-{uuid.uuid4().hex[:8]}-{n}" for n in range(count)]

    def create(name: str) -> None:
        task = docker.types.TaskTemplate(
            container_spec=docker.types.ContainerSpec(sw.BUSYBOX, ["sh", "-c", TICK]),
            resources=docker.types.Resources(mem_limit=16 * 1024 * 1024),
        )
        api.create_service(task, name=name, labels={LABEL: "logs"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, names))
    return names


def running_count(api: Any) -> int:
    tasks = api.tasks(filters={"label": f"{LABEL}=logs", "desired-state": "running"})
    return sum(task["Status"]["State"] == "running" for task in tasks)


def remove_services() -> None:
    api = docker.from_env(timeout=120).api
    with ThreadPoolExecutor(8) as pool:
        found = api.services(filters={"label": f"{LABEL}=logs"})
        list(pool.map(lambda service: api.remove_service(service["ID"]), found))


# --- the shipper's own process -------------------------------------------------------------


async def ship(names: list[str], seconds: float) -> dict[str, Any]:
    connection = RedisConnection(REDIS_URL)
    follower = LogFollower()
    shipper = LogShipper(follower, LogStreams(connection), 10_000, lambda _s, _t: "")
    for number, name in enumerate(names):
        shipper.follow(uuid.UUID(int=number + 1), name)
    await asyncio.sleep(seconds)
    following = shipper.following
    threads = threading.active_count()  # while following; /proc's count includes the loop's
    await shipper.close()
    await follower.aclose()
    await connection.close()
    return {"following": following, "threads": threads}


def shipper_main(seconds: float) -> None:
    names = json.loads(sys.stdin.read())
    started = time.process_time()
    result = asyncio.run(ship(names, seconds))
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines())
    result |= {
        "cpu_seconds": time.process_time() - started,
        "rss_mib": int(fields["VmHWM"].split()[0]) // 1024,
    }
    print(json.dumps(result))


# --- measuring -------------------------------------------------------------------------------


async def lags(count: int, window: tuple[float, float]) -> tuple[int, int, list[float]]:
    """All lines shipped, those whose Docker time is in the window, and each one's lag (ms)."""
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    everything, shipped, lag_ms = 0, 0, []
    try:
        for number in range(count):
            key = runtime_logs(uuid.UUID(int=number + 1))
            for entry_id, fields in await redis.xrange(key):
                everything += 1
                written = unix_seconds(fields["ts"]) or 0.0
                if window[0] <= written < window[1]:
                    shipped += 1
                    lag_ms.append(int(entry_id.split("-")[0]) - written * 1000)
            await redis.delete(key, key + ":marks")
    finally:
        await redis.aclose()
    return everything, shipped, lag_ms


def measure(count: int, seconds: float) -> None:
    remove_services()
    print(f"creating {count} services …", flush=True)
    created = time.monotonic()
    names = create_services(count)
    api = docker.from_env(timeout=120).api
    while running_count(api) < count:
        time.sleep(2)
    print(f"{count} running after {time.monotonic() - created:.0f} s", flush=True)
    dockerd = dockerd_pid()
    dockerd_before, started = cpu_seconds(dockerd), time.time()
    shipper = subprocess.run(
        [sys.executable, "-m", "benchmarks.logs_bench", "--ship", str(seconds)],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    )
    ended = time.time()
    dockerd_cpu = cpu_seconds(dockerd) - dockerd_before
    report = json.loads(shipper.stdout.strip().splitlines()[-1])
    # Lines written in the second half of the run: the first is the replay of the past.
    window = (started + seconds / 2, ended - 5)
    everything, shipped, lag_ms = asyncio.run(lags(count, window))
    remove_services()
    expected = count * (window[1] - window[0])  # one line a second each
    elapsed = ended - started
    quantiles = statistics.quantiles(lag_ms, n=100) if len(lag_ms) > 1 else [0.0] * 99
    print(f"services followed: {report['following']} of {count}")
    span = window[1] - window[0]
    print(f"lines/s shipped: {shipped / span:.0f} of {expected / span:.0f} written")
    print(f"all lines shipped (the replay of the past included): {everything / elapsed:.0f}/s")
    print(f"lag ms: p50 {quantiles[49]:.0f}  p99 {quantiles[98]:.0f}  max {max(lag_ms or [0]):.0f}")
    shipper_share = report["cpu_seconds"] / elapsed
    dockerd_share = dockerd_cpu / elapsed
    print(
        f"shipper: {shipper_share:.1%} of a core, {report['rss_mib']} MiB RSS, "
        f"{report['threads']} Python threads while following"
    )
    print(
        f"dockerd serving the streams: {dockerd_share:.1%} of a core; "
        f"shipper/dockerd CPU ratio {shipper_share / max(dockerd_share, 1e-9):.2f}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--ship"]:
        shipper_main(float(sys.argv[2]))
    else:
        measure(
            int(sys.argv[1]) if len(sys.argv) > 1 else 200,
            float(sys.argv[2]) if len(sys.argv) > 2 else 60,
        )
