"""Followed service logs without a thread each: the Engine API's log stream read with httpx.

Following a thousand services with docker-py would hold a thousand blocked threads; here each
followed service is one open HTTP response on a shared async client, read by the event loop.
"""

from __future__ import annotations

import os
import struct
from collections.abc import AsyncGenerator
from urllib.parse import quote

import httpx

from zaneops.adapters.docker.log_lines import log_entry
from zaneops.adapters.docker.models import LogEntry

DEFAULT_HOST = "unix:///var/run/docker.sock"
# One connection per followed service: the pool must not cap them (httpx's default is 100).
# The limits go on the transport: a client's own limits are ignored once a transport is given.
LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=20)
# A frame larger than this is skipped rather than held: Docker splits lines at 16 KiB.
MAX_FRAME = 1 << 20
_HEADER = struct.Struct(">BxxxL")


class ServiceGone(Exception):
    """The swarm service whose logs were asked for does not exist (any more)."""


def since_parameter(since_ns: int) -> str:
    """Docker's `since`: unix seconds with up to nine decimals, kept to the nanosecond."""
    seconds, nanos = divmod(max(since_ns, 0), 1_000_000_000)
    return f"{seconds}.{nanos:09d}"


class FrameReader:
    """Docker's multiplexed stream (8-byte header: stream, size; then the payload), fed in
    whatever chunks the socket gives, turned into whole log entries."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skipping = 0  # bytes left of an oversized frame

    def feed(self, chunk: bytes) -> list[LogEntry]:
        self._buffer += chunk
        entries: list[LogEntry] = []
        while True:
            if self._skipping:
                dropped = min(self._skipping, len(self._buffer))
                del self._buffer[:dropped]
                self._skipping -= dropped
                if self._skipping:
                    return entries
            if len(self._buffer) < _HEADER.size:
                return entries
            stream, size = _HEADER.unpack_from(self._buffer)
            if size > MAX_FRAME:
                del self._buffer[: _HEADER.size]
                self._skipping = size
                continue
            end = _HEADER.size + size
            if len(self._buffer) < end:
                return entries
            entries.append(log_entry(stream, bytes(self._buffer[_HEADER.size : end])))
            del self._buffer[:end]


def _client(docker_host: str) -> httpx.AsyncClient:
    # No read timeout: a followed service may stay quiet for hours.
    timeout = httpx.Timeout(10.0, read=None)
    if docker_host.startswith("unix://"):
        transport = httpx.AsyncHTTPTransport(uds=docker_host[len("unix://") :], limits=LIMITS)
        return httpx.AsyncClient(transport=transport, base_url="http://docker", timeout=timeout)
    address = docker_host.split("://", 1)[-1]
    transport = httpx.AsyncHTTPTransport(limits=LIMITS)
    return httpx.AsyncClient(transport=transport, base_url=f"http://{address}", timeout=timeout)


class LogFollower:
    """Opens one followed log stream per call on one shared connection pool."""

    def __init__(self, docker_host: str | None = None) -> None:
        self._client = _client(docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def follow(self, name: str, since_ns: int) -> AsyncGenerator[list[LogEntry], None]:
        """Batches of lines of every task of the service (new tasks included, stopped ones
        too), written at or after since_ns, as they arrive; ends when Docker ends it."""
        params = {
            "stdout": "1",
            "stderr": "1",
            "timestamps": "1",
            "details": "1",
            "follow": "1",
            "since": since_parameter(since_ns),
        }
        path = f"/services/{quote(name, safe='')}/logs"
        async with self._client.stream("GET", path, params=params) as response:
            if response.status_code == httpx.codes.NOT_FOUND:
                raise ServiceGone(name)
            response.raise_for_status()
            reader = FrameReader()
            async for chunk in response.aiter_raw():
                entries = reader.feed(chunk)
                if entries:
                    yield entries
