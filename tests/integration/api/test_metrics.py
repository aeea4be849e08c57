"""The charts' endpoint through the real API, without a metrics store: said off (no error),
a bad window refused at its field, an unknown service 404."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.api.helpers import body, service


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
