"""`zaneops restore` (the platform's own database from a backup of it), `zaneops secret-key
export` (the key its secrets are sealed with: a restored database is useless without it) and
`zaneops backup-key export` (the age identity, derived from it, that decrypts encrypted
backups anywhere)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from launcher.cli.platform_commands import platform_from, platform_options
from zaneops.common.errors import Unavailable


@click.command("restore")
@click.argument("backup_file", type=click.Path(path_type=Path))
@click.option(
    "--secret-key-file",
    type=click.Path(path_type=Path),
    help="The key the backup's secrets were sealed with (`zaneops secret-key export` on the "
    "machine it comes from); it replaces this installation's. Default: this one's.",
)
@click.option("--sha256", help="The file's sha256 (the download's X-Checksum-Sha256), checked.")
@platform_options
def restore_command(
    backup_file: Path, secret_key_file: Path | None, sha256: str | None, **overrides: object
) -> None:
    """Replace the platform's own database (projects, services, users, settings) with a backup
    of it, on a machine where `zaneops up` ran; the controllers then converge the world. An
    encrypted backup (.age) is decrypted first with the backup key derived from the sealing
    key (--secret-key-file's, else this installation's)."""
    from launcher.platform.restore import PlatformRestore, RestoreRefused
    from zaneops.adapters.docker.platform_restore import PlatformTasks

    platform = platform_from(overrides)
    # SIGTERM or SIGHUP (a closed terminal) mid-way: raised as an interrupt, so the services it
    # stopped are started again (`zaneops up` would not: their stack looks unchanged).
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _interrupt)
    try:
        restore = PlatformRestore(platform.instance, PlatformTasks(), click.echo)
        done = restore.run(backup_file, secret_key_file, sha256)
    except (RestoreRefused, Unavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    key = "replaced" if done.key_replaced else "kept"
    checked = "opens its secrets" if done.key_checked else "had no secret to open"
    click.echo(
        f"restored {backup_file} into instance {platform.instance}: {done.tables} tables, "
        f"loaded in {done.load_seconds:.1f} s, {done.total_seconds:.1f} s in all; the key "
        f"({key}) {checked}. The controllers now bring services, domains and volumes back "
        "(volumes come back empty: their data is not in this backup)."
    )


def _interrupt(signum: int, _: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@click.group("secret-key")
def secret_key_group() -> None:
    """The installation's sealing key (keep it apart from the backups)."""


@secret_key_group.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write it to this file, readable by its owner only (0600), instead of printing it.",
)
@platform_options
def export_command(output: Path | None, **overrides: object) -> None:
    """Print the key the platform's secrets are sealed with, read from a running API or
    controller task (it is printed nowhere else), or write it to --output (0600). Keep it
    with care, apart from the backups: `zaneops restore --secret-key-file` needs it on a new
    machine."""
    from launcher.platform.restore import RestoreRefused, current_key
    from zaneops.adapters.docker.platform_restore import PlatformTasks

    platform = platform_from(overrides)
    try:
        key = current_key(platform.instance, PlatformTasks())
    except (RestoreRefused, Unavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    if output is not None:
        write_private(output, key + "\n")
        click.echo(f"the sealing key of instance {platform.instance} is in {output} (0600)")
        return
    if sys.stdout.isatty():
        click.echo("warning: the key is printed below; use --output FILE instead", err=True)
    click.echo(key)


@click.group("backup-key")
def backup_key_group() -> None:
    """The key database backups are encrypted with (derived from the sealing key)."""


@backup_key_group.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write it to this new file, readable by its owner only (0600), instead of printing it.",
)
@platform_options
def export_backup_key_command(output: Path | None, **overrides: object) -> None:
    """Print the age identity that decrypts this platform's encrypted backups (derived from
    its sealing key, read from a running API or controller task), or write it to --output
    (0600; an existing file is left alone). Decrypt a downloaded backup with
    `age -d -i KEY_FILE BACKUP.age > DUMP`."""
    from launcher.platform.restore import RestoreRefused, current_key
    from zaneops.adapters.docker.platform_restore import PlatformTasks
    from zaneops.common import backup_key

    platform = platform_from(overrides)
    try:
        key = current_key(platform.instance, PlatformTasks())
    except (RestoreRefused, Unavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    text = backup_key.identity_file_text(key)
    if output is not None:
        write_new_private(output, text)
        click.echo(f"the backup key of instance {platform.instance} is in {output} (0600)")
        return
    if sys.stdout.isatty():
        click.echo("warning: the key is printed below; use --output FILE instead", err=True)
    click.echo(text, nl=False)


def write_new_private(path: Path, text: str) -> None:
    """`text` in a new file `path`, made 0600; an existing file is refused, never replaced."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{path}: already exists, not overwritten") from None
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot be written ({exc.strerror})") from exc
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def write_private(path: Path, text: str) -> None:
    """`text` in `path`, which only its owner may read: made 0600, or an existing file made
    0600 before anything is written to it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot be written ({exc.strerror})") from exc
    with os.fdopen(descriptor, "w") as file:
        os.fchmod(descriptor, 0o600)
        file.write(text)


COMMANDS = (restore_command, secret_key_group, backup_key_group)
