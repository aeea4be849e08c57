"""Real Docker volumes for the volumes tests: a unique instance per test, cleaned up after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any
from uuid import UUID

from docker.errors import APIError, NotFound

from tests.support import swarm as sw
from tests.support.runtime import running
from tests.support.waiting import eventually, wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.runtime.runner import Runner
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


@contextmanager
def cleaned_up(instance: str, extra_volumes: list[str]) -> Iterator[None]:
    """The instance's containers, services and volumes (and the named extras) go at the end."""
    try:
        yield
    finally:
        sw.remove_everything(instance)
        api = sw.client().api
        found = api.volumes(filters={"label": f"zane.instance={instance}"}) or {}
        names = [v["Name"] for v in found.get("Volumes") or []] + extra_volumes
        for name in names:
            with suppress(NotFound, APIError):
                api.remove_volume(name, force=True)


def docker_volume(name: str) -> dict[str, Any] | None:
    try:
        return sw.client().api.inspect_volume(name)  # type: ignore[no-any-return]
    except NotFound:
        return None


async def in_container(instance: str, volume: str, script: str) -> str:
    """Run a shell script in a throw-away busybox with the volume at /data; its output."""

    def run() -> str:
        output = sw.client().containers.run(
            sw.BUSYBOX,
            ["sh", "-c", script],
            volumes={volume: {"bind": "/data", "mode": "rw"}},
            labels={"zane.instance": instance},
            remove=True,
        )
        return bytes(output).decode()

    return await asyncio.to_thread(run)


@asynccontextmanager
async def volumes_controller(
    instance: str, database_url: str, root: Path, **overrides: Any
) -> AsyncIterator[Runner]:
    from controllers import volumes
    from controllers.volumes.settings import VolumesSettings

    settings = VolumesSettings(
        host_root=str(root),
        observe_seconds=overrides.pop("observe_seconds", 30.0),
        in_use_poll_seconds=overrides.pop("in_use_poll_seconds", 0.5),
        **overrides,
    )
    async with running(
        lambda deps: volumes.build(deps, settings),
        database_url,
        installation={"instance": instance},
    ) as runner:
        yield runner


async def make_volume(
    store: PostgresStore, environment_id: UUID, slug: str = "data", **spec: Any
) -> StoredObject:
    return await store.create(Kind.VOLUMES, {"slug": slug, **spec}, environment_id)


async def wait_for_condition(
    store: PostgresStore, volume_id: UUID, type_: str, status: str, timeout: float = 20.0
) -> StoredObject:
    def has_condition(row: StoredObject) -> bool:
        found = row.status.condition(type_)
        return found is not None and found.status == status

    return await wait_for_row(
        store, Kind.VOLUMES, volume_id, has_condition, what=f"{type_}={status}", timeout=timeout
    )


async def wait_gone(store: PostgresStore, volume_id: UUID, timeout: float = 20.0) -> None:
    async def gone() -> bool:
        return await store.get(Kind.VOLUMES, volume_id) is None

    await eventually(gone, timeout=timeout, every=0.1, message="volume row removed")


def volume_name(instance: str, volume_id: UUID) -> str:
    return naming.docker_volume(instance, volume_id)
