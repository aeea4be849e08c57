"""Knobs of the services controller (ZANE_* environment variables), each with its default."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class ServicesSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_SERVICES_")
    read_by: ClassVar[str] = "the services controller (controllers/services)"

    rollout_monitor_seconds: float = Field(
        default=5.0,
        gt=0,
        description="After each new task is up, Swarm watches it this long before going on; a "
        "task failing meanwhile rolls the update back.",
    )
    rollout_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A deployment not healthy this long after it started is marked FAILED.",
    )
    stop_grace_seconds: float = Field(
        default=10.0, gt=0, description="Time a container gets to stop before it is killed."
    )
    restart_delay_seconds: float = Field(
        default=2.0, ge=0, description="Pause before Swarm restarts a stopped container."
    )
    poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="While a deployment starts, how often it is looked at (Docker events "
        "usually wake it sooner).",
    )
    failure_log_lines: int = Field(
        default=15, ge=0, le=200, description="Last log lines quoted when a container fails."
    )
    log_max_entries: int = Field(
        default=10_000, ge=100, description="Runtime log lines kept per service in Redis."
    )
