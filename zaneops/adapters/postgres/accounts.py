"""Users and API tokens of the HTTP API, in Postgres. Only hashes are stored, never secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import errors
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from zaneops.common.errors import Conflict, NotFound


@dataclass(frozen=True)
class User:
    id: UUID
    username: str
    password_hash: str
    is_admin: bool
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    id: UUID
    user_id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None = None


_USER_COLUMNS = "id, username, password_hash, is_admin, created_at"
_TOKEN_COLUMNS = "id, user_id, name, prefix, created_at, last_used_at, expires_at"


class AccountStore:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def _one(self, query: str, params: Any) -> dict[str, Any] | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchone()

    async def _all(self, query: str, params: Any) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            return await cur.fetchall()

    async def count_users(self) -> int:
        row = await self._one("SELECT count(*) AS n FROM zane_users", ())
        return int(row["n"]) if row else 0

    async def create_user(self, username: str, password_hash: str, is_admin: bool) -> User:
        try:
            row = await self._one(
                f"INSERT INTO zane_users (username, password_hash, is_admin) VALUES (%s, %s, %s)"
                f" RETURNING {_USER_COLUMNS}",
                (username, password_hash, is_admin),
            )
        except errors.UniqueViolation as exc:
            raise Conflict(f"the user {username!r} already exists") from exc
        assert row is not None  # INSERT ... RETURNING always returns the row
        return User(**row)

    async def create_first_admin(self, username: str, password_hash: str) -> User | None:
        """Create an admin only if there is no user at all (two starting processes: one wins)."""
        row = await self._one(
            "INSERT INTO zane_users (username, password_hash, is_admin)"
            " SELECT %s, %s, true WHERE NOT EXISTS (SELECT 1 FROM zane_users)"
            f" ON CONFLICT DO NOTHING RETURNING {_USER_COLUMNS}",
            (username, password_hash),
        )
        return User(**row) if row else None

    async def user_by_name(self, username: str) -> User | None:
        row = await self._one(
            f"SELECT {_USER_COLUMNS} FROM zane_users WHERE lower(username) = lower(%s)",
            (username,),
        )
        return User(**row) if row else None

    async def user_by_id(self, user_id: UUID) -> User | None:
        row = await self._one(f"SELECT {_USER_COLUMNS} FROM zane_users WHERE id = %s", (user_id,))
        return User(**row) if row else None

    async def set_password(self, user_id: UUID, password_hash: str) -> None:
        row = await self._one(
            "UPDATE zane_users SET password_hash = %s WHERE id = %s RETURNING id",
            (password_hash, user_id),
        )
        if row is None:
            raise NotFound(f"user {user_id} does not exist")

    async def create_token(
        self,
        user_id: UUID,
        name: str,
        token_hash: str,
        prefix: str,
        expires_at: datetime | None = None,
    ) -> ApiToken:
        row = await self._one(
            "INSERT INTO zane_api_tokens (user_id, name, token_hash, prefix, expires_at)"
            f" VALUES (%s, %s, %s, %s, %s) RETURNING {_TOKEN_COLUMNS}",
            (user_id, name, token_hash, prefix, expires_at),
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return ApiToken(**row)

    async def user_by_token(self, token_hash: str) -> User | None:
        """The owner of a token that has not expired; marks the token used."""
        row = await self._one(
            "UPDATE zane_api_tokens t SET last_used_at = now() FROM zane_users u"
            " WHERE t.token_hash = %s AND u.id = t.user_id"
            " AND (t.expires_at IS NULL OR t.expires_at > now())"
            " RETURNING u.id, u.username, u.password_hash, u.is_admin, u.created_at",
            (token_hash,),
        )
        return User(**row) if row else None

    async def list_tokens(self, user_id: UUID) -> list[ApiToken]:
        rows = await self._all(
            f"SELECT {_TOKEN_COLUMNS} FROM zane_api_tokens WHERE user_id = %s"
            " ORDER BY created_at DESC",
            (user_id,),
        )
        return [ApiToken(**row) for row in rows]

    async def delete_token(self, user_id: UUID, token_id: UUID) -> None:
        row = await self._one(
            "DELETE FROM zane_api_tokens WHERE id = %s AND user_id = %s RETURNING id",
            (token_id, user_id),
        )
        if row is None:
            raise NotFound(f"token {token_id} does not exist")
