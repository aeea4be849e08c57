"""A deleted service's logs: its follower stops, its last lines are written, then all goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from uuid import uuid4

from controllers.services.logs import LogShipper
from zaneops.adapters.docker.models import LogEntry
from zaneops.adapters.redis.log_streams import MarkedShipment
from zaneops.adapters.redis.stream_keys import http_logs, runtime_log_marks, runtime_logs


class OneLineThenSilence:
    """A container that printed one line and then nothing; records when it was let go."""

    def __init__(self, events: list[str]) -> None:
        self._events = events

    async def follow(self, name: str, since_ns: int) -> AsyncGenerator[list[LogEntry], None]:
        try:
            yield [LogEntry(ts="2026-12-07T00:00:00.000000001Z", stream="stdout", line="hi")]
            await asyncio.Event().wait()
        finally:
            self._events.append("follow ended")


class SlowStreams:
    """A Redis whose write of the first shipment is still under way when the delete comes."""

    def __init__(self, events: list[str]) -> None:
        self._events = events
        self.release = asyncio.Event()
        self.shipping = asyncio.Event()

    async def ship(self, shipments: list[MarkedShipment]) -> None:
        self.shipping.set()
        await self.release.wait()
        self._events.append("shipped " + ",".join(line.line for s in shipments for line in s.lines))

    async def marks(self, marks_key: str) -> dict[str, str]:
        return {}

    async def tail(self, key: str, count: int) -> list[dict[str, str]]:
        return []

    async def delete(self, keys: list[str]) -> None:
        self._events.append("deleted " + " ".join(sorted(keys)))


async def test_forget_stops_the_follower_waits_for_its_last_write_then_deletes_every_key() -> None:
    events: list[str] = []
    streams = SlowStreams(events)
    shipper = LogShipper(OneLineThenSilence(events), streams, 100, lambda _s, _t: "d")
    service = uuid4()
    shipper.follow(service, "svc")
    await asyncio.wait_for(streams.shipping.wait(), 2)
    forgetting = asyncio.create_task(shipper.forget(service))
    await asyncio.sleep(0.1)
    assert events == ["follow ended"]  # stopped at once, but nothing deleted under a write
    streams.release.set()
    await asyncio.wait_for(forgetting, 2)
    keys = sorted([runtime_logs(service), runtime_log_marks(service), http_logs(service)])
    assert events == ["follow ended", "shipped hi", "deleted " + " ".join(keys)]
    assert shipper.following == 0
    await shipper.close()


async def test_a_follower_stopped_earlier_is_still_waited_for_before_the_deletion() -> None:
    """The services controller stops a deleted service's follower first, forgets it after
    the swarm service is gone: the deletion still waits for the follower's end."""
    events: list[str] = []
    streams = SlowStreams(events)
    shipper = LogShipper(OneLineThenSilence(events), streams, 100, lambda _s, _t: "d")
    service = uuid4()
    shipper.follow(service, "svc")
    await asyncio.wait_for(streams.shipping.wait(), 2)
    shipper.stop(service)
    forgetting = asyncio.create_task(shipper.forget(service))
    await asyncio.sleep(0.1)
    assert not forgetting.done()  # the stopped follower's last write is still under way
    streams.release.set()
    await asyncio.wait_for(forgetting, 2)
    assert events[-1].startswith("deleted ")
    await shipper.close()
