"""Issue 15, item 11: each component connects with a role holding only what it needs.

The attack it stops: a compromised API rewriting status (faking a HEALTHY deployment, a Ready
volume), or a compromised controller (it runs users' builds, it holds the Docker socket)
reading password hashes, API tokens and webhook secrets. Today every process was the owner.
"""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors

from tests.support.api import api_settings, log_in, serving
from tests.support.controllers import RecordingController
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.roles import grant_logins
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind


def as_role(database_url: str, role: str, password: str) -> str:
    parts = urlsplit(database_url)
    netloc = f"{role}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def role_urls(database_url: str) -> dict[str, str]:
    """What `zaneops migrate` does with ZANE_MIGRATE_*: each role may log in, with its URL."""
    urls = {
        role: as_role(database_url, role, secrets.token_hex(12))
        for role in ("zane_api", "zane_controller")
    }
    assert grant_logins(database_url, list(urls.values())) == ["zane_api", "zane_controller"]
    return urls


def refused(url: str, statement: str, params: tuple[object, ...] = ()) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(statement, params)
        except errors.InsufficientPrivilege:
            return True
    return False


async def test_the_api_role_cannot_write_status(
    store: PostgresStore, role_urls: dict[str, str]
) -> None:
    """As zane_api: a spec can be changed, a status never."""
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    api = role_urls["zane_api"]
    assert refused(api, "UPDATE projects SET status = '{}'::jsonb WHERE id = %s", (project.id,))
    assert refused(api, "UPDATE projects SET finalizers = '{}' WHERE id = %s", (project.id,))
    assert refused(api, "DELETE FROM projects WHERE id = %s", (project.id,))
    assert not refused(
        api,
        'UPDATE projects SET spec = \'{"slug": "p", "name": "Q"}\' WHERE id = %s',
        (project.id,),
    )


async def test_the_controller_role_cannot_read_accounts_tokens_or_webhooks(
    role_urls: dict[str, str],
) -> None:
    """As zane_controller: users' password hashes, API tokens, webhook secrets are out of
    reach, and no spec but a deployment's can be changed."""
    controller = role_urls["zane_controller"]
    for table in ("zane_users", "zane_api_tokens", "zane_service_webhooks"):
        assert refused(controller, f"SELECT * FROM {table}"), table
    assert refused(controller, "UPDATE services SET spec = spec")
    assert refused(controller, "INSERT INTO projects (spec) VALUES ('{}')")
    # A pinned SSH host key is never replaced by a controller, only forgotten by a person.
    assert refused(controller, "UPDATE zane_ssh_host_keys SET key = 'x'")
    assert refused(controller, "DELETE FROM zane_ssh_host_keys")


async def test_the_controller_role_makes_backups_and_runs_but_no_other_spec(
    store: PostgresStore, role_urls: dict[str, str]
) -> None:
    """Schedules insert backups and runs, and delete those past retention: those grants are
    on these two tables alone, and neither spec is ever rewritten."""
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    environment = await store.create(Kind.ENVIRONMENTS, {"slug": "e"}, project.id)
    controller = role_urls["zane_controller"]
    spec = f'{{"service_id": "{uuid.uuid4()}", "trigger": "schedule"}}'
    insert = "INSERT INTO backups (spec, environment_id) VALUES (%s, %s)"
    assert not refused(controller, insert, (spec, environment.id))
    assert not refused(controller, "UPDATE backups SET deleted_at = now()")
    assert refused(controller, "UPDATE backups SET spec = spec")
    service = await store.create(
        Kind.SERVICES, {"slug": "s", "source": {"type": "image", "image": "x:1"}}, environment.id
    )
    run = f'{{"command": ["true"], "deployment_id": "{uuid.uuid4()}", "cron_job": "c"}}'
    assert not refused(
        controller, "INSERT INTO runs (spec, service_id) VALUES (%s, %s)", (run, service.id)
    )
    assert refused(controller, "UPDATE runs SET spec = spec")
    for table in ("services", "volumes", "domains", "environments"):
        assert refused(controller, f"INSERT INTO {table} (spec) VALUES ('{{}}')"), table
    assert refused(controller, "UPDATE services SET deleted_at = now()")


async def test_the_api_role_forgets_ssh_host_keys_but_cannot_pin_one(
    role_urls: dict[str, str],
) -> None:
    """As zane_api: a key of the caller's choosing can never become the pinned one."""
    api = role_urls["zane_api"]
    pin = (
        "INSERT INTO zane_ssh_host_keys (host, key_type, key, fingerprint)"
        " VALUES ('h', 'ssh-ed25519', 'k', 'f')"
    )
    assert refused(api, pin)
    assert refused(api, "UPDATE zane_ssh_host_keys SET key = 'x'")
    assert not refused(api, "DELETE FROM zane_ssh_host_keys WHERE host = 'nowhere'")


async def test_the_api_and_a_controller_work_under_their_own_roles(
    database_url: str, store: PostgresStore, role_urls: dict[str, str]
) -> None:
    """The API (log in, create a project) as zane_api; a controller (lease, reconcile,
    status) as zane_controller."""
    async with serving(api_settings(role_urls["zane_api"])) as api:
        admin = await log_in(api)
        made = await admin.post("/projects", json={"slug": f"p{uuid.uuid4().hex[:6]}", "name": "P"})
        await admin.aclose()
    assert made.status_code == 201, made.text
    controller = RecordingController()
    async with running(controller, role_urls["zane_controller"]):
        await eventually(lambda: len(controller.seen) >= 1, message="reconciled as the role")

        async def status_written() -> bool:
            row = await store.get(Kind.PROJECTS, uuid.UUID(made.json()["id"]))
            return row is not None and row.status.observed_generation == 1

        await eventually(status_written, message="status written as zane_controller")
