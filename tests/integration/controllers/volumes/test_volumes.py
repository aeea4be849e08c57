"""Volume rows become Docker named volumes or host folders on the real engine; data stays."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from controllers.volumes import VolumesController
from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.specs.kinds import Kind

MOUNT_DATA = {"volumes": [{"volume": "data", "container_path": "/data"}]}


@pytest.fixture
def strays() -> list[str]:
    """Docker volumes a test makes without our labels, removed by name at the end."""
    return []


@pytest.fixture
def instance(strays: list[str]) -> Iterator[str]:
    name = sw.new_instance()
    with vs.cleaned_up(name, strays):
        yield name


@pytest.fixture
def root(tmp_path: Path) -> Path:
    allowed = tmp_path / "root"
    allowed.mkdir()
    return allowed


async def test_a_named_volume_is_created_labelled_and_reported_ready_with_node_and_size(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """Ready is the services controller's handshake; status says the node, size and users."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id)
    await sw.make_service(store, environment.id, sw.web_spec(**MOUNT_DATA))
    async with vs.volumes_controller(instance, database_url, root):
        row = await vs.wait_for_condition(store, volume.id, "Ready", "True")
    inspected = vs.docker_volume(vs.volume_name(instance, volume.id))
    assert inspected is not None
    assert inspected["Labels"] == {
        "zane.managed": "true",
        "zane.instance": instance,
        "zane.owner": f"volumes/{volume.id}",
    }
    node_id = sw.client().info()["Swarm"]["NodeID"]
    details = row.status.details
    assert details["node_id"] == node_id and details["used_by"] == ["web"]
    assert details["size_bytes"] == 0 and details["size_complete"] is True


async def test_host_paths_outside_the_root_or_protected_are_refused_with_the_reason(
    store: PostgresStore, database_url: str, instance: str, root: Path, tmp_path: Path
) -> None:
    """/etc, the Docker socket, a folder outside the root and a link escaping it: not Ready."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    refused = {
        "etc": ("/etc", "HostPathProtected", "/etc"),
        "sock": ("/var/run/docker.sock", "HostPathProtected", "Docker socket"),
        "out": (str(outside), "HostPathOutsideRoot", str(root)),
        "link": (str(root / "escape" / "db"), "HostPathEscapesRoot", "symbolic link"),
    }
    environment = await sw.make_environment(store)
    rows = {
        slug: await vs.make_volume(store, environment.id, slug, kind="host_path", host_path=path)
        for slug, (path, _, _) in refused.items()
    }
    async with vs.volumes_controller(instance, database_url, root):
        for slug, (_, reason, words) in refused.items():
            row = await vs.wait_for_condition(store, rows[slug].id, "Ready", "False")
            ready, reconciled = row.status.condition("Ready"), row.status.condition("Reconciled")
            assert ready is not None and reconciled is not None
            assert (ready.reason, reconciled.reason) == (reason, reason)
            assert words in ready.message, ready.message
    assert not (outside / "db").exists()


async def test_a_host_folder_under_the_root_is_created_and_measured(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """Missing parents are created; the size counts the files under it."""
    path = root / "shop" / "uploads"
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id, kind="host_path", host_path=str(path))
    async with vs.volumes_controller(instance, database_url, root) as runner:
        await vs.wait_for_condition(store, volume.id, "Ready", "True")
        (path / "a.bin").write_bytes(b"x" * 1000)
        runner.queue.add(volume.key)  # what the periodic observation does

        async def measured() -> bool:
            row = await store.get(Kind.VOLUMES, volume.id)
            return row is not None and row.status.details.get("size_bytes") == 1000

        await eventually(measured, timeout=10, message="size measured")
    row = await store.get(Kind.VOLUMES, volume.id)
    assert row is not None and row.status.details["created_here"] is True


async def test_deleting_a_volume_without_purge_keeps_its_data(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """The row goes; the Docker volume and the file written into it stay."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id)
    name = vs.volume_name(instance, volume.id)
    async with vs.volumes_controller(instance, database_url, root):
        await vs.wait_for_condition(store, volume.id, "Ready", "True")
        await vs.in_container(instance, name, "echo precious > /data/rows")
        await store.request_delete(Kind.VOLUMES, volume.id)
        await vs.wait_gone(store, volume.id)
    assert await vs.in_container(instance, name, "cat /data/rows") == "precious\n"


async def test_a_purge_waits_until_no_service_mounts_the_volume(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """While a service mounts it the row stays InUse and the data is kept; then it is purged."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id, purge_on_delete=True)
    service = await sw.make_service(store, environment.id, sw.web_spec(**MOUNT_DATA))
    name = vs.volume_name(instance, volume.id)
    async with vs.volumes_controller(instance, database_url, root):
        await vs.wait_for_condition(store, volume.id, "Ready", "True")
        await store.request_delete(Kind.VOLUMES, volume.id)
        row = await vs.wait_for_condition(store, volume.id, "InUse", "True")
        in_use = row.status.condition("InUse")
        assert in_use is not None and "web" in in_use.message
        assert vs.docker_volume(name) is not None
        await store.request_delete(Kind.SERVICES, service.id)
        await vs.wait_gone(store, volume.id)
    assert vs.docker_volume(name) is None


async def test_a_purge_waits_for_a_container_still_using_the_volume(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """Docker's own refusal is respected: the row stays until the container is gone."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id, purge_on_delete=True)
    name = vs.volume_name(instance, volume.id)
    async with vs.volumes_controller(instance, database_url, root):
        await vs.wait_for_condition(store, volume.id, "Ready", "True")
        holder = sw.client().containers.create(
            sw.BUSYBOX,
            ["true"],
            volumes={name: {"bind": "/data"}},
            labels={"zane.instance": instance},
        )
        await store.request_delete(Kind.VOLUMES, volume.id)
        row = await vs.wait_for_condition(store, volume.id, "InUse", "True")
        assert vs.docker_volume(name) is not None
        holder.remove()
        await vs.wait_gone(store, volume.id)
    in_use = row.status.condition("InUse")
    assert in_use is not None and in_use.reason == "UsedByContainer"
    assert vs.docker_volume(name) is None


async def test_a_purge_removes_only_host_folders_created_for_the_volume(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """A folder that existed before (someone's data) is kept even with purge_on_delete."""
    existing, created = root / "existing", root / "created"
    existing.mkdir()
    (existing / "keep.txt").write_text("theirs")
    environment = await sw.make_environment(store)
    volumes = [
        await vs.make_volume(
            store,
            environment.id,
            path.name,
            kind="host_path",
            host_path=str(path),
            purge_on_delete=True,
        )
        for path in (existing, created)
    ]
    async with vs.volumes_controller(instance, database_url, root):
        for volume in volumes:
            await vs.wait_for_condition(store, volume.id, "Ready", "True")
            await store.request_delete(Kind.VOLUMES, volume.id)
        for volume in volumes:
            await vs.wait_gone(store, volume.id)
    assert (existing / "keep.txt").read_text() == "theirs"
    assert not created.exists()


async def test_a_volume_name_taken_by_an_unlabelled_docker_volume_is_never_touched(
    store: PostgresStore, database_url: str, instance: str, root: Path, strays: list[str]
) -> None:
    """Not Ready, and a purge leaves the foreign volume in place."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id, purge_on_delete=True)
    name = vs.volume_name(instance, volume.id)
    strays.append(name)
    sw.client().volumes.create(name)
    async with vs.volumes_controller(instance, database_url, root):
        row = await vs.wait_for_condition(store, volume.id, "Ready", "False")
        await store.request_delete(Kind.VOLUMES, volume.id)
        await vs.wait_gone(store, volume.id)
    ready = row.status.condition("Ready")
    assert ready is not None and "left alone" in ready.message
    assert vs.docker_volume(name) is not None


async def test_a_labelled_volume_without_a_row_is_reported_and_kept(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """A stray of our own instance (a row deleted without purge) is data: kept, listed."""
    name = f"{instance}-vol-{uuid.uuid4().hex[:12]}"
    labels = {"zane.managed": "true", "zane.instance": instance, "zane.owner": "volumes/x"}
    sw.client().volumes.create(name, labels=labels)
    async with vs.volumes_controller(instance, database_url, root) as runner:
        controller = runner.controller
        assert isinstance(controller, VolumesController)
        await controller.find_drift()
    assert controller.strays == [name]
    assert vs.docker_volume(name) is not None


async def test_a_named_volume_removed_by_hand_is_found_as_drift_and_recreated(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """find_drift names the row whose Docker volume went missing; reconcile brings it back."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id)
    name = vs.volume_name(instance, volume.id)
    async with vs.volumes_controller(instance, database_url, root) as runner:
        await vs.wait_for_condition(store, volume.id, "Ready", "True")
        sw.client().api.remove_volume(name)
        drifted = await runner.controller.find_drift()
        assert drifted == [volume.key]
        runner.queue.add(volume.key)
        await eventually(lambda: vs.docker_volume(name) is not None, timeout=10)


async def test_a_service_deleted_without_purge_leaves_data_a_new_service_sees(
    store: PostgresStore, database_url: str, instance: str, root: Path
) -> None:
    """With the services controller: the first service writes, is deleted; the second reads."""
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id)
    writer = sw.web_spec(
        command=["sh", "-c", "echo kept > /data/f && exec httpd -f -p 80 -h /data"], **MOUNT_DATA
    )
    reader = sw.web_spec("reader", command=["httpd", "-f", "-p", "80", "-h", "/data"], **MOUNT_DATA)
    async with (
        vs.volumes_controller(instance, database_url, root),
        sw.services_controller(instance, database_url),
    ):
        await vs.wait_for_condition(store, volume.id, "Ready", "True")
        first = await sw.make_service(store, environment.id, writer)
        await sw.wait_for_phase(store, (await sw.deploy(store, first.id, writer)).id, "HEALTHY")
        await store.request_delete(Kind.SERVICES, first.id)
        await eventually(lambda: not sw.running_containers(instance), timeout=30)
        second = await sw.make_service(store, environment.id, reader)
        await sw.wait_for_phase(store, (await sw.deploy(store, second.id, reader)).id, "HEALTHY")
        network = naming.environment_network(instance, environment.id)
        page = await sw.http_get(instance, network, "reader", "/f")
    assert "kept" in page
