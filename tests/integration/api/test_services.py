"""Services: sealed secrets, pending changes, deploy/redeploy/discard, builds, cancel, search."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.api.helpers import GIT_SERVICE, IMAGE_SERVICE, body, service
from tests.support.api import RunningApi
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import MASK, SecretBox, is_sealed
from zaneops.specs import Status
from zaneops.specs.kinds import Kind

SECRET_SERVICE: dict[str, Any] = {
    **IMAGE_SERVICE,
    "source": {
        "type": "image",
        "image": "registry.example.com/acme/web:1",
        "credentials": {"username": "bot", "password": "hunter2"},
    },
    "env": [
        {"name": "PLAIN", "value": "visible"},
        {"name": "TOKEN", "value": "s3cret", "secret": True},
    ],
}


async def _replace(admin: httpx.AsyncClient, obj: dict[str, Any], spec: dict[str, Any]) -> Any:
    headers = {"If-Match": f'"{obj["generation"]}"'}
    return body(await admin.put(f"/services/{obj['id']}", json=spec, headers=headers), 200)


async def test_secrets_are_sealed_at_rest_and_masked_when_read(
    api: RunningApi, admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """Secret values and registry passwords are stored sealed and come back masked."""
    web = await service(admin, SECRET_SERVICE)
    assert web["spec"]["env"] == [
        {"name": "PLAIN", "value": "visible", "secret": False},
        {"name": "TOKEN", "value": MASK, "secret": True},
    ]
    assert web["spec"]["source"]["credentials"]["password"] == MASK
    stored = await store.get(Kind.SERVICES, uuid.UUID(web["id"]))
    assert stored is not None
    sealed = stored.spec["env"][1]["value"]
    assert is_sealed(sealed)
    assert SecretBox(api.installation.secret_key).open(sealed) == "s3cret"


async def test_sending_back_a_masked_secret_keeps_the_stored_value(
    api: RunningApi, admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """A client that edits another field and returns the masks loses no secret."""
    web = await service(admin, SECRET_SERVICE)
    await _replace(admin, web, {**web["spec"], "replicas": 2})
    stored = await store.get(Kind.SERVICES, uuid.UUID(web["id"]))
    assert stored is not None
    box = SecretBox(api.installation.secret_key)
    assert box.open(stored.spec["env"][1]["value"]) == "s3cret"
    assert box.open(stored.spec["source"]["credentials"]["password"]) == "hunter2"


async def test_a_masked_value_with_nothing_stored_is_refused(admin: httpx.AsyncClient) -> None:
    """A mask for a secret that was never given names the field."""
    spec = {**IMAGE_SERVICE, "env": [{"name": "NEW", "value": MASK, "secret": True}]}
    web = await service(admin)
    answer = await admin.put(f"/services/{web['id']}", json=spec, headers={"If-Match": '"1"'})
    assert body(answer, 422)["errors"][0]["field"] == "env.0.value"


async def test_pending_changes_diff_deploy_and_discard(admin: httpx.AsyncClient) -> None:
    """Edits stay pending (shown field by field) until deployed, or are discarded."""
    web = await service(admin, SECRET_SERVICE)
    url = f"/services/{web['id']}"
    never = body(await admin.get(f"{url}/changes"), 200)
    assert never["live_deployment_id"] is None
    assert {c["path"] for c in never["changes"]} >= {"slug", "source", "env"}
    assert body(await admin.post(f"{url}/discard"), 409)["code"] == "nothing_deployed"

    deployed = body(await admin.post(f"{url}/deploy"), 201)
    assert body(await admin.get(f"{url}/changes"), 200)["changes"] == []
    env = [{"name": "PLAIN", "value": "changed"}, {"name": "TOKEN", "value": "new", "secret": True}]
    await _replace(admin, web, {**web["spec"], "env": env})
    changes = body(await admin.get(f"{url}/changes"), 200)
    assert changes["live_deployment_id"] == deployed["id"]
    assert changes["changes"] == [
        {"path": "env.PLAIN.value", "change": "changed", "live": "visible", "pending": "changed"},
        {
            "path": "env.TOKEN.value",
            "change": "changed",
            "live": MASK,
            "pending": f"{MASK} (new value)",
        },
    ]
    discarded = body(await admin.post(f"{url}/discard"), 200)
    assert discarded["spec"]["env"][0]["value"] == "visible"
    assert body(await admin.get(f"{url}/changes"), 200)["changes"] == []


async def test_redeploy_uses_the_live_snapshot(admin: httpx.AsyncClient) -> None:
    """Redeploy repeats what is live; pending edits stay pending."""
    web = await service(admin)
    url = f"/services/{web['id']}"
    body(await admin.post(f"{url}/deploy"), 201)
    await _replace(admin, web, {**IMAGE_SERVICE, "replicas": 5})
    again = body(await admin.post(f"{url}/redeploy"), 201)
    assert again["spec"]["trigger"] == "redeploy"
    assert again["spec"]["service_spec"]["replicas"] == 1


async def test_git_service_deploy_creates_a_build(admin: httpx.AsyncClient) -> None:
    """A Git source deploys without an image and with a build of its source."""
    app = await service(admin, GIT_SERVICE)
    deployment = body(await admin.post(f"/services/{app['id']}/deploy"), 201)
    assert deployment["spec"]["image"] is None
    builds = body(await admin.get(f"/deployments/{deployment['id']}/builds"), 200)["items"]
    assert len(builds) == 1
    assert builds[0]["spec"]["deployment_id"] == deployment["id"]
    assert builds[0]["spec"]["source"]["repository_url"] == GIT_SERVICE["source"]["repository_url"]
    shown = body(await admin.get(f"/builds/{builds[0]['id']}"), 200)
    assert shown["id"] == builds[0]["id"] and shown["phase"] is None and shown["image"] is None


async def test_cancel_requests_cancellation_until_the_deployment_ends(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """Cancel sets cancel_requested; a finished deployment cannot be cancelled."""
    web = await service(admin)
    deployment = body(await admin.post(f"/services/{web['id']}/deploy"), 201)
    cancelled = body(await admin.post(f"/deployments/{deployment['id']}/cancel"), 200)
    assert cancelled["spec"]["cancel_requested"] is True
    done = Status(details={"phase": "HEALTHY"})
    later = body(await admin.post(f"/services/{web['id']}/deploy"), 201)
    await store.write_status(Kind.DEPLOYMENTS, uuid.UUID(later["id"]), done)
    assert body(await admin.post(f"/deployments/{later['id']}/cancel"), 409)["code"] == (
        "already_finished"
    )


async def test_search_finds_projects_and_services(admin: httpx.AsyncClient) -> None:
    """Search matches slugs and names, case-insensitively, across kinds."""
    await service(admin)
    hits = body(await admin.get("/search", params={"q": "WE"}), 200)
    assert [(h["kind"], h["slug"]) for h in hits] == [("services", "web")]
    projects = body(await admin.get("/search", params={"q": "sho"}), 200)
    assert [(h["kind"], h["slug"]) for h in projects] == [("projects", "shop")]
    assert body(await admin.get("/search", params={"q": "%"}), 200) == []


async def test_lists_are_paged_with_cursors(admin: httpx.AsyncClient) -> None:
    """Pages are newest first; following next_cursor visits every item once."""
    for n in range(5):
        body(await admin.post("/projects", json={"slug": f"p{n}", "name": f"P{n}"}), 201)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = body(await admin.get("/projects", params=params), 200)
        seen += [item["spec"]["slug"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["p4", "p3", "p2", "p1", "p0"]


async def test_a_git_token_is_sealed_masked_and_kept_through_deploy_and_build(
    api: RunningApi, admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """The token is stored sealed, read back masked on the service and its build, and a masked
    token sent back keeps the stored one."""
    credentials = {"token": "ghp_secret", "username": "bot"}
    spec = {**GIT_SERVICE, "source": {**GIT_SERVICE["source"], "credentials": credentials}}
    app = await service(admin, spec)
    assert app["spec"]["source"]["credentials"]["token"] == MASK
    app = await _replace(admin, app, {**spec, "source": app["spec"]["source"]})
    stored = await store.get(Kind.SERVICES, uuid.UUID(app["id"]))
    assert stored is not None
    box = SecretBox(api.installation.secret_key)
    assert box.open(stored.spec["source"]["credentials"]["token"]) == "ghp_secret"
    deployment = body(await admin.post(f"/services/{app['id']}/deploy"), 201)
    [build] = body(await admin.get(f"/deployments/{deployment['id']}/builds"), 200)["items"]
    assert build["spec"]["source"]["credentials"]["token"] == MASK
    row = await store.get(Kind.BUILDS, uuid.UUID(build["id"]))
    assert row is not None and is_sealed(row.spec["source"]["credentials"]["token"])
