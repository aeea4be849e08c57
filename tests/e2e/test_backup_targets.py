"""Backups kept in an S3-compatible store, on the real components: a PostgreSQL made through the
API, the real backups controller, and a real S3 API server (moto's, in a container on
loopback). A backup is uploaded, then verified from what the store holds, restored from there,
and its object deleted with it. A store that refuses, one that stops or hangs mid-upload, and a
full local disk each fail the backup with the reason, and leave nothing looking complete."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import volumes as vs
from tests.support.database_bed import (
    backup_ended,
    backup_of,
    backups_controller,
    deployed,
    job,
    new_database,
    new_environment,
    run_in,
)
from tests.support.database_images import ensure_database_images
from tests.support.platform_api import created
from tests.support.proxy import Proxy
from tests.support.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_server
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(600)
BUCKET = "zane-backups"
WRITE_ROWS = (
    "psql \"$URL\" -v ON_ERROR_STOP=1 -c 'create table notes (id serial, note text)' "
    "-c \"insert into notes (note) select 'n' || g from generate_series(1, 300) g\""
)
# About 40 MB once dumped (random hex compresses to about half): an upload that lasts long
# enough to be cut.
WRITE_MANY_ROWS = (
    "psql \"$URL\" -v ON_ERROR_STOP=1 -c 'create table blobs (id int, body text)' "
    '-c "insert into blobs select g, md5(random()::text) || md5(random()::text) '
    '|| md5(random()::text) from generate_series(1, 800000) g"'
)


@pytest.fixture
def store() -> Iterator[S3Server]:
    with s3_server(BUCKET) as server:
        yield server


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
async def client(
    platform: httpx.AsyncClient,
    proxy: Proxy,
    database_url: str,
    root: Path,
    secret_key: str,
) -> AsyncIterator[httpx.AsyncClient]:
    ensure_database_images()
    async with (
        vs.volumes_controller(proxy.instance, database_url, root.parent / "volumes"),
        backups_controller(
            proxy.instance, database_url, root, secret_key, upload_timeout_seconds=15
        ),
    ):
        yield platform


async def new_target(
    client: httpx.AsyncClient, store: S3Server, name: str = "s3", bucket: str = BUCKET
) -> dict[str, Any]:
    body = {
        "name": name,
        "endpoint": store.endpoint,
        "region": REGION,
        "bucket": bucket,
        "prefix": "zaneops/prod",
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
    }
    return await created(await client.post("/backup-targets", json=body))


async def keep_backups_in(client: httpx.AsyncClient, service_id: str, target_id: str) -> None:
    service = (await client.get(f"/services/{service_id}")).json()
    policy = {"schedule": "0 3 * * *", "keep_last": 5, "target_id": target_id}
    headers = {"If-Match": f'"{service["generation"]}"'}
    edited = {**service["spec"], "backup": policy}
    answer = await client.put(f"/services/{service_id}", json=edited, headers=headers)
    assert answer.status_code == 200, answer.text


async def database_with_rows(client: httpx.AsyncClient, slug: str, script: str) -> tuple[str, str]:
    """(environment id, database service id), the database deployed and written."""
    images = ensure_database_images()
    env_id = await new_environment(client, slug)
    db = (await new_database(client, env_id, slug="db", engine="postgres"))["service"]
    await deployed(client, db["id"])
    await job(client, env_id, "seed", images["postgres"], script)
    return env_id, str(db["id"])


async def mid_upload(client: httpx.AsyncClient, backup_id: str) -> None:
    """Once its dump, which is uploaded as it is written, has run a second."""

    async def dumping() -> bool:
        phase = (await backup_of(client, backup_id))["phase"]
        assert phase not in ("VERIFIED", "FAILED"), f"ended {phase} before its upload was cut"
        return phase == "DUMPING"

    await eventually(dumping, timeout=120, every=0.05, message="dumping")
    await asyncio.sleep(1)


def failure_of(backup: dict[str, Any]) -> tuple[str, str]:
    assert backup["phase"] == "FAILED", backup["status"]
    condition = backup["status"]["conditions"][0]
    return condition["reason"], condition["message"]


async def test_a_backup_kept_in_s3_is_verified_from_the_store_restored_and_deleted_with_it(
    client: httpx.AsyncClient, store: S3Server, root: Path, proxy: Proxy
) -> None:
    target = await new_target(client, store)
    assert target["spec"]["secret_access_key"] != SECRET_KEY  # masked when read
    env_id, db_id = await database_with_rows(client, "shop", WRITE_ROWS)
    await keep_backups_in(client, db_id, target["id"])

    asked = await created(await client.post(f"/services/{db_id}/backups"))
    backup = await backup_ended(client, asked["id"])
    assert backup["phase"] == "VERIFIED", backup["status"]
    details = backup["status"]["details"]
    key = f"zaneops/prod/{env_id}/{asked['id']}.pgdump"
    assert details["location"] == f"s3://{BUCKET}/{key}"
    stored = store.objects(BUCKET)
    assert list(stored) == [key]
    assert hashlib.sha256(stored[key]).hexdigest() == details["sha256"]
    assert len(stored[key]) == details["size_bytes"]
    assert not [p for p in root.rglob("*") if p.is_file()]  # only the store holds it
    downloaded = await client.get(f"/backups/{asked['id']}/file")  # streamed from the store
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.content == stored[key]
    assert downloaded.headers["x-checksum-sha256"] == details["sha256"]

    answer = await client.delete(f"/backup-targets/{target['id']}")
    assert answer.status_code == 409 and "1 backups are kept" in answer.text

    made = await created(await client.post(f"/backups/{asked['id']}/restore", json={"slug": "db2"}))
    copy = made["service"]
    [restore] = (await client.get(f"/services/{copy['id']}/backups")).json()["items"]
    restore = await backup_ended(client, restore["id"], timeout=180)
    assert restore["phase"] == "VERIFIED", restore["status"]
    [deployment] = (await client.get(f"/services/{copy['id']}/deployments")).json()["items"]
    rows = ["psql", "-X", "-U", "app", "-d", "app", "-tAc", "select count(*) from notes"]
    assert run_in(proxy.instance, deployment["id"], rows) == "300"

    assert (await client.delete(f"/backups/{asked['id']}")).status_code == 202

    async def gone() -> bool:
        return (await client.get(f"/backups/{asked['id']}")).status_code == 404

    await eventually(gone, timeout=30, every=0.5, message="the backup deleted")
    assert store.objects(BUCKET) == {}  # its object went with it
    assert (await client.delete(f"/services/{db_id}")).status_code == 202  # its policy too
    assert (await client.delete(f"/backup-targets/{target['id']}")).status_code == 202


async def test_a_store_that_refuses_or_stops_fails_the_backup_and_keeps_nothing_complete(
    client: httpx.AsyncClient, store: S3Server, root: Path
) -> None:
    _, db_id = await database_with_rows(client, "big", WRITE_MANY_ROWS)

    no_bucket = await new_target(client, store, "no-bucket", bucket="not-made")
    await keep_backups_in(client, db_id, no_bucket["id"])
    refused = await backup_ended(
        client, (await created(await client.post(f"/services/{db_id}/backups")))["id"]
    )
    reason, message = failure_of(refused)
    assert reason == "UploadFailed" and "NoSuchBucket" in message, message

    target = await new_target(client, store)
    await keep_backups_in(client, db_id, target["id"])
    asked = await created(await client.post(f"/services/{db_id}/backups"))
    await mid_upload(client, asked["id"])
    store.container.get_wrapped_container().pause()  # hangs mid-upload
    try:
        hung = await backup_ended(client, asked["id"], timeout=90)
    finally:
        store.container.get_wrapped_container().unpause()
    reason, message = failure_of(hung)
    assert reason == "UploadFailed" and "ran past 15 s" in message, message
    assert store.objects(BUCKET) == {}  # the parts sent are not an object

    asked = await created(await client.post(f"/services/{db_id}/backups"))
    await mid_upload(client, asked["id"])
    store.stop()
    stopped = await backup_ended(client, asked["id"], timeout=120)
    reason, message = failure_of(stopped)
    assert reason == "UploadFailed" and "could not be reached" in message, message
    assert not [p for p in root.rglob("*") if p.is_file()]  # no local file left either


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB filesystem for the backups folder."""
    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


async def test_a_full_backups_disk_fails_the_backup_with_the_reason(
    platform: httpx.AsyncClient, proxy: Proxy, database_url: str, tmp_path: Path, small_disk: Path
) -> None:
    ensure_database_images()
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(proxy.instance, database_url, small_disk),
    ):
        _, db_id = await database_with_rows(platform, "full", WRITE_MANY_ROWS)
        asked = await created(await platform.post(f"/services/{db_id}/backups"))
        reason, message = failure_of(await backup_ended(platform, asked["id"]))
    assert reason == "DiskFull" and "disk is full" in message, message
    assert not [p for p in small_disk.rglob("*") if p.is_file()]
