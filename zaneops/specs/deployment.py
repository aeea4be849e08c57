"""A deployment: the immutable snapshot of a service's spec that Swarm is converged to."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator

from ._base import SpecModel
from ._rules import refuse
from .fields import CommitSha, ImageRef
from .repository_config import AppliedRepositoryConfig
from .service import ServiceSpec


class DeploymentPhase(StrEnum):
    """Where a deployment stands; the services controller writes it to status.details["phase"]."""

    QUEUED = "QUEUED"
    BUILDING = "BUILDING"
    STARTING = "STARTING"
    HEALTHY = "HEALTHY"
    SUCCEEDED = "SUCCEEDED"  # a job's: its tasks exited 0
    FAILED = "FAILED"
    REMOVED = "REMOVED"
    CANCELLED = "CANCELLED"


class DeploymentSpec(SpecModel):
    service_spec: ServiceSpec = Field(
        description="The service's spec when the deployment was made; never edited afterwards, "
        "except by the build applying the repository's config file (see from_repository)."
    )
    image: ImageRef | None = Field(
        default=None, description="The image to run; none until a build has produced it."
    )
    trigger: Literal["deploy", "redeploy", "rollback", "webhook"] = Field(
        description="What asked for this deployment."
    )
    # Validated even when defaulted, so a rollback without a target is refused.
    rollback_of: UUID | None = Field(
        default=None,
        validate_default=True,
        description="For a rollback, the earlier deployment whose snapshot it restores.",
    )
    commit_sha: CommitSha | None = Field(
        default=None, description="The commit that was built, for a Git source."
    )
    from_repository: AppliedRepositoryConfig | None = Field(
        default=None,
        description="What the repository's config file set in service_spec, recorded by the "
        "build with the image; none: no file applied.",
    )
    cancel_requested: bool = Field(
        default=False,
        description="Set by a person to cancel a queued or starting deployment; the one field "
        "that may change after creation.",
    )

    @field_validator("rollback_of")
    @classmethod
    def _rollback_names_its_target(
        cls, rollback_of: UUID | None, info: ValidationInfo
    ) -> UUID | None:
        trigger = info.data.get("trigger")  # absent when the trigger itself was invalid
        if trigger == "rollback" and rollback_of is None:
            raise refuse(
                "rollback_target_missing", "a rollback must name the deployment it restores"
            )
        if trigger not in (None, "rollback") and rollback_of is not None:
            raise refuse(
                "rollback_target_unexpected", "only a rollback restores another deployment"
            )
        return rollback_of
