"""Volume snapshots (a backups row with volume_id), run by the backups controller with restic in
short-lived containers that mount the volume (read-only) and the repository.

- DUMPING: `restic backup` of the volume (its services paused around it if asked: always
  unpaused in a finally), and the manifest of its files (snapshots.py). Not paused, a manifest
  is taken before the backup too: the files that differ between the two changed while being
  read, are named, and are left out of the checks.
- VERIFYING: `restic check --read-data` (or a subset), then `restic restore --verify` into a
  scratch container, whose manifest must equal the recorded one: VERIFIED, else FAILED.
- A restore (restore_from, volume_id: the new volume): once the volume exists, the snapshot is
  restored into it (refused unless empty), and its manifest checked the same way.

The repository is `<root>/restic/<volume id>`, or `restic/<volume id>` under a backup target's
prefix; its password is derived from the sealing key (snapshots.repository_password).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from zaneops.adapters.docker.snapshots import Finished, Mounted, VolumeMissing
from zaneops.common import naming
from zaneops.runtime.controller import Context, Result
from zaneops.specs import BackupPhase, BackupSpec, ConditionStatus, ServiceSpec, VolumeSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from . import snapshots as rs
from .ports import Snapshots
from .verdicts import VERIFIED, Failed, ended, on_the_way, tail

if TYPE_CHECKING:
    from .controller import BackupsController

MANIFEST_SUFFIX = ".manifest"
CHANGED_SHOWN = 50  # paths that changed while read, kept in the details
CHANGED = "changed"  # a manifest file's entry for a path that changed while read


class VolumeSnapshots:
    """The steps of volume snapshots and their restores, for the backups controller (`host`)."""

    def __init__(self, host: BackupsController) -> None:
        self.host = host
        # One restic run at a time per volume's repository: restic fails at once on a lock
        # another holds (`check` and `prune` take an exclusive one), and a snapshot's pause
        # is not undone by another's leftover unpausing.
        self._locks: dict[UUID, asyncio.Lock] = {}

    @asynccontextmanager
    async def _one_at_a_time(self, volume_id: UUID) -> AsyncIterator[None]:
        async with self._locks.setdefault(volume_id, asyncio.Lock()):
            yield

    @property
    def containers(self) -> Snapshots:
        if self.host.snapshots is None:
            raise Failed("NotSupported", "this controller was started without snapshots")
        return self.host.snapshots

    # --- a snapshot --------------------------------------------------------------------------

    async def take(self, ctx: Context, obj: StoredObject) -> Result:
        spec = BackupSpec.model_validate(obj.spec)
        assert spec.volume_id is not None
        volume = await self._volume(spec.volume_id)
        repository = await self._repository(spec.volume_id, spec.target_id)
        environment = {
            **repository.environment,
            "BACKUP_TAG": _tag(obj.id),
            "MANIFEST_BEFORE": "0" if spec.pause else "1",
        }
        mounts = [_volume_mount(self.host.instance, volume, "/data", read_only=True)]
        async with self._one_at_a_time(spec.volume_id):
            began = time.monotonic()
            ctx.ensure_leader()
            paused = await self._paused_services(volume) if spec.pause else []
            settings = self.host.settings
            timeout = (
                settings.snapshot_pause_timeout_seconds if paused else settings.dump_timeout_seconds
            )
            try:
                finished = await self._run(
                    obj.id,
                    rs.SNAPSHOT_SCRIPT,
                    environment,
                    mounts + repository.mounts,
                    repository,
                    timeout=min(timeout, settings.dump_timeout_seconds),
                )
            finally:
                for container in paused:
                    await self.containers.unpause(container)
        if finished.exit_code != 0:
            said = tail(finished.stderr) or "nothing"
            raise Failed("DumpFailed", f"restic backup exited {finished.exit_code}: {said}")
        return self._recorded(
            obj, spec=spec, volume=volume, finished=finished, began=began, paused=len(paused)
        )

    def _recorded(
        self,
        obj: StoredObject,
        *,
        spec: BackupSpec,
        volume: StoredObject,
        finished: Finished,
        began: float,
        paused: int,
    ) -> Result:
        summary = rs.summary_of(finished.stdout)
        manifest = rs.manifest_of(finished.stdout)
        changed = [] if spec.pause else _changed(finished.stdout, manifest)
        # Every path that changed while read is marked in the manifest file (the details
        # name only the first CHANGED_SHOWN): each is left out of the checks.
        recorded = manifest.lines | dict.fromkeys(changed, CHANGED)
        relative = _manifest_file(obj)
        path = self.host.settings.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{e}  {p}\n" for p, e in sorted(recorded.items())))
        details = {
            "engine": "restic",
            "volume_slug": volume.spec.get("slug"),
            "snapshot_id": str(summary.get("snapshot_id", "")),
            "files": manifest.files,
            "size_bytes": int(str(summary.get("total_bytes_processed", 0))),
            "manifest": str(relative),
            "manifest_sha256": rs.digest_of(recorded),
            "manifest_entries": len(manifest.lines),
            "changed_while_read": changed[:CHANGED_SHOWN],
            "changed_count": len(changed),
            "paused_containers": paused,
            "dump_seconds": round(time.monotonic() - began, 3),
        }
        message = "restoring it into a scratch container"
        status = on_the_way(obj.status, BackupPhase.VERIFYING, "Verifying", message, details)
        return Result(status, requeue_after=0)

    async def verify(self, ctx: Context, obj: StoredObject) -> Result:
        spec = BackupSpec.model_validate(obj.spec)
        assert spec.volume_id is not None
        details = obj.status.details
        recorded = self._recorded_manifest(obj)
        repository = await self._repository(spec.volume_id, spec.target_id)
        subset = self.host.settings.snapshot_check_subset
        environment = {
            **repository.environment,
            "SNAPSHOT_ID": str(details["snapshot_id"]),
            "CHECK_SUBSET": subset,
        }
        async with self._one_at_a_time(spec.volume_id):
            began = time.monotonic()
            ctx.ensure_leader()
            finished = await self._run(
                obj.id, rs.VERIFY_SCRIPT, environment, repository.mounts, repository
            )
        if finished.exit_code != 0:
            raise _restic_failed(finished)
        changed = _changed_paths(recorded, details)
        count = _judged(recorded, rs.manifest_of(finished.stdout), changed)
        message = f"restored into a scratch container: {count} entries, checksums equal"
        if changed:
            message += (
                f"; {details.get('changed_count')} changed while being read, not checked: "
                + rs.named(changed)
            )
        checked = "a subset of its data" if subset else "all its data"
        extra = {
            "verify_seconds": round(time.monotonic() - began, 3),
            "verified_entries": count,
            "repository_checked": checked,
        }
        status = ended(obj.status, BackupPhase.VERIFIED, VERIFIED, message, extra)
        await self.host.keep_the_newest_snapshots(ctx, obj, spec.volume_id)
        return Result(status)

    # --- a restore into a new volume -----------------------------------------------------

    async def restore(self, ctx: Context, obj: StoredObject) -> Result:
        spec = BackupSpec.model_validate(obj.spec)
        assert spec.volume_id is not None and spec.restore_from is not None
        if obj.status.details.get("phase") is None:
            new = await self.host.rows.get(Kind.VOLUMES, spec.volume_id)
            details = {
                "started_at": datetime.now(UTC).isoformat(),
                "volume_slug": new.spec.get("slug") if new else None,
            }
            message = "waiting for the new volume"
            status = on_the_way(obj.status, BackupPhase.RESTORING, "Restoring", message, details)
            return Result(status, requeue_after=0)
        snapshot = await self.host.verified_row(spec.restore_from)
        source = BackupSpec.model_validate(snapshot.spec)
        if source.volume_id is None:
            raise Failed("NotSupported", "a database backup is restored into a database")
        volume = await self._volume(spec.volume_id)
        if not _ready(volume):
            return self.host.wait_for(obj, "the new volume")
        repository = await self._repository(source.volume_id, source.target_id)
        environment = {
            **repository.environment,
            "SNAPSHOT_ID": str(snapshot.status.details["snapshot_id"]),
        }
        into = _volume_mount(self.host.instance, volume, rs.RESTORE_ROOT, read_only=False)
        async with self._one_at_a_time(source.volume_id):
            began = time.monotonic()
            ctx.ensure_leader()
            finished = await self._run(
                obj.id, rs.RESTORE_SCRIPT, environment, [into, *repository.mounts], repository
            )
        if finished.exit_code not in (0, rs.NOT_EMPTY_EXIT):
            raise _restic_failed(finished)
        recorded = self._recorded_manifest(snapshot)
        changed = _changed_paths(recorded, snapshot.status.details)
        found = rs.manifest_of(finished.stdout)
        if finished.exit_code == rs.NOT_EMPTY_EXIT and _differs(recorded, found, changed):
            message = "the volume is not empty: a snapshot is restored into a new one"
            raise Failed("NotEmpty", message)
        count = _judged(recorded, found, changed)  # a full one: restored before a crash
        message = f"restored from snapshot {spec.restore_from}: {count} entries, checksums equal"
        extra = {
            "restore_seconds": round(time.monotonic() - began, 3),
            "verified_entries": count,
            "volume_slug": volume.spec.get("slug"),
        }
        return Result(ended(obj.status, BackupPhase.VERIFIED, VERIFIED, message, extra))

    # --- deletion --------------------------------------------------------------------------

    async def forget(self, obj: StoredObject) -> None:
        """The snapshots tagged with this backup's id forgotten (and pruned), and its manifest
        removed; nothing it did not create. A failed snapshot's repository is asked once."""
        spec = BackupSpec.model_validate(obj.spec)
        (self.host.settings.root / _manifest_file(obj)).unlink(missing_ok=True)
        if spec.restore_from is not None or spec.volume_id is None or self.host.snapshots is None:
            return
        try:
            repository = await self._repository(spec.volume_id, spec.target_id)
        except Failed as failure:
            if failure.reason == "TargetGone":
                return
            raise
        environment = {**repository.environment, "BACKUP_TAG": _tag(obj.id)}
        async with self._one_at_a_time(spec.volume_id):
            finished = await self._run(
                obj.id, rs.FORGET_SCRIPT, environment, repository.mounts, repository
            )
        failed = obj.status.details.get("phase") == BackupPhase.FAILED
        if finished.exit_code != 0 and not failed:
            raise RuntimeError(f"restic forget failed: {tail(finished.stderr)}")

    # --- helpers ---------------------------------------------------------------------------

    async def _run(  # noqa: PLR0917 (the script and what it runs with)
        self,
        backup_id: UUID,
        script: str,
        environment: dict[str, str],
        mounts: list[Mounted],
        repository: rs.Repository,
        timeout: float | None = None,
    ) -> Finished:
        labels = {
            naming.LABEL_MANAGED: "true",
            naming.LABEL_INSTANCE: self.host.instance,
            naming.LABEL_OWNER: f"{Kind.BACKUPS.value}/{backup_id}",
        }
        timeout = timeout or self.host.settings.dump_timeout_seconds
        try:
            finished: Finished = await self.containers.run(
                self.host.settings.snapshot_image,
                self.host.scratch_name(backup_id),
                script,
                environment=environment,
                mounts=mounts,
                labels=labels,
                network=repository.network,
                timeout=timeout,
            )
        except TimeoutError:
            raise Failed("TimedOut", f"restic ran past {timeout:g} s") from None
        except VolumeMissing as missing:
            message = f"Docker volume {missing} is not on this controller's node"
            raise Failed("VolumeNotHere", message) from None
        return finished

    async def _volume(self, volume_id: UUID) -> StoredObject:
        volume = await self.host.rows.get(Kind.VOLUMES, volume_id)
        if volume is None or volume.is_deleted:
            raise Failed("VolumeGone", f"volume {volume_id} was deleted")
        return volume

    async def _repository(self, volume_id: UUID, target_id: UUID | None) -> rs.Repository:
        password = rs.repository_password(self.host.sealing_key(), str(volume_id))
        if target_id is None:
            folder = self.host.settings.root / "restic" / str(volume_id)
            folder.mkdir(parents=True, exist_ok=True)
            return rs.local_repository(str(folder), password)
        target, bucket = await self.host.target_bucket(target_id)
        return rs.s3_repository(bucket, target.key_of(f"restic/{volume_id}"), password)

    async def unpause_leftovers(self, obj: StoredObject) -> None:
        """After a snapshot that paused its volume's services was interrupted (the controller
        stopped in between), the containers it left paused unpaused: nothing else will."""
        spec = BackupSpec.model_validate(obj.spec)
        if not spec.pause or spec.volume_id is None or self.host.snapshots is None:
            return
        volume = await self.host.rows.get(Kind.VOLUMES, spec.volume_id)
        if volume is None or volume.parent_id is None:
            return
        async with self._one_at_a_time(spec.volume_id):  # not a running snapshot's pause
            for owner in await self._owners_mounting(volume):
                for container in await self.containers.paused_of(self.host.instance, owner):
                    await self.containers.unpause(container)

    async def _owners_mounting(self, volume: StoredObject) -> list[str]:
        """The owners ("services/<id>") of the services mounting the volume."""
        slug = volume.spec.get("slug")
        assert volume.parent_id is not None
        owners = []
        for service in await self.host.rows.list_children(Kind.SERVICES, volume.parent_id):
            mounts = ServiceSpec.model_validate(service.spec).volumes
            if service.is_deleted or not any(m.volume == slug for m in mounts):
                continue
            owners.append(f"{Kind.SERVICES.value}/{service.id}")
        return owners

    async def _paused_services(self, volume: StoredObject) -> list[str]:
        """The running containers of every service mounting the volume, paused (a failure
        unpauses those already paused)."""
        paused: list[str] = []
        try:
            for owner in await self._owners_mounting(volume):
                for container in await self.containers.running_of(self.host.instance, owner):
                    await self.containers.pause(container)
                    paused.append(container)
        except BaseException:
            for container in paused:
                await self.containers.unpause(container)
            raise
        return paused

    def _recorded_manifest(self, snapshot: StoredObject) -> dict[str, str]:
        path = self.host.settings.root / _manifest_file(snapshot)
        if not path.is_file():
            raise Failed("FileMissing", f"{path.name} is no longer in the backups folder")
        manifest = rs.manifest_of(
            "".join(f"{rs.MANIFEST_LINE}{line}\n" for line in path.read_text().splitlines())
        )
        if manifest.digest != snapshot.status.details.get("manifest_sha256"):
            raise Failed("Corrupted", f"{path.name} changed since it was written")
        return manifest.lines


def _changed_paths(recorded: dict[str, str], details: dict[str, object]) -> list[str]:
    """The paths that changed while read: marked in the manifest (older snapshots: the ones
    their details name)."""
    marked = [path for path, entry in recorded.items() if entry == CHANGED]
    return list(dict.fromkeys(marked + _paths(details.get("changed_while_read"))))


def _paths(raw: object) -> list[str]:
    return [str(path) for path in raw] if isinstance(raw, list) else []


def _tag(backup_id: UUID) -> str:
    return f"zane-backup-{backup_id}"


def _manifest_file(backup: StoredObject) -> Path:
    return Path(str(backup.parent_id)) / f"{backup.id}{MANIFEST_SUFFIX}"


def _volume_mount(instance: str, volume: StoredObject, target: str, read_only: bool) -> Mounted:
    spec = VolumeSpec.model_validate(volume.spec)
    if spec.kind == "host_path":
        return Mounted("bind", str(spec.host_path), target, read_only)
    return Mounted("volume", naming.docker_volume(instance, volume.id), target, read_only)


def _ready(volume: StoredObject) -> bool:
    condition = volume.status.condition("Ready")
    return condition is not None and condition.status == ConditionStatus.TRUE


def _changed(stdout: str, after: rs.Manifest) -> list[str]:
    return rs.changed_while_read(rs.manifest_of(stdout, rs.BEFORE_LINE), after)


def _differs(recorded: dict[str, str], found: rs.Manifest, changed: list[str]) -> bool:
    return bool(rs.differences(rs.without(recorded, changed), rs.without(found.lines, changed)))


def _judged(recorded: dict[str, str], restored: rs.Manifest, changed: list[str]) -> int:
    """The entries checked; raises VerifyFailed naming the paths that differ."""
    expected = rs.without(recorded, changed)
    problems = rs.differences(expected, rs.without(restored.lines, changed))
    if problems:
        raise Failed("VerifyFailed", "the restore differs: " + rs.named(problems))
    return len(expected)


def _restic_failed(finished: Finished) -> Failed:
    """restic's own words; a failed `restic check` says the repository is damaged."""
    step = rs.failed_step(finished.stderr)
    said = tail(finished.stderr) or "nothing"
    if step == "check":
        return Failed("Corrupted", f"restic check found the repository damaged: {said}")
    return Failed("RestoreFailed", f"restic restore exited {finished.exit_code}: {said}")
