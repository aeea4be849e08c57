"""The spec store on real Postgres: generations, notifications, deletion, concurrency."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import psycopg
import pytest

from tests.support import database
from tests.support.processes import REPO
from zaneops.adapters.postgres.migrate import current_revisions, latest_revisions
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.errors import Conflict, InUse, NotFound
from zaneops.specs.kinds import Kind
from zaneops.specs.status import Condition, ConditionStatus, Status


async def test_generation_moves_only_when_the_spec_changes(store: PostgresStore) -> None:
    """A new spec bumps generation; the same spec, status or finalizers do not."""
    project = await store.create(Kind.PROJECTS, {"slug": "gen"})
    assert project.generation == 1
    same = await store.update_spec(Kind.PROJECTS, project.id, {"slug": "gen"})
    await store.write_status(Kind.PROJECTS, project.id, Status(observed_generation=1))
    await store.add_finalizer(Kind.PROJECTS, project.id, "test/f")
    changed = await store.update_spec(Kind.PROJECTS, project.id, {"slug": "gen", "name": "G"})
    assert (same.generation, changed.generation) == (1, 2)


async def test_a_stale_generation_is_refused_and_nothing_is_lost(store: PostgresStore) -> None:
    """Two writers from generation 1: the second gets Conflict, the first one's spec stays."""
    project = await store.create(Kind.PROJECTS, {"slug": "race"})
    await store.update_spec(Kind.PROJECTS, project.id, {"slug": "race", "name": "A"}, 1)
    with pytest.raises(Conflict, match="generation 2, not 1"):
        await store.update_spec(Kind.PROJECTS, project.id, {"slug": "race", "name": "B"}, 1)
    current = await store.get(Kind.PROJECTS, project.id)
    assert current is not None and current.spec["name"] == "A"


async def test_slugs_are_unique_among_live_siblings_only(store: PostgresStore) -> None:
    """A second live 'web' in one environment is a Conflict; another environment may have one."""
    project = await store.create(Kind.PROJECTS, {"slug": "p"})
    prod = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    staging = await store.create(Kind.ENVIRONMENTS, {"slug": "staging"}, project.id)
    await store.create(Kind.SERVICES, {"slug": "web"}, prod.id)
    with pytest.raises(Conflict, match="already exists"):
        await store.create(Kind.SERVICES, {"slug": "web"}, prod.id)
    await store.create(Kind.SERVICES, {"slug": "web"}, staging.id)


async def test_two_domains_with_the_same_host_and_path_conflict(store: PostgresStore) -> None:
    """(domain, base path) is unique across the platform, case-insensitively."""
    project = await store.create(Kind.PROJECTS, {"slug": "p"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    await store.create(Kind.DOMAINS, {"domain": "app.example.com", "base_path": "/api"}, env.id)
    await store.create(Kind.DOMAINS, {"domain": "app.example.com", "base_path": "/"}, env.id)
    with pytest.raises(Conflict):
        await store.create(Kind.DOMAINS, {"domain": "APP.example.com", "base_path": "/api"}, env.id)


async def test_a_child_needs_an_existing_parent(store: PostgresStore) -> None:
    """Creating an environment in a project that does not exist is NotFound, not a crash."""
    with pytest.raises(NotFound, match="parent"):
        await store.create(Kind.ENVIRONMENTS, {"slug": "x"}, __import__("uuid").uuid4())


async def test_notifications_carry_only_the_id(store: PostgresStore, database_url: str) -> None:
    """Every insert, update and delete sends the row's id on its kind's channel, nothing more."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as listener:
        await listener.execute("LISTEN zane_projects")
        project = await store.create(Kind.PROJECTS, {"slug": "loud", "secret": "s3cr3t"})
        await store.update_spec(Kind.PROJECTS, project.id, {"slug": "loud", "n": 1})
        await store.request_delete(Kind.PROJECTS, project.id)
        payloads = []
        async for notify in listener.notifies(timeout=2.0, stop_after=3):
            payloads.append((notify.channel, notify.payload))
    assert payloads == [("zane_projects", str(project.id))] * 3


async def test_status_and_finalizer_writes_do_not_wake_the_owner(
    store: PostgresStore, database_url: str
) -> None:
    """A status change is announced on <kind>_status only; a finalizer change on no channel."""
    project = await store.create(Kind.PROJECTS, {"slug": "calm"})
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as listener:
        await listener.execute("LISTEN zane_projects")
        await listener.execute("LISTEN zane_projects_status")
        await store.add_finalizer(Kind.PROJECTS, project.id, "test/f")
        await store.write_status(Kind.PROJECTS, project.id, Status(observed_generation=1))
        await store.update_spec(Kind.PROJECTS, project.id, {"slug": "calm", "n": 1})
        heard = [(n.channel, n.payload) async for n in listener.notifies(timeout=1.0)]
    assert heard == [("zane_projects_status", str(project.id)), ("zane_projects", str(project.id))]


async def test_status_writes_are_skipped_when_nothing_changed(store: PostgresStore) -> None:
    """Writing the same status twice touches the row once: no wake-up for nothing."""
    project = await store.create(Kind.PROJECTS, {"slug": "quiet"})
    ready = Status(observed_generation=1).with_condition(
        Condition(type="Ready", status=ConditionStatus.TRUE)
    )
    assert await store.write_status(Kind.PROJECTS, project.id, ready) is True
    assert await store.write_status(Kind.PROJECTS, project.id, ready) is False
    stored = await store.get(Kind.PROJECTS, project.id)
    assert stored is not None and stored.status == ready


async def test_a_row_with_finalizers_cannot_be_deleted_directly(store: PostgresStore) -> None:
    """DELETE of a row that still has finalizers is refused: deletion goes through deleted_at."""
    project = await store.create(Kind.PROJECTS, {"slug": "guarded"})
    await store.add_finalizer(Kind.PROJECTS, project.id, "services/swarm")
    with pytest.raises(InUse, match="still has finalizers"):
        await store.hard_delete(Kind.PROJECTS, project.id)
    assert await store.get(Kind.PROJECTS, project.id) is not None


async def test_deletion_waits_for_every_finalizer_and_every_child(store: PostgresStore) -> None:
    """A deleted project lingers until its environment's and its own finalizers are all gone."""
    project = await store.create(Kind.PROJECTS, {"slug": "p"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    await store.add_finalizer(Kind.PROJECTS, project.id, "a")
    await store.add_finalizer(Kind.ENVIRONMENTS, env.id, "b")
    await store.request_delete(Kind.PROJECTS, project.id)
    child = await store.get(Kind.ENVIRONMENTS, env.id)
    assert child is not None and child.is_deleted, "deleting a parent requests its children's"
    await store.remove_finalizer(Kind.PROJECTS, project.id, "a")
    assert await store.get(Kind.PROJECTS, project.id) is not None, "a child is still there"
    await store.remove_finalizer(Kind.ENVIRONMENTS, env.id, "b")
    assert await store.get(Kind.ENVIRONMENTS, env.id) is None
    assert await store.get(Kind.PROJECTS, project.id) is None


async def test_a_deleted_row_cannot_be_restored_or_given_new_finalizers(
    store: PostgresStore,
) -> None:
    """Once deletion is requested it only moves forward."""
    project = await store.create(Kind.PROJECTS, {"slug": "gone"})
    await store.add_finalizer(Kind.PROJECTS, project.id, "a")
    await store.request_delete(Kind.PROJECTS, project.id)
    assert await store.add_finalizer(Kind.PROJECTS, project.id, "late") is False
    with pytest.raises(Conflict, match="being deleted"):
        await store.update_spec(Kind.PROJECTS, project.id, {"slug": "back"})
    async with store.pool.connection() as conn:
        with pytest.raises(psycopg.errors.CheckViolation, match="cannot be restored"):
            await conn.execute("UPDATE projects SET deleted_at = NULL WHERE id = %s", (project.id,))


async def test_migrations_run_by_two_processes_at_once_both_succeed(template_database: str) -> None:
    """`zaneops migrate` twice in parallel on an empty database: both exit 0, schema at head."""
    name = database.clone_empty()
    url = database.url_for(name)
    try:
        command = [sys.executable, "-m", "launcher.cli", "migrate"]
        env = {"ZANE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
        runs = [
            subprocess.Popen(
                command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for _ in range(2)
        ]
        outputs = await asyncio.gather(
            *(asyncio.to_thread(p.communicate, timeout=60) for p in runs)
        )
        assert [p.returncode for p in runs] == [0, 0], outputs
        assert current_revisions(url) == latest_revisions()
    finally:
        database.drop(name)


async def test_deleting_a_service_requests_the_deletion_of_its_domains(
    store: PostgresStore,
) -> None:
    """A domain routing to a deleted service goes too; a redirect domain beside it stays."""
    project = await store.create(Kind.PROJECTS, {"slug": "p"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    web = await store.create(Kind.SERVICES, {"slug": "web"}, env.id)
    routed = await store.create(
        Kind.DOMAINS, {"domain": "a.example.com", "target": {"service_id": str(web.id)}}, env.id
    )
    redirect = await store.create(
        Kind.DOMAINS, {"domain": "b.example.com", "redirect": {"url": "https://x.io"}}, env.id
    )
    await store.request_delete(Kind.SERVICES, web.id)
    assert await store.get(Kind.DOMAINS, routed.id) is None
    assert await store.get(Kind.DOMAINS, redirect.id) is not None


async def test_only_a_backup_of_the_platform_has_no_environment(store: PostgresStore) -> None:
    """platform: true rows are listed under no parent; a database's backup needs one."""
    platform = await store.create(Kind.BACKUPS, {"platform": True, "trigger": "manual"}, None)
    assert platform.parent_id is None
    listed = await store.list_children(Kind.BACKUPS, None)
    assert platform.id in [row.id for row in listed]
    with pytest.raises(psycopg.errors.CheckViolation):
        await store.create(Kind.BACKUPS, {"service_id": str(platform.id)}, None)


async def test_a_platform_setting_is_written_then_replaced(store: PostgresStore) -> None:
    """zane_platform_settings: none until written; a second write replaces the value."""
    assert await store.setting("test_setting") is None
    await store.put_setting("test_setting", {"schedule": "0 1 * * *"})
    await store.put_setting("test_setting", {"schedule": "0 2 * * *"})
    assert await store.setting("test_setting") == {"schedule": "0 2 * * *"}
