"""Leader election on a lease: of several replicas, exactly one acts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from zaneops.common.cancellation import pause
from zaneops.runtime.controller import LeaseLost
from zaneops.runtime.ports import Lease

log = structlog.get_logger(__name__)


class LeaderElector:
    """Holds the lease, renewing it every ttl/3; leadership ends the moment the lease could lapse.

    The local deadline is measured from *before* each renewal request, so it always falls
    before the expiry the database recorded: a deposed leader stops before anyone else starts.
    """

    def __init__(
        self,
        lease: Lease,
        ttl: float,
        retry_every: float,
        on_change: Callable[[bool], None] = lambda _: None,
    ) -> None:
        self._lease = lease
        self._ttl = ttl
        self._retry_every = retry_every
        self._on_change = on_change
        self._deadline = 0.0
        self._elected = asyncio.Event()
        self._lapse_timer: asyncio.TimerHandle | None = None

    def is_leader(self) -> bool:
        return time.monotonic() < self._deadline

    def ensure_leader(self) -> None:
        if not self.is_leader():
            raise LeaseLost("the lease lapsed; another replica may be acting")

    async def wait_elected(self) -> None:
        await self._elected.wait()

    async def run(self) -> None:
        while True:
            await self._try_once()
            await pause(self._ttl / 3 if self.is_leader() else self._retry_every)

    async def _try_once(self) -> None:
        asked_at = time.monotonic()
        try:
            held = await asyncio.wait_for(self._lease.try_acquire(self._ttl), self._ttl / 3)
        except Exception as exc:  # a database outage must not kill the loop
            log.warning("lease renewal failed", error=str(exc))
            return
        if held:
            self._extend(asked_at + self._ttl)

    def _extend(self, deadline: float) -> None:
        was_leader = self._elected.is_set()
        self._deadline = deadline
        if self._lapse_timer is not None:
            self._lapse_timer.cancel()
        delay = max(0.0, deadline - time.monotonic())
        self._lapse_timer = asyncio.get_running_loop().call_later(delay, self._lapse)
        if not was_leader:
            self._elected.set()
            log.info("became leader")
            self._on_change(True)

    def _lapse(self) -> None:
        if not self.is_leader() and self._elected.is_set():
            log.warning("lease lapsed: stopped acting")
            self._step_down()

    def _step_down(self) -> None:
        self._elected.clear()
        if self._lapse_timer is not None:
            self._lapse_timer.cancel()
        self._on_change(False)

    async def resign(self) -> None:
        """Give the lease up at once so a peer need not wait for the TTL."""
        was_leader = self._elected.is_set()
        self._deadline = 0.0
        if was_leader:
            self._step_down()
            await self._lease.release()
            log.info("resigned the lease")
