"""Services controller against raw `docker service create`, on the real swarm; prints numbers.

python -m benchmarks.services_bench [N]   (N services at once; default 20)

Each size is measured without and with a health check (the same command check both ways,
busybox's wget against its own httpd): raw is timed to every task Running (Swarm reports a
checked task Running once healthy), ours to every deployment HEALTHY. Both sides start on an
overlay network that exists already.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
import uuid
from typing import Any

import docker

from tests.support import database
from tests.support import swarm as sw
from tests.support.waiting import wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind

CHECK = ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
# A check answers within a second when the machine is idle; 100 containers each exec'ing
# one every second on 2 cores take longer, and a timeout would fail a healthy service (raw
# Swarm replaces such a task quietly, ours reports the deployment FAILED): room for both.
# (a spec's timeout may not pass its interval, so both grow together)
CHECK_SECONDS = 3
OURS_CHECK = {
    "type": "command",
    "command": CHECK,
    "interval": f"{CHECK_SECONDS}s",
    "timeout": f"{CHECK_SECONDS}s",
    "start_period": "1s",
    "retries": 3,
}


def raw_create(instance: str, count: int, checked: bool) -> float:
    """Seconds until `count` plain swarm services of the same image all have a task Running,
    on an overlay network made beforehand (as the controller's are, with their environment)."""
    api = sw.client().api
    network = sw.client().networks.create(
        f"{instance}-raw-net", driver="overlay", attachable=True, labels={"zane.instance": instance}
    )
    healthcheck = docker.types.Healthcheck(
        test=["CMD", *CHECK],
        interval=CHECK_SECONDS * 10**9,
        timeout=CHECK_SECONDS * 10**9,
        retries=3,
        start_period=10**9,
    )
    started = time.perf_counter()
    for _ in range(count):
        sw.client().services.create(
            sw.BUSYBOX,
            sw.WEB_COMMAND,
            name=f"{instance}-raw-{uuid.uuid4().hex[:8]}",
            labels={"zane.instance": instance},
            endpoint_spec={"Mode": "dnsrr"},
            networks=[network.id],
            container_labels={"zane.instance": instance},
            healthcheck=healthcheck if checked else None,
        )
    services = [s["ID"] for s in api.services(filters={"label": f"zane.instance={instance}"})]
    while _running(api, services) < count:
        time.sleep(0.05)
    return time.perf_counter() - started


def _running(api: Any, services: list[str]) -> int:
    tasks = api.tasks(filters={"service": services, "desired-state": "running"})
    return len({t["ServiceID"] for t in tasks if t["Status"]["State"] == "running"})


async def controlled(store: PostgresStore, count: int, checked: bool) -> float:
    """Seconds from committing `count` deployments to all of them HEALTHY (the environment,
    and so its network, made beforehand)."""
    environment = await sw.make_environment(store)
    await wait_for_row(
        store,
        Kind.ENVIRONMENTS,
        environment.id,
        lambda row: bool(row.status.details.get("network")),
        what="the environment's network",
        timeout=60,
    )
    extra = {"healthcheck": OURS_CHECK} if checked else {}
    specs = [sw.web_spec(slug=f"s{i}", **extra) for i in range(count)]
    services = [await sw.make_service(store, environment.id, spec) for spec in specs]
    started = time.perf_counter()
    deployments = [
        await sw.deploy(store, s.id, spec) for s, spec in zip(services, specs, strict=True)
    ]
    for deployment in deployments:
        await sw.wait_for_phase(store, deployment.id, "HEALTHY", timeout=300)
    return time.perf_counter() - started


async def compare(count: int, checked: bool) -> tuple[float, float]:
    template = database.create_template()
    name = database.clone(template)
    store = await PostgresStore.open(database.url_for(name))
    instance, raw_instance = sw.new_instance(), sw.new_instance()
    try:
        raw = await asyncio.to_thread(raw_create, raw_instance, count, checked)
        async with sw.services_controller(instance, database.url_for(name)):
            ours = await controlled(store, count, checked)
        return raw, ours
    finally:
        await store.close()
        sw.remove_everything(instance)
        sw.remove_everything(raw_instance)
        database.drop(name)
        database.drop(template)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for n in (1, count):
        for checked in (False, True):
            raw, ours = asyncio.run(compare(n, checked))
            check = "health check" if checked else "no check    "
            print(
                f"{n:4d} service(s), {check}: raw {raw:6.2f}s  controller {ours:6.2f}s  "
                f"ratio {ours / raw:4.2f}"
            )
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS of this process (controller + harness), after {count} services: "
        f"{rss_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
