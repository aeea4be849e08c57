"""`zaneops db ...`: databases and their backups from the command line, as the dashboard does
them (create, connection, back up now, list, restore into a new database)."""

from __future__ import annotations

import time
from typing import Any

import click

from client import resources
from client.output import rendered
from launcher.cli.client_commands import BAD_INPUT, OUTPUT, REFUSED, connected, fail
from zaneops.adapters.platform_api import PlatformApi
from zaneops.specs.databases import ENGINES

BACKUP_COLUMNS = [
    ("ID", lambda b: b["id"]),
    ("PHASE", lambda b: b.get("phase") or "QUEUED"),
    ("TRIGGER", lambda b: "restore" if b["spec"].get("restore_from") else b["spec"]["trigger"]),
    ("SIZE", lambda b: b["status"].get("details", {}).get("size_bytes")),
    ("CREATED", lambda b: b["created_at"]),
    ("VERDICT", lambda b: (b["status"].get("conditions") or [{}])[0].get("message")),
]
ENDED = ("VERIFIED", "FAILED")


@click.group("db")
def db_group() -> None:
    """Databases: create one, see how to connect, back it up, restore a backup."""


def _found(api: PlatformApi, address: str, wanted: resources.Kind) -> dict[str, Any]:
    kind, found = resources.find(api, address)
    if kind is not wanted:
        fail(f"{address!r} is not a {wanted.plural[:-1]}", BAD_INPUT)
    return found


@db_group.command("create")
@click.argument("environment")
@click.argument("slug")
@click.option("--engine", type=click.Choice(list(ENGINES)), default="postgres")
@click.option("--public-port", type=int, default=None, help="Publish it (off by default).")
def create(environment: str, slug: str, engine: str, public_port: int | None) -> None:
    """A database SLUG in PROJECT/ENV, with its volume and a generated password."""
    with connected() as api:
        env = _found(api, environment, resources.ENVIRONMENTS)
        body = {"slug": slug, "engine": engine, "public_port": public_port}
        made = api.post(f"/environments/{env['id']}/databases", body).body
        click.echo(f"{environment}/{slug} made: deploy it with `zaneops deploy`")
        click.echo(
            f"reference from other services: {made['connection']['references']['DATABASE_URL']}"
        )


@db_group.command("url")
@click.argument("address")
@click.option("--reveal", is_flag=True, help="With the password in clear.")
def url(address: str, reveal: bool) -> None:
    """How to connect to PROJECT/ENV/DB (its password masked unless --reveal)."""
    with connected() as api:
        service = _found(api, address, resources.SERVICES)
        query = {"reveal": "true"} if reveal else {}
        click.echo(api.get(f"/services/{service['id']}/connection", query).body["url"])


@db_group.command("backup")
@click.argument("address")
@click.option("--wait", "block", is_flag=True, help="Until it is VERIFIED or FAILED.")
@click.option("--timeout", default=3600.0, show_default=True)
def backup(address: str, block: bool, timeout: float) -> None:
    """Back up PROJECT/ENV/DB now; with --wait, exit 1 unless it is verified."""
    with connected() as api:
        service = _found(api, address, resources.SERVICES)
        made = api.post(f"/services/{service['id']}/backups").body
        click.echo(f"backup {made['id']} of {address} queued")
        if block:
            _until_ended(api, made["id"], timeout)


def _until_ended(api: PlatformApi, backup_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        found = api.get(f"/backups/{backup_id}").body
        if found.get("phase") in ENDED:
            break
        if time.monotonic() > deadline:
            fail(f"backup {backup_id}: not ended after {timeout:g} s", REFUSED)
        time.sleep(1.0)
    message = (found["status"].get("conditions") or [{}])[0].get("message", "")
    if found["phase"] != "VERIFIED":
        fail(f"backup {backup_id}: FAILED: {message}", REFUSED)
    click.echo(f"backup {backup_id}: VERIFIED: {message}")


@db_group.command("backups")
@click.argument("address")
@OUTPUT
def backups(address: str, form: str) -> None:
    """The backups of PROJECT/ENV/DB, newest first."""
    with connected() as api:
        service = _found(api, address, resources.SERVICES)
        items = api.get(f"/services/{service['id']}/backups").body["items"]
        click.echo(rendered(items, BACKUP_COLUMNS, form))


@db_group.command("restore")
@click.argument("backup_id")
@click.argument("slug")
def restore(backup_id: str, slug: str) -> None:
    """Restore a verified backup into a new database SLUG (made, deployed, then checked)."""
    with connected() as api:
        made = api.post(f"/backups/{backup_id}/restore", {"slug": slug}).body
        click.echo(f"database {made['service']['spec']['slug']} made from backup {backup_id}")


COMMANDS = [db_group]
