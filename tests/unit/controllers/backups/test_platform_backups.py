"""Backups of the platform's own database, with fakes for the store and the engine (the
decisions; tests/e2e/test_platform_restore.py runs them on a real installation)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from controllers.backups.platform import PLATFORM_POSTGRES, past_retention, policy_of
from zaneops.specs import BackupSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .test_controller import NOW, SCHEDULE, Dumps, Rows, controller, ctx, row


def platform_row(created: Any = NOW, **details: Any) -> StoredObject:
    made = row(Kind.BACKUPS, {"platform": True, "trigger": "schedule"}, created, **details)
    return replace(made, parent_id=None)


async def test_a_platform_backup_is_dumped_from_the_platforms_postgres_task(
    tmp_path: Path,
) -> None:
    """The dump runs in `<instance>_postgres`'s container, into the platform's folder."""
    backup = replace(row(Kind.BACKUPS, {"platform": True}), parent_id=None)
    dumps = Dumps(stderr="COUNT public.projects 2\n")
    made = controller(Rows(backup), dumps, tmp_path)
    started = await made.reconcile(ctx(), backup)
    assert started.status is not None
    dumped = await made.reconcile(ctx(), replace(backup, status=started.status))
    assert dumped.status is not None
    details = dumped.status.details
    assert details["phase"] == "VERIFYING", dumped.status
    assert dumps.swarm_services == ["t_postgres"]
    assert details["file"] == f"platform/{backup.id}.pgdump"
    assert (tmp_path / "platform" / f"{backup.id}.pgdump").read_bytes() == b"PGDMP..."
    assert details["tables"] == {"public.projects": 2}


async def test_the_platforms_schedule_makes_one_backup_with_no_environment(
    tmp_path: Path,
) -> None:
    """Its policy's schedule (a platform setting) makes a platform row; none for services."""
    last = platform_row(NOW - timedelta(days=3), phase="VERIFIED")
    rows = Rows(last)
    rows.settings["platform_backup_policy"] = {"schedule": "0 * * * *", "keep_last": 3}
    await controller(rows, Dumps(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert rows.made == [
        {
            "service_id": None,
            "platform": True,
            "trigger": "schedule",
            "restore_from": None,
            "target_id": None,
            "volume_id": None,
            "pause": False,
            "in_place": False,
            "encrypted": False,
        }
    ]


async def test_a_new_platform_is_not_backed_up_before_its_first_scheduled_time(
    tmp_path: Path,
) -> None:
    """No scheduled backup yet: the first one is the schedule's next run after the start."""
    rows = Rows()
    result = await controller(rows, Dumps(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert rows.made == []
    assert result.requeue_after is not None and result.requeue_after > 0


async def test_a_manual_backup_with_no_scheduled_one_left_is_not_followed_by_one_at_once(
    tmp_path: Path,
) -> None:
    """keep_last 1: retention deleted the scheduled ones behind a manual one. The controller,
    running for days, makes the next scheduled one at the schedule's run after the manual
    one, not at once."""
    manual = platform_row(NOW - timedelta(seconds=1), phase="VERIFIED")
    manual = replace(manual, spec={"platform": True, "trigger": "manual"})
    rows = Rows(manual)
    rows.settings["platform_backup_policy"] = {"schedule": "0 0 * * *", "keep_last": 1}
    made = controller(rows, Dumps(), tmp_path)
    made._started_at = NOW - timedelta(days=3)
    await made.reconcile_global(ctx(), SCHEDULE)
    assert rows.made == []


def test_retention_keeps_the_newest_verified_platform_backups() -> None:
    """Past keep_last verified ones, older ended ones go; a running one stays."""
    verified = [platform_row(NOW - timedelta(days=d), phase="VERIFIED") for d in range(4)]
    failed = platform_row(NOW - timedelta(days=5), phase="FAILED")
    running = platform_row(NOW - timedelta(days=6), phase="DUMPING")
    gone = past_retention([*verified, failed, running], 2, {"VERIFIED", "FAILED"})
    assert set(gone) == {verified[2].id, verified[3].id, failed.id}


async def test_retention_counts_the_backup_just_verified(tmp_path: Path) -> None:
    """Its row still says VERIFYING when retention runs: keep_last 2 keeps it and one more."""
    older = [platform_row(NOW - timedelta(days=d), phase="VERIFIED") for d in (1, 2, 3)]
    verifying = platform_row(NOW, phase="VERIFYING")
    rows = Rows(*older, verifying)
    rows.settings["platform_backup_policy"] = {"keep_last": 2}
    await controller(rows, Dumps(), tmp_path)._keep_the_newest(ctx(), verifying)
    assert set(rows.deleted) == {older[1].id, older[2].id}


def test_an_unreadable_stored_policy_means_the_defaults_never_no_backups() -> None:
    """A policy written by an older version that no longer validates: daily at 02:30, 7."""
    policy = policy_of({"schedule": "not cron"})
    assert (policy.schedule, policy.keep_last) == ("30 2 * * *", 7)


def test_the_scratch_restore_creates_the_component_roles_before_the_dump_loads() -> None:
    """The dump grants to zane_api and zane_controller: they exist in the scratch server."""
    variables = PLATFORM_POSTGRES.scratch_variables("pw")
    assert "CREATE ROLE zane_api NOLOGIN" in variables["ROLES_SQL"]
    assert "CREATE ROLE zane_controller NOLOGIN" in variables["ROLES_SQL"]
    script = PLATFORM_POSTGRES.restore_command[2]
    assert script.index("$ROLES_SQL") < script.index("pg_restore")
    assert PLATFORM_POSTGRES.in_place is None


@pytest.mark.parametrize(
    "spec",
    [{}, {"platform": True, "service_id": str(uuid.uuid4())}],
    ids=["neither", "both"],
)
def test_a_backup_is_of_one_database_or_of_the_platform(spec: dict[str, Any]) -> None:
    """service_id xor platform: true."""
    with pytest.raises(ValidationError, match="not both nor neither"):
        BackupSpec.model_validate(spec)


def test_the_platforms_backup_is_never_restored_through_the_controller() -> None:
    """A restore of it is `zaneops restore`'s, on its machine."""
    with pytest.raises(ValidationError, match="zaneops restore"):
        BackupSpec.model_validate({"platform": True, "restore_from": str(uuid.uuid4())})


def test_an_existing_backup_of_a_database_reads_as_before() -> None:
    """Rows written before the platform's backups validate unchanged."""
    service = uuid.uuid4()
    spec = BackupSpec.model_validate({"service_id": str(service), "trigger": "manual"})
    assert (spec.service_id, spec.platform) == (service, False)
