"""The `zaneops` command."""

from __future__ import annotations

import asyncio
from typing import TypeVar

import click
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from zaneops.errors import Unavailable
from zaneops.logging import configure_logging
from zaneops.settings import ControllerSettings, DatabaseSettings

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Settings from ZANE_* variables; a bad value is a one-line message naming the variable."""
    try:
        return settings_class()
    except ValidationError as exc:
        problems = "; ".join(
            f"ZANE_{'_'.join(map(str, error['loc'])).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise click.ClickException(f"invalid settings: {problems}") from exc


@click.group()
def main() -> None:
    """ZaneOps: a self-hosted PaaS that converges Docker Swarm and Caddy to specs in Postgres."""


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (safe to run from several processes at once)."""
    migrate()


def migrate() -> None:
    from zaneops.adapters.postgres.migrate import current_revisions, upgrade_to_head

    url = load_settings(DatabaseSettings).database_url
    try:
        upgrade_to_head(url)
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"schema at revision {', '.join(current_revisions(url))}")


@main.group()
def controller() -> None:
    """Run the controllers."""


@controller.command("run")
@click.argument("name")
def run_controller_command(name: str) -> None:
    """Run controller NAME (a registered name, or module:Factory) until SIGTERM."""
    from zaneops.process import load_controller, run_controller

    settings = load_settings(ControllerSettings)
    configure_logging(settings.log_level)
    try:
        instance = load_controller(name)
    except (ValueError, TypeError, ImportError, AttributeError) as exc:
        raise click.ClickException(str(exc)) from exc
    asyncio.run(run_controller(instance, settings))


@main.group()
def local() -> None:
    """Run the platform as local processes (development; production runs on Swarm)."""


@local.command("up")
@click.option("--state-dir", default="/var/lib/zaneops/local", show_default=True)
def local_up(state_dir: str) -> None:
    """Migrate, then start every controller (and the API once it exists) in the background."""
    import os
    from pathlib import Path

    from controllers import REGISTRY
    from zaneops.local import Component, LocalProcesses, zaneops_command

    migrate()
    processes = LocalProcesses(Path(state_dir))
    components = [
        Component(f"controller-{name}", zaneops_command("controller", "run", name))
        for name in REGISTRY
    ]
    for component in components:
        pid, started = processes.start(component, dict(os.environ))
        click.echo(f"{component.name}: {'started' if started else 'already running'} (pid {pid})")
    click.echo(f"logs and pids: {state_dir}")


@local.command("down")
@click.option("--state-dir", default="/var/lib/zaneops/local", show_default=True)
def local_down(state_dir: str) -> None:
    """Stop the local processes (SIGTERM: they finish what they are doing)."""
    from pathlib import Path

    from zaneops.local import LocalProcesses

    processes = LocalProcesses(Path(state_dir))
    for name in processes.names():
        click.echo(f"{name}: {'stopped' if processes.stop(name) else 'was not running'}")


if __name__ == "__main__":
    main()
