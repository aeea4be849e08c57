"""Where log following resumes and which replayed lines are new; batched writes' failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from controllers.services.log_batches import BatchedWrites
from controllers.services.log_marks import (
    IN_FLIGHT_NS,
    KEPT_NS,
    MAX_REPLAY_NS,
    Fresh,
    Mark,
    Replay,
    marks_from_tail,
)
from zaneops.adapters.docker.models import LogEntry
from zaneops.adapters.redis.log_streams import MarkedShipment

BASE = 1_700_000_000 * 1_000_000_000


def ts(offset_ns: int) -> str:
    seconds, nanos = divmod(BASE + offset_ns, 1_000_000_000)
    whole = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{nanos:09d}Z"


def line(task: str, offset_ns: int, text: str = "", stream: str = "stdout") -> LogEntry:
    return LogEntry(ts=ts(offset_ns), stream=stream, line=text, task_id=task)


def texts(fresh: list[Fresh]) -> list[str]:
    return [item.entry.line for item in fresh]


def test_a_replayed_line_is_skipped_and_a_newer_one_of_the_same_task_kept() -> None:
    replay = Replay({"a/stdout": f"{BASE + 100}:1"})
    fresh = replay.fresh([line("a", 100, "x"), line("a", 99, "old"), line("a", 101, "new")])
    assert texts(fresh) == ["new"]
    assert replay.marks == {"a/stdout": Mark(BASE + 101, 1)}


def test_parts_of_a_long_line_sharing_one_time_are_all_shipped_and_replayed_once() -> None:
    """Docker gives every part of a split line the first part's time."""
    parts = [line("a", 5, "part1"), line("a", 5, "part2"), line("a", 5, "part3")]
    first = Replay({})
    assert texts(first.fresh(parts[:2])) == ["part1", "part2"]
    changed, _ = first.take_changes()
    resumed = Replay(changed)
    resumed.restart()
    assert texts(resumed.fresh(parts)) == ["part3"]


def test_stderr_older_than_the_stdout_before_it_is_kept() -> None:
    """stdout and stderr are copied apart: their times interleave; each has its own mark."""
    replay = Replay({})
    fresh = replay.fresh([line("a", 100, "out"), line("a", 20, "err", stream="stderr")])
    assert texts(fresh) == ["out", "err"]


def test_a_follow_resumes_in_flight_before_the_newest_mark() -> None:
    replay = Replay({"a/stdout": f"{BASE}:1", "b/stdout": f"{BASE + 3}:2"})
    assert replay.resume_since(0) == BASE + 3 - IN_FLIGHT_NS


def test_with_no_marks_resume_covers_the_recent_past() -> None:
    assert Replay({}).resume_since(BASE) == BASE - MAX_REPLAY_NS


def test_marks_too_old_to_be_replayed_are_dropped_whatever_the_number_of_tasks() -> None:
    replay = Replay({})
    replay.fresh([line(f"t{i}", i) for i in range(100)])
    assert len(replay.marks) == 100  # a hundred replicas, all recent: all kept
    replay.take_changes()
    replay.fresh([line("late", KEPT_NS + 50)])
    changed, dropped = replay.take_changes()
    assert list(changed) == ["late/stdout"]
    assert dropped == sorted(f"t{i}/stdout" for i in range(50))


def test_marks_that_do_not_parse_are_ignored() -> None:
    assert Replay({"a/stdout": "garbage", "b/stdout": "1:x"}).marks == {}


def test_marks_are_read_back_from_a_streams_tail() -> None:
    tail = [
        {"ts": ts(9), "task_id": "a", "stream": "stdout"},
        {"ts": ts(9), "task_id": "a", "stream": "stdout"},
        {"ts": ts(3), "task_id": "a", "stream": "stdout"},
        {"ts": ts(4), "task_id": "a", "stream": "stderr"},
        {"ts": "garbage", "task_id": "c", "stream": "stdout"},
    ]
    assert marks_from_tail(tail) == {"a/stdout": f"{BASE + 9}:2", "a/stderr": f"{BASE + 4}:1"}


def shipment(key: str) -> MarkedShipment:
    return MarkedShipment(
        key=key, lines=[], marks_key=key + ":m", marks={}, dropped=[], max_entries=10
    )


async def test_shipments_queued_together_are_written_in_one_call() -> None:
    calls: list[list[str]] = []

    async def ship(batch: list[MarkedShipment]) -> None:
        calls.append([s.key for s in batch])

    writes = BatchedWrites(ship, writers=1)
    await asyncio.gather(*(writes.ship(shipment(f"k{i}")) for i in range(5)))
    await writes.close()
    assert sorted(key for call in calls for key in call) == [f"k{i}" for i in range(5)]
    assert len(calls) == 1


async def test_a_failed_write_fails_every_shipment_in_it_and_the_next_ones_go_through() -> None:
    fail = True

    async def ship(batch: list[MarkedShipment]) -> None:
        if fail:
            raise ConnectionError("redis went away")

    writes = BatchedWrites(ship, writers=1)
    results = await asyncio.gather(
        writes.ship(shipment("a")), writes.ship(shipment("b")), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    fail = False
    await writes.ship(shipment("c"))
    await writes.close()


async def test_a_cancelled_shipper_does_not_break_the_writer() -> None:
    release = asyncio.Event()

    async def ship(batch: list[MarkedShipment]) -> None:
        await release.wait()

    writes = BatchedWrites(ship, writers=1)
    waiting = asyncio.create_task(writes.ship(shipment("a")))
    await asyncio.sleep(0.1)
    waiting.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait_for(writes.ship(shipment("b")), 2)
    await writes.close()


async def test_forget_waits_for_a_write_under_way_to_the_stream_to_end() -> None:
    """A write already sent for a deleted stream is waited for, so it cannot land after."""
    written: list[str] = []
    release = asyncio.Event()

    async def ship(batch: list[MarkedShipment]) -> None:
        await release.wait()
        written.extend(s.key for s in batch)

    writes = BatchedWrites(ship, writers=1)
    shipper = asyncio.create_task(writes.ship(shipment("gone")))
    await asyncio.sleep(0.1)  # gathered and being written
    shipper.cancel()  # the service's follower stopped
    forgetting = asyncio.create_task(writes.forget("gone", timeout=5))
    await asyncio.sleep(0.1)
    assert not forgetting.done()
    release.set()
    await forgetting
    assert written == ["gone"]
    await writes.close()


async def test_forget_drops_what_is_still_queued_for_the_stream() -> None:
    """Lines queued behind a slow write are not written to a stream that was deleted."""
    written: list[str] = []
    release = asyncio.Event()

    async def ship(batch: list[MarkedShipment]) -> None:
        await release.wait()
        written.extend(s.key for s in batch)

    writes = BatchedWrites(ship, writers=1)
    busy = asyncio.create_task(writes.ship(shipment("other")))
    await asyncio.sleep(0.1)  # the one writer is busy with "other"
    queued = asyncio.create_task(writes.ship(shipment("gone")))
    await asyncio.sleep(0.01)
    forgetting = asyncio.create_task(writes.forget("gone", timeout=5))
    release.set()
    await asyncio.wait_for(asyncio.gather(busy, queued, forgetting), 2)
    assert written == ["other"]
    await writes.close()


async def test_forget_raises_when_a_write_under_way_does_not_end_in_time() -> None:
    """The stream is then not deleted yet: the finalizer retries later."""
    release = asyncio.Event()

    async def ship(batch: list[MarkedShipment]) -> None:
        await release.wait()

    writes = BatchedWrites(ship, writers=1)
    shipper = asyncio.create_task(writes.ship(shipment("gone")))
    await asyncio.sleep(0.1)
    with pytest.raises(TimeoutError):
        await writes.forget("gone", timeout=0.1)
    release.set()
    await shipper
    await writes.close()


async def test_forget_returns_at_once_for_a_key_with_nothing_unwritten() -> None:
    async def ship(batch: list[MarkedShipment]) -> None:
        return None

    writes = BatchedWrites(ship, writers=1)
    await writes.ship(shipment("done"))
    await asyncio.wait_for(writes.forget("done", timeout=5), 0.5)
    await asyncio.wait_for(writes.forget("never-shipped", timeout=5), 0.5)
    await writes.close()
