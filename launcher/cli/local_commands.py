"""`zaneops local up/down`: the platform as local processes (development and demos)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from api.settings import ApiSettings
from launcher.cli.common import announce, load_settings
from launcher.cli.process_commands import migrate
from zaneops.common.settings import InstallationSettings

STATE_DIR = "/var/lib/zaneops/local"


@click.group("local")
def local() -> None:
    """Run the platform as local processes (development; production runs on Swarm)."""


@local.command("up")
@click.option("--state-dir", default=STATE_DIR, show_default=True)
def local_up(state_dir: str) -> None:
    """Migrate, create the first admin, then start the API and every controller."""
    from api.bootstrap import ensure_first_admin
    from launcher.local_processes import LocalProcesses, platform_components, wait_for_http

    migrate()
    installation = load_settings(InstallationSettings)
    settings = load_settings(ApiSettings)
    announce(asyncio.run(ensure_first_admin(installation, settings)))
    processes = LocalProcesses(Path(state_dir))
    for component in platform_components():
        pid, started = processes.start(component, dict(os.environ))
        click.echo(f"{component.name}: {'started' if started else 'already running'} (pid {pid})")
    url = f"http://{settings.host}:{settings.port}"
    if not wait_for_http(f"{url}/api/v1/health", timeout=30):
        raise click.ClickException(f"the API did not answer; see {processes.log_file('api')}")
    click.echo(f"logs and pids: {state_dir}")
    click.echo(f"dashboard: {url}/  (API: {url}/api/v1, OpenAPI: {url}/api/v1/openapi.json)")


@local.command("down")
@click.option("--state-dir", default=STATE_DIR, show_default=True)
def local_down(state_dir: str) -> None:
    """Stop the local processes (SIGTERM: they finish what they are doing)."""
    from launcher.local_processes import LocalProcesses

    processes = LocalProcesses(Path(state_dir))
    for name in processes.names():
        click.echo(f"{name}: {'stopped' if processes.stop(name) else 'was not running'}")


COMMANDS = (local,)
