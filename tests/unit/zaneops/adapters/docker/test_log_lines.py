"""Docker's log frames and times, parsed exactly."""

from __future__ import annotations

import struct

from zaneops.adapters.docker.log_follow import MAX_FRAME, FrameReader, since_parameter
from zaneops.adapters.docker.log_lines import log_entry, unix_nanos, unix_seconds


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


LINE = b"2026-12-02T14:12:01.123456789Z com.docker.swarm.task.id=abc,other=x hello world\n"


def test_a_timestamped_line_gives_its_time_stream_task_and_text() -> None:
    entry = log_entry(2, LINE)
    assert (entry.ts, entry.stream, entry.task_id, entry.line) == (
        "2026-12-02T14:12:01.123456789Z",
        "stderr",
        "abc",
        "hello world",
    )


def test_times_keep_every_nanosecond_and_seconds_cut_to_the_microsecond() -> None:
    nanos = unix_nanos("2026-12-02T14:12:01.123456789Z")
    assert nanos is not None and nanos % 1_000_000_000 == 123_456_789
    assert unix_nanos("2026-12-02T14:12:01.5Z") == (nanos - 123_456_789) + 500_000_000
    assert unix_seconds("2026-12-02T14:12:01.123456789Z") == (nanos // 1000) / 1e6


def test_a_time_that_is_not_one_gives_none() -> None:
    assert unix_nanos("") is None
    assert unix_nanos("yesterday") is None
    assert unix_nanos("2026-12-02T14:12:01.12x4Z") is None


def test_since_keeps_nanoseconds_and_never_goes_negative() -> None:
    assert since_parameter(1_700_000_000_000_000_007) == "1700000000.000000007"
    assert since_parameter(-5) == "0.000000000"


def test_frames_split_anywhere_give_whole_lines_once() -> None:
    data = frame(1, LINE) + frame(2, LINE.replace(b"hello", b"bye"))
    for cut in range(1, len(data)):
        reader = FrameReader()
        entries = reader.feed(data[:cut]) + reader.feed(data[cut:])
        assert [e.line for e in entries] == ["hello world", "bye world"]


def test_an_oversized_frame_is_skipped_and_the_next_line_still_read() -> None:
    huge = struct.pack(">BxxxL", 1, MAX_FRAME + 1)
    reader = FrameReader()
    entries = reader.feed(huge + b"x" * 1000)
    entries += reader.feed(b"x" * (MAX_FRAME + 1 - 1000) + frame(1, LINE))
    assert [e.line for e in entries] == ["hello world"]
