"""Optimistic concurrency: the generation is the ETag, and If-Match guards every replace."""

from __future__ import annotations

import httpx

from tests.integration.api.helpers import IMAGE_SERVICE, body, service
from tests.support.api import RunningApi, log_in


async def test_second_of_two_concurrent_edits_gets_409_and_nothing_is_lost(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """Both read generation 1; the first edit wins, the second is refused, the first stays."""
    web = await service(admin)
    other = await log_in(api)
    url = f"/services/{web['id']}"
    first_read, second_read = await admin.get(url), await other.get(url)
    assert first_read.headers["ETag"] == second_read.headers["ETag"] == '"1"'

    replicas = {**IMAGE_SERVICE, "replicas": 4}
    won = await admin.put(url, json=replicas, headers={"If-Match": first_read.headers["ETag"]})
    assert body(won, 200)["generation"] == 2
    command = {**IMAGE_SERVICE, "command": ["httpd", "-f"]}
    lost = await other.put(url, json=command, headers={"If-Match": second_read.headers["ETag"]})
    assert lost.status_code == 409
    assert "generation 2" in lost.json()["message"]

    now = body(await other.get(url), 200)
    assert now["spec"]["replicas"] == 4
    assert now["spec"]["command"] is None
    retried = await other.put(url, json={**command, "replicas": 4}, headers={"If-Match": '"2"'})
    assert body(retried, 200)["spec"] == {**now["spec"], "command": ["httpd", "-f"]}
    await other.aclose()


async def test_a_replace_without_if_match_is_refused(admin: httpx.AsyncClient) -> None:
    """No If-Match: 428, so no client overwrites an edit it never saw."""
    web = await service(admin)
    answer = await admin.put(f"/services/{web['id']}", json=IMAGE_SERVICE)
    assert answer.status_code == 428
    assert answer.json()["errors"][0]["field"] == "If-Match"
