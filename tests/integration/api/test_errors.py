"""Bad input: a 4xx naming the field and the reason; nothing half-applied."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.api.helpers import IMAGE_SERVICE, body, environment


async def test_invalid_spec_names_the_field_and_reason(admin: httpx.AsyncClient) -> None:
    """A bad slug and a bad image are both reported, each at its field."""
    env_id = await environment(admin)
    spec = {"slug": "Web!", "source": {"type": "image", "image": "UPPER"}}
    answer = await admin.post(f"/environments/{env_id}/services", json=spec)
    errors = body(answer, 422)["errors"]
    fields = {error["field"]: error for error in errors}
    assert fields["slug"]["reason"].startswith("a slug must be lowercase")
    assert fields["slug"]["location"] == "body"
    assert "source.image.image" in fields
    assert (await admin.get(f"/environments/{env_id}/services")).json()["items"] == []


async def test_malformed_json_and_ids_are_422(admin: httpx.AsyncClient) -> None:
    """Broken JSON and a path id that is not a UUID are client errors, not crashes."""
    broken = await admin.post(
        "/projects", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert body(await admin.get("/projects/not-a-uuid"), 422)["errors"][0]["location"] == "path"


async def test_nul_character_is_refused_by_field(admin: httpx.AsyncClient) -> None:
    """Postgres cannot store NUL: the field is named instead of a database error."""
    answer = await admin.post("/projects", json={"slug": "a", "name": "A", "description": "x\0"})
    assert body(answer, 422)["errors"][0]["field"] == "description"


async def test_unknown_objects_are_404(admin: httpx.AsyncClient) -> None:
    """Reading, or creating under, an object that does not exist is a 404."""
    missing = uuid.uuid4()
    assert body(await admin.get(f"/services/{missing}"), 404)["code"] == "not_found"
    create = await admin.post(f"/environments/{missing}/services", json=IMAGE_SERVICE)
    assert create.status_code == 404
    assert (await admin.get(f"/environments/{missing}/services")).status_code == 404


async def test_duplicate_slug_is_a_conflict(admin: httpx.AsyncClient) -> None:
    """A second live project with the same slug is a 409."""
    await environment(admin, "shop")
    again = await admin.post("/projects", json={"slug": "shop", "name": "Other"})
    assert body(again, 409)["code"] == "conflict"


async def test_domain_must_target_a_service_of_its_environment(admin: httpx.AsyncClient) -> None:
    """A domain pointing at an unknown service is refused at target.service_id."""
    env_id = await environment(admin)
    spec = {"domain": "a.example.com", "target": {"service_id": str(uuid.uuid4()), "port": 80}}
    answer = await admin.post(f"/environments/{env_id}/domains", json=spec)
    assert body(answer, 422)["errors"][0]["field"] == "target.service_id"


async def test_creating_under_a_deleted_parent_is_a_conflict(admin: httpx.AsyncClient) -> None:
    """Once an environment is being deleted, nothing new is created in it."""
    env_id = await environment(admin)
    project_id = body(await admin.get(f"/environments/{env_id}"), 200)["parent_id"]
    async with admin.stream("DELETE", f"/projects/{project_id}"):
        pass
    answer = await admin.post(f"/environments/{env_id}/volumes", json={"slug": "data"})
    assert answer.status_code in (404, 409)


async def test_bad_page_cursor_is_422(admin: httpx.AsyncClient) -> None:
    """A cursor this API did not hand out is refused at query.cursor."""
    answer = await admin.get("/projects", params={"cursor": "bm9wZQ"})
    error = body(answer, 422)["errors"][0]
    assert (error["field"], error["location"]) == ("cursor", "query")
