"""Notifications: channels (where messages go, and which events each wants) and one row per
message to send (an event for a channel), which the notifications controller delivers, with
retries, and keeps as the channel's delivery log."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Discriminator, Field, Tag, field_validator
from pydantic_core import PydanticCustomError

from ._base import SpecModel, type_tag
from ._rules import first_duplicate, refuse
from ._urls import check_http_url
from .fields import Port, WebUrl

MAX_SECRET = 4096  # as stored: sealed, a secret is about 4/3 of its clear length plus 100
MAX_CLEAR_SECRET = 2048
MAX_RECIPIENTS = 20
MAX_PROJECTS = 100
MAX_TEXT = 4000
MAX_TITLE = 200


class EventType(StrEnum):
    """What a channel can be told; `test` is only what "Send a test" sends."""

    DEPLOYMENT_SUCCEEDED = "deployment.succeeded"
    DEPLOYMENT_FAILED = "deployment.failed"
    DEPLOYMENT_ROLLED_BACK = "deployment.rolled_back"
    BUILD_FAILED = "build.failed"
    SERVICE_UNAVAILABLE = "service.unavailable"
    BACKUP_FAILED = "backup.failed"
    BACKUP_MISSING = "backup.missing"
    JOB_FAILED = "job.failed"
    METRIC_ABOVE = "metric.above"
    METRIC_RECOVERED = "metric.recovered"
    CERTIFICATE_FAILED = "certificate.failed"
    NODE_DOWN = "node.down"  # and back up: the same spell's end
    DISK_FULL = "node.disk_full"  # above the threshold (90 %), and back under
    TEST = "test"


SUBSCRIBABLE = tuple(e for e in EventType if e is not EventType.TEST)
# What a new channel hears unless told otherwise: everything that needs a person.
DEFAULT_EVENTS = tuple(e for e in SUBSCRIBABLE if e is not EventType.DEPLOYMENT_SUCCEEDED)


class NotificationPhase(StrEnum):
    """Where a message stands; the notifications controller writes it to status.details."""

    PENDING = "PENDING"  # not sent yet, or sent and refused: tried again later
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # every attempt refused; the reason says the last answer
    GROUPED = "GROUPED"  # the same thing again soon after: counted in a message, not sent


ENDED = frozenset(
    {NotificationPhase.DELIVERED, NotificationPhase.FAILED, NotificationPhase.GROUPED}
)

# A secret as sent (checked by the API before sealing: see clear_secret_problems) or sealed.
Secret = Annotated[str, Field(min_length=1, max_length=MAX_SECRET)]

# ASCII atext only: no ',', '<', '>', '"', ':' or ';' that a header would read as syntax.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CHAT_ID = re.compile(r"-?[0-9]{1,20}|@[A-Za-z0-9_]{5,32}")
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def _has_control(value: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in value)


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise refuse("invalid_email", "an email address looks like name@example.com")
    return value


Email = Annotated[str, Field(max_length=254)]


class WebhookTarget(SpecModel):
    type: Literal["webhook"] = "webhook"
    url: WebUrl = Field(description="Receives each event as JSON in a POST.")
    secret: Secret = Field(
        description="Signs each POST: X-Zane-Signature is sha256=HMAC-SHA256(secret, "
        "X-Zane-Timestamp + '.' + body), hex. At least 16 characters; sealed when stored."
    )


class ChatTarget(SpecModel):
    """An incoming webhook of a chat service: its URL holds the credential, so it is a secret."""

    type: Literal["slack", "discord", "mattermost", "teams"]
    url: Secret = Field(description="The incoming webhook's URL (http or https); sealed.")


class NtfyTarget(SpecModel):
    type: Literal["ntfy"] = "ntfy"
    server_url: WebUrl = Field(default="https://ntfy.sh", description="The ntfy server.")
    topic: str = Field(description="The topic: letters, digits, '-' and '_', up to 64.")
    token: Secret | None = Field(
        default=None, description="An access token, if the topic needs one; sealed."
    )

    @field_validator("topic")
    @classmethod
    def _a_topic(cls, topic: str) -> str:
        if not _TOPIC.fullmatch(topic):
            raise refuse("invalid_topic", "a topic has 1 to 64 letters, digits, '-' or '_'")
        return topic


class TelegramTarget(SpecModel):
    type: Literal["telegram"] = "telegram"
    bot_token: Secret = Field(description="The bot's token from BotFather; sealed.")
    chat_id: str = Field(description="The chat: its number, or @channelname.")
    api_url: WebUrl = Field(
        default="https://api.telegram.org", description="The Bot API server (a local one, too)."
    )

    @field_validator("chat_id")
    @classmethod
    def _a_chat(cls, chat_id: str) -> str:
        if not _CHAT_ID.fullmatch(chat_id):
            raise refuse("invalid_chat_id", "a chat is a number (e.g. -1001234) or @channelname")
        return chat_id


class EmailTarget(SpecModel):
    type: Literal["email"] = "email"
    host: str = Field(description="The SMTP server's host name or address.")
    port: Port = Field(default=587)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls: upgrade a plain connection (port 587); tls: TLS from the start "
        "(port 465); none: no encryption (a relay on the same machine only).",
    )
    username: str | None = Field(default=None, max_length=254, pattern=r"^[\x21-\x7e]+$")
    password: Secret | None = Field(default=None, description="Sealed.")
    sender: Email = Field(description="The From address.")
    recipients: list[Email] = Field(min_length=1, max_length=MAX_RECIPIENTS)

    @field_validator("host")
    @classmethod
    def _a_host(cls, host: str) -> str:
        if not _HOST.fullmatch(host):
            raise refuse("invalid_host", "a host is a name like smtp.example.com or an address")
        return host

    @field_validator("sender")
    @classmethod
    def _a_sender(cls, sender: str) -> str:
        return _check_email(sender)

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, recipients: list[str]) -> list[str]:
        for address in recipients:
            _check_email(address)
        twice = first_duplicate(a.lower() for a in recipients)
        if twice is not None:
            raise refuse("duplicate_recipient", f"{twice} is listed twice")
        return recipients


def _target_tag(value: Any) -> str | None:
    tag = type_tag(value)
    return "chat" if tag in ("slack", "discord", "mattermost", "teams") else str(tag)


Target = Annotated[
    Annotated[WebhookTarget, Tag("webhook")]
    | Annotated[ChatTarget, Tag("chat")]
    | Annotated[NtfyTarget, Tag("ntfy")]
    | Annotated[TelegramTarget, Tag("telegram")]
    | Annotated[EmailTarget, Tag("email")],
    Discriminator(
        _target_tag,
        custom_error_type="invalid_channel_type",
        custom_error_message="type must be one of webhook, slack, discord, mattermost, teams, "
        "ntfy, telegram, email",
    ),
]


class ChannelSpec(SpecModel):
    name: str = Field(min_length=1, max_length=100, description="What people call it.")
    enabled: bool = Field(default=True, description="Off: nothing is sent to it.")
    events: list[EventType] = Field(
        default=list(DEFAULT_EVENTS),
        min_length=1,
        description="What it is told of (every failure by default, not successes).",
    )
    projects: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_PROJECTS,
        description="The projects whose events it hears; empty: every project.",
    )
    target: Target

    @field_validator("name")
    @classmethod
    def _a_name(cls, name: str) -> str:
        if _has_control(name):
            raise refuse("invalid_name", "a name may not contain line breaks or control characters")
        return name

    @field_validator("events")
    @classmethod
    def _events(cls, events: list[EventType]) -> list[EventType]:
        if EventType.TEST in events:
            raise refuse("invalid_event", "'test' is sent by Send a test, not subscribed to")
        twice = first_duplicate(events)
        if twice is not None:
            raise refuse("duplicate_event", f"{twice.value} is listed twice")
        return events

    @field_validator("projects")
    @classmethod
    def _projects(cls, projects: list[UUID]) -> list[UUID]:
        twice = first_duplicate(projects)
        if twice is not None:
            raise refuse("duplicate_project", f"{twice} is listed twice")
        return projects

    def hears(self, event: EventType, project_id: UUID | None) -> bool:
        """Whether an event of this project goes to this channel (a test always does)."""
        if event is EventType.TEST:
            return True
        if not self.enabled or event not in self.events:
            return False
        return not self.projects or project_id in self.projects


# Where a channel's spec holds secrets, by target type (sealed by the API, masked on read).
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "webhook": ("secret",),
    "slack": ("url",),
    "discord": ("url",),
    "mattermost": ("url",),
    "teams": ("url",),
    "ntfy": ("token",),
    "telegram": ("bot_token",),
    "email": ("password",),
}
MIN_SIGNING_SECRET = 16
# Where each kind of channel sends: a stored secret is kept (sent back masked) only while
# these stay the same, so a secret never follows the message to a new address.
DESTINATION_FIELDS: dict[str, tuple[str, ...]] = {
    "webhook": ("url",),
    "ntfy": ("server_url",),
    "telegram": ("api_url",),
    "email": ("host", "port", "security", "username"),
}


def clear_secret_problem(target_type: str, field: str, value: str) -> str | None:
    """What is wrong with a secret as sent in clear (the model sees only its length, since it
    also holds the sealed form), or None."""
    if field == "url":
        try:
            check_http_url(value)
        except PydanticCustomError as exc:
            return exc.message()
        return None
    rules = [
        (len(value) > MAX_CLEAR_SECRET, f"at most {MAX_CLEAR_SECRET} characters"),
        (_has_control(value), "may not contain line breaks or control characters"),
        (
            field != "secret" and not value.isascii(),
            "only ASCII characters (it travels in a header or a URL)",
        ),
        (
            target_type == "webhook" and len(value) < MIN_SIGNING_SECRET,
            f"a signing secret has at least {MIN_SIGNING_SECRET} characters",
        ),
    ]
    return next((reason for broken, reason in rules if broken), None)


class Event(SpecModel):
    """One thing that happened, as told to a channel."""

    type: EventType
    key: str = Field(
        max_length=300,
        description="One message per channel and key: what was seen twice is sent once.",
    )
    group: str | None = Field(
        default=None,
        max_length=300,
        description="Events of one group close together are one message (a crash loop).",
    )
    title: str = Field(max_length=MAX_TITLE)
    text: str = Field(default="", max_length=MAX_TEXT)
    link: str | None = Field(default=None, max_length=2048, description="Where to look.")
    project_id: UUID | None = None
    service_id: UUID | None = None
    subject_id: UUID | None = Field(
        default=None, description="The deployment, backup or run the event is about."
    )
    occurred_at: datetime


class NotificationSpec(SpecModel):
    event: Event
    grouped_into: UUID | None = Field(
        default=None,
        description="The message this one is counted in (the same thing again soon after): "
        "not sent itself.",
    )
