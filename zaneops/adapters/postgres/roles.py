"""The components' roles get their passwords from the owner, after migrating."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from zaneops.common.errors import Unavailable

ROLES = ("zane_api", "zane_controller")


def login_of(database_url: str) -> tuple[str, str]:
    """(role, password) a libpq URL logs in with."""
    parts = urlsplit(database_url)
    return unquote(parts.username or ""), unquote(parts.password or "")


def grant_logins(owner_url: str, component_urls: list[str]) -> list[str]:
    """Let each component's role log in with the password of its URL; returns the roles."""
    logins = [login_of(url) for url in component_urls if url]
    unknown = [role for role, _ in logins if role not in ROLES]
    if unknown:
        raise ValueError(f"not a component role: {', '.join(unknown)} (known: {', '.join(ROLES)})")
    try:
        with psycopg.connect(owner_url, autocommit=True) as conn:
            for role, password in logins:
                conn.execute(
                    sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
    except psycopg.OperationalError as exc:
        raise Unavailable(f"cannot reach the database: {exc}") from exc
    return [role for role, _ in logins]
