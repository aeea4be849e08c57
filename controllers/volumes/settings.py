"""Knobs of the volumes controller (ZANE_VOLUMES_* environment variables), with defaults."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings

DEFAULT_PROTECTED = (
    "/etc",
    "/boot",
    "/proc",
    "/sys",
    "/dev",
    "/root",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/var/lib/docker",
    "/var/run/docker.sock",
    "/run/docker.sock",
    # Every container runtime's socket and state gives the host as surely as Docker's.
    "/run/docker",
    "/var/run/docker",
    "/run/containerd",
    "/var/run/containerd",
    "/var/lib/containerd",
    "/run/crio",
    "/var/run/crio",
    "/run/podman",
    "/var/run/podman",
    "/run/dbus",
    "/var/run/dbus",
    "/run/systemd",
    "/run/zane",
    "/var/lib/zaneops",
)


class VolumesSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_VOLUMES_")
    read_by: ClassVar[str] = "the volumes controller (controllers/volumes)"

    host_root: str = Field(
        default="/var/lib/zaneops/volumes",
        description="The allow-listed root: host-path volumes must lie strictly under it. "
        "The volumes controller must see it at the same path (bind-mount it as is).",
    )
    protected_paths: tuple[str, ...] = Field(
        default=DEFAULT_PROTECTED,
        description="Never bound into a container, even under the root: system folders, the "
        "Docker socket and data, the platform's own folders (a JSON list). The root itself "
        "may lie inside one of them (the default lies inside /var/lib/zaneops).",
    )
    observe_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often a volume's size and users are measured again.",
    )
    size_budget_seconds: float = Field(
        default=2.0,
        gt=0,
        description="A size walk stops after this long; the size is then reported as a "
        "lower bound (size_complete false).",
    )
    in_use_poll_seconds: float = Field(
        default=10.0,
        gt=0,
        description="While a deleted volume is still mounted, how often to look again "
        "(service changes usually wake it sooner).",
    )
