"""Issue 15, item 3: no user string reaches a Caddy field that expands {placeholders}.

The attack: a redirect to `https://x.example/?k={env.HOME}` came back with the proxy's own
environment in Location; `{file.*}` would read the proxy's files (its TLS keys, the access
log). Braces are refused in redirect URLs and base paths, and every user string Caddy reads
as a template is escaped anyway.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from controllers.routes import RoutesController
from controllers.routes.caddy_config import literal
from tests.security.conftest import ProxyBed
from tests.support.proxy import routes_factory
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.caddy.admin import CaddyAdmin
from zaneops.adapters.caddy.go_json import go_json
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind

INJECTED = "https://x.example.com/?k={env.HOME}&f={file./etc/hostname}"


@pytest.fixture
async def routes(proxy_bed: ProxyBed, database_url: str) -> AsyncIterator[RoutesController]:
    shared = {"instance": proxy_bed.instance}
    async with running(routes_factory(proxy_bed.proxy), database_url, installation=shared) as r:
        assert isinstance(r.controller, RoutesController)
        yield r.controller


async def test_the_api_refuses_a_redirect_holding_a_placeholder(
    admin: httpx.AsyncClient,
) -> None:
    """POST a domain redirecting to a URL with {env.HOME}: 422 on redirect.url."""
    project = await admin.post("/projects", json={"slug": "p", "name": "P"})
    env = await admin.post(f"/projects/{project.json()['id']}/environments", json={"slug": "e"})
    answer = await admin.post(
        f"/environments/{env.json()['id']}/domains",
        json={"domain": "r.example.com", "redirect": {"url": INJECTED}},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "redirect.url"


async def test_a_placeholder_row_written_behind_the_api_is_never_loaded(
    proxy_bed: ProxyBed, routes: RoutesController, store: PostgresStore
) -> None:
    """The same redirect inserted straight into the database. Before: Location carried the
    proxy's HOME and a file's content. Now: the row is refused, the host is not routed."""
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    env = await store.create(Kind.ENVIRONMENTS, {"slug": "e"}, project.id)
    spec = {"domain": "inject.example.com", "redirect": {"url": INJECTED}}
    row = await store.create(Kind.DOMAINS, spec, env.id)

    async def refused() -> bool:
        found = await store.get(Kind.DOMAINS, row.id)
        ready = found.status.condition("Ready") if found else None
        return ready is not None and ready.status == "False" and "redirect.url" in ready.message

    await eventually(refused, message="the injected row refused")
    answer = await proxy_bed.get("inject.example.com")
    assert answer.status_code == 404 and "location" not in answer.headers


async def test_an_escaped_string_comes_back_from_the_real_caddy_verbatim(
    proxy_bed: ProxyBed,
) -> None:
    """What `literal` writes, Caddy 2.6 serves as text: the braces are not expanded."""
    server_name = f"zane-esc-{uuid.uuid4().hex[:6]}"
    port = proxy_bed.proxy.https_port  # a free port of the proxy's, unused without HTTPS
    route = {
        "handle": [
            {
                "handler": "static_response",
                "status_code": 307,
                "headers": {"Location": [literal(INJECTED)]},
            }
        ]
    }
    admin = CaddyAdmin(proxy_bed.proxy.admin_socket)
    try:
        body = await admin.read_config()
        config = json.loads(body) if body.strip() else {}
        servers = config.setdefault("apps", {}).setdefault("http", {}).setdefault("servers", {})
        servers[server_name] = {
            "listen": [":443"],
            "routes": [route],
            "automatic_https": {"disable": True},
        }
        await admin.load(go_json(config))
        async with httpx.AsyncClient(timeout=5) as client:

            async def redirected() -> bool:
                try:
                    got = await client.get(f"http://127.0.0.1:{port}/")
                except httpx.TransportError:
                    return False
                return got.status_code == 307

            await eventually(redirected)
            got = await client.get(f"http://127.0.0.1:{port}/")
        assert got.headers["location"] == INJECTED
    finally:
        config = json.loads(await admin.read_config())
        config["apps"]["http"]["servers"].pop(server_name, None)  # what this test added
        await admin.load(go_json(config))
        await admin.close()
