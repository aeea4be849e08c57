"""Volume snapshots through the real API (no controller here): asked for on a volume a service
mounts, listed with the volume (not with the service's database backups), restored into a new
volume once verified; bad requests refused with the field and the reason, nothing half made."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.api.helpers import body, environment
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind


async def volume_in(admin: httpx.AsyncClient, env_id: str, slug: str = "files") -> dict[str, Any]:
    return body(await admin.post(f"/environments/{env_id}/volumes", json={"slug": slug}), 201)


async def mounted_volume(admin: httpx.AsyncClient, env_slug: str = "shop") -> dict[str, Any]:
    """A volume, mounted by a service of its environment."""
    env_id = await environment(admin, env_slug)
    volume = await volume_in(admin, env_id)
    spec = {
        "slug": "web",
        "source": {"type": "image", "image": "zaneops/busybox:latest"},
        "volumes": [{"volume": "files", "container_path": "/srv"}],
    }
    body(await admin.post(f"/environments/{env_id}/services", json=spec), 201)
    return volume


async def test_a_snapshot_asked_for_is_of_the_volume_and_its_service_and_listed_with_it(
    admin: httpx.AsyncClient,
) -> None:
    """POST on the volume makes a backups row with its volume; the volume lists it, the
    service's database backups do not."""
    volume = await mounted_volume(admin)
    made = body(await admin.post(f"/volumes/{volume['id']}/snapshots", json={"pause": True}), 201)
    assert made["spec"]["volume_id"] == volume["id"] and made["spec"]["pause"] is True
    listed = body(await admin.get(f"/volumes/{volume['id']}/snapshots"), 200)["items"]
    assert [s["id"] for s in listed] == [made["id"]]
    service_backups = body(await admin.get(f"/services/{made['spec']['service_id']}/backups"), 200)[
        "items"
    ]
    assert service_backups == []
    again = await admin.post(f"/volumes/{volume['id']}/snapshots")
    assert again.status_code == 409 and "still running" in again.text


async def test_a_volume_no_service_mounts_or_that_does_not_exist_is_not_snapshotted(
    admin: httpx.AsyncClient,
) -> None:
    """409 for a volume nobody mounts (a snapshot is of a service's files), 404 for none."""
    env_id = await environment(admin)
    lonely = await volume_in(admin, env_id)
    answer = await admin.post(f"/volumes/{lonely['id']}/snapshots")
    assert answer.status_code == 409 and answer.json()["code"] == "not_mounted", answer.text
    missing = await admin.post(f"/volumes/{uuid.uuid4()}/snapshots")
    assert missing.status_code == 404


async def test_a_volume_policy_naming_an_unknown_target_is_refused_on_its_field(
    admin: httpx.AsyncClient,
) -> None:
    """422 on backup.target_id; a bad schedule, 422 on backup.schedule; the volume unchanged."""
    volume = await mounted_volume(admin)
    headers = {"If-Match": f'"{volume["generation"]}"'}
    unknown = {"schedule": "0 3 * * *", "target_id": str(uuid.uuid4())}
    answer = await admin.put(
        f"/volumes/{volume['id']}", json={**volume["spec"], "backup": unknown}, headers=headers
    )
    assert [e["field"] for e in body(answer, 422)["errors"]] == ["backup.target_id"]
    bad = {"schedule": "every day", "pause": True}
    answer = await admin.put(
        f"/volumes/{volume['id']}", json={**volume["spec"], "backup": bad}, headers=headers
    )
    assert [e["field"] for e in body(answer, 422)["errors"]] == ["backup.schedule"]
    assert body(await admin.get(f"/volumes/{volume['id']}"), 200)["spec"].get("backup") is None


async def test_only_a_verified_snapshot_is_restored_into_a_new_volume_of_a_free_slug(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    """A queued snapshot: 409; a slug taken: 422 on slug; a database backup: 409; verified:
    a new volume and a restore row into it, made together."""
    volume = await mounted_volume(admin)
    snapshot = body(await admin.post(f"/volumes/{volume['id']}/snapshots"), 201)
    queued = await admin.post(f"/backups/{snapshot['id']}/restore-volume", json={"slug": "copy"})
    assert queued.status_code == 409 and "only a verified snapshot" in queued.text

    done = Status(details={"phase": "VERIFIED", "snapshot_id": "abcd1234"})
    await store.write_status(Kind.BACKUPS, uuid.UUID(snapshot["id"]), done)
    taken = await admin.post(f"/backups/{snapshot['id']}/restore-volume", json={"slug": "files"})
    assert [e["field"] for e in body(taken, 422)["errors"]] == ["slug"]
    bad_slug = await admin.post(f"/backups/{snapshot['id']}/restore-volume", json={"slug": "A B"})
    assert body(bad_slug, 422)["errors"][0]["field"] == "slug"

    made = body(
        await admin.post(f"/backups/{snapshot['id']}/restore-volume", json={"slug": "copy"}), 201
    )
    assert made["volume"]["spec"]["slug"] == "copy"
    assert made["restore"]["spec"]["restore_from"] == snapshot["id"]
    assert made["restore"]["spec"]["volume_id"] == made["volume"]["id"]
    listed = body(await admin.get(f"/volumes/{volume['id']}/snapshots"), 200)["items"]
    assert [row["id"] for row in listed] == [made["restore"]["id"], snapshot["id"]]
    as_database = await admin.post(f"/backups/{snapshot['id']}/restore", json={"slug": "db2"})
    assert as_database.status_code == 409 and "restored into a volume" in as_database.text
    download = await admin.get(f"/backups/{snapshot['id']}/file")
    assert download.status_code == 409
    volumes = body(await admin.get(f"/environments/{volume['parent_id']}/volumes"), 200)["items"]
    assert sorted(v["spec"]["slug"] for v in volumes) == ["copy", "files"]
