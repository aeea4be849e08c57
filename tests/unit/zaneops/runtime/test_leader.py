"""Leadership logic against a scripted lease (the real lease is tested against Postgres)."""

from __future__ import annotations

import asyncio

import pytest

from zaneops.runtime.controller import LeaseLost
from zaneops.runtime.leader import LeaderElector


class ScriptedLease:
    """Grants the lease while `grant` is True; counts releases."""

    def __init__(self) -> None:
        self.grant = True
        self.released = 0

    async def try_acquire(self, ttl_seconds: float) -> bool:
        return self.grant

    async def release(self) -> None:
        self.released += 1


async def test_leadership_lapses_at_the_ttl_when_renewals_stop_succeeding() -> None:
    """Once renewals fail, ensure_leader() raises no later than one TTL after the last success."""
    lease = ScriptedLease()
    changes: list[bool] = []
    elector = LeaderElector(lease, ttl=0.3, retry_every=0.05, on_change=changes.append)
    task = asyncio.create_task(elector.run())
    await asyncio.sleep(0.05)
    elector.ensure_leader()
    lease.grant = False
    await asyncio.sleep(0.35)
    with pytest.raises(LeaseLost):
        elector.ensure_leader()
    task.cancel()
    assert changes == [True, False]


async def test_resigning_releases_the_lease_and_stops_acting_at_once() -> None:
    """resign(): is_leader() is False immediately and the lease row is released."""
    lease = ScriptedLease()
    elector = LeaderElector(lease, ttl=10, retry_every=0.05)
    task = asyncio.create_task(elector.run())
    await asyncio.sleep(0.05)
    task.cancel()
    await elector.resign()
    assert not elector.is_leader() and lease.released == 1


async def test_a_follower_never_resigns_a_lease_it_does_not_hold() -> None:
    """resign() by a replica that never led sends no release."""
    lease = ScriptedLease()
    lease.grant = False
    elector = LeaderElector(lease, ttl=1, retry_every=0.05)
    await elector.resign()
    assert lease.released == 0
