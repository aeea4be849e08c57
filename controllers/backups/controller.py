"""The backups controller: each backup row dumped from its database's running container, then
verified by restoring it into a scratch server and comparing every table's rows with the
counts taken in the dump's own snapshot (PostgreSQL, MariaDB and Redis: each engine's commands
in its module, the rest here). Only then is it VERIFIED; anything else is FAILED
with the reason, and a partial file never looks complete (written aside, renamed at the end).

The schedule is one global key: it creates the scheduled backups that are due (one per
missed run at most) and sleeps until the next one; a service's edit wakes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from zaneops.adapters.age import AgeFailed
from zaneops.adapters.docker.dumps import RunningContainer, Streamed
from zaneops.adapters.s3 import Bucket
from zaneops.common import backup_key, naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result, Watch
from zaneops.specs import BackupPhase, BackupSpec, ServiceSpec, VolumeSpec
from zaneops.specs.backup import ENDED, ScheduledPolicy, next_run
from zaneops.specs.backup_targets import BackupTargetSpec
from zaneops.specs.databases import DatabaseSource, backed_up_titles
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

from . import platform
from .engine import EngineBackup, Verdict, counts_of, not_the_counts
from .in_place import InPlaceRestores
from .mariadb import MARIADB
from .ports import BackupRows, Dumps, Snapshots
from .postgres import POSTGRES
from .redis import REDIS
from .settings import BackupsSettings
from .targets import TargetFiles
from .verdicts import VERIFIED, Failed, written_to_disk_failed
from .verdicts import ended as _ended
from .verdicts import on_the_way as _phase
from .verdicts import tail as _tail
from .volumes import VolumeSnapshots

FINALIZER = "backups.zaneops.dev/file"
SCHEDULE = Key(Kind.BACKUPS, UUID(int=0))  # not a row: the schedule of every service
STDERR_LIMIT = 256 * 1024
SCRATCH_FOLDER = "/tmp"
# What each engine that is backed up runs (zaneops.specs.databases says which are).
# Copies read back from a backup target, under the backups folder (same disk, same care).
FETCHED = ".fetched"
# An encrypted backup's file: its engine's suffix, then age's.
AGE_SUFFIX = ".age"
# A scheduled backup due while its database is restored in place waits this long, again.
IN_PLACE_WAIT_SECONDS = 30.0
ENGINE_BACKUPS: dict[str, EngineBackup] = {"postgres": POSTGRES, "mariadb": MARIADB, "redis": REDIS}


class BackupsController(Controller):
    name = "backups"
    kind = Kind.BACKUPS
    finalizer = FINALIZER
    global_keys = (SCHEDULE,)

    def __init__(
        self,
        installation: InstallationSettings,
        settings: BackupsSettings,
        rows: BackupRows,
        dumps: Dumps,
        targets: TargetFiles | None = None,
        *,
        snapshots: Snapshots | None = None,
        sealing_key: str | None = None,
    ) -> None:
        self.instance = installation.instance
        self.settings = settings
        self.rows = rows
        self.dumps = dumps
        self.targets = targets
        self._dumping: set[UUID] = set()  # backups this process set DUMPING (not interrupted)
        self.snapshots = snapshots
        self._sealing_key = sealing_key
        self.watches = (Watch(Kind.SERVICES, self._schedule), Watch(Kind.VOLUMES, self._schedule))
        self.in_place = InPlaceRestores(self)
        self._started_at = datetime.now(UTC)  # a platform schedule's first run counts from here
        self.volume_snapshots = VolumeSnapshots(self)

    async def _schedule(self, _: UUID) -> list[Key]:
        return [SCHEDULE]

    # --- one backup ------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        phase = obj.status.details.get("phase")
        if phase in ENDED:
            return Result(obj.status)
        try:
            return await self._step(ctx, obj, phase)
        except Failed as failure:
            self._dumping.discard(obj.id)
            self._drop_fetched(obj.id)
            return Result(_ended(obj.status, BackupPhase.FAILED, failure.reason, failure.message))

    async def _step(self, ctx: Context, obj: StoredObject, phase: object) -> Result:
        if obj.spec.get("volume_id"):
            return await self._snapshot_step(ctx, obj, phase)
        if obj.spec.get("restore_from"):
            return await self._restore_step(ctx, obj)
        if phase is None or (phase == BackupPhase.DUMPING and obj.id not in self._dumping):
            return self._start(obj)
        if phase == BackupPhase.DUMPING:
            return await self._dump(ctx, obj)
        return await self._verify(ctx, obj)

    async def _snapshot_step(self, ctx: Context, obj: StoredObject, phase: object) -> Result:
        """A volume snapshot (volumes.py), or a restore of one into a new volume."""
        if obj.spec.get("restore_from"):
            return await self.volume_snapshots.restore(ctx, obj)
        if phase == BackupPhase.DUMPING and obj.id not in self._dumping:
            ctx.ensure_leader()  # interrupted: what it paused is paused still
            await self.volume_snapshots.unpause_leftovers(obj)
        if phase is None or (phase == BackupPhase.DUMPING and obj.id not in self._dumping):
            return self._start(obj)
        if phase == BackupPhase.DUMPING:
            try:
                return await self.volume_snapshots.take(ctx, obj)
            finally:
                self._dumping.discard(obj.id)
        return await self.volume_snapshots.verify(ctx, obj)

    def _start(self, obj: StoredObject) -> Result:
        """DUMPING, counted as an attempt: one found DUMPING here was interrupted."""
        attempts = int(str(obj.status.details.get("attempts", 0))) + 1
        if attempts > self.settings.max_attempts:
            message = f"interrupted {attempts - 1} times while dumping (the controller stopped)"
            raise Failed("Interrupted", message)
        self._dumping.add(obj.id)
        details = {"attempts": attempts, "started_at": datetime.now(UTC).isoformat()}
        status = _phase(obj.status, BackupPhase.DUMPING, "Dumping", "dumping", details)
        return Result(status, requeue_after=0)

    async def _dump(self, ctx: Context, obj: StoredObject) -> Result:
        spec = BackupSpec.model_validate(obj.spec)
        (engine_name, version), engine, container = await self._what_to_dump(spec)
        recipient = backup_key.recipient(self.sealing_key()) if spec.encrypted else None
        relative = _dump_file(obj, _stored_suffix(obj, engine))
        final = self.settings.root / relative
        partial = final.with_name(final.name + ".partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)  # an interrupted attempt's: never read as this one's
        began = time.monotonic()
        ctx.ensure_leader()
        try:
            streamed, where = await self._dump_into(
                partial,
                relative,
                container_id=container.id,
                engine=engine,
                target=spec.target_id,
                recipient=recipient,
            )
        finally:
            self._dumping.discard(obj.id)
        if streamed.encrypt_failure is not None:
            partial.unlink(missing_ok=True)
            message = f"encrypting the dump failed: {streamed.encrypt_failure}"
            raise Failed("EncryptFailed", message)
        if not _whole(streamed):
            partial.unlink(missing_ok=True)
            said = _tail(not_the_counts(streamed.stderr)) or "nothing"
            message = f"the dump exited with code {streamed.exit_code}; it said: {said}"
            raise Failed("DumpFailed", message)
        tables = counts_of(streamed.stderr)
        if engine.counts_in_file is not None:
            try:
                async with self._plaintext(partial, spec.encrypted, obj.id) as plain:
                    tables = await _counts_in_file(engine.counts_in_file, plain)
            except Failed:
                partial.unlink(missing_ok=True)
                if where is not None and spec.target_id is not None:  # stored, yet no backup
                    await self._targets().forget(spec.target_id, str(relative))
                raise
        partial.replace(final)  # complete only now, under its final name
        if where is not None:
            final.unlink()  # the target holds it: the verification reads it back from there
        details = {
            "file": str(relative),
            "size_bytes": streamed.size,
            "sha256": streamed.sha256,
            "tables": tables,
            "image": container.image,
            "engine": engine_name,
            "version": version,
            "dump_seconds": round(time.monotonic() - began, 3),
        } | ({"location": where} if where else {})
        message = "reading it back from its target and restoring it" if where else "restoring it"
        status = _phase(obj.status, BackupPhase.VERIFYING, "Verifying", message, details)
        return Result(status, requeue_after=0)

    async def _dump_into(
        self,
        partial: Path,
        relative: Path,
        *,
        container_id: str,
        engine: EngineBackup,
        target: UUID | None,
        recipient: str | None,
    ) -> tuple[Streamed, str | None]:
        """The dump written to `partial` (encrypted for `recipient`, if any) and, with a
        target, uploaded to it at the same time (kept there only if the dump is whole); where
        it is stored, if it is."""

        async def write() -> Streamed:
            return await self._stream_dump(container_id, engine, partial, recipient)

        if target is None:
            return await write(), None
        try:
            return await self._targets().upload_while_written(
                target,
                str(relative),
                partial,
                write=write,
                keep=_whole,
                timeout=self.settings.upload_timeout_seconds,
            )
        except Failed:
            partial.unlink(missing_ok=True)  # a failed backup's file: nobody will read it
            raise

    async def _what_to_dump(
        self, spec: BackupSpec
    ) -> tuple[tuple[str, str | None], EngineBackup, RunningContainer]:
        """(engine, version), its commands, and the running container the dump runs in."""
        if spec.platform:
            found = await self.dumps.running_task_of(
                self.instance, platform.swarm_service(self.instance)
            )
            if found is None:
                message = "the platform's database runs in no swarm task here (`zaneops up`)"
                raise Failed("NotRunning", message)
            return ("postgres", None), platform.PLATFORM_POSTGRES, found
        assert spec.service_id is not None
        source, engine = await self._database_of(spec.service_id)
        container = await self._container_of(spec.service_id)
        if container is None:
            raise Failed("NotRunning", "the database has no running container: deploy it first")
        return (source.engine, source.version), engine, container

    async def _stream_dump(
        self, container_id: str, engine: EngineBackup, dest: Path, recipient: str | None
    ) -> Streamed:
        try:
            async with asyncio.timeout(self.settings.dump_timeout_seconds):
                return await self.dumps.stream_to_file(
                    container_id, engine.dump_command, dest, STDERR_LIMIT, recipient=recipient
                )
        except TimeoutError:
            dest.unlink(missing_ok=True)
            limit = self.settings.dump_timeout_seconds
            raise Failed("TimedOut", f"the dump ran past {limit:g} s") from None
        except OSError as error:
            dest.unlink(missing_ok=True)
            raise written_to_disk_failed(error, "the dump") from None

    async def _verify(self, ctx: Context, obj: StoredObject) -> Result:
        details = obj.status.details
        engine = (
            platform.PLATFORM_POSTGRES
            if platform.is_platform(obj)
            else _engine_named(str(details.get("engine", "postgres")))
        )
        path = await self._readable(obj, obj.id)
        await self._same_file(path, str(details["sha256"]))
        began = time.monotonic()
        async with self._plaintext(path, _encrypted(obj), obj.id) as plain:
            restored = await self._restore_in_scratch(ctx, obj, engine, plain)
        verdict = _judged(engine, _tables(details.get("tables")), restored)
        message = f"restored into a scratch server: {verdict.summary}, as at dump time"
        extra = {
            "verify_seconds": round(time.monotonic() - began, 3),
            "verified_rows": verdict.total,
        }
        status = _ended(obj.status, BackupPhase.VERIFIED, VERIFIED, message, extra)
        self._drop_fetched(obj.id)
        await self._keep_the_newest(ctx, obj)
        return Result(status)

    async def _restore_in_scratch(
        self, ctx: Context, obj: StoredObject, engine: EngineBackup, path: Path
    ) -> dict[str, int]:
        """The file restored into a scratch server of the dump's image (removed after): its
        tables' rows."""
        name = self._scratch_name(obj.id)
        labels = {
            naming.LABEL_MANAGED: "true",
            naming.LABEL_INSTANCE: self.instance,
            naming.LABEL_OWNER: f"{Kind.BACKUPS.value}/{obj.id}",
        }
        scratch = engine.scratch_variables(secrets.token_urlsafe(24))
        image = str(obj.status.details["image"])
        ctx.ensure_leader()
        try:
            async with asyncio.timeout(self.settings.verify_timeout_seconds):
                container = await self.dumps.start_scratch(image, name, scratch, labels)
                return await self._restore(container, path, engine)
        except TimeoutError:
            raise Failed(
                "TimedOut", f"the restore check ran past {self.settings.verify_timeout_seconds:g} s"
            ) from None
        finally:
            await self.dumps.remove(name)

    async def _restore(self, container: str, path: Path, engine: EngineBackup) -> dict[str, int]:
        await self._ready(container, engine)
        name = "backup" + engine.file_suffix
        await self.dumps.copy_in(container, path, SCRATCH_FOLDER, name)
        target = f"{SCRATCH_FOLDER}/{name}"
        restore = await self.dumps.run_in(container, [*engine.restore_command, target])
        if restore.exit_code != 0:
            message = f"{engine.restore_tool} failed: {_tail(restore.output)}"
            raise Failed("RestoreFailed", message)
        counted = await self.dumps.run_in(container, engine.count_command)
        if counted.exit_code != 0:
            raise Failed("RestoreFailed", f"counting the restore failed: {_tail(counted.output)}")
        return counts_of(counted.output)

    async def _ready(self, container: str, engine: EngineBackup) -> None:
        deadline = time.monotonic() + self.settings.ready_timeout_seconds
        while (await self.dumps.run_in(container, engine.ready_command)).exit_code != 0:
            if time.monotonic() > deadline:
                raise Failed("RestoreFailed", "the scratch server never accepted connections")
            await asyncio.sleep(0.25)

    async def _same_file(self, path: Path, sha256: str) -> None:
        if not path.is_file():
            raise Failed("FileMissing", f"{path.name} is no longer in the backups folder")
        if await asyncio.to_thread(_sha256_of, path) != sha256:
            raise Failed("Corrupted", f"{path.name} changed since it was written")

    async def _database_of(self, service_id: UUID | None) -> tuple[DatabaseSource, EngineBackup]:
        if service_id is None:  # the platform's: restored by `zaneops restore`, never here
            raise Failed("NotSupported", "the platform's database is restored by zaneops restore")
        service = await self.rows.get(Kind.SERVICES, service_id)
        if service is None or service.is_deleted:
            raise Failed("ServiceGone", "the database service was deleted")
        source = ServiceSpec.model_validate(service.spec).source
        if not isinstance(source, DatabaseSource) or source.engine not in ENGINE_BACKUPS:
            message = f"only {backed_up_titles()} databases are backed up for now"
            raise Failed("NotSupported", message)
        return source, ENGINE_BACKUPS[source.engine]

    # --- a restore into a new database -----------------------------------------------------

    async def _restore_step(self, ctx: Context, obj: StoredObject) -> Result:
        """Waits for the new database to accept connections, loads the backup into it in one
        transaction, and checks every table's rows against the backup's (one into the same
        database: in_place.py)."""
        if obj.spec.get("in_place"):
            return await self.in_place.step(ctx, obj)
        spec = BackupSpec.model_validate(obj.spec)
        if obj.status.details.get("phase") is None:
            details = {"started_at": datetime.now(UTC).isoformat()}
            message = "waiting for the new database to start"
            status = _phase(obj.status, BackupPhase.RESTORING, "Restoring", message, details)
            return Result(status, requeue_after=0)
        assert spec.restore_from is not None
        await self._verified_row(spec.restore_from)
        _, engine = await self._database_of(spec.service_id)
        container = await self._container_of(spec.service_id)
        ready = container is not None and (
            (await self.dumps.run_in(container.id, engine.ready_command)).exit_code == 0
        )
        if container is None or not ready:
            return self._wait_for_the_database(obj)
        # Read (from its target, maybe) only once the database is there to load it.
        async with self.verified_backup_file(spec.restore_from, obj.id) as (path, tables):
            ctx.ensure_leader()
            began = time.monotonic()
            restored = await self._load(container.id, path, tables, obj.id, engine)
        self._drop_fetched(obj.id)
        verdict = _judged(engine, tables, restored)
        message = f"restored from backup {spec.restore_from}: {verdict.summary}, as at its dump"
        extra = {"restore_seconds": round(time.monotonic() - began, 3), "tables": tables}
        return Result(_ended(obj.status, BackupPhase.VERIFIED, VERIFIED, message, extra))

    @contextlib.asynccontextmanager
    async def verified_backup_file(
        self, backup_id: UUID, reader: UUID
    ) -> AsyncIterator[tuple[Path, dict[str, int]]]:
        """The backup's file, checked (and decrypted, if it is encrypted), for `reader` (a
        restore), and its tables' rows; a decrypted copy is removed after."""
        backup = await self._verified_row(backup_id)
        details = backup.status.details
        path = await self._readable(backup, reader)
        await self._same_file(path, str(details["sha256"]))
        async with self._plaintext(path, _encrypted(backup), reader) as plain:
            yield plain, _tables(details.get("tables"))

    @contextlib.asynccontextmanager
    async def _plaintext(self, stored: Path, encrypted: bool, reader: UUID) -> AsyncIterator[Path]:
        """What a restore reads: the stored file, or its decrypted copy (beside the copies
        read back from targets), always removed after."""
        if not encrypted:
            yield stored
            return
        plain = self.settings.root / FETCHED / f"{reader}.decrypted"
        plain.parent.mkdir(parents=True, exist_ok=True)
        try:
            await self._decrypt(stored, plain)
            yield plain
        finally:
            plain.unlink(missing_ok=True)

    async def _decrypt(self, stored: Path, plain: Path) -> None:
        identity = backup_key.identity(self.sealing_key())
        timeout = self.settings.verify_timeout_seconds
        try:
            await self.dumps.decrypt_file(identity, stored, plain, timeout)
        except AgeFailed as error:
            message = f"the backup file could not be decrypted: {error}"
            raise Failed("DecryptFailed", message) from None

    async def encrypts(self, service_id: UUID | None) -> bool:
        """Whether the service's backup policy encrypts its backups (no policy: no)."""
        service = await self.rows.get(Kind.SERVICES, service_id) if service_id else None
        policy = ServiceSpec.model_validate(service.spec).backup if service else None
        return policy is not None and policy.encrypt

    async def verified_row(self, backup_id: UUID) -> StoredObject:
        return await self._verified_row(backup_id)

    def wait_for(self, obj: StoredObject, what: str) -> Result:
        """Again in a second, until `restore_wait_seconds` after the restore started."""
        started = datetime.fromisoformat(str(obj.status.details["started_at"]))
        waited = (datetime.now(UTC) - started).total_seconds()
        if waited > self.settings.restore_wait_seconds:
            raise Failed("NotRunning", f"{what} was not there within {waited:.0f} s")
        return Result(obj.status, requeue_after=1.0)

    def sealing_key(self) -> str:
        """What a snapshot repository's password is derived from."""
        if not self._sealing_key:
            raise Failed("NotSupported", "this controller has no sealing key (ZANE_SECRET_KEY)")
        return self._sealing_key

    async def target_bucket(self, target_id: UUID) -> tuple[BackupTargetSpec, Bucket]:
        return await self._targets().bucket(target_id)

    async def _verified_row(self, backup_id: UUID) -> StoredObject:
        backup = await self.rows.get(Kind.BACKUPS, backup_id)
        if backup is None or backup.is_deleted or _phase_of(backup) != BackupPhase.VERIFIED:
            raise Failed("BackupUnavailable", f"backup {backup_id} is gone or not verified")
        return backup

    def _wait_for_the_database(self, obj: StoredObject) -> Result:
        started = datetime.fromisoformat(str(obj.status.details["started_at"]))
        waited = (datetime.now(UTC) - started).total_seconds()
        if waited > self.settings.restore_wait_seconds:
            message = f"the new database did not accept connections within {waited:.0f} s"
            raise Failed("NotRunning", message)
        return Result(obj.status, requeue_after=1.0)

    async def _load(
        self,
        container: str,
        path: Path,
        tables: dict[str, int],
        restore_id: UUID,
        engine: EngineBackup,
    ) -> dict[str, int]:
        """The backup loaded into an empty database (one already holding exactly the backup's
        rows was restored before a crash: it is checked, not loaded twice)."""
        present = await self.dumps.run_in(container, engine.count_command)
        found = counts_of(present.output)
        if found:
            if not engine.judge(tables, found).problems:
                return found
            raise Failed("NotEmpty", "the database is not empty: a restore goes into a new one")
        name = f"restore-{restore_id.hex[:12]}{engine.file_suffix}"
        await self.dumps.copy_in(container, path, SCRATCH_FOLDER, name)
        target = f"{SCRATCH_FOLDER}/{name}"
        try:
            loaded = await self.dumps.run_in(container, [*engine.restore_command, target])
        finally:
            await self.dumps.run_in(container, ["rm", "-f", target])
        if loaded.exit_code != 0:
            message = f"{engine.restore_tool} failed: {_tail(loaded.output)}"
            raise Failed("RestoreFailed", message)
        counted = await self.dumps.run_in(container, engine.count_command)
        return counts_of(counted.output)

    # --- retention -------------------------------------------------------------------------

    async def _keep_the_newest(self, ctx: Context, verified: StoredObject) -> None:
        """Past the policy's keep_last verified backups, older ones go (failed ones too)."""
        if platform.is_platform(verified):
            return await self._keep_the_newest_of_the_platform(ctx, verified.id)
        spec = BackupSpec.model_validate(verified.spec)
        assert spec.service_id is not None  # of a database (the platform's returned above)
        service = await self.rows.get(Kind.SERVICES, spec.service_id)
        policy = ServiceSpec.model_validate(service.spec).backup if service else None
        if policy is None or verified.parent_id is None:
            return
        mine = await self._backups_of(verified.parent_id, spec.service_id)
        await self._drop_past(ctx, verified, mine, policy)

    async def keep_the_newest_snapshots(
        self, ctx: Context, verified: StoredObject, volume_id: UUID
    ) -> None:
        """Past the volume policy's keep_last verified snapshots, older ones go."""
        volume = await self.rows.get(Kind.VOLUMES, volume_id)
        policy = VolumeSpec.model_validate(volume.spec).backup if volume else None
        if policy is None or verified.parent_id is None:
            return
        mine = await self._snapshots_of(verified.parent_id, volume_id)
        await self._drop_past(ctx, verified, mine, policy)

    async def _drop_past(
        self,
        ctx: Context,
        verified: StoredObject,
        mine: list[StoredObject],
        policy: ScheduledPolicy,
    ) -> None:
        ordered = sorted(mine, key=lambda b: b.created_at, reverse=True)
        kept = [b for b in ordered if _phase_of(b) == BackupPhase.VERIFIED or b.id == verified.id]
        if len(kept) <= policy.keep_last:
            return
        oldest_kept = kept[policy.keep_last - 1].created_at
        for old in ordered:
            if old.created_at < oldest_kept and _phase_of(old) in ENDED:
                ctx.ensure_leader()
                await self.rows.request_delete(Kind.BACKUPS, old.id)

    async def _snapshots_of(self, environment_id: UUID, volume_id: UUID) -> list[StoredObject]:
        """The volume's snapshots (restores into it are not snapshots of it)."""
        return [
            row
            for row in await self.rows.list_children(Kind.BACKUPS, environment_id)
            if not row.is_deleted
            and row.spec.get("volume_id") == str(volume_id)
            and not row.spec.get("restore_from")
        ]

    async def _backups_of(self, environment_id: UUID, service_id: UUID) -> list[StoredObject]:
        """The service's backups (restores into it are not backups of it; a safety backup is
        kept until deleted by hand: it holds what a restore in place replaced)."""
        return [
            row
            for row in await self.rows.list_children(Kind.BACKUPS, environment_id)
            if not row.is_deleted
            and row.spec.get("service_id") == str(service_id)
            and not row.spec.get("restore_from")
            and not row.spec.get("volume_id")
            and row.spec.get("trigger") != "safety"
        ]

    # --- the schedule ----------------------------------------------------------------------

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        now = datetime.now(UTC)
        soonest = self.settings.schedule_check_seconds
        for service_id in await self.rows.list_ids(Kind.SERVICES):
            service = await self.rows.get(Kind.SERVICES, service_id)
            if service is None or service.is_deleted or not service.spec.get("backup"):
                continue
            due = await self._next_due(ctx, service, now)
            soonest = min(soonest, max(1.0, (due - now).total_seconds()))
        due = await self._platform_due(ctx, now)
        soonest = min(soonest, max(1.0, (due - now).total_seconds()))
        for volume_id in await self.rows.list_ids(Kind.VOLUMES):
            volume = await self.rows.get(Kind.VOLUMES, volume_id)
            if volume is None or volume.is_deleted or not volume.spec.get("backup"):
                continue
            due = await self._next_snapshot_due(ctx, volume, now)
            soonest = min(soonest, max(1.0, (due - now).total_seconds()))
        return Result(requeue_after=soonest)

    async def _next_snapshot_due(
        self, ctx: Context, volume: StoredObject, now: datetime
    ) -> datetime:
        """When the volume's next scheduled snapshot is due; made now if it is already (of
        the service that mounts it: none, and it waits for one)."""
        policy = VolumeSpec.model_validate(volume.spec).backup
        assert policy is not None and volume.parent_id is not None
        scheduled = [
            b.created_at
            for b in await self._snapshots_of(volume.parent_id, volume.id)
            if b.spec.get("trigger") == "schedule"
        ]
        due = next_run(policy.schedule, max(scheduled, default=volume.created_at))
        if due > now:
            return due
        owner = await self.mounting_service(volume)
        if owner is None:
            return now + timedelta(seconds=self.settings.schedule_check_seconds)
        ctx.ensure_leader()
        due_one = BackupSpec(
            service_id=owner,
            volume_id=volume.id,
            trigger="schedule",
            target_id=policy.target_id,
            pause=policy.pause,
        )
        await self.rows.create(Kind.BACKUPS, due_one.model_dump(mode="json"), volume.parent_id)
        return next_run(policy.schedule, now)

    async def mounting_service(self, volume: StoredObject) -> UUID | None:
        """The first service (by slug) of the volume's environment that mounts it."""
        assert volume.parent_id is not None
        slug = volume.spec.get("slug")
        services = [
            row
            for row in await self.rows.list_children(Kind.SERVICES, volume.parent_id)
            if not row.is_deleted
            and any(m.get("volume") == slug for m in row.spec.get("volumes") or [])
        ]
        services.sort(key=lambda row: str(row.spec.get("slug")))
        return services[0].id if services else None

    async def _next_due(self, ctx: Context, service: StoredObject, now: datetime) -> datetime:
        """When the service's next scheduled backup is due; made now if it is already."""
        policy = ServiceSpec.model_validate(service.spec).backup
        assert policy is not None and service.parent_id is not None
        scheduled = [
            b.created_at
            for b in await self._backups_of(service.parent_id, service.id)
            if b.spec.get("trigger") == "schedule"
        ]
        due = next_run(policy.schedule, max(scheduled, default=service.created_at))
        if due > now:
            return due
        if await self._restoring_in_place(service):
            return now + timedelta(seconds=IN_PLACE_WAIT_SECONDS)  # its dump would be half-loaded
        ctx.ensure_leader()
        due_one = BackupSpec(
            service_id=service.id,
            trigger="schedule",
            target_id=policy.target_id,
            encrypted=policy.encrypt,
        )
        await self.rows.create(Kind.BACKUPS, due_one.model_dump(mode="json"), service.parent_id)
        return next_run(policy.schedule, now)

    async def _restoring_in_place(self, service: StoredObject) -> bool:
        assert service.parent_id is not None
        return any(
            row.spec.get("in_place")
            and row.spec.get("service_id") == str(service.id)
            and _phase_of(row) not in ENDED
            for row in await self.rows.list_children(Kind.BACKUPS, service.parent_id)
            if not row.is_deleted
        )

    # --- the platform's own database (platform.py) -------------------------------------------

    async def _platform_backups(self) -> list[StoredObject]:
        rows = await self.rows.list_children(Kind.BACKUPS, None)
        return [row for row in rows if not row.is_deleted and platform.is_platform(row)]

    async def _platform_due(self, ctx: Context, now: datetime) -> datetime:
        """When the platform's next scheduled backup is due; made now if it is already."""
        policy = platform.policy_of(await self.rows.setting(platform.POLICY_SETTING))
        backups = await self._platform_backups()
        scheduled = [b.created_at for b in backups if b.spec.get("trigger") == "schedule"]
        # With no scheduled one left (retention may delete them all behind manual ones), from
        # the newest backup: a manual one is not followed by a scheduled one at once.
        since = max([self._started_at, *(b.created_at for b in backups)])
        due = platform.next_due(policy, scheduled, since)
        if due > now:
            return due
        ctx.ensure_leader()
        made = BackupSpec(
            platform=True, trigger="schedule", target_id=policy.target_id, encrypted=policy.encrypt
        )
        await self.rows.create(Kind.BACKUPS, made.model_dump(mode="json"), None)
        return next_run(policy.schedule, now)

    async def _keep_the_newest_of_the_platform(self, ctx: Context, verified: UUID) -> None:
        policy = platform.policy_of(await self.rows.setting(platform.POLICY_SETTING))
        ended = {phase.value for phase in ENDED}
        backups = await self._platform_backups()
        for old in platform.past_retention(backups, policy.keep_last, ended, verified):
            ctx.ensure_leader()
            await self.rows.request_delete(Kind.BACKUPS, old)

    # --- deletion --------------------------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        """The backup's files go with it; nothing else in the folder is touched."""
        ctx.ensure_leader()
        await self.dumps.remove(self._scratch_name(obj.id))
        if obj.spec.get("volume_id"):
            if _phase_of(obj) == BackupPhase.DUMPING and obj.id not in self._dumping:
                await self.volume_snapshots.unpause_leftovers(obj)  # deleted once interrupted
            await self.volume_snapshots.forget(obj)
            return Result()
        await self._delete_stored(obj)
        self._drop_fetched(obj.id)
        for engine in ENGINE_BACKUPS.values():  # a partial file does not say its engine
            final = self.settings.root / _dump_file(obj, _stored_suffix(obj, engine))
            for path in (final, final.with_name(final.name + ".partial")):
                path.unlink(missing_ok=True)
        return Result()

    async def forget(self, ctx: Context, key: Key) -> None:
        self._dumping.discard(key.id)

    # --- files kept in a backup target -----------------------------------------------------

    def _targets(self) -> TargetFiles:
        if self.targets is None:
            raise Failed("TargetUnusable", "this controller was started without object stores")
        return self.targets

    async def _readable(self, backup: StoredObject, reader: UUID) -> Path:
        """The backup's file on this machine: in the backups folder, or read back from its
        target into a copy of the reader's (a verification's or a restore's), dropped after."""
        details = backup.status.details
        target_id = BackupSpec.model_validate(backup.spec).target_id
        relative = str(details["file"])
        if target_id is None or not details.get("location"):
            return self.settings.root / relative
        copy = self._fetched(reader, Path(relative).suffix)
        await self._targets().fetch(target_id, relative, copy)
        return copy

    def _fetched(self, reader: UUID, suffix: str) -> Path:
        return self.settings.root / FETCHED / f"{reader}{suffix}"

    def _drop_fetched(self, reader: UUID) -> None:
        for copy in (self.settings.root / FETCHED).glob(f"{reader}.*"):
            copy.unlink(missing_ok=True)

    async def _delete_stored(self, obj: StoredObject) -> None:
        """Its object in the target, if it may have been stored there (a gone target: nothing
        to ask). The key is the file's, whatever the status says: an upload may have ended
        before a crash kept its status from being written."""
        target_id = BackupSpec.model_validate(obj.spec).target_id
        if target_id is None or self.targets is None or obj.spec.get("restore_from"):
            return
        for engine in ENGINE_BACKUPS.values():  # a failed dump does not say its engine
            relative = _dump_file(obj, _stored_suffix(obj, engine))
            await self.targets.delete(target_id, str(relative))

    async def _container_of(self, service_id: UUID | None) -> RunningContainer | None:
        if service_id is None:
            return None
        owner = f"{Kind.SERVICES.value}/{service_id}"
        return await self.dumps.running_container(self.instance, owner)

    def scratch_name(self, backup_id: UUID) -> str:
        return self._scratch_name(backup_id)

    def _scratch_name(self, backup_id: UUID) -> str:
        """The scratch server a verification restores into (removed after, and on deletion)."""
        return f"{self.instance}-backup-check-{backup_id.hex[:12]}"


def _dump_file(backup: StoredObject, suffix: str) -> Path:
    """Where a backup's file is, relative to the backups folder."""
    if backup.parent_id is None:
        return platform.dump_file(backup.id, suffix)
    return Path(str(backup.parent_id)) / f"{backup.id}{suffix}"


def _stored_suffix(backup: StoredObject, engine: EngineBackup) -> str:
    """Its file's suffix: the engine's ("pgdump"), then ".age" when it is encrypted."""
    return engine.file_suffix + (AGE_SUFFIX if _encrypted(backup) else "")


def _encrypted(backup: StoredObject) -> bool:
    return bool(backup.spec.get("encrypted"))


def _whole(streamed: Streamed) -> bool:
    """A dump is kept when it exited 0 with bytes, encrypted if asked (anything else fails)."""
    return streamed.exit_code == 0 and streamed.size > 0 and streamed.encrypt_failure is None


def _engine_named(engine: str) -> EngineBackup:
    """The engine a dump recorded (one of a platform that backed up more engines: refused)."""
    if engine not in ENGINE_BACKUPS:
        raise Failed("NotSupported", f"this platform does not restore {engine} dumps")
    return ENGINE_BACKUPS[engine]


async def _counts_in_file(read: Callable[[Path], dict[str, int]], path: Path) -> dict[str, int]:
    """The counts the dump file holds; a file that is not whole is no backup."""
    try:
        return await asyncio.to_thread(read, path)
    except ValueError as error:
        raise Failed("DumpFailed", f"the dump is not a whole file: {error}") from None


def _judged(engine: EngineBackup, dumped: dict[str, int], restored: dict[str, int]) -> Verdict:
    verdict = engine.judge(dumped, restored)
    if verdict.problems:
        raise Failed("VerifyFailed", "the restore differs: " + "; ".join(verdict.problems))
    return verdict


def _tables(raw: object) -> dict[str, int]:
    return {str(k): int(str(v)) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _phase_of(obj: StoredObject) -> str | None:
    phase = obj.status.details.get("phase")
    return str(phase) if phase is not None else None
