"""One boundary method per admin API operation; no planning here.

Over a unix socket the admin API still checks the Host header against admin.origins: the
proxy image allows the origin `caddy-admin`, which this client sends.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from zaneops.common.errors import Conflict, Unavailable

ADMIN_ORIGIN = "caddy-admin"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


class CaddyRefused(Exception):
    """Caddy answered but rejected the config (it keeps running the previous one)."""


@dataclass(frozen=True)
class ConfigSnapshot:
    """Caddy's whole config as it returned it, and the ETag that guards the next change."""

    body: bytes
    etag: str


def config_etag(path: str, body: bytes) -> str:
    """Caddy 2.6 sends its ETag as an HTTP trailer, which httpx drops; it is FNV-1a 32 of the
    body it returned, so it is computed the same way here."""
    value = _FNV32_OFFSET
    for byte in body:
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return f'"{path} {value:08x}"'


class CaddyAdmin:
    def __init__(self, socket_path: str, timeout: float = 30.0) -> None:
        self._client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=socket_path),
            base_url=f"http://{ADMIN_ORIGIN}",
            timeout=timeout,
        )
        self.loads = 0  # config changes sent; tests and benchmarks count them

    async def close(self) -> None:
        await self._client.aclose()

    async def read_config(self) -> ConfigSnapshot:
        response = await self._send("GET", "/config/")
        return ConfigSnapshot(response.content, config_etag("/config/", response.content))

    async def replace_config(self, body: bytes, if_match: str) -> None:
        """Load a whole new config, unless it changed since `if_match` (then Conflict)."""
        headers = {"Content-Type": "application/json", "If-Match": if_match}
        await self._send("POST", "/config/", content=body, headers=headers)
        self.loads += 1

    async def load(self, body: bytes) -> None:
        """Unguarded /load of a whole config: for benchmarks and bootstrapping only."""
        await self._send(
            "POST", "/load", content=body, headers={"Content-Type": "application/json"}
        )
        self.loads += 1

    async def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise Unavailable(f"Caddy admin API unreachable: {exc!r}") from exc
        if response.status_code == httpx.codes.PRECONDITION_FAILED:
            raise Conflict("Caddy's config changed meanwhile; read it again")
        if response.status_code == httpx.codes.BAD_REQUEST:
            raise CaddyRefused(f"Caddy refused {method} {path}: {_reason(response)}")
        if response.is_error:
            raise Unavailable(f"Caddy refused {method} {path}: {_reason(response)}")
        return response


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text[:500]
