"""Config as code: a repository's zaneops.yaml sets how its service runs, applied by the real
builds controller before the build and rolled out by the real services controller."""

from __future__ import annotations

from pathlib import Path

from tests.support import builds as bd
from tests.support import swarm as sw
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.specs.kinds import Kind

TWO_REPLICAS = """apiVersion: zaneops.dev/v1
service:
  replicas: 2
  env:
    - {name: GREETING, value: from-the-repository}
"""
BROKEN = """apiVersion: zaneops.dev/v1
service:
  replicas: two
"""


def replicas_of(name: str) -> int:
    service = sw.swarm_service(name)
    assert service is not None
    return int(service["Spec"]["Mode"]["Replicated"]["Replicas"])


async def test_the_repositorys_file_sets_replicas_and_a_bad_one_stops_the_deploy_at_its_line(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """replicas 1 -> 2 from the file; then a broken file: FAILED naming line, column and
    field, nothing built, and the deployment before keeps serving with its 2 replicas."""
    files = {"Dockerfile": bd.WEB_DOCKERFILE, "index.html": "hello\n", "zaneops.yaml": TWO_REPLICAS}
    repo = bd.make_repo(tmp_path / "repo", files)
    environment = await sw.make_environment(store)
    spec = bd.git_spec(repo, config_file="zaneops.yaml")
    service = await sw.make_service(store, environment.id, spec)
    name = naming.swarm_service_name(instance, service.id)
    async with (
        bd.builds_controller(instance, database_url, tmp_path),
        sw.services_controller(instance, database_url),
    ):
        first, _ = await bd.deploy_git(store, service.id, spec)
        await sw.wait_for_phase(store, first.id, "HEALTHY")
        await eventually(lambda: len(sw.running_containers(instance, first.id)) == 2)
        assert replicas_of(name) == 2

        bd.commit(repo, {"zaneops.yaml": BROKEN})
        second, build = await bd.deploy_git(store, service.id, spec)
        failed = await sw.wait_for_phase(store, second.id, "FAILED")
        assert replicas_of(name) == 2

    row = await store.get(Kind.DEPLOYMENTS, first.id)
    assert row is not None
    assert row.spec["service_spec"]["replicas"] == 2
    env = {v["name"]: v["value"] for v in row.spec["service_spec"]["env"]}
    assert env == {"GREETING": "from-the-repository"}
    assert row.spec["from_repository"] == {
        "file": "zaneops.yaml",
        "fields": ["replicas", "env.GREETING"],
    }
    stored_service = await store.get(Kind.SERVICES, service.id)
    assert stored_service is not None and "replicas" not in stored_service.spec  # the person's

    condition = failed.status.condition("Deployed")
    assert condition is not None and condition.reason == "BuildFailed"
    assert "zaneops.yaml:3:13: service.replicas: Input should be a valid integer" in (
        condition.message
    )
    build_row = await store.get(Kind.BUILDS, build.id)
    assert build_row is not None
    assert build_row.status.condition("Succeeded").reason == "InvalidConfigFile"  # type: ignore[union-attr]
    assert len(bd.images_of(instance)) == 1  # the broken commit built nothing
