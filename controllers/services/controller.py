"""The services controller: each service's target deployment, converged into a swarm service."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from zaneops import naming
from zaneops.adapters.docker.swarm import DockerEvent, Swarm, SwarmService, SwarmTask
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.kinds import Kind
from zaneops.objects import Key, StoredObject
from zaneops.runtime.controller import Context, Controller, Result, Watch
from zaneops.secrets import SecretBox
from zaneops.specs import (
    Condition,
    ConditionStatus,
    EnvironmentSpec,
    Status,
    VolumeSpec,
)

from . import observe
from .logs import LogShipper
from .plan import (
    LABEL_DEPLOYMENT,
    MountedVolume,
    Plan,
    PlanError,
    Rollout,
    container_env,
    fingerprint,
    make_plan,
    swarm_spec,
)
from .rollout import Decision, Deployment, Phase, Verdict, build_outcome, decide, judge, to_run
from .settings import ServicesSettings

FINALIZER = "services.zaneops.dev/swarm"
CONTAINER_ACTIONS = {"start", "die", "oom", "destroy"}


@dataclass
class World:
    """What a reconcile reads once: the service's deployments, environment and volumes."""

    service: StoredObject
    deployments: list[Deployment]
    shared_variables: dict[str, str]
    volumes: dict[str, MountedVolume]
    ready_volumes: set[str] = field(default_factory=set)


class ServicesController(Controller):
    name = "services"
    kind = Kind.SERVICES
    finalizer = FINALIZER

    def __init__(self, settings: ServicesSettings | None = None, swarm: Swarm | None = None):
        self.settings = settings or ServicesSettings()
        self._swarm_given = swarm
        self._store: PostgresStore | None = None
        self._redis: Redis | None = None
        self._logs: LogShipper | None = None
        self._names: dict[str, UUID] = {}  # swarm service name → service id, for events
        self._task_deployments: dict[str, str] = {}
        self.watches = (
            Watch(Kind.DEPLOYMENTS, self._service_of_deployment),
            Watch(Kind.VOLUMES, self._services_of_volume),
            # A volume becoming Ready is a status change: the handshake mounts wait on.
            Watch(Kind.VOLUMES, self._services_of_volume, status_changes=True),
            # A build ending (failed, cancelled) decides a deployment waiting for its image.
            Watch(Kind.BUILDS, self._service_of_build, status_changes=True),
        )

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.swarm = self._swarm_given or Swarm()
        self._store = await PostgresStore.open(self.settings.database_url)
        self._redis = Redis.from_url(self.settings.redis_url)
        self._logs = LogShipper(
            self.swarm,
            self._redis,
            self.settings.log_max_entries,
            lambda _service, task: self._task_deployments.get(task, ""),
        )
        self._box = SecretBox(self.settings.secret_key) if self.settings.secret_key else None

    async def stop(self) -> None:
        if self._logs is not None:
            await self._logs.close()
        if self._redis is not None:
            await self._redis.aclose()
        if self._store is not None:
            await self._store.close()

    @property
    def store(self) -> PostgresStore:
        assert self._store is not None, "start() opens the store"
        return self._store

    @property
    def rollout(self) -> Rollout:
        s = self.settings
        return Rollout(s.rollout_monitor_seconds, s.stop_grace_seconds, s.restart_delay_seconds)

    # --- watches ---------------------------------------------------------------------------

    async def _service_of_deployment(self, deployment_id: UUID) -> Sequence[Key]:
        row = await self.store.get(Kind.DEPLOYMENTS, deployment_id)
        return [Key(Kind.SERVICES, row.parent_id)] if row and row.parent_id else []

    async def _service_of_build(self, build_id: UUID) -> Sequence[Key]:
        row = await self.store.get(Kind.BUILDS, build_id)
        return await self._service_of_deployment(row.parent_id) if row and row.parent_id else []

    async def _services_of_volume(self, volume_id: UUID) -> Sequence[Key]:
        row = await self.store.get(Kind.VOLUMES, volume_id)
        if row is None or row.parent_id is None:
            return []
        services = await self.store.list_children(Kind.SERVICES, row.parent_id)
        return [service.key for service in services]

    async def outside_changes(self) -> AsyncIterator[Key]:
        async for event in self.swarm.events():
            service_id = self._service_of_event(event)
            if service_id is not None:
                yield Key(Kind.SERVICES, service_id)

    def _service_of_event(self, event: DockerEvent) -> UUID | None:
        if event.type == "service":
            return self._names.get(event.name)
        if event.type != "container" or event.action not in CONTAINER_ACTIONS:
            return None
        if event.attributes.get(naming.LABEL_INSTANCE) != self.settings.instance:
            return None
        return _owned_service(event.attributes.get(naming.LABEL_OWNER, ""))

    # --- reconcile -------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        world = await self._read_world(obj)
        decision = decide(world.deployments)
        for deployment, reason in decision.cancel:
            await self._set_phase(ctx, deployment, Phase.CANCELLED, reason, _why_cancelled(reason))
        decision = await self._admit(ctx, world, decision)
        name = naming.swarm_service_name(self.settings.instance, obj.id)
        self._names[name] = obj.id
        current = await self.swarm.get_service(name)
        decision, requeue = await self._judge(ctx, world, decision, current)
        running = to_run(decision)
        plan = self._plan_for(world, running) if running else None
        current = await self._converge(ctx, name, plan, current)
        if current is not None and current.update_state in ("updating", "rollback_started"):
            requeue = self.settings.poll_seconds
        return Result(await self._status(obj, decision, plan, current), requeue)

    async def _read_world(self, service: StoredObject) -> World:
        rows = await self.store.list_children(Kind.DEPLOYMENTS, service.id)
        deployments = [Deployment.from_row(row) for row in rows if not row.is_deleted]
        assert service.parent_id is not None
        environment = await self.store.get(Kind.ENVIRONMENTS, service.parent_id)
        variables = (
            EnvironmentSpec.model_validate(environment.spec).variables if environment else {}
        )
        world = World(service, deployments, dict(variables), {})
        for row in await self.store.list_children(Kind.VOLUMES, service.parent_id):
            if row.is_deleted:
                continue
            spec = VolumeSpec.model_validate(row.spec)
            node = row.status.details.get("node_id")
            world.volumes[spec.slug] = MountedVolume(row.id, spec, str(node) if node else None)
            if _is_ready(row.status):
                world.ready_volumes.add(spec.slug)
        return world

    # --- phases of the target ------------------------------------------------------------

    async def _admit(self, ctx: Context, world: World, decision: Decision) -> Decision:
        """A target not yet started: wait for its image and volumes, then let it start."""
        target = decision.target
        if target is None or target.phase not in (None, Phase.QUEUED, Phase.BUILDING):
            return decision
        if target.spec.image is None:
            return await self._wait_for_build(ctx, decision, target)
        missing = [
            m.volume
            for m in target.spec.service_spec.volumes
            if m.volume not in world.ready_volumes
        ]
        if missing:
            await self._set_phase(
                ctx, target, Phase.QUEUED, "WaitingForVolume", _waiting_for(missing, world)
            )
            return decision
        return await self._start(ctx, world, decision, target)

    async def _wait_for_build(
        self, ctx: Context, decision: Decision, target: Deployment
    ) -> Decision:
        """BUILDING while its build runs; FAILED or CANCELLED with it. The serving one stays."""
        builds = await self.store.list_children(Kind.BUILDS, target.id)
        ended = build_outcome(builds[-1].status) if builds else None
        if ended is None:
            await self._set_phase(
                ctx, target, Phase.BUILDING, "WaitingForImage", "waiting for its build"
            )
            return decision
        phase, reason, message = ended
        return _replace(decision, await self._set_phase(ctx, target, phase, reason, message))

    async def _start(
        self, ctx: Context, world: World, decision: Decision, target: Deployment
    ) -> Decision:
        extra = {
            "started_at": datetime.now(UTC).isoformat(),
            "shared_variables": world.shared_variables,
        }
        started = await self._set_phase(
            ctx, target, Phase.STARTING, "Starting", "rolling out", extra=extra
        )
        try:
            self._plan_for(world, started)
        except PlanError as exc:
            failed = await self._set_phase(ctx, started, Phase.FAILED, "InvalidSpec", str(exc))
            return _replace(decision, failed)
        return _replace(decision, started)

    async def _judge(
        self,
        ctx: Context,
        world: World,
        decision: Decision,
        current: SwarmService | None,
    ) -> tuple[Decision, float | None]:
        target = decision.target
        if target is None or target.phase is not Phase.STARTING:
            return decision, None
        plan = self._plan_for(world, target)
        tasks = await self.swarm.service_tasks(plan.name) if current else []
        self._remember_tasks(tasks)
        verdict = judge(
            target,
            plan_hash=plan.hash,
            service=current,
            tasks=tasks,
            elapsed=_elapsed(target),
            timeout=self.settings.rollout_timeout_seconds,
        )
        if verdict.phase is Phase.STARTING:
            return decision, self.settings.poll_seconds
        if verdict.phase is Phase.HEALTHY:
            return await self._became_healthy(ctx, decision, target), None
        message = await observe.failure_message(self.swarm, plan.name, verdict, self.settings)
        failed = await self._set_phase(ctx, target, Phase.FAILED, verdict.reason, message)
        return _replace(decision, failed), None

    async def _became_healthy(
        self, ctx: Context, decision: Decision, target: Deployment
    ) -> Decision:
        healthy = await self._set_phase(ctx, target, Phase.HEALTHY, "Healthy", "serving")
        if decision.serving is not None and decision.serving.id != target.id:
            await self._set_phase(
                ctx, decision.serving, Phase.REMOVED, "Replaced", f"replaced by {target.id}"
            )
        return Decision(healthy, healthy, decision.cancel)

    # --- swarm -----------------------------------------------------------------------------

    def _plan_for(self, world: World, deployment: Deployment) -> Plan:
        snapshot = deployment.detail("shared_variables")
        variables = snapshot if isinstance(snapshot, dict) else world.shared_variables
        return make_plan(
            instance=self.settings.instance,
            service_id=world.service.id,
            environment_id=world.service.parent_id or UUID(int=0),
            deployment_id=deployment.id,
            deployment=deployment.spec,
            shared_variables={str(k): str(v) for k, v in variables.items()},
            volumes=world.volumes,
            rollout=self.rollout,
        )

    async def _converge(
        self, ctx: Context, name: str, plan: Plan | None, current: SwarmService | None
    ) -> SwarmService | None:
        if plan is None:
            if current is not None:
                ctx.ensure_leader()
                await self.swarm.remove_service(name)
            return None
        if current is not None and self.in_sync(current, plan):
            return current
        if current is not None and current.update_state == "rollback_started":
            return current  # updating now would race Swarm's own rollback; look again after
        spec = swarm_spec(plan, container_env(plan, self._open), self.settings.secret_key)
        if current is None:
            await self._ensure_networks(ctx, plan)
            ctx.ensure_leader()
            await self.swarm.create_service(spec)
        else:
            ctx.ensure_leader()
            await self.swarm.update_service(current, spec)
        return await self.swarm.get_service(name)

    def in_sync(self, current: SwarmService, plan: Plan) -> bool:
        labels = current.labels
        return labels.get(naming.LABEL_SPEC_HASH) == plan.hash and labels.get(
            "zane.fingerprint"
        ) == fingerprint(current.spec, self.settings.secret_key)

    async def _ensure_networks(self, ctx: Context, plan: Plan) -> None:
        base = {naming.LABEL_MANAGED: "true", naming.LABEL_INSTANCE: plan.instance}
        env_network = naming.environment_network(plan.instance, plan.environment_id)
        ctx.ensure_leader()
        await self.swarm.ensure_network(
            env_network, {**base, naming.LABEL_OWNER: f"environments/{plan.environment_id}"}
        )
        await self.swarm.ensure_network(naming.edge_network(plan.instance), base)

    def _open(self, value: str) -> str:
        return self._box.open(value) if self._box is not None else value

    def _remember_tasks(self, tasks: list[SwarmTask]) -> None:
        for task in tasks:
            deployment = task.container_labels.get(LABEL_DEPLOYMENT)
            if deployment:
                self._task_deployments[task.id] = deployment

    # --- status ----------------------------------------------------------------------------

    async def _status(
        self,
        obj: StoredObject,
        decision: Decision,
        plan: Plan | None,
        current: SwarmService | None,
    ) -> Status:
        tasks = await self.swarm.service_tasks(current.name) if current else []
        self._remember_tasks(tasks)
        if current is not None and self._logs is not None:
            self._logs.follow(obj.id, current.name)
        seen = await observe.service_details(self.swarm, plan, current, tasks)
        details: dict[str, object] = {
            "current_deployment_id": str(decision.serving.id) if decision.serving else None,
            "target_deployment_id": str(decision.target.id) if decision.target else None,
            **seen,
        }
        status = obj.status.model_copy(update={"details": details})
        return status.with_condition(observe.availability(seen))

    async def _set_phase(
        self,
        ctx: Context,
        deployment: Deployment,
        phase: Phase,
        reason: str,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
    ) -> Deployment:
        details = {**deployment.status.details, **(extra or {}), "phase": phase.value}
        condition = Condition(
            type="Deployed", status=_deployed(phase), reason=reason, message=message[:4000]
        )
        status = deployment.status.with_condition(condition).model_copy(
            update={"details": details, "observed_generation": deployment.generation}
        )
        ctx.ensure_leader()
        await self.store.write_status(Kind.DEPLOYMENTS, deployment.id, status)
        return Deployment(
            deployment.id, deployment.created_at, deployment.generation, deployment.spec, status
        )

    # --- deletion, drift, garbage ----------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        await self._remove(ctx, obj.id)
        return Result()

    async def forget(self, ctx: Context, key: Key) -> None:
        """The row is gone: whatever still runs for it is garbage."""
        await self._remove(ctx, key.id)

    async def _remove(self, ctx: Context, service_id: UUID) -> None:
        if self._logs is not None:
            self._logs.stop(service_id)
        name = naming.swarm_service_name(self.settings.instance, service_id)
        if await self.swarm.get_service(name) is not None:
            ctx.ensure_leader()
            await self.swarm.remove_service(name)

    async def find_drift(self) -> Sequence[Key]:
        """Swarm services missing, edited by hand, or left without a live service row."""
        managed = {
            s.name: s for s in await self.swarm.list_managed_services(self.settings.instance)
        }
        drifted: list[Key] = []
        live: set[str] = set()
        for service_id in await self.store.list_ids(Kind.SERVICES):
            row = await self.store.get(Kind.SERVICES, service_id)
            if row is None or row.is_deleted:
                continue
            name = naming.swarm_service_name(self.settings.instance, service_id)
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
        stamp = service.labels.get("zane.fingerprint")
        return stamp != fingerprint(service.spec, self.settings.secret_key)


def _owned_service(owner: str) -> UUID | None:
    kind, _, raw_id = owner.partition("/")
    if kind != Kind.SERVICES.value:
        return None
    try:
        return UUID(raw_id)
    except ValueError:
        return None


def _is_ready(status: Status) -> bool:
    ready = status.condition("Ready")
    return ready is not None and ready.status is ConditionStatus.TRUE


def _waiting_for(missing: list[str], world: World) -> str:
    absent = [slug for slug in missing if slug not in world.volumes]
    if absent:
        return f"waiting for volume(s) {', '.join(absent)}: none by that name in the environment"
    return f"waiting for volume(s) {', '.join(missing)} to be ready"


def _why_cancelled(reason: str) -> str:
    if reason == "Superseded":
        return "a newer deployment replaced it before it was serving"
    return "cancelled on request"


def _deployed(phase: Phase) -> ConditionStatus:
    if phase is Phase.HEALTHY:
        return ConditionStatus.TRUE
    if phase in (Phase.FAILED, Phase.CANCELLED, Phase.REMOVED):
        return ConditionStatus.FALSE
    return ConditionStatus.UNKNOWN


def _elapsed(deployment: Deployment) -> float:
    started = deployment.detail("started_at")
    if not isinstance(started, str):
        return 0.0
    return time.time() - datetime.fromisoformat(started).timestamp()


def _replace(decision: Decision, target: Deployment) -> Decision:
    return Decision(target, decision.serving, decision.cancel)


__all__ = ["FINALIZER", "ServicesController", "Verdict"]
