"""The platform's own HTTP API, as the `zaneops` CLI calls it: JSON in and out, a Bearer token.

One method per HTTP verb: the client's commands name the paths. A refusal comes back as
ApiRefused with the API's code, message and field errors, never as a stack trace.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from zaneops.common.errors import Unavailable

API_PREFIX = "/api/v1"
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str


@dataclass
class ApiRefused(Exception):
    """The API answered with an error status."""

    status: int
    code: str
    message: str
    errors: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.message} (HTTP {self.status}, {self.code})"]
        lines += [f"  {e.field or '(the whole object)'}: {e.reason}" for e in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class Answer:
    body: Any
    generation: int | None  # from the ETag: what a replace must name in If-Match


class InsecureUrl(ValueError):
    """A token would cross the network in clear."""


def check_url(url: str) -> str:
    """The API's base URL: https, or http to this machine only (a token is sent each call)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureUrl(f"{url!r} is not an http(s) URL of a ZaneOps dashboard")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InsecureUrl(
            f"{url} is plain HTTP to another machine: the API token would cross the network "
            "in clear; use https://"
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PlatformApi:
    def __init__(self, url: str, token: str, verify: bool | str = True) -> None:
        base = check_url(url)
        self._client = httpx.Client(
            base_url=base + API_PREFIX,
            trust_env=base.startswith("https://"),  # plain HTTP: loopback, never via a proxy
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            verify=verify,
            follow_redirects=False,  # a token never follows a redirect to another host
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Answer:
        return self._send("GET", path, params=dict(params or {}))

    def post(self, path: str, body: Any = None) -> Answer:
        return self._send("POST", path, json=body)

    def put(self, path: str, body: Any, generation: int) -> Answer:
        return self._send("PUT", path, json=body, headers={"If-Match": f'"{generation}"'})

    def delete(self, path: str) -> Answer:
        return self._send("DELETE", path)

    @contextmanager
    def stream(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Iterator[str]]:
        """The lines of a server-sent event stream, as they come."""
        try:
            with self._client.stream("GET", path, params=dict(params or {}), timeout=None) as r:
                if r.is_error:
                    r.read()
                    raise _refusal(r)
                yield r.iter_lines()
        except httpx.TransportError as exc:
            raise Unavailable(f"the API at {self._client.base_url} is unreachable: {exc}") from exc

    def _send(self, method: str, path: str, **options: Any) -> Answer:
        try:
            response = self._client.request(method, path, **options)
        except httpx.TransportError as exc:
            raise Unavailable(f"the API at {self._client.base_url} is unreachable: {exc}") from exc
        if response.is_error:
            raise _refusal(response)
        if response.is_redirect:
            where = response.headers.get("Location", "elsewhere")
            raise ApiRefused(
                response.status_code,
                "redirected",
                f"the API sent to {where}: is the URL the dashboard's own?",
            )
        try:
            body = response.json() if response.content else None
        except ValueError:
            raise ApiRefused(
                response.status_code,
                "not_json",
                "the answer is not the ZaneOps API's (not JSON): is the URL the dashboard's own?",
            ) from None
        return Answer(body, _generation(response.headers.get("ETag")))


def _generation(etag: str | None) -> int | None:
    text = (etag or "").strip('W/"')
    return int(text) if text.isdigit() else None


def _refusal(response: httpx.Response) -> ApiRefused:
    try:
        said: Any = response.json()
    except ValueError:
        said = None
    if not isinstance(said, dict):
        return ApiRefused(response.status_code, "http_error", response.text[:300])
    problems = [
        FieldProblem(str(e.get("field", "")), str(e.get("reason", "")))
        for e in said.get("errors") or []
    ]
    code, message = str(said.get("code", "error")), str(said.get("message", response.reason_phrase))
    return ApiRefused(response.status_code, code, message, problems)


def token_for(url: str, username: str, password: str, name: str, days: int | None) -> str:
    """A new API token of the user, made by logging in as the dashboard does (the session is
    closed after): the CLI keeps the token, never the password."""
    with httpx.Client(base_url=check_url(url) + API_PREFIX, timeout=TIMEOUT_SECONDS) as client:
        try:
            login = client.post("/auth/login", json={"username": username, "password": password})
            if login.is_error:
                raise _refusal(login)
            csrf = {"X-CSRF-Token": str(login.json()["csrf_token"])}
            made = client.post(
                "/auth/tokens", json={"name": name, "expires_in_days": days}, headers=csrf
            )
            if made.is_error:
                raise _refusal(made)
            client.post("/auth/logout", headers=csrf)
        except httpx.TransportError as exc:
            raise Unavailable(f"the API at {url} is unreachable: {exc}") from exc
        return str(made.json()["token"])
