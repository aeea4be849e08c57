"""A backup restored into the database it came from, on the real components: a database made
through the API and run by the real controllers, written, backed up and verified; then written
again and a table dropped; restored in place by the real backups controller, which backs up the
current contents first (a safety backup, verified like any other), cuts the clients off and
replaces the contents: the database holds exactly the backup's rows again, and the safety
backup the later ones. A second restore asked while one runs is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.database_bed import (
    backup_ended,
    backup_of,
    backups_controller,
    deployed,
    new_database,
    new_environment,
    run_in,
)
from tests.support.database_images import ensure_database_images
from tests.support.platform_api import created
from tests.support.proxy import Proxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(480)

PSQL = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", "app", "-tA", "-c"]
WRITE_ROWS = (
    "create table notes (id serial, note text); create table tags (name text); "
    "insert into notes (note) select 'n' || g from generate_series(1, 250) g; "
    "insert into tags values ('a'), ('b')"
)
WRITE_LATER = (
    "insert into notes (note) select 'later' || g from generate_series(1, 50) g; "
    "drop table tags; create table extra (n int); insert into extra values (1)"
)
# A client holding a session, as an app's pool does: the restore must end it.
LINGERING = ["psql", "-X", "-U", "app", "-d", "app", "-c", "select pg_sleep(600)"]
SLEEPERS = (
    "select count(*) from pg_stat_activity "
    "where query like 'select pg_sleep(600)%' and pid <> pg_backend_pid()"
)


# The app's user over TCP, as apps connect (its password from the container's environment).
AS_THE_APP = [
    "sh",
    "-c",
    'MYSQL_PWD="$MARIADB_PASSWORD" mariadb --protocol=tcp -h 127.0.0.1 -u app app -N '
    "-e 'SELECT COUNT(*) FROM notes'",
]
# A client of the app's holding a session, as a pool does: the restore must end it.
MARIADB_LINGERING = [
    "sh",
    "-c",
    'MYSQL_PWD="$MARIADB_PASSWORD" mariadb --protocol=tcp -h 127.0.0.1 -u app app '
    "-e 'SELECT SLEEP(600)'",
]
MARIADB_SLEEPERS = (
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
    "WHERE USER = 'app' AND INFO LIKE 'SELECT SLEEP%'"
)
PHASES = ["QUEUED", "SAFETY_BACKUP", "RESTORING", "VERIFIED"]


def mariadb_sql(query: str) -> list[str]:
    return ["mariadb", "--batch", "--skip-column-names", "app", "-e", query]


@pytest.fixture
async def client(
    platform: httpx.AsyncClient, proxy: Proxy, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    ensure_database_images()
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(proxy.instance, database_url, tmp_path / "backups"),
    ):
        yield platform


async def verified_backup(client: httpx.AsyncClient, service_id: str) -> dict[str, Any]:
    asked = await created(await client.post(f"/services/{service_id}/backups"))
    backup = await backup_ended(client, asked["id"])
    assert backup["phase"] == "VERIFIED", backup["status"]
    return backup


async def restored_in_place(
    client: httpx.AsyncClient, backup: dict[str, Any], slug: str
) -> tuple[dict[str, Any], list[str]]:
    """Asked with the wrong slug (refused), then the right one; a second one meanwhile is 409."""
    url = f"/backups/{backup['id']}/restore-in-place"
    wrong = await client.post(url, json={"confirm": slug + "x"})
    assert wrong.status_code == 422, wrong.text
    assert [e["field"] for e in wrong.json()["errors"]] == ["confirm"]
    restore = await created(await client.post(url, json={"confirm": slug}))
    assert restore["spec"]["in_place"] is True
    assert restore["spec"]["restore_from"] == backup["id"]
    again = await client.post(url, json={"confirm": slug})
    assert again.status_code == 409 and restore["id"] in again.text, again.text
    seen: list[str] = []
    done = await backup_ended(client, restore["id"], seen=seen)
    assert done["phase"] == "VERIFIED", done["status"]
    return done, seen


async def test_a_postgres_restored_in_place_holds_the_backups_rows_and_its_later_ones_are_kept(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    env_id = await new_environment(client)
    db = (await new_database(client, env_id, slug="db", engine="postgres"))["service"]
    served = await deployed(client, db["id"])
    run_in(proxy.instance, served, [*PSQL, WRITE_ROWS])
    backup = await verified_backup(client, db["id"])
    run_in(proxy.instance, served, [*PSQL, WRITE_LATER])
    [container] = sw.running_containers(proxy.instance, uuid.UUID(served))
    container.exec_run(LINGERING, detach=True)
    await eventually(
        lambda: run_in(proxy.instance, served, [*PSQL, SLEEPERS]) == "1",
        timeout=10,
        message="a client session is open",
    )

    restore, seen = await restored_in_place(client, backup, "db")
    assert "SAFETY_BACKUP" in seen and seen == sorted(seen, key=PHASES.index)
    message = restore["status"]["conditions"][0]["message"]
    assert "2 tables, 252 rows, as at its dump" in message
    assert run_in(proxy.instance, served, [*PSQL, "select count(*) from notes"]) == "250"
    assert run_in(proxy.instance, served, [*PSQL, "select count(*) from tags"]) == "2"
    assert run_in(proxy.instance, served, [*PSQL, "select to_regclass('extra')"]) == ""
    assert run_in(proxy.instance, served, [*PSQL, SLEEPERS]) == "0"  # cut off
    listed = run_in(proxy.instance, served, [*PSQL, "select datname from pg_database"])
    assert "zane-restoring" not in listed  # nothing left aside

    safety_id = restore["status"]["details"]["safety_backup_id"]
    assert safety_id in message
    safety = await backup_of(client, safety_id)
    assert (safety["phase"], safety["spec"]["trigger"]) == ("VERIFIED", "safety")
    assert safety["status"]["details"]["tables"] == {"public.notes": 300, "public.extra": 1}
    # Back up now works again once the restore ended (the database is open to its clients).
    assert (await verified_backup(client, db["id"]))["status"]["details"]["tables"] == {
        "public.notes": 250,
        "public.tags": 2,
    }


async def test_a_mariadb_restored_in_place_holds_the_backups_rows_and_its_app_user_is_back(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    env_id = await new_environment(client, "maria")
    made = await new_database(client, env_id, slug="db", engine="mariadb")
    db = made["service"]
    served = await deployed(client, db["id"])
    run_in(
        proxy.instance,
        served,
        mariadb_sql(
            "CREATE TABLE notes (n INT); INSERT INTO notes SELECT seq FROM seq_1_to_250; "
            "CREATE TABLE tags (name TEXT); INSERT INTO tags VALUES ('a'), ('b')"
        ),
    )
    backup = await verified_backup(client, db["id"])
    run_in(
        proxy.instance,
        served,
        mariadb_sql("INSERT INTO notes SELECT seq FROM seq_1_to_50; DROP TABLE tags"),
    )
    [container] = sw.running_containers(proxy.instance, uuid.UUID(served))
    container.exec_run(MARIADB_LINGERING, detach=True)
    await eventually(
        lambda: run_in(proxy.instance, served, mariadb_sql(MARIADB_SLEEPERS)) == "1",
        timeout=10,
        message="a client session is open",
    )

    restore, seen = await restored_in_place(client, backup, "db")
    assert "SAFETY_BACKUP" in seen and seen == sorted(seen, key=PHASES.index)
    assert run_in(proxy.instance, served, mariadb_sql("SELECT COUNT(*) FROM notes")) == "250"
    assert run_in(proxy.instance, served, mariadb_sql("SELECT COUNT(*) FROM tags")) == "2"
    assert run_in(proxy.instance, served, mariadb_sql(MARIADB_SLEEPERS)) == "0"  # cut off
    assert run_in(proxy.instance, served, AS_THE_APP) == "250"  # let back in
    safety = await backup_of(client, restore["status"]["details"]["safety_backup_id"])
    assert safety["phase"] == "VERIFIED"
    assert safety["status"]["details"]["tables"] == {"notes": 300}
