"""`zaneops restore` (the platform's own database from a backup of it) and `zaneops secret-key
export` (the key its secrets are sealed with: a restored database is useless without it)."""

from __future__ import annotations

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
    of it, on a machine where `zaneops up` ran; the controllers then converge the world."""
    from launcher.platform.restore import PlatformRestore, RestoreRefused
    from zaneops.adapters.docker.platform_restore import PlatformTasks

    platform = platform_from(overrides)
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


@click.group("secret-key")
def secret_key_group() -> None:
    """The installation's sealing key (keep it apart from the backups)."""


@secret_key_group.command("export")
@platform_options
def export_command(**overrides: object) -> None:
    """Print the key the platform's secrets are sealed with, read from a running API or
    controller task (it is printed nowhere else). Keep it with care, apart from the backups:
    `zaneops restore --secret-key-file` needs it on a new machine."""
    from launcher.platform.restore import RestoreRefused, current_key
    from zaneops.adapters.docker.platform_restore import PlatformTasks

    platform = platform_from(overrides)
    try:
        key = current_key(platform.instance, PlatformTasks())
    except (RestoreRefused, Unavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    if sys.stdout.isatty():
        click.echo("warning: the key is printed below; redirect it to a file instead", err=True)
    click.echo(key)


COMMANDS = (restore_command, secret_key_group)
