"""Backups through the real API (no controller here): asked for, listed per service and
platform-wide, refused for what cannot be backed up, downloaded once verified (from a backups
folder of the test's own, files written as the controller writes them), deleted on request."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.integration.api.helpers import body, environment, image_service_in
from tests.support.api import RunningApi, api_settings, serving
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind

DUMP = b"PGDMP" + bytes(range(256)) * 5000  # a little over 1 MB: more than one chunk


@pytest.fixture
def backups_root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
async def api(database_url: str, backups_root: Path) -> AsyncIterator[RunningApi]:
    async with serving(api_settings(database_url, backups_root=backups_root)) as running:
        yield running


async def new_database(admin: httpx.AsyncClient, env_id: str, slug: str = "db") -> dict[str, Any]:
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": slug, "engine": "postgres"}
    )
    service: dict[str, Any] = body(made, 201)["service"]
    return service


async def verified(
    store: PostgresStore,
    backup: dict[str, Any],
    root: Path,
    content: bytes = DUMP,
    suffix: str = ".pgdump",
    **details: Any,
) -> str:
    """The backup VERIFIED, its file written where the controller puts it; its sha256."""
    relative = Path(backup["parent_id"]) / f"{backup['id']}{suffix}"
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_bytes(content)
    sha256 = hashlib.sha256(content).hexdigest()
    recorded = {"phase": "VERIFIED", "file": str(relative), "size_bytes": len(content)}
    status = Status(details={**recorded, "sha256": sha256, "engine": "postgres", **details})
    await store.write_status(Kind.BACKUPS, uuid.UUID(backup["id"]), status)
    return sha256


async def ended(store: PostgresStore, backup: dict[str, Any], phase: str) -> None:
    status = Status(details={"phase": phase})
    await store.write_status(Kind.BACKUPS, uuid.UUID(backup["id"]), status)


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
        "platform": False,
        "trigger": "manual",
        "restore_from": None,
        "target_id": None,
        "volume_id": None,
        "pause": False,
        "in_place": False,
        "encrypted": False,
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
        "platform": False,
        "trigger": "manual",
        "restore_from": backup["id"],
        "in_place": True,
        "target_id": None,
        "volume_id": None,
        "pause": False,
        "encrypted": False,
    }
    again = await admin.post(url, json={"confirm": "db"})
    assert again.status_code == 409 and f"restore {restore['id']}" in again.text
    backing_up = await admin.post(f"/services/{db['id']}/backups")
    assert backing_up.status_code == 409 and "being restored into" in backing_up.text


async def test_a_redis_backup_is_restored_in_place_but_never_one_of_another_engine(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """A Redis's verified backup is accepted; one recorded as another engine's (a PostgreSQL
    dump) is refused with the reason, before anything is made."""
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "cache", "engine": "redis"}
    )
    db = body(made, 201)["service"]
    redis, postgres = [body(await admin.post(f"/services/{db['id']}/backups"), 201) for _ in "ab"]
    for backup, engine in ((redis, "redis"), (postgres, "postgres")):
        status = Status(details={"phase": "VERIFIED", "engine": engine})
        await store.write_status(Kind.BACKUPS, uuid.UUID(backup["id"]), status)

    refused = await admin.post(
        f"/backups/{postgres['id']}/restore-in-place", json={"confirm": "cache"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "another_engine"
    assert "a PostgreSQL backup cannot replace the contents of a Redis database" in refused.text
    url = f"/backups/{redis['id']}/restore-in-place"
    restore = body(await admin.post(url, json={"confirm": "cache"}), 201)
    assert restore["spec"]["in_place"] is True and restore["spec"]["restore_from"] == redis["id"]


async def test_every_environments_backups_are_listed_newest_first_with_their_database(
    admin: httpx.AsyncClient,
) -> None:
    """Two projects' databases, one list, by pages (limit, next_cursor), each item naming its
    project, environment and database so the dashboard can link to it."""
    shop = await new_database(admin, await environment(admin, "shop"))
    blog = await new_database(admin, await environment(admin, "blog"), "posts")
    made = [
        body(await admin.post(f"/services/{db['id']}/backups"), 201) for db in (shop, blog, shop)
    ]

    first = body(await admin.get("/backups", params={"limit": 2}), 200)
    assert [b["id"] for b in first["items"]] == [made[2]["id"], made[1]["id"]]
    rest = body(await admin.get("/backups", params={"cursor": first["next_cursor"]}), 200)
    assert [b["id"] for b in rest["items"]] == [made[0]["id"]] and rest["next_cursor"] is None

    database = first["items"][1]["database"]
    assert database["project_slug"] == "blog" and database["environment_slug"] == "prod"
    assert database["service_id"] == blog["id"] and database["service_slug"] == "posts"
    assert database["engine"] == "postgres" and database["service_deleted"] is False
    assert first["items"][1]["spec"]["trigger"] == "manual"


async def test_the_platform_wide_list_filters_by_phase(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """phase=FAILED lists only the failed; QUEUED those not started; another word is a 422
    naming the parameter."""
    db = await new_database(admin, await environment(admin))
    failed, good, waiting = [
        body(await admin.post(f"/services/{db['id']}/backups"), 201) for _ in range(3)
    ]
    await ended(store, failed, "FAILED")
    await ended(store, good, "VERIFIED")

    def ids(page: dict[str, Any]) -> list[str]:
        return [b["id"] for b in page["items"]]

    assert ids(body(await admin.get("/backups?phase=FAILED"), 200)) == [failed["id"]]
    assert ids(body(await admin.get("/backups?phase=QUEUED"), 200)) == [waiting["id"]]
    problem = body(await admin.get("/backups?phase=broken"), 422)
    assert [e["field"] for e in problem["errors"]] == ["phase"]


async def test_a_verified_backup_downloads_with_its_sha256_and_a_file_name(
    admin: httpx.AsyncClient, store: PostgresStore, backups_root: Path
) -> None:
    """The bytes as written, their length and the recorded sha256 in headers, named after the
    database and the backup's time (UTC)."""
    db = await new_database(admin, await environment(admin))
    backup = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    sha256 = await verified(store, backup, backups_root)

    answer = await admin.get(f"/backups/{backup['id']}/file")
    assert answer.status_code == 200, answer.text
    assert answer.content == DUMP and hashlib.sha256(answer.content).hexdigest() == sha256
    assert answer.headers["X-Checksum-Sha256"] == sha256
    assert answer.headers["Content-Length"] == str(len(DUMP))
    stamp = backup["created_at"][:19].replace("-", "").replace(":", "")
    expected = f'attachment; filename="db-{stamp}Z.pgdump"'
    assert answer.headers["Content-Disposition"] == expected


async def test_an_encrypt_policy_makes_encrypted_backups_unless_the_request_says_otherwise(
    admin: httpx.AsyncClient, store: PostgresStore, backups_root: Path
) -> None:
    """`encrypt` on the policy is copied onto each backup asked for ("encrypted": false in the
    request overrides it); a value that is not a boolean is a 422 naming the field; an
    encrypted backup downloads as stored, named .age."""
    db = await new_database(admin, await environment(admin))
    headers = {"If-Match": f'"{db["generation"]}"'}
    bad = {**db["spec"], "backup": {"schedule": "0 3 * * *", "encrypt": "sometimes"}}
    problem = body(await admin.put(f"/services/{db['id']}", json=bad, headers=headers), 422)
    assert [e["field"] for e in problem["errors"]] == ["backup.encrypt"]
    policy = {**db["spec"], "backup": {"schedule": "0 3 * * *", "encrypt": True}}
    saved = body(await admin.put(f"/services/{db['id']}", json=policy, headers=headers), 200)
    assert saved["spec"]["backup"]["encrypt"] is True

    encrypted = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    plain = body(await admin.post(f"/services/{db['id']}/backups", json={"encrypted": False}), 201)
    assert (encrypted["spec"]["encrypted"], plain["spec"]["encrypted"]) == (True, False)
    refused = await admin.post(f"/services/{db['id']}/backups", json={"encrypted": "sometimes"})
    assert [e["field"] for e in body(refused, 422)["errors"]] == ["encrypted"]

    ciphertext = b"age-encryption.org/v1\n" + bytes(range(256)) * 10
    await verified(store, encrypted, backups_root, ciphertext, suffix=".pgdump.age")
    answer = await admin.get(f"/backups/{encrypted['id']}/file")
    assert answer.status_code == 200 and answer.content == ciphertext
    assert answer.headers["Content-Disposition"].endswith('.pgdump.age"')

    platform = {"schedule": "30 2 * * *", "keep_last": 7, "encrypt": True}
    body(await admin.put("/platform/backup-policy", json=platform), 200)
    assert body(await admin.get("/platform/backup-policy"), 200)["encrypt"] is True
    made = body(await admin.post("/platform/backups"), 201)
    assert made["spec"]["encrypted"] is True


async def test_only_a_verified_backup_with_its_file_as_recorded_is_downloaded(
    admin: httpx.AsyncClient, store: PostgresStore, backups_root: Path
) -> None:
    """Queued, failed, a restore row: 409; unknown: 404; its file gone: 410; its file changed
    in size: 409."""
    db = await new_database(admin, await environment(admin))
    queued, failed, gone, changed = [
        body(await admin.post(f"/services/{db['id']}/backups"), 201) for _ in range(4)
    ]
    await ended(store, failed, "FAILED")
    restore = await store.create(
        Kind.BACKUPS,
        {"service_id": db["id"], "trigger": "manual", "restore_from": changed["id"]},
        uuid.UUID(db["parent_id"]),
    )
    await store.write_status(Kind.BACKUPS, restore.id, Status(details={"phase": "VERIFIED"}))
    await verified(store, gone, backups_root)
    (backups_root / gone["parent_id"] / f"{gone['id']}.pgdump").unlink()
    await verified(store, changed, backups_root, size_bytes=len(DUMP) + 1)

    def file_of(backup_id: object) -> str:
        return f"/backups/{backup_id}/file"

    for refused in (queued["id"], failed["id"], restore.id):
        answer = await admin.get(file_of(refused))
        assert answer.status_code == 409 and "only a verified backup" in answer.text
    assert (await admin.get(file_of(uuid.uuid4()))).status_code == 404
    missing = await admin.get(file_of(gone["id"]))
    assert missing.status_code == 410 and "no longer in the backups folder" in missing.text
    assert body(await admin.get(file_of(changed["id"])), 409)["code"] == "file_changed"


async def test_downloading_a_backup_needs_a_signed_in_caller(
    api: RunningApi, admin: httpx.AsyncClient, store: PostgresStore, backups_root: Path
) -> None:
    db = await new_database(admin, await environment(admin))
    backup = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    await verified(store, backup, backups_root)
    async with api.client() as stranger:
        answer = await stranger.get(f"/backups/{backup['id']}/file")
        assert answer.status_code == 401 and DUMP[:64] not in answer.content
        assert (await stranger.get("/backups")).status_code == 401


async def test_the_summary_names_the_overdue_scheduled_databases_and_counts_recent_failures(
    admin: httpx.AsyncClient, store: PostgresStore, database_url: str
) -> None:
    """Two hourly databases: one verified now, one whose only verified backup is 5 h old;
    a failed backup of today is counted, one of two days ago and a failed restore are not."""
    env_id = await environment(admin)
    fresh, late = await new_database(admin, env_id, "fresh"), await new_database(admin, env_id)
    await new_database(admin, env_id, "unscheduled")
    for db in (fresh, late):
        spec = {**db["spec"], "backup": {"schedule": "0 * * * *"}}
        headers = {"If-Match": f'"{db["generation"]}"'}
        body(await admin.put(f"/services/{db['id']}", json=spec, headers=headers), 200)
    good, old, failed_today, failed_before = [
        body(await admin.post(f"/services/{db['id']}/backups"), 201)
        for db in (fresh, late, fresh, fresh)
    ]
    for backup, phase in [(good, "VERIFIED"), (old, "VERIFIED")]:
        await ended(store, backup, phase)
    for backup in (failed_today, failed_before):
        await ended(store, backup, "FAILED")
    restore = {"service_id": fresh["id"], "restore_from": good["id"]}
    failed_restore = await store.create(Kind.BACKUPS, restore, uuid.UUID(env_id))
    await store.write_status(Kind.BACKUPS, failed_restore.id, Status(details={"phase": "FAILED"}))
    with psycopg.connect(database_url, autocommit=True) as conn:
        earlier = "UPDATE backups SET created_at = now() - %s::interval WHERE id = %s"
        conn.execute(earlier, ("5 hours", old["id"]))
        conn.execute(earlier, ("2 days", failed_before["id"]))

    summary = body(await admin.get("/backup-health"), 200)
    by_slug = {s["database"]["service_slug"]: s for s in summary["scheduled"]}
    assert sorted(by_slug) == ["db", "fresh"]
    assert by_slug["fresh"]["overdue"] is None
    assert by_slug["db"]["overdue"] == (
        "no verified backup for 5 h, while the schedule makes one every 1 h"
    )
    assert summary["overdue"] == 1 and summary["failed_recently"] == 1
