"""Authentication: every endpoint needs it, CSRF guards cookies, logins are throttled."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi.routing import APIRoute

from api.app import PREFIX, ROUTERS, create_app
from tests.support.api import RunningApi, api_settings, log_in, serving

# Open on purpose: load balancers probe health, nobody can log in without login, and a Git
# host has no session (the webhook's token in the path is its credential).
OPEN_PATHS = {"/api/v1/health", "/api/v1/auth/login", "/api/v1/webhooks/{token}"}


def _every_protected_operation() -> list[tuple[str, str]]:
    """Every route of every router the app mounts, path parameters filled with fresh ids."""
    operations = []
    routes = [route for module in ROUTERS for route in module.router.routes]
    for route in routes:
        assert isinstance(route, APIRoute)
        if PREFIX + route.path in OPEN_PATHS:
            continue
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
        operations += [(method, path) for method in sorted(route.methods)]
    return operations


def test_the_route_list_covers_the_whole_openapi_document() -> None:
    """The routers iterated below are all the app serves (nothing mounted elsewhere)."""
    documented = sum(len(ops) for ops in create_app().openapi()["paths"].values())
    assert documented == len(_every_protected_operation()) + len(OPEN_PATHS)


async def test_every_endpoint_refuses_unauthenticated_requests(api: RunningApi) -> None:
    """Each route of the app, called without credentials, answers 401 in the error format."""
    operations = _every_protected_operation()
    assert len(operations) > 40
    async with api.client() as client:
        for method, path in operations:
            answer = await client.request(method, path, json={})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["code"] == "unauthenticated"


async def test_a_wrong_bearer_token_is_refused(api: RunningApi) -> None:
    """An unknown API token is a 401, not an anonymous request."""
    async with api.client(headers={"Authorization": "Bearer zane_nope"}) as client:
        assert (await client.get("/projects")).status_code == 401


async def test_a_wrong_csrf_token_is_forbidden(admin: httpx.AsyncClient) -> None:
    """A cookie-authenticated write with a wrong or missing CSRF header is a 403."""
    project = {"slug": "shop", "name": "Shop"}
    wrong = await admin.post("/projects", json=project, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "csrf_failed"
    del admin.headers["X-CSRF-Token"]
    assert (await admin.post("/projects", json=project)).status_code == 403
    assert (await admin.get("/projects")).json()["items"] == []


async def test_the_eleventh_wrong_password_in_a_minute_is_throttled(api: RunningApi) -> None:
    """Ten wrong passwords are 401s; the eleventh attempt, even a right one, is a 429."""
    wrong = {"username": "admin", "password": "guess"}
    async with api.client() as client:
        for _ in range(10):
            assert (await client.post("/auth/login", json=wrong)).status_code == 401
        throttled = await client.post("/auth/login", json=wrong)
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "60"
        right = {"username": "admin", "password": "correct horse battery staple"}
        assert (await client.post("/auth/login", json=right)).status_code == 429


async def _throttled_after_ten_wrong(client: httpx.AsyncClient, forwarded_for: str) -> bool:
    wrong = {"username": "admin", "password": "guess"}
    headers = {"X-Forwarded-For": forwarded_for}
    for _ in range(10):
        await client.post("/auth/login", json=wrong, headers=headers)
    answer = await client.post("/auth/login", json=wrong, headers=headers)
    return answer.status_code == 429


async def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(
    database_url: str,
) -> None:
    """One client's wrong passwords through the proxy do not lock out another client."""
    settings = api_settings(database_url, trusted_proxies="127.0.0.1", login_attempts_per_minute=10)
    async with serving(settings) as api, api.client() as client:
        # Distinct user names too, so only the per-address counter could throttle the second.
        assert await _throttled_after_ten_wrong(client, "203.0.113.7")
        other = {"username": "someone", "password": "guess"}
        answer = await client.post(
            "/auth/login", json=other, headers={"X-Forwarded-For": "203.0.113.8"}
        )
        assert answer.status_code == 401


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    database_url: str,
) -> None:
    """Without trusted proxies, X-Forwarded-For cannot dodge the per-address throttle."""
    async with serving(api_settings(database_url)) as api, api.client() as client:
        assert await _throttled_after_ten_wrong(client, "203.0.113.7")
        other = {"username": "someone", "password": "guess"}
        answer = await client.post(
            "/auth/login", json=other, headers={"X-Forwarded-For": "203.0.113.8"}
        )
        assert answer.status_code == 429


async def test_session_cookie_is_httponly_and_samesite(api: RunningApi) -> None:
    """The session cookie cannot be read by scripts nor sent by other sites' forms."""
    async with api.client() as client:
        answer = await client.post(
            "/auth/login",
            json={"username": "admin", "password": "correct horse battery staple"},
        )
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("zane_session="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session


async def test_logout_ends_the_session(api: RunningApi) -> None:
    """After logout the same cookie no longer authenticates."""
    client = await log_in(api)
    cookie = client.cookies["zane_session"]
    assert (await client.post("/auth/logout")).status_code == 204
    async with api.client(cookies={"zane_session": cookie}) as stale:
        assert (await stale.get("/auth/me")).status_code == 401
    await client.aclose()


async def test_api_token_is_shown_once_and_works_as_bearer(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """A token authenticates as Bearer (no CSRF needed); lists never show it; revoked: 401."""
    created = (await admin.post("/auth/tokens", json={"name": "cli"})).json()
    token = created["token"]
    listed = (await admin.get("/auth/tokens")).json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]
    async with api.client(headers={"Authorization": f"Bearer {token}"}) as cli:
        made = await cli.post("/projects", json={"slug": "cli-made", "name": "CLI"})
        assert made.status_code == 201
        assert (await cli.get("/auth/me")).json()["via"] == "token"
        await admin.delete(f"/auth/tokens/{created['id']}")
        assert (await cli.get("/auth/me")).status_code == 401
