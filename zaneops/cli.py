"""The `zaneops` command."""

from __future__ import annotations

import asyncio

import click

from zaneops.logging import configure_logging
from zaneops.settings import ControllerSettings, DatabaseSettings


@click.group()
def main() -> None:
    """ZaneOps: a self-hosted PaaS that converges Docker Swarm and Caddy to specs in Postgres."""


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run from several processes at once)."""
    from zaneops.adapters.postgres.migrate import current_revision, upgrade_to_head

    url = DatabaseSettings().database_url
    upgrade_to_head(url)
    click.echo(f"schema at revision {current_revision(url)}")


@main.group()
def controller() -> None:
    """Run the controllers."""


@controller.command("run")
@click.argument("name")
def run_controller_command(name: str) -> None:
    """Run controller NAME (a registered name, or module:Factory) until SIGTERM."""
    from zaneops.process import load_controller, run_controller

    settings = ControllerSettings()
    configure_logging(settings.log_level)
    try:
        instance = load_controller(name)
    except (ValueError, TypeError, ImportError, AttributeError) as exc:
        raise click.ClickException(str(exc)) from exc
    asyncio.run(run_controller(instance, settings))


if __name__ == "__main__":
    main()
