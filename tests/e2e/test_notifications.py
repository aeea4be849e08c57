"""Notifications on the real platform: a deployment that fails in the real swarm, watched by the
real services controller, is told once to a signed webhook on loopback and once by email to a
real SMTP server (aiosmtpd), with the service, the reason and a link; the fixed deployment is
told as a success to the channel that asked for successes only."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from controllers import notifications
from controllers.notifications.settings import NotificationsSettings
from tests.e2e.test_dashboard import forget_logs
from tests.support.platform_api import created, wait_for_phase, wait_healthy
from tests.support.receivers import HttpReceiver, Mailbox
from tests.support.runtime import running
from tests.support.swarm import BUSYBOX, WEB_COMMAND
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(300)
SECRET = "e2e-signing-secret-0123456789"
DASHBOARD = "https://zane.example.test"


@pytest.fixture
async def client(
    platform: httpx.AsyncClient, database_url: str, secret_key: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = NotificationsSettings(allow_local_addresses=True, dashboard_url=DASHBOARD)
    async with running(
        lambda deps: notifications.build(deps, settings),
        database_url,
        installation={"secret_key": secret_key},
    ):
        yield platform


def signed_event(received: Any) -> dict[str, Any]:
    stamp = received.headers["x-zane-timestamp"]
    mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + received.body, hashlib.sha256)
    assert received.headers["x-zane-signature"] == "sha256=" + mac.hexdigest()
    event: dict[str, Any] = json.loads(received.body)["event"]
    return event


async def test_a_failed_deployment_reaches_a_webhook_and_a_mailbox_once_then_success_is_told(
    client: httpx.AsyncClient, receiver: HttpReceiver, mailbox: Mailbox
) -> None:
    hook = {"type": "webhook", "url": f"{receiver.url}/alerts", "secret": SECRET}
    await created(await client.post("/channels", json={"name": "hook", "target": hook}))
    mail = {
        "type": "email",
        "host": mailbox.host,
        "port": mailbox.port,
        "security": "none",
        "sender": "zane@example.test",
        "recipients": ["ops@example.test"],
    }
    await created(await client.post("/channels", json={"name": "mail", "target": mail}))
    successes = {"type": "webhook", "url": f"{receiver.url}/deploys", "secret": SECRET}
    await created(
        await client.post(
            "/channels",
            json={"name": "deploys", "target": successes, "events": ["deployment.succeeded"]},
        )
    )
    project = await created(await client.post("/projects", json={"slug": "shop", "name": "Shop"}))
    env = await created(
        await client.post(f"/projects/{project['id']}/environments", json={"slug": "prod"})
    )
    spec = {
        "slug": "web",
        "source": {"type": "image", "image": BUSYBOX},
        "command": ["/opt/app/server"],  # not in the image: the container cannot start
    }
    service = await created(await client.post(f"/environments/{env['id']}/services", json=spec))
    try:
        failing = await created(await client.post(f"/services/{service['id']}/deploy"))
        await wait_for_phase(client, failing["id"], "FAILED")

        await eventually(
            lambda: len(receiver.received) == 1 and len(mailbox.messages) == 1,
            timeout=30,
            message="one webhook and one email",
        )
        event = signed_event(receiver.received[0])
        assert receiver.received[0].path == "/alerts"
        assert event["type"] == "deployment.failed"
        assert event["title"] == "Deployment failed: shop/prod/web"
        assert "/opt/app/server" in event["text"], event["text"]
        assert event["link"] == f"{DASHBOARD}/services/{service['id']}/deployments"
        email = mailbox.messages[0]
        assert email["Subject"] == "[ZaneOps] Deployment failed: shop/prod/web"
        assert "/opt/app/server" in email.get_content() and event["link"] in email.get_content()

        fixed = {**service["spec"], "command": WEB_COMMAND}
        updated = await client.put(
            f"/services/{service['id']}",
            json=fixed,
            headers={"If-Match": f'"{service["generation"]}"'},
        )
        assert updated.status_code == 200, updated.text
        working = await created(await client.post(f"/services/{service['id']}/deploy"))
        await wait_healthy(client, working["id"])
        await eventually(lambda: len(receiver.received) == 2, timeout=30, message="success told")
        told = signed_event(receiver.received[1])
        assert receiver.received[1].path == "/deploys"
        assert (told["type"], told["subject_id"]) == ("deployment.succeeded", working["id"])
        assert len(mailbox.messages) == 1  # a success is not a failure channel's business
    finally:
        await forget_logs(service["id"])


@pytest.mark.timeout(420)
async def test_a_crash_loop_of_ten_restarts_in_the_swarm_is_one_message(
    client: httpx.AsyncClient, receiver: HttpReceiver
) -> None:
    hook = {"type": "webhook", "url": f"{receiver.url}/alerts", "secret": SECRET}
    channel = await created(await client.post("/channels", json={"name": "hook", "target": hook}))
    project = await created(await client.post("/projects", json={"slug": "loop", "name": "Loop"}))
    env = await created(
        await client.post(f"/projects/{project['id']}/environments", json={"slug": "prod"})
    )
    spec = {
        "slug": "worker",
        "source": {"type": "image", "image": BUSYBOX},
        # Starts, works a few seconds (past its probation, 1 s here: it did start), dies;
        # Swarm restarts it again and again.
        "command": ["sh", "-c", "echo working; sleep 2; echo lost the queue; exit 1"],
    }
    service = await created(await client.post(f"/environments/{env['id']}/services", json=spec))
    try:
        deployment = await created(await client.post(f"/services/{service['id']}/deploy"))
        await wait_healthy(client, deployment["id"])

        async def log() -> list[dict[str, Any]]:
            answer = await client.get(f"/channels/{channel['id']}/notifications?limit=100")
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        async def ten_downs_counted() -> bool:
            return [m["phase"] for m in await log()].count("GROUPED") >= 9

        await eventually(ten_downs_counted, timeout=180, every=1, message="10 downs counted")
        phases = [m["phase"] for m in await log()]
        assert phases.count("DELIVERED") == 1 and set(phases) == {"DELIVERED", "GROUPED"}
        assert len(receiver.received) == 1
        event = signed_event(receiver.received[0])
        assert event["type"] == "service.unavailable"
        assert event["title"] == "Down: loop/prod/worker"
    finally:
        await client.delete(f"/services/{service['id']}")
        await forget_logs(service["id"])
