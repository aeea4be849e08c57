"""The platform's own backups: its database (specs, users, sealed secrets) dumped and verified
like a PostgreSQL database's, on a schedule of its own; `zaneops restore` loads one on a new
machine."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field, field_validator

from ._base import SpecModel
from .backup import MAX_KEPT, check_schedule

# The platform_settings row (name) its policy is kept in; absent: the defaults below.
POLICY_SETTING = "platform_backup_policy"


class PlatformBackupPolicy(SpecModel):
    schedule: str = Field(
        default="30 2 * * *",
        description="A cron expression in UTC (minute hour day month weekday); by default "
        "02:30 every day.",
    )
    keep_last: int = Field(
        default=7,
        ge=1,
        le=MAX_KEPT,
        description="Verified backups of the platform kept; older ones are deleted, with "
        "their files, once a newer one is verified. Failed ones go with them.",
    )
    target_id: UUID | None = Field(
        default=None,
        description="The backup target (an S3-compatible store) they are kept in; none: the "
        "platform's backups folder.",
    )

    encrypt: bool = Field(
        default=False,
        description="Encrypt each backup's file at rest (age), with a key derived from the "
        "platform's secret key: `zaneops restore` decrypts it with that key.",
    )

    @field_validator("schedule")
    @classmethod
    def _a_cron_expression(cls, schedule: str) -> str:
        return check_schedule(schedule, with_seconds=False)
