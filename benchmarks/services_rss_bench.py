"""RSS of the services controller, as its own process, managing N services (default 1 000).

python -m benchmarks.services_rss_bench [N]

The services have 0 replicas: the point is the controller's memory per managed swarm service,
not running 1 000 containers on a 2-core machine. Prints VmRSS/VmHWM after all are HEALTHY.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from controllers.services.settings import ServicesSettings
from tests.support import database
from tests.support import swarm as sw
from tests.support.processes import start_controller, stop
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import new_key


def memory_of(pid: int) -> dict[str, int]:
    fields = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in fields:
            values[name] = int(rest.split()[0]) // 1024
    return values


async def healthy_count(store: PostgresStore, ids: list[object]) -> int:
    async with store.pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT count(*) FROM deployments WHERE status->'details'->>'phase' = 'HEALTHY'"
        )
        row = await cursor.fetchone()
    return int(row["count"] if isinstance(row, dict) else row[0])  # type: ignore[index]


async def create_services(store: PostgresStore, count: int) -> list[object]:
    environment = await sw.make_environment(store)
    deployments = []
    for number in range(count):
        spec = sw.web_spec(slug=f"s{number}", replicas=0)
        service = await sw.make_service(store, environment.id, spec)
        deployments.append((await sw.deploy(store, service.id, spec)).id)
    return deployments


async def measure(count: int) -> None:
    template = database.create_template()
    name = database.clone(template)
    url = database.url_for(name)
    store = await PostgresStore.open(url)
    instance = sw.new_instance()
    env = {ServicesSettings.env_name(k): str(v) for k, v in sw.FAST_ROLLOUT.items()}
    env |= {"ZANE_INSTANCE": instance, "ZANE_SECRET_KEY": new_key(), "ZANE_LOG_LEVEL": "warning"}
    process = start_controller("services", url, "bench", **env)
    try:
        started = time.perf_counter()
        ids = await create_services(store, count)
        while await healthy_count(store, ids) < count:
            if time.perf_counter() - started > 900:
                raise SystemExit("timed out before all were HEALTHY")
            await asyncio.sleep(2)
        took = time.perf_counter() - started
        await asyncio.sleep(5)
        memory = memory_of(process.pid)
        print(f"{count} services managed, all HEALTHY after {took:.1f} s")
        print(
            "controller process memory (MiB): " + ", ".join(f"{k} {v}" for k, v in memory.items())
        )
    finally:
        stop(process)
        await store.close()
        sw.remove_everything(instance)
        database.drop(name)
        database.drop(template)


def main() -> None:
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))


if __name__ == "__main__":
    main()
