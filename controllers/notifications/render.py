"""An event as each kind of channel takes it: the JSON of a signed webhook, a chat service's
incoming webhook, ntfy or Telegram, or an email. Pure: the secrets come in clear, the sending
is the messenger's."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from uuid import UUID

from zaneops.adapters.messaging import SmtpServer
from zaneops.specs.notifications import (
    ChatTarget,
    EmailTarget,
    Event,
    NtfyTarget,
    Target,
    TelegramTarget,
    WebhookTarget,
)

# What chat services show of one message's text at most; Discord refuses a message over 2000.
CHAT_LIMIT = 3500
DISCORD_LIMIT = 2000
SIGNATURE_HEADER = "X-Zane-Signature"
TIMESTAMP_HEADER = "X-Zane-Timestamp"


@dataclass(frozen=True)
class HttpPost:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Email:
    server: SmtpServer
    message: EmailMessage


Outgoing = HttpPost | Email


def outgoing(target: Target, event: Event, delivery_id: UUID, now: datetime) -> Outgoing:
    """The message for this target. Secrets in target are in clear here."""
    match target:
        case WebhookTarget():
            return _webhook(target, event, delivery_id, now)
        case ChatTarget():
            return _chat(target, event)
        case NtfyTarget():
            return _ntfy(target, event)
        case TelegramTarget():
            return _telegram(target, event)
        case EmailTarget():
            return _email(target, event, delivery_id, now)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _webhook(target: WebhookTarget, event: Event, delivery_id: UUID, now: datetime) -> HttpPost:
    body = _json({"delivery_id": str(delivery_id), "event": event.model_dump(mode="json")})
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Zane-Event": event.type.value,
        "X-Zane-Delivery": str(delivery_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(target.secret, timestamp, body),
    }
    return HttpPost(target.url, body, headers)


def plain_text(event: Event) -> str:
    parts = [event.title, event.text]
    if event.link:
        parts.append(event.link)
    return "\n".join(p for p in parts if p)


def _chat(target: ChatTarget, event: Event) -> HttpPost:
    link = f"\n{event.link}" if event.link else ""
    if target.type == "discord":
        head = f"**{event.title}**\n"
        text = event.text[: DISCORD_LIMIT - len(head) - len(link)]
        payload: dict[str, Any] = {
            "content": f"{head}{text}{link}",
            "allowed_mentions": {"parse": []},  # a service's output never pings anyone
        }
    elif target.type == "teams":
        payload = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": event.title,
            "title": event.title,
            "text": f"{event.text[:CHAT_LIMIT]}{link}",
        }
    else:  # Slack and Mattermost take the same incoming-webhook JSON
        opened = f"\n<{event.link}|Open in ZaneOps>" if event.link else ""
        title, text = _slack_escape(event.title), _slack_escape(event.text[:CHAT_LIMIT])
        if target.type == "mattermost":  # a bare @channel, @all or @name pings there
            title, text = _unmention(title), _unmention(text)
        payload = {"text": f"*{title}*\n{text}{opened}"}
    return HttpPost(target.url, _json(payload), {"Content-Type": "application/json"})


def _unmention(text: str) -> str:
    return text.replace("@", "@\u200b")  # a zero-width space: shown the same, pings nobody


def _slack_escape(text: str) -> str:
    """Slack reads <...> as links and mentions: a log line must not ping @channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ntfy(target: NtfyTarget, event: Event) -> HttpPost:
    payload: dict[str, Any] = {
        "topic": target.topic,
        "title": event.title,
        "message": event.text or event.title,
        "tags": ["warning"] if _is_bad(event) else ["white_check_mark"],
        "priority": 4 if _is_bad(event) else 3,
    }
    if event.link:
        payload["click"] = event.link
    headers = {"Content-Type": "application/json"}
    if target.token:
        headers["Authorization"] = f"Bearer {target.token}"
    return HttpPost(target.server_url.rstrip("/") + "/", _json(payload), headers)


def _telegram(target: TelegramTarget, event: Event) -> HttpPost:
    url = f"{target.api_url.rstrip('/')}/bot{target.bot_token}/sendMessage"
    payload = {
        "chat_id": target.chat_id,
        "text": plain_text(event)[:4000],
        "disable_web_page_preview": True,
    }
    return HttpPost(url, _json(payload), {"Content-Type": "application/json"})


def _email(target: EmailTarget, event: Event, delivery_id: UUID, now: datetime) -> Email:
    message = EmailMessage()
    message["Subject"] = f"[ZaneOps] {' '.join(event.title.split())}"  # one line, always
    message["From"] = target.sender
    message["To"] = ", ".join(target.recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(str(delivery_id), domain=target.sender.rpartition("@")[2])
    message["X-Zane-Event"] = event.type.value
    message.set_content(plain_text(event) + "\n")
    server = SmtpServer(
        host=target.host,
        port=target.port,
        security=target.security,
        username=target.username,
        password=target.password,
    )
    return Email(server, message)


def _is_bad(event: Event) -> bool:
    return event.type.value.endswith(("failed", "unavailable", "rolled_back"))
