"""Backups you can trust, on the real components: a PostgreSQL made through the API and run by
the real controllers, rows written by a service, then backed up by the real backups controller:
dumped from the running container, restored into a scratch server and compared table by table
before it is called VERIFIED, then restored into a new database with the same rows. A schedule
makes backups by itself and keeps the newest."""

from __future__ import annotations

import hashlib
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.support import volumes as vs
from tests.support.database_bed import (
    backup_ended,
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
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import backup_key
from zaneops.specs import Status
from zaneops.specs.kinds import Kind

pytestmark = pytest.mark.timeout(420)
WRITE_ROWS = (
    "psql \"$URL\" -v ON_ERROR_STOP=1 -c 'create table notes (id serial, note text)' "
    "-c 'create table tags (name text)' "
    "-c \"insert into notes (note) select 'n' || g from generate_series(1, 250) g\" "
    "-c \"insert into tags values ('a'), ('b')\""
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
async def client(
    platform: httpx.AsyncClient,
    *,
    proxy: Proxy,
    database_url: str,
    tmp_path: Path,
    root: Path,
    secret_key: str,
) -> AsyncIterator[httpx.AsyncClient]:
    ensure_database_images()
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(proxy.instance, database_url, root, secret_key),
    ):
        yield platform


async def test_a_backup_is_verified_restored_into_a_new_database_and_kept_by_schedule(
    client: httpx.AsyncClient, root: Path, proxy: Proxy
) -> None:
    images = ensure_database_images()
    env_id = await new_environment(client)
    db = (await new_database(client, env_id, slug="db", engine="postgres"))["service"]
    await deployed(client, db["id"])
    await job(client, env_id, "seed", images["postgres"], WRITE_ROWS)

    asked = await created(await client.post(f"/services/{db['id']}/backups"))
    backup = await backup_ended(client, asked["id"])
    details = backup["status"]["details"]
    assert backup["phase"] == "VERIFIED", backup["status"]
    assert details["tables"] == {"public.notes": 250, "public.tags": 2}
    assert "252 rows, as at dump time" in backup["status"]["conditions"][0]["message"]
    dump = root / details["file"]
    assert dump.stat().st_size == details["size_bytes"] > 0
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == details["sha256"]
    assert not list(root.rglob("*.partial"))

    restored = await created(
        await client.post(f"/backups/{asked['id']}/restore", json={"slug": "db2"})
    )
    copy = restored["service"]
    [restore] = (await client.get(f"/services/{copy['id']}/backups")).json()["items"]
    assert restore["spec"]["restore_from"] == asked["id"]
    restore = await backup_ended(client, restore["id"], timeout=180)
    assert restore["phase"] == "VERIFIED", restore["status"]
    assert "2 tables, 252 rows, as at its dump" in restore["status"]["conditions"][0]["message"]
    [deployment] = (await client.get(f"/services/{copy['id']}/deployments")).json()["items"]
    rows = ["psql", "-X", "-U", "app", "-d", "app", "-tAc", "select count(*) from notes"]
    assert run_in(proxy.instance, deployment["id"], rows) == "250"

    service = (await client.get(f"/services/{db['id']}")).json()
    policy = {"schedule": "* * * * *", "keep_last": 1}
    headers = {"If-Match": f'"{service["generation"]}"'}
    edited = {**service["spec"], "backup": policy}
    answer = await client.put(f"/services/{db['id']}", json=edited, headers=headers)
    assert answer.status_code == 200, answer.text

    async def a_scheduled_one_verified() -> bool:
        listed = (await client.get(f"/services/{db['id']}/backups")).json()["items"]
        return any(b["spec"]["trigger"] == "schedule" and b["phase"] == "VERIFIED" for b in listed)

    await eventually(a_scheduled_one_verified, timeout=150, every=1, message="a scheduled one")

    async def the_manual_one_is_gone() -> bool:
        return (await client.get(f"/backups/{asked['id']}")).status_code == 404

    await eventually(the_manual_one_is_gone, timeout=30, every=0.5, message="retention")
    assert not dump.exists()  # its file went with it
    assert len(list(root.rglob("*.pgdump"))) == 1


async def test_a_database_that_is_not_running_fails_with_the_reason_and_leaves_no_file(
    client: httpx.AsyncClient, root: Path
) -> None:
    env_id = await new_environment(client, "idle")
    db = (await new_database(client, env_id, slug="db", engine="postgres"))["service"]
    asked = await created(await client.post(f"/services/{db['id']}/backups"))
    backup = await backup_ended(client, asked["id"], timeout=30)
    assert backup["phase"] == "FAILED"
    condition = backup["status"]["conditions"][0]
    assert (condition["status"], condition["reason"]) == ("False", "NotRunning")
    assert "deploy it first" in condition["message"]
    assert not list(root.rglob("*.pgdump*"))


async def test_only_a_database_can_be_backed_up(client: httpx.AsyncClient) -> None:
    env_id = await new_environment(client, "web")
    spec = {"slug": "web", "source": {"type": "image", "image": "nginx:1"}}
    web = await created(await client.post(f"/environments/{env_id}/services", json=spec))
    answer = await client.post(f"/services/{web['id']}/backups")
    assert answer.status_code == 409
    assert "only PostgreSQL, MariaDB and Redis databases" in answer.text


async def verified_again(
    client: httpx.AsyncClient, store: PostgresStore, database_url: str, backup: dict[str, Any]
) -> dict[str, Any]:
    """The backup verified once more from its file as it is now (as after a crash: VERIFYING,
    and the controller woken as its resync would)."""
    details = {**backup["status"]["details"], "phase": "VERIFYING"}
    await store.write_status(Kind.BACKUPS, uuid.UUID(backup["id"]), Status(details=details))
    with psycopg.connect(database_url, autocommit=True) as conn:  # its own writes wake no one
        conn.execute("SELECT pg_notify('zane_backups', %s)", (backup["id"],))
    return await backup_ended(client, backup["id"], timeout=60)


async def test_an_encrypted_backup_is_ciphertext_at_rest_verified_and_read_with_the_derived_key(
    client: httpx.AsyncClient,
    *,
    root: Path,
    proxy: Proxy,
    store: PostgresStore,
    secret_key: str,
    tmp_path: Path,
    database_url: str,
) -> None:
    """A policy with encrypt on: the file is age's (no PGDMP in sight), VERIFIED by the
    controller, decrypted on the host by the real age with the key derived from the sealing
    key into a dump pg_restore reads, restored into a new database with the same rows. A byte
    flipped in the middle fails the check (its sha256), and with its sha256 recorded anew age's
    own authentication refuses it."""
    images = ensure_database_images()
    env_id = await new_environment(client, "vault")
    db = (await new_database(client, env_id, slug="db", engine="postgres"))["service"]
    await deployed(client, db["id"])
    await job(client, env_id, "seed", images["postgres"], WRITE_ROWS)
    service = (await client.get(f"/services/{db['id']}")).json()
    headers = {"If-Match": f'"{service["generation"]}"'}
    policy = {**service["spec"], "backup": {"schedule": "0 3 * * *", "encrypt": True}}
    answer = await client.put(f"/services/{db['id']}", json=policy, headers=headers)
    assert answer.status_code == 200, answer.text

    asked = await created(await client.post(f"/services/{db['id']}/backups"))
    assert asked["spec"]["encrypted"] is True
    backup = await backup_ended(client, asked["id"])
    assert backup["phase"] == "VERIFIED", backup["status"]
    stored = root / backup["status"]["details"]["file"]
    assert stored.name.endswith(".pgdump.age")
    data = stored.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n") and b"PGDMP" not in data[:4096]
    assert hashlib.sha256(data).hexdigest() == backup["status"]["details"]["sha256"]
    assert not [p for p in root.rglob("*") if p.is_file() and p != stored]  # no plaintext left

    key = tmp_path / "backup-key.txt"
    key.write_text(backup_key.identity_file_text(secret_key))
    key.chmod(0o600)
    dump = tmp_path / "db.pgdump"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(dump), str(stored)], check=True)
    listing = subprocess.run(
        ["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=False
    )
    assert listing.returncode == 0 and "TABLE DATA public notes" in listing.stdout, listing

    made = await created(await client.post(f"/backups/{asked['id']}/restore", json={"slug": "db2"}))
    [restore] = (await client.get(f"/services/{made['service']['id']}/backups")).json()["items"]
    restore = await backup_ended(client, restore["id"], timeout=180)
    assert restore["phase"] == "VERIFIED", restore["status"]
    [deployment] = (await client.get(f"/services/{made['service']['id']}/deployments")).json()[
        "items"
    ]
    rows = ["psql", "-X", "-U", "app", "-d", "app", "-tAc", "select count(*) from notes"]
    assert run_in(proxy.instance, deployment["id"], rows) == "250"

    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0x01
    stored.write_bytes(bytes(tampered))
    changed = await verified_again(client, store, database_url, backup)
    condition = changed["status"]["conditions"][0]
    assert (changed["phase"], condition["reason"]) == ("FAILED", "Corrupted"), condition
    backup["status"]["details"]["sha256"] = hashlib.sha256(tampered).hexdigest()
    refused = await verified_again(client, store, database_url, backup)
    condition = refused["status"]["conditions"][0]
    assert (refused["phase"], condition["reason"]) == ("FAILED", "DecryptFailed"), condition
    assert condition["message"].startswith("the backup file could not be decrypted: ")
    assert not [p for p in root.rglob("*") if p.is_file() and p != stored]
