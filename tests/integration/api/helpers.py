"""Small builders shared by the API tests."""

from __future__ import annotations

from typing import Any

import httpx

IMAGE_SERVICE: dict[str, Any] = {
    "slug": "web",
    "source": {"type": "image", "image": "zaneops/busybox:latest"},
}
GIT_SERVICE: dict[str, Any] = {
    "slug": "app",
    "source": {
        "type": "git",
        "repository_url": "https://git.example.com/acme/app",
        "branch": "main",
    },
}


def body(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def environment(admin: httpx.AsyncClient, slug: str = "shop") -> str:
    project = body(await admin.post("/projects", json={"slug": slug, "name": slug}), 201)
    env = body(
        await admin.post(f"/projects/{project['id']}/environments", json={"slug": "prod"}), 201
    )
    return str(env["id"])


async def service(admin: httpx.AsyncClient, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    env_id = await environment(admin)
    answer = await admin.post(f"/environments/{env_id}/services", json=spec or IMAGE_SERVICE)
    return body(answer, 201)


async def image_service_in(admin: httpx.AsyncClient, env_id: str) -> dict[str, Any]:
    """A plain image service (not a database) in the environment."""
    answer = await admin.post(f"/environments/{env_id}/services", json=IMAGE_SERVICE)
    return body(answer, 201)
