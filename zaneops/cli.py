"""The `zaneops` command."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeVar

import click
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from zaneops.errors import Unavailable
from zaneops.logging import configure_logging
from zaneops.settings import ControllerSettings, DatabaseSettings

if TYPE_CHECKING:
    from api.bootstrap import NewAdmin

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
    """Migrate, create the first admin, then start the API and every controller."""
    import os
    from pathlib import Path

    from api.bootstrap import ensure_first_admin
    from api.settings import ApiSettings
    from controllers import REGISTRY
    from zaneops.local import Component, LocalProcesses, wait_for_http, zaneops_command

    migrate()
    settings = load_settings(ApiSettings)
    _announce(asyncio.run(ensure_first_admin(settings)))
    processes = LocalProcesses(Path(state_dir))
    components = [
        Component("api", zaneops_command("api")),
        *(
            Component(f"controller-{name}", zaneops_command("controller", "run", name))
            for name in REGISTRY
        ),
    ]
    for component in components:
        pid, started = processes.start(component, dict(os.environ))
        click.echo(f"{component.name}: {'started' if started else 'already running'} (pid {pid})")
    url = f"http://{settings.api_host}:{settings.api_port}"
    if not wait_for_http(f"{url}/api/v1/health", timeout=30):
        raise click.ClickException(f"the API did not answer; see {processes.log_file('api')}")
    click.echo(f"logs and pids: {state_dir}")
    click.echo(f"dashboard: {url}/  (API: {url}/api/v1, OpenAPI: {url}/api/v1/openapi.json)")


@local.command("down")
@click.option("--state-dir", default="/var/lib/zaneops/local", show_default=True)
def local_down(state_dir: str) -> None:
    """Stop the local processes (SIGTERM: they finish what they are doing)."""
    from pathlib import Path

    from zaneops.local import LocalProcesses

    processes = LocalProcesses(Path(state_dir))
    for name in processes.names():
        click.echo(f"{name}: {'stopped' if processes.stop(name) else 'was not running'}")


def _announce(admin: NewAdmin | None) -> None:
    if admin is None:
        return
    if admin.generated_password is None:
        click.echo(f"admin {admin.username!r} created with the password from ZANE_ADMIN_PASSWORD")
    else:
        click.echo(
            f"admin {admin.username!r} created; password (shown only this once): "
            f"{admin.generated_password}"
        )


@main.command("api")
@click.option("--host", default=None, help="Listen address (default: ZANE_API_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: ZANE_API_PORT).")
def api_command(host: str | None, port: int | None) -> None:
    """Serve the HTTP API; creates the first admin if there is no user yet."""
    import uvicorn

    from api.app import create_app
    from api.bootstrap import ensure_first_admin
    from api.settings import ApiSettings

    settings = load_settings(ApiSettings)
    configure_logging("info")
    try:
        _announce(asyncio.run(ensure_first_admin(settings)))
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        proxy_headers=False,  # the app applies ZANE_TRUSTED_PROXIES itself
        server_header=False,
    )


@main.group()
def admin() -> None:
    """Manage the API's administrators."""


@admin.command("create")
@click.option("--username", default=None, help="Default: ZANE_ADMIN_USERNAME (admin).")
def admin_create(username: str | None) -> None:
    """Create an admin; the password is ZANE_ADMIN_PASSWORD, or generated and printed once."""
    from api.bootstrap import create_admin
    from api.settings import ApiSettings
    from zaneops.errors import Conflict

    settings = load_settings(ApiSettings)
    try:
        _announce(asyncio.run(create_admin(settings, username or settings.admin_username)))
    except (Conflict, Unavailable) as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()
