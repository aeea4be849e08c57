"""Git repositories made on the spot, Git-source deployments, and the builds controller."""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any
from uuid import UUID

from docker.errors import APIError, NotFound

from tests.support import swarm as sw
from tests.support.runtime import running, split
from tests.support.waiting import wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import SecretBox, new_key
from zaneops.runtime.runner import Runner
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

# Serves /www/index.html on port 80; the page comes from the repository.
WEB_DOCKERFILE = """FROM zaneops/busybox:latest
COPY index.html /www/index.html
CMD ["httpd", "-f", "-p", "80", "-h", "/www"]
"""
FAST_BUILDS = {"image_cleanup_seconds": 3600.0}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def make_repo(folder: Path, files: dict[str, str]) -> Path:
    """A repository on branch main with one commit of `files`."""
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.email", "test@example.com")
    git(folder, "config", "user.name", "test")
    commit(folder, files)
    return folder


def commit(repo: Path, files: dict[str, str], message: str = "change") -> str:
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def git_spec(repo: Path, slug: str = "web", **source: Any) -> dict[str, Any]:
    return {"slug": slug, "source": {"type": "git", "repository_url": str(repo), **source}}


async def deploy_git(
    store: PostgresStore, service_id: UUID, spec: dict[str, Any], timeout: float | None = None
) -> tuple[StoredObject, StoredObject]:
    """What the API does for a Git source: a deployment without image, and its build row."""
    deployment = await sw.deploy(store, service_id, spec, image=None)
    build: dict[str, Any] = {"deployment_id": str(deployment.id), "source": spec["source"]}
    if timeout is not None:
        build["timeout"] = timeout
    return deployment, await store.create(Kind.BUILDS, build, deployment.id)


async def wait_for_build(
    store: PostgresStore, build_id: UUID, phase: str, timeout: float = 60.0
) -> StoredObject:
    return await wait_for_row(
        store,
        Kind.BUILDS,
        build_id,
        lambda row: row.status.details.get("phase") == phase,
        what=f"build {phase}",
        timeout=timeout,
    )


@asynccontextmanager
async def builds_controller(
    instance: str, database_url: str, tmp: Path, **overrides: Any
) -> AsyncIterator[Runner]:
    from controllers import builds
    from controllers.builds.settings import BuildsSettings

    # The tests' repositories are folders under tmp: allow local sources from there.
    values = {"workdir": tmp / "checkouts", "local_sources_root": str(tmp), **FAST_BUILDS}
    values |= overrides
    values = {"instance": instance, "secret_key": values.pop("secret_key", new_key()), **values}
    shared, own = split(values, BuildsSettings)
    settings = BuildsSettings(**own)
    async with running(
        lambda deps: builds.build(deps, settings), database_url, installation=shared
    ) as runner:
        yield runner


def file_in_image(instance: str, image: str, path: str) -> str:
    """A file's text, copied out of a created (never started) container: no log to race."""
    container = sw.client().containers.create(image, labels={"zane.instance": instance})
    try:
        chunks, _ = container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
            member = tar.extractfile(Path(path).name)
            assert member is not None, f"{path} is not a file in {image}"
            return member.read().decode().strip()
    finally:
        container.remove(force=True)


def images_of(instance: str) -> list[dict[str, Any]]:
    found = sw.client().api.images(filters={"label": f"zane.instance={instance}"})
    return list(found)


def remove_images(instance: str, *also: str) -> None:
    """Our test's images (by instance label), and the named extra ones it made."""
    api = sw.client().api
    for image in images_of(instance):
        with suppress(NotFound, APIError):
            api.remove_image(image["Id"], force=True)
    for name in also:
        with suppress(NotFound, APIError):
            api.remove_image(name, force=True)


def sealed_git_spec(box: SecretBox, url: str, **credentials: str) -> dict[str, Any]:
    """A service from a Git source as the API stores it: its secret credential sealed."""
    sealed = {k: box.seal(v) if k in ("token", "ssh_key") else v for k, v in credentials.items()}
    return {"slug": "web", "source": {"type": "git", "repository_url": url, "credentials": sealed}}


async def build_in_new_service(
    store: PostgresStore, spec: dict[str, Any], phase: str
) -> StoredObject:
    """A new environment and service from spec, deployed: its build once it reaches phase."""
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    _, build = await deploy_git(store, service.id, spec)
    return await wait_for_build(store, build.id, phase)
