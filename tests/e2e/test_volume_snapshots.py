"""Volume snapshots you can trust, on the real components: a service deployed through the API
writes files into a named volume (binary ones, a nested tree, a link, an empty file, a name
with a space); the real backups controller snapshots it with real restic, verifies it by a
restore into a scratch container, and restores it into a new volume, whose files the test
itself reads and compares with the source's, checksum by checksum. The service paused during a
snapshot runs after it; a damaged repository fails the next snapshot with restic's words; a
snapshot deleted is forgotten by its repository; a volume's snapshots kept in an S3 store
(moto's server) are verified and restored from there."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from controllers.backups.snapshots import repository_password
from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.database_bed import backup_ended, backups_controller, deployed, new_environment
from tests.support.images import CONTEXTS, ensure_built
from tests.support.platform_api import created
from tests.support.proxy import Proxy
from tests.support.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_server
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(420)
RESTIC_IMAGE = "zaneops-test/restic:local"
BUCKET = "zane-snapshots"
# Written by the service into its volume, then it waits; ".ready" says it is done.
WRITE_FILES = (
    "mkdir -p /srv/deep/er/est && "
    "head -c 300000 /dev/urandom > /srv/blob.bin && "
    "head -c 4096 /dev/urandom > /srv/deep/er/est/small.bin && "
    "echo 'hello volume' > '/srv/with space.txt' && "
    ": > /srv/empty && "
    "ln -s 'with space.txt' /srv/link && "
    "for i in 1 2 3 4 5; do echo line $i > /srv/deep/note$i.txt; done && "
    "touch /srv/.ready && exec sleep 3600"
)
# Each regular file's checksum and each link's target, by path: what two volumes compare on.
LISTING = (
    'cd /v && find . -type f | sort | while read -r f; do sha256sum "$f"; done; '
    'find . -type l | sort | while read -r l; do echo "link $l -> $(readlink "$l")"; done'
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
async def client(  # noqa: PLR0917 - fixtures, by name
    platform: httpx.AsyncClient,
    proxy: Proxy,
    database_url: str,
    tmp_path: Path,
    root: Path,
    secret_key: str,
) -> AsyncIterator[httpx.AsyncClient]:
    image = ensure_built(RESTIC_IMAGE, CONTEXTS / "restic")
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(proxy.instance, database_url, root, secret_key, snapshot_image=image),
    ):
        yield platform


@pytest.fixture
def store() -> Iterator[S3Server]:
    with s3_server(BUCKET) as server:
        yield server


async def service_with_files(client: httpx.AsyncClient, slug: str) -> tuple[str, dict[str, Any]]:
    """(environment id, the volume) once a deployed service wrote its files there."""
    env_id = await new_environment(client, slug)
    volume = await created(
        await client.post(f"/environments/{env_id}/volumes", json={"slug": "files"})
    )
    spec = {
        "slug": "writer",
        "source": {"type": "image", "image": sw.BUSYBOX},
        "command": ["sh", "-c", WRITE_FILES],
        "volumes": [{"volume": "files", "container_path": "/srv"}],
    }
    service = await created(await client.post(f"/environments/{env_id}/services", json=spec))
    await deployed(client, service["id"], "HEALTHY")
    await eventually(
        lambda: _has_ready(client, volume["id"]), timeout=60, every=0.3, message=".ready"
    )
    return env_id, volume


async def _has_ready(client: httpx.AsyncClient, volume_id: str) -> bool:
    volume = (await client.get("/volumes/" + volume_id)).json()
    name = volume["status"]["details"].get("docker_volume")
    if not name:
        return False
    return "yes" in await vs.in_container("", name, "test -e /data/.ready && echo yes || true")


async def listing_of(instance: str, volume_id: str) -> str:
    return await asyncio.to_thread(_listing, vs.volume_name(instance, uuid.UUID(volume_id)))


def _listing(name: str) -> str:
    output = sw.client().containers.run(
        sw.BUSYBOX,
        ["sh", "-c", LISTING],
        volumes={name: {"bind": "/v", "mode": "ro"}},
        remove=True,
    )
    return bytes(output).decode()


async def snapshot_of(client: httpx.AsyncClient, volume_id: str, **body: Any) -> dict[str, Any]:
    asked = await created(await client.post(f"/volumes/{volume_id}/snapshots", json=body or None))
    return await backup_ended(client, asked["id"])


async def restored_into(
    client: httpx.AsyncClient, snapshot_id: str, slug: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    answer = await client.post(f"/backups/{snapshot_id}/restore-volume", json={"slug": slug})
    made = await created(answer)
    return made["volume"], await backup_ended(client, made["restore"]["id"])


def failure_of(backup: dict[str, Any]) -> tuple[str, str]:
    assert backup["phase"] == "FAILED", backup["status"]
    condition = backup["status"]["conditions"][0]
    return condition["reason"], condition["message"]


def restic_snapshots(repository: Path, password: str) -> str:
    """What restic on the host lists in the repository, with the password the sealing key
    gives: the snapshots are readable with nothing but the sealing key."""
    found = subprocess.run(
        ["restic", "snapshots", "--json"],
        env={"RESTIC_REPOSITORY": str(repository), "RESTIC_PASSWORD": password, "HOME": "/tmp"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return found.stdout


async def test_a_volume_snapshot_is_verified_then_restored_into_a_new_volume_with_equal_files(
    client: httpx.AsyncClient, proxy: Proxy, root: Path, secret_key: str
) -> None:
    """Snapshot (the service paused, running after), verified; restored into a new volume whose
    checksums the test reads equal; forgotten when deleted; a damaged pack fails the next."""
    _env, volume = await service_with_files(client, "snap")
    snapshot = await snapshot_of(client, volume["id"], pause=True)
    details = snapshot["status"]["details"]
    assert snapshot["phase"] == "VERIFIED", snapshot["status"]
    assert details["files"] == 10 and details["manifest_entries"] == 11  # and the link
    assert details["paused_containers"] == 1 and details["changed_count"] == 0
    assert "11 entries, checksums equal" in snapshot["status"]["conditions"][0]["message"]
    [writer] = [
        c
        for c in sw.running_containers(proxy.instance)
        if "/srv" in {m["Destination"] for m in c.attrs["Mounts"]}
    ]
    writer.reload()
    assert writer.attrs["State"]["Status"] == "running" and not writer.attrs["State"]["Paused"]

    new_volume, restore = await restored_into(client, snapshot["id"], "files-copy")
    assert restore["phase"] == "VERIFIED", restore["status"]
    source = await listing_of(proxy.instance, volume["id"])
    copy = await listing_of(proxy.instance, new_volume["id"])
    assert "blob.bin" in source and "./link -> with space.txt" in source
    assert "./with space.txt" in source and "./deep/er/est/small.bin" in source
    assert copy == source

    repository = root / "restic" / volume["id"]
    password = repository_password(secret_key, volume["id"])
    assert details["snapshot_id"] in restic_snapshots(repository, password)

    # A pack of the repository damaged: the next snapshot (which reuses it) fails its check.
    pack = max(
        (repository / "data").rglob("*"), key=lambda p: p.stat().st_size if p.is_file() else 0
    )
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    damaged = await snapshot_of(client, volume["id"])
    reason, message = failure_of(damaged)
    assert reason == "Corrupted", message
    assert "restic check" in message and "does not match" in message.lower()

    assert (await client.delete(f"/backups/{damaged['id']}")).status_code in (200, 202, 204)
    assert (await client.delete(f"/backups/{snapshot['id']}")).status_code in (200, 202, 204)

    async def forgotten() -> bool:
        return (await client.get(f"/backups/{snapshot['id']}")).status_code == 404

    await eventually(forgotten, timeout=60, every=0.3, message="snapshot row gone")
    assert details["snapshot_id"] not in restic_snapshots(repository, password)


async def test_a_volume_kept_in_s3_is_snapshotted_verified_and_restored_from_the_store(
    client: httpx.AsyncClient, proxy: Proxy, store: S3Server
) -> None:
    """The volume's policy names an S3 target: its snapshot goes there, is verified from there
    (nothing of it in the backups folder), and restored from there into a new volume."""
    _env, volume = await service_with_files(client, "snaps3")
    target = await created(
        await client.post(
            "/backup-targets",
            json={
                "name": "s3",
                "endpoint": store.endpoint,
                "region": REGION,
                "bucket": BUCKET,
                "prefix": "zaneops/prod",
                "access_key_id": ACCESS_KEY,
                "secret_access_key": SECRET_KEY,
            },
        )
    )
    policy = {"schedule": "0 3 * * *", "keep_last": 3, "target_id": target["id"]}
    headers = {"If-Match": f'"{volume["generation"]}"'}
    edited = {**volume["spec"], "backup": policy}
    answer = await client.put(f"/volumes/{volume['id']}", json=edited, headers=headers)
    assert answer.status_code == 200, answer.text

    snapshot = await snapshot_of(client, volume["id"])
    assert snapshot["phase"] == "VERIFIED", snapshot["status"]
    assert snapshot["spec"]["target_id"] == target["id"]
    assert snapshot["status"]["details"]["changed_count"] == 0  # nothing wrote meanwhile
    keys = list(store.objects(BUCKET))
    assert any(k.startswith(f"zaneops/prod/restic/{volume['id']}/data/") for k in keys), keys

    new_volume, restore = await restored_into(client, snapshot["id"], "files-back")
    assert restore["phase"] == "VERIFIED", restore["status"]
    assert await listing_of(proxy.instance, new_volume["id"]) == await listing_of(
        proxy.instance, volume["id"]
    )
