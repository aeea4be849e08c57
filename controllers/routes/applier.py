"""Builds our part of Caddy's config from every live domain and loads it in one guarded change.

The whole config is one unit of work (the key ALL_ROUTES): the work queue collapses repeated
adds, so a burst of domain changes becomes one load, plus at most one more for changes that
arrive while a load runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import structlog

from controllers.routes.caddy_config import Json, Layout, merge, owned_config, owned_part
from controllers.routes.entries import RouteEntry, Row, build_entries, parse_row
from zaneops.adapters.caddy.admin import ConfigSnapshot
from zaneops.common.errors import Conflict
from zaneops.specs.routing import host_matches

from .ports import CaddyAdminPort, DomainRows

log = structlog.get_logger(__name__)

GUARDED_ATTEMPTS = 3


@dataclass(frozen=True)
class Applied:
    """What the proxy serves after the last successful load."""

    generations: Mapping[UUID, int] = field(default_factory=dict)  # every live row considered
    urls: Mapping[UUID, str] = field(default_factory=dict)
    rejected: Mapping[UUID, str] = field(default_factory=dict)
    routes: tuple[RouteEntry, ...] = ()

    def allows_certificate(self, host: str) -> bool:
        """The ask endpoint's answer: is this a name one of our routes serves?"""
        return any(host_matches(entry.host, host) for entry in self.routes)


class ConfigDrifted(Exception):
    """Caddy did not keep what was loaded (someone changed it at the same moment)."""


class Applier:
    def __init__(
        self,
        admin: CaddyAdminPort,
        reader: DomainRows,
        layout: Layout,
        dashboard: RouteEntry | None,
    ) -> None:
        self._admin = admin
        self._reader = reader
        self.layout = layout
        self._dashboard = dashboard
        self._parsed: dict[UUID, tuple[int, RouteEntry | str]] = {}
        self._snapshot: ConfigSnapshot | None = None
        self._current: Json = {}
        self._expected: Json | None = None
        self.applied: Applied | None = None  # None until the first load since start
        self.previewed: Applied | None = None  # None until the first preview
        # The drift check must not read Caddy between our load and our read-back.
        self._lock = asyncio.Lock()

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
        await self._load_guarded(owned_config(self.layout, summary.routes), ensure_leader)
        self.applied = summary
        return self.applied

    def _summary(self, rows: dict[UUID, tuple[int, RouteEntry | str]]) -> Applied:
        entries = build_entries(
            {row_id: entry for row_id, (_, entry) in rows.items()}, self._dashboard
        )
        return Applied(
            generations={row_id: generation for row_id, (generation, _) in rows.items()},
            urls={e.domain_id: self.layout.url_of(e) for e in entries.routes if e.domain_id},
            rejected=entries.rejected,
            routes=entries.routes,
        )

    async def _live_rows(self) -> dict[UUID, tuple[int, RouteEntry | str]]:
        """Every live row, parsed; only rows new or changed since the last apply are read."""
        generations = await self._reader.live_generations()
        stale = [i for i, gen in generations.items() if self._parsed.get(i, (0,))[0] != gen]
        for row in await self._reader.specs(stale) if stale else []:
            parsed = parse_row(Row(row.id, row.generation, row.spec, row.environment_id))
            self._parsed[row.id] = (row.generation, parsed)
        self._parsed = {i: self._parsed[i] for i in generations if i in self._parsed}
        return self._parsed

    async def _load_guarded(self, owned: Any, ensure_leader: Callable[[], None]) -> None:
        for _ in range(GUARDED_ATTEMPTS):
            snapshot = await self._known_config()
            merged = merge(self._current, self.layout, owned)
            if merged == self._current:
                return  # nothing to change: no reload
            ensure_leader()
            try:
                await self._admin.replace_config(json.dumps(merged).encode(), snapshot.etag)
            except Conflict:
                self._snapshot = None  # someone else changed Caddy's config: merge again
                continue
            await self._read_back(owned_part(merged, self.layout))
            return
        raise Conflict(f"Caddy's config kept changing during {GUARDED_ATTEMPTS} attempts")

    async def _known_config(self) -> ConfigSnapshot:
        if self._snapshot is None:
            self._remember(await self._admin.read_config())
        assert self._snapshot is not None
        return self._snapshot

    def _remember(self, snapshot: ConfigSnapshot) -> None:
        self._snapshot = snapshot
        self._current = json.loads(snapshot.body) if snapshot.body.strip() else {}
        self._current = self._current or {}

    async def _read_back(self, expected: Json) -> None:
        self._remember(await self._admin.read_config())
        if owned_part(self._current, self.layout) != expected:
            self._expected = None
            raise ConfigDrifted("Caddy's config differs from what was just loaded")
        self._expected = expected

    async def drifted(self) -> bool:
        """Cheap when nothing changed (the body's bytes compare equal); parses only otherwise."""
        async with self._lock:
            return await self._drifted()

    async def _drifted(self) -> bool:
        if self._expected is None:
            return False  # nothing applied yet: the first apply is on its way
        snapshot = await self._admin.read_config()
        if self._snapshot is not None and snapshot.body == self._snapshot.body:
            return False
        self._remember(snapshot)
        return owned_part(self._current, self.layout) != self._expected
