"""The notifications controller: it watches the statuses other controllers write (deployments,
services, backups, runs, domains), turns what happened into events (events.py), and inserts
one message per event and channel that hears it; then it delivers each message, trying again
with growing waits when the receiver is down, and records the answer: the channel's delivery
log.

An event's key makes it one message per channel, however often it is seen (a restart looks
back at what changed while it was down). A service down again soon after its last message is
counted in that message (one message for a crash loop).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from pydantic import ValidationError

from zaneops.adapters.messaging import Answer, Refused
from zaneops.common.secrets import SecretsUnavailable
from zaneops.runtime.controller import Context, Controller, Result, Watch
from zaneops.specs import Condition, ConditionStatus, ServiceSpec, Status
from zaneops.specs.backup import overdue
from zaneops.specs.kinds import Kind
from zaneops.specs.notifications import (
    ENDED,
    SECRET_FIELDS,
    ChannelSpec,
    Event,
    NotificationPhase,
    NotificationSpec,
    Target,
)
from zaneops.specs.objects import Key, StoredObject

from .alerts import AlertCheck, above_event, checks_of, recovered_event
from .events import Place, event_of, missing_backup_event
from .ports import Log, Metrics, Rows, Sender
from .render import Email, HttpPost, outgoing
from .server_checks import STARTED, ServerCheck, ended_event, started_event
from .server_checks import checks as server_checks
from .settings import NotificationsSettings

EVENTS = Key(Kind.NOTIFICATIONS, UUID(int=0))  # not a row: the rows changed since last look
LATE_BACKUPS = Key(Kind.NOTIFICATIONS, UUID(int=1))  # not a row: a look at every schedule
ALERTS = Key(Kind.NOTIFICATIONS, UUID(int=2))  # not a row: a look at every metric alert
SERVERS = Key(Kind.NOTIFICATIONS, UUID(int=3))  # not a row: a look at every server
WATCHED = (Kind.DEPLOYMENTS, Kind.SERVICES, Kind.BACKUPS, Kind.RUNS, Kind.DOMAINS)
MAX_NOTED = 10_000  # rows noted between looks; past it, the next look reads what changed
LOOK_BACK_ROWS = 2000  # per kind
DELIVERED = "Delivered"
log = structlog.get_logger()
# However long ago a look-back reaches, an event older than this is history, not news.
NEWS_MINUTES = 10.0


class NotificationsController(Controller):
    name = "notifications"
    kind = Kind.NOTIFICATIONS
    global_keys = (EVENTS, LATE_BACKUPS, ALERTS, SERVERS)

    def __init__(
        self,
        settings: NotificationsSettings,
        rows: Rows,
        log: Log,
        sender: Sender,
        *,
        open_secret: Callable[[str], str],
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.rows = rows
        self.log = log
        self.sender = sender
        self.open_secret = open_secret
        self.metrics = metrics
        # Alerts above their threshold (and servers in trouble) since when, by their key
        # prefix (read back from the messages at the first look after a start: a spell is
        # told once).
        self._firing: dict[str, datetime] = {}
        self._recalled: set[str] = set()
        self._noted: dict[tuple[Kind, UUID], None] = {}  # ordered, without repeats
        self._must_look_back = True
        self._sent_at: dict[UUID, deque[float]] = {}  # per channel, for its rate
        self.watches = tuple(Watch(kind, self._note(kind), status_changes=True) for kind in WATCHED)

    def _note(self, kind: Kind) -> Callable[[UUID], Awaitable[list[Key]]]:
        async def to_keys(row_id: UUID) -> list[Key]:
            if len(self._noted) >= MAX_NOTED:
                self._must_look_back = True
            else:
                self._noted[(kind, row_id)] = None
            return [EVENTS]

        return to_keys

    # --- events: what changed, told to the channels that hear it ---------------------------

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        if key == LATE_BACKUPS:
            await self._tell_late_backups(ctx)
            return Result(requeue_after=self.settings.backup_check_seconds)
        if key == ALERTS:
            if self.metrics is not None:
                await self._tell_alerts(ctx, self.metrics)
            return Result(requeue_after=self.settings.alert_check_seconds)
        if key == SERVERS:
            if self.metrics is not None:
                await self._tell_servers(ctx, self.metrics)
            return Result(requeue_after=self.settings.server_check_seconds)
        await self._tell_noted(ctx)
        return Result()

    async def _tell_noted(self, ctx: Context) -> None:
        """The rows changed since the last look (and, after a start, the last hour's)."""
        if self._must_look_back:
            await self._look_back()
            self._must_look_back = False
        noted, self._noted = list(self._noted), {}
        channels = await self._channels()
        places: dict[UUID, Place | None] = {}
        for index, (kind, row_id) in enumerate(noted):
            try:
                await self._tell(ctx, kind, row_id, channels, places)
            except ValidationError as exc:  # a row no event can be read from: skipped, logged
                ctx.log.warning("event not readable", row=f"{kind}/{row_id}", error=str(exc))
            except BaseException:
                for left in noted[index:]:  # looked at again next time
                    self._noted.setdefault(left, None)
                raise

    async def _channels(self) -> list[tuple[UUID, ChannelSpec]]:
        """The live channels whose spec reads; one that does not (stored by hand, or by an
        older version) is skipped and said in the log, never stopping the others."""
        readable = []
        for row in await self.log.live_channels():
            try:
                readable.append((row.id, ChannelSpec.model_validate(row.spec)))
            except ValidationError as exc:
                log.warning("channel not readable: skipped", channel=str(row.id), error=str(exc))
        return readable

    async def _tell_late_backups(self, ctx: Context) -> None:
        """Scheduled databases with no verified backup in twice their interval."""
        channels = await self._channels()
        if not channels:
            return
        now = datetime.now(UTC)
        places: dict[UUID, Place | None] = {}
        for found in await self.log.backup_schedules():
            since = found.last_verified or found.first_scheduled
            reason = overdue(found.schedule, since, now) if since else None
            if reason is None or since is None:
                continue
            if found.service_id not in places:
                places[found.service_id] = await self._read_place(found.service_id)
            place = places[found.service_id]
            if place is not None:
                base = self.settings.dashboard_url
                event = missing_backup_event(place, reason, since, now, base)
                await self._tell_channels(ctx, event, channels)

    async def _tell_alerts(self, ctx: Context, metrics: Metrics) -> None:
        """Each metric alert above its threshold for its minutes is told once, and again when
        it comes back under."""
        channels = await self._channels()
        places: dict[UUID, Place | None] = {}
        for row in await self.log.services_with_alerts():
            try:
                checks = checks_of(row.id, ServiceSpec.model_validate(row.spec))
            except ValidationError:
                continue  # its own reconcile reports it
            for check in checks:
                if row.id not in places:
                    places[row.id] = await self._read_place(row.id)
                place = places[row.id]
                if place is not None:
                    await self._check_alert(ctx, metrics, check, place, channels)

    async def _check_alert(
        self,
        ctx: Context,
        metrics: Metrics,
        check: AlertCheck,
        place: Place,
        channels: list[tuple[UUID, ChannelSpec]],
    ) -> None:
        await self._recall(check.prefix)
        now = datetime.now(UTC)
        base = self.settings.dashboard_url
        fired_at = self._firing.get(check.prefix)
        if fired_at is None:
            lowest = await metrics.value(check.above_query())
            if lowest is not None and lowest > check.alert.above_percent:
                event = above_event(check, place, lowest, now, base)
                await self._tell_channels(ctx, event, channels)
                self._firing[check.prefix] = now  # once told: a failure tells it again
            return
        share = await metrics.value(check.now_query())
        if share is None or share <= check.alert.above_percent:
            event = recovered_event(check, place, share, fired_at, now=now, base=base)
            await self._tell_channels(ctx, event, channels)
            del self._firing[check.prefix]

    async def _recall(self, prefix: str, started: str = ":above:") -> None:
        """After a start: a spell whose newest message says it started is still on."""
        if prefix in self._recalled:
            return
        self._recalled.add(prefix)
        newest = await self.log.newest_key(prefix)
        if newest is not None and started in newest:
            self._firing[prefix] = datetime.fromisoformat(newest.rsplit(started, 1)[1])

    async def _tell_servers(self, ctx: Context, metrics: Metrics) -> None:
        """A server down, a disk above its threshold: told when it starts and when it ends."""
        channels = await self._channels()
        base = self.settings.dashboard_url
        settings = self.settings
        for check in server_checks(settings.disk_full_percent, settings.server_down_seconds):
            for subject, value in (await _subjects(metrics, check, check.trouble)).items():
                prefix = check.prefix(subject)
                await self._recall(prefix, STARTED)
                if prefix not in self._firing:  # noted once told: a failure tells it again
                    now = datetime.now(UTC)
                    event = started_event(check, subject, value, now, base)
                    await self._tell_channels(ctx, event, channels)
                    self._firing[prefix] = now
            for subject, value in (await _subjects(metrics, check, check.fine)).items():
                prefix = check.prefix(subject)
                await self._recall(prefix, STARTED)
                since = self._firing.get(prefix)
                if since is not None:
                    now = datetime.now(UTC)
                    event = ended_event(check, subject, value, since=since, now=now, base=base)
                    await self._tell_channels(ctx, event, channels)
                    del self._firing[prefix]

    async def _look_back(self) -> None:
        since = datetime.now(UTC) - timedelta(minutes=self.settings.look_back_minutes)
        for kind in WATCHED:
            for row_id in await self.log.changed_since(kind, since, LOOK_BACK_ROWS):
                self._noted.setdefault((kind, row_id), None)

    async def _tell(
        self,
        ctx: Context,
        kind: Kind,
        row_id: UUID,
        channels: list[tuple[UUID, ChannelSpec]],
        places: dict[UUID, Place | None],
    ) -> None:
        if not channels:
            return
        row = await self.rows.get(kind, row_id)
        if row is None or row.is_deleted:
            return
        place = await self._place_of(row, places)
        event = event_of(row, place, self.settings.dashboard_url) if place else None
        if event is None or not self._is_news(event):
            return
        await self._tell_channels(ctx, event, channels)

    async def _tell_channels(
        self, ctx: Context, event: Event, channels: list[tuple[UUID, ChannelSpec]]
    ) -> None:
        for channel_id, spec in channels:
            if spec.hears(event.type, event.project_id):
                await self._post(ctx, channel_id, event)

    def _is_news(self, event: Event) -> bool:
        minutes = max(self.settings.look_back_minutes, NEWS_MINUTES)
        return datetime.now(UTC) - event.occurred_at <= timedelta(minutes=minutes)

    async def _post(self, ctx: Context, channel_id: UUID, event: Event) -> None:
        """One row per event key: the message, or (the same thing again soon after a message
        that was not refused) a row counted in that message, logged but not sent."""
        head = None
        if event.group is not None:
            since = datetime.now(UTC) - timedelta(minutes=self.settings.group_minutes)
            head = await self.log.newest_of_group(channel_id, event.group, since)
        ctx.ensure_leader()
        spec = NotificationSpec(event=event, grouped_into=head.id if head else None)
        await self.log.insert_once(channel_id, spec.model_dump(mode="json"))

    async def _place_of(self, row: StoredObject, places: dict[UUID, Place | None]) -> Place | None:
        service_id = _service_id(row)
        if service_id is None:
            return None
        if service_id not in places:
            places[service_id] = await self._read_place(service_id)
        return places[service_id]

    async def _read_place(self, service_id: UUID) -> Place | None:
        service = await self.rows.get(Kind.SERVICES, service_id)
        if service is None or service.parent_id is None:
            return None
        environment = await self.rows.get(Kind.ENVIRONMENTS, service.parent_id)
        if environment is None or environment.parent_id is None:
            return None
        project = await self.rows.get(Kind.PROJECTS, environment.parent_id)
        if project is None:
            return None
        return Place(
            project_id=project.id,
            project=str(project.spec.get("slug")),
            environment=str(environment.spec.get("slug")),
            service_id=service.id,
            service=str(service.spec.get("slug")),
        )

    # --- one message: delivered, or tried again later -------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        details = obj.status.details
        if details.get("phase") in ENDED:
            return Result(obj.status)
        message = NotificationSpec.model_validate(obj.spec)
        if message.grouped_into is not None:
            return await self._ended(obj, _grouped(obj, message.grouped_into))
        wait = _seconds_until(details.get("next_attempt_at"))
        if wait > 0:
            return Result(obj.status, requeue_after=wait)
        return await self._send_now(ctx, obj, message.event)

    async def _send_now(self, ctx: Context, obj: StoredObject, event: Event) -> Result:
        channel = await self.rows.get(Kind.CHANNELS, obj.parent_id) if obj.parent_id else None
        found = self._target_for(obj, channel, event)
        if isinstance(found, Status):
            return await self._ended(obj, found)
        turn = self._turn(found[0])
        if turn > 0:
            return Result(obj.status, requeue_after=turn)
        ctx.ensure_leader()
        result = await self._deliver(obj, found[1], event)
        if result.status is not None and result.status.details.get("phase") in ENDED:
            return await self._ended(obj, result.status)
        return result

    async def _ended(self, obj: StoredObject, status: Status) -> Result:
        """The message's last status; the channel's log trimmed of its oldest ended ones."""
        if obj.parent_id is not None:
            await self.log.trim(obj.parent_id, self.settings.kept_per_channel)
        return Result(status)

    def _target_for(
        self, obj: StoredObject, channel: StoredObject | None, event: Event
    ) -> tuple[UUID, Target] | Status:
        """Where to send it with its secrets opened, or why it is not sent (FAILED)."""
        if channel is None or channel.is_deleted:
            return _failed(obj, "ChannelGone", "its channel was deleted")
        spec = ChannelSpec.model_validate(channel.spec)
        if not spec.hears(event.type, event.project_id):
            message = "the channel was switched off, or no longer hears this event"
            return _failed(obj, "NotHeard", message)
        try:
            return channel.id, self._opened(spec.target)
        except (SecretsUnavailable, ValidationError) as exc:
            return _failed(obj, "SecretUnavailable", f"{exc}: save the channel again")

    async def _deliver(self, obj: StoredObject, target: Target, event: Event) -> Result:
        attempts = int(str(obj.status.details.get("attempts", 0))) + 1
        now = datetime.now(UTC)
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.timeout_seconds * 3):
                answer = await self._send(outgoing(target, event, obj.id, now))
        except Refused as refused:
            return self._refused(obj, attempts, refused)
        except TimeoutError:
            limit = self.settings.timeout_seconds * 3
            return self._refused(obj, attempts, Refused(f"not done within {limit:g} s", True))
        except Exception as exc:  # a message this channel can never take: said, not retried
            said = f"could not be sent: {type(exc).__name__}: {exc}"[:300]
            return self._refused(obj, attempts, Refused(said, retryable=False))
        took = time.monotonic() - began
        delivered_at = datetime.now(UTC)
        details = {
            "phase": NotificationPhase.DELIVERED.value,
            "attempts": attempts,
            "delivered_at": delivered_at.isoformat(),
            "latency_ms": round((delivered_at - event.occurred_at).total_seconds() * 1000),
            "send_ms": round(took * 1000, 1),
            "answer_status": answer.status,
            "answer": answer.excerpt,
        }
        said = f"the receiver answered {answer.status}"
        return Result(_status(obj, NotificationPhase.DELIVERED, "Delivered", said, details))

    async def _send(self, message: HttpPost | Email) -> Answer:
        if isinstance(message, Email):
            return await self.sender.send_email(message.server, message.message)
        return await self.sender.post(message.url, message.body, message.headers)

    def _refused(self, obj: StoredObject, attempts: int, refused: Refused) -> Result:
        if not refused.retryable or attempts >= self.settings.max_attempts:
            tried = f"{attempts} attempt{'s' if attempts > 1 else ''}"
            final = _status(
                obj,
                NotificationPhase.FAILED,
                "Refused",
                f"{refused.message} ({tried})",
                {"attempts": attempts, "last_error": refused.message, "next_attempt_at": None},
            )
            return Result(final)
        wait = self._retry_wait(attempts, refused.retry_after)
        details = {
            "attempts": attempts,
            "last_error": refused.message,
            "next_attempt_at": (datetime.now(UTC) + timedelta(seconds=wait)).isoformat(),
        }
        message = f"{refused.message}; trying again in {wait:.0f} s"
        retrying = _status(obj, NotificationPhase.PENDING, "Retrying", message, details)
        return Result(retrying, requeue_after=wait)

    def _retry_wait(self, attempts: int, asked: float | None) -> float:
        grown = self.settings.first_retry_seconds * float(3 ** (attempts - 1))
        return min(max(grown, asked or 0.0), self.settings.longest_retry_seconds)

    def _turn(self, channel_id: UUID) -> float:
        """Seconds until the channel may take another message (0: now, and counted)."""
        now = time.monotonic()
        sent = self._sent_at.setdefault(channel_id, deque())
        while sent and now - sent[0] >= 60.0:
            sent.popleft()
        if len(sent) >= self.settings.per_channel_per_minute:
            return 60.0 - (now - sent[0])
        sent.append(now)
        return 0.0

    def _opened(self, target: Target) -> Target:
        opened = {
            field: self.open_secret(value)
            for field in SECRET_FIELDS[target.type]
            if isinstance(value := getattr(target, field), str)
        }
        return target.model_copy(update=opened)

    async def forget(self, ctx: Context, key: Key) -> None:
        self._sent_at.pop(key.id, None)


def _service_id(row: StoredObject) -> UUID | None:
    if row.kind is Kind.SERVICES:
        return row.id
    if row.kind in (Kind.DEPLOYMENTS, Kind.RUNS):
        return row.parent_id
    if row.kind is Kind.BACKUPS and row.spec.get("service_id"):
        return UUID(str(row.spec["service_id"]))
    if row.kind is Kind.DOMAINS:
        return _target_service(row.spec.get("target"))
    return None


async def _subjects(metrics: Metrics, check: ServerCheck, query: str) -> dict[str, float]:
    found = {}
    for labels, value in await metrics.vector(query):
        subject = check.subject(labels)
        if subject is not None:
            found[subject] = value
    return found


def _target_service(target: object) -> UUID | None:
    """The service a domain sends traffic to; None for a redirect (no service's)."""
    if not isinstance(target, dict) or not target.get("service_id"):
        return None
    try:
        return UUID(str(target["service_id"]))
    except ValueError:
        return None


def _grouped(obj: StoredObject, head: UUID) -> Status:
    said = f"the same again soon after message {str(head)[:8]}: counted there, not sent"
    return _status(obj, NotificationPhase.GROUPED, "Grouped", said, {"grouped_into": str(head)})


def _seconds_until(value: object) -> float:
    if not isinstance(value, str):
        return 0.0
    due = datetime.fromisoformat(value)
    return float((due - datetime.now(UTC)).total_seconds())


def _status(
    obj: StoredObject, phase: NotificationPhase, reason: str, message: str, extra: dict[str, Any]
) -> Status:
    delivered = {
        NotificationPhase.DELIVERED: ConditionStatus.TRUE,
        NotificationPhase.FAILED: ConditionStatus.FALSE,
    }.get(phase, ConditionStatus.UNKNOWN)
    condition = Condition(type=DELIVERED, status=delivered, reason=reason, message=message[:2000])
    details = {**obj.status.details, **extra, "phase": phase.value}
    return obj.status.with_condition(condition).model_copy(update={"details": details})


def _failed(obj: StoredObject, reason: str, message: str) -> Status:
    return _status(obj, NotificationPhase.FAILED, reason, message, {})
