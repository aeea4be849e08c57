"""What one reconcile of a service reads, read once: its rows in Postgres and its swarm service.

Everything the decision needs is here, so `steps.decide` stays pure and testable with values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from zaneops.adapters.docker.models import SwarmService, SwarmTask
from zaneops.common import naming
from zaneops.specs import ConditionStatus, EnvironmentSpec, Status, VolumeSpec
from zaneops.specs.databases import DatabaseSource
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .databases import referenced_slugs
from .plan import MountedVolume
from .ports import ServiceRows, SwarmPort
from .rollout import PENDING, Deployment


@dataclass
class World:
    service: StoredObject
    deployments: list[Deployment]
    shared_variables: dict[str, str]
    volumes: dict[str, MountedVolume]
    ready_volumes: set[str] = field(default_factory=set)
    # The newest build's status of each deployment still waiting for its image.
    builds: dict[UUID, Status] = field(default_factory=dict)
    swarm_service: SwarmService | None = None
    tasks: list[SwarmTask] = field(default_factory=list)
    # The last health check of a running container: (status, output), if it has one.
    health: tuple[str, str] | None = None
    # Tasks Swarm still calls starting whose container's health check has passed.
    healthy_tasks: frozenset[str] = frozenset()
    # The environment's network exists (its status names it): tasks can be started on it.
    network_ready: bool = False
    # The environment's database services by slug, read when a variable references one.
    databases: dict[str, DatabaseSource] = field(default_factory=dict)

    @property
    def environment_id(self) -> UUID:
        return self.service.parent_id or UUID(int=0)


async def read_world(
    rows: ServiceRows, swarm: SwarmPort, instance: str, service: StoredObject
) -> World:
    world = await read_rows(rows, service, instance)
    name = naming.swarm_service_name(instance, service.id)
    world.swarm_service = await swarm.get_service(name)
    if world.swarm_service is not None:
        world.tasks = await swarm.service_tasks(name)
        world.health = await _health(swarm, world.swarm_service, world.tasks)
        world.healthy_tasks = await _healthy_starting(swarm, world.swarm_service, world.tasks)
    return world


async def read_rows(rows: ServiceRows, service: StoredObject, instance: str) -> World:
    """Everything of the rows a plan needs; the swarm side is left empty."""
    deployment_rows = await rows.list_children(Kind.DEPLOYMENTS, service.id)
    deployments = [Deployment.from_row(row) for row in deployment_rows if not row.is_deleted]
    assert service.parent_id is not None
    environment = await rows.get(Kind.ENVIRONMENTS, service.parent_id)
    variables = EnvironmentSpec.model_validate(environment.spec).variables if environment else {}
    world = World(service, deployments, dict(variables), {})
    world.network_ready = environment is not None and _network_made(environment, instance)
    for row in await rows.list_children(Kind.VOLUMES, service.parent_id):
        if not row.is_deleted:
            _add_volume(world, row)
    if any(referenced_slugs(d.spec.service_spec) for d in deployments):
        world.databases = await _databases(rows, service.parent_id)
    for deployment in deployments:
        if deployment.spec.image is None and deployment.phase in PENDING:
            builds = await rows.list_children(Kind.BUILDS, deployment.id)
            if builds:
                world.builds[deployment.id] = builds[-1].status
    return world


async def _databases(rows: ServiceRows, environment_id: UUID) -> dict[str, DatabaseSource]:
    found: dict[str, DatabaseSource] = {}
    for row in await rows.list_children(Kind.SERVICES, environment_id):
        source = row.spec.get("source") or {}
        if not row.is_deleted and source.get("type") == "database":
            found[str(row.spec["slug"])] = DatabaseSource.model_validate(source)
    return found


def _network_made(environment: StoredObject, instance: str) -> bool:
    """The networks controller names the network in the environment's status once made."""
    network = environment.status.details.get("network")
    return network == naming.environment_network(instance, environment.id)


def _add_volume(world: World, row: StoredObject) -> None:
    spec = VolumeSpec.model_validate(row.spec)
    node = row.status.details.get("node_id")
    world.volumes[spec.slug] = MountedVolume(row.id, spec, str(node) if node else None)
    ready = row.status.condition("Ready")
    if ready is not None and ready.status is ConditionStatus.TRUE:
        world.ready_volumes.add(spec.slug)


def _checked(service: SwarmService) -> bool:
    container = (service.spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    return bool(container.get("Healthcheck"))


async def _healthy_starting(
    swarm: SwarmPort, service: SwarmService, tasks: list[SwarmTask]
) -> frozenset[str]:
    """Starting tasks whose first health check passed: ready before Swarm says so."""
    if not _checked(service):
        return frozenset()
    healthy = set()
    for task in tasks:
        if task.state == "starting" and task.desired_state == "running" and task.container_id:
            found = await swarm.container_state(task.container_id)
            if found is not None and found.health_status == "healthy":
                healthy.add(task.id)
    return frozenset(healthy)


async def _health(
    swarm: SwarmPort, service: SwarmService, tasks: list[SwarmTask]
) -> tuple[str, str] | None:
    """The first running container's last health check, when the service has a check."""
    if not _checked(service):
        return None
    for task in tasks:
        if task.state == "running" and task.desired_state == "running" and task.container_id:
            found = await swarm.container_state(task.container_id)
            if found is not None and found.health_status:
                return found.health_status, found.last_health_output
    return None
