"""Backups of the platform's own database (its specs, users and sealed secrets): a backups row
with `platform: true` and no environment, dumped from the platform's Postgres task (the
`<instance>_postgres` swarm service, the same image as users' PostgreSQL databases) and verified
like theirs. Its schedule and retention are the platform's backup policy (a platform setting).

The scratch server a verification restores into gets the platform's component roles first, so
the dump's grants to them load as they would on a new machine (`zaneops restore`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from uuid import UUID

from zaneops.adapters.postgres.roles import ROLES
from zaneops.specs.backup import next_run
from zaneops.specs.objects import StoredObject
from zaneops.specs.platform_backup import POLICY_SETTING, PlatformBackupPolicy

from .engine import EngineBackup
from .postgres import POSTGRES

FOLDER = "platform"  # its files, beside the environments' folders
DATABASE_SERVICE = "postgres"  # the stack's service: "<instance>_postgres" in the swarm

# The roles are this platform's own names (never a user's string); then the dump, as always.
_ROLES_SQL = "; ".join(f"CREATE ROLE {role} NOLOGIN" for role in ROLES)
RESTORE_WITH_ROLES = [
    "bash",
    "-c",
    'psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$ROLES_SQL" && '
    'pg_restore --exit-on-error --no-owner --single-transaction -U "$POSTGRES_USER" '
    '-d "$POSTGRES_DB" "$1"',
    "restore",
]


def _scratch_variables(password: str) -> dict[str, str]:
    return POSTGRES.scratch_variables(password) | {"ROLES_SQL": _ROLES_SQL}


# No restore in place: the platform's database is replaced by `zaneops restore`, with the
# API and the controllers stopped.
PLATFORM_POSTGRES: EngineBackup = replace(
    POSTGRES,
    restore_command=RESTORE_WITH_ROLES,
    scratch_variables=_scratch_variables,
    in_place=None,
)


def swarm_service(instance: str) -> str:
    return f"{instance}_{DATABASE_SERVICE}"


def is_platform(backup: StoredObject) -> bool:
    return bool(backup.spec.get("platform"))


def dump_file(backup_id: UUID, suffix: str) -> Path:
    return Path(FOLDER) / f"{backup_id}{suffix}"


def policy_of(stored: dict[str, object] | None) -> PlatformBackupPolicy:
    """The platform's policy as written (an unreadable one: the defaults, never no backups)."""
    try:
        return PlatformBackupPolicy.model_validate(stored or {})
    except ValueError:
        return PlatformBackupPolicy()


def next_due(policy: PlatformBackupPolicy, scheduled: list[datetime], since: datetime) -> datetime:
    """When the next scheduled platform backup is due: after the newest scheduled one, else
    after `since` (the controller's start: a new installation is not backed up at once)."""
    return next_run(policy.schedule, max(scheduled, default=since))


def past_retention(
    backups: list[StoredObject], keep_last: int, ended: set[str], verified: UUID | None = None
) -> list[UUID]:
    """The platform backups older than the `keep_last` newest verified ones (and ended).
    `verified`: the one just verified, whose row does not say so yet (its status is written
    once the reconcile returns)."""
    ordered = sorted(backups, key=lambda b: b.created_at, reverse=True)
    kept = [b for b in ordered if b.status.details.get("phase") == "VERIFIED" or b.id == verified]
    if len(kept) <= keep_last:
        return []
    oldest_kept = kept[keep_last - 1].created_at
    return [
        b.id
        for b in ordered
        if b.created_at < oldest_kept and str(b.status.details.get("phase")) in ended
    ]


__all__ = ["PLATFORM_POSTGRES", "POLICY_SETTING"]
