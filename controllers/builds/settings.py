"""Knobs of the builds controller (ZANE_BUILDS_* environment variables), each with its default."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class BuildsSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_BUILDS_")
    read_by: ClassVar[str] = "the builds controller (controllers/builds)"

    workdir: Path = Field(
        default=Path(tempfile.gettempdir()) / "zaneops-builds",
        description="Where checkouts are made, one folder per build, removed after the build.",
    )
    max_concurrent: int = Field(
        default=1,
        ge=1,
        le=32,
        description="Builds running at once; the others wait QUEUED. A build takes a core or "
        "more: 1 suits a 2-core machine.",
    )
    keep_images: int = Field(
        default=3,
        ge=1,
        description="Built images kept per service (newest first) besides those a current or "
        "target deployment runs; older ones are removed.",
    )
    cache_budget_bytes: int = Field(
        default=10 * 1024**3,
        ge=0,
        description="Disk the images this installation built may take (the classic builder's "
        "cache is their layers); beyond it the oldest images no deployment needs go first.",
    )
    max_attempts: int = Field(
        default=2,
        ge=1,
        description="Starts of one build, counting retries after its controller died mid-build; "
        "then it fails with reason Interrupted.",
    )
    git_timeout_seconds: float = Field(
        default=600.0, gt=0, description="Deadline of each git command (clone, fetch)."
    )
    log_max_entries: int = Field(
        default=10_000, ge=100, description="Build log lines kept per build in Redis."
    )
    failure_log_lines: int = Field(
        default=15, ge=1, le=200, description="Last log lines quoted when a build fails."
    )
    local_sources_root: str = Field(
        default="",
        description="file:// URLs and local paths are built only from under this folder (a "
        "source there reads the controller's own disk). Empty: refused, which is the default.",
    )
    image_cleanup_seconds: float = Field(
        default=300.0, gt=0, description="How often unneeded built images are looked for."
    )
