"""The backups controller's decisions with fakes for the store and the engine (logic only;
tests/e2e/test_backups.py runs it on the real components)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from controllers.backups.controller import SCHEDULE, BackupsController
from controllers.backups.settings import BackupsSettings
from zaneops.adapters.docker.dumps import Ran, RunningContainer, Streamed
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

ENV = uuid.uuid4()
NOW = datetime.now(UTC)
DB_SPEC = {
    "slug": "db",
    "source": {
        "type": "database",
        "engine": "postgres",
        "version": "15",
        "credentials": {"password": "x" * 20},
    },
    "volumes": [{"volume": "db-data", "container_path": "/var/lib/postgresql/data"}],
}


def row(kind: Kind, spec: dict[str, Any], created: datetime = NOW, **details: Any) -> StoredObject:
    return StoredObject(
        kind=kind,
        id=uuid.uuid4(),
        spec=spec,
        generation=1,
        status=Status(details=details),
        finalizers=(),
        deleted_at=None,
        created_at=created,
        updated_at=created,
        parent_id=ENV,
    )


class Rows:
    def __init__(self, *objects: StoredObject) -> None:
        self.objects = {obj.id: obj for obj in objects}
        self.made: list[dict[str, Any]] = []
        self.deleted: list[uuid.UUID] = []
        self.settings: dict[str, dict[str, Any]] = {}

    async def get(self, kind: Kind, object_id: uuid.UUID) -> StoredObject | None:
        return self.objects.get(object_id)

    async def list_ids(self, kind: Kind) -> list[uuid.UUID]:
        return [o.id for o in self.objects.values() if o.kind is kind]

    async def list_children(self, kind: Kind, parent_id: uuid.UUID | None) -> list[StoredObject]:
        return [o for o in self.objects.values() if o.kind is kind and o.parent_id == parent_id]

    async def setting(self, name: str) -> dict[str, Any] | None:
        return self.settings.get(name)

    async def create(
        self, kind: Kind, spec: dict[str, Any], parent_id: uuid.UUID | None = None
    ) -> StoredObject:
        self.made.append(spec)
        made = row(kind, spec)
        self.objects[made.id] = made
        return made

    async def request_delete(self, kind: Kind, object_id: uuid.UUID) -> StoredObject | None:
        self.deleted.append(object_id)
        return None


class Dumps:
    """An engine whose dump writes `payload` and exits with `code`."""

    def __init__(self, payload: bytes = b"PGDMP...", code: int = 0, stderr: str = "") -> None:
        self.payload, self.code, self.stderr = payload, code, stderr
        self.swarm_services: list[str] = []

    async def running_container(self, instance: str, owner: str) -> RunningContainer | None:
        return RunningContainer("c1", "zaneops/postgres:15")

    async def running_task_of(self, instance: str, swarm_service: str) -> RunningContainer | None:
        self.swarm_services.append(swarm_service)
        return RunningContainer("platform-db", "zaneops/postgres:15")

    async def stream_to_file(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None = None,
    ) -> Streamed:
        dest.write_bytes(self.payload)
        return Streamed(self.code, len(self.payload), "0" * 64, self.stderr)

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        return Ran(0, "")

    async def start_scratch(self, *args: Any) -> str:
        return "scratch"

    async def copy_in(self, *args: Any) -> None:
        return None

    async def remove(self, name_or_id: str) -> None:
        return None


def controller(rows: Rows, dumps: Dumps, root: Path) -> BackupsController:
    installation = InstallationSettings.model_construct(instance="t")
    return BackupsController(installation, BackupsSettings(root=root), rows, dumps)


def ctx() -> Context:
    return Context(key=SCHEDULE, ensure_leader=lambda: None)


async def test_a_due_schedule_makes_one_backup_however_many_runs_were_missed(
    tmp_path: Path,
) -> None:
    """Down for three days with a daily schedule: one backup at recovery, not three."""
    service = row(Kind.SERVICES, {**DB_SPEC, "backup": {"schedule": "0 3 * * *"}})
    last = row(
        Kind.BACKUPS,
        {"service_id": str(service.id), "trigger": "schedule"},
        created=NOW - timedelta(days=3),
    )
    rows = Rows(service, last)
    result = await controller(rows, Dumps(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert rows.made == [
        {
            "service_id": str(service.id),
            "platform": False,
            "trigger": "schedule",
            "restore_from": None,
            "target_id": None,
            "volume_id": None,
            "pause": False,
            "in_place": False,
            "encrypted": False,
        }
    ]
    assert result.requeue_after is not None and 0 < result.requeue_after <= 300


async def test_a_due_schedule_waits_while_its_database_is_restored_in_place(
    tmp_path: Path,
) -> None:
    """A dump taken mid-load would hold half the restore, and could pass its own counts."""
    service = row(Kind.SERVICES, {**DB_SPEC, "backup": {"schedule": "0 3 * * *"}})
    last = row(
        Kind.BACKUPS,
        {"service_id": str(service.id), "trigger": "schedule"},
        created=NOW - timedelta(days=3),
    )
    restoring = row(
        Kind.BACKUPS,
        {"service_id": str(service.id), "restore_from": str(last.id), "in_place": True},
        phase="RESTORING",
    )
    rows = Rows(service, last, restoring)
    result = await controller(rows, Dumps(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert rows.made == []
    assert result.requeue_after is not None and 0 < result.requeue_after <= 30


async def test_a_schedule_not_yet_due_makes_nothing(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, {**DB_SPEC, "backup": {"schedule": "0 3 * * *"}})
    recent = row(Kind.BACKUPS, {"service_id": str(service.id), "trigger": "schedule"})
    manual = row(
        Kind.BACKUPS,
        {"service_id": str(service.id), "trigger": "manual"},
        created=NOW - timedelta(days=9),
    )
    rows = Rows(service, recent, manual)
    await controller(rows, Dumps(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert rows.made == []


@pytest.mark.parametrize(
    ("dumps", "reason"),
    [
        (Dumps(code=1, stderr="pg_dump: error: out of disk\n"), "DumpFailed"),
        (Dumps(payload=b""), "DumpFailed"),
    ],
)
async def test_a_failed_dump_is_failed_with_its_words_and_leaves_no_file(
    tmp_path: Path, dumps: Dumps, reason: str
) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id)})
    made = controller(Rows(service, backup), dumps, tmp_path)
    started = await made.reconcile(ctx(), backup)
    assert started.status is not None and started.status.details["phase"] == "DUMPING"
    dumping = _with_status(backup, started.status)
    result = await made.reconcile(ctx(), dumping)
    assert result.status is not None
    assert result.status.details["phase"] == "FAILED"
    assert result.status.conditions[0].reason == reason
    if dumps.stderr:
        assert "out of disk" in result.status.conditions[0].message
    assert list(tmp_path.rglob("*")) == [tmp_path / str(ENV)]  # the folder, no file in it


async def test_a_backup_found_dumping_after_a_restart_is_tried_again_then_failed(
    tmp_path: Path,
) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    interrupted = row(Kind.BACKUPS, {"service_id": str(service.id)}, phase="DUMPING", attempts=2)
    result = await controller(Rows(service, interrupted), Dumps(), tmp_path).reconcile(
        ctx(), interrupted
    )
    assert result.status is not None and result.status.details["phase"] == "FAILED"
    assert result.status.conditions[0].reason == "Interrupted"


async def test_a_file_changed_since_it_was_written_is_never_verified(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    (tmp_path / "f.pgdump").write_bytes(b"tampered")
    backup = row(
        Kind.BACKUPS,
        {"service_id": str(service.id)},
        phase="VERIFYING",
        file="f.pgdump",
        sha256="0" * 64,
        image="zaneops/postgres:15",
        tables={},
    )
    result = await controller(Rows(service, backup), Dumps(), tmp_path).reconcile(ctx(), backup)
    assert result.status is not None and result.status.conditions[0].reason == "Corrupted"


def _with_status(obj: StoredObject, status: Status) -> StoredObject:
    return StoredObject(**{**obj.__dict__, "status": status})
