"""Where a service's image comes from: a registry, or a Git repository built with a Dockerfile."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from ._base import NonEmptyStr, SpecModel, type_tag
from ._rules import refuse
from .databases import DatabaseSource
from .fields import (
    CommitSha,
    EnvVarName,
    EnvVarValue,
    GitBranch,
    GitRepositoryUrl,
    ImageRef,
    RelativePath,
)


class RegistryCredentials(SpecModel):
    username: str = Field(min_length=1)
    # Stored as given (the controller needs it to pull); kept out of reprs so it stays out of logs.
    password: str = Field(min_length=1, repr=False)


class ImageSource(SpecModel):
    type: Literal["image"] = "image"
    image: ImageRef = Field(
        description="What to pull, e.g. nginx:1.27 or ghcr.io/acme/api@sha256:..."
    )
    credentials: RegistryCredentials | None = Field(
        default=None, description="Login for a private registry; none for a public image."
    )


class GitCredentials(SpecModel):
    """For a private repository: a token (https) or an SSH deploy key (ssh), exactly one.

    Sealed by the API before they are stored, masked when read back, opened only by the
    builds controller; kept out of reprs so they stay out of logs.
    """

    token: str | None = Field(
        default=None, min_length=1, repr=False, description="An access token, sent over https."
    )
    username: NonEmptyStr = Field(
        default="x-access-token",
        description="The user name the token goes with (most forges accept any).",
    )
    ssh_key: str | None = Field(
        default=None,
        min_length=1,
        repr=False,
        description="A private SSH key (OpenSSH PEM text) with read access: a deploy key.",
    )

    @model_validator(mode="after")
    def _exactly_one_secret(self) -> GitCredentials:
        if (self.token is None) == (self.ssh_key is None):
            raise ValueError("give exactly one of token (https) or ssh_key (ssh)")
        return self


class GitSource(SpecModel):
    type: Literal["git"] = "git"
    repository_url: GitRepositoryUrl = Field(description="Where to clone from.")
    branch: GitBranch = Field(default="main", description="The branch to build.")
    commit: CommitSha | None = Field(
        default=None, description="Build this commit; none means the branch's head at build time."
    )
    dockerfile_path: RelativePath = Field(
        default="Dockerfile", description="The Dockerfile, relative to the repository root."
    )
    context: RelativePath = Field(
        default=".", description="The build context, relative to the repository root."
    )
    build_args: dict[EnvVarName, EnvVarValue] = Field(
        default_factory=dict, description="Values for the Dockerfile's ARGs."
    )
    target: NonEmptyStr | None = Field(
        default=None, description="The stage of a multi-stage Dockerfile to build; none: the last."
    )
    credentials: GitCredentials | None = Field(
        default=None, description="For a private repository; none for a public one."
    )
    watch_paths: list[NonEmptyStr] = Field(
        default_factory=list,
        description="Globs: a push triggers a build only if it changes a matching file; "
        "empty means any change does.",
    )
    config_file: RelativePath | None = Field(
        default=None,
        description="Config as code: a file of the repository (e.g. zaneops.yaml) whose "
        "service section is applied to each deployment before its build; none: off.",
    )

    @field_validator("credentials")
    @classmethod
    def _credentials_fit_the_url(
        cls, credentials: GitCredentials | None, info: ValidationInfo
    ) -> GitCredentials | None:
        url = info.data.get("repository_url")  # absent when the URL itself was invalid
        if credentials is None or url is None:
            return credentials
        over_https = url.startswith("https://")
        over_ssh = url.startswith("ssh://") or (":" in url and "://" not in url)
        if credentials.token is not None and not over_https:
            raise refuse(
                "credentials_mismatch",
                "a token is sent only over https (over http anyone on the way reads it): use "
                "an https:// URL",
            )
        if credentials.ssh_key is not None and not over_ssh:
            raise refuse(
                "credentials_mismatch",
                "a deploy key is used over ssh: use an ssh:// or git@host:path URL",
            )
        return credentials


Source = Annotated[
    Annotated[ImageSource, Tag("image")]
    | Annotated[GitSource, Tag("git")]
    | Annotated[DatabaseSource, Tag("database")],
    Discriminator(
        type_tag,
        custom_error_type="invalid_source_type",
        custom_error_message="a source is an object whose type is 'image', 'git' or 'database'",
    ),
]
