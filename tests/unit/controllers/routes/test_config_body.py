"""The body of a load is exactly go_json's spelling, with unchanged routes not re-encoded."""

from __future__ import annotations

import uuid

import pytest

from controllers.routes import config_body
from controllers.routes.caddy_config import Layout, merge, owned_config
from controllers.routes.config_body import ConfigEncoder
from controllers.routes.entries import RouteEntry, Upstream
from zaneops.adapters.caddy.go_json import go_json

LAYOUT = Layout(instance="t1", https=True)
FOREIGN = {
    "admin": {"listen": "unix//run/x.sock"},
    "apps": {
        "http": {
            "servers": {
                "someone-else": {
                    "listen": [":9"],
                    "routes": [
                        {"handle": [{"handler": "static_response", "body": "<\\u0000routes of 0>"}]}
                    ],
                }
            }
        }
    },
}


def entries(count: int) -> list[RouteEntry]:
    return [
        RouteEntry(uuid.UUID(int=n + 1), f"d{n}.example.com", "/", False, Upstream("srv-a:80"))
        for n in range(count)
    ]


def test_the_spliced_body_is_byte_for_byte_what_go_json_spells() -> None:
    owned = owned_config(LAYOUT, entries(30))
    merged = merge(FOREIGN, LAYOUT, owned)
    assert ConfigEncoder().body(merged, frozenset(owned.servers)) == go_json(merged)


def test_routes_kept_from_the_last_load_are_not_encoded_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoder = ConfigEncoder()
    owned = owned_config(LAYOUT, entries(50))
    encoder.body(merge(FOREIGN, LAYOUT, owned), frozenset(owned.servers))
    spelled: list[object] = []

    def counting(value: object) -> bytes:
        spelled.append(value)
        return go_json(value)

    monkeypatch.setattr(config_body, "go_json", counting)
    more = owned_config(LAYOUT, entries(51))
    merged = merge(FOREIGN, LAYOUT, more)
    assert encoder.body(merged, frozenset(more.servers)) == go_json(merged)
    routes = [value for value in spelled if isinstance(value, dict) and "@id" in value]
    # the new domain's route, the redirect route (it lists every host) and the 404 routes
    assert len(routes) <= 2 + 2
