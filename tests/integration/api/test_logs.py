"""Logs from Redis streams: paged with cursors, filtered by time and text, followed over SSE."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from tests.integration.api.helpers import body, service
from tests.support.api import RunningApi, api_settings, log_in, serving
from zaneops.adapters.redis import stream_keys as logstreams

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
FOLLOWERS = 150


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    await client.aclose()


@pytest.fixture
async def web(admin: httpx.AsyncClient, redis: Redis) -> AsyncIterator[str]:
    """A service with ten runtime lines, one per second; its streams are removed afterwards."""
    created = await service(admin)
    key = logstreams.runtime_logs(uuid.UUID(created["id"]))
    for n in range(10):
        line = f"line {n}" + (" ERROR" if n % 3 == 0 else "")
        await redis.xadd(
            key, {"ts": "-", "stream": "stdout", "line": line}, id=f"{START_MS + n * 1000}-0"
        )
    yield created["id"]
    await redis.delete(key, logstreams.http_logs(uuid.UUID(created["id"])))


def _lines(page: dict[str, object]) -> list[str]:
    return [entry["fields"]["line"] for entry in page["entries"]]  # type: ignore[attr-defined, index]


async def test_pages_newest_first_follow_the_cursor(admin: httpx.AsyncClient, web: str) -> None:
    """Backward pages of 4 cover all ten lines, newest first, then stop."""
    url = f"/services/{web}/logs/runtime"
    first = body(await admin.get(url, params={"limit": 4}), 200)
    assert _lines(first) == ["line 9 ERROR", "line 8", "line 7", "line 6 ERROR"]
    second = body(await admin.get(url, params={"limit": 4, "cursor": first["next_cursor"]}), 200)
    assert _lines(second) == ["line 5", "line 4", "line 3 ERROR", "line 2"]
    third = body(await admin.get(url, params={"limit": 4, "cursor": second["next_cursor"]}), 200)
    assert _lines(third) == ["line 1", "line 0 ERROR"]
    assert third["next_cursor"] is None


async def test_filters_by_time_range_and_text(admin: httpx.AsyncClient, web: str) -> None:
    """since/until select by entry time, q by text; forward reads oldest first."""
    params = {
        "since": "2024-01-01T00:00:02Z",
        "until": "2024-01-01T00:00:07Z",
        "q": "error",
        "direction": "forward",
    }
    page = body(await admin.get(f"/services/{web}/logs/runtime", params=params), 200)
    assert _lines(page) == ["line 3 ERROR", "line 6 ERROR"]


async def test_bad_cursor_and_reversed_range_are_422(admin: httpx.AsyncClient, web: str) -> None:
    """A cursor that is no entry id, and since after until, name their parameter."""
    url = f"/services/{web}/logs/runtime"
    bad = body(await admin.get(url, params={"cursor": "nope"}), 422)
    assert bad["errors"][0]["field"] == "cursor"
    reversed_range = {"since": "2024-01-02T00:00:00Z", "until": "2024-01-01T00:00:00Z"}
    assert body(await admin.get(url, params=reversed_range), 422)["errors"][0]["field"] == "since"


async def _events(response: httpx.Response, wanted: int) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            events.append(json.loads(line.removeprefix("data: ")))
            if len(events) == wanted:
                return events
    return events


async def test_follow_streams_new_lines_over_sse(
    admin: httpx.AsyncClient, web: str, redis: Redis
) -> None:
    """Following from now on delivers lines written afterwards, filtered, as SSE events."""
    url = f"/services/{web}/logs/http/follow"
    key = logstreams.http_logs(uuid.UUID(web))
    async with admin.stream("GET", url, params={"q": "/api"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for path in ("/", "/api/users", "/static", "/api/orders"):
            await redis.xadd(key, {"ts": "-", "method": "GET", "path": path, "status": "200"})
        events = await asyncio.wait_for(_events(response, 2), timeout=10)
    assert [event["path"] for event in events] == ["/api/users", "/api/orders"]


async def test_follow_resumes_after_last_event_id(admin: httpx.AsyncClient, web: str) -> None:
    """A reconnecting client (Last-Event-ID) gets the lines after the one it saw."""
    url = f"/services/{web}/logs/runtime/follow"
    headers = {"Last-Event-ID": f"{START_MS + 7000}-0"}
    async with admin.stream("GET", url, headers=headers) as response:
        events = await asyncio.wait_for(_events(response, 2), timeout=10)
    assert [event["line"] for event in events] == ["line 8", "line 9 ERROR"]


async def test_more_live_streams_than_a_redis_pool_holds_each_get_their_lines(
    api: RunningApi, admin: httpx.AsyncClient, web: str, redis: Redis
) -> None:
    """150 people following one service at once: each stream holds a Redis connection, and
    Redis's default client pool (100) refused the 101st."""
    url = f"/services/{web}/logs/runtime/follow"
    wide = httpx.AsyncClient(
        base_url=api.base_url + "/api/v1",
        cookies=admin.cookies,
        headers=admin.headers,
        timeout=20,
        limits=httpx.Limits(max_connections=FOLLOWERS + 10),
    )

    async def follow(opened: asyncio.Event) -> dict[str, str]:
        async with wide.stream("GET", url) as response:
            assert response.status_code == 200
            opened.set()
            return (await _events(response, 1))[0]

    opened = [asyncio.Event() for _ in range(FOLLOWERS)]
    followers = [asyncio.create_task(follow(event)) for event in opened]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in opened)), 30)
    await asyncio.sleep(0.5)  # every stream is waiting on Redis
    await redis.xadd(logstreams.runtime_logs(uuid.UUID(web)), {"line": "for everyone"})
    got = await asyncio.wait_for(asyncio.gather(*followers), 30)
    await wide.aclose()
    assert [event["line"] for event in got] == ["for everyone"] * FOLLOWERS


async def test_a_live_stream_past_the_limit_is_refused_with_503_until_one_closes(
    database_url: str,
) -> None:
    """The bound is explicit: the next stream gets a reason and Retry-After, not a hang."""
    async with serving(api_settings(database_url, live_log_streams=2)) as limited:
        client = await log_in(limited)
        created = await service(client)
        url = f"/services/{created['id']}/logs/runtime/follow"
        async with client.stream("GET", url) as first, client.stream("GET", url) as second:
            assert (first.status_code, second.status_code) == (200, 200)
            refused = await client.get(url)
            assert refused.status_code == 503
            assert refused.json()["code"] == "too_many_live_streams"
            assert refused.headers["Retry-After"] == "5"
        await asyncio.sleep(0.5)  # both streams' ends are seen by the server
        async with client.stream("GET", url) as again:
            assert again.status_code == 200
        await client.aclose()
