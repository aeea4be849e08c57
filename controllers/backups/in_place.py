"""Restoring a verified backup into the database it came from (a backups row with in_place).

- SAFETY_BACKUP: a backup of what the database holds now (trigger "safety"), made by this
  controller like any other and waited for until VERIFIED. If it fails, nothing was touched:
  FAILED `SafetyBackupFailed`.
- RESTORING, step "load": the engine cuts the database's clients off and loads the backup into
  an empty database (PostgreSQL: one aside; MariaDB: the database itself, made again; Redis:
  the live server, its clients' writes held), and what it made is judged against the backup's
  counts (the engine's judge). A difference lets the clients back in: FAILED.
- RESTORING, step "finish": the load made live (PostgreSQL: swapped in; Redis: written to what
  a restart reads), the clients let back in, the live database counted (unless the load's
  count already was the live one's, the clients held off): VERIFIED, or FAILED naming the
  difference.

Every failure after the safety backup names it (message and details): it holds what was there.
Each step is one reconcile whose outcome is written before the next starts, so a controller
restarted mid-way repeats at most the step it was in, and each may be repeated: the safety
backup made before a crash is found again (never a second one), a load starts again from an
empty database (never on top of the first), and finishing is idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from zaneops.runtime.controller import Context, Result
from zaneops.specs import BackupPhase, BackupSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .engine import EngineBackup, InPlace, Verdict, counts_of
from .verdicts import VERIFIED, Failed, ended, on_the_way, tail

if TYPE_CHECKING:
    from .controller import BackupsController

LOAD, FINISH = "load", "finish"
SAFETY_POLL_SECONDS = 1.0
SCRATCH_FOLDER = "/tmp"


class InPlaceRestores:
    """The steps of restores in place, run by the backups controller (`host`), whose helpers
    find the database, its container and the backup's checked file."""

    def __init__(self, host: BackupsController) -> None:
        self.host = host

    async def step(self, ctx: Context, obj: StoredObject) -> Result:
        spec = BackupSpec.model_validate(obj.spec)
        phase = obj.status.details.get("phase")
        if phase is None:
            return await self._begin(obj, spec)
        if phase == BackupPhase.SAFETY_BACKUP:
            return await self._wait_for_the_safety_backup(ctx, obj, spec)
        if obj.status.details.get("step") == FINISH:
            return await self._finish(ctx, obj, spec)
        return await self._load(ctx, obj, spec)

    async def _begin(self, obj: StoredObject, spec: BackupSpec) -> Result:
        """Refused before anything is made when the backup or the engine cannot do it."""
        assert spec.restore_from is not None
        backup = await self.host._verified_row(spec.restore_from)
        await self._engine_of(spec)
        await self._same_engine(backup, spec)
        details = {"started_at": datetime.now(UTC).isoformat()}
        message = "backing up the current contents first"
        status = on_the_way(obj.status, BackupPhase.SAFETY_BACKUP, "SafetyBackup", message, details)
        return Result(status, requeue_after=0)

    async def _wait_for_the_safety_backup(
        self, ctx: Context, obj: StoredObject, spec: BackupSpec
    ) -> Result:
        safety = await self._safety_backup(ctx, obj, spec)
        if safety is None or safety.is_deleted:
            raise Failed("SafetyBackupFailed", "the safety backup was deleted: nothing was touched")
        said = safety.status.details.get("phase")
        details = {"safety_backup_id": str(safety.id)}
        if said == BackupPhase.FAILED:
            raise Failed(
                "SafetyBackupFailed",
                f"the safety backup {safety.id} failed ({_verdict_of(safety)}): nothing was "
                "touched",
            )
        if said != BackupPhase.VERIFIED:
            message = f"backing up the current contents first (safety backup {safety.id})"
            status = on_the_way(
                obj.status, BackupPhase.SAFETY_BACKUP, "SafetyBackup", message, details
            )
            return Result(status, requeue_after=SAFETY_POLL_SECONDS)
        message = "cutting the clients off and loading the backup"
        details |= {"step": LOAD}
        status = on_the_way(obj.status, BackupPhase.RESTORING, "Restoring", message, details)
        return Result(status, requeue_after=0)

    async def _safety_backup(
        self, ctx: Context, obj: StoredObject, spec: BackupSpec
    ) -> StoredObject | None:
        """The restore's safety backup: the one it recorded, else one made for it before a
        crash (none was recorded yet), else a new one."""
        known = obj.status.details.get("safety_backup_id")
        if known is not None:
            return await self.host.rows.get(Kind.BACKUPS, UUID(str(known)))
        assert obj.parent_id is not None
        siblings = await self.host.rows.list_children(Kind.BACKUPS, obj.parent_id)
        made = made_for(obj, siblings)
        if made is not None:
            return made
        ctx.ensure_leader()
        encrypted = await self.host.encrypts(spec.service_id)  # as the policy says now
        safety = BackupSpec(service_id=spec.service_id, trigger="safety", encrypted=encrypted)
        return await self.host.rows.create(
            Kind.BACKUPS, safety.model_dump(mode="json"), obj.parent_id
        )

    async def _load(self, ctx: Context, obj: StoredObject, spec: BackupSpec) -> Result:
        assert spec.restore_from is not None
        engine, in_place = await self._engine_of(spec)
        container = await self._running(obj, spec)
        ctx.ensure_leader()
        name = f"restore-{obj.id.hex[:12]}{engine.file_suffix}"
        try:
            async with self.host.verified_backup_file(spec.restore_from, obj.id) as (path, tables):
                await self.host.dumps.copy_in(container, path, SCRATCH_FOLDER, name)
        except Failed:
            # A load cut off by a crash left the clients out: let them back in.
            await self._abandon(container, in_place)
            raise
        target = f"{SCRATCH_FOLDER}/{name}"
        try:
            loaded = await self.host.dumps.run_in(container, [*in_place.load_command, target])
        finally:
            await self.host.dumps.run_in(container, ["rm", "-f", target])
            self.host._drop_fetched(obj.id)  # a copy read back from a backup target
        if loaded.exit_code != 0:
            await self._abandon(container, in_place)
            said = f"{engine.restore_tool} failed: {tail(loaded.output)}"
            raise Failed("RestoreFailed", said + _after_a_failed_load(obj, in_place))
        counted = await self.host.dumps.run_in(container, in_place.count_command)
        verdict = engine.judge(tables, counts_of(counted.output))
        if counted.exit_code != 0 or verdict.problems:
            await self._abandon(container, in_place)
            said = _what_differs(counted.exit_code, counted.output, verdict)
            raise Failed(
                "VerifyFailed", "the load differs: " + said + _after_a_failed_load(obj, in_place)
            )
        message = "loaded and counted: making it the database's contents"
        details = {"step": FINISH, "tables": tables, "loaded": verdict.summary}
        status = on_the_way(obj.status, BackupPhase.RESTORING, "Restoring", message, details)
        return Result(status, requeue_after=0)

    async def _finish(self, ctx: Context, obj: StoredObject, spec: BackupSpec) -> Result:
        engine, in_place = await self._engine_of(spec)
        container = await self._running(obj, spec)
        ctx.ensure_leader()
        finished = await self.host.dumps.run_in(container, in_place.finish_command)
        if finished.exit_code != 0:
            said = f"making the load live failed: {tail(finished.output)}"
            raise Failed("RestoreFailed", said + _held_by_the_safety_backup(obj))
        tables = _tables(obj.status.details.get("tables"))
        if in_place.recounted:
            summary = await self._live_counted(obj, container, engine, tables)
        else:  # judged at the load, of the live contents already
            summary = str(obj.status.details.get("loaded") or engine.judge(tables, tables).summary)
        message = (
            f"restored in place from backup {spec.restore_from}: {summary}, as at its dump"
            f"; the previous contents are in safety backup {_safety_id(obj)}"
        )
        extra = {"restore_seconds": _seconds_since(str(obj.status.details["started_at"]))}
        return Result(ended(obj.status, BackupPhase.VERIFIED, VERIFIED, message, extra))

    async def _live_counted(
        self, obj: StoredObject, container: str, engine: EngineBackup, tables: dict[str, int]
    ) -> str:
        """The live database judged against the backup, once its clients are back: the
        verdict's summary, or VerifyFailed."""
        counted = await self.host.dumps.run_in(container, engine.count_command)
        verdict = engine.judge(tables, counts_of(counted.output))
        if counted.exit_code != 0 or verdict.problems:
            said = _what_differs(counted.exit_code, counted.output, verdict)
            raise Failed(
                "VerifyFailed", "the restore differs: " + said + _held_by_the_safety_backup(obj)
            )
        return verdict.summary

    async def _same_engine(self, backup: StoredObject, spec: BackupSpec) -> None:
        """A backup's file loads only into its own engine (the API refuses another's too)."""
        source, _ = await self.host._database_of(spec.service_id)
        dumped_by = str(backup.status.details.get("engine", "postgres"))
        if dumped_by != source.engine:
            message = f"a {dumped_by} backup cannot replace a {source.engine} database's contents"
            raise Failed("NotSupported", message)

    async def _engine_of(self, spec: BackupSpec) -> tuple[EngineBackup, InPlace]:
        source, engine = await self.host._database_of(spec.service_id)
        if engine.in_place is None:
            message = f"a {source.engine} database is restored only into a new one for now"
            raise Failed("NotSupported", message)
        return engine, engine.in_place

    async def _running(self, obj: StoredObject, spec: BackupSpec) -> str:
        container = await self.host._container_of(spec.service_id)
        if container is None:
            said = "the database has no running container"
            raise Failed("NotRunning", said + _held_by_the_safety_backup(obj))
        return container.id

    async def _abandon(self, container: str, in_place: InPlace) -> None:
        """The clients let back in after a failed load (what they find: _after_a_failed_load)."""
        await self.host.dumps.run_in(container, in_place.abandon_command)


def made_for(restore: StoredObject, backups: list[StoredObject]) -> StoredObject | None:
    """The safety backup made for `restore` before a crash kept it from being recorded: the
    first of its service made since the restore was asked for (one restore in place of a
    service runs at a time)."""
    service = restore.spec.get("service_id")
    found = [
        row
        for row in backups
        if row.spec.get("trigger") == "safety"
        and row.spec.get("service_id") == service
        and row.created_at >= restore.created_at
        and not row.is_deleted
    ]
    return min(found, key=lambda row: row.created_at, default=None)


def _what_differs(exit_code: int, output: str, verdict: Verdict) -> str:
    """The verdict's problems, or what a count that failed said."""
    return "; ".join(verdict.problems) if exit_code == 0 else tail(output)


def _tables(raw: object) -> dict[str, int]:
    return {str(k): int(str(v)) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _safety_id(restore: StoredObject) -> str:
    return str(restore.status.details.get("safety_backup_id"))


def _held_by_the_safety_backup(restore: StoredObject) -> str:
    return f"; the previous contents are in safety backup {_safety_id(restore)}"


def _after_a_failed_load(restore: StoredObject, in_place: InPlace) -> str:
    if in_place.keeps_contents_on_failure:
        return (
            "; the database was left as it was (its contents are also in safety backup "
            f"{_safety_id(restore)})"
        )
    return "; the database holds what the load made" + _held_by_the_safety_backup(restore)


def _verdict_of(backup: StoredObject) -> str:
    messages = [c.message for c in backup.status.conditions if c.type == VERIFIED]
    return messages[0] if messages else "no reason given"


def _seconds_since(started_at: str) -> float:
    return round((datetime.now(UTC) - datetime.fromisoformat(started_at)).total_seconds(), 3)
