"""Caddy's admin API in memory (a config, its ETag, the loads), and the routes controller's
bulk reads over the runtime's in-memory store: for unit tests of the routes controller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from zaneops.adapters.postgres.domains import DomainRow
from zaneops.runtime.testing import InMemoryStore
from zaneops.specs.kinds import Kind
from zaneops.specs.status import Status


class FakeCaddyAdmin:
    """Caddy's admin API in memory. `unforeseen`: writes a loaded config back spelled
    otherwise than it was sent (as a Caddy of another Go version might)."""

    def __init__(self, config: dict[str, Any] | None = None, unforeseen: bool = False) -> None:
        self.body = json.dumps(config or {}).encode()
        self.loads = 0
        self.reads = 0
        self.unforeseen = unforeseen
        self.hold_reads: asyncio.Event | None = None  # set: reads wait for it

    @property
    def config(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    async def read_config(self) -> bytes:
        self.reads += 1
        body = self.body
        if self.hold_reads is not None:
            await self.hold_reads.wait()  # the answer was read before what happened meanwhile
        return body

    async def load(self, body: bytes) -> None:
        self.body = json.dumps(json.loads(body)).encode() if self.unforeseen else body
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

    async def statuses(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, Status]]:
        wanted = set(ids)
        rows = self._store.rows(Kind.DOMAINS)
        return {r.id: (r.generation, r.status) for r in rows if r.id in wanted and not r.is_deleted}

    async def write_statuses(self, written: Sequence[tuple[UUID, int, Status]]) -> set[UUID]:
        settled = set()
        for row_id, generation, status in written:
            row = await self._store.get(Kind.DOMAINS, row_id)
            if row is not None and not row.is_deleted and row.generation == generation:
                await self._store.write_status(Kind.DOMAINS, row_id, status)
                settled.add(row_id)
        return settled

    async def latest_deployments(self, service_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        found: dict[UUID, UUID] = {}
        for service_id in service_ids:
            rows = await self._store.list_children(Kind.DEPLOYMENTS, service_id)
            live = [row for row in rows if not row.is_deleted]
            if live:
                found[service_id] = live[-1].id
        return found
