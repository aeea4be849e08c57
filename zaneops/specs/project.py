"""Projects group environments; environments group services, volumes and domains."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ._base import SpecModel
from .fields import EnvVarName, EnvVarValue, Labels, Slug

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ProjectSpec(SpecModel):
    slug: Slug = Field(description="Unique among projects; used in URLs and resource names.")
    name: ProjectName = Field(description="The display name, 1-100 characters.")
    description: str = Field(default="", max_length=1000, description="Free text, shown as-is.")


class EnvironmentSpec(SpecModel):
    slug: Slug = Field(description="Unique within the project, e.g. production or staging.")
    variables: dict[EnvVarName, EnvVarValue] = Field(
        default_factory=dict,
        description="Shared variables, available to every service of the environment.",
    )
    labels: Labels
