"""The notifications controller on real Postgres, a real HTTP receiver and a real SMTP server
(aiosmtpd) on loopback: statuses written as their controllers write them become one message
per channel, signed, retried while the receiver is down, grouped for a crash loop, and sent
late (not lost, not twice) after the controller was down."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest

from api.routers.databases import NewDatabase, database_spec
from controllers import notifications
from controllers.notifications.settings import NotificationsSettings
from tests.support.receivers import HttpReceiver, Mailbox
from tests.support.runtime import running
from tests.support.swarm import deploy, make_environment, make_service, web_spec
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import SecretBox, new_key
from zaneops.runtime.runner import Runner
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

pytestmark = pytest.mark.timeout(120)
SIGNING_SECRET = "a-signing-secret-of-some-length"
DASHBOARD = "https://zane.example.test"


@pytest.fixture
def key() -> str:
    return new_key()


def controller_running(database_url: str, key: str, **overrides: Any) -> Any:
    settings = NotificationsSettings(
        allow_local_addresses=True, dashboard_url=DASHBOARD, first_retry_seconds=0.2, **overrides
    )
    return running(
        lambda deps: notifications.build(deps, settings),
        database_url,
        installation={"secret_key": key},
    )


@pytest.fixture
async def controller(database_url: str, key: str) -> AsyncIterator[Runner]:
    async with controller_running(database_url, key) as runner:
        yield runner


async def webhook_channel(
    store: PostgresStore, key: str, receiver: HttpReceiver, **extra: Any
) -> StoredObject:
    sealed = SecretBox(key).seal(SIGNING_SECRET)
    target = {"type": "webhook", "url": f"{receiver.url}/hook", "secret": sealed}
    return await store.create(Kind.CHANNELS, {"name": "hook", "target": target, **extra})


async def email_channel(store: PostgresStore, mailbox: Mailbox) -> StoredObject:
    target = {
        "type": "email",
        "host": mailbox.host,
        "port": mailbox.port,
        "security": "none",
        "sender": "zane@example.test",
        "recipients": ["ops@example.test", "dev@example.test"],
    }
    return await store.create(Kind.CHANNELS, {"name": "mail", "target": target})


async def failed_deployment(store: PostgresStore, reason: str) -> tuple[StoredObject, StoredObject]:
    environment = await make_environment(store)
    spec = web_spec("shop")
    service = await make_service(store, environment.id, spec)
    deployment = await deploy(store, service.id, spec)
    await write(store, deployment, "FAILED", message=reason)
    return service, deployment


async def write(
    store: PostgresStore,
    row: StoredObject,
    phase: str,
    *,
    message: str,
    **details: Any,
) -> None:
    ok = ConditionStatus.TRUE if phase == "HEALTHY" else ConditionStatus.FALSE
    said = Condition(type="Deployed", status=ok, reason="Because", message=message)
    new = Status(conditions=[said], details={"phase": phase, **details})
    await store.write_status(row.kind, row.id, new)


async def messages_of(store: PostgresStore, channel: StoredObject) -> list[StoredObject]:
    return await store.list_children(Kind.NOTIFICATIONS, channel.id)


async def only_message(
    store: PostgresStore, channel: StoredObject, wanted: Any, timeout: float = 30
) -> StoredObject:
    """The channel's one message, once wanted(its status details) holds."""

    async def reached() -> bool:
        rows = await messages_of(store, channel)
        return len(rows) == 1 and bool(wanted(rows[0].status.details))

    await eventually(reached, timeout=timeout, message=f"the message of {channel.spec['name']}")
    (row,) = await messages_of(store, channel)
    return row


def verified_body(received: Any) -> dict[str, Any]:
    """The body, once its signature checks out with the channel's secret."""
    stamp = received.headers["x-zane-timestamp"]
    mac = hmac.new(SIGNING_SECRET.encode(), stamp.encode() + b"." + received.body, hashlib.sha256)
    assert received.headers["x-zane-signature"] == "sha256=" + mac.hexdigest()
    found: dict[str, Any] = json.loads(received.body)
    return found


async def test_a_failed_deployment_is_one_signed_webhook_and_one_email_with_reason_and_link(
    store: PostgresStore,
    controller: Runner,
    key: str,
    receiver: HttpReceiver,
    mailbox: Mailbox,
) -> None:
    hook = await webhook_channel(store, key, receiver)
    mail = await email_channel(store, mailbox)
    service, deployment = await failed_deployment(store, "the container exited with code 3")

    await eventually(lambda: len(receiver.received) == 1 and len(mailbox.messages) == 1)
    event = verified_body(receiver.received[0])["event"]
    assert event["type"] == "deployment.failed"
    assert event["title"].startswith("Deployment failed: ") and event["title"].endswith("/shop")
    assert "the container exited with code 3" in event["text"]
    assert event["link"] == f"{DASHBOARD}/services/{service.id}/deployments"
    assert event["subject_id"] == str(deployment.id)
    email = mailbox.messages[0]
    assert email["Subject"].startswith("[ZaneOps] Deployment failed: ")
    assert "the container exited with code 3" in email.get_content()
    assert f"{DASHBOARD}/services/{service.id}/deployments" in email.get_content()
    assert mailbox.envelopes[0][1] == ["ops@example.test", "dev@example.test"]

    async def delivered() -> bool:
        rows = [*await messages_of(store, hook), *await messages_of(store, mail)]
        return [r.status.details.get("phase") for r in rows] == ["DELIVERED", "DELIVERED"]

    await eventually(delivered)
    # The same status written again (an owner's resync) tells nobody twice.
    await write(store, deployment, "FAILED", message="again", x=1)
    await write(store, deployment, "FAILED", message="again", x=2)
    other_service, _ = await failed_deployment(store, "a second one")
    # Each channel's message is its own delivery: the email may land after the webhook.
    await eventually(lambda: len(receiver.received) == 2 and len(mailbox.messages) == 2)
    assert verified_body(receiver.received[1])["event"]["service_id"] == str(other_service.id)
    assert len(receiver.received) == 2 and len(mailbox.messages) == 2


async def test_a_receiver_that_is_down_gets_the_message_when_it_is_back(
    store: PostgresStore, controller: Runner, key: str, receiver: HttpReceiver
) -> None:
    receiver.answers = [503, 502]
    hook = await webhook_channel(store, key, receiver)
    await failed_deployment(store, "no")

    message = await only_message(store, hook, lambda d: d.get("phase") == "DELIVERED")
    assert message.status.details["attempts"] == 3
    assert len(receiver.received) == 3
    # The same delivery each time: a receiver can tell a retry from a new message.
    assert len({r.headers["x-zane-delivery"] for r in receiver.received}) == 1


async def test_a_receiver_that_refuses_the_message_fails_it_with_its_answer(
    store: PostgresStore, controller: Runner, key: str, receiver: HttpReceiver
) -> None:
    receiver.answers = [404]
    hook = await webhook_channel(store, key, receiver)
    await failed_deployment(store, "no")

    message = await only_message(store, hook, lambda d: d.get("phase") == "FAILED")
    condition = message.status.condition("Delivered")
    assert condition is not None and "answered HTTP 404" in condition.message
    assert message.status.details["attempts"] == 1 and len(receiver.received) == 1


async def test_a_crash_loop_of_twenty_restarts_is_one_message_that_counts_them(
    store: PostgresStore, controller: Runner, key: str, receiver: HttpReceiver
) -> None:
    hook = await webhook_channel(store, key, receiver)
    environment = await make_environment(store)
    service = await make_service(store, environment.id, web_spec("loop"))
    serving = {"current_deployment_id": "d1", "target_deployment_id": "d1", "desired_replicas": 1}
    for restart in range(20):
        down = Condition(
            type="Available",
            status=ConditionStatus.FALSE,
            reason="NotRunning",
            message=f"0/1 replicas running; task: non-zero exit (1) #{restart}",
            last_transition_time=datetime.now(UTC),
        )
        await store.write_status(
            Kind.SERVICES, service.id, Status(conditions=[down], details=serving)
        )
        # Each time down long enough to be seen (Swarm waits between restarts).
        await eventually(
            lambda n=restart: logged(store, hook, n + 1), message=f"down #{restart + 1} logged"
        )
        up = down.model_copy(update={"status": ConditionStatus.TRUE, "reason": "AllRunning"})
        running = Status(conditions=[up], details=serving)
        await store.write_status(Kind.SERVICES, service.id, running)

    async def ended() -> bool:
        return all(m.status.details.get("phase") for m in await messages_of(store, hook))

    await eventually(ended, message="every row ended")
    log = await messages_of(store, hook)
    phases = [m.status.details["phase"] for m in log]
    assert phases == ["DELIVERED"] + ["GROUPED"] * 19
    assert {m.spec["grouped_into"] for m in log[1:]} == {str(log[0].id)}
    assert len(receiver.received) == 1
    assert verified_body(receiver.received[0])["event"]["type"] == "service.unavailable"


async def logged(store: PostgresStore, channel: StoredObject, count: int) -> bool:
    return len(await messages_of(store, channel)) == count


async def test_what_happened_while_the_controller_was_down_is_sent_once_at_start(
    store: PostgresStore, database_url: str, key: str, receiver: HttpReceiver
) -> None:
    hook = await webhook_channel(store, key, receiver)
    await failed_deployment(store, "while nobody watched")
    async with controller_running(database_url, key):
        await eventually(lambda: len(receiver.received) == 1)
    # Started again, it looks back at the same hour: a new event goes out, the old one not
    # again (the look-back runs before any new event is told).
    async with controller_running(database_url, key):
        await failed_deployment(store, "after the restart")
        await eventually(lambda: len(receiver.received) == 2)
    texts = [verified_body(r)["event"]["text"] for r in receiver.received]
    assert ["while nobody watched" in texts[0], "after the restart" in texts[1]] == [True, True]
    assert len(await messages_of(store, hook)) == 2


async def test_a_channel_hears_only_its_events_and_projects(
    store: PostgresStore, controller: Runner, key: str, receiver: HttpReceiver
) -> None:
    service, _ = await failed_deployment(store, "first")
    environment = await store.get(Kind.SERVICES, service.id)
    assert environment is not None and environment.parent_id is not None
    env_row = await store.get(Kind.ENVIRONMENTS, environment.parent_id)
    assert env_row is not None and env_row.parent_id is not None
    mine: UUID = env_row.parent_id
    only_mine = await webhook_channel(store, key, receiver, projects=[str(mine)])
    only_backups = await webhook_channel(
        store, key, receiver, name="backups", events=["backup.failed"]
    )
    _, elsewhere = await failed_deployment(store, "another project")
    spec = web_spec("shop")
    again = await deploy(store, service.id, spec)
    await write(store, again, "FAILED", message="in my project")

    await eventually(lambda: len(receiver.received) == 1)
    assert verified_body(receiver.received[0])["event"]["subject_id"] == str(again.id)
    assert await messages_of(store, only_backups) == []
    assert elsewhere.id not in {
        UUID(r.spec["event"]["subject_id"]) for r in await messages_of(store, only_mine)
    }


async def test_a_scheduled_database_without_a_recent_verified_backup_is_told_once(
    store: PostgresStore, database_url: str, key: str, receiver: HttpReceiver
) -> None:
    hook = await webhook_channel(store, key, receiver)
    environment = await make_environment(store)
    spec = database_spec(NewDatabase(slug="db", engine="postgres")).model_dump(mode="json")
    spec["backup"] = {"schedule": "* * * * *", "keep_last": 3}
    db = await store.create(Kind.SERVICES, spec, environment.id)
    backup = await store.create(
        Kind.BACKUPS, {"service_id": str(db.id), "trigger": "schedule"}, environment.id
    )
    with psycopg.connect(database_url) as conn:  # made 10 minutes ago, never verified
        conn.execute(
            "UPDATE backups SET created_at = now() - interval '10 minutes' WHERE id = %s",
            (backup.id,),
        )
    async with controller_running(database_url, key, backup_check_seconds=0.2) as runner:
        await eventually(lambda: len(receiver.received) == 1)
        event = verified_body(receiver.received[0])["event"]
        assert event["type"] == "backup.missing" and event["title"].endswith("/db")
        assert "no verified backup for 10 min" in event["text"]
        assert event["link"] == f"{DASHBOARD}/services/{db.id}/backups"
        # Looked at again and again (5 more checks): the same late spell is one message.
        seen = reconciles(runner)
        await eventually(lambda: reconciles(runner) >= seen + 5, message="5 more checks")
    assert len(await messages_of(store, hook)) == 1 and len(receiver.received) == 1


def reconciles(runner: Runner) -> float:
    found = runner.metrics.registry.get_sample_value(
        "zane_reconcile_total", {"controller": "notifications", "result": "success"}
    )
    return found or 0.0


async def test_a_channel_whose_spec_does_not_read_does_not_stop_the_others(
    store: PostgresStore, controller: Runner, key: str, receiver: HttpReceiver, database_url: str
) -> None:
    with psycopg.connect(database_url) as conn:  # written by hand, or by an older version
        conn.execute(
            "INSERT INTO channels (spec) VALUES (%s)",
            (json.dumps({"name": "broken", "target": {"type": "pager"}}),),
        )
    hook = await webhook_channel(store, key, receiver)
    await failed_deployment(store, "still told")
    await only_message(store, hook, lambda d: d.get("phase") == "DELIVERED")
    assert len(receiver.received) == 1


async def test_a_receiver_on_this_machine_is_refused_unless_allowed(
    store: PostgresStore, database_url: str, key: str, receiver: HttpReceiver
) -> None:
    hook = await webhook_channel(store, key, receiver)
    settings = NotificationsSettings()  # as installed: loopback is not a receiver
    async with running(
        lambda deps: notifications.build(deps, settings),
        database_url,
        installation={"secret_key": key},
    ):
        await failed_deployment(store, "no")
        message = await only_message(store, hook, lambda d: d.get("phase") == "FAILED")
    condition = message.status.condition("Delivered")
    assert condition is not None and "127.0.0.1" in condition.message
    assert receiver.received == []


async def test_a_certificate_that_cannot_be_issued_is_one_message_per_failing_spell(
    store: PostgresStore, controller: Runner, key: str, receiver: HttpReceiver
) -> None:
    """The routes controller's Certificate False/IssueFailed on a domain → certificate.failed
    for the service it routes to; Caddy failing again in the same spell tells nobody twice."""
    await webhook_channel(store, key, receiver)
    environment = await make_environment(store)
    service = await make_service(store, environment.id, web_spec("shop"))
    target = {"service_id": str(service.id), "port": 80}
    domain = await store.create(
        Kind.DOMAINS, {"domain": "shop.example.com", "target": target}, environment.id
    )
    refused = "dial tcp 127.0.0.1:1: connect: connection refused"
    failing = Condition(
        type="Certificate", status=ConditionStatus.FALSE, reason="IssueFailed", message=refused
    )
    await store.write_status(Kind.DOMAINS, domain.id, Status(conditions=[failing]))

    await eventually(lambda: len(receiver.received) == 1, message="certificate.failed")
    event = verified_body(receiver.received[0])["event"]
    assert event["type"] == "certificate.failed"
    assert event["title"] == "Certificate cannot be issued: shop.example.com"
    assert refused in event["text"]
    assert event["link"] == f"{DASHBOARD}/services/{service.id}/domains"
    assert (event["service_id"], event["subject_id"]) == (str(service.id), str(domain.id))
    again = failing.model_copy(update={"message": "the next attempt failed too"})
    await store.write_status(Kind.DOMAINS, domain.id, Status(conditions=[again]))
    other = await store.create(
        Kind.DOMAINS, {"domain": "b.example.com", "target": target}, environment.id
    )
    await store.write_status(Kind.DOMAINS, other.id, Status(conditions=[failing]))
    await eventually(lambda: len(receiver.received) == 2, message="the other domain's")
    assert verified_body(receiver.received[1])["event"]["subject_id"] == str(other.id)
    assert len(receiver.received) == 2
