"""Knobs of the shared controller runtime (ZANE_RUNTIME_*); one process runs one controller."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class RuntimeSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_RUNTIME_")
    read_by: ClassVar[str] = "every controller process (zaneops/runtime)"

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
