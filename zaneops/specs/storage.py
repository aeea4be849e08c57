"""Volumes: Docker named volumes, or folders of the host bound into containers."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from ._base import SpecModel
from ._rules import refuse
from .backup import ScheduledPolicy
from .fields import HostPath, Labels, Slug


class VolumeBackupPolicy(ScheduledPolicy):
    """When a volume's files are snapshotted, how many snapshots are kept, and where."""

    pause: bool = Field(
        default=False,
        description="Pause the services that mount it during the snapshot: every file as at "
        "one moment, and a restore checked against that moment exactly. Not paused: files "
        "written meanwhile are named in the verdict and left out of its check.",
    )


class VolumeSpec(SpecModel):
    slug: Slug = Field(description="Unique within the environment; services mount it by this.")
    kind: Literal["named", "host_path"] = Field(
        default="named", description="A Docker named volume, or a folder of the host."
    )
    # Validated even when defaulted, so a host_path volume without a path is refused.
    host_path: HostPath | None = Field(
        default=None,
        validate_default=True,
        description="The folder, for kind host_path only; it must be under the allow-listed root.",
    )
    read_only: bool = Field(default=False, description="Every mount of it is read-only.")
    purge_on_delete: bool = Field(
        default=False,
        description="Delete the data with the volume. Off by default: data is never removed "
        "unless asked for explicitly.",
    )
    labels: Labels
    backup: VolumeBackupPolicy | None = Field(
        default=None,
        description="Scheduled snapshots of its files (restic; each verified by a restore); "
        "none: snapshots on request only.",
    )

    @field_validator("host_path")
    @classmethod
    def _host_path_iff_kind_host_path(
        cls, host_path: str | None, info: ValidationInfo
    ) -> str | None:
        kind = info.data.get("kind")
        if kind == "host_path" and host_path is None:
            raise refuse("host_path_missing", "a host_path volume needs a host_path")
        if kind == "named" and host_path is not None:
            raise refuse(
                "host_path_unexpected",
                "a named volume has no host_path: remove it, or set kind to host_path",
            )
        return host_path


def host_paths_overlap(a: str, b: str) -> bool:
    """Two host folders share data if one is, or lies in, the other."""
    first, second = PurePosixPath(a), PurePosixPath(b)
    return first.is_relative_to(second) or second.is_relative_to(first)
