"""The runs controller's looks over in-memory rows and a recorded swarm: its output shipped
once each line (none lost at a look's boundary, none repeated), its outcome recorded before
its job is removed, and a cancel that needs no job."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from controllers.runs.controller import CRON, RunsController
from controllers.runs.settings import RunsSettings
from tests.support.fake_swarm import task_of
from zaneops.adapters.docker.models import DockerEvent, LogEntry, SwarmService, SwarmTask
from zaneops.adapters.redis.log_streams import LogLine
from zaneops.adapters.redis.stream_keys import run_logs
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.runtime.testing import InMemoryStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

INSTALLATION = InstallationSettings.chosen(instance="t", secret_key="")


@dataclass
class FakeSwarm:
    jobs: dict[str, SwarmService] = field(default_factory=dict)
    tasks: list[SwarmTask] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)  # what Docker would answer since the mark
    asked_since: list[float] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    async def get_service(self, name: str) -> SwarmService | None:
        return self.jobs.get(name)

    async def list_managed_services(self, instance: str) -> list[SwarmService]:
        return list(self.jobs.values())

    async def create_service(self, spec: dict[str, Any]) -> None:
        self.jobs[spec["Name"]] = SwarmService("id", spec["Name"], 1, spec)

    async def remove_service(self, name: str) -> bool:
        self.removed.append(name)
        return self.jobs.pop(name, None) is not None

    async def service_tasks(self, name: str) -> list[SwarmTask]:
        return list(self.tasks)

    async def service_logs(self, name: str, tail: int) -> list[LogEntry]:
        return self.logs[-tail:]

    async def service_logs_since(self, name: str, since: float) -> list[LogEntry]:
        self.asked_since.append(since)
        return list(self.logs)

    async def events(self) -> AsyncIterator[DockerEvent]:
        return
        yield  # pragma: no cover


@dataclass
class Lines:
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    async def append(self, key: str, line: LogLine, max_entries: int) -> None:
        self.written.append(line.line)  # type: ignore[union-attr]

    async def delete(self, keys: list[str]) -> None:
        self.deleted.extend(keys)


def ctx(obj: StoredObject) -> Context:
    return Context(key=obj.key, ensure_leader=lambda: None)


# The run started at the top of this minute (its timeout counts from there, on the clock).
STARTED = datetime.now(UTC).replace(second=0, microsecond=0)


def entry(second: str, line: str, stream: str = "stdout") -> LogEntry:
    return LogEntry(ts=STARTED.strftime("%Y-%m-%dT%H:%M:") + second + "Z", stream=stream, line=line)


async def running_run(store: InMemoryStore, swarm: FakeSwarm) -> StoredObject:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    service = await store.create(
        Kind.SERVICES, {"slug": "web", "source": {"type": "image", "image": "x:1"}}, env.id
    )
    spec = {"command": ["migrate"], "deployment_id": str(uuid.uuid4())}
    run = await store.create(Kind.RUNS, spec, service.id)
    details = {"phase": "RUNNING", "started_at": STARTED.isoformat()}
    await store.write_status(Kind.RUNS, run.id, Status(details=details))
    name = naming.run_service_name("t", run.id)
    swarm.jobs[name] = SwarmService("id", name, 1, {"Name": name})
    swarm.tasks = [task_of({}, "running")]
    found = await store.get(Kind.RUNS, run.id)
    assert found is not None
    return found


async def look(controller: RunsController, store: InMemoryStore, run: StoredObject) -> Any:
    current = await store.get(Kind.RUNS, run.id)
    assert current is not None
    result = await controller.reconcile(ctx(current), current)
    assert result.status is not None
    await store.write_status(Kind.RUNS, run.id, result.status)
    return result


def controller(store: InMemoryStore, swarm: FakeSwarm, lines: Lines) -> RunsController:
    settings = RunsSettings.chosen(poll_seconds=0.1)
    return RunsController(INSTALLATION, settings, rows=store, swarm=swarm, streams=lines)


async def test_each_line_is_shipped_once_across_looks_even_two_of_one_microsecond() -> None:
    store, swarm, lines = InMemoryStore(), FakeSwarm(), Lines()
    runs = controller(store, swarm, lines)
    run = await running_run(store, swarm)
    # stderr stamped before a stdout line it was written after: both kept in one look.
    swarm.logs = [entry("01.5", "a"), entry("01.2", "late", "stderr"), entry("02.000001", "b")]
    await look(runs, store, run)
    assert lines.written == ["a", "late", "b"]
    # Docker's since keeps lines of the mark's very time: "b" again, and "c" of that time.
    swarm.logs = [entry("02.000001", "b"), entry("02.000001", "c"), entry("03", "d")]
    await look(runs, store, run)
    assert lines.written == ["a", "late", "b", "c", "d"]
    swarm.logs = [entry("03", "d")]
    result = await look(runs, store, run)
    assert lines.written == ["a", "late", "b", "c", "d"]
    assert result.status.details["shipped_at_mark"] == 1  # the mark stayed on "d"
    assert swarm.asked_since[-1] == result.status.details["shipped_until"]


async def test_the_outcome_is_recorded_before_the_job_is_removed() -> None:
    store, swarm, lines = InMemoryStore(), FakeSwarm(), Lines()
    runs = controller(store, swarm, lines)
    run = await running_run(store, swarm)
    swarm.tasks = [task_of({}, "complete", exit_code=0)]
    ended = await look(runs, store, run)
    assert ended.status.details["phase"] == "SUCCEEDED"
    assert ended.requeue_after == 0 and swarm.removed == []  # the status is written first
    await look(runs, store, run)
    assert swarm.removed == [naming.run_service_name("t", run.id)]


async def test_a_deleted_run_takes_its_job_and_its_output_with_it() -> None:
    store, swarm, lines = InMemoryStore(), FakeSwarm(), Lines()
    runs = controller(store, swarm, lines)
    run = await running_run(store, swarm)
    await runs.finalize(ctx(run), run)
    assert swarm.removed == [naming.run_service_name("t", run.id)]
    assert lines.deleted == [run_logs(run.id)]


async def test_a_cancelled_run_without_a_job_is_cancelled_at_once() -> None:
    store, swarm, lines = InMemoryStore(), FakeSwarm(), Lines()
    runs = controller(store, swarm, lines)
    run = await running_run(store, swarm)
    swarm.jobs.clear()
    await store.update_spec(Kind.RUNS, run.id, {**run.spec, "cancel_requested": True}, 1)
    ended = await look(runs, store, run)
    assert ended.status.details["phase"] == "CANCELLED"
    assert swarm.asked_since == []  # no log to ask a job that is not there


async def test_a_run_whose_job_vanished_while_running_fails_and_is_not_started_again() -> None:
    store, swarm, lines = InMemoryStore(), FakeSwarm(), Lines()
    runs = controller(store, swarm, lines)
    run = await running_run(store, swarm)
    swarm.jobs.clear()
    ended = await look(runs, store, run)
    assert ended.status.details["phase"] == "FAILED"
    assert ended.status.condition("Completed").reason == "Removed"
    assert swarm.jobs == {}


async def test_a_scheduled_job_runs_with_the_live_deployment_and_keeps_its_newest_runs() -> None:
    """Not at first sight (adding a job does not run it at once); at the next fire time, a
    run of the live deployment marked with the job; and the job's ended runs past the kept
    number go."""
    store, swarm, lines = InMemoryStore(), FakeSwarm(), Lines()
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    job = {"name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"]}
    service = await store.create(
        Kind.SERVICES,
        {"slug": "web", "source": {"type": "image", "image": "x:1"}, "cron_jobs": [job]},
        env.id,
    )
    deployment = {"service_spec": {"slug": "web", "source": {"type": "image", "image": "x:1"}}}
    live = await store.create(
        Kind.DEPLOYMENTS, {**deployment, "image": "x:1", "trigger": "deploy"}, service.id
    )
    await store.write_status(Kind.DEPLOYMENTS, live.id, Status(details={"phase": "HEALTHY"}))
    old = []
    for _ in range(2):
        made = await store.create(
            Kind.RUNS,
            {"command": ["echo"], "deployment_id": str(live.id), "cron_job": "tick"},
            service.id,
        )
        await store.write_status(Kind.RUNS, made.id, Status(details={"phase": "SUCCEEDED"}))
        old.append(made.id)
    settings = RunsSettings.chosen(poll_seconds=0.1, cron_kept_runs=1)
    runs = RunsController(INSTALLATION, settings, rows=store, swarm=swarm, streams=lines)
    key_ctx = Context(key=CRON, ensure_leader=lambda: None)

    async def scheduled() -> list[StoredObject]:
        children = await store.list_children(Kind.RUNS, service.id)
        return [r for r in children if r.id not in old and not r.is_deleted]

    waited = 0.0
    while not await scheduled() and waited < 5:
        result = await runs.reconcile_global(key_ctx, CRON)
        assert result.requeue_after is not None and result.requeue_after <= 1.0
        await asyncio.sleep(result.requeue_after)
        waited += result.requeue_after
    [made] = await scheduled()
    assert made.spec["cron_job"] == "tick" and made.spec["deployment_id"] == str(live.id)
    first = await store.get(Kind.RUNS, old[0])
    assert first is None or first.is_deleted  # past the one kept
