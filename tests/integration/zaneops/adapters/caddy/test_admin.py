"""The real Caddy writes a loaded config back byte for byte as go_json spelled it, so a load
needs no read-back and the next drift check finds the bytes unchanged without parsing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.proxy import Proxy, remove_instance, start_proxy
from tests.support.swarm import new_instance
from zaneops.adapters.caddy import go_json
from zaneops.adapters.caddy.admin import ADMIN_ORIGIN, CaddyAdmin

INSTANCE = new_instance()
# What Go's encoder spells otherwise than Python's json: HTML characters, \b and \f, the
# JavaScript line separators; and what both spell alike: escapes, other Unicode, numbers.
TRICKY = '<b>&amp;</b> "quoted" back\\slash \b\f\t\n\r \u2028\u2029 é 日本 \x01 \x7f {x}'


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    started = start_proxy(INSTANCE)
    try:
        yield started
    finally:
        remove_instance(INSTANCE, [started.shared_dir])


@pytest.fixture
async def admin(proxy: Proxy) -> AsyncIterator[CaddyAdmin]:
    client = CaddyAdmin(proxy.admin_socket)
    yield client
    await client.close()


def with_tricky_server(config: dict[str, Any]) -> dict[str, Any]:
    """`config` (Caddy's own, so its admin section keeps the socket) plus a server whose
    strings and numbers need care."""
    servers = config.setdefault("apps", {}).setdefault("http", {}).setdefault("servers", {})
    servers["tricky"] = {
        "listen": [":9123"],
        "routes": [
            {
                "@id": "tricky-route",
                "match": [{"host": ["tricky.test"], "path": ["/ü/*", "/a&b"]}],
                "handle": [
                    {
                        "handler": "static_response",
                        "status_code": 200,
                        "body": TRICKY,
                        "headers": {"X-Numbers": ["0", "-1"]},
                    },
                    {"handler": "vars", "n": -42, "zero": 0},
                ],
            }
        ],
    }
    return config


async def test_a_loaded_config_is_written_back_exactly_as_go_json_spelled_it(
    admin: CaddyAdmin,
) -> None:
    body = go_json.go_json(with_tricky_server(json.loads(await admin.read_config())))
    await admin.load(body)
    assert await admin.read_config() == body


async def test_numbers_someone_else_wrote_are_spelled_as_caddy_holds_them(
    admin: CaddyAdmin, proxy: Proxy
) -> None:
    """A server put by hand with floats: read, merged into a load, written back as spelled
    (Caddy holds every number as a float64: 10.0 comes back as 10, 1e-07 as 1e-7)."""
    handler = {"handler": "vars", "whole": 10.0, "half": 1.5, "tiny": 1e-7, "huge": 1e21}
    foreign = {"listen": [":9125"], "routes": [{"handle": [handler]}]}
    transport = httpx.AsyncHTTPTransport(uds=proxy.admin_socket)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{ADMIN_ORIGIN}") as raw:
        answer = await raw.put("/config/apps/http/servers/by-hand", json=foreign)
        assert answer.status_code == 200, answer.text
    config = go_json.parse(await admin.read_config())
    body = go_json.go_json(with_tricky_server(config))
    await admin.load(body)
    assert await admin.read_config() == body
