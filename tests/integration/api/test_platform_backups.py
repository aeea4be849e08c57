"""The platform's own backups through the real API (no controller here): backed up now,
listed, their policy read and changed, downloaded like any backup; admins only."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
import pytest

from api.auth.secrets import hash_password
from tests.integration.api.helpers import body, environment
from tests.support.api import RunningApi, api_settings, log_in, serving
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind

TARGET = {
    "name": "offsite",
    "endpoint": "https://s3.example.com:9000",
    "bucket": "zane-backups",
    "access_key_id": "AKIAEXAMPLE",
    "secret_access_key": "s3cr3t-key-value",
}


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[RunningApi]:
    async with serving(api_settings(database_url, backups_root=tmp_path)) as running:
        yield running


@pytest.fixture
async def admin(api: RunningApi) -> AsyncIterator[httpx.AsyncClient]:
    client = await log_in(api)
    yield client
    await client.aclose()


async def test_the_platform_is_backed_up_now_once_at_a_time_and_listed(
    admin: httpx.AsyncClient,
) -> None:
    """A row with platform: true and no environment; a second ask while it runs is a 409."""
    made = body(await admin.post("/platform/backups"), 201)
    assert made["parent_id"] is None
    assert made["spec"]["platform"] is True and made["spec"]["service_id"] is None
    again = await admin.post("/platform/backups")
    assert again.status_code == 409 and made["id"] in again.text
    listed = body(await admin.get("/platform/backups"), 200)["items"]
    assert [b["id"] for b in listed] == [made["id"]]
    assert body(await admin.get(f"/backups/{made['id']}"), 200)["spec"]["platform"] is True


async def test_the_platform_wide_overview_lists_the_platforms_backup_beside_databases(
    admin: httpx.AsyncClient,
) -> None:
    """GET /backups lists the platform's backup as of no database; /backup-health answers."""
    env_id = await environment(admin)
    db = body(
        await admin.post(
            f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
        ),
        201,
    )["service"]
    mine = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    platform = body(await admin.post("/platform/backups"), 201)
    listed = body(await admin.get("/backups"), 200)["items"]
    assert [item["id"] for item in listed] == [platform["id"], mine["id"]]
    assert listed[0]["database"] is None and listed[1]["database"]["service_slug"] == "db"
    body(await admin.get("/backup-health"), 200)


async def test_a_verified_platform_backup_downloads_named_for_the_instance(
    api: RunningApi, admin: httpx.AsyncClient, tmp_path: Path, database_url: str
) -> None:
    """GET /backups/{id}/file, as `<instance>-platform-<time>.pgdump`, with its sha256."""
    made = body(await admin.post("/platform/backups"), 201)
    relative = Path("platform") / f"{made['id']}.pgdump"
    (tmp_path / relative).parent.mkdir(parents=True)
    (tmp_path / relative).write_bytes(b"PGDMP platform")
    sha256 = hashlib.sha256(b"PGDMP platform").hexdigest()
    details = {"phase": "VERIFIED", "file": str(relative), "size_bytes": 14, "sha256": sha256}
    store = await PostgresStore.open(database_url)
    try:
        await store.write_status(Kind.BACKUPS, uuid.UUID(made["id"]), Status(details=details))
    finally:
        await store.close()
    answer = await admin.get(f"/backups/{made['id']}/file")
    assert answer.status_code == 200 and answer.content == b"PGDMP platform"
    assert answer.headers["X-Checksum-Sha256"] == sha256
    instance = api.installation.instance
    assert f'filename="{instance}-platform-' in answer.headers["Content-Disposition"]
    restore = await admin.post(f"/backups/{made['id']}/restore", json={"slug": "copy"})
    assert restore.status_code == 409 and "zaneops restore" in restore.text


async def test_the_platforms_backup_policy_defaults_to_daily_and_is_changed_with_checks(
    admin: httpx.AsyncClient,
) -> None:
    """Defaults 02:30 UTC, keep 7; a bad schedule or an unknown target is a 422 naming it."""
    policy = body(await admin.get("/platform/backup-policy"), 200)
    defaults = {"schedule": "30 2 * * *", "keep_last": 7, "target_id": None, "encrypt": False}
    assert policy == defaults
    bad = body(await admin.put("/platform/backup-policy", json={"schedule": "daily"}), 422)
    assert [e["field"] for e in bad["errors"]] == ["schedule"]
    unknown = {"schedule": "0 4 * * *", "target_id": str(uuid.uuid4())}
    refused = body(await admin.put("/platform/backup-policy", json=unknown), 422)
    assert [e["field"] for e in refused["errors"]] == ["target_id"]
    wanted = {"schedule": "0 4 * * *", "keep_last": 3, "target_id": None, "encrypt": True}
    assert body(await admin.put("/platform/backup-policy", json=wanted), 200) == wanted
    assert body(await admin.get("/platform/backup-policy"), 200) == wanted


async def test_a_target_the_platforms_policy_names_is_not_deleted(
    admin: httpx.AsyncClient,
) -> None:
    """Deleting it would fail every scheduled backup of the platform: 409 until the policy
    keeps them elsewhere."""
    target = body(await admin.post("/backup-targets", json=TARGET), 201)
    policy = {"schedule": "0 4 * * *", "keep_last": 3, "target_id": target["id"]}
    body(await admin.put("/platform/backup-policy", json=policy), 200)
    refused = await admin.delete(f"/backup-targets/{target['id']}")
    assert refused.status_code == 409 and "platform" in refused.text
    body(await admin.put("/platform/backup-policy", json={**policy, "target_id": None}), 200)
    assert (await admin.delete(f"/backup-targets/{target['id']}")).status_code == 202


async def test_only_an_administrator_backs_up_or_reads_the_platform(
    api: RunningApi, admin: httpx.AsyncClient, database_url: str
) -> None:
    """Another user: 403 on every platform endpoint, and on a platform backup's own routes
    (read, delete, download); GET /backups does not list them to them."""
    made = body(await admin.post("/platform/backups"), 201)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO zane_users (username, password_hash, is_admin) VALUES (%s, %s, false)",
            ("someone", hash_password("a long enough password")),
        )
    client = api.client()
    answer = await client.post(
        "/auth/login", json={"username": "someone", "password": "a long enough password"}
    )
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    try:
        for method, url in (
            ("POST", "/platform/backups"),
            ("GET", "/platform/backups"),
            ("GET", "/platform/backup-policy"),
            ("PUT", "/platform/backup-policy"),
            ("GET", f"/backups/{made['id']}"),
            ("DELETE", f"/backups/{made['id']}"),
            ("GET", f"/backups/{made['id']}/file"),
        ):
            got = await client.request(method, url, json={"schedule": "0 4 * * *"})
            assert got.status_code == 403, (method, url, got.text)
        assert body(await client.get("/backups"), 200)["items"] == []
        still = body(await admin.get(f"/backups/{made['id']}"), 200)
        assert still["deleted_at"] is None
        assert [b["id"] for b in body(await admin.get("/backups"), 200)["items"]] == [made["id"]]
    finally:
        await client.aclose()
