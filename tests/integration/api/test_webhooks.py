"""Auto-deploy webhooks against the real API, Postgres and Redis: a push becomes a deployment."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import GIT_SERVICE, body, service
from tests.support.api import RunningApi, api_settings, log_in, serving

SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
GITHUB_PUSH = {"X-GitHub-Event": "push"}


def github_push(ref: str = "refs/heads/main", files: list[str] | None = None) -> bytes:
    commits = [{"id": SHA, "added": [], "modified": files or ["README.md"], "removed": []}]
    return json.dumps({"ref": ref, "after": SHA, "commits": commits}).encode()


def github_headers(raw: bytes, secret: str | None) -> dict[str, str]:
    headers = {"X-GitHub-Event": "push", "Content-Type": "application/json"}
    if secret is not None:
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
    return headers


def signed(raw: bytes, webhook: dict[str, Any], **headers: str) -> dict[str, str]:
    """A plain script's call, signed with the webhook's secret as GitHub signs."""
    digest = hmac.new(webhook["secret"].encode(), raw, hashlib.sha256).hexdigest()
    return {**headers, "X-Hub-Signature-256": f"sha256={digest}"}


async def git_service_with_webhook(
    admin: httpx.AsyncClient, **source: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = {**GIT_SERVICE, "source": {**GIT_SERVICE["source"], **source}}
    app = await service(admin, spec)
    webhook = body(await admin.post(f"/services/{app['id']}/webhook"), 201)
    return app, webhook


async def push(
    api: RunningApi, webhook: dict[str, Any], raw: bytes, headers: dict[str, str]
) -> httpx.Response:
    """The trigger called as a Git host does: no session, no CSRF token, no API token."""
    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as host:
        return await host.post(webhook["path"], content=raw, headers=headers)


async def deployments_of(admin: httpx.AsyncClient, app: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = body(await admin.get(f"/services/{app['id']}/deployments"), 200)[
        "items"
    ]
    return items


async def test_a_signed_github_push_deploys_the_pushed_commit(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """A push touching a watched file creates a webhook deployment whose build pins the commit."""
    app, webhook = await git_service_with_webhook(admin, watch_paths=["api/**"])
    raw = github_push(files=["api/main.py"])
    delivery = body(await push(api, webhook, raw, github_headers(raw, webhook["secret"])), 201)
    assert (delivery["result"], delivery["commit"], delivery["host"]) == ("deployed", SHA, "GitHub")
    deployment = body(await admin.get(f"/deployments/{delivery['deployment_id']}"), 200)
    assert deployment["spec"]["trigger"] == "webhook"
    assert deployment["spec"]["commit_sha"] == SHA
    builds = body(await admin.get(f"/deployments/{deployment['id']}/builds"), 200)["items"]
    assert builds[0]["spec"]["source"]["commit"] == SHA
    shown = body(await admin.get(f"/services/{app['id']}/webhook"), 200)
    assert shown["last_delivery"]["deployment_id"] == deployment["id"]


async def test_a_push_touching_no_watched_file_deploys_nothing(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """Listed files that match no watch path: 202, the reason, and no deployment."""
    app, webhook = await git_service_with_webhook(admin, watch_paths=["api/**"])
    raw = github_push(files=["ui/src/App.tsx", "README.md"])
    delivery = body(await push(api, webhook, raw, github_headers(raw, webhook["secret"])), 202)
    assert delivery["result"] == "ignored"
    assert "watch paths" in delivery["reason"]
    assert await deployments_of(admin, app) == []


async def test_a_push_to_another_branch_is_ignored(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """A push to a branch the service does not build: 202 naming both branches."""
    app, webhook = await git_service_with_webhook(admin)
    raw = github_push(ref="refs/heads/feature")
    delivery = body(await push(api, webhook, raw, github_headers(raw, webhook["secret"])), 202)
    assert delivery["reason"] == "push to 'feature'; the service builds 'main'"
    assert await deployments_of(admin, app) == []


async def test_a_wrong_signature_or_gitlab_token_is_refused(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """A valid URL with a wrong proof of the secret: 403, nothing deployed, recorded."""
    app, webhook = await git_service_with_webhook(admin)
    raw = github_push()
    forged = await push(api, webhook, raw, github_headers(raw, "not-the-secret"))
    assert body(forged, 403)["code"] == "bad_signature"
    gitlab = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "guess"}
    assert (await push(api, webhook, raw, gitlab)).status_code == 403
    assert await deployments_of(admin, app) == []
    shown = body(await admin.get(f"/services/{app['id']}/webhook"), 200)
    assert shown["last_delivery"]["result"] == "refused"


async def test_a_gitlab_push_with_the_right_token_deploys(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """GitLab's checkout_sha is the pinned commit; its secret token is checked."""
    _, webhook = await git_service_with_webhook(admin)
    raw = json.dumps({"ref": "refs/heads/main", "checkout_sha": SHA, "commits": []}).encode()
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": webhook["secret"]}
    delivery = body(await push(api, webhook, raw, headers), 201)
    assert (delivery["host"], delivery["commit"]) == ("GitLab", SHA)


async def test_an_empty_body_deploys_the_branch_head(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """A plain signed POST from a script builds whatever the branch's head is at build time."""
    app, webhook = await git_service_with_webhook(admin)
    delivery = body(await push(api, webhook, b"", signed(b"", webhook)), 201)
    assert delivery["commit"] is None
    assert [d["id"] for d in await deployments_of(admin, app)] == [delivery["deployment_id"]]


async def test_a_token_only_webhook_takes_unsigned_calls_but_builds_the_branch_head(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """Chosen token-only (PUT), an unsigned call deploys; the commit its body names is not
    pinned: the build takes the branch's head."""
    app, webhook = await git_service_with_webhook(admin)
    assert body(await push(api, webhook, b"", {}), 403)["code"] == "unsigned"
    changed = await admin.put(f"/services/{app['id']}/webhook", json={"token_only": True})
    assert body(changed, 200)["token_only"] is True
    raw = json.dumps({"commit": SHA}).encode()
    delivery = body(await push(api, webhook, raw, {}), 201)
    assert delivery["commit"] is None


async def test_an_unknown_token_is_not_found(api: RunningApi, admin: httpx.AsyncClient) -> None:
    """A token no webhook has: 404, the same answer whatever the token looks like."""
    await git_service_with_webhook(admin)
    fake = {"path": "/api/v1/webhooks/zwh_" + "x" * 43}
    other = {"path": "/api/v1/webhooks/nope"}
    first = await push(api, fake, b"", {})
    second = await push(api, other, b"", {})
    assert body(first, 404) == body(second, 404)


async def test_a_rotated_token_stops_working(api: RunningApi, admin: httpx.AsyncClient) -> None:
    """After rotation the old URL is unknown and the new one deploys."""
    app, old = await git_service_with_webhook(admin)
    new = body(await admin.post(f"/services/{app['id']}/webhook/rotate"), 200)
    assert new["token"] != old["token"] and new["secret"] != old["secret"]
    assert (await push(api, old, b"", signed(b"", old))).status_code == 404
    assert (await push(api, new, b"", signed(b"", new))).status_code == 201


async def test_a_bad_body_is_refused_naming_the_problem(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """Not JSON: 400 saying so; a field of the wrong type: 422 naming the field."""
    app, webhook = await git_service_with_webhook(admin)
    raw = b'{"ref": '
    broken = body(await push(api, webhook, raw, signed(raw, webhook, **GITHUB_PUSH)), 400)
    assert broken["code"] == "invalid_json" and "not valid JSON" in broken["message"]
    raw = b'{"ref": ["main"]}'
    typed = body(await push(api, webhook, raw, signed(raw, webhook)), 422)
    assert [e["field"] for e in typed["errors"]] == ["ref"]
    assert await deployments_of(admin, app) == []


async def test_an_image_service_cannot_be_triggered(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """A registry-image service has nothing to build: 409 with the reason."""
    app = await service(admin)
    webhook = body(await admin.post(f"/services/{app['id']}/webhook"), 201)
    refused = body(await push(api, webhook, b"", signed(b"", webhook)), 409)
    assert refused["code"] == "not_a_git_source"
    assert await deployments_of(admin, app) == []


async def test_managing_the_webhook_needs_a_login_and_one_per_service(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """No session: 401; a second create: 409; after delete the URL is unknown."""
    app, webhook = await git_service_with_webhook(admin)
    async with api.client() as anonymous:
        assert (await anonymous.get(f"/services/{app['id']}/webhook")).status_code == 401
    assert (await admin.post(f"/services/{app['id']}/webhook")).status_code == 409
    assert webhook["url"].endswith(webhook["path"])
    assert (await admin.delete(f"/services/{app['id']}/webhook")).status_code == 204
    assert (await admin.get(f"/services/{app['id']}/webhook")).status_code == 404
    assert (await push(api, webhook, b"", {})).status_code == 404


LIMIT = 3


@pytest.fixture
async def limited_api(database_url: str) -> AsyncIterator[RunningApi]:
    async with serving(api_settings(database_url, webhook_requests_per_minute=LIMIT)) as running:
        yield running


async def test_the_trigger_is_rate_limited_per_address(limited_api: RunningApi) -> None:
    """Past the limit in a minute: 429 with Retry-After, for known and unknown tokens alike."""
    admin = await log_in(limited_api)
    try:
        _, webhook = await git_service_with_webhook(admin)
    finally:
        await admin.aclose()
    proof = signed(b"", webhook)
    statuses = [(await push(limited_api, webhook, b"", proof)).status_code for _ in range(LIMIT)]
    assert statuses == [201] * LIMIT
    # A minute boundary may reset the count once: LIMIT + 1 more calls must meet the limit.
    more = [await push(limited_api, webhook, b"", proof) for _ in range(LIMIT + 1)]
    refused = [answer for answer in more if answer.status_code == 429]
    assert refused and refused[0].headers["Retry-After"] == "60"
