"""Disk hygiene removes only this installation's old built images."""

from __future__ import annotations

import io
import time
from pathlib import Path
from uuid import UUID

from tests.support import builds as bd
from tests.support import swarm as sw
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore


def _image(tag: str, labels: dict[str, str]) -> str:
    """A tiny image (busybox plus labels); its creation time is now, to the second."""
    dockerfile = io.BytesIO(b"FROM zaneops/busybox:latest\nRUN true\n")
    image, _ = sw.client().images.build(fileobj=dockerfile, tag=tag, labels=labels, rm=True)
    return str(image.id)


def _exists(reference: str) -> bool:
    return any(reference in (i["RepoTags"] or []) for i in sw.client().api.images())


def _ours(instance: str, service_id: UUID, build: str) -> dict[str, str]:
    return {
        "zane.managed": "true",
        "zane.instance": instance,
        "zane.owner": f"services/{service_id}",
        "zane.build": build,
    }


async def test_hygiene_keeps_the_newest_and_the_needed_and_never_touches_foreign_images(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """keep 1: the newest and the one a live deployment runs stay; a middle one goes."""
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, sw.web_spec())
    repository = f"{instance}-build/{service.id}"
    tags = [f"{repository}:old", f"{repository}:middle", f"{repository}:new"]
    foreign = f"{repository}:foreign"
    unbuilt = f"{instance}-build/{service.id}:unbuilt"
    try:
        for index, tag in enumerate(tags):
            _image(tag, _ours(instance, service.id, f"b{index}"))
            time.sleep(1.1)  # creation times are in seconds: keep them ordered
        _image(
            foreign, {"zane.managed": "true", "zane.instance": "someone-else", "zane.build": "x"}
        )
        _image(unbuilt, {"zane.managed": "true", "zane.instance": instance})
        await sw.deploy(store, service.id, sw.web_spec(), image=tags[0])
        async with bd.builds_controller(instance, database_url, tmp_path, keep_images=1):
            await eventually(lambda: not _exists(tags[1]), timeout=20, message="middle removed")
        assert _exists(tags[0]) and _exists(tags[2])
        assert _exists(foreign) and _exists(unbuilt)
    finally:
        bd.remove_images(instance, foreign, unbuilt)
