"""The API answers: health without auth, the OpenAPI document, and login."""

from __future__ import annotations

import httpx

from tests.support.api import RunningApi


async def test_health_answers_without_auth(api: RunningApi) -> None:
    """Health is open and reports the database and Redis as up."""
    async with api.client() as client:
        answer = await client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": True, "redis": True}


async def test_openapi_document_lists_the_resources(api: RunningApi) -> None:
    """The OpenAPI document is served under /api/v1 and names every resource."""
    async with api.client() as client:
        document = (await client.get("/openapi.json")).json()
    for path in ("/api/v1/projects", "/api/v1/services/{id}/changes", "/api/v1/search"):
        assert path in document["paths"]


async def test_login_gives_a_session_that_reads(admin: httpx.AsyncClient) -> None:
    """A logged-in admin is known to /auth/me through the session cookie."""
    answer = await admin.get("/auth/me")
    assert answer.status_code == 200
    assert answer.json()["via"] == "session"
