"""Passwords of a domain's basic authentication: hashed before they are stored, masked when
read back. A client that read a masked spec can send it back unchanged: a masked password
keeps the one stored for that user name."""

from __future__ import annotations

import asyncio
from typing import Any

import bcrypt

from api.context import ApiContext
from api.errors import invalid
from zaneops.common.secrets import MASK
from zaneops.specs.objects import StoredObject
from zaneops.specs.routing import is_password_hash

Spec = dict[str, Any]
# bcrypt's work factor: about 60 ms a hash here. Caddy checks a visitor's password against
# it once, then remembers the answer (its hash cache).
BCRYPT_COST = 10


async def hash_passwords(ctx: ApiContext, spec: Spec, current: StoredObject | None) -> Spec:
    """Each user's password as its bcrypt hash: a new one hashed, a masked one kept."""
    stored = _stored_hashes(current.spec if current else {})
    users = []
    for index, user in enumerate(spec.get("basic_auth") or []):
        users.append({**user, "password": await _hashed(ctx, index, user, stored)})
    return {**spec, "basic_auth": users} if users else spec


async def _hashed(ctx: ApiContext, index: int, user: dict[str, Any], stored: dict[str, str]) -> str:
    field = f"basic_auth.{index}.password"
    password = str(user["password"])
    if password == MASK:
        kept = stored.get(str(user["username"]))
        if kept is None:
            raise invalid(field, "no password is stored for this user yet: send the password")
        return kept
    if is_password_hash(password):
        raise invalid(field, "send the password itself; the platform hashes it")
    async with ctx.password_checks:  # each hash takes a core for tens of milliseconds
        hashed = await asyncio.to_thread(
            bcrypt.hashpw, password.encode(), bcrypt.gensalt(BCRYPT_COST)
        )
    return hashed.decode()


def _stored_hashes(spec: Spec) -> dict[str, str]:
    return {str(u["username"]): str(u["password"]) for u in spec.get("basic_auth") or []}


def mask_passwords(spec: Spec) -> Spec:
    """The spec as shown: no password, hashed or not, ever leaves the API."""
    users = spec.get("basic_auth")
    if not users:
        return spec
    return {**spec, "basic_auth": [{**user, "password": MASK} for user in users]}
