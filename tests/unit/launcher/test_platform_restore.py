"""`zaneops restore`'s order of steps with a fake Docker (tests/e2e/test_platform_restore.py
runs it on a real installation): refusals come before anything stops, and whatever fails
after the stop, the services are started again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from launcher.platform.restore import (
    DROP_ASIDE,
    DROP_PREVIOUS,
    LIST_COMMAND,
    LOAD_ASIDE,
    MIGRATE_COMMAND,
    SEALED_VALUES,
    SWAP,
    SWAP_BACK,
    PlatformRestore,
    RestoreRefused,
    file_problem,
    key_from_file,
    platform_tables_missing,
    to_stop,
)
from zaneops.adapters.docker.dumps import Ran
from zaneops.common.errors import Unavailable
from zaneops.common.secrets import SecretBox, new_key

KEY = new_key()
LISTING = "\n".join(
    f"215; 1259 16390 TABLE public {t} zane" for t in ("alembic_version", "projects", "services")
)


class Tasks:
    """The platform's tasks: every command succeeds unless told otherwise."""

    def __init__(self, sealed_with: str = KEY, fail: tuple[str, ...] = ()) -> None:
        self.sealed = SecretBox(sealed_with).seal("hunter2")
        self.fail = fail
        self.ran: list[str] = []
        self.scaled: list[tuple[str, int]] = []
        self.replaced: list[str] = []

    def running_task(self, service: str) -> str | None:
        return service

    def run_in(self, container: str, command: list[str], environment: dict[str, str]) -> Ran:
        name = {
            id(LIST_COMMAND): "list",
            id(LOAD_ASIDE): "load",
            id(SEALED_VALUES): "sealed",
            id(SWAP): "swap",
            id(DROP_ASIDE): "drop",
            id(MIGRATE_COMMAND): "migrate",
            id(SWAP_BACK): "swap back",
            id(DROP_PREVIOUS): "drop previous",
        }.get(id(command), "rm")
        self.ran.append(name)
        if name in self.fail:
            return Ran(1, f"{name} failed here")
        output = {"list": LISTING, "sealed": self.sealed + "\n"}.get(name, "")
        return Ran(0, output)

    def read_file(self, container: str, path: str) -> bytes:
        return KEY.encode()

    def copy_in(self, container: str, source: Path, folder: str, name: str) -> None:
        self.ran.append("copy")

    def replicas(self, stack: str) -> dict[str, int]:
        return {"z_postgres": 1, "z_migrate": 1, "z_api": 1, "z_controller-services": 2}

    def scale(self, service: str, replicas: int) -> None:
        self.scaled.append((service, replicas))

    def wait_stopped(self, services: list[str], timeout: float) -> None:
        pass

    def secret_targets(self, secret: str, stack: str) -> dict[str, str]:
        return {"z_api": "zane_secret_key"}

    def replace_secret(
        self, secret: str, value: str, labels: dict[str, str], mounted: dict[str, str]
    ) -> None:
        self.replaced.append(value)
        if "replace" in self.fail and len(self.replaced) == 1:
            raise Unavailable("docker service update failed: here")


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "zaneops-platform.pgdump"
    path.write_bytes(b"PGDMP...")
    return path


def restore(tasks: Tasks) -> PlatformRestore:
    return PlatformRestore("z", tasks, lambda _: None)


def test_a_restore_loads_aside_checks_the_key_then_swaps_migrates_and_restarts(dump: Path) -> None:
    """The load and the key check happen while everything runs; then stop, swap, migrate."""
    tasks = Tasks()
    done = restore(tasks).run(dump, None, None)
    assert tasks.ran == [
        "copy",
        "list",
        "load",
        "sealed",
        "list",
        "swap",
        "migrate",
        "drop previous",
        "rm",
    ]
    assert tasks.scaled == [
        ("z_api", 0),
        ("z_controller-services", 0),
        ("z_api", 1),
        ("z_controller-services", 2),
    ]
    assert done.key_checked and not done.key_replaced


def test_a_backup_sealed_with_another_key_is_refused_before_anything_stops(dump: Path) -> None:
    """The wrong key: the database aside is dropped, no service is scaled, nothing swapped."""
    tasks = Tasks(sealed_with=new_key())
    with pytest.raises(RestoreRefused, match="sealed with another key"):
        restore(tasks).run(dump, None, None)
    assert tasks.scaled == []
    assert "swap" not in tasks.ran and "drop" in tasks.ran


def test_the_key_given_opens_the_backup_and_replaces_the_installations(
    dump: Path, tmp_path: Path
) -> None:
    """--secret-key-file: checked against the backup, then the swarm secret is replaced."""
    other = new_key()
    key_file = tmp_path / "key.txt"
    key_file.write_text(other + "\n")
    tasks = Tasks(sealed_with=other)
    done = restore(tasks).run(dump, key_file, None)
    assert tasks.replaced == [other] and done.key_replaced


def test_a_failed_migration_still_starts_the_services_again(dump: Path) -> None:
    """After the stop, whatever fails, the replicas are given back."""
    tasks = Tasks(fail=("migrate",))
    with pytest.raises(RestoreRefused, match="migrations failed"):
        restore(tasks).run(dump, None, None)
    assert tasks.scaled[-2:] == [("z_api", 1), ("z_controller-services", 2)]


def test_a_failed_migration_puts_the_previous_database_back(dump: Path) -> None:
    """The live database was kept aside by the swap: it is live again, never dropped."""
    tasks = Tasks(fail=("migrate",))
    with pytest.raises(RestoreRefused, match="migrations failed"):
        restore(tasks).run(dump, None, None)
    assert tasks.ran[-3:] == ["migrate", "swap back", "rm"]
    assert "drop previous" not in tasks.ran


def test_a_failed_key_replacement_puts_the_database_and_the_key_back(
    dump: Path, tmp_path: Path
) -> None:
    """Replacing the swarm secret failed half-way: the previous key is put back, and the
    previous database with it (the restored one's secrets open with the other key only)."""
    other = new_key()
    key_file = tmp_path / "key.txt"
    key_file.write_text(other)
    tasks = Tasks(sealed_with=other, fail=("replace",))
    with pytest.raises(Unavailable, match="docker service update failed"):
        restore(tasks).run(dump, key_file, None)
    assert tasks.replaced == [other, KEY]
    assert "swap back" in tasks.ran and "drop previous" not in tasks.ran
    assert tasks.scaled[-2:] == [("z_api", 1), ("z_controller-services", 2)]


def test_a_failed_load_stops_nothing_and_names_the_file(dump: Path) -> None:
    """pg_restore failed: nothing replaced, nothing stopped."""
    tasks = Tasks(fail=("load",))
    with pytest.raises(RestoreRefused, match=f"{dump}: the load failed, nothing was replaced"):
        restore(tasks).run(dump, None, None)
    assert tasks.scaled == []


def test_a_file_that_is_not_a_dump_is_refused_by_its_name(dump: Path) -> None:
    """pg_restore --list refuses it: the message names the file."""
    tasks = Tasks(fail=("list",))
    with pytest.raises(RestoreRefused, match="not a PostgreSQL custom-format dump"):
        restore(tasks).run(dump, None, None)
    assert "load" not in tasks.ran and tasks.scaled == []
    assert tasks.ran[-2:] == ["drop", "rm"]  # its copy removed from the container


def test_file_problems_are_found_before_docker_is_asked(tmp_path: Path) -> None:
    """Missing, empty, or not the sha256 given."""
    assert file_problem(tmp_path / "nope", None) == "no such file"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_problem(empty, None) == "the file is empty"
    some = tmp_path / "some"
    some.write_bytes(b"x")
    assert "sha256" in str(file_problem(some, "0" * 64))
    sha = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert file_problem(some, sha.upper()) is None


def test_a_key_file_that_holds_no_key_is_refused(tmp_path: Path) -> None:
    """Not a Fernet key: refused with the file's name."""
    bad = tmp_path / "key.txt"
    bad.write_text("not a key")
    with pytest.raises(RestoreRefused, match=f"{bad}: not a ZaneOps secret key"):
        key_from_file(bad)


def test_a_dump_of_another_database_is_not_a_platforms() -> None:
    """Its listing lacks the platform's tables."""
    assert platform_tables_missing("1; 2 3 TABLE public orders app\n") == [
        "alembic_version",
        "projects",
        "services",
    ]
    assert platform_tables_missing(LISTING + "\n") == []


def test_only_what_talks_to_the_database_is_stopped() -> None:
    """Postgres, Redis, the proxy and the migrate task stay; a service at 0 stays at 0."""
    stopped = to_stop(
        {"z_postgres": 1, "z_proxy": 1, "z_migrate": 1, "z_api": 1, "z_metrics": 0}, "z"
    )
    assert stopped == {"z_api": 1}


def test_secret_key_export_writes_a_file_only_its_owner_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--output: the key in a 0600 file (an existing, wider one made 0600 first), never on
    stdout; `> file` would leave it as the umask says (world-readable, usually)."""
    from click.testing import CliRunner

    import launcher.platform.restore as restore_module
    import zaneops.adapters.docker.platform_restore as docker_side
    from launcher.cli import main

    monkeypatch.setattr(docker_side, "PlatformTasks", object)
    monkeypatch.setattr(restore_module, "current_key", lambda instance, tasks: KEY)
    out = tmp_path / "zaneops-key.txt"
    out.write_text("old")
    out.chmod(0o644)
    done = CliRunner().invoke(main, ["secret-key", "export", "--output", str(out)])
    assert done.exit_code == 0, done.output
    assert KEY not in done.output
    assert out.read_text() == KEY + "\n"
    assert out.stat().st_mode & 0o777 == 0o600
    assert key_from_file(out) == KEY


def test_the_key_check_reads_sealed_columns_beside_the_specs() -> None:
    """A webhook's token and secret are sealed outside its spec (zane_service_webhooks'
    sealed_token, sealed_secret): a backup whose only sealed values are there is checked too.
    Checked on a real server: a spec's and a sealed_token's values are found, a run's output
    that merely prints the prefix is not read."""
    script = SEALED_VALUES[2]
    assert "column_name = 'spec' AND data_type = 'jsonb'" in script
    assert "column_name LIKE 'sealed%' AND data_type = 'text'" in script


def test_a_terminal_gone_and_a_failed_scale_still_start_every_service_again(dump: Path) -> None:
    """Echo raising (SIGHUP closed the terminal) and one scale failing: each stopped service
    is still scaled back, and the failure is raised once all were tried."""

    class Flaky(Tasks):
        def scale(self, service: str, replicas: int) -> None:
            super().scale(service, replicas)
            if replicas and service == "z_api":
                raise Unavailable("docker service scale failed: here")

    def gone(_: str) -> None:
        raise BrokenPipeError("the terminal is gone")

    tasks = Flaky(fail=("migrate",))
    with pytest.raises(Unavailable, match="scale failed"):
        PlatformRestore("z", tasks, gone).run(dump, None, None)
    assert tasks.scaled[-2:] == [("z_api", 1), ("z_controller-services", 2)]
    assert "swap back" in tasks.ran


class CopyingTasks(Tasks):
    """Keeps the bytes of the file copied into the database's container."""

    def __init__(self, sealed_with: str = KEY) -> None:
        super().__init__(sealed_with)
        self.copied: list[tuple[Path, bytes]] = []

    def copy_in(self, container: str, source: Path, folder: str, name: str) -> None:
        self.copied.append((source, source.read_bytes()))
        super().copy_in(container, source, folder, name)


def _encrypted_for(key: str, data: bytes, path: Path) -> Path:
    from zaneops.adapters.age import sink_for
    from zaneops.common import backup_key

    with path.open("wb") as out, sink_for(out, backup_key.recipient(key)) as sink:
        sink.write(data)
        assert sink.finish().failure is None
    return path


needs_age = pytest.mark.skipif(
    shutil.which("age") is None, reason="the age tool is not installed (tests/infra/up.sh does)"
)


@needs_age
def test_an_encrypted_platform_backup_is_decrypted_with_the_key_before_it_is_loaded(
    tmp_path: Path,
) -> None:
    """The database gets the plaintext dump; the decrypted copy beside the file is removed."""
    encrypted = _encrypted_for(KEY, b"PGDMP the dump", tmp_path / "platform.pgdump.age")
    tasks = CopyingTasks()
    restore(tasks).run(encrypted, None, None)
    [(copied, sent)] = tasks.copied
    assert sent == b"PGDMP the dump"
    assert not copied.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["platform.pgdump.age"]


@needs_age
def test_an_encrypted_backup_of_another_platform_is_refused_naming_the_key_to_pass(
    tmp_path: Path,
) -> None:
    encrypted = _encrypted_for(new_key(), b"PGDMP", tmp_path / "platform.pgdump.age")
    tasks = CopyingTasks()
    with pytest.raises(RestoreRefused, match="could not be decrypted with this installation's key"):
        restore(tasks).run(encrypted, None, None)
    assert tasks.copied == [] and tasks.scaled == []


def test_backup_key_export_writes_the_identity_to_a_new_private_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--output: the age identity derived from the sealing key in a new 0600 file; an
    existing file is refused, never replaced."""
    from click.testing import CliRunner

    import launcher.platform.restore as restore_module
    import zaneops.adapters.docker.platform_restore as docker_side
    from launcher.cli import main
    from zaneops.common import backup_key

    monkeypatch.setattr(docker_side, "PlatformTasks", object)
    monkeypatch.setattr(restore_module, "current_key", lambda instance, tasks: KEY)
    out = tmp_path / "backup-key.txt"
    done = CliRunner().invoke(main, ["backup-key", "export", "--output", str(out)])
    assert done.exit_code == 0, done.output
    assert backup_key.identity(KEY) not in done.output
    assert out.read_text() == backup_key.identity_file_text(KEY)
    assert out.stat().st_mode & 0o777 == 0o600

    out.write_text("kept")
    again = CliRunner().invoke(main, ["backup-key", "export", "--output", str(out)])
    assert again.exit_code != 0 and "already exists, not overwritten" in again.output
    assert out.read_text() == "kept"
