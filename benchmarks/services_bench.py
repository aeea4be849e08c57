"""Services controller against raw `docker service create`, on the real swarm; prints numbers.

python -m benchmarks.services_bench [N]   (N services at once; default 20)
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
import uuid

from tests.support import database
from tests.support import swarm as sw
from zaneops.adapters.postgres.store import PostgresStore


def raw_create(instance: str, count: int) -> float:
    """Seconds until `count` plain swarm services of the same image all run."""
    api = sw.client().api
    started = time.perf_counter()
    for _ in range(count):
        sw.client().services.create(
            sw.BUSYBOX,
            sw.WEB_COMMAND,
            name=f"{instance}-raw-{uuid.uuid4().hex[:8]}",
            labels={"zane.instance": instance},
            endpoint_spec={"Mode": "dnsrr"},
            container_labels={"zane.instance": instance},
        )
    while len(api.containers(filters={"label": f"zane.instance={instance}"})) < count:
        time.sleep(0.05)
    return time.perf_counter() - started


async def controlled(store: PostgresStore, count: int) -> float:
    """Seconds from committing `count` deployments to all of them HEALTHY."""
    environment = await sw.make_environment(store)
    services = [
        await sw.make_service(store, environment.id, sw.web_spec(slug=f"s{i}"))
        for i in range(count)
    ]
    started = time.perf_counter()
    deployments = [
        await sw.deploy(store, s.id, sw.web_spec(slug=f"s{i}")) for i, s in enumerate(services)
    ]
    for deployment in deployments:
        await sw.wait_for_phase(store, deployment.id, "HEALTHY", timeout=300)
    return time.perf_counter() - started


async def compare(count: int) -> tuple[float, float]:
    template = database.create_template()
    name = database.clone(template)
    store = await PostgresStore.open(database.url_for(name))
    instance, raw_instance = sw.new_instance(), sw.new_instance()
    try:
        raw = await asyncio.to_thread(raw_create, raw_instance, count)
        async with sw.services_controller(instance, database.url_for(name)):
            ours = await controlled(store, count)
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
        raw, ours = asyncio.run(compare(n))
        print(
            f"{n:4d} service(s): raw {raw:6.2f}s  controller {ours:6.2f}s  ratio {ours / raw:4.2f}"
        )
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS of this process (controller + harness), after {count} services: "
        f"{rss_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
