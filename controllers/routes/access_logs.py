"""Caddy's JSON access log → one HTTP log stream per service.

Caddy writes every request of our servers to one file in the folder it shares with this
controller; the controller tails it and finds the service of each line the way Caddy did: by
the first route (in route order) that covers its host and path. The deployment is the
service's most recent one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog

from controllers.routes.entries import RouteEntry, Upstream, resolve
from zaneops.adapters.redis.log_streams import HttpLine
from zaneops.common.cancellation import pause

from .ports import DeploymentsOfServices, HttpLogSink

log = structlog.get_logger(__name__)

TAIL_INTERVAL_SECONDS = 0.5
MAX_READ_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class AccessLine:
    service_id: UUID
    fields: dict[str, str]


def parse_access_line(line: bytes, routes: Sequence[RouteEntry]) -> AccessLine | None:
    """One JSON line of Caddy's access log → the service it went to and the stream fields."""
    try:
        record: dict[str, Any] = json.loads(line)
        request = record["request"]
        path = str(request["uri"]).partition("?")[0]
        entry = resolve(routes, str(request["host"]), path)
    except (ValueError, KeyError, TypeError):
        return None  # not an access line (or a torn one): skip it
    if entry is None or not isinstance(entry.destination, Upstream):
        return None
    if entry.destination.service_id is None:
        return None  # the dashboard's own traffic belongs to no service
    return AccessLine(entry.destination.service_id, _fields(record, request))


def _fields(record: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, str]:
    return {
        "ts": datetime.fromtimestamp(float(record.get("ts", 0)), UTC).isoformat(),
        "host": str(request.get("host", "")),
        "method": str(request.get("method", "")),
        "path": str(request.get("uri", "")),
        "status": str(record.get("status", "")),
        "duration_ms": f"{float(record.get('duration', 0)) * 1000:.3f}",
    }


@dataclass(frozen=True)
class Cursor:
    """How far the access log was forwarded: a file (by inode) and the byte after its last
    forwarded line. Kept in Redis with the entries, so the next leader resumes there."""

    inode: int
    offset: int

    def encode(self) -> str:
        return f"{self.inode}:{self.offset}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        inode, _, offset = (text or "").partition(":")
        return cls(int(inode), int(offset)) if inode.isdigit() and offset.isdigit() else None


class FileTail:
    """New complete lines of a file; follows rotation and truncation. Until told where to
    resume, it starts at the file's end (old lines are not sent twice)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._inode: int | None = None
        self._offset = 0
        self._partial = b""
        self._placed = False

    @property
    def cursor(self) -> Cursor | None:
        """The position after the last whole line returned (None before the file was seen)."""
        if self._inode is None:
            return None
        return Cursor(self._inode, self._offset - len(self._partial))

    def resume(self, cursor: Cursor | None) -> None:
        """Continue from a cursor: there if it is in the current file, from the start of the
        file if the file is new since (rotated), at the end if there is no cursor at all."""
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            self._placed = True  # the file will be read from its first byte once it exists
            return
        if cursor is None:
            self._inode, self._offset = stat.st_ino, stat.st_size
        elif cursor.inode == stat.st_ino and cursor.offset <= stat.st_size:
            self._inode, self._offset = cursor.inode, cursor.offset
        else:
            self._inode, self._offset = stat.st_ino, 0
        self._partial, self._placed = b"", True

    def read_lines(self) -> list[bytes]:
        if not self._placed:
            self.resume(None)
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            return []
        if stat.st_ino != self._inode or stat.st_size < self._offset:  # new or rotated file
            self._inode, self._offset, self._partial = stat.st_ino, 0, b""
        with open(self._path, "rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read(MAX_READ_BYTES)
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        return [line for line in lines if line.strip()]


class AccessLogForwarder:
    """Only the leader forwards (every replica sees the same file). A new leader resumes at
    the cursor stored with the last entries, and a write is refused if the cursor moved since
    this replica last saw it (a deposed leader's late batch): no line twice, none skipped."""

    def __init__(
        self,
        tail: FileTail,
        sink: HttpLogSink,
        reader: DeploymentsOfServices,
        routes: Callable[[], Sequence[RouteEntry]],
        is_leader: Callable[[], bool],
        *,
        counted: Callable[[Sequence[AccessLine]], None] = lambda _: None,
        routed: Callable[[Sequence[RouteEntry]], None] = lambda _: None,
    ) -> None:
        self._routed = routed  # the routes served, each time: their metrics start at 0
        self._counted = counted  # what was forwarded, once (the HTTP metrics)
        self._tail = tail
        self._sink = sink
        self._reader = reader
        self._routes = routes
        self._is_leader = is_leader
        self._leading = False
        self._stored: str | None = None  # the cursor in Redis, as this replica last saw it

    async def run(self) -> None:
        self._tail.resume(None)  # lines from before this process started are not sent
        while True:
            try:
                await self.forward_once()
            except Exception as exc:  # Redis or Postgres down: lines wait in the file
                self._leading = False  # resume from the stored cursor once it is back
                log.warning("access log forwarding failed", error=repr(exc))
            await pause(TAIL_INTERVAL_SECONDS)

    async def forward_once(self) -> int:
        self._routed(self._routes())
        if not self._is_leader():
            self._leading = False
            return 0
        if not self._leading:  # just elected (or recovering): start where the last write ended
            self._stored = await self._sink.cursor()
            if self._stored is not None:  # else: from where this process started
                self._tail.resume(Cursor.decode(self._stored))
            self._leading = True
        raw = self._tail.read_lines()
        position = self._tail.cursor
        if not raw or position is None:
            return 0
        cursor = position.encode()
        routes = self._routes()
        lines = [line for line in (parse_access_line(x, routes) for x in raw) if line is not None]
        services = list({line.service_id for line in lines})
        deployments = await self._reader.latest_deployments(services) if services else {}
        entries = [_entry(line, deployments) for line in lines]
        if not await self._sink.append(entries, self._stored, cursor):
            log.info("another replica forwarded the access log meanwhile; resuming after it")
            self._leading = False
            return 0
        self._stored = cursor
        self._counted(lines)
        return len(lines)


def _entry(line: AccessLine, deployments: Mapping[UUID, UUID]) -> tuple[UUID, HttpLine]:
    deployment = deployments.get(line.service_id)
    return line.service_id, HttpLine(**line.fields, deployment_id=str(deployment or ""))
