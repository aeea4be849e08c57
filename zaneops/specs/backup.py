"""Backups of databases: a policy on the database service (when, how many kept), and one row
per backup, which the backups controller dumps, then verifies by restoring it. A backup is
called good (VERIFIED) only once a restore of it was checked against the source."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from croniter import croniter
from pydantic import Field, ValidationInfo, field_validator, model_validator

from ._base import SpecModel
from ._rules import refuse

MAX_KEPT = 1000


class BackupPhase(StrEnum):
    """Where a backup stands; the backups controller writes it to status.details["phase"]."""

    QUEUED = "QUEUED"
    DUMPING = "DUMPING"
    VERIFYING = "VERIFYING"
    SAFETY_BACKUP = "SAFETY_BACKUP"  # a restore in place's: backing up what it replaces
    RESTORING = "RESTORING"  # a restore's: loading a backup into its database
    VERIFIED = "VERIFIED"
    FAILED = "FAILED"


ENDED = frozenset({BackupPhase.VERIFIED, BackupPhase.FAILED})


class ScheduledPolicy(SpecModel):
    """When backups are made, how many are kept, and where (a database's or a volume's)."""

    schedule: str = Field(
        description="A cron expression in UTC (minute hour day month weekday), e.g. "
        "'0 3 * * *' for 03:00 every day."
    )
    keep_last: int = Field(
        default=7,
        ge=1,
        le=MAX_KEPT,
        description="Verified backups kept for the service; older ones are deleted, with "
        "their files, once a newer one is verified. Failed ones go with them.",
    )
    target_id: UUID | None = Field(
        default=None,
        description="The backup target (an S3-compatible store) its backups are kept in; "
        "none: the platform's backups folder.",
    )

    @field_validator("schedule")
    @classmethod
    def _a_cron_expression(cls, schedule: str) -> str:
        return check_schedule(schedule, with_seconds=False)


class BackupPolicy(ScheduledPolicy):
    """A database's backups: as a ScheduledPolicy, and whether their files are encrypted."""

    encrypt: bool = Field(
        default=False,
        description="Encrypt each backup's file at rest (age, X25519) with a key derived from "
        "the platform's secret key (`zaneops backup-key export`); each backup keeps saying "
        "how its own file is stored.",
    )


def check_schedule(schedule: str, with_seconds: bool) -> str:
    """5 fields (minute hour day month weekday), or a 6th for seconds where allowed."""
    fields = len(schedule.split())
    allowed = (5, 6) if with_seconds else (5,)
    if fields not in allowed or not croniter.is_valid(schedule):
        seconds = ", and an optional 6th for seconds" if with_seconds else ""
        raise refuse(
            "invalid_schedule",
            f"{schedule!r} is not a cron expression of 5 fields (minute hour day month "
            f"weekday{seconds}), e.g. '0 3 * * *'",
        )
    return schedule


def next_run(schedule: str, after: datetime) -> datetime:
    """When a schedule next fires after `after` (both aware, UTC)."""
    found: datetime = croniter(schedule, after).get_next(datetime)
    return found


def last_run(schedule: str, at: datetime) -> datetime:
    """When a schedule last fired at or before `at`."""
    found: datetime = croniter(schedule, at).get_prev(datetime)
    return found


class BackupSpec(SpecModel):
    """A backup of a database; or, with restore_from, a restore of one into a new database, or
    with in_place into the database it came from (checked like a verification: every table's
    rows as at the dump)."""

    service_id: UUID | None = Field(
        default=None,
        description="The database service backed up, or restored into (of this environment); "
        "none for a backup of the platform's own database.",
    )
    platform: bool = Field(
        default=False,
        description="A backup of the platform's own database (its specs and users), kept "
        "outside any environment; `zaneops restore` loads it on a new machine.",
    )
    trigger: Literal["manual", "schedule", "safety"] = Field(
        default="manual",
        description="A person asked for it, its service's schedule, or a restore in place "
        "(safety: what the database held before; kept until deleted by hand).",
    )
    restore_from: UUID | None = Field(
        default=None, description="A restore: the verified backup it loads; none: a backup."
    )
    target_id: UUID | None = Field(
        default=None,
        description="Where its file is kept: a backup target (uploaded there, then verified "
        "from there); none: the platform's backups folder.",
    )
    volume_id: UUID | None = Field(
        default=None,
        description="A volume snapshot (restic) of this volume, of service_id's (a restore: "
        "the new volume it is restored into); none: a database backup.",
    )
    pause: bool = Field(
        default=False,
        description="A volume snapshot's: the services that mount the volume are paused "
        "while it is taken.",
    )
    in_place: bool = Field(
        default=False,
        description="A restore into the database the backup came from (service_id): a safety "
        "backup first, then its clients cut off and its contents replaced.",
    )
    encrypted: bool = Field(
        default=False,
        description="A backup's file is encrypted at rest with age (the key derived from the "
        "platform's secret key; `zaneops backup-key export`), as its policy said when it was "
        "made. Its download is the encrypted file, named with an .age suffix.",
    )

    @field_validator("in_place")
    @classmethod
    def _a_restore(cls, in_place: bool, info: ValidationInfo) -> bool:
        if in_place and info.data.get("restore_from") is None:
            raise refuse("in_place_without_restore_from", "only a restore is made in place")
        return in_place

    @model_validator(mode="after")
    def _of_a_database_or_the_platform(self) -> BackupSpec:
        if self.platform == (self.service_id is not None):
            raise refuse(
                "platform_or_service",
                "a backup is of one database service (service_id) or of the platform "
                "(platform: true), not both nor neither",
            )
        if self.encrypted and (self.volume_id is not None or self.restore_from is not None):
            raise refuse(
                "encrypted_not_a_dump",
                "only a database backup's file is encrypted this way (restic encrypts every "
                "volume snapshot; a restore writes no file)",
            )
        if self.platform and self.volume_id is not None:
            raise refuse("platform_volume", "the platform's backup is of its database, no volume")
        if self.platform and (self.restore_from is not None or self.trigger == "safety"):
            raise refuse(
                "platform_restore_by_cli",
                "the platform's database is restored by `zaneops restore` on its machine",
            )
        return self


def overdue(schedule: str, last_good: datetime | None, now: datetime) -> str | None:
    """Why backups are late: no verified one in twice the schedule's interval since the last
    good one (`last_good`: the newest verified backup, else the first scheduled one)."""
    if last_good is None:
        return None
    first = next_run(schedule, now)
    interval = next_run(schedule, first) - first
    late = now - last_good
    if late <= 2 * interval:
        return None
    return (
        f"no verified backup for {_words(late.total_seconds())}, while the schedule makes one "
        f"every {_words(interval.total_seconds())}"
    )


def _words(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
