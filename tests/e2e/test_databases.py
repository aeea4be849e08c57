"""Databases as a user makes them: real API, real controllers, real engines in Swarm.

A PostgreSQL made in one step becomes healthy (its health check asks the server); a job given
{{services.db.DATABASE_URL}} writes rows through it; a redeploy keeps them. A Redis is
written and read back the same way."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.database_bed import deployed, job, new_database, new_environment, run_in
from tests.support.database_images import ensure_database_images
from tests.support.platform_api import wait_healthy
from tests.support.proxy import Proxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
async def client(
    platform: httpx.AsyncClient, proxy: Proxy, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The API and controllers, with the volumes controller (a database waits for its volume)."""
    ensure_database_images()
    async with vs.volumes_controller(proxy.instance, database_url, tmp_path):
        yield platform


async def test_a_postgres_made_in_one_step_takes_rows_from_a_service_and_keeps_them(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    images = ensure_database_images()
    env_id = await new_environment(client)
    made = await new_database(client, env_id, slug="db", engine="postgres")
    db_id = made["service"]["id"]
    first = await deployed(client, db_id)

    await job(
        client,
        env_id,
        "migrate",
        images["postgres"],
        "psql \"$URL\" -v ON_ERROR_STOP=1 -c 'create table notes (id serial, note text)'"
        " -c \"insert into notes (note) values ('a'), ('b'), ('c')\"",
    )
    count = ["psql", "-X", "-U", "app", "-d", "app", "-tAc", "select count(*) from notes"]
    assert run_in(proxy.instance, first, count) == "3"

    again = await deployed(client, db_id)  # a new container on the same volume
    assert again != first
    await eventually(
        lambda: len(sw.running_containers(proxy.instance, uuid.UUID(again))) == 1,
        timeout=30,
        message="the redeployed database runs",
    )
    assert run_in(proxy.instance, again, count) == "3"
    password = made["connection"]["password"]
    every_command_line = ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"]
    assert "postgres" in run_in(proxy.instance, again, every_command_line)
    assert password not in run_in(proxy.instance, again, every_command_line)


async def test_a_redis_made_in_one_step_is_written_by_a_service_with_its_password(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    images = ensure_database_images()
    env_id = await new_environment(client)
    made = await new_database(client, env_id, slug="db", engine="redis")
    served = await deployed(client, made["service"]["id"])
    # redis-cli exits 0 even when refused: the job fails unless Redis answered OK.
    write = 'redis-cli --no-auth-warning -u "$URL" set greeting hello | grep -qx OK'
    await job(client, env_id, "writer", images["redis"], write)
    password = made["connection"]["password"]
    read = ["sh", "-c", f"REDISCLI_AUTH={password} redis-cli -h 127.0.0.1 get greeting"]
    assert run_in(proxy.instance, served, read) == "hello"
    unauthenticated = sw.running_containers(proxy.instance, uuid.UUID(served))[0].exec_run(
        ["redis-cli", "-h", "127.0.0.1", "get", "greeting"]
    )
    assert b"NOAUTH" in bytes(unauthenticated.output)
    await wait_healthy(client, served)
