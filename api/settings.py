"""Settings of the HTTP API, from ZANE_* environment variables. Every field has a default."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class ApiSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_API_")
    read_by: ClassVar[str] = "the API (api/)"

    host: str = Field(default="127.0.0.1", description="Address `zaneops api` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `zaneops api` uses.")
    redis_prefix: str = Field(
        default="zane:api:",
        description="Prefix of the API's Redis keys (sessions, rate limits); tests use their own.",
    )
    session_ttl_seconds: int = Field(
        default=7 * 24 * 3600, ge=60, description="A session unused this long expires."
    )
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie only over HTTPS. Turn off only for a local "
        "install reached over plain HTTP.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDRs of reverse proxies in front of the API "
        "(e.g. the platform's overlay subnet). Only requests from these may set the client "
        "address with X-Forwarded-For, which login throttling counts per client. Empty: "
        "the connecting address is the client.",
    )
    login_attempts_per_minute: int = Field(
        default=10,
        ge=1,
        description="Wrong passwords allowed per client address and per user name in any "
        "60 seconds; the next attempt is refused with 429.",
    )
    concurrent_password_checks: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Password hashes checked at once (each takes memory and a core for tens "
        "of milliseconds); more logins queue.",
    )
    admin_username: str = Field(default="admin", description="The first admin's user name.")
    admin_password: str = Field(
        default="",
        description="The first admin's password; empty: one is generated and printed once.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=100, description="Postgres connections.")
    sse_block_ms: int = Field(
        default=15_000,
        ge=100,
        description="A live log stream waits this long for new lines before sending a "
        "keep-alive comment.",
    )
    kept_runs: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="One-off commands kept per service, with their output: starting one "
        "deletes the service's ended runs older than the newest this many.",
    )
    live_log_streams: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Live log streams (server-sent events) open at once; each holds a Redis "
        "connection while it waits for lines. The next one is refused with 503.",
    )
    dashboard_domain: str = Field(
        default="",
        description="The dashboard's own domain (the proxy serves the API there): reserved, "
        "no domain row may route any path of it. Empty: none.",
    )
    dashboard_dir: str = Field(
        default="",
        description="Folder of the built dashboard (npm run build in ui/), served at '/'. "
        "Empty: the checkout's ui/dist. Not served when the folder has no index.html.",
    )
    webhook_requests_per_minute: int = Field(
        default=60,
        ge=1,
        description="Calls of the public webhook trigger allowed per client address in each "
        "minute; the next ones are refused with 429.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="The largest request body any route reads (a service spec with its "
        "variables fits easily); larger ones are refused with 413 before authentication, "
        "unread. The webhook trigger has its own limit.",
    )
    postgres_image: str = Field(
        default="zaneops/postgres:15",
        min_length=1,
        description="The image a PostgreSQL database runs (the platform's own, built FROM "
        "Debian's postgresql-15; `zaneops up` sets it).",
    )
    mariadb_image: str = Field(
        default="zaneops/mariadb:10.11",
        min_length=1,
        description="The image a MariaDB database runs (the platform's own, built FROM "
        "Debian's mariadb-server; `zaneops up` sets it).",
    )
    redis_image: str = Field(
        default="zaneops/redis:7",
        min_length=1,
        description="The image a Redis database runs (Debian's redis-server; `zaneops up` "
        "sets it).",
    )
    webhook_max_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="The largest webhook payload read; a larger one is refused with 413.",
    )

    metrics_url: str = Field(
        default="",
        description="Prometheus's address (e.g. http://zaneops-metrics:9090), where a "
        "service's charts are read; empty: no charts (`zaneops up` sets it).",
    )

    backups_root: Path = Field(
        default=Path(tempfile.gettempdir()) / "zaneops-backups",
        description="The backups controller's folder of backup files (its ZANE_BACKUPS_ROOT), "
        "read to download a verified backup; `zaneops up` mounts it read-only. Nothing "
        "outside it is ever served.",
    )

    def database_images(self) -> dict[str, str]:
        """The image each database engine runs, by engine."""
        return {
            "postgres": self.postgres_image,
            "mariadb": self.mariadb_image,
            "redis": self.redis_image,
        }
