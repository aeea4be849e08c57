"""Issue 15, item 2: no route may take the dashboard's traffic, or another environment's.

The attack: a domain on the dashboard's own host with a base path (`/api`, `/assets`, `/*`)
is more specific than the dashboard's route, so Caddy sends it every login password and
session cookie. The same trick on another environment's host steals its paths.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from controllers.routes import RoutesController
from tests.security.conftest import ProxyBed
from tests.support.api import api_settings, log_in, serving
from tests.support.proxy import routes_factory
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.naming import service_alias
from zaneops.specs.kinds import Kind

DASHBOARD = "dash.example.com"


def to(service_id: uuid.UUID, domain: str, base_path: str = "/") -> dict[str, Any]:
    return {
        "domain": domain,
        "base_path": base_path,
        "target": {"service_id": str(service_id), "port": 80},
    }


@pytest.fixture
async def routes(proxy_bed: ProxyBed, database_url: str) -> AsyncIterator[RoutesController]:
    factory = routes_factory(
        proxy_bed.proxy,
        dashboard_domain=DASHBOARD,
        dashboard_upstream=f"{service_alias(proxy_bed.dashboard)}:80",
    )
    shared = {"instance": proxy_bed.instance}
    async with running(factory, database_url, installation=shared) as runner:
        assert isinstance(runner.controller, RoutesController)
        yield runner.controller


async def answers(bed: ProxyBed, host: str, path: str, text: str) -> bool:
    try:
        answer = await bed.get(host, path)
    except httpx.TransportError:
        return False
    return answer.status_code == 200 and answer.text.strip() == text


async def two_environments(store: PostgresStore) -> tuple[uuid.UUID, uuid.UUID]:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    first = await store.create(Kind.ENVIRONMENTS, {"slug": "production"}, project.id)
    other = await store.create(Kind.PROJECTS, {"slug": "q", "name": "Q"})
    second = await store.create(Kind.ENVIRONMENTS, {"slug": "staging"}, other.id)
    return first.id, second.id


async def test_a_route_on_the_dashboards_host_never_takes_its_traffic(
    proxy_bed: ProxyBed, routes: RoutesController, store: PostgresStore
) -> None:
    """Attack: dash.example.com + base path /sub, to the attacker's app, written straight into
    the database. Before: /sub/* on the dashboard's host went to the attacker. Now: refused
    (Ready False, reserved), and the dashboard still answers there."""
    _, attacker_env = await two_environments(store)
    row = await store.create(Kind.DOMAINS, to(proxy_bed.attacker, DASHBOARD, "/sub"), attacker_env)
    await eventually(lambda: answers(proxy_bed, DASHBOARD, "/sub/page.txt", "dashboard-sub"))

    async def refused() -> bool:
        found = await store.get(Kind.DOMAINS, row.id)
        ready = found.status.condition("Ready") if found else None
        return ready is not None and ready.status == "False" and "dashboard" in ready.message

    await eventually(refused, message="the hijacking row refused")
    assert await answers(proxy_bed, DASHBOARD, "/sub/page.txt", "dashboard-sub")


async def test_a_path_under_another_environments_host_is_refused(
    proxy_bed: ProxyBed, routes: RoutesController, store: PostgresStore
) -> None:
    """Attack: production routes app.example.com; staging adds app.example.com/sub to its own
    app, behind the API's back. Before: /sub went to staging. Now: refused, production keeps
    its whole host."""
    production, staging = await two_environments(store)
    await store.create(Kind.DOMAINS, to(proxy_bed.victim, "app.example.com"), production)
    await eventually(lambda: answers(proxy_bed, "app.example.com", "/", "victim"))
    shadow = await store.create(
        Kind.DOMAINS, to(proxy_bed.attacker, "app.example.com", "/sub"), staging
    )

    async def refused() -> bool:
        found = await store.get(Kind.DOMAINS, shadow.id)
        ready = found.status.condition("Ready") if found else None
        return ready is not None and ready.status == "False"

    await eventually(refused, message="the shadowing row refused")
    assert await answers(proxy_bed, "app.example.com", "/sub/page.txt", "victim-sub")


async def test_the_api_refuses_the_dashboards_host_wildcard_paths_and_claimed_hosts(
    database_url: str,
) -> None:
    """Through the API: the dashboard's host (422, field domain), a base path with '*'
    (422, field base_path), a host another environment routes (409)."""
    config = api_settings(database_url, dashboard_domain=DASHBOARD)
    async with serving(config) as api:
        admin = await log_in(api)
        ids = []
        for slug in ("production", "staging"):
            project = await admin.post("/projects", json={"slug": f"p-{slug}", "name": slug})
            env = await admin.post(
                f"/projects/{project.json()['id']}/environments", json={"slug": slug}
            )
            ids.append(env.json()["id"])
        production, staging = ids
        redirect = {"redirect": {"url": "https://elsewhere.example.com/"}}
        hijack = await admin.post(
            f"/environments/{staging}/domains",
            json={"domain": DASHBOARD, "base_path": "/api", **redirect},
        )
        assert hijack.status_code == 422
        assert hijack.json()["errors"][0]["field"] == "domain"
        star = await admin.post(
            f"/environments/{staging}/domains",
            json={"domain": "x.example.com", "base_path": "/*", **redirect},
        )
        assert star.status_code == 422 and star.json()["errors"][0]["field"] == "base_path"
        first = await admin.post(
            f"/environments/{production}/domains", json={"domain": "app.example.com", **redirect}
        )
        assert first.status_code == 201, first.text
        claimed = await admin.post(
            f"/environments/{staging}/domains",
            json={"domain": "*.example.com", "base_path": "/x", **redirect},
        )
        assert claimed.status_code == 409
        await admin.aclose()
