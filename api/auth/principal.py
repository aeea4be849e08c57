"""Who is calling: a Bearer API token (CLI, automation) or a session cookie (the dashboard).

Cookie-authenticated unsafe methods must echo the session's CSRF token in a header: another
site can make a browser send the cookie, but cannot read the token.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext, context
from api.errors import ApiError

from .secrets import hash_token

SESSION_COOKIE = "zane_session"
CSRF_COOKIE = "zane_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# auto_error=False: the dependency decides, so a missing credential is our 401, not theirs.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `zaneops` CLI, scripts.")
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=f"The dashboard's session; unsafe methods also need the {CSRF_HEADER} header.",
)


@dataclass(frozen=True)
class Principal:
    user_id: UUID
    username: str
    is_admin: bool
    via: Literal["session", "token"]
    session_id: str | None = None


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message)


async def _from_token(ctx: ApiContext, token: str) -> Principal:
    user = await ctx.accounts.user_by_token(hash_token(token))
    if user is None:
        raise unauthenticated("the API token is invalid or was revoked")
    return Principal(user.id, user.username, user.is_admin, "token")


async def _from_session(ctx: ApiContext, request: Request, session_id: str) -> Principal:
    session = await ctx.sessions.get(session_id)
    if session is None:
        raise unauthenticated("the session expired or was closed: log in again")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise ApiError(
                403,
                "csrf_failed",
                f"missing or wrong {CSRF_HEADER} header: send the csrf_token given at login",
            )
    return Principal(session.user_id, session.username, session.is_admin, "session", session.id)


async def authenticated(
    request: Request,
    ctx: Annotated[ApiContext, Depends(context)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_id: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal:
    if bearer is not None:
        return await _from_token(ctx, bearer.credentials)
    if request.headers.get("authorization"):
        raise unauthenticated("the Authorization header must be 'Bearer <API token>'")
    if session_id:
        return await _from_session(ctx, request, session_id)
    raise unauthenticated("log in, or send an API token as 'Authorization: Bearer <token>'")


CurrentUser = Annotated[Principal, Depends(authenticated)]


async def administrator(principal: CurrentUser) -> Principal:
    """The caller, if an admin: the platform's own settings and backups are theirs alone."""
    if not principal.is_admin:
        raise ApiError(403, "admin_only", "only an administrator may do this")
    return principal


Admin = Annotated[Principal, Depends(administrator)]
Ctx = Annotated[ApiContext, Depends(context)]
