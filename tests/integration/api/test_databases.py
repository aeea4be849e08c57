"""Databases through the real API: made in one step with their volume and credentials,
connection details masked until asked for, and no edit that would strand their data."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import body, environment, image_service_in
from tests.support.api import RunningApi
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import MASK, SecretBox, is_sealed
from zaneops.specs.kinds import Kind


async def create(admin: httpx.AsyncClient, env_id: str, **fields: Any) -> dict[str, Any]:
    answer = await admin.post(f"/environments/{env_id}/databases", json=fields)
    return body(answer, 201)


async def test_a_postgres_database_is_made_in_one_step_and_its_password_is_shown_on_request(
    api: RunningApi, admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    env_id = await environment(admin)
    made = await create(admin, env_id, slug="db", engine="postgres")
    spec = made["service"]["spec"]
    assert spec["source"] == {
        "type": "database",
        "engine": "postgres",
        "version": "15",
        "credentials": {"username": "app", "password": MASK, "database": "app"},
    }
    assert spec["volumes"] == [
        {"volume": "db-data", "container_path": "/var/lib/postgresql/data", "read_only": False}
    ]
    assert spec["healthcheck"]["command"][0] == "pg_isready"
    assert spec["ports"] == []  # not reachable from outside unless asked
    shown = made["connection"]
    password = shown["password"]
    assert len(password) == 32
    assert shown["url"] == f"postgresql://app:{password}@db:5432/app"
    assert shown["references"]["DATABASE_URL"] == "{{services.db.DATABASE_URL}}"

    stored = await store.get(Kind.SERVICES, uuid.UUID(made["service"]["id"]))
    assert stored is not None
    sealed = stored.spec["source"]["credentials"]["password"]
    assert is_sealed(sealed) and SecretBox(api.installation.secret_key).open(sealed) == password
    volumes = body(await admin.get(f"/environments/{env_id}/volumes"), 200)["items"]
    assert [v["spec"]["slug"] for v in volumes] == ["db-data"]

    service_id = made["service"]["id"]
    masked = body(await admin.get(f"/services/{service_id}/connection"), 200)
    assert masked["password"] == MASK and password not in masked["url"]
    revealed = body(await admin.get(f"/services/{service_id}/connection?reveal=true"), 200)
    assert revealed["password"] == password

    deployment = body(await admin.post(f"/services/{service_id}/deploy"), 201)
    assert deployment["spec"]["image"] == api.settings.postgres_image


async def test_a_mariadb_database_is_made_in_one_step_with_the_url_mysql_clients_take(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    env_id = await environment(admin)
    made = await create(admin, env_id, slug="shopdb", engine="mariadb")
    spec = made["service"]["spec"]
    assert (spec["source"]["engine"], spec["source"]["version"]) == ("mariadb", "10.11")
    assert spec["volumes"][0]["container_path"] == "/var/lib/mysql"
    assert spec["healthcheck"]["command"] == ["mariadb-health"]
    assert spec["resources"]["memory_limit"] == 512 << 20
    shown = made["connection"]
    assert shown["url"] == f"mysql://app:{shown['password']}@shopdb:3306/app"
    assert set(shown["references"]) == {"HOST", "PORT", "USER", "NAME", "PASSWORD", "DATABASE_URL"}
    service_id = made["service"]["id"]
    deployment = body(await admin.post(f"/services/{service_id}/deploy"), 201)
    assert deployment["spec"]["image"] == api.settings.mariadb_image


async def test_a_redis_database_has_a_password_and_no_users(admin: httpx.AsyncClient) -> None:
    env_id = await environment(admin)
    made = await create(admin, env_id, slug="cache", engine="redis", public_port=16379)
    connection = made["connection"]
    assert connection["username"] is None and connection["database"] is None
    assert connection["url"] == f"redis://default:{connection['password']}@cache:6379/0"
    assert made["service"]["spec"]["ports"] == [
        {"published": 16379, "target": 6379, "protocol": "tcp"}
    ]
    assert made["service"]["spec"]["volumes"][0]["container_path"] == "/data"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"engine": "redis"}, "source", "its volume holds PostgreSQL data"),
        (
            {"credentials": {"password": "another-password-entirely"}},
            "source.credentials.password",
            "lock every client out",
        ),
        (
            {"credentials": {"username": "root", "password": MASK}},
            "source.credentials.username",
            "written into the data directory",
        ),
    ],
)
async def test_an_edit_that_would_strand_the_data_is_refused_at_its_field(
    admin: httpx.AsyncClient, change: dict[str, Any], field: str, reason: str
) -> None:
    env_id = await environment(admin)
    made = await create(admin, env_id, slug="db", engine="postgres")
    service = made["service"]
    spec = service["spec"]
    source = {**spec["source"], **change}
    if "credentials" in change:
        source["credentials"] = {**spec["source"]["credentials"], **change["credentials"]}
    volumes = spec["volumes"]
    if change.get("engine") == "redis":  # a valid Redis spec in every other way
        source["version"] = "7"
        volumes = [{**volumes[0], "container_path": "/data"}]
    headers = {"If-Match": f'"{service["generation"]}"'}
    edited = {**spec, "source": source, "volumes": volumes}
    answer = await admin.put(f"/services/{service['id']}", json=edited, headers=headers)
    problem = body(answer, 422)
    [error] = problem["errors"]
    assert error["field"] == field and reason in error["reason"], problem


async def test_a_taken_name_is_refused_and_leaves_no_volume_behind(
    admin: httpx.AsyncClient,
) -> None:
    env_id = await environment(admin)
    await create(admin, env_id, slug="db", engine="postgres")
    again = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "redis"}
    )
    assert again.status_code == 409, again.text
    volumes = body(await admin.get(f"/environments/{env_id}/volumes"), 200)["items"]
    assert [v["spec"]["slug"] for v in volumes] == ["db-data"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slug": "db", "engine": "mongodb"}, "engine"),
        ({"slug": "db", "engine": "postgres", "version": "9"}, "version"),
        ({"slug": "db", "engine": "mariadb", "version": "11.4"}, "version"),
        ({"slug": "Db", "engine": "postgres"}, "slug"),
        ({"slug": "db", "engine": "postgres", "public_port": 0}, "public_port"),
    ],
)
async def test_bad_database_requests_are_refused_at_the_field(
    admin: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    env_id = await environment(admin)
    answer = await admin.post(f"/environments/{env_id}/databases", json=fields)
    problem = body(answer, 422)
    assert [e["field"] for e in problem["errors"]] == [field], problem


async def test_an_image_service_has_no_connection(admin: httpx.AsyncClient) -> None:
    env_id = await environment(admin)
    web = await image_service_in(admin, env_id)
    answer = await admin.get(f"/services/{web['id']}/connection")
    assert answer.status_code == 409 and "not a database" in answer.text
