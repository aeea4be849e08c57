"""A restore into the database a backup came from, step by step, with fakes for the store and
the engine (logic only; tests/e2e/test_restore_in_place.py runs it on real databases)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from controllers.backups.controller import BackupsController
from controllers.backups.in_place import made_for
from controllers.backups.postgres import IN_PLACE, POSTGRES
from controllers.backups.redis import IN_PLACE as REDIS_IN_PLACE
from tests.unit.controllers.backups.test_controller import (
    DB_SPEC,
    NOW,
    Dumps,
    Rows,
    controller,
    ctx,
    row,
)
from tests.unit.controllers.backups.test_redis import REDIS_SPEC
from zaneops.adapters.docker.dumps import Ran, RunningContainer
from zaneops.specs import BackupSpec, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

TABLES = {"public.notes": 250, "public.tags": 2}


class Engine(Dumps):
    """Records what it is asked to run; counts `loaded` in what a load made, `live` in the
    live database (until the load is made live)."""

    def __init__(self, loaded: dict[str, int], load_code: int = 0) -> None:
        super().__init__()
        self.loaded, self.load_code = loaded, load_code
        self.live: dict[str, int] = {"public.notes": 400}
        self.ran: list[list[str]] = []

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        self.ran.append(command)
        if command[:-1] == IN_PLACE.load_command:
            return Ran(self.load_code, "" if self.load_code == 0 else "pg_restore: error: boom")
        if command == IN_PLACE.finish_command:
            self.live = self.loaded
        counted = {
            tuple(IN_PLACE.count_command): self.loaded,
            tuple(POSTGRES.count_command): self.live,
        }.get(tuple(command))
        if counted is not None:
            return Ran(0, "".join(f"COUNT {t} {n}\n" for t, n in counted.items()))
        return Ran(0, "")

    def asked(self, command: list[str]) -> bool:
        return any(ran[: len(command)] == command for ran in self.ran)


class Bed:
    """A database, its verified backup (a file in the folder) and a controller."""

    def __init__(
        self,
        root: Path,
        engine: Dumps,
        database: dict[str, Any] = DB_SPEC,
        dumped: dict[str, Any] | None = None,
    ) -> None:
        self.service = row(Kind.SERVICES, database)
        (root / "b.pgdump").write_bytes(b"PGDMP")
        self.backup = row(
            Kind.BACKUPS,
            {"service_id": str(self.service.id)},
            phase="VERIFIED",
            file="b.pgdump",
            sha256=hashlib.sha256(b"PGDMP").hexdigest(),
            **(dumped or {"tables": TABLES}),
        )
        spec = BackupSpec(service_id=self.service.id, restore_from=self.backup.id, in_place=True)
        self.restore = row(Kind.BACKUPS, spec.model_dump(mode="json"))
        self.rows = Rows(self.service, self.backup, self.restore)
        self.engine = engine
        self.controller: BackupsController = controller(self.rows, engine, root)

    async def until_ended(self) -> Status:
        """Stepped on, its safety backup verified as soon as it is made."""
        status = await self.step()
        while status.details["phase"] not in ("VERIFIED", "FAILED"):
            if status.details.get("safety_backup_id"):
                self.safety_ends("VERIFIED")
            status = await self.step()
        return status

    async def step(self) -> Status:
        result = await self.controller.reconcile(ctx(), self.restore)
        assert result.status is not None
        self.restore = _with_status(self.restore, result.status)
        return result.status

    def safety(self) -> StoredObject:
        [made] = [o for o in self.rows.objects.values() if o.spec.get("trigger") == "safety"]
        return made

    def safety_ends(self, phase: str) -> None:
        made = self.safety()
        self.rows.objects[made.id] = _with_status(made, Status(details={"phase": phase}))


async def test_nothing_is_loaded_before_the_safety_backup_is_verified(tmp_path: Path) -> None:
    bed = Bed(tmp_path, Engine(TABLES))
    assert (await bed.step()).details["phase"] == "SAFETY_BACKUP"
    waiting = await bed.step()
    assert waiting.details["phase"] == "SAFETY_BACKUP"
    assert waiting.details["safety_backup_id"] == str(bed.safety().id)
    assert bed.safety().spec["service_id"] == str(bed.service.id)
    assert not bed.engine.asked(IN_PLACE.load_command)

    bed.safety_ends("VERIFIED")
    assert (await bed.step()).details["step"] == "load"
    loaded = await bed.step()
    assert bed.engine.asked(IN_PLACE.load_command) and loaded.details["step"] == "finish"
    done = await bed.step()
    assert done.details["phase"] == "VERIFIED", done.conditions
    assert f"safety backup {bed.safety().id}" in done.conditions[0].message
    assert "2 tables, 252 rows" in done.conditions[0].message


async def test_a_failed_safety_backup_fails_the_restore_and_touches_nothing(
    tmp_path: Path,
) -> None:
    bed = Bed(tmp_path, Engine(TABLES))
    await bed.step()
    await bed.step()
    bed.safety_ends("FAILED")
    failed = await bed.step()
    assert failed.details["phase"] == "FAILED"
    assert failed.conditions[0].reason == "SafetyBackupFailed"
    assert "nothing was touched" in failed.conditions[0].message
    assert bed.engine.ran == []


async def test_a_safety_backup_made_before_a_crash_is_found_again_not_made_twice(
    tmp_path: Path,
) -> None:
    """The row was made, then the controller stopped before recording its id."""
    bed = Bed(tmp_path, Engine(TABLES))
    await bed.step()
    await bed.step()
    made = bed.safety()
    forgotten = {k: v for k, v in bed.restore.status.details.items() if k != "safety_backup_id"}
    bed.restore = _with_status(bed.restore, Status(details=forgotten))
    again = await bed.step()
    assert again.details["safety_backup_id"] == str(made.id)
    assert bed.safety() == made  # still the one


async def test_a_load_that_differs_lets_the_clients_back_in_and_names_the_safety_backup(
    tmp_path: Path,
) -> None:
    bed = Bed(tmp_path, Engine({"public.notes": 250}))
    await bed.step()
    await bed.step()
    bed.safety_ends("VERIFIED")
    await bed.step()
    failed = await bed.step()
    assert failed.details["phase"] == "FAILED"
    condition = failed.conditions[0]
    assert condition.reason == "VerifyFailed"
    assert "public.tags: 2 rows at dump time, missing from the restore" in condition.message
    assert f"safety backup {bed.safety().id}" in condition.message
    assert "left as it was" in condition.message
    assert bed.engine.ran[-1] == IN_PLACE.abandon_command
    assert not bed.engine.asked(IN_PLACE.finish_command)


async def test_a_failed_load_says_what_the_tool_said(tmp_path: Path) -> None:
    bed = Bed(tmp_path, Engine(TABLES, load_code=1))
    await bed.step()
    await bed.step()
    bed.safety_ends("VERIFIED")
    await bed.step()
    failed = await bed.step()
    assert failed.conditions[0].reason == "RestoreFailed"
    assert "pg_restore: error: boom" in failed.conditions[0].message
    assert bed.engine.asked(IN_PLACE.abandon_command)


async def test_a_restart_after_the_load_finishes_without_loading_again(tmp_path: Path) -> None:
    bed = Bed(tmp_path, Engine(TABLES))
    await bed.step()
    await bed.step()
    bed.safety_ends("VERIFIED")
    await bed.step()
    await bed.step()
    fresh = controller(bed.rows, bed.engine, tmp_path)  # a new process, the same row
    bed.engine.ran.clear()
    result = await fresh.reconcile(ctx(), bed.restore)
    assert result.status is not None and result.status.details["phase"] == "VERIFIED"
    assert not bed.engine.asked(IN_PLACE.load_command)


REDIS_KEYS = {"db0": 250, "db4": 21, "db4 with a TTL": 20}


class RedisServer(Dumps):
    """A live Redis: the load goes into it, its count then says `loaded`."""

    def __init__(self, loaded: dict[str, int]) -> None:
        super().__init__()
        self.loaded = loaded
        self.ran: list[list[str]] = []

    async def running_container(self, instance: str, owner: str) -> RunningContainer | None:
        return RunningContainer("c1", "zaneops/redis:7")

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        self.ran.append(command)
        if command == REDIS_IN_PLACE.count_command:
            return Ran(0, "".join(f"COUNT {t} {n}\n" for t, n in self.loaded.items()))
        return Ran(0, "")


async def test_a_redis_restored_in_place_is_judged_by_its_keys_and_not_counted_once_writes_go_on(
    tmp_path: Path,
) -> None:
    """Two keys with a TTL expired since the dump: still the backup (Redis's judge); its count
    is the live server's, its writes held, so none follows the finish that lets them go."""
    loaded = {"db0": 250, "db4": 19, "db4 with a TTL": 18}
    dumped = {"tables": REDIS_KEYS, "engine": "redis"}
    server = RedisServer(loaded)
    bed = Bed(tmp_path, server, REDIS_SPEC, dumped)
    done = await bed.until_ended()
    assert done.details["phase"] == "VERIFIED", done.conditions
    message = done.conditions[0].message
    assert "2 databases, 271 keys (2 with a TTL expired since), as at its dump" in message
    assert f"safety backup {bed.safety().id}" in message
    ran = [command for command in server.ran if command[0] == "bash"]
    assert ran == [
        [*REDIS_IN_PLACE.load_command, ran[0][-1]],
        REDIS_IN_PLACE.count_command,
        REDIS_IN_PLACE.finish_command,
    ]


async def test_a_redis_load_lacking_keys_without_a_ttl_fails_and_lets_the_writes_go_on(
    tmp_path: Path,
) -> None:
    server = RedisServer({"db0": 249, "db4": 21, "db4 with a TTL": 20})
    bed = Bed(tmp_path, server, REDIS_SPEC, {"tables": REDIS_KEYS, "engine": "redis"})
    failed = await bed.until_ended()
    condition = failed.conditions[0]
    assert condition.reason == "VerifyFailed"
    assert "db0: 250 keys without a TTL at dump time, 249 restored" in condition.message
    assert "the database holds what the load made" in condition.message
    assert server.ran[-1] == REDIS_IN_PLACE.abandon_command


async def test_a_backup_of_another_engine_never_replaces_a_databases_contents(
    tmp_path: Path,
) -> None:
    """A PostgreSQL backup recorded for what is now a Redis: refused before a safety backup."""
    server = RedisServer(REDIS_KEYS)
    bed = Bed(tmp_path, server, REDIS_SPEC, {"tables": TABLES, "engine": "postgres"})
    failed = await bed.step()
    condition = failed.conditions[0]
    assert (failed.details["phase"], condition.reason) == ("FAILED", "NotSupported")
    assert "a postgres backup cannot replace a redis database's contents" in condition.message
    assert server.ran == []
    assert not [o for o in bed.rows.objects.values() if o.spec.get("trigger") == "safety"]


def test_the_safety_backup_found_again_is_the_first_of_its_service_since_the_restore() -> None:
    service = str(uuid.uuid4())
    restore = row(Kind.BACKUPS, {"service_id": service, "in_place": True})

    def safety(of: str, minutes: int) -> StoredObject:
        spec = {"service_id": of, "trigger": "safety"}
        return row(Kind.BACKUPS, spec, created=NOW + timedelta(minutes=minutes))

    older, other, first, later = (
        safety(service, -5),
        safety("x", 1),
        safety(service, 1),
        safety(service, 2),
    )
    manual = row(Kind.BACKUPS, {"service_id": service, "trigger": "manual"})
    assert made_for(restore, [older, other, later, first, manual]) == first
    assert made_for(restore, [older, other, manual]) is None


def test_only_a_restore_is_made_in_place() -> None:
    with pytest.raises(ValueError, match="only a restore is made in place"):
        BackupSpec.model_validate({"service_id": str(uuid.uuid4()), "in_place": True})


def _with_status(obj: StoredObject, status: Status) -> StoredObject:
    fields: dict[str, Any] = {**obj.__dict__, "status": status}
    return StoredObject(**fields)
