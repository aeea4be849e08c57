"""Databases as a kind of service: the engines the platform runs, their credentials, and the
connection values other services reference as {{services.<slug>.<KEY>}}."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from pydantic import Field, ValidationInfo, field_validator

from ._base import SpecModel
from ._rules import refuse

DatabaseEngine = Literal["postgres", "mariadb", "redis"]
# A database user or database name: what every engine takes unquoted, nothing to escape.
_IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"
SERVICE_REFERENCE = re.compile(r"\{\{\s*services\.([a-z0-9][a-z0-9-]*)\.([A-Z_]+)\s*\}\}")


@dataclass(frozen=True)
class Engine:
    title: str
    versions: tuple[str, ...]  # oldest first; the last is the default
    port: int
    data_path: str  # where its volume is mounted
    scheme: str  # of its connection URL
    memory_limit: int  # bytes, a sensible default cap
    has_users: bool  # Redis has one password, no user names or databases
    backed_up: bool = False  # the backups controller dumps and verifies it
    restored_in_place: bool = False  # a backup may replace its own database's contents


ENGINES: dict[str, Engine] = {
    "postgres": Engine(
        "PostgreSQL",
        ("15",),
        5432,
        "/var/lib/postgresql/data",
        "postgresql",
        512 << 20,
        True,
        backed_up=True,
        restored_in_place=True,
    ),
    # mysql://: the scheme most MySQL/MariaDB clients and frameworks take.
    "mariadb": Engine(
        "MariaDB",
        ("10.11",),
        3306,
        "/var/lib/mysql",
        "mysql",
        512 << 20,
        True,
        backed_up=True,
        restored_in_place=True,
    ),
    "redis": Engine(
        "Redis",
        ("7",),
        6379,
        "/data",
        "redis",
        256 << 20,
        False,
        backed_up=True,
        restored_in_place=True,
    ),
}


def backed_up_titles() -> str:
    """The engines backups are made of, for messages: "PostgreSQL, MariaDB and Redis"."""
    titles = [engine.title for engine in ENGINES.values() if engine.backed_up]
    return " and ".join([", ".join(titles[:-1]), titles[-1]] if len(titles) > 1 else titles)


class DatabaseCredentials(SpecModel):
    """Made by the API when the database is created: the password is random, sealed at rest,
    masked when read, shown on request."""

    username: str = Field(default="app", pattern=_IDENTIFIER, description="The owner's name.")
    password: str = Field(
        min_length=1,
        repr=False,
        description="POST /environments/{id}/databases makes a random one.",
    )
    database: str = Field(default="app", pattern=_IDENTIFIER, description="The database made.")


class DatabaseSource(SpecModel):
    type: Literal["database"] = "database"
    engine: DatabaseEngine = Field(description="postgres, mariadb or redis.")
    version: str = Field(description="The engine's major version, e.g. '15' or '10.11'.")
    credentials: DatabaseCredentials

    @field_validator("version")
    @classmethod
    def _a_version_we_run(cls, version: str, info: ValidationInfo) -> str:
        engine = ENGINES.get(str(info.data.get("engine")))
        if engine is not None and version not in engine.versions:
            offered = ", ".join(engine.versions)
            raise refuse(
                "unknown_database_version",
                f"{engine.title} {version} is not offered here; versions: {offered}",
            )
        return version


@dataclass(frozen=True)
class Connection:
    """How another service reaches a database on the environment's network."""

    engine: str
    host: str  # the database service's slug: its DNS alias in the environment
    port: int
    username: str
    password: str
    database: str

    def values(self) -> dict[str, str]:
        """What {{services.<slug>.<KEY>}} may name."""
        found = {
            "HOST": self.host,
            "PORT": str(self.port),
            "PASSWORD": self.password,
            "DATABASE_URL": self.url(),
        }
        if ENGINES[self.engine].has_users:
            found |= {"USER": self.username, "NAME": self.database}
        return found

    def url(self, masked: str | None = None) -> str:
        """With the password quoted for a URL, or `masked` in its place as it is."""
        scheme = ENGINES[self.engine].scheme
        secret = masked if masked is not None else quote(self.password, safe="")
        if not ENGINES[self.engine].has_users:  # Redis 6+ clients log in as its default user
            return f"{scheme}://default:{secret}@{self.host}:{self.port}/0"
        user = quote(self.username, safe="")
        return f"{scheme}://{user}:{secret}@{self.host}:{self.port}/{self.database}"


def connection_of(slug: str, source: DatabaseSource, password: str) -> Connection:
    """`password` opened by the caller (the spec holds it sealed)."""
    credentials = source.credentials
    port = ENGINES[source.engine].port
    return Connection(
        source.engine, slug, port, credentials.username, password, credentials.database
    )
