"""Live log streams are counted from the request that opens them to their end, or to their
drop if the client left before the stream started."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import pytest

from api.errors import ApiError
from api.live_streams import LiveStreams


async def events() -> AsyncIterator[str]:
    yield ": keep-alive\n\n"
    yield ": keep-alive\n\n"


async def test_a_burst_past_the_limit_is_refused_before_any_stream_starts() -> None:
    streams = LiveStreams(limit=2)
    first, second = streams.opened(events()), streams.opened(events())
    with pytest.raises(ApiError) as refused:
        streams.opened(events())
    assert refused.value.status == 503 and refused.value.code == "too_many_live_streams"
    assert streams.open == 2
    del first, second


async def test_a_stream_ending_or_dropped_unstarted_gives_its_place_back() -> None:
    streams = LiveStreams(limit=2)
    read = streams.opened(events())
    assert [event async for event in read] == [": keep-alive\n\n"] * 2
    assert streams.open == 0
    dropped = streams.opened(events())  # the client left before the answer began
    assert streams.open == 1
    del dropped
    gc.collect()
    assert streams.open == 0
