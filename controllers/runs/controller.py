"""The runs controller: each one-off command, run once as a swarm job, its output shipped.

A run gets its start time (QUEUED), then a single-task replicated job made from its
deployment's plan (see job.py), and is RUNNING. Each look ships the output written since
the last one into the run's log stream (where it shipped up to is kept in the status, so a
new leader loses no line), until the task ends; the outcome is recorded, then the job removed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from controllers.services.plan import PlanError, Rollout, container_env, swarm_spec
from controllers.services.rollout import Deployment, describe
from controllers.services.steps import Knobs, plan_for
from controllers.services.world import read_rows
from zaneops.adapters.docker.log_lines import unix_seconds
from zaneops.adapters.docker.models import DockerEvent
from zaneops.adapters.redis.log_streams import RunLine
from zaneops.adapters.redis.stream_keys import run_logs
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result, Watch
from zaneops.specs import Condition, ConditionStatus, RunPhase, RunSpec, ServiceSpec, Status
from zaneops.specs.cron import CronJob
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

from .cron import decide
from .job import Outcome, as_job, outcome, run_spec, started
from .ports import LogWriter, RunRows, RunSwarm
from .settings import RunsSettings

FINALIZER = "runs.zaneops.dev/swarm"
OWNER_PREFIX = f"{Kind.RUNS.value}/"
ENDED = {RunPhase.SUCCEEDED.value, RunPhase.FAILED.value, RunPhase.CANCELLED.value}
# A run is stopped at once: no grace (a person asked, or its time is up).
# Lines shipped per look at most: a chatty command is shipped over several looks.
MAX_LINES_PER_LOOK = 5_000
ROLLOUT = Rollout(monitor_seconds=1.0, stop_grace_seconds=1.0, restart_delay_seconds=0.0)


CRON = Key(Kind.RUNS, UUID(int=0))  # not a row: every service's scheduled jobs
CRON_LOOK_SECONDS = 60.0  # the longest the schedule sleeps; a service's edit wakes it


class RunsController(Controller):
    name = "runs"
    kind = Kind.RUNS
    finalizer = FINALIZER
    global_keys = (CRON,)

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
        # Per (service, job): the newest fire time run or skipped; first: when first seen.
        self._handled: dict[tuple[UUID, str], datetime] = {}
        self._replaced: set[UUID] = set()  # runs a newer run of their schedule replaces
        self.watches = (Watch(Kind.SERVICES, self._cron),)

    async def _cron(self, _: UUID) -> list[Key]:
        return [CRON]

    # --- reconcile -------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        phase = obj.status.details.get("phase")
        name = naming.run_service_name(self.instance, obj.id)
        job = await self.swarm.get_service(name)
        if phase in ENDED:  # recorded first, removed after: a removal never loses an outcome
            if job is not None:
                ctx.ensure_leader()
                await self.swarm.remove_service(name)
            return Result(obj.status)
        spec = RunSpec.model_validate(obj.spec)
        if spec.cancel_requested or obj.id in self._replaced:
            shipped = await self._ship(name, obj) if job is not None else {}
            said = "replaced by a newer run of its schedule" if obj.id in self._replaced else ""
            cancelled = Outcome(RunPhase.CANCELLED, "Cancelled", said or "stopped on request")
            self._replaced.discard(obj.id)
            return _ended(obj, cancelled, shipped)
        if job is not None:
            return await self._look(obj, spec, name)
        if phase == RunPhase.RUNNING.value:
            message = "its swarm job was removed from outside while it ran"
            return _ended(obj, Outcome(RunPhase.FAILED, "Removed", message))
        if phase is None:  # its start time first: the timeouts count from it, whatever fails
            details = {"started_at": datetime.now(UTC).isoformat()}
            status = _phase(obj.status, RunPhase.QUEUED, "Starting", "starting", details)
            return Result(status, requeue_after=0)
        return await self._start(ctx, obj, spec, name)

    async def _start(self, ctx: Context, obj: StoredObject, spec: RunSpec, name: str) -> Result:
        try:
            engine_spec = await self._engine_spec(obj, spec)
        except PlanError as exc:
            return _ended(obj, Outcome(RunPhase.FAILED, "CannotRun", str(exc)))
        ctx.ensure_leader()
        await self.swarm.create_service(engine_spec)
        started_at = datetime.fromisoformat(str(obj.status.details["started_at"]))
        details = {"shipped_until": started_at.timestamp() - 1, "shipped_at_mark": 0}
        status = _phase(obj.status, RunPhase.RUNNING, "Running", "running", details)
        return Result(status, requeue_after=self.settings.poll_seconds)

    # --- scheduled jobs ----------------------------------------------------------------------

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        """Starts the runs of scheduled jobs that are due; sleeps until the next one."""
        now = datetime.now(UTC)
        soonest = CRON_LOOK_SECONDS
        for service_id in await self.rows.list_ids(Kind.SERVICES):
            service = await self.rows.get(Kind.SERVICES, service_id)
            if service is None or service.is_deleted or not service.spec.get("cron_jobs"):
                continue
            for wait in await self._schedule_service(ctx, service, now):
                soonest = min(soonest, wait)
        return Result(requeue_after=max(0.2, soonest))

    async def _schedule_service(
        self, ctx: Context, service: StoredObject, now: datetime
    ) -> list[float]:
        spec = ServiceSpec.model_validate(service.spec)
        runs = [r for r in await self.rows.list_children(Kind.RUNS, service.id) if not r.is_deleted]
        waits = []
        for job in spec.cron_jobs:
            mine = [r for r in runs if r.spec.get("cron_job") == job.name]
            active = [r.id for r in mine if r.status.details.get("phase") not in ENDED]
            decision = decide(job, now, self._handled_until(service.id, job, mine, now), active)
            if decision.start:
                await self._start_scheduled(ctx, service, job, decision.stop)
                await self._forget_old_runs(ctx, mine)
            if decision.due is not None:
                self._handled[(service.id, job.name)] = decision.due
            waits.append((decision.next_at - now).total_seconds())
        return waits

    def _handled_until(
        self, service_id: UUID, job: CronJob, runs: list[StoredObject], now: datetime
    ) -> datetime:
        """The newest fire time run (its run's creation) or skipped here; a job never run
        counts from when it was first seen, so adding one does not run it at once."""
        key = (service_id, job.name)
        if not runs:
            return self._handled.setdefault(key, now)
        newest = max(run.created_at for run in runs)
        return max(newest, self._handled.get(key, newest))

    async def _start_scheduled(
        self, ctx: Context, service: StoredObject, job: CronJob, replace: tuple[UUID, ...]
    ) -> None:
        live = await self._live_deployment(service.id)
        if live is None:
            return  # nothing deployed yet: nothing to run it with (the fire time is handled)
        self._replaced.update(replace)
        spec = RunSpec(
            command=job.command,
            deployment_id=live,
            timeout_seconds=job.timeout_seconds,
            cron_job=job.name,
        )
        ctx.ensure_leader()
        await self.rows.create(Kind.RUNS, spec.model_dump(mode="json"), service.id)

    async def _forget_old_runs(self, ctx: Context, runs: list[StoredObject]) -> None:
        """A job's ended runs past the newest kept go (their finalizer drops their output)."""
        ended = [r for r in runs if r.status.details.get("phase") in ENDED]
        ended.sort(key=lambda run: run.created_at, reverse=True)
        for old in ended[self.settings.cron_kept_runs :]:
            ctx.ensure_leader()
            await self.rows.request_delete(Kind.RUNS, old.id)

    async def _live_deployment(self, service_id: UUID) -> UUID | None:
        healthy = [
            row
            for row in await self.rows.list_children(Kind.DEPLOYMENTS, service_id)
            if not row.is_deleted and row.status.details.get("phase") == "HEALTHY"
        ]
        return max(healthy, key=lambda row: row.created_at).id if healthy else None

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

    async def _look(self, obj: StoredObject, spec: RunSpec, name: str) -> Result:
        tasks = await self.swarm.service_tasks(name)
        shipped = await self._ship(name, obj)
        done = outcome(tasks)
        if done is not None:
            return _ended(obj, await self._with_last_lines(name, done), shipped)
        elapsed = _elapsed(obj)
        if elapsed > spec.timeout_seconds:
            message = f"still running {spec.timeout_seconds}s after it started: stopped"
            return _ended(obj, Outcome(RunPhase.FAILED, "TimedOut", message), shipped)
        if not started(tasks) and elapsed > self.settings.start_timeout_seconds:
            tasks_said = describe(tasks) or "none"
            message = f"its container had not started after {elapsed:.0f}s; tasks: {tasks_said}"
            return _ended(obj, Outcome(RunPhase.FAILED, "NotStarted", message), shipped)
        if obj.status.details.get("phase") != RunPhase.RUNNING.value:  # made, not yet said
            status = _phase(obj.status, RunPhase.RUNNING, "Running", "running", shipped)
        else:
            status = obj.status.model_copy(update={"details": {**obj.status.details, **shipped}})
        return Result(status, requeue_after=self.settings.poll_seconds)

    async def _with_last_lines(self, name: str, done: Outcome) -> Outcome:
        if done.phase is not RunPhase.FAILED or not self.settings.failure_log_lines:
            return done
        lines = await self.swarm.service_logs(name, tail=self.settings.failure_log_lines)
        if not lines:
            return done
        said = "\n".join(entry.line for entry in lines)
        return replace(done, message=f"{done.message}\nlast output lines:\n{said}")

    async def _ship(self, name: str, obj: StoredObject) -> dict[str, Any]:
        """Output written since the last look, into the run's stream; returns the new mark.

        The mark is the newest line's time (to the microsecond, as Docker's nanoseconds are
        cut) and how many lines of that very time were shipped: Docker's `since` keeps lines
        of that time, and those already shipped are skipped, the others are not lost."""
        mark, at_mark = _mark_of(obj)
        newest, at_newest = mark, at_mark
        skipped = 0
        key = run_logs(obj.id)
        for entry in (await self.swarm.service_logs_since(name, mark))[:MAX_LINES_PER_LOOK]:
            written = unix_seconds(entry.ts)
            if written is None:  # not a timestamped line: shipped as of the mark
                written = mark
            if written < mark:
                continue
            if written == mark and skipped < at_mark:
                skipped += 1
                continue
            line = RunLine(ts=entry.ts, stream=entry.stream, line=entry.line)
            await self.streams.append(key, line, self.settings.log_max_entries)
            if written > newest:
                newest, at_newest = written, 1
            elif written == newest:
                at_newest += 1
        return {"shipped_until": newest, "shipped_at_mark": at_newest}

    # --- deletion, drift, events -----------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        """Its swarm job, then its output: a deleted run leaves nothing behind."""
        ctx.ensure_leader()
        await self.swarm.remove_service(naming.run_service_name(self.instance, obj.id))
        await self.streams.delete([run_logs(obj.id)])
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


def _ended(obj: StoredObject, done: Outcome, shipped: dict[str, Any] | None = None) -> Result:
    """The outcome recorded; the reconcile right after removes the swarm job (its output is
    in the run's stream by then)."""
    details = {
        **(shipped or {}),
        "finished_at": datetime.now(UTC).isoformat(),
        "exit_code": done.exit_code,
    }
    return Result(_phase(obj.status, done.phase, done.reason, done.message, details), 0)


def _mark_of(obj: StoredObject) -> tuple[float, int]:
    mark = obj.status.details.get("shipped_until")
    at_mark = obj.status.details.get("shipped_at_mark")
    return (
        float(mark) if isinstance(mark, int | float) else 0.0,
        at_mark if isinstance(at_mark, int) else 0,
    )


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
