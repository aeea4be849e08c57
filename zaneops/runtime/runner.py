"""Runs one controller: feed → queue → workers, with resync, leadership and graceful stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog
from pydantic import ValidationError

from zaneops.common.cancellation import pause
from zaneops.runtime.backoff import Backoff
from zaneops.runtime.controller import Context, Controller, LeaseLost, Result, TerminalError
from zaneops.runtime.leader import LeaderElector
from zaneops.runtime.metrics import RuntimeMetrics
from zaneops.runtime.ports import Change, ChangeFeed, Lease, ObjectStore, Resubscribed
from zaneops.runtime.queue import WorkQueue
from zaneops.runtime.settings import RuntimeSettings
from zaneops.runtime.status import (
    error_status,
    invalid_stored_spec,
    success_status,
    terminal_status,
)
from zaneops.specs.objects import Key, StoredObject
from zaneops.specs.status import Status

log = structlog.get_logger(__name__)

# How long a stopping runner lets in-flight reconciles finish.
STOP_GRACE_SECONDS = 30.0
# Pause before re-opening a failed outside watch (Docker events), so a down engine isn't hammered.
OUTSIDE_WATCH_RETRY_SECONDS = 2.0


class Runner:
    def __init__(
        self,
        controller: Controller,
        store: ObjectStore,
        feed: ChangeFeed,
        lease: Lease,
        settings: RuntimeSettings,
    ) -> None:
        self.controller = controller
        self.store = store
        self.feed = feed
        self.settings = settings
        self.queue: WorkQueue[Key] = WorkQueue()
        self.backoff = Backoff(settings.backoff_base_seconds, settings.backoff_max_seconds)
        self.metrics = RuntimeMetrics(controller.name)
        for collector in controller.collectors():
            self.metrics.registry.register(collector)
        self.elector = LeaderElector(
            lease,
            settings.lease_ttl_seconds,
            settings.lease_retry_seconds,
            self._leadership_changed,
        )
        self.listening = False
        self.heartbeat = time.monotonic()
        self._stopping = False
        self._busy: dict[asyncio.Task[None], Key] = {}  # workers mid-reconcile, and their key
        self._background: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> bool:
        """A reconcile or a background job (a re-list) is under way."""
        return bool(self._busy) or bool(self._background)

    async def run(self, stop: asyncio.Event) -> None:
        self.controller.bind_leadership(self.elector.is_leader)
        await self.controller.start()
        loops = [
            self._consume_feed(),
            self._consume_outside_changes(),
            self._resync(),
            self.elector.run(),
            self._beat(),
        ]
        tasks = [asyncio.create_task(loop) for loop in loops]
        workers = [asyncio.create_task(self._work()) for _ in range(self.settings.workers)]
        await stop.wait()
        log.info("stopping")
        self._stopping = True
        await self._shutdown(tasks, workers)

    async def _shutdown(
        self, tasks: list[asyncio.Task[None]], workers: list[asyncio.Task[None]]
    ) -> None:
        for task in [*tasks, *[w for w in workers if w not in self._busy]]:
            task.cancel()
        self.queue.cancel_timers()
        busy = [w for w in workers if w in self._busy]
        if busy:  # each exits after its current key
            _, late = await asyncio.wait(busy, timeout=STOP_GRACE_SECONDS)
            if late:
                keys = [str(self._busy[w]) for w in late if w in self._busy]
                log.warning("reconciles outlived the stop grace; cancelling them", keys=keys)
        for worker in workers:  # the late ones, and any worker not yet out of its loop
            worker.cancel()
        await asyncio.gather(*tasks, *workers, return_exceptions=True)
        await self.elector.resign()
        await self.controller.stop()
        log.info("stopped")

    # --- sources of keys -------------------------------------------------------------------

    async def _consume_feed(self) -> None:
        async for event in self.feed.events():
            if isinstance(event, Resubscribed):
                self.listening = True
                if self.elector.is_leader():  # a follower re-lists when elected
                    self._spawn(self._relist)
                continue
            self.metrics.notifications.inc()
            await self._enqueue_change(event)

    async def _consume_outside_changes(self) -> None:
        """Docker events and the like; a broken watch is restarted, the resync covers the gap."""
        while True:
            try:
                async for key in self.controller.outside_changes():
                    self.queue.add(key)
                return  # the controller has no outside watch
            except Exception as exc:
                log.warning("outside watch failed; restarting", error=repr(exc))
                await pause(OUTSIDE_WATCH_RETRY_SECONDS)

    async def _enqueue_change(self, change: Change) -> None:
        if change.kind is self.controller.kind and not change.status:
            self.queue.add(Key(change.kind, change.id))
        # A controller may watch its own kind too: a row's change then also wakes a global
        # key at once (the routes' load), not only after the row's own reconcile.
        for watch in self.controller.watches:
            if watch.kind is change.kind and watch.status_changes == change.status:
                for key in await watch.to_keys(change.id):
                    self.queue.add(key)

    async def _relist(self) -> None:
        # Global keys first: each converges a whole slice at once (all routes in one load),
        # so the world is right before thousands of per-row reconciles are through.
        for key in self.controller.global_keys:
            self.queue.add(key)
        ids = await self.store.list_ids(self.controller.kind)
        for object_id in ids:
            self.queue.add(Key(self.controller.kind, object_id))
        self.metrics.queue_depth.set(self.queue.depth)
        log.info("relisted", count=len(ids))

    async def _resync(self) -> None:
        while True:
            await pause(self.settings.resync_seconds)
            await self._guarded(self._resync_once)

    async def _resync_once(self) -> None:
        """The backstop: anything not converged at its generation, plus drift outside."""
        unconverged = await self.store.list_unconverged_ids(self.controller.kind)
        keys = [Key(self.controller.kind, object_id) for object_id in unconverged]
        keys.extend(await self.controller.find_drift())
        for key in keys:
            self.queue.add(key)
        log.info("resynced", queued=len(keys))

    async def _beat(self) -> None:
        """Proves to /healthz that the event loop is not stuck."""
        while True:
            self.heartbeat = time.monotonic()
            self.metrics.queue_depth.set(self.queue.depth)
            await pause(1.0)

    def _leadership_changed(self, leader: bool) -> None:
        self.metrics.leader.set(1 if leader else 0)
        if leader and self.listening:  # not listening yet: the feed re-lists once subscribed
            self._spawn(self._relist)  # a new leader looks at everything once

    def _spawn(self, job: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.create_task(self._guarded(job))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _guarded(self, job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except Exception as exc:
            log.warning("background job failed", job=getattr(job, "__name__", "?"), error=str(exc))

    # --- workers ---------------------------------------------------------------------------

    async def _work(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self._stopping:
            await self.elector.wait_elected()
            key = await self.queue.get()
            self._busy[me] = key
            try:
                await self._process(key)
            finally:
                self._busy.pop(me, None)
                self.queue.done(key)
                self.metrics.queue_depth.set(self.queue.depth)

    async def _process(self, key: Key) -> None:
        with structlog.contextvars.bound_contextvars(key=str(key)):
            started = time.perf_counter()
            outcome = await self._process_and_classify(key)
            self.metrics.duration.observe(time.perf_counter() - started)
            self.metrics.reconciled(outcome)

    async def _process_and_classify(self, key: Key) -> str:
        ctx = Context(key=key, ensure_leader=self.elector.ensure_leader, log=log)
        obj: StoredObject | None = None
        try:
            if key in self.controller.global_keys:
                result = await self.controller.reconcile_global(ctx, key)
            else:
                obj = await self.store.get(key.kind, key.id)
                result = await self._converge(ctx, obj)
        except LeaseLost:
            self.queue.add(key)  # the next leader (maybe us again) picks it up
            return "lease_lost"
        except TerminalError as exc:
            await self._record_terminal(ctx, obj, exc)
            return "terminal"
        except ValidationError as exc:  # a stored row written by hand, or by an older version
            await self._record_terminal(ctx, obj, invalid_stored_spec(exc))
            return "terminal"
        except Exception as exc:
            await self._record_error(ctx, obj, exc)
            return "error"
        self.backoff.succeeded(key)
        if result.requeue_after is not None:
            self.queue.add_after(key, result.requeue_after)
        ctx.log.info("reconciled", requeue_after=result.requeue_after)
        return "success"

    async def _converge(self, ctx: Context, obj: StoredObject | None) -> Result:
        if obj is None:
            await self.controller.forget(ctx, ctx.key)
            return Result()
        if obj.is_deleted:
            return await self._finalize(ctx, obj)
        if not await self._ensure_finalizer(ctx, obj):
            return Result()  # deleted meanwhile: that change wakes us again
        result = await self.controller.reconcile(ctx, obj)
        await self._write_status(ctx, obj, success_status(obj, result.status))
        return result

    async def _ensure_finalizer(self, ctx: Context, obj: StoredObject) -> bool:
        finalizer = self.controller.finalizer
        if finalizer is None or finalizer in obj.finalizers:
            return True
        ctx.ensure_leader()
        return await self.store.add_finalizer(obj.kind, obj.id, finalizer)

    async def _finalize(self, ctx: Context, obj: StoredObject) -> Result:
        finalizer = self.controller.finalizer
        if finalizer is None or finalizer not in obj.finalizers:
            return Result()
        result = await self.controller.finalize(ctx, obj)
        if result.requeue_after is None:
            ctx.ensure_leader()
            await self.store.remove_finalizer(obj.kind, obj.id, finalizer)
            ctx.log.info("finalized")
        return result

    async def _write_status(self, ctx: Context, obj: StoredObject, status: Status) -> None:
        ctx.ensure_leader()
        await self.store.write_status(obj.kind, obj.id, status)

    async def _record_terminal(
        self, ctx: Context, obj: StoredObject | None, exc: TerminalError
    ) -> None:
        self.backoff.succeeded(ctx.key)
        ctx.log.warning("reconcile failed for good", reason=exc.reason, error=exc.message)
        if obj is not None and not obj.is_deleted:
            await self._guarded(lambda: self._write_status(ctx, obj, terminal_status(obj, exc)))

    async def _record_error(self, ctx: Context, obj: StoredObject | None, exc: Exception) -> None:
        delay = self.backoff.failed(ctx.key)
        self.queue.add_after(ctx.key, delay)
        ctx.log.warning("reconcile failed; will retry", error=repr(exc), retry_in=delay)
        # Only the first failure of a streak is written: each write wakes the key again.
        if obj is not None and self.backoff.failures(ctx.key) == 1:
            await self._guarded(lambda: self._write_status(ctx, obj, error_status(obj, exc)))
