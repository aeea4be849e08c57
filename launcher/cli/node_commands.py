"""`zaneops node ...`: the swarm's servers. Run on a manager; each command is one call to its
Docker engine (issue 16: servers in the product)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TypeVar

import click

from zaneops.adapters.docker.nodes import ServerNode, SwarmNodes
from zaneops.common.errors import ZaneError

T = TypeVar("T")
LABEL_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
RESERVED_PREFIXES = ("com.docker.", "io.docker.", "org.dockerproject.", "zane.")
MAX_LABEL_VALUE = 256


@click.group("node")
def node_group() -> None:
    """The servers of the swarm: add one, list them, drain, activate, label, remove."""


def _engine(action: Callable[[SwarmNodes], T]) -> T:
    """One call to the local engine; its refusal is a one-line message, never a traceback."""
    try:
        return action(SwarmNodes())
    except ZaneError as exc:
        raise click.ClickException(str(exc)) from exc


@node_group.command("add")
@click.option("--manager", is_flag=True, help="Join as a manager (3 or 5 keep a quorum).")
def add(manager: bool) -> None:
    """Print the command to run on the new server (Docker installed) to join this swarm."""
    role = "manager" if manager else "worker"
    command = _engine(lambda nodes: nodes.join_command(role))
    click.echo(f"Run this on the new server to join it as a {role}:\n")
    click.echo("    " + " ".join(command))
    if command[-1].startswith(("127.", "localhost")):
        click.echo(
            "\nwarning: this swarm advertises a loopback address, which no other server can "
            "reach: make it anew with `docker swarm init --advertise-addr <this server's "
            "address>` before adding servers",
            err=True,
        )
    click.echo("\nThen run `zaneops up` here again: controllers spread over the servers.")


@node_group.command("ls")
@click.option("--format", "form", type=click.Choice(["table", "json"]), default="table")
def ls(form: str) -> None:
    """Every server: role, state, availability, address, labels."""
    nodes = _engine(lambda engine: engine.servers())
    if form == "json":
        click.echo(json.dumps([_as_json(node) for node in nodes], indent=2))
        return
    rows: list[tuple[str, ...]] = [
        ("HOSTNAME", "ROLE", "STATE", "AVAILABILITY", "ADDRESS", "CPUS", "LABELS")
    ]
    rows += [_row(node) for node in nodes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _row(node: ServerNode) -> tuple[str, ...]:
    role = f"{node.role} (leader)" if node.leader else node.role
    labels = ",".join(f"{k}={v}" for k, v in sorted(node.labels.items()))
    cpus = f"{node.cpus:g}"
    return (node.hostname, role, node.state, node.availability, node.address, cpus, labels)


def _as_json(node: ServerNode) -> dict[str, object]:
    return {
        "id": node.id,
        "hostname": node.hostname,
        "role": node.role,
        "leader": node.leader,
        "state": node.state,
        "availability": node.availability,
        "address": node.address,
        "engine": node.engine,
        "cpus": node.cpus,
        "memory_bytes": node.memory_bytes,
        "labels": node.labels,
    }


@node_group.command("drain")
@click.argument("node")
def drain(node: str) -> None:
    """Move every task off NODE (hostname or ID) and place none there."""
    done = _engine(lambda nodes: nodes.set_availability(node, "drain"))
    click.echo(f"{done.hostname}: drained; its tasks move to the other servers")


@node_group.command("activate")
@click.argument("node")
def activate(node: str) -> None:
    """Let NODE take tasks again."""
    done = _engine(lambda nodes: nodes.set_availability(node, "active"))
    click.echo(f"{done.hostname}: active")


@node_group.command("label")
@click.argument("node")
@click.argument("labels", nargs=-1)
@click.option("--rm", "remove", multiple=True, help="A label key to remove (repeatable).")
def label(node: str, labels: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Set labels (key=value ...) on NODE, or remove some (--rm key); services are placed by
    them (placement constraints on node labels)."""
    add = dict(_parsed_label(text) for text in labels)
    for key in remove:
        _check_key(key, f"--rm {key!r}")
    if not add and not remove:
        raise click.UsageError("give labels as key=value, or --rm key")
    done = _engine(lambda nodes: nodes.set_labels(node, add, list(remove)))
    shown = ", ".join(f"{k}={v}" for k, v in sorted(done.labels.items())) or "none"
    click.echo(f"{done.hostname}: labels {shown}")


def _parsed_label(text: str) -> tuple[str, str]:
    key, sign, value = text.partition("=")
    if not sign:
        raise click.BadParameter(f"{text!r} is not key=value", param_hint="LABELS")
    _check_key(key, f"{text!r}")
    if len(value) > MAX_LABEL_VALUE or not value.isprintable():
        raise click.BadParameter(
            f"{text!r}: the value must be printable, {MAX_LABEL_VALUE} characters at most",
            param_hint="LABELS",
        )
    return key, value


def _check_key(key: str, where: str) -> None:
    if not LABEL_KEY.fullmatch(key):
        raise click.BadParameter(
            f"{where}: a key is letters, digits, '.', '_' or '-' (128 at most), starting with "
            "a letter or digit",
            param_hint="LABELS",
        )
    if key.startswith(RESERVED_PREFIXES):
        raise click.BadParameter(
            f"{where}: keys starting with {', '.join(RESERVED_PREFIXES)} are reserved",
            param_hint="LABELS",
        )


@node_group.command("rm")
@click.argument("node")
@click.option("--force", is_flag=True, help="Remove it even if it is not down.")
def rm(node: str, force: bool) -> None:
    """Remove NODE from the swarm (once it has left it, or is down for good)."""
    done = _engine(lambda nodes: nodes.remove(node, force))
    click.echo(f"{done.hostname}: removed from the swarm")


COMMANDS = [node_group]
