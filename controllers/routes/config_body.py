"""The bytes of a whole config to load, as Caddy will write them back (go_json), fast.

10 000 routes are 3 MB of JSON; encoding them all at every load cost more than the rest of
an apply. A route's dict comes from a cache (caddy_route) and never changes, so its text is
kept from one load to the next and spliced into the config's text: a load re-encodes only
the routes that are new since the last.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zaneops.adapters.caddy.go_json import go_json

Json = dict[str, Any]


class ConfigEncoder:
    def __init__(self) -> None:
        # id(route) → (route, its text), for the routes of the last body only: the route is
        # held, so its id cannot be another's meanwhile.
        self._texts: dict[int, tuple[Json, str]] = {}
        self._next: dict[int, tuple[Json, str]] = {}

    def body(self, config: Mapping[str, Any], ours: frozenset[str]) -> bytes:
        """`config` in go_json's spelling; the routes of the servers named in `ours` are
        spliced from their kept texts."""
        servers = ((config.get("apps") or {}).get("http") or {}).get("servers") or {}
        placeholders: dict[str, str] = {}
        skeleton_servers = {}
        for name, server in servers.items():
            if name in ours and isinstance(server.get("routes"), list):
                token = f"\x00routes of {len(placeholders)}\x00"
                placeholders[_spelled(token)] = self._routes_text(server["routes"])
                skeleton_servers[name] = {**server, "routes": token}
            else:
                skeleton_servers[name] = server
        self._texts, self._next = self._next, {}
        text = go_json(_with_servers(config, skeleton_servers)).decode()
        for placeholder, routes in placeholders.items():
            text = text.replace(placeholder, routes, 1)
        return text.encode()

    def _routes_text(self, routes: list[Json]) -> str:
        return "[" + ",".join(self._text(route) for route in routes) + "]"

    def _text(self, route: Json) -> str:
        kept = self._texts.get(id(route))
        if kept is None or kept[0] is not route:
            kept = (route, go_json(route).decode().removesuffix("\n"))
        self._next[id(route)] = kept
        return kept[1]


def _spelled(token: str) -> str:
    return go_json(token).decode().removesuffix("\n")


def _with_servers(config: Mapping[str, Any], servers: Json) -> Json:
    apps = dict(config.get("apps") or {})
    apps["http"] = {**(apps.get("http") or {}), "servers": servers}
    return {**config, "apps": apps}
