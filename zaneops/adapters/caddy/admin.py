"""One boundary method per admin API operation; no planning here.

Over a unix socket the admin API still checks the Host header against admin.origins: the
proxy image allows the origin `caddy-admin`, which this client sends.
"""

from __future__ import annotations

import httpx

from zaneops.common.errors import Unavailable

ADMIN_ORIGIN = "caddy-admin"


class CaddyRefused(Exception):
    """Caddy answered but rejected the config (it keeps running the previous one)."""


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

    async def read_config(self) -> bytes:
        """Caddy's whole config, as it writes it (see go_json)."""
        response = await self._send("GET", "/config/")
        return response.content

    async def load(self, body: bytes) -> None:
        """Load a whole config (POST /load). Caddy answers once it is loaded, and from then on
        reads it back byte for byte as go_json spelled it."""
        await self._send(
            "POST", "/load", content=body, headers={"Content-Type": "application/json"}
        )
        self.loads += 1

    async def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise Unavailable(f"Caddy admin API unreachable: {exc!r}") from exc
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
