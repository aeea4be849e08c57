"""One-off commands through the real API: what it refuses and why (by field, 4xx), what it
records (the live deployment's id), how many may run at once, and cancelling one."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.api.helpers import body, service
from tests.support.api import api_settings, log_in, serving
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind


async def deployed(admin: httpx.AsyncClient, store: PostgresStore) -> tuple[str, str]:
    """A service with a healthy deployment (as the services controller would mark it)."""
    web = await service(admin)
    deployment = body(await admin.post(f"/services/{web['id']}/deploy"), 201)
    healthy = Status(details={"phase": "HEALTHY"})
    await store.write_status(Kind.DEPLOYMENTS, uuid.UUID(deployment["id"]), healthy)
    return web["id"], deployment["id"]


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_command_on_a_service_never_deployed_is_refused_saying_so(
    admin: httpx.AsyncClient,
) -> None:
    web = await service(admin)
    said = problem(await admin.post(f"/services/{web['id']}/run", json={"command": ["x"]}), 409)
    assert said["code"] == "nothing_deployed" and "deploy the service first" in said["message"]


async def test_a_command_runs_with_the_live_deployment_and_is_listed(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    service_id, deployment_id = await deployed(admin, store)
    command = ["sh", "-c", "python manage.py migrate && echo done"]
    run = body(await admin.post(f"/services/{service_id}/run", json={"command": command}), 201)
    assert run["spec"] == {
        "command": command,
        "deployment_id": deployment_id,
        "timeout_seconds": 3600,
        "cron_job": None,  # a person's, not a scheduled job's
        "cancel_requested": False,
    }
    assert run["phase"] is None and run["exit_code"] is None
    listed = body(await admin.get(f"/services/{service_id}/runs"), 200)
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    page = body(await admin.get(f"/runs/{run['id']}/logs"), 200)
    assert page["entries"] == []


async def test_bad_commands_are_refused_by_field(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    service_id, _ = await deployed(admin, store)
    cases: list[tuple[Any, str]] = [
        ([], "command"),
        ([""], "command.0"),
        (["echo", "a\u0000b"], "command.1"),
        (["x" * 9000], "command.0"),
        (["a"] * 65, "command"),
    ]
    for command, field in cases:
        answer = await admin.post(f"/services/{service_id}/run", json={"command": command})
        said = problem(answer, 422)
        fields = [error["field"] for error in said["errors"]]
        assert field in fields, (command[:3], said)
    too_long = {"command": ["x"], "timeout_seconds": 86_401}
    said = problem(await admin.post(f"/services/{service_id}/run", json=too_long), 422)
    assert [error["field"] for error in said["errors"]] == ["timeout_seconds"]
    assert body(await admin.get(f"/services/{service_id}/runs"), 200)["items"] == []


async def test_at_most_three_commands_of_a_service_run_at_once(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    service_id, _ = await deployed(admin, store)
    runs = [
        body(await admin.post(f"/services/{service_id}/run", json={"command": ["x"]}), 201)
        for _ in range(3)
    ]
    said = problem(await admin.post(f"/services/{service_id}/run", json={"command": ["x"]}), 429)
    assert said["code"] == "too_many_runs"
    ended = Status(details={"phase": "SUCCEEDED", "exit_code": 0})
    await store.write_status(Kind.RUNS, uuid.UUID(runs[0]["id"]), ended)
    body(await admin.post(f"/services/{service_id}/run", json={"command": ["x"]}), 201)


async def test_a_command_is_cancelled_once_and_an_ended_one_cannot_be(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    service_id, _ = await deployed(admin, store)
    run = body(await admin.post(f"/services/{service_id}/run", json={"command": ["x"]}), 201)
    cancelled = body(await admin.post(f"/runs/{run['id']}/cancel"), 200)
    assert cancelled["spec"]["cancel_requested"] is True
    again = body(await admin.post(f"/runs/{run['id']}/cancel"), 200)
    assert again["generation"] == cancelled["generation"]  # asking twice changes nothing
    ended = Status(details={"phase": "CANCELLED"})
    await store.write_status(Kind.RUNS, uuid.UUID(run["id"]), ended)
    said = problem(await admin.post(f"/runs/{run['id']}/cancel"), 409)
    assert said["code"] == "already_finished"


async def test_starting_a_command_deletes_the_services_ended_runs_past_the_newest_kept(
    database_url: str, store: PostgresStore
) -> None:
    """With 3 kept: after 5 runs (the oldest one still running), the ended runs older than
    the newest 3 are marked deleted; the one still running is kept whatever its age."""
    async with serving(api_settings(database_url, kept_runs=3)) as api:
        admin = await log_in(api)
        service_id, _ = await deployed(admin, store)
        started: list[str] = []
        for n in range(5):
            run = body(
                await admin.post(f"/services/{service_id}/run", json={"command": ["x"]}), 201
            )
            started.append(run["id"])
            phase = "RUNNING" if n == 0 else "SUCCEEDED"
            await store.write_status(
                Kind.RUNS, uuid.UUID(run["id"]), Status(details={"phase": phase})
            )
        body(await admin.post(f"/services/{service_id}/run", json={"command": ["x"]}), 201)
        deleted = [  # no finalizer here (no runs controller): a deleted row is gone at once
            run_id
            for run_id in started
            if (found := await store.get(Kind.RUNS, uuid.UUID(run_id))) is None or found.is_deleted
        ]
        await admin.aclose()
    assert deleted == started[1:3]  # the 2nd and 3rd; the 1st still runs; the newest 3 kept
