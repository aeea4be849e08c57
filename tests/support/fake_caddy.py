"""Caddy's admin API in memory (a config, its ETag, the loads), and the routes controller's
bulk reads over the runtime's in-memory store: for unit tests of the routes controller."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from zaneops.adapters.caddy.admin import ConfigSnapshot, config_etag
from zaneops.adapters.postgres.domains import DomainRow
from zaneops.common.errors import Conflict
from zaneops.runtime.testing import InMemoryStore
from zaneops.specs.kinds import Kind


class FakeCaddyAdmin:
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.body = json.dumps(config or {}).encode()
        self.loads = 0

    @property
    def config(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    async def read_config(self) -> ConfigSnapshot:
        return ConfigSnapshot(self.body, config_etag("/config/", self.body))

    async def replace_config(self, body: bytes, if_match: str) -> None:
        if if_match != config_etag("/config/", self.body):
            raise Conflict("the config changed since it was read")
        self.body = body
        self.loads += 1

    def edit(self, config: dict[str, Any]) -> None:
        """Someone else changes Caddy's config (or Caddy restarted with another one)."""
        self.body = json.dumps(config).encode()


class StoreDomainRows:
    """DomainRows (zaneops.adapters.postgres.domains) over the in-memory store."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def live_generations(self) -> dict[UUID, int]:
        return {r.id: r.generation for r in self._store.rows(Kind.DOMAINS) if not r.is_deleted}

    async def specs(self, ids: Sequence[UUID]) -> list[DomainRow]:
        wanted = set(ids)
        rows = self._store.rows(Kind.DOMAINS)
        return [
            DomainRow(r.id, r.generation, r.spec, r.parent_id or UUID(int=0))
            for r in rows
            if r.id in wanted and not r.is_deleted
        ]

    async def latest_deployments(self, service_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        found: dict[UUID, UUID] = {}
        for service_id in service_ids:
            rows = await self._store.list_children(Kind.DEPLOYMENTS, service_id)
            live = [row for row in rows if not row.is_deleted]
            if live:
                found[service_id] = live[-1].id
        return found
