"""Server-side sessions in Redis: the cookie holds a random id, Redis holds who it is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from .secrets import new_csrf_token, new_session_id


@dataclass(frozen=True)
class Session:
    id: str
    user_id: UUID
    username: str
    is_admin: bool
    csrf_token: str


class SessionStore:
    def __init__(self, redis: Redis, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, session_id: str) -> str:
        # Hashed: a leaked Redis dump does not hand out live session cookies.
        digest = hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self._prefix}session:{digest}"

    async def create(self, user_id: UUID, username: str, is_admin: bool) -> Session:
        session = Session(new_session_id(), user_id, username, is_admin, new_csrf_token())
        fields: Any = {
            "user_id": str(user_id),
            "username": username,
            "is_admin": "1" if is_admin else "0",
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
