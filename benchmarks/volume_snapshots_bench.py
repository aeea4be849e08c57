"""A volume snapshot through the backups controller against raw restic, in one run on the same
volume.

python -m benchmarks.volume_snapshots_bench [MIB] [ROUNDS]   (default 500 MiB, 2 rounds)

Fills a Docker volume with MIB of random (incompressible) files: 1 MiB files, and a tenth of
the size in 16 KiB files in a nested tree. Then, alternating, ROUNDS times each, each into a
new repository in a folder of the host:
- raw: `restic init && restic backup .` of the volume, in a container of the same image;
- ours: the controller's snapshot (its reconcile: restic backup, plus a manifest of every
  file's sha256 taken before and after, since the service is not paused);
- ours, paused: the same with `pause` (no service mounts the volume here: nothing is paused,
  and the manifest is taken once, after the backup).
Then the verification: raw `restic check --read-data && restic restore --verify` into a
scratch container against the controller's (the same, plus the restored files' manifest
compared with the recorded one). Prints seconds, MB/s of the volume, and the ratios.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker

from controllers.backups.controller import BackupsController
from controllers.backups.settings import BackupsSettings
from tests.support.images import CONTEXTS, ensure_built
from zaneops.adapters.docker.dumps import DatabaseDumps
from zaneops.adapters.docker.snapshots import SnapshotContainers
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

IMAGE = "zaneops-test/restic:local"
PASSWORD = "bench-password"
FILL = (
    "set -e; cd /data; i=0; while [ $i -lt $BIG ]; do "
    "head -c 1048576 /dev/urandom > big$i.bin; i=$((i+1)); done; "
    "j=0; while [ $j -lt $SMALL ]; do d=tree/$((j % 8))/$((j % 64)); mkdir -p $d; "
    "head -c 16384 /dev/urandom > $d/small$j.bin; j=$((j+1)); done; du -sm /data"
)
RAW_BACKUP = "set -e; restic init -q; cd /data; restic backup -q --host bench ."
RAW_VERIFY = (
    "set -e; restic check --read-data >/dev/null; "
    "restic restore latest --target /restore --verify >/dev/null"
)


class VolumeRows:
    """The one volume the controller reads, and no other row."""

    def __init__(self, volume: StoredObject) -> None:
        self.volume = volume

    async def get(self, kind: Kind, object_id: uuid.UUID) -> StoredObject | None:
        return self.volume if kind is Kind.VOLUMES and object_id == self.volume.id else None

    async def list_children(self, kind: Kind, parent_id: uuid.UUID) -> list[StoredObject]:
        return []

    async def list_ids(self, kind: Kind) -> list[uuid.UUID]:
        return []

    async def create(self, *_: Any, **__: Any) -> StoredObject:
        raise NotImplementedError

    async def request_delete(self, kind: Kind, object_id: uuid.UUID) -> None:
        raise NotImplementedError


def row(kind: Kind, spec: dict[str, Any], status: Status | None = None) -> StoredObject:
    now = datetime.now(UTC)
    return StoredObject(
        kind=kind,
        id=uuid.uuid4(),
        spec=spec,
        generation=1,
        status=status or Status(),
        finalizers=(),
        deleted_at=None,
        created_at=now,
        updated_at=now,
        parent_id=uuid.uuid4(),
    )


def run(client: Any, script: str, volumes: dict[str, dict[str, str]], repo: Path) -> float:
    began = time.perf_counter()
    client.containers.run(
        IMAGE,
        ["sh", "-c", script],
        environment={"RESTIC_REPOSITORY": "/repository", "RESTIC_PASSWORD": PASSWORD},
        volumes={**volumes, str(repo): {"bind": "/repository", "mode": "rw"}},
        network_mode="none",
        remove=True,
    )
    return time.perf_counter() - began


async def ours(
    root: Path, instance: str, volume: StoredObject, pause: bool = False
) -> tuple[float, float, str]:
    """The controller's snapshot (two reconciles: DUMPING, then the snapshot) and its
    verification (the third): seconds each, and the verdict."""
    dumps, containers = DatabaseDumps(), SnapshotContainers()
    controller = BackupsController(
        InstallationSettings.model_construct(instance=instance),
        BackupsSettings(root=root, snapshot_image=IMAGE),
        VolumeRows(volume),
        dumps,
        snapshots=containers,
        sealing_key="bench-sealing-key",
    )
    spec = {"service_id": str(uuid.uuid4()), "volume_id": str(volume.id), "pause": pause}
    backup = row(Kind.BACKUPS, spec)
    ctx = Context(key=Key(Kind.BACKUPS, backup.id), ensure_leader=lambda: None)
    seconds = []
    for _ in range(3):
        began = time.perf_counter()
        result = await controller.reconcile(ctx, backup)
        seconds.append(time.perf_counter() - began)
        assert result.status is not None
        backup = dataclasses.replace(backup, status=result.status)
    dumps.close()
    containers.close()
    condition = backup.status.conditions[0]
    assert backup.status.details["phase"] == "VERIFIED", condition.message
    return seconds[0] + seconds[1], seconds[2], condition.message


def main(mib: int, rounds: int) -> None:
    ensure_built(IMAGE, CONTEXTS / "restic")
    client = docker.from_env(timeout=3600)
    instance = f"bench-{uuid.uuid4().hex[:6]}"
    volume = row(Kind.VOLUMES, {"slug": "files", "kind": "named", "labels": {}})
    name = naming.docker_volume(instance, volume.id)
    client.volumes.create(name)
    work = Path(tempfile.mkdtemp(prefix="snapshots-bench-"))
    mounted = {name: {"bind": "/data", "mode": "ro"}}
    try:
        began = time.perf_counter()
        small = mib * 1024 // 10 // 16
        filled = client.containers.run(
            IMAGE,
            ["sh", "-c", FILL],
            environment={"BIG": str(mib - mib // 10), "SMALL": str(small)},
            volumes={name: {"bind": "/data", "mode": "rw"}},
            remove=True,
        )
        size_mib = int(bytes(filled).split()[0])
        print(
            f"volume: {size_mib} MiB in {mib - mib // 10 + small} files, filled in "
            f"{time.perf_counter() - began:.0f} s"
        )
        raw_times, our_times, paused_times, raw_checks, our_checks = [], [], [], [], []
        message = ""
        for index in range(rounds):
            repo = work / f"raw{index}"
            repo.mkdir()
            raw_times.append(run(client, RAW_BACKUP, mounted, repo))
            raw_checks.append(run(client, RAW_VERIFY, {}, repo))
            took, checked, message = asyncio.run(ours(work / f"ours{index}", instance, volume))
            our_times.append(took)
            our_checks.append(checked)
            paused_times.append(asyncio.run(ours(work / f"p{index}", instance, volume, True))[0])
        raw, mine = statistics.median(raw_times), statistics.median(our_times)
        raw_check, our_check = statistics.median(raw_checks), statistics.median(our_checks)
        print(f"raw restic backup        : {raw:6.1f} s {size_mib / raw:6.1f} MB/s {raw_times}")
        print(f"ours (controller)        : {mine:6.1f} s {size_mib / mine:6.1f} MB/s {our_times}")
        print(f"snapshot ratio ours/raw  : {mine / raw:.2f}")
        paused = statistics.median(paused_times)
        rate = size_mib / paused
        print(f"ours, paused (1 manifest): {paused:6.1f} s {rate:6.1f} MB/s {paused_times}")
        print(f"paused ratio ours/raw    : {paused / raw:.2f}")
        print(f"raw check + restore      : {raw_check:6.1f} s {raw_checks}")
        print(f"ours verification        : {our_check:6.1f} s {our_checks}")
        print(f"verify ratio ours/raw    : {our_check / raw_check:.2f}  ({message})")
    finally:
        client.volumes.get(name).remove(force=True)
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 500, int(sys.argv[2]) if len(sys.argv) > 2 else 2
    )
