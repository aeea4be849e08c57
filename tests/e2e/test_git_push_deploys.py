"""A push to a private Git repository goes live by itself: the Git host calls the service's
webhook, the real API records a deployment, the builds controller clones with the stored token
and builds, the services controller rolls it out, and the routes controller's Caddy serves the
new page. Nothing is played by the test but the Git host."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_platform import created, phase, serves, wait_healthy
from tests.support import builds as bd
from tests.support import git_servers as gs
from tests.support import swarm as sw
from tests.support.api import RunningApi, api_settings, log_in, serving
from tests.support.proxy import Proxy
from tests.support.waiting import eventually
from zaneops.common import naming

TOKEN = "e2e-push-token"
BUILD_TIMEOUT = 120.0


@pytest.fixture
async def api(
    controllers: None, proxy: Proxy, database_url: str, secret_key: str, tmp_path: Path
) -> AsyncIterator[RunningApi]:
    """The API and, besides the services and routes controllers, the builds controller."""
    try:
        async with (
            bd.builds_controller(proxy.instance, database_url, tmp_path, secret_key=secret_key),
            serving(api_settings(database_url, secret_key=secret_key)) as running_api,
        ):
            yield running_api
    finally:
        bd.remove_images(proxy.instance)


def github_push(commit: str, files: list[str], secret: str) -> tuple[bytes, dict[str, str]]:
    """What GitHub sends for a push to main, signed with the webhook's secret."""
    commits = [{"id": commit, "added": [], "modified": files, "removed": []}]
    raw = json.dumps({"ref": "refs/heads/main", "after": commit, "commits": commits}).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    signature = f"sha256={digest}"
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature}
    return raw, {**headers, "Content-Type": "application/json"}


async def make_git_service(
    client: httpx.AsyncClient, url: str, **source_fields: Any
) -> dict[str, Any]:
    project = await created(await client.post("/projects", json={"slug": "blog", "name": "Blog"}))
    environment = await created(
        await client.post(f"/projects/{project['id']}/environments", json={"slug": "production"})
    )
    source = {
        "type": "git",
        "repository_url": url,
        "branch": "main",
        "credentials": {"token": TOKEN, "username": "deployer"},
        **source_fields,
    }
    service = await created(
        await client.post(
            f"/environments/{environment['id']}/services", json={"slug": "blog", "source": source}
        )
    )
    await created(
        await client.post(
            f"/environments/{environment['id']}/domains",
            json={"domain": "blog.localhost", "target": {"service_id": service["id"], "port": 80}},
        )
    )
    return service


async def push(
    api: RunningApi, work: Path, served: Path, webhook: dict[str, Any], files: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """A commit of `files` pushed to the served repository, then the Git host's call."""
    commit = bd.commit(work, files)
    bd.git(work, "push", "-q", str(served), "main")
    raw, headers = github_push(commit, list(files), webhook["secret"])
    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as git_host:
        delivery = (await git_host.post(webhook["path"], content=raw, headers=headers)).json()
    assert delivery["result"] == "deployed", delivery
    return commit, delivery


async def test_a_push_to_a_private_repository_is_built_and_served_on_its_domain(
    api: RunningApi, proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = bd.make_repo(tmp_path / "work", {"Dockerfile": bd.WEB_DOCKERFILE, "index.html": "v1"})
    served = gs.bare_copy(work, tmp_path / "served" / "blog.git")
    client = await log_in(api)
    with gs.https_git_server(served.parent, "deployer", TOKEN) as (base, cert):
        monkeypatch.setenv("GIT_SSL_CAINFO", str(cert))  # the test server's own certificate
        service = await make_git_service(client, f"{base}/blog.git")
        webhook = await created(await client.post(f"/services/{service['id']}/webhook"))
        first = await created(await client.post(f"/services/{service['id']}/deploy"))
        await wait_healthy(client, first["id"], timeout=BUILD_TIMEOUT)
        await serves(proxy, "blog.localhost", "v1")

        pushed_at = time.monotonic()
        commit, delivery = await push(api, work, served, webhook, {"index.html": "v2"})
        await serves(proxy, "blog.localhost", "v2")
        live_seconds = time.monotonic() - pushed_at

    await wait_healthy(client, delivery["deployment_id"])
    deployment = (await client.get(f"/deployments/{delivery['deployment_id']}")).json()
    assert deployment["spec"]["commit_sha"] == commit

    async def first_removed() -> bool:
        return await phase(client, first["id"]) == "REMOVED"

    await eventually(first_removed, timeout=30, every=0.2, message="the first one REMOVED")
    stored = (await client.get(f"/services/{service['id']}")).json()
    assert TOKEN not in json.dumps(stored)  # masked on read
    print(f"push to serving the new page through the proxy: {live_seconds:.1f} s")
    await client.aclose()


def swarm_replicas(instance: str, service_id: str) -> int:
    inspected = sw.swarm_service(naming.swarm_service_name(instance, uuid.UUID(service_id)))
    assert inspected is not None
    return int(inspected["Spec"]["Mode"]["Replicated"]["Replicas"])


async def test_a_push_that_edits_zaneops_yaml_deploys_with_what_it_says(
    api: RunningApi, proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Config as code: replicas 1 -> 2 in the repository's file, pushed; the webhook deploys
    with 2 replicas, the page is served, and the dashboard shows no pending change for it."""
    config = "apiVersion: zaneops.dev/v1\nservice:\n  replicas: {n}\n"
    files = {"Dockerfile": bd.WEB_DOCKERFILE, "index.html": "v1"}
    work = bd.make_repo(tmp_path / "work", {**files, "zaneops.yaml": config.format(n=1)})
    served = gs.bare_copy(work, tmp_path / "served" / "blog.git")
    client = await log_in(api)
    with gs.https_git_server(served.parent, "deployer", TOKEN) as (base, cert):
        monkeypatch.setenv("GIT_SSL_CAINFO", str(cert))
        service = await make_git_service(
            client, f"{base}/blog.git", config_file="zaneops.yaml", watch_paths=["src/**"]
        )
        webhook = await created(await client.post(f"/services/{service['id']}/webhook"))
        first = await created(await client.post(f"/services/{service['id']}/deploy"))
        await wait_healthy(client, first["id"], timeout=BUILD_TIMEOUT)
        assert swarm_replicas(proxy.instance, service["id"]) == 1

        _, delivery = await push(api, work, served, webhook, {"zaneops.yaml": config.format(n=2)})
        await wait_healthy(client, delivery["deployment_id"], timeout=BUILD_TIMEOUT)
        await serves(proxy, "blog.localhost", "v1")

    assert swarm_replicas(proxy.instance, service["id"]) == 2
    deployment = (await client.get(f"/deployments/{delivery['deployment_id']}")).json()
    assert deployment["spec"]["service_spec"]["replicas"] == 2
    assert deployment["spec"]["from_repository"]["fields"] == ["replicas"]
    changes = (await client.get(f"/services/{service['id']}/changes")).json()
    assert changes["changes"] == []
    await client.aclose()
