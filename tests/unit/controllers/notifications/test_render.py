"""Each kind of channel gets the message in its own form, and what a service printed can
neither ping a chat nor forge an email header."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from controllers.notifications.render import Email, HttpPost, outgoing
from zaneops.specs.notifications import Event, EventType, Target

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EVENT = Event(
    type=EventType.DEPLOYMENT_FAILED,
    key="deployment:x:failed",
    title="Deployment failed: shop/production/web",
    text="it printed <!channel> and @everyone & left",
    link="https://zane.example.test/services/s/deployments",
    occurred_at=NOW,
)
TARGETS: TypeAdapter[Target] = TypeAdapter(Target)


def sent(target: dict[str, Any], event: Event = EVENT) -> HttpPost | Email:
    return outgoing(TARGETS.validate_python(target), event, uuid.UUID(int=7), NOW)


def posted(target: dict[str, Any]) -> tuple[HttpPost, dict[str, Any]]:
    message = sent(target)
    assert isinstance(message, HttpPost)
    return message, json.loads(message.body)


def test_a_webhook_is_the_event_as_json_signed_over_timestamp_and_body() -> None:
    message, body = posted({"type": "webhook", "url": "https://h.test/x", "secret": "s" * 20})
    stamp = message.headers["X-Zane-Timestamp"]
    assert stamp == str(int(NOW.timestamp()))
    mac = hmac.new(b"s" * 20, stamp.encode() + b"." + message.body, hashlib.sha256).hexdigest()
    assert message.headers["X-Zane-Signature"] == f"sha256={mac}"
    assert body["event"]["type"] == "deployment.failed" and body["delivery_id"] == str(
        uuid.UUID(int=7)
    )


@pytest.mark.parametrize("kind", ["slack", "mattermost"])
def test_slack_and_mattermost_escape_what_would_ping_or_link(kind: str) -> None:
    _, body = posted({"type": kind, "url": "https://h.test/hook"})
    assert "<!channel>" not in body["text"] and "&lt;!channel&gt;" in body["text"]
    assert "<https://zane.example.test/services/s/deployments|Open in ZaneOps>" in body["text"]


def test_discord_mentions_nobody_whatever_the_text_says() -> None:
    _, body = posted({"type": "discord", "url": "https://h.test/hook"})
    assert body["allowed_mentions"] == {"parse": []} and "@everyone" in body["content"]


def test_teams_gets_a_message_card_and_ntfy_a_json_publish_with_its_token() -> None:
    _, card = posted({"type": "teams", "url": "https://h.test/hook"})
    assert card["@type"] == "MessageCard" and card["title"] == EVENT.title
    message, body = posted(
        {"type": "ntfy", "server_url": "https://n.test", "topic": "ops", "token": "tk"}
    )
    assert message.url == "https://n.test/" and message.headers["Authorization"] == "Bearer tk"
    assert body["topic"] == "ops" and body["click"] == EVENT.link and body["priority"] == 4


def test_telegram_puts_the_token_in_the_path_and_the_chat_in_the_body() -> None:
    message, body = posted({"type": "telegram", "bot_token": "123:abc", "chat_id": "-100200"})
    assert message.url == "https://api.telegram.org/bot123:abc/sendMessage"
    assert body["chat_id"] == "-100200" and EVENT.link in body["text"]


def test_an_email_has_the_title_as_subject_and_every_recipient() -> None:
    target = {
        "type": "email",
        "host": "smtp.example.test",
        "sender": "zane@example.test",
        "recipients": ["a@example.test", "b@example.test"],
        "username": "u",
        "password": "p",
    }
    message = sent(target)
    assert isinstance(message, Email)
    assert message.message["Subject"] == f"[ZaneOps] {EVENT.title}"
    assert message.message["To"] == "a@example.test, b@example.test"
    assert EVENT.link is not None and EVENT.link in message.message.get_content()
    assert (message.server.port, message.server.security, message.server.password) == (
        587,
        "starttls",
        "p",
    )


def test_a_title_cannot_add_an_email_header() -> None:
    forged = EVENT.model_copy(update={"title": "x\r\nBcc: victim@example.test"})
    target = {
        "type": "email",
        "host": "h.test",
        "sender": "z@example.test",
        "recipients": ["a@example.test"],
    }
    message = sent(target, forged)
    assert isinstance(message, Email)
    assert message.message["Bcc"] is None
    assert message.message["Subject"] == "[ZaneOps] x Bcc: victim@example.test"


def test_mattermost_shows_an_at_sign_that_pings_nobody() -> None:
    _, body = posted({"type": "mattermost", "url": "https://h.test/hook"})
    assert "@everyone" not in body["text"] and "@\u200beveryone" in body["text"]


def test_discord_never_gets_more_than_it_takes() -> None:
    long = EVENT.model_copy(update={"title": "t" * 200, "text": "x" * 4000})
    message = sent({"type": "discord", "url": "https://h.test/hook"}, long)
    assert isinstance(message, HttpPost)
    content = json.loads(message.body)["content"]
    assert len(content) <= 2000 and content.endswith(str(EVENT.link))
