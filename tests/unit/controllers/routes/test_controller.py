"""The routes controller over in-memory rows and an in-memory Caddy: what it loads, what it
reports per domain, and how a deleted domain waits for its route to leave."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from controllers.routes.controller import ALL_ROUTES, RoutesController
from controllers.routes.settings import RoutesSettings
from tests.support.fake_caddy import FakeCaddyAdmin, StoreDomainRows
from tests.support.waiting import eventually
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Result
from zaneops.runtime.testing import InMemoryStore, running_in_memory
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject
from zaneops.specs.status import ConditionStatus

INSTALLATION = InstallationSettings.chosen(instance="t")
SERVICE = uuid.uuid4()


def controller_on(store: InMemoryStore, admin: FakeCaddyAdmin, **settings: Any) -> RoutesController:
    chosen = RoutesSettings(
        **{"https": False, "access_log": "", "drift_check_seconds": 0.05, **settings}
    )
    return RoutesController(INSTALLATION, chosen, admin, StoreDomainRows(store))


async def environment(store: InMemoryStore) -> uuid.UUID:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    return (await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)).id


def domain(host: str, base_path: str = "/") -> dict[str, Any]:
    return {
        "domain": host,
        "base_path": base_path,
        "target": {"service_id": str(SERVICE), "port": 80},
    }


def hosts_loaded(admin: FakeCaddyAdmin) -> set[str]:
    servers = admin.config.get("apps", {}).get("http", {}).get("servers", {})
    return {
        host
        for server in servers.values()
        for route in server.get("routes", [])
        for match in route.get("match", [])
        for host in match.get("host", [])
    }


async def ready(store: InMemoryStore, row: StoredObject) -> tuple[str, str] | None:
    found = await store.get(Kind.DOMAINS, row.id)
    condition = found.status.condition("Ready") if found else None
    if condition is None or condition.status is ConditionStatus.UNKNOWN:
        return None
    return condition.status.value, condition.message


async def test_a_domain_is_loaded_into_caddy_and_reported_ready_with_its_url() -> None:
    """One domain row → one load holding its host → Ready True, serving at its URL."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    async with running_in_memory(controller_on(store, admin), store=store):
        row = await store.create(Kind.DOMAINS, domain("app.example.com"), await environment(store))
        await eventually(lambda: ready(store, row), message="Ready decided")
        assert await ready(store, row) == ("True", "serving at http://app.example.com")
    assert "app.example.com" in hosts_loaded(admin)


async def test_a_domain_on_the_dashboards_host_is_refused_and_not_loaded() -> None:
    """The dashboard's own host is reserved: Ready False with the reason; nothing routed."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    controller = controller_on(
        store, admin, dashboard_domain="dash.example.com", dashboard_upstream="api:8000"
    )
    async with running_in_memory(controller, store=store):
        row = await store.create(Kind.DOMAINS, domain("dash.example.com"), await environment(store))
        await eventually(lambda: ready(store, row))
        state, message = await ready(store, row) or ("", "")
    assert state == "False" and "reserved for the dashboard" in message


async def test_a_deleted_domain_is_removed_from_caddy_before_its_row_goes() -> None:
    """Delete → the next load lacks its host → the finalizer is released → the row is gone."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    async with running_in_memory(controller_on(store, admin), store=store):
        row = await store.create(Kind.DOMAINS, domain("gone.example.com"), await environment(store))
        await eventually(lambda: ready(store, row))
        await store.request_delete(Kind.DOMAINS, row.id)

        async def row_gone() -> bool:
            return await store.get(Kind.DOMAINS, row.id) is None

        await eventually(row_gone, message="row removed")
    assert "gone.example.com" not in hosts_loaded(admin)


async def test_a_config_changed_by_someone_else_is_merged_not_overwritten() -> None:
    """A foreign server appears in Caddy's config: the next drift check reads it, and our
    next load keeps it."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    foreign = {"listen": [":9999"], "routes": []}
    async with running_in_memory(controller_on(store, admin), store=store):
        env = await environment(store)
        first = await store.create(Kind.DOMAINS, domain("one.example.com"), env)
        await eventually(lambda: ready(store, first))
        config = admin.config
        config["apps"]["http"]["servers"]["someone-else"] = foreign
        admin.edit(config)
        reads = admin.reads
        await eventually(lambda: admin.reads > reads + 1, message="a drift check read it")
        second = await store.create(Kind.DOMAINS, domain("two.example.com"), env)
        await eventually(lambda: ready(store, second))
    assert admin.config["apps"]["http"]["servers"]["someone-else"] == foreign
    assert {"one.example.com", "two.example.com"} <= hosts_loaded(admin)


async def test_a_load_is_not_read_back() -> None:
    """Caddy's answer proves a load: the first (no route yet) and one per domain, one read."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    async with running_in_memory(controller_on(store, admin, drift_check_seconds=60), store=store):
        env = await environment(store)
        for name in ("one", "two", "three"):
            row = await store.create(Kind.DOMAINS, domain(f"{name}.example.com"), env)
            await eventually(lambda row=row: ready(store, row))
    assert (admin.loads, admin.reads) == (1 + 3, 1)
    assert {"one.example.com", "two.example.com", "three.example.com"} <= hosts_loaded(admin)


async def test_a_config_written_back_otherwise_costs_the_drift_check_a_parse_not_a_reload() -> None:
    """Caddy spells the loaded config otherwise: the check parses it, finds our part as
    loaded, and keeps the new bytes (the next check compares them without parsing)."""
    store, admin = InMemoryStore(), FakeCaddyAdmin(unforeseen=True)
    routes = controller_on(store, admin)
    await store.create(Kind.DOMAINS, domain("one.example.com"), await environment(store))
    await routes.applier.apply(lambda: None)
    assert await routes.applier.drifted() is False
    assert await routes.applier.drifted() is False
    assert admin.loads == 1


async def test_a_drift_check_that_a_load_overtook_is_thrown_away_not_taken_for_drift() -> None:
    """A check reads the config; a load lands before its answer: the stale answer does not
    count as drift (it would load again for nothing), and the load did not wait for it."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    routes = controller_on(store, admin)
    env = await environment(store)
    await store.create(Kind.DOMAINS, domain("one.example.com"), env)
    await routes.applier.apply(lambda: None)
    admin.hold_reads = asyncio.Event()
    checking = asyncio.create_task(routes.applier.drifted())
    await asyncio.sleep(0.01)  # the check's read is under way
    await store.create(Kind.DOMAINS, domain("two.example.com"), env)
    await asyncio.wait_for(routes.applier.apply(lambda: None), 1)  # not held up by the check
    admin.hold_reads.set()
    assert await checking is False
    assert await routes.applier.drifted() is False
    assert admin.loads == 2


class CountingRoutes(RoutesController):
    """Counts the reconciles of each domain row."""

    reconciles: dict[uuid.UUID, int]

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        self.reconciles[obj.id] = self.reconciles.get(obj.id, 0) + 1
        return await super().reconcile(ctx, obj)


async def test_the_load_writes_every_rows_outcome_at_once_instead_of_a_reconcile_each() -> None:
    """Fifty domains present at start: one load serves them all and their Ready statuses are
    written with it; no row is reconciled a second time to say so. (One worker: the load runs
    alone first; a row reconciled while a load runs would be reconciled again after it.)"""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    env = await environment(store)
    rows = [await store.create(Kind.DOMAINS, domain(f"d{n}.example.com"), env) for n in range(50)]
    routes = CountingRoutes(
        INSTALLATION, RoutesSettings(https=False, access_log=""), admin, StoreDomainRows(store)
    )
    routes.reconciles = {}
    async with running_in_memory(routes, store=store, workers=1):
        for row in rows:
            await eventually(lambda row=row: ready(store, row))
        await asyncio.sleep(0.2)
    for row in rows:
        expected = ("True", f"serving at http://{row.spec['domain']}")
        assert await ready(store, row) == expected
    assert max(routes.reconciles.values()) == 1


async def test_a_row_reconciled_while_a_load_runs_is_reconciled_again_not_written_over() -> None:
    """Its own status write (Applying) may land after the load's: the row is not written by
    the load but reconciled once more, after its first run, and ends Serving."""
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    env = await environment(store)
    routes = controller_on(store, admin)
    row = await store.create(Kind.DOMAINS, domain("late.example.com"), env)
    routes._touched.add(row.id)  # reconciled while the load below runs
    routes._waiting.add(row.id)
    await routes.reconcile_global(ctx_for(), ALL_ROUTES)
    assert routes._wakeups.get_nowait() == Key(Kind.DOMAINS, row.id)
    found = await store.get(Kind.DOMAINS, row.id)
    assert found is not None and found.status.condition("Ready") is None  # not written over


async def test_a_failed_status_write_wakes_the_rows_instead_of_leaving_them_applying() -> None:
    store, admin = InMemoryStore(), FakeCaddyAdmin()
    env = await environment(store)
    rows = StoreDomainRows(store)
    routes = RoutesController(INSTALLATION, RoutesSettings(https=False, access_log=""), admin, rows)
    row = await store.create(Kind.DOMAINS, domain("blip.example.com"), env)
    routes._waiting.add(row.id)

    async def postgres_blip(written: object) -> set[uuid.UUID]:
        raise ConnectionError("postgres went away")

    rows.write_statuses = postgres_blip  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await routes.reconcile_global(ctx_for(), ALL_ROUTES)
    assert routes._wakeups.get_nowait() == Key(Kind.DOMAINS, row.id)


def ctx_for() -> Context:
    return Context(key=ALL_ROUTES, ensure_leader=lambda: None)
