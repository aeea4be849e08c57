"""Databases as the e2e tests use them: made through the real API, deployed by the real
controllers, written by a job, read inside their container; and the backups controller."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support import swarm as sw
from tests.support.platform_api import created, phase
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.runtime.runner import Runner

DEPLOY_TIMEOUT = 90.0


async def new_environment(client: httpx.AsyncClient, slug: str = "shop") -> str:
    project = await created(await client.post("/projects", json={"slug": slug, "name": slug}))
    environment = await created(
        await client.post(f"/projects/{project['id']}/environments", json={"slug": "prod"})
    )
    return str(environment["id"])


async def new_database(client: httpx.AsyncClient, env_id: str, **fields: Any) -> dict[str, Any]:
    answer = await client.post(f"/environments/{env_id}/databases", json=fields)
    return await created(answer)


async def deployed(client: httpx.AsyncClient, service_id: str, wanted: str = "HEALTHY") -> str:
    """A new deployment of the service, once in `wanted` (fails at once if it FAILED)."""
    deployment = await created(await client.post(f"/services/{service_id}/deploy"))

    async def reached() -> bool:
        found = await phase(client, deployment["id"])
        if found in {"FAILED", "CANCELLED"} - {wanted}:
            raise AssertionError((await client.get(f"/deployments/{deployment['id']}")).text)
        return found == wanted

    await eventually(reached, timeout=DEPLOY_TIMEOUT, every=0.3, message=wanted)
    return str(deployment["id"])


async def job(client: httpx.AsyncClient, env_id: str, slug: str, image: str, script: str) -> str:
    """A job in `image` running `script` with URL={{services.db.DATABASE_URL}}, SUCCEEDED."""
    spec = {
        "slug": slug,
        "source": {"type": "image", "image": image},
        "mode": "job",
        "entrypoint": [],
        "command": ["sh", "-c", script],
        "env": [{"name": "URL", "value": "{{services.db.DATABASE_URL}}"}],
    }
    made = await created(await client.post(f"/environments/{env_id}/services", json=spec))
    return await deployed(client, made["id"], "SUCCEEDED")


def run_in(instance: str, deployment_id: str, command: list[str]) -> str:
    """`command` in the deployment's one running container; its output (exit 0 required)."""
    [container] = sw.running_containers(instance, uuid.UUID(deployment_id))
    code, output = container.exec_run(command)
    text = bytes(output).decode(errors="replace").strip()
    assert code == 0, text
    return text


async def backup_of(client: httpx.AsyncClient, backup_id: str) -> dict[str, Any]:
    """The backup (or restore) as the API shows it."""
    answer = await client.get(f"/backups/{backup_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def backup_ended(
    client: httpx.AsyncClient, backup_id: str, timeout: float = 240, seen: list[str] | None = None
) -> dict[str, Any]:
    """The backup once VERIFIED or FAILED; `seen` gets each phase it was found in."""

    async def done() -> bool:
        phase = (await backup_of(client, backup_id))["phase"] or "QUEUED"
        if seen is not None and (not seen or seen[-1] != phase):
            seen.append(phase)
        return phase in ("VERIFIED", "FAILED")

    await eventually(done, timeout=timeout, every=0.2, message=f"backup {backup_id} ended")
    return await backup_of(client, backup_id)


@asynccontextmanager
async def backups_controller(
    instance: str, database_url: str, root: Path, secret_key: str | None = None, **overrides: Any
) -> AsyncIterator[Runner]:
    from controllers import backups
    from controllers.backups.settings import BackupsSettings

    settings = BackupsSettings(root=root, **overrides)
    async with running(
        lambda deps: backups.build(deps, settings),
        database_url,
        installation={"instance": instance} | ({"secret_key": secret_key} if secret_key else {}),
    ) as runner:
        yield runner
