"""The backups controller's decisions about volume snapshots, with fakes for the store and the
containers (logic only; tests/e2e/test_volume_snapshots.py runs real restic on real volumes)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from controllers.backups import snapshots as rs
from controllers.backups.controller import SCHEDULE, BackupsController
from controllers.backups.settings import BackupsSettings
from tests.unit.controllers.backups.test_controller import NOW, Dumps, Rows, ctx, row
from zaneops.adapters.docker.snapshots import Finished, VolumeMissing
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

POLICY = {"schedule": "0 3 * * *", "keep_last": 2, "pause": True}
WEB = {
    "slug": "web",
    "source": {"type": "image", "image": "busybox"},
    "volumes": [{"volume": "files", "container_path": "/srv"}],
}
SUMMARY = 'SUMMARY {"snapshot_id":"abcd1234","total_bytes_processed":3}\n'


class Containers:
    """Scripts answer with `outputs` in turn (or raise `error`); pauses are recorded."""

    def __init__(self, *outputs: Finished, error: Exception | None = None) -> None:
        self.outputs = list(outputs)
        self.error = error
        self.paused: list[str] = []
        self.unpaused: list[str] = []
        self.scripts: list[str] = []
        self.left_paused: list[str] = []  # what paused_of answers
        self.running = 0
        self.most_at_once = 0

    async def run(self, image: str, name: str, script: str, **_: Any) -> Finished:
        self.scripts.append(script)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.01)
        finally:
            self.running -= 1
        if self.error is not None:
            raise self.error
        return self.outputs.pop(0)

    async def paused_of(self, instance: str, owner: str) -> list[str]:
        return list(self.left_paused)

    async def running_of(self, instance: str, owner: str) -> list[str]:
        return ["c1", "c2"]

    async def pause(self, container_id: str) -> None:
        self.paused.append(container_id)

    async def unpause(self, container_id: str) -> None:
        self.unpaused.append(container_id)


def controller(rows: Rows, containers: Containers, root: Path) -> BackupsController:
    return BackupsController(
        InstallationSettings.model_construct(instance="t"),
        BackupsSettings(root=root, snapshot_image="restic"),
        rows,
        Dumps(),
        snapshots=containers,
        sealing_key="sealing-key",
    )


def volume(**spec: Any) -> StoredObject:
    found = row(Kind.VOLUMES, {"slug": "files", "labels": {}, **spec})
    return dataclasses.replace(found, status=Status(conditions=[_ready()]))


def _ready() -> Condition:
    return Condition(type="Ready", status=ConditionStatus.TRUE, reason="Exists", message="")


async def through(made: BackupsController, snapshot: StoredObject, steps: int) -> StoredObject:
    """The row after `steps` reconciles."""
    for _ in range(steps):
        key = Context(key=Key(Kind.BACKUPS, snapshot.id), ensure_leader=lambda: None)
        result = await made.reconcile(key, snapshot)
        assert result.status is not None
        snapshot = dataclasses.replace(snapshot, status=result.status)
    return snapshot


def snapshot_row(files: StoredObject, service: StoredObject, **spec: Any) -> StoredObject:
    fields = {"service_id": str(service.id), "volume_id": str(files.id), **spec}
    return row(Kind.BACKUPS, fields)


async def test_a_due_volume_schedule_makes_one_snapshot_of_the_service_mounting_it(
    tmp_path: Path,
) -> None:
    """The snapshot names the volume, its service, and the policy's pause."""
    files = volume(backup=POLICY)
    files = dataclasses.replace(files, created_at=NOW.replace(year=NOW.year - 1))
    web = row(Kind.SERVICES, WEB)
    rows = Rows(files, web)
    await controller(rows, Containers(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    [made] = rows.made
    assert made["volume_id"] == str(files.id) and made["service_id"] == str(web.id)
    assert made["pause"] is True and made["trigger"] == "schedule"


async def test_a_volume_no_service_mounts_gets_no_scheduled_snapshot(tmp_path: Path) -> None:
    """A snapshot is of a service's files: the schedule waits for one."""
    files = dataclasses.replace(volume(backup=POLICY), created_at=NOW.replace(year=NOW.year - 1))
    rows = Rows(files)
    await controller(rows, Containers(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert rows.made == []


@pytest.mark.parametrize("fails", [True, False])
async def test_paused_containers_are_always_unpaused(tmp_path: Path, fails: bool) -> None:
    """Whether restic ends well or raises, every container paused is unpaused."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    snapshot = snapshot_row(files, web, pause=True)
    output = Finished(0, SUMMARY + "M aaa  ./a\n", "")
    containers = Containers(output, error=RuntimeError("engine gone") if fails else None)
    made = controller(Rows(files, web, snapshot), containers, tmp_path)
    if fails:
        with pytest.raises(RuntimeError):
            await through(made, snapshot, 2)
    else:
        assert (await through(made, snapshot, 2)).status.details["phase"] == "VERIFYING"
    assert containers.paused == ["c1", "c2"] and containers.unpaused == ["c1", "c2"]


async def test_a_restore_that_differs_from_the_snapshot_fails_naming_the_file(
    tmp_path: Path,
) -> None:
    """Unpaused, a file changed while read is named and left out; any other difference fails."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    snapshot = snapshot_row(files, web)
    taken = Finished(
        0, "B 1  ./a\nB 1  ./b\nB 1  ./log\n" + SUMMARY + "M 1  ./a\nM 1  ./b\nM 2  ./log\n", ""
    )
    verified = Finished(0, "M 1  ./a\nM 1  ./b\nM 9  ./log\n", "")
    differs = Finished(0, "M 1  ./a\nM 7  ./b\nM 2  ./log\n", "")
    made = controller(Rows(files, web, snapshot), Containers(taken, verified), tmp_path)
    done = await through(made, snapshot, 3)
    assert done.status.details["phase"] == "VERIFIED", done.status
    assert done.status.details["changed_while_read"] == ["log"]
    assert "changed while being read, not checked: log" in done.status.conditions[0].message

    again = snapshot_row(files, web)
    made = controller(Rows(files, web, again), Containers(taken, differs), tmp_path)
    failed = await through(made, again, 3)
    assert failed.status.conditions[0].reason == "VerifyFailed"
    assert "b: restored with other contents" in failed.status.conditions[0].message


async def test_a_damaged_repository_fails_the_check_with_restics_words(tmp_path: Path) -> None:
    """The check's failure is Corrupted; a failed restore is RestoreFailed."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    taken = Finished(0, SUMMARY + "M 1  ./a\n", "")
    for stderr, reason in (
        ("STEP check\nPack ID does not match", "Corrupted"),
        ("STEP check\nok\nSTEP restore\nno space", "RestoreFailed"),
    ):
        snapshot = snapshot_row(files, web)
        made = controller(
            Rows(files, web, snapshot), Containers(taken, Finished(1, "", stderr)), tmp_path
        )
        failed = await through(made, snapshot, 3)
        assert failed.status.conditions[0].reason == reason
        assert stderr.splitlines()[-1] in failed.status.conditions[0].message


async def test_a_restore_into_a_volume_not_empty_is_refused_unless_it_holds_the_snapshot(
    tmp_path: Path,
) -> None:
    """NotEmpty; but a volume holding exactly the snapshot's files was restored before a crash."""
    files, web, target = volume(), row(Kind.SERVICES, WEB), volume(slug="copy")
    snapshot = snapshot_row(files, web)
    taken = Finished(0, SUMMARY + "M 1  ./a\n", "")
    made = controller(
        Rows(files, web, snapshot), Containers(taken, Finished(0, "M 1  ./a\n", "")), tmp_path
    )
    verified = await through(made, snapshot, 3)
    for found, phase in (("M 1  ./a\n", "VERIFIED"), ("M 1  ./a\nM 5  ./other\n", "FAILED")):
        restore = row(
            Kind.BACKUPS,
            {
                "service_id": str(web.id),
                "volume_id": str(target.id),
                "restore_from": str(snapshot.id),
            },
        )
        rows = Rows(files, web, target, verified, restore)
        made = controller(rows, Containers(Finished(rs.NOT_EMPTY_EXIT, found, "")), tmp_path)
        ended = await through(made, restore, 2)
        assert ended.status.details["phase"] == phase, ended.status
        if phase == "FAILED":
            assert ended.status.conditions[0].reason == "NotEmpty"


async def test_a_verified_snapshot_past_the_policys_keep_last_deletes_older_ones(
    tmp_path: Path,
) -> None:
    """keep_last 2: the third verified snapshot deletes the oldest; other volumes' are kept."""
    files, other, web = volume(backup=POLICY), volume(slug="other"), row(Kind.SERVICES, WEB)
    old = [
        dataclasses.replace(
            snapshot_row(files, web),
            created_at=NOW.replace(year=NOW.year - 1, day=day),
            status=Status(details={"phase": "VERIFIED"}),
        )
        for day in (1, 2)
    ]
    elsewhere = dataclasses.replace(
        snapshot_row(other, web),
        created_at=NOW.replace(year=NOW.year - 2),
        status=Status(details={"phase": "VERIFIED"}),
    )
    newest = snapshot_row(files, web)
    rows = Rows(files, other, web, *old, elsewhere, newest)
    taken = Finished(0, SUMMARY + "M 1  ./a\n", "")
    made = controller(rows, Containers(taken, Finished(0, "M 1  ./a\n", "")), tmp_path)
    assert (await through(made, newest, 3)).status.details["phase"] == "VERIFIED"
    assert rows.deleted == [old[0].id]


@pytest.mark.parametrize("deleted", [False, True])
async def test_a_snapshot_interrupted_while_paused_unpauses_what_it_left_paused(
    tmp_path: Path, deleted: bool
) -> None:
    """The controller stopped between pause and unpause: found DUMPING again (retried, or
    deleted), the volume's services' paused containers are unpaused."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    snapshot = dataclasses.replace(
        snapshot_row(files, web, pause=True),
        status=Status(details={"phase": "DUMPING", "attempts": 1}),
    )
    containers = Containers(Finished(0, "", ""))
    containers.left_paused = ["c1"]
    made = controller(Rows(files, web, snapshot), containers, tmp_path)
    if deleted:
        await made.finalize(ctx(), snapshot)
    else:
        await through(made, snapshot, 1)
    assert containers.unpaused == ["c1"]


async def test_snapshots_of_one_volume_run_restic_one_at_a_time(tmp_path: Path) -> None:
    """restic fails at once on another's lock (check and prune take exclusive ones): two
    snapshots of a volume, or one and a forget, are not run together."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    first, second = snapshot_row(files, web), snapshot_row(files, web)
    taken = Finished(0, SUMMARY + "M 1  ./a\n", "")
    containers = Containers(taken, taken)
    made = controller(Rows(files, web, first, second), containers, tmp_path)
    await asyncio.gather(through(made, first, 2), through(made, second, 2))
    assert containers.most_at_once == 1


async def test_a_volume_not_on_this_controllers_node_fails_the_snapshot(tmp_path: Path) -> None:
    """VolumeNotHere, not a snapshot of an empty volume Docker made here."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    snapshot = snapshot_row(files, web)
    containers = Containers(error=VolumeMissing("t-vol"))
    made = controller(Rows(files, web, snapshot), containers, tmp_path)
    failed = await through(made, snapshot, 2)
    assert failed.status.details["phase"] == "FAILED"
    assert failed.status.conditions[0].reason == "VolumeNotHere"


async def test_more_files_changed_while_read_than_the_details_name_are_all_left_out(
    tmp_path: Path,
) -> None:
    """The details name the first 50; the 60 that changed are all left out of the checks."""
    files, web = volume(), row(Kind.SERVICES, WEB)
    snapshot = snapshot_row(files, web)
    names = [f"log{n:02}" for n in range(60)]
    before = "".join(f"B 1  ./{name}\n" for name in names)
    after = "".join(f"M 2  ./{name}\n" for name in names)
    taken = Finished(0, before + "B 1  ./a\n" + SUMMARY + after + "M 1  ./a\n", "")
    restored = Finished(0, "".join(f"M 3  ./{name}\n" for name in names) + "M 1  ./a\n", "")
    made = controller(Rows(files, web, snapshot), Containers(taken, restored), tmp_path)
    done = await through(made, snapshot, 3)
    assert done.status.details["phase"] == "VERIFIED", done.status
    assert done.status.details["changed_count"] == 60
    assert done.status.details["verified_entries"] == 1
