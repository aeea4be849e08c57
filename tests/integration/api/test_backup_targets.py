"""Backup targets through the real API (no controller, no store here): each field's bad input
refused at the field, the secret key sealed and masked, a masked key kept only while the store
stays the same, a policy naming an unknown target refused, a target in use not deleted."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import body, environment
from zaneops.common.secrets import MASK

GOOD: dict[str, Any] = {
    "name": "offsite",
    "endpoint": "https://s3.example.com:9000",
    "bucket": "zane-backups",
    "prefix": "prod/db",
    "access_key_id": "AKIAEXAMPLE",
    "secret_access_key": "s3cr3t-key-value",
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("endpoint", "ftp://s3.example.com"),
        ("endpoint", "https://s3.example.com/bucket"),
        ("bucket", "Bad_Bucket"),
        ("bucket", "ab"),
        ("prefix", "../escape"),
        ("region", "EU West"),
        ("access_key_id", "has space"),
        ("secret_access_key", "has space"),
        ("secret_access_key", MASK),  # nothing stored to keep
    ],
)
async def test_a_target_with_a_bad_field_is_refused_at_that_field(
    admin: httpx.AsyncClient, field: str, value: str
) -> None:
    problem = body(await admin.post("/backup-targets", json={**GOOD, field: value}), 422)
    assert [e["field"] for e in problem["errors"]] == [field], problem


async def test_the_secret_key_is_sealed_masked_and_kept_only_for_the_same_store(
    admin: httpx.AsyncClient,
) -> None:
    made = body(await admin.post("/backup-targets", json=GOOD), 201)
    assert made["spec"]["secret_access_key"] == MASK
    assert made["spec"]["prefix"] == "prod/db"
    headers = {"If-Match": f'"{made["generation"]}"'}
    renamed = {**made["spec"], "name": "offsite-2"}
    kept = body(
        await admin.put(f"/backup-targets/{made['id']}", json=renamed, headers=headers), 200
    )
    moved = {**kept["spec"], "bucket": "another-bucket"}
    headers = {"If-Match": f'"{kept["generation"]}"'}
    problem = body(
        await admin.put(f"/backup-targets/{made['id']}", json=moved, headers=headers), 422
    )
    assert [e["field"] for e in problem["errors"]] == ["secret_access_key"]
    twice = body(await admin.post("/backup-targets", json={**GOOD, "name": "offsite-2"}), 422)
    assert [e["field"] for e in twice["errors"]] == ["name"]


async def test_a_policy_names_a_live_target_and_a_target_in_use_is_not_deleted(
    admin: httpx.AsyncClient,
) -> None:
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    service = body(await admin.get(f"/services/{db['id']}"), 200)
    headers = {"If-Match": f'"{service["generation"]}"'}
    unknown = {"schedule": "0 3 * * *", "target_id": str(uuid.uuid4())}
    refused = await admin.put(
        f"/services/{db['id']}", json={**service["spec"], "backup": unknown}, headers=headers
    )
    assert [e["field"] for e in body(refused, 422)["errors"]] == ["backup.target_id"]

    target = body(await admin.post("/backup-targets", json=GOOD), 201)
    policy = {"schedule": "0 3 * * *", "target_id": target["id"]}
    edited = await admin.put(
        f"/services/{db['id']}", json={**service["spec"], "backup": policy}, headers=headers
    )
    body(edited, 200)
    backup = body(await admin.post(f"/services/{db['id']}/backups"), 201)
    assert backup["spec"]["target_id"] == target["id"]  # where the schedule keeps them
    answer = await admin.delete(f"/backup-targets/{target['id']}")
    assert answer.status_code == 409 and "1 backups are kept" in answer.text
    assert (await admin.delete(f"/backups/{backup['id']}")).status_code == 202
    assert (await admin.delete(f"/services/{db['id']}")).status_code == 202  # its policy too
    assert (await admin.delete(f"/backup-targets/{target['id']}")).status_code == 202


async def test_a_target_keeps_its_place_while_backups_are_kept_there_and_policies_hold_it(
    admin: httpx.AsyncClient,
) -> None:
    """Objects are found where the target says: moving it would lose them; a policy naming a
    deleted target would fail every scheduled backup."""
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    target = body(await admin.post("/backup-targets", json=GOOD), 201)
    service = body(await admin.get(f"/services/{db['id']}"), 200)
    policy = {"schedule": "0 3 * * *", "target_id": target["id"]}
    headers = {"If-Match": f'"{service["generation"]}"'}
    edited = await admin.put(
        f"/services/{db['id']}", json={**service["spec"], "backup": policy}, headers=headers
    )
    edited_service = body(edited, 200)
    answer = await admin.delete(f"/backup-targets/{target['id']}")
    assert answer.status_code == 409 and "1 databases keep their backups" in answer.text

    body(await admin.post(f"/services/{db['id']}/backups"), 201)
    moved = {**target["spec"], "prefix": "elsewhere"}
    headers = {"If-Match": f'"{target["generation"]}"'}
    refused = await admin.put(f"/backup-targets/{target['id']}", json=moved, headers=headers)
    assert [e["field"] for e in body(refused, 422)["errors"]] == ["prefix"]
    renamed = {**target["spec"], "name": "still-here"}
    body(await admin.put(f"/backup-targets/{target['id']}", json=renamed, headers=headers), 200)

    headers = {"If-Match": f'"{edited_service["generation"]}"'}
    local = {"schedule": "0 3 * * *", "target_id": None}
    body(
        await admin.put(
            f"/services/{db['id']}", json={**service["spec"], "backup": local}, headers=headers
        ),
        200,
    )
    answer = await admin.delete(f"/backup-targets/{target['id']}")
    assert answer.status_code == 409 and "1 backups are kept" in answer.text
