"""When a scheduled job starts a run, for each policy (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from controllers.runs.cron import decide
from zaneops.specs import ServiceSpec
from zaneops.specs.cron import CronJob

NOON = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)
HOURLY = "0 * * * *"


def job(**fields: Any) -> CronJob:
    return CronJob.model_validate({"name": "report", "command": ["true"], **fields})


def test_a_due_run_starts_once_and_the_next_look_is_at_the_next_fire_time() -> None:
    now = NOON + timedelta(seconds=3)
    first = decide(job(schedule=HOURLY), now, NOON - timedelta(minutes=30), [])
    assert first.start and first.due == NOON
    assert first.next_at == NOON + timedelta(hours=1)
    again = decide(job(schedule=HOURLY), now, NOON, [])
    assert not again.start and again.due is None


def test_forbid_skips_a_fire_time_while_the_last_run_runs_replace_stops_it() -> None:
    now, before = NOON + timedelta(seconds=1), NOON - timedelta(hours=1)
    running = [uuid.uuid4()]
    forbidden = decide(job(schedule=HOURLY), now, before, running)
    assert not forbidden.start and forbidden.due == NOON  # handled: never run later
    replaced = decide(job(schedule=HOURLY, concurrency="replace"), now, before, running)
    assert replaced.start and replaced.stop == tuple(running)
    allowed = decide(job(schedule=HOURLY, concurrency="allow"), now, before, running)
    assert allowed.start and allowed.stop == ()


def test_a_run_missed_while_down_runs_once_or_is_skipped_as_chosen() -> None:
    """Down from 09:30 to 12:20 with an hourly job: one run at recovery, not three."""
    now, since = NOON + timedelta(minutes=20), NOON - timedelta(hours=2, minutes=30)
    once = decide(job(schedule=HOURLY), now, since, [])
    assert once.start and once.due == NOON
    skipped = decide(job(schedule=HOURLY, missed="skip"), now, since, [])
    assert not skipped.start and "missed by 1200 s" in skipped.reason


def test_a_sixth_field_means_seconds() -> None:
    every_ten = job(schedule="* * * * * */10")
    made = decide(every_ten, NOON + timedelta(seconds=11), NOON + timedelta(seconds=1), [])
    assert made.start and made.due == NOON + timedelta(seconds=10)
    assert made.next_at == NOON + timedelta(seconds=20)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule": "hourly"}, "is not a cron expression"),
        ({"schedule": "* * * * * * *"}, "is not a cron expression"),
        ({"schedule": HOURLY, "concurrency": "queue"}, "'forbid', 'replace' or 'allow'"),
    ],
)
def test_a_bad_scheduled_job_is_refused_at_its_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        job(**fields)


def test_scheduled_jobs_have_unique_names_and_run_beside_a_long_running_service() -> None:
    image = {"type": "image", "image": "x:1"}
    twice = [{"name": "a", "schedule": HOURLY, "command": ["true"]}] * 2
    with pytest.raises(ValidationError, match="two scheduled jobs are named 'a'"):
        ServiceSpec.model_validate({"slug": "web", "source": image, "cron_jobs": twice})
    with pytest.raises(ValidationError, match="not a job, not a database"):
        ServiceSpec.model_validate(
            {"slug": "m", "source": image, "mode": "job", "cron_jobs": twice[:1]}
        )
