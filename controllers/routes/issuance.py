"""A certificate Caddy cannot get becomes the `Certificate` condition of the domain rows serving
its host: False, reason IssueFailed, Caddy's error as the message; True, reason Issued, once a
later attempt gets one.

Caddy's certificate management log (see tls_log.py) is tailed like the access log: by the
leader only, from the cursor stored in Redis, so a restart or a new leader neither reads a
line twice nor skips one. A row's condition is written when it changes state (failed or
issued), and a new message of the same state at most once a minute: a host failing at every
handshake does not write its row at every handshake.

A row with an uploaded certificate is left alone (its condition says that certificate's
state, certificate_state.py), and Issued only ever replaces IssueFailed: a host that never
failed gets no condition at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from uuid import UUID

import structlog

from controllers.routes.access_logs import TAIL_INTERVAL_SECONDS, Cursor, FileTail
from controllers.routes.certificate_state import CERTIFICATE
from controllers.routes.entries import RouteEntry
from controllers.routes.tls_log import IssuanceOutcome, parse_tls_line
from zaneops.common.cancellation import pause
from zaneops.specs.status import Condition, ConditionStatus, Status

from .ports import CursorStore, DomainRows

log = structlog.get_logger(__name__)

ISSUE_FAILED = "IssueFailed"
ISSUED = "Issued"
ISSUANCE_REASONS = frozenset({ISSUE_FAILED, ISSUED})
REWRITE_AFTER_SECONDS = 60.0


def condition_of(outcome: IssuanceOutcome) -> Condition:
    if outcome.issued:
        said = f"a certificate for {outcome.host} was obtained"
        return Condition(type=CERTIFICATE, status=ConditionStatus.TRUE, reason=ISSUED, message=said)
    return Condition(
        type=CERTIFICATE, status=ConditionStatus.FALSE, reason=ISSUE_FAILED, message=outcome.reason
    )


def rows_serving(routes: Sequence[RouteEntry], host: str) -> set[UUID]:
    """The domain rows of this exact host; rows with an uploaded certificate never get one
    issued. A host only a wildcard covers is nobody's: anyone may make the proxy try a name
    under a wildcard, and one that fails must not flip the wildcard's row (and tell it)."""
    return {
        e.domain_id
        for e in routes
        if e.host == host and e.domain_id is not None and e.certificate is None
    }


def with_issuance(status: Status, condition: Condition) -> Status | None:
    """The status with the condition, or None if it must not change: an uploaded certificate's
    condition stays, Issued replaces only IssueFailed, and the same condition is not rewritten."""
    old = status.condition(CERTIFICATE)
    if old is not None and old.reason not in ISSUANCE_REASONS:
        return None
    if condition.reason == ISSUED and (old is None or old.reason != ISSUE_FAILED):
        return None
    if old is not None and (old.status, old.reason, old.message) == _said(condition):
        return None
    return status.with_condition(condition)


def _said(condition: Condition) -> tuple[ConditionStatus, str, str]:
    return condition.status, condition.reason, condition.message


class IssuanceConditions:
    """The conditions still to write, and the rows written within the last minute."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._pending: dict[UUID, Condition] = {}
        self._written: dict[UUID, tuple[str, float]] = {}  # row → (reason, when)

    def observe(self, outcomes: Iterable[IssuanceOutcome], routes: Sequence[RouteEntry]) -> None:
        for outcome in outcomes:
            for row_id in rows_serving(routes, outcome.host):
                self._pending[row_id] = condition_of(outcome)

    def due(self) -> dict[UUID, Condition]:
        """Pending conditions to write now: a change of state at once, anything else once the
        row's last write is a minute old (then compared with the row: written if it differs,
        so a condition a reconcile wrote over comes back at Caddy's next attempt)."""
        now = self._clock()
        self._written = {
            i: w for i, w in self._written.items() if now - w[1] < REWRITE_AFTER_SECONDS
        }
        return {
            row_id: wanted
            for row_id, wanted in self._pending.items()
            if row_id not in self._written or self._written[row_id][0] != wanted.reason
        }

    def written(self, conditions: dict[UUID, Condition]) -> None:
        now = self._clock()
        for row_id, condition in conditions.items():
            self._pending.pop(row_id, None)
            self._written[row_id] = (condition.reason, now)


class IssuanceWatcher:
    """Tails Caddy's certificate log and writes the conditions it tells of (leader only)."""

    def __init__(
        self,
        tail: FileTail,
        cursors: CursorStore,
        rows: DomainRows,
        routes: Callable[[], Sequence[RouteEntry] | None],
        is_leader: Callable[[], bool],
        *,
        conditions: IssuanceConditions | None = None,
    ) -> None:
        self._tail = tail
        self._cursors = cursors
        self._rows = rows
        self._routes = routes
        self._is_leader = is_leader
        self.conditions = conditions or IssuanceConditions()
        self._leading = False

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception as exc:  # Redis or Postgres down: the lines wait in the file
                self._leading = False  # resume from the stored cursor once it is back
                log.warning("reading caddy's certificate log failed", error=repr(exc))
            await pause(TAIL_INTERVAL_SECONDS)

    async def step(self) -> None:
        routes = self._routes()
        if not self._is_leader() or routes is None:
            self._leading = False  # no routes known yet: a host's rows could not be found
            return
        if not self._leading:
            self._tail.resume(Cursor.decode(await self._cursors.get()))
            self._leading = True
        lines = self._tail.read_lines()
        self.conditions.observe((o for o in map(parse_tls_line, lines) if o), routes)
        due = self.conditions.due()
        if due:
            await self._write(due)
        if not self._is_leader():  # deposed meanwhile: the new leader reads these lines again
            self._leading = False
            return
        position = self._tail.cursor
        if lines and position is not None:
            await self._cursors.set(position.encode())

    async def _write(self, due: dict[UUID, Condition]) -> None:
        """Each row read fresh and written only where it changes, at the generation read (a
        spec change meanwhile: the next attempt's line writes it)."""
        current = await self._rows.statuses(sorted(due))
        changes = [
            (row_id, generation, changed)
            for row_id, (generation, status) in current.items()
            if (changed := with_issuance(status, due[row_id])) is not None
        ]
        if not self._is_leader():
            return  # not written: the new leader reads the lines again
        if changes:
            await self._rows.write_statuses(changes)
        self.conditions.written(due)
