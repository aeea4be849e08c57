"""MariaDB's backups (pure): the order that makes the counts and the dump one state, no
password anywhere, and the controller choosing the engine's commands, file and scratch server.
tests/e2e/test_mariadb.py runs them on the real server."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from controllers.backups.controller import ENGINE_BACKUPS
from controllers.backups.mariadb import COUNT_SCRIPT, DUMP_SCRIPT, MARIADB
from zaneops.adapters.docker.dumps import Ran, RunningContainer, Streamed
from zaneops.specs import Status
from zaneops.specs.databases import ENGINES
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .test_controller import Dumps, Rows, controller, ctx, row

MARIADB_SPEC = {
    "slug": "db",
    "source": {
        "type": "database",
        "engine": "mariadb",
        "version": "10.11",
        "credentials": {"password": "x" * 20},
    },
    "volumes": [{"volume": "db-data", "container_path": "/var/lib/mysql"}],
}


def test_every_engine_said_to_be_backed_up_has_its_commands() -> None:
    assert set(ENGINE_BACKUPS) == {name for name, e in ENGINES.items() if e.backed_up}


def test_commits_stop_before_the_counting_snapshot_and_resume_once_the_dump_has_its_own() -> None:
    """Nothing can commit between the two snapshots: they are the same state."""
    order = [
        "BACKUP STAGE BLOCK_COMMIT;",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT;",
        "said count '^SNAPSHOT$'",
        "mariadb-dump --single-transaction",
        "until snapshot_open",
        "BACKUP STAGE END;",
        "EXECUTE IMMEDIATE",
        "\nCOMMIT;",
    ]
    places = [DUMP_SCRIPT.index(step) for step in order]
    assert places == sorted(places)
    # The counting session is not the one that ends the stage (that would end its transaction).
    assert "echo 'BACKUP STAGE END;' >&3" in DUMP_SCRIPT
    assert "START TRANSACTION WITH CONSISTENT SNAPSHOT;" in DUMP_SCRIPT.split("exec 4>")[1]


def test_the_dump_takes_routines_triggers_and_events_of_the_apps_database_only() -> None:
    assert "--routines --triggers --events" in DUMP_SCRIPT
    assert '"$MARIADB_DATABASE" >"$work/dump"' in DUMP_SCRIPT
    assert "--databases" not in DUMP_SCRIPT and "--all-databases" not in DUMP_SCRIPT


def test_no_mariadb_command_reads_or_passes_a_password() -> None:
    """Root through the unix socket: nothing secret to leak into a command line."""
    commands = [
        *MARIADB.dump_command,
        *MARIADB.count_command,
        *MARIADB.restore_command,
        *MARIADB.ready_command,
    ]
    assert not [part for part in commands if "PASSWORD" in part or "--password" in part]
    assert "-p" not in " ".join(commands).split()


def test_the_restore_is_counted_with_the_same_query_as_the_dump() -> None:
    shared = COUNT_SCRIPT.split("<<'SQL'")[1].split("SQL\n")[0].strip()
    for line in shared.splitlines():
        assert line in DUMP_SCRIPT


class RecordingDumps(Dumps):
    def __init__(self, counts: str = "") -> None:
        super().__init__(payload=b"\x1f\x8b gzip")
        self.counts = counts
        self.ran: list[list[str]] = []
        self.streamed: list[list[str]] = []
        self.scratch: list[dict[str, str]] = []

    async def running_container(self, instance: str, owner: str) -> RunningContainer | None:
        return RunningContainer("c1", "zaneops/mariadb:10.11")

    async def stream_to_file(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None = None,
    ) -> Streamed:
        self.streamed.append(command)
        dest.write_bytes(self.payload)
        return Streamed(0, len(self.payload), "0" * 64, self.counts)

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        self.ran.append(command)
        return Ran(0, self.counts)

    async def start_scratch(self, *args: Any) -> str:
        self.scratch.append(args[2])
        return "scratch"


async def test_a_mariadb_backup_is_dumped_to_a_gzip_file_and_verified_in_a_mariadb(
    tmp_path: Path,
) -> None:
    service = row(Kind.SERVICES, MARIADB_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id)})
    dumps = RecordingDumps(counts="COUNT notes 3\nCOUNT tags 2\n")
    made = controller(Rows(service, backup), dumps, tmp_path)
    started = await made.reconcile(ctx(), backup)
    assert started.status is not None
    dumped = await made.reconcile(ctx(), _with(backup, started.status))
    assert dumped.status is not None
    details = dumped.status.details
    assert details["phase"] == "VERIFYING", dumped.status
    assert details["file"] == f"{backup.parent_id}/{backup.id}.sql.gz"
    assert (details["engine"], details["tables"]) == ("mariadb", {"notes": 3, "tags": 2})
    assert dumps.streamed == [MARIADB.dump_command]

    details["sha256"] = _sha256(tmp_path / details["file"])
    verified = await made.reconcile(ctx(), _with(backup, dumped.status))
    assert verified.status is not None
    assert verified.status.details["phase"] == "VERIFIED", verified.status
    assert "2 tables, 5 rows" in verified.status.conditions[0].message
    [scratch] = dumps.scratch
    assert scratch["MARIADB_DATABASE"] == "app" and len(scratch["MARIADB_PASSWORD"]) >= 24
    assert [*MARIADB.restore_command, "/tmp/backup.sql.gz"] in dumps.ran


async def test_a_mariadb_restore_that_lacks_rows_is_failed_naming_the_table(
    tmp_path: Path,
) -> None:
    service = row(Kind.SERVICES, MARIADB_SPEC)
    (tmp_path / "f.sql.gz").write_bytes(b"dump")
    backup = row(
        Kind.BACKUPS,
        {"service_id": str(service.id)},
        phase="VERIFYING",
        file="f.sql.gz",
        sha256=_sha256(tmp_path / "f.sql.gz"),
        image="zaneops/mariadb:10.11",
        engine="mariadb",
        tables={"notes": 3, "tags": 2},
    )
    dumps = RecordingDumps(counts="COUNT notes 3\n")
    result = await controller(Rows(service, backup), dumps, tmp_path).reconcile(ctx(), backup)
    assert result.status is not None
    assert result.status.conditions[0].reason == "VerifyFailed"
    assert "tags: 2 rows at dump time, missing from the restore" in (
        result.status.conditions[0].message
    )


def _with(obj: StoredObject, status: Status) -> StoredObject:
    return StoredObject(**{**obj.__dict__, "status": status})


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
