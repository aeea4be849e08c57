"""A build: one Git checkout turned into an image for one deployment."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import Field

from ._base import SpecModel
from .fields import Duration
from .source import GitSource

DEFAULT_BUILD_TIMEOUT_SECONDS = 30 * 60.0


class BuildPhase(StrEnum):
    """Where a build stands; the builds controller writes it to status.details["phase"]."""

    QUEUED = "QUEUED"
    CLONING = "CLONING"
    BUILDING = "BUILDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class BuildSpec(SpecModel):
    deployment_id: UUID = Field(description="The deployment that waits for this build's image.")
    source: GitSource = Field(description="What to clone and how to build it.")
    timeout: Duration = Field(
        default=DEFAULT_BUILD_TIMEOUT_SECONDS,
        description="A build running longer is cancelled and fails. Default 30 minutes.",
    )
