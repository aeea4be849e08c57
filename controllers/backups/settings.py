"""Knobs of the backups controller (ZANE_BACKUPS_* environment variables), each with its default."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class BackupsSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_BACKUPS_")
    read_by: ClassVar[str] = "the backups controller (controllers/backups)"

    root: Path = Field(
        default=Path(tempfile.gettempdir()) / "zaneops-backups",
        description="Folder of the backup files (one folder per environment); `zaneops up` "
        "puts it under the data folder. Only files this controller wrote there are deleted.",
    )
    dump_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="A dump still running after this long FAILED."
    )
    verify_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="A restore check still running after this long FAILED."
    )
    ready_timeout_seconds: float = Field(
        default=60.0, gt=0, description="How long a scratch server may take to accept connections."
    )
    restore_wait_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How long a restore waits for its new database to accept connections.",
    )
    max_attempts: int = Field(
        default=2,
        ge=1,
        le=10,
        description="A backup interrupted (the controller stopped mid-dump) is started again "
        "until it was tried this many times, then FAILED.",
    )
    schedule_check_seconds: float = Field(
        default=300.0,
        gt=0,
        description="The longest the schedule sleeps (a change of a service's schedule wakes "
        "it at once).",
    )
    upload_timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="An upload to a backup target still running after this long FAILED.",
    )
    snapshot_image: str = Field(
        default="zaneops/app:latest",
        min_length=1,
        description="The image volume snapshots run restic in (`zaneops up` sets the "
        "platform's app image, which has restic).",
    )
    snapshot_check_subset: str = Field(
        default="",
        pattern=r"^$|^[0-9]{1,3}(\.[0-9]+)?%$|^[0-9]+/[0-9]+$",
        description="What a snapshot's verification reads of its repository with `restic "
        "check`: empty, every pack (--read-data); else a subset, e.g. '10%' "
        "(--read-data-subset), for big repositories.",
    )
    snapshot_pause_timeout_seconds: float = Field(
        default=600.0,
        gt=0,
        description="The longest a volume's services stay paused for a snapshot: restic is "
        "stopped then (FAILED TimedOut), and they are unpaused.",
    )
