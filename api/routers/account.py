"""Your own account: your password, your sessions (and ending them), your API tokens."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser, Principal
from api.auth.secrets import hash_password, hash_token, new_api_token, verify_password
from api.context import ApiContext
from api.errors import ApiError
from api.schemas import StorableText
from zaneops.adapters.redis.sessions import SessionRecord, digest_of
from zaneops.common.errors import NotFound

router = APIRouter(prefix="/auth", tags=["account"])

MIN_PASSWORD_LENGTH = 12


class PasswordChange(BaseModel):
    current_password: StorableText = Field(min_length=1, max_length=1000)
    new_password: StorableText = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=1000,
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )


class SessionInfo(BaseModel):
    id: str = Field(description="Names the session (a hash of it, never the cookie itself).")
    client: str = Field(description="The address it logged in from.")
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool = Field(description="The session this request came with.")


class Ended(BaseModel):
    ended: int = Field(description="How many sessions ended.")


class NewToken(BaseModel):
    name: StorableText = Field(
        min_length=1, max_length=100, description="What it is for, e.g. laptop CLI."
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Refused after this many days; none: never."
    )


class TokenInfo(BaseModel):
    id: UUID
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None = Field(description="Refused after this; none: never.")


class CreatedToken(TokenInfo):
    token: str = Field(description="Shown only this once: only its hash is stored.")


# --- password --------------------------------------------------------------------------------


@router.post(
    "/password",
    status_code=204,
    operation_id="change_password",
    summary="Change your password; your other sessions end",
    responses={429: {"description": "Too many wrong passwords: wait a minute"}},
)
async def change_password(
    ctx: Ctx, user: CurrentUser, body: PasswordChange, request: Request
) -> None:
    client = request.client.host if request.client else "unknown"
    attempt = await ctx.throttle.admit(client, user.username)
    if attempt is None:
        raise ApiError(429, "too_many_attempts", "too many wrong passwords: wait a minute")
    if not await _current_password_is(ctx, user, body.current_password):
        raise ApiError(403, "wrong_password", "the current password is wrong: nothing was changed")
    await ctx.throttle.forgive(client, user.username, attempt)
    async with ctx.password_checks:
        fresh = await asyncio.to_thread(hash_password, body.new_password)
    await ctx.accounts.set_password(user.user_id, fresh)
    await ctx.sessions.end_all(user.user_id, keep=_handle(user))


async def _current_password_is(ctx: ApiContext, user: Principal, password: str) -> bool:
    account = await ctx.accounts.user_by_id(user.user_id)
    if account is None:
        return False
    async with ctx.password_checks:
        return await asyncio.to_thread(verify_password, password, account.password_hash)


# --- sessions --------------------------------------------------------------------------------


def _handle(user: Principal) -> str | None:
    return digest_of(user.session_id) if user.session_id else None


def _session_info(record: SessionRecord, current: str | None) -> SessionInfo:
    return SessionInfo(
        id=record.handle,
        client=record.client,
        user_agent=record.user_agent,
        created_at=datetime.fromtimestamp(record.created_at, UTC),
        last_seen_at=datetime.fromtimestamp(record.last_seen_at, UTC),
        current=record.handle == current,
    )


@router.get(
    "/sessions",
    response_model=list[SessionInfo],
    operation_id="list_sessions",
    summary="Your sessions: where and when each began and was last used",
)
async def list_sessions(ctx: Ctx, user: CurrentUser) -> list[SessionInfo]:
    current = _handle(user)
    return [_session_info(r, current) for r in await ctx.sessions.list_for(user.user_id)]


@router.delete(
    "/sessions/{id}",
    status_code=204,
    operation_id="end_session",
    summary="End one of your sessions (it must log in again)",
)
async def end_session(
    ctx: Ctx, user: CurrentUser, handle: Annotated[str, Path(alias="id", max_length=64)]
) -> None:
    if not await ctx.sessions.end(user.user_id, handle):
        raise NotFound("no session of yours has this id")


@router.post(
    "/sessions/end-others",
    response_model=Ended,
    operation_id="end_other_sessions",
    summary="Log out everywhere else: every session but this one ends",
)
async def end_other_sessions(ctx: Ctx, user: CurrentUser) -> Ended:
    return Ended(ended=await ctx.sessions.end_all(user.user_id, keep=_handle(user)))


# --- API tokens ------------------------------------------------------------------------------


@router.get(
    "/tokens",
    response_model=list[TokenInfo],
    operation_id="list_tokens",
    summary="Your API tokens (never the tokens themselves)",
)
async def list_tokens(ctx: Ctx, user: CurrentUser) -> list[TokenInfo]:
    tokens = await ctx.accounts.list_tokens(user.user_id)
    return [TokenInfo.model_validate(token, from_attributes=True) for token in tokens]


@router.post(
    "/tokens",
    response_model=CreatedToken,
    status_code=201,
    operation_id="create_token",
    summary="Create an API token; it is shown only in this answer",
)
async def create_token(ctx: Ctx, user: CurrentUser, body: NewToken) -> CreatedToken:
    token = new_api_token()
    expires_at = None
    if body.expires_in_days is not None:
        expires_at = datetime.now(UTC) + timedelta(days=body.expires_in_days)
    saved = await ctx.accounts.create_token(
        user.user_id, body.name, hash_token(token), token[:9], expires_at
    )
    info = TokenInfo.model_validate(saved, from_attributes=True)
    return CreatedToken(**info.model_dump(), token=token)


@router.delete(
    "/tokens/{id}",
    status_code=204,
    operation_id="revoke_token",
    summary="Revoke one of your API tokens",
)
async def revoke_token(
    ctx: Ctx, user: CurrentUser, token_id: Annotated[UUID, Path(alias="id")]
) -> None:
    await ctx.accounts.delete_token(user.user_id, token_id)
