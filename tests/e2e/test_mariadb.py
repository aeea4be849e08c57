"""MariaDB as a user makes it, on the real components: made through the API, deployed by the
real controllers into Swarm, healthy when its app user's query is answered, written by a job
through {{services.db.DATABASE_URL}}; backed up by the real backups controller while it is
being written (the counts and the dump one state), verified by a restore into a scratch server,
and restored into a new database with the same rows, routines and triggers."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.database_bed import (
    backup_ended,
    backups_controller,
    deployed,
    job,
    new_database,
    new_environment,
    run_in,
)
from tests.support.database_images import ensure_database_images
from tests.support.platform_api import created
from tests.support.proxy import Proxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(420)

# The job reads host, port, user, password and database out of the URL, as an app's driver
# does (the generated password needs no unquoting), and gives the password through the
# client's environment.
WRITE_ROWS = r"""
set -eu
rest=${URL#mysql://}
login=${rest%%@*}
address=${rest#*@}
export MYSQL_PWD=${login#*:}
mariadb --host="${address%%:*}" --port="$(echo "${address#*:}" | cut -d/ -f1)" \
  --user="${login%%:*}" --database="${address#*/}" <<'SQL'
CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, note TEXT, data BLOB);
CREATE TABLE tags (name VARCHAR(20));
CREATE TABLE audit (n INT);
CREATE TRIGGER noted AFTER INSERT ON tags FOR EACH ROW INSERT INTO audit VALUES (1);
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE TABLE paired_a (n INT);
CREATE TABLE paired_b (n INT);
INSERT INTO notes (note) SELECT CONCAT('n', seq) FROM seq_1_to_249;
INSERT INTO notes (note, data) VALUES ('it''s a "quote"\nand a line', UNHEX('00FF1F8B5C27'));
INSERT INTO tags VALUES ('a'), ('b');
SQL
"""
# Each transaction adds one row to both tables: any one state of the database has as many
# rows in each, and a dump of another state than the counts' would not restore to them.
WRITE_PAIRS = (
    "while [ ! -e /tmp/stop ]; do mariadb app -e "
    "'START TRANSACTION; INSERT INTO paired_a VALUES (1); INSERT INTO paired_b VALUES (1); "
    "COMMIT'; done"
)
EVERY_COMMAND_LINE = ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"]


def sql(query: str) -> list[str]:
    """A query as the container's root through the socket (no password)."""
    return ["mariadb", "--batch", "--skip-column-names", "app", "-e", query]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
async def client(
    platform: httpx.AsyncClient, proxy: Proxy, database_url: str, tmp_path: Path, root: Path
) -> AsyncIterator[httpx.AsyncClient]:
    ensure_database_images()
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(proxy.instance, database_url, root),
    ):
        yield platform


async def test_a_mariadb_written_through_its_url_is_backed_up_verified_and_restored(
    client: httpx.AsyncClient, root: Path, proxy: Proxy
) -> None:
    images = ensure_database_images()
    env_id = await new_environment(client)
    made = await new_database(client, env_id, slug="db", engine="mariadb")
    assert made["connection"]["url"].startswith("mysql://app:")
    db = made["service"]
    served = await deployed(client, db["id"])  # HEALTHY: its health check's query answered
    await job(client, env_id, "seed", images["mariadb"], WRITE_ROWS)
    assert run_in(proxy.instance, served, sql("SELECT COUNT(*) FROM audit")) == "2"

    [container] = sw.running_containers(proxy.instance, uuid.UUID(served))
    container.exec_run(["sh", "-c", WRITE_PAIRS], detach=True)
    asked = await created(await client.post(f"/services/{db['id']}/backups"))
    backup = await backup_ended(client, asked["id"])
    run_in(proxy.instance, served, ["touch", "/tmp/stop"])

    details = backup["status"]["details"]
    assert backup["phase"] == "VERIFIED", backup["status"]
    tables = details["tables"]
    assert (tables["notes"], tables["tags"], tables["audit"]) == (250, 2, 2)
    assert tables["paired_a"] == tables["paired_b"]  # one state, even while written
    dump = root / details["file"]
    assert dump.name.endswith(".sql.gz") and dump.read_bytes()[:2] == b"\x1f\x8b"
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == details["sha256"]
    assert not list(root.rglob("*.partial"))

    restored = await created(
        await client.post(f"/backups/{asked['id']}/restore", json={"slug": "db2"})
    )
    copy = restored["service"]
    assert copy["spec"]["source"]["engine"] == "mariadb"
    [restore] = (await client.get(f"/services/{copy['id']}/backups")).json()["items"]
    restore = await backup_ended(client, restore["id"], timeout=180)
    assert restore["phase"] == "VERIFIED", restore["status"]
    [deployment] = (await client.get(f"/services/{copy['id']}/deployments")).json()["items"]
    exact = "SELECT HEX(data), note FROM notes WHERE data IS NOT NULL"
    assert run_in(proxy.instance, deployment["id"], sql(exact)) == (
        '00FF1F8B5C27\tit\'s a "quote"\\nand a line'
    )
    assert run_in(proxy.instance, deployment["id"], sql("SELECT twice(21)")) == "42"
    run_in(proxy.instance, deployment["id"], sql("INSERT INTO tags VALUES ('c')"))
    assert run_in(proxy.instance, deployment["id"], sql("SELECT COUNT(*) FROM audit")) == "3"

    password = made["connection"]["password"]
    assert password not in run_in(proxy.instance, served, EVERY_COMMAND_LINE)
    assert "mariadbd" in run_in(proxy.instance, served, EVERY_COMMAND_LINE)


async def test_a_mariadb_keeps_its_rows_over_a_redeploy_and_its_root_has_no_network_login(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    env_id = await new_environment(client, "keep")
    db = (await new_database(client, env_id, slug="db", engine="mariadb"))["service"]
    first = await deployed(client, db["id"])
    run_in(proxy.instance, first, sql("CREATE TABLE t (n INT); INSERT INTO t VALUES (1), (2)"))
    again = await deployed(client, db["id"])  # a new container on the same volume
    assert again != first
    await eventually(
        lambda: len(sw.running_containers(proxy.instance, uuid.UUID(again))) == 1,
        timeout=30,
        message="the redeployed database runs",
    )
    assert run_in(proxy.instance, again, sql("SELECT COUNT(*) FROM t")) == "2"
    [container] = sw.running_containers(proxy.instance, uuid.UUID(again))
    over_tcp = ["mariadb", "--protocol=tcp", "-h", "127.0.0.1", "-u", "root", "-e", "SELECT 1"]
    code, output = container.exec_run(over_tcp)
    assert code != 0 and b"Access denied" in bytes(output)


def test_a_data_directory_of_another_major_version_is_refused_and_left_as_it_was(
    tmp_path: Path,
) -> None:
    """Never a new empty server over someone's data: the container stops, saying why."""
    images = ensure_database_images()
    data = tmp_path / "data"
    (data / "mysql").mkdir(parents=True)
    (data / "mysql_upgrade_info").write_text("11.4.2-MariaDB")
    before = sorted(p.name for p in data.rglob("*"))
    container = sw.client().containers.run(
        images["mariadb"],
        detach=True,
        environment={"MARIADB_PASSWORD": "secret"},
        volumes={str(data): {"bind": "/var/lib/mysql", "mode": "rw"}},
        network_mode="none",
    )
    try:
        assert container.wait(timeout=60)["StatusCode"] == 1
        output = bytes(container.logs()).decode()
    finally:
        container.remove(force=True)
    assert "was made by MariaDB 11.4; this is MariaDB 10.11" in output
    assert sorted(p.name for p in data.rglob("*")) == before
