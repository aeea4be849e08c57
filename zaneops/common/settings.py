"""Typed settings, read from ZANE_* environment variables. Every field documents its default.

One convention: a variable is named ZANE_<OWNER>_<FIELD>, and its owner's settings class sits
beside the code that reads it (ZANE_ROUTES_HTTPS: `controllers/routes/settings.py`). The six
installation-wide settings every process shares have no owner part: ZANE_INSTANCE,
ZANE_DATABASE_URL, ZANE_REDIS_URL, ZANE_LOGS_REDIS_URL, ZANE_SECRET_KEY, ZANE_LOG_LEVEL.
`zaneops settings` prints them all with their defaults and descriptions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar, Self, cast

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

# Swarm mounts secrets as files here. A file named like the variable, in lower case
# (/run/secrets/zane_database_url), gives that setting its value; an environment variable wins.
DEFAULT_SECRETS_DIR = "/run/secrets"


def secrets_dir() -> Path | None:
    """The folder of secret files (ZANE_SECRETS_DIR, default /run/secrets), if it exists."""
    folder = Path(os.environ.get("ZANE_SECRETS_DIR", DEFAULT_SECRETS_DIR))
    return folder if folder.is_dir() else None


class ZaneSettings(BaseSettings):
    """Base of every settings class: arguments, then ZANE_* variables, then secret files."""

    model_config = SettingsConfigDict(env_prefix="ZANE_", extra="ignore")
    # Who reads these settings, as `zaneops settings` shows it.
    read_by: ClassVar[str] = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Secret files only where the folder exists: pydantic would warn about a missing one
        on every start outside a container."""
        folder = secrets_dir()
        if folder is None:
            return init_settings, env_settings, dotenv_settings
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            SecretsSettingsSource(settings_cls, secrets_dir=folder),
        )

    @classmethod
    def env_name(cls, field: str) -> str:
        """The variable that sets `field`: the class's prefix and the field, upper case."""
        if field not in cls.model_fields:
            raise KeyError(f"{cls.__name__} has no setting {field!r}")
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def chosen(cls, **values: object) -> Self:
        """Settings with these values validated, remembering that only these were chosen
        (not this process's own ZANE_* variables): what `as_environment` writes out."""
        validated = cls(**values)  # type: ignore[arg-type]
        picked = {name: getattr(validated, name) for name in values}
        return cast(Self, cls.model_construct(_fields_set=set(values), **picked))


def as_environment(settings: ZaneSettings) -> dict[str, str]:
    """The variables that give a process these settings: only the fields set explicitly
    (see `chosen`), so a stack file names what it chooses and leaves the rest to defaults."""
    values = settings.model_dump(mode="json", include=settings.model_fields_set)
    return {type(settings).env_name(field): _encode(value) for field, value in values.items()}


def _encode(value: object) -> str:
    """Lists and maps as JSON (how pydantic-settings reads them back), booleans in lower case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class InstallationSettings(ZaneSettings):
    """What every process of one installation shares: where the specs live, and its name."""

    read_by: ClassVar[str] = "every process (API, each controller, the CLI)"

    instance: str = Field(
        default="zaneops",
        pattern=r"^[a-z][a-z0-9-]{0,30}$",
        description="Name of this installation. Every Docker object and Caddy route it makes "
        "carries it (label zane.instance), and garbage collection only ever looks at its own.",
    )
    database_url: str = Field(
        default="postgresql://zane:zane@127.0.0.1:5432/zane",
        description="libpq URL of the Postgres database holding specs and status.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis holding sessions and rate limits: never evicts (the stack runs it "
        "with a memory limit and the noeviction policy).",
    )
    logs_redis_url: str = Field(
        default="",
        description="Redis holding log streams (runtime, build, HTTP), which may be evicted "
        "when it is full (the stack runs it with allkeys-lru): a flood of logs can never push "
        "out a session. Empty: ZANE_REDIS_URL.",
    )
    secret_key: str = Field(
        default="",
        description="Fernet key (urlsafe base64, 32 bytes) sealing secrets at rest: secret env "
        "vars, registry passwords, Git tokens. Empty: secrets cannot be stored.",
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")

    @property
    def logs_redis(self) -> str:
        return self.logs_redis_url or self.redis_url
