"""The services controller: each service's target deployment, converged into a swarm service.

A reconcile reads the world once (world.py), decides purely (steps.py), then applies: the
deployments' phases, the swarm service, the service's status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from uuid import UUID

from zaneops.adapters.docker.models import DockerEvent, SwarmService, SwarmTask
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result, Watch
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

from . import observe
from .logs import LogShipper
from .plan import (
    LABEL_DEPLOYMENT,
    LABEL_FINGERPRINT,
    Plan,
    Rollout,
    container_env,
    fingerprint,
    swarm_spec,
)
from .ports import LogFollowPort, LogWriter, ServiceRows, SwarmPort
from .settings import ServicesSettings
from .steps import Action, Knobs, PhaseChange, Steps, decide_steps, utc_now
from .world import World, read_world

FINALIZER = "services.zaneops.dev/swarm"
CONTAINER_ACTIONS = {"start", "die", "oom", "destroy"}


class ServicesController(Controller):
    name = "services"
    kind = Kind.SERVICES
    finalizer = FINALIZER

    def __init__(
        self,
        installation: InstallationSettings,
        settings: ServicesSettings,
        *,
        rows: ServiceRows,
        swarm: SwarmPort,
        streams: LogWriter | None = None,
        log_follower: LogFollowPort | None = None,
        open_secret: Callable[[str], str] = lambda value: value,
    ) -> None:
        self.installation = installation
        self.settings = settings
        self.rows = rows
        self.swarm = swarm
        self._open = open_secret
        self._names: dict[str, UUID] = {}  # swarm service name → service id, for events
        self._task_deployments: dict[str, str] = {}
        self._logs = (
            self._log_shipper(log_follower, streams)
            if streams is not None and log_follower is not None
            else None
        )
        self.watches = (
            Watch(Kind.DEPLOYMENTS, self._service_of_deployment),
            Watch(Kind.VOLUMES, self._services_of_volume),
            # A volume becoming Ready is a status change: the handshake mounts wait on.
            Watch(Kind.VOLUMES, self._services_of_volume, status_changes=True),
            # A build ending (failed, cancelled) decides a deployment waiting for its image.
            Watch(Kind.BUILDS, self._service_of_build, status_changes=True),
            # The environment's network made: deployments waiting for it may start.
            Watch(Kind.ENVIRONMENTS, self._services_of_environment, status_changes=True),
        )

    def _log_shipper(self, follower: LogFollowPort, streams: LogWriter) -> LogShipper:
        """Each line names its deployment, from the tasks the reconciles have seen."""
        return LogShipper(
            follower,
            streams,
            self.settings.log_max_entries,
            lambda _service, task: self._task_deployments.get(task, ""),
            self.is_leader,
        )

    @property
    def knobs(self) -> Knobs:
        s = self.settings
        return Knobs(
            instance=self.installation.instance,
            rollout=Rollout(
                s.rollout_monitor_seconds, s.stop_grace_seconds, s.restart_delay_seconds
            ),
            rollout_timeout_seconds=s.rollout_timeout_seconds,
            poll_seconds=s.poll_seconds,
            fingerprint_key=self.installation.secret_key,
        )

    async def stop(self) -> None:
        if self._logs is not None:
            await self._logs.close()

    # --- watches ---------------------------------------------------------------------------

    async def _service_of_deployment(self, deployment_id: UUID) -> Sequence[Key]:
        row = await self.rows.get(Kind.DEPLOYMENTS, deployment_id)
        return [Key(Kind.SERVICES, row.parent_id)] if row and row.parent_id else []

    async def _service_of_build(self, build_id: UUID) -> Sequence[Key]:
        row = await self.rows.get(Kind.BUILDS, build_id)
        return await self._service_of_deployment(row.parent_id) if row and row.parent_id else []

    async def _services_of_environment(self, environment_id: UUID) -> Sequence[Key]:
        services = await self.rows.list_children(Kind.SERVICES, environment_id)
        return [service.key for service in services]

    async def _services_of_volume(self, volume_id: UUID) -> Sequence[Key]:
        row = await self.rows.get(Kind.VOLUMES, volume_id)
        if row is None or row.parent_id is None:
            return []
        services = await self.rows.list_children(Kind.SERVICES, row.parent_id)
        return [service.key for service in services]

    async def outside_changes(self) -> AsyncIterator[Key]:
        async for event in self.swarm.events():
            service_id = self._service_of_event(event)
            if service_id is not None:
                yield Key(Kind.SERVICES, service_id)

    def _service_of_event(self, event: DockerEvent) -> UUID | None:
        if event.type == "service":
            return self._names.get(event.name)
        if event.type != "container" or not _wakes(event.action):
            return None
        if event.attributes.get(naming.LABEL_INSTANCE) != self.installation.instance:
            return None
        return _owned_service(event.attributes.get(naming.LABEL_OWNER, ""))

    # --- reconcile: read, decide, apply ------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        world = await read_world(self.rows, self.swarm, self.installation.instance, obj)
        self._remember(world)
        steps = decide_steps(world, self.knobs, utc_now())
        await self._apply(ctx, world, steps)
        return Result(steps.status, steps.requeue_after)

    def _remember(self, world: World) -> None:
        name = naming.swarm_service_name(self.installation.instance, world.service.id)
        self._names[name] = world.service.id
        self._remember_tasks(world.tasks)

    def _remember_tasks(self, tasks: list[SwarmTask]) -> None:
        for task in tasks:
            deployment = task.container_labels.get(LABEL_DEPLOYMENT)
            if deployment:
                self._task_deployments[task.id] = deployment

    async def _apply(self, ctx: Context, world: World, steps: Steps) -> None:
        name = naming.swarm_service_name(self.installation.instance, world.service.id)
        for change in steps.changes:
            await self._record(ctx, name, change)
        if steps.failure is not None:
            raise steps.failure
        await self._converge(ctx, name, steps.action, steps.plan, world.swarm_service)
        if self._logs is None:
            return
        if steps.plan is not None:
            self._logs.follow(world.service.id, name)
        else:  # nothing runs: no stream to follow until a deployment starts again
            self._logs.stop(world.service.id)

    async def _record(self, ctx: Context, swarm_name: str, change: PhaseChange) -> None:
        explained = None
        if change.explain is not None:
            spec = change.deployment.spec.service_spec
            lines = self.settings.failure_log_lines
            explained = await observe.explained(self.swarm, swarm_name, change.explain, spec, lines)
        ctx.ensure_leader()
        status = change.status(explained)
        await self.rows.write_status(Kind.DEPLOYMENTS, change.deployment.id, status)

    async def _converge(
        self,
        ctx: Context,
        name: str,
        action: Action,
        plan: Plan | None,
        current: SwarmService | None,
    ) -> None:
        if action is Action.REMOVE:
            ctx.ensure_leader()
            await self.swarm.remove_service(name)
        elif action is Action.CREATE and plan is not None:
            ctx.ensure_leader()
            await self.swarm.create_service(self._engine_spec(plan))
        elif action is Action.UPDATE and plan is not None and current is not None:
            ctx.ensure_leader()
            await self.swarm.update_service(current, self._engine_spec(plan))

    def _engine_spec(self, plan: Plan) -> dict[str, object]:
        return swarm_spec(plan, container_env(plan, self._open), self.installation.secret_key)

    # --- deletion, drift, garbage ----------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        await self._remove(ctx, obj.id)
        return Result()

    async def forget(self, ctx: Context, key: Key) -> None:
        """The row is gone: whatever still runs for it is garbage."""
        await self._remove(ctx, key.id)

    async def _remove(self, ctx: Context, service_id: UUID) -> None:
        if self._logs is not None:  # first: whatever Docker answers below, it stops
            self._logs.stop(service_id)
        name = naming.swarm_service_name(self.installation.instance, service_id)
        if await self.swarm.get_service(name) is not None:
            ctx.ensure_leader()
            await self.swarm.remove_service(name)
        if self._logs is not None:  # after the removal: no line comes after the deletion
            ctx.ensure_leader()
            await self._logs.forget(service_id)

    async def find_drift(self) -> Sequence[Key]:
        """Swarm services missing, edited by hand, or left without a live service row."""
        instance = self.installation.instance
        managed = {s.name: s for s in await self.swarm.list_managed_services(instance)}
        drifted: list[Key] = []
        live: set[str] = set()
        for service_id in await self.rows.list_ids(Kind.SERVICES):
            row = await self.rows.get(Kind.SERVICES, service_id)
            if row is None or row.is_deleted:
                continue
            name = naming.swarm_service_name(instance, service_id)
            live.add(name)
            self._names[name] = service_id
            if self._drifted(row, managed.get(name)):
                drifted.append(row.key)
        for name, service in managed.items():
            owner = _owned_service(service.labels.get(naming.LABEL_OWNER, ""))
            if name not in live and owner is not None:
                drifted.append(Key(Kind.SERVICES, owner))
        return drifted

    def _drifted(self, row: StoredObject, service: SwarmService | None) -> bool:
        expected = row.status.details.get("spec_hash")
        if service is None:
            return expected is not None
        if service.labels.get(naming.LABEL_SPEC_HASH) != expected:
            return True
        stamp = service.labels.get(LABEL_FINGERPRINT)
        return stamp != fingerprint(service.spec, self.installation.secret_key)


def _wakes(action: str) -> bool:
    """A container started, stopped, or reported its health ("health_status: healthy")."""
    return action in CONTAINER_ACTIONS or action.startswith("health_status")


def _owned_service(owner: str) -> UUID | None:
    kind, _, raw_id = owner.partition("/")
    if kind != Kind.SERVICES.value:
        return None
    try:
        return UUID(raw_id)
    except ValueError:
        return None


__all__ = ["FINALIZER", "ServicesController"]
