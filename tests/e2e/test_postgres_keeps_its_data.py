"""Issue 5's demonstration: a real PostgreSQL, deployed as a user's service on a read-write
volume, keeps its rows through redeploys, a rollback, controller crashes and an engine restart.

The controllers run as real processes (`zaneops controller run`), as in production.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.support import postgres_demo as pg
from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.processes import REPO, start_controller, stop
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.common.secrets import new_key
from zaneops.specs.objects import StoredObject

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

REDEPLOYS = 5
TIMINGS = REPO / "artifacts" / "postgres-demo-timings.json"
# Fast rollouts, quick lease takeover after a SIGKILL, short retry backoff after the engine
# comes back. Postgres gets 10 s to shut down cleanly (it needs well under 1 s).
CONTROLLER_ENV = {
    "ZANE_SERVICES_ROLLOUT_MONITOR_SECONDS": "1",
    "ZANE_SERVICES_ROLLOUT_TIMEOUT_SECONDS": "60",
    "ZANE_SERVICES_STOP_GRACE_SECONDS": "10",
    "ZANE_SERVICES_RESTART_DELAY_SECONDS": "0.5",
    "ZANE_SERVICES_POLL_SECONDS": "0.3",
    "ZANE_RUNTIME_LEASE_TTL_SECONDS": "3",
    "ZANE_RUNTIME_LEASE_RETRY_SECONDS": "0.5",
    "ZANE_RUNTIME_BACKOFF_MAX_SECONDS": "2",
    "ZANE_RUNTIME_RESYNC_SECONDS": "10",
    "ZANE_VOLUMES_IN_USE_POLL_SECONDS": "0.5",
}


@pytest.fixture(scope="session")
def postgres_image() -> None:
    pg.ensure_image()


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with vs.cleaned_up(name, []):
        yield name


@dataclass
class Demo:
    """The service under test, the controller processes and what the table must hold."""

    store: PostgresStore
    database_url: str
    instance: str
    logs: Path
    env: dict[str, str]
    service: StoredObject
    notes: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def start(self, name: str) -> None:
        holder = f"{name}-{self.restarts}"  # a new holder must wait out the dead one's lease
        self.restarts += 1
        log = self.logs / f"{name}.log"
        self.processes[name] = start_controller(name, self.database_url, holder, log, **self.env)

    def stop_all(self) -> None:
        for process in self.processes.values():
            stop(process)

    def sigkill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    async def deploy(self, spec: dict[str, Any], **extra: Any) -> StoredObject:
        started = time.monotonic()
        deployment = await sw.deploy(self.store, self.service.id, spec, image=pg.IMAGE, **extra)
        await sw.wait_for_phase(self.store, deployment.id, "HEALTHY", timeout=90)
        await self.wait_serving(deployment.id)
        self.timings[f"deploy {len(self.timings)}"] = round(time.monotonic() - started, 1)
        return deployment

    async def wait_serving(self, deployment_id: UUID, timeout: float = 60) -> Any:
        """Exactly one running container of the deployment, accepting connections."""

        def serving() -> bool:
            found = pg.the_container(self.instance, deployment_id)
            return found is not None and pg.accepts_connections(found)

        await eventually(
            lambda: asyncio.to_thread(serving), timeout=timeout, every=0.3, message="serving"
        )
        return pg.the_container(self.instance, deployment_id)

    async def sql(self, deployment_id: UUID, statement: str) -> str:
        container = await self.wait_serving(deployment_id)
        return await asyncio.to_thread(pg.psql, container, statement)

    async def add_row(self, deployment_id: UUID, note: str) -> None:
        await self.sql(deployment_id, f"insert into demo (note) values ('{note}')")
        self.notes.append(note)

    async def assert_rows_kept(self, deployment_id: UUID, step: str) -> None:
        found = await self.sql(deployment_id, pg.SELECT_FINGERPRINT)
        assert found == pg.fingerprint(self.notes), f"after {step}: rows changed"

    def assert_one_swarm_service(self) -> dict[str, Any]:
        found = sw.client().api.services(filters={"label": f"zane.instance={self.instance}"})
        assert [s["Spec"]["Name"] for s in found] == [
            naming.swarm_service_name(self.instance, self.service.id)
        ]
        return found[0]  # type: ignore[no-any-return]


def db_spec(volume_slug: str, round_: int) -> dict[str, Any]:
    return {
        "slug": "db",
        "source": {"type": "image", "image": pg.IMAGE},
        "env": [{"name": "DEMO_ROUND", "value": str(round_)}],
        "volumes": [{"volume": volume_slug, "container_path": pg.DATA_DIR}],
        "healthcheck": {
            "type": "command",
            "command": ["pg_isready", "-q", "-h", "127.0.0.1"],
            "interval": "1s",
            "timeout": "1s",
            "retries": 3,
        },
    }


async def new_demo(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> tuple[Demo, StoredObject]:
    environment = await sw.make_environment(store)
    volume = await vs.make_volume(store, environment.id, "pgdata")
    service = await sw.make_service(store, environment.id, db_spec("pgdata", 0))
    root = tmp_path / "root"
    root.mkdir()
    env = {
        "ZANE_INSTANCE": instance,
        "ZANE_SECRET_KEY": new_key(),
        "ZANE_VOLUMES_HOST_ROOT": str(root),
        **CONTROLLER_ENV,
    }
    return Demo(store, database_url, instance, tmp_path, env, service), volume


def assert_data_on_the_volume(container: Any, volume_name: str) -> None:
    mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
    assert mounts[pg.DATA_DIR]["Name"] == volume_name and mounts[pg.DATA_DIR]["RW"] is True


async def test_postgres_keeps_its_rows_through_redeploys_rollback_crashes_and_engine_restart(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path, postgres_image: None
) -> None:
    """Every step ends with the same rows (count and content), one swarm service, stop-first."""
    demo, volume = await new_demo(store, database_url, instance, tmp_path)
    try:
        await _run_the_story(demo, volume)
    finally:
        demo.stop_all()
        TIMINGS.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS.write_text(json.dumps(demo.timings, indent=2))


async def _run_the_story(demo: Demo, volume: StoredObject) -> None:
    demo.start("networks")  # the environment's network, before any deployment may start
    demo.start("volumes")
    demo.start("services")
    first = await demo.deploy(db_spec("pgdata", 0))
    container = await demo.wait_serving(first.id)
    assert_data_on_the_volume(container, vs.volume_name(demo.instance, volume.id))
    await demo.sql(first.id, "create table demo (id serial primary key, note text not null)")
    for n in range(1, 51):
        await demo.add_row(first.id, f"row {n}")
    deployments = [first]
    await _redeploys(demo, deployments)
    await _rollback(demo, deployments)
    await _controller_crashes(demo, deployments, volume)
    await _engine_restart(demo, deployments)


async def _redeploys(demo: Demo, deployments: list[StoredObject]) -> None:
    for round_ in range(1, REDEPLOYS + 1):
        deployment = await demo.deploy(db_spec("pgdata", round_), trigger="redeploy")
        service = demo.assert_one_swarm_service()
        assert service["Spec"]["UpdateConfig"]["Order"] == "stop-first"
        await demo.assert_rows_kept(deployment.id, f"redeploy {round_}")
        await demo.add_row(deployment.id, f"written by round {round_}")
        deployments.append(deployment)


async def _rollback(demo: Demo, deployments: list[StoredObject]) -> None:
    """Back to round 3's snapshot: its environment, the same data."""
    target = deployments[3]
    spec = target.spec["service_spec"]
    rollback = await demo.deploy(spec, trigger="rollback", rollback_of=target.id)
    assert await demo.sql(rollback.id, "select current_setting('data_directory')") == pg.DATA_DIR
    container = pg.the_container(demo.instance, rollback.id)
    assert "DEMO_ROUND=3" in container.attrs["Config"]["Env"]
    await demo.assert_rows_kept(rollback.id, "rollback")
    deployments.append(rollback)


async def _controller_crashes(
    demo: Demo, deployments: list[StoredObject], volume: StoredObject
) -> None:
    """SIGKILL the services controller mid-rollout and the volumes controller; both converge."""
    spec = db_spec("pgdata", 6)
    started = time.monotonic()
    during = await sw.deploy(demo.store, demo.service.id, spec, image=pg.IMAGE, trigger="redeploy")
    await sw.wait_for_phase(demo.store, during.id, "STARTING", timeout=30)
    demo.sigkill("services")
    demo.start("services")
    await sw.wait_for_phase(demo.store, during.id, "HEALTHY", timeout=90)
    demo.timings["services SIGKILL mid-rollout"] = round(time.monotonic() - started, 1)
    demo.assert_one_swarm_service()
    await demo.assert_rows_kept(during.id, "SIGKILL of the services controller")
    deployments.append(during)
    await _volumes_crash(demo, deployments, volume)


async def _volumes_crash(demo: Demo, deployments: list[StoredObject], volume: StoredObject) -> None:
    """The restarted volumes controller acts (a new volume gets Ready); ours is kept as it was."""
    name = vs.volume_name(demo.instance, volume.id)
    created = vs.docker_volume(name)
    assert created is not None
    demo.sigkill("volumes")
    demo.start("volumes")
    extra = await vs.make_volume(demo.store, demo.service.parent_id, "extra")  # type: ignore[arg-type]
    await vs.wait_for_condition(demo.store, extra.id, "Ready", "True", timeout=30)
    await vs.wait_for_condition(demo.store, volume.id, "Ready", "True", timeout=5)
    kept = vs.docker_volume(name)
    assert kept is not None and kept["CreatedAt"] == created["CreatedAt"]
    await demo.assert_rows_kept(deployments[-1].id, "SIGKILL of the volumes controller")


async def _engine_restart(demo: Demo, deployments: list[StoredObject]) -> None:
    """Once, at the very end: dockerd stops and starts; the task runs again on the same data."""
    last = deployments[-1]
    booted = await demo.sql(last.id, "select pg_postmaster_start_time()")
    started = time.monotonic()
    demo.timings["engine back, swarm Ready"] = round(await asyncio.to_thread(pg.restart_engine), 1)
    await demo.wait_serving(last.id, timeout=90)
    demo.timings["engine restart until postgres serves"] = round(time.monotonic() - started, 1)
    assert await demo.sql(last.id, "select pg_postmaster_start_time()") != booted
    await demo.assert_rows_kept(last.id, "the engine restart")
    demo.assert_one_swarm_service()
    assert await sw.phase_of(demo.store, last.id) == "HEALTHY"
