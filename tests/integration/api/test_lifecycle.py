"""The whole lifecycle through HTTP, with the controllers' part played by direct writes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from redis.asyncio import Redis

from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.redis import stream_keys as logstreams
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind

WEB = {
    "slug": "web",
    "source": {"type": "image", "image": "zaneops/busybox:latest"},
    "env": [{"name": "API_TOKEN", "value": "s3cret", "secret": True}],
    "replicas": 2,
    "healthcheck": {"type": "http", "port": 80, "path": "/"},
}


async def _created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _controller_status(phase: str, ready: ConditionStatus, reason: str) -> Status:
    condition = Condition(type="Ready", status=ready, reason=reason, message=f"{reason} (test)")
    return Status(observed_generation=1, conditions=[condition], details={"phase": phase})


async def _build_environment(admin: httpx.AsyncClient) -> tuple[str, str]:
    project = await _created(await admin.post("/projects", json={"slug": "shop", "name": "Shop"}))
    environment = await _created(
        await admin.post(
            f"/projects/{project['id']}/environments",
            json={"slug": "production", "variables": {"LOG_LEVEL": "info"}},
        )
    )
    return project["id"], environment["id"]


async def _write_logs(service_id: str) -> str:
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    key = logstreams.runtime_logs(uuid.UUID(service_id))
    for n, line in enumerate(["booting", "listening on :80", "GET / 200"], start=1):
        fields = {"ts": f"2024-01-01T00:00:0{n}Z", "stream": "stdout", "line": line}
        await redis.xadd(key, fields, id=f"17040672{n}0000-0")
    await redis.aclose()
    return key


async def _forget(key: str) -> None:
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    await redis.delete(key)
    await redis.aclose()


async def test_project_to_delete_through_http(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """project → environment → service → domain → deploy → status → logs → rollback → delete."""
    project_id, environment_id = await _build_environment(admin)
    service = await _created(await admin.post(f"/environments/{environment_id}/services", json=WEB))
    assert service["spec"]["env"][0]["value"] == "••••••••"
    domain = await _created(
        await admin.post(
            f"/environments/{environment_id}/domains",
            json={
                "domain": "shop.example.com",
                "target": {"service_id": service["id"], "port": 80},
            },
        )
    )
    assert domain["spec"]["base_path"] == "/"

    first = await _created(await admin.post(f"/services/{service['id']}/deploy"))
    assert first["spec"]["trigger"] == "deploy"
    assert first["spec"]["image"] == "zaneops/busybox:latest"
    assert first["phase"] is None

    healthy = _controller_status("HEALTHY", ConditionStatus.TRUE, "TasksRunning")
    await store.write_status(Kind.DEPLOYMENTS, uuid.UUID(first["id"]), healthy)
    shown = (await admin.get(f"/deployments/{first['id']}")).json()
    assert shown["phase"] == "HEALTHY"
    assert shown["status"]["conditions"][0]["reason"] == "TasksRunning"

    key = await _write_logs(service["id"])
    try:
        logs = (await admin.get(f"/services/{service['id']}/logs/runtime")).json()
        assert [e["fields"]["line"] for e in logs["entries"]] == [
            "GET / 200",
            "listening on :80",
            "booting",
        ]
        found = (await admin.get(f"/services/{service['id']}/logs/runtime?q=LISTEN")).json()
        assert [e["fields"]["line"] for e in found["entries"]] == ["listening on :80"]
    finally:
        await _forget(key)

    edited = await admin.put(
        f"/services/{service['id']}", json={**WEB, "replicas": 3}, headers={"If-Match": '"1"'}
    )
    assert edited.status_code == 200, edited.text
    changes = (await admin.get(f"/services/{service['id']}/changes")).json()
    assert changes["changes"] == [
        {"path": "replicas", "change": "changed", "live": 2, "pending": 3}
    ]
    second = await _created(await admin.post(f"/services/{service['id']}/deploy"))
    assert second["spec"]["service_spec"]["replicas"] == 3
    failed = _controller_status("FAILED", ConditionStatus.FALSE, "HealthcheckFailed")
    await store.write_status(Kind.DEPLOYMENTS, uuid.UUID(second["id"]), failed)

    rollback = await _created(await admin.post(f"/deployments/{first['id']}/rollback"))
    assert rollback["spec"]["trigger"] == "rollback"
    assert rollback["spec"]["rollback_of"] == first["id"]
    assert rollback["spec"]["service_spec"]["replicas"] == 2
    listed = (await admin.get(f"/services/{service['id']}/deployments")).json()
    assert [d["id"] for d in listed["items"]] == [rollback["id"], second["id"], first["id"]]

    # The services controller would hold a finalizer until the Swarm service is gone.
    await store.add_finalizer(Kind.SERVICES, uuid.UUID(service["id"]), "services")
    deleted = await admin.delete(f"/projects/{project_id}")
    assert deleted.status_code == 202
    assert deleted.json()["gone"] is False
    dying = (await admin.get(f"/services/{service['id']}")).json()
    assert dying["deleted_at"] is not None
    assert dying["finalizers"] == ["services"]
    await store.remove_finalizer(Kind.SERVICES, uuid.UUID(service["id"]), "services")
    assert (await admin.get(f"/services/{service['id']}")).status_code == 404
    assert (await admin.get(f"/projects/{project_id}")).status_code == 404
