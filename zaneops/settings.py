"""Typed settings, read from ZANE_* environment variables. Every field documents its default."""

from __future__ import annotations

import os
from pathlib import Path

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


class DatabaseSettings(BaseSettings):
    """Where the specs live, and what every process of one installation shares."""

    model_config = SettingsConfigDict(env_prefix="ZANE_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then ZANE_* variables, then secret files (only where the folder exists:
        pydantic would warn about a missing one on every start outside a container)."""
        folder = secrets_dir()
        if folder is None:
            return init_settings, env_settings, dotenv_settings
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            SecretsSettingsSource(settings_cls, secrets_dir=folder),
        )

    instance: str = Field(
        default="zaneops",
        pattern=r"^[a-z][a-z0-9-]{0,30}$",
        description="Name of this installation. Every Docker object and Caddy route it makes "
        "carries it (label zane.instance), and garbage collection only ever looks at its own.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis holding sessions, rate limits and log streams.",
    )
    secret_key: str = Field(
        default="",
        description="Fernet key (urlsafe base64, 32 bytes) sealing secrets at rest: secret env "
        "vars, registry passwords, Git tokens. Empty: secrets cannot be stored.",
    )
    database_url: str = Field(
        default="postgresql://zane:zane@127.0.0.1:5432/zane",
        description="libpq URL of the Postgres database holding specs and status.",
    )


class ControllerSettings(DatabaseSettings):
    """Knobs of the shared controller runtime; one process runs one controller."""

    resync_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Every key is re-queued this often, the backstop for lost notifications.",
    )
    workers: int = Field(default=4, ge=1, le=64, description="Keys reconciled concurrently.")
    backoff_base_seconds: float = Field(
        default=0.5,
        gt=0,
        description="First retry delay after a failed reconcile; doubles each time.",
    )
    backoff_max_seconds: float = Field(
        default=300.0, gt=0, description="Cap of the per-key retry delay."
    )
    lease_ttl_seconds: float = Field(
        default=15.0,
        gt=0.5,
        description="A leader that has not renewed its lease for this long stops acting; "
        "another replica may take over after it.",
    )
    lease_retry_seconds: float = Field(
        default=2.0, gt=0, description="How often a follower tries to take the lease."
    )
    listen_reconnect_max_seconds: float = Field(
        default=5.0, gt=0, description="Cap of the delay between attempts to re-open LISTEN."
    )
    health_host: str = Field(
        default="0.0.0.0", description="Bind address of /healthz and /metrics."
    )
    health_port: int = Field(
        default=0, ge=0, le=65535, description="Port of /healthz and /metrics; 0 disables it."
    )
    holder_id: str = Field(
        default="", description="This replica's name in the lease; empty means host:pid."
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
