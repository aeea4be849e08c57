"""The processes of one installation: migrate, the API, a controller, admins."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from api.settings import ApiSettings
from launcher.cli.common import announce, load_settings
from zaneops.common.errors import Conflict, Unavailable
from zaneops.common.logging import configure_logging
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.settings import RuntimeSettings

# Written by `migrate --stay` once done: the migrate service's health check looks for it.
MIGRATED_MARKER = Path("/tmp/zane-migrated")


@click.command("migrate")
@click.option("--stay", is_flag=True, help="Then wait for SIGTERM (the stack's migrate service).")
def migrate_command(stay: bool) -> None:
    """Bring the database schema up to date (safe to run from several processes at once),
    then let the components' roles log in (ZANE_MIGRATE_*)."""
    migrate()
    if stay:
        stay_until_stopped()


def migrate() -> None:
    from launcher.migration import MigrationSettings
    from zaneops.adapters.postgres.migrate import current_revisions, upgrade_to_head
    from zaneops.adapters.postgres.roles import grant_logins

    url = load_settings(InstallationSettings).database_url
    components = load_settings(MigrationSettings).component_urls()
    try:
        upgrade_to_head(url)
        roles = grant_logins(url, components) if components else []
    except (Unavailable, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"schema at revision {', '.join(current_revisions(url))}")
    if roles:
        click.echo(f"roles that may log in: {', '.join(roles)}")


# What the migrate service's process becomes once done: a shell that waits for SIGTERM (as
# PID 1 it needs the trap, or the signal would be ignored and Swarm would wait 10 s to kill).
WAIT_FOR_SIGTERM = ("sh", "-c", "sleep infinity & trap 'kill $!; exit 0' TERM INT; wait")


def stay_until_stopped() -> None:
    """Wait until SIGTERM, holding nothing open; the health check reads the marker. The
    Python process is replaced: waiting in it would keep ~60 MiB of modules for nothing."""
    MIGRATED_MARKER.touch()
    sys.stdout.flush()
    os.execvp(WAIT_FOR_SIGTERM[0], list(WAIT_FOR_SIGTERM))


@click.command("schema-ready")
def schema_ready_command() -> None:
    """Exit 0 once the schema is at this version's head (components wait on it to start)."""
    from zaneops.adapters.postgres.migrate import current_revisions, latest_revisions

    url = load_settings(InstallationSettings).database_url
    try:
        current = current_revisions(url)
    except Exception as exc:  # not reachable yet, or no schema at all: not ready, say why
        raise click.ClickException(f"schema not readable yet: {exc}") from exc
    if current != latest_revisions():
        raise click.ClickException(f"schema at {current}, waiting for {latest_revisions()}")


@click.group("controller")
def controller() -> None:
    """Run the controllers."""


@controller.command("run")
@click.argument("name")
def run_controller_command(name: str) -> None:
    """Run controller NAME (a registered name, or module:ENTRY) until SIGTERM."""
    from launcher.controller_process import find_entry, run_controller

    installation = load_settings(InstallationSettings)
    runtime = load_settings(RuntimeSettings)
    configure_logging(installation.log_level)
    try:
        entry = find_entry(name)
    except (ValueError, TypeError, ImportError, AttributeError) as exc:
        raise click.ClickException(str(exc)) from exc
    asyncio.run(run_controller(entry, installation, runtime))


@click.command("api")
@click.option("--host", default=None, help="Listen address (default: ZANE_API_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: ZANE_API_PORT).")
def api_command(host: str | None, port: int | None) -> None:
    """Serve the HTTP API; creates the first admin if there is no user yet."""
    import uvicorn

    from api.app import create_app
    from api.bootstrap import ensure_first_admin

    installation = load_settings(InstallationSettings)
    settings = load_settings(ApiSettings)
    configure_logging(installation.log_level)
    try:
        announce(asyncio.run(ensure_first_admin(installation, settings)))
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from exc
    uvicorn.run(
        create_app(settings, installation),
        host=host or settings.host,
        port=port or settings.port,
        proxy_headers=False,  # the app applies ZANE_API_TRUSTED_PROXIES itself
        server_header=False,
    )


@click.group("admin")
def admin() -> None:
    """Manage the API's administrators."""


@admin.command("create")
@click.option("--username", default=None, help="Default: ZANE_API_ADMIN_USERNAME (admin).")
def admin_create(username: str | None) -> None:
    """Create an admin; the password is ZANE_API_ADMIN_PASSWORD, or generated and printed once."""
    from api.bootstrap import create_admin

    installation = load_settings(InstallationSettings)
    settings = load_settings(ApiSettings)
    try:
        chosen = username or settings.admin_username
        announce(asyncio.run(create_admin(installation, settings, chosen)))
    except (Conflict, Unavailable) as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("metrics-exporter")
def metrics_exporter_command() -> None:
    """Serve what users' containers on this node use (the Engine's stats) on /metrics, for
    the platform's Prometheus; until SIGTERM (ZANE_EXPORTER_*)."""
    from launcher.metrics_exporter import main

    main()


COMMANDS = (
    migrate_command,
    schema_ready_command,
    controller,
    api_command,
    admin,
    metrics_exporter_command,
)
