"""Caddy's JSON access log → one Redis stream per service (zaneops.logstreams.http_logs).

Caddy writes every request of our servers to one file in the folder it shares with this
controller; the controller tails it and finds the service of each line the way Caddy did: by
the first route (in route order) that covers its host and path. The deployment is the
service's most recent one.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog

from controllers.routes.entries import RouteEntry, Upstream, resolve
from zaneops.adapters.postgres.domains import DomainReader
from zaneops.adapters.redis_http_logs import HttpLogSink
from zaneops.logstreams import http_logs

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


class FileTail:
    """New complete lines of a file; starts at its end, follows rotation and truncation."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._inode: int | None = None
        self._offset = 0
        self._partial = b""
        self._looked = False

    def read_lines(self) -> list[bytes]:
        first_look, self._looked = not self._looked, True
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            return []
        if first_look:  # lines from before this process started are not sent twice
            self._inode, self._offset = stat.st_ino, stat.st_size
        if stat.st_ino != self._inode or stat.st_size < self._offset:  # new or rotated file
            self._inode, self._offset, self._partial = stat.st_ino, 0, b""
        with open(self._path, "rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read(MAX_READ_BYTES)
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        return [line for line in lines if line.strip()]


class AccessLogForwarder:
    def __init__(
        self,
        tail: FileTail,
        sink: HttpLogSink,
        reader: DomainReader,
        routes: Callable[[], Sequence[RouteEntry]],
    ) -> None:
        self._tail = tail
        self._sink = sink
        self._reader = reader
        self._routes = routes

    async def run(self) -> None:
        while True:
            try:
                await self.forward_once()
            except Exception as exc:  # Redis or Postgres down: lines wait in the file
                log.warning("access log forwarding failed", error=repr(exc))
            await asyncio.sleep(TAIL_INTERVAL_SECONDS)

    async def forward_once(self) -> int:
        routes = self._routes()
        parsed = [parse_access_line(line, routes) for line in self._tail.read_lines()]
        lines = [line for line in parsed if line is not None]
        if not lines:
            return 0
        deployments = await self._reader.latest_deployments(list({x.service_id for x in lines}))
        await self._sink.append([_entry(line, deployments) for line in lines])
        return len(lines)


def _entry(line: AccessLine, deployments: Mapping[UUID, UUID]) -> tuple[str, dict[str, str]]:
    deployment = deployments.get(line.service_id)
    fields = {**line.fields, "deployment_id": str(deployment) if deployment else ""}
    return http_logs(line.service_id), fields
