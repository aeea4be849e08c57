"""The services controller over in-memory rows and a recorded Swarm: what one reconcile reads,
what it changes, and how a deployment moves from STARTING to HEALTHY."""

from __future__ import annotations

import uuid

from controllers.services.controller import ServicesController
from controllers.services.settings import ServicesSettings
from tests.support.fake_swarm import FakeSwarm
from tests.support.waiting import eventually
from zaneops.adapters.docker.models import DockerEvent
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.runtime.testing import InMemoryStore, running_in_memory
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

INSTALLATION = InstallationSettings.chosen(instance="t", secret_key="")
SETTINGS = ServicesSettings.chosen(poll_seconds=0.05, rollout_timeout_seconds=30)
SPEC = {"slug": "web", "source": {"type": "image", "image": "nginx:1"}}


async def service_with_deployment(store: InMemoryStore) -> tuple[StoredObject, StoredObject]:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    environment = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    made = Status(details={"network": naming.environment_network("t", environment.id)})
    await store.write_status(Kind.ENVIRONMENTS, environment.id, made)
    service = await store.create(Kind.SERVICES, SPEC, environment.id)
    deployment = await store.create(
        Kind.DEPLOYMENTS,
        {"service_spec": SPEC, "image": "nginx:1", "trigger": "deploy"},
        service.id,
    )
    return service, deployment


async def test_a_deployment_is_created_in_swarm_then_healthy_once_its_task_runs() -> None:
    """Deploy → one swarm service created; its task runs → HEALTHY."""
    swarm = FakeSwarm()
    store = InMemoryStore()
    controller = ServicesController(INSTALLATION, SETTINGS, rows=store, swarm=swarm)
    async with running_in_memory(controller, store=store):
        service, deployment = await service_with_deployment(store)
        name = naming.swarm_service_name("t", service.id)
        await eventually(lambda: f"create {name}" in swarm.calls, message="service created")
        swarm.run_tasks(name, 1)

        async def healthy() -> bool:
            row = await store.get(Kind.DEPLOYMENTS, deployment.id)
            return row is not None and row.status.details.get("phase") == "HEALTHY"

        await eventually(healthy, message="deployment HEALTHY")
    assert swarm.calls.count(f"create {name}") == 1
    assert not any(call.startswith("update") for call in swarm.calls)


async def test_one_reconcile_reads_the_swarm_service_and_its_tasks_once() -> None:
    """Read the world once, decide, apply: one inspect and one task list per reconcile."""
    swarm = FakeSwarm()
    store = InMemoryStore()
    controller = ServicesController(INSTALLATION, SETTINGS, rows=store, swarm=swarm)
    async with running_in_memory(controller, store=store) as world:
        service, _ = await service_with_deployment(store)
        name = naming.swarm_service_name("t", service.id)
        await eventually(lambda: f"create {name}" in swarm.calls)
        swarm.run_tasks(name, 1)
        await eventually(lambda: world.runner.queue.depth == 0 and not world.runner.busy)
        swarm.reads.clear()
        await controller.reconcile(_context(service), service)
    assert swarm.reads == [f"get {name}", f"tasks {name}"]


def _context(row: StoredObject) -> Context:
    return Context(key=row.key, ensure_leader=lambda: None)


def test_a_containers_health_report_wakes_its_service_as_its_start_and_stop_do() -> None:
    """Readiness is the first passed check: its event is looked at at once, not at the next
    poll; an unrelated container event of the same service is not."""
    controller = ServicesController(INSTALLATION, SETTINGS, rows=InMemoryStore(), swarm=FakeSwarm())
    service_id = uuid.uuid4()
    labels = {naming.LABEL_INSTANCE: "t", naming.LABEL_OWNER: f"services/{service_id}"}

    def woken(action: str) -> object:
        return controller._service_of_event(DockerEvent("container", action, "c", labels))

    assert woken("health_status: healthy") == service_id
    assert woken("start") == service_id and woken("die") == service_id
    assert woken("exec_start: sh") is None
