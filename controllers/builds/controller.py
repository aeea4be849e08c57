"""The builds controller: each build row turned into an image recorded on its deployment.

Builds run as background tasks (a reconcile must stay short), at most max_concurrent
(ZANE_BUILDS_MAX_CONCURRENT) at once; the rest wait QUEUED. A job reports through an
in-memory status and a wake-up of its key: the runtime then writes it, so it stays the one
writer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from uuid import UUID

import structlog

from zaneops.common.cancellation import pause
from zaneops.common.secrets import SecretBox
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, LeaseLost, Result, Watch
from zaneops.specs import BuildSpec, DeploymentSpec, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

from . import image_cleanup
from .job import CANCEL, LEASE_LOST, SHUTDOWN, Builder, Job
from .logs import BuildLog
from .plan import (
    TERMINAL,
    Phase,
    Step,
    attempts_of,
    deployment_wants_build,
    next_step,
    now,
    phase_of,
    with_phase,
)
from .ports import BuildRows, GitPort, HostKeyPins, ImageBuilder, LogWriter
from .settings import BuildsSettings

log = structlog.get_logger(__name__)

# Not a row: the key of the periodic image clean-up (see reconcile_global).
IMAGE_CLEANUP = Key(Kind.BUILDS, UUID(int=0))
# A QUEUED build looks again this often, in case the wake-up of a freed slot was lost.
QUEUED_POLL_SECONDS = 10.0
LEASE_CHECK_SECONDS = 0.5
_LIVE_PHASES = {None, "QUEUED", "BUILDING", "STARTING", "HEALTHY"}
_RUN_ENDED = {"SUCCEEDED", "FAILED", "CANCELLED"}


class BuildsController(Controller):
    name = "builds"
    kind = Kind.BUILDS
    global_keys = (IMAGE_CLEANUP,)

    def __init__(
        self,
        installation: InstallationSettings,
        settings: BuildsSettings,
        *,
        rows: BuildRows,
        docker: ImageBuilder,
        git: GitPort,
        host_keys: HostKeyPins,
        streams: LogWriter,
        box: SecretBox | None,
    ) -> None:
        self.installation = installation
        self.settings = settings
        self.store = rows
        self.docker = docker
        self._streams = streams
        self.builder = Builder(installation.instance, settings, git, host_keys, docker, rows, box)
        self._jobs: dict[UUID, Job] = {}
        self._waiting: dict[UUID, datetime] = {}  # QUEUED builds by creation time
        # Builds between "a slot is free" and their job existing: _start awaits in between,
        # and another worker's reconcile must not count the same slot free meanwhile.
        self._starting: set[UUID] = set()
        self._wake: asyncio.Queue[Key] = asyncio.Queue()
        self._watchdog: asyncio.Task[None] | None = None
        self.watches = (
            Watch(Kind.DEPLOYMENTS, self._builds_of_deployment),  # cancel_requested set
            # Cancelled or superseded by the services controller: a status change.
            Watch(Kind.DEPLOYMENTS, self._builds_of_deployment, status_changes=True),
        )

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.settings.workdir.mkdir(parents=True, exist_ok=True)
        self._watchdog = asyncio.create_task(self._stop_builds_when_lease_lapses())

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        await self._stop_all(SHUTDOWN)

    # --- sources of keys -------------------------------------------------------------------

    async def _builds_of_deployment(self, deployment_id: UUID) -> Sequence[Key]:
        builds = await self.store.list_children(Kind.BUILDS, deployment_id)
        return [b.key for b in builds if phase_of(b.status) not in TERMINAL]

    async def outside_changes(self) -> AsyncIterator[Key]:
        """A job moved on (a new phase, or it ended and freed a slot)."""
        while True:
            yield await self._wake.get()

    def _report(self, job: Job) -> None:
        self._wake.put_nowait(Key(Kind.BUILDS, job.build_id))
        if job.done or phase_of(job.status) in TERMINAL:
            for build_id in sorted(self._waiting, key=self._waiting.__getitem__):
                self._wake.put_nowait(Key(Kind.BUILDS, build_id))

    # --- reconcile -------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        self.builder.ensure_leader = ctx.ensure_leader
        job = self._jobs.get(obj.id)
        if job is not None and job.done:
            return Result(self._finished(job))
        phase = phase_of(obj.status)
        spec = BuildSpec.model_validate(obj.spec)
        step = next_step(
            phase,
            wanted=phase in TERMINAL or await self._wanted(spec.deployment_id),
            running=job is not None,
            attempts=attempts_of(obj.status),
            max_attempts=self.settings.max_attempts,
            free_slots=self.settings.max_concurrent - self._running(),
        )
        ctx.log.debug("build step", step=step.value, phase=phase)
        return await self._act(ctx, obj, spec, step, job)

    async def _act(
        self, ctx: Context, obj: StoredObject, spec: BuildSpec, step: Step, job: Job | None
    ) -> Result:
        self._waiting.pop(obj.id, None)
        if step is Step.DONE:
            return Result()
        if step is Step.STOP:
            return Result(self._stop(obj, job))
        if step is Step.FOLLOW and job is not None:
            return Result(job.status)
        if step is Step.GIVE_UP:
            message = "its controller stopped mid-build too often; deploy again to retry"
            return Result(with_phase(obj.status, Phase.FAILED, "Interrupted", message))
        if step is Step.WAIT:
            self._waiting[obj.id] = obj.created_at
            status = with_phase(obj.status, Phase.QUEUED, "Queued", "waiting for a free slot")
            return Result(status, requeue_after=QUEUED_POLL_SECONDS)
        self._starting.add(obj.id)
        try:
            return Result(await self._start(ctx, obj, spec))
        finally:
            self._starting.discard(obj.id)

    def _stop(self, obj: StoredObject, job: Job | None) -> Status:
        if job is not None:
            job.stop(CANCEL)  # the job reports CANCELLED once stopped
            return job.status
        return with_phase(obj.status, Phase.CANCELLED, "Cancelled", "its deployment was cancelled")

    async def _start(self, ctx: Context, obj: StoredObject, spec: BuildSpec) -> Status:
        deployment = await self.store.get(Kind.DEPLOYMENTS, spec.deployment_id)
        if deployment is None or deployment.parent_id is None:  # deleted since _wanted looked
            return self._stop(obj, None)
        retry = phase_of(obj.status) is not None and phase_of(obj.status) is not Phase.QUEUED
        status = with_phase(
            obj.status.model_copy(update={"details": {}}),
            Phase.CLONING,
            "Cloning",
            "retrying: its controller stopped mid-build" if retry else "",
            attempts=attempts_of(obj.status) + 1,
            started_at=now(),
        )
        job = Job(obj.id, deployment.parent_id, spec, status)
        build_log = BuildLog(
            self._streams,
            obj.id,
            self.settings.log_max_entries,
            self.settings.failure_log_lines,
        )
        ctx.ensure_leader()
        job.task = asyncio.create_task(self.builder.run(job, build_log, self._report))
        job.task.add_done_callback(lambda _: self._report(job))
        self._jobs[obj.id] = job
        log.info("build started", build=str(obj.id), attempt=attempts_of(status))
        return status

    def _finished(self, job: Job) -> Status | None:
        self._jobs.pop(job.build_id, None)
        self._report(job)  # a slot is free: wake the waiting
        if job.stop_reason in (LEASE_LOST, SHUTDOWN):
            return None  # leave the row as it was: the next leader retries
        return job.status

    def _running(self) -> int:
        """Slots taken: running jobs, and starts still on their way to a job."""
        starting = self._starting - self._jobs.keys()
        return len(starting) + sum(1 for job in self._jobs.values() if not job.done)

    async def _wanted(self, deployment_id: UUID) -> bool:
        row = await self.store.get(Kind.DEPLOYMENTS, deployment_id)
        if row is None or row.is_deleted:
            return False
        spec = DeploymentSpec.model_validate(row.spec)
        phase = row.status.details.get("phase")
        return deployment_wants_build(True, spec.cancel_requested, phase)

    async def forget(self, ctx: Context, key: Key) -> None:
        if key == IMAGE_CLEANUP:
            return
        job = self._jobs.pop(key.id, None)
        if job is not None:
            job.stop(CANCEL)
        self._waiting.pop(key.id, None)

    # --- leadership ------------------------------------------------------------------------

    async def _stop_builds_when_lease_lapses(self) -> None:
        while True:
            await pause(LEASE_CHECK_SECONDS)
            if not self._jobs:
                continue
            try:
                self.builder.ensure_leader()
            except LeaseLost:
                log.warning("lease lost: stopping builds", builds=len(self._jobs))
                await self._stop_all(LEASE_LOST)

    async def _stop_all(self, reason: str) -> None:
        jobs = list(self._jobs.values())
        self._jobs.clear()
        for job in jobs:
            job.stop(reason)
        tasks = [job.task for job in jobs if job.task is not None]
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- image clean-up ----------------------------------------------------------------------

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        images = await self.docker.list_images(self.installation.instance)
        doomed = image_cleanup.images_to_remove(
            images,
            await self._needed_images(),
            self.settings.keep_images,
            self.settings.cache_budget_bytes,
        )
        for image in doomed:
            ctx.ensure_leader()
            for reference in image.tags or (image.id,):
                await self.docker.remove_image(reference)
        if doomed:
            log.info("removed built images", count=len(doomed))
        return Result(requeue_after=self.settings.image_cleanup_seconds)

    async def _needed_images(self) -> set[str]:
        """Images of deployments not finished with: queued, starting, serving."""
        needed: set[str] = set()
        for service_id in await self.store.list_ids(Kind.SERVICES):
            deployments = await self.store.list_children(Kind.DEPLOYMENTS, service_id)
            for row in deployments:
                image = row.spec.get("image")
                if image and not row.is_deleted and row.status.details.get("phase") in _LIVE_PHASES:
                    needed.add(str(image))
            needed |= await self._images_of_runs(service_id, deployments)
        return needed

    async def _images_of_runs(self, service_id: UUID, deployments: list[StoredObject]) -> set[str]:
        """A one-off command not ended yet runs (or will) with its deployment's image."""
        images = {str(row.id): row.spec.get("image") for row in deployments}
        needed: set[str] = set()
        for run in await self.store.list_children(Kind.RUNS, service_id):
            if run.status.details.get("phase") not in _RUN_ENDED:
                image = images.get(str(run.spec.get("deployment_id")))
                if image:
                    needed.add(str(image))
        return needed
