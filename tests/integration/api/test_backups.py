"""Backups through the real API (no controller here): asked for, listed per service, refused
for what cannot be backed up, deleted on request."""

from __future__ import annotations

import httpx

from tests.integration.api.helpers import body, environment, image_service_in


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
    assert first["spec"] == {"service_id": db["id"], "trigger": "manual", "restore_from": None}
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
