"""Knobs of the runs controller (ZANE_RUNS_* environment variables), each with its default."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class RunsSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_RUNS_")
    read_by: ClassVar[str] = "the runs controller (controllers/runs)"

    poll_seconds: float = Field(
        default=0.5,
        gt=0,
        description="While a run runs, how often its new output is shipped and its task looked "
        "at (Docker events wake it sooner when it ends).",
    )
    start_timeout_seconds: float = Field(
        default=120.0, gt=0, description="A run whose container has not started by then FAILED."
    )
    log_max_entries: int = Field(
        default=10_000, ge=100, description="Output lines kept per run in Redis."
    )
    failure_log_lines: int = Field(
        default=15, ge=0, le=200, description="Last output lines quoted when a run fails."
    )
    cron_kept_runs: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="Ended runs kept per scheduled job, with their output; older ones are "
        "deleted as new ones start.",
    )
