"""Server-side sessions in Redis: the cookie holds a random id, Redis holds who it is.

The caller makes the session id and CSRF token (the API's own secrets); this only stores
them, with where and when each session began and was last used, and an index per user so
a person can see their sessions and end them ("log out everywhere").
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from .connection import RedisConnection


@dataclass(frozen=True)
class Session:
    id: str  # the cookie's secret: never shown, never stored in clear
    user_id: UUID
    username: str
    is_admin: bool
    csrf_token: str
    client: str = ""  # the address it logged in from
    user_agent: str = ""
    created_at: float = field(default_factory=time.time)

    @property
    def handle(self) -> str:
        """How the session is named to its owner (and stored): a hash of its id."""
        return digest_of(self.id)


@dataclass(frozen=True)
class SessionRecord:
    handle: str
    client: str
    user_agent: str
    created_at: float
    last_seen_at: float


def digest_of(session_id: str) -> str:
    # Hashed: a leaked Redis dump does not hand out live session cookies.
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


class SessionStore:
    def __init__(self, redis: RedisConnection, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis.client
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, handle: str) -> str:
        return f"{self._prefix}session:{handle}"

    def _index(self, user_id: UUID) -> str:
        return f"{self._prefix}user-sessions:{user_id}"

    async def create(self, session: Session) -> Session:
        """Stores a new session (its id and CSRF token made by the caller) for its lifetime."""
        fields: Any = {
            "user_id": str(session.user_id),
            "username": session.username,
            "is_admin": "1" if session.is_admin else "0",
            "csrf": session.csrf_token,
            "client": session.client[:100],
            "user_agent": session.user_agent[:300],
            "created_at": repr(session.created_at),
            "last_seen_at": repr(session.created_at),
        }
        key, index = self._key(session.handle), self._index(session.user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, self._ttl)
            pipe.sadd(index, session.handle)
            pipe.expire(index, self._ttl)
            await pipe.execute()
        return session

    async def get(self, session_id: str) -> Session | None:
        """The session, its lifetime renewed; None if it expired or never existed."""
        key = self._key(digest_of(session_id))
        values = _decoded(await self._redis.hgetall(key))
        if "user_id" not in values:
            return None
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.expire(key, self._ttl)
            pipe.hset(key, "last_seen_at", repr(time.time()))
            await pipe.execute()
        return Session(
            session_id,
            UUID(values["user_id"]),
            values["username"],
            values["is_admin"] == "1",
            values["csrf"],
            values.get("client", ""),
            values.get("user_agent", ""),
            float(values.get("created_at", "0")),
        )

    async def delete(self, session_id: str) -> None:
        await self._redis.delete(self._key(digest_of(session_id)))

    async def list_for(self, user_id: UUID) -> list[SessionRecord]:
        """The user's live sessions, newest first; ended ones leave the index."""
        records, gone = [], []
        for raw in await self._redis.smembers(self._index(user_id)):
            handle = _text(raw)
            values = _decoded(await self._redis.hgetall(self._key(handle)))
            if values.get("user_id") != str(user_id):
                gone.append(handle)
                continue
            records.append(_record(handle, values))
        if gone:
            await self._redis.srem(self._index(user_id), *gone)
        return sorted(records, key=lambda record: record.created_at, reverse=True)

    async def end(self, user_id: UUID, handle: str) -> bool:
        """End one of the user's sessions (by its handle); False if it is not theirs."""
        values = _decoded(await self._redis.hgetall(self._key(handle)))
        if values.get("user_id") != str(user_id):
            return False
        await self._redis.delete(self._key(handle))
        await self._redis.srem(self._index(user_id), handle)
        return True

    async def end_all(self, user_id: UUID, keep: str | None = None) -> int:
        """End every session of the user but `keep` (a handle); how many ended."""
        ended = 0
        for record in await self.list_for(user_id):
            if record.handle != keep and await self.end(user_id, record.handle):
                ended += 1
        return ended


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decoded(fields: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in fields.items()}


def _record(handle: str, values: dict[str, str]) -> SessionRecord:
    return SessionRecord(
        handle,
        values.get("client", ""),
        values.get("user_agent", ""),
        float(values.get("created_at", "0")),
        float(values.get("last_seen_at", "0")),
    )
