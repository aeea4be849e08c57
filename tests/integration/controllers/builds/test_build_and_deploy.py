"""A Git repository becomes a running service; new commits build anew, rollbacks do not."""

from __future__ import annotations

import uuid
from pathlib import Path

from redis.asyncio import Redis

from tests.support import builds as bd
from tests.support import swarm as sw
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.redis import stream_keys as logstreams
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.specs.kinds import Kind

# Unique per run: a step the engine has cached from an earlier run would print nothing.
SLOW_STEP = f"RUN echo build-started && sleep 3 && echo build-done {uuid.uuid4().hex}\n"


async def test_a_repository_builds_runs_rebuilds_on_a_new_commit_and_rolls_back_without_build(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """Build log readable mid-build; v1 serves; v2 gets a new tag; rollback reuses v1's image."""
    files = {"Dockerfile": bd.WEB_DOCKERFILE + SLOW_STEP, "index.html": "version one\n"}
    repo = bd.make_repo(tmp_path / "repo", files)
    environment = await sw.make_environment(store)
    spec = bd.git_spec(repo)
    service = await sw.make_service(store, environment.id, spec)
    network = naming.environment_network(instance, environment.id)
    redis = Redis.from_url(InstallationSettings().redis_url)
    async with (
        bd.builds_controller(instance, database_url, tmp_path),
        sw.services_controller(instance, database_url),
    ):
        first, build = await bd.deploy_git(store, service.id, spec)
        await bd.wait_for_build(store, build.id, "BUILDING")
        key = logstreams.build_logs(build.id)

        async def log_shows_the_step_but_not_its_end() -> bool:
            lines = [e[b"line"].decode() for _, e in await redis.xrange(key)]
            return "build-started" in lines and not any(x.startswith("build-done") for x in lines)

        await eventually(log_shows_the_step_but_not_its_end, timeout=20, message="live log")
        built = await bd.wait_for_build(store, build.id, "SUCCEEDED")
        await sw.wait_for_phase(store, first.id, "HEALTHY")
        assert "version one" in await sw.http_get(instance, network, "web")

        bd.commit(repo, {"index.html": "version two\n"})
        second, second_build = await bd.deploy_git(store, service.id, spec)
        rebuilt = await bd.wait_for_build(store, second_build.id, "SUCCEEDED")
        await sw.wait_for_phase(store, second.id, "HEALTHY")
        assert "version two" in await sw.http_get(instance, network, "web")

        first_image = built.status.details["image"]
        rollback = await sw.deploy(
            store, service.id, spec, image=first_image, trigger="rollback", rollback_of=first.id
        )
        await sw.wait_for_phase(store, rollback.id, "HEALTHY")
        page = await sw.http_get(instance, network, "web")
        await redis.delete(key, logstreams.build_logs(second_build.id))
    await redis.aclose()
    assert "version one" in page
    assert rebuilt.status.details["image"] != first_image
    repository = naming_of(instance, service.id)
    assert str(first_image).startswith(repository + ":")
    first_row = await store.get(Kind.DEPLOYMENTS, first.id)
    assert first_row is not None and first_row.spec["image"] == first_image
    assert first_row.spec["commit_sha"] == built.status.details["commit_sha"]
    assert await store.list_children(Kind.BUILDS, rollback.id) == []


def naming_of(instance: str, service_id: object) -> str:
    return f"{instance}-build/{service_id}"


async def test_a_broken_dockerfile_fails_the_deployment_naming_the_step_and_the_old_one_serves(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """FAILED with reason BuildFailed and the failing RUN step; the image deployment stays up."""
    broken = "FROM zaneops/busybox:latest\nRUN echo about-to-fail && false\n"
    repo = bd.make_repo(tmp_path / "repo", {"Dockerfile": broken})
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, sw.web_spec(greeting="still here"))
    network = naming.environment_network(instance, environment.id)
    async with (
        bd.builds_controller(instance, database_url, tmp_path),
        sw.services_controller(instance, database_url),
    ):
        serving = await sw.deploy(store, service.id, sw.web_spec(greeting="still here"))
        await sw.wait_for_phase(store, serving.id, "HEALTHY")
        deployment, build = await bd.deploy_git(store, service.id, bd.git_spec(repo))
        failed = await sw.wait_for_phase(store, deployment.id, "FAILED")
        page = await sw.http_get(instance, network, "web")
    build_row = await store.get(Kind.BUILDS, build.id)
    assert build_row is not None and build_row.status.details["phase"] == "FAILED"
    condition = failed.status.condition("Deployed")
    assert condition is not None and condition.reason == "BuildFailed"
    assert "RUN echo about-to-fail && false" in condition.message
    assert "about-to-fail" in condition.message.split("last log lines:")[1]
    assert "still here" in page
    assert bd.images_of(instance) == []
