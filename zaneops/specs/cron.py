"""Scheduled jobs: a command run in a service's live image and variables on a cron schedule,
each run a one-off run (the runs controller's), with what happens when one is still going
and when a run was missed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ._base import SpecModel
from .backup import check_schedule
from .fields import Slug
from .run import MAX_ARGUMENTS, RunArgument


class CronJob(SpecModel):
    name: Slug = Field(description="Unique among the service's jobs; its runs carry it.")
    schedule: str = Field(
        description="Cron, UTC: minute hour day month weekday, and an optional 6th field for "
        "seconds ('*/15 * * * * 0' every 15 minutes, '* * * * * */10' every 10 seconds)."
    )
    command: list[RunArgument] = Field(
        min_length=1,
        max_length=MAX_ARGUMENTS,
        description='Run without a shell, like a one-off command; ["sh", "-c", "..."] for one.',
    )
    timeout_seconds: int = Field(default=3600, ge=1, le=86_400, description="Then stopped.")
    concurrency: Literal["forbid", "replace", "allow"] = Field(
        default="forbid",
        description="When a run is due while the last still runs: forbid skips the new one, "
        "replace stops the old one, allow runs both.",
    )
    missed: Literal["run_once", "skip"] = Field(
        default="run_once",
        description="A run missed while the platform was down: run it once on recovery, or "
        "skip it and wait for the next.",
    )

    @field_validator("schedule")
    @classmethod
    def _a_cron_expression(cls, schedule: str) -> str:
        return check_schedule(schedule, with_seconds=True)
