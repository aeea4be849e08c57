"""Blocking docker-py streams (events, followed logs) read in a thread, consumed with async for."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")

_END = object()


class Closable(Protocol):
    def close(self) -> None: ...


class _Pump:
    """Reads the stream in a thread and hands each item to the event loop."""

    def __init__(self, items: Iterator[object], loop: asyncio.AbstractEventLoop) -> None:
        self.items = items
        self.loop = loop
        # Unbounded, so the thread never blocks on a consumer that went away; both streams
        # (events, one service's logs) arrive far slower than they are consumed.
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.stopped = threading.Event()

    def hand_over(self, item: object) -> None:
        if not self.stopped.is_set():
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def run(self) -> None:
        outcome: object = _END
        try:
            for item in self.items:
                self.hand_over(item)
        except Exception as exc:  # surfaces in the consumer, which decides to restart
            outcome = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens any more
            self.hand_over(outcome)


async def in_thread(open_stream: Callable[[], tuple[Iterator[T], Closable]]) -> AsyncIterator[T]:
    """Yield what a blocking stream produces; closing the generator closes the stream."""
    items, handle = await asyncio.to_thread(open_stream)
    pump = _Pump(items, asyncio.get_running_loop())
    threading.Thread(target=pump.run, daemon=True, name="docker-stream").start()
    try:
        while (item := await pump.queue.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item  # type: ignore[misc]
    finally:
        pump.stopped.set()
        with contextlib.suppress(Exception):  # must not hide a cancellation under way
            handle.close()
