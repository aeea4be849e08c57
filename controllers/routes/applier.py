"""Builds our part of Caddy's config from every live domain and loads it in one change.

The whole config is one unit of work (the key ALL_ROUTES): the work queue collapses repeated
adds, so a burst of domain changes becomes one load, plus at most one more for changes that
arrive while a load runs.

Our part is merged into Caddy's config as last known (read, or loaded by us), so config that
is not ours is carried over. The load is not guarded by an ETag: Caddy checks one by encoding
its whole config again, which cost 60 % more than the load itself at every size (measured
with benchmarks.routes_bench), and the admin socket is reachable only by the proxy and this
controller. A change someone makes by hand on the host is read by the next drift check and
kept from then on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import structlog

from controllers.routes.caddy_config import (
    Json,
    Layout,
    OwnedConfig,
    merge,
    owned_config,
    owned_part,
)
from controllers.routes.entries import CanonicalHost, RouteEntry, Row, build_entries, parse_row
from zaneops.adapters.caddy import go_json
from zaneops.specs.routing import host_matches

from .config_body import ConfigEncoder
from .ports import CaddyAdminPort, DomainRows

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Applied:
    """What the proxy serves after the last successful load."""

    generations: Mapping[UUID, int] = field(default_factory=dict)  # every live row considered
    urls: Mapping[UUID, str] = field(default_factory=dict)
    rejected: Mapping[UUID, str] = field(default_factory=dict)
    routes: tuple[RouteEntry, ...] = ()
    certificates: Mapping[UUID, datetime] = field(default_factory=dict)  # uploaded: expiry
    at: datetime = field(default_factory=lambda: datetime.now(UTC))  # when it was decided

    def allows_certificate(self, host: str) -> bool:
        """The ask endpoint's answer: is this a name one of our routes serves?"""
        return any(host_matches(entry.host, host) for entry in self.routes)


class Applier:
    def __init__(
        self,
        admin: CaddyAdminPort,
        reader: DomainRows,
        layout: Layout,
        dashboard: RouteEntry | None,
        open_secret: Callable[[str], str] = lambda value: value,
    ) -> None:
        self._admin = admin
        self._open = open_secret
        self._reader = reader
        self.layout = layout
        self._dashboard = dashboard
        self._parsed: dict[UUID, tuple[int, RouteEntry | str]] = {}
        self._known: bytes | None = None  # Caddy's config as last read or loaded
        self._current: Json = {}  # the same, parsed
        self._expected: Json | None = None  # our part as last loaded
        self._loads = 0  # loads begun: a drift check overtaken by one throws its reading away
        self.applied: Applied | None = None  # None until the first load since start
        self.previewed: Applied | None = None  # None until the first preview
        self._lock = asyncio.Lock()  # one apply or preview at a time
        self._encoder = ConfigEncoder()
        self.read_seconds = 0.0  # how long the last drift check's read took

    async def apply(self, ensure_leader: Callable[[], None]) -> Applied:
        async with self._lock:
            return await self._apply(ensure_leader)

    async def preview(self) -> Applied:
        """What an apply would load now, loading nothing: a follower's view of the routes
        (it answers Caddy's `ask` and names the services of access log lines)."""
        async with self._lock:
            self.previewed = self._summary(await self._live_rows())
            return self.previewed

    async def _apply(self, ensure_leader: Callable[[], None]) -> Applied:
        rows = await self._live_rows()
        summary = self._summary(rows)
        await self._load(owned_config(self.layout, summary.routes), ensure_leader)
        self.applied = summary
        return self.applied

    def _summary(self, rows: dict[UUID, tuple[int, RouteEntry | str]]) -> Applied:
        entries = build_entries(
            {row_id: entry for row_id, (_, entry) in rows.items()}, self._dashboard
        )
        return Applied(
            certificates={
                e.domain_id: e.certificate.expires_at
                for e in entries.routes
                if e.domain_id and e.certificate and not isinstance(e.destination, CanonicalHost)
            },
            generations={row_id: generation for row_id, (generation, _) in rows.items()},
            urls={
                e.domain_id: self.layout.url_of(e)
                for e in entries.routes
                if e.domain_id and not isinstance(e.destination, CanonicalHost)
            },
            rejected=entries.rejected,
            routes=entries.routes,
        )

    async def _live_rows(self) -> dict[UUID, tuple[int, RouteEntry | str]]:
        """Every live row, parsed; only rows new or changed since the last apply are read."""
        generations = await self._reader.live_generations()
        stale = [i for i, gen in generations.items() if self._parsed.get(i, (0,))[0] != gen]
        for row in await self._reader.specs(stale) if stale else []:
            parsed = parse_row(
                Row(row.id, row.generation, row.spec, row.environment_id), self._open
            )
            self._parsed[row.id] = (row.generation, parsed)
        self._parsed = {i: self._parsed[i] for i in generations if i in self._parsed}
        return self._parsed

    async def _load(self, owned: OwnedConfig, ensure_leader: Callable[[], None]) -> None:
        """Our part merged into the config as last known, loaded; Caddy's answer proves the
        load and the body is what Caddy now holds: nothing is read back."""
        if self._known is None:
            self._remember(await self._admin.read_config())
        merged = merge(self._current, self.layout, owned)
        if merged == self._current:
            self._expected = owned_part(merged, self.layout)  # Caddy holds it: watch it
            return  # nothing to change: no reload
        body = self._encoder.body(merged, frozenset(owned.servers))
        ensure_leader()
        self._loads += 1
        await self._admin.load(body)
        self._known, self._current = body, merged
        self._expected = owned_part(merged, self.layout)

    def _remember(self, body: bytes) -> None:
        self._known = body
        self._current = go_json.parse(body) if body.strip() else {}
        self._current = self._current or {}

    async def drifted(self) -> bool:
        """Does Caddy still hold our part as last loaded? Cheap when nothing changed (the
        body's bytes compare equal); parses only otherwise, and then keeps what it read, so
        a change made by hand to config that is not ours is carried into the next load.
        Never waits for a load, and never holds one up: a reading a load may have overtaken
        is thrown away."""
        if self._expected is None or self._lock.locked():
            return False  # nothing applied yet, or a load is under way: look next time
        loads, started = self._loads, time.monotonic()
        body = await self._admin.read_config()
        self.read_seconds = time.monotonic() - started
        if self._loads != loads or self._lock.locked():
            return False  # a load began meanwhile: the next check looks again
        if body == self._known:
            return False
        self._remember(body)
        return owned_part(self._current, self.layout) != self._expected
