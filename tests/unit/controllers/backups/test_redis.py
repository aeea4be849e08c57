"""Redis's backups (pure, or bash with a stand-in redis-cli): the RDB read for its keys per
database and refused when not whole, the keys with a TTL judged as expiring, the end marker
redis-cli writes to stdout cut away, no password on a command line, and the controller's
choices. tests/e2e/test_redis_backups.py runs them on real servers."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from controllers.backups.controller import ENGINE_BACKUPS
from controllers.backups.rdb import NotWhole, keys_per_database
from controllers.backups.redis import (
    ABANDON_IN_PLACE_SCRIPT,
    COUNT_SCRIPT,
    DUMP_SCRIPT,
    FINISH_IN_PLACE_SCRIPT,
    IN_PLACE,
    LOAD_IN_PLACE_SCRIPT,
    RESTORE_SCRIPT,
    SCRATCH_FLAG,
    judge,
)
from zaneops.adapters.docker.dumps import Ran, RunningContainer, Streamed
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .test_controller import Dumps, Rows, controller, ctx, row

# Written by redis-server 7.0.15 (SAVE): strings (integer, short, LZF), a list with a plain
# node, sets (intset, listpack, table), sorted sets (listpack, skiplist), hashes (listpack,
# table), a stream with a consumer group and a pending entry, a function library, keys with
# a TTL; in db0, db1 and db15.
REAL = Path(__file__).parent / "fixtures" / "redis-7.0.rdb"
REAL_KEYS = {
    "db0": 14,
    "db0 with a TTL": 1,
    "db1": 2,
    "db1 with a TTL": 1,
    "db15": 1,
    "db15 with a TTL": 1,
}
MARK = b"0123456789abcdef0123456789abcdef01234567"
IN_PLACE_SCRIPTS = (LOAD_IN_PLACE_SCRIPT, FINISH_IN_PLACE_SCRIPT, ABANDON_IN_PLACE_SCRIPT)
REDIS_SPEC = {
    "slug": "cache",
    "source": {
        "type": "database",
        "engine": "redis",
        "version": "7",
        "credentials": {"password": "x" * 20},
    },
    "volumes": [{"volume": "cache-data", "container_path": "/data"}],
}


# --- the RDB, read ----------------------------------------------------------------------------


def test_a_real_rdb_is_read_for_its_keys_per_database() -> None:
    assert keys_per_database(REAL) == REAL_KEYS


def test_a_truncated_rdb_is_not_whole_wherever_it_was_cut(tmp_path: Path) -> None:
    whole = REAL.read_bytes()
    cut = tmp_path / "cut.rdb"
    for size in [0, 5, 9, 100, *range(200, len(whole), 397), len(whole) - 8, len(whole) - 1]:
        cut.write_bytes(whole[:size])
        with pytest.raises(NotWhole):
            keys_per_database(cut)


def test_bytes_after_the_checksum_are_refused(tmp_path: Path) -> None:
    """What `redis-cli --rdb -` leaves when its end marker is not cut away."""
    longer = tmp_path / "longer.rdb"
    longer.write_bytes(REAL.read_bytes() + MARK)
    with pytest.raises(NotWhole, match="40 bytes follow the end of the snapshot"):
        keys_per_database(longer)


def _length(n: int) -> bytes:
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return bytes([0x40 | n >> 8, n & 0xFF])
    return b"\x80" + n.to_bytes(4, "big")


def _text(value: bytes) -> bytes:
    return _length(len(value)) + value


def _rdb(version: int, *parts: bytes) -> bytes:
    return f"REDIS{version:04d}".encode() + b"".join(parts) + b"\xff" + bytes(8)


SELECT = b"\xfe"
RESIZE = b"\xfb"
EXPIRE_MS = b"\xfc" + bytes(8)
EXPIRE_S = b"\xfd" + bytes(4)
ID = bytes(16)
# Each: a value type byte, its key and value as RDB versions 9 to 12 write them.
OLD_TYPES = [
    b"\x00" + _text(b"lzf") + b"\xc3" + _length(3) + _length(9) + b"abc",
    b"\x00" + _text(b"int16") + b"\xc1" + b"\x01\x02",
    b"\x00" + _text(b"big") + _text(b"x" * 70_000),  # a 32-bit length, skipped
    b"\x0e" + _text(b"quicklist") + _length(2) + _text(b"zl1") + _text(b"zl2"),
    b"\x03" + _text(b"old-zset") + _length(2) + _text(b"m") + b"\xfe" + _text(b"n") + b"\x031.5",
    b"\x0f"  # a stream of Redis 5: its listpack, length, last ID, a group with a pending entry
    + _text(b"stream1")
    + _length(1)
    + _text(ID)
    + _text(b"lp")
    + _length(2) * 3
    + _length(1)
    + _text(b"group")
    + _length(0) * 2
    + _length(1)
    + ID
    + bytes(8)
    + _length(1)
    + _length(1)
    + _text(b"consumer")
    + bytes(8)
    + _length(1)
    + ID,
]
NEW_TYPES = [
    b"\x14" + _text(b"set-listpack") + _text(b"lp"),
    b"\x15"  # a stream of Redis 7.2: first ID, max deleted, added; a consumer's active time
    + _text(b"stream3")
    + _length(0)
    + _length(1) * 8
    + _length(1)
    + _text(b"group")
    + _length(1) * 3
    + _length(0)
    + _length(1)
    + _text(b"consumer")
    + bytes(16)
    + _length(0),
    b"\x18" + _text(b"hash-ttl") + bytes(8) + _length(1) + _length(5) + _text(b"f") + _text(b"v"),
    b"\x19" + _text(b"hash-ttl-lp") + bytes(8) + _text(b"lp"),
]


def test_the_types_of_other_versions_are_read_with_their_ttls(tmp_path: Path) -> None:
    file = tmp_path / "made.rdb"
    file.write_bytes(
        _rdb(
            12,
            b"\xfa" + _text(b"redis-ver") + _text(b"7.4.0"),
            b"\xf5" + _text(b"#!lua name=lib"),
            SELECT + _length(0) + RESIZE + _length(6) + _length(2),
            EXPIRE_S + OLD_TYPES[0],
            b"\xf8" + _length(5) + b"\xf9\x07" + OLD_TYPES[1],  # LRU idle time, LFU count
            *OLD_TYPES[2:5],
            EXPIRE_MS + OLD_TYPES[5],
            SELECT + _length(5),
            *NEW_TYPES,
        )
    )
    assert keys_per_database(file) == {"db0": 6, "db0 with a TTL": 2, "db5": 4}


def test_a_database_holding_other_keys_than_its_header_says_is_not_whole(tmp_path: Path) -> None:
    file = tmp_path / "lying.rdb"
    file.write_bytes(_rdb(10, SELECT + _length(0) + RESIZE + _length(2) + _length(0), OLD_TYPES[1]))
    with pytest.raises(NotWhole, match="db0 says it has 2 keys"):
        keys_per_database(file)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"PGDMP" + bytes(20), "does not start as an RDB file does"),
        (_rdb(13), "RDB version 13 is newer"),
        (_rdb(10, b"\x07" + _text(b"m") + _length(1)), r"module data \(type 7\)"),
        (_rdb(10, b"\x1c"), "an unknown type 28 at byte 9"),
    ],
)
def test_what_is_not_an_rdb_this_platform_loads_is_refused_saying_why(
    tmp_path: Path, content: bytes, said: str
) -> None:
    file = tmp_path / "x.rdb"
    file.write_bytes(content)
    with pytest.raises(NotWhole, match=said):
        keys_per_database(file)


# --- a restore, judged ---------------------------------------------------------------------


def test_keys_without_a_ttl_are_restored_exactly_and_those_with_one_may_have_expired() -> None:
    dumped = {"db0": 100, "db0 with a TTL": 10, "db2": 3, "db2 with a TTL": 3}
    same = judge(dumped, dict(dumped))
    assert (same.problems, same.summary, same.total) == ([], "2 databases, 103 keys", 103)
    expired = judge(dumped, {"db0": 95, "db0 with a TTL": 5})  # db2's all expired
    assert expired.problems == []
    assert expired.summary == "2 databases, 103 keys (8 with a TTL expired since)"


@pytest.mark.parametrize(
    ("restored", "problem"),
    [
        ({"db0": 99, "db0 with a TTL": 10}, "db0: 90 keys without a TTL at dump time, 89 restored"),
        ({"db0": 110, "db0 with a TTL": 11}, "db0: 10 keys with a TTL at dump time, 11 restored"),
        ({"db0": 100, "db0 with a TTL": 10, "db1": 1}, "db1: not in the backup, yet 1 keys"),
        ({}, "db0: 90 keys without a TTL at dump time, 0 restored"),
    ],
)
def test_a_restore_lacking_or_adding_keys_is_refused_naming_the_database(
    restored: dict[str, int], problem: str
) -> None:
    assert [p for p in judge({"db0": 100, "db0 with a TTL": 10}, restored).problems if problem in p]


# --- the scripts ---------------------------------------------------------------------------


def test_no_redis_command_passes_a_password_on_a_command_line() -> None:
    """redis-cli reads it from REDISCLI_AUTH; -a or AUTH would show it in `ps`."""
    for script in (DUMP_SCRIPT, COUNT_SCRIPT, RESTORE_SCRIPT, *IN_PLACE_SCRIPTS):
        words = script.split()
        assert "-a" not in words and "AUTH" not in words and "--pass" not in words
    assert 'export REDISCLI_AUTH="${REDIS_PASSWORD:-$(cat "$REDIS_PASSWORD_FILE")}"' in DUMP_SCRIPT


def test_the_restore_checks_the_file_before_anything_loads_it() -> None:
    assert RESTORE_SCRIPT.index("redis-check-rdb") < RESTORE_SCRIPT.index("redis-server --port 0")
    assert RESTORE_SCRIPT.index("redis-check-rdb") < RESTORE_SCRIPT.index("DEBUG RELOAD NOSAVE")
    # The live server: refused when it holds keys, the new file renamed over the old one.
    assert RESTORE_SCRIPT.index("not empty") < RESTORE_SCRIPT.index('mv -f "$dir/.zane-restore')


def test_a_restore_in_place_holds_the_writes_until_what_a_restart_reads_is_written() -> None:
    """The file checked before the writes are held; held (not every command: the restore's
    own must go on) before it is placed; let go only after the AOF or RDB is written anew."""
    load = LOAD_IN_PLACE_SCRIPT
    assert load.index("redis-check-rdb") < load.index("\nhold\n") < load.index('mv -f "$dir')
    assert load.index('mv -f "$dir') < load.index("DEBUG RELOAD NOSAVE")
    assert "CLIENT PAUSE 600000 WRITE" in load and "PAUSE ALL" not in load
    finish = FINISH_IN_PLACE_SCRIPT
    assert finish.index("rewritten BGREWRITEAOF") < finish.index("CLIENT UNPAUSE")
    assert finish.index("rewritten BGSAVE") < finish.index("CLIENT UNPAUSE")
    assert "CLIENT UNPAUSE" in ABANDON_IN_PLACE_SCRIPT
    assert not IN_PLACE.keeps_contents_on_failure and not IN_PLACE.recounted


def _fake_cli(folder: Path, stdout: bytes, said: str, code: int = 0) -> dict[str, str]:
    """A redis-cli that writes `stdout` and says `said`, first on the PATH."""
    (folder / "out").write_bytes(stdout)
    (folder / "said").write_text(said)
    cli = folder / "redis-cli"
    cli.write_text(f"#!/bin/sh\ncat '{folder}/out'\ncat '{folder}/said' >&2\nexit {code}\n")
    cli.chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}", "REDIS_PASSWORD": "secret"}


def _dump(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    script = ["bash", "-c", DUMP_SCRIPT]
    return subprocess.run(script, env=env, capture_output=True, timeout=30, check=False)


MARKED = "SYNC sent to master, writing bytes of bulk transfer until EOF marker to '-'\n"


@pytest.mark.parametrize(
    ("stdout", "said"),
    [
        # Redis 7.0's redis-cli: the diskless transfer's end marker follows the snapshot.
        (b"SNAPSHOT" * 9 + MARK, MARKED + "Transfer finished with success after 72 bytes\n"),
        # One that cuts it: the bytes held back are the snapshot's.
        (b"SNAPSHOT" * 9, MARKED + "Transfer finished with success after 72 bytes\n"),
        # A server writing the file first: its length is known up front.
        (b"SNAPSHOT" * 9, "SYNC sent to master, writing 72 bytes to '-'\nTransfer finished.\n"),
        (b"tiny", "SYNC sent to master, writing 4 bytes to '-'\n"),
    ],
)
def test_the_dump_writes_the_snapshot_alone(tmp_path: Path, stdout: bytes, said: str) -> None:
    env = _fake_cli(tmp_path, stdout, said)
    ran = _dump(env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == stdout.removesuffix(MARK)
    assert ran.stderr.decode() == said


@pytest.mark.parametrize(
    ("said", "code", "why"),
    [
        (MARKED + "Transfer finished with success after 30 bytes\n", 0, "30 bytes, 112 came"),
        ("Error: Server closed the connection\n", 1, "Server closed"),
        ("SYNC with master failed: -NOAUTH\n", 0, "did not say how long"),
    ],
)
def test_a_dump_of_another_length_than_said_or_a_failed_one_fails(
    tmp_path: Path, said: str, code: int, why: str
) -> None:
    env = _fake_cli(tmp_path, b"SNAPSHOT" * 9 + MARK, said, code)
    ran = _dump(env)
    assert ran.returncode != 0 and why in ran.stderr.decode()


# --- the controller ----------------------------------------------------------------------------


class RedisDumps(Dumps):
    def __init__(self, payload: bytes, counts: str = "") -> None:
        super().__init__(payload=payload, stderr="Transfer finished with success after 9 bytes")
        self.counts = counts
        self.ran: list[list[str]] = []
        self.scratch: list[dict[str, str]] = []

    async def running_container(self, instance: str, owner: str) -> RunningContainer | None:
        return RunningContainer("c1", "zaneops/redis:7")

    async def stream_to_file(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None = None,
    ) -> Streamed:
        dest.write_bytes(self.payload)
        digest = hashlib.sha256(self.payload).hexdigest()
        return Streamed(0, len(self.payload), digest, self.stderr)

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        self.ran.append(command)
        return Ran(0, self.counts)

    async def start_scratch(self, *args: object) -> str:
        self.scratch.append(args[2])  # type: ignore[arg-type]
        return "scratch"


async def test_a_redis_backup_counts_the_rdbs_keys_and_is_verified_on_a_scratch_server(
    tmp_path: Path,
) -> None:
    service = row(Kind.SERVICES, REDIS_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id)})
    counts = "".join(f"COUNT {name} {n}\n" for name, n in REAL_KEYS.items())
    dumps = RedisDumps(REAL.read_bytes(), counts)
    made = controller(Rows(service, backup), dumps, tmp_path)
    started = await made.reconcile(ctx(), backup)
    assert started.status is not None
    dumped = await made.reconcile(ctx(), _with(backup, started.status))
    assert dumped.status is not None
    details = dumped.status.details
    assert details["phase"] == "VERIFYING", dumped.status
    assert details["file"] == f"{backup.parent_id}/{backup.id}.rdb"
    assert (details["engine"], details["tables"]) == ("redis", REAL_KEYS)

    verified = await made.reconcile(ctx(), _with(backup, dumped.status))
    assert verified.status is not None
    assert verified.status.details["phase"] == "VERIFIED", verified.status
    assert "3 databases, 17 keys, as at dump time" in verified.status.conditions[0].message
    assert verified.status.details["verified_rows"] == 17
    [scratch] = dumps.scratch
    assert scratch[SCRATCH_FLAG] == "1" and len(scratch["REDIS_PASSWORD"]) >= 24
    assert [*ENGINE_BACKUPS["redis"].restore_command, "/tmp/backup.rdb"] in dumps.ran


async def test_a_truncated_snapshot_fails_the_dump_and_leaves_no_file(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, REDIS_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id)})
    dumps = RedisDumps(REAL.read_bytes()[:-100])
    made = controller(Rows(service, backup), dumps, tmp_path)
    started = await made.reconcile(ctx(), backup)
    assert started.status is not None
    failed = await made.reconcile(ctx(), _with(backup, started.status))
    assert failed.status is not None
    condition = failed.status.conditions[0]
    assert (failed.status.details["phase"], condition.reason) == ("FAILED", "DumpFailed")
    assert "the dump is not a whole file: the file ends at byte" in condition.message
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def _with(obj: StoredObject, status: Status) -> StoredObject:
    return StoredObject(**{**obj.__dict__, "status": status})
