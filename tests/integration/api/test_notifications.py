"""Notification channels through the real API (no controller here): secrets checked in clear,
sealed when stored and masked when read; bad input refused at its field; "Send a test" queues
one message and refuses a second one at once; a deleted channel takes its log with it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg
import pytest

from tests.integration.api.helpers import body
from zaneops.common.secrets import MASK

HOOK = {"type": "webhook", "url": "https://hooks.example.test/zane", "secret": "s" * 24}


async def create(admin: httpx.AsyncClient, target: dict[str, Any], **extra: Any) -> httpx.Response:
    return await admin.post("/channels", json={"name": "ops", "target": target, **extra})


def stored_spec(database_url: str, channel_id: str) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT spec FROM channels WHERE id = %s", (channel_id,)).fetchone()
    assert row is not None
    spec: dict[str, Any] = row[0]
    return spec


async def test_a_channel_s_secrets_are_sealed_masked_and_kept_when_sent_back_masked(
    admin: httpx.AsyncClient, database_url: str
) -> None:
    made = body(
        await create(admin, {"type": "slack", "url": "https://hooks.slack.test/T/B/x"}), 201
    )
    assert made["spec"]["target"]["url"] == MASK
    assert made["spec"]["events"] == [
        "deployment.failed",
        "deployment.rolled_back",
        "build.failed",
        "service.unavailable",
        "backup.failed",
        "backup.missing",
        "job.failed",
        "metric.above",
        "metric.recovered",
        "certificate.failed",
        "node.down",
        "node.disk_full",
    ]
    sealed = stored_spec(database_url, made["id"])["target"]["url"]
    assert sealed.startswith("sealed:v1:") and "slack" not in sealed

    renamed = {**made["spec"], "name": "alerts"}
    answer = await admin.put(
        f"/channels/{made['id']}", json=renamed, headers={"If-Match": f'"{made["generation"]}"'}
    )
    assert body(answer, 200)["spec"]["name"] == "alerts"
    assert stored_spec(database_url, made["id"])["target"]["url"] == sealed
    listed = body(await admin.get("/channels"), 200)["items"]
    assert [c["spec"]["target"]["url"] for c in listed] == [MASK]


async def test_a_webhook_s_masked_secret_does_not_follow_it_to_a_new_address(
    admin: httpx.AsyncClient,
) -> None:
    made = body(await create(admin, HOOK), 201)
    moved = {**made["spec"], "target": {**made["spec"]["target"], "url": "https://elsewhere.test/"}}
    answer = await admin.put(
        f"/channels/{made['id']}", json=moved, headers={"If-Match": f'"{made["generation"]}"'}
    )
    problem = body(answer, 422)
    assert [e["field"] for e in problem["errors"]] == ["target.secret"]


@pytest.mark.parametrize(
    ("target", "extra", "field", "says"),
    [
        ({"type": "slack", "url": "ftp://x.test/"}, {}, "target.url", "http:// or https://"),
        ({**HOOK, "secret": "short"}, {}, "target.secret", "at least 16"),
        ({**HOOK, "url": "not a url"}, {}, "target.webhook.url", "absolute"),
        ({"type": "sms"}, {}, "target", "type must be one of"),
        (
            {"type": "email", "host": "smtp.test", "sender": "z@x.test", "recipients": ["nope"]},
            {},
            "target.email.recipients",
            "name@example.com",
        ),
        ({"type": "ntfy", "topic": "a b"}, {}, "target.ntfy.topic", "letters, digits"),
        (
            {"type": "telegram", "bot_token": "1:a", "chat_id": "x"},
            {},
            "target.telegram.chat_id",
            "number",
        ),
        (HOOK, {"events": ["test"]}, "events", "Send a test"),
        (HOOK, {"events": ["deployment.failed", "deployment.failed"]}, "events", "twice"),
        (HOOK, {"name": "a\nb"}, "name", "line breaks"),
        ({**HOOK, "secret": "sealed:v1:abc"}, {}, "target.secret", "must not start"),
    ],
)
async def test_bad_channels_are_refused_at_their_field(
    admin: httpx.AsyncClient, target: dict[str, Any], extra: dict[str, Any], field: str, says: str
) -> None:
    problem = body(await create(admin, target, **extra), 422)
    assert [e["field"] for e in problem["errors"]] == [field], problem
    assert says in problem["errors"][0]["reason"]
    assert body(await admin.get("/channels"), 200)["items"] == []


async def test_send_a_test_queues_one_message_and_a_deleted_channel_takes_its_log(
    admin: httpx.AsyncClient, database_url: str
) -> None:
    channel = body(await create(admin, HOOK), 201)
    sent = body(await admin.post(f"/channels/{channel['id']}/test"), 201)
    assert sent["spec"]["event"]["type"] == "test" and sent["phase"] is None
    assert (await admin.post(f"/channels/{channel['id']}/test")).status_code == 429
    log = body(await admin.get(f"/channels/{channel['id']}/notifications"), 200)["items"]
    assert [m["id"] for m in log] == [sent["id"]]
    assert body(await admin.get(f"/notifications/{sent['id']}"), 200)["parent_id"] == channel["id"]

    assert (await admin.delete(f"/channels/{channel['id']}")).status_code == 202
    assert (await admin.get(f"/notifications/{sent['id']}")).status_code == 404
    with psycopg.connect(database_url) as conn:
        left = conn.execute("SELECT count(*) FROM notifications").fetchone()
    assert left == (0,)
    missing = await admin.post(f"/channels/{uuid.uuid4()}/test")
    assert missing.status_code == 404


async def test_two_channels_cannot_share_a_name(admin: httpx.AsyncClient) -> None:
    body(await create(admin, HOOK), 201)
    problem = body(await create(admin, HOOK), 422)
    assert [e["field"] for e in problem["errors"]] == ["name"]


@pytest.mark.parametrize(
    ("target", "moved"),
    [
        (
            {
                "type": "ntfy",
                "server_url": "https://ntfy.example.test",
                "topic": "t",
                "token": "tk",
            },
            {"server_url": "https://elsewhere.test"},
        ),
        (
            {"type": "telegram", "bot_token": "1:abc", "chat_id": "-100"},
            {"api_url": "https://elsewhere.test"},
        ),
        (
            {
                "type": "email",
                "host": "smtp.example.test",
                "username": "u",
                "password": "p",
                "sender": "z@example.test",
                "recipients": ["a@example.test"],
            },
            {"host": "smtp.elsewhere.test"},
        ),
        (
            {
                "type": "email",
                "host": "smtp.example.test",
                "username": "u",
                "password": "p",
                "sender": "z@example.test",
                "recipients": ["a@example.test"],
            },
            {"security": "none"},
        ),
    ],
)
async def test_a_stored_secret_never_follows_a_channel_to_a_new_destination(
    admin: httpx.AsyncClient, target: dict[str, Any], moved: dict[str, Any]
) -> None:
    made = body(await create(admin, target), 201)
    shown = made["spec"]["target"]
    answer = await admin.put(
        f"/channels/{made['id']}",
        json={**made["spec"], "target": {**shown, **moved}},
        headers={"If-Match": f'"{made["generation"]}"'},
    )
    problem = body(answer, 422)
    assert problem["errors"][0]["field"].startswith("target.")
    assert "never follows" in problem["errors"][0]["reason"]


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"type": "ntfy", "topic": "t", "token": "sëcret"}, "target.token"),
        ({"type": "telegram", "bot_token": "1:ä", "chat_id": "-1"}, "target.bot_token"),
        ({**HOOK, "secret": "x" * 2049}, "target.secret"),
        (
            {"type": "email", "host": "h.test", "sender": "a,b@x.test", "recipients": ["c@x.test"]},
            "target.email.sender",
        ),
        (
            {"type": "email", "host": "h.test", "sender": "z@x.test", "recipients": ["a<b@x.test"]},
            "target.email.recipients",
        ),
    ],
)
async def test_what_a_header_or_url_cannot_carry_is_refused(
    admin: httpx.AsyncClient, target: dict[str, Any], field: str
) -> None:
    problem = body(await create(admin, target), 422)
    assert [e["field"] for e in problem["errors"]] == [field], problem
