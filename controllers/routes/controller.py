"""The routes controller: domain rows → Caddy routes, status Ready with the URL or the error.

Per-domain reconciles only record status and ask for the whole config to be applied; the
apply itself runs under the single global key ALL_ROUTES (see applier.py): the work queue
never runs it twice at once, so changes arriving during a load are applied together after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from uuid import UUID

import structlog
from prometheus_client.registry import Collector

from controllers.routes.access_logs import AccessLogForwarder, FileTail
from controllers.routes.applier import Applied, Applier
from controllers.routes.ask import AskServer
from controllers.routes.caddy_config import Layout
from controllers.routes.certificate_state import (
    CERTIFICATE,
    condition_of,
    seconds_to_next_change,
    state_of,
)
from controllers.routes.entries import RouteEntry, dashboard_entry
from controllers.routes.http_metrics import HttpMetrics
from controllers.routes.issuance import (
    ISSUANCE_REASONS,
    IssuanceWatcher,
)
from controllers.routes.ports import CaddyAdminPort, CursorStore, DomainRows, HttpLogSink
from controllers.routes.settings import RoutesSettings
from zaneops.common.cancellation import pause
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result, Watch
from zaneops.runtime.status import reconciled
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject
from zaneops.specs.status import Condition, ConditionStatus, Status

log = structlog.get_logger(__name__)

# Not a row: the key of "Caddy's whole config". The runtime finds no row for it and calls
# forget(), which is where the apply runs, with the leader check of a normal reconcile.
ALL_ROUTES = Key(Kind.DOMAINS, UUID(int=0))
READY = "Ready"
# A deleted domain waits for its route to leave Caddy; the apply wakes it sooner.
FINALIZE_POLL_SECONDS = 2.0
DRIFT_READ_SHARE = 20


def layout_from(settings: RoutesSettings, instance: str) -> Layout:
    return Layout(
        instance=instance,
        https=settings.https,
        public_https_port=settings.public_https_port,
        proxy_access_log=settings.proxy_access_log,
        proxy_tls_log=settings.proxy_tls_log,
        ask_url=settings.ask_url,
        acme_email=settings.acme_email,
        acme_ca=settings.acme_ca,
        internal_suffixes=tuple(settings.internal_suffixes),
        upstream_hold_seconds=settings.upstream_hold_seconds,
    )


class RoutesController(Controller):
    name = "routes"
    kind = Kind.DOMAINS
    finalizer = "routes"
    global_keys = (ALL_ROUTES,)

    def __init__(
        self,
        installation: InstallationSettings,
        settings: RoutesSettings,
        admin: CaddyAdminPort,
        domains: DomainRows,
        *,
        http_logs: HttpLogSink | None = None,
        tls_log_cursor: CursorStore | None = None,
        open_secret: Callable[[str], str] = lambda value: value,
    ) -> None:
        self.installation = installation
        self.settings = settings
        self.layout = layout_from(settings, installation.instance)
        self.admin = admin
        self._domains = domains
        self._http_logs = http_logs
        self._tls_log_cursor = tls_log_cursor
        dashboard = dashboard_entry(settings.dashboard_domain, settings.dashboard_upstream)
        self.applier = Applier(admin, domains, self.layout, dashboard, open_secret)
        self._wakeups: asyncio.Queue[Key] = asyncio.Queue()
        self._waiting: set[UUID] = set()  # rows whose status waits for the next apply
        self._touched: set[UUID] = set()  # rows reconciled since the last bulk status write
        self._tasks: list[asyncio.Task[None]] = []
        self._ask: AskServer | None = None
        self.http_metrics = HttpMetrics()
        # A domain's change wakes the load at once, beside the domain's own reconcile.
        self.watches = (Watch(Kind.DOMAINS, self._all_routes),)

    def collectors(self) -> Sequence[Collector]:
        return self.http_metrics.collectors

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._watch_drift()))
        if self.settings.ask_port:
            self._ask = AskServer(self.settings.ask_host, self.settings.ask_port, self._view)
        if self.settings.access_log and self._http_logs is not None:
            self._start_access_logs(self._http_logs)
        if self.settings.tls_log and self._tls_log_cursor is not None:
            self._start_issuance(self._tls_log_cursor)

    def _start_access_logs(self, sink: HttpLogSink) -> None:
        forwarder = AccessLogForwarder(
            FileTail(self.settings.access_log),
            sink,
            self._domains,
            self._served_routes,
            self.is_leader,
            counted=self.http_metrics.count,
            routed=self.http_metrics.known,
        )
        self._tasks.append(asyncio.create_task(forwarder.run()))

    def _start_issuance(self, cursors: CursorStore) -> None:
        watcher = IssuanceWatcher(
            FileTail(self.settings.tls_log),
            cursors,
            self._domains,
            self._loaded_routes,
            self.is_leader,
        )
        self._tasks.append(asyncio.create_task(watcher.run()))

    def _loaded_routes(self) -> tuple[RouteEntry, ...] | None:
        """The routes this replica loaded into Caddy; None before its first load."""
        applied = self._applied()
        return applied.routes if applied else None

    def _served_routes(self) -> tuple[RouteEntry, ...]:
        view = self._view()
        return view.routes if view else ()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ask is not None:
            self._ask.close()

    @property
    def ask_port(self) -> int | None:
        return self._ask.port if self._ask else None

    def _applied(self) -> Applied | None:
        return self.applier.applied

    def _view(self) -> Applied | None:
        """The routes Caddy serves: as loaded by this replica, else as a follower previews
        them (Caddy keeps serving what the leader loaded, which is the same)."""
        if self.is_leader() and self.applier.applied is not None:
            return self.applier.applied
        return self.applier.previewed or self.applier.applied

    # --- keys ------------------------------------------------------------------------------

    async def outside_changes(self) -> AsyncIterator[Key]:
        while True:
            yield await self._wakeups.get()

    async def _all_routes(self, _domain_id: UUID) -> list[Key]:
        return [ALL_ROUTES]

    def request_apply(self) -> None:
        self._wakeups.put_nowait(ALL_ROUTES)

    async def _watch_drift(self) -> None:
        """Caddy restarted empty, or a route removed by hand: apply again within seconds.
        A follower only keeps its preview of the routes current."""
        while True:
            await pause(self._drift_pause())
            try:
                if not self.is_leader():
                    await self.applier.preview()
                elif self._waiting:
                    continue  # a load is on its way: it sets Caddy right, the check waits
                elif await self.applier.drifted():
                    log.warning("caddy config drifted from the applied routes; re-applying")
                    self.request_apply()
            except Exception as exc:  # Caddy or Postgres down: the next check repairs
                log.warning("drift check failed", error=repr(exc))

    def _drift_pause(self) -> float:
        """A check reads Caddy's whole config (a fifth of a second at 10 000 routes), and
        Caddy loads nothing while it answers: checks are spaced so reading takes at most
        1/DRIFT_READ_SHARE of the time."""
        return max(self.settings.drift_check_seconds, DRIFT_READ_SHARE * self.applier.read_seconds)

    async def forget(self, ctx: Context, key: Key) -> None:
        self._waiting.discard(key.id)

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        """ALL_ROUTES: Caddy's whole config, from every live domain row, in one load.

        Applied at once: changes that arrive while a load runs add the key again, and the
        work queue runs it once more after (a burst costs two loads, a lone change no wait).
        The rows whose outcome the load decided get their status in one write, except a row
        reconciled since the last such write: its own status write may still land after
        ours, so it is reconciled again, after it (the work queue orders a key's runs)."""
        before = self.applier.applied
        after = await self.applier.apply(ctx.ensure_leader)
        decided = self._to_wake(before, after)
        touched, self._touched = self._touched, set()
        settled: set[UUID] = set()
        try:
            ctx.ensure_leader()
            settled = await self._settle(decided - touched, after)
        finally:  # whatever was not written (a Postgres error too) is reconciled one by one
            for row_id in decided - settled:
                self._wakeups.put_nowait(Key(Kind.DOMAINS, row_id))
        # A certificate entering its warning time or expiring changes what is loaded.
        return Result(requeue_after=seconds_to_next_change(after.certificates.values(), after.at))

    async def _settle(self, row_ids: set[UUID], applied: Applied) -> set[UUID]:
        """Writes the outcome of each live row the load saw at its generation; returns them."""
        if not row_ids:
            return set()
        rows = await self._domains.statuses(sorted(row_ids))
        outcomes = [
            (row_id, generation, reconciled(generation, self._outcome(row_id, status, applied)))
            for row_id, (generation, status) in rows.items()
            if applied.generations.get(row_id) == generation
        ]
        return await self._domains.write_statuses(outcomes)

    def _to_wake(self, before: Applied | None, after: Applied) -> set[UUID]:
        """Rows waiting for this apply, and rows whose refusal changed without a spec change."""
        woken = set(self._waiting)
        self._waiting.clear()
        old_rejected = before.rejected if before else {}
        woken.update(
            i
            for i in after.rejected.keys() | old_rejected.keys()
            if after.rejected.get(i) != old_rejected.get(i)
        )
        woken.update(_certificate_changes(before, after))
        return woken

    # --- per domain ------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        self._touched.add(obj.id)  # its status is written after this returns
        applied = self._applied()
        if applied is not None and applied.generations.get(obj.id) == obj.generation:
            return Result(status=self._outcome(obj.id, obj.status, applied))
        self._waiting.add(obj.id)
        self.request_apply()
        if applied is None and obj.status.details.get("applied_generation") == obj.generation:
            return Result()  # just restarted: Caddy still serves it (--resume)
        applying = _with_ready(obj.status, ConditionStatus.UNKNOWN, "Applying", "being applied")
        return Result(status=applying)

    def _outcome(self, row_id: UUID, status: Status, applied: Applied) -> Status:
        reason = applied.rejected.get(row_id)
        if reason is not None:
            return _with_ready(status, ConditionStatus.FALSE, "Refused", reason)
        url = applied.urls[row_id]
        serving = _with_ready(status, ConditionStatus.TRUE, "Serving", f"serving at {url}")
        details = {**serving.details, "url": url, "applied_generation": applied.generations[row_id]}
        expires_at = applied.certificates.get(row_id)
        serving = _with_certificate(serving, expires_at, applied.at, self.layout.https)
        return serving.model_copy(update={"details": {**serving.details, **details}})

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        applied = self._applied()
        if applied is not None and obj.id not in applied.generations:
            self._waiting.discard(obj.id)
            return Result()  # the last apply no longer has its route
        self._waiting.add(obj.id)
        self.request_apply()
        return Result(requeue_after=FINALIZE_POLL_SECONDS)


def _with_ready(status: Status, state: ConditionStatus, reason: str, message: str) -> Status:
    condition = Condition(type=READY, status=state, reason=reason, message=message)
    return status.with_condition(condition)


def _with_certificate(
    status: Status, expires_at: datetime | None, now: datetime, https: bool
) -> Status:
    details = dict(status.details)
    if expires_at is None:
        details.pop("certificate_expires_at", None)
        others = [c for c in status.conditions if c.type != CERTIFICATE or _kept(c, https)]
        return status.model_copy(update={"conditions": others, "details": details})
    details["certificate_expires_at"] = expires_at.isoformat()
    with_condition = status.with_condition(condition_of(expires_at, now, https))
    return with_condition.model_copy(update={"details": details})


def _kept(certificate: Condition, https: bool) -> bool:
    """With no uploaded certificate, what Caddy's issuance said stays (issuance.py writes it);
    an uploaded certificate's state goes with it, and all goes once HTTPS is off."""
    return https and certificate.reason in ISSUANCE_REASONS


def _certificate_changes(before: Applied | None, after: Applied) -> set[UUID]:
    """Rows whose certificate came, went, or changed state since the last load."""
    old = before.certificates if before else {}
    changed = set()
    for row_id in old.keys() | after.certificates.keys():
        was, now = old.get(row_id), after.certificates.get(row_id)
        was_state = state_of(was, before.at) if was and before else None
        now_state = state_of(now, after.at) if now else None
        if (was, was_state) != (now, now_state):
            changed.add(row_id)
    return changed
