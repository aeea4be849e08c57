"""`zaneops up/down/status/logs`: the platform as swarm services on this machine."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from launcher.cli.common import problems
from launcher.platform.settings import Platform, PlatformSettings
from zaneops.common.errors import Unavailable
from zaneops.common.settings import InstallationSettings

if TYPE_CHECKING:
    from launcher.platform.installer import Installer

WHEEL_CACHE = Path("/var/cache/zaneops/wheels")
PLAIN_HTTP_WARNING = (
    "warning: the dashboard is served over plain HTTP, for first setup only: passwords and "
    "sessions cross the network in clear. Point a domain at this server and run\n"
    "  zaneops up --dashboard-domain dash.example.com\n"
    "to serve it only over HTTPS (the plain port then closes)."
)


def platform_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options shared by up/down/status/logs; each overrides a ZANE_PLATFORM_* setting."""
    options = [
        click.option("--instance", help="Installation name (ZANE_INSTANCE, default zaneops)."),
        click.option("--http-port", "http_port", type=int, help="Proxy HTTP port (80)."),
        click.option("--https-port", "https_port", type=int, help="Proxy HTTPS port (443)."),
        click.option(
            "--dashboard-port", "dashboard_port", type=int, help="API/dashboard port (8000)."
        ),
        click.option("--dashboard-domain", "dashboard_domain", help="Dashboard domain."),
        click.option("--https/--no-https", "https", default=None, help="HTTPS for domains."),
        click.option("--run-dir", "run_dir", help="Host folder of Caddy's admin socket."),
        click.option("--data-dir", "data_dir", help="Host folder of volumes, builds, stack."),
        click.option(
            "--images",
            "images",
            type=click.Choice(["auto", "local", "upstream"]),
            help="Build FROM the local Debian base, FROM upstream images, or detect (auto).",
        ),
        click.option(
            "--controller-replicas",
            "controller_replicas",
            type=int,
            help="Default: 1 on one node, 2 on several.",
        ),
        click.option("--image-marker", "image_marker", help="Force a new app image."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def platform_from(overrides: dict[str, object]) -> Platform:
    """The installation's name and platform settings: options win over ZANE_* variables."""
    given = {key: value for key, value in overrides.items() if value is not None}
    instance = given.pop("instance", None)
    try:
        installation = InstallationSettings(instance=str(instance)) if instance else None
        name = installation.instance if installation else InstallationSettings().instance
        settings = PlatformSettings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {problems(exc)}") from exc
    return Platform(name, settings)


def installer_for(platform: Platform) -> Installer:
    from launcher.platform.build_context import BuildContexts, repo_root
    from launcher.platform.installer import Installer
    from zaneops.adapters.docker.platform import DockerPlatform

    contexts = BuildContexts(repo_root(), WHEEL_CACHE, click.echo)
    try:
        return Installer(platform, DockerPlatform(), contexts, click.echo)
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("up")
@click.option("--skip-host", is_flag=True, help="Do not check the engine, swarm and base image.")
@platform_options
def up_command(skip_host: bool, **overrides: object) -> None:
    """Install or upgrade the platform on this machine's Swarm; idempotent."""
    from launcher.platform.build_context import BuildContextError, repo_root
    from launcher.platform.health import PlatformFailed

    started = time.monotonic()
    if not skip_host:
        host = subprocess.run(["bash", str(repo_root() / "stacks" / "host.sh")], check=False)
        if host.returncode != 0:
            raise click.ClickException("the host is not ready (Docker engine, swarm, base image)")
    platform = platform_from(overrides)
    installer = installer_for(platform)
    try:
        result = installer.up()
    except (PlatformFailed, Unavailable, BuildContextError) as exc:
        _show_admin(installer.new_admin_password)
        raise click.ClickException(str(exc)) from exc
    took = time.monotonic() - started
    click.echo(f"ZaneOps is up (instance {platform.instance}) in {took:.1f} s")
    if platform.settings.dashboard_domain:
        click.echo(f"dashboard: https://{platform.settings.dashboard_domain}/")
    else:
        click.echo(f"dashboard: http://127.0.0.1:{platform.settings.dashboard_port}/")
        click.echo(PLAIN_HTTP_WARNING)
    _show_admin(result.admin_password)


def _show_admin(password: str | None) -> None:
    if password:
        click.echo(f"admin: admin / {password}  (shown only this once)")


@click.command("down")
@platform_options
def down_command(**overrides: object) -> None:
    """Remove the platform's services; data, secrets and users' services stay."""
    platform = platform_from(overrides)
    try:
        installer_for(platform).down()
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"platform {platform.instance} stopped; volumes, secrets and users' services kept")


@click.command("status")
@platform_options
def status_command(**overrides: object) -> None:
    """Every platform component: replicas running, health, image."""
    from launcher.platform.health import describe

    platform = platform_from(overrides)
    states = installer_for(platform).status()
    if not states:
        click.echo(f"platform {platform.instance}: not running")
    for state in states:
        click.echo(f"{describe(state, state.spec_hash):<55} {state.image}")


@click.command("logs")
@click.argument("component")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines.")
@click.option(
    "--kind",
    type=click.Choice(["runtime", "http"]),
    default="runtime",
    help="For a service: what it printed, or the requests the proxy served it.",
)
@click.option("-n", "--lines", default=100, show_default=True, help="For a service: how many.")
@platform_options
def logs_command(component: str, follow: bool, kind: str, lines: int, **overrides: object) -> None:
    """Print one component's logs (postgres, redis, proxy, api, controller-NAME), or a
    service's (PROJECT/ENV/SERVICE, through the API of the current context)."""
    if "/" in component:
        from launcher.cli.client_commands import service_logs

        service_logs(component, kind, lines, follow)
        return
    from launcher.platform.components import component_names
    from zaneops.adapters.docker.platform import DockerPlatform

    platform = platform_from(overrides)
    if component not in component_names():
        known = ", ".join(component_names())
        raise click.ClickException(f"unknown component {component!r}; known: {known}")
    raise SystemExit(DockerPlatform().logs(f"{platform.instance}_{component}", follow))


COMMANDS = (up_command, down_command, status_command, logs_command)
