"""Health (no auth: load balancers call it) and search across projects and services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth.principal import Ctx, CurrentUser
from api.schemas import SearchHit, StorableText

router = APIRouter(tags=["misc"])


class Health(BaseModel):
    status: str
    database: bool
    redis: bool


@router.get(
    "/health",
    response_model=Health,
    operation_id="health",
    summary="Liveness and the state of the database and Redis (no auth)",
)
async def health(ctx: Ctx) -> Health:
    database = await ctx.store.ping()
    try:
        redis = await ctx.redis.ping()
    except Exception:  # any failure to answer is "down" here, whatever the reason
        redis = False
    return Health(status="ok" if database and redis else "degraded", database=database, redis=redis)


@router.get(
    "/search",
    response_model=list[SearchHit],
    operation_id="search",
    summary="Projects (by slug or name) and services (by slug) containing the text",
)
async def search(
    ctx: Ctx,
    _: CurrentUser,
    q: Annotated[StorableText, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHit]:
    rows = await ctx.store.search(q, limit)
    return [
        SearchHit(
            kind=row["kind"],
            id=row["id"],
            slug=row["spec"].get("slug", ""),
            name=row["spec"].get("name", row["spec"].get("slug", "")),
            project_id=row["project_id"],
            environment_id=row["environment_id"],
        )
        for row in rows
    ]
