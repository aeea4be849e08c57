"""Secrets in a domain's spec: its sign-in passwords hashed and its certificate's private key
sealed before they are stored, all masked when read back. A client that read a masked spec
can send it back unchanged: a masked value keeps the stored one (a password by user name)."""

from __future__ import annotations

import asyncio
from typing import Any

import bcrypt

from api.context import ApiContext
from api.errors import invalid
from zaneops.common.secrets import MASK, SEALED_PREFIX, SecretBox, SecretsUnavailable, is_sealed
from zaneops.specs.certificates import key_problem
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


def seal_certificate_key(ctx: ApiContext, spec: Spec, current: StoredObject | None) -> Spec:
    """The certificate's private key checked against the certificate and the domain, then
    sealed; a masked key keeps the stored one (checked against a new certificate too)."""
    certificate = spec.get("certificate")
    if not certificate:
        return spec
    stored = ((current.spec if current else {}).get("certificate") or {}).get("private_key")
    key = _clear_key(ctx, str(certificate["private_key"]), stored)
    problem = key_problem(str(certificate["certificate"]), key, str(spec["domain"]))
    if problem is not None:
        field = "private_key" if "private key" in problem else "certificate"
        raise invalid(f"certificate.{field}", problem)
    sealed = stored if certificate["private_key"] == MASK else _box(ctx).seal(key)
    return {**spec, "certificate": {**certificate, "private_key": sealed}}


def _clear_key(ctx: ApiContext, sent: str, stored: str | None) -> str:
    field = "certificate.private_key"
    if is_sealed(sent):
        raise invalid(field, f"a private key must not start with {SEALED_PREFIX!r}")
    if sent != MASK:
        return sent
    if stored is None:
        raise invalid(field, "no private key is stored for this domain yet: send the key")
    try:
        return _box(ctx).open(stored)
    except SecretsUnavailable as exc:
        raise invalid(field, f"{exc}: send the key again") from None


def _box(ctx: ApiContext) -> SecretBox:
    if ctx.secret_box is None:
        raise invalid(
            "certificate.private_key",
            "this server has no ZANE_SECRET_KEY, so it cannot store a private key",
            "secrets_unavailable",
        )
    return ctx.secret_box


def mask_domain_secrets(spec: Spec) -> Spec:
    """The spec as shown: no password (hashed or not) and no private key ever leaves the API."""
    shown = dict(spec)
    if spec.get("basic_auth"):
        shown["basic_auth"] = [{**user, "password": MASK} for user in spec["basic_auth"]]
    if spec.get("certificate"):
        shown["certificate"] = {**spec["certificate"], "private_key": MASK}
    return shown
