"""The API's guards around volumes: mounts name real volumes, mounted volumes stay."""

from __future__ import annotations

import httpx

from tests.integration.api.helpers import IMAGE_SERVICE, body, environment

MOUNT = {"volumes": [{"volume": "data", "container_path": "/data"}]}


async def test_a_mount_of_an_unknown_volume_is_refused_on_its_field(
    admin: httpx.AsyncClient,
) -> None:
    """422 at volumes.0.volume, and nothing is created."""
    env_id = await environment(admin)
    answer = await admin.post(f"/environments/{env_id}/services", json={**IMAGE_SERVICE, **MOUNT})
    error = body(answer, 422)["errors"][0]
    assert (error["field"], error["type"]) == ("volumes.0.volume", "unknown_volume")
    listed = body(await admin.get(f"/environments/{env_id}/services"), 200)
    assert listed["items"] == []


async def test_deleting_a_volume_a_live_service_mounts_is_refused_with_its_users(
    admin: httpx.AsyncClient,
) -> None:
    """409 in_use naming the service; once the service is deleted, the volume may go."""
    env_id = await environment(admin)
    volume = body(await admin.post(f"/environments/{env_id}/volumes", json={"slug": "data"}), 201)
    answer = await admin.post(f"/environments/{env_id}/services", json={**IMAGE_SERVICE, **MOUNT})
    service = body(answer, 201)
    refused = body(await admin.delete(f"/volumes/{volume['id']}"), 409)
    assert refused["code"] == "in_use" and "web" in refused["message"]
    body(await admin.delete(f"/services/{service['id']}"), 202)
    body(await admin.delete(f"/volumes/{volume['id']}"), 202)
