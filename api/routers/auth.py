"""Log in and out (server-side sessions), who am I, and API tokens for the CLI."""

from __future__ import annotations

import asyncio
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.auth.principal import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Ctx,
    CurrentUser,
    Principal,
    unauthenticated,
)
from api.auth.secrets import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    new_csrf_token,
    new_session_id,
    verify_password,
)
from api.context import ApiContext
from api.errors import ApiError
from api.schemas import StorableText
from zaneops.adapters.redis.sessions import Session

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    username: StorableText = Field(min_length=1, max_length=150)
    password: StorableText = Field(min_length=1, max_length=1000)


class Me(BaseModel):
    user_id: UUID
    username: str
    is_admin: bool
    via: str = Field(description="session or token")


class LoggedIn(Me):
    csrf_token: str = Field(
        description="Send it back as the X-CSRF-Token header on every POST, PUT and DELETE."
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _check_password(ctx: ApiContext, credentials: Credentials) -> Principal | None:
    user = await ctx.accounts.user_by_name(credentials.username)
    stored = user.password_hash if user else DUMMY_HASH
    # Slow on purpose: off the event loop, and only a few at once (each takes memory and a
    # core for tens of milliseconds), so a burst queues instead of exhausting the API.
    async with ctx.password_checks:
        good = await asyncio.to_thread(verify_password, credentials.password, stored)
    if user is None or not good:
        return None
    if needs_rehash(stored):  # an older scheme or weaker parameters: today's, from now on
        async with ctx.password_checks:
            fresh = await asyncio.to_thread(hash_password, credentials.password)
        await ctx.accounts.set_password(user.id, fresh)
    return Principal(user.id, user.username, user.is_admin, "session")


def _set_cookies(ctx: ApiContext, response: Response, session_id: str, csrf: str) -> None:
    common = {
        "max_age": ctx.settings.session_ttl_seconds,
        "secure": ctx.settings.cookie_secure,
        "samesite": "lax",
        "path": "/",
    }
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, **common)  # type: ignore[arg-type]
    # Readable by the dashboard's script, which echoes it in the X-CSRF-Token header.
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **common)  # type: ignore[arg-type]


@router.post(
    "/login",
    response_model=LoggedIn,
    operation_id="login",
    summary="Log in; sets the session cookie",
    responses={429: {"description": "Too many wrong passwords: wait a minute"}},
)
async def login(
    ctx: Ctx, credentials: Credentials, request: Request, response: Response
) -> LoggedIn:
    client = _client(request)
    attempt = await ctx.throttle.admit(client, credentials.username)
    if attempt is None:
        raise ApiError(429, "too_many_attempts", "too many wrong passwords: wait a minute")
    principal = await _check_password(ctx, credentials)
    if principal is None:
        raise unauthenticated("wrong user name or password")  # the attempt stays counted
    await ctx.throttle.forgive(client, credentials.username, attempt)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # a fresh id at every login: no session fixation
        await ctx.sessions.delete(previous)
    session = await ctx.sessions.create(
        Session(
            new_session_id(),
            principal.user_id,
            principal.username,
            principal.is_admin,
            new_csrf_token(),
            client=client,
            user_agent=request.headers.get("user-agent", ""),
        )
    )
    _set_cookies(ctx, response, session.id, session.csrf_token)
    return LoggedIn(
        user_id=principal.user_id,
        username=principal.username,
        is_admin=principal.is_admin,
        via="session",
        csrf_token=session.csrf_token,
    )


@router.post("/logout", status_code=204, operation_id="logout", summary="End this session")
async def logout(ctx: Ctx, user: CurrentUser, response: Response) -> None:
    if user.session_id is not None:
        await ctx.sessions.delete(user.session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", response_model=Me, operation_id="me", summary="Who is calling")
async def me(user: CurrentUser) -> Me:
    return Me(user_id=user.user_id, username=user.username, is_admin=user.is_admin, via=user.via)
