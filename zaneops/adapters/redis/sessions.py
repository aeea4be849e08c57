"""Server-side sessions in Redis: the cookie holds a random id, Redis holds who it is.

The caller makes the session id and CSRF token (the API's own secrets); this only stores them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from .connection import RedisConnection


@dataclass(frozen=True)
class Session:
    id: str
    user_id: UUID
    username: str
    is_admin: bool
    csrf_token: str


class SessionStore:
    def __init__(self, redis: RedisConnection, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis.client
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, session_id: str) -> str:
        # Hashed: a leaked Redis dump does not hand out live session cookies.
        digest = hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self._prefix}session:{digest}"

    async def create(self, session: Session) -> Session:
        """Stores a new session (its id and CSRF token made by the caller) for its lifetime."""
        fields: Any = {
            "user_id": str(session.user_id),
            "username": session.username,
            "is_admin": "1" if session.is_admin else "0",
            "csrf": session.csrf_token,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(session.id), mapping=fields)
            pipe.expire(self._key(session.id), self._ttl)
            await pipe.execute()
        return session

    async def get(self, session_id: str) -> Session | None:
        """The session, its lifetime renewed; None if it expired or never existed."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._key(session_id))
            pipe.expire(self._key(session_id), self._ttl)
            fields, _ = await pipe.execute()
        if not fields:
            return None
        values = {k.decode(): v.decode() for k, v in fields.items()}
        return Session(
            session_id,
            UUID(values["user_id"]),
            values["username"],
            values["is_admin"] == "1",
            values["csrf"],
        )

    async def delete(self, session_id: str) -> None:
        await self._redis.delete(self._key(session_id))
