"""The installation's swarm secrets: generated once by `zaneops up`, never read back.

Swarm cannot show a secret's value, so values that must agree (the Postgres password and the
database URL holding it) form a group, created together: a group found incomplete (an earlier
run stopped half-way) is made again as a whole.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from zaneops.common.secrets import new_key

DATABASE_USER = "zane"
DATABASE_NAME = "zane"


@dataclass(frozen=True)
class SecretGroup:
    """Secrets made from one draw of random values (URLs name the stack services by alias)."""

    names: tuple[str, ...]  # short names; the swarm secret is "<instance>_<name>"
    generate: Callable[[], dict[str, str]]


def _password() -> str:
    return secrets.token_hex(24)  # hex: safe inside URLs and config files as is


def _database() -> dict[str, str]:
    password = _password()
    url = f"postgresql://{DATABASE_USER}:{password}@postgres:5432/{DATABASE_NAME}"
    return {"database_url": url, "postgres_password": password}


def _role_url(role: str, setting: str) -> Callable[[], dict[str, str]]:
    """A component role's own URL; its password is given to Postgres by `zaneops migrate`."""

    def generate() -> dict[str, str]:
        url = f"postgresql://{role}:{_password()}@postgres:5432/{DATABASE_NAME}"
        return {setting: url}

    return generate


def _redis() -> dict[str, str]:
    password = _password()
    return {"redis_url": f"redis://:{password}@redis:6379/0", "redis_password": password}


def _logs_redis() -> dict[str, str]:
    password = _password()
    url = f"redis://:{password}@redis-logs:6379/0"
    return {"logs_redis_url": url, "logs_redis_password": password}


GROUPS = (
    SecretGroup(("database_url", "postgres_password"), _database),
    # Groups of their own: adding them to an installation never regenerates the owner's.
    SecretGroup(("api_database_url",), _role_url("zane_api", "api_database_url")),
    SecretGroup(
        ("controllers_database_url",), _role_url("zane_controller", "controllers_database_url")
    ),
    SecretGroup(("redis_url", "redis_password"), _redis),
    SecretGroup(("logs_redis_url", "logs_redis_password"), _logs_redis),
    SecretGroup(("secret_key",), lambda: {"secret_key": new_key()}),
    SecretGroup(("admin_password",), lambda: {"admin_password": secrets.token_urlsafe(18)}),
)
ADMIN_PASSWORD = "admin_password"


def secret_name(instance: str, name: str) -> str:
    return f"{instance}_{name}"


@dataclass(frozen=True)
class SecretPlan:
    create: dict[str, str]  # short name -> value
    remove: tuple[str, ...]  # short names of incomplete groups' leftovers


def plan_secrets(existing: set[str], groups: tuple[SecretGroup, ...] = GROUPS) -> SecretPlan:
    """What to create (and which leftovers to drop first), given the short names that exist."""
    create: dict[str, str] = {}
    remove: list[str] = []
    for group in groups:
        present = [name for name in group.names if name in existing]
        if len(present) == len(group.names):
            continue
        remove.extend(present)
        create.update(group.generate())
    return SecretPlan(create, tuple(remove))


def stack_secret_names(groups: tuple[SecretGroup, ...] = GROUPS) -> list[str]:
    return [name for group in groups for name in group.names]


def describe(values: Mapping[str, str]) -> str:
    """Names only: values are never printed (the admin password is, once, by `up` itself)."""
    return ", ".join(sorted(values)) or "none"
