"""Config as code: a `zaneops.yaml` in a Git service's repository, applied before each build.

    apiVersion: zaneops.dev/v1
    service:
      replicas: 2
      command: ["gunicorn", "app:app"]
      env: [{name: LOG_LEVEL, value: info}]
      resources: {memory_limit: 256Mi}

The service section may set how the service runs, nothing else: what it is (slug, source,
mode) and what it reaches on the server (volumes, published ports) stay with whoever can edit
the service in the dashboard, because anyone who can push to the repository can edit the file.
A secret is never in a repository: the file may not set one, nor replace one set elsewhere.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from ._base import SpecModel
from ._rules import first_duplicate, refuse
from .healthcheck import Healthcheck
from .service import EnvVar, Resources, ServiceSpec

API_VERSION = "zaneops.dev/v1"
DEFAULT_FILE = "zaneops.yaml"


class VariableFromRepository(EnvVar):
    @field_validator("secret")
    @classmethod
    def _never_a_secret(cls, secret: bool) -> bool:
        if secret:
            raise refuse(
                "secret_in_repository",
                "a secret is never written in a repository: set it on the service in the dashboard",
            )
        return secret


class ServiceFromRepository(SpecModel):
    """The fields a repository may set; each replaces the service's, except env (by name)."""

    replicas: int = Field(default=1, ge=0, le=100, description="Containers to run.")
    command: list[str] | None = Field(default=None, description="Replaces the image's CMD.")
    entrypoint: list[str] | None = Field(
        default=None, description="Replaces the image's ENTRYPOINT; [] clears it."
    )
    env: list[VariableFromRepository] = Field(
        default_factory=list,
        description="Variables set (or replaced) by name; the service's others are kept.",
    )
    resources: Resources | None = Field(default=None, description="Limits and reservations.")
    healthcheck: Healthcheck | None = Field(default=None, description="How readiness is judged.")
    restart_policy: Literal["on-failure", "any", "none"] = "any"

    @field_validator("env")
    @classmethod
    def _names_unique(cls, env: list[VariableFromRepository]) -> list[VariableFromRepository]:
        duplicate = first_duplicate(variable.name for variable in env)
        if duplicate is not None:
            raise refuse("duplicate_env_var", f"the variable {duplicate!r} is defined twice")
        return env


class RepositoryConfig(SpecModel):
    api_version: Literal["zaneops.dev/v1"] = Field(alias="apiVersion")
    service: ServiceFromRepository = Field(default_factory=ServiceFromRepository)


class AppliedRepositoryConfig(SpecModel):
    """What a deployment took from its repository's file (shown with it; not pending)."""

    file: str = Field(description="The file, relative to the repository root.")
    fields: list[str] = Field(
        description="The fields it set: 'replicas', 'env.LOG_LEVEL', ...; empty: none."
    )


class ReplacesASecret(ValueError):
    def __init__(self, index: int, name: str) -> None:
        super().__init__(
            f"{name} is a secret of the service, set in the dashboard: a repository cannot "
            "replace it"
        )
        self.index = index


def set_fields(config: RepositoryConfig) -> list[str]:
    """The field paths the file sets, in the file's order of fields."""
    section = config.service
    named = [name for name in type(section).model_fields if name in section.model_fields_set]
    return [
        path
        for name in named
        for path in ([f"env.{v.name}" for v in section.env] if name == "env" else [name])
    ]


def applied_to(service: ServiceSpec, config: RepositoryConfig) -> dict[str, Any]:
    """The service's spec with the file's section over it, as a dict to validate again
    (the result must still be a valid service: a job cannot get a health check)."""
    section = config.service
    merged = service.model_dump(mode="json")
    chosen = section.model_dump(mode="json", include=section.model_fields_set - {"env"})
    merged.update(chosen)
    if "env" in section.model_fields_set:
        merged["env"] = _env_over(service, section.env)
    return merged


def _env_over(
    service: ServiceSpec, from_file: list[VariableFromRepository]
) -> list[dict[str, Any]]:
    by_name: dict[str, EnvVar] = {variable.name: variable for variable in service.env}
    for index, variable in enumerate(from_file):
        kept = by_name.get(variable.name)
        if kept is not None and kept.secret:
            raise ReplacesASecret(index, variable.name)
        by_name[variable.name] = variable
    return [variable.model_dump(mode="json") for variable in by_name.values()]
