"""When a scheduled job starts a run: pure, so every policy is tested with plain values.

A fire time is "handled" once a run was started for it or it was skipped (a run still going
under forbid, missed while down under skip, no live deployment): it is never run later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from zaneops.specs.backup import last_run, next_run
from zaneops.specs.cron import CronJob

# A fire time is on time this long after it (the scheduler sleeps until it, but not exactly).
GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    due: datetime | None  # the fire time this decision handles; None: nothing due
    start: bool
    next_at: datetime  # when to look again for this job
    stop: tuple[UUID, ...] = field(default=())  # runs to stop first (replace)
    reason: str = ""


def decide(job: CronJob, now: datetime, handled_until: datetime, active: list[UUID]) -> Decision:
    """`handled_until`: the newest fire time already run or skipped (or when the job was
    first seen). `active`: its runs still going."""
    due = last_run(job.schedule, now)
    upcoming = next_run(job.schedule, now)
    if due <= handled_until:
        return Decision(None, False, upcoming)
    late = (now - due).total_seconds()
    if job.missed == "skip" and late > GRACE_SECONDS:
        return Decision(due, False, upcoming, reason=f"missed by {late:.0f} s: skipped")
    if active and job.concurrency == "forbid":
        return Decision(due, False, upcoming, reason="the last run still runs: skipped")
    stop = tuple(active) if job.concurrency == "replace" else ()
    return Decision(due, True, upcoming, stop, "due")
