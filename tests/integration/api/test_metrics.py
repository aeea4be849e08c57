"""The charts' endpoints through the real API: without a metrics store, said off (no error), a
bad window refused at its field, an unknown service 404; with the real exporter and the
platform's Prometheus image, a service of two replicas charted summed and per replica."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.api.helpers import IMAGE_SERVICE, body, service
from tests.support.api import api_settings, log_in, serving
from tests.support.metrics_bed import exporter, prometheus
from tests.support.swarm import BUSYBOX, cleaned_up, client, new_instance
from tests.support.waiting import eventually


async def test_without_a_metrics_store_the_charts_are_said_to_be_off(
    admin: httpx.AsyncClient,
) -> None:
    web = await service(admin)
    off = body(await admin.get(f"/services/{web['id']}/metrics"), 200)
    assert (off["enabled"], off["charts"], off["window"]) == (False, [], "1h")
    refused = body(await admin.get(f"/services/{web['id']}/metrics?window=2y"), 422)
    assert [e["field"] for e in refused["errors"]] == ["window"]
    assert (await admin.get(f"/services/{uuid.uuid4()}/metrics")).status_code == 404


async def test_without_a_metrics_store_servers_and_heaviest_are_said_to_be_off(
    admin: httpx.AsyncClient,
) -> None:
    servers = body(await admin.get("/servers/metrics?window=6h"), 200)
    assert (servers["enabled"], servers["servers"], servers["step_seconds"]) == (False, [], 60)
    heaviest = body(await admin.get("/metrics/heaviest"), 200)
    assert (heaviest["enabled"], heaviest["services"]) == (False, [])
    for path in ("/servers/metrics?window=1y", "/metrics/heaviest?window=0"):
        refused = body(await admin.get(path), 422)
        assert [e["field"] for e in refused["errors"]] == ["window"]


async def test_a_service_of_two_replicas_is_charted_summed_and_per_replica(
    database_url: str,
) -> None:
    """The real exporter samples two containers of the service (slots 1 and 2) on this engine,
    the platform's Prometheus image scrapes it, the API charts both and their sum."""
    instance = new_instance()
    with cleaned_up(instance), exporter(instance) as node, prometheus([node]) as url:
        async with serving(api_settings(database_url, metrics_url=url)) as running:
            admin = await log_in(running)
            web = await service(admin, {**IMAGE_SERVICE, "replicas": 2})
            for slot in (1, 2):
                client().containers.run(
                    BUSYBOX,
                    ["sleep", "3600"],
                    detach=True,
                    labels={
                        "zane.instance": instance,
                        "zane.owner": f"services/{web['id']}",
                        "com.docker.swarm.task.name": f"shop_web.{slot}.task{slot}",
                    },
                )

            async def lines() -> list[str]:
                charts = body(await admin.get(f"/services/{web['id']}/metrics"), 200)["charts"]
                memory = next(c for c in charts if c["name"] == "Memory")
                measured = [li for li in memory["lines"] if any(v for v in li["values"])]
                return [li["label"] for li in measured]

            async def both_charted() -> bool:
                return await lines() == ["used", "replica 1", "replica 2"]

            await eventually(both_charted, timeout=60, every=1, message="two replicas charted")
            await admin.aclose()
