"""Where log following resumes and which replayed lines are new; batched writes' failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from controllers.services.log_batches import BatchedWrites
from controllers.services.log_marks import (
    IN_FLIGHT_NS,
    MAX_MARKS,
    MAX_REPLAY_NS,
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


def line(task: str, offset_ns: int, text: str = "") -> LogEntry:
    return LogEntry(ts=ts(offset_ns), stream="stdout", line=text, task_id=task)


def test_a_replayed_line_is_skipped_and_a_newer_one_of_the_same_task_kept() -> None:
    replay = Replay({"a": BASE + 100})
    fresh = replay.fresh([line("a", 100), line("a", 99), line("a", 101), line("b", 5)])
    assert [(f.entry.task_id, f.ts_ns - BASE) for f in fresh] == [("a", 101), ("b", 5)]
    assert replay.marks == {"a": BASE + 101, "b": BASE + 5}


def test_lines_a_nanosecond_apart_are_both_shipped() -> None:
    replay = Replay({})
    fresh = replay.fresh([line("a", 1), line("a", 2)])
    assert len(fresh) == 2


def test_resume_goes_back_to_the_oldest_mark_or_the_in_flight_window_whichever_is_earlier() -> None:
    assert Replay({"a": BASE, "b": BASE + 3}).resume_since(0) == BASE + 3 - IN_FLIGHT_NS
    far = Replay({"a": BASE, "b": BASE + 2 * IN_FLIGHT_NS})
    assert far.resume_since(0) == BASE
    lone = Replay({"a": BASE})
    assert lone.resume_since(0) == BASE - IN_FLIGHT_NS


def test_resume_never_replays_more_than_the_window() -> None:
    old = Replay({"a": BASE, "b": BASE + MAX_REPLAY_NS * 3})
    assert old.resume_since(0) == BASE + MAX_REPLAY_NS * 2


def test_with_no_marks_resume_covers_the_recent_past() -> None:
    assert Replay({}).resume_since(BASE) == BASE - MAX_REPLAY_NS


def test_only_the_newest_marks_are_kept() -> None:
    replay = Replay({})
    replay.fresh([line(f"t{i}", i) for i in range(MAX_MARKS + 5)])
    assert len(replay.marks) == MAX_MARKS
    assert "t0" not in replay.marks and f"t{MAX_MARKS + 4}" in replay.marks


def test_marks_are_read_back_from_a_streams_tail() -> None:
    tail = [
        {"ts": ts(9), "task_id": "a"},
        {"ts": ts(3), "task_id": "a"},
        {"ts": ts(4), "task_id": "b"},
        {"ts": "garbage", "task_id": "c"},
    ]
    assert marks_from_tail(tail) == {"a": BASE + 9, "b": BASE + 4}


def shipment(key: str) -> MarkedShipment:
    return MarkedShipment(key=key, lines=[], marks_key=key + ":m", marks={}, max_entries=10)


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
