"""Builds are cancellable, bounded in number and time, and survive their controller's death."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

from tests.support import builds as bd
from tests.support import swarm as sw
from tests.support.processes import start_controller, stop
from tests.support.waiting import eventually, wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

LONG = "FROM zaneops/busybox:latest\nRUN echo long-step && sleep 300\n"


def _sleeping(seconds: int) -> str:
    """Unique per call: a step cached by an earlier run would not run (nor take any time)."""
    return f"FROM zaneops/busybox:latest\nRUN echo {uuid.uuid4().hex} && sleep {seconds}\n"


async def _phase(store: PostgresStore, build_id: object) -> str | None:
    row = await store.get(Kind.BUILDS, build_id)  # type: ignore[arg-type]
    return None if row is None else row.status.details.get("phase")  # type: ignore[return-value]


async def test_a_cancelled_build_stops_within_seconds_and_leaves_no_image(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """cancel_requested on the deployment: the RUN sleep 300 step stops, CANCELLED, no image."""
    repo = bd.make_repo(tmp_path / "repo", {"Dockerfile": LONG})
    environment = await sw.make_environment(store)
    spec = bd.git_spec(repo)
    service = await sw.make_service(store, environment.id, spec)
    async with bd.builds_controller(instance, database_url, tmp_path):
        deployment, build = await bd.deploy_git(store, service.id, spec)
        await bd.wait_for_build(store, build.id, "BUILDING")
        await eventually(lambda: _build_containers(instance) > 0, timeout=20, message="step runs")
        cancelled = {**deployment.spec, "cancel_requested": True}
        await store.update_spec(Kind.DEPLOYMENTS, deployment.id, cancelled, deployment.generation)
        started = time.monotonic()
        row = await bd.wait_for_build(store, build.id, "CANCELLED", timeout=10)
        took = time.monotonic() - started
        await eventually(lambda: _build_containers(instance) == 0, timeout=10, message="stopped")
    assert took < 5
    assert row.status.condition("Succeeded").reason == "Cancelled"  # type: ignore[union-attr]
    assert bd.images_of(instance) == []


def _build_containers(instance: str) -> int:
    """Intermediate containers of a classic build running our long step."""
    containers = sw.client().api.containers(all=True)
    return sum(1 for c in containers if "sleep 300" in c["Command"])


async def test_three_builds_with_a_limit_of_one_never_run_two_at_once(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """Found together at start-up (reconciled by concurrent workers), they build in turn."""
    repo = bd.make_repo(tmp_path / "repo", {"Dockerfile": _sleeping(2)})
    environment = await sw.make_environment(store)
    slugs = ("one", "two", "three")
    services = [
        await sw.make_service(store, environment.id, bd.git_spec(repo, slug=slug)) for slug in slugs
    ]
    builds = [
        (await bd.deploy_git(store, service.id, bd.git_spec(repo, slug=slug)))[1]
        for service, slug in zip(services, slugs, strict=True)
    ]
    seen: list[tuple[str | None, ...]] = []
    async with bd.builds_controller(instance, database_url, tmp_path, max_concurrent=1):

        async def all_done() -> bool:
            phases = tuple([await _phase(store, build.id) for build in builds])
            seen.append(phases)
            return all(phase == "SUCCEEDED" for phase in phases)

        await eventually(all_done, timeout=90, every=0.1, message="all built")
    active = {"CLONING", "BUILDING"}
    assert not [p for p in seen if sum(phase in active for phase in p) > 1], seen
    assert any("QUEUED" in p for p in seen)


async def test_a_build_past_its_timeout_fails_timed_out(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """spec.timeout 2 s against a 300 s step: FAILED, reason TimedOut, the step stopped."""
    repo = bd.make_repo(tmp_path / "repo", {"Dockerfile": LONG})
    environment = await sw.make_environment(store)
    spec = bd.git_spec(repo)
    service = await sw.make_service(store, environment.id, spec)
    async with bd.builds_controller(instance, database_url, tmp_path):
        _, build = await bd.deploy_git(store, service.id, spec, timeout=2)
        row = await bd.wait_for_build(store, build.id, "FAILED", timeout=20)
        await eventually(lambda: _build_containers(instance) == 0, timeout=10, message="stopped")
    condition = row.status.condition("Succeeded")
    assert condition is not None and condition.reason == "TimedOut"
    assert "long-step" in condition.message


async def _kill_mid_build_and_restart(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path, attempts: int
) -> tuple[StoredObject, StoredObject]:
    """A build controller process SIGKILLed while BUILDING, then another one started.

    Returns (deployment, build) once the build has ended."""
    repo = bd.make_repo(tmp_path / "repo", {"Dockerfile": _sleeping(4)})
    environment = await sw.make_environment(store)
    spec = bd.git_spec(repo)
    service = await sw.make_service(store, environment.id, spec)
    deployment, build = await bd.deploy_git(store, service.id, spec)
    env = {
        "ZANE_INSTANCE": instance,
        "ZANE_BUILDS_WORKDIR": str(tmp_path / "checkouts"),
        "ZANE_BUILDS_LOCAL_SOURCES_ROOT": str(tmp_path),  # the test repository is a folder
        "ZANE_BUILDS_MAX_ATTEMPTS": str(attempts),
        "ZANE_RUNTIME_LEASE_TTL_SECONDS": "2",
        "ZANE_RUNTIME_LEASE_RETRY_SECONDS": "0.2",
    }
    first = start_controller("builds", database_url, "first", tmp_path / "first.log", **env)
    try:
        await bd.wait_for_build(store, build.id, "BUILDING", timeout=30)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        second = start_controller("builds", database_url, "second", tmp_path / "second.log", **env)
        try:
            ended = await wait_for_row(
                store,
                Kind.BUILDS,
                build.id,
                lambda row: row.status.details.get("phase") in ("SUCCEEDED", "FAILED"),
                what="build ended",
                timeout=60,
            )
        finally:
            stop(second)
    finally:
        stop(first)
    return deployment, ended


async def test_a_build_killed_with_its_controller_is_retried_by_the_next_one(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """SIGKILL mid-build: the restarted controller finds it BUILDING, retries it, and succeeds."""
    deployment, row = await _kill_mid_build_and_restart(
        store, database_url, instance, tmp_path, attempts=2
    )
    assert row.status.details["phase"] == "SUCCEEDED"
    assert row.status.details["attempts"] == 2
    deployment_row = await store.get(Kind.DEPLOYMENTS, deployment.id)
    assert (
        deployment_row is not None and deployment_row.spec["image"] == row.status.details["image"]
    )


async def test_a_build_killed_with_no_attempt_left_fails_interrupted(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """max_attempts 1: the restarted controller marks it FAILED, reason Interrupted, not stuck."""
    _, row = await _kill_mid_build_and_restart(store, database_url, instance, tmp_path, attempts=1)
    assert row.status.details["phase"] == "FAILED"
    assert row.status.condition("Succeeded").reason == "Interrupted"  # type: ignore[union-attr]
