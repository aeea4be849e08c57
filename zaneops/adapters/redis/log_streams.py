"""Log streams in Redis: typed lines written by the controllers, pages and live follow for the API.

Entries are flat string maps (see stream_keys for which stream holds what). Entry ids are
Redis's own, `<milliseconds>-<sequence>`, so a time range is an id range.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from zaneops.common.cancellation import raise_if_cancelled

from .connection import RedisConnection
from .stream_keys import DELETED_STREAM_SECONDS, deleted_stream


@dataclass(frozen=True)
class RuntimeLine:
    """One line a service's container printed."""

    ts: str  # ISO 8601, UTC
    stream: str  # stdout | stderr
    line: str
    task_id: str
    deployment_id: str


@dataclass(frozen=True)
class BuildLine:
    """One line of a build's output."""

    ts: str
    line: str


@dataclass(frozen=True)
class RunLine:
    """One line a one-off command printed."""

    ts: str
    stream: str  # stdout | stderr
    line: str


@dataclass(frozen=True)
class HttpLine:
    """One request the proxy served for a service."""

    ts: str
    host: str
    method: str
    path: str
    status: str
    duration_ms: str
    deployment_id: str


@dataclass(frozen=True)
class MarkedShipment:
    """Lines of one service's stream, and the marks that say they were shipped (fields of
    the hash marks_key, set or dropped): both are written together or not at all."""

    key: str
    lines: list[RuntimeLine]
    marks_key: str
    marks: dict[str, str]
    dropped: list[str]
    max_entries: int


LogLine = RuntimeLine | BuildLine | RunLine | HttpLine

# The most characters of each field an entry keeps: a stream holds a bounded number of
# entries, each of a bounded size, whatever a container prints or a visitor requests.
FIELD_CAPS = {"line": 8192, "path": 2048, "host": 255}
OTHER_FIELD_CAP = 64  # ts, stream, method, status, duration, ids


def fields_of(line: LogLine) -> dict[FieldT, EncodableT]:
    """The flat map stored as one stream entry, each field cut to its cap."""
    return {name: capped(name, str(value)) for name, value in asdict(line).items()}


def capped(name: str, value: str) -> str:
    cap = FIELD_CAPS.get(name, OTHER_FIELD_CAP)
    return value if len(value) <= cap else value[: cap - 1] + "…"


ENTRY_ID = re.compile(r"[0-9]{1,19}-[0-9]{1,19}")
# A text search reads at most this many entries per page, so one request stays cheap.
MAX_SCANNED = 5_000
BATCH = 500


@dataclass(frozen=True)
class StreamEntry:
    id: str  # Redis's entry id: a cursor, and the SSE event id
    fields: dict[str, str]  # as the writer stored them (ts, line, ...)


@dataclass(frozen=True)
class StreamPage:
    entries: list[StreamEntry]
    next_cursor: str | None  # pass as the cursor of the next page


@dataclass(frozen=True)
class LogQuery:
    direction: Literal["backward", "forward"]
    limit: int
    cursor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


def _millis(moment: datetime) -> int:
    return max(0, int(moment.timestamp() * 1000))


def _bounds(query: LogQuery) -> tuple[str, str]:
    """(low, high) ids for XRANGE; the cursor, exclusive, narrows the side it moves away from."""
    low = str(_millis(query.since)) if query.since else "-"
    high = str(_millis(query.until)) if query.until else "+"
    if query.cursor is not None:
        if query.direction == "backward":
            high = "(" + query.cursor
        else:
            low = "(" + query.cursor
    return low, high


def _decode(entry_id: bytes, raw: dict[bytes, bytes]) -> StreamEntry:
    fields = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in raw.items()}
    return StreamEntry(id=entry_id.decode(), fields=fields)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def matches(entry: StreamEntry, text: str | None) -> bool:
    return text is None or any(text.lower() in value.lower() for value in entry.fields.values())


async def _batch(redis: Redis, key: str, low: str, high: str, backward: bool) -> list[Any]:
    found: Any = (
        await redis.xrevrange(key, max=high, min=low, count=BATCH)
        if backward
        else await redis.xrange(key, min=low, max=high, count=BATCH)
    )
    return list(found)


async def read_page(redis: Redis, key: str, query: LogQuery) -> StreamPage:
    low, high = _bounds(query)
    backward = query.direction == "backward"
    found: list[StreamEntry] = []
    scanned = 0
    while True:
        batch = await _batch(redis, key, low, high, backward)
        for entry_id, raw in batch:
            scanned += 1
            entry = _decode(entry_id, raw)
            if matches(entry, query.text):
                found.append(entry)
            if len(found) == query.limit or scanned >= MAX_SCANNED:
                return StreamPage(entries=found, next_cursor=entry.id)
        if len(batch) < BATCH:
            return StreamPage(entries=found, next_cursor=None)
        last = batch[-1][0].decode()
        high, low = ("(" + last, low) if backward else (high, "(" + last)


async def _last_id(redis: Redis, key: str) -> str:
    newest: Any = await redis.xrevrange(key, count=1)
    return str(newest[0][0].decode()) if newest else "0-0"


async def follow(
    redis: Redis, key: str, after: str | None, text: str | None, block_ms: int
) -> AsyncIterator[str]:
    """Server-sent events: each new entry (after `after`, else from now on), plus keep-alives."""
    last = after or await _last_id(redis, key)
    while True:
        raise_if_cancelled()  # the reader left: stop even if redis-py swallowed it
        answer: Any = await redis.xread({key: last}, block=block_ms, count=100)
        if not answer:
            yield ": keep-alive\n\n"
            continue
        for entry_id, raw in answer[0][1]:
            entry = _decode(entry_id, raw)
            last = entry.id
            if matches(entry, text):
                yield f"id: {entry.id}\nevent: log\ndata: {json.dumps(entry.fields)}\n\n"


class LogStreams:
    """Appends typed lines to capped streams, and reads them back for the API."""

    def __init__(self, connection: RedisConnection) -> None:
        self._redis = connection.client

    async def append(self, key: str, line: LogLine, max_entries: int) -> None:
        """One entry at the end of the stream `key`, trimming it to about max_entries."""
        await self._redis.xadd(key, fields_of(line), maxlen=max_entries, approximate=True)

    async def ship(self, shipments: list[MarkedShipment]) -> None:
        """Every shipment's lines and marks in one transaction (one round trip)."""
        pipe = self._redis.pipeline(transaction=True)
        for shipment in shipments:
            for line in shipment.lines:
                pipe.xadd(
                    shipment.key, fields_of(line), maxlen=shipment.max_entries, approximate=True
                )
            if shipment.marks:
                marks: dict[FieldT, EncodableT] = dict(shipment.marks.items())
                pipe.hset(shipment.marks_key, mapping=marks)
            if shipment.dropped:
                pipe.hdel(shipment.marks_key, *shipment.dropped)
        await pipe.execute()

    async def delete(self, keys: list[str]) -> None:
        """Streams (and mark hashes) gone with what they logged for; each leaves a marker
        that writers check (deleted_stream), so a late write does not bring it back."""
        if not keys:
            return
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(*keys)
        for key in keys:
            pipe.set(deleted_stream(key), "1", ex=DELETED_STREAM_SECONDS)
        await pipe.execute()

    async def marks(self, marks_key: str) -> dict[str, str]:
        found: Any = await self._redis.hgetall(marks_key)
        return {_text(field): _text(value) for field, value in found.items()}

    async def tail(self, key: str, count: int) -> list[dict[str, str]]:
        """The fields of the newest `count` entries, newest first."""
        found: Any = await self._redis.xrevrange(key, count=count)
        return [_decode(entry_id, raw).fields for entry_id, raw in found]

    async def read_page(self, key: str, query: LogQuery) -> StreamPage:
        return await read_page(self._redis, key, query)

    def follow(
        self, key: str, after: str | None, text: str | None, block_ms: int
    ) -> AsyncIterator[str]:
        return follow(self._redis, key, after, text, block_ms)
