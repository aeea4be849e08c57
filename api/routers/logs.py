"""Runtime, build and HTTP logs: paged and filtered, or followed live over SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import StreamingResponse

from api.auth.principal import Ctx, CurrentUser
from api.context import ApiContext
from api.crud import load
from api.errors import ApiError, ErrorBody, field_error
from api.schemas import LogEntry, LogPage
from zaneops.adapters.redis import stream_keys as logstreams
from zaneops.adapters.redis.log_streams import ENTRY_ID, LogQuery
from zaneops.specs.kinds import Kind

router = APIRouter(tags=["logs"])

ServiceId = Annotated[UUID, Path(alias="id")]
Direction = Annotated[
    Literal["backward", "forward"],
    Query(description="backward: newest first (the default); forward: oldest first."),
]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=41, description="A page's next_cursor.")]
Since = Annotated[datetime | None, Query(description="Only entries at or after this time.")]
Until = Annotated[datetime | None, Query(description="Only entries at or before this time.")]
Text = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Only entries containing this text."),
]
After = Annotated[
    str | None,
    Query(max_length=41, description="Start after this entry id; none: from now on."),
]
LastEventId = Annotated[str | None, Header(max_length=41)]
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "One `log` event per entry."},
    503: {"model": ErrorBody, "description": "As many live log streams as allowed are open"},
}


def _entry_id(value: str | None, name: str, location: str) -> str | None:
    if value is not None and not ENTRY_ID.fullmatch(value):
        reason = "must be a log entry id, like 1700000000000-0"
        raise ApiError(
            422,
            "invalid_input",
            f"{name} {reason}",
            [field_error(name, reason, "invalid_entry_id", location)],
        )
    return value


async def _page(ctx: ApiContext, key: str, query: LogQuery) -> LogPage:
    _entry_id(query.cursor, "cursor", "query")
    if query.since and query.until and query.since > query.until:
        raise ApiError(
            422,
            "invalid_input",
            "since is after until",
            [field_error("since", "must not be after until", "invalid_range", "query")],
        )
    page = await ctx.log_streams.read_page(key, query)
    entries = [LogEntry(id=entry.id, fields=entry.fields) for entry in page.entries]
    return LogPage(entries=entries, next_cursor=page.next_cursor)


def _stream(
    ctx: ApiContext, request: Request, key: str, after: str | None, text: str | None
) -> StreamingResponse:
    start = _entry_id(after, "after", "query")

    async def events() -> AsyncIterator[str]:
        live = ctx.log_streams.follow(key, start, text, ctx.settings.sse_block_ms)
        async for event in live:
            if await request.is_disconnected():
                return
            yield event

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    counted = ctx.live_streams.opened(events())
    return StreamingResponse(counted, media_type="text/event-stream", headers=headers)


def _service_logs(kind: str, stream_key: Any) -> None:
    @router.get(
        f"/services/{{id}}/logs/{kind}",
        response_model=LogPage,
        operation_id=f"{kind}_logs",
        summary=f"A page of the service's {kind} logs",
    )
    async def page(
        *,
        ctx: Ctx,
        _: CurrentUser,
        service_id: ServiceId,
        direction: Direction = "backward",
        limit: Limit = 100,
        cursor: Cursor = None,
        since: Since = None,
        until: Until = None,
        q: Text = None,
    ) -> LogPage:
        await load(ctx, Kind.SERVICES, service_id)
        query = LogQuery(direction, limit, cursor, since, until, q)
        return await _page(ctx, stream_key(service_id), query)

    @router.get(
        f"/services/{{id}}/logs/{kind}/follow",
        response_class=StreamingResponse,
        responses=SSE_RESPONSE,
        operation_id=f"follow_{kind}_logs",
        summary=f"Follow the service's {kind} logs live (server-sent events)",
    )
    async def live(
        *,
        ctx: Ctx,
        _: CurrentUser,
        request: Request,
        service_id: ServiceId,
        after: After = None,
        q: Text = None,
        last_event_id: LastEventId = None,
    ) -> StreamingResponse:
        await load(ctx, Kind.SERVICES, service_id)
        return _stream(ctx, request, stream_key(service_id), after or last_event_id, q)


_service_logs("runtime", logstreams.runtime_logs)
_service_logs("http", logstreams.http_logs)


def _output_logs(kind: Kind, singular: str, what: str, stream_key: Any) -> None:
    """A page of, and the live follow of, the output of one build or one run: short, and
    wanted from its start (followed from the beginning, oldest first)."""

    @router.get(
        f"/{kind.value}/{{id}}/logs",
        response_model=LogPage,
        operation_id=f"{singular}_logs",
        summary=f"A page of {what}",
    )
    async def page(
        *,
        ctx: Ctx,
        _: CurrentUser,
        object_id: Annotated[UUID, Path(alias="id")],
        direction: Direction = "forward",
        limit: Limit = 100,
        cursor: Cursor = None,
        since: Since = None,
        until: Until = None,
        q: Text = None,
    ) -> LogPage:
        await load(ctx, kind, object_id)
        query = LogQuery(direction, limit, cursor, since, until, q)
        return await _page(ctx, stream_key(object_id), query)

    @router.get(
        f"/{kind.value}/{{id}}/logs/follow",
        response_class=StreamingResponse,
        responses=SSE_RESPONSE,
        operation_id=f"follow_{singular}_logs",
        summary=f"Follow {what} live, from its start (server-sent events)",
    )
    async def live(
        *,
        ctx: Ctx,
        _: CurrentUser,
        request: Request,
        object_id: Annotated[UUID, Path(alias="id")],
        after: After = None,
        q: Text = None,
        last_event_id: LastEventId = None,
    ) -> StreamingResponse:
        await load(ctx, kind, object_id)
        start = after or last_event_id or "0-0"
        return _stream(ctx, request, stream_key(object_id), start, q)


_output_logs(Kind.BUILDS, "build", "a build's logs", logstreams.build_logs)
_output_logs(Kind.RUNS, "run", "a one-off command's output", logstreams.run_logs)
