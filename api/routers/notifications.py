"""Notification channels (where messages go, which events and projects each hears), their
delivery logs, and "Send a test". The notifications controller sends; the API only edits.

A channel's secrets (a webhook's signing secret, a chat service's webhook URL, a token, an
SMTP password) are checked in clear, sealed before they are stored, and masked when read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Response

from api.auth.principal import Ctx, CurrentUser
from api.context import ApiContext
from api.crud import KindApi, add_create, add_item, add_list, load, set_etag
from api.errors import ApiError, invalid
from api.schemas import Channel, Notification
from api.sealing import seal_sent_secret
from zaneops.common.errors import Conflict
from zaneops.common.secrets import MASK
from zaneops.specs.kinds import Kind
from zaneops.specs.notifications import (
    DESTINATION_FIELDS,
    SECRET_FIELDS,
    ChannelSpec,
    Event,
    EventType,
    NotificationSpec,
    clear_secret_problem,
)
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["notifications"])
Spec = dict[str, Any]
MAX_CHANNELS = 100
# "Send a test" at most this often per channel: a button held down sends one message.
TEST_INTERVAL = timedelta(seconds=3)


async def seal_channel(
    ctx: ApiContext, spec: Spec, current: StoredObject | None, _: UUID | None
) -> Spec:
    """Each secret of the target checked in clear and sealed; a masked one keeps the stored one
    (only while the target's type and, for a webhook, its URL stay the same)."""
    others = [
        c
        for c in await ctx.store.page(Kind.CHANNELS, None, None, MAX_CHANNELS + 1)
        if not c.is_deleted and (current is None or c.id != current.id)
    ]
    if current is None and len(others) >= MAX_CHANNELS:
        raise ApiError(409, "too_many_channels", f"at most {MAX_CHANNELS} channels")
    if any(c.spec.get("name") == spec["name"] for c in others):
        raise invalid("name", "another channel has this name", "duplicate_name")
    target = dict(spec["target"])
    stored = _stored_target(current, target)
    for field in SECRET_FIELDS[target["type"]]:
        value = target.get(field)
        if isinstance(value, str):
            target[field] = _sealed(ctx, str(target["type"]), field, value, stored.get(field))
    return {**spec, "target": target}


def _stored_target(current: StoredObject | None, sent: Spec) -> Spec:
    """The stored target whose secrets a masked value may keep: same type, same destination
    (a secret never follows the message to a new address)."""
    if current is None:
        return {}
    stored = dict(current.spec.get("target") or {})
    if stored.get("type") != sent["type"]:
        return {}
    where = DESTINATION_FIELDS.get(str(sent["type"]), ())
    moved = [field for field in where if stored.get(field) != sent.get(field)]
    return {} if moved else stored


def _sealed(ctx: ApiContext, kind: str, field: str, value: str, stored: str | None) -> str:
    return seal_sent_secret(
        ctx.secret_box,
        f"target.{field}",
        value,
        stored,
        problem=lambda clear: clear_secret_problem(kind, field, clear),
        why_nothing_stored="nothing is stored for it, or the channel's address changed (a "
        "stored secret never follows it)",
    )


def mask_channel(spec: Spec) -> Spec:
    target = dict(spec.get("target") or {})
    for field in SECRET_FIELDS.get(str(target.get("type")), ()):
        if target.get(field) is not None:
            target[field] = MASK
    return {**spec, "target": target}


CHANNELS = KindApi(
    Kind.CHANNELS,
    ChannelSpec,
    Channel,
    "channel",
    prepare=seal_channel,
    present=mask_channel,
    follow_ups=(("test_channel", "id"), ("list_notifications", "channel_id")),
)
NOTIFICATIONS = KindApi(Kind.NOTIFICATIONS, NotificationSpec, Notification, "notification")

add_list(router, CHANNELS, "/channels", None)
add_create(router, CHANNELS, "/channels", None)
add_item(router, CHANNELS, "/channels/{id}")  # deleting one deletes its delivery log
add_list(router, NOTIFICATIONS, "/channels/{channel_id}/notifications", "channel_id")
add_item(router, NOTIFICATIONS, "/notifications/{id}", writable=False)


@router.post(
    "/channels/{id}/test",
    response_model=Notification,
    status_code=201,
    operation_id="test_channel",
    summary="Send a test message to a channel (delivered like any other, and logged)",
)
async def send_test(
    ctx: Ctx,
    _: CurrentUser,
    channel_id: Annotated[UUID, Path(alias="id")],
    response: Response,
) -> Any:
    channel = await load(ctx, Kind.CHANNELS, channel_id)
    if channel.is_deleted:
        raise Conflict(f"channels/{channel_id} is being deleted")
    newest = await ctx.store.page(Kind.NOTIFICATIONS, channel_id, None, 1)
    now = datetime.now(UTC)
    if newest and _is_recent_test(newest[0], now):
        raise ApiError(429, "too_many_tests", "a test was just sent: wait a few seconds")
    event = Event(
        type=EventType.TEST,
        key=f"test:{uuid4()}",
        title="Test message from ZaneOps",
        text=f"A test of the channel {channel.spec['name']!r}: if you read this, it works.",
        occurred_at=now,
    )
    spec = NotificationSpec(event=event).model_dump(mode="json")
    obj = await ctx.store.create_under(Kind.NOTIFICATIONS, spec, channel_id)
    set_etag(response, obj)
    return NOTIFICATIONS.show(obj)


def _is_recent_test(message: StoredObject, now: datetime) -> bool:
    return message.spec["event"]["type"] == "test" and now - message.created_at < TEST_INTERVAL
