"""A run: a one-off command in a service's image and environment (a migration before a deploy,
a shell script), run once to completion beside the service, its output kept."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field

from ._base import SpecModel

# What one argument and one command line may hold: a script passed to `sh -c` fits easily.
MAX_ARGUMENT = 8192
MAX_ARGUMENTS = 64
RunArgument = Annotated[str, Field(min_length=1, max_length=MAX_ARGUMENT)]


class RunPhase(StrEnum):
    """Where a run stands; the runs controller writes it to status.details["phase"]."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class RunSpec(SpecModel):
    command: list[RunArgument] = Field(
        min_length=1,
        max_length=MAX_ARGUMENTS,
        description="Run without a shell, through the image's entrypoint, like `docker run "
        'IMAGE COMMAND...`; for a shell, use ["sh", "-c", "..."].',
    )
    deployment_id: UUID = Field(
        description="The deployment whose image, variables and volumes the command runs with "
        "(the service's live one when the run was asked for)."
    )
    timeout_seconds: int = Field(
        default=3600, ge=1, le=86_400, description="Stopped and FAILED past this long."
    )
    cron_job: str | None = Field(
        default=None, description="The service's scheduled job that started it; none: a person."
    )
    cancel_requested: bool = Field(
        default=False, description="Set by a person to stop it; the one field that may change."
    )
