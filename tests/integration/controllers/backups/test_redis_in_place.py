"""Redis's restore in place, its scripts run against a real redis-server 7.0 (the image's
version), started as the image's redis-start starts it and alone in a network namespace of its
own, so it is on 127.0.0.1:6379 as in its container: the backup's keys replace the live ones,
the clients' writes are held until the end and then run, and what a restart reads (the AOF
when appendonly is on, else the RDB) holds the backup's keys, even after a kill.
tests/e2e/test_redis_backups.py runs the same through the API and the controllers, in Swarm."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from controllers.backups.engine import counts_of
from controllers.backups.rdb import keys_per_database
from controllers.backups.redis import IN_PLACE, judge

PASSWORD = "a-test-password"
BACKUP_KEYS = {"kept": "as backed up", "changed": "before", "deleted": "still here"}


class Server:
    """A redis-server in its own network namespace; commands run in the same namespace."""

    def __init__(self, data: Path, appendonly: str) -> None:
        self.data, self.appendonly = data, appendonly
        self.holder = subprocess.Popen(
            ["unshare", "-n", "sh", "-c", "ip link set lo up && echo up && exec sleep 600"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.holder.stdout is not None and self.holder.stdout.readline() == "up\n"
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """As redis-start does (the password on the command line here: a test's own)."""
        self.server = subprocess.Popen(
            [
                *self._inside(),
                "redis-server",
                "--requirepass",
                PASSWORD,
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data),
                "--save",
                "60 1",
                "--appendonly",
                self.appendonly,
                "--enable-debug-command",
                "local",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            if self.cli("PING", check=False) == "PONG":
                return
            subprocess.run(["sleep", "0.05"], check=True)
        raise AssertionError("redis-server did not answer")

    def kill(self) -> None:
        """As `docker kill` stops its container: no save on the way out."""
        assert self.server is not None
        self.server.send_signal(signal.SIGKILL)
        self.server.wait()

    def run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ["PATH"], "REDIS_PASSWORD": PASSWORD}
        inside = [*self._inside(), *command]
        return subprocess.run(
            inside, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def cli(self, *words: str, check: bool = True) -> str:
        ran = self.run(["redis-cli", "--no-auth-warning", "-a", PASSWORD, *words])
        assert ran.returncode == 0 or not check, ran.stderr
        return ran.stdout.strip()

    def step(self, command: list[str], *arguments: str) -> None:
        ran = self.run([*command, *arguments])
        assert ran.returncode == 0, ran.stdout + ran.stderr

    def keys(self) -> dict[str, str]:
        names = self.cli("KEYS", "*").split()
        return {name: self.cli("GET", name) for name in names}

    def close(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.kill()
        self.holder.kill()
        self.holder.wait()

    def _inside(self) -> list[str]:
        return ["nsenter", "-t", str(self.holder.pid), "-n"]


@pytest.fixture(params=["no", "yes"], ids=["rdb", "aof"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "data").mkdir()
    started = Server(tmp_path / "data", request.param)
    try:
        started.start()
        yield started
    finally:
        started.close()


def backed_up(server: Server, folder: Path) -> Path:
    """The backup's keys written (one with a TTL), saved, and the RDB copied aside."""
    for name, value in BACKUP_KEYS.items():
        server.cli("SET", name, value)
    server.cli("SET", "expiring", "soon", "EX", "86400")
    server.cli("SAVE")
    backup = folder / "backup.rdb"
    backup.write_bytes((server.data / "dump.rdb").read_bytes())
    return backup


def written_since(server: Server) -> None:
    server.cli("SET", "changed", "after")
    server.cli("SET", "added", "after")
    server.cli("DEL", "deleted")


def the_backups_keys() -> dict[str, str]:
    return {**BACKUP_KEYS, "expiring": "soon"}


def test_the_live_server_holds_the_backups_keys_and_keeps_them_across_a_kill(
    server: Server, tmp_path: Path
) -> None:
    """Loaded, counted as the backup's, written to what a restart reads: a restart (killed,
    no save) brings the backup's keys back, never the ones written after it."""
    backup = backed_up(server, tmp_path)
    written_since(server)

    server.step(IN_PLACE.load_command, str(backup))
    assert server.keys() == the_backups_keys()
    counted = server.run(IN_PLACE.count_command)
    verdict = judge(keys_per_database(backup), counts_of(counted.stdout))
    assert verdict.problems == [] and verdict.summary == "1 database, 4 keys"
    server.step(IN_PLACE.finish_command)

    server.kill()
    server.start()
    assert server.keys() == the_backups_keys()
    assert 86000 < int(server.cli("TTL", "expiring")) <= 86400


def test_clients_writes_wait_until_the_finish_and_then_run_on_the_restored_keys(
    server: Server, tmp_path: Path
) -> None:
    backup = backed_up(server, tmp_path)
    server.step(IN_PLACE.load_command, str(backup))
    writer = subprocess.Popen(
        [*server._inside(), "redis-cli", "--no-auth-warning", "-a", PASSWORD, "SET", "kept", "w"],
        stdout=subprocess.PIPE,
        text=True,
    )
    with pytest.raises(subprocess.TimeoutExpired):
        writer.wait(timeout=0.5)  # held: the load is counted as the backup's
    assert server.cli("GET", "kept") == "as backed up"  # reads go on
    server.step(IN_PLACE.finish_command)
    assert writer.communicate(timeout=10)[0].strip() == "OK"
    assert server.cli("GET", "kept") == "w"


def test_each_step_run_again_after_a_crash_gives_the_same_contents(
    server: Server, tmp_path: Path
) -> None:
    backup = backed_up(server, tmp_path)
    written_since(server)
    for _ in range(2):
        server.step(IN_PLACE.load_command, str(backup))
    for _ in range(2):
        server.step(IN_PLACE.finish_command)
    server.kill()
    server.start()
    assert server.keys() == the_backups_keys()


def test_abandoning_lets_the_writes_go_on(server: Server, tmp_path: Path) -> None:
    backup = backed_up(server, tmp_path)
    server.step(IN_PLACE.load_command, str(backup))
    server.step(IN_PLACE.abandon_command)
    server.step(IN_PLACE.abandon_command)  # again after a crash: nothing held, still fine
    assert server.cli("SET", "added", "x") == "OK"


def test_a_broken_file_is_refused_before_any_key_is_touched(server: Server, tmp_path: Path) -> None:
    backup = backed_up(server, tmp_path)
    written_since(server)
    broken = tmp_path / "broken.rdb"
    broken.write_bytes(backup.read_bytes()[:-20])
    ran = server.run([*IN_PLACE.load_command, str(broken)])
    assert ran.returncode != 0 and "redis-check-rdb: the file is not a whole RDB" in ran.stderr
    assert server.cli("GET", "changed") == "after"
    assert server.cli("SET", "x", "y") == "OK"  # nothing held


def test_with_an_aof_a_load_not_followed_by_its_rewrite_is_lost_at_the_next_start(
    tmp_path: Path,
) -> None:
    """Why the finish rewrites the AOF: a restart reads the AOF, not the RDB just loaded."""
    (tmp_path / "data").mkdir()
    server = Server(tmp_path / "data", "yes")
    try:
        server.start()
        backup = backed_up(server, tmp_path)
        written_since(server)
        server.step(IN_PLACE.load_command, str(backup))
        server.kill()
        server.start()
        assert server.cli("GET", "changed") == "after"
    finally:
        server.close()


def test_a_save_running_when_the_load_starts_cannot_bring_the_old_keys_back(
    tmp_path: Path,
) -> None:
    """A background save of the previous keys, slowed down, still running when the load
    starts: the load waits for it, so its file never lands over the restored one."""
    (tmp_path / "data").mkdir()
    server = Server(tmp_path / "data", "no")
    try:
        server.start()
        backup = backed_up(server, tmp_path)
        written_since(server)
        server.cli("CONFIG", "SET", "rdb-key-save-delay", "200000")  # 0.2 s a key: 1 s
        server.cli("BGSAVE")
        server.cli("CONFIG", "SET", "rdb-key-save-delay", "0")  # the child keeps its delay
        server.step(IN_PLACE.load_command, str(backup))
        assert server.cli("INFO", "persistence").count("rdb_bgsave_in_progress:0") == 1
        server.step(IN_PLACE.finish_command)
        server.kill()
        server.start()
        assert server.keys() == the_backups_keys()
    finally:
        server.close()
