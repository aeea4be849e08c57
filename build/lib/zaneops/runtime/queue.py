"""The work queue: keys, not events. Collapses repeats and never hands out a key twice at once."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class WorkQueue(Generic[K]):
    """client-go semantics: a key added while it runs is handed out again once it is done."""

    def __init__(self) -> None:
        self._ready: deque[K] = deque()
        self._wanted: set[K] = set()  # waiting in _ready, or to be re-queued when done
        self._running: set[K] = set()
        self._available = asyncio.Semaphore(0)  # counts the keys in _ready
        self._timers: dict[K, asyncio.TimerHandle] = {}

    def add(self, key: K) -> None:
        if key in self._wanted:
            return
        self._wanted.add(key)
        if key not in self._running:
            self._push(key)

    def add_after(self, key: K, delay: float) -> None:
        """Add once delay seconds have passed; an earlier pending timer wins."""
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        when = loop.time() + delay
        pending = self._timers.get(key)
        if pending is not None and pending.when() <= when:
            return
        if pending is not None:
            pending.cancel()
        self._timers[key] = loop.call_at(when, self._fire, key)

    def _fire(self, key: K) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def _push(self, key: K) -> None:
        self._ready.append(key)
        self._available.release()

    async def get(self) -> K:
        await self._available.acquire()
        key = self._ready.popleft()
        self._wanted.discard(key)
        self._running.add(key)
        return key

    def done(self, key: K) -> None:
        self._running.discard(key)
        if key in self._wanted:
            self._push(key)

    def cancel_timers(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    @property
    def depth(self) -> int:
        """Keys waiting to run (not counting those running or waiting for a timer)."""
        return len(self._ready)

    @property
    def running(self) -> int:
        return len(self._running)
