"""Redis as a user makes it, on the real components: made through the API, deployed by the real
controllers into Swarm, written by a job through {{services.db.DATABASE_URL}} in two logical
databases (one with keys that have a TTL); backed up by the real backups controller while
another database is being written (the RDB is one point in time, its counts the file's own),
verified by a scratch redis-server loading it, and restored into a new database holding the
same keys, values and TTLs; or in place, into the same running server (its AOF on, as a user
may set it), after a safety backup. A truncated or corrupt RDB is never called verified."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from controllers.backups.controller import BackupsController
from controllers.backups.settings import BackupsSettings
from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.database_bed import (
    backup_ended,
    backup_of,
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
from zaneops.adapters.docker.dumps import DatabaseDumps
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

pytestmark = pytest.mark.timeout(420)

# The job reads host, port and password out of the URL, as an app's client does, and gives
# the password through redis-cli's environment; the commands go on its stdin.
WRITE_KEYS = r"""
set -eu
rest=${URL#redis://default:}
export REDISCLI_AUTH=${rest%%@*}
address=${rest#*@}
{
  for i in $(seq 1 250); do echo "SET note:$i n$i"; done
  echo 'HSET user:1 name ada role admin'
  echo 'RPUSH queue a b c'
  printf '%s\n' 'SET quote "it'"'"'s a \"quote\"\nand a line"'
  echo 'SELECT 4'
  for i in $(seq 1 20); do echo "SET session:$i s$i EX 86400"; done
  echo 'SET forever yes'
} | redis-cli --no-auth-warning -h "${address%%:*}" -p "$(echo "${address#*:}" | cut -d/ -f1)"
"""
# Another database written all along the backup: the snapshot is one point in time.
WRITE_ON = (
    "export REDISCLI_AUTH=$REDIS_PASSWORD; i=0; while [ ! -e /tmp/stop ]; do i=$((i + 1)); "
    "redis-cli --no-auth-warning -n 9 SET w:$i x >/dev/null; done"
)
EVERY_COMMAND_LINE = ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"]
FIXTURE = Path(__file__).parents[1] / "unit" / "controllers" / "backups" / "fixtures"
REAL = FIXTURE / "redis-7.0.rdb"  # written by the same redis-server 7.0 as the image's
REAL_KEYS = {"db0": 14, "db0 with a TTL": 1, "db1": 2, "db1 with a TTL": 1}
REAL_KEYS |= {"db15": 1, "db15 with a TTL": 1}


def cli(*command: str, db: int = 0) -> list[str]:
    """redis-cli in the database's container, its password from the container's own variable."""
    words = " ".join(f"'{part}'" for part in command)
    script = f"REDISCLI_AUTH=$REDIS_PASSWORD redis-cli --no-auth-warning -n {db} {words}"
    return ["sh", "-c", script]


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


async def test_a_redis_written_through_its_url_is_backed_up_verified_and_restored(
    client: httpx.AsyncClient, root: Path, proxy: Proxy
) -> None:
    images = ensure_database_images()
    env_id = await new_environment(client)
    made = await new_database(client, env_id, slug="db", engine="redis")
    assert made["connection"]["url"].startswith("redis://default:")
    db = made["service"]
    served = await deployed(client, db["id"])
    await job(client, env_id, "seed", images["redis"], WRITE_KEYS)
    assert run_in(proxy.instance, served, cli("DBSIZE", db=4)) == "21"

    [container] = sw.running_containers(proxy.instance, uuid.UUID(served))
    container.exec_run(["sh", "-c", WRITE_ON], detach=True)
    asked = await created(await client.post(f"/services/{db['id']}/backups"))
    backup = await backup_ended(client, asked["id"])
    run_in(proxy.instance, served, ["touch", "/tmp/stop"])

    details = backup["status"]["details"]
    assert backup["phase"] == "VERIFIED", backup["status"]
    tables = details["tables"]
    assert (tables["db0"], tables["db4"], tables["db4 with a TTL"]) == (253, 21, 20)
    assert tables["db9"] > 0  # written meanwhile: whatever the snapshot holds, counted in it
    keys = sum(n for name, n in tables.items() if "TTL" not in name)
    message = backup["status"]["conditions"][0]["message"]
    assert f"restored into a scratch server: 3 databases, {keys} keys" in message
    dump = root / details["file"]
    assert dump.name.endswith(".rdb") and dump.read_bytes()[:9] == b"REDIS0010"
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == details["sha256"]
    assert not list(root.rglob("*.partial"))

    restored = await created(
        await client.post(f"/backups/{asked['id']}/restore", json={"slug": "db2"})
    )
    copy = restored["service"]
    assert copy["spec"]["source"]["engine"] == "redis"
    [restore] = (await client.get(f"/services/{copy['id']}/backups")).json()["items"]
    restore = await backup_ended(client, restore["id"], timeout=180)
    assert restore["phase"] == "VERIFIED", restore["status"]
    assert f"3 databases, {keys} keys" in restore["status"]["conditions"][0]["message"]
    [deployment] = (await client.get(f"/services/{copy['id']}/deployments")).json()["items"]
    new = deployment["id"]
    assert run_in(proxy.instance, new, cli("GET", "quote")) == 'it\'s a "quote"\nand a line'
    assert run_in(proxy.instance, new, cli("HGET", "user:1", "role")) == "admin"
    assert run_in(proxy.instance, new, cli("LRANGE", "queue", "0", "-1")) == "a\nb\nc"
    assert 86000 < int(run_in(proxy.instance, new, cli("TTL", "session:7", db=4))) <= 86400
    assert run_in(proxy.instance, new, cli("TTL", "forever", db=4)) == "-1"
    assert run_in(proxy.instance, new, cli("DBSIZE")) == "253"
    # Its data folder holds the backup: a restart loads it again.
    assert run_in(proxy.instance, new, ["ls", "/data"]) == "dump.rdb"

    password = made["connection"]["password"]
    assert password not in run_in(proxy.instance, served, EVERY_COMMAND_LINE)
    assert "redis-server" in run_in(proxy.instance, served, EVERY_COMMAND_LINE)


# Every key of db0 and db4 with its serialized value (DUMP, in hex) and whether it expires.
EVERY_KEY = r"""
export REDISCLI_AUTH=$REDIS_PASSWORD
for db in 0 4; do
  for key in $(redis-cli --no-auth-warning -n $db --scan | sort); do
    value=$(redis-cli --no-auth-warning -n $db DUMP "$key" | od -An -tx1 | tr -d ' \n')
    ttl=$(redis-cli --no-auth-warning -n $db TTL "$key")
    echo "$db $key $value $([ "$ttl" -gt 0 ] && echo expires || echo "$ttl")"
  done
done
"""
WRITE_FEW = (
    "SET note:1 n1",
    "SET note:2 n2",
    "HSET user:1 name ada role admin",
    "RPUSH queue a b c",
    "SELECT 4",
    "SET session:1 s1 EX 86400",
    "SET session:2 s2 EX 86400",
    "SET forever yes",
)
CHANGE_AFTER = ("SET note:1 changed", "SET added x", "DEL user:1", "SELECT 4", "DEL session:2")


def answers(container: Any) -> bool:
    return bool(container.exec_run(["redis-health"]).exit_code == 0)


def piped(commands: tuple[str, ...]) -> list[str]:
    lines = "\n".join(commands)
    script = f"printf '%s\\n' '{lines}' | REDISCLI_AUTH=$REDIS_PASSWORD redis-cli --no-auth-warning"
    return ["sh", "-c", script]


async def test_a_redis_restored_in_place_holds_the_backups_keys_and_keeps_them_across_a_kill(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    """With appendonly on (the user's command): the same container, never restarted, holds
    exactly the backup's keys and values after a verified safety backup of the later ones;
    killed, Swarm starts it again on its AOF, which the restore rewrote: the backup's keys."""
    env_id = await new_environment(client, "inplace")
    db = (await new_database(client, env_id, slug="db", engine="redis"))["service"]
    aof = {**db["spec"], "command": ["redis-start", "--appendonly", "yes"]}
    put = await client.put(
        f"/services/{db['id']}", json=aof, headers={"If-Match": f'"{db["generation"]}"'}
    )
    assert put.status_code == 200, put.text
    served = await deployed(client, db["id"])
    assert run_in(proxy.instance, served, cli("CONFIG", "GET", "appendonly")) == "appendonly\nyes"
    run_in(proxy.instance, served, piped(WRITE_FEW))
    backed_up = run_in(proxy.instance, served, ["sh", "-c", EVERY_KEY])
    asked = await created(await client.post(f"/services/{db['id']}/backups"))
    backup = await backup_ended(client, asked["id"])
    assert backup["phase"] == "VERIFIED", backup["status"]
    run_in(proxy.instance, served, piped(CHANGE_AFTER))
    [before] = sw.running_containers(proxy.instance, uuid.UUID(served))

    url = f"/backups/{asked['id']}/restore-in-place"
    restore = await created(await client.post(url, json={"confirm": "db"}))
    seen: list[str] = []
    done = await backup_ended(client, restore["id"], timeout=180, seen=seen)
    assert done["phase"] == "VERIFIED", done["status"]
    assert seen[-3:] == ["SAFETY_BACKUP", "RESTORING", "VERIFIED"]
    assert "2 databases, 7 keys" in done["status"]["conditions"][0]["message"]
    safety = await backup_of(client, done["status"]["details"]["safety_backup_id"])
    assert (safety["phase"], safety["spec"]["trigger"]) == ("VERIFIED", "safety")
    assert safety["status"]["details"]["tables"] == {"db0": 4, "db4": 2, "db4 with a TTL": 1}
    assert run_in(proxy.instance, served, ["sh", "-c", EVERY_KEY]) == backed_up
    [after] = sw.running_containers(proxy.instance, uuid.UUID(served))
    assert after.id == before.id  # loaded by the running server: no new task, nothing empty
    assert run_in(proxy.instance, served, cli("SET", "written", "after")) == "OK"  # let go

    after.kill()

    def restarted() -> bool:
        found = sw.running_containers(proxy.instance, uuid.UUID(served))
        return bool(found) and found[0].id != before.id and answers(found[0])

    await eventually(restarted, timeout=90, every=0.5, message="Swarm started it again")
    now = run_in(proxy.instance, served, ["sh", "-c", EVERY_KEY]).splitlines()
    assert [line for line in now if " written " not in line] == backed_up.splitlines()
    assert run_in(proxy.instance, served, cli("GET", "written")) == "after"


class OnlyTheBackup:
    """The store as the verification reads it: the backup row alone (no service: no retention)."""

    async def get(self, kind: Kind, object_id: uuid.UUID) -> StoredObject | None:
        return None


def verifying(root: Path, name: str, content: bytes, image: str) -> StoredObject:
    """A backup row whose dump `name` is `content`, recorded with the real file's keys."""
    (root / name).write_bytes(content)
    details = {
        "phase": "VERIFYING",
        "file": name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "image": image,
        "engine": "redis",
        "tables": REAL_KEYS,
    }
    now = datetime.now(UTC)
    return StoredObject(
        kind=Kind.BACKUPS,
        id=uuid.uuid4(),
        spec={"service_id": str(uuid.uuid4())},
        generation=1,
        status=Status(details=details),
        finalizers=(),
        deleted_at=None,
        created_at=now,
        updated_at=now,
        parent_id=uuid.uuid4(),
    )


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda whole: whole[: len(whole) // 2], "Unexpected EOF"),
        (lambda whole: whole.replace(b"hello", b"hellp", 1), "CRC error"),  # a value's byte
    ],
    ids=["truncated", "a value changed"],
)
async def test_a_truncated_or_corrupt_rdb_is_failed_by_the_scratch_check(
    tmp_path: Path, damage: Callable[[bytes], bytes], said: str
) -> None:
    """Its sha256 recorded as its own (as if dumped so): redis-check-rdb in the scratch
    server refuses it; the whole file, checked the same way, is verified."""
    image = ensure_database_images()["redis"]
    dumps = DatabaseDumps()
    installation = InstallationSettings.model_construct(instance=f"t-{uuid.uuid4().hex[:8]}")
    checker = BackupsController(
        installation,
        BackupsSettings(root=tmp_path),
        OnlyTheBackup(),
        dumps,  # type: ignore[arg-type]
    )
    ctx = Context(key=Key(Kind.BACKUPS, uuid.uuid4()), ensure_leader=lambda: None)
    whole = REAL.read_bytes()
    try:
        broken = await checker.reconcile(
            ctx, verifying(tmp_path, "broken.rdb", damage(whole), image)
        )
        good = await checker.reconcile(ctx, verifying(tmp_path, "whole.rdb", whole, image))
    finally:
        dumps.close()
    assert broken.status is not None and good.status is not None
    condition = broken.status.conditions[0]
    assert (broken.status.details["phase"], condition.reason) == ("FAILED", "RestoreFailed")
    assert "redis-check-rdb: the file is not a whole RDB" in condition.message
    assert said in condition.message
    assert good.status.details["phase"] == "VERIFIED", good.status
    assert "3 databases, 17 keys" in good.status.conditions[0].message
    leftover = sw.client().containers.list(
        all=True, filters={"label": f"zane.instance={installation.instance}"}
    )
    assert leftover == []
