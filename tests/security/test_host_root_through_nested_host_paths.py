"""Issue 15, item 1: host-path volumes cannot be nested to reach the host's root.

The attack: two host-path volumes, one inside the other's folder, mounted by one container.
It replaces the inner folder with a symbolic link to / and exits; Swarm starts it again, and
Docker, following the link, binds the host's root (and the Docker socket) into it. No folder
may lie in another volume's folder, in any environment, and a path that is or goes through a
link is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import swarm as sw
from tests.support import volumes as vs
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind


async def new_environment(admin: httpx.AsyncClient, slug: str) -> str:
    project = await admin.post("/projects", json={"slug": f"p{uuid.uuid4().hex[:6]}", "name": "P"})
    project.raise_for_status()
    made = await admin.post(f"/projects/{project.json()['id']}/environments", json={"slug": slug})
    made.raise_for_status()
    return str(made.json()["id"])


def folder(path: str) -> dict[str, str]:
    return {"slug": f"v{uuid.uuid4().hex[:6]}", "kind": "host_path", "host_path": path}


async def test_a_folder_inside_another_environments_volume_folder_is_refused(
    admin: httpx.AsyncClient,
) -> None:
    """Attack: production has /srv/app; staging asks for /srv/app/inner (then the reverse).
    Before: both accepted. Now: 409, naming the folder it overlaps."""
    production = await new_environment(admin, "production")
    staging = await new_environment(admin, "staging")
    base = f"/var/lib/zaneops/volumes/{uuid.uuid4().hex[:8]}"
    made = await admin.post(f"/environments/{production}/volumes", json=folder(base))
    assert made.status_code == 201, made.text
    inner = await admin.post(f"/environments/{staging}/volumes", json=folder(f"{base}/inner"))
    assert inner.status_code == 409 and base in inner.json()["message"], inner.text
    same = await admin.post(f"/environments/{production}/volumes", json=folder(base))
    assert same.status_code == 409
    outer = await admin.post(
        f"/environments/{staging}/volumes", json=folder(str(Path(base).parent))
    )
    assert outer.status_code == 409


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with vs.cleaned_up(name, []):
        yield name


async def test_nested_rows_written_behind_the_apis_back_are_settled_oldest_first(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """Two rows inserted straight into the database (a race, or a bug): the older volume is
    Ready, the nested one is refused HostPathOverlaps and its folder is never made."""
    root = tmp_path / "root"
    root.mkdir()
    first = await sw.make_environment(store)
    second = await sw.make_environment(store)
    outer = await store.create(Kind.VOLUMES, folder(str(root / "a")), first.id)
    nested = await store.create(Kind.VOLUMES, folder(str(root / "a" / "b")), second.id)
    async with vs.volumes_controller(instance, database_url, root):
        await vs.wait_for_condition(store, outer.id, "Ready", "True")
        refused = await vs.wait_for_condition(store, nested.id, "Ready", "False")
    condition = refused.status.condition("Reconciled")
    assert condition is not None and condition.reason == "HostPathOverlaps"
    assert not (root / "a" / "b").exists()


async def test_a_host_path_through_a_symbolic_link_is_refused(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """Attack: host_path /root/link where link → /root/real (inside the root). Before: the
    resolved path was inside the root, so it was accepted (and a later swap of the link's
    target went unseen). Now: refused, HostPathThroughLink."""
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "link").symlink_to(root / "real")
    environment = await sw.make_environment(store)
    volume = await store.create(Kind.VOLUMES, folder(str(root / "link")), environment.id)
    async with vs.volumes_controller(instance, database_url, root):
        refused = await vs.wait_for_condition(store, volume.id, "Ready", "False")
    condition = refused.status.condition("Reconciled")
    assert condition is not None and condition.reason == "HostPathThroughLink"
