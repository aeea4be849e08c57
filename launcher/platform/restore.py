"""`zaneops restore`: the platform's own database replaced by a backup of it (a file made by
the backups controller, downloaded from the dashboard), on a machine where `zaneops up` ran.

The order makes a refusal cheap and a failure harmless: the file is checked and loaded into a
database aside while everything still runs, and a sealed value of it is opened with the key
that will be used. Only then are the API and the controllers stopped (scaled to 0, their
replicas remembered), the loaded database swapped in for the live one (kept, renamed), the
migrations run (a backup of an older version is upgraded) and the sealing key replaced if one
was given; only then is the previous database dropped. If the migrations or the key's
replacement fail, the previous database is live again (and the previous key put back).
Whatever happens after the stop, the services are scaled back. The controllers then converge
the world to the restored specs.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from launcher.platform.secrets import secret_name
from launcher.platform.stack_parts import SEALING_KEY, labels
from zaneops.adapters.age import AgeFailed, decrypt, is_encrypted
from zaneops.adapters.docker.dumps import Ran
from zaneops.common import backup_key
from zaneops.common.errors import Unavailable
from zaneops.common.secrets import SEALED_PREFIX, SecretBox, SecretsUnavailable

Echo = Callable[[str], None]
Decrypt = Callable[[str, Path, Path, float], None]  # identity, source, dest, timeout
DECRYPT_TIMEOUT = 3600.0

ASIDE = "zane-platform-restoring"  # a hyphen: a name `zaneops up` never gives a database
# The live database, renamed while the restored one is migrated: dropped once the restore is
# done, renamed back if the migrations or the key's replacement fail.
PREVIOUS = "zane-platform-previous"
IN_CONTAINER = "/tmp/zane-platform-restore.pgdump"
# Left running: the database itself, what holds no connection to it (Redis, the proxy,
# Prometheus), and the migrate task (the migrations run in it). Everything else is stopped
# while the database is swapped.
KEPT_RUNNING = ("postgres", "redis", "redis-logs", "proxy", "migrate", "metrics")
# Tables every platform database has had since its first migration.
PLATFORM_TABLES = ("alembic_version", "projects", "services")

_PSQL = 'psql -X -q -At -v ON_ERROR_STOP=1 -U "$POSTGRES_USER"'
_MAINTENANCE = (
    f'{_PSQL} -d postgres -v db="$POSTGRES_DB" -v owner="$POSTGRES_USER" -v aside={ASIDE} '
    f"-v previous={PREVIOUS}"
)
# `has db` prints 1 when the database the psql variable names exists.
_HAS = f"""has() {{ echo "SELECT 1 FROM pg_database WHERE datname = :'$1'" | {_MAINTENANCE}; }}"""
# The sessions still open on the live database (none should be: its clients are stopped).
_CUT_OFF = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = :'db' AND pid <> pg_backend_pid();"
)

LIST_COMMAND = ["pg_restore", "--list", IN_CONTAINER]

LOAD_ASIDE = [
    "bash",
    "-c",
    f"""set -eu
{_MAINTENANCE} <<'SQL'
DROP DATABASE IF EXISTS :"aside" WITH (FORCE);
CREATE DATABASE :"aside" OWNER :"owner" TEMPLATE template0 ENCODING 'UTF8';
SQL
pg_restore --exit-on-error --no-owner --single-transaction -U "$POSTGRES_USER" -d {ASIDE} \
  {IN_CONTAINER}""",
]

# One sealed value of each table's jsonb spec and of each `sealed*` text column (a webhook's
# token and secret are kept outside its spec), whichever tables the backup's version had.
# Fernet tokens are URL-safe base64: the match stops at a JSON string's closing quote.
SEALED_VALUES = [
    "bash",
    "-c",
    f"""set -eu
{_PSQL} -d {ASIDE} <<'SQL'
SELECT format('SELECT (regexp_match(%I::text, %L))[1] FROM %I.%I WHERE %I::text LIKE %L '
  'LIMIT 1', column_name, '({SEALED_PREFIX}[A-Za-z0-9_=-]+)', table_schema, table_name,
  column_name, '%{SEALED_PREFIX}%')
FROM information_schema.columns
WHERE table_schema = 'public' AND ((column_name = 'spec' AND data_type = 'jsonb')
  OR (column_name LIKE 'sealed%' AND data_type = 'text')) \\gexec
SQL""",
]

# The live database is kept, renamed, until the restored one is migrated; both renames in one
# transaction (no moment without a live database). With no live database (dropped by hand),
# the loaded one is renamed.
SWAP = [
    "bash",
    "-c",
    f"""set -eu
{_HAS}
[ "$(has aside)" = 1 ] || {{ echo "the loaded database is gone" >&2; exit 3; }}
if [ "$(has db)" = 1 ]; then
{_MAINTENANCE} <<'SQL'
DROP DATABASE IF EXISTS :"previous" WITH (FORCE);
{_CUT_OFF}
BEGIN;
ALTER DATABASE :"db" RENAME TO :"previous";
ALTER DATABASE :"aside" RENAME TO :"db";
COMMIT;
SQL
else
echo 'ALTER DATABASE :"aside" RENAME TO :"db";' | {_MAINTENANCE}
fi""",
]

# The restore failed after the swap: the previous database is the live one again, the
# restored one dropped.
SWAP_BACK = [
    "bash",
    "-c",
    f"""set -eu
{_HAS}
[ "$(has previous)" = 1 ] || {{ echo "the previous database is gone" >&2; exit 3; }}
{_MAINTENANCE} <<'SQL'
DROP DATABASE IF EXISTS :"aside" WITH (FORCE);
{_CUT_OFF}
BEGIN;
ALTER DATABASE :"db" RENAME TO :"aside";
ALTER DATABASE :"previous" RENAME TO :"db";
COMMIT;
DROP DATABASE :"aside" WITH (FORCE);
SQL""",
]

# The restore is done: the previous database goes (only while the restored one is live).
DROP_PREVIOUS = [
    "bash",
    "-c",
    f"""set -eu
{_HAS}
[ "$(has db)" = 1 ] || {{ echo "the live database is gone" >&2; exit 3; }}
echo 'DROP DATABASE IF EXISTS :"previous" WITH (FORCE);' | {_MAINTENANCE}""",
]

# Only while the live database is there: a half-done swap keeps the loaded one.
DROP_ASIDE = [
    "bash",
    "-c",
    f"""set -eu
{_HAS}
[ "$(has db)" = 1 ] || exit 0
echo 'DROP DATABASE IF EXISTS :"aside" WITH (FORCE);' | {_MAINTENANCE}""",
]

MIGRATE_COMMAND = ["zaneops", "migrate"]


class RestoreRefused(Exception):
    """What is wrong, in words for the person who ran the command (names the file)."""


class TasksPort(Protocol):
    """zaneops.adapters.docker.platform_restore.PlatformTasks."""

    def running_task(self, service: str) -> str | None: ...
    def run_in(self, container: str, command: list[str], environment: dict[str, str]) -> Ran: ...
    def read_file(self, container: str, path: str) -> bytes: ...
    def copy_in(self, container: str, source: Path, folder: str, name: str) -> None: ...
    def replicas(self, stack: str) -> dict[str, int]: ...
    def scale(self, service: str, replicas: int) -> None: ...
    def wait_stopped(self, services: list[str], timeout: float) -> None: ...
    def secret_targets(self, secret: str, stack: str) -> dict[str, str]: ...
    def replace_secret(
        self, secret: str, value: str, labels: dict[str, str], mounted: dict[str, str]
    ) -> None: ...


@dataclass(frozen=True)
class Restored:
    tables: int
    load_seconds: float
    total_seconds: float
    restarted: dict[str, int]
    key_checked: bool
    key_replaced: bool


def file_problem(path: Path, sha256: str | None) -> str | None:
    """Why `path` cannot be a backup to restore (before anything is asked of Docker)."""
    if not path.is_file():
        return "no such file"
    if path.stat().st_size == 0:
        return "the file is empty"
    if sha256 is not None and _sha256_of(path) != sha256.strip().lower():
        return "its sha256 is not the one given (a changed or partial download?)"
    return None


def key_from_file(path: Path) -> str:
    """The key in `path` (as `zaneops secret-key export` wrote it), checked to be one."""
    try:
        key = path.read_text().strip()
        SecretBox(key)
    except OSError as exc:
        raise RestoreRefused(f"{path}: cannot be read ({exc.strerror})") from exc
    except (ValueError, SecretsUnavailable) as exc:
        raise RestoreRefused(f"{path}: not a ZaneOps secret key ({exc})") from exc
    return key


def platform_tables_missing(listing: str) -> list[str]:
    """Which of the platform's tables a `pg_restore --list` does not name."""
    return [t for t in PLATFORM_TABLES if f" TABLE public {t} " not in listing]


def sealed_values(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(SEALED_PREFIX)]


def opens_with(key: str, sealed: list[str]) -> bool:
    box = SecretBox(key)
    try:
        for value in sealed:
            box.open(value)
    except SecretsUnavailable:
        return False
    return True


@contextlib.contextmanager
def plaintext_of(path: Path, key: str, whose: str, decrypt_with: Decrypt) -> Iterator[Path]:
    """The dump in `path`: the file itself, or (an encrypted backup) its copy decrypted with
    the backup key derived from `key`, in a private folder beside it, removed after."""
    if not is_encrypted(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=".zane-restore-", dir=path.parent) as private:
        plain = Path(private) / "platform.pgdump"
        try:
            decrypt_with(backup_key.identity(key), path, plain, DECRYPT_TIMEOUT)
        except AgeFailed as exc:
            raise RestoreRefused(
                f"{path}: the backup file could not be decrypted with {whose} ({exc}). Nothing "
                "was replaced. Pass --secret-key-file with the key `zaneops secret-key export` "
                "wrote on the machine it comes from."
            ) from None
        yield plain


def sealing_secret(instance: str) -> str:
    return secret_name(instance, next(iter(SEALING_KEY)))


def current_key(instance: str, tasks: TasksPort) -> str:
    """The installation's key, read from a running task that mounts it (never printed here)."""
    for service, target in tasks.secret_targets(sealing_secret(instance), instance).items():
        container = tasks.running_task(service)
        if container is not None:
            return tasks.read_file(container, f"/run/secrets/{target}").decode().strip()
    raise RestoreRefused(
        f"the sealing key of instance {instance} cannot be read: none of the tasks that "
        "mount it (the API, the controllers) is running"
    )


def to_stop(replicas: dict[str, int], instance: str) -> dict[str, int]:
    """The services stopped while the database is swapped, with their replicas to restore."""
    kept = {f"{instance}_{name}" for name in KEPT_RUNNING}
    return {name: count for name, count in replicas.items() if name not in kept and count > 0}


class PlatformRestore:
    def __init__(
        self,
        instance: str,
        tasks: TasksPort,
        echo: Echo,
        stop_timeout: float = 120,
        decrypt_with: Decrypt = decrypt,
    ):
        self.instance = instance
        self.tasks = tasks
        self._echo = echo
        self.stop_timeout = stop_timeout
        self._decrypt_with = decrypt_with

    def echo(self, text: str) -> None:
        """Said to the person; a terminal gone (SIGHUP, a closed pipe) stops nothing here."""
        with contextlib.suppress(OSError):
            self._echo(text)

    def _service(self, component: str) -> str:
        return f"{self.instance}_{component}"

    def run(self, path: Path, key_file: Path | None, sha256: str | None) -> Restored:
        began = time.monotonic()
        problem = file_problem(path, sha256)
        if problem:
            raise RestoreRefused(f"{path}: {problem}")
        new_key = key_from_file(key_file) if key_file else None
        postgres = self._running("postgres", "the platform's database")
        key = new_key or self._current_key()
        whose = "the key in " + str(key_file) if key_file else "this installation's key"
        with plaintext_of(path, key, whose, self._decrypt_with) as dump:
            self._load_aside(path, dump, postgres)
        loaded = time.monotonic() - began
        try:
            sealed = self._sealed(path, postgres)
            if sealed and not opens_with(key, sealed):
                raise RestoreRefused(
                    f"{path}: this backup was sealed with another key: {whose} does not open "
                    "its secrets. Nothing was replaced. Pass --secret-key-file with the key "
                    "`zaneops secret-key export` wrote on the machine it comes from."
                )
        except BaseException:
            self._drop_aside(postgres)
            raise
        tables = len(self._tables_of(path, postgres))
        restarted = self._swap_while_stopped(postgres, new_key)
        return Restored(
            tables=tables,
            load_seconds=round(loaded, 3),
            total_seconds=round(time.monotonic() - began, 3),
            restarted=restarted,
            key_checked=bool(sealed),
            key_replaced=new_key is not None,
        )

    # --- before anything stops ------------------------------------------------------------

    def _running(self, component: str, what: str) -> str:
        found = self.tasks.running_task(self._service(component))
        if found is None:
            raise RestoreRefused(
                f"{what} of instance {self.instance} is not running: run `zaneops up` first"
            )
        return found

    def _current_key(self) -> str:
        return current_key(self.instance, self.tasks)

    def _key_to_put_back(self) -> str | None:
        """This installation's key, put back if replacing it fails half-way (if readable)."""
        try:
            return self._current_key()
        except (RestoreRefused, Unavailable):
            return None

    @property
    def _sealing_secret(self) -> str:
        return sealing_secret(self.instance)

    def _tables_of(self, path: Path, postgres: str) -> list[str]:
        listed = self.tasks.run_in(postgres, LIST_COMMAND, {})
        if listed.exit_code != 0:
            raise RestoreRefused(f"{path}: not a PostgreSQL custom-format dump ({_tail(listed)})")
        missing = platform_tables_missing(listed.output)
        if missing:
            raise RestoreRefused(
                f"{path}: a PostgreSQL dump, but not of a ZaneOps platform (no table "
                f"{', '.join(missing)})"
            )
        return [line for line in listed.output.splitlines() if " TABLE public " in line]

    def _load_aside(self, path: Path, dump: Path, postgres: str) -> None:
        """`dump` (the file at `path`, decrypted if it was encrypted) loaded aside."""
        self.echo(f"checking {path.name}")
        self.tasks.copy_in(postgres, dump, str(Path(IN_CONTAINER).parent), Path(IN_CONTAINER).name)
        try:
            self._tables_of(path, postgres)
        except RestoreRefused:
            self._drop_aside(postgres)  # the copy goes; no database aside was made
            raise
        self.echo("loading it beside the live database (nothing is stopped yet)")
        loaded = self.tasks.run_in(postgres, LOAD_ASIDE, {})
        if loaded.exit_code != 0:
            self._drop_aside(postgres)
            raise RestoreRefused(f"{path}: the load failed, nothing was replaced ({_tail(loaded)})")

    def _sealed(self, path: Path, postgres: str) -> list[str]:
        found = self.tasks.run_in(postgres, SEALED_VALUES, {})
        if found.exit_code != 0:
            raise RestoreRefused(f"{path}: its specs could not be read ({_tail(found)})")
        return sealed_values(found.output)

    def _drop_aside(self, postgres: str) -> None:
        self.tasks.run_in(postgres, DROP_ASIDE, {})
        self.tasks.run_in(postgres, ["rm", "-f", IN_CONTAINER], {})

    # --- the swap, with the API and the controllers stopped ------------------------------

    def _swap_while_stopped(self, postgres: str, new_key: str | None) -> dict[str, int]:
        old_key = self._key_to_put_back() if new_key is not None else None
        stopped = to_stop(self.tasks.replicas(self.instance), self.instance)
        self.echo(f"stopping {', '.join(sorted(stopped))}")
        try:
            for service in stopped:
                self.tasks.scale(service, 0)
            self.tasks.wait_stopped(list(stopped), self.stop_timeout)
            self._swap(postgres)
            try:
                self._migrate()
                if new_key is not None:
                    self._replace_key(new_key, old_key)
            except BaseException:
                self._swap_back(postgres)
                raise
            self._drop_previous(postgres)
        finally:
            self._start_again(postgres, stopped)
        return stopped

    def _start_again(self, postgres: str, stopped: dict[str, int]) -> None:
        """Every stopped service scaled back, whatever else fails meanwhile (the first
        failure is raised once all were tried)."""
        failures: list[Exception] = []
        try:
            self.tasks.run_in(postgres, ["rm", "-f", IN_CONTAINER], {})
        except Exception as exc:  # a copy left in /tmp matters less than the services
            self.echo(f"the file's copy in the database's container is left: {exc}")
        self.echo("starting them again")
        for service, replicas in stopped.items():
            try:
                self.tasks.scale(service, replicas)
            except Exception as exc:
                failures.append(exc)
                self.echo(
                    f"{service} could not be started again: run `docker service scale "
                    f"{service}={replicas}` ({exc})"
                )
        if failures:
            raise failures[0]

    def _swap(self, postgres: str) -> None:
        swapped = self.tasks.run_in(postgres, SWAP, {})
        if swapped.exit_code != 0:
            self._drop_aside(postgres)
            raise RestoreRefused(f"swapping in the loaded database failed: {_tail(swapped)}")
        self.echo(
            f"the platform's database is the backup's now (the previous one kept as {PREVIOUS})"
        )

    def _swap_back(self, postgres: str) -> None:
        back = self.tasks.run_in(postgres, SWAP_BACK, {})
        if back.exit_code != 0:
            self.echo(
                f"the previous database could not be made live again ({_tail(back)}): it is "
                f"still there, as {PREVIOUS}"
            )
            return
        self.echo("the previous database is live again: nothing was replaced")

    def _drop_previous(self, postgres: str) -> None:
        dropped = self.tasks.run_in(postgres, DROP_PREVIOUS, {})
        if dropped.exit_code != 0:  # the restore is done; the copy only takes room
            self.echo(f"the previous database {PREVIOUS} is left (drop it): {_tail(dropped)}")

    def _migrate(self) -> None:
        migrate = self._running("migrate", "the migrate service")
        ran = self.tasks.run_in(migrate, MIGRATE_COMMAND, {})
        if ran.exit_code != 0:
            raise RestoreRefused(f"the migrations failed after the restore: {_tail(ran)}")
        self.echo(ran.output.strip().splitlines()[-1] if ran.output.strip() else "migrated")

    def _replace_key(self, key: str, old_key: str | None) -> None:
        secret = self._sealing_secret
        mounted = self.tasks.secret_targets(secret, self.instance)
        try:
            self.tasks.replace_secret(secret, key, labels(self.instance), mounted)
        except BaseException:
            # Half done, the services may mount no key at all: the previous one goes back.
            if old_key is not None:
                try:
                    self.tasks.replace_secret(secret, old_key, labels(self.instance), mounted)
                except Exception as exc:  # the first failure is the one to report
                    self.echo(f"putting the previous key back failed too: {exc}")
            raise
        self.echo(f"sealing key replaced ({secret}, for {', '.join(sorted(mounted))})")


def _tail(ran: Ran, lines: int = 5) -> str:
    said = [line for line in ran.output.strip().splitlines() if line.strip()]
    return " / ".join(said[-lines:]) or f"exit code {ran.exit_code}"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
