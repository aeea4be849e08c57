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
    from collections.abc import Callable

    from api.bootstrap import NewAdmin
    from zaneops.platform.installer import Installer
    from zaneops.platform.settings import PlatformSettings

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


# --- the platform on Swarm ------------------------------------------------------------------


def platform_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options shared by up/down/status/logs; each overrides a ZANE_* setting."""
    options = [
        click.option("--instance", help="Installation name (ZANE_INSTANCE, default zaneops)."),
        click.option("--http-port", "platform_http_port", type=int, help="Proxy HTTP port (80)."),
        click.option(
            "--https-port", "platform_https_port", type=int, help="Proxy HTTPS port (443)."
        ),
        click.option(
            "--dashboard-port",
            "platform_dashboard_port",
            type=int,
            help="API/dashboard port (8000).",
        ),
        click.option("--dashboard-domain", "platform_dashboard_domain", help="Dashboard domain."),
        click.option(
            "--https/--no-https", "platform_https", default=None, help="HTTPS for domains."
        ),
        click.option("--run-dir", "platform_run_dir", help="Host folder of Caddy's admin socket."),
        click.option(
            "--data-dir", "platform_data_dir", help="Host folder of volumes, builds, stack."
        ),
        click.option(
            "--images",
            "platform_images",
            type=click.Choice(["auto", "local", "upstream"]),
            help="Build FROM the local Debian base, FROM upstream images, or detect (auto).",
        ),
        click.option(
            "--controller-replicas", "platform_controller_replicas", type=int, help="Default 2."
        ),
        click.option("--image-marker", "platform_image_marker", help="Force a new app image."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _platform(overrides: dict[str, object]) -> tuple[PlatformSettings, Installer]:
    from pathlib import Path

    from zaneops.adapters.docker.platform import DockerPlatform
    from zaneops.platform.installer import Installer
    from zaneops.platform.settings import PlatformSettings
    from zaneops.platform.workshop import Workshop, repo_root

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = PlatformSettings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {_problems(exc)}") from exc
    workshop = Workshop(repo_root(), Path("/var/cache/zaneops/wheels"), click.echo)
    try:
        return settings, Installer(settings, DockerPlatform(), workshop, click.echo)
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'_'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
    )


@main.command("up")
@click.option("--skip-host", is_flag=True, help="Do not check the engine, swarm and base image.")
@platform_options
def up_command(skip_host: bool, **overrides: object) -> None:
    """Install or upgrade the platform on this machine's Swarm; idempotent."""
    import subprocess
    import time

    from zaneops.platform.health import PlatformFailed
    from zaneops.platform.workshop import WorkshopError, repo_root

    started = time.monotonic()
    if not skip_host:
        host = subprocess.run(["bash", str(repo_root() / "stacks" / "host.sh")], check=False)
        if host.returncode != 0:
            raise click.ClickException("the host is not ready (Docker engine, swarm, base image)")
    settings, installer = _platform(overrides)
    try:
        result = installer.up()
    except (PlatformFailed, Unavailable, WorkshopError) as exc:
        _show_admin(installer.new_admin_password)
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"ZaneOps is up (instance {settings.instance}) in {time.monotonic() - started:.1f} s"
    )
    click.echo(f"dashboard: http://127.0.0.1:{settings.platform_dashboard_port}/")
    if settings.platform_dashboard_domain:
        click.echo(f"dashboard: https://{settings.platform_dashboard_domain}/")
    _show_admin(result.admin_password)


def _show_admin(password: str | None) -> None:
    if password:
        click.echo(f"admin: admin / {password}  (shown only this once)")


@main.command("down")
@platform_options
def down_command(**overrides: object) -> None:
    """Remove the platform's services; data, secrets and users' services stay."""
    settings, installer = _platform(overrides)
    try:
        installer.down()
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"platform {settings.instance} stopped; volumes, secrets and users' services kept")


@main.command("status")
@platform_options
def status_command(**overrides: object) -> None:
    """Every platform component: replicas running, health, image."""
    from zaneops.platform.health import describe

    settings, installer = _platform(overrides)
    states = installer.status()
    if not states:
        click.echo(f"platform {settings.instance}: not running")
    for state in states:
        click.echo(f"{describe(state, state.spec_hash):<55} {state.image}")


@main.command("logs")
@click.argument("component")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines.")
@platform_options
def logs_command(component: str, follow: bool, **overrides: object) -> None:
    """Print one component's logs (postgres, redis, proxy, api, controller-NAME)."""
    from zaneops.adapters.docker.platform import DockerPlatform
    from zaneops.platform.components import component_names

    settings, _ = _platform(overrides)
    if component not in component_names():
        known = ", ".join(component_names())
        raise click.ClickException(f"unknown component {component!r}; known: {known}")
    raise SystemExit(DockerPlatform().logs(f"{settings.instance}_{component}", follow))


if __name__ == "__main__":
    main()
