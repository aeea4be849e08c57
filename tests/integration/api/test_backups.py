"""Backups through the real API (no controller here): asked for, listed per service, refused
for what cannot be backed up, deleted on request."""

from __future__ import annotations

import uuid

import httpx
import psycopg

from tests.integration.api.helpers import body, environment, image_service_in
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind


async def test_a_backup_asked_for_is_listed_with_its_service_and_deleted_on_request(
    admin: httpx.AsyncClient,
) -> None:
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    other = body(
        await admin.post(
            f"/environments/{env_id}/databases", json={"slug": "db2", "engine": "postgres"}
        ),
        201,
    )["service"]
    first = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    second = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    body(await admin.post(f"/services/{other['id']}/backups"), 201)
    assert first["spec"] == {
        "service_id": db["id"],
        "trigger": "manual",
        "restore_from": None,
        "target_id": None,
        "in_place": False,
    }
    assert first["phase"] is None and first["parent_id"] == env_id

    listed = body(await admin.get(f"/services/{db['id']}/backups"), 200)["items"]
    assert [b["id"] for b in listed] == [second["id"], first["id"]]  # newest first, its own

    assert (await admin.delete(f"/backups/{first['id']}")).status_code == 202
    # No controller runs here, so no finalizer holds the row (its file would go first).
    assert (await admin.get(f"/backups/{first['id']}")).status_code == 404
    listed = body(await admin.get(f"/services/{db['id']}/backups"), 200)["items"]
    assert [b["id"] for b in listed] == [second["id"]]


async def test_a_service_that_is_not_a_postgres_database_is_not_backed_up(
    admin: httpx.AsyncClient,
) -> None:
    env_id = await environment(admin)
    web = await image_service_in(admin, env_id)
    answer = await admin.post(f"/services/{web['id']}/backups")
    assert answer.status_code == 409 and "only PostgreSQL" in answer.text
    policy = {**web["spec"], "backup": {"schedule": "0 3 * * *"}}
    refused = await admin.put(
        f"/services/{web['id']}", json=policy, headers={"If-Match": f'"{web["generation"]}"'}
    )
    problem = body(refused, 422)
    assert [e["field"] for e in problem["errors"]] == ["backup"]


async def test_only_a_verified_backup_is_restored(admin: httpx.AsyncClient) -> None:
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    queued = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    answer = await admin.post(f"/backups/{queued['id']}/restore", json={"slug": "copy"})
    assert answer.status_code == 409 and "only a verified backup" in answer.text
    services = body(await admin.get(f"/environments/{env_id}/services"), 200)["items"]
    assert [s["spec"]["slug"] for s in services] == ["db"]  # nothing half made


async def test_a_schedule_without_a_recent_verified_backup_is_overdue(
    admin: httpx.AsyncClient, store: PostgresStore, database_url: str
) -> None:
    """Hourly, and the newest verified backup is five hours old: overdue, said in words."""
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    health = body(await admin.get(f"/services/{db['id']}/backup-health"), 200)
    assert health == {"schedule": None, "last_verified_at": None, "next_at": None, "overdue": None}

    headers = {"If-Match": f'"{db["generation"]}"'}
    spec = {**db["spec"], "backup": {"schedule": "0 * * * *", "keep_last": 3}}
    body(await admin.put(f"/services/{db['id']}", json=spec, headers=headers), 200)
    backup = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    await store.write_status(
        Kind.BACKUPS, uuid.UUID(backup["id"]), Status(details={"phase": "VERIFIED"})
    )
    health = body(await admin.get(f"/services/{db['id']}/backup-health"), 200)
    assert health["overdue"] is None and health["last_verified_at"] is not None

    with psycopg.connect(database_url, autocommit=True) as conn:  # as if made 5 hours ago
        conn.execute(
            "UPDATE backups SET created_at = now() - interval '5 hours' WHERE id = %s",
            (backup["id"],),
        )
    health = body(await admin.get(f"/services/{db['id']}/backup-health"), 200)
    assert health["overdue"] == (
        "no verified backup for 5 h, while the schedule makes one every 1 h"
    )


async def test_a_restore_in_place_needs_a_verified_backup_the_slug_typed_and_nothing_running(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    backup = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    url = f"/backups/{backup['id']}/restore-in-place"
    answer = await admin.post(url, json={"confirm": "db"})
    assert answer.status_code == 409 and "only a verified backup" in answer.text

    await store.write_status(
        Kind.BACKUPS, uuid.UUID(backup["id"]), Status(details={"phase": "VERIFIED"})
    )
    problem = body(await admin.post(url, json={"confirm": "other"}), 422)
    assert [e["field"] for e in problem["errors"]] == ["confirm"]
    assert "type the database's slug, db" in problem["errors"][0]["reason"]
    assert [e["field"] for e in body(await admin.post(url, json={}), 422)["errors"]] == ["confirm"]

    restore = body(await admin.post(url, json={"confirm": "db"}), 201)
    assert restore["spec"] == {
        "service_id": db["id"],
        "trigger": "manual",
        "restore_from": backup["id"],
        "in_place": True,
    }
    again = await admin.post(url, json={"confirm": "db"})
    assert again.status_code == 409 and f"restore {restore['id']}" in again.text
    backing_up = await admin.post(f"/services/{db['id']}/backups")
    assert backing_up.status_code == 409 and "being restored into" in backing_up.text
