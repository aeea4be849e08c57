"""The runs controller: each one-off command, run once as a swarm job, its output shipped.

A run starts as a single-task replicated job made from its deployment's plan (see job.py).
While it runs, each look ships the output written since the last one into the run's log
stream (where it shipped up to is kept in the status, so a new leader neither loses nor
repeats lines), until the task ends; then the outcome is recorded and the job removed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from controllers.services.logs import seconds_of
from controllers.services.plan import PlanError, Rollout, container_env, swarm_spec
from controllers.services.rollout import Deployment, describe
from controllers.services.steps import Knobs, plan_for
from controllers.services.world import read_rows
from zaneops.adapters.docker.models import DockerEvent
from zaneops.adapters.redis.log_streams import RunLine
from zaneops.adapters.redis.stream_keys import run_logs
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result
from zaneops.specs import Condition, ConditionStatus, RunPhase, RunSpec, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

from .job import Outcome, as_job, outcome, run_spec, started
from .ports import LogWriter, RunRows, RunSwarm
from .settings import RunsSettings

FINALIZER = "runs.zaneops.dev/swarm"
OWNER_PREFIX = f"{Kind.RUNS.value}/"
ENDED = {RunPhase.SUCCEEDED.value, RunPhase.FAILED.value, RunPhase.CANCELLED.value}
# A run is stopped at once: no grace (a person asked, or its time is up).
ROLLOUT = Rollout(monitor_seconds=1.0, stop_grace_seconds=1.0, restart_delay_seconds=0.0)


class RunsController(Controller):
    name = "runs"
    kind = Kind.RUNS
    finalizer = FINALIZER

    def __init__(
        self,
        installation: InstallationSettings,
        settings: RunsSettings,
        *,
        rows: RunRows,
        swarm: RunSwarm,
        streams: LogWriter,
        open_secret: Callable[[str], str] = lambda value: value,
    ) -> None:
        self.instance = installation.instance
        self.key = installation.secret_key
        self.settings = settings
        self.rows = rows
        self.swarm = swarm
        self.streams = streams
        self._open = open_secret

    # --- reconcile -------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        if obj.status.details.get("phase") in ENDED:
            return Result(obj.status)
        spec = RunSpec.model_validate(obj.spec)
        name = naming.run_service_name(self.instance, obj.id)
        if spec.cancel_requested:
            await self._ship(name, obj)
            cancelled = Outcome(RunPhase.CANCELLED, "Cancelled", "stopped on request")
            return await self._end(ctx, obj, name, cancelled)
        if await self.swarm.get_service(name) is None:
            if obj.status.details.get("phase") == RunPhase.RUNNING.value:
                message = "its swarm job was removed from outside while it ran"
                return await self._end(ctx, obj, name, Outcome(RunPhase.FAILED, "Removed", message))
            return await self._start(ctx, obj, spec, name)
        return await self._look(ctx, obj, spec, name)

    async def _start(self, ctx: Context, obj: StoredObject, spec: RunSpec, name: str) -> Result:
        try:
            engine_spec = await self._engine_spec(obj, spec)
        except PlanError as exc:
            return await self._end(ctx, obj, name, Outcome(RunPhase.FAILED, "CannotRun", str(exc)))
        ctx.ensure_leader()
        await self.swarm.create_service(engine_spec)
        now = datetime.now(UTC)
        details = {"started_at": now.isoformat(), "shipped_until": now.timestamp() - 1}
        status = _phase(obj.status, RunPhase.RUNNING, "Running", "running", details)
        return Result(status, requeue_after=self.settings.poll_seconds)

    async def _engine_spec(self, obj: StoredObject, spec: RunSpec) -> dict[str, Any]:
        service = await self.rows.get(Kind.SERVICES, obj.parent_id) if obj.parent_id else None
        row = await self.rows.get(Kind.DEPLOYMENTS, spec.deployment_id)
        if service is None or row is None or row.parent_id != service.id:
            raise PlanError("deployment_id: no such deployment of this service")
        deployment = as_job(Deployment.from_row(row), spec)
        world = await read_rows(self.rows, service, self.instance)
        knobs = Knobs(self.instance, ROLLOUT, 0.0, self.settings.poll_seconds, self.key)
        plan = plan_for(world, knobs, deployment)
        return run_spec(plan, swarm_spec(plan, container_env(plan, self._open), self.key), obj.id)

    async def _look(self, ctx: Context, obj: StoredObject, spec: RunSpec, name: str) -> Result:
        tasks = await self.swarm.service_tasks(name)
        shipped = await self._ship(name, obj)
        ended = outcome(tasks)
        if ended is not None:
            return await self._finish(ctx, obj, name, ended)
        elapsed = _elapsed(obj)
        if elapsed > spec.timeout_seconds:
            message = f"still running {spec.timeout_seconds}s after it started: stopped"
            return await self._end(ctx, obj, name, Outcome(RunPhase.FAILED, "TimedOut", message))
        if not started(tasks) and elapsed > self.settings.start_timeout_seconds:
            tasks_said = describe(tasks) or "none"
            message = f"its container had not started after {elapsed:.0f}s; tasks: {tasks_said}"
            return await self._end(ctx, obj, name, Outcome(RunPhase.FAILED, "NotStarted", message))
        status = obj.status.model_copy(
            update={"details": {**obj.status.details, "shipped_until": shipped}}
        )
        return Result(status, requeue_after=self.settings.poll_seconds)

    async def _finish(self, ctx: Context, obj: StoredObject, name: str, ended: Outcome) -> Result:
        message = ended.message
        if ended.phase is RunPhase.FAILED and self.settings.failure_log_lines:
            lines = await self.swarm.service_logs(name, tail=self.settings.failure_log_lines)
            if lines:
                message += "\nlast output lines:\n" + "\n".join(entry.line for entry in lines)
        return await self._end(ctx, obj, name, replace(ended, message=message))

    async def _end(self, ctx: Context, obj: StoredObject, name: str, ended: Outcome) -> Result:
        """The outcome recorded; the swarm job removed (its output is in the run's stream)."""
        ctx.ensure_leader()
        await self.swarm.remove_service(name)
        details = {"finished_at": datetime.now(UTC).isoformat(), "exit_code": ended.exit_code}
        return Result(_phase(obj.status, ended.phase, ended.reason, ended.message, details))

    async def _ship(self, name: str, obj: StoredObject) -> float:
        """Output written since the last look, into the run's stream; returns the new mark."""
        mark = obj.status.details.get("shipped_until")
        since = float(mark) if isinstance(mark, int | float) else 0.0
        key = run_logs(obj.id)
        for entry in await self.swarm.service_logs_since(name, since):
            written = seconds_of(entry.ts)
            if written < since:
                continue  # Docker's since is to the second: what was shipped already
            line = RunLine(ts=entry.ts, stream=entry.stream, line=entry.line)
            await self.streams.append(key, line, self.settings.log_max_entries)
            since = max(since, written + 1e-6)
        return since

    # --- deletion, drift, events -----------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        ctx.ensure_leader()
        await self.swarm.remove_service(naming.run_service_name(self.instance, obj.id))
        return Result()

    async def forget(self, ctx: Context, key: Key) -> None:
        ctx.ensure_leader()
        await self.swarm.remove_service(naming.run_service_name(self.instance, key.id))

    async def find_drift(self) -> Sequence[Key]:
        """Swarm jobs of runs whose rows are gone or ended: removed at their reconcile."""
        drifted: list[Key] = []
        for service in await self.swarm.list_managed_services(self.instance):
            run_id = _run_of(service.labels.get(naming.LABEL_OWNER, ""))
            if run_id is None:
                continue
            row = await self.rows.get(Kind.RUNS, run_id)
            if row is None or row.status.details.get("phase") in ENDED:
                drifted.append(Key(Kind.RUNS, run_id))
        return drifted

    async def outside_changes(self) -> AsyncIterator[Key]:
        """A run's container started or ended: look at once, not at the next poll."""
        async for event in self.swarm.events():
            run_id = self._run_of_event(event)
            if run_id is not None:
                yield Key(Kind.RUNS, run_id)

    def _run_of_event(self, event: DockerEvent) -> UUID | None:
        if event.type != "container" or event.action not in ("start", "die"):
            return None
        if event.attributes.get(naming.LABEL_INSTANCE) != self.instance:
            return None
        return _run_of(event.attributes.get(naming.LABEL_OWNER, ""))


def _run_of(owner: str) -> UUID | None:
    if not owner.startswith(OWNER_PREFIX):
        return None
    try:
        return UUID(owner.removeprefix(OWNER_PREFIX))
    except ValueError:
        return None


def _elapsed(obj: StoredObject) -> float:
    started_at = obj.status.details.get("started_at")
    if not isinstance(started_at, str):
        return 0.0
    return (datetime.now(UTC) - datetime.fromisoformat(started_at)).total_seconds()


def _phase(
    status: Status, phase: RunPhase, reason: str, message: str, details: dict[str, Any]
) -> Status:
    condition = Condition(
        type="Completed", status=_completed(phase), reason=reason, message=message[:4000]
    )
    merged = {**status.details, **details, "phase": phase.value}
    return status.with_condition(condition).model_copy(update={"details": merged})


def _completed(phase: RunPhase) -> ConditionStatus:
    if phase is RunPhase.SUCCEEDED:
        return ConditionStatus.TRUE
    if phase in (RunPhase.FAILED, RunPhase.CANCELLED):
        return ConditionStatus.FALSE
    return ConditionStatus.UNKNOWN


__all__ = ["FINALIZER", "RunsController"]
